"""Mediators and prefecture staff, Qt-free: who they are, how they sign in, what is audited.

Applicants never sign in. Mediators and staff sign in on a kiosk with their identifier and a
PIN (6 digits at least), or with their badge (a QR code shown to the camera). Accounts live
on the central API (staff create them with ``kiosk-central staff add``); the kiosk asks the
central API with its kiosk token (:class:`kiosk.staff.central.CentralStaffDirectory`), and the
central API enforces the lockout per account (:mod:`contract.pin_policy`), so walking to
another kiosk does not reset it. Without the network, sign-in is refused: no PIN hash is kept
on a kiosk, because a stolen kiosk disk would let anyone try the million 6-digit PINs
offline in minutes, Argon2 or not.

Every sign-in (ok or failed), sign-out, assisted session and admin action goes to the audit
log (who, what, when, which kiosk; never applicant data), kept by the central API. The
central API decides who did what: sign-in gives a staff session, which the kiosk sends with
the person's events; the server writes the actor and the time from it.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

MIN_PIN_DIGITS = 6


class Role(StrEnum):
    MEDIATOR = "mediator"
    STAFF = "staff"  # prefecture staff: admin mode (a staff member may also assist)


@dataclass(frozen=True)
class StaffMember:
    identifier: str  # e.g. "med-0042"; never a PIN
    display_name: str  # shown on the assisted banner
    role: Role
    # The central API's staff session for this person on this kiosk (a bearer secret: never
    # shown, logged or compared); "" from the fake directory.
    session: str = field(default="", repr=False, compare=False)


class SignInRefused(Exception):
    """``reason``: "wrong" (identifier or PIN), "locked" (wait ``retry_after_s``),
    "unavailable" (the central API cannot be reached), "role" (not allowed here)."""

    def __init__(self, reason: str, retry_after_s: float | None = None, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.retry_after_s = retry_after_s
        self.detail = detail


class StaffDirectory(Protocol):
    """Blocking: call it on a worker (TaskRunner), never on the GUI thread."""

    def sign_in(self, identifier: str, pin: str) -> StaffMember: ...  # raises SignInRefused

    def sign_in_badge(self, code: str) -> StaffMember: ...  # raises SignInRefused


# Actions written to the audit log.
SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_OUT = "sign_out"
ASSIST_START = "assist_start"
ASSIST_END = "assist_end"


class AuditLog(Protocol):
    """who, what, when, which kiosk; NEVER applicant data. Actions: "sign_in",
    "sign_in_failed", "sign_out", "assist_start", "assist_end", "admin_<verb>".
    ``record`` never blocks on the network (entries wait locally until delivered)."""

    def record(self, actor: str, action: str, *, detail: str = "") -> None: ...


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    actor: str
    action: str
    detail: str = ""
    kiosk_id: str = ""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class MemoryAuditLog:
    """An audit log in memory (tests, and the kiosk without a central API)."""

    kiosk_id: str = "kiosk-test"
    clock: object = field(default=utcnow)
    entries: list[AuditEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def record(self, actor: str, action: str, *, detail: str = "") -> None:
        now = self.clock()  # type: ignore[operator]
        with self._lock:
            self.entries.append(AuditEntry(now, actor, action, detail, self.kiosk_id))

    def recent(self, limit: int = 200) -> list[AuditEntry]:
        """The newest entries first (the diagnostics export)."""
        with self._lock:
            return list(reversed(self.entries[-limit:]))

    def actions(self, actor: str | None = None) -> list[str]:
        with self._lock:
            return [e.action for e in self.entries if actor is None or e.actor == actor]


def valid_pin(pin: str) -> bool:
    return len(pin) >= MIN_PIN_DIGITS and pin.isascii() and pin.isdigit()


__all__ = [
    "ASSIST_END",
    "ASSIST_START",
    "MIN_PIN_DIGITS",
    "SIGN_IN",
    "SIGN_IN_FAILED",
    "SIGN_OUT",
    "AuditEntry",
    "AuditLog",
    "MemoryAuditLog",
    "Role",
    "SignInRefused",
    "StaffDirectory",
    "StaffMember",
    "valid_pin",
]
