"""The helper the Debian package installs in /usr/libexec/kiosk-titre-sejour, run here from
the source tree: kiosk-migrate creates or migrates the store. (kiosk-sync reads the kiosk's
settings itself: tests/unit/test_link.py.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.health.store import head_revision, store_revision

FILES = Path(__file__).resolve().parents[2] / "installer" / "files"


@pytest.mark.slow
def test_migrate_creates_then_migrates_the_store(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    env = {"KIOSK_CONFIG": str(config), "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, str(FILES / "kiosk-migrate")]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "created" in first.stdout
    db = tmp_path / "data" / "store" / "kiosk.db"
    assert store_revision(db) == head_revision()
    # As if written by the previous version: the newest migration undone.
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from kiosk.store.store import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "-1")
    engine.dispose()
    previous = store_revision(db)
    assert previous is not None and previous != head_revision()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"migrated: schema {previous} -> {head_revision()}" in again.stdout
    assert store_revision(db) == head_revision()
