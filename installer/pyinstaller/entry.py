"""Entry point of the PyInstaller bundle (installer/pyinstaller/kiosk.spec).

One executable per command (kiosk, kiosk-sync, kiosk-health), each from this file; which
one runs is the executable's name. The kiosk starts helpers as ``sys.executable -m
MODULE`` (the speech engine, the supervisor's child, the demo's central API): in a frozen
bundle ``sys.executable`` is this program, so ``-m MODULE ARGS`` runs that module here.
"""

import os
import runpy
import sys


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "-m":
        module = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    name = os.path.splitext(os.path.basename(sys.executable))[0].lower()
    if name == "kiosk-sync":
        from kiosk.link.sync_service import sync_main as command
    elif name == "kiosk-health":
        from kiosk.health.cli import main as command
    elif name == "kiosk-central":
        from central.__main__ import main as command
    else:
        from kiosk.__main__ import main as command
    return int(command() or 0)


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()
    sys.exit(main())
