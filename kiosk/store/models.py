"""SQLAlchemy models of the kiosk's local database.

The schema is owned by the Alembic migrations in ``kiosk/store/migrations``; a test
checks that these models and the migrated schema agree. Change both together: edit
the model, then add a migration (``versions/NNNN_*.py``).

Datetimes are stored as fixed-width ISO 8601 text in UTC
(``2025-01-31T09:05:00.000000+00:00``) so that SQL comparisons and ``ORDER BY`` on the
text are chronological, and they come back timezone-aware.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, MetaData, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def to_utc_text(value: dt.datetime) -> str:
    """The stored form of an aware datetime. Naive datetimes are refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: the store only accepts timezone-aware datetimes")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as UTC ISO 8601 text of fixed width (32 characters)."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        return to_utc_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:  # never written by us; be strict rather than guess
            raise ValueError("naive datetime found in the database")
        return parsed.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Draft(Base):
    """An application being filled in. The answers are encrypted with the kiosk key."""

    __tablename__ = "draft"

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    procedure_id: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    # version byte + key id + nonce + AES-256-GCM(answers JSON); see kiosk.store.crypto
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    # Saved for later (kiosk.store.resume): never the code or the date of birth in clear.
    # resume_lookup: HMAC of the code (finds the draft); resume_hash: scrypt of the code
    # and the date of birth with resume_salt (checks both); deleted after expires_at.
    resume_lookup: Mapped[str | None] = mapped_column(String(64), unique=True)
    resume_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    resume_salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)


class ResumeThrottle(Base):
    """Failed resume attempts on this kiosk: after a few, each try waits longer."""

    __tablename__ = "resume_throttle"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Page(Base):
    """A scanned page of a document of an application being filled in, encrypted with the
    kiosk key (associated data: ``app_uuid/document_id/page_no``). Wiped on submit."""

    __tablename__ = "page"

    app_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    page_no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    content_type: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class OutboxItem(Base):
    """A submitted application, sealed to the central API's public key, waiting for or
    done with delivery. ``uuid`` is the client-generated idempotency key end to end."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_created_at", "state", "created_at"),)

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_reference: Mapped[str] = mapped_column(String(16), unique=True)
    procedure_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    state_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    central_reference: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    uploading_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class OutboxAttachment(Base):
    """A page of a submitted application, sealed to the central API's key; content-addressed
    by the SHA-256 of the sealed bytes. ``uploaded_at``: the central API has all of it."""

    __tablename__ = "outbox_attachment"

    outbox_uuid: Mapped[str] = mapped_column(
        ForeignKey("outbox.uuid", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """What happened on this kiosk, for staff and support. Never personal data."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    event: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)  # JSON object of ids, states and counts


class Setting(Base):
    """Small, non-secret kiosk state (enrolment id, last heartbeat, ...)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
