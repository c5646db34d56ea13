"""The kiosk's local store: encrypted drafts and scanned pages, the outbox of sealed
submissions and their sealed attachments, the audit trail and small settings, in one
SQLite database.

Durability: the database runs in WAL mode with ``synchronous=FULL`` so that a
submission acknowledged to the applicant (receipt shown) survives a power cut. Every
method is one short ``BEGIN IMMEDIATE`` transaction, so concurrent writers (the UI's
store worker and the sync agent, possibly in another process) serialise cleanly
instead of failing on lock upgrades; ``busy_timeout`` makes them wait up to 5 s.

Threading: the store may be used from any thread, one call at a time per thread;
nothing here touches Qt.

Privacy: answers and scanned pages are encrypted with the kiosk key before they reach
SQLite; submitted applications and their pages arrive already sealed to the central API's
public key and are opaque here; enqueueing wipes the clear draft and pages in the same
transaction. Error messages, audit events and ``repr`` of the returned snapshots never
carry personal data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self, cast

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import (
    CursorResult,
    Engine,
    and_,
    create_engine,
    delete,
    event,
    func,
    or_,
    select,
    update,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from contract.states import ACTIVE_OUTBOX_STATES, OutboxState
from kiosk.store.crypto import KeyRing, ensure_private_dir
from kiosk.store.errors import (
    CorruptDatabaseError,
    OutboxStateError,
    StoreError,
    TamperedDataError,
)
from kiosk.store.models import (
    OUTBOX_STATES,
    AuditEvent,
    Draft,
    OutboxAttachment,
    OutboxItem,
    Page,
    Setting,
)
from kiosk.store.resume import ResumeCodes

DB_FILENAME = "kiosk.db"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 5000
MAX_ERROR_LENGTH = 500

# Local references: "K-" + 8 characters in two groups of four, from an alphabet without
# look-alikes (no 0/O, 1/I/L). 31**8 ≈ 8.5e11 possibilities.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_RE = re.compile(
    r"^K-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}$"
)
_EVENT_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
_IDENT_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_CONTENT_TYPE_RE = re.compile(r"^[a-z]+/[a-z0-9.+-]{1,50}$")
MAX_PAGE_BYTES = 32 * 1024 * 1024
MAX_PAGE_NO = 999
# States the agent works on (see ``due``); "failed" only when its retry time has come.
_ACTIVE_STATES = ACTIVE_OUTBOX_STATES


# --- snapshots returned to callers ------------------------------------------------
@dataclass(frozen=True)
class AttachmentInfo:
    """A sealed attachment of an outbox entry (metadata only; the bytes: ``attachment_data``)."""

    sha256: str
    size: int
    uploaded_at: dt.datetime | None  # None: the central API may not have all of it yet


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


@dataclass(frozen=True)
class OutboxEntry:
    """A snapshot of one outbox row (not a live ORM object)."""

    uuid: str
    local_reference: str
    procedure_id: str
    state: str
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


@dataclass(frozen=True)
class DraftData:
    """A decrypted draft. ``answers`` is personal data: it is left out of ``repr``."""

    uuid: str
    procedure_id: str | None
    language: str
    answers: dict[str, str] = field(repr=False)
    updated_at: dt.datetime


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: dt.datetime
    event: str
    detail: dict[str, str | int | bool]


# --- helpers ----------------------------------------------------------------------
def new_local_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"K-{chars[:4]}-{chars[4:]}"


def _aware(name: str, value: dt.datetime) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise TypeError(f"{name} must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(dt.UTC)


def _text(name: str, value: str, max_length: int) -> str:
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise ValueError(f"{name} must be a non-empty string of at most {max_length} characters")
    return value


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


def _page_context(app_uuid: str, document_id: str, page_no: int) -> bytes:
    return f"page:{app_uuid}/{document_id}/{page_no}".encode()


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
        state=item.state,
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


def _corrupt_message(db_path: Path, problem: str) -> str:
    return (
        f"The kiosk database {db_path} is damaged ({problem}). The kiosk refuses to run on "
        "it so that no submitted application is lost, duplicated or overwritten; the file "
        "has not been modified. Staff: put this kiosk out of service, keep a copy of the "
        f"whole data directory {db_path.parent}, then restore the latest backup of it or "
        "contact support with this message."
    )


_CORRUPTION_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _CORRUPTION_CODES
    return type(exc) is sqlite3.DatabaseError


def check_integrity(db_path: Path) -> None:
    """Run ``PRAGMA quick_check`` on an existing database through a read-only
    connection. Raise CorruptDatabaseError if it is damaged or not a database at all;
    the database file itself is never written."""
    sidecars = [db_path.with_name(db_path.name + suffix) for suffix in ("-wal", "-shm")]
    existed = {p: p.exists() for p in sidecars}
    problem: str | None = None
    try:
        conn = sqlite3.connect(
            f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
        )
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if not _is_corruption(exc):
            raise StoreError(f"cannot open the kiosk database {db_path}: {exc}") from exc
        problem = str(exc)
    else:
        if rows != [("ok",)]:
            problem = "integrity check: " + "; ".join(str(r[0]) for r in rows[:5])
    if problem is not None:
        # A read-only open of a WAL database may create empty -wal/-shm files: remove
        # the ones we created so the directory is left exactly as staff found it.
        for path in sidecars:
            if not existed[path]:
                path.unlink(missing_ok=True)
        raise CorruptDatabaseError(_corrupt_message(db_path, problem))


def _make_engine(db_path: Path) -> Engine:
    engine = create_engine(
        URL.create("sqlite", database=str(db_path)),
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        hide_parameters=True,  # errors may be logged: never put parameter values there
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"cannot put the kiosk database in WAL mode (got {mode!r})")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA secure_delete = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock up front: no SQLITE_BUSY on a read-then-write upgrade.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _migrate(engine: Engine) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    except CommandError as exc:
        raise StoreError(
            f"cannot migrate the kiosk database ({exc}). It was probably written by a newer "
            "version of the kiosk software: reinstall that version or contact support."
        ) from exc


# --- the store ----------------------------------------------------------------------
class Store(ResumeCodes):
    """Local persistence for one kiosk. Open with :meth:`Store.open`. Drafts saved for
    later and resumed with a code: see :class:`kiosk.store.resume.ResumeCodes`."""

    def __init__(self, engine: Engine, keyring: KeyRing, db_path: Path) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._keyring = keyring
        self._closed = False
        self.db_path = db_path

    @classmethod
    def open(cls, data_dir: Path, *, key_path: Path | None = None) -> Store:
        """Open (creating if needed) the store in ``data_dir``.

        Refuses a damaged database with :class:`CorruptDatabaseError`, without touching
        it. Directories the store creates get mode 0700, the database file 0600.
        """
        data_dir = Path(data_dir)
        ensure_private_dir(data_dir)
        db_path = data_dir / DB_FILENAME
        if db_path.exists():
            check_integrity(db_path)
        else:
            with contextlib.suppress(FileExistsError):  # an empty file is an empty database
                os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        keyring = KeyRing.open(
            key_path if key_path is not None else data_dir / "keys" / "kiosk.key"
        )
        engine = _make_engine(db_path)
        try:
            _migrate(engine)
        except sa_exc.DatabaseError as exc:
            engine.dispose()
            orig = exc.orig
            if isinstance(orig, sqlite3.DatabaseError) and _is_corruption(orig):
                raise CorruptDatabaseError(_corrupt_message(db_path, str(orig))) from exc
            raise StoreError(f"cannot open the kiosk database {db_path}: {orig}") from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, keyring, db_path)

    # --- lifecycle ----------------------------------------------------------------
    @property
    def keyring(self) -> KeyRing:
        return self._keyring

    def close(self) -> None:
        """Close every connection (the last one checkpoints the WAL). Idempotent."""
        if not self._closed:
            self._closed = True
            self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[Session]:
        if self._closed:
            raise StoreError("the store is closed")
        try:
            with self._sessions.begin() as session:
                yield session
        except sa_exc.DatabaseError as exc:
            orig = exc.orig
            if isinstance(orig, sqlite3.DatabaseError) and _is_corruption(orig):
                raise CorruptDatabaseError(_corrupt_message(self.db_path, str(orig))) from exc
            raise StoreError(f"database error: {orig}") from exc
        except sa_exc.SQLAlchemyError as exc:
            raise StoreError(f"database error: {type(exc).__name__}") from exc

    # --- drafts -------------------------------------------------------------------
    def save_draft(
        self,
        uuid: str,
        procedure_id: str | None,
        language: str,
        answers: dict[str, str],
        now: dt.datetime,
    ) -> None:
        """Create or replace the draft ``uuid``, encrypted with the current kiosk key.

        An application already in the outbox is not saved again as a draft (a late
        autosave must not leave a copy of submitted answers behind)."""
        _text("uuid", uuid, 36)
        _text("language", language, 16)
        if procedure_id is not None:
            _text("procedure_id", procedure_id, 64)
        now = _aware("now", now)
        if not isinstance(answers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in answers.items()
        ):
            raise TypeError("answers must be a dict of str to str")
        plaintext = json.dumps(answers, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        ciphertext = self._keyring.encrypt(plaintext.encode("utf-8"), uuid.encode("utf-8"))
        key_id = self._keyring.current_id
        with self._tx() as session:
            if session.get(OutboxItem, uuid) is not None:
                return
            draft = session.get(Draft, uuid)
            if draft is None:
                session.add(
                    Draft(
                        uuid=uuid,
                        procedure_id=procedure_id,
                        language=language,
                        ciphertext=ciphertext,
                        key_id=key_id,
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                draft.procedure_id = procedure_id
                draft.language = language
                draft.ciphertext = ciphertext
                draft.key_id = key_id
                draft.updated_at = now

    def load_draft(self, uuid: str) -> DraftData | None:
        """The decrypted draft, or None. Raises TamperedDataError if it was altered."""
        with self._tx() as session:
            draft = session.get(Draft, uuid)
            if draft is None:
                return None
            procedure_id, language = draft.procedure_id, draft.language
            ciphertext, updated_at = draft.ciphertext, draft.updated_at
        plaintext = self._keyring.decrypt(ciphertext, uuid.encode("utf-8"))
        try:
            answers = json.loads(plaintext.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise TamperedDataError("a draft decrypted to malformed data") from None
        if not isinstance(answers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in answers.items()
        ):
            raise TamperedDataError("a draft decrypted to malformed data")
        return DraftData(
            uuid=uuid,
            procedure_id=procedure_id,
            language=language,
            answers=answers,
            updated_at=updated_at,
        )

    def delete_draft(self, uuid: str) -> None:
        """Forget a draft and its scanned pages (the applicant left, or it was submitted)."""
        with self._tx() as session:
            session.execute(delete(Draft).where(Draft.uuid == uuid))
            session.execute(delete(Page).where(Page.app_uuid == uuid))

    def purge_drafts(self, older_than: dt.datetime) -> int:
        """Delete drafts last saved before ``older_than``, with their pages, and pages
        older than that with no draft; returns how many drafts."""
        older_than = _aware("older_than", older_than)
        with self._tx() as session:
            stale = select(Draft.uuid).where(Draft.updated_at < older_than)
            session.execute(delete(Page).where(Page.app_uuid.in_(stale)))
            result = session.execute(delete(Draft).where(Draft.updated_at < older_than))
            session.execute(
                delete(Page).where(
                    Page.created_at < older_than, Page.app_uuid.not_in(select(Draft.uuid))
                )
            )
            return int(cast(CursorResult[Any], result).rowcount)

    def purge_unsaved_drafts(self) -> int:
        """Delete every draft not saved for later (no resume code), with its pages; returns
        how many. At start-up: the kiosk has one session at a time, so such a draft belongs
        to a session that ended in a crash and must not outlive it."""
        with self._tx() as session:
            unsaved = select(Draft.uuid).where(Draft.expires_at.is_(None))
            session.execute(delete(Page).where(Page.app_uuid.in_(unsaved)))
            result = session.execute(delete(Draft).where(Draft.expires_at.is_(None)))
            session.execute(delete(Page).where(Page.app_uuid.not_in(select(Draft.uuid))))
            return int(cast(CursorResult[Any], result).rowcount)

    def rekey_drafts(self) -> int:
        """Re-encrypt every draft and scanned page not under the current key; returns how
        many records. Run after ``keyring.rotate()``; afterwards the retired key files may go."""
        current = self._keyring.current_id
        with self._tx() as session:
            drafts = session.scalars(select(Draft).where(Draft.key_id != current)).all()
            for draft in drafts:
                context = draft.uuid.encode("utf-8")
                plaintext = self._keyring.decrypt(draft.ciphertext, context)
                draft.ciphertext = self._keyring.encrypt(plaintext, context)
                draft.key_id = self._keyring.current_id
            pages = session.scalars(select(Page).where(Page.key_id != current)).all()
            for page in pages:
                context = _page_context(page.app_uuid, page.document_id, page.page_no)
                plaintext = self._keyring.decrypt(page.ciphertext, context)
                page.ciphertext = self._keyring.encrypt(plaintext, context)
                page.key_id = self._keyring.current_id
            return len(drafts) + len(pages)

    # --- scanned pages ---------------------------------------------------------------
    def add_page(
        self,
        app_uuid: str,
        document_id: str,
        page_no: int,
        data: bytes,
        now: dt.datetime,
        *,
        content_type: str | None = None,
    ) -> bool:
        """Store (or replace) page ``page_no`` of document ``document_id`` of the draft
        ``app_uuid``, encrypted with the current kiosk key. ``content_type`` defaults to
        what the bytes look like (:func:`sniff_content_type`).

        Returns False, storing nothing, if the application is already in the outbox (a
        late scan must not leave a copy of a submitted document behind)."""
        _text("app_uuid", app_uuid, 36)
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
        now = _aware("now", now)
        ciphertext = self._keyring.encrypt(data, _page_context(app_uuid, document_id, page_no))
        key_id = self._keyring.current_id
        with self._tx() as session:
            if session.get(OutboxItem, app_uuid) is not None:
                return False
            page = session.get(Page, (app_uuid, document_id, page_no))
            if page is None:
                session.add(
                    Page(
                        app_uuid=app_uuid,
                        document_id=document_id,
                        page_no=page_no,
                        content_type=content_type,
                        ciphertext=ciphertext,
                        key_id=key_id,
                        created_at=now,
                    )
                )
            else:
                page.content_type = content_type
                page.ciphertext = ciphertext
                page.key_id = key_id
                page.created_at = now
        return True

    def pages(self, app_uuid: str) -> list[PageData]:
        """The decrypted pages of a draft, by document then page number.
        Raises TamperedDataError if one was altered or moved."""
        with self._tx() as session:
            rows = session.execute(
                select(
                    Page.document_id,
                    Page.page_no,
                    Page.content_type,
                    Page.ciphertext,
                    Page.created_at,
                )
                .where(Page.app_uuid == app_uuid)
                .order_by(Page.document_id, Page.page_no)
            ).all()
        return [
            PageData(
                app_uuid=app_uuid,
                document_id=document_id,
                page_no=page_no,
                content_type=content_type,
                data=self._keyring.decrypt(
                    ciphertext, _page_context(app_uuid, document_id, page_no)
                ),
                created_at=created_at,
            )
            for document_id, page_no, content_type, ciphertext, created_at in rows
        ]

    def delete_pages(
        self, app_uuid: str, document_id: str | None = None, page_no: int | None = None
    ) -> int:
        """Delete the pages of a draft (of one document, or one page); returns how many."""
        conditions = [Page.app_uuid == app_uuid]
        if document_id is not None:
            conditions.append(Page.document_id == document_id)
        if page_no is not None:
            if document_id is None:
                raise ValueError("page_no needs document_id")
            conditions.append(Page.page_no == page_no)
        with self._tx() as session:
            result = session.execute(delete(Page).where(*conditions))
            return int(cast(CursorResult[Any], result).rowcount)

    # --- outbox -------------------------------------------------------------------
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
        _text("uuid", uuid, 36)
        _text("procedure_id", procedure_id, 64)
        now = _aware("now", now)
        if not isinstance(sealed, bytes) or not sealed:
            raise ValueError("sealed must be non-empty bytes")
        blobs = list(attachments)
        if not all(isinstance(b, bytes) and b for b in blobs):
            raise ValueError("each attachment must be non-empty bytes")
        hashes = [hashlib.sha256(b).hexdigest() for b in blobs]
        if len(set(hashes)) != len(hashes):
            raise ValueError("the same sealed attachment is listed twice")
        with self._tx() as session:
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
                        "the application (kiosk.link.Sealer.submit)"
                    )
            session.execute(delete(Draft).where(Draft.uuid == uuid))
            session.execute(delete(Page).where(Page.app_uuid == uuid))
            if existing is not None:
                return _snapshot(existing, _attachment_infos(session, [uuid]).get(uuid, ()))
            for _ in range(20):
                reference = new_local_reference()
                taken = session.scalar(
                    select(OutboxItem.uuid).where(OutboxItem.local_reference == reference)
                )
                if taken is None:
                    break
            else:  # pragma: no cover - 20 collisions in 8.5e11 means a broken RNG
                raise StoreError("could not allocate a unique local reference")
            item = OutboxItem(
                uuid=uuid,
                local_reference=reference,
                procedure_id=procedure_id,
                state=OutboxState.SEALED,
                sealed=sealed,
                size=len(sealed),
                sha256=hashlib.sha256(sealed).hexdigest(),
                created_at=now,
                state_changed_at=now,
                attempts=0,
                next_attempt_at=None,
                last_error=None,
                central_reference=None,
                acknowledged_at=None,
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
            return _snapshot(item, _attachment_infos(session, [uuid]).get(uuid, ()))

    def due(self, now: dt.datetime, limit: int = 50) -> list[OutboxEntry]:
        """Entries to send now, oldest first: 'sealed', 'uploading' and 'delivered'
        (interrupted by a crash or still in flight: sending again is safe, attachments are
        content-addressed and the uuid is idempotent) and 'failed' whose
        ``next_attempt_at`` has come. Failed with no retry time wait for staff."""
        now = _aware("now", now)
        if limit < 1:
            raise ValueError("limit must be at least 1")
        with self._tx() as session:
            items = session.scalars(
                select(OutboxItem)
                .where(
                    or_(
                        OutboxItem.state.in_(_ACTIVE_STATES),
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
        now = _aware("now", now)
        with self._tx() as session:
            item = self._pending(session, uuid, "mark uploading")
            item.state = OutboxState.UPLOADING
            item.state_changed_at = now
            item.uploading_at = now

    def mark_attachment_uploaded(self, uuid: str, sha256: str, now: dt.datetime) -> None:
        """The central API has every byte of this attachment, hash verified."""
        now = _aware("now", now)
        with self._tx() as session:
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
        with self._tx() as session:
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
        now = _aware("now", now)
        with self._tx() as session:
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
        with self._tx() as session:
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
        _text("central_reference", central_reference, 64)
        now = _aware("now", now)
        with self._tx() as session:
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
        now = _aware("now", now)
        retry = _aware("retry_at", retry_at) if retry_at is not None else None
        with self._tx() as session:
            item = self._pending(session, uuid, "mark failed")
            item.state = OutboxState.FAILED
            item.attempts += 1
            item.last_error = str(reason)[:MAX_ERROR_LENGTH]
            item.next_attempt_at = retry
            item.state_changed_at = now

    def entry(self, uuid: str) -> OutboxEntry | None:
        with self._tx() as session:
            item = session.get(OutboxItem, uuid)
            if item is None:
                return None
            return _snapshot(item, _attachment_infos(session, [uuid]).get(uuid, ()))

    def find_by_reference(self, local_reference: str) -> OutboxEntry | None:
        """The entry with this receipt reference (case and spacing forgiven), or None."""
        reference = "".join(local_reference.split()).upper()
        with self._tx() as session:
            item = session.scalar(select(OutboxItem).where(OutboxItem.local_reference == reference))
            if item is None:
                return None
            return _snapshot(item, _attachment_infos(session, [item.uuid]).get(item.uuid, ()))

    def backlog(self) -> dict[str, int]:
        """Number of outbox entries per state; every state of OUTBOX_STATES is present."""
        counts: dict[str, int] = {state.value: 0 for state in OUTBOX_STATES}
        with self._tx() as session:
            rows = session.execute(
                select(OutboxItem.state, func.count()).group_by(OutboxItem.state)
            ).all()
        for state, count in rows:
            counts[state] = int(count)
        return counts

    def pending_entries(self, limit: int = 200) -> list[OutboxEntry]:
        """Entries not yet acknowledged, oldest first, for admin mode's backlog page (state,
        attempts, last error; the sealed bytes come along but are never shown)."""
        with self._tx() as session:
            items = session.scalars(
                select(OutboxItem)
                .where(OutboxItem.state != OutboxState.ACKNOWLEDGED)
                .order_by(OutboxItem.created_at, OutboxItem.uuid)
                .limit(limit)
            ).all()
            return [_snapshot(item) for item in items]

    def retry_now(self, uuid: str, now: dt.datetime) -> None:
        """Staff ask a failed entry to be sent again at the next sync round."""
        now = _aware("now", now)
        with self._tx() as session:
            item = self._pending(session, uuid, "retry")
            if item.state == OutboxState.FAILED:
                item.next_attempt_at = now

    def purge_acknowledged(self, older_than: dt.datetime) -> int:
        """Retention: delete entries acknowledged before ``older_than``, with their sealed
        packages and attachments. Returns how many.

        Deleted bytes are overwritten in the database file (``secure_delete``) and the
        write-ahead log is checkpointed and truncated, so no copy stays in the WAL either."""
        older_than = _aware("older_than", older_than)
        with self._tx() as session:
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
            count = int(cast(CursorResult[Any], result).rowcount)
        if count:
            self.checkpoint()
        return count

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database and truncate it (best effort: a
        reader holding an old snapshot may keep part of it until next time)."""
        if self._closed:
            raise StoreError("the store is closed")
        raw = self._engine.raw_connection()  # outside any transaction
        try:
            cursor = raw.cursor()
            try:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                cursor.close()
        finally:
            raw.close()

    # --- settings -----------------------------------------------------------------
    def get_setting(self, key: str) -> str | None:
        with self._tx() as session:
            setting = session.get(Setting, key)
            return None if setting is None else setting.value

    def set_setting(self, key: str, value: str) -> None:
        """Small, non-secret kiosk state only (secrets belong in key files)."""
        _text("key", key, 64)
        if not isinstance(value, str):
            raise TypeError("value must be a string")
        with self._tx() as session:
            setting = session.get(Setting, key)
            if setting is None:
                session.add(Setting(key=key, value=value))
            else:
                setting.value = value

    # --- audit --------------------------------------------------------------------
    def audit(self, event: str, now: dt.datetime, **detail: str | int | bool) -> None:
        """Record an audit event.

        Callers must pass ONLY non-personal values: application uuids, local references,
        procedure ids, states, counts, error classes. Never names, dates of birth,
        document numbers, addresses, answers or free text typed by an applicant.
        """
        if not _EVENT_RE.match(event):
            raise ValueError("event must be a short lowercase identifier (a-z, 0-9, _ . -)")
        now = _aware("now", now)
        for name, value in detail.items():
            if not isinstance(value, str | int | bool):
                raise TypeError(f"audit detail {name!r} must be str, int or bool")
        payload = json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        with self._tx() as session:
            session.add(AuditEvent(at=now, event=event, detail=payload))

    def audit_log(self, limit: int = 100) -> list[AuditRecord]:
        """The most recent audit events, newest first."""
        with self._tx() as session:
            rows = session.scalars(
                select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
            ).all()
            return [
                AuditRecord(id=row.id, at=row.at, event=row.event, detail=json.loads(row.detail))
                for row in rows
            ]
