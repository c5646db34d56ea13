"""Scanned pages (encrypted drafts' attachments), sealed attachments in the outbox, and the
outbox's uploading/delivered timestamps.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-20

``page`` holds each scanned page encrypted with the kiosk key while the application is a
draft; ``outbox_attachment`` holds each page sealed to the central API's key once it is
submitted (content-addressed by the SHA-256 of the sealed bytes).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "page",
        sa.Column("app_uuid", sa.String(length=36), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("page_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("app_uuid", "document_id", "page_no", name=op.f("pk_page")),
    )
    op.create_table(
        "outbox_attachment",
        sa.Column("outbox_uuid", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["outbox_uuid"],
            ["outbox.uuid"],
            name=op.f("fk_outbox_attachment_outbox_uuid_outbox"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outbox_uuid", "position", name=op.f("pk_outbox_attachment")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uploading_at", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("delivered_at", sa.String(length=32), nullable=True))


def downgrade() -> None:
    # Drop the attachments first: rebuilding "outbox" below (SQLite batch mode) while a
    # table refers to it with ON DELETE CASCADE would be asking for trouble.
    op.drop_table("outbox_attachment")
    op.drop_table("page")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("uploading_at")
