"""Remote desk actions in process, on the server's own clock (issue 16): an action a kiosk
did not fetch in time expires rather than surprise whoever uses the kiosk later."""

from __future__ import annotations

from fastapi.testclient import TestClient

from contract.commands import COMMAND_TTL_S
from kiosk.testing import FakeClock
from tests.unit.central.test_server_desk import (  # noqa: F401  (api_settings, clock: fixtures)
    DESK,
    _beat,
    _enrol,
    api_settings,
    clock,
)


def test_an_action_not_fetched_in_time_expires(api: TestClient, clock: FakeClock) -> None:  # noqa: F811
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


def test_the_fleet_says_who_set_out_of_service_who_assists_and_the_last_sync(
    api: TestClient,
    clock: FakeClock,  # noqa: F811
) -> None:
    """The fleet view did not show the out-of-service message and who set it, the last
    successful sync, or who is assisting (issue 16, problem 7; "session accompagnée" without
    saying by whom, problem 9)."""
    one = _enrol(api, "code-a-7K3M-9QXD-2PTV-H8WN", "Borne 1")
    two = _enrol(api, "code-b-7K3M-9QXD-2PTV-H8WN", "Borne 2")
    synced = clock.now.replace(minute=0).isoformat()
    _beat(
        api, one, clock, state="out_of_service", out_of_service_message="Maintenance à 14 h",
        out_of_service_by="adm-0007", last_sync_ok_at=synced,
    )  # fmt: skip
    _beat(api, two, clock, state="assisted", assisted_by="Karim Haddad")
    fleet = {k["name"]: k for k in api.get("/v1/desk/fleet", headers=DESK).json()}
    assert fleet["Borne 1"]["out_of_service_message"] == "Maintenance à 14 h"
    assert fleet["Borne 1"]["out_of_service_by"] == "adm-0007"
    assert fleet["Borne 1"]["last_sync_ok_at"].startswith(synced[:16])
    assert fleet["Borne 2"]["assisted_by"] == "Karim Haddad"
    desk = {k["name"]: k for k in api.get("/v1/desk/kiosks", headers=DESK).json()}
    assert (
        desk["Borne 2"]["state"] == "assisted" and desk["Borne 2"]["assisted_by"] == "Karim Haddad"
    )
    # Back in service: the message goes; the last sync stays when a beat does not repeat it.
    _beat(api, one, clock, state="idle", out_of_service_message="Maintenance à 14 h")
    fleet = {k["name"]: k for k in api.get("/v1/desk/fleet", headers=DESK).json()}
    assert fleet["Borne 1"]["out_of_service_message"] is None
    assert fleet["Borne 1"]["last_sync_ok_at"].startswith(synced[:16])


def test_a_days_history_of_each_kiosks_state(api: TestClient, clock: FakeClock) -> None:  # noqa: F811
    """The fleet view had no history (issue 16, problem 7)."""
    kiosk = _enrol(api, "code-a-7K3M-9QXD-2PTV-H8WN", "Borne 1")
    _beat(api, kiosk, clock, state="idle")  # yesterday
    clock.advance(20 * 3600)
    _beat(api, kiosk, clock, state="idle")  # no change: no line
    _beat(api, kiosk, clock, state="in_use", screen="step")
    clock.advance(600)
    _beat(api, kiosk, clock, state="assisted", assisted_by="Karim Haddad")
    clock.advance(300)
    _beat(api, kiosk, clock, state="out_of_service", out_of_service_message="Travaux")
    clock.advance(5 * 3600)
    _beat(api, kiosk, clock, state="idle")
    url = f"/v1/desk/kiosks/{kiosk['id']}/history"
    lines = [(h["state"], h["detail"]) for h in api.get(url, headers=DESK).json()]
    assert lines == [
        ("idle", None),  # what it was when the day began (20 h + earlier)
        ("in_use", None),
        ("assisted", "Karim Haddad"),
        ("out_of_service", "Travaux"),
        ("idle", None),
    ]
    recent = api.get(url, params={"hours": 1}, headers=DESK).json()
    assert [(h["state"]) for h in recent] == ["out_of_service", "idle"]
    assert api.get(url, params={"hours": 0}, headers=DESK).status_code == 422
    assert api.get(url, headers={"Authorization": kiosk["auth"]}).status_code == 401
