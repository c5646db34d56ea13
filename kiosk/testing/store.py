"""The kiosk's store in memory: the same repositories as :class:`kiosk.store.Store`
(``drafts``, ``pages``, ``resume_codes``, ``outbox``, ``audit_trail``, ``settings``), the
same checks and answers (:mod:`kiosk.store.records`), nothing encrypted and nothing on disk.

Each repository also records what it was asked, for tests to look at: the drafts and pages
are read-only mappings of what they hold, and ``MemoryStore.threads`` names the threads
that wrote (the GUI thread never must). The outbox follows :func:`kiosk.store.records.is_due`
and passes the same contract test as the SQLite outbox (tests/unit/store/test_outbox_contract.py).

Thread-safe: one lock for the whole store, as one SQLite transaction at a time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from contract.states import OutboxState
from kiosk.store.errors import (
    OutboxStateError,
    ResumeCodeInUseError,
    ResumeError,
    StoreError,
)
from kiosk.store.records import (
    MAX_ERROR_LENGTH,
    OUTBOX_STATES,
    AuditRecord,
    DraftData,
    OutboxEntry,
    PageData,
    aware,
    bounded_text,
    canonical_reference,
    check_draft,
    check_enqueue,
    check_event,
    check_page,
    is_due,
    new_entry,
    new_local_reference,
)


@dataclass
class _Draft:
    procedure_id: str | None
    language: str
    answers: dict[str, str]
    updated_at: dt.datetime
    resume: tuple[str, str, dt.datetime] | None = None  # code, birth date, expiry


class _Part:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._lock = store.lock

    def _wrote(self) -> None:
        self._store.threads.add(threading.current_thread().name)


class MemoryDrafts(_Part, Mapping[str, dict[str, str]]):
    """``store.drafts``; as a mapping: application UUID -> the saved answers."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store)
        self._drafts: dict[str, _Draft] = {}
        self.saves: list[tuple[str, str | None, str, dict[str, str]]] = []
        self.deleted: list[str] = []

    # the mapping view
    def __getitem__(self, uuid: str) -> dict[str, str]:
        with self._lock:
            return dict(self._drafts[uuid].answers)

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._drafts))

    def __len__(self) -> int:
        with self._lock:
            return len(self._drafts)

    # the repository
    def save(
        self,
        uuid: str,
        procedure_id: str | None,
        language: str,
        answers: dict[str, str],
        now: dt.datetime,
    ) -> None:
        now = check_draft(uuid, procedure_id, language, answers, now)
        with self._lock:
            self._wrote()
            self.saves.append((uuid, procedure_id, language, dict(answers)))
            if uuid in self._store.outbox.entries:
                return
            old = self._drafts.get(uuid)
            resume = old.resume if old is not None else None
            self._drafts[uuid] = _Draft(procedure_id, language, dict(answers), now, resume)

    def load(self, uuid: str) -> DraftData | None:
        with self._lock:
            draft = self._drafts.get(uuid)
            if draft is None:
                return None
            return DraftData(
                uuid, draft.procedure_id, draft.language, dict(draft.answers), draft.updated_at
            )

    def delete(self, uuid: str) -> None:
        with self._lock:
            self._wrote()
            self.deleted.append(uuid)
            self._drafts.pop(uuid, None)
            self._store.pages.forget(uuid)

    def _purge(self, doomed: list[str]) -> int:
        for uuid in doomed:
            del self._drafts[uuid]
            self._store.pages.forget(uuid)
        return len(doomed)

    def purge_older_than(self, older_than: dt.datetime) -> int:
        older_than = aware("older_than", older_than)
        with self._lock:
            return self._purge([u for u, d in self._drafts.items() if d.updated_at < older_than])

    def purge_unsaved(self) -> int:
        with self._lock:
            return self._purge([u for u, d in self._drafts.items() if d.resume is None])

    def purge_expired(self, now: dt.datetime) -> int:
        now = aware("now", now)
        with self._lock:
            return self._purge(
                [u for u, d in self._drafts.items() if d.resume is not None and d.resume[2] <= now]
            )


