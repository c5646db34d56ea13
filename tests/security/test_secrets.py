"""Secrets are read from files or the environment, never from the command line (other users
read a process's arguments with ``ps``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from central.__main__ import settings_from_args
from tests.fixtures.central import CentralServer


@pytest.mark.integration
def test_the_running_servers_arguments_hold_no_secret(server: CentralServer) -> None:
    cmdline = Path(f"/proc/{server.process.pid}/cmdline").read_bytes().decode()
    assert server.admin_token not in cmdline
    for code in server.enrolment_codes:
        assert code not in cmdline


@pytest.mark.parametrize("option", ["--admin-token", "--desk-token", "--enrolment-code"])
def test_a_secret_on_the_command_line_is_refused(
    tmp_path: Path, option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        settings_from_args(["--data-dir", str(tmp_path), f"{option}=s3cret-value-123456"], env={})
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "file" in err and "KIOSK_CENTRAL_" in err, err
    assert "s3cret-value-123456" not in err


def test_the_command_refuses_it_before_starting(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "central",
            "--data-dir",
            str(tmp_path),
            "--admin-token",
            "s3cret-value-123456",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "KIOSK_CENTRAL_ADMIN_TOKEN" in result.stderr
    assert not (tmp_path / "central.db").exists()  # nothing started


def test_secrets_come_from_files_and_the_environment(tmp_path: Path) -> None:
    admin = tmp_path / "admin-token"
    admin.write_text("file-admin-token-0123456789\n")
    admin.chmod(0o600)
    desks = tmp_path / "desk-tokens"
    desks.write_text(
        "# token site\ndesk-token-bobigny-012345 Bobigny\ndesk-token-creteil-67890 Créteil\n"
    )
    desks.chmod(0o600)
    codes = tmp_path / "codes"
    codes.write_text("ABCD-EFGH-JKMN-PQRS\n")
    codes.chmod(0o600)
    settings = settings_from_args(
        ["--data-dir", str(tmp_path / "d"), "--admin-token-file", str(admin),
         "--desk-tokens-file", str(desks), "--enrolment-codes-file", str(codes)],
        env={},
    )  # fmt: skip
    assert settings.admin_token == "file-admin-token-0123456789"
    assert dict(settings.desk_tokens) == {
        "desk-token-bobigny-012345": "Bobigny",
        "desk-token-creteil-67890": "Créteil",
    }
    assert list(settings.enrolment_codes) == ["ABCD-EFGH-JKMN-PQRS"]
    env = {"KIOSK_CENTRAL_ADMIN_TOKEN": "env-admin-token-0123456789"}
    assert (
        settings_from_args(["--data-dir", str(tmp_path / "d")], env=env).admin_token
        == env["KIOSK_CENTRAL_ADMIN_TOKEN"]
    )


def test_a_secret_file_others_can_read_is_refused(tmp_path: Path) -> None:
    admin = tmp_path / "admin-token"
    admin.write_text("file-admin-token-0123456789\n")
    os.chmod(admin, 0o644)
    with pytest.raises(SystemExit):
        settings_from_args(
            ["--data-dir", str(tmp_path / "d"), "--admin-token-file", str(admin)], env={}
        )
