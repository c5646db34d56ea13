"""What every route depends on, through FastAPI's ``Depends``: the service's context (settings,
database, sealing key, catalogue) and who is asking (a kiosk, a staff member signed in on it,
the admin, a reception desk).

Credentials are checked before the body is read, by :class:`central.limits.Guard`, which
leaves who asked in ``request.state``; the dependencies here read it (and declare the
security schemes of the OpenAPI document). Nothing is global: :func:`central.app.create_app`
puts one :class:`Central` on ``app.state.central``, so tests can run several servers side by
side.
"""

# No `from __future__ import annotations`: FastAPI evaluates the dependencies' annotations.

import contextlib
import datetime as dt
import hashlib
import hmac
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio
from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from central.db import Kiosk, StaffSession
from central.problems import ProblemError
from central.settings import Settings
from contract.catalogue import Catalogue

CHALLENGE = {"WWW-Authenticate": "Bearer"}
TOKEN_CACHE_S = 5.0  # a revoked token may work this long in another worker process
STAFF_SESSION_HEADER = "X-Staff-Session"


def token_hash(secret: str) -> str:
    """Tokens and enrolment codes are kept as their SHA-256 (they are random, long)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class PinChecks:
    """Where PINs and badge secrets are checked (Argon2: 64 MiB and four threads each): at
    most ``n`` at once per worker (``Limits.concurrent_pin_checks``), each on a thread of
    its own at a lower CPU priority (nice +10, which Argon2's own threads inherit; a thread
    a check, human-paced: nothing to stop at the end). A burst of sign-ins waits its turn
    and yields the cores to the other kiosks' requests: ten checks at once took every core
    for seconds and their heartbeats waited (benchmarks/central_load.py)."""

    def __init__(self, n: int) -> None:
        self._turns = threading.BoundedSemaphore(max(1, n))

    def run(self, check: Callable[[], bool]) -> bool:
        outcome: list[bool | BaseException] = []

        def body() -> None:
            _lower_priority()
            try:
                outcome.append(check())
            except BaseException as exc:  # handed to the caller's thread
                outcome.append(exc)

        with self._turns:
            thread = threading.Thread(target=body, name="pin-check", daemon=True)
            thread.start()
            thread.join()
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]


def _lower_priority() -> None:
    """This thread only (Linux: a thread id is a process id for setpriority)."""
    with contextlib.suppress(OSError, AttributeError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + 10))


@dataclass
class Central:
    """The service's state, built once by ``create_app``."""

    settings: Settings
    engine: Engine  # writes (on SQLite every transaction takes the write lock at BEGIN)
    reader: Engine  # reads (on SQLite they never wait for the write lock)
    private_key: Any  # X25519PrivateKey
    public_key: str  # base64url, as sent at enrolment
    catalogue: Catalogue
    staff_hasher: Any  # argon2.PasswordHasher
    dummy_pin_hash: str  # verified for unknown identifiers: they cost the same time
    pin_checks: PinChecks = field(default_factory=lambda: PinChecks(1), repr=False)
    _tokens: dict[str, tuple[str | None, float]] = field(default_factory=dict, repr=False)
    _seen: dict[str, dt.datetime] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now(self) -> dt.datetime:
        return self.settings.clock()

    # --- kiosks ------------------------------------------------------------------------
    def _lookup_kiosk(self, digest: str) -> str | None:
        with Session(self.reader) as s:
            row = s.execute(
                select(Kiosk.id, Kiosk.revoked).where(Kiosk.token_sha256 == digest)
            ).one_or_none()
        return None if row is None or row.revoked else str(row.id)

    async def kiosk_for_token(self, token: str) -> str | None:
        """The enrolled, not revoked kiosk of a token (cached ``TOKEN_CACHE_S``)."""
        digest = token_hash(token)
        at = time.monotonic()
        cached = self._tokens.get(digest)
        if cached is not None and at - cached[1] < TOKEN_CACHE_S:
            return cached[0]
        kiosk_id = await anyio.to_thread.run_sync(self._lookup_kiosk, digest)
        with self._lock:
            if len(self._tokens) > 10_000:
                self._tokens.clear()
            self._tokens[digest] = (kiosk_id, at)
        return kiosk_id

    def forget_tokens(self) -> None:
        """After a revocation or re-enrolment: this process looks tokens up again."""
        with self._lock:
            self._tokens.clear()

    async def saw_kiosk(self, kiosk_id: str) -> None:
        """Record the kiosk's ``last_seen``, at most every ``last_seen_every_s``."""
        now = self.now()
        last = self._seen.get(kiosk_id)
        if last is not None and (now - last).total_seconds() < self.settings.last_seen_every_s:
            return
        self._seen[kiosk_id] = now
        await anyio.to_thread.run_sync(self._write_seen, kiosk_id, now)

    def _write_seen(self, kiosk_id: str, now: dt.datetime) -> None:
        with Session(self.engine) as s, s.begin():
            s.execute(update(Kiosk).where(Kiosk.id == kiosk_id).values(last_seen=now))

    # --- the admin and the desks ---------------------------------------------------------
    def is_admin(self, token: str | None) -> bool:
        admin = self.settings.admin_token
        return bool(token and admin and _matches(token, admin))

    def desk_scope(self, token: str | None) -> str | None:
        """The site a desk token sees, or None if it is no desk token."""
        if not token:
            return None
        found = None
        for known, site in self.settings.desk_tokens.items():
            if _matches(token, known):  # every one compared: no early exit to time
                found = site
        return found


