"""Scanned pages (encrypted drafts' attachments) and sealed attachments in the outbox."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pytest

from kiosk.store import (
    OutboxStateError,
    Store,
    StoreError,
    TamperedDataError,
    sniff_content_type,
)
from tests.unit.store.conftest import T0

JPEG = b"\xff\xd8\xff\xe0" + b"Haddad Nour passport scan " * 400
PDF = b"%PDF-1.7\n" + b"proof of address, 12 rue des Ecoles " * 100
SEALED_1 = b"KTA\x01" + bytes(range(200)) * 5
SEALED_2 = b"KTA\x01" + bytes(range(100, 250)) * 7


def _sha(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def _raw(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("kiosk.db*")))


# --- pages while drafting -------------------------------------------------------------------------


def test_pages_round_trip_in_order(store: Store) -> None:
    assert store.pages.add("a1", "proof-of-address", 1, PDF, T0) is True
    assert store.pages.add("a1", "passport", 2, JPEG + b"2", T0) is True
    assert store.pages.add("a1", "passport", 1, JPEG, T0) is True
    store.pages.add("other", "passport", 1, b"\x89PNG\r\n\x1a\nxx", T0)
    pages = store.pages.of("a1")
    assert [(p.document_id, p.page_no, p.content_type) for p in pages] == [
        ("passport", 1, "image/jpeg"),
        ("passport", 2, "image/jpeg"),
        ("proof-of-address", 1, "application/pdf"),
    ]
    assert pages[0].data == JPEG and pages[0].size == len(JPEG)
    assert "Haddad" not in repr(pages[0])
    assert store.pages.of("nobody") == []


def test_a_page_scanned_again_replaces_the_old_one(store: Store) -> None:
    store.pages.add("a1", "passport", 1, JPEG, T0)
    store.pages.add("a1", "passport", 1, b"%PDF-1.4 rescan", T0, content_type="application/pdf")
    (page,) = store.pages.of("a1")
    assert page.data == b"%PDF-1.4 rescan" and page.content_type == "application/pdf"


def test_pages_are_encrypted_at_rest(store: Store, data_dir: Path) -> None:
    store.pages.add("a1", "passport", 1, JPEG, T0)
    store.checkpoint()
    raw = _raw(data_dir)
    assert b"Haddad Nour" not in raw
    assert JPEG[:64] not in raw


def test_a_page_moved_to_another_place_is_refused(store: Store, data_dir: Path) -> None:
    store.pages.add("a1", "passport", 1, JPEG, T0)
    store.pages.add("a1", "passport", 2, JPEG + b"2", T0)
    store.close()
    conn = sqlite3.connect(data_dir / "kiosk.db")
    with conn:
        conn.execute("DELETE FROM page WHERE page_no = 2")
        conn.execute("UPDATE page SET page_no = 2")  # swap the page into another slot
    conn.close()
    with Store.open(data_dir) as reopened, pytest.raises(TamperedDataError):
        reopened.pages.of("a1")


def test_delete_pages(store: Store) -> None:
    for doc, n in (("passport", 1), ("passport", 2), ("visa", 1)):
        store.pages.add("a1", doc, n, JPEG, T0)
    assert store.pages.delete("a1", "passport", 2) == 1
    assert store.pages.delete("a1", "visa") == 1
    assert [(p.document_id, p.page_no) for p in store.pages.of("a1")] == [("passport", 1)]
    assert store.pages.delete("a1") == 1
    with pytest.raises(ValueError, match="needs document_id"):
        store.pages.delete("a1", page_no=1)


def test_deleting_a_draft_deletes_its_pages(store: Store) -> None:
    store.drafts.save("a1", "p", "fr", {"surname": "Haddad"}, T0)
    store.pages.add("a1", "passport", 1, JPEG, T0)
    store.drafts.delete("a1")
    assert store.pages.of("a1") == []


def test_purging_old_drafts_purges_their_pages(store: Store) -> None:
    day = dt.timedelta(days=1)
    store.drafts.save("old", "p", "fr", {}, T0)
    store.pages.add("old", "passport", 1, JPEG, T0 + 40 * day)  # a page newer than its draft
    store.pages.add("orphan", "passport", 1, JPEG, T0)  # a page with no draft at all
    store.drafts.save("new", "p", "fr", {}, T0 + 40 * day)
    store.pages.add("new", "passport", 1, JPEG, T0 + 40 * day)
    assert store.drafts.purge_older_than(T0 + 30 * day) == 1
    assert store.pages.of("old") == [] and store.pages.of("orphan") == []
    assert len(store.pages.of("new")) == 1


def test_key_rotation_re_encrypts_pages(store: Store, data_dir: Path) -> None:
    store.pages.add("a1", "passport", 1, JPEG, T0)
    store.keyring.rotate()
    assert store.rekey() == 1
    assert store.rekey() == 0
    for retired in (data_dir / "keys").glob("kiosk.key.*"):
        retired.unlink()
    store.keyring._load()
    assert store.pages.of("a1")[0].data == JPEG


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"document_id": "Passport"}, ValueError),
        ({"document_id": "../x"}, ValueError),
        ({"page_no": 0}, ValueError),
        ({"page_no": 1000}, ValueError),
        ({"page_no": True}, TypeError),
        ({"data": b""}, ValueError),
        ({"content_type": "jpeg"}, ValueError),
        ({"now": dt.datetime(2026, 1, 1)}, ValueError),
    ],
)
def test_add_page_checks_its_arguments(
    store: Store, kwargs: dict[str, object], error: type[Exception]
) -> None:
    args: dict[str, object] = {
        "app_uuid": "a1",
        "document_id": "passport",
        "page_no": 1,
        "data": JPEG,
        "now": T0,
    }
    args.update(kwargs)
    with pytest.raises(error):
        store.pages.add(**args)  # type: ignore[arg-type]


def test_sniffing() -> None:
    assert sniff_content_type(JPEG) == "image/jpeg"
    assert sniff_content_type(PDF) == "application/pdf"
    assert sniff_content_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert sniff_content_type(b"II*\x00....") == "image/tiff"
    assert sniff_content_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff_content_type(b"hello") == "application/octet-stream"


# --- submit: sealed attachments in the outbox ----------------------------------------------------


def test_enqueue_keeps_sealed_attachments_and_wipes_the_clear_copy(
    store: Store, data_dir: Path
) -> None:
    store.drafts.save("a1", "p", "fr", {"surname": "Haddad"}, T0)
    store.pages.add("a1", "passport", 1, JPEG, T0)
    entry = store.outbox.enqueue("a1", "p", b"sealed-app", T0, attachments=[SEALED_1, SEALED_2])
    assert [(a.sha256, a.size, a.uploaded_at) for a in entry.attachments] == [
        (_sha(SEALED_1), len(SEALED_1), None),
        (_sha(SEALED_2), len(SEALED_2), None),
    ]
    assert entry.attachments_pending == entry.attachments
    assert store.drafts.load("a1") is None and store.pages.of("a1") == []
    assert store.outbox.attachment_data("a1", _sha(SEALED_2)) == SEALED_2
    assert store.outbox.entry("a1") == entry
    assert store.outbox.due(T0)[0].attachments == entry.attachments
    # a late scan of a submitted application leaves nothing behind
    assert store.pages.add("a1", "passport", 2, JPEG, T0) is False
    assert store.pages.of("a1") == []
    store.checkpoint()
    raw = _raw(data_dir)
    assert b"Haddad" not in raw and JPEG[:64] not in raw


def test_enqueue_is_idempotent_with_attachments(store: Store) -> None:
    first = store.outbox.enqueue("a1", "p", b"sealed", T0, attachments=[SEALED_1])
    again = store.outbox.enqueue("a1", "p", b"sealed", T0, attachments=[SEALED_1, SEALED_2])
    assert again == first and len(again.attachments) == 1


def test_enqueue_without_attachments_still_works(store: Store) -> None:
    entry = store.outbox.enqueue("a1", "p", b"sealed", T0)
    assert entry.attachments == () and entry.attachments_pending == ()


def test_enqueue_checks_attachments(store: Store) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        store.outbox.enqueue("a1", "p", b"sealed", T0, attachments=[b""])
    with pytest.raises(ValueError, match="twice"):
        store.outbox.enqueue("a1", "p", b"sealed", T0, attachments=[SEALED_1, SEALED_1])
    assert store.outbox.entry("a1") is None


def test_state_machine_with_attachments(store: Store) -> None:
    t = [T0 + dt.timedelta(minutes=i) for i in range(6)]
    store.outbox.enqueue("a1", "p", b"sealed", t[0], attachments=[SEALED_1, SEALED_2])
    store.outbox.mark_uploading("a1", t[1])
    with pytest.raises(OutboxStateError, match="2 attachment"):
        store.outbox.mark_delivered("a1", t[2])
    store.outbox.mark_attachment_uploaded("a1", _sha(SEALED_1), t[2])
    store.outbox.mark_attachment_uploaded("a1", _sha(SEALED_1), t[3])  # repeat: first time kept
    entry = store.outbox.entry("a1")
    assert entry is not None and entry.state == "uploading" and entry.uploading_at == t[1]
    assert entry.attachments[0].uploaded_at == t[2]
    assert [a.sha256 for a in entry.attachments_pending] == [_sha(SEALED_2)]
    store.outbox.mark_attachment_uploaded("a1", _sha(SEALED_2), t[3])
    store.outbox.mark_delivered("a1", t[4])
    entry = store.outbox.entry("a1")
    assert entry is not None and (entry.state, entry.delivered_at) == ("delivered", t[4])
    assert [e.uuid for e in store.outbox.due(t[4])] == ["a1"]  # delivered is still due
    # the server lost one: back to uploading, that one pending again
    store.outbox.mark_attachments_missing("a1", [_sha(SEALED_2)])
    entry = store.outbox.entry("a1")
    assert entry is not None and entry.state == "uploading" and entry.delivered_at is None
    assert [a.sha256 for a in entry.attachments_pending] == [_sha(SEALED_2)]
    store.outbox.mark_attachment_uploaded("a1", _sha(SEALED_2), t[5])
    store.outbox.mark_delivered("a1", t[5])
    store.outbox.mark_acknowledged("a1", "PREF-2026-000001", t[5])
    assert store.outbox.backlog()["acknowledged"] == 1
    with pytest.raises(OutboxStateError):
        store.outbox.mark_attachment_uploaded("a1", _sha(SEALED_1), t[5])
    with pytest.raises(OutboxStateError):
        store.outbox.mark_delivered("a1", t[5])


def test_unknown_attachments_are_errors(store: Store) -> None:
    store.outbox.enqueue("a1", "p", b"sealed", T0, attachments=[SEALED_1])
    with pytest.raises(OutboxStateError):
        store.outbox.mark_attachment_uploaded("a1", "00" * 32, T0)
    with pytest.raises(OutboxStateError):
        store.outbox.attachment_data("a1", "00" * 32)
    with pytest.raises(OutboxStateError):
        store.outbox.mark_attachment_uploaded("nobody", _sha(SEALED_1), T0)


def test_retention_leaves_nothing_of_an_acknowledged_application(
    store: Store, data_dir: Path
) -> None:
    day = dt.timedelta(days=1)
    sealed_app = b"KTS\x01" + b"sealed application bytes " * 50
    page = b"KTA\x01" + b"sealed page bytes, unique marker 7f3a " * 300
    store.drafts.save("a1", "p", "fr", {"surname": "Haddad"}, T0)
    store.pages.add("a1", "passport", 1, JPEG, T0)
    store.outbox.enqueue("a1", "p", sealed_app, T0, attachments=[page])
    store.outbox.enqueue("a2", "p", b"KTS\x01 still waiting", T0, attachments=[SEALED_2])
    store.outbox.mark_attachment_uploaded("a1", _sha(page), T0)
    store.outbox.mark_delivered("a1", T0)
    store.outbox.mark_acknowledged("a1", "PREF-2026-000001", T0)

    # the cut-off is "acknowledged before": now - retention delay
    assert store.outbox.purge_acknowledged(T0) == 0  # not yet
    assert store.outbox.attachment_data("a1", _sha(page)) == page
    assert store.outbox.purge_acknowledged(T0 + day) == 1
    assert store.outbox.entry("a1") is None
    with pytest.raises(OutboxStateError):
        store.outbox.attachment_data("a1", _sha(page))
    assert store.outbox.entry("a2") is not None  # never purge what was not acknowledged
    assert store.outbox.attachment_data("a2", _sha(SEALED_2)) == SEALED_2
    store.close()
    # the raw files: no sealed bytes (secure_delete, WAL checkpointed) and no clear data
    raw = _raw(data_dir)
    assert b"unique marker 7f3a" not in raw
    assert b"sealed application bytes" not in raw
    assert b"Haddad" not in raw and JPEG[:64] not in raw
    conn = sqlite3.connect(data_dir / "kiosk.db")
    try:
        rows = conn.execute("SELECT count(*) FROM outbox_attachment").fetchone()
    finally:
        conn.close()
    assert rows == (1,)


def test_pages_are_never_wiped_unsealed(store: Store) -> None:
    """A caller that forgot the pages, or a page scanned after the sealing: refused, and
    nothing is lost (the draft and its pages stay)."""
    store.drafts.save("a1", "p", "fr", {"surname": "Haddad"}, T0)
    store.pages.add("a1", "passport", 1, JPEG, T0)
    store.pages.add("a1", "passport", 2, JPEG + b"2", T0)
    with pytest.raises(StoreError, match="2 scanned page"):
        store.outbox.enqueue("a1", "p", b"sealed", T0)
    with pytest.raises(StoreError, match=r"Sealer\.submit"):
        store.outbox.enqueue("a1", "p", b"sealed", T0, attachments=[SEALED_1])
    assert store.outbox.entry("a1") is None
    assert len(store.pages.of("a1")) == 2 and store.drafts.load("a1") is not None
    store.outbox.enqueue("a1", "p", b"sealed", T0, attachments=[SEALED_1, SEALED_2])
    assert store.pages.of("a1") == []
