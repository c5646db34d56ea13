"""The central database's Alembic migrations: a new database at head has exactly the schema
of the models, and a database made before migrations existed is taken over (stamped at the
baseline, then upgraded) with its rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
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


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_pages_made_before_0002_are_kept_under_their_kiosk(tmp_path: Path, backend: str) -> None:
    """0002 rebuilds the page tables (pages named per kiosk): the rows come across, on both
    databases."""
    from alembic import command
    from alembic.config import Config

    from central.db import MIGRATIONS_DIR
    from tests.fixtures.central import database_for

    with database_for(backend) as pg_url:
        engine = make_engine(pg_url or f"sqlite:///{tmp_path / 'central.db'}")
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        t = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        try:
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "0001")
                conn.execute(
                    text(
                        "INSERT INTO kiosks (id, name, token_sha256, revoked, enrolled_at, "
                        "software_version) VALUES ('k1', 'k', 'aa', false, :t, '1')"
                    ),
                    {"t": t},
                )
                conn.execute(
                    text(
                        "INSERT INTO attachments (sha256, kiosk_id, size, received, complete, "
                        "created_at) VALUES ('bb', 'k1', 3, 3, true, :t)"
                    ),
                    {"t": t},
                )
                conn.execute(
                    text(
                        "INSERT INTO attachment_chunks (sha256, \"offset\", data) VALUES ('bb', 0, :d)"
                    ),
                    {"d": b"abc"},
                )
                conn.execute(
                    text(
                        "INSERT INTO applications (uuid, central_reference, kiosk_id, "
                        "kiosk_reference, procedure_id, received_at, status, sealing_format, "
                        "sealed, sha256) VALUES ('u1', 'PREF-1', 'k1', 'K-1', 'p', :t, "
                        "'received', 1, :s, 'cc')"
                    ),
                    {"t": t, "s": b"x"},
                )
                conn.execute(
                    text(
                        "INSERT INTO application_attachments (application_uuid, sha256, position, "
                        "document_id, page_no, content_type, size) VALUES "
                        "('u1', 'bb', 0, 'passport', 1, 'image/jpeg', 3)"
                    )
                )
            assert migrate(engine) == _head()
            with engine.connect() as conn:
                assert conn.execute(text("SELECT kiosk_id, sha256 FROM attachments")).all() == [
                    ("k1", "bb")
                ]
                assert conn.execute(text("SELECT kiosk_id, data FROM attachment_chunks")).all() == [
                    ("k1", b"abc")
                ]
                assert conn.execute(
                    text("SELECT kiosk_id, application_uuid FROM application_attachments")
                ).all() == [("k1", "u1")]
                assert conn.execute(text("SELECT validity FROM applications")).scalar() == "valid"
        finally:
            engine.dispose()
