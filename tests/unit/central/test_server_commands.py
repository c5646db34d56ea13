"""Remote desk actions in process, on the server's own clock (issue 16): an action a kiosk
did not fetch in time expires rather than surprise whoever uses the kiosk later."""

from __future__ import annotations

from fastapi.testclient import TestClient

from contract.commands import COMMAND_TTL_S
from tests.unit.central.test_server_desk import (  # noqa: F401  (api, clock: fixtures)
    DESK,
    Clock,
    _beat,
    _enrol,
    api,
    clock,
)


def test_an_action_not_fetched_in_time_expires(api: TestClient, clock: Clock) -> None:  # noqa: F811
    kiosk = _enrol(api, "code-a-7K3M-9QXD-2PTV-H8WN", "Borne 1")
    _beat(api, kiosk, clock)
    url = f"/v1/desk/kiosks/{kiosk['id']}/commands"
    body = {"action": "out_of_service", "reason": "maintenance", "by": "C. Martin"}
    assert api.post(url, json=body, headers=DESK).status_code == 201
    clock.advance(COMMAND_TTL_S + 1)  # the kiosk was off
    fetched = api.get("/v1/heartbeat/commands", headers={"Authorization": kiosk["auth"]})
    assert fetched.status_code == 200 and fetched.json() == []
    [seen] = api.get(url, headers=DESK).json()
    assert seen["state"] == "expired" and seen["by"] == "C. Martin"
    # A fresh one is fetched, once.
    sync = api.post(url, json={"action": "sync_now", "by": "C. Martin"}, headers=DESK).json()
    clock.advance(COMMAND_TTL_S - 1)
    got = api.get("/v1/heartbeat/commands", headers={"Authorization": kiosk["auth"]}).json()
    assert [c["command_id"] for c in got] == [sync["command_id"]]
    # Another kiosk cannot report on it.
    other = _enrol(api, "code-b-7K3M-9QXD-2PTV-H8WN", "Borne 2")
    resp = api.post(
        f"/v1/heartbeat/commands/{sync['command_id']}/result",
        json={"ok": True},
        headers={"Authorization": other["auth"]},
    )
    assert resp.status_code == 404
