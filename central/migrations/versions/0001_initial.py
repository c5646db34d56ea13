"""Initial schema: the central database as create_all made it before migrations

Revision ID: 0001
Revises:
Create Date: 2026-12-06

Write migrations self-contained: plain SQLAlchemy types (datetimes are
sa.DateTime(timezone=True)), no imports from central.db.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enrolment_codes",
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("code_sha256"),
    )
    op.create_table(
        "kiosks",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("software_version", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kiosks_token_sha256"), ["token_sha256"], unique=True)

    op.create_table(
        "reference_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "staff_accounts",
        sa.Column("identifier", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("badge_hash", sa.String(length=200), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("identifier"),
    )
    op.create_table(
        "staff_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_audit_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_audit_at"), ["at"], unique=False)

    op.create_table(
        "status_lookup_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference_sha256", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("status_lookup_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_lookup_failures_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_status_lookup_failures_kiosk_id"), ["kiosk_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_status_lookup_failures_reference_sha256"),
            ["reference_sha256"],
            unique=False,
        )

    op.create_table(
        "applications",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("central_reference", sa.String(length=32), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("kiosk_reference", sa.String(length=40), nullable=False),
        sa.Column("procedure_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sealing_format", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id"],
            ["kiosks.id"],
        ),
        sa.PrimaryKeyConstraint("uuid"),
        sa.UniqueConstraint("central_reference"),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_kiosk_id"), ["kiosk_id"], unique=False)
        batch_op.create_index("ix_applications_kiosk_reference", ["kiosk_reference"], unique=False)

    op.create_table(
        "attachments",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["kiosk_id"],
            ["kiosks.id"],
        ),
        sa.PrimaryKeyConstraint("sha256"),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_kiosk_id"), ["kiosk_id"], unique=False)

    op.create_table(
        "help_calls",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("screen", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["kiosk_id"],
            ["kiosks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("help_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_help_calls_kiosk_id"), ["kiosk_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_help_calls_status"), ["status"], unique=False)

    op.create_table(
        "kiosk_heartbeats",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("software_version", sa.String(length=40), nullable=False),
        sa.Column("backlog", sa.Text(), nullable=False),
        sa.Column("device_health", sa.Text(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["kiosk_id"],
            ["kiosks.id"],
        ),
        sa.PrimaryKeyConstraint("kiosk_id"),
    )
    op.create_table(
        "kiosk_presence",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=True),
        sa.Column("screen", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["kiosk_id"],
            ["kiosks.id"],
        ),
        sa.PrimaryKeyConstraint("kiosk_id"),
    )
    op.create_table(
        "kiosk_sites",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("site", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id"],
            ["kiosks.id"],
        ),
        sa.PrimaryKeyConstraint("kiosk_id"),
    )
    with op.batch_alter_table("kiosk_sites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kiosk_sites_site"), ["site"], unique=False)

    op.create_table(
        "application_attachments",
        sa.Column("application_uuid", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("page_no", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_uuid"],
            ["applications.uuid"],
        ),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["attachments.sha256"],
        ),
        sa.PrimaryKeyConstraint("application_uuid", "sha256"),
        sa.UniqueConstraint("sha256"),
    )
    op.create_table(
        "application_status_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_uuid", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_uuid"],
            ["applications.uuid"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("application_status_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_status_history_application_uuid"),
            ["application_uuid"],
            unique=False,
        )

    op.create_table(
        "attachment_chunks",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("offset", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["attachments.sha256"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sha256", "offset"),
    )


def downgrade() -> None:
    op.drop_table("attachment_chunks")
    with op.batch_alter_table("application_status_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_status_history_application_uuid"))

    op.drop_table("application_status_history")
    op.drop_table("application_attachments")
    with op.batch_alter_table("kiosk_sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiosk_sites_site"))

    op.drop_table("kiosk_sites")
    op.drop_table("kiosk_presence")
    op.drop_table("kiosk_heartbeats")
    with op.batch_alter_table("help_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_help_calls_status"))
        batch_op.drop_index(batch_op.f("ix_help_calls_kiosk_id"))

    op.drop_table("help_calls")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_kiosk_id"))

    op.drop_table("attachments")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_kiosk_reference")
        batch_op.drop_index(batch_op.f("ix_applications_kiosk_id"))

    op.drop_table("applications")
    with op.batch_alter_table("status_lookup_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_lookup_failures_reference_sha256"))
        batch_op.drop_index(batch_op.f("ix_status_lookup_failures_kiosk_id"))
        batch_op.drop_index(batch_op.f("ix_status_lookup_failures_at"))

    op.drop_table("status_lookup_failures")
    with op.batch_alter_table("staff_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_audit_at"))
        batch_op.drop_index(batch_op.f("ix_staff_audit_actor"))

    op.drop_table("staff_audit")
    op.drop_table("staff_accounts")
    op.drop_table("reference_counters")
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiosks_token_sha256"))

    op.drop_table("kiosks")
    op.drop_table("enrolment_codes")
