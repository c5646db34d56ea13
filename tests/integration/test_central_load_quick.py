"""benchmarks/central_load.py still runs (its quick mode, SQLite): CI proves the benchmark
works; its figures are printed by the full run, never asserted here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def test_the_load_benchmark_runs_in_quick_mode() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "central_load.py"), "--quick", "--db", "sqlite"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    for route in (
        "heartbeat",
        "attachment chunk PUT",
        "application PUT",
        "status lookup",
        "sign-in (hostile flood)",
    ):
        assert f"  {route} " in out, out
    assert "server CPU" in out and "load average" in out
