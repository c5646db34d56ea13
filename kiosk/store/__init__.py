"""Qt-free local persistence: encrypted drafts, the outbox of sealed submissions,
audit events and settings, in SQLite (WAL, synchronous=FULL), migrated by Alembic.

PySide6 must never be imported here (import-linter contract in pyproject.toml).
"""

from kiosk.store.crypto import KeyRing
from kiosk.store.errors import (
    CorruptDatabaseError,
    KeyFileError,
    OutboxStateError,
    StoreError,
    TamperedDataError,
    UnknownKeyError,
)
from kiosk.store.store import AuditRecord, DraftData, OutboxEntry, Store

__all__ = [
    "AuditRecord",
    "CorruptDatabaseError",
    "DraftData",
    "KeyFileError",
    "KeyRing",
    "OutboxEntry",
    "OutboxStateError",
    "Store",
    "StoreError",
    "TamperedDataError",
    "UnknownKeyError",
]
