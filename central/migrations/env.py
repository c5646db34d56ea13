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

from central.db import Base
from contract.alembic_env import run_migrations

run_migrations(Base.metadata, "central.db.migrate")
