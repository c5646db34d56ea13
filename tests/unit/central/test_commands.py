"""The maintenance commands of ``kiosk-central``: migrate, retention, nginx-config."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from central.__main__ import main


def test_migrate_then_retention(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "central"
    assert main(["migrate", "--data-dir", str(data)]) == 0
    assert "latest schema" in capsys.readouterr().out
    assert stat.S_IMODE((data / "central.db").stat().st_mode) == 0o600
    assert main(["retention", "--data-dir", str(data)]) == 0
    assert "retention: deleted unfinished uploads 0" in capsys.readouterr().out


def test_nginx_config_is_written(tmp_path: Path) -> None:
    out = tmp_path / "kiosk-central.conf"
    args = ["nginx-config", "--server-name", "central.prefecture.example"]
    args += ["--tls-cert", "/etc/ssl/c.pem", "--tls-key", "/etc/ssl/k.pem"]
    args += ["--client-ca", "/etc/ssl/fleet.pem", "--upstream", "127.0.0.1:8765"]
    args += ["--upstream", "127.0.0.1:8766", "--output", str(out)]
    assert main(args) == 0
    text = out.read_text()
    assert "server_name central.prefecture.example;" in text
    assert "ssl_verify_client on;" in text
    assert "server 127.0.0.1:8765" in text and "server 127.0.0.1:8766" in text
    assert "client_max_body_size 8192k;" in text  # an attachment chunk
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text
