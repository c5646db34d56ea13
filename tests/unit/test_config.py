"""Settings: the inactivity and on-screen keyboard settings and their validation."""

from __future__ import annotations

import pytest

from kiosk.config import ConfigError, Settings, load_settings


def test_inactivity_defaults() -> None:
    settings = load_settings(environ={})
    assert settings.inactivity_timeout_s == 120
    assert settings.inactivity_warning_s == 30
    assert settings.on_screen_keyboard is True


def test_inactivity_from_the_environment() -> None:
    settings = load_settings(
        environ={"KIOSK_INACTIVITY_TIMEOUT_S": "300", "KIOSK_INACTIVITY_WARNING_S": "45"}
    )
    assert (settings.inactivity_timeout_s, settings.inactivity_warning_s) == (300, 45)
    off = load_settings(environ={"KIOSK_ON_SCREEN_KEYBOARD": "0"})
    assert off.on_screen_keyboard is False


@pytest.mark.parametrize(
    ("timeout", "warning", "why"),
    [
        (120, 19, "inactivity_warning_s"),  # EN 301 549: at least 20 s of warning
        (60, 60, "shorter than inactivity_timeout_s"),
        (60, 90, "shorter than inactivity_timeout_s"),
        (10, 5, "inactivity_timeout_s"),
    ],
)
def test_inactivity_is_validated(timeout: int, warning: int, why: str) -> None:
    with pytest.raises(ConfigError, match=why):
        load_settings(
            environ={},
            overrides={"inactivity_timeout_s": timeout, "inactivity_warning_s": warning},
        )


def test_warning_of_20_s_is_enough() -> None:
    assert Settings(inactivity_timeout_s=60, inactivity_warning_s=20).inactivity_warning_s == 20
