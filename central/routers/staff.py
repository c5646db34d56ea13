"""Mediators and prefecture staff at the central API: accounts, sign-in from a kiosk, the
staff session, the lockout, the audit log (issues 7 and 13).

Accounts are created by staff (``POST /v1/admin/staff``, or ``kiosk-central staff add``);
PINs and badge secrets are kept as Argon2 hashes. A kiosk signs a person in with its own
token (``POST /v1/staff/sign-in``) and receives a **staff session** for that person on that
kiosk; the kiosk sends it (``X-Staff-Session``) with the person's events
(``POST /v1/staff/audit``): sign-out, assisted sessions, admin actions. The server writes who
(from the session) and when (its clock); a mediator's session reports no admin action; the
session ends at sign-out, after ``Settings.staff_session_idle_s`` without use and
``staff_session_max_s`` after sign-in. ``assist_start`` .. ``assist_end`` make an assisted
session of the kiosk, which an application's ``assisted`` block must fall in.

PINs (the policy, in the README): every try is recorded (``staff_sign_in_attempts``) by the
SHA-256 of the identifier given, known or not, so known and unknown identifiers get the same
answers, the same lockout and the same work (one Argon2 verification each). Per identifier,
the delays of :mod:`contract.pin_policy` apply to the failures of the last
``Throttles.sign_in_decay_s`` since the last success (a success resets them, a quiet day
forgets them). Across accounts, ``sign_in_failures_per_kiosk`` and ``..._per_address``
failures per ``sign_in_window_s`` stop a PIN being sprayed over many accounts. A try while
throttled is refused (429, Retry-After) without looking at the PIN. Argon2 runs outside any
transaction: the try is recorded first ("pending", counted as a failure), checked, then its
outcome written.
"""

# No `from __future__ import annotations`: FastAPI evaluates the handlers' annotations.

import datetime as dt
import hashlib
import logging
import math
import secrets
from typing import Annotated, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Query, Request
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from central.db import (
    AssistedSessionRow,
    SignInAttempt,
    StaffAccountRow,
    StaffAuditRow,
    StaffSession,
)
from central.deps import (
    ADMIN,
    Central,
    CentralDep,
    KioskId,
    StaffSessionDep,
    end_assisted_session,
    end_staff_session,
    token_hash,
)
from central.limits import client_address
from central.problems import ProblemError
from contract.badge import parse_badge_code
from contract.pin_policy import DEFAULT_POLICY
from contract.protocol import (
    API_PREFIX,
    Problem,
    StaffAccount,
    StaffAccountCreate,
    StaffAuditBatch,
    StaffAuditEntry,
    StaffSignedIn,
    StaffSignIn,
)

log = logging.getLogger("kiosk.central.staff")

_P: dict[str, Any] = {"model": Problem}
FAILED = ("wrong", "pending")
# Actions only the server writes: a kiosk cannot report them.
SERVER_ACTIONS = frozenset({"sign_in", "sign_in_failed"})
# Actions that end the staff session (a person signed in with a role the kiosk refused).
ENDING_ACTIONS = frozenset({"sign_out", "sign_in_refused_role"})
WRONG = "unknown identifier or wrong PIN"

router = APIRouter()


def audit(
    s: Session, t: dt.datetime, actor: str, action: str, kiosk_id: str | None, detail: str = ""
) -> None:
    s.add(
        StaffAuditRow(
            at=t,
            recorded_at=t,
            actor=actor[:64],
            action=action,
            kiosk_id=kiosk_id,
            detail=detail[:200],
        )
    )


def verify(c: Central, stored: str | None, secret: str) -> bool:
    """Argon2 on the worker's PIN-check threads (:class:`central.deps.PinChecks`)."""

    def check() -> bool:
        try:
            return bool(c.staff_hasher.verify(stored or c.dummy_pin_hash, secret))
        except (VerificationError, InvalidHashError):
            return False

    return c.pin_checks.run(check) and stored is not None


def identifier_key(identifier: str) -> str:
    return hashlib.sha256(identifier.strip().lower().encode("utf-8")).hexdigest()


