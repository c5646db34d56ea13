"""Admin mode's Qt-free parts: settings file, out-of-service state, self-tests, supervisor,
and the store's backlog and interrupted-draft queries."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest

from kiosk.admin import service, supervisor
from kiosk.admin.selftest import SelfTests
from kiosk.admin.settings_file import SettingsRefused, save, validate
from kiosk.config import Settings, load_settings
from kiosk.health.checks import clock, disk
from kiosk.health.registry import Result
from kiosk.store import Store

NOW = dt.datetime(2026, 11, 26, 13, 5, tzinfo=dt.UTC)


# --- settings ---------------------------------------------------------------------------
def test_valid_changes_are_written_and_read_back_by_the_kiosk(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('kiosk_name = "borne-7"\nvoice = true\n', encoding="utf-8")
    current = load_settings(config, environ={})
    changes = {"languages": "fr, ar, fa", "ca_bundle": "", "draft_retention_days": "14"}
    new = validate(current, changes, procedure_ids=["renewal-student"])
    save(config, new, changes)
    assert tomllib.loads(config.read_text(encoding="utf-8")) == {
        "kiosk_name": "borne-7",
        "voice": True,
        "languages": ["fr", "ar", "fa"],
        "draft_retention_days": 14,
    }
    again = load_settings(config, environ={})
    assert again.languages == ("fr", "ar", "fa") and again.draft_retention_days == 14


@pytest.mark.parametrize(
    ("changes", "culprits"),
    [
        ({"languages": "fr, klingon"}, {"languages"}),
        ({"languages": "en, ar"}, {"languages"}),  # French is the first screen's
        ({"procedures": "renewal-student, nope"}, {"procedures"}),
        ({"inactivity_timeout_s": "abc"}, {"inactivity_timeout_s"}),
        ({"text_scale": "3"}, {"text_scale"}),
        ({"central_url": "central.example"}, {"central_url"}),
        ({"ca_bundle": "/no/such/ca.pem"}, {"ca_bundle"}),
        ({"data_dir": "/tmp"}, {"data_dir"}),  # not editable from admin mode
    ],
)
def test_invalid_changes_are_refused_naming_the_setting(
    changes: dict[str, str], culprits: set[str]
) -> None:
    with pytest.raises(SettingsRefused) as refused:
        validate(Settings(), changes, procedure_ids=["renewal-student"])
    assert {name for name, _ in refused.value.problems} == culprits


# --- out of service ---------------------------------------------------------------------
def test_out_of_service_round_trip(tmp_path: Path) -> None:
    path = service.path_in(tmp_path)
    assert service.load(path) is None
    service.save(path, service.OutOfService("Maintenance", NOW, "adm-1"))
    assert service.load(path) == service.OutOfService("Maintenance", NOW, "adm-1")
    path.write_text("{broken", encoding="utf-8")
    assert service.load(path) is not None  # unreadable: stays out of service
    service.save(path, None)
    assert service.load(path) is None


# --- self-tests -------------------------------------------------------------------------
def test_disk_and_clock_checks(tmp_path: Path) -> None:
    assert disk(tmp_path / "not" / "yet", minimum=1).ok
    assert not disk(tmp_path, minimum=1 << 62).ok
    assert clock(NOW).ok
    assert not clock(dt.datetime(2001, 1, 1, tzinfo=dt.UTC)).ok
    assert not clock(NOW.replace(tzinfo=None)).ok
    # Not synchronised: a failure in admin mode, where staff act on it; kiosk-health warns.
    assert not clock(NOW, ntp=lambda: False, unsynchronised="fail").ok
    assert clock(NOW, ntp=lambda: False).status == "warn"


def test_a_failing_device_is_a_result_not_a_crash(tmp_path: Path) -> None:
    def broken() -> Result:
        raise OSError("no such device")

    tests = SelfTests(Settings(data_dir=tmp_path, fake_devices=True), checks={"camera": broken})
    result = tests.run("camera")
    assert result == Result("fail", "échec : OSError")
    assert tests.health() == {"camera": {"ok": False, "detail": "échec : OSError"}}


# --- supervisor -------------------------------------------------------------------------
class FakeChild:
    def __init__(self, status: int) -> None:
        self.status = status

    def wait(self) -> int:
        return self.status

    def poll(self) -> int:
        return self.status


def test_the_supervisor_restarts_after_a_crash_with_back_off() -> None:
    statuses = iter([-11, 1, 1, 0])  # a segfault, two crashes, then staff quit
    commands: list[list[str]] = []
    sleeps: list[float] = []

    def spawn(command: list[str]) -> Any:
        commands.append(command)
        return FakeChild(next(statuses))

    status = supervisor.supervise(
        ["--supervised", "--fake-devices"], spawn=spawn, sleep=sleeps.append,
        monotonic=lambda: 0.0,
    )  # fmt: skip
    assert status == 0
    assert len(commands) == 4
    assert commands[0][1:] == ["-m", "kiosk", "--fake-devices"]  # never supervised twice
    assert sleeps == [1.0, 2.0, 4.0]


# --- store ------------------------------------------------------------------------------
def test_backlog_queries_and_retry(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        uuid = "22222222-2222-4222-8222-222222222222"
        store.outbox.enqueue(uuid, "renewal-student", b"x", NOW)
        store.outbox.mark_failed(uuid, "HTTP 500", NOW, None)
        assert store.outbox.due(NOW + dt.timedelta(hours=1)) == []  # waits for staff
        [entry] = store.outbox.pending()
        assert (entry.state, entry.last_error) == ("failed", "HTTP 500")
        store.outbox.retry_now(uuid, NOW)
        assert [e.uuid for e in store.outbox.due(NOW)] == [uuid]


def test_drafts_of_an_interrupted_session_are_purged_but_saved_ones_kept(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.drafts.save("11111111-1111-4111-8111-111111111111", "p", "fr", {"a": "1"}, NOW)
        store.drafts.save("33333333-3333-4333-8333-333333333333", "p", "fr", {"a": "2"}, NOW)
        store.resume_codes.save(
            "33333333-3333-4333-8333-333333333333", "ABCD2345", "1980-02-01",
            NOW + dt.timedelta(days=3),
        )  # fmt: skip
        assert store.drafts.purge_unsaved() == 1
        assert store.drafts.load("11111111-1111-4111-8111-111111111111") is None
        assert store.drafts.load("33333333-3333-4333-8333-333333333333") is not None


def test_the_admin_parts_know_no_qt() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import kiosk.admin.diagnostics, kiosk.admin.enrol, kiosk.admin.selftest\n"
        "import kiosk.admin.service, kiosk.admin.settings_file, kiosk.admin.supervisor\n"
        "sys.exit(1 if any(m.startswith('PySide6') for m in sys.modules) else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_usb_drives_are_found_under_media(tmp_path: Path) -> None:
    from kiosk.admin.diagnostics import removable_dirs

    (tmp_path / "media" / "kiosk" / "CLE-USB").mkdir(parents=True)
    (tmp_path / "mnt" / "usb").mkdir(parents=True)
    roots = (str(tmp_path / "media"), str(tmp_path / "mnt"), str(tmp_path / "absent"))
    mounts = {tmp_path / "media" / "kiosk" / "CLE-USB", tmp_path / "mnt" / "usb"}
    assert removable_dirs(roots, is_mount=lambda p: p in mounts) == sorted(mounts)
    assert removable_dirs(roots, is_mount=lambda p: False) == []


def test_the_ocr_self_test_fails_on_an_engine_that_reads_nothing() -> None:
    """It read a blank strip: "0 ligne(s) test" passed with any engine (issue 16, 9)."""
    from kiosk.health.checks import SPECIMEN_MRZ
    from kiosk.health.checks import ocr_specimen as check_ocr

    class Blind:
        def read_lines(self, image: object) -> list[str]:
            return []

        def close(self) -> None:
            pass

    class Sloppy(Blind):
        def read_lines(self, image: object) -> list[str]:
            return [line.replace("<", "K") for line in SPECIMEN_MRZ]  # LSTM Tesseract's habit

    assert not check_ocr(Blind).ok
    result = check_ocr(Sloppy)
    assert not result.ok and "mal lu" in result.detail
    real = check_ocr()  # the kiosk's own engine reads the specimen it is shown
    assert real.ok, real.detail
