"""``kiosk --supervised``: run the kiosk in a child process and start it again after a crash.

A clean exit (status 0: staff quit from admin mode) or SIGTERM/SIGINT to the supervisor
(systemd stopping the unit) ends supervision; any other exit (a crash, a kill) restarts the
kiosk after a back-off that doubles from 1 s up to 60 s, and starts again from 1 s once the
kiosk has run a minute. On an installed kiosk systemd's ``Restart=on-failure`` does the same
job one level up; the two can be combined.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

FIRST_DELAY_S = 1.0
MAX_DELAY_S = 60.0
STABLE_AFTER_S = 60.0


def child_command(argv: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "kiosk", *(a for a in argv if a != "--supervised")]


def supervise(
    argv: Sequence[str],
    *,
    spawn: Callable[[list[str]], Any] = subprocess.Popen,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    max_restarts: int | None = None,
) -> int:
    """Run ``kiosk argv`` until it exits cleanly; returns its last exit status."""
    command = child_command(argv)
    stopping = False
    child: Any = None

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    delay = FIRST_DELAY_S
    restarts = 0
    try:
        while True:
            started = monotonic()
            child = spawn(command)
            status = int(child.wait())
            if status == 0 or stopping:
                return status
            ran = monotonic() - started
            if ran >= STABLE_AFTER_S:
                delay = FIRST_DELAY_S
            print(
                f"kiosk: exited with status {status} after {ran:.0f} s; "
                f"restarting in {delay:.0f} s",
                file=sys.stderr,
                flush=True,
            )  # the journal's line (systemd) or the terminal's
            restarts += 1
            if max_restarts is not None and restarts > max_restarts:
                return status
            sleep(delay)
            if stopping:
                return status
            delay = min(delay * 2, MAX_DELAY_S)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
