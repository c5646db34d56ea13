"""What every route depends on, through FastAPI's ``Depends``: the service's context (settings,
database, sealing key, catalogue) and who is asking (a kiosk, the admin, a reception desk).

Nothing is global: :func:`central.app.create_app` puts one :class:`Central` on
``app.state.central``, so tests can run several servers side by side.
"""

# No `from __future__ import annotations`: FastAPI evaluates the dependencies' annotations.

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from central.db import Kiosk
from central.problems import ProblemError
from central.settings import Settings
from contract.catalogue import Catalogue

CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass
class Central:
    """The service's state, built once by ``create_app``."""

    settings: Settings
    engine: Engine
    private_key: Any  # X25519PrivateKey
    public_key: str  # base64url, as sent at enrolment
    catalogue: Catalogue
    staff_hasher: Any  # argon2.PasswordHasher
    dummy_pin_hash: str  # verified for unknown identifiers: they cost the same time

    def now(self) -> dt.datetime:
        return self.settings.clock()


def get_central(request: Request) -> Central:
    central: Central = request.app.state.central
    return central


CentralDep = Annotated[Central, Depends(get_central)]


def token_hash(secret: str) -> str:
    """Tokens and enrolment codes are kept as their SHA-256 (they are random, long)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


kiosk_bearer = HTTPBearer(
    auto_error=False, scheme_name="KioskToken", description="token received at enrolment"
)
admin_bearer = HTTPBearer(
    auto_error=False, scheme_name="AdminToken", description="the server's --admin-token"
)
desk_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="DeskToken",
    description="the server's --desk-token (the --admin-token is accepted too)",
)


def current_kiosk(
    c: CentralDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(kiosk_bearer)],
) -> str:
    """The id of the enrolled, not revoked kiosk whose token the request carries."""
    if creds is None:
        raise ProblemError(
            401,
            "authentication required: send 'Authorization: Bearer <kiosk token>' "
            "with the token received at enrolment",
            headers=CHALLENGE,
        )
    with Session(c.engine) as s, s.begin():
        kiosk = s.scalars(
            select(Kiosk).where(Kiosk.token_sha256 == token_hash(creds.credentials))
        ).one_or_none()
        if kiosk is None:
            raise ProblemError(
                401,
                "the bearer token is not valid for this server; enrol the kiosk again",
                headers=CHALLENGE,
            )
        if kiosk.revoked:
            raise ProblemError(
                401,
                "this kiosk has been revoked; ask the central administrator for a new "
                "enrolment code",
                headers=CHALLENGE,
            )
        kiosk.last_seen = c.now()
        return kiosk.id


def require_admin(
    c: CentralDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(admin_bearer)],
) -> None:
    token = c.settings.admin_token
    if token is None:
        raise ProblemError(
            401, "the admin API is disabled: start the server with --admin-token", headers=CHALLENGE
        )
    if creds is None:
        raise ProblemError(
            401,
            "authentication required: send 'Authorization: Bearer <admin token>'",
            headers=CHALLENGE,
        )
    if not _matches(creds.credentials, token):
        raise ProblemError(401, "the admin token is not valid", headers=CHALLENGE)


def require_desk(
    c: CentralDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(desk_bearer)],
) -> None:
    accepted = [t for t in (c.settings.desk_token, c.settings.admin_token) if t]
    if not accepted:
        raise ProblemError(
            401, "the desk API is disabled: start the server with --desk-token", headers=CHALLENGE
        )
    if creds is None:
        raise ProblemError(
            401,
            "authentication required: send 'Authorization: Bearer <desk token>'",
            headers=CHALLENGE,
        )
    if not any(_matches(creds.credentials, t) for t in accepted):
        raise ProblemError(401, "the desk token is not valid", headers=CHALLENGE)


KioskId = Annotated[str, Depends(current_kiosk)]
ADMIN = [Depends(require_admin)]
DESK = [Depends(require_desk)]
