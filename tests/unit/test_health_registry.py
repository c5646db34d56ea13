"""kiosk.health's registry, and its one set of checks shared by kiosk-health, admin mode's
self-tests and the heartbeat."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk.admin.selftest import SelfTests
from kiosk.config import load_settings
from kiosk.health import checks
from kiosk.health.cli import run_checks
from kiosk.health.heartbeat import collect
from kiosk.health.registry import Check, Registry, Result
from tests.unit.test_health import good_probes

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def test_a_registry_runs_in_order_never_raises_and_skips() -> None:
    def broken() -> Result:
        raise OSError("/home/someone/secret")

    registry = Registry([Check("b", lambda: Result("ok", "fine")), Check("a", broken)])
    registry.add(Check("c", lambda: Result("warn", "low")))
    registry.add(Check("b", lambda: Result("fail", "replaced")))  # same name: replaced in place
    assert list(registry) == ["b", "a", "c"] and "a" in registry and "z" not in registry
    found = registry.run_all(skip=["c"])
    assert found == {
        "b": Result("fail", "replaced"),
        "a": Result("fail", "échec : OSError"),  # its type only: no path, no personal data
        "c": Result("skipped", "--skip"),
    }
    assert [r.ok for r in found.values()] == [False, False, True]
    assert Result("warn", "low").as_health() == {"ok": True, "detail": "low"}
    with pytest.raises(KeyError):
        registry.run("z")


def test_the_three_users_run_the_same_disk_and_clock_checks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """One implementation each: replaced once, every user sees it (they were three)."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    monkeypatch.setattr(checks, "disk", lambda *_a, **_k: Result("warn", "the one disk check"))
    monkeypatch.setattr(checks, "clock", lambda *_a, **_k: Result("fail", "the one clock check"))
    settings = load_settings(None, {"fake_devices": True, "data_dir": data}, environ={})

    heartbeat = collect(settings, clock=lambda: NOW)
    tests = SelfTests(settings, clock=lambda: NOW)
    report = run_checks(settings=settings, probes=good_probes(), skip=["central"])
    cli = {c.name: (c.status, c.detail) for c in report.checks}

    assert heartbeat["disk"] == {"ok": True, "detail": "the one disk check"}
    assert heartbeat["clock"] == {"ok": False, "detail": "the one clock check"}
    assert tests.run("disk") == Result("warn", "the one disk check")
    assert tests.run("clock") == Result("fail", "the one clock check")
    assert cli["disk"] == ("warn", "the one disk check")
    assert cli["clock"] == ("fail", "the one clock check")


def test_the_clock_policy_of_each_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Not synchronised (NTP): a failure for staff in admin mode, a warning for kiosk-health;
    the heartbeat does not ask. An implausible date fails everywhere."""
    monkeypatch.setattr(checks, "ntp_synchronized", lambda: False)
    real = load_settings(None, {"fake_devices": False, "data_dir": tmp_path}, environ={})
    assert SelfTests(real, clock=lambda: NOW).run("clock").status == "fail"
    probes = good_probes(now=lambda: NOW, ntp_synchronized=lambda: False)
    report = run_checks(settings=real, probes=probes, skip=["central"])
    assert {c.name: c.status for c in report.checks}["clock"] == "warn"
    assert collect(real, clock=lambda: NOW)["clock"]["ok"]
    year_2150 = dt.datetime(2150, 1, 1, tzinfo=dt.UTC)
    assert not collect(real, clock=lambda: year_2150)["clock"]["ok"]
    assert SelfTests(real, clock=lambda: year_2150).run("clock").status == "fail"


def test_disk_space_words_are_the_same_for_every_user(tmp_path: Path) -> None:
    settings = load_settings(None, {"fake_devices": True, "data_dir": tmp_path}, environ={})
    detail = checks.disk(tmp_path).detail
    assert detail.endswith(f" sur {tmp_path}") or " : moins de " in detail
    assert collect(settings)["disk"]["detail"] == detail
    assert SelfTests(settings).run("disk").detail == detail
