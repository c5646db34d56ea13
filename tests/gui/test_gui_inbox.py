"""The GUI thread's inbox (kiosk.render.jobs.GuiInbox): calls posted from any Python thread
run on the GUI thread, in order, and the posting threads make no Qt call (issue 14: a
signal emitted from a Python thread locks one of Qt's signal-slot mutexes while it holds the
GIL, the soak test's deadlock). The task runner's workers, the camera thread, the help call
and sync threads all report through it; a profile hook on every thread but the GUI's sees
no Qt call during a passport scan (a canary shows that it would see one)."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtGui import QColor

from kiosk.devices.camera import FakeCamera
from kiosk.domain.session import Screen
from kiosk.render.jobs import GuiInbox, Mailbox
from kiosk.ui.camera_view import CameraFeed
from kiosk.ui.tasks import TaskRunner
from tests.fixtures.qt_calls import is_qt
from tests.gui.test_scan_flow import Flow, make_flow, passport_frame  # noqa: F401 (a fixture)

pytestmark = pytest.mark.gui

WAIT = 20_000


def gone(opened: set[str]) -> Callable[[], bool]:
    """A condition: none of ``opened`` is still open. Compared as a subset, not with the
    whole set from before: an earlier test's objects may close their own pipes meanwhile."""
    return lambda: not fds() & opened


def fds() -> set[str]:
    """This process's pipes (what an inbox opens), as "number->pipe:[inode]"."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(FileNotFoundError):
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith("pipe:"):
                found.add(f"{fd}->{target}")
    return found


def turns(n: int = 20) -> None:
    """Let the GUI thread's event loop run a few turns (no sleep)."""
    app = QCoreApplication.instance()
    assert app is not None
    for _ in range(n):
        app.processEvents()


def test_calls_run_on_the_gui_thread_in_the_order_posted(qtbot: Any) -> None:
    inbox = GuiInbox()
    got: list[tuple[int, str]] = []
    post = inbox.post

    def worker() -> None:
        for n in range(500):
            assert post(lambda n=n: got.append((n, threading.current_thread().name)))

    thread = threading.Thread(target=worker, name="poster")
    thread.start()
    thread.join(10)
    qtbot.waitUntil(lambda: len(got) == 500, timeout=WAIT)
    assert [n for n, _ in got] == list(range(500))
    assert {name for _, name in got} == {threading.main_thread().name}
    inbox.close()


def test_posted_calls_run_at_the_start_of_the_next_turn_before_timers(qtbot: Any) -> None:
    """As the queued signals they replace did: a turn of the event loop starts with the
    calls posted (the dispatcher's ``awake``), before a zero timer started after them (a
    socket notifier alone runs after the timers)."""
    inbox = GuiInbox()
    app = QCoreApplication.instance()
    assert app is not None
    order: list[str] = []
    for _ in range(20):
        order.clear()
        thread = threading.Thread(target=inbox.post, args=(order.append, "posted"))
        thread.start()
        thread.join(10)
        QTimer.singleShot(0, lambda: order.append("timer"))
        app.processEvents()
        qtbot.waitUntil(lambda: len(order) == 2, timeout=WAIT)
        assert order == ["posted", "timer"]
    inbox.close()


def test_auto_runs_at_once_on_the_gui_thread_and_posts_from_elsewhere(qtbot: Any) -> None:
    """Qt's AutoConnection, as the signals they replace did."""
    inbox = GuiInbox()
    got: list[str] = []
    assert inbox.auto(got.append, "here")
    assert got == ["here"]
    thread = threading.Thread(target=inbox.auto, args=(got.append, "there"))
    thread.start()
    thread.join(10)
    assert got == ["here"]  # not yet: on the GUI thread's next turn
    qtbot.waitUntil(lambda: got == ["here", "there"], timeout=WAIT)
    inbox.close()
    assert not inbox.auto(got.append, "closed") and got == ["here", "there"]


def test_many_threads_each_delivered_once_in_each_threads_order(qtbot: Any) -> None:
    inbox = GuiInbox()
    post = inbox.post
    got: list[tuple[int, int]] = []
    threads_, per_thread = 8, 400
    start = threading.Barrier(threads_)

    def worker(t: int) -> None:
        start.wait(10)
        for n in range(per_thread):
            post(got.append, (t, n))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(threads_)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    qtbot.waitUntil(lambda: len(got) == threads_ * per_thread, timeout=WAIT)
    assert len(set(got)) == threads_ * per_thread
    for t in range(threads_):
        assert [n for tt, n in got if tt == t] == list(range(per_thread))
    # Coalesced: far fewer wake-ups (bytes) than calls; none left in the pipe.
    with pytest.raises(BlockingIOError):
        os.read(inbox._mailbox.read_fd, 1)
    inbox.close()


def test_a_call_that_raises_reaches_the_excepthook_and_the_rest_still_run(qtbot: Any) -> None:
    inbox = GuiInbox()
    got: list[int] = []

    def boom() -> None:
        raise ValueError("boom")

    def worker() -> None:
        inbox.post(got.append, 1)
        inbox.post(boom)
        inbox.post(got.append, 2)
        inbox.post(got.append, 3)

    with qtbot.captureExceptions() as exceptions:
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(10)
        qtbot.waitUntil(lambda: got == [1, 2, 3], timeout=WAIT)
    assert [type(e[1]) for e in exceptions] == [ValueError]
    inbox.close()


