"""Status at a kiosk (central.routers.status): lookup by the receipt's secret or by the date of
birth, one answer whatever was wrong, throttled guesses, the attestation de dépôt."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kiosk.testing import FakeClock
from tests.fixtures.central import make_upload, sample_payload
from tests.unit.central.api import enrol

ADMIN = {"Authorization": "Bearer admin-secret"}
SECRET = "7K3M9QXD2345ABCD"
REFERENCE = "K-7K3M-9QXD"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 26, 13, 5, tzinfo=dt.UTC))


@pytest.fixture
def delivered(api: TestClient) -> dict[str, Any]:
    """One application delivered by a first kiosk; a second kiosk asks about it."""
    first = enrol(api, "code-one-7K3M-9QXD-2PTV-H8WN")
    payload = sample_payload(first["kiosk_id"])
    payload["receipt_secret"] = SECRET
    upload = make_upload(first["public_key"], payload, kiosk_reference=REFERENCE)
    resp = api.put(
        f"/v1/applications/{upload.uuid}",
        content=upload.model_dump_json(),
        headers={"Authorization": f"Bearer {first['token']}", "Content-Type": "application/json"},
    )
    assert resp.status_code == 201, resp.text
    other = enrol(api, "code-two-7K3M-9QXD-2PTV-H8WN")
    return {
        "uuid": str(upload.uuid),
        "central": resp.json()["central_reference"],
        "payload": payload,
        "auth": {"Authorization": f"Bearer {other['token']}"},
    }


def _lookup(api: TestClient, auth: dict[str, str], path: str = "lookup", **body: Any) -> Any:
    return api.post(f"/v1/status/{path}", json=body, headers=auth)


def test_lookup_by_secret_from_another_kiosk(api: TestClient, delivered: dict[str, Any]) -> None:
    resp = _lookup(api, delivered["auth"], reference=REFERENCE, secret=SECRET)
    assert resp.status_code == 200, resp.text
    view = resp.json()
    assert view["status"] == "received"
    assert view["reference"] == REFERENCE
    assert view["central_reference"] == delivered["central"]
    assert view["attestation_available"] is False
    # No personal data in the answer.
    text = resp.text
    for value in ("Haddad", "Nour", "2001-03-14"):
        assert value not in text


def test_lookup_by_birth_date_and_by_central_reference(
    api: TestClient, delivered: dict[str, Any]
) -> None:
    birth = delivered["payload"]["answers"]["birth_date"]
    ok = _lookup(api, delivered["auth"], reference=" k-7k3m-9qxd ", birth_date=birth)
    assert ok.status_code == 200, ok.text
    by_central = _lookup(api, delivered["auth"], reference=delivered["central"], birth_date=birth)
    assert by_central.status_code == 200
    assert by_central.json()["reference"] == REFERENCE


def test_wrong_secret_wrong_date_unknown_reference_answer_alike(
    api: TestClient, delivered: dict[str, Any]
) -> None:
    auth = delivered["auth"]
    answers = [
        _lookup(api, auth, reference=REFERENCE, secret="2222222222222222"),
        _lookup(api, auth, reference=REFERENCE, birth_date="1999-01-01"),
        _lookup(api, auth, reference="K-2222-2222", secret=SECRET),
    ]
    assert [r.status_code for r in answers] == [404, 404, 404]
    assert len({r.json()["detail"] for r in answers}) == 1


def test_secret_or_birth_date_not_both(api: TestClient, delivered: dict[str, Any]) -> None:
    both = _lookup(
        api, delivered["auth"], reference=REFERENCE, secret=SECRET, birth_date="2001-03-14"
    )
    neither = _lookup(api, delivered["auth"], reference=REFERENCE)
    assert both.status_code == neither.status_code == 422


def test_kiosk_token_required(api: TestClient, delivered: dict[str, Any]) -> None:
    assert _lookup(api, {}, reference=REFERENCE, secret=SECRET).status_code == 401


def test_guesses_are_throttled_per_reference(
    api: TestClient, delivered: dict[str, Any], clock: FakeClock
) -> None:
    auth = delivered["auth"]
    for year in range(1990, 1995):
        assert (
            _lookup(api, auth, reference=REFERENCE, birth_date=f"{year}-01-01").status_code == 404
        )
    # The sixth try is refused even with the right secret, and says when to come back.
    blocked = _lookup(api, auth, reference=REFERENCE, secret=SECRET)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    clock.now += dt.timedelta(minutes=16)
    assert _lookup(api, auth, reference=REFERENCE, secret=SECRET).status_code == 200


def test_attestation_once_examined(
    api: TestClient, delivered: dict[str, Any], clock: FakeClock
) -> None:
    auth = delivered["auth"]
    birth = delivered["payload"]["answers"]["birth_date"]
    early = _lookup(api, auth, "attestation", reference=REFERENCE, birth_date=birth)
    assert early.status_code == 409
    clock.now += dt.timedelta(days=3)
    resp = api.post(
        f"/v1/admin/applications/{delivered['uuid']}/status",
        json={"status": "being_examined"},
        headers=ADMIN,
    )
    assert resp.status_code == 200, resp.text
    view = _lookup(api, auth, reference=REFERENCE, secret=SECRET).json()
    assert view["status"] == "being_examined"
    assert view["attestation_available"] is True
    assert view["status_changed_at"].startswith("2026-11-29")
    # The receipt's secret alone never gives the applicant's identity away.
    by_secret = _lookup(api, auth, "attestation", reference=REFERENCE, secret=SECRET)
    assert by_secret.status_code == 422
    both = _lookup(api, auth, "attestation", reference=REFERENCE, secret=SECRET, birth_date=birth)
    assert both.status_code == 422
    wrong = _lookup(api, auth, "attestation", reference=REFERENCE, birth_date="1990-01-01")
    assert wrong.status_code == 404
    att = _lookup(api, auth, "attestation", reference=REFERENCE, birth_date=birth)
    assert att.status_code == 200, att.text
    data = att.json()
    assert data["surname"] == delivered["payload"]["answers"]["surname"]
    assert data["birth_date"] == delivered["payload"]["answers"]["birth_date"]
    assert data["central_reference"] == delivered["central"]
    assert data["examined_since"].startswith("2026-11-29")
