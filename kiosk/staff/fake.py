"""A staff directory in memory for tests and ``--fake-devices`` demos: same contract and
lockout policy as the central API, audit in a :class:`MemoryAuditLog`. Secrets are kept as
salted scrypt hashes (the standard library's: the kiosk installs no Argon2, which only the
central API needs)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from contract.badge import parse_badge_code
from contract.pin_policy import DEFAULT_POLICY, ThrottlePolicy
from kiosk.staff import (
    SIGN_IN,
    SIGN_IN_FAILED,
    AuditLog,
    MemoryAuditLog,
    Role,
    SignInRefused,
    StaffMember,
    utcnow,
    valid_pin,
)


class ScryptHasher:
    """``hash(secret)`` / ``verify(stored, secret)``, with cheap parameters: tests hash
    many times (the central API uses Argon2 with its library's defaults)."""

    def __init__(self, n: int = 2**10, r: int = 8, p: int = 1) -> None:
        self.n, self.r, self.p = n, r, p

    def _derive(self, secret: str, salt: bytes) -> bytes:
        return hashlib.scrypt(secret.encode(), salt=salt, n=self.n, r=self.r, p=self.p)

    def hash(self, secret: str) -> str:
        salt = os.urandom(16)
        return f"{salt.hex()}${self._derive(secret, salt).hex()}"

    def verify(self, stored: str, secret: str) -> bool:
        salt, _, digest = stored.partition("$")
        try:
            expected = bytes.fromhex(digest)
            derived = self._derive(secret, bytes.fromhex(salt))
        except ValueError:
            return False
        return hmac.compare_digest(derived, expected)


FAST_HASHER = ScryptHasher()


@dataclass
class _Account:
    member: StaffMember
    pin_hash: str
    badge_hash: str | None = None
    failures: int = 0
    last_failure: dt.datetime | None = None


class FakeStaffDirectory:
    def __init__(
        self,
        *,
        audit: AuditLog | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        policy: ThrottlePolicy = DEFAULT_POLICY,
        hasher: ScryptHasher = FAST_HASHER,
        available: bool = True,
    ) -> None:
        self.audit = audit if audit is not None else MemoryAuditLog()
        self.clock = clock
        self.policy = policy
        self.hasher = hasher
        self.available = available  # False: behaves as if the central API were down
        self.calls = 0
        self._accounts: dict[str, _Account] = {}
        self._lock = threading.Lock()

    def add(
        self,
        identifier: str,
        pin: str,
        display_name: str,
        role: Role = Role.MEDIATOR,
        badge_secret: str | None = None,
    ) -> StaffMember:
        if not valid_pin(pin):
            raise ValueError("a PIN has 6 digits at least")
        member = StaffMember(identifier, display_name, role)
        badge = self.hasher.hash(badge_secret) if badge_secret else None
        self._accounts[identifier] = _Account(member, self.hasher.hash(pin), badge)
        return member

    def sign_in(self, identifier: str, pin: str) -> StaffMember:
        return self._check(identifier.strip(), pin, badge=False)

    def sign_in_badge(self, code: str) -> StaffMember:
        parsed = parse_badge_code(code)
        if parsed is None:
            raise SignInRefused("wrong", detail="not a staff badge")
        return self._check(parsed[0], parsed[1], badge=True)

    def _check(self, identifier: str, secret: str, *, badge: bool) -> StaffMember:
        self.calls += 1
        if not self.available:
            raise SignInRefused("unavailable", detail="the central API cannot be reached")
        how = "badge" if badge else "pin"
        with self._lock:
            now = self.clock()
            account = self._accounts.get(identifier)
            if account is None:
                self.audit.record(identifier[:64], SIGN_IN_FAILED, detail=f"{how}: unknown")
                raise SignInRefused("wrong")
            wait = self.policy.retry_after(account.failures, account.last_failure, now)
            if wait > 0:
                self.audit.record(identifier, SIGN_IN_FAILED, detail=f"{how}: locked")
                raise SignInRefused("locked", retry_after_s=wait)
            stored = account.badge_hash if badge else account.pin_hash
            ok = stored is not None and self.hasher.verify(stored, secret)
            if not ok:
                account.failures += 1
                account.last_failure = now
                self.audit.record(identifier, SIGN_IN_FAILED, detail=f"{how}: wrong")
                delay = self.policy.delay_after(account.failures)
                raise SignInRefused("wrong", retry_after_s=delay or None)
            account.failures = 0
            account.last_failure = None
            self.audit.record(identifier, SIGN_IN, detail=how)
            return account.member
