"""Issue 16: remote actions from the desk (out of service and back, sync now, end a stuck
session), each with who asked and what the kiosk reported; the fleet view's out-of-service
message and who set it, who assists, the last successful sync (kiosk_presence).

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
    with op.batch_alter_table("kiosk_presence") as batch:
        batch.add_column(sa.Column("out_of_service_message", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("out_of_service_by", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("assisted_by", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("last_sync_ok_at", UTC, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kiosk_presence") as batch:
        for column in ("last_sync_ok_at", "assisted_by", "out_of_service_by"):
            batch.drop_column(column)
        batch.drop_column("out_of_service_message")
    op.drop_index("ix_kiosk_commands_state", table_name="kiosk_commands")
    op.drop_index("ix_kiosk_commands_kiosk_id", table_name="kiosk_commands")
    op.drop_table("kiosk_commands")
