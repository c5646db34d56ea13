"""Issue 16: remote actions from the desk (out of service and back, sync now, end a stuck
session), each with who asked and what the kiosk reported.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kiosk_commands",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", UTC, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("done_at", UTC, nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kiosk_commands_kiosk_id", "kiosk_commands", ["kiosk_id"])
    op.create_index("ix_kiosk_commands_state", "kiosk_commands", ["state"])


def downgrade() -> None:
    op.drop_index("ix_kiosk_commands_state", table_name="kiosk_commands")
    op.drop_index("ix_kiosk_commands_kiosk_id", table_name="kiosk_commands")
    op.drop_table("kiosk_commands")
