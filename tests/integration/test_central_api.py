"""The real central API (``python -m central``) on 127.0.0.1, through the real client."""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import uuid as uuidlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from contract import sealing
from contract.protocol import ApplicationReceipt, ApplicationUpload
from sync.client import AuthError, CentralClient, RejectedError
from sync.enrolment import Enrolment, enrol
from tests.fixtures.central import CentralServer, make_upload, sample_payload
from tests.fixtures.threads import run_in_threads

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def central(central_server_session: CentralServer) -> CentralServer:
    """One server for the module: every test enrols its own kiosk and looks only at it."""
    return central_server_session


def _hash_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def received_from(server: CentralServer, kiosk_id: str) -> list[dict[str, Any]]:
    return [a for a in server.applications() if a["kiosk_id"] == kiosk_id]


@pytest.fixture
def enrolled(central: CentralServer, tmp_path: Path) -> tuple[CentralClient, Enrolment]:
    client = CentralClient(central.url)
    enrolment = enrol(
        client, central.new_enrolment_code(), "Accueil 1", tmp_path / "enrolment.json"
    )
    return client, enrolment


def _upload(enrolment: Enrolment, **kwargs: Any) -> ApplicationUpload:
    return make_upload(enrolment.public_key, sample_payload(enrolment.kiosk_id), **kwargs)


