"""Inactivity on the welcome screen (issue 3): settings an applicant changed there
(language, text size, contrast, voice, speech rate and volume) must not carry over to
the next person. After the usual warning, they are back to the kiosk's defaults. Time is
a fake clock: nothing here waits."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from kiosk.domain.session import Screen
from kiosk.ui.theme import Theme
from tests.gui.conftest import Kiosk

pytestmark = pytest.mark.gui


def test_settings_changed_on_the_welcome_screen_are_reset_after_inactivity(
    kiosk: Kiosk,
) -> None:
    c, w = kiosk.controller, kiosk.window
    kiosk.click(w.welcome.language_buttons["ar"])
    kiosk.click(w.welcome.header.contrast_button)
    kiosk.click(w.welcome.header.text_size_button)
    kiosk.click(w.welcome.voice_button)
    c.speech.set_rate(1.5)
    c.speech.set_volume(0.4)
    assert c.translator.code == "ar" and c.theme != Theme() and c.voice_on
    assert c.inactivity.armed  # someone is here
    kiosk.idle(89)
    assert w.inactivity_dialog is None or not w.inactivity_dialog.isVisible()
    kiosk.idle(1)
    dialog = w.inactivity_dialog
    assert dialog is not None
    kiosk.qtbot.waitUntil(dialog.isVisible)
    assert dialog.layoutDirection() == Qt.LayoutDirection.RightToLeft  # in their language
    with kiosk.qtbot.waitSignal(c.session_wiped, timeout=5000):
        kiosk.idle(30)
    assert kiosk.screen() is Screen.WELCOME
    assert c.translator.code == "fr" and c.theme == Theme() and not c.voice_on
    assert (c.speech.rate, c.speech.volume) == (1.0, 1.0)
    assert w.welcome.language_buttons["fr"].isChecked()
    assert not w.welcome.header.contrast_button.isChecked()
    assert not c.inactivity.armed  # the next applicant's welcome screen waits


def test_an_untouched_welcome_screen_shows_no_warning(kiosk: Kiosk) -> None:
    c, w = kiosk.controller, kiosk.window
    kiosk.click(w.welcome.language_buttons["fr"])  # a touch that changes nothing
    assert c.inactivity.armed
    kiosk.idle(90)
    assert w.inactivity_dialog is None or not w.inactivity_dialog.isVisible()
    assert not c.inactivity.armed and kiosk.screen() is Screen.WELCOME


def test_a_warning_on_the_welcome_screen_can_be_extended(kiosk: Kiosk) -> None:
    c, w = kiosk.controller, kiosk.window
    kiosk.click(w.welcome.language_buttons["es"])
    kiosk.idle(95)
    dialog = w.inactivity_dialog
    assert dialog is not None
    kiosk.qtbot.waitUntil(dialog.isVisible)
    kiosk.click(dialog.continue_button)
    kiosk.qtbot.waitUntil(lambda: not dialog.isVisible())
    kiosk.idle(60)
    assert c.translator.code == "es"  # kept: they are still here
