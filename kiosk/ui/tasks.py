"""Background work with results delivered on the GUI thread.

``TaskRunner.run(fn, ...)`` runs ``fn`` on a single worker thread, so store writes happen
one at a time and in the order they were asked; ``run_cpu`` uses a small pool for CPU work
(scanner, OCR). The result, or the exception, comes back through a Qt signal: the runner
lives in the GUI thread, so Qt queues the emission from the worker and the callbacks run on
the GUI thread, where widgets may be touched. Nothing here ever blocks the GUI thread except
``shutdown(wait=True)`` at exit.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)

DoneCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


class TaskRunner(QObject):
    _delivered = Signal(object)  # a zero-argument callable to run on the GUI thread
    idle = Signal()  # emitted on the GUI thread when the last pending task has delivered

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._serial = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-store")
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, min(2, (os.cpu_count() or 2) - 1)), thread_name_prefix="kiosk-cpu"
        )
        self._pending = 0
        self._closed = False
        self._delivered.connect(self._deliver)

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

        def finished(fut: Future[Any]) -> None:  # runs on the worker thread
            self._delivered.emit(lambda: self._complete(fut, on_done, on_error))

        future.add_done_callback(finished)

    @Slot(object)
    def _deliver(self, callback: Callable[[], None]) -> None:
        callback()

    def _complete(
        self, fut: Future[Any], on_done: DoneCallback | None, on_error: ErrorCallback | None
    ) -> None:
        self._pending -= 1
        try:
            if fut.cancelled():  # dropped by shutdown() before it ran: nobody is waiting
                return
            exc = fut.exception()
            if exc is not None:
                if on_error is not None:
                    on_error(exc)
                else:
                    # The type only: exception messages may carry personal data.
                    log.error("background task failed: %s", type(exc).__name__)
            elif on_done is not None:
                on_done(fut.result())
        finally:
            if self._pending == 0:
                self.idle.emit()

    def shutdown(self, wait: bool = True) -> None:
        """Stop accepting work; with ``wait``, let queued store writes finish."""
        self._closed = True
        self._serial.shutdown(wait=wait)
        self._pool.shutdown(wait=wait, cancel_futures=True)
