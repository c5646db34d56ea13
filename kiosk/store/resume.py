"""Drafts saved for later: reopened with a short resume code and the date of birth.

Nothing that identifies the applicant is stored in clear. For a draft saved with code
``C`` and date of birth ``D``:

- ``resume_lookup`` = HMAC-SHA256(lookup key, C): finds the draft without scanning;
- ``resume_hash`` = scrypt(HMAC-SHA256(verify key, C | D), per-draft salt, n=2**14, r=8,
  p=1): checks the code *and* the date of birth, slowly;
- both keys are derived from a resume key file beside the kiosk key (``resume.key``,
  0600), so that neither the database alone nor a stolen copy of it allows guessing
  codes; the kiosk key can be rotated without losing saved drafts.

``resume`` raises :class:`ResumeError` for a wrong code, a wrong date of birth or an
expired draft alike, and spends the same scrypt time in every case. After
``FREE_FAILURES`` consecutive failures on the kiosk, each try must wait: 30 s, then twice
as long after each further failure (at most an hour); a success resets the count, and
so does a day without failures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy import exc as sa_exc

from kiosk.store.crypto import KeyRing
from kiosk.store.database import Repository, Transactions
from kiosk.store.drafts import Drafts
from kiosk.store.errors import (
    ResumeCodeInUseError,
    ResumeError,
    ResumeThrottledError,
    StoreError,
)
from kiosk.store.models import Draft, ResumeThrottle
from kiosk.store.records import DraftData, aware

RESUME_KEY_FILENAME = "resume.key"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_SIZE = 16
FREE_FAILURES = 5
FIRST_DELAY_S = 30
MAX_DELAY_S = 3600
FAILURES_FORGOTTEN_AFTER = dt.timedelta(days=1)
_SCOPE = "kiosk"
_DUMMY_SALT = b"\x00" * SALT_SIZE


def throttle_delay_s(failures: int) -> int:
    """Seconds to wait after ``failures`` consecutive failures (0 below FREE_FAILURES)."""
    if failures < FREE_FAILURES:
        return 0
    return min(FIRST_DELAY_S * 2 ** (failures - FREE_FAILURES), MAX_DELAY_S)


def _canonical_code(code: str) -> str:
    canonical = "".join(code.split()).replace("-", "").upper()
    if not canonical or len(canonical) > 32:
        raise ValueError("a resume code is 1 to 32 characters")
    return canonical


def _iso_date(birth_date: dt.date | str) -> str:
    if isinstance(birth_date, dt.datetime):
        raise TypeError("birth_date must be a date, not a datetime")
    if isinstance(birth_date, dt.date):
        return birth_date.isoformat()
    return dt.date.fromisoformat(birth_date).isoformat()


class ResumeCodes(Repository):
    """Drafts saved for later, and resumed (``store.resume_codes``)."""

    def __init__(self, db: Transactions, drafts: Drafts) -> None:
        super().__init__(db)
        self._drafts = drafts
        self._resume_ring: KeyRing | None = None

    # --- keys and hashes ------------------------------------------------------------
    def _resume_keys(self) -> tuple[bytes, bytes]:
        if self._resume_ring is None:
            path = Path(self._db.keyring.path).with_name(RESUME_KEY_FILENAME)
            self._resume_ring = KeyRing.open(path)
        ring = self._resume_ring
        return ring.derive_key("resume lookup v1"), ring.derive_key("resume verify v1")

    def _lookup(self, code: str) -> str:
        lookup_key, _ = self._resume_keys()
        return hmac.new(lookup_key, code.encode("ascii", "replace"), "sha256").hexdigest()

    def _verifier(self, code: str, birth_date: str, salt: bytes) -> bytes:
        _, verify_key = self._resume_keys()
        secret = hmac.new(verify_key, f"{code}|{birth_date}".encode(), "sha256").digest()
        return hashlib.scrypt(
            secret, salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=64 * 1024 * 1024, dklen=32
        )

    # --- saving -----------------------------------------------------------------------
    def save(
        self, uuid: str, code: str, birth_date: dt.date | str, expires_at: dt.datetime
    ) -> None:
        """Let the existing draft ``uuid`` be resumed with ``code`` and ``birth_date``
        until ``expires_at`` (then it is deleted). Saving again replaces the code.
        Raises ResumeCodeInUseError if another draft has this code."""
        code = _canonical_code(code)
        iso = _iso_date(birth_date)
        expires_at = aware("expires_at", expires_at)
        salt = secrets.token_bytes(SALT_SIZE)
        verifier = self._verifier(code, iso, salt)
        lookup = self._lookup(code)
        try:
            with self._db.tx() as session:
                draft = session.get(Draft, uuid)
                if draft is None:
                    raise StoreError(f"cannot save draft {uuid} for later: there is no such draft")
                taken = session.scalar(
                    select(Draft.uuid).where(Draft.resume_lookup == lookup, Draft.uuid != uuid)
                )
                if taken is not None:
                    raise ResumeCodeInUseError("this resume code is taken: draw another one")
                draft.resume_lookup = lookup
                draft.resume_hash = verifier
                draft.resume_salt = salt
                draft.expires_at = expires_at
        except sa_exc.IntegrityError as exc:  # pragma: no cover - a concurrent save
            raise ResumeCodeInUseError("this resume code is taken: draw another one") from exc

    # --- resuming -----------------------------------------------------------------------
    def resume(self, code: str, birth_date: dt.date | str, now: dt.datetime) -> DraftData:
        """The draft saved with ``code`` and ``birth_date``.

        Raises ResumeThrottledError while this kiosk must wait after failed tries, and
        ResumeError (the same, whatever was wrong) if no unexpired draft matches."""
        now = aware("now", now)
        with self._db.tx() as session:
            throttle = session.get(ResumeThrottle, _SCOPE)
            if throttle is not None and throttle.locked_until is not None:
                if throttle.locked_until > now:
                    wait = (throttle.locked_until - now).total_seconds()
                    raise ResumeThrottledError(max(1, int(wait + 0.999)))
        try:
            canonical = _canonical_code(code)
            iso = _iso_date(birth_date)
        except (ValueError, TypeError):
            canonical, iso = "", ""
        found: tuple[str, bytes, bytes, dt.datetime | None] | None = None
        if canonical:
            lookup = self._lookup(canonical)
            with self._db.tx() as session:
                row = session.execute(
                    select(
                        Draft.uuid, Draft.resume_hash, Draft.resume_salt, Draft.expires_at
                    ).where(Draft.resume_lookup == lookup)
                ).first()
                if row is not None and row[1] is not None and row[2] is not None:
                    found = (row[0], row[1], row[2], row[3])
        # Always one scrypt, so that a wrong code takes as long as a wrong date of birth.
        salt = found[2] if found is not None else _DUMMY_SALT
        candidate = self._verifier(canonical, iso, salt)
        ok = (
            found is not None
            and bool(canonical and iso)
            and hmac.compare_digest(candidate, found[1])
            and (found[3] is None or found[3] > now)
        )
        if found is not None and found[3] is not None and found[3] <= now:
            self._delete_expired(found[0])
        if not ok:
            self._record_failure(now)
            raise ResumeError("no saved draft for this code and date of birth")
        assert found is not None
        self._reset_failures()
        draft = self._drafts.load(found[0])
        if draft is None:  # pragma: no cover - deleted between the two transactions
            raise ResumeError("no saved draft for this code and date of birth")
        return draft

    def _record_failure(self, now: dt.datetime) -> None:
        with self._db.tx() as session:
            throttle = session.get(ResumeThrottle, _SCOPE)
            if throttle is None:
                throttle = ResumeThrottle(scope=_SCOPE, failures=0)
                session.add(throttle)
            last = throttle.last_failure_at
            if last is not None and now - last > FAILURES_FORGOTTEN_AFTER:
                throttle.failures = 0
            throttle.failures += 1
            throttle.last_failure_at = now
            delay = throttle_delay_s(throttle.failures)
            throttle.locked_until = now + dt.timedelta(seconds=delay) if delay else None

    def _reset_failures(self) -> None:
        with self._db.tx() as session:
            session.execute(delete(ResumeThrottle).where(ResumeThrottle.scope == _SCOPE))

    def _delete_expired(self, uuid: str) -> None:
        self._drafts.delete(uuid)

    def failures(self) -> int:
        """Consecutive failed resume tries on this kiosk (for staff diagnostics)."""
        with self._db.tx() as session:
            throttle = session.get(ResumeThrottle, _SCOPE)
            return 0 if throttle is None else throttle.failures
