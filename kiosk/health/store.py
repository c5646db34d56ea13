"""The store's schema as ``kiosk-health``, ``kiosk-migrate`` and the installer's check read
it: read-only, with the standard library's sqlite3 (SQLAlchemy is slow to import)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

DB_FILENAME = "kiosk.db"  # kiosk.store.store.DB_FILENAME (not imported: SQLAlchemy is slow)


def store_revision(db_path: Path) -> str | None:
    """The Alembic revision of the store's database (read-only), None if it has none."""
    conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None  # no alembic_version table: never migrated
    finally:
        conn.close()
    return str(row[0]) if row else None


def head_revision() -> str:
    """The newest migration shipped with this version of the kiosk."""
    from alembic.script import ScriptDirectory

    from kiosk.store.store import MIGRATIONS_DIR

    heads = ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the store's migrations have {len(heads)} heads: {heads}")
    return str(heads[0])
