"""kiosk-health: each check with fakes of the machine, the store read but never changed,
the exit status and the JSON output."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.config import load_settings
from kiosk.health import cli as health
from kiosk.health.cli import CHECKS, Probes, run_checks

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
GIB = 1 << 30


def good_probes(**changes: object) -> Probes:
    """A healthy machine."""
    probes = Probes(
        now=lambda: NOW,
        ntp_synchronized=lambda: True,
        disk_usage=lambda _p: SimpleNamespace(free=50 * GIB, total=100 * GIB),
        fonts=lambda pattern: {":lang=ar": ["Noto Naskh Arabic", "DejaVu Sans"]}.get(
            pattern, ["WenQuanYi Micro Hei"]
        ),
        ocrb_font=lambda: "/usr/share/fonts/opentype/ocr-b/OCRB.otf",
        central_version=lambda _s, _url, _t: "0.1.0",
        camera_available=lambda _s: True,
        ocr=lambda: "GlyphEngine",
        printer_state=lambda _s: "ready",
        speech_problem=lambda: None,
        qt_plugins=lambda: {"wayland": None, "xcb": None},
        uid=os.geteuid,
    )
    for name, value in changes.items():
        setattr(probes, name, value)
    return probes


@pytest.fixture
def kiosk_dir(tmp_path: Path) -> Path:
    """A data directory as the package leaves it: 0700, a migrated store, an enrolment."""
    from kiosk.store import Store
    from sync.enrolment import Enrolment

    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    data.chmod(0o700)
    Store.open(data / "store").close()
    Enrolment(
        kiosk_id="k-1",
        token="secret-token",
        server_url="http://127.0.0.1:9",
        public_key=base64.urlsafe_b64encode(bytes(range(32))).rstrip(b"=").decode(),
    ).save(data / "enrolment.json")
    return data


@pytest.fixture
def config(tmp_path: Path, kiosk_dir: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'data_dir = "{kiosk_dir}"\ncentral_url = "http://127.0.0.1:9"\n', encoding="utf-8"
    )
    return path


def statuses(report: health.Report) -> dict[str, str]:
    return {c.name: c.status for c in report.checks}


def detail(report: health.Report, name: str) -> str:
    return next(c.detail for c in report.checks if c.name == name)


def test_a_healthy_kiosk_passes_every_check(config: Path) -> None:
    report = run_checks(config, probes=good_probes(), environ={})
    assert [c.name for c in report.checks] == list(CHECKS)
    assert statuses(report) == dict.fromkeys(CHECKS, "ok"), report.text()
    assert report.ok
    assert "Noto Naskh Arabic" in detail(report, "fonts")
    assert "k-1" in detail(report, "enrolment")
    assert "secret-token" not in report.text()


def test_invalid_configuration_fails_and_skips_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("text_scale = 3.0\n", encoding="utf-8")
    report = run_checks(path, probes=good_probes(), environ={})
    assert not report.ok
    assert report.checks[0].status == "fail"
    assert "text_scale" in report.checks[0].detail
    assert {c.status for c in report.checks[1:]} == {"skipped"}


def test_data_dir_open_to_others_fails(config: Path, kiosk_dir: Path) -> None:
    kiosk_dir.chmod(0o755)
    report = run_checks(config, probes=good_probes(), environ={})
    assert statuses(report)["data_dir"] == "fail"
    assert "0755" in detail(report, "data_dir")


def test_data_dir_owned_by_someone_else_fails(config: Path) -> None:
    report = run_checks(config, probes=good_probes(uid=lambda: os.geteuid() + 1), environ={})
    assert statuses(report)["data_dir"] == "fail"
    assert "appartient à l'uid" in detail(report, "data_dir")  # in the staff's French


def test_store_behind_the_current_migration_fails_and_is_not_migrated(
    config: Path, kiosk_dir: Path
) -> None:
    import sqlite3

    db = kiosk_dir / "store" / "kiosk.db"
    head = health.head_revision()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    before = db.read_bytes()
    report = run_checks(config, probes=good_probes(), environ={})
    assert statuses(report)["store"] == "fail"
    assert f"schéma 0001, cette version demande {head}" in detail(report, "store")
    assert health.store_revision(db) == "0001"  # read only: never migrated by the check
    assert db.read_bytes() == before


def test_missing_or_damaged_store_fails(config: Path, kiosk_dir: Path) -> None:
    store = kiosk_dir / "store"
    shutil.rmtree(store)
    report = run_checks(config, probes=good_probes(), environ={})
    assert statuses(report)["store"] == "fail"
    assert "pas de base" in detail(report, "store")
    store.mkdir(mode=0o700)
    (store / "kiosk.db").write_bytes(b"this is not a database" * 100)
    report = run_checks(config, probes=good_probes(), environ={})
    assert statuses(report)["store"] == "fail"
    assert "damaged" in detail(report, "store")


def test_key_file_readable_by_others_fails(config: Path, kiosk_dir: Path) -> None:
    (kiosk_dir / "store" / "keys" / "kiosk.key").chmod(0o644)
    report = run_checks(config, probes=good_probes(), environ={})
    assert statuses(report)["store"] == "fail"
    assert "lisible par les autres" in detail(report, "store")


def test_not_enrolled_fails(config: Path, kiosk_dir: Path) -> None:
    (kiosk_dir / "enrolment.json").unlink()
    report = run_checks(config, probes=good_probes(), environ={})
    assert statuses(report)["enrolment"] == "fail"
    assert "--enrol-code" in detail(report, "enrolment")


def test_central_api_unreachable_fails_with_the_timeout(config: Path) -> None:
    def unreachable(_s: object, url: str, timeout: float) -> str:
        raise OSError(f"cannot reach {url}")

    report = run_checks(config, probes=good_probes(central_version=unreachable), timeout=2.5)
    assert statuses(report)["central"] == "fail"
    assert "ne répond pas en 2.5 s" in detail(report, "central")


def test_central_api_on_loopback_answers_through_the_real_client(config: Path) -> None:
    """The real probe against a closed loopback port: a failure, quickly, not a hang."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    settings = load_settings(config, {"central_url": f"http://127.0.0.1:{port}"}, environ={})
    probes = good_probes(central_version=health._central_version)
    report = run_checks(settings=settings, probes=probes, timeout=2)
    assert statuses(report)["central"] == "fail"
    assert "cannot reach" in detail(report, "central")


