"""One contract for every outbox: the SQLite one (``kiosk.store.Outbox``) and the in-memory
one the other tests use (``kiosk.testing.MemoryOutbox``) run the same tests, so that a test
passing on the fake says something about the kiosk (ODK Collect tests its repositories so).

The last test drives both with the same random operations and compares what they answer:
``due`` above all, which decides what the sync agent sends."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.store import OutboxStateError, Store, StoreError
from kiosk.store.records import OUTBOX_STATES, REFERENCE_RE
from kiosk.testing import MemoryStore

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)
KINDS = ("sqlite", "memory")


def open_store(kind: str, path: Path) -> Any:
    return Store.open(path) if kind == "sqlite" else MemoryStore()


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    s = open_store(request.param, tmp_path / "store")
    yield s
    s.close()


def put(store: Any, uuid: str, at: dt.datetime = T0, pages: tuple[bytes, ...] = ()) -> Any:
    return store.outbox.enqueue(uuid, "renewal-student", f"sealed {uuid}".encode(), at, pages)


# --- putting in --------------------------------------------------------------------------------


def test_enqueue_gives_a_fresh_sealed_entry(store: Any) -> None:
    entry = put(store, "a1", pages=(b"one", b"two"))
    assert entry.state == "sealed" and entry.attempts == 0
    assert REFERENCE_RE.match(entry.local_reference)
    assert entry.sha256 == hashlib.sha256(b"sealed a1").hexdigest()
    assert [a.size for a in entry.attachments] == [3, 3]
    assert entry.attachments_pending == entry.attachments
    assert store.outbox.entry("a1") == entry


def test_enqueue_is_idempotent(store: Any) -> None:
    first = put(store, "a1")
    again = store.outbox.enqueue("a1", "renewal-student", b"other bytes", T0 + MIN)
    assert again == first
    assert store.outbox.backlog()["sealed"] == 1


def test_enqueue_wipes_the_draft_and_its_pages(store: Any) -> None:
    store.drafts.save("a1", "renewal-student", "fr", {"surname": "Haddad"}, T0)
    store.pages.add("a1", "passport", 1, b"\xff\xd8\xffpage", T0)
    put(store, "a1", pages=(b"sealed page",))
    assert store.drafts.load("a1") is None
    assert store.pages.of("a1") == []
    # and a late autosave or scan leaves no copy behind
    store.drafts.save("a1", "renewal-student", "fr", {"surname": "Haddad"}, T0 + MIN)
    assert store.pages.add("a1", "passport", 2, b"\xff\xd8\xffpage", T0 + MIN) is False
    assert store.drafts.load("a1") is None


def test_enqueue_refuses_pages_that_were_not_sealed(store: Any) -> None:
    store.pages.add("a1", "passport", 1, b"\xff\xd8\xffone", T0)
    store.pages.add("a1", "passport", 2, b"\xff\xd8\xfftwo", T0)
    with pytest.raises(StoreError, match="sealed attachment"):
        put(store, "a1", pages=(b"only one",))
    assert store.outbox.entry("a1") is None
    assert len(store.pages.of("a1")) == 2


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("", "p", b"x", T0), ValueError),
        (("a1", "p", b"", T0), ValueError),
        (("a1", "p", b"x", T0.replace(tzinfo=None)), ValueError),
        (("a1", "p", b"x", T0, (b"same", b"same")), ValueError),
        (("a1", "p", b"x", T0, (b"",)), ValueError),
    ],
)
def test_enqueue_refuses_bad_arguments(store: Any, args: tuple[Any, ...], error: type) -> None:
    with pytest.raises(error):
        store.outbox.enqueue(*args)


# --- what is due -----------------------------------------------------------------------------


def test_due_is_oldest_first_and_limited(store: Any) -> None:
    for i, uuid in enumerate(["c", "a", "b"]):
        put(store, uuid, T0 + (2 - i) * MIN)
    assert [e.uuid for e in store.outbox.due(T0)] == ["b", "a", "c"]
    assert [e.uuid for e in store.outbox.due(T0, limit=2)] == ["b", "a"]
    with pytest.raises(ValueError):
        store.outbox.due(T0, limit=0)
    with pytest.raises(ValueError):
        store.outbox.due(T0.replace(tzinfo=None))


def test_entries_in_flight_stay_due(store: Any) -> None:
    put(store, "a1", pages=(b"page",))
    store.outbox.mark_uploading("a1", T0)
    assert [e.state for e in store.outbox.due(T0)] == ["uploading"]
    sha = store.outbox.entry("a1").attachments[0].sha256
    store.outbox.mark_attachment_uploaded("a1", sha, T0)
    store.outbox.mark_delivered("a1", T0)
    assert [e.state for e in store.outbox.due(T0)] == ["delivered"]


def test_failed_is_due_once_its_retry_time_has_come(store: Any) -> None:
    put(store, "retry")
    put(store, "staff", T0 + MIN)
    store.outbox.mark_failed("retry", "HTTP 503", T0, T0 + 10 * MIN)
    store.outbox.mark_failed("staff", "HTTP 422: refused", T0, None)
    assert store.outbox.due(T0 + 9 * MIN) == []
    assert [e.uuid for e in store.outbox.due(T0 + 10 * MIN)] == ["retry"]
    store.outbox.retry_now("staff", T0 + 11 * MIN)
    assert [e.uuid for e in store.outbox.due(T0 + 11 * MIN)] == ["retry", "staff"]


def test_acknowledged_is_never_due_and_is_final(store: Any) -> None:
    put(store, "a1")
    store.outbox.mark_acknowledged("a1", "PREF-1", T0)
    store.outbox.mark_acknowledged("a1", "PREF-1", T0 + MIN)  # a repeat: no-op
    entry = store.outbox.entry("a1")
    assert (entry.state, entry.central_reference, entry.acknowledged_at) == (
        "acknowledged",
        "PREF-1",
        T0,
    )
    assert store.outbox.due(T0 + MIN) == []
    with pytest.raises(OutboxStateError):
        store.outbox.mark_acknowledged("a1", "PREF-2", T0)
    for move in (
        lambda: store.outbox.mark_uploading("a1", T0),
        lambda: store.outbox.mark_failed("a1", "x", T0, None),
        lambda: store.outbox.mark_delivered("a1", T0),
        lambda: store.outbox.retry_now("a1", T0),
    ):
        with pytest.raises(OutboxStateError):
            move()


# --- moving on ---------------------------------------------------------------------------------


def test_delivered_needs_every_attachment(store: Any) -> None:
    entry = put(store, "a1", pages=(b"one", b"two"))
    first, second = (a.sha256 for a in entry.attachments)
    store.outbox.mark_attachment_uploaded("a1", first, T0)
    with pytest.raises(OutboxStateError, match="not uploaded"):
        store.outbox.mark_delivered("a1", T0)
    store.outbox.mark_attachment_uploaded("a1", second, T0 + MIN)
    store.outbox.mark_attachment_uploaded("a1", second, T0 + 2 * MIN)  # first time kept
    store.outbox.mark_delivered("a1", T0 + 3 * MIN)
    entry = store.outbox.entry("a1")
    assert entry.state == "delivered" and entry.delivered_at == T0 + 3 * MIN
    assert [a.uploaded_at for a in entry.attachments] == [T0, T0 + MIN]
    with pytest.raises(OutboxStateError):
        store.outbox.mark_attachment_uploaded("a1", "0" * 64, T0)


def test_attachments_the_server_lost_go_up_again(store: Any) -> None:
    entry = put(store, "a1", pages=(b"one", b"two"))
    for info in entry.attachments:
        store.outbox.mark_attachment_uploaded("a1", info.sha256, T0)
    store.outbox.mark_delivered("a1", T0)
    lost = entry.attachments[1].sha256
    store.outbox.mark_attachments_missing("a1", [lost])
    entry = store.outbox.entry("a1")
    assert entry.state == "uploading" and entry.delivered_at is None
    assert [a.sha256 for a in entry.attachments_pending] == [lost]
    assert store.outbox.attachment_data("a1", lost) == b"two"
    with pytest.raises(OutboxStateError):
        store.outbox.attachment_data("a1", "0" * 64)


def test_failures_are_counted_and_explained_briefly(store: Any) -> None:
    put(store, "a1")
    store.outbox.mark_failed("a1", "x" * 2000, T0, T0 + MIN)
    store.outbox.mark_failed("a1", "HTTP 503", T0 + MIN, T0 + 3 * MIN)
    entry = store.outbox.entry("a1")
    assert (entry.state, entry.attempts, entry.last_error) == ("failed", 2, "HTTP 503")
    assert entry.next_attempt_at == T0 + 3 * MIN and entry.state_changed_at == T0 + MIN
    store.outbox.mark_failed("a1", "y" * 2000, T0, None)
    assert len(store.outbox.entry("a1").last_error) == 500


def test_unknown_applications_are_refused(store: Any) -> None:
    for move in (
        lambda: store.outbox.mark_uploading("nope", T0),
        lambda: store.outbox.mark_delivered("nope", T0),
        lambda: store.outbox.mark_acknowledged("nope", "PREF-1", T0),
        lambda: store.outbox.mark_failed("nope", "x", T0, None),
        lambda: store.outbox.mark_attachments_missing("nope", []),
        lambda: store.outbox.retry_now("nope", T0),
    ):
        with pytest.raises(OutboxStateError):
            move()
    assert store.outbox.entry("nope") is None


# --- looking and forgetting --------------------------------------------------------------------


def test_backlog_pending_and_references(store: Any) -> None:
    a = put(store, "a")
    put(store, "b", T0 + MIN)
    put(store, "c", T0 + 2 * MIN)
    store.outbox.mark_failed("b", "HTTP 503", T0, None)
    store.outbox.mark_acknowledged("c", "PREF-1", T0)
    backlog = store.outbox.backlog()
    assert list(backlog) == list(OUTBOX_STATES)
    assert backlog == {"sealed": 1, "uploading": 0, "delivered": 0, "acknowledged": 1, "failed": 1}
    assert [e.uuid for e in store.outbox.pending()] == ["a", "b"]
    typed = " " + a.local_reference.lower().replace("-", "- ") + " "
    assert store.outbox.find_by_reference(typed) == store.outbox.entry("a")
    assert store.outbox.find_by_reference("K-2222-2222") is None


def test_acknowledged_entries_are_purged_after_retention(store: Any) -> None:
    put(store, "old", pages=(b"page",))
    put(store, "new", T0 + MIN)
    put(store, "waiting", T0 + 2 * MIN)
    store.outbox.mark_acknowledged("old", "PREF-1", T0)
    store.outbox.mark_acknowledged("new", "PREF-2", T0 + 10 * MIN)
    assert store.outbox.purge_acknowledged(T0 + 5 * MIN) == 1
    assert store.outbox.entry("old") is None
    assert {e.uuid for e in store.outbox.pending()} == {"waiting"}
    assert store.outbox.entry("new") is not None
    with pytest.raises(ValueError):
        store.outbox.purge_acknowledged(T0.replace(tzinfo=None))


# --- both answer the same ----------------------------------------------------------------------

UUIDS = ("a", "b", "c", "d")
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(("enqueue", "uploading", "delivered", "failed", "retry", "ack", "purge")),
        st.sampled_from(UUIDS),
        st.integers(min_value=0, max_value=30),  # minutes after T0: when
        st.one_of(st.none(), st.integers(min_value=0, max_value=30)),  # retry in minutes
    ),
    max_size=12,
)


def _apply(store: Any, op: tuple[str, str, int, int | None]) -> str:
    kind, uuid, minutes, retry = op
    now = T0 + minutes * MIN
    outbox = store.outbox
    try:
        if kind == "enqueue":
            put(store, uuid, now, pages=(f"page {uuid}".encode(),))
        elif kind == "uploading":
            outbox.mark_uploading(uuid, now)
            for info in outbox.entry(uuid).attachments:
                outbox.mark_attachment_uploaded(uuid, info.sha256, now)
        elif kind == "delivered":
            outbox.mark_delivered(uuid, now)
        elif kind == "failed":
            outbox.mark_failed(uuid, "HTTP 503", now, None if retry is None else now + retry * MIN)
        elif kind == "retry":
            outbox.retry_now(uuid, now)
        elif kind == "ack":
            outbox.mark_acknowledged(uuid, f"PREF-{uuid}", now)
        else:
            return str(outbox.purge_acknowledged(now))
    except StoreError as exc:
        return type(exc).__name__
    return "ok"


def _view(store: Any, minutes: int) -> Any:
    now = T0 + minutes * MIN
    outbox = store.outbox

    def key(e: Any) -> tuple[Any, ...]:  # the local reference is random: not compared
        return (e.uuid, e.state, e.attempts, e.next_attempt_at, e.attachments)

    return (
        [key(e) for e in outbox.due(now)],
        [key(e) for e in outbox.due(now, limit=2)],
        outbox.backlog(),
        [key(e) for e in outbox.pending()],
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS)
def test_sqlite_and_memory_outboxes_answer_the_same(tmp_path: Path, operations: list[Any]) -> None:
    import uuid as uuidlib

    sqlite = Store.open(tmp_path / uuidlib.uuid4().hex)
    memory = MemoryStore()
    try:
        for op in operations:
            assert _apply(sqlite, op) == _apply(memory, op), op
            for minutes in (10, 45):
                assert _view(sqlite, minutes) == _view(memory, minutes), op
    finally:
        sqlite.close()
