"""Test configuration shared by every suite.

Every test must leave no thread, no running ``QThread`` and no active ``QTimer`` behind:
each has an owner that stops it (``_owned_threads_and_timers``). A timer still running when
its Python-owned QObject is garbage-collected on a worker thread leaves Qt's event loop a
dangling timer: that is how the suite died with SIGSEGV after the staff tests. As in the
kiosk (``kiosk.ui.gc_guard``), Python's cyclic garbage collector runs on the main (GUI)
thread only: automatic collection is off and each test's garbage is collected at its end
(``_collect``).
Qt warnings fail the test too (``qt_log_level_fail`` in pyproject.toml).
"""

from __future__ import annotations

import gc
import itertools
import os
import sys
import threading
import time
import weakref
from collections.abc import Iterator

import pytest

# Qt must never look for a display in tests; set before anything imports PySide6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_ACCESSIBILITY", "1")
# The throwaway CUPS scheduler scripts/test starts (scripts/cups-test-server.sh): set before
# anything asks libcups, which reads CUPS_SERVER once per process (tests/gui/test_cups_printer.py).
if os.environ.get("KIOSK_TEST_CUPS"):
    os.environ["CUPS_SERVER"] = os.path.join(os.environ["KIOSK_TEST_CUPS"], "cups.sock")

pytest_plugins = ["tests.fixtures.central"]


def pytest_configure(config: pytest.Config) -> None:
    gc.disable()  # collected by _owned_threads_and_timers, on the main thread


def pytest_unconfigure(config: pytest.Config) -> None:
    gc.enable()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests marked ``slow`` first, the others in their order (a stable sort).

    Most of them wait rather than compute (the crash test, Orca, the faulty network, the
    soak day: child processes and deadlines; the crash test took 9 s of its worker's CPU
    for 112 s of wall, Orca 0.6 s for 56 s, in a 2-worker run). Started first, their waits
    overlap the other workers' CPU-bound tests; started last, they are the run's tail,
    one worker waiting while the others have nothing left. Under ``--dist worksteal``
    (scripts/test) the first worker begins with them and the others steal its remaining
    tests. Every worker sorts the same collection the same way, as xdist requires."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def _qt_leftovers() -> list[str]:
    """Running QThreads and active QTimers still alive, once the widgets closed by the
    test (``deleteLater``) are really deleted (the timers found are stopped). Empty when
    Qt was never imported."""
    if "PySide6.QtCore" not in sys.modules:
        return []
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QEvent, QThread, QTimer

    if QCoreApplication.instance() is None:
        return []
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    found = []
    for obj in _QT_OBJECTS.alive((QTimer, QThread)):
        if shiboken6.isValid(obj):
            if isinstance(obj, QTimer) and obj.isActive():
                owner = obj.parent()
                found.append(
                    f"an active QTimer of {obj.interval()} ms "
                    f"(owner: {type(owner).__name__ if owner is not None else 'none'})"
                )
                obj.stop()  # reported once: the next tests must not run with it
            elif isinstance(obj, QThread) and obj.isRunning():
                found.append(f"a running QThread {obj.objectName() or type(obj).__name__}")
    return found


def _instances_of(objects: list[object], classes: tuple[type, ...]) -> list[object]:
    """The ``objects`` that are instances of ``classes``. The object-by-object
    ``isinstance`` loop it replaces took ~0.1 s of CPU per test once Qt, SQLAlchemy and
    FastAPI are loaded (~170,000 objects; PySide's classes make ``isinstance`` slow): here
    the per-object work runs in C: each object's type is looked up in the set of matching
    types."""
    kinds = {kind for kind in set(map(type, objects)) if issubclass(kind, classes)}
    if not kinds:
        return []
    return list(itertools.compress(objects, map(kinds.__contains__, map(type, objects))))