def _raw_put(server: CentralServer, token: str | None, app_uuid: Any, body: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers["Content-Type"] = "application/json"
    return requests.put(
        f"{server.url}/v1/applications/{app_uuid}", data=data, headers=headers, timeout=10
    )


def test_health(central: CentralServer) -> None:
    health = CentralClient(central.url).health()
    assert health.status == "ok" and health.version


def test_the_openapi_document_is_not_served_unless_asked(central: CentralServer) -> None:
    """Off in production (``--docs`` serves it; tests/unit/central/test_server.py checks the
    document the application makes equals the committed one)."""
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert requests.get(f"{central.url}{path}", timeout=10).status_code == 404
    assert json.loads((ROOT / "central" / "openapi.json").read_text("utf-8"))["paths"]


def test_enrol_then_put(central: CentralServer, enrolled: tuple[CentralClient, Enrolment]) -> None:
    client, enrolment = enrolled
    key = central.data_dir / "central" / "central_private_key.pem"
    assert enrolment.public_key == sealing.encode_public_key(sealing.load_private_key(key))
    payload = sample_payload(enrolment.kiosk_id)
    upload = make_upload(enrolment.public_key, payload, kiosk_reference="K-ABCD-EFGH")
    receipt = client.put_application(upload)
    assert receipt.uuid == upload.uuid
    assert receipt.central_reference.startswith(f"PREF-{receipt.received_at.year}-")
    assert receipt.status == "received"
    assert client.get_application(upload.uuid) == receipt

    (record,) = received_from(central, enrolment.kiosk_id)
    assert record["payload"] == payload  # unsealed centrally, exactly as the kiosk built it
    assert record["kiosk_id"] == enrolment.kiosk_id
    assert record["kiosk_reference"] == "K-ABCD-EFGH"
    assert record["central_reference"] == receipt.central_reference
    assert record["sha256"] == upload.sha256


def test_first_put_is_201_and_a_repeat_is_200(
    central: CentralServer, enrolled: tuple[CentralClient, Enrolment]
) -> None:
    _client, enrolment = enrolled
    upload = _upload(enrolment)
    body = json.loads(upload.model_dump_json())
    first = _raw_put(central, enrolment.token, upload.uuid, body)
    again = _raw_put(central, enrolment.token, upload.uuid, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert len(received_from(central, enrolment.kiosk_id)) == 1


# --- authentication ------------------------------------------------------------------------------


def test_401_without_a_token(central: CentralServer, tmp_path: Path) -> None:
    resp = _raw_put(central, None, uuidlib.uuid4(), {})
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    assert "authentication required" in resp.json()["detail"]
    resp = requests.get(f"{central.url}/v1/applications/{uuidlib.uuid4()}", timeout=10)
    assert resp.status_code == 401


def test_401_with_a_wrong_token(central: CentralServer) -> None:
    resp = _raw_put(central, "not-a-token", uuidlib.uuid4(), {})
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    assert resp.json()["detail"] == (
        "the bearer token is not valid for this server (or the kiosk was revoked); "
        "enrol the kiosk again"
    )
    with pytest.raises(AuthError, match="not valid for this server"):
        CentralClient(central.url, "not-a-token").get_application(uuidlib.uuid4())


def test_admin_api_needs_the_admin_token(
    central: CentralServer, enrolled: tuple[CentralClient, Enrolment]
) -> None:
    url = f"{central.url}/v1/admin/applications"
    assert requests.get(url, timeout=10).status_code == 401
    _client, enrolment = enrolled
    for token in ("wrong", enrolment.token):  # a kiosk token is not an admin token
        resp = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert resp.status_code == 401
        assert resp.headers["WWW-Authenticate"] == "Bearer"


# --- enrolment -----------------------------------------------------------------------------------


def test_enrolment_codes_are_single_use(central_server: CentralServer) -> None:
    """Codes given at start (in the environment) and codes made by the admin API."""
    central = central_server
    code = central.new_enrolment_code()
    client = CentralClient(central.url)
    first = client.enrol(code, "Accueil 1")
    with pytest.raises(AuthError) as exc:
        client.enrol(code, "Accueil 2")
    assert exc.value.status == 403
    assert exc.value.detail == (
        "this enrolment code is unknown or has already been used; "
        "ask the central administrator for a new one"
    )
    with pytest.raises(AuthError, match="unknown or has already been used"):
        client.enrol("NEVR-ISSU-EDCO-DE22", "Accueil 3")
    # every code registered at start and every admin-made code works once
    others = [central.new_enrolment_code() for _ in range(3)]
    kiosks = {client.enrol(c, "k").kiosk_id for c in others} | {first.kiosk_id}
    assert len(kiosks) == 4
    tokens_stored = central.stored_bytes()
    assert _hash_of(first.token).encode() in tokens_stored  # the check can see the table
    assert first.token.encode() not in tokens_stored
    assert code.encode() not in tokens_stored


def test_concurrent_use_of_one_code_enrols_one_kiosk(central: CentralServer) -> None:
    code = central.new_enrolment_code()
    results: list[str] = []

    def attempt(i: int) -> None:
        try:
            CentralClient(central.url).enrol(code, f"k{i}")
            results.append("ok")
        except AuthError:
            results.append("refused")

    assert run_in_threads([functools.partial(attempt, i) for i in range(8)], timeout_s=30) == []
    assert sorted(results) == ["ok"] + ["refused"] * 7


def test_revoked_kiosk_gets_401(
    central: CentralServer, enrolled: tuple[CentralClient, Enrolment]
) -> None:
    client, enrolment = enrolled
    client.put_application(_upload(enrolment))
    resp = central.admin("POST", f"/kiosks/{enrolment.kiosk_id}/revoke")
    assert resp.status_code == 200 and resp.json()["revoked"] is True
    with pytest.raises(AuthError, match="revoked") as exc:
        client.put_application(_upload(enrolment))
    assert exc.value.status == 401
    assert len(received_from(central, enrolment.kiosk_id)) == 1


# --- validation ----------------------------------------------------------------------------------


def test_malformed_body(central: CentralServer, enrolled: tuple[CentralClient, Enrolment]) -> None:
    _client, enrolment = enrolled
    app_uuid = uuidlib.uuid4()
    resp = _raw_put(central, enrolment.token, app_uuid, b"{not json")
    assert resp.status_code == 422
    problem = resp.json()
    assert problem["detail"] == "the request is not valid: 1 problem, see errors"
    assert problem["errors"][0]["field"] == "body"
    assert "not valid JSON" in problem["errors"][0]["message"]

    body = json.loads(_upload(enrolment).model_dump_json())
    body.update(uuid=str(app_uuid), sha256="XYZ", sealed="%%%")
    del body["procedure_id"]
    resp = _raw_put(central, enrolment.token, app_uuid, body)
    assert resp.status_code == 422
    fields = {e["field"]: e["message"] for e in resp.json()["errors"]}
    assert set(fields) == {"procedure_id", "sealed", "sha256"}
    assert fields["procedure_id"] == "this field is required"
    assert fields["sealed"] == "must be standard base64 (RFC 4648 section 4, with padding)"
    assert "should match pattern" in fields["sha256"]


def test_uuid_in_url_and_body_must_agree(
    central: CentralServer, enrolled: tuple[CentralClient, Enrolment]
) -> None:
    _client, enrolment = enrolled
    body = json.loads(_upload(enrolment).model_dump_json())
    resp = _raw_put(central, enrolment.token, uuidlib.uuid4(), body)
    assert resp.status_code == 422
    assert resp.json()["detail"] == "the UUID in the body differs from the UUID in the URL"


def test_sha256_must_match(
    central: CentralServer, enrolled: tuple[CentralClient, Enrolment]
) -> None:
    client, enrolment = enrolled
    upload = _upload(enrolment).model_copy(update={"sha256": "0" * 64})
    with pytest.raises(RejectedError, match="does not match its SHA-256") as exc:
        client.put_application(upload)
    assert exc.value.errors[0].field == "sha256"


def _kept(central: CentralServer, kiosk_id: str, app_uuid: object) -> dict[str, object]:
    (record,) = [r for r in received_from(central, kiosk_id) if r["uuid"] == str(app_uuid)]
    return record


def test_missing_required_answer(
    central: CentralServer, enrolled: tuple[CentralClient, Enrolment]
) -> None:
    """Kept for staff as rejected_invalid, with the kiosk's own validators' messages; the
    kiosk's receipt stays valid (a sealed package cannot be changed by the kiosk anyway)."""
    client, enrolment = enrolled
    payload = sample_payload(enrolment.kiosk_id)
    del payload["answers"]["passport_number"]
    payload["answers"]["surname"] = ""
    upload = make_upload(enrolment.public_key, payload)
    receipt = client.put_application(upload)
    assert client.get_application(upload.uuid) == receipt
    record = _kept(central, enrolment.kiosk_id, upload.uuid)
    assert record["validity"] == "rejected_invalid"
    assert {p["field"]: p["message"] for p in record["problems"]} == {  # type: ignore[attr-defined]
        "answers.surname": "Cette réponse est obligatoire.",
        "answers.passport_number": "Cette réponse est obligatoire.",
    }


def test_unknown_procedure(
    central: CentralServer, enrolled: tuple[CentralClient, Enrolment]
) -> None:
    client, enrolment = enrolled
    payload = sample_payload(enrolment.kiosk_id)
    payload["procedure_id"] = "first-asylum"
    upload = make_upload(enrolment.public_key, payload)
    client.put_application(upload)
    record = _kept(central, enrolment.kiosk_id, upload.uuid)
    assert record["validity"] == "rejected_invalid"
    assert [(p["field"], p["message"]) for p in record["problems"]] == [  # type: ignore[attr-defined]
        ("procedure_id", "unknown procedure 'first-asylum'")
    ]


def test_package_for_another_key(
    central: CentralServer, enrolled: tuple[CentralClient, Enrolment]
) -> None:
    client, enrolment = enrolled
    stranger = sealing.encode_public_key(sealing.generate_private_key())
    with pytest.raises(RejectedError) as exc:
        client.put_application(make_upload(stranger, sample_payload(enrolment.kiosk_id)))
    assert exc.value.status == 422
    assert exc.value.detail == "the package cannot be opened with this server's key"
    assert "sealed for another key" in exc.value.errors[0].message


def test_package_replayed_under_another_uuid(
    central: CentralServer, enrolled: tuple[CentralClient, Enrolment]
) -> None:
    client, enrolment = enrolled
    original = _upload(enrolment)
    other = uuidlib.uuid4()
    replay = original.model_copy(update={"uuid": other})
    with pytest.raises(RejectedError, match="cannot be opened") as exc:
        client.put_application(replay)
    assert f"not {other}" in exc.value.errors[0].message


# --- idempotency ---------------------------------------------------------------------------------


def test_same_upload_twice_gives_one_record(
    central: CentralServer, enrolled: tuple[CentralClient, Enrolment]
) -> None:
    client, enrolment = enrolled
    upload = _upload(enrolment)
    first = client.put_application(upload)
    second = client.put_application(upload)
    assert first == second
    assert len(received_from(central, enrolment.kiosk_id)) == 1


def test_concurrent_repeats_give_one_record(
    central: CentralServer, enrolled: tuple[CentralClient, Enrolment]
) -> None:
    _client, enrolment = enrolled
    upload = _upload(enrolment)
    receipts: list[ApplicationReceipt] = []
    start = threading.Barrier(12)

    def send() -> None:
        client = CentralClient(central.url, enrolment.token)
        start.wait(10)
        receipts.append(client.put_application(upload))

    assert run_in_threads([send] * 12, timeout_s=60) == []
    assert len({r.central_reference for r in receipts}) == 1
    assert len(receipts) == 12
    assert len(received_from(central, enrolment.kiosk_id)) == 1


def test_concurrent_different_applications_get_distinct_references(
    central: CentralServer, enrolled: tuple[CentralClient, Enrolment]
) -> None:
    _client, enrolment = enrolled
    uploads = [_upload(enrolment) for _ in range(10)]
    receipts: list[ApplicationReceipt] = []

    def send(upload: ApplicationUpload) -> None:
        receipts.append(CentralClient(central.url, enrolment.token).put_application(upload))

    assert run_in_threads([functools.partial(send, u) for u in uploads], timeout_s=60) == []
    refs = [r.central_reference for r in receipts]
    assert len(refs) == 10 and len(set(refs)) == 10  # no duplicate (references are random)
    assert Counter(a["uuid"] for a in received_from(central, enrolment.kiosk_id)) == Counter(
        str(u.uuid) for u in uploads
    )


def test_other_content_under_a_known_uuid_is_409(
    central: CentralServer, enrolled: tuple[CentralClient, Enrolment]
) -> None:
    client, enrolment = enrolled
    payload = sample_payload(enrolment.kiosk_id)
    first = client.put_application(make_upload(enrolment.public_key, payload))
    # same uuid, same answers, but sealed again: other bytes, so other content
    with pytest.raises(RejectedError) as exc:
        client.put_application(make_upload(enrolment.public_key, payload))
    assert exc.value.status == 409
    assert first.central_reference in exc.value.detail
    assert "already received with different content" in exc.value.detail
    assert len(received_from(central, enrolment.kiosk_id)) == 1


def test_a_kiosk_sees_only_its_own_applications(
    central: CentralServer, enrolled: tuple[CentralClient, Enrolment], tmp_path: Path
) -> None:
    client, enrolment = enrolled
    upload = _upload(enrolment)
    client.put_application(upload)
    other = CentralClient(central.url)
    enrol(other, central.new_enrolment_code(), "Accueil 2", tmp_path / "other.json")
    assert other.get_application(upload.uuid) is None
    assert client.get_application(upload.uuid) is not None
