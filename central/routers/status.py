"""Status at a kiosk (issue 8): an applicant scans their receipt's QR code, or types its
reference and their date of birth, and sees where their application stands; once the
prefecture examines it, the attestation de dépôt can be printed.

* ``POST /v1/status/lookup`` -> :class:`contract.protocol.StatusView` (no personal data);
* ``POST /v1/status/attestation`` -> :class:`contract.protocol.Attestation` (name, date of
  birth, nationality: the document an applicant shows), 409 until the examination started;
  it always takes the date of birth, never the receipt's secret alone: a lost receipt
  must not give away who applied.

Asked by an enrolled kiosk (its bearer token), for any application (the applicant may use
another kiosk than the one they applied at). The server keeps nothing new at submission:
it finds the application by its reference and unseals it to compare the receipt's secret
(``receipt_secret`` in the sealed payload) or the date of birth, in constant time. A wrong
or unknown reference gets the same 404. Guesses are throttled (:func:`throttle`): 5 failures
on a reference from one kiosk, 20 from all kiosks, or 30 from one kiosk in all, within
``WINDOW``, and the answer is 429 with ``Retry-After``.
"""

# No `from __future__ import annotations`: FastAPI evaluates the handlers' annotations.

import datetime as dt
import hashlib
import hmac
import logging
from typing import Any

from fastapi import APIRouter
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from central.db import Application, StatusHistory, StatusLookupFailure
from central.deps import Central, CentralDep, KioskId
from central.problems import ProblemError
from contract.protocol import (
    API_PREFIX,
    ApplicationStatus,
    Attestation,
    Problem,
    StatusLookup,
    StatusView,
)
from contract.sealing import SealError, unseal

log = logging.getLogger("kiosk.central.status")

WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_REFERENCE = 5  # from one kiosk
MAX_FAILURES_PER_REFERENCE_TOTAL = 20  # from every kiosk
MAX_FAILURES_PER_KIOSK = 30
NOT_FOUND = (
    "no application matches this reference with this secret or date of birth "
    "(a recent one may not have arrived yet)"
)
_P = {"model": Problem}


def _reference_key(reference: str) -> str:
    return hashlib.sha256(reference.encode("utf-8")).hexdigest()


def _examined_since(s: Session, app_uuid: str) -> dt.datetime | None:
    """When the prefecture started examining it: the attestation de dépôt exists from then."""
    return s.scalar(
        select(func.min(StatusHistory.at)).where(
            StatusHistory.application_uuid == app_uuid,
            StatusHistory.status == ApplicationStatus.BEING_EXAMINED.value,
        )
    )


router = APIRouter(prefix=f"{API_PREFIX}/status", tags=["status"])


def throttle(s: Session, key: str, kiosk_id: str, at: dt.datetime) -> None:
    """429 once this kiosk failed ``MAX_FAILURES_PER_REFERENCE`` times on this reference, or
    all kiosks together ``MAX_FAILURES_PER_REFERENCE_TOTAL`` times (so one kiosk cannot lock
    an applicant out everywhere), or this kiosk ``MAX_FAILURES_PER_KIOSK`` times in all."""
    since = at - WINDOW
    recent = StatusLookupFailure.at >= since
    here = s.scalar(
        select(func.count()).where(
            StatusLookupFailure.reference_sha256 == key,
            StatusLookupFailure.kiosk_id == kiosk_id,
            recent,
        )
    )
    everywhere = s.scalar(
        select(func.count()).where(StatusLookupFailure.reference_sha256 == key, recent)
    )
    by_kiosk = s.scalar(
        select(func.count()).where(StatusLookupFailure.kiosk_id == kiosk_id, recent)
    )
    if (
        (here or 0) >= MAX_FAILURES_PER_REFERENCE
        or (everywhere or 0) >= MAX_FAILURES_PER_REFERENCE_TOTAL
        or (by_kiosk or 0) >= MAX_FAILURES_PER_KIOSK
    ):
        raise ProblemError(
            429,
            "too many failed lookups: try again later",
            headers={"Retry-After": str(int(WINDOW.total_seconds()))},
        )


