"""Database of the reference central API (SQLAlchemy 2.x; SQLite by default, PostgreSQL-ready).

Secrets are never stored in clear: kiosk tokens and enrolment codes are kept as SHA-256
hashes; applications are kept sealed (the private key lives in a file, not in the database).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Engine,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, whatever the backend keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class Kiosk(Base):
    __tablename__ = "kiosks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    software_version: Mapped[str] = mapped_column(String(40), default="")


class EnrolmentCodeRow(Base):
    __tablename__ = "enrolment_codes"

    code_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    used_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Application(Base):
    __tablename__ = "applications"

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    central_reference: Mapped[str] = mapped_column(String(32), unique=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), index=True)
    kiosk_reference: Mapped[str] = mapped_column(String(40))
    procedure_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))
    sealing_format: Mapped[int] = mapped_column(Integer)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    # What the server found once it unsealed it (contract.states.ApplicationValidity), with
    # the reasons for staff (JSON list of {field, message}); and the mediator who helped,
    # once matched to an assisted session of the kiosk.
    validity: Mapped[str] = mapped_column(String(20), default="valid", server_default="valid")
    problems: Mapped[str | None] = mapped_column(Text, nullable=True)
    assisted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class StatusHistory(Base):
    """Every status an application had (the first is "received")."""

    __tablename__ = "application_status_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_uuid: Mapped[str] = mapped_column(ForeignKey("applications.uuid"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class Attachment(Base):
    """A sealed page, content-addressed by the SHA-256 of its sealed bytes *within the kiosk
    that uploads it* (another kiosk's identical bytes are another upload: no oracle), received
    in chunks (``AttachmentChunk``); ``complete`` once every byte is in and the hash checked."""

    __tablename__ = "attachments"

    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AttachmentChunk(Base):
    """The bytes ``[offset, offset + len(data))`` of an attachment (append-only)."""

    __tablename__ = "attachment_chunks"
    __table_args__ = (
        ForeignKeyConstraint(
            ["kiosk_id", "sha256"],
            ["attachments.kiosk_id", "attachments.sha256"],
            ondelete="CASCADE",
            name="fk_attachment_chunks_attachment",
        ),
    )

    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ApplicationAttachment(Base):
    """Which attachments an application lists, as its sealed payload describes them."""

    __tablename__ = "application_attachments"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "sha256", name="uq_application_attachments_page"),
    )

    application_uuid: Mapped[str] = mapped_column(ForeignKey("applications.uuid"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    document_id: Mapped[str] = mapped_column(String(64))
    page_no: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)


class KioskHeartbeat(Base):
    """The last heartbeat of each kiosk (fleet view)."""

    __tablename__ = "kiosk_heartbeats"

    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    software_version: Mapped[str] = mapped_column(String(40))
    backlog: Mapped[str] = mapped_column(Text)  # JSON object: state -> count
    device_health: Mapped[str] = mapped_column(Text)  # JSON object: device -> state
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReferenceCounter(Base):
    """The last central-reference number used each year (row-locked by its UPDATE)."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


class KioskPresence(Base):
    """What each kiosk last said it was doing (desk view): state, screen, language. A table
    of its own, so that an existing database gains it with ``create_all``."""

    __tablename__ = "kiosk_presence"

    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    screen: Mapped[str | None] = mapped_column(String(64), nullable=True)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Issue 16's fleet view (migration 0003).
    out_of_service_message: Mapped[str | None] = mapped_column(String(300), nullable=True)
    out_of_service_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    assisted_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    last_sync_ok_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class KioskStateLog(Base):
    """Each change of a kiosk's reported state, for the fleet view's history of the day
    (issue 16; migration 0004): kept a week. Never personal data."""

    __tablename__ = "kiosk_state_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(300), nullable=True)


class KioskSite(Base):
    """Where each kiosk stands (its heartbeat's ``site``): a reception desk lists one site."""

    __tablename__ = "kiosk_sites"

    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    site: Mapped[str] = mapped_column(String(120), index=True)


class HelpCall(Base):
    """An applicant's call for help from a kiosk (no personal data: kiosk, screen,
    language, times). ``status``: waiting -> acknowledged -> closed (or cancelled)."""

    __tablename__ = "help_calls"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the kiosk's UUID
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    screen: Mapped[str | None] = mapped_column(String(64), nullable=True)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    waiting_since: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # server's clock
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class KioskCommandRow(Base):
    """A remote action the desk asked for one kiosk (issue 16; contract.commands): who asked,
    when, and what the kiosk reported. Never personal data."""

    __tablename__ = "kiosk_commands"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(12), index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(200), nullable=True)