class MemoryPages(_Part, Mapping[tuple[str, str, int], bytes]):
    """``store.pages``; as a mapping: (application UUID, document, page) -> the bytes."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store)
        self._pages: dict[tuple[str, str, int], tuple[str, bytes, dt.datetime]] = {}

    def __getitem__(self, key: tuple[str, str, int]) -> bytes:
        with self._lock:
            return self._pages[key][1]

    def __iter__(self) -> Iterator[tuple[str, str, int]]:
        with self._lock:
            return iter(list(self._pages))

    def __len__(self) -> int:
        with self._lock:
            return len(self._pages)

    def add(
        self,
        app_uuid: str,
        document_id: str,
        page_no: int,
        data: bytes,
        now: dt.datetime,
        *,
        content_type: str | None = None,
    ) -> bool:
        content_type = check_page(app_uuid, document_id, page_no, data, content_type)
        now = aware("now", now)
        with self._lock:
            self._wrote()
            if app_uuid in self._store.outbox.entries:
                return False
            self._pages[(app_uuid, document_id, page_no)] = (content_type, data, now)
            return True

    def of(self, app_uuid: str) -> list[PageData]:
        with self._lock:
            return [
                PageData(uuid, document_id, page_no, content_type, data, created_at)
                for (uuid, document_id, page_no), (content_type, data, created_at) in sorted(
                    self._pages.items()
                )
                if uuid == app_uuid
            ]

    def delete(
        self, app_uuid: str, document_id: str | None = None, page_no: int | None = None
    ) -> int:
        if page_no is not None and document_id is None:
            raise ValueError("page_no needs document_id")
        with self._lock:
            self._wrote()
            doomed = [
                key
                for key in self._pages
                if key[0] == app_uuid
                and document_id in (None, key[1])
                and page_no in (None, key[2])
            ]
            for key in doomed:
                del self._pages[key]
            return len(doomed)

    def forget(self, app_uuid: str) -> None:
        """Every page of an application (its draft went)."""
        for key in [k for k in self._pages if k[0] == app_uuid]:
            del self._pages[key]


class MemoryResumeCodes(_Part):
    """``store.resume_codes``: codes kept in clear (no scrypt: tests run fast)."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store)
        self.tries: list[str] = []
        self._failures = 0

    def save(
        self, uuid: str, code: str, birth_date: dt.date | str, expires_at: dt.datetime
    ) -> None:
        expires_at = aware("expires_at", expires_at)
        canonical = "".join(code.split()).replace("-", "").upper()
        birth = birth_date.isoformat() if isinstance(birth_date, dt.date) else str(birth_date)
        with self._lock:
            self._wrote()
            drafts = self._store.drafts._drafts
            if uuid not in drafts:
                raise StoreError(f"cannot save draft {uuid} for later: there is no such draft")
            for other, draft in drafts.items():
                if other != uuid and draft.resume is not None and draft.resume[0] == canonical:
                    raise ResumeCodeInUseError("this resume code is taken: draw another one")
            drafts[uuid].resume = (canonical, birth, expires_at)

    def resume(self, code: str, birth_date: dt.date | str, now: dt.datetime) -> DraftData:
        """Like :meth:`kiosk.store.resume.ResumeCodes.resume`: one error whatever is wrong."""
        now = aware("now", now)
        canonical = "".join(code.split()).replace("-", "").upper()
        birth = birth_date.isoformat() if isinstance(birth_date, dt.date) else str(birth_date)
        with self._lock:
            self.tries.append(code)
            for uuid, draft in self._store.drafts._drafts.items():
                if draft.resume is not None and draft.resume[0] == canonical:
                    if draft.resume[1] == birth and draft.resume[2] > now:
                        self._failures = 0
                        found = self._store.drafts.load(uuid)
                        assert found is not None
                        return found
            self._failures += 1
        raise ResumeError("no saved draft for this code and date of birth")

    def failures(self) -> int:
        with self._lock:
            return self._failures


