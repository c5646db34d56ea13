"""Issue 16: each change of a kiosk's reported state, for the fleet view's history of the day.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kiosk_state_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kiosk_state_log_kiosk_id", "kiosk_state_log", ["kiosk_id"])
    op.create_index("ix_kiosk_state_log_at", "kiosk_state_log", ["at"])


def downgrade() -> None:
    op.drop_index("ix_kiosk_state_log_at", table_name="kiosk_state_log")
    op.drop_index("ix_kiosk_state_log_kiosk_id", table_name="kiosk_state_log")
    op.drop_table("kiosk_state_log")
