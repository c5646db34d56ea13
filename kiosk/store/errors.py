"""Errors raised by the store. Every one is a :class:`StoreError`.

Messages never contain personal data: only paths, ids, states and counts.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class: something is wrong with the kiosk's local storage."""


class CorruptDatabaseError(StoreError):
    """The database file failed its integrity check; the kiosk must not run on it."""


class KeyFileError(StoreError):
    """A key file is missing, malformed or readable by others."""


class UnknownKeyError(StoreError):
    """Data was encrypted under a key this kiosk does not have (any more)."""


class TamperedDataError(StoreError):
    """Encrypted data failed authentication: modified, truncated or moved to another record."""


class OutboxStateError(StoreError):
    """An outbox transition that makes no sense (unknown application, or a move out of
    the terminal 'acknowledged' state)."""


class ResumeError(StoreError):
    """No draft for this resume code and date of birth. One error for a wrong code, a
    wrong date of birth or an expired draft: it must not tell which."""


class ResumeThrottledError(StoreError):
    """Too many failed resume tries on this kiosk: wait ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed resume tries: wait {retry_after_s} s")
        self.retry_after_s = retry_after_s


class ResumeCodeInUseError(StoreError):
    """Another draft already has this resume code (draw another one)."""
