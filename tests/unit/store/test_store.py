from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from kiosk.store import (
    DraftData,
    KeyFileError,
    OutboxEntry,
    OutboxStateError,
    Store,
    StoreError,
    TamperedDataError,
    UnknownKeyError,
)
from kiosk.store.records import REFERENCE_RE, new_local_reference
from tests.fixtures.threads import run_in_threads
from tests.unit.store.conftest import T0

SURNAME = "Zyxwobbleson-Qarthuvel"
PASSPORT = "X9K4Q7Z28"
ANSWERS = {"nom": SURNAME, "prenom": "Ámina", "passeport": PASSPORT, "ville": "بغداد"}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def raw_count(store: Store, table: str) -> int:
    conn = sqlite3.connect(store.db_path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
    finally:
        conn.close()


# --- opening -------------------------------------------------------------------------
def test_open_creates_private_layout(data_dir: Path) -> None:
    store = Store.open(data_dir)
    try:
        assert mode(data_dir) == 0o700
        assert mode(data_dir / "kiosk.db") == 0o600
        key = data_dir / "keys" / "kiosk.key"
        assert mode(key) == 0o600
        assert mode(key.parent) == 0o700
    finally:
        store.close()


def test_explicit_key_path(tmp_path: Path) -> None:
    key_path = tmp_path / "elsewhere" / "k.key"
    with Store.open(tmp_path / "data", key_path=key_path) as store:
        store.drafts.save("d1", None, "fr", {"a": "b"}, T0)
        assert store.keyring.path == key_path
    assert key_path.is_file()
    assert not (tmp_path / "data" / "keys").exists()


def test_pragmas_are_set_on_every_connection(store: Store) -> None:
    # two pooled connections held at once: each must have been configured
    raw = [store.database.engine.raw_connection() for _ in range(2)]
    try:
        for conn in raw:
            cursor = conn.cursor()
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
            assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
            cursor.close()
    finally:
        for conn in raw:
            conn.close()


def test_wal_mode_is_persistent_in_the_file(data_dir: Path) -> None:
    Store.open(data_dir).close()
    conn = sqlite3.connect(data_dir / "kiosk.db")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_reopen_keeps_data(data_dir: Path) -> None:
    with Store.open(data_dir) as store:
        store.drafts.save("d1", "proc", "ar", ANSWERS, T0)
        ref = store.outbox.enqueue("o1", "proc", b"sealed", T0).local_reference
    with Store.open(data_dir) as store:
        draft = store.drafts.load("d1")
        assert draft is not None and draft.answers == ANSWERS
        entry = store.outbox.entry("o1")
        assert entry is not None and entry.local_reference == ref


def test_closed_store_refuses_calls(data_dir: Path) -> None:
    store = Store.open(data_dir)
    store.close()
    store.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        store.outbox.backlog()


def test_newer_schema_is_refused_clearly(data_dir: Path) -> None:
    Store.open(data_dir).close()
    conn = sqlite3.connect(data_dir / "kiosk.db")
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer version"):
        Store.open(data_dir)


def test_world_readable_key_prevents_opening(data_dir: Path) -> None:
    Store.open(data_dir).close()
    (data_dir / "keys" / "kiosk.key").chmod(0o644)
    with pytest.raises(KeyFileError):
        Store.open(data_dir)


# --- drafts ----------------------------------------------------------------------------
def test_draft_round_trip(store: Store) -> None:
    assert store.drafts.load("d1") is None
    store.drafts.save("d1", "premiere-demande", "ar", ANSWERS, T0)
    draft = store.drafts.load("d1")
    assert draft == DraftData(
        uuid="d1", procedure_id="premiere-demande", language="ar", answers=ANSWERS, updated_at=T0
    )
    assert draft.updated_at.tzinfo is not None
    # upsert: replaced, not duplicated
    later = T0 + dt.timedelta(minutes=5)
    store.drafts.save("d1", None, "fa", {"nom": "Autre"}, later)
    draft = store.drafts.load("d1")
    assert draft is not None
    assert (draft.procedure_id, draft.language, draft.answers) == (None, "fa", {"nom": "Autre"})
    assert draft.updated_at == later
    assert raw_count(store, "draft") == 1


def test_datetimes_come_back_aware_utc(store: Store) -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    local = dt.datetime(2025, 3, 1, 10, 0, tzinfo=paris)
    store.drafts.save("d1", None, "fr", {}, local)
    draft = store.drafts.load("d1")
    assert draft is not None
    assert draft.updated_at == T0
    assert draft.updated_at.utcoffset() == dt.timedelta(0)


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        store.drafts.save("d1", None, "fr", {}, dt.datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        store.outbox.due(dt.datetime(2025, 1, 1))


def test_answers_must_be_strings(store: Store) -> None:
    with pytest.raises(TypeError):
        store.drafts.save("d1", None, "fr", {"age": 3}, T0)  # type: ignore[dict-item]


def test_draft_repr_hides_answers(store: Store) -> None:
    store.drafts.save("d1", None, "fr", ANSWERS, T0)
    assert SURNAME not in repr(store.drafts.load("d1"))


def test_delete_and_purge_drafts(store: Store) -> None:
    for i in range(4):
        store.drafts.save(f"d{i}", None, "fr", {"i": str(i)}, T0 + dt.timedelta(hours=i))
    store.drafts.delete("d0")
    store.drafts.delete("missing")  # no error
    assert store.drafts.load("d0") is None
    assert store.drafts.purge_older_than(older_than=T0 + dt.timedelta(hours=2)) == 1  # d1 only
    assert store.drafts.load("d1") is None
    assert store.drafts.load("d2") is not None
    assert store.drafts.load("d3") is not None
    assert store.drafts.purge_older_than(older_than=T0) == 0


def _scan_files(data_dir: Path) -> bytes:
    blobs = []
    for name in ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm"):
        path = data_dir / name
        if path.exists():
            blobs.append(path.read_bytes())
    return b"".join(blobs)


def test_answers_never_on_disk_in_clear(data_dir: Path) -> None:
    store = Store.open(data_dir)
    marker = "procedure-marker-7731"  # stored in clear on purpose: proves the scan works
    for i in range(3):
        store.drafts.save(f"d{i}", marker, "fr", ANSWERS, T0 + dt.timedelta(seconds=i))
    needles = [
        SURNAME.encode(),
        PASSPORT.encode(),
        SURNAME.encode("utf-16-le"),
        "بغداد".encode(),
        b'"nom":',
    ]
    # while open (data mostly in the WAL) and after close (checkpointed into kiosk.db)
    raw = _scan_files(data_dir)
    assert marker.encode() in raw
    for needle in needles:
        assert needle not in raw, needle
    store.close()
    raw = _scan_files(data_dir)
    assert marker.encode() in raw
    for needle in needles:
        assert needle not in raw, needle


def test_modified_ciphertext_is_detected(store: Store) -> None:
    store.drafts.save("d1", None, "fr", ANSWERS, T0)
    conn = sqlite3.connect(store.db_path)
    (blob,) = conn.execute("SELECT ciphertext FROM draft WHERE uuid = 'd1'").fetchone()
    tampered = bytearray(blob)
    tampered[-5] ^= 0x40
    conn.execute("UPDATE draft SET ciphertext = ? WHERE uuid = 'd1'", (bytes(tampered),))
    conn.commit()
    conn.close()
    with pytest.raises(TamperedDataError):
        store.drafts.load("d1")


def test_ciphertext_moved_to_another_draft_is_detected(store: Store) -> None:
    store.drafts.save("d1", None, "fr", ANSWERS, T0)
    store.drafts.save("d2", None, "fr", {"nom": "Other"}, T0)
    conn = sqlite3.connect(store.db_path)
    conn.execute(
        "UPDATE draft SET ciphertext = (SELECT ciphertext FROM draft WHERE uuid = 'd1') "
        "WHERE uuid = 'd2'"
    )
    conn.commit()
    conn.close()
    assert store.drafts.load("d1") is not None
    with pytest.raises(TamperedDataError):
        store.drafts.load("d2")


def test_rotation_and_rekey(data_dir: Path) -> None:
    store = Store.open(data_dir)
    store.drafts.save("old", None, "fr", {"nom": "Ancien"}, T0)
    old_id = store.keyring.current_id
    new_id = store.keyring.rotate()
    store.drafts.save("new", None, "fr", {"nom": "Nouveau"}, T0)
    # both readable after rotation
    old, new = store.drafts.load("old"), store.drafts.load("new")
    assert old is not None and old.answers == {"nom": "Ancien"}
    assert new is not None and new.answers == {"nom": "Nouveau"}
    assert store.rekey() == 1
    assert store.rekey() == 0
    conn = sqlite3.connect(store.db_path)
    key_ids = {row[0] for row in conn.execute("SELECT key_id FROM draft")}
    conn.close()
    assert key_ids == {new_id}
    store.close()
    # the retired key is no longer needed
    (data_dir / "keys" / f"kiosk.key.{old_id}").unlink()
    with Store.open(data_dir) as store:
        old = store.drafts.load("old")
        assert old is not None and old.answers == {"nom": "Ancien"}


def test_draft_under_a_lost_key_gives_a_clear_error(data_dir: Path) -> None:
    store = Store.open(data_dir)
    store.drafts.save("d1", None, "fr", {"nom": "X"}, T0)
    old_id = store.keyring.current_id
    store.keyring.rotate()
    store.close()
    (data_dir / "keys" / f"kiosk.key.{old_id}").unlink()
    with Store.open(data_dir) as store, pytest.raises(UnknownKeyError):
        store.drafts.load("d1")


# --- outbox ----------------------------------------------------------------------------
def test_local_reference_format() -> None:
    refs = {new_local_reference() for _ in range(500)}
    assert len(refs) == 500
    for ref in refs:
        assert REFERENCE_RE.match(ref), ref
        assert not set(ref) & set("01OIL")


def test_enqueue_moves_draft_to_outbox(store: Store) -> None:
    store.drafts.save("a1", "titre", "fr", ANSWERS, T0)
    sealed = b"\x00sealed-package\xff" * 10
    entry = store.outbox.enqueue("a1", "titre", sealed, T0)
    assert isinstance(entry, OutboxEntry)
    assert entry.uuid == "a1"
    assert entry.state == "sealed"
    assert entry.sealed == sealed
    assert entry.size == len(sealed)
    assert entry.sha256 == __import__("hashlib").sha256(sealed).hexdigest()
    assert entry.attempts == 0
    assert entry.created_at == T0
    assert REFERENCE_RE.match(entry.local_reference)
    assert store.drafts.load("a1") is None
    assert raw_count(store, "draft") == 0
    assert store.outbox.entry("a1") == entry
    assert "sealed-package" not in repr(entry)


def test_enqueue_is_idempotent(store: Store) -> None:
    first = store.outbox.enqueue("a1", "titre", b"package-1", T0)
    again = store.outbox.enqueue("a1", "titre", b"package-2-resealed", T0 + dt.timedelta(minutes=1))
    assert again == first
    assert raw_count(store, "outbox") == 1
    assert store.outbox.backlog()["sealed"] == 1


def test_enqueue_is_idempotent_across_threads_and_connections(data_dir: Path) -> None:
    stores = [Store.open(data_dir) for _ in range(4)]
    results: list[OutboxEntry] = []
    barrier = threading.Barrier(len(stores))

    def worker(s: Store, n: int) -> None:
        barrier.wait()
        results.append(s.outbox.enqueue("same", "titre", f"pkg{n}".encode(), T0))

    errors = run_in_threads(functools.partial(worker, s, n) for n, s in enumerate(stores))
    for s in stores:
        s.close()
    assert not errors
    assert len({r.local_reference for r in results}) == 1
    assert len({r.sha256 for r in results}) == 1
    with Store.open(data_dir) as store:
        assert raw_count(store, "outbox") == 1


def test_save_draft_after_enqueue_does_not_resurrect_it(store: Store) -> None:
    store.outbox.enqueue("a1", "titre", b"pkg", T0)
    store.drafts.save("a1", "titre", "fr", ANSWERS, T0)  # late autosave
    assert store.drafts.load("a1") is None


def test_enqueue_validates(store: Store) -> None:
    with pytest.raises(ValueError):
        store.outbox.enqueue("a1", "titre", b"", T0)
    with pytest.raises(ValueError):
        store.outbox.enqueue("", "titre", b"x", T0)


def test_due_order_and_states(store: Store) -> None:
    h = dt.timedelta(hours=1)
    # inserted out of chronological order
    store.outbox.enqueue("c", "p", b"c", T0 + 2 * h)
    store.outbox.enqueue("a", "p", b"a", T0)
    store.outbox.enqueue("b", "p", b"b", T0 + h)
    store.outbox.enqueue("d", "p", b"d", T0 + 3 * h)
    store.outbox.enqueue("e", "p", b"e", T0 + 4 * h)
    now = T0 + 5 * h
    assert [e.uuid for e in store.outbox.due(now)] == ["a", "b", "c", "d", "e"]
    assert [e.uuid for e in store.outbox.due(now, limit=2)] == ["a", "b"]

    store.outbox.mark_uploading("a", now)  # interrupted upload: still due
    store.outbox.mark_failed("b", "HTTP 503", now, retry_at=now + h)  # retry later
    store.outbox.mark_failed("c", "HTTP 422", now, retry_at=None)  # never automatically
    store.outbox.mark_uploading("d", now)
    store.outbox.mark_acknowledged("d", "ANEF-123", now)

    assert [e.uuid for e in store.outbox.due(now)] == ["a", "e"]
    assert [e.uuid for e in store.outbox.due(now + h - dt.timedelta(microseconds=1))] == ["a", "e"]
    assert [e.uuid for e in store.outbox.due(now + h)] == ["a", "b", "e"]
    assert [e.uuid for e in store.outbox.due(now + 1000 * h)] == ["a", "b", "e"]


def test_due_compares_instants_not_local_text(store: Store) -> None:
    store.outbox.enqueue("a", "p", b"a", T0)
    store.outbox.mark_failed("a", "timeout", T0, retry_at=T0 + dt.timedelta(hours=1))
    tokyo = dt.timezone(dt.timedelta(hours=9))
    # 09:30 UTC expressed in UTC+9: textually "later", actually before the retry time
    assert store.outbox.due(dt.datetime(2025, 3, 1, 18, 30, tzinfo=tokyo)) == []
    assert [e.uuid for e in store.outbox.due(dt.datetime(2025, 3, 1, 19, 0, tzinfo=tokyo))] == ["a"]


def test_transitions(store: Store) -> None:
    store.outbox.enqueue("a", "p", b"a", T0)
    t1, t2, t3 = (T0 + dt.timedelta(minutes=i) for i in (1, 2, 3))
    store.outbox.mark_uploading("a", t1)
    entry = store.outbox.entry("a")
    assert entry is not None and entry.state == "uploading" and entry.state_changed_at == t1
    store.outbox.mark_failed("a", "connection refused", t2, retry_at=t3)
    store.outbox.mark_failed("a", "x" * 2000, t2, retry_at=t3)
    entry = store.outbox.entry("a")
    assert entry is not None
    assert (entry.state, entry.attempts, entry.next_attempt_at) == ("failed", 2, t3)
    assert entry.last_error is not None and len(entry.last_error) == 500
    store.outbox.mark_acknowledged("a", "ANEF-2025-1", t3)
    entry = store.outbox.entry("a")
    assert entry is not None
    assert entry.state == "acknowledged"
    assert entry.central_reference == "ANEF-2025-1"
    assert entry.acknowledged_at == t3
    assert entry.next_attempt_at is None
    assert entry.attempts == 2
    # repeating the acknowledgement is safe; contradicting it is not
    store.outbox.mark_acknowledged("a", "ANEF-2025-1", t3 + dt.timedelta(hours=1))
    again = store.outbox.entry("a")
    assert again is not None and again.acknowledged_at == t3
    with pytest.raises(OutboxStateError):
        store.outbox.mark_acknowledged("a", "ANEF-OTHER", t3)
    with pytest.raises(OutboxStateError):
        store.outbox.mark_uploading("a", t3)
    with pytest.raises(OutboxStateError):
        store.outbox.mark_failed("a", "late", t3, retry_at=None)
    with pytest.raises(OutboxStateError):
        store.outbox.mark_uploading("missing", t3)
    assert store.outbox.entry("missing") is None


def test_find_by_reference(store: Store) -> None:
    entry = store.outbox.enqueue("a", "p", b"a", T0)
    found = store.outbox.find_by_reference(" " + entry.local_reference.lower() + " ")
    assert found == entry
    assert store.outbox.find_by_reference("K-2222-2222") is None


def test_backlog_counts_every_state(store: Store) -> None:
    assert store.outbox.backlog() == {
        "sealed": 0,
        "uploading": 0,
        "delivered": 0,
        "acknowledged": 0,
        "failed": 0,
    }
    for name in "abcdefg":
        store.outbox.enqueue(name, "p", name.encode(), T0)
    store.outbox.mark_uploading("a", T0)
    store.outbox.mark_uploading("b", T0)
    store.outbox.mark_failed("c", "503", T0, retry_at=None)
    store.outbox.mark_acknowledged("d", "R1", T0)
    store.outbox.mark_acknowledged("e", "R2", T0)
    store.outbox.mark_acknowledged("f", "R3", T0)
    assert store.outbox.backlog() == {
        "sealed": 1,
        "uploading": 2,
        "delivered": 0,
        "acknowledged": 3,
        "failed": 1,
    }


def test_purge_acknowledged(store: Store) -> None:
    d = dt.timedelta(days=1)
    for name in "abcd":
        store.outbox.enqueue(name, "p", name.encode(), T0)
    store.outbox.mark_acknowledged("a", "R1", T0)
    store.outbox.mark_acknowledged("b", "R2", T0 + 10 * d)
    store.outbox.mark_failed("c", "503", T0, retry_at=None)
    assert store.outbox.purge_acknowledged(older_than=T0 + 5 * d) == 1
    assert store.outbox.entry("a") is None
    assert store.outbox.entry("b") is not None
    assert store.outbox.entry("c") is not None  # never purge what was not delivered
    assert store.outbox.entry("d") is not None
    assert store.outbox.purge_acknowledged(older_than=T0 + 5 * d) == 0
    assert store.outbox.backlog() == {
        "sealed": 1,
        "uploading": 0,
        "delivered": 0,
        "acknowledged": 1,
        "failed": 1,
    }


def test_outbox_entry_is_frozen(store: Store) -> None:
    entry = store.outbox.enqueue("a", "p", b"a", T0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.state = "acknowledged"  # type: ignore[misc]


# --- settings and audit ------------------------------------------------------------------
def test_settings(store: Store) -> None:
    assert store.settings.get("kiosk_id") is None
    store.settings.set("kiosk_id", "PREF-75-01")
    assert store.settings.get("kiosk_id") == "PREF-75-01"
    store.settings.set("kiosk_id", "PREF-75-02")
    assert store.settings.get("kiosk_id") == "PREF-75-02"
    assert raw_count(store, "setting") == 1


def test_audit(store: Store) -> None:
    store.audit_trail.record("application.submitted", T0, uuid="a1", attempts=0, assisted=True)
    store.audit_trail.record("sync.backlog", T0 + dt.timedelta(seconds=1), sealed=3)
    log = store.audit_trail.recent()
    assert [r.event for r in log] == ["sync.backlog", "application.submitted"]
    assert log[1].detail == {"uuid": "a1", "attempts": 0, "assisted": True}
    assert log[1].at == T0
    with pytest.raises(TypeError):
        store.audit_trail.record("x", T0, answers={"nom": SURNAME})  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.audit_trail.record("Nom de famille: " + SURNAME, T0)
    assert len(store.audit_trail.recent()) == 2


def test_audit_retention_gives_the_space_back(store: Store) -> None:
    """Events older than the retention go, and so do their pages: the file shrinks to a
    new store's size (incremental auto-vacuum), the WAL is truncated."""
    store.checkpoint()
    floor = store.db_path.stat().st_size
    for i in range(300):  # the 290 to purge ~400 bytes each (a transaction apiece is slow)
        big = {"error": "x" * 400} if i < 290 else {}
        store.audit_trail.record("outbox_failed", T0 + dt.timedelta(minutes=i), uuid=f"a{i}", **big)
    store.checkpoint()
    assert store.db_path.stat().st_size > floor + 100_000
    cut = T0 + dt.timedelta(minutes=290)
    assert store.audit_trail.purge_older_than(cut) == 290
    assert [r.detail["uuid"] for r in store.audit_trail.recent()][-1] == "a290"
    assert store.audit_trail.purge_older_than(cut) == 0
    assert store.db_path.stat().st_size == floor
    assert store.db_path.with_name("kiosk.db-wal").stat().st_size == 0


def test_an_older_store_is_converted_to_auto_vacuum(data_dir: Path) -> None:
    """A store made before incremental auto-vacuum is converted when opened, its data kept."""
    with Store.open(data_dir) as store:
        store.audit_trail.record("outbox_queued", T0, uuid="a1")
    conn = sqlite3.connect(data_dir / "kiosk.db")
    conn.execute("PRAGMA auto_vacuum = NONE")
    conn.execute("VACUUM")
    assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    conn.close()
    with Store.open(data_dir) as store:
        assert [r.detail for r in store.audit_trail.recent()] == [{"uuid": "a1"}]
    conn = sqlite3.connect(data_dir / "kiosk.db")
    try:
        assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
    finally:
        conn.close()


def test_crash_with_unchecked_wal_loses_nothing(tmp_path: Path) -> None:
    # Copy the files while the store is open, as a power cut would leave them.
    live = tmp_path / "live"
    store = Store.open(live)
    entry = store.outbox.enqueue("a1", "titre", b"sealed", T0)
    store.drafts.save("d1", None, "fr", {"nom": "X"}, T0)
    assert (live / "kiosk.db-wal").stat().st_size > 0
    crashed = tmp_path / "crashed"
    crashed.mkdir(mode=0o700)
    (crashed / "keys").mkdir(mode=0o700)
    for name in ("kiosk.db", "kiosk.db-wal"):
        (crashed / name).write_bytes((live / name).read_bytes())
    key = crashed / "keys" / "kiosk.key"
    key.write_bytes((live / "keys" / "kiosk.key").read_bytes())
    key.chmod(0o600)
    store.close()
    with Store.open(crashed) as recovered:
        assert recovered.outbox.entry("a1") == entry
        draft = recovered.drafts.load("d1")
        assert draft is not None and draft.answers == {"nom": "X"}
