"""Initial schema: drafts, outbox, audit events, settings.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Datetimes are sa.String(length=32): UTC ISO 8601 text, fixed width, so that text
comparison is chronological (see kiosk.store.models.UTCDateTime).
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
        "draft",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("procedure_id", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_draft")),
    )
    op.create_index(op.f("ix_draft_updated_at"), "draft", ["updated_at"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("local_reference", sa.String(length=16), nullable=False),
        sa.Column("procedure_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("state_changed_at", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("central_reference", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_outbox")),
        sa.UniqueConstraint("local_reference", name=op.f("uq_outbox_local_reference")),
    )
    op.create_index("ix_outbox_state_created_at", "outbox", ["state", "created_at"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_at"), "audit_event", ["at"], unique=False)

    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_setting")),
    )


def downgrade() -> None:
    op.drop_table("setting")
    op.drop_index(op.f("ix_audit_event_at"), table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_index("ix_outbox_state_created_at", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_draft_updated_at"), table_name="draft")
    op.drop_table("draft")
