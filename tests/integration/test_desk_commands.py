"""Remote actions from the desk on the real central API process (issue 16): under the desk
token, for its own site's kiosks only; the kiosk fetches them after a heartbeat and reports
the outcome; each step is in the staff audit with who asked."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from contract.commands import OUT_OF_SERVICE_MESSAGES, OutOfServiceReason
from kiosk.link.desk_commands import fetch_commands, report_command
from sync.agent import SyncAgent
from sync.client import CentralClient
from tests.fixtures.central import CentralServer, start_central, stop_central
from tests.integration.test_desk import SITE, _kiosk_store

pytestmark = pytest.mark.integration

DESK_TOKEN = secrets.token_urlsafe(16)
OTHER_DESK = secrets.token_urlsafe(16)


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    server = start_central(
        tmp_path_factory.mktemp("central"),
        n_codes=3,
        env={"KIOSK_CENTRAL_DESK_TOKENS": f"{DESK_TOKEN} {SITE}\n{OTHER_DESK} Mairie"},
    )
    try:
        yield server
    finally:
        stop_central(server.process)


def ask(central: CentralServer, kiosk_id: str, token: str = DESK_TOKEN, **body: Any) -> Any:
    return requests.post(
        f"{central.url}/v1/desk/kiosks/{kiosk_id}/commands",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_the_desk_acts_on_its_kiosks_and_each_step_is_audited(central: CentralServer) -> None:
    with CentralClient(central.url) as anonymous:
        enrolment = anonymous.enrol(central.new_enrolment_code(), "Borne hall B")
    kiosk_id = enrolment.kiosk_id
    with CentralClient(central.url, enrolment.token) as client:
        SyncAgent(_kiosk_store(), client).heartbeat({}, state="in_use", site=SITE)
        assert fetch_commands(client) == []

        # Refused: no token, another site's desk, a kiosk token, no reason, a reason too many.
        assert ask(central, kiosk_id, "", action="sync_now", by="x").status_code == 401
        other = ask(central, kiosk_id, OTHER_DESK, action="sync_now", by="Mairie")
        assert other.status_code == 404, other.text
        assert ask(central, kiosk_id, enrolment.token, action="sync_now", by="x").status_code == 401
        assert ask(central, kiosk_id, action="out_of_service", by="C. Martin").status_code == 422
        resp = ask(central, kiosk_id, action="sync_now", reason="network", by="C. Martin")
        assert resp.status_code == 422

        # Out of service with a template, then back in service before the kiosk fetched it:
        # only the latest reaches the kiosk.
        oos = ask(central, kiosk_id, action="out_of_service", reason="printer", by="C. Martin")
        assert oos.status_code == 201, oos.text
        assert oos.json()["message"] == OUT_OF_SERVICE_MESSAGES[OutOfServiceReason.PRINTER]
        back = ask(central, kiosk_id, action="in_service", by="C. Martin").json()
        end = ask(central, kiosk_id, action="end_session", by="K. Haddad (accueil-1)").json()
        fetched = fetch_commands(client)
        assert [(str(c.action), c.by) for c in fetched] == [
            ("in_service", "C. Martin"),
            ("end_session", "K. Haddad (accueil-1)"),
        ]
        assert fetch_commands(client) == []  # fetched once
        report_command(client, fetched[0].command_id, True)
        report_command(client, fetched[1].command_id, False, "aucune session en cours")

    history = requests.get(
        f"{central.url}/v1/desk/kiosks/{kiosk_id}/commands",
        headers={"Authorization": f"Bearer {DESK_TOKEN}"},
        timeout=10,
    ).json()
    states = {h["command_id"]: (h["state"], h["outcome"]) for h in history}
    assert states[oos.json()["command_id"]] == ("superseded", None)
    assert states[back["command_id"]] == ("done", None)
    assert states[end["command_id"]] == ("failed", "aucune session en cours")

    audit = requests.get(
        f"{central.url}/v1/admin/staff/audit",
        params={"kiosk_id": kiosk_id},
        headers={"Authorization": f"Bearer {central.admin_token}"},
        timeout=10,
    )
    assert audit.status_code == 200, audit.text
    rows = [(e["actor"], e["action"]) for e in _entries(audit.json()) if e["kiosk_id"] == kiosk_id]
    assert ("C. Martin", "desk_out_of_service") in rows
    assert ("K. Haddad (accueil-1)", "desk_end_session") in rows
    assert (f"kiosk:{kiosk_id}", "kiosk_end_session_failed") in rows


def _entries(body: Any) -> list[dict[str, Any]]:
    return body if isinstance(body, list) else list(body.get("entries", body.get("items", [])))