class _QtObjects:
    """Every QTimer and QThread the garbage collector tracks (garbage included), found
    without walking the whole heap after each test: even listing the ~170,000 objects of a
    process with Qt, SQLAlchemy and FastAPI loaded took ~50 ms of CPU per test (~80 s over
    the suite). Automatic collection is off (``pytest_configure``), so an object is in
    the youngest generation until a collection moves it to an older one: the first look
    walks every generation, each later one only the youngest, and a collection walks the
    generations it is about to collect (``gc.callbacks``) before their survivors move.
    Whatever was found once is remembered (weakly: a Python wrapper is kept alive by
    nothing here) and looked at again each time, e.g. a module's window whose timer a
    later test starts."""

    def __init__(self) -> None:
        # by id: a weak dictionary asks no hash of its values (a subclass may have none)
        self._known: weakref.WeakValueDictionary[int, object] = weakref.WeakValueDictionary()
        self._classes: tuple[type, ...] = ()
        self._walked_all = False
        self._walking = False

    def alive(self, classes: tuple[type, ...]) -> list[object]:
        """The instances of ``classes`` (always the same: QTimer, QThread) still alive."""
        if not self._walked_all:
            self._classes = classes
            self._remember(gc.get_objects())
            self._walked_all = True
            gc.callbacks.append(self._before_collection)
        else:
            self._remember(gc.get_objects(generation=0))
        return list(self._known.values())

    def _remember(self, objects: list[object]) -> None:
        self._known.update((id(obj), obj) for obj in _instances_of(objects, self._classes))

    def _before_collection(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start" and not self._walking:
            self._walking = True  # (a collection started by this walk: not looked at twice)
            try:
                for generation in range(info["generation"] + 1):
                    self._remember(gc.get_objects(generation=generation))
            finally:
                self._walking = False


_QT_OBJECTS = _QtObjects()


# Threads owned by a library for the whole process, stopped at exit: the event loop (and its
# worker threads) schemathesis keeps to call an ASGI app in-process (test_api_fuzz.py).
PROCESS_THREADS = ("asyncio-portal-", "AnyIO worker thread")


LEFTOVER_GRACE_S = 5.0
_FULL_COLLECTION_EVERY = 50
_tests_since_full_collection = 0


def _collect() -> None:
    """A test's garbage is all young (automatic collection is off, so whatever it made is
    in generation 0): collecting the young generations frees it in a few milliseconds. A
    full collection traverses every object of the process (~70 ms of CPU once Qt,
    SQLAlchemy and FastAPI are loaded, more than a quick test itself: half the CPU of a
    GUI module), so it runs every 50 tests, for the older objects that became garbage
    (a module's fixtures). Leftover timers are found in every generation either way."""
    global _tests_since_full_collection
    _tests_since_full_collection += 1
    if _tests_since_full_collection >= _FULL_COLLECTION_EVERY:
        _tests_since_full_collection = 0
        gc.collect()
    else:
        gc.collect(1)


@pytest.fixture(autouse=True)
def _owned_threads_and_timers() -> Iterator[None]:
    """Fail a test that leaves a thread, a running QThread or an active QTimer behind."""
    before = set(threading.enumerate())
    yield
    left = [
        t
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not t.name.startswith(PROCESS_THREADS)
    ]
    # An owner told its thread to stop and did not wait for it (a daemon's last loop turn):
    # it gets a few seconds, which a loaded machine may need; one that keeps running leaks.
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    for t in left:
        t.join(max(0.0, deadline - time.monotonic()))
    problems = [
        f"thread {t.name!r} ({type(t).__name__}) still running" for t in left if t.is_alive()
    ]
    problems += _qt_leftovers()  # garbage included: its timers must have been stopped too
    _collect()  # here, on the main thread: garbage holding Qt objects is freed on it
    if problems:
        pytest.fail(
            "left behind by this test (give it an owner that stops it):\n  "
            + "\n  ".join(problems),
            pytrace=False,
        )
