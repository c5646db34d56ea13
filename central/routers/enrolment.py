"""Health, and kiosk enrolment: a one-time code for the kiosk's id, token and sealing key."""

# No `from __future__ import annotations`: FastAPI evaluates the handlers' annotations.

import logging
import secrets

from fastapi import APIRouter
from sqlalchemy import update
from sqlalchemy.orm import Session

from central.db import EnrolmentCodeRow, Kiosk
from central.deps import CentralDep, token_hash
from central.problems import AUTH_RESPONSES, P, ProblemError
from contract import __version__
from contract.protocol import API_PREFIX, EnrolRequest, EnrolResponse, Health
from contract.sealing import FORMAT_VERSION

log = logging.getLogger("kiosk.central")
router = APIRouter()
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed by hand


def normalise_code(code: str) -> str:
    """Enrolment codes are compared without spaces and case: they are typed by hand."""
    return "".join(code.split()).upper()


def new_enrolment_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


@router.get(f"{API_PREFIX}/health", tags=["health"])
def health() -> Health:
    return Health(status="ok", version=__version__)


@router.post(
    f"{API_PREFIX}/enrol",
    tags=["enrolment"],
    status_code=201,
    responses={
        403: {**P, "description": "Unknown or already used enrolment code"},
        422: AUTH_RESPONSES[422],
    },
)
def enrol(body: EnrolRequest, c: CentralDep) -> EnrolResponse:
    """Exchange a one-time enrolment code for this kiosk's id, token and sealing key."""
    kiosk_id = f"kiosk-{secrets.token_hex(6)}"
    token = secrets.token_urlsafe(32)
    when = c.now()
    with Session(c.engine) as s, s.begin():
        used = s.execute(
            update(EnrolmentCodeRow)
            .where(
                EnrolmentCodeRow.code_sha256 == token_hash(normalise_code(body.code)),
                EnrolmentCodeRow.used_at.is_(None),
            )
            .values(used_at=when, used_by=kiosk_id)
            .execution_options(synchronize_session=False)
        )
        if getattr(used, "rowcount", 0) != 1:
            raise ProblemError(
                403,
                "this enrolment code is unknown or has already been used; "
                "ask the central administrator for a new one",
            )
        s.add(
            Kiosk(
                id=kiosk_id,
                name=body.kiosk_name,
                token_sha256=token_hash(token),
                revoked=False,
                enrolled_at=when,
                software_version=body.software_version,
            )
        )
    log.info("kiosk %s enrolled", kiosk_id)
    return EnrolResponse(
        kiosk_id=kiosk_id, token=token, public_key=c.public_key, sealing_format=FORMAT_VERSION
    )
