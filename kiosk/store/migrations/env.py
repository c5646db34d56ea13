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

from contract.alembic_env import run_migrations
from kiosk.store.migrations import render_item
from kiosk.store.models import Base

run_migrations(Base.metadata, "kiosk.store (Store.open)", render_item=render_item)
