"""Qt-free local persistence: encrypted drafts and scanned pages, the outbox of sealed submissions,
audit events and settings, in SQLite (WAL, synchronous=FULL), migrated by Alembic.

PySide6 must never be imported here (import-linter contract in pyproject.toml).
"""

from kiosk.store.crypto import KeyRing
from kiosk.store.errors import (
    CorruptDatabaseError,
    KeyFileError,
    OutboxStateError,
    ResumeCodeInUseError,
    ResumeError,
    ResumeThrottledError,
    StoreError,
    TamperedDataError,
    UnknownKeyError,
)
from kiosk.store.store import (
    AttachmentInfo,
    AuditRecord,
    DraftData,
    OutboxEntry,
    PageData,
    Store,
    sniff_content_type,
)

__all__ = [
    "AttachmentInfo",
    "AuditRecord",
    "CorruptDatabaseError",
    "DraftData",
    "KeyFileError",
    "KeyRing",
    "OutboxEntry",
    "OutboxStateError",
    "PageData",
    "ResumeCodeInUseError",
    "ResumeError",
    "ResumeThrottledError",
    "Store",
    "StoreError",
    "TamperedDataError",
    "UnknownKeyError",
    "sniff_content_type",
]
