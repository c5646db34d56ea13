"""Alembic environment for the kiosk database.

Migrations run programmatically from ``kiosk.store.store._migrate`` on the store's
already-open connection (``config.attributes["connection"]``), inside its
``BEGIN IMMEDIATE`` transaction, so two processes opening the store at once migrate
one after the other. To autogenerate a new revision in development, build the same
``Config`` (script_location = this directory), put a connection to a database migrated
to head in ``attributes["connection"]`` and call ``alembic.command.revision(cfg,
message, autogenerate=True)``.
"""

from __future__ import annotations

from alembic import context

from kiosk.store.migrations import render_item
from kiosk.store.models import Base

target_metadata = Base.metadata
config = context.config


def run_migrations() -> None:
    if context.is_offline_mode():
        raise RuntimeError("offline (SQL script) migrations are not supported")
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through kiosk.store (Store.open)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: use batch mode
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