def account_failures(
    s: Session, c: Central, key: str, now: dt.datetime
) -> tuple[int, dt.datetime | None]:
    """An identifier's failures that still count, and the last one's time."""
    decay = now - dt.timedelta(seconds=c.settings.throttles.sign_in_decay_s)
    last_ok = s.scalar(
        select(func.max(SignInAttempt.at)).where(
            SignInAttempt.identifier_sha256 == key, SignInAttempt.outcome == "ok"
        )
    )
    since = max(decay, last_ok) if last_ok is not None else decay
    count, last = s.execute(
        select(func.count(), func.max(SignInAttempt.at)).where(
            SignInAttempt.identifier_sha256 == key,
            SignInAttempt.outcome.in_(FAILED),
            SignInAttempt.at > since,
        )
    ).one()
    return int(count), last


def _wait(s: Session, c: Central, key: str, kiosk_id: str, address: str, now: dt.datetime) -> float:
    """Seconds before this try may be made (0: now)."""
    t = c.settings.throttles
    failures, last = account_failures(s, c, key, now)
    waits = [DEFAULT_POLICY.retry_after(failures, last, now)]
    window = now - dt.timedelta(seconds=t.sign_in_window_s)
    for column, value, limit in (
        (SignInAttempt.kiosk_id, kiosk_id, t.sign_in_failures_per_kiosk),
        (SignInAttempt.address, address, t.sign_in_failures_per_address),
    ):
        count, first = s.execute(
            select(func.count(), func.min(SignInAttempt.at)).where(
                column == value, SignInAttempt.outcome.in_(FAILED), SignInAttempt.at > window
            )
        ).one()
        if count >= limit and first is not None:
            waits.append((first - window).total_seconds())
    return max(waits)


def _retry_after(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


@router.post(
    f"{API_PREFIX}/staff/sign-in",
    tags=["staff"],
    responses={
        401: {**_P, "description": "Missing, unknown or revoked kiosk token"},
        403: {**_P, "description": "Unknown identifier, or wrong PIN or badge"},
        429: {**_P, "description": "Too many failed tries: wait Retry-After seconds"},
    },
)
def sign_in(body: StaffSignIn, kiosk_id: KioskId, request: Request, c: CentralDep) -> StaffSignedIn:
    """Sign a mediator or staff member in on a kiosk (identifier + PIN, or badge); the
    answer carries the staff session for this person on this kiosk."""
    if body.badge is not None:
        parsed = parse_badge_code(body.badge) or ("", "")
        identifier, secret, how = parsed[0], parsed[1], "badge"
    else:
        identifier, secret, how = body.identifier, body.pin or "", "pin"
    key = identifier_key(identifier)
    address = client_address(request.scope)[:64]
    now = c.now()
    # 1. The try is recorded before the PIN is looked at (short write, no Argon2 inside).
    with Session(c.engine) as s, s.begin():
        if s.bind is not None and s.bind.dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})
        wait = _wait(s, c, key, kiosk_id, address, now)
        if wait <= 0:
            attempt = SignInAttempt(
                identifier_sha256=key, kiosk_id=kiosk_id, address=address, at=now, outcome="pending"
            )
            s.add(attempt)
            s.flush()
            attempt_id = attempt.id
    if wait > 0:
        log.info("sign-in throttled on kiosk %s", kiosk_id)
        raise ProblemError(
            429, f"too many failed tries: wait {math.ceil(wait)} s", headers=_retry_after(wait)
        )
    # 2. The PIN, checked outside any transaction; unknown identifiers cost the same.
    with Session(c.reader) as s:
        row = s.get(StaffAccountRow, identifier) if identifier else None
        stored = None if row is None else (row.badge_hash if how == "badge" else row.pin_hash)
        member = None if row is None else (row.identifier, row.display_name, row.role)
    ok = verify(c, stored, secret) and member is not None
    # 3. The outcome.
    now = c.now()
    with Session(c.engine) as s, s.begin():
        s.execute(
            update(SignInAttempt)
            .where(SignInAttempt.id == attempt_id)
            .values(outcome="ok" if ok else "wrong")
        )
        if ok and member is not None:
            token = secrets.token_urlsafe(32)
            s.add(
                StaffSession(
                    token_sha256=token_hash(token), identifier=member[0], role=member[2],
                    kiosk_id=kiosk_id, created_at=now, last_used_at=now,
                )
            )  # fmt: skip
            audit(s, now, member[0], "sign_in", kiosk_id, how)
        else:
            audit(s, now, identifier or "?", "sign_in_failed", kiosk_id, how)
            failures, _last = account_failures(s, c, key, now)
    if ok and member is not None:
        log.info("%s signed in on kiosk %s", member[0], kiosk_id)
        return StaffSignedIn(
            identifier=member[0],
            display_name=member[1],
            role=member[2],  # type: ignore[arg-type]
            session_timeout_s=c.settings.staff_session_timeout_s,
            session_token=token,
        )
    delay = DEFAULT_POLICY.delay_after(failures)
    raise ProblemError(403, WRONG, headers=_retry_after(delay) if delay else None)


