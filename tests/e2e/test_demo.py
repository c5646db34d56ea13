"""The README's demo command, minus the display: `kiosk --demo` starts the reference central
API on loopback, enrols the kiosk, and stops everything when it is asked to quit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.integration


def wait_for(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)  # polling a subprocess's files: no Qt signal to wait on here  # ok
    return False


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
        assert wait_for(enrolment.exists, 60), "the demo kiosk did not enrol"
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
