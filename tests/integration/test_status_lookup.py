"""Status at a kiosk against the real central server (SQLite and PostgreSQL), through the
kiosk's client: found by the receipt's secret or the date of birth, None when nothing
matches, 429 (a TransientError) after too many failures, the attestation once examined."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from contract.protocol import StatusLookup
from sync.client import CentralClient, RejectedError, TransientError
from sync.enrolment import enrol
from tests.fixtures.central import CentralServer, make_upload, sample_payload

pytestmark = pytest.mark.integration

REFERENCE = "K-2345-6789"
SECRET = "ABCDEFGH23456789"


def test_status_lookup_end_to_end(central_server: CentralServer, tmp_path: Path) -> None:
    first = CentralClient(central_server.url)
    enrolment = enrol(first, central_server.new_enrolment_code(), "kiosk-a", tmp_path / "a.json")
    payload = sample_payload(enrolment.kiosk_id)
    payload["receipt_secret"] = SECRET
    upload = make_upload(enrolment.public_key, payload, kiosk_reference=REFERENCE)
    first.put_application(upload)
    first.close()

    other = CentralClient(central_server.url)
    enrol(other, central_server.new_enrolment_code(), "kiosk-b", tmp_path / "b.json")
    view = other.lookup_status(StatusLookup(reference=REFERENCE, secret=SECRET))
    assert view is not None and view.status == "received" and not view.attestation_available
    birth = dt.date.fromisoformat(payload["answers"]["birth_date"])
    by_birth = other.lookup_status(StatusLookup(reference=view.central_reference, birth_date=birth))
    assert by_birth is not None and by_birth.reference == REFERENCE

    with pytest.raises(RejectedError) as not_yet:
        other.attestation(StatusLookup(reference=REFERENCE, birth_date=birth))
    assert not_yet.value.status == 409
    resp = central_server.admin(
        "POST", f"/applications/{upload.uuid}/status", json={"status": "being_examined"}
    )
    resp.raise_for_status()
    attestation = other.attestation(StatusLookup(reference=REFERENCE, birth_date=birth))
    assert attestation is not None
    assert attestation.surname == payload["answers"]["surname"]

    wrong = StatusLookup(reference=REFERENCE, birth_date=dt.date(1990, 1, 1))
    for _ in range(5):
        assert other.lookup_status(wrong) is None
    with pytest.raises(TransientError) as throttled:
        other.lookup_status(StatusLookup(reference=REFERENCE, secret=SECRET))
    assert throttled.value.status == 429 and (throttled.value.retry_after or 0) > 0
    other.close()