def find(c: Central, body: StatusLookup, kiosk_id: str) -> tuple[Application, dict[str, Any], Any]:
    """The application and its unsealed payload, or 404/429/422."""
    if (body.secret is None) == (body.birth_date is None):
        raise ProblemError(422, "give either the receipt's secret or the date of birth")
    reference = "".join(body.reference.split()).upper()
    key = _reference_key(reference)
    at = c.now()
    with Session(c.reader) as s:  # reads only: unsealing holds no lock
        throttle(s, key, kiosk_id, at)
        rows = s.scalars(
            select(Application).where(
                or_(
                    Application.kiosk_reference == reference,
                    Application.central_reference == reference,
                )
            )
        ).all()
        for row in rows:
            try:
                payload = unseal(c.private_key, row.uuid, row.sealed)
            except SealError:
                continue
            if body.secret is not None:
                expected = str(payload.get("receipt_secret") or "")
                given = body.secret
            else:
                assert body.birth_date is not None
                answers = payload.get("answers") or {}
                expected = str(answers.get("birth_date", "")) if isinstance(answers, dict) else ""
                given = body.birth_date.isoformat()
            if expected and hmac.compare_digest(expected.encode(), given.encode()):
                s.expunge(row)
                return row, payload, _examined_since(s, row.uuid)
    with Session(c.engine) as s, s.begin():
        s.add(StatusLookupFailure(reference_sha256=key, kiosk_id=kiosk_id, at=at))
    log.info("status lookup failed from %s", kiosk_id)
    raise ProblemError(404, NOT_FOUND)


def last_change(c: Central, app_uuid: str, default: dt.datetime) -> dt.datetime:
    with Session(c.reader) as s:
        at = s.scalar(
            select(func.max(StatusHistory.at)).where(StatusHistory.application_uuid == app_uuid)
        )
    return at or default


responses: dict[int | str, dict[str, Any]] = {
    401: {**_P, "description": "Missing, unknown or revoked kiosk token"},
    404: {**_P, "description": "No application matches (same answer whatever was wrong)"},
    422: {**_P, "description": "Neither or both of secret and birth_date given"},
    429: {**_P, "description": "Too many failed lookups: wait Retry-After seconds"},
}


@router.post("/lookup", responses=responses)
def lookup(body: StatusLookup, kiosk_id: KioskId, c: CentralDep) -> StatusView:
    """Where an application stands, for the applicant at a kiosk (no personal data)."""
    row, _payload, examined = find(c, body, kiosk_id)
    return StatusView(
        reference=row.kiosk_reference,
        central_reference=row.central_reference,
        procedure_id=row.procedure_id,
        status=ApplicationStatus(row.status),
        received_at=row.received_at,
        status_changed_at=last_change(c, row.uuid, row.received_at),
        attestation_available=examined is not None,
    )


@router.post(
    "/attestation",
    responses={
        **responses,
        409: {**_P, "description": "Not available yet: the examination has not started"},
        422: {**_P, "description": "The date of birth is required (and no secret)"},
    },
)
def attestation(body: StatusLookup, kiosk_id: KioskId, c: CentralDep) -> Attestation:
    """The attestation de dépôt's content, once the prefecture examines the application;
    the kiosk prints it. It names the applicant, so it takes the date of birth (a found
    receipt alone is not enough): the reference and ``birth_date``, no ``secret``."""
    if body.birth_date is None or body.secret is not None:
        raise ProblemError(
            422, "the attestation de dépôt needs the reference and the date of birth"
        )
    row, payload, examined = find(c, body, kiosk_id)
    if examined is None:
        raise ProblemError(409, "the attestation de dépôt is not available yet")
    answers = payload.get("answers") or {}
    return Attestation(
        central_reference=row.central_reference,
        reference=row.kiosk_reference,
        procedure_id=row.procedure_id,
        deposited_at=row.received_at,
        examined_since=examined,
        issued_at=c.now(),
        surname=str(answers.get("surname", "")),
        given_names=str(answers.get("given_names", "")),
        birth_date=str(answers.get("birth_date", "")),
        nationality=str(answers.get("nationality", "")),
    )
