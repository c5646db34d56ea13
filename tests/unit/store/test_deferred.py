"""The deferred store (kiosk.store.deferred): opened on its own thread, never waited for on
the GUI (main) thread, calls queued on the store's worker until it is open."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kiosk.store import Store
from kiosk.store.deferred import DeferredStore, StoreNotReadyError
from tests.unit.store.conftest import T0


class Gate:
    """An opener that opens the real store only once the test says so."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.go = threading.Event()
        self.calls = 0

    def __call__(self) -> Store:
        self.calls += 1
        assert self.go.wait(30), "the test never let the store open"
        return Store.open(self.data_dir)


@pytest.fixture
def gate(tmp_path: Path) -> Gate:
    return Gate(tmp_path / "store")


@pytest.fixture
def worker() -> Iterator[ThreadPoolExecutor]:
    """The store's worker: one thread, calls in order (kiosk.ui.tasks.TaskRunner.run)."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-store")
    yield pool
    pool.shutdown(wait=True)


def test_importing_it_loads_no_database_library() -> None:
    code = "import sys, kiosk.store.deferred; print(sorted({'sqlalchemy', 'alembic'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_looking_up_never_waits_and_the_gui_thread_is_refused(gate: Gate) -> None:
    store = DeferredStore(gate)
    store.start()
    try:
        # The store cannot open (the gate is shut): if a lookup waited, this would hang.
        save = store.drafts.save
        assert callable(save) and callable(store.outbox.due) and callable(store.pages.add)
        assert not store.is_ready
        with pytest.raises(StoreNotReadyError):
            save("d1", None, "fr", {}, T0)  # on the main thread: refused, not frozen
        with pytest.raises(StoreNotReadyError):
            _ = store.db_path
    finally:
        gate.go.set()
        store.close()
    assert gate.calls == 1


def test_calls_queue_on_the_worker_until_the_store_is_open(
    gate: Gate, worker: ThreadPoolExecutor
) -> None:
    store = DeferredStore(gate)
    store.start()
    try:
        saved = [
            worker.submit(store.drafts.save, f"d{i}", None, "fr", {"n": str(i)}, T0)
            for i in range(3)
        ]
        loaded = worker.submit(store.drafts.load, "d2")
        assert not any(f.done() for f in [*saved, loaded])  # waiting for the store
        gate.go.set()
        assert loaded.result(30) is not None and loaded.result().answers == {"n": "2"}
        assert all(f.result() is None for f in saved)
        assert store.is_ready
        # Once open, a call on the main thread is the store's own (no refusal).
        assert store.drafts.load("d0") is not None
        assert store.db_path == gate.data_dir / "kiosk.db"
    finally:
        store.close()


def test_a_store_that_cannot_open_says_so_to_every_caller(
    tmp_path: Path, worker: ThreadPoolExecutor
) -> None:
    errors: list[BaseException] = []

    def broken() -> Store:
        raise RuntimeError("damaged")

    store = DeferredStore(broken, errors.append)
    store.start()
    with pytest.raises(RuntimeError, match="damaged"):
        worker.submit(store.outbox.backlog).result(30)
    with pytest.raises(RuntimeError, match="damaged"):
        store.wait()
    assert [str(e) for e in errors] == ["damaged"] and not store.is_ready
    store.close()


def test_closed_while_opening_it_closes_once_open(gate: Gate) -> None:
    store = DeferredStore(gate)
    store.start()
    closing = threading.Thread(target=store.close)
    closing.start()
    gate.go.set()
    closing.join(30)
    assert not closing.is_alive()
    with pytest.raises(Exception, match="closed"):
        store.wait().drafts.load("d1")


def test_without_start_the_first_wait_opens_it_once(gate: Gate) -> None:
    gate.go.set()
    store = DeferredStore(gate)
    try:
        assert store.wait() is store.wait()
        assert gate.calls == 1
    finally:
        store.close()
