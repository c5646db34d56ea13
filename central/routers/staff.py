"""Mediators and prefecture staff at the central API (issue 7): accounts, sign-in from a
kiosk, lockout, audit log.

Accounts are created by staff (``POST /v1/admin/staff``, or ``kiosk-central staff add``);
PINs and badge secrets are kept as Argon2 hashes. A kiosk signs a person in with its own
token (``POST /v1/staff/sign-in``); the lockout (contract.pin_policy) is kept here, per
account, so another kiosk does not reset it; a try made while locked is refused (429 with
Retry-After) without looking at the PIN. Every try is written to the audit log here; kiosks
report the other events (sign-out, assisted sessions, admin actions) to
``POST /v1/staff/audit``. The log never holds applicant data.
"""

# No `from __future__ import annotations`: FastAPI evaluates the handlers' annotations.

import datetime as dt
import logging
from typing import Annotated, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.db import StaffAccountRow, StaffAuditRow
from central.deps import ADMIN, Central, CentralDep, KioskId
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

SESSION_TIMEOUT_S = 15 * 60
_P: dict[str, Any] = {"model": Problem}


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
    try:
        return c.staff_hasher.verify(stored or c.dummy_pin_hash, secret) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


@router.post(
    f"{API_PREFIX}/staff/sign-in",
    tags=["staff"],
    responses={
        401: {**_P, "description": "Missing, unknown or revoked kiosk token"},
        403: {**_P, "description": "Unknown identifier, or wrong PIN or badge"},
        429: {**_P, "description": "Too many failed tries: wait Retry-After seconds"},
    },
)
def sign_in(body: StaffSignIn, kiosk_id: KioskId, c: CentralDep) -> StaffSignedIn:
    """Sign a mediator or staff member in on a kiosk (identifier + PIN, or badge)."""
    if body.badge is not None:
        parsed = parse_badge_code(body.badge)
        identifier, secret, how = (parsed or ("", ""))[0], (parsed or ("", ""))[1], "badge"
    else:
        identifier, secret, how = body.identifier, body.pin or "", "pin"
    with Session(c.engine) as s, s.begin():
        row = s.get(StaffAccountRow, identifier, with_for_update=True) if identifier else None
        if row is None:
            verify(c, None, secret)
            audit(s, c.now(), identifier or "?", "sign_in_failed", kiosk_id, f"{how}: unknown")
            failure: Exception | None = ProblemError(403, "unknown identifier or wrong PIN")
        else:
            t = c.now()
            wait = DEFAULT_POLICY.retry_after(row.failures, row.last_failure_at, t)
            if wait > 0:
                audit(s, c.now(), row.identifier, "sign_in_failed", kiosk_id, f"{how}: locked")
                failure = ProblemError(
                    429,
                    f"too many failed tries: wait {int(wait + 0.999)} s",
                    headers={"Retry-After": str(int(wait + 0.999))},
                )
            elif verify(c, row.badge_hash if how == "badge" else row.pin_hash, secret):
                row.failures = 0
                row.last_failure_at = None
                audit(s, c.now(), row.identifier, "sign_in", kiosk_id, how)
                log.info("%s signed in on kiosk %s", row.identifier, kiosk_id)
                return StaffSignedIn(
                    identifier=row.identifier,
                    display_name=row.display_name,
                    role=row.role,  # type: ignore[arg-type]
                    session_timeout_s=SESSION_TIMEOUT_S,
                )
            else:
                row.failures += 1
                row.last_failure_at = t
                audit(s, c.now(), row.identifier, "sign_in_failed", kiosk_id, f"{how}: wrong")
                delay = DEFAULT_POLICY.delay_after(row.failures)
                headers = {"Retry-After": str(int(delay + 0.999))} if delay else None
                failure = ProblemError(403, "unknown identifier or wrong PIN", headers=headers)
    # Raised after the commit, so that the failure and its audit entry are kept.
    assert failure is not None
    raise failure


@router.post(
    f"{API_PREFIX}/staff/audit",
    tags=["staff"],
    status_code=204,
    responses={401: {**_P, "description": "Missing, unknown or revoked kiosk token"}},
)
def report(batch: StaffAuditBatch, kiosk_id: KioskId, c: CentralDep) -> None:
    """Events a kiosk reports: sign-out, assisted sessions, admin actions."""
    with Session(c.engine) as s, s.begin():
        for e in batch.entries:
            s.add(
                StaffAuditRow(
                    at=e.at,
                    recorded_at=c.now(),
                    actor=e.actor,
                    action=e.action,
                    kiosk_id=kiosk_id,
                    detail=e.detail,
                )
            )


def _account(row: StaffAccountRow) -> StaffAccount:
    return StaffAccount(
        identifier=row.identifier,
        display_name=row.display_name,
        role=row.role,  # type: ignore[arg-type]
        has_badge=row.badge_hash is not None,
        failures=row.failures,
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
    with Session(c.engine) as s:
        rows = s.scalars(select(StaffAccountRow).order_by(StaffAccountRow.identifier))
        return [_account(r) for r in rows]


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
    with Session(c.engine) as s:
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
