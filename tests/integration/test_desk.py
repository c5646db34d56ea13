"""The desk pages of the real central API process (``python -m central``), on SQLite and
PostgreSQL: authentication, help calls and heartbeats from a real kiosk client, and no
personal data in what the desk sees, even once a real application was delivered."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid as uuidlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from contract.protocol import HelpCallRequest
from kiosk.testing import MemoryStore
from sync.agent import SyncAgent
from sync.client import CentralClient
from tests.fixtures.central import (
    SAMPLE_ANSWERS,
    CentralServer,
    database_for,
    make_upload,
    sample_payload,
    start_central,
    stop_central,
)

pytestmark = pytest.mark.integration

DESK_TOKEN = secrets.token_urlsafe(16)
SITE = "Préfecture"  # the kiosks' default site_name: the desk token sees this site
# One server per database for the module (each start ~2-3 s of CPU), one site per test:
# a desk token sees only its site's kiosks, so each test sees only the kiosks it enrolled.
# The default site is the lock test's (its kiosk's settings keep the default site_name).
CALL_SITE, CALL_DESK_TOKEN = "Sous-préfecture", secrets.token_urlsafe(16)


@pytest.fixture(scope="module")
def central(
    tmp_path_factory: pytest.TempPathFactory, central_backend_session: str
) -> Iterator[CentralServer]:
    desks = {DESK_TOKEN: SITE, CALL_DESK_TOKEN: CALL_SITE}
    env = {"KIOSK_CENTRAL_DESK_TOKENS": "\n".join(f"{t} {s}" for t, s in desks.items())}
    with database_for(central_backend_session) as database_url:
        server = start_central(
            tmp_path_factory.mktemp("central"), database_url=database_url, env=env
        )
        try:
            yield server
        finally:
            stop_central(server.process)


def desk_get(
    central: CentralServer, path: str, token: str | None = DESK_TOKEN
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{central.url}/v1/desk{path}", headers=headers, timeout=10)


def _kiosk_store() -> MemoryStore:
    """The kiosk's outbox for the heartbeat: two applications waiting, five delivered."""
    store, now = MemoryStore(), dt.datetime.now(dt.UTC)
    for i in range(7):
        store.outbox.enqueue(f"app-{i}", "renewal-student", b"sealed", now)
        if i >= 2:
            store.outbox.mark_acknowledged(f"app-{i}", f"PREF-{i}", now)
    return store


def test_desk_pages_need_the_desk_token(central: CentralServer) -> None:
    for path in ("/kiosks", "/fleet"):
        assert desk_get(central, path, None).status_code == 401
        assert desk_get(central, path, "not-the-token").status_code == 401
        assert desk_get(central, path).status_code == 200
        assert desk_get(central, path, central.admin_token).status_code == 200
    call = f"{central.url}/v1/desk/help-calls/{uuidlib.uuid4()}/acknowledge"
    assert requests.post(call, json={}, timeout=10).status_code == 401
    # the desk token does not open the admin API: it cannot read applications
    resp = requests.get(
        f"{central.url}/v1/admin/applications",
        headers={"Authorization": f"Bearer {DESK_TOKEN}"},
        timeout=10,
    )
    assert resp.status_code == 401


def test_a_kiosk_calls_the_desk_answers_and_nothing_personal_shows(
    central: CentralServer,
) -> None:
    with CentralClient(central.url) as anonymous:
        enrolment = anonymous.enrol(central.new_enrolment_code(), "Borne accueil 2", site=CALL_SITE)
    client = CentralClient(central.url, enrolment.token)
    try:
        # a real application, with the sample applicant's data, reaches the server
        payload = sample_payload(kiosk_id=enrolment.kiosk_id)
        client.put_application(make_upload(enrolment.public_key, payload))
        agent = SyncAgent(_kiosk_store(), client)
        assert agent.heartbeat(
            {"camera": "ok", "printer": "fault: no paper"},
            state="help_requested",
            screen="consent",
            language="uk",
            site=CALL_SITE,
        )
        call_id = uuidlib.uuid4()
        state = client.post_help_call(
            HelpCallRequest(call_id=call_id, screen="consent", language="uk", waiting_s=5)
        )
        assert str(state.status) == "waiting"

        kiosks = desk_get(central, "/kiosks", CALL_DESK_TOKEN).json()
        assert kiosks[0]["kiosk_id"] == enrolment.kiosk_id
        assert kiosks[0]["state"] == "help_requested" and kiosks[0]["backlog"] == 2
        fleet = desk_get(central, "/fleet", CALL_DESK_TOKEN).json()
        assert fleet[0]["applications_today"] == 1
        assert fleet[0]["device_faults"] == ["printer"]
        assert fleet[0]["attention"] == ["help_requested", "device_fault"]

        resp = requests.post(
            f"{central.url}/v1/desk/help-calls/{call_id}/acknowledge",
            json={"by": "accueil-2"},
            headers={"Authorization": f"Bearer {CALL_DESK_TOKEN}"},
            timeout=10,
        )
        assert resp.status_code == 200, resp.text
        assert str(client.get_help_call(call_id).status) == "acknowledged"

        seen = json.dumps(
            [kiosks, fleet, resp.json(), desk_get(central, "/kiosks", CALL_DESK_TOKEN).json()]
        )
        for key, value in SAMPLE_ANSWERS.items():
            if value and len(value) > 3:
                assert value not in seen, key
        assert str(payload["uuid"]) not in seen  # not even the application's id

        closed = client.close_help_call(call_id, "closed")
        assert str(closed.status) == "closed"
    finally:
        client.close()


def test_the_app_reports_its_state_even_while_kiosk_sync_holds_the_lock(
    central: CentralServer, tmp_path: Path
) -> None:
    import threading
    import time

    from kiosk.config import load_settings
    from kiosk.link.status import KioskStatus
    from kiosk.link.sync_runner import SyncThread
    from sync.agent import agent_lock
    from sync.enrolment import enrol

    settings = load_settings(
        None, {"data_dir": tmp_path / "kiosk", "central_url": central.url, "sync_interval_s": 1}
    )
    with CentralClient(central.url) as anonymous:
        enrolment = enrol(
            anonymous, central.new_enrolment_code(), "Borne 9", settings.enrolment_file
        )
    status = KioskStatus()
    status.set_state("in_use", screen="documents", language="fa")
    store = MemoryStore()  # one application waiting in the outbox
    store.outbox.enqueue("a1", "renewal-student", b"sealed", dt.datetime.now(dt.UTC))
    thread = SyncThread(settings, store, status=status)
    pause = threading.Event()
    with agent_lock(settings.data_dir / "sync.lock"):  # as the kiosk-sync service would
        thread.start()
        try:
            deadline = time.monotonic() + 20
            seen: list[dict[str, object]] = []
            while time.monotonic() < deadline:
                seen = desk_get(central, "/kiosks").json()
                if seen and seen[0]["state"] == "in_use":
                    break
                pause.wait(0.2)
        finally:
            thread.stop()
    assert seen[0]["kiosk_id"] == enrolment.kiosk_id
    assert seen[0]["state"] == "in_use" and seen[0]["screen"] == "documents"
    assert seen[0]["language"] == "fa" and seen[0]["backlog"] == 1