@router.post(
    f"{API_PREFIX}/staff/audit",
    tags=["staff"],
    status_code=204,
    responses={
        401: {**_P, "description": "Missing or refused kiosk token, or no live staff session"},
        403: {**_P, "description": "An admin action from a mediator's session"},
        422: {**_P, "description": "An action only the server writes, or a field it refuses"},
    },
)
def report(batch: StaffAuditBatch, session: StaffSessionDep, c: CentralDep) -> None:
    """Events of the signed-in person (``X-Staff-Session``): sign-out, assisted sessions,
    admin actions. The server writes who and when. ``sign_out`` ends the session;
    ``assist_start`` and ``assist_end`` open and close an assisted session of the kiosk."""
    for e in batch.entries:
        if e.action in SERVER_ACTIONS:
            raise ProblemError(422, f"{e.action!r} is written by the server itself")
        if e.action.startswith("admin_") and session.role != "staff":
            raise ProblemError(403, "a mediator's session cannot report admin actions")
    now = c.now()
    with Session(c.engine) as s, s.begin():
        row = s.get(StaffSession, session.token_sha256)
        for e in batch.entries:
            audit(s, now, session.identifier, e.action, session.kiosk_id, e.detail)
            if e.action in ("assist_start", "assist_end"):
                # An assisted session still open under this sign-in ends (a new one starts
                # on assist_start).
                end_assisted_session(s, session.token_sha256, now)
            if e.action == "assist_start":
                s.add(
                    AssistedSessionRow(
                        session_sha256=session.token_sha256, kiosk_id=session.kiosk_id,
                        mediator_id=session.identifier, started_at=now,
                    )
                )  # fmt: skip
            elif e.action in ENDING_ACTIONS and row is not None:
                end_staff_session(s, row, now, e.detail or e.action)
                break  # nothing after a sign-out


def _account(row: StaffAccountRow, failures: int = 0) -> StaffAccount:
    return StaffAccount(
        identifier=row.identifier,
        display_name=row.display_name,
        role=row.role,  # type: ignore[arg-type]
        has_badge=row.badge_hash is not None,
        failures=failures,
        created_at=row.created_at,
    )


@router.post(
    f"{API_PREFIX}/admin/staff",
    tags=["admin"],
    status_code=201,
    dependencies=ADMIN,
    responses={
        401: {**_P, "description": "Missing or wrong admin token"},
        409: {**_P, "description": "The identifier is taken"},
    },
)
def create_account(body: StaffAccountCreate, c: CentralDep) -> StaffAccount:
    """Create a mediator or staff account (the PIN is kept as an Argon2 hash)."""
    pin_hash = c.staff_hasher.hash(body.pin)
    badge_hash = c.staff_hasher.hash(body.badge_secret) if body.badge_secret else None
    with Session(c.engine) as s, s.begin():
        if s.get(StaffAccountRow, body.identifier) is not None:
            raise ProblemError(409, f"the identifier {body.identifier!r} is taken")
        row = StaffAccountRow(
            identifier=body.identifier,
            display_name=body.display_name,
            role=body.role,
            pin_hash=pin_hash,
            badge_hash=badge_hash,
            failures=0,
            created_at=c.now(),
        )
        s.add(row)
        audit(s, c.now(), "central-admin", "admin_staff_created", None, body.identifier)
        s.flush()
        return _account(row)


@router.get(
    f"{API_PREFIX}/admin/staff",
    tags=["admin"],
    dependencies=ADMIN,
    responses={401: {**_P, "description": "Missing or wrong admin token"}},
)
def list_accounts(c: CentralDep) -> list[StaffAccount]:
    """Every mediator and staff account (never a hash)."""
    with Session(c.reader) as s:
        rows = s.scalars(select(StaffAccountRow).order_by(StaffAccountRow.identifier)).all()
        now = c.now()
        return [
            _account(r, account_failures(s, c, identifier_key(r.identifier), now)[0]) for r in rows
        ]


