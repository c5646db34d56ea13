"""The Alembic migrations and the SQLAlchemy models describe the same schema."""

from __future__ import annotations

import itertools
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata, produce_migrations, render_python_code
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from kiosk.store import Store
from kiosk.store.migrations import render_item
from kiosk.store.models import Base
from kiosk.store.store import MIGRATIONS_DIR


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _diff(store: Store, metadata: sa.MetaData) -> list[object]:
    with store.database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_models_match_migrated_schema(data_dir: Path) -> None:
    with Store.open(data_dir) as store:
        assert _diff(store, Base.metadata) == []


def test_comparison_can_see_a_difference(data_dir: Path) -> None:
    # The check above is only worth something if compare_metadata notices drift.
    metadata = sa.MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    sa.Table("draft", metadata, sa.Column("extra", sa.Integer()), extend_existing=True)
    with Store.open(data_dir) as store:
        diff = _diff(store, metadata)
    assert any("extra" in repr(d) for d in diff)


def test_migrations_form_one_linear_chain() -> None:
    # Two colleagues adding a migration each must chain them (down_revision), not branch.
    script = ScriptDirectory.from_config(_config())
    assert len(script.get_heads()) == 1, "several heads: chain the newest migrations"
    revisions = list(script.walk_revisions())
    assert revisions[-1].down_revision is None
    for newer, older in itertools.pairwise(revisions):
        assert newer.down_revision == older.revision


def test_database_is_at_head(data_dir: Path) -> None:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None and head >= "0002"
    with Store.open(data_dir) as store, store.database.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head


def test_downgrade_and_upgrade_again(data_dir: Path) -> None:
    with Store.open(data_dir) as store:
        cfg = _config()
        with store.database.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        with store.database.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) == {"alembic_version"}
    with Store.open(data_dir) as store:
        assert _diff(store, Base.metadata) == []


def test_autogenerate_renders_self_contained_migrations(tmp_path: Path) -> None:
    # New migrations generated from the models must not import kiosk.store.models.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            code = render_python_code(
                produce_migrations(context, Base.metadata).upgrade_ops, render_item=render_item
            )
    finally:
        engine.dispose()
    assert "sa.String(length=32)" in code
    assert "UTCDateTime" not in code
    assert "kiosk" not in code
