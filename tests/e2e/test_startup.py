"""The kiosk's start path: nothing heavy is imported before the welcome screen is painted
(the budget in benchmarks/startup.py), and the work that waits for the paint does start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Run in a fresh interpreter: records the modules loaded when the first paint is reported,
# and, without --exit-after-shown, when the background work (store, sync, scanner, staff)
# has started and the store is open.
SCRIPT = r"""
import json, sys
import kiosk.app as app
from kiosk.__main__ import parse_args

HEAVY = ("sqlalchemy", "alembic", "cv2", "numpy", "requests", "kiosk.store.database", "pyttsx3",
         "fastapi", "uvicorn", "argon2", "kiosk.staff.central")
seen = {}
fire = app.FirstPaint.fire
args = parse_args(sys.argv[1:])


def check_later():
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    if all(m in sys.modules for m in ("kiosk.store.database", "kiosk.staff.central", "kiosk.link.help_call")):
        seen["after"] = [m for m in HEAVY if m in sys.modules]
        QApplication.quit()
    else:
        QTimer.singleShot(100, check_later)


def recording_fire(self):
    if not self.done:
        seen["at_paint"] = [m for m in HEAVY if m in sys.modules]
        if not args.exit_after_shown:
            check_later()
    fire(self)


app.FirstPaint.fire = recording_fire
rc = app.run(args)
print("RESULT " + json.dumps(seen), flush=True)
sys.exit(rc)
"""


def run_kiosk(tmp_path: Path, *extra: str) -> dict[str, list[str]]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, "--windowed", "--fake-devices", "--data-dir",
         str(tmp_path), *extra],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout + proc.stderr
    return json.loads(lines[-1].removeprefix("RESULT "))


def test_nothing_heavy_before_the_first_paint(tmp_path: Path) -> None:
    seen = run_kiosk(tmp_path, "--exit-after-shown")
    assert seen["at_paint"] == []


def test_the_background_work_starts_after_the_paint(tmp_path: Path) -> None:
    seen = run_kiosk(tmp_path)
    assert seen["at_paint"] == []
    assert {"sqlalchemy", "kiosk.store.database", "requests", "kiosk.staff.central"} <= set(
        seen["after"]
    )
    assert (tmp_path / "store" / "kiosk.db").exists()  # the store did open
