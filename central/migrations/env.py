"""Alembic environment for the central API's database (SQLite or PostgreSQL).

Migrations run programmatically from :func:`central.db.migrate`, on the connection it opened
(``config.attributes["connection"]``) and inside its transaction, which holds a lock (SQLite's
``BEGIN IMMEDIATE``, a PostgreSQL advisory lock) so that two processes starting at once
migrate one after the other. To autogenerate a revision in development: build the same
``Config`` (script_location = this directory), put a connection to a database at head in
``attributes["connection"]`` and call ``alembic.command.revision(cfg, message,
autogenerate=True)``.
"""

from __future__ import annotations

from alembic import context

from central.db import Base

target_metadata = Base.metadata
config = context.config


def run_migrations() -> None:
    if context.is_offline_mode():
        raise RuntimeError("offline (SQL script) migrations are not supported")
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through central.db.migrate")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
