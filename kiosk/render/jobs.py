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

That way back to the GUI thread is :class:`GuiInbox`, shared by every Python thread that
reports to the GUI (the task runner's workers, the camera, the help call and sync threads):
``post(fn, *args)`` puts the call on a ``queue.SimpleQueue`` and writes one byte to a
non-blocking pipe (one per batch: later posts see the byte pending and write nothing); a
``QSocketNotifier`` on the pipe's read end runs the queued calls on the GUI thread, in the
order they were posted. The posting thread makes no Qt call: no signal, no event, no lock of
Qt's. The pipe wakes the GUI thread; the calls run at the start of the event loop's next
turn (the dispatcher's ``awake``), before its timers and socket notifiers, as the queued
signals they replace did (a notifier alone runs after the timers: the soak test's applicant
then left the receipt before the store said its central reference, and printed nothing).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import queue
import threading
from collections.abc import Callable, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import (
    QAbstractEventDispatcher,
    QCoreApplication,
    QObject,
    QSocketNotifier,
    QTimer,
    Signal,
    Slot,
)

log = logging.getLogger(__name__)

_T = TypeVar("_T")

PRINT_THREAD = "kiosk-print"


def deliver(
    future: Future[Any],
    on_done: Callable[[Any], None] | None,
    on_error: Callable[[BaseException], None] | None,
    logger: logging.Logger,
    failure: str,
) -> None:
    """Hand a finished ``future``'s result to ``on_done``, or its exception to ``on_error``;
    an exception nobody takes is logged to ``logger`` as ``failure``, by its type only
    (exception messages may carry personal data). Nothing for a future cancelled before it
    ran: nobody is waiting. For :class:`PrintWorker` and ``kiosk.ui.tasks.TaskRunner``, on
    the GUI thread."""
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None:
        if on_error is not None:
            on_error(exc)
        else:
            logger.error("%s: %s", failure, type(exc).__name__)
    elif on_done is not None:
        on_done(future.result())


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


class Mailbox:
    """The Qt-free half of :class:`GuiInbox`: a queue of calls and the pipe that says it is
    not empty. Any thread may :meth:`post`; only the owner's thread takes calls out."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...]]] = (
            queue.SimpleQueue()
        )
        # The lock orders posts against close() (a byte written to a closed, reused
        # descriptor would land in someone else's file) and against take()'s re-arming.
        self._lock = threading.Lock()
        self.read_fd, self._write_fd = os.pipe()  # not inherited by child processes
        os.set_blocking(self.read_fd, False)
        os.set_blocking(self._write_fd, False)
        self.armed = False  # a byte is in the pipe (or about to be): no need for another
        self.closed = False
        self.owner = threading.get_ident()
        self._close_fd = os.close  # still there in __del__ at interpreter exit

    def post(self, fn: Callable[..., Any], *args: Any) -> bool:
        """Queue ``fn(*args)`` for the owner's thread; False (dropped) once closed."""
        with self._lock:
            if self.closed:
                return False
            self._queue.put((fn, args))
            if not self.armed:
                self.armed = True
                with contextlib.suppress(BlockingIOError):  # full: a wake-up is pending
                    os.write(self._write_fd, b"\0")
        return True

    def auto(self, fn: Callable[..., Any], *args: Any) -> bool:
        """Run ``fn(*args)`` now if on the owner's thread (unless closed), else post it."""
        if threading.get_ident() != self.owner:
            return self.post(fn, *args)
        if self.closed:
            return False
        fn(*args)
        return True

    def take(self) -> int:
        """On the owner's thread, woken: empty the pipe and say how many calls to run
        now. Calls posted from here on write a byte of their own (a later wake-up)."""
        with self._lock:
            if self.closed:
                return 0
            self.armed = False
            with contextlib.suppress(BlockingIOError):
                while os.read(self.read_fd, 4096):
                    pass
            return self._queue.qsize()

    def next(self) -> tuple[Callable[..., Any], tuple[Any, ...]] | None:
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            return None

    def rearm(self) -> None:
        """Calls are left behind (one raised): wake the owner's thread again for them."""
        with self._lock:
            if not self.closed and not self.armed:
                self.armed = True
                with contextlib.suppress(BlockingIOError):
                    os.write(self._write_fd, b"\0")

    def close(self, *_: Any) -> None:
        """Drop what is queued, refuse later posts, release the pipe. Idempotent."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            self._close_fd(self.read_fd)
            self._close_fd(self._write_fd)
            while self.next() is not None:
                pass

    def __del__(self) -> None:
        # Also at interpreter exit, when module globals (contextlib, os...) may be gone.
        try:  # noqa: SIM105
            self.close()
        except Exception:  # noqa: S110
            pass


class GuiInbox(QObject):
    """Calls from any Python thread, run on the thread that made the inbox (the GUI's).

    Threads call ``post(fn, *args)`` (:meth:`Mailbox.post`: plain Python, bound when the
    inbox is made; take ``inbox.post`` on the GUI thread and hand it over, so that the thread
    does not even look an attribute up on a QObject). ``auto`` is Qt's ``AutoConnection``:
    called on the GUI thread it runs the call at once, elsewhere it posts it. Calls run in the order they were posted; one that raises goes to
    ``sys.excepthook`` (as a slot's would) and the rest run at the next turn. :meth:`close`
    (also run when the inbox is destroyed, and at the application's exit) drops what is
    queued and releases the pipe and the notifier; posts then return False."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        mailbox = Mailbox()
        self._mailbox = mailbox
        self.post: Callable[..., bool] = mailbox.post
        self.auto: Callable[..., bool] = mailbox.auto
        self._notifier = QSocketNotifier(mailbox.read_fd, QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self.destroyed.connect(mailbox.close)  # no descriptor outlives the inbox
        dispatcher = QAbstractEventDispatcher.instance()  # this thread's
        if dispatcher is not None:  # each turn of the loop starts with what is queued
            dispatcher.awake.connect(self._drain_if_armed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close)

    @property
    def closed(self) -> bool:
        return self._mailbox.closed

    @Slot()
    def _drain_if_armed(self) -> None:
        if self._mailbox.armed:  # read without the lock: a post missed here has its byte
            self._drain()

    @Slot()
    def _drain(self) -> None:
        mailbox = self._mailbox
        for _ in range(mailbox.take()):  # those queued now; later ones have their wake-up
            item = mailbox.next()
            if item is None:  # closed by one of the calls
                return
            fn, args = item
            try:
                fn(*args)
            except BaseException:
                mailbox.rearm()
                raise

    def close(self) -> None:
        """On the inbox's thread. Idempotent."""
        if self._mailbox.closed:
            return
        with contextlib.suppress(RuntimeError):  # the notifier is being deleted with us
            self._notifier.setEnabled(False)
        self._mailbox.close()


class PrintWorker(QObject):
    """Runs blocking, Qt-free jobs (printing the PDF bytes) one at a time on a Python
    thread (``kiosk-print``); callbacks run on the GUI thread. See the module's docstring."""

    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=PRINT_THREAD)
        self._inbox = GuiInbox(self)
        self._jobs = 0
        self._closed = False
        app = QCoreApplication.instance()
        if app is not None:  # no thread left at exit, whoever forgot shutdown()
            app.aboutToQuit.connect(self.shutdown)

    @property
    def pending(self) -> int:
        return self._jobs

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
        self._jobs += 1
        finish = functools.partial(self._finish, on_done=on_done, on_error=on_error)
        future.add_done_callback(functools.partial(self._inbox.post, finish))

    def _finish(
        self,
        future: Future[Any],
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
    ) -> None:
        self._jobs -= 1
        try:
            deliver(future, on_done, on_error, log, "printing failed")
        finally:
            if self._jobs == 0:
                self.idle.emit()

    def shutdown(self) -> None:
        """Let the job in hand finish (printing has its own time-outs), drop the others."""
        if self._closed:
            return
        self._closed = True
        assert threading.current_thread() is threading.main_thread()
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._inbox.close()
        self._jobs = 0