def test_enrolled_elsewhere_is_a_warning(config: Path, tmp_path: Path, kiosk_dir: Path) -> None:
    settings = load_settings(config, {"central_url": "http://127.0.0.1:10"}, environ={})
    report = run_checks(settings=settings, probes=good_probes())
    assert statuses(report)["central"] == "warn"
    assert report.ok  # a warning is not a failure


def test_the_enrolled_server_is_checked_when_no_address_is_configured(
    tmp_path: Path, kiosk_dir: Path
) -> None:
    """It checked the default 127.0.0.1:8765 ("central FAIL") while the kiosk was enrolled
    elsewhere and synced there ("enrolment ok") (issue 16, problem 4)."""
    path = tmp_path / "bare.toml"
    path.write_text(f'data_dir = "{kiosk_dir}"\n', encoding="utf-8")
    asked: list[str] = []

    def version(_s: object, url: str, _t: float) -> str:
        asked.append(url)
        return "0.1.0"

    report = run_checks(path, probes=good_probes(central_version=version), environ={})
    assert asked == ["http://127.0.0.1:9"]  # the enrolment's, as kiosk.link uses it
    assert statuses(report)["central"] == "ok"


def test_devices_missing_fail(config: Path) -> None:
    probes = good_probes(
        camera_available=lambda _s: False,
        printer_state=lambda _s: "no_paper",
        speech_problem=lambda: "libespeak-ng is not installed (Debian package espeak-ng)",
        ocr=lambda: (_ for _ in ()).throw(FileNotFoundError("OCR-B font not found")),
    )
    report = run_checks(config, probes=probes, environ={})
    s = statuses(report)
    assert (s["camera"], s["printer"], s["speech"], s["ocr"]) == ("fail",) * 4
    assert "no paper" in detail(report, "printer")
    assert "espeak-ng" in detail(report, "speech")
    assert "OCR-B" in detail(report, "ocr")


def test_fake_devices_are_warnings(config: Path, kiosk_dir: Path) -> None:
    settings = load_settings(config, {"fake_devices": True}, environ={})
    report = run_checks(settings=settings, probes=good_probes())
    s = statuses(report)
    assert (s["config"], s["camera"], s["printer"], s["speech"]) == ("warn",) * 4
    assert report.ok


def test_fonts_missing_name_the_debian_packages(config: Path) -> None:
    def no_ocrb() -> str:
        raise FileNotFoundError("OCR-B font not found")

    probes = good_probes(fonts=lambda pattern: [], ocrb_font=no_ocrb)
    report = run_checks(config, probes=probes, environ={})
    assert statuses(report)["fonts"] == "fail"
    text = detail(report, "fonts")
    assert "fonts-noto-core" in text and "fonts-wqy-microhei" in text and "fonts-ocr-b" in text


