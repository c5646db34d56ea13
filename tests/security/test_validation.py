"""Validation on the server, once the application is unsealed, with the validators the kiosk
uses (contract.validation): each bad answer is either refused on the wire (422) or stored as
``rejected_invalid`` with its reasons for staff, and the kiosk's receipt stays valid. Before,
every one of these was stored with 201 as if it were right."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.central import sample_answers
from tests.security.conftest import ADMIN, Api


def _bad_answer(**change: str) -> dict[str, Any]:
    """A case: the sample answers with one of them changed, reported against that field."""
    ((field, value),) = change.items()
    return {"answers": {**sample_answers(), field: value}, "field": f"answers.{field}"}


def _bad_field(**change: Any) -> dict[str, Any]:
    """A case: one field of the application changed, reported against that field."""
    ((field, value),) = change.items()
    return {"changes": {field: value}, "field": field}


CASES: dict[str, dict[str, Any]] = {
    "a 6 MiB surname": _bad_answer(surname="A" * (6 * 1024 * 1024)),
    "a birth date that is not a date": _bad_answer(birth_date="not-a-date"),
    "a NUL character": _bad_answer(address_line="12 rue\x00 des Écoles"),
    "a right-to-left override": _bad_answer(address_line="12 rue \u202eseloc\u202c"),
    "markup": _bad_answer(surname="<script>alert(1)</script>"),
    "markup in free text": _bad_answer(address_line="<img src=x onerror=alert(1)>"),
    "a 10,000-character phone number": _bad_answer(phone="6" * 10_000),
    "a submission in 2999": _bad_field(submitted_at="2999-01-01T00:00:00+00:00"),
    "an unknown language": _bad_field(language="xx-evil-lang"),
    "another kiosk's id": _bad_field(kiosk_id="kiosk-someone-else"),
    "documents that do not match the answers": _bad_field(documents=[]),
    "an answer to no question": {
        "changes": {"answers": {**sample_answers(), "favourite_colour": "blue"}},
        "field": "answers.favourite_colour",
    },
    "a page declared text/html": {
        "pages": 1,
        "content_type": "text/html",
        "field": "attachments.0.content_type",
    },
    "an unknown procedure": _bad_field(procedure_id="no-such-procedure"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_bad_answer_is_stored_as_rejected_invalid(api: Api, case: str) -> None:
    spec = CASES[case]
    kiosk = api.enrol()
    app_uuid, resp = api.deliver(
        kiosk,
        answers=spec.get("answers"),
        changes=spec.get("changes"),
        pages=spec.get("pages", 0),
        content_type=spec.get("content_type", "image/jpeg"),
    )
    assert resp.status_code == 201, resp.text
    receipt = resp.json()
    assert receipt["central_reference"]
    # The kiosk's receipt stays valid: the application is there, with its status.
    again = api.client.get(f"/v1/applications/{app_uuid}", headers=kiosk.auth)
    assert (
        again.status_code == 200
        and again.json()["central_reference"] == receipt["central_reference"]
    )
    row = api.admin_application(app_uuid)
    assert row["validity"] == "rejected_invalid"
    fields = [p["field"] for p in row["problems"]]
    assert spec["field"] in fields, row["problems"]
    assert all(len(p["message"]) < 300 for p in row["problems"])  # no echo of a 6 MiB answer


def test_a_right_application_is_valid(api: Api) -> None:
    kiosk = api.enrol()
    app_uuid, resp = api.deliver(kiosk, pages=2)
    assert resp.status_code == 201, resp.text
    row = api.admin_application(app_uuid)
    assert (row["validity"], row["problems"]) == ("valid", [])


def test_wire_level_faults_are_refused_with_422(api: Api) -> None:
    kiosk = api.enrol()
    resp = api.client.put(
        "/v1/applications/8d2c1f4e-0000-4000-8000-000000000001",
        json={"uuid": "8d2c1f4e-0000-4000-8000-000000000001", "sealed": "not base64!"},
        headers=kiosk.auth,
    )
    assert resp.status_code == 422
    assert {p["field"] for p in resp.json()["errors"]} >= {"sealed", "sha256"}


@pytest.mark.parametrize(
    ("declared", "served"),
    [("image/jpeg", "image/jpeg"), ("text/html", "application/octet-stream")],
    ids=["a JPEG page", "a page declared HTML is never served as HTML"],
)
def test_pages_are_served_as_attachments_with_nosniff(api: Api, declared: str, served: str) -> None:
    kiosk = api.enrol()
    app_uuid, resp = api.deliver(kiosk, pages=1, content_type=declared)
    assert resp.status_code == 201
    ref = api.admin_application(app_uuid)["attachments"][0]
    page = api.client.get(
        f"/v1/admin/applications/{app_uuid}/attachments/{ref['sha256']}", headers=ADMIN
    )
    assert page.status_code == 200
    assert page.headers["content-type"] == served
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["content-disposition"].startswith("attachment")
