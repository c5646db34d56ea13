"""The Qt binding must not corrupt Python's reference counts (PySide6 6.12.0 did, on 3.11)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QPushButton

pytestmark = pytest.mark.gui


def test_void_calls_do_not_release_none(qtbot) -> None:  # type: ignore[no-untyped-def]
    button = QPushButton()
    qtbot.addWidget(button)
    before = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(500):
        button.setText("x")
        button.setEnabled(True)
    after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    # A healthy binding leaves them about where they were; 6.12.0 loses 1000 on None.
    assert all(a >= b - 50 for a, b in zip(after, before, strict=True)), (before, after)


# A Qt object owned by Python, with a running timer, in a reference cycle: garbage that only
# the cyclic collector frees. Freed on a worker thread, it kills the process in Qt's event
# loop (the staff tests' SIGSEGV); kiosk.ui.gc_guard keeps the collector on the GUI thread.
CYCLE = r"""
import gc, sys, threading
from PySide6.QtCore import QCoreApplication, QObject, QTimer

app = QCoreApplication([])
if sys.argv[1] == "guarded":
    from kiosk.ui.gc_guard import GuiThreadCollector

    collector = GuiThreadCollector(app, interval_ms=10)


class Owner(QObject):
    def __init__(self):
        super().__init__()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)
        self.timer.start(5)
        self.me = self  # the cycle

    def tick(self):
        pass


def allocate():  # what a sync or camera thread does: cyclic garbage, past the thresholds
    for _ in range(20_000):
        node = []
        node.append(node)


for _ in range(20):
    Owner()
worker = threading.Thread(target=allocate)
worker.start()
worker.join()
QTimer.singleShot(300, app.quit)
app.exec()
print("alive", gc.collect())
"""


def _run_cycle(mode: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONFAULTHANDLER": "1"}
    return subprocess.run(
        [sys.executable, "-c", CYCLE, mode], capture_output=True, text=True, env=env, timeout=60
    )


def test_qt_objects_freed_on_a_worker_thread_crash_the_event_loop() -> None:
    bare = _run_cycle("bare")
    assert bare.returncode == -signal.SIGSEGV, bare.stdout + bare.stderr
    assert "Timers cannot be stopped from another thread" in bare.stderr


def test_the_gui_thread_collector_frees_them_on_the_gui_thread() -> None:
    guarded = _run_cycle("guarded")
    assert guarded.returncode == 0, guarded.stderr
    assert guarded.stdout.strip() == "alive 0"  # all collected already, on the GUI thread
    assert "another thread" not in guarded.stderr
