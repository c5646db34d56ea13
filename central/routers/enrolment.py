"""Health, and kiosk enrolment: a one-time code for the kiosk's id, token and sealing key.

Wrong codes are throttled per address and in total (``Throttles.enrol_*``): a try while
throttled is refused (429) without looking at the code. A kiosk that enrols again with its
previous token (``previous_token``) keeps its identity: the same id, a new token, the old one
revoked, so its backlog (pages half uploaded, applications not yet sent) carries on.
"""

# No `from __future__ import annotations`: FastAPI evaluates the handlers' annotations.

import datetime as dt
import logging
import math
import secrets
import string

from fastapi import APIRouter, Request
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from central.db import EnrolFailure, EnrolmentCodeRow, Kiosk, KioskSite
from central.deps import CentralDep, token_hash
from central.limits import client_address
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
    """16 symbols of 32: 80 bits."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def code_bits(code: str) -> float:
    """A conservative estimate of a code's strength, from its length and the smallest usual
    alphabet its symbols fit in (digits, hexadecimal, then letters and digits)."""
    symbols = normalise_code(code).replace("-", "")
    if not symbols:
        return 0.0
    if symbols.isdigit():
        per = math.log2(10)
    elif all(ch in string.hexdigits for ch in symbols):
        per = 4.0
    else:
        per = 5.0  # case-insensitive letters and digits: 32 symbols and more
    return len(symbols) * per


def _throttled(s: Session, c: CentralDep, address: str, now: dt.datetime) -> float:
    t = c.settings.throttles
    since = now - dt.timedelta(seconds=t.enrol_window_s)
    by_address = s.execute(
        select(func.count(), func.min(EnrolFailure.at)).where(
            EnrolFailure.address == address, EnrolFailure.at > since
        )
    ).one()
    total = s.execute(
        select(func.count(), func.min(EnrolFailure.at)).where(EnrolFailure.at > since)
    ).one()
    pairs = ((by_address, t.enrol_failures_per_address), (total, t.enrol_failures_total))
    waits = [
        (first - since).total_seconds()
        for (count, first), limit in pairs
        if count >= limit and first is not None
    ]
    return max(waits, default=0.0)


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
        429: {**P, "description": "Too many wrong codes: wait Retry-After seconds"},
    },
)
def enrol(body: EnrolRequest, request: Request, c: CentralDep) -> EnrolResponse:
    """Exchange a one-time enrolment code for this kiosk's id, token and sealing key. With
    ``previous_token`` (the kiosk's current one), the kiosk keeps its id; the old token stops
    working."""
    address = client_address(request.scope)
    token = secrets.token_urlsafe(32)
    when = c.now()
    with Session(c.engine) as s, s.begin():
        wait = _throttled(s, c, address, when)
        if wait > 0:
            refused = ProblemError(
                429,
                "too many wrong enrolment codes: try again later",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        else:
            previous = None
            if body.previous_token:
                previous = s.scalars(
                    select(Kiosk).where(Kiosk.token_sha256 == token_hash(body.previous_token))
                ).one_or_none()
            kiosk_id = previous.id if previous is not None else f"kiosk-{secrets.token_hex(6)}"
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
                s.add(EnrolFailure(address=address[:64], at=when))
                refused = ProblemError(
                    403,
                    "this enrolment code is unknown or has already been used; "
                    "ask the central administrator for a new one",
                )
            else:
                if previous is not None:  # the same kiosk, a new token: the old one is revoked
                    previous.token_sha256 = token_hash(token)
                    previous.revoked = False
                    previous.name = body.kiosk_name
                    previous.software_version = body.software_version
                else:
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
                if body.site is not None:
                    where = s.get(KioskSite, kiosk_id)
                    if where is None:
                        s.add(KioskSite(kiosk_id=kiosk_id, site=body.site))
                    else:
                        where.site = body.site
                c.forget_tokens()
                log.info("kiosk %s %s", kiosk_id, "enrolled again" if previous else "enrolled")
                return EnrolResponse(
                    kiosk_id=kiosk_id,
                    token=token,
                    public_key=c.public_key,
                    sealing_format=FORMAT_VERSION,
                )
    raise refused  # after the commit: the failure is kept
