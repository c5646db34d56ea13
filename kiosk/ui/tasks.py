"""Background work with results delivered on the GUI thread.

``TaskRunner.run(fn, ...)`` runs ``fn`` on a single worker thread, so store writes happen
one at a time and in the order they were asked; ``run_cpu`` uses a small pool for CPU work
(scanner, OCR). The result, or the exception, comes back through a
:class:`kiosk.render.jobs.GuiInbox` (a queue and a pipe, not a Qt signal: a worker thread
that emits a signal locks one of Qt's signal-slot mutexes while it holds Python's GIL, the
deadlock the soak test found), and the callbacks run on the GUI thread, where widgets may be
touched. The workers make no Qt call at all. Nothing here ever blocks the GUI thread except
``shutdown(wait=True)`` at exit.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

from kiosk.render.jobs import GuiInbox, deliver

log = logging.getLogger(__name__)

DoneCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


class TaskRunner(QObject):
    idle = Signal()  # emitted on the GUI thread when the last pending task has delivered

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._serial = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-store")
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, min(2, (os.cpu_count() or 2) - 1)), thread_name_prefix="kiosk-cpu"
        )
        self._pending = 0
        self._closed = False
        self._inbox = GuiInbox(self)  # open after shutdown(): what finished is delivered

    @property
    def closed(self) -> bool:
        """Shut down: nothing more can be run."""
        return self._closed

    @property
    def pending(self) -> int:
        """Tasks asked for whose callbacks have not run yet."""
        return self._pending

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: DoneCallback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> None:
        """Run ``fn(*args)`` on the serial worker (store writes: ordered)."""
        self._submit(self._serial, fn, args, on_done, on_error)

    def run_cpu(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: DoneCallback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> None:
        """Run ``fn(*args)`` on the CPU pool (no ordering between tasks)."""
        self._submit(self._pool, fn, args, on_done, on_error)

    def _submit(
        self,
        executor: Executor,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        on_done: DoneCallback | None,
        on_error: ErrorCallback | None,
    ) -> None:
        if self._closed:
            raise RuntimeError("the task runner is shut down")
        self._pending += 1
        future = executor.submit(fn, *args)
        # Called with the future on the worker thread (or here, if it is done already):
        # plain Python bound on this thread, nothing looked up on a QObject over there.
        complete = functools.partial(self._complete, on_done=on_done, on_error=on_error)
        future.add_done_callback(functools.partial(self._inbox.auto, complete))

    def _complete(
        self, fut: Future[Any], on_done: DoneCallback | None, on_error: ErrorCallback | None
    ) -> None:
        self._pending -= 1
        try:  # (a future dropped by shutdown() before it ran delivers nothing)
            deliver(fut, on_done, on_error, log, "background task failed")
        finally:
            if self._pending == 0:
                self.idle.emit()

    def shutdown(self, wait: bool = True) -> None:
        """Stop accepting work; with ``wait``, let queued store writes finish."""
        self._closed = True
        self._serial.shutdown(wait=wait)
        self._pool.shutdown(wait=wait, cancel_futures=True)