@router.get(
    f"{API_PREFIX}/admin/staff/audit",
    tags=["admin"],
    dependencies=ADMIN,
    responses={401: {**_P, "description": "Missing or wrong admin token"}},
)
def audit_log(
    c: CentralDep,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[StaffAuditEntry]:
    """The staff audit log, newest first (who, what, when, which kiosk)."""
    with Session(c.reader) as s:
        q = select(StaffAuditRow).order_by(StaffAuditRow.id.desc()).limit(limit)
        if actor is not None:
            q = q.where(StaffAuditRow.actor == actor)
        return [
            StaffAuditEntry(
                at=r.at, actor=r.actor, action=r.action, kiosk_id=r.kiosk_id, detail=r.detail
            )
            for r in s.scalars(q)
        ]


# --- kiosk-central staff ... ------------------------------------------------------------------


def cli(argv: list[str]) -> int:
    """``kiosk-central staff add|list``: manage accounts in the central database directly
    (the admin API's ``POST /v1/admin/staff`` does the same over HTTP). The PIN is read
    from standard input (or asked without echo), never from the command line."""
    import argparse
    import getpass
    import os
    import sys
    from pathlib import Path

    from pydantic import ValidationError

    from central.db import make_engine, migrate
    from contract.badge import make_badge_code
    from contract.protocol import StaffAccountCreate

    p = argparse.ArgumentParser(prog="kiosk-central staff", description=cli.__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("add", "list"):
        c = sub.add_parser(name)
        c.add_argument("--data-dir", type=Path, required=True)
        c.add_argument(
            "--database-url", default=os.environ.get("KIOSK_CENTRAL_DATABASE_URL"),
            help="as for kiosk-central (default: SQLite in --data-dir)",
        )  # fmt: skip
    add = sub.choices["add"]
    add.add_argument("--identifier", required=True, help="e.g. med-0042")
    add.add_argument("--name", required=True, help="shown on the assisted-session banner")
    add.add_argument("--role", choices=["mediator", "staff"], default="mediator")
    add.add_argument("--pin-stdin", action="store_true", help="read the PIN from stdin")
    add.add_argument("--badge", type=Path, help="also make a badge: write its QR code (PNG)")
    args = p.parse_args(argv)
    url = args.database_url or f"sqlite:///{args.data_dir / 'central.db'}"
    args.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = make_engine(url)
    migrate(engine)
    try:
        if args.command == "list":
            with Session(engine) as s:
                for row in s.scalars(select(StaffAccountRow).order_by(StaffAccountRow.identifier)):
                    print(f"{row.identifier}\t{row.role}\t{row.display_name}")
            return 0
        if args.pin_stdin:
            pin = sys.stdin.readline().strip()
        else:
            pin = getpass.getpass("PIN (6 digits or more): ")
            if getpass.getpass("PIN again: ") != pin:
                print("kiosk-central staff: the two PINs differ", file=sys.stderr)
                return 2
        badge = make_badge_code(args.identifier) if args.badge else None
        try:
            body = StaffAccountCreate(
                identifier=args.identifier,
                display_name=args.name,
                role=args.role,
                pin=pin,
                badge_secret=badge.split(":")[2] if badge else None,
            )
        except ValidationError as exc:  # never echo the input: it may be the PIN
            for err in exc.errors(include_input=False):
                field = ".".join(str(x) for x in err["loc"])
                print(f"kiosk-central staff: {field}: {err['msg']}", file=sys.stderr)
            return 2
        ph = PasswordHasher()
        now = dt.datetime.now(dt.UTC)
        with Session(engine) as s, s.begin():
            if s.get(StaffAccountRow, body.identifier) is not None:
                print(f"kiosk-central staff: {body.identifier!r} exists", file=sys.stderr)
                return 1
            s.add(
                StaffAccountRow(
                    identifier=body.identifier, display_name=body.display_name, role=body.role,
                    pin_hash=ph.hash(body.pin),
                    badge_hash=ph.hash(body.badge_secret) if body.badge_secret else None,
                    failures=0, created_at=now,
                )
            )  # fmt: skip
            s.add(
                StaffAuditRow(
                    at=now, recorded_at=now, actor="central-cli", action="admin_staff_created",
                    kiosk_id=None, detail=body.identifier,
                )
            )  # fmt: skip
        if badge and args.badge:
            import qrcode

            qrcode.make(badge).save(str(args.badge))
            args.badge.chmod(0o600)
            print(f"badge QR code written to {args.badge} (keep it like a key)")
        print(f"{body.role} {body.identifier} created")
        return 0
    finally:
        engine.dispose()
