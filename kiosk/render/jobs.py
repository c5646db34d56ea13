"""Painting in slices on the GUI thread, and printing on a worker thread that knows no Qt.

A receipt is painted on the GUI thread (``kiosk.render.receipt_pdf`` says why: Qt objects
made off it by Python code deadlocked the kiosk), in steps that :func:`run_in_slices` runs
one per turn of the event loop, so that the screen keeps answering while a long receipt at
200 % is laid out and painted (``benchmarks/receipt_print.py`` measures the longest stall).

:class:`PrintWorker` then hands the finished PDF's bytes to the printer
(``kiosk.devices.printer.Printer.print_pdf``: ``lpstat``, ``lp``, a file) on a plain Python
thread, one job at a time. That thread touches no Qt object at all, not even to say it is
done: it writes a byte to a pipe, and a ``QSocketNotifier`` on the GUI thread hears it and
runs the callbacks there. (Emitting a Qt signal from the worker would lock one of Qt's
signal-slot mutexes while holding the GIL: the very loop this module exists to avoid.)
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
from collections.abc import Callable, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, QTimer, Signal, Slot

log = logging.getLogger(__name__)

_T = TypeVar("_T")

PRINT_THREAD = "kiosk-print"


def run_in_slices(
    steps: Generator[None, None, _T],
    context: QObject,
    on_done: Callable[[_T], None],
    on_error: Callable[[BaseException], None],
) -> None:
    """Run one step of ``steps`` per turn of the GUI thread's event loop (a zero timer),
    from the next turn on; then ``on_done(result)``, or ``on_error(exc)`` if a step raised.
    Nothing more runs once ``context`` is destroyed."""

    def step() -> None:
        try:
            next(steps)
        except StopIteration as stop:
            on_done(stop.value)
            return
        except Exception as exc:  # handed to the caller
            steps.close()
            on_error(exc)
            return
        QTimer.singleShot(0, context, step)

    QTimer.singleShot(0, context, step)


def _wake(fd: int, _future: Future[Any]) -> None:
    """On the worker thread: tell the GUI thread a job is done (a byte on a pipe; no Qt)."""
    with contextlib.suppress(OSError):  # full (a wake-up is pending already), or closed
        os.write(fd, b"\0")


class PrintWorker(QObject):
    """Runs blocking, Qt-free jobs (printing the PDF bytes) one at a time on a Python
    thread (``kiosk-print``); callbacks run on the GUI thread. See the module's docstring."""

    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=PRINT_THREAD)
        self._read_fd, self._write_fd = os.pipe()  # not inherited by child processes
        os.set_blocking(self._read_fd, False)
        os.set_blocking(self._write_fd, False)
        self._notifier = QSocketNotifier(self._read_fd, QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._deliver)
        self._jobs: list[tuple[Future[Any], Callable[..., Any] | None, Any]] = []
        self._closed = False
        app = QCoreApplication.instance()
        if app is not None:  # no thread left at exit, whoever forgot shutdown()
            app.aboutToQuit.connect(self.shutdown)

    @property
    def pending(self) -> int:
        return len(self._jobs)

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``fn(*args)`` on the print thread: it must not touch Qt (nor may ``args``)."""
        if self._closed:
            raise RuntimeError("the print worker is shut down")
        future = self._executor.submit(fn, *args)
        self._jobs.append((future, on_done, on_error))
        future.add_done_callback(functools.partial(_wake, self._write_fd))

    @Slot()
    def _deliver(self) -> None:
        try:
            while os.read(self._read_fd, 256):
                pass
        except BlockingIOError:
            pass
        done = [job for job in self._jobs if job[0].done()]
        self._jobs = [job for job in self._jobs if not job[0].done()]
        for future, on_done, on_error in done:
            exc = None if future.cancelled() else future.exception()
            if future.cancelled():
                continue
            if exc is not None:
                if on_error is not None:
                    on_error(exc)
                else:
                    log.error("printing failed: %s", type(exc).__name__)
            elif on_done is not None:
                on_done(future.result())
        if done and not self._jobs:
            self.idle.emit()

    def shutdown(self) -> None:
        """Let the job in hand finish (printing has its own time-outs), drop the others."""
        if self._closed:
            return
        self._closed = True
        assert threading.current_thread() is threading.main_thread()
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._notifier.setEnabled(False)
        self._jobs.clear()
        os.close(self._read_fd)
        os.close(self._write_fd)
