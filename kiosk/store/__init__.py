"""Qt-free local persistence: encrypted drafts and scanned pages, the outbox of sealed submissions,
audit events and settings, in SQLite (WAL, synchronous=FULL), migrated by Alembic.
:class:`Store` is one database with a repository for each (see :mod:`kiosk.store.store`).

PySide6 must never be imported here (import-linter contract in pyproject.toml).

The names below are loaded on first use: SQLAlchemy and Alembic take about a second to
import, and the kiosk imports ``kiosk.store.deferred`` on the GUI thread before its first
paint (the store itself opens on a thread of its own).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.store.audit import AuditTrail
    from kiosk.store.crypto import KeyRing
    from kiosk.store.database import Database
    from kiosk.store.deferred import DeferredStore
    from kiosk.store.drafts import Drafts
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
    from kiosk.store.local_settings import LocalSettings
    from kiosk.store.outbox import Outbox
    from kiosk.store.pages import Pages
    from kiosk.store.records import (
        AttachmentInfo,
        AuditRecord,
        DraftData,
        OutboxEntry,
        PageData,
        sniff_content_type,
    )
    from kiosk.store.resume import ResumeCodes
    from kiosk.store.store import Store

_WHERE = {
    "AttachmentInfo": "records",
    "AuditRecord": "records",
    "AuditTrail": "audit",
    "CorruptDatabaseError": "errors",
    "Database": "database",
    "DeferredStore": "deferred",
    "DraftData": "records",
    "Drafts": "drafts",
    "KeyFileError": "errors",
    "KeyRing": "crypto",
    "LocalSettings": "local_settings",
    "Outbox": "outbox",
    "OutboxEntry": "records",
    "OutboxStateError": "errors",
    "PageData": "records",
    "Pages": "pages",
    "ResumeCodeInUseError": "errors",
    "ResumeCodes": "resume",
    "ResumeError": "errors",
    "ResumeThrottledError": "errors",
    "Store": "store",
    "StoreError": "errors",
    "TamperedDataError": "errors",
    "UnknownKeyError": "errors",
    "sniff_content_type": "records",
}

__all__ = [
    "AttachmentInfo",
    "AuditRecord",
    "AuditTrail",
    "CorruptDatabaseError",
    "Database",
    "DeferredStore",
    "DraftData",
    "Drafts",
    "KeyFileError",
    "KeyRing",
    "LocalSettings",
    "Outbox",
    "OutboxEntry",
    "OutboxStateError",
    "PageData",
    "Pages",
    "ResumeCodeInUseError",
    "ResumeCodes",
    "ResumeError",
    "ResumeThrottledError",
    "Store",
    "StoreError",
    "TamperedDataError",
    "UnknownKeyError",
    "sniff_content_type",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