class MemoryOutbox(_Part):
    """``store.outbox``: the SQLite outbox's states, checks and order, in memory.

    ``entries`` (UUID -> :class:`OutboxEntry`) may be edited by a test; ``enqueued`` lists
    what was put in, and ``calls`` every state change asked, in order."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store)
        self.entries: dict[str, OutboxEntry] = {}
        self.blobs: dict[tuple[str, str], bytes] = {}  # (uuid, sha256) -> sealed attachment
        self.enqueued: list[tuple[str, str, bytes]] = []
        self.calls: list[tuple[object, ...]] = []
        self.purges: list[dt.datetime] = []  # the ``older_than`` of each purge asked

    def enqueue(
        self,
        uuid: str,
        procedure_id: str,
        sealed: bytes,
        now: dt.datetime,
        attachments: Sequence[bytes] = (),
    ) -> OutboxEntry:
        now, blobs, hashes = check_enqueue(uuid, procedure_id, sealed, now, attachments)
        with self._lock:
            self._wrote()
            existing = self.entries.get(uuid)
            if existing is None:
                scanned = len(self._store.pages.of(uuid))
                if scanned > len(blobs):
                    raise StoreError(
                        f"application {uuid} has {scanned} scanned page(s) but only "
                        f"{len(blobs)} sealed attachment(s) were given"
                    )
            self._store.drafts._drafts.pop(uuid, None)
            self._store.pages.forget(uuid)
            if existing is not None:
                return existing
            taken = {e.local_reference for e in self.entries.values()}
            reference = new_local_reference()
            while reference in taken:  # pragma: no cover - 1 in 8.5e11
                reference = new_local_reference()
            pairs = list(zip(blobs, hashes, strict=True))
            entry = new_entry(uuid, reference, procedure_id, sealed, now, pairs)
            for blob, sha256 in zip(blobs, hashes, strict=True):
                self.blobs[(uuid, sha256)] = blob
            self.entries[uuid] = entry
            self.enqueued.append((uuid, procedure_id, sealed))
            return entry

    def due(self, now: dt.datetime, limit: int = 50) -> list[OutboxEntry]:
        now = aware("now", now)
        if limit < 1:
            raise ValueError("limit must be at least 1")
        with self._lock:
            due = [e for e in self.entries.values() if is_due(e.state, e.next_attempt_at, now)]
        return sorted(due, key=lambda e: (e.created_at, e.uuid))[:limit]

    def _pending(self, uuid: str, action: str) -> OutboxEntry:
        entry = self.entries.get(uuid)
        if entry is None:
            raise OutboxStateError(f"cannot {action}: application {uuid} is not in the outbox")
        if entry.state == OutboxState.ACKNOWLEDGED:
            raise OutboxStateError(f"cannot {action}: application {uuid} was already acknowledged")
        return entry

    def _change(self, uuid: str, **changes: object) -> None:
        self.entries[uuid] = dataclasses.replace(self.entries[uuid], **changes)  # type: ignore[arg-type]

    def mark_uploading(self, uuid: str, now: dt.datetime) -> None:
        now = aware("now", now)
        with self._lock:
            self._wrote()
            self._pending(uuid, "mark uploading")
            self.calls.append(("uploading", uuid))
            self._change(uuid, state=OutboxState.UPLOADING, state_changed_at=now, uploading_at=now)

    def mark_attachment_uploaded(self, uuid: str, sha256: str, now: dt.datetime) -> None:
        now = aware("now", now)
        with self._lock:
            self._wrote()
            entry = self._pending(uuid, "mark an attachment uploaded")
            if all(a.sha256 != sha256 for a in entry.attachments):
                raise OutboxStateError(f"application {uuid} has no attachment {sha256}")
            self.calls.append(("attachment", uuid, sha256))
            infos = tuple(
                dataclasses.replace(a, uploaded_at=now)
                if a.sha256 == sha256 and a.uploaded_at is None
                else a
                for a in entry.attachments
            )
            self._change(uuid, attachments=infos)

    def mark_attachments_missing(self, uuid: str, sha256s: Sequence[str]) -> None:
        with self._lock:
            self._wrote()
            entry = self._pending(uuid, "mark attachments missing")
            self.calls.append(("missing", uuid, tuple(sha256s)))
            infos = tuple(
                dataclasses.replace(a, uploaded_at=None) if a.sha256 in sha256s else a
                for a in entry.attachments
            )
            self._change(uuid, attachments=infos)
            if entry.state == OutboxState.DELIVERED:
                self._change(uuid, state=OutboxState.UPLOADING, delivered_at=None)

    def mark_delivered(self, uuid: str, now: dt.datetime) -> None:
        now = aware("now", now)
        with self._lock:
            self._wrote()
            entry = self._pending(uuid, "mark delivered")
            pending = len(entry.attachments_pending)
            if pending:
                raise OutboxStateError(
                    f"cannot mark {uuid} delivered: {pending} attachment(s) not uploaded"
                )
            self.calls.append(("delivered", uuid))
            if entry.state != OutboxState.DELIVERED:
                self._change(
                    uuid, state=OutboxState.DELIVERED, state_changed_at=now, delivered_at=now
                )

    def attachment_data(self, uuid: str, sha256: str) -> bytes:
        with self._lock:
            blob = self.blobs.get((uuid, sha256))
        if blob is None:
            raise OutboxStateError(f"application {uuid} has no attachment {sha256}")
        return blob

    def mark_acknowledged(self, uuid: str, central_reference: str, now: dt.datetime) -> None:
        bounded_text("central_reference", central_reference, 64)
        now = aware("now", now)
        with self._lock:
            self._wrote()
            entry = self.entries.get(uuid)
            if entry is None:
                raise OutboxStateError(f"cannot acknowledge: {uuid} is not in the outbox")
            self.calls.append(("acknowledged", uuid, central_reference))
            if entry.state == OutboxState.ACKNOWLEDGED:
                if entry.central_reference != central_reference:
                    raise OutboxStateError(
                        f"application {uuid} was already acknowledged with another reference"
                    )
                return
            self._change(
                uuid,
                state=OutboxState.ACKNOWLEDGED,
                central_reference=central_reference,
                acknowledged_at=now,
                state_changed_at=now,
                next_attempt_at=None,
                last_error=None,
            )

    def mark_failed(
        self, uuid: str, reason: str, now: dt.datetime, retry_at: dt.datetime | None
    ) -> None:
        now = aware("now", now)
        retry = aware("retry_at", retry_at) if retry_at is not None else None
        with self._lock:
            self._wrote()
            entry = self._pending(uuid, "mark failed")
            self.calls.append(("failed", uuid, reason, retry))
            self._change(
                uuid,
                state=OutboxState.FAILED,
                attempts=entry.attempts + 1,
                last_error=str(reason)[:MAX_ERROR_LENGTH],
                next_attempt_at=retry,
                state_changed_at=now,
            )

    def entry(self, uuid: str) -> OutboxEntry | None:
        with self._lock:
            return self.entries.get(uuid)

    def find_by_reference(self, local_reference: str) -> OutboxEntry | None:
        reference = canonical_reference(local_reference)
        with self._lock:
            return next((e for e in self.entries.values() if e.local_reference == reference), None)

    def backlog(self) -> dict[str, int]:
        counts: dict[str, int] = {state.value: 0 for state in OUTBOX_STATES}
        with self._lock:
            for entry in self.entries.values():
                counts[entry.state] += 1
        return counts

    def pending(self, limit: int = 200) -> list[OutboxEntry]:
        """Like the SQLite outbox's: without the attachments."""
        with self._lock:
            waiting = [
                dataclasses.replace(e, attachments=())
                for e in self.entries.values()
                if e.state != OutboxState.ACKNOWLEDGED
            ]
        return sorted(waiting, key=lambda e: (e.created_at, e.uuid))[:limit]

    def retry_now(self, uuid: str, now: dt.datetime) -> None:
        now = aware("now", now)
        with self._lock:
            self._wrote()
            if self._pending(uuid, "retry").state == OutboxState.FAILED:
                self._change(uuid, next_attempt_at=now)

    def purge_acknowledged(self, older_than: dt.datetime) -> int:
        older_than = aware("older_than", older_than)
        with self._lock:
            self._wrote()
            self.purges.append(older_than)
            doomed = [
                e.uuid
                for e in self.entries.values()
                if e.state == OutboxState.ACKNOWLEDGED
                and e.acknowledged_at is not None
                and e.acknowledged_at < older_than
            ]
            for uuid in doomed:
                del self.entries[uuid]
                for key in [k for k in self.blobs if k[0] == uuid]:
                    del self.blobs[key]
            return len(doomed)


