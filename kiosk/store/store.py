"""The kiosk's local store: one SQLite database (:mod:`kiosk.store.database`) and the
repositories over it, each with its own part of the data:

- ``store.drafts`` (:class:`Drafts`): answers being filled in, encrypted;
- ``store.pages`` (:class:`Pages`): scanned pages of a draft, encrypted;
- ``store.resume_codes`` (:class:`ResumeCodes`): drafts saved for later and resumed;
- ``store.outbox`` (:class:`Outbox`): sealed applications and pages for the central API;
- ``store.audit_trail`` (:class:`AuditTrail`): what happened, without personal data;
- ``store.settings`` (:class:`LocalSettings`): small non-secret state (the sync alert).

Threading: the store may be used from any thread, one call at a time per thread; nothing
here touches Qt. In the kiosk application the store opens in the background
(:class:`kiosk.store.deferred.DeferredStore`) and is used from the task runner's worker.

Privacy: answers and scanned pages are encrypted with the kiosk key before they reach
SQLite; submitted applications and their pages arrive already sealed to the central API's
public key and are opaque here; enqueueing wipes the clear draft and pages in the same
transaction. Error messages, audit events and ``repr`` of the returned snapshots never
carry personal data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from kiosk.store.audit import AuditTrail
from kiosk.store.crypto import KeyRing
from kiosk.store.database import MIGRATIONS_DIR, Database, check_integrity
from kiosk.store.drafts import Drafts
from kiosk.store.local_settings import LocalSettings
from kiosk.store.outbox import Outbox
from kiosk.store.pages import Pages
from kiosk.store.resume import ResumeCodes

__all__ = ["MIGRATIONS_DIR", "Store", "check_integrity"]  # where kiosk-health looks for them


class Store:
    """Local persistence for one kiosk. Open with :meth:`Store.open`."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.drafts = Drafts(database)
        self.pages = Pages(database)
        self.resume_codes = ResumeCodes(database, self.drafts)
        self.outbox = Outbox(database)
        self.audit_trail = AuditTrail(database)
        self.settings = LocalSettings(database)

    @classmethod
    def open(cls, data_dir: Path, *, key_path: Path | None = None) -> Store:
        """Open (creating if needed) the store in ``data_dir`` (see :meth:`Database.open`:
        a damaged database is refused, untouched)."""
        return cls(Database.open(data_dir, key_path=key_path))

    @property
    def keyring(self) -> KeyRing:
        return self.database.keyring

    @property
    def db_path(self) -> Path:
        return self.database.db_path

    def rekey(self) -> int:
        """Re-encrypt every draft and scanned page not under the current key, in one
        transaction; returns how many records. Run after ``keyring.rotate()``; afterwards
        the retired key files may go."""
        with self.database.tx() as session:
            return self.drafts.rekey_in(session) + self.pages.rekey_in(session)

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file and truncate it."""
        self.database.checkpoint()

    def close(self) -> None:
        """Close every connection (the last one checkpoints the WAL). Idempotent."""
        self.database.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
