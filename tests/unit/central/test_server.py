"""The reference central API in-process (FastAPI TestClient): error shapes, payload checks,
references, the committed OpenAPI document. The real server process is exercised by
tests/integration/."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import uuid as uuidlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central import Settings, create_app
from central.checks import check_payload
from central.routers.enrolment import normalise_code
from contract.catalogue import load_catalogue
from contract.protocol import ApplicationUpload
from kiosk.testing import FakeClock
from tests.fixtures.central import make_upload, sample_payload
from tests.unit.central.api import enrol

ROOT = Path(__file__).resolve().parents[3]
OPENAPI = ROOT / "central" / "openapi.json"
ADMIN = {"Authorization": "Bearer admin-secret"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC))  # a year ends


def _put(api: TestClient, token: str, upload: ApplicationUpload) -> Any:
    return api.put(
        f"/v1/applications/{upload.uuid}",
        content=upload.model_dump_json(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


def test_served_openapi_equals_the_committed_file(api: TestClient) -> None:
    served = api.app.openapi()  # type: ignore[attr-defined]  # (/openapi.json is off unless --docs)
    assert served == json.loads(OPENAPI.read_text(encoding="utf-8")), (
        "the API changed: run `.venv/bin/python scripts/export_openapi.py` and commit the file"
    )


def test_export_script_check_mode_agrees() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "export_openapi.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_private_key_file_and_not_in_the_database(tmp_path: Path, api: TestClient) -> None:
    key_file = tmp_path / "central" / "central_private_key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    pem_body = b"".join(key_file.read_bytes().splitlines()[1:-1])
    assert pem_body not in (tmp_path / "central" / "central.db").read_bytes()


def test_unknown_route_and_method_have_the_problem_shape(api: TestClient) -> None:
    resp = api.get("/v1/nothing-here")
    assert resp.status_code == 404
    assert resp.json() == {"detail": "Not Found", "errors": []}
    resp = api.delete("/v1/health")
    assert resp.status_code == 405
    assert set(resp.json()) == {"detail", "errors"}


def test_invalid_json_is_explained(api: TestClient) -> None:
    token = enrol(api)["token"]
    resp = api.put(
        f"/v1/applications/{uuidlib.uuid4()}",
        content=b'{"uuid": ',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert resp.status_code == 422
    body = resp.json()
    assert body["detail"].startswith("the request is not valid")
    assert body["errors"][0]["field"] == "body"
    assert "not valid JSON" in body["errors"][0]["message"]


def test_missing_and_extra_fields_are_named(api: TestClient) -> None:
    token = enrol(api)["token"]
    resp = api.put(
        f"/v1/applications/{uuidlib.uuid4()}",
        json={"uuid": str(uuidlib.uuid4()), "sneaky": 1},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 422
    errors = {e["field"]: e["message"] for e in resp.json()["errors"]}
    assert errors["sha256"] == "this field is required"
    assert errors["sneaky"] == "unknown field: remove it"
    assert "procedure_id" in errors and "sealed" in errors


def test_references_carry_the_year_and_nothing_guessable(api: TestClient, clock: FakeClock) -> None:
    enrolment = enrol(api)
    refs = []
    for when in (clock.now, clock.now + dt.timedelta(minutes=2)):  # across new year
        clock.now = when
        for _ in range(2):
            upload = make_upload(enrolment["public_key"], sample_payload(enrolment["kiosk_id"]))
            resp = _put(api, enrolment["token"], upload)
            assert resp.status_code == 201, resp.text
            refs.append(resp.json()["central_reference"])
    years = [r.rsplit("-", 1)[0] for r in refs]
    assert years == ["PREF-2026", "PREF-2026", "PREF-2027", "PREF-2027"]
    assert all(len(r.rsplit("-", 1)[1]) == 10 for r in refs) and len(set(refs)) == 4


def test_last_seen_is_recorded(api: TestClient, clock: FakeClock) -> None:
    enrolment = enrol(api)
    (kiosk,) = api.get("/v1/admin/kiosks", headers=ADMIN).json()
    assert kiosk["last_seen"] is None and kiosk["name"] == "k"
    api.get(
        f"/v1/applications/{uuidlib.uuid4()}",
        headers={"Authorization": f"Bearer {enrolment['token']}"},
    )
    (kiosk,) = api.get("/v1/admin/kiosks", headers=ADMIN).json()
    assert dt.datetime.fromisoformat(kiosk["last_seen"]) == clock.now


def test_enrolment_codes_forgive_case_and_spaces(api: TestClient) -> None:
    enrol(api, " CODE-TWO-7K3M-9QXD-2PTV-H8WN ")
    assert normalise_code(" ab cd-ef ") == "ABCD-EF"


def test_admin_code_format(api: TestClient) -> None:
    code = api.post("/v1/admin/enrolment-codes", headers=ADMIN).json()["code"]
    assert len(code) == 19 and code.count("-") == 3
    assert not set(code) & set("01OI")
    enrol(api, code.lower())


def test_admin_api_disabled_without_a_token(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "c"))
    with TestClient(app) as client:
        resp = client.get("/v1/admin/applications", headers={"Authorization": "Bearer x"})
    app.state.engine.dispose()
    assert resp.status_code == 401
    assert "admin API is disabled" in resp.json()["detail"]


def test_revoke_unknown_kiosk(api: TestClient) -> None:
    resp = api.post("/v1/admin/kiosks/kiosk-nope/revoke", headers=ADMIN)
    assert resp.status_code == 404
    assert resp.json()["detail"] == "no kiosk 'kiosk-nope'"


# --- check_payload ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue() -> Any:
    return load_catalogue()


def _check(payload: dict[str, Any], catalogue: Any, **upload: Any) -> dict[str, str]:
    app_uuid = upload.pop("uuid", payload.get("uuid") or str(uuidlib.uuid4()))
    wire = ApplicationUpload.build(
        uuid=app_uuid,
        procedure_id=upload.pop("procedure_id", "renewal-student"),
        kiosk_reference="K-1",
        created_at=dt.datetime.now(dt.UTC),
        sealing_format=1,
        sealed=b"x",
    )
    return {p.field: p.message for p in check_payload(payload, wire, catalogue)}


def test_a_complete_application_passes(catalogue: Any) -> None:
    assert _check(sample_payload(), catalogue) == {}


def test_optional_answers_may_be_empty_or_absent(catalogue: Any) -> None:
    payload = sample_payload()
    del payload["answers"]["email"]
    assert _check(payload, catalogue) == {}


def test_missing_and_empty_required_answers_are_named(catalogue: Any) -> None:
    payload = sample_payload()
    del payload["answers"]["surname"]
    payload["answers"]["city"] = "  "
    problems = _check(payload, catalogue)
    assert problems == {  # the kiosk's own validators, their French messages
        "answers.surname": "Cette réponse est obligatoire.",
        "answers.city": "Cette réponse est obligatoire.",
    }


def test_unknown_answers_and_documents_are_named(catalogue: Any) -> None:
    payload = sample_payload()
    payload["answers"]["favourite_colour"] = "blue"
    payload["documents"].append("selfie")
    problems = _check(payload, catalogue)
    assert problems["answers.favourite_colour"] == ("not a question of procedure 'renewal-student'")
    assert problems["documents"].startswith(
        "the documents listed are not those the answers call for"
    )


def test_unknown_procedure(catalogue: Any) -> None:
    payload = sample_payload()
    payload["procedure_id"] = "naturalisation"
    problems = _check(payload, catalogue, procedure_id="naturalisation")
    assert list(problems) == ["procedure_id"]
    assert problems["procedure_id"] == "unknown procedure 'naturalisation'"


def test_payload_disagreeing_with_the_upload(catalogue: Any) -> None:
    payload = sample_payload()
    other = str(uuidlib.uuid4())
    problems = _check(payload, catalogue, uuid=other, procedure_id="other-procedure")
    assert problems["uuid"].endswith(f"uploaded as {other}")
    assert "the upload says 'other-procedure'" in problems["procedure_id"]


def test_schema_problems_are_named(catalogue: Any) -> None:
    payload = sample_payload()
    payload["consent"]["declaration_accepted"] = False
    del payload["submitted_at"]
    problems = _check(payload, catalogue)
    assert problems["submitted_at"] == "this field is required"
    assert problems["consent.declaration_accepted"] == "Input should be True"