class MemoryAuditTrail(_Part):
    """``store.audit_trail``; ``events`` lists (event, detail) in order."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store)
        self._records: list[AuditRecord] = []

    @property
    def events(self) -> list[tuple[str, dict[str, str | int | bool]]]:
        with self._lock:
            return [(r.event, dict(r.detail)) for r in self._records]

    def record(self, event: str, now: dt.datetime, **detail: str | int | bool) -> None:
        check_event(event, detail)
        now = aware("now", now)
        with self._lock:
            self._wrote()
            self._records.append(AuditRecord(len(self._records) + 1, now, event, dict(detail)))

    def recent(self, limit: int = 100) -> list[AuditRecord]:
        with self._lock:
            return list(reversed(self._records))[:limit]

    def purge_older_than(self, older_than: dt.datetime) -> int:
        older_than = aware("older_than", older_than)
        with self._lock:
            kept = [r for r in self._records if r.at >= older_than]
            count = len(self._records) - len(kept)
            if count:
                self._wrote()
                self._records = kept
            return count


class MemorySettings(_Part):
    """``store.settings``; ``values`` is the dictionary behind it."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store)
        self.values: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        with self._lock:
            return self.values.get(key)

    def set(self, key: str, value: str) -> None:
        bounded_text("key", key, 64)
        if not isinstance(value, str):
            raise TypeError("value must be a string")
        with self._lock:
            self._wrote()
            self.values[key] = value


class MemoryStore:
    """An in-memory :class:`kiosk.store.Store`."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.threads: set[str] = set()  # the threads that wrote
        self.drafts = MemoryDrafts(self)
        self.pages = MemoryPages(self)
        self.resume_codes = MemoryResumeCodes(self)
        self.outbox = MemoryOutbox(self)
        self.audit_trail = MemoryAuditTrail(self)
        self.settings = MemorySettings(self)

    def close(self) -> None:
        """Nothing to close (the real store's connections)."""
