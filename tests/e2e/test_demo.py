"""The README's demo command, minus the display: `kiosk --demo` starts the reference central
API on loopback, enrols the kiosk, and stops everything when it is asked to quit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.integration


def _the_package_changed(path: Path) -> bool:
    """``path`` is gone (a purge), or the installed package owns it (an install)."""
    if not path.exists():
        return True
    query = subprocess.run(["dpkg-query", "-S", str(path)], capture_output=True, check=False)
    return query.returncode == 0


def test_demo_starts_central_enrols_and_stops_cleanly(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--demo", "--windowed", "--data-dir", str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        enrolment = tmp_path / "enrolment.json"
        assert eventually(enrolment.exists, 60), "the demo kiosk did not enrol"
        assert oct(enrolment.stat().st_mode & 0o777) == "0o600"
        data = json.loads(enrolment.read_text())
        url = data["server_url"]
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(f"{url}/v1/health", timeout=5).json()["status"] == "ok"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "demo central API on http://127.0.0.1:" in out
    # The demo's central server stopped with the kiosk.
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/v1/health", timeout=2)
    assert (tmp_path / "store" / "kiosk.db").exists()


def test_the_demo_keeps_to_its_own_directory_and_gives_the_desk_its_own_token(
    tmp_path: Path,
) -> None:
    """Issue 16, problems 5 and 6: run as root with a home of its own, the demo puts
    everything in its own data directory (0700, so kiosk-health does not fail it) and
    prints a desk command with a desk token, which reads the desk and never the
    applications. The README never tells the desk to use the admin token."""
    import re

    from kiosk.config import SYSTEM_CONFIG

    home = tmp_path / "home"
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
    )
    for name in ("KIOSK_CONFIG", "KIOSK_DATA_DIR"):
        env.pop(name, None)
    system_before = SYSTEM_CONFIG.stat().st_mtime_ns if SYSTEM_CONFIG.exists() else None
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--demo", "--windowed"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    data_dir = home / "data" / "kiosk-titre-sejour-demo"
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the demo says how to start the desk as it starts
            lines.append(line)
            if "kiosk --desk" in line:
                break
        desk_token = re.search(r"KIOSK_DESK_TOKEN=(\S+)", lines[-1]).group(1)  # type: ignore[union-attr]
        admin_token = re.search(r"Bearer (\S+?)'", "".join(lines)).group(1)  # type: ignore[union-attr]
        assert desk_token != admin_token
        enrolment = data_dir / "enrolment.json"
        assert eventually(enrolment.exists, 60), "the demo kiosk did not enrol in its directory"
        url = json.loads(enrolment.read_text())["server_url"]
        auth = {"Authorization": f"Bearer {desk_token}"}
        assert requests.get(f"{url}/v1/desk/kiosks", headers=auth, timeout=10).ok
        refused = requests.get(f"{url}/v1/admin/applications", headers=auth, timeout=10)
        assert refused.status_code in (401, 403)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, "".join(lines) + out
    assert data_dir.stat().st_mode & 0o777 == 0o700
    assert {p.name for p in home.iterdir()} == {"data"}  # nothing beside it
    now = SYSTEM_CONFIG.stat().st_mtime_ns if SYSTEM_CONFIG.exists() else None
    # Unchanged, unless the Debian package's own install or purge changed it meanwhile:
    # CI's installer check (scripts/test) runs beside pytest, and kiosk.toml is its conffile.
    assert now == system_before or _the_package_changed(SYSTEM_CONFIG)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for line in readme.splitlines():
        if "KIOSK_DESK_TOKEN" in line or "desk_token" in line:
            assert "admin" not in line.lower(), line
