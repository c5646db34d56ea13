"""Inactivity (FIELD-NOTES check 16, WCAG 2.2.1, EN 301 549 11.2.2.1): a focused, spoken
warning 30 s before the wipe, extendable with one action as often as needed; then every
trace of the applicant is gone. Time is a fake clock: nothing here waits."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from kiosk.domain.session import Screen
from kiosk.i18n import Translator
from kiosk.i18n.bidi import strip_controls
from kiosk.ui.inactivity import InactivityMonitor, InactivityWarning, spoken_warning
from kiosk.ui.theme import Theme
from tests.gui.conftest import IDENTITY, Kiosk, all_widgets

pytestmark = pytest.mark.gui

WARNING_FR = (
    "Vous êtes encore là ? Dans 30 secondes, vos réponses seront effacées. "
    "Touchez « Continuer » pour garder vos réponses."
)


def warning(kiosk: Kiosk) -> InactivityWarning:
    dialog = kiosk.window.inactivity_dialog
    assert dialog is not None
    kiosk.qtbot.waitUntil(dialog.isVisible)
    return dialog


def no_warning(kiosk: Kiosk) -> bool:
    dialog = kiosk.window.inactivity_dialog
    return dialog is None or not dialog.isVisible()


def texts(kiosk: Kiosk) -> list[str]:
    """Every text the window's widgets hold (inputs, labels, buttons)."""
    out: list[str] = []
    for w in all_widgets(kiosk.window):
        if isinstance(w, QLineEdit | QLabel | QAbstractButton):
            out.append(w.text())
        elif isinstance(w, QComboBox):
            out.append(w.currentText())
    return out


def test_the_warning_comes_30_s_before_the_end_focused_and_spoken(kiosk: Kiosk) -> None:
    kiosk.start()
    kiosk.speech.clear()
    kiosk.idle(89)
    assert no_warning(kiosk)
    kiosk.idle(1)  # 120 - 30 s without any action
    dialog = warning(kiosk)
    assert dialog.isModal()
    kiosk.qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.continue_button)
    assert dialog.title.text() == "Vous êtes encore là ?"
    assert dialog.text.text() == "Dans 30 secondes, vos réponses seront effacées."
    assert dialog.accessibleName() == "Vous êtes encore là ?"
    assert "Dans 30 secondes" in dialog.accessibleDescription()
    assert dialog.continue_button.text() == "Continuer"
    assert dialog.continue_button.height() >= 44
    # Spoken although the voice is off: the applicant may have looked away.
    assert not kiosk.controller.voice_on
    assert kiosk.speech.last_said == (WARNING_FR, "fr")
    # A live countdown.
    kiosk.idle(1)
    assert dialog.text.text() == "Dans 29 secondes, vos réponses seront effacées."
    kiosk.idle(28)
    assert dialog.text.text() == "Dans 1 seconde, vos réponses seront effacées."
    assert kiosk.screen() is Screen.STEP


def test_the_warning_speaks_the_screen_language(kiosk: Kiosk) -> None:
    kiosk.click(kiosk.window.welcome.language_buttons["ar"])
    kiosk.start()
    kiosk.idle(90)
    dialog = warning(kiosk)
    ar = Translator("ar")
    # Spoken without the bidi isolates of the text shown (kiosk.i18n.bidi).
    assert kiosk.speech.last_said == (strip_controls(spoken_warning(ar, 30)), "ar")
    assert dialog.title.text() == ar("Vous êtes encore là ?")
    assert dialog.title.text() != "Vous êtes encore là ?"  # translated
    assert dialog.layoutDirection() == Qt.LayoutDirection.RightToLeft


def test_one_action_extends_the_session_again_and_again(kiosk: Kiosk) -> None:
    kiosk.start()
    kiosk.type_into("surname", "Benkirane")
    qtbot = kiosk.qtbot

    def click(dialog: InactivityWarning) -> None:
        qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)

    def key(k: Qt.Key) -> Callable[[InactivityWarning], None]:
        return lambda dialog: qtbot.keyClick(dialog.continue_button, k)

    def extend(dialog: InactivityWarning) -> None:
        dialog.continue_button.click()  # the "Continuer" action itself, no input event

    actions = [click, key(Qt.Key.Key_Return), key(Qt.Key.Key_Space), key(Qt.Key.Key_Escape)]
    actions += [key(Qt.Key.Key_Shift), extend]  # any key press extends too
    for i in range(12):
        # Each time the full time again, counted from the last action.
        kiosk.idle(89)
        assert no_warning(kiosk), i
        kiosk.idle(1)
        dialog = warning(kiosk)
        kiosk.idle(25)  # 5 s before the wipe
        actions[i % len(actions)](dialog)
        qtbot.waitUntil(lambda: no_warning(kiosk))
        assert kiosk.screen() is Screen.STEP, i
        assert kiosk.window.step.row("surname").value() == "Benkirane", i
    assert not kiosk.store.drafts.deleted and kiosk.controller.inactivity.armed


def test_any_action_on_the_screen_restarts_the_count(kiosk: Kiosk) -> None:
    kiosk.start()
    edit = kiosk.window.step.row("surname").input
    kiosk.idle(80)
    kiosk.qtbot.keyClick(edit, Qt.Key.Key_A)
    kiosk.idle(80)
    assert no_warning(kiosk)
    kiosk.idle(10)
    warning(kiosk)