def test_qt_without_wayland_warns_without_any_plugin_fails(config: Path) -> None:
    missing = "libwayland-cursor.so.0: cannot open shared object file"
    report = run_checks(
        config, probes=good_probes(qt_plugins=lambda: {"wayland": missing, "xcb": None})
    )
    assert statuses(report)["qt"] == "warn"
    assert "libwayland-cursor" in detail(report, "qt")

    def no_qt() -> dict[str, str | None]:
        raise ImportError("PySide6 is not installed")

    report = run_checks(config, probes=good_probes(qt_plugins=no_qt), environ={})
    assert statuses(report)["qt"] == "fail"
    assert "PySide6" in detail(report, "qt")


@pytest.mark.parametrize(
    ("free", "status"), [(50 * GIB, "ok"), (3 * GIB, "warn"), (GIB // 2, "fail")]
)
def test_disk_space(config: Path, free: int, status: str) -> None:
    probes = good_probes(disk_usage=lambda _p: SimpleNamespace(free=free, total=100 * GIB))
    assert statuses(run_checks(config, probes=probes, environ={}))["disk"] == status


@pytest.mark.parametrize(
    ("now", "ntp", "status"),
    [
        (NOW, True, "ok"),
        (NOW, None, "ok"),
        (NOW, False, "warn"),
        (dt.datetime(2001, 1, 1, tzinfo=dt.UTC), True, "fail"),
    ],
)
def test_clock(config: Path, now: dt.datetime, ntp: bool | None, status: str) -> None:
    probes = good_probes(now=lambda: now, ntp_synchronized=lambda: ntp)
    assert statuses(run_checks(config, probes=probes, environ={}))["clock"] == status


def test_a_check_that_raises_is_a_failure_not_a_crash(config: Path) -> None:
    def broken(_p: Path) -> object:
        raise PermissionError("denied")

    report = run_checks(config, probes=good_probes(disk_usage=broken), environ={})
    assert statuses(report)["disk"] == "fail"
    assert "PermissionError" in detail(report, "disk")


def test_english_for_the_it_team(config: Path, kiosk_dir: Path) -> None:
    """French by default (the kiosk's staff), English with --lang en: every check's words."""
    (kiosk_dir / "enrolment.json").unlink()
    french = run_checks(config, probes=good_probes(), environ={})
    english = run_checks(config, probes=good_probes(), environ={}, lang="en")
    assert "borne non enrôlée" in detail(french, "enrolment")
    assert "not enrolled" in detail(english, "enrolment")
    assert detail(english, "disk").startswith("50.0 GiB free of 100.0 GiB")
    assert detail(french, "disk").startswith("50.0 Gio libres sur 100.0 Gio")
    assert [c.status for c in english.checks] == [c.status for c in french.checks]


def test_skip(config: Path) -> None:
    probes = good_probes(camera_available=lambda _s: False)
    report = run_checks(config, skip=["camera", "printer"], probes=probes, environ={})
    assert statuses(report)["camera"] == statuses(report)["printer"] == "skipped"
    assert report.ok


def test_main_exit_status_and_json(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(health, "Probes", good_probes)
    assert health.main(["--config", str(config), "--as-root", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "15 ok, 0 warnings, 0 failures" in out
    assert health.main(["--config", str(config), "--as-root"]) == 0  # the staff's French
    out = capsys.readouterr().out
    assert "borne k-1, version 0.1.0" in out and "15 ok, 0 alerte, 0 échec" in out
    assert "  ok     API centrale " in out

    monkeypatch.setattr(health, "Probes", lambda: good_probes(camera_available=lambda _s: False))
    assert health.main(["--config", str(config), "--json", "--as-root"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert data["config"] == str(config)
    camera = next(c for c in data["checks"] if c["name"] == "camera")
    assert camera["status"] == "fail"
    assert [c["name"] for c in data["checks"]] == list(CHECKS)


def test_real_probes_run_on_this_machine(config: Path) -> None:
    """The real fonts, Qt and clock probes answer here (bootstrap installs what they need)."""
    report = run_checks(
        config, skip=["central", "camera", "ocr", "printer", "speech"], probes=Probes()
    )
    s = statuses(report)
    assert s["fonts"] == "ok", detail(report, "fonts")
    assert s["qt"] in ("ok", "warn"), detail(report, "qt")  # wayland needs libwayland-cursor0
    assert s["clock"] in ("ok", "warn")


def test_no_posix_owner_on_windows_is_not_a_failure(config: Path) -> None:
    report = run_checks(config, probes=good_probes(uid=lambda: None), environ={})
    assert statuses(report)["data_dir"] == "ok"


def test_runs_without_qt(config: Path) -> None:
    """Qt is optional: with PySide6 unimportable the Qt check fails and the others run."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['PySide6'] = None\n"
        "from kiosk.health.cli import main\n"
        f"sys.exit(main(['--config', {str(config)!r}, '--json', '--as-root', '--skip', 'central',"
        " '--skip', 'ocr', '--skip', 'camera', '--skip', 'speech']))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    data = json.loads(out.stdout)
    checks = {c["name"]: c for c in data["checks"]}
    assert checks["qt"]["status"] == "fail", checks["qt"]
    assert checks["printer"]["status"] == "fail"  # no printer here, with or without Qt
    assert checks["store"]["status"] == "ok" and checks["fonts"]["status"] == "ok"


# --- for monitoring: the kiosk's state, a stable JSON (issue 16) ------------------------------
SCHEMA_FILE = Path(__file__).parents[2] / "schemas" / "kiosk-health.schema.json"


def _validator() -> object:
    import jsonschema_rs

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def _outbox(kiosk_dir: Path, *created: dt.datetime) -> None:
    from kiosk.store import Store

    store = Store.open(kiosk_dir / "store")
    try:
        for at in created:
            store.outbox.enqueue(str(uuid.uuid4()), "p", b"sealed", at)
    finally:
        store.close()


def test_the_json_says_which_kiosk_its_backlog_sync_and_service(
    config: Path,
    kiosk_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its JSON had no kiosk id, version or timestamp and said nothing of the backlog, the
    last sync or the out-of-service state (issue 16, problem 9)."""
    from kiosk.admin import service
    from kiosk.link.sync_runner import write_last_sync

    validator = _validator()
    monkeypatch.setattr(health, "Probes", good_probes)
    assert health.main(["--config", str(config), "--json", "--as-root"]) == 0
    healthy = json.loads(capsys.readouterr().out)
    validator.validate(healthy)  # type: ignore[attr-defined]
    assert healthy["kiosk_id"] == "k-1" and healthy["version"] == "0.1.0"
    assert healthy["generated_at"] == NOW.isoformat()
    assert healthy["backlog"]["pending"] == 0 and healthy["out_of_service"] is None

    _outbox(kiosk_dir, NOW - dt.timedelta(hours=3), NOW - dt.timedelta(minutes=5))
    write_last_sync(kiosk_dir, NOW - dt.timedelta(hours=2))
    service.save(
        service.path_in(kiosk_dir),
        service.OutOfService("Maintenance jusqu'à 14 h", NOW - dt.timedelta(minutes=30), "adm-7"),
    )
    assert health.main(["--config", str(config), "--json", "--as-root"]) == 0  # warnings only
    data = json.loads(capsys.readouterr().out)
    validator.validate(data)  # type: ignore[attr-defined]
    assert data["backlog"]["pending"] == 2 and data["backlog"]["by_state"]["sealed"] == 2
    assert data["backlog"]["oldest_pending_at"] == (NOW - dt.timedelta(hours=3)).isoformat()
    assert data["last_sync_ok_at"] == (NOW - dt.timedelta(hours=2)).isoformat()
    assert data["out_of_service"] == {
        "message": "Maintenance jusqu'à 14 h",
        "since": (NOW - dt.timedelta(minutes=30)).isoformat(),
        "by": "adm-7",
    }
    checks = {c["name"]: c for c in data["checks"]}
    assert checks["sync"]["status"] == "warn"
    assert "2 demandes en attente, la plus ancienne depuis 3 h" in checks["sync"]["detail"]
    assert checks["service"]["status"] == "warn" and "adm-7" in checks["service"]["detail"]
    # A day without delivery is a failure; the schema refuses a report it does not describe.
    _outbox(kiosk_dir, NOW - dt.timedelta(days=2))
    report = run_checks(config, probes=good_probes(), environ={})
    assert statuses(report)["sync"] == "fail" and not report.ok
    broken = dict(data, kiosk_id=42)
    assert not validator.is_valid(broken)  # type: ignore[attr-defined]
    assert not validator.is_valid({k: v for k, v in data.items() if k != "generated_at"})  # type: ignore[attr-defined]


def test_data_dir_option_checks_that_directory(
    tmp_path: Path,
    kiosk_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """kiosk-health had no --data-dir: the demo's directory could not be checked."""
    monkeypatch.setattr(health, "Probes", good_probes)
    empty = tmp_path / "empty.toml"
    empty.write_text('central_url = "http://127.0.0.1:9"\n', encoding="utf-8")
    code = health.main(
        ["--config", str(empty), "--data-dir", str(kiosk_dir), "--json", "--as-root"]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0, data
    assert data["kiosk_id"] == "k-1"
    checks = {c["name"]: c for c in data["checks"]}
    assert str(kiosk_dir) in checks["data_dir"]["detail"]
