"""Debian's Orca (/usr/bin/orca), its --debug-file written a line at a time.

Orca opens its debug file with Python's default buffering: an utterance reaches the
file only when 8 KiB have piled up after it, so a test reading the file would wait for
speech already spoken. Run with Debian's python3 (where Orca and its GObject bindings
live): ``python3 orca_line_buffered.py --replace --debug-file F``."""

import builtins
import runpy
import sys

ORCA = "/usr/bin/orca"
_open = builtins.open


def _line_buffered(file, mode="r", buffering=-1, *args, **kwargs):  # type: ignore[no-untyped-def]
    if "w" in mode and "b" not in mode and buffering == -1:
        buffering = 1  # text mode: flushed at each newline
    return _open(file, mode, buffering, *args, **kwargs)


builtins.open = _line_buffered
sys.argv = [ORCA, *sys.argv[1:]]
runpy.run_path(ORCA, run_name="__main__")