def test_focus_stays_in_the_warning_and_returns_to_the_field(kiosk: Kiosk) -> None:
    kiosk.start()
    edit = kiosk.window.step.row("given_names").input
    edit.setFocus()
    kiosk.qtbot.waitUntil(lambda: QApplication.focusWidget() is edit)
    for key in (Qt.Key.Key_Escape, Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
        kiosk.idle(90)
        dialog = warning(kiosk)
        button = dialog.continue_button
        kiosk.qtbot.waitUntil(lambda: QApplication.focusWidget() is button)  # noqa: B023
        # A modal window whose one control is "Continuer": Tab cannot leave it while open.
        assert dialog.isModal()
        focusable = [
            w
            for w in dialog.findChildren(QWidget)
            if w.isVisible() and w.focusPolicy() & Qt.FocusPolicy.TabFocus
        ]
        assert focusable == [button]
        # Escape closes it, and so does any key (an action): back to the field.
        kiosk.qtbot.keyClick(button, key)
        kiosk.qtbot.waitUntil(lambda: no_warning(kiosk))
        kiosk.qtbot.waitUntil(lambda: QApplication.focusWidget() is edit)
        assert kiosk.screen() is Screen.STEP


def test_at_the_end_everything_is_forgotten(kiosk: Kiosk) -> None:
    w, c = kiosk.window, kiosk.controller
    kiosk.start()
    kiosk.fill(IDENTITY)
    kiosk.click(w.step.continue_button)
    kiosk.qtbot.waitUntil(lambda: c.session.step_index == 1)
    uuid = c.session.uuid
    kiosk.qtbot.waitUntil(lambda: uuid in kiosk.store.drafts)
    kiosk.type_into("city", "Villeurbanne")
    # This applicant's settings: language, text size, contrast, voice, keyboard, volume.
    header = w.step.header
    kiosk.click(header.text_size_button)
    kiosk.click(header.contrast_button)
    kiosk.click(header.voice_button)
    w.osk.next_layout()
    resets: list[bool] = []
    original_reset = getattr(kiosk.speech, "reset", None)

    def reset() -> None:
        resets.append(True)
        if original_reset is not None:
            original_reset()

    kiosk.speech.reset = reset  # type: ignore[method-assign]
    kiosk.speech.set_volume(0.4)
    assert c.theme != Theme() and c.voice_on

    kiosk.idle(90)
    warning(kiosk)
    with kiosk.qtbot.waitSignal(c.session_wiped, timeout=5000):
        kiosk.idle(30)
    assert kiosk.screen() is Screen.WELCOME
    assert no_warning(kiosk)
    # The draft is deleted from the store, the session and every screen forgot.
    kiosk.qtbot.waitUntil(lambda: uuid in kiosk.store.drafts.deleted)
    assert uuid not in kiosk.store.drafts
    assert c.session.answers == {} and c.session.procedure is None
    secrets = [*IDENTITY.values(), "XK4815162", "Villeurbanne"]
    leaked = [t for t in texts(kiosk) for s in secrets if s and s in t]
    assert leaked == []
    assert w.step.rows == []
    # Settings back to the kiosk's defaults.
    assert c.theme == Theme() and not c.voice_on and c.translator.code == "fr"
    assert resets == [True]
    assert all(
        not s.header.contrast_button.isChecked() and not s.header.voice_button.isChecked()
        for s in w.screens.values()
    )
    assert w.osk.isHidden() and w.osk.layout_id == "azerty"
    assert not c.inactivity.armed  # the welcome screen waits for the next applicant


def test_the_welcome_screen_never_times_out(kiosk: Kiosk) -> None:
    kiosk.idle(10_000)
    assert no_warning(kiosk) and kiosk.screen() is Screen.WELCOME
    assert not kiosk.controller.inactivity.armed


def test_the_receipt_times_out_with_a_warning_too(kiosk: Kiosk) -> None:
    kiosk.to_receipt()
    reference = kiosk.store.outbox.entries[kiosk.store.outbox.enqueued[0][0]].local_reference
    assert any(reference in t for t in texts(kiosk))
    kiosk.idle(90)
    warning(kiosk)
    with kiosk.qtbot.waitSignal(kiosk.controller.session_wiped, timeout=5000):
        kiosk.idle(30)
    assert kiosk.screen() is Screen.WELCOME
    assert not any(reference in t for t in texts(kiosk))


def test_the_timeout_is_configurable(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = make_kiosk(inactivity_timeout_s=60, inactivity_warning_s=20)
    kiosk.start()
    kiosk.idle(39)
    assert no_warning(kiosk)
    kiosk.idle(1)
    dialog = warning(kiosk)
    assert dialog.text.text() == "Dans 20 secondes, vos réponses seront effacées."


def test_monitor_signals(qtbot) -> None:  # type: ignore[no-untyped-def]
    now = [0.0]
    monitor = InactivityMonitor(120, 30, lambda: now[0])
    events: list[tuple[str, int]] = []
    monitor.warning.connect(lambda s: events.append(("warning", s)))
    monitor.countdown.connect(lambda s: events.append(("countdown", s)))
    monitor.extended.connect(lambda: events.append(("extended", 0)))
    monitor.expired.connect(lambda: events.append(("expired", 0)))
    now[0] = 500
    monitor.tick()  # disarmed: nothing
    monitor.arm()
    for t in (589.9, 590.0, 590.5, 591.0, 600.2):
        now[0] = t
        monitor.tick()
    monitor.activity()
    now[0] = 600.2 + 120
    monitor.tick()
    monitor.tick()
    assert events == [
        ("warning", 30),
        ("countdown", 29),
        ("countdown", 20),
        ("extended", 0),
        ("expired", 0),  # 120 s without action at once: no warning, the wipe
    ]
    assert not monitor.armed
    with pytest.raises(ValueError):
        InactivityMonitor(30, 30)
