"""Help calls, the reception desk and the fleet view of the central API, in-process
(central.routers.desk). The real server process is exercised by tests/integration/test_desk.py."""

from __future__ import annotations

import datetime as dt
import json
import uuid as uuidlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central import Settings, create_app
from kiosk.testing import FakeClock
from tests.unit.central.api import enrol

ADMIN = {"Authorization": "Bearer admin-secret"}
DESK = {"Authorization": "Bearer desk-secret"}
SITE = "Préfecture de Lyon"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC))


@pytest.fixture
def api_settings() -> dict[str, Any]:
    codes = [f"code-{x}-7K3M-9QXD-2PTV-H8WN" for x in "abcd"]
    # A desk sees its own site.
    return {"desk_tokens": {"desk-secret": SITE}, "enrolment_codes": codes}


def _enrol(api: TestClient, code: str, name: str) -> dict[str, str]:
    body = enrol(api, code, name, software_version="1")
    return {"id": body["kiosk_id"], "auth": f"Bearer {body['token']}"}


def _beat(api: TestClient, kiosk: dict[str, str], clock: FakeClock, **extra: Any) -> None:
    body = {"software_version": "1.2", "sent_at": clock.now.isoformat(), "site": SITE, **extra}
    resp = api.post("/v1/heartbeat", json=body, headers={"Authorization": kiosk["auth"]})
    assert resp.status_code == 200, resp.text


def _call(api: TestClient, kiosk: dict[str, str], **extra: Any) -> dict[str, Any]:
    body = {"call_id": str(uuidlib.uuid4()), "screen": "step", "language": "ar", **extra}
    resp = api.post("/v1/help-calls", json=body, headers={"Authorization": kiosk["auth"]})
    assert resp.status_code == 201, resp.text
    result: dict[str, Any] = resp.json()
    return result


def test_desk_pages_refuse_without_the_desk_token(api: TestClient) -> None:
    for path in ("/v1/desk/kiosks", "/v1/desk/fleet"):
        assert api.get(path).status_code == 401
        assert api.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert api.get(path, headers=DESK).status_code == 200
        assert api.get(path, headers=ADMIN).status_code == 200
    kiosk = _enrol(api, "code-a-7K3M-9QXD-2PTV-H8WN", "Borne 1")
    call = _call(api, kiosk)
    ack = f"/v1/desk/help-calls/{call['call_id']}/acknowledge"
    # a kiosk's own token does not open the desk
    assert api.post(ack, json={}, headers={"Authorization": kiosk["auth"]}).status_code == 401
    assert api.post(ack, json={}).status_code == 401
    # and the desk token does not open the admin API (it cannot read applications)
    assert api.get("/v1/admin/applications", headers=DESK).status_code == 401
    assert api.post("/v1/help-calls", json={"call_id": str(uuidlib.uuid4())}).status_code == 401


def test_desk_disabled_without_tokens(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "c"))
    with TestClient(app) as client:
        resp = client.get("/v1/desk/kiosks", headers=DESK)
        assert resp.status_code == 401 and "desk API is disabled" in resp.json()["detail"]
    app.state.engine.dispose()


def test_help_call_is_listed_first_acknowledged_and_seen_by_the_kiosk(
    api: TestClient, clock: FakeClock
) -> None:
    idle = _enrol(api, "code-a-7K3M-9QXD-2PTV-H8WN", "Borne A")
    calling = _enrol(api, "code-b-7K3M-9QXD-2PTV-H8WN", "Borne B")
    _beat(api, idle, clock, state="idle", screen="welcome", language="fr")
    _beat(api, calling, clock, state="help_requested", screen="step", language="ar")
    call = _call(api, calling, waiting_s=30)
    assert call["status"] == "waiting"
    clock.advance(90)  # 2 minutes of waiting in all; still online (90 s)
    kiosks = api.get("/v1/desk/kiosks", headers=DESK).json()
    assert [k["kiosk_id"] for k in kiosks] == [calling["id"], idle["id"]]
    first = kiosks[0]
    assert first["state"] == "help_requested" and first["waiting_s"] == pytest.approx(120)
    assert first["screen"] == "step" and first["language"] == "ar" and first["online"]
    assert kiosks[1]["state"] == "idle"

    resp = api.post(
        f"/v1/desk/help-calls/{call['call_id']}/acknowledge", json={"by": "accueil-1"}, headers=DESK
    )
    assert resp.status_code == 200 and resp.json()["status"] == "acknowledged"
    seen = api.get(
        f"/v1/help-calls/{call['call_id']}", headers={"Authorization": calling["auth"]}
    ).json()
    assert seen["status"] == "acknowledged" and seen["acknowledged_by"] == "accueil-1"
    assert api.get("/v1/desk/kiosks", headers=DESK).json()[0]["state"] == "help_coming"
    # another kiosk cannot read (or close) that call
    other = api.get(f"/v1/help-calls/{call['call_id']}", headers={"Authorization": idle["auth"]})
    assert other.status_code == 404
    # the kiosk closes it when the session ends: the desk no longer lists a call
    closed = api.post(
        f"/v1/help-calls/{call['call_id']}/close",
        json={"reason": "closed"},
        headers={"Authorization": calling["auth"]},
    )
    assert closed.json()["status"] == "closed"
    again = api.post(f"/v1/desk/help-calls/{call['call_id']}/acknowledge", json={}, headers=DESK)
    assert again.status_code == 409
    kiosk_b = next(
        k for k in api.get("/v1/desk/kiosks", headers=DESK).json() if k["kiosk_id"] == calling["id"]
    )
    assert kiosk_b["call"] is None and kiosk_b["state"] == "in_use"


