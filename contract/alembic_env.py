"""The Alembic environment the two databases share, the kiosk's store and the central API's.

Migrations run online only, on the connection the caller opened
(``config.attributes["connection"]``) and inside the transaction it holds, so that two
processes starting at once migrate one after the other. Each side's ``env.py`` names its
metadata and who runs its migrations.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import MetaData


def run_migrations(target_metadata: MetaData, runner: str, **options: Any) -> None:
    """Run the pending migrations on the caller's connection (``runner``: what to call
    instead, said when there is none; ``options``: more of ``context.configure``'s)."""
    if context.is_offline_mode():
        raise RuntimeError("offline (SQL script) migrations are not supported")
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(f"run migrations through {runner}")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode
        compare_type=True,
        **options,
    )
    with context.begin_transaction():
        context.run_migrations()
