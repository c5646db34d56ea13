"""The outbox: sealed applications (and their sealed pages) waiting for the central API.

States: ``sealed`` -> ``uploading`` (pages going up, each marked once complete) ->
``delivered`` (every page complete; the application goes next) -> ``acknowledged``
(central reference recorded), or ``failed`` with a reason (and a retry time, unless staff
must look) from any state but ``acknowledged``. :func:`is_due` says which entries the
sync agent sends; the SQL of :meth:`Outbox.due` and the in-memory outbox of
``kiosk.testing`` both follow it, and one contract test runs against both.

Everything here arrives already sealed to the central API's public key: opaque bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import fields

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from contract.states import OutboxState
from kiosk.store.database import Repository
from kiosk.store.drafts import Drafts
from kiosk.store.errors import OutboxStateError, StoreError
from kiosk.store.models import OutboxAttachment, OutboxItem, Page
from kiosk.store.records import (
    ACTIVE_STATES,
    MAX_ERROR_LENGTH,
    OUTBOX_STATES,
    AttachmentInfo,
    OutboxEntry,
    aware,
    bounded_text,
    canonical_reference,
    check_enqueue,
    new_entry,
    new_local_reference,
)
from kiosk.store.rows import rowcount

_COLUMNS = frozenset(OutboxItem.__table__.columns.keys())


def _attachment_infos(
    session: Session, uuids: Sequence[str]
) -> dict[str, tuple[AttachmentInfo, ...]]:
    """Attachment metadata (never the sealed bytes) of the given outbox entries."""
    out: dict[str, list[AttachmentInfo]] = {}
    if not uuids:
        return {}
    rows = session.execute(
        select(
            OutboxAttachment.outbox_uuid,
            OutboxAttachment.sha256,
            OutboxAttachment.size,
            OutboxAttachment.uploaded_at,
        )
        .where(OutboxAttachment.outbox_uuid.in_(list(uuids)))
        .order_by(OutboxAttachment.outbox_uuid, OutboxAttachment.position)
    ).all()
    for outbox_uuid, sha256, size, uploaded_at in rows:
        out.setdefault(outbox_uuid, []).append(AttachmentInfo(sha256, size, uploaded_at))
    return {k: tuple(v) for k, v in out.items()}


def _snapshot(item: OutboxItem, attachments: tuple[AttachmentInfo, ...] = ()) -> OutboxEntry:
    return OutboxEntry(
        uuid=item.uuid,
        local_reference=item.local_reference,
        procedure_id=item.procedure_id,
        state=OutboxState(item.state),
        sealed=item.sealed,
        size=item.size,
        sha256=item.sha256,
        created_at=item.created_at,
        attempts=item.attempts,
        last_error=item.last_error,
        central_reference=item.central_reference,
        next_attempt_at=item.next_attempt_at,
        state_changed_at=item.state_changed_at,
        acknowledged_at=item.acknowledged_at,
        attachments=attachments,
        uploading_at=item.uploading_at,
        delivered_at=item.delivered_at,
    )


class Outbox(Repository):
    """The outbox of one kiosk's store (``store.outbox``)."""

    def _with_attachments(self, session: Session, item: OutboxItem) -> OutboxEntry:
        return _snapshot(item, _attachment_infos(session, [item.uuid]).get(item.uuid, ()))

    def enqueue(
        self,
        uuid: str,
        procedure_id: str,
        sealed: bytes,
        now: dt.datetime,
        attachments: Sequence[bytes] = (),
    ) -> OutboxEntry:
        """Put a sealed application and its sealed attachments (pages sealed to the central
        API's key, in the order the payload lists them) in the outbox, and delete its clear
        draft and pages, all in one transaction. Refused (StoreError, nothing written) if
        the draft has more scanned pages than sealed attachments are given: a page added
        after the sealing, or a caller that forgot the pages.

        Idempotent: if ``uuid`` is already in the outbox the existing entry is returned
        unchanged (same local reference, no second row)."""
        now, blobs, hashes = check_enqueue(uuid, procedure_id, sealed, now, attachments)
        with self._db.tx() as session:
            existing = session.get(OutboxItem, uuid)
            if existing is None:
                scanned = session.scalar(
                    select(func.count()).select_from(Page).where(Page.app_uuid == uuid)
                )
                if scanned and scanned > len(blobs):
                    # Wiping pages that were not sealed with the application would lose the
                    # applicant's documents without a word: refuse, nothing is written.
                    raise StoreError(
                        f"application {uuid} has {scanned} scanned page(s) but only "
                        f"{len(blobs)} sealed attachment(s) were given: seal the pages with "
                        "the application (kiosk.link.sealer.Sealer.submit)"
                    )
            Drafts.delete_in(session, uuid)
            if existing is not None:
                return self._with_attachments(session, existing)
            for _ in range(20):
                reference = new_local_reference()
                taken = session.scalar(
                    select(OutboxItem.uuid).where(OutboxItem.local_reference == reference)
                )
                if taken is None:
                    break
            else:  # pragma: no cover - 20 collisions in 8.5e11 means a broken RNG
                raise StoreError("could not allocate a unique local reference")
            fresh = new_entry(uuid, reference, procedure_id, sealed, now)
            item = OutboxItem(
                **{f.name: getattr(fresh, f.name) for f in fields(fresh) if f.name in _COLUMNS}
            )
            session.add(item)
            session.flush()
            for position, (blob, sha256) in enumerate(zip(blobs, hashes, strict=True)):
                session.add(
                    OutboxAttachment(
                        outbox_uuid=uuid,
                        position=position,
                        sha256=sha256,
                        size=len(blob),
                        sealed=blob,
                        uploaded_at=None,
                    )
                )
            session.flush()
            return self._with_attachments(session, item)

    def due(self, now: dt.datetime, limit: int = 50) -> list[OutboxEntry]:
        """The entries :func:`is_due` at ``now``, oldest first (by creation, then UUID)."""
        now = aware("now", now)
        if limit < 1:
            raise ValueError("limit must be at least 1")
        with self._db.tx() as session:
            items = session.scalars(
                select(OutboxItem)
                .where(
                    or_(
                        OutboxItem.state.in_(ACTIVE_STATES),
                        and_(
                            OutboxItem.state == OutboxState.FAILED,
                            OutboxItem.next_attempt_at.is_not(None),
                            OutboxItem.next_attempt_at <= now,
                        ),
                    )
                )
                .order_by(OutboxItem.created_at, OutboxItem.uuid)
                .limit(limit)
            ).all()
            infos = _attachment_infos(session, [item.uuid for item in items])
            return [_snapshot(item, infos.get(item.uuid, ())) for item in items]

    def _pending(self, session: Session, uuid: str, action: str) -> OutboxItem:
        item = session.get(OutboxItem, uuid)
        if item is None:
            raise OutboxStateError(f"cannot {action}: application {uuid} is not in the outbox")
        if item.state == OutboxState.ACKNOWLEDGED:
            raise OutboxStateError(f"cannot {action}: application {uuid} was already acknowledged")
        return item

    def mark_uploading(self, uuid: str, now: dt.datetime) -> None:
        """The agent starts sending this entry (its attachments, then the application)."""
        now = aware("now", now)
        with self._db.tx() as session:
            item = self._pending(session, uuid, "mark uploading")
            item.state = OutboxState.UPLOADING
            item.state_changed_at = now
            item.uploading_at = now

    def mark_attachment_uploaded(self, uuid: str, sha256: str, now: dt.datetime) -> None:
        """The central API has every byte of this attachment, hash verified."""
        now = aware("now", now)
        with self._db.tx() as session:
            self._pending(session, uuid, "mark an attachment uploaded")
            attachment = session.scalar(
                select(OutboxAttachment).where(
                    OutboxAttachment.outbox_uuid == uuid, OutboxAttachment.sha256 == sha256
                )
            )
            if attachment is None:
                raise OutboxStateError(f"application {uuid} has no attachment {sha256}")
            if attachment.uploaded_at is None:
                attachment.uploaded_at = now

    def mark_attachments_missing(self, uuid: str, sha256s: Sequence[str]) -> None:
        """The central API says it lacks these attachments: upload them again. An entry
        marked delivered goes back to uploading."""
        with self._db.tx() as session:
            item = self._pending(session, uuid, "mark attachments missing")
            session.execute(
                update(OutboxAttachment)
                .where(
                    OutboxAttachment.outbox_uuid == uuid,
                    OutboxAttachment.sha256.in_(list(sha256s)),
                )
                .values(uploaded_at=None)
            )
            if item.state == OutboxState.DELIVERED:
                item.state = OutboxState.UPLOADING
                item.delivered_at = None

    def mark_delivered(self, uuid: str, now: dt.datetime) -> None:
        """Every attachment is complete at the central API; the application goes next.
        Refused while an attachment is not known to be uploaded."""
        now = aware("now", now)
        with self._db.tx() as session:
            item = self._pending(session, uuid, "mark delivered")
            pending = session.scalar(
                select(func.count())
                .select_from(OutboxAttachment)
                .where(OutboxAttachment.outbox_uuid == uuid, OutboxAttachment.uploaded_at.is_(None))
            )
            if pending:
                raise OutboxStateError(
                    f"cannot mark {uuid} delivered: {pending} attachment(s) not uploaded"
                )
            if item.state != OutboxState.DELIVERED:
                item.state = OutboxState.DELIVERED
                item.state_changed_at = now
                item.delivered_at = now

    def attachment_data(self, uuid: str, sha256: str) -> bytes:
        """The sealed bytes of one attachment of an outbox entry."""
        with self._db.tx() as session:
            blob = session.scalar(
                select(OutboxAttachment.sealed).where(
                    OutboxAttachment.outbox_uuid == uuid, OutboxAttachment.sha256 == sha256
                )
            )
        if blob is None:
            raise OutboxStateError(f"application {uuid} has no attachment {sha256}")
        return bytes(blob)

    def mark_acknowledged(self, uuid: str, central_reference: str, now: dt.datetime) -> None:
        """The central API has the application. Repeating with the same reference is a
        no-op; a different reference for an acknowledged entry is an error."""
        bounded_text("central_reference", central_reference, 64)
        now = aware("now", now)
        with self._db.tx() as session:
            item = session.get(OutboxItem, uuid)
            if item is None:
                raise OutboxStateError(f"cannot acknowledge: {uuid} is not in the outbox")
            if item.state == OutboxState.ACKNOWLEDGED:
                if item.central_reference != central_reference:
                    raise OutboxStateError(
                        f"application {uuid} was already acknowledged with another reference"
                    )
                return
            item.state = OutboxState.ACKNOWLEDGED
            item.central_reference = central_reference
            item.acknowledged_at = now
            item.state_changed_at = now
            item.next_attempt_at = None
            item.last_error = None

    def mark_failed(
        self, uuid: str, reason: str, now: dt.datetime, retry_at: dt.datetime | None
    ) -> None:
        """Record a failed attempt (attempts += 1). ``reason`` must be non-personal text
        (an error class or HTTP status). ``retry_at`` None: do not retry automatically."""
        now = aware("now", now)
        retry = aware("retry_at", retry_at) if retry_at is not None else None
        with self._db.tx() as session:
            item = self._pending(session, uuid, "mark failed")
            item.state = OutboxState.FAILED
            item.attempts += 1
            item.last_error = str(reason)[:MAX_ERROR_LENGTH]
            item.next_attempt_at = retry
            item.state_changed_at = now

    def entry(self, uuid: str) -> OutboxEntry | None:
        with self._db.tx() as session:
            item = session.get(OutboxItem, uuid)
            return None if item is None else self._with_attachments(session, item)

    def find_by_reference(self, local_reference: str) -> OutboxEntry | None:
        """The entry with this receipt reference (case and spacing forgiven), or None."""
        reference = canonical_reference(local_reference)
        with self._db.tx() as session:
            item = session.scalar(select(OutboxItem).where(OutboxItem.local_reference == reference))
            return None if item is None else self._with_attachments(session, item)

    def backlog(self) -> dict[str, int]:
        """Number of outbox entries per state; every state of OUTBOX_STATES is present."""
        counts: dict[str, int] = {state.value: 0 for state in OUTBOX_STATES}
        with self._db.tx() as session:
            rows = session.execute(
                select(OutboxItem.state, func.count()).group_by(OutboxItem.state)
            ).all()
        for state, count in rows:
            counts[state] = int(count)
        return counts

    def pending(self, limit: int = 200) -> list[OutboxEntry]:
        """Entries not yet acknowledged, oldest first, for admin mode's backlog page (state,
        attempts, last error; the sealed bytes come along but are never shown)."""
        with self._db.tx() as session:
            items = session.scalars(
                select(OutboxItem)
                .where(OutboxItem.state != OutboxState.ACKNOWLEDGED)
                .order_by(OutboxItem.created_at, OutboxItem.uuid)
                .limit(limit)
            ).all()
            return [_snapshot(item) for item in items]

    def retry_now(self, uuid: str, now: dt.datetime) -> None:
        """Staff ask a failed entry to be sent again at the next sync round."""
        now = aware("now", now)
        with self._db.tx() as session:
            item = self._pending(session, uuid, "retry")
            if item.state == OutboxState.FAILED:
                item.next_attempt_at = now

    def count_acknowledged(self, older_than: dt.datetime) -> int:
        """How many entries :meth:`purge_acknowledged` would delete now (its preview)."""
        older_than = aware("older_than", older_than)
        with self._db.tx() as session:
            return int(
                session.scalar(
                    select(func.count()).where(
                        OutboxItem.state == OutboxState.ACKNOWLEDGED,
                        OutboxItem.acknowledged_at < older_than,
                    )
                )
                or 0
            )

    def purge_acknowledged(self, older_than: dt.datetime) -> int:
        """Retention: delete entries acknowledged before ``older_than``, with their sealed
        packages and attachments. Returns how many.

        Deleted bytes are overwritten in the database file (``secure_delete``), their pages
        given back to the file system and the write-ahead log checkpointed and truncated,
        so no copy stays in the WAL either (:meth:`Database.reclaim`)."""
        older_than = aware("older_than", older_than)
        with self._db.tx() as session:
            expired = select(OutboxItem.uuid).where(
                OutboxItem.state == OutboxState.ACKNOWLEDGED,
                OutboxItem.acknowledged_at < older_than,
            )
            session.execute(
                delete(OutboxAttachment).where(OutboxAttachment.outbox_uuid.in_(expired))
            )
            result = session.execute(
                delete(OutboxItem).where(
                    OutboxItem.state == OutboxState.ACKNOWLEDGED,
                    OutboxItem.acknowledged_at < older_than,
                )
            )
            count = rowcount(result)
        if count:
            self._db.reclaim()
        return count
