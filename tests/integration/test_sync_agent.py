"""kiosk-sync end to end: the real kiosk Store, the real agent, the real central server."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import stat
import uuid as uuidlib
from pathlib import Path
from typing import Any

import pytest

from contract import sealing
from contract.sealing import seal
from kiosk.link.sync_service import sync_main
from kiosk.store import Store
from sync.agent import SyncAgent, agent_lock
from sync.client import CentralClient
from sync.enrolment import Enrolment
from tests.fixtures.central import CentralServer, sample_payload

pytestmark = pytest.mark.integration


def _kiosk_sync(*args: str) -> int:
    return sync_main(list(args))


def _enqueue(store: Store, enrolment: Enrolment, n: int) -> list[str]:
    uuids = []
    for i in range(n):
        app_uuid = str(uuidlib.uuid4())
        now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=i)
        payload = sample_payload(enrolment.kiosk_id, app_uuid, now)
        store.outbox.enqueue(
            app_uuid,
            payload["procedure_id"],
            seal(enrolment.public_key_raw, app_uuid, payload),
            now,
        )
        uuids.append(app_uuid)
    return uuids


@pytest.fixture
def central_server(central_server_session: CentralServer) -> CentralServer:
    """One server per database for the run (as in test_attachments.py), not one per test
    (~2 s of CPU to start each): each test enrols its own kiosk and looks only at what that
    kiosk sent."""
    return central_server_session


@pytest.fixture
def kiosk(central_server: CentralServer, tmp_path: Path) -> tuple[Path, Enrolment]:
    """A kiosk data directory enrolled with ``kiosk-sync --enrol-code`` (nothing to send yet)."""
    data_dir = tmp_path / "kiosk"
    code = central_server.new_enrolment_code()
    rc = _kiosk_sync(
        "--data-dir", str(data_dir), "--enrol-code", code, "--server", central_server.url, "--once"
    )
    assert rc == 0
    path = data_dir / "enrolment.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    return data_dir, Enrolment.load(path)


def _received(server: CentralServer, enrolment: Enrolment) -> list[dict[str, Any]]:
    """Every record the server holds from this kiosk (a duplicate would count twice)."""
    return [a for a in server.applications() if a["kiosk_id"] == enrolment.kiosk_id]


def _by_uuid(server: CentralServer, enrolment: Enrolment) -> dict[str, dict[str, Any]]:
    """What the server received from this kiosk, by application."""
    return {a["uuid"]: a for a in _received(server, enrolment)}


def test_kiosk_sync_delivers_the_outbox_once(
    central_server: CentralServer, kiosk: tuple[Path, Enrolment]
) -> None:
    data_dir, enrolment = kiosk
    with Store.open(data_dir / "store") as store:
        uuids = _enqueue(store, enrolment, 3)
    assert _kiosk_sync("--data-dir", str(data_dir), "--once") == 0
    received = _by_uuid(central_server, enrolment)
    assert set(received) == set(uuids)
    with Store.open(data_dir / "store") as store:
        for app_uuid in uuids:
            entry = store.outbox.entry(app_uuid)
            assert entry is not None and entry.state == "acknowledged"
            assert entry.central_reference == received[app_uuid]["central_reference"]
            assert received[app_uuid]["kiosk_reference"] == entry.local_reference
            assert received[app_uuid]["payload"]["uuid"] == app_uuid
        events = [r.event for r in store.audit_trail.recent()]
    assert events.count("sync_delivered") == 3
    # a second run finds nothing to do and sends nothing
    assert _kiosk_sync("--data-dir", str(data_dir), "--once") == 0
    assert len(_received(central_server, enrolment)) == 3


def test_draining_the_same_outbox_twice_leaves_one_record_each(
    central_server: CentralServer, kiosk: tuple[Path, Enrolment], tmp_path: Path
) -> None:
    """A restored backup (or acknowledgements lost in a crash) sends everything again:
    the server answers with the same receipts and keeps one record per application."""
    data_dir, enrolment = kiosk
    with Store.open(data_dir / "store") as store:
        uuids = _enqueue(store, enrolment, 4)
    backup = tmp_path / "store-backup"
    shutil.copytree(data_dir / "store", backup)

    client = CentralClient(central_server.url, enrolment.token)
    refs = []
    for store_dir in (data_dir / "store", backup):
        with Store.open(store_dir) as store, agent_lock(data_dir / "sync.lock"):
            report = SyncAgent(store, client).run_once()
            assert (report.delivered, report.failed, report.remaining) == (4, 0, 0)
            refs.append({u: store.outbox.entry(u).central_reference for u in uuids})  # type: ignore[union-attr]
    assert refs[0] == refs[1]
    received = _by_uuid(central_server, enrolment)
    assert len(_received(central_server, enrolment)) == 4
    assert {u: received[u]["central_reference"] for u in uuids} == refs[0]


def test_an_upload_interrupted_before_its_acknowledgement_is_resent(
    central_server: CentralServer, kiosk: tuple[Path, Enrolment]
) -> None:
    data_dir, enrolment = kiosk
    client = CentralClient(central_server.url, enrolment.token)
    with Store.open(data_dir / "store") as store:
        (app_uuid,) = _enqueue(store, enrolment, 1)
        entry = store.outbox.due(dt.datetime.now(dt.UTC))[0]
        # the crash: the PUT reached the server, the kiosk died before recording the receipt
        store.outbox.mark_uploading(app_uuid, dt.datetime.now(dt.UTC))
        first = client.put_application(SyncAgent(store, client)._upload(entry))
        assert [e.uuid for e in store.outbox.due(dt.datetime.now(dt.UTC))] == [app_uuid]
        report = SyncAgent(store, client).run_once()
        assert report.delivered == 1
        assert store.outbox.entry(app_uuid).central_reference == first.central_reference  # type: ignore[union-attr]
    assert len(_received(central_server, enrolment)) == 1


def test_network_down_keeps_everything_for_later(
    central_server: CentralServer, kiosk: tuple[Path, Enrolment]
) -> None:
    data_dir, enrolment = kiosk
    with Store.open(data_dir / "store") as store:
        first, second = _enqueue(store, enrolment, 2)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    rc = _kiosk_sync("--data-dir", str(data_dir), "--once", "--server", dead)
    assert rc == 0
    with Store.open(data_dir / "store") as store:
        failed = store.outbox.entry(first)
        assert failed is not None and failed.state == "failed" and failed.attempts == 1
        assert failed.next_attempt_at is not None
        assert failed.next_attempt_at <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
        assert store.outbox.entry(second).state == "sealed"  # type: ignore[union-attr]
        assert store.settings.get("sync_alert") in (None, "")
    # the network is back: what is due goes now, the backed-off entry when its time comes
    assert _kiosk_sync("--data-dir", str(data_dir), "--once") == 0
    assert second in _by_uuid(central_server, enrolment)


def test_revoked_kiosk_stops_and_alerts_staff(
    central_server: CentralServer, kiosk: tuple[Path, Enrolment]
) -> None:
    data_dir, enrolment = kiosk
    with Store.open(data_dir / "store") as store:
        (app_uuid,) = _enqueue(store, enrolment, 1)
    central_server.admin("POST", f"/kiosks/{enrolment.kiosk_id}/revoke").raise_for_status()
    assert _kiosk_sync("--data-dir", str(data_dir), "--once") == 3
    with Store.open(data_dir / "store") as store:
        assert store.settings.get("sync_alert") == "auth"
        assert [e.uuid for e in store.outbox.due(dt.datetime.now(dt.UTC))] == [app_uuid]
        assert store.outbox.entry(app_uuid).attempts == 0  # type: ignore[union-attr]
        assert "sync_auth_failed" in [r.event for r in store.audit_trail.recent()]
    assert _received(central_server, enrolment) == []


def test_rejected_application_waits_for_staff(
    central_server: CentralServer, kiosk: tuple[Path, Enrolment]
) -> None:
    """A package the server cannot open (sealed for another key) waits for staff; one it can
    open but finds invalid is kept there as rejected_invalid, and acknowledged."""
    data_dir, enrolment = kiosk
    stranger = sealing.public_key_raw(sealing.generate_private_key())
    with Store.open(data_dir / "store") as store:
        now = dt.datetime.now(dt.UTC)
        bad_uuid, invalid_uuid = str(uuidlib.uuid4()), str(uuidlib.uuid4())
        payload = sample_payload(enrolment.kiosk_id, bad_uuid, now)
        store.outbox.enqueue(bad_uuid, "renewal-student", seal(stranger, bad_uuid, payload), now)
        payload = sample_payload(enrolment.kiosk_id, invalid_uuid, now)
        del payload["answers"]["surname"]
        sealed = seal(enrolment.public_key_raw, invalid_uuid, payload)
        store.outbox.enqueue(invalid_uuid, "renewal-student", sealed, now)
        (good_uuid,) = _enqueue(store, enrolment, 1)
    assert _kiosk_sync("--data-dir", str(data_dir), "--once") == 0
    with Store.open(data_dir / "store") as store:
        bad = store.outbox.entry(bad_uuid)
        assert bad is not None and bad.state == "failed" and bad.next_attempt_at is None
        assert bad.last_error is not None and "cannot be opened" in bad.last_error
        assert store.outbox.entry(good_uuid).state == "acknowledged"  # type: ignore[union-attr]
        assert store.outbox.entry(invalid_uuid).state == "acknowledged"  # type: ignore[union-attr]
    received = _by_uuid(central_server, enrolment)
    assert set(received) == {good_uuid, invalid_uuid}
    assert received[invalid_uuid]["validity"] == "rejected_invalid"
    assert received[good_uuid]["validity"] == "valid"


def test_a_second_agent_is_refused_while_one_runs(kiosk: tuple[Path, Enrolment]) -> None:
    data_dir, _enrolment = kiosk
    with agent_lock(data_dir / "sync.lock"):
        assert _kiosk_sync("--data-dir", str(data_dir), "--once") == 4


def test_not_enrolled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _kiosk_sync("--data-dir", str(tmp_path), "--once") == 2
    assert "not enrolled" in capsys.readouterr().err
