"""Wire models (contract.protocol): what is accepted, what is refused, and why."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid as uuidlib

import pytest
from pydantic import ValidationError

from contract.protocol import (
    ApplicationPayload,
    ApplicationReceipt,
    ApplicationUpload,
    EnrolRequest,
    EnrolResponse,
    Problem,
)
from tests.fixtures.central import sample_payload

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def _upload(**changes: object) -> dict[str, object]:
    sealed = b"KTS\x01sealed bytes"
    data: dict[str, object] = {
        "uuid": str(uuidlib.uuid4()),
        "procedure_id": "renewal-student",
        "kiosk_reference": "K-ABCD-EFGH",
        "created_at": NOW.isoformat(),
        "sealing_format": 1,
        "sealed": base64.b64encode(sealed).decode(),
        "sha256": hashlib.sha256(sealed).hexdigest(),
    }
    data.update(changes)
    return data


def test_upload_build_encodes_and_hashes() -> None:
    sealed = bytes(range(256))
    app_uuid = uuidlib.uuid4()
    upload = ApplicationUpload.build(
        uuid=str(app_uuid),
        procedure_id="renewal-student",
        kiosk_reference="K-ABCD-EFGH",
        created_at=NOW,
        sealing_format=1,
        sealed=sealed,
    )
    assert upload.uuid == app_uuid
    assert upload.sealed_bytes() == sealed
    assert upload.sha256 == hashlib.sha256(sealed).hexdigest()
    again = ApplicationUpload.model_validate_json(upload.model_dump_json())
    assert again == upload


def test_upload_accepts_a_valid_body() -> None:
    ApplicationUpload.model_validate(_upload())


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"uuid": "nope"}, "uuid", "UUID"),
        ({"sealed": "***not base64***"}, "sealed", "standard base64"),
        ({"sealed": ""}, "sealed", "must not be empty"),
        ({"sha256": "ABC"}, "sha256", "pattern"),
        ({"created_at": "2026-11-20T09:30:00"}, "created_at", "timezone"),
        ({"procedure_id": "Bad Id"}, "procedure_id", "pattern"),
        ({"sealing_format": 0}, "sealing_format", "greater than or equal"),
        ({"surprise": 1}, "surprise", "Extra inputs"),
    ],
)
def test_upload_refuses_bad_fields(changes: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        ApplicationUpload.model_validate(_upload(**changes))
    errors = exc.value.errors()
    assert [e["loc"][0] for e in errors] == [field]
    assert message in errors[0]["msg"]


def test_session_payload_is_a_valid_application_payload() -> None:
    """The domain's ApplicantSession.payload() and the wire model agree."""
    payload = sample_payload()
    model = ApplicationPayload.model_validate(payload)
    assert str(model.uuid) == payload["uuid"]
    assert model.consent.declaration_accepted is True
    assert model.answers["surname"] == "Haddad"


@pytest.mark.parametrize(
    ("path", "value", "loc"),
    [
        (("payload_version",), 2, ("payload_version",)),
        (("consent", "declaration_accepted"), False, ("consent", "declaration_accepted")),
        (("consent", "at"), "2026-11-20T09:30:00", ("consent", "at")),
        (("answers",), {"surname": 3}, ("answers", "surname")),
        (("extra",), "x", ("extra",)),
    ],
)
def test_payload_refusals(path: tuple[str, ...], value: object, loc: tuple[str, ...]) -> None:
    payload = sample_payload()
    node = payload
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ValidationError) as exc:
        ApplicationPayload.model_validate(payload)
    assert tuple(exc.value.errors()[0]["loc"]) == loc


def test_enrol_request_strips_and_limits() -> None:
    req = EnrolRequest(
        code="  ABCD-EFGH-JKMN-PQRS ", kiosk_name=" Préfecture 1 ", software_version="0.1"
    )
    assert (req.code, req.kiosk_name) == ("ABCD-EFGH-JKMN-PQRS", "Préfecture 1")
    for short in ("x", "ABCD-EFGH"):  # codes carry 80 bits: 16 symbols at least
        with pytest.raises(ValidationError):
            EnrolRequest(code=short, kiosk_name="k", software_version="0.1")


def test_responses_ignore_unknown_fields() -> None:
    """The server may add fields without breaking older kiosks."""
    receipt = ApplicationReceipt.model_validate(
        {
            "uuid": str(uuidlib.uuid4()),
            "central_reference": "PREF-2026-000001",
            "status": "received",
            "received_at": NOW.isoformat(),
            "new_field": "ignored",
        }
    )
    assert receipt.central_reference == "PREF-2026-000001"
    EnrolResponse.model_validate(
        {"kiosk_id": "k", "token": "t", "public_key": "p", "sealing_format": 1, "x": 1}
    )


def test_problem_defaults_to_no_field_errors() -> None:
    assert Problem(detail="nope").model_dump() == {"detail": "nope", "errors": []}
