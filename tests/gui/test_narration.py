"""The voice for applicants who cannot see the screen: the focused control is narrated
(name, role, state, value, description; never a masked field's content) in the screen's
language; errors are spoken; "Écouter" repeats, "Arrêter" stops; any key, click or touch
stops speech within 100 ms (EN 301 549 5.1.3.4, 5.1.3.5, 5.1.3.14, 5.1.3.15)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from contract.catalogue import Catalogue
from kiosk.devices.speech import RecordingSpeech
from kiosk.devices.speech_espeak import Pyttsx3Speech, unavailable_reason
from kiosk.domain.session import Screen
from kiosk.testing import FakeSealer, MemoryStore
from kiosk.ui.narration import Narrator, describe
from tests.gui.conftest import NOW, Kiosk, session_window

pytestmark = pytest.mark.gui

STOP_BOUND_S = 0.100
SECRET = "S3cret-4815"


@dataclass
class Narrated:
    kiosk: Kiosk
    narrator: Narrator

    @property
    def speech(self) -> RecordingSpeech:
        return self.kiosk.speech

    def settle(self) -> None:
        """Wait until no narration is pending (the 50 ms debounce has run)."""
        self.kiosk.qtbot.waitUntil(lambda: not self.narrator._timer.isActive(), timeout=2000)

    def press(self, widget: QWidget, key: Qt.Key) -> None:
        self.kiosk.qtbot.keyClick(widget, key)
        self.settle()

    def tab_to(self, target: QWidget, limit: int = 40) -> None:
        """Press Tab (a real key press: the applicant's action) until ``target`` has focus,
        at least once (focus may already be there, put by the program)."""
        for _ in range(limit):
            focused = QApplication.focusWidget() or self.kiosk.window
            self.kiosk.qtbot.keyClick(focused, Qt.Key.Key_Tab)
            if QApplication.focusWidget() is target:
                self.settle()
                return
        raise AssertionError(f"Tab never reached {target}")


@pytest.fixture
def narrated(make_kiosk: Callable[..., Kiosk]) -> Iterator[Narrated]:
    kiosk = make_kiosk(voice_on=True)
    narrator = Narrator(kiosk.controller, kiosk.window)
    yield Narrated(kiosk, narrator)


def _form(window: QWidget) -> tuple[QDialog, dict[str, QWidget]]:
    """A dialog of the kiosk window holding one control of each kind."""
    dialog = QDialog(window)
    box = QVBoxLayout(dialog)
    name = QLineEdit()
    name.setAccessibleName("Nom")
    name.setText("Benkirane")
    pin = QLineEdit()
    pin.setAccessibleName("Code secret")
    pin.setAccessibleDescription("Quatre chiffres.")
    pin.setEchoMode(QLineEdit.EchoMode.Password)
    pin.setText(SECRET)
    check = QCheckBox("J'accepte")
    combo = QComboBox()
    combo.setAccessibleName("Pays")
    combo.addItems(["Maroc", "Tunisie"])
    ok = QPushButton("Valider")
    for widget in (name, pin, check, combo, ok):
        box.addWidget(widget)
    dialog.show()
    dialog.activateWindow()
    return dialog, {"name": name, "pin": pin, "check": check, "combo": combo, "ok": ok}


def _said_text(speech: RecordingSpeech) -> str:
    return " | ".join(text for text, _ in speech.said)


# --- stop on any action ------------------------------------------------------------------
def test_any_key_or_click_stops_speech_within_100_ms(narrated: Narrated) -> None:
    k, speech = narrated.kiosk, narrated.speech
    w = k.window
    for act in (
        lambda: k.qtbot.keyClick(w.welcome.start_button, Qt.Key.Key_Shift),
        lambda: k.qtbot.mousePress(w.welcome.title, Qt.MouseButton.LeftButton, pos=QPoint(2, 2)),
    ):
        k.controller.repeat()  # "Écouter": the screen is being read
        assert speech.busy
        speech.clear()
        t_event = time.monotonic()
        act()
        stops = [r for r in speech.requests if r.action == "stop"]
        assert stops, "no stop after a user action"
        assert stops[0].at - t_event < STOP_BOUND_S
        assert not speech.busy
        k.qtbot.mouseRelease(w.welcome.title, Qt.MouseButton.LeftButton, pos=QPoint(2, 2))


def test_tab_stops_the_reading_then_narrates_the_new_focus(narrated: Narrated) -> None:
    k, speech = narrated.kiosk, narrated.speech
    w = k.window
    k.controller.repeat()
    speech.clear()
    focused = QApplication.focusWidget() or w
    k.qtbot.keyClick(focused, Qt.Key.Key_Tab)
    narrated.settle()
    actions = [r.action for r in speech.requests]
    assert actions[0] == "stop" and "say" in actions  # old speech stopped, then narration
    target = QApplication.focusWidget()
    assert target is not None
    assert speech.last_said == (describe(target, k.controller.translator), "fr")


# --- what is said for each kind of control ----------------------------------------------
def test_focus_narration_says_name_role_state_value_and_description(
    narrated: Narrated,
) -> None:
    k, speech = narrated.kiosk, narrated.speech
    dialog, c = _form(k.window)
    k.qtbot.waitUntil(dialog.isActiveWindow)

    narrated.tab_to(c["name"])
    assert speech.last_said == ("Nom, zone de texte, Benkirane", "fr")
    narrated.tab_to(c["check"])
    assert speech.last_said == ("J'accepte, case à cocher, non cochée", "fr")
    narrated.press(c["check"], Qt.Key.Key_Space)  # toggling it says the new state
    assert c["check"].isChecked()  # type: ignore[attr-defined]
    assert speech.last_said == ("cochée", "fr")
    narrated.tab_to(c["combo"])
    assert speech.last_said == ("Pays, liste déroulante, Maroc", "fr")
    narrated.tab_to(c["ok"])
    assert speech.last_said == ("Valider, bouton", "fr")
    dialog.reject()


def test_a_masked_field_is_never_spoken(narrated: Narrated) -> None:
    k, speech = narrated.kiosk, narrated.speech
    dialog, c = _form(k.window)
    k.qtbot.waitUntil(dialog.isActiveWindow)
    narrated.tab_to(c["pin"])
    assert speech.last_said == ("Code secret, zone de texte masquée, Quatre chiffres.", "fr")
    narrated.press(c["pin"], Qt.Key.Key_1)  # typing in it is not echoed either
    pin = c["pin"]
    assert isinstance(pin, QLineEdit)
    for mode in (QLineEdit.EchoMode.PasswordEchoOnEdit, QLineEdit.EchoMode.NoEcho):
        pin.setEchoMode(mode)
        assert SECRET not in describe(pin, k.controller.translator)
    assert SECRET not in _said_text(speech) and "S3cret" not in _said_text(speech)
    dialog.reject()


def test_a_question_is_read_with_required_state_value_and_help(narrated: Narrated) -> None:
    k, speech = narrated.kiosk, narrated.speech
    k.start()
    surname = k.window.step.row("surname").input
    k.type_into("surname", "Benkirane")
    narrated.tab_to(k.window.step.continue_button)
    narrated.tab_to(surname)
    text, language = speech.last_said or ("", "")
    assert language == "fr"
    assert text.startswith("Nom de famille, zone de texte, obligatoire, Benkirane, ")
    nationality = k.window.step.row("nationality").input
    narrated.tab_to(nationality)
    assert (speech.last_said or ("",))[0].startswith("Nationalité, liste déroulante, obligatoire")


def test_rapid_focus_changes_speak_only_the_last(narrated: Narrated) -> None:
    k, speech = narrated.kiosk, narrated.speech
    k.start()
    speech.clear()
    rows = k.window.step.rows
    for row in rows:  # as fast as Tab held down
        k.qtbot.keyClick(QApplication.focusWidget() or k.window, Qt.Key.Key_Shift)
        row.input.setFocus(Qt.FocusReason.TabFocusReason)
    narrated.settle()
    assert len(speech.said) == 1
    assert speech.said[0][0].startswith(k.controller.translator(rows[-1].spec.label))


def test_focus_moved_by_the_program_does_not_cut_the_screen_reading(narrated: Narrated) -> None:
    k, speech = narrated.kiosk, narrated.speech
    k.controller.repeat()
    reading = speech.last_said
    narrated.narrator._last_user_action = float("-inf")  # no key, click or touch lately
    k.window.welcome.start_button.setFocus(Qt.FocusReason.OtherFocusReason)
    narrated.settle()
    assert speech.last_said == reading and speech.busy


@pytest.mark.parametrize(
    ("wall_s", "cpu_s", "narrated_then"), [(1.5, 0.0, True), (1.5, 0.8, False)]
)
def test_a_slow_machine_still_counts_what_a_press_opened_as_the_applicants_doing(
    narrated: Narrated, wall_s: float, cpu_s: float, narrated_then: bool
) -> None:
    """Under load, what a press opens can take far more than 0.5 s of wall time for little
    of the GUI thread's CPU: its focus change is still the applicant's (it is narrated,
    cutting the reading); one after as much CPU as the window allows is the program's."""
    k, speech = narrated.kiosk, narrated.speech
    k.controller.repeat()
    reading = speech.last_said
    n = narrated.narrator
    n._last_user_action = time.monotonic() - wall_s  # the press, as long ago in wall time
    n._last_user_cpu = time.thread_time() - cpu_s  # ... and in the GUI thread's CPU time
    k.window.welcome.start_button.setFocus(Qt.FocusReason.OtherFocusReason)
    narrated.settle()
    assert (speech.last_said != reading) is narrated_then, speech.last_said


# --- errors, repeat, stop, language ------------------------------------------------------
def test_errors_are_spoken_after_a_failed_step_and_not_cut_by_narration(
    narrated: Narrated,
) -> None:
    k, speech = narrated.kiosk, narrated.speech
    k.start()
    k.click(k.window.step.continue_button)  # nothing typed: 5 errors
    narrated.settle()
    text, language = speech.last_said or ("", "")
    assert text.startswith("Il y a 5 problèmes.") and language == "fr"
    assert "Nom de famille : " in text
    # "Écouter" reads the screen again, with its errors.
    k.click(k.window.step.header.listen_button)
    narrated.settle()
    text = (speech.last_said or ("",))[0]
    assert "Erreur : Votre identité" in text
    assert text.endswith(k.window.step.summary.spoken_text())


def test_listen_repeats_the_screen_and_stop_stops(narrated: Narrated) -> None:
    k, speech = narrated.kiosk, narrated.speech
    header = k.window.welcome.header
    k.click(header.listen_button)
    narrated.settle()  # the narration of the button gives way to the reading
    assert speech.last_said is not None and speech.last_said[0].startswith("Bienvenue")
    assert speech.busy
    n = len(speech.said)
    k.click(header.stop_button)
    narrated.settle()
    assert not speech.busy and len(speech.said) == n  # stopped, and nothing said after


def test_speech_is_in_the_screen_language_after_switching_to_arabic(narrated: Narrated) -> None:
    k, speech = narrated.kiosk, narrated.speech
    k.click(k.window.welcome.language_buttons["ar"])
    narrated.settle()
    assert speech.last_said is not None and speech.last_said[1] == "ar"
    k.click(k.window.welcome.start_button)
    k.wait_screen(Screen.PROCEDURE)
    narrated.settle()
    narrated.tab_to(k.window.procedure.header.listen_button)
    text, language = speech.last_said or ("", "")
    assert language == "ar"
    assert "زر" in text and "bouton" not in text  # the role, in Arabic
    assert "، " in text  # Arabic comma between the parts
    assert all(lang == "ar" for _, lang in speech.said[-3:])


def test_no_narration_when_the_voice_is_off(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = make_kiosk(voice_on=False)
    narrator = Narrator(kiosk.controller, kiosk.window)
    kiosk.qtbot.keyClick(QApplication.focusWidget() or kiosk.window, Qt.Key.Key_Tab)
    kiosk.qtbot.waitUntil(lambda: not narrator._timer.isActive(), timeout=2000)
    assert kiosk.speech.said == []


def test_wipe_resets_rate_and_volume_for_the_next_applicant(narrated: Narrated) -> None:
    k, speech = narrated.kiosk, narrated.speech
    speech.set_rate(1.5)
    speech.set_volume(0.3)
    k.controller.wipe()
    assert (speech.rate, speech.volume, speech.busy) == (1.0, 1.0, False)


# --- with the real engine -----------------------------------------------------------------
@pytest.mark.skipif(unavailable_reason() is not None, reason="no pyttsx3/espeak-ng")
def test_real_engine_is_silent_within_100_ms_of_a_key_press(
    qtbot: Any, catalogue: Catalogue
) -> None:
    speech = Pyttsx3Speech(player="null")
    controller, window = session_window(
        catalogue=catalogue,
        store=MemoryStore(),
        sealer=FakeSealer(),
        kiosk_id=lambda: "kiosk-test-01",
        speech=speech,
        clock=lambda: NOW,
        voice_on=True,
    )
    try:
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        controller.speak(" ".join(["Cette borne sert à demander un titre de séjour."] * 20))
        u = speech.last_utterance
        assert u is not None
        assert speech.wait_for(lambda: u.play_started_at is not None, 10)
        t_event = time.monotonic()
        qtbot.keyClick(window.welcome.start_button, Qt.Key.Key_Shift)
        record = speech.stops[-1]
        assert record.requested_at >= t_event
        assert speech.wait_for(lambda: record.confirmed_at is not None, 5)
        assert record.confirmed_at is not None
        assert record.confirmed_at - t_event < STOP_BOUND_S
        assert u.done_at is None and not speech.busy
    finally:
        controller.shutdown()
        speech.close()
