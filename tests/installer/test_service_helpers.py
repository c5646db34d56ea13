"""The helpers the Debian package installs in /usr/libexec/kiosk-titre-sejour, run here
from the source tree: kiosk-sync-service builds kiosk-sync's command line from the kiosk's
settings, kiosk-migrate creates or migrates the store."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from kiosk.config import load_settings
from kiosk.health import head_revision, store_revision
from sync.agent import parse_args

FILES = Path(__file__).resolve().parents[2] / "installer" / "files"


def load(name: str) -> ModuleType:
    loader = importlib.machinery.SourceFileLoader(name.replace("-", "_"), str(FILES / name))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_sync_service_passes_the_kiosk_settings_to_kiosk_sync(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n'
        'central_url = "https://central.example.org"\n'
        f'ca_bundle = "{tmp_path / "ca.pem"}"\n'
        f'client_cert = "{tmp_path / "client.pem"}"\n'
        f'client_key = "{tmp_path / "client.key"}"\n'
        'kiosk_name = "borne-3"\nsync_interval_s = 45\nacknowledged_retention_days = 3\n',
        encoding="utf-8",
    )
    service = load("kiosk-sync-service")
    args = parse_args(service.sync_args(load_settings(config, environ={})))
    assert args.data_dir == tmp_path / "data"
    assert args.server == "https://central.example.org"
    assert args.ca_bundle == tmp_path / "ca.pem"
    assert (args.client_cert, args.client_key) == (tmp_path / "client.pem", tmp_path / "client.key")
    assert (args.kiosk_name, args.interval, args.retention_days) == ("borne-3", 45.0, 3.0)
    # Extra arguments win (enrolment from the command line).
    more = parse_args([*service.sync_args(load_settings(config, environ={})), "--server", "x"])
    assert more.server == "x"


def test_sync_service_without_tls_files(tmp_path: Path) -> None:
    settings = load_settings(None, {"data_dir": tmp_path}, environ={})
    argv = load("kiosk-sync-service").sync_args(settings)
    assert "--ca-bundle" not in argv and "--client-cert" not in argv
    assert parse_args(argv).server == settings.central_url


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