def get_central(request: Request) -> Central:
    central: Central = request.app.state.central
    return central


CentralDep = Annotated[Central, Depends(get_central)]

kiosk_bearer = HTTPBearer(
    auto_error=False, scheme_name="KioskToken", description="token received at enrolment"
)
admin_bearer = HTTPBearer(
    auto_error=False, scheme_name="AdminToken", description="the server's admin token"
)
desk_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="DeskToken",
    description="a desk token of the server (it sees one site); the admin token sees all",
)


def current_kiosk(
    request: Request,
    _creds: Annotated[HTTPAuthorizationCredentials | None, Depends(kiosk_bearer)],
) -> str:
    """The id of the enrolled, not revoked kiosk whose token the request carries."""
    kiosk_id = getattr(request.state, "kiosk_id", None)
    if kiosk_id is None:  # the Guard checks it first; this is only a safety net
        raise ProblemError(401, "authentication required: a kiosk token", headers=CHALLENGE)
    return str(kiosk_id)


def require_admin(
    request: Request,
    _creds: Annotated[HTTPAuthorizationCredentials | None, Depends(admin_bearer)],
) -> None:
    if not getattr(request.state, "admin", False):
        raise ProblemError(401, "the admin token is not valid", headers=CHALLENGE)


@dataclass(frozen=True)
class DeskScope:
    """Who reads the desk pages: a desk token sees its ``site`` only; the admin, all."""

    site: str | None  # None: every site

    def allows(self, site: str | None) -> bool:
        return self.site is None or site == self.site


def desk_scope(
    request: Request,
    _creds: Annotated[HTTPAuthorizationCredentials | None, Depends(desk_bearer)],
) -> DeskScope:
    if getattr(request.state, "admin", False):
        return DeskScope(None)
    site = getattr(request.state, "desk_site", None)
    if site is None:
        raise ProblemError(401, "the desk token is not valid", headers=CHALLENGE)
    return DeskScope(str(site))


KioskId = Annotated[str, Depends(current_kiosk)]
ADMIN = [Depends(require_admin)]
DeskScopeDep = Annotated[DeskScope, Depends(desk_scope)]
DESK = [Depends(desk_scope)]


@dataclass(frozen=True)
class StaffMemberSession:
    """A staff member signed in on the asking kiosk (from its ``X-Staff-Session``)."""

    token_sha256: str
    identifier: str
    role: str
    kiosk_id: str


def staff_session(
    kiosk_id: KioskId,
    c: CentralDep,
    x_staff_session: Annotated[
        str | None,
        Header(
            description="the staff session token from POST /v1/staff/sign-in, on the kiosk "
            "it was given to",
        ),
    ] = None,
) -> StaffMemberSession:
    """The live staff session the kiosk presents; it is touched (idle time restarts)."""
    if not x_staff_session:
        raise ProblemError(
            401, f"a staff session is required: send {STAFF_SESSION_HEADER} from the sign-in"
        )
    digest = token_hash(x_staff_session)
    now = c.now()
    with Session(c.engine) as s, s.begin():
        row = s.get(StaffSession, digest)
        if row is None or row.kiosk_id != kiosk_id or row.ended_at is not None:
            raise ProblemError(401, "this staff session is not valid on this kiosk: sign in again")
        idle = (now - row.last_used_at).total_seconds() > c.settings.staff_session_idle_s
        old = (now - row.created_at).total_seconds() > c.settings.staff_session_max_s
        if idle or old:
            end_staff_session(s, row, now, "timeout")
            ended = ProblemError(401, "this staff session has timed out: sign in again")
        else:
            row.last_used_at = now
            return StaffMemberSession(row.token_sha256, row.identifier, row.role, row.kiosk_id)
    raise ended


def end_staff_session(s: Session, row: StaffSession, now: dt.datetime, reason: str) -> None:
    """End a staff session and the assisted session it was running."""
    row.ended_at = now
    row.end_reason = reason[:40]
    end_assisted_session(s, row.token_sha256, now)


def end_assisted_session(s: Session, session_sha256: str, now: dt.datetime) -> None:
    """End the assisted session still open under the staff session ``session_sha256``."""
    from central.db import AssistedSessionRow

    s.execute(
        update(AssistedSessionRow)
        .where(
            AssistedSessionRow.session_sha256 == session_sha256,
            AssistedSessionRow.ended_at.is_(None),
        )
        .values(ended_at=now)
    )


StaffSessionDep = Annotated[StaffMemberSession, Depends(staff_session)]
