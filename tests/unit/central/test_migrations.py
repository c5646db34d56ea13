"""The central database's Alembic migrations: a new database at head has exactly the schema
of the models, and a database made before migrations existed is taken over (stamped at the
baseline, then upgraded) with its rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from central.db import Base, make_engine, migrate


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from central.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def test_a_new_database_at_head_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'central.db'}")
    try:
        assert migrate(engine) == _head()
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], diff
        assert migrate(engine) == _head()  # again: nothing to do
    finally:
        engine.dispose()


def test_a_database_made_before_migrations_is_taken_over(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = make_engine(url)
    from alembic import command
    from alembic.config import Config

    from central.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:  # the baseline schema, as create_all made it, and a row
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(
            text("INSERT INTO enrolment_codes (code_sha256, created_at) VALUES ('ab', :t)"),
            {"t": dt.datetime(2026, 1, 1)},
        )
    engine.dispose()
    engine = make_engine(url)
    try:
        assert migrate(engine) == _head()
        assert "alembic_version" in inspect(engine).get_table_names()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM enrolment_codes")).scalar() == 1
    finally:
        engine.dispose()
