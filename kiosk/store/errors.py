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