def test_closed_while_threads_post_nothing_more_runs_and_nothing_is_left(qtbot: Any) -> None:
    """Posts racing close(): each is either run before the close or refused (False),
    never written to a closed (maybe reused) descriptor; the pipe and the notifier go."""
    before = fds()
    inbox = GuiInbox()
    post = inbox.post
    ran: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()
    some_ran = threading.Event()

    def worker(t: int) -> None:
        n = 0
        try:
            while not stop.is_set():
                n += 1
                if not post(ran.append, n):
                    refused.append(t)
                    return
        except BaseException as exc:
            errors.append(exc)

    ran_hook = ran.append

    def tick(n: int) -> None:
        ran_hook(n)
        some_ran.set()

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    post(tick, 0)
    qtbot.waitUntil(some_ran.is_set, timeout=WAIT)
    inbox.close()
    count = len(ran)
    for thread in threads:
        thread.join(10)
    stop.set()
    assert not errors and sorted(refused) == [0, 1, 2, 3]  # every thread was turned away
    turns()  # nothing more runs
    assert len(ran) == count
    assert not post(ran.append, -1)
    opened = fds() - before
    inbox.deleteLater()
    qtbot.waitUntil(gone(opened), timeout=WAIT)


def test_no_descriptor_is_left_by_inboxes_closed_destroyed_or_collected(qtbot: Any) -> None:
    before = fds()
    closed = [GuiInbox() for _ in range(20)]
    parent = QObject()
    with_parent = [GuiInbox(parent) for _ in range(20)]
    opened = fds() - before
    assert len(opened) >= 2 * 40
    for inbox in closed:
        inbox.close()
        inbox.close()  # idempotent
    del with_parent
    parent.deleteLater()  # its inboxes are destroyed with it: their pipes close
    qtbot.waitUntil(gone(opened), timeout=WAIT)
    before = fds()
    orphans = [GuiInbox() for _ in range(20)]  # nobody closes these: collected, pipes close
    opened = fds() - before
    assert len(opened) >= 2 * 20
    del orphans

    def collected() -> bool:
        gc.collect()
        return gone(opened)()

    qtbot.waitUntil(collected, timeout=WAIT)
    mailbox = Mailbox()  # the Qt-free half alone
    read_fd = mailbox.read_fd
    del mailbox
    gc.collect()
    with pytest.raises(OSError):
        os.fstat(read_fd)


def test_the_task_runner_and_the_camera_feed_leave_no_descriptor(qtbot: Any) -> None:
    before = fds()
    runner = TaskRunner()
    with qtbot.waitSignal(runner.idle, timeout=WAIT):
        runner.run(sum, [1, 2])
    runner.shutdown(wait=True)
    feed = CameraFeed(FakeCamera([passport_frame()], fps=30))
    opened = fds() - before
    assert opened  # the runner's and the feed's pipes
    frames: list[Any] = []
    feed.frame_ready.connect(frames.append)
    feed.start()
    qtbot.waitUntil(lambda: len(frames) >= 3, timeout=WAIT)
    feed.clear()
    turns()
    shown = len(frames)
    assert shown >= 3  # stopped: no frame is delivered after stop()
    for obj in (runner, feed):
        obj.deleteLater()
    qtbot.waitUntil(gone(opened), timeout=WAIT)
    assert len(frames) == shown


# --- no Qt call off the GUI thread during a scan -------------------------------------------


@contextlib.contextmanager
def qt_calls_off_the_gui_thread() -> Iterator[tuple[list[str], set[str]]]:
    """Every Qt function called on a thread started from now on (all but the GUI thread's,
    through ``threading.setprofile``), and the names of the threads the hook ran on."""
    calls: list[str] = []
    threads: set[str] = set()
    local = threading.local()  # the thread's name, read while it is registered: called
    # again as the thread ends, current_thread() would make a dummy thread

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "c_call":
            name = getattr(local, "name", None)
            if name is None:
                name = local.name = threading.current_thread().name
                threads.add(name)
            if is_qt(arg):
                calls.append(f"{name}: {getattr(arg, '__qualname__', arg)}")

    threading.setprofile(profile)
    try:
        yield calls, threads
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]


def test_no_qt_call_on_the_worker_and_camera_threads_during_a_scan(
    make_flow: Callable[..., Flow],  # noqa: F811 (the fixture imported above)
) -> None:
    with qt_calls_off_the_gui_thread() as (calls, threads):
        # The task runner's threads and the camera's start from here.
        flow = make_flow([passport_frame()])
        flow.passport_read_and_accepted()
        kiosk = flow.kiosk
        uuid = kiosk.controller.session.uuid
        flow.wait(lambda: (uuid, "passport", 1) in flow.store.pages)
        assert kiosk.screen() is Screen.STEP and flow.mrz
        # The hook ran on the camera thread, the CPU pool (frames, MRZ) and the store's.
        assert "kiosk-camera" in threads
        assert any(t.startswith("kiosk-cpu") for t in threads)
        assert any(t.startswith("kiosk-store") for t in threads)
        assert calls == []
        # The canary: the same hook sees a Qt call made on a worker.
        tasks = kiosk.controller.tasks
        with kiosk.qtbot.waitSignal(tasks.idle, timeout=WAIT):
            tasks.run_cpu(lambda: QColor("#161616").name())
        assert len(calls) == 1 and calls[0].endswith(": QColor.name")
        assert calls[0].startswith("kiosk-cpu")
        # ... and counts an emission as one (what the camera and the workers used to do).
        assert is_qt(tasks.idle.emit)
        flow.scanner.clear()
    assert sys.getprofile() is None  # the GUI thread was never hooked
