"""What the store's repositories hand out and the rules they check, without SQL: shared by
the SQLite repositories and the in-memory ones of ``kiosk.testing``, so that both accept,
refuse and answer the same (one contract test runs against both outboxes).

Snapshots never carry personal data in their ``repr``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from contract.states import ACTIVE_OUTBOX_STATES, OutboxState

# sealed -> uploading (attachments going up) -> delivered (every attachment complete at the
# central API; the application itself is sent next) -> acknowledged (central reference
# recorded); failed (with a reason, and a retry time unless staff must look) from any but
# acknowledged.
OUTBOX_STATES = tuple(OutboxState)


# --- checks ----------------------------------------------------------------------------
def aware(name: str, value: dt.datetime) -> dt.datetime:
    """``value`` in UTC; a naive datetime (or anything else) is refused."""
    if not isinstance(value, dt.datetime):
        raise TypeError(f"{name} must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(dt.UTC)


def bounded_text(name: str, value: str, max_length: int) -> str:
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise ValueError(f"{name} must be a non-empty string of at most {max_length} characters")
    return value


# --- the outbox -------------------------------------------------------------------------
MAX_ERROR_LENGTH = 500

# Local references: "K-" + 8 characters in two groups of four, from an alphabet without
# look-alikes (no 0/O, 1/I/L). 31**8 ≈ 8.5e11 possibilities.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_RE = re.compile(
    r"^K-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}$"
)
# States the agent works on (see ``is_due``); "failed" only when its retry time has come.
ACTIVE_STATES = ACTIVE_OUTBOX_STATES


def is_due(state: OutboxState | str, next_attempt_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether an entry is to be sent at ``now``: never sent, or interrupted in flight
    (sending again is safe: pages are content-addressed and the UUID is idempotent), or
    failed and its retry time has come. Failed with no retry time waits for staff."""
    if state in ACTIVE_STATES:
        return True
    return state == OutboxState.FAILED and next_attempt_at is not None and next_attempt_at <= now


def new_local_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"K-{chars[:4]}-{chars[4:]}"


def canonical_reference(local_reference: str) -> str:
    """A receipt reference as typed (case and spacing forgiven), as stored."""
    return "".join(local_reference.split()).upper()


# --- snapshots returned to callers ------------------------------------------------
@dataclass(frozen=True)
class AttachmentInfo:
    """A sealed attachment of an outbox entry (metadata only; the bytes: ``attachment_data``)."""

    sha256: str
    size: int
    uploaded_at: dt.datetime | None  # None: the central API may not have all of it yet


@dataclass(frozen=True)
class OutboxEntry:
    """A snapshot of one outbox row (not a live ORM object)."""

    uuid: str
    local_reference: str
    procedure_id: str
    state: OutboxState
    sealed: bytes = field(repr=False)
    size: int
    sha256: str
    created_at: dt.datetime
    attempts: int
    last_error: str | None
    central_reference: str | None
    next_attempt_at: dt.datetime | None
    state_changed_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    attachments: tuple[AttachmentInfo, ...] = ()
    uploading_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None

    @property
    def attachments_pending(self) -> tuple[AttachmentInfo, ...]:
        """The attachments not yet known to be complete at the central API."""
        return tuple(a for a in self.attachments if a.uploaded_at is None)


def new_entry(
    uuid: str,
    local_reference: str,
    procedure_id: str,
    sealed: bytes,
    now: dt.datetime,
    attachments: Sequence[tuple[bytes, str]] = (),
) -> OutboxEntry:
    """An entry as it goes into the outbox: sealed, never tried. ``attachments``: (sealed
    bytes, SHA-256) of each page, in order."""
    return OutboxEntry(
        uuid=uuid,
        local_reference=local_reference,
        procedure_id=procedure_id,
        state=OutboxState.SEALED,
        sealed=sealed,
        size=len(sealed),
        sha256=hashlib.sha256(sealed).hexdigest(),
        created_at=now,
        attempts=0,
        last_error=None,
        central_reference=None,
        next_attempt_at=None,
        state_changed_at=now,
        attachments=tuple(AttachmentInfo(sha256, len(blob), None) for blob, sha256 in attachments),
    )