class StaffAccountRow(Base):
    """A mediator or prefecture staff member (issue 7). PIN and badge secret: Argon2 hashes.
    ``failures`` / ``last_failure_at`` drive the lockout (contract.pin_policy), per account,
    whatever the kiosk."""

    __tablename__ = "staff_accounts"

    identifier: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    pin_hash: Mapped[str] = mapped_column(String(200))
    badge_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StaffAuditRow(Base):
    """The staff audit log: who, what, when, which kiosk (never applicant data)."""

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(40))
    kiosk_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str] = mapped_column(String(200), default="")


class SignInAttempt(Base):
    """A staff sign-in try (issue 13): the throttles count them per identifier (known or not,
    by its SHA-256), per kiosk and per address. ``outcome``: pending (counted as a failure
    while the PIN is checked), wrong, ok."""

    __tablename__ = "staff_sign_in_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    identifier_sha256: Mapped[str] = mapped_column(String(64), index=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    outcome: Mapped[str] = mapped_column(String(10))


class StaffSession(Base):
    """A signed-in person on one kiosk: its token (SHA-256 kept) is sent by the kiosk with
    every staff action; ended at sign-out, after ``staff_session_idle_s`` without use, or
    ``staff_session_max_s`` after sign-in."""

    __tablename__ = "staff_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(20))
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)


class AssistedSessionRow(Base):
    """A mediator assisting an applicant on a kiosk (from the staff session's assist_start
    to its assist_end, sign-out or time-out): an application's ``assisted`` block must fall
    in one of its kiosk's."""

    __tablename__ = "assisted_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_sha256: Mapped[str] = mapped_column(String(64), index=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True)
    mediator_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class EnrolFailure(Base):
    """A wrong enrolment code, kept to throttle guesses per address and in total."""

    __tablename__ = "enrol_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


# Status lookups at a kiosk find an application by the reference on its receipt (issue 8),
# one application of a kiosk per reference (a unique index: SQLite adds one without
# rebuilding the table).
Index("ix_applications_kiosk_reference", Application.kiosk_reference)
Index(
    "uq_applications_kiosk_reference",
    Application.kiosk_id,
    Application.kiosk_reference,
    unique=True,
)


class StatusLookupFailure(Base):
    """A failed status lookup (wrong secret or date of birth, unknown reference), kept to
    throttle guesses: per reference (its SHA-256, never in clear) and per kiosk."""

    __tablename__ = "status_lookup_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference_sha256: Mapped[str] = mapped_column(String(64), index=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` URLs use psycopg 3 (the driver we ship)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The revision an existing database made before migrations existed (create_all) is at.
_BASELINE = "0001"
_PG_MIGRATION_LOCK = 0x6B696F736B  # pg_advisory_xact_lock key: "kiosk"


def make_engine(url: str, *, reader: bool = False, durable: bool = True) -> Engine:
    """The engine (no schema change: :func:`migrate` does that). SQLite gets WAL, FULL sync
    (``durable=False``, for throwaway test databases only: no sync, a commit is not on disk);
    its writers take the write lock when they begin (``BEGIN IMMEDIATE``: serialised, never
    SQLITE_BUSY half way), its readers (``reader=True``) never wait for it."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" below decide when transactions start.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL" if durable else "PRAGMA synchronous=OFF")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Writers take the write lock up front: a read-then-write transaction can then
            # never fail with SQLITE_BUSY half way (concurrent PUTs of one UUID rely on it).
            conn.exec_driver_sql("BEGIN" if reader else "BEGIN IMMEDIATE")

    else:
        engine = create_engine(
            url, pool_pre_ping=True, hide_parameters=True, pool_size=10, max_overflow=20
        )
    return engine


def migrate(engine: Engine) -> str:
    """Bring the database to the latest schema (Alembic, ``central/migrations``); returns the
    revision. A database made before migrations existed is recognised and stamped first."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        cfg.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "kiosks" in tables and "alembic_version" not in tables:
            command.stamp(cfg, _BASELINE)
        command.upgrade(cfg, "head")
        revision = MigrationContext.configure(connection).get_current_revision()
    return revision or ""
