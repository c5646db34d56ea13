"""Resume codes: a draft saved for later can be reopened with a short code and the
applicant's date of birth; repeated wrong tries are slowed down.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

``draft`` gets the keyed hashes of the code (never the code or the date of birth in
clear) and an expiry date; ``resume_throttle`` counts failed tries per kiosk.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resume_lookup", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("resume_hash", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("resume_salt", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_draft_expires_at"), ["expires_at"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_draft_resume_lookup"), ["resume_lookup"])
    op.create_table(
        "resume_throttle",
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.String(length=32), nullable=True),
        sa.Column("locked_until", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_resume_throttle")),
    )


def downgrade() -> None:
    op.drop_table("resume_throttle")
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_draft_resume_lookup"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_draft_expires_at"))
        batch_op.drop_column("expires_at")
        batch_op.drop_column("resume_salt")
        batch_op.drop_column("resume_hash")
        batch_op.drop_column("resume_lookup")