def check_enqueue(
    uuid: str, procedure_id: str, sealed: bytes, now: dt.datetime, attachments: Sequence[bytes]
) -> tuple[dt.datetime, list[bytes], list[str]]:
    """The arguments of :meth:`Outbox.enqueue` checked: (now in UTC, the attachments, their
    SHA-256). Shared with the in-memory outbox, so that both refuse the same things."""
    bounded_text("uuid", uuid, 36)
    bounded_text("procedure_id", procedure_id, 64)
    now = aware("now", now)
    if not isinstance(sealed, bytes) or not sealed:
        raise ValueError("sealed must be non-empty bytes")
    blobs = list(attachments)
    if not all(isinstance(b, bytes) and b for b in blobs):
        raise ValueError("each attachment must be non-empty bytes")
    hashes = [hashlib.sha256(b).hexdigest() for b in blobs]
    if len(set(hashes)) != len(hashes):
        raise ValueError("the same sealed attachment is listed twice")
    return now, blobs, hashes


# --- drafts and pages --------------------------------------------------------------------
@dataclass(frozen=True)
class DraftData:
    """A decrypted draft. ``answers`` is personal data: it is left out of ``repr``."""

    uuid: str
    procedure_id: str | None
    language: str
    answers: dict[str, str] = field(repr=False)
    updated_at: dt.datetime


def is_answers(value: object) -> bool:
    """A dict of str to str (a draft's answers)."""
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


_IDENT_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_CONTENT_TYPE_RE = re.compile(r"^[a-z]+/[a-z0-9.+-]{1,50}$")
MAX_PAGE_BYTES = 32 * 1024 * 1024
MAX_PAGE_NO = 999


@dataclass(frozen=True)
class PageData:
    """A decrypted scanned page. ``data`` is personal data: it is left out of ``repr``."""

    app_uuid: str
    document_id: str
    page_no: int
    content_type: str
    data: bytes = field(repr=False)
    created_at: dt.datetime

    @property
    def size(self) -> int:
        return len(self.data)


def sniff_content_type(data: bytes) -> str:
    """The media type of a scanned page from its first bytes (JPEG, PNG, PDF, TIFF, WebP)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


def page_context(app_uuid: str, document_id: str, page_no: int) -> bytes:
    """What a page's encryption is bound to."""
    return f"page:{app_uuid}/{document_id}/{page_no}".encode()


def check_page(
    app_uuid: str, document_id: str, page_no: int, data: bytes, content_type: str | None
) -> str:
    """The arguments of :meth:`Pages.add` checked; returns the content type."""
    bounded_text("app_uuid", app_uuid, 36)
    if not isinstance(document_id, str) or not _IDENT_RE.match(document_id):
        raise ValueError("document_id must be a short lowercase identifier (a-z, 0-9, _ -)")
    if not isinstance(page_no, int) or isinstance(page_no, bool):
        raise TypeError("page_no must be an int")
    if not 1 <= page_no <= MAX_PAGE_NO:
        raise ValueError(f"page_no must be between 1 and {MAX_PAGE_NO}")
    if not isinstance(data, bytes) or not data:
        raise ValueError("a page must be non-empty bytes")
    if len(data) > MAX_PAGE_BYTES:
        raise ValueError(f"a page must be at most {MAX_PAGE_BYTES} bytes")
    content_type = content_type or sniff_content_type(data)
    if not _CONTENT_TYPE_RE.match(content_type):
        raise ValueError("content_type must be a media type such as image/jpeg")
    return content_type


# --- the audit trail ---------------------------------------------------------------------
_EVENT_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: dt.datetime
    event: str
    detail: dict[str, str | int | bool]


def check_event(event: str, detail: Mapping[str, object]) -> None:
    """What :meth:`AuditTrail.record` refuses (shared with the in-memory trail)."""
    if not _EVENT_RE.match(event):
        raise ValueError("event must be a short lowercase identifier (a-z, 0-9, _ . -)")
    for name, value in detail.items():
        if not isinstance(value, str | int | bool):
            raise TypeError(f"audit detail {name!r} must be str, int or bool")


def check_draft(
    uuid: str, procedure_id: str | None, language: str, answers: object, now: dt.datetime
) -> dt.datetime:
    """The arguments of ``Drafts.save`` checked; returns ``now`` in UTC."""
    bounded_text("uuid", uuid, 36)
    bounded_text("language", language, 16)
    if procedure_id is not None:
        bounded_text("procedure_id", procedure_id, 64)
    now = aware("now", now)
    if not is_answers(answers):
        raise TypeError("answers must be a dict of str to str")
    return now