def test_repeat_of_a_call_is_the_same_call_and_a_new_one_replaces_the_old(
    api: TestClient, clock: FakeClock
) -> None:
    kiosk = _enrol(api, "code-a-7K3M-9QXD-2PTV-H8WN", "Borne A")
    call_id = str(uuidlib.uuid4())
    first = _call(api, kiosk, call_id=call_id)
    clock.advance(5)
    assert _call(api, kiosk, call_id=call_id) == first
    second = _call(api, kiosk)
    kiosks = api.get("/v1/desk/kiosks", headers=ADMIN).json()  # no heartbeat: no site yet
    assert kiosks[0]["call"]["call_id"] == second["call_id"]
    old = api.get(f"/v1/help-calls/{call_id}", headers={"Authorization": kiosk["auth"]}).json()
    assert old["status"] == "closed"


def test_offline_kiosk_is_shown_offline(api: TestClient, clock: FakeClock) -> None:
    kiosk = _enrol(api, "code-a-7K3M-9QXD-2PTV-H8WN", "Borne A")
    never = _enrol(api, "code-b-7K3M-9QXD-2PTV-H8WN", "Borne B")
    _beat(api, kiosk, clock, state="in_use", screen="check", language="fr")
    assert api.get("/v1/desk/kiosks", headers=ADMIN).json()[1]["state"] == "in_use"
    clock.advance(91)
    # (ADMIN: a kiosk that never sent a heartbeat has no site a desk could see it in)
    states = {k["kiosk_id"]: k for k in api.get("/v1/desk/kiosks", headers=ADMIN).json()}
    assert states[kiosk["id"]]["state"] == "offline" and not states[kiosk["id"]]["online"]
    assert states[never["id"]]["state"] == "offline" and states[never["id"]]["last_contact"] is None


def test_fleet_puts_the_kiosks_needing_attention_first(api: TestClient, clock: FakeClock) -> None:
    fine = _enrol(api, "code-a-7K3M-9QXD-2PTV-H8WN", "A fine kiosk")
    faulty = _enrol(api, "code-b-7K3M-9QXD-2PTV-H8WN", "B faulty camera")
    backlog = _enrol(api, "code-c-7K3M-9QXD-2PTV-H8WN", "C backlog")
    gone = _enrol(api, "code-d-7K3M-9QXD-2PTV-H8WN", "D gone")
    _beat(api, gone, clock, state="idle")
    clock.advance(200)
    _beat(api, fine, clock, state="idle", device_health={"camera": "ok", "disk": "ok: 40 GB"})
    _beat(
        api,
        faulty,
        clock,
        state="in_use",
        device_health={"camera": "fault: not found", "speech": "ok"},
    )
    _beat(api, backlog, clock, state="idle", backlog={"sealed": 7, "acknowledged": 50})
    fleet = api.get("/v1/desk/fleet", headers=DESK).json()
    names = [k["name"] for k in fleet]
    assert names == ["D gone", "B faulty camera", "C backlog", "A fine kiosk"]
    by_name = {k["name"]: k for k in fleet}
    assert by_name["D gone"]["attention"] == ["offline"]
    assert by_name["B faulty camera"]["device_faults"] == ["camera"]
    assert by_name["C backlog"]["backlog_pending"] == 7
    assert by_name["A fine kiosk"]["attention"] == [] and by_name["A fine kiosk"]["online"]
    assert by_name["A fine kiosk"]["software_version"] == "1.2"
    # a help call outranks everything
    _call(api, fine)
    assert api.get("/v1/desk/fleet", headers=DESK).json()[0]["name"] == "A fine kiosk"


def test_desk_payloads_hold_no_personal_data(api: TestClient, clock: FakeClock) -> None:
    from tests.fixtures.central import SAMPLE_ANSWERS

    kiosk = _enrol(api, "code-a-7K3M-9QXD-2PTV-H8WN", "Borne A")
    _beat(api, kiosk, clock, state="help_requested", screen="step", language="ar")
    _call(api, kiosk)
    text = json.dumps(
        [
            api.get("/v1/desk/kiosks", headers=DESK).json(),
            api.get("/v1/desk/fleet", headers=DESK).json(),
        ]
    )
    for value in SAMPLE_ANSWERS.values():
        if value:
            assert value not in text
    # the request itself cannot carry any: unknown fields are refused
    resp = api.post(
        "/v1/help-calls",
        json={"call_id": str(uuidlib.uuid4()), "surname": "Haddad"},
        headers={"Authorization": kiosk["auth"]},
    )
    assert resp.status_code == 422


def test_a_desk_lists_the_kiosks_of_its_site(api: TestClient, clock: FakeClock) -> None:
    hall = _enrol(api, "code-a-7K3M-9QXD-2PTV-H8WN", "Hall")
    annex = _enrol(api, "code-b-7K3M-9QXD-2PTV-H8WN", "Annexe")
    _beat(api, hall, clock, state="idle", site="Préfecture de Lyon")
    _beat(api, annex, clock, state="idle", site="Sous-préfecture de Villefranche")
    lyon = api.get("/v1/desk/kiosks", params={"site": "Préfecture de Lyon"}, headers=DESK).json()
    assert [k["name"] for k in lyon] == ["Hall"] and lyon[0]["site"] == "Préfecture de Lyon"
    assert [k["name"] for k in api.get("/v1/desk/kiosks", headers=DESK).json()] == ["Hall"]
    other = {"site": "Sous-préfecture de Villefranche"}
    assert api.get("/v1/desk/fleet", params=other, headers=DESK).status_code == 403
    fleet = api.get("/v1/desk/fleet", params=other, headers=ADMIN).json()  # staff see all
    assert [k["name"] for k in fleet] == ["Annexe"]
    assert len(api.get("/v1/desk/kiosks", headers=ADMIN).json()) == 2  # no filter: all
