"""Scanned pages end to end, on the real central server (SQLite and PostgreSQL): sealed on
submit, uploaded in resumable chunks, verified, opened centrally; statuses coming back;
heartbeats and retention driven by the kiosk's sync thread."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import uuid as uuidlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from contract.protocol import Heartbeat, content_range
from kiosk.config import Settings
from kiosk.link.sealer import Sealer
from kiosk.link.sync_runner import SyncThread
from kiosk.link.sync_service import sync_main
from kiosk.store import Store
from sync.agent import SyncAgent
from sync.client import CentralClient, IncompleteError
from sync.enrolment import Enrolment, enrol
from tests.fixtures.central import (
    CentralServer,
    sample_document,
    sample_page,
    sample_payload,
)
from tests.fixtures.threads import run_in_threads
from tests.fixtures.waiting import wait_until

pytestmark = pytest.mark.integration

KIB = 1024


@pytest.fixture
def central_server(central_server_session: CentralServer) -> CentralServer:
    """One server per database for the module: each test enrols its own kiosk and looks
    only at what that kiosk sent."""
    return central_server_session


def _received(server: CentralServer, enrolment: Enrolment) -> list[dict[str, Any]]:
    return [a for a in server.applications() if a["kiosk_id"] == enrolment.kiosk_id]


@pytest.fixture
def kiosk(central_server: CentralServer, tmp_path: Path) -> Iterator[tuple[Path, Enrolment]]:
    data_dir = tmp_path / "kiosk"
    client = CentralClient(central_server.url)
    enrolment = enrol(
        client, central_server.new_enrolment_code(), "Accueil 1", data_dir / "enrolment.json"
    )
    client.close()
    yield data_dir, enrolment


def _submit(
    store: Store, data_dir: Path, enrolment: Enrolment, pages: list[bytes], **kw: Any
) -> str:
    """What the kiosk does: pages scanned into the draft, then sealed and queued."""
    app_uuid = str(uuidlib.uuid4())
    now = kw.get("now") or dt.datetime.now(dt.UTC)
    doc = sample_document()
    store.drafts.save(app_uuid, "renewal-student", "ar", {"surname": "Haddad"}, now)
    for i, page in enumerate(pages, start=1):
        assert store.pages.add(app_uuid, doc, i, page, now)
    payload = sample_payload(enrolment.kiosk_id, app_uuid, now)
    Sealer(data_dir / "enrolment.json").submit(store, app_uuid, "renewal-student", payload, now)
    return app_uuid


class WireCounter:
    """Counts what a CentralClient puts on the wire (request line, headers, body)."""

    def __init__(self, client: CentralClient) -> None:
        self.sent = 0
        self.chunks: list[str] = []
        real = client.session.send

        def send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            body = request.body or b""
            size = len(body) if isinstance(body, bytes | str) else 0
            head = f"{request.method} {request.path_url} HTTP/1.1\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in request.headers.items()) + "\r\n"
            self.sent += len(head.encode()) + size
            if "Content-Range" in request.headers:
                self.chunks.append(str(request.headers["Content-Range"]))
            return real(request, **kwargs)

        client.session.send = send  # type: ignore[method-assign]


def test_pages_arrive_intact_in_raw_chunks(
    central_server: CentralServer, kiosk: tuple[Path, Enrolment]
) -> None:
    data_dir, enrolment = kiosk
    pages = [sample_page(i, 300 * KIB) for i in (1, 2, 3)]
    with Store.open(data_dir / "store") as store:
        app_uuid = _submit(store, data_dir, enrolment, pages)
        entry = store.outbox.entry(app_uuid)
        assert entry is not None and len(entry.attachments) == 3
        assert store.pages.of(app_uuid) == [] and store.drafts.load(app_uuid) is None
        payload_bytes = entry.size + sum(a.size for a in entry.attachments)

        client = CentralClient(central_server.url, enrolment.token)
        wire = WireCounter(client)
        report = SyncAgent(store, client, chunk_size=128 * KIB).run_once()
        assert (report.delivered, report.failed) == (1, 0)
        entry = store.outbox.entry(app_uuid)
        assert entry is not None and entry.state == "acknowledged"
        assert all(a.uploaded_at is not None for a in entry.attachments)
        assert entry.delivered_at is not None and entry.uploading_at is not None

    # 3 pages of ~300 KiB in 128 KiB chunks: 3 chunks each, raw bytes, no base64
    assert len(wire.chunks) == 9
    ratio = wire.sent / payload_bytes
    assert ratio < 1.05, f"bytes sent / payload = {ratio:.3f}"

    (received,) = _received(central_server, enrolment)
    assert received["uuid"] == app_uuid
    listed = received["payload"]["attachments"]
    assert [(a["document_id"], a["page_no"]) for a in listed] == [
        (sample_document(), 1),
        (sample_document(), 2),
        (sample_document(), 3),
    ]
    for ref, page in zip(listed, pages, strict=True):
        resp = central_server.admin("GET", f"/applications/{app_uuid}/attachments/{ref['sha256']}")
        assert resp.status_code == 200 and resp.content == page
        assert resp.headers["content-type"] == "image/jpeg"


def test_an_interrupted_upload_resumes_where_it_stopped(
    central_server: CentralServer, kiosk: tuple[Path, Enrolment]
) -> None:
    data_dir, enrolment = kiosk
    chunk = 64 * KIB
    with Store.open(data_dir / "store") as store:
        app_uuid = _submit(store, data_dir, enrolment, [sample_page(1, 400 * KIB)])
        (info,) = store.outbox.entry(app_uuid).attachments  # type: ignore[union-attr]
        blob = store.outbox.attachment_data(app_uuid, info.sha256)
        # the previous run of the agent died after two chunks
        store.outbox.mark_uploading(app_uuid, dt.datetime.now(dt.UTC))
        client = CentralClient(central_server.url, enrolment.token)
        for start in (0, chunk):
            client.put_attachment_chunk(info.sha256, blob[start : start + chunk], start, len(blob))
        state = client.attachment_status(info.sha256)
        assert state is not None and (state.received, state.complete) == (2 * chunk, False)

        wire = WireCounter(client)
        assert SyncAgent(store, client, chunk_size=chunk).run_once().delivered == 1
    total = len(blob)
    # it asked the server, then sent only what was missing
    assert wire.chunks[0] == content_range(2 * chunk, 3 * chunk, total)
    assert len(wire.chunks) == -(-(total - 2 * chunk) // chunk)
    (received,) = _received(central_server, enrolment)
    ref = received["payload"]["attachments"][0]
    resp = central_server.admin("GET", f"/applications/{app_uuid}/attachments/{ref['sha256']}")
    assert resp.content == sample_page(1, 400 * KIB)


def test_the_application_is_refused_until_its_attachments_are_complete(
    central_server: CentralServer, kiosk: tuple[Path, Enrolment]
) -> None:
    data_dir, enrolment = kiosk
    with Store.open(data_dir / "store") as store:
        app_uuid = _submit(store, data_dir, enrolment, [sample_page(1), sample_page(2)])
        entry = store.outbox.entry(app_uuid)
        assert entry is not None
        client = CentralClient(central_server.url, enrolment.token)
        upload = SyncAgent(store, client)._upload(entry)
        with pytest.raises(IncompleteError) as exc:
            client.put_application(upload)
        assert exc.value.missing == [a.sha256 for a in entry.attachments]
        assert _received(central_server, enrolment) == []
        # one page arrives: the other is still missing
        client.upload_attachment(store.outbox.attachment_data(app_uuid, exc.value.missing[0]))
        with pytest.raises(IncompleteError) as again:
            client.put_application(upload)
        assert again.value.missing == exc.value.missing[1:]
        # the agent sends what is missing (the first page is a no-op) and then the application
        assert SyncAgent(store, client).run_once().delivered == 1
    assert [a["uuid"] for a in _received(central_server, enrolment)] == [app_uuid]


def test_damaged_bytes_are_discarded_and_the_agent_sends_them_again(
    central_server: CentralServer, kiosk: tuple[Path, Enrolment]
) -> None:
    data_dir, enrolment = kiosk
    with Store.open(data_dir / "store") as store:
        app_uuid = _submit(store, data_dir, enrolment, [sample_page(1, 50 * KIB)])
        (info,) = store.outbox.entry(app_uuid).attachments  # type: ignore[union-attr]
        blob = store.outbox.attachment_data(app_uuid, info.sha256)
        damaged = blob[:-1] + bytes([blob[-1] ^ 0xFF])
        resp = requests.put(
            f"{central_server.url}/v1/attachments/{info.sha256}",
            data=damaged,
            headers={
                "Authorization": f"Bearer {enrolment.token}",
                "Content-Type": "application/octet-stream",
            },
            timeout=10,
        )
        assert resp.status_code == 422
        assert resp.json()["errors"][0]["field"] == "sha256"
        client = CentralClient(central_server.url, enrolment.token)
        assert client.attachment_status(info.sha256) is None  # discarded
        assert SyncAgent(store, client).run_once().delivered == 1
    assert len(_received(central_server, enrolment)) == 1


def test_status_changes_are_visible_to_the_kiosk(
    central_server: CentralServer, kiosk: tuple[Path, Enrolment]
) -> None:
    data_dir, enrolment = kiosk
    with Store.open(data_dir / "store") as store:
        app_uuid = _submit(store, data_dir, enrolment, [])
        client = CentralClient(central_server.url, enrolment.token)
        assert SyncAgent(store, client).run_once().delivered == 1
    receipt = client.get_application(app_uuid)
    assert receipt is not None and receipt.status == "received"
    for status in ("being_examined", "documents_requested", "decision_available", "card_ready"):
        resp = central_server.admin(
            "POST", f"/applications/{app_uuid}/status", json={"status": status, "note": "n"}
        )
        assert resp.status_code == 200, resp.text
        seen = client.get_application(app_uuid)
        assert seen is not None and seen.status == status
        assert seen.central_reference == receipt.central_reference
    assert [h.status for h in seen.history] == [
        "received",
        "being_examined",
        "documents_requested",
        "decision_available",
        "card_ready",
    ]
    assert all(h.note is None for h in seen.history)


def test_kiosk_sync_command_line_with_pages_and_chunks(
    central_server: CentralServer, kiosk: tuple[Path, Enrolment]
) -> None:
    data_dir, enrolment = kiosk
    with Store.open(data_dir / "store") as store:
        app_uuid = _submit(store, data_dir, enrolment, [sample_page(1, 100 * KIB)])
    rc = sync_main(
        ["--data-dir", str(data_dir), "--once", "--chunk-size-kib", "16", "--retention-days", "0"]
    )
    assert rc == 0
    assert [a["uuid"] for a in _received(central_server, enrolment)] == [app_uuid]
    with Store.open(data_dir / "store") as store:
        assert store.outbox.entry(app_uuid) is None  # retention 0: purged once acknowledged
        assert "outbox_purged" in [r.event for r in store.audit_trail.recent()]
    (fleet,) = [
        k
        for k in central_server.admin("GET", "/kiosks").json()
        if k["kiosk_id"] == enrolment.kiosk_id
    ]
    assert fleet["last_heartbeat_at"] is not None


# --- the kiosk's sync thread: heartbeat and retention --------------------------------------------


def test_sync_thread_heartbeats_and_retention_leave_nothing_personal(
    central_server: CentralServer, kiosk: tuple[Path, Enrolment]
) -> None:
    data_dir, enrolment = kiosk
    settings = Settings(
        data_dir=data_dir,
        central_url=central_server.url,
        sync_interval_s=1,
        acknowledged_retention_days=7,
    )
    offset = [dt.timedelta(0)]
    lock = threading.Lock()

    def clock() -> dt.datetime:
        with lock:
            return dt.datetime.now(dt.UTC) + offset[0]

    page = sample_page(1, 60 * KIB)
    reports: list[Any] = []
    with Store.open(settings.db_dir) as store:
        app_uuid = _submit(store, data_dir, enrolment, [page])
        entry = store.outbox.entry(app_uuid)
        assert entry is not None
        sealed_blob = store.outbox.attachment_data(app_uuid, entry.attachments[0].sha256)
        thread = SyncThread(
            settings,
            store,
            on_report=reports.append,
            device_health=lambda: {"printer": "ok", "scanner": "ok"},
            clock=clock,
        )
        thread.start()
        try:
            wait_until(
                lambda: (store.outbox.entry(app_uuid) or entry).state == "acknowledged",
                30,
                what="the application to be acknowledged",
            )

            def beat() -> dict[str, Any]:
                kiosks = central_server.admin("GET", "/kiosks").json()
                return next(k for k in kiosks if k["kiosk_id"] == enrolment.kiosk_id)

            wait_until(
                lambda: beat()["backlog"].get("acknowledged") == 1,
                30,
                what="a heartbeat reporting it acknowledged",
            )
            fleet = beat()
            assert fleet["device_health"] == {"printer": "ok", "scanner": "ok"}
            assert fleet["software_version"] and fleet["last_error"] is None
            # Two more rounds of the thread (1 s apart) before the retention delay ends:
            # the acknowledged entry is kept through them.
            rounds = len(reports)
            wait_until(lambda: len(reports) >= rounds + 2, 30, what="two more sync rounds")
            assert store.outbox.entry(app_uuid) is not None  # kept during the retention delay
            with lock:
                offset[0] = dt.timedelta(days=8)
            thread.wake()
            wait_until(lambda: store.outbox.entry(app_uuid) is None, 30, what="the retention purge")
        finally:
            thread.stop()
        assert store.outbox.backlog() == dict.fromkeys(
            ("sealed", "uploading", "delivered", "acknowledged", "failed"), 0
        )
    assert not thread.is_alive()
    # nothing personal left on the kiosk's disk: no page, no sealed copy of anything
    raw = b"".join(p.read_bytes() for p in sorted(settings.db_dir.glob("kiosk.db*")))
    assert page[100:200] not in raw
    assert sealed_blob[100:200] not in raw
    assert b"Haddad" not in raw
    assert hashlib.sha256(sealed_blob).hexdigest() not in raw.decode("latin-1")
    # ... while the central API has it all
    (received,) = _received(central_server, enrolment)
    ref = received["payload"]["attachments"][0]
    resp = central_server.admin("GET", f"/applications/{app_uuid}/attachments/{ref['sha256']}")
    assert resp.content == page


def test_concurrent_uploads_of_one_page_end_complete_and_intact(
    central_server: CentralServer, kiosk: tuple[Path, Enrolment]
) -> None:
    """Two copies of the agent (a kiosk-sync service and the app's thread, say) racing on
    one page: the server's row lock and offsets keep the bytes in order."""
    data_dir, enrolment = kiosk
    with Store.open(data_dir / "store") as store:
        app_uuid = _submit(store, data_dir, enrolment, [sample_page(1, 256 * KIB)])
        (info,) = store.outbox.entry(app_uuid).attachments  # type: ignore[union-attr]
        blob = store.outbox.attachment_data(app_uuid, info.sha256)

    def upload() -> None:
        with CentralClient(central_server.url, enrolment.token) as client:
            assert client.upload_attachment(blob, chunk_size=16 * KIB).complete
            client.heartbeat(Heartbeat(software_version="t", sent_at=dt.datetime.now(dt.UTC)))

    assert run_in_threads([upload] * 3, timeout_s=120) == []
    with Store.open(data_dir / "store") as store:
        client = CentralClient(central_server.url, enrolment.token)
        state = client.attachment_status(info.sha256)
        assert state is not None and state.complete and state.received == len(blob)
        assert SyncAgent(store, client).run_once().delivered == 1
    (received,) = _received(central_server, enrolment)
    ref = received["payload"]["attachments"][0]
    resp = central_server.admin("GET", f"/applications/{app_uuid}/attachments/{ref['sha256']}")
    assert resp.content == sample_page(1, 256 * KIB)
