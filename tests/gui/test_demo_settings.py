"""The demo touches nothing outside its own data directory (issue 16, problem 6): run as
root it wrote /etc/kiosk-titre-sejour/kiosk.toml when staff saved a setting, despite
XDG_CONFIG_HOME, which changed every later run of the machine."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

import kiosk.config
from kiosk.__main__ import parse_args
from kiosk.app import config_path, settings_from_args
from tests.gui.admin_fixtures import Admin

pytestmark = pytest.mark.gui


def test_a_setting_saved_in_the_demo_stays_in_its_directory(
    make_admin: Callable[..., Admin], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.delenv("KIOSK_DATA_DIR", raising=False)
    system = tmp_path / "etc" / "kiosk-titre-sejour" / "kiosk.toml"
    system.parent.mkdir(parents=True)
    system.write_text('kiosk_name = "borne-de-la-machine"\n', encoding="utf-8")
    monkeypatch.setattr(kiosk.config, "SYSTEM_CONFIG", system)

    args = parse_args(["--demo", "--windowed"])
    settings = settings_from_args(args)
    demo_dir = home / "data" / "kiosk-titre-sejour-demo"
    assert settings.data_dir == demo_dir
    assert demo_dir.stat().st_mode & 0o777 == 0o700
    assert settings.kiosk_name != "borne-de-la-machine"  # the machine's file is not read
    target = config_path(args)
    assert target == demo_dir / "kiosk.toml"

    # Staff save a setting in the demo's admin mode (on the demo's settings and file).
    admin = make_admin(settings=settings, config=target)
    admin.open()
    for code, box in admin.screen.settings_form.language_boxes.items():
        box.setChecked(code in ("fr", "en"))
    admin.act("admin_settings_saved", admin.screen.save_button.click)
    assert tomllib.loads(target.read_text(encoding="utf-8"))["languages"] == ["fr", "en"]
    assert system.read_text(encoding="utf-8") == 'kiosk_name = "borne-de-la-machine"\n'
    # The next demo run reads it back from its own directory.
    assert settings_from_args(args).languages == ("fr", "en")
