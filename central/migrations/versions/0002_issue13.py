"""Issue 13: staff sessions, sign-in attempts, assisted sessions, enrolment failures; pages
named per kiosk; applications' validity, problems and assisted_by; kiosk references unique
per kiosk.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06

The three page tables change their keys (a page is named by its kiosk and its SHA-256): they
are rebuilt and their rows copied, which SQLite and PostgreSQL both do the same way.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def _new_tables() -> None:
    op.create_table(
        "staff_sign_in_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("identifier_sha256", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("identifier_sha256", "kiosk_id", "address", "at"):
        op.create_index(f"ix_staff_sign_in_attempts_{column}", "staff_sign_in_attempts", [column])
    op.create_table(
        "staff_sessions",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("identifier", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_used_at", UTC, nullable=False),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("token_sha256"),
    )
    op.create_index("ix_staff_sessions_identifier", "staff_sessions", ["identifier"])
    op.create_index("ix_staff_sessions_kiosk_id", "staff_sessions", ["kiosk_id"])
    op.create_table(
        "assisted_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_sha256", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("mediator_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("ended_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_assisted_sessions_kiosk_id", "assisted_sessions", ["kiosk_id"])
    op.create_index("ix_assisted_sessions_session_sha256", "assisted_sessions", ["session_sha256"])
    op.create_table(
        "enrol_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_enrol_failures_address", "enrol_failures", ["address"])
    op.create_index("ix_enrol_failures_at", "enrol_failures", ["at"])


def _pages_per_kiosk() -> None:
    op.create_table(
        "attachments_v2",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("completed_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"]),
        sa.PrimaryKeyConstraint("kiosk_id", "sha256"),
    )
    op.execute(
        "INSERT INTO attachments_v2 (kiosk_id, sha256, size, received, complete, created_at, "
        "completed_at) SELECT kiosk_id, sha256, size, received, complete, created_at, "
        "completed_at FROM attachments"
    )
    op.create_table(
        "attachment_chunks_v2",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("offset", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id", "sha256"],
            ["attachments_v2.kiosk_id", "attachments_v2.sha256"],
            name="fk_attachment_chunks_attachment",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("kiosk_id", "sha256", "offset"),
    )
    op.execute(
        'INSERT INTO attachment_chunks_v2 (kiosk_id, sha256, "offset", data) '
        'SELECT a.kiosk_id, c.sha256, c."offset", c.data FROM attachment_chunks c '
        "JOIN attachments a ON a.sha256 = c.sha256"
    )
    op.create_table(
        "application_attachments_v2",
        sa.Column("application_uuid", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("page_no", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["application_uuid"], ["applications.uuid"]),
        sa.PrimaryKeyConstraint("application_uuid", "sha256"),
        sa.UniqueConstraint("kiosk_id", "sha256", name="uq_application_attachments_page"),
    )
    op.execute(
        "INSERT INTO application_attachments_v2 (application_uuid, sha256, kiosk_id, position, "
        "document_id, page_no, content_type, size) SELECT aa.application_uuid, aa.sha256, "
        "ap.kiosk_id, aa.position, aa.document_id, aa.page_no, aa.content_type, aa.size "
        "FROM application_attachments aa JOIN applications ap ON ap.uuid = aa.application_uuid"
    )
    op.drop_table("application_attachments")
    op.drop_table("attachment_chunks")
    op.drop_index("ix_attachments_kiosk_id", table_name="attachments")
    op.drop_table("attachments")
    op.rename_table("attachments_v2", "attachments")
    op.rename_table("attachment_chunks_v2", "attachment_chunks")
    op.rename_table("application_attachments_v2", "application_attachments")
    op.create_index("ix_attachments_created_at", "attachments", ["created_at"])


def upgrade() -> None:
    _new_tables()
    # Plain ADD COLUMN and a unique index: no rebuild of a table other tables refer to
    # (SQLite would have to drop it, which its foreign keys refuse).
    op.add_column(
        "applications",
        sa.Column("validity", sa.String(length=20), server_default="valid", nullable=False),
    )
    op.add_column("applications", sa.Column("problems", sa.Text(), nullable=True))
    op.add_column("applications", sa.Column("assisted_by", sa.String(length=64), nullable=True))
    op.create_index(
        "uq_applications_kiosk_reference", "applications", ["kiosk_id", "kiosk_reference"],
        unique=True,
    )  # fmt: skip
    _pages_per_kiosk()


def downgrade() -> None:
    raise NotImplementedError("the central database cannot go back before 0002: restore a backup")
