"""The on-screen keyboard: shown for the step's text fields, types without taking the
focus, every layout reachable, every key a named button >= 44 x 44 px, fits at 200 %."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

from kiosk.domain.session import Screen
from kiosk.ui.osk import Key, OnScreenKeyboard, default_layout
from tests.fixtures.walk import kiosk_in
from tests.gui.conftest import Kiosk

pytestmark = pytest.mark.gui


def press(kiosk: Kiosk, key: QPushButton) -> None:
    assert key.isVisible(), key.text()
    kiosk.qtbot.mouseClick(key, Qt.MouseButton.LeftButton)


def type_keys(kiosk: Kiosk, text: str) -> None:
    """Type ``text`` by clicking keys: shift for a capital letter, as a person would."""
    osk = kiosk.window.osk
    for ch in text:
        lower = ch.lower()
        if ch != lower:
            press(kiosk, osk.shift_key)
        press(kiosk, osk.space_key if ch == " " else osk.key_for(lower))


def focus_field(kiosk: Kiosk, field_id: str) -> QLineEdit:
    """Focus a question's input (a country box keeps the focus itself); its line edit."""
    row = kiosk.window.step.row(field_id)
    row.input.setFocus()
    kiosk.qtbot.waitUntil(lambda: QApplication.focusWidget() is row.input)
    return row.editor


def shown(osk: OnScreenKeyboard) -> bool:
    return osk.isVisible()


def test_types_a_name_with_hyphen_and_apostrophe_keeping_the_focus(kiosk: Kiosk) -> None:
    kiosk.start()
    osk = kiosk.window.osk
    assert not shown(osk)  # the title has the focus when the step appears
    edit = focus_field(kiosk, "surname")
    kiosk.qtbot.waitUntil(lambda: shown(osk))
    assert osk.layout_id == "azerty"
    type_keys(kiosk, "Diallo-N'Diaye")
    assert edit.text() == "Diallo-N'Diaye"
    assert QApplication.focusWidget() is edit  # the keys never took it
    press(kiosk, osk.backspace_key)
    press(kiosk, osk.backspace_key)
    assert edit.text() == "Diallo-N'Dia"
    assert QApplication.focusWidget() is edit
    assert kiosk.window.step.values()["surname"] == "Diallo-N'Dia"


def test_shift_makes_one_capital_letter(kiosk: Kiosk) -> None:
    kiosk.start()
    edit = focus_field(kiosk, "given_names")
    osk = kiosk.window.osk
    press(kiosk, osk.shift_key)
    assert osk.key_for("a").text() == "A" and osk.key_for("a").accessibleName() == "A"
    press(kiosk, osk.key_for("a"))
    press(kiosk, osk.key_for("m"))
    assert edit.text() == "Am"
    assert not osk.shift_key.isChecked()


def test_arabic_layout_types_arabic_right_to_left(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = kiosk_in(make_kiosk, "ar")
    kiosk.start()
    # The country, named in the applicant's language (names are typed as in the passport,
    # in Latin letters: test_applicant_path.py).
    edit = focus_field(kiosk, "nationality")
    osk = kiosk.window.osk
    kiosk.qtbot.waitUntil(lambda: shown(osk))
    assert osk.layout_id == "arabic"  # the UI language's layout
    assert osk.shift_key.isHidden()  # no capital letters in Arabic
    type_keys(kiosk, "مصر")
    assert edit.text() == "مصر"
    assert QApplication.focusWidget() is edit.parentWidget()  # the country box keeps it
    # Reading order right to left: the first key of a row is the rightmost one.
    first, second = osk.key_for("د"), osk.key_for("ج")
    assert first.mapTo(osk, QPoint(0, 0)).x() > second.mapTo(osk, QPoint(0, 0)).x()
    # Digits still run left to right.
    one, two = osk.key_for("1"), osk.key_for("2")
    assert one.mapTo(osk, QPoint(0, 0)).x() < two.mapTo(osk, QPoint(0, 0)).x()


def test_cyrillic_and_the_layout_key(kiosk: Kiosk) -> None:
    """The layout key lists the layouts by name: one touch on "АБВ" and it is Cyrillic."""
    kiosk.start()
    edit = focus_field(kiosk, "given_names")
    osk = kiosk.window.osk
    assert osk.layout_id == "azerty"
    press(kiosk, osk.layout_key)
    assert osk.listing and QApplication.focusWidget() is edit
    assert [k.text() for k in osk.layout_keys.values()] == [
        "AZERTY",
        "QWERTY",
        "عربي",
        "فارسی",
        "АБВ",
    ]
    press(kiosk, osk.layout_keys["cyrillic"])
    assert osk.layout_id == "cyrillic" and not osk.listing
    assert QApplication.focusWidget() is edit
    type_keys(kiosk, "Іван-Ёж")
    assert edit.text() == "Іван-Ёж"


def test_a_hidden_keyboard_answers_for_its_current_layout(kiosk: Kiosk) -> None:
    """A hidden keyboard makes its keys when next shown; what it is asked meanwhile (the
    audit, tests) is about the layout it would show, not the one it showed last."""
    kiosk.start()
    osk = kiosk.window.osk
    focus_field(kiosk, "nationality")  # typed in the applicant's language
    kiosk.qtbot.waitUntil(lambda: shown(osk))
    assert "a" in osk.chars()
    kiosk.window.step.continue_button.setFocus()  # off the field: the keyboard hides
    kiosk.qtbot.waitUntil(lambda: not shown(osk))
    kiosk.controller.choose_language("ar")
    assert osk.isHidden()
    assert "د" in osk.chars() and "a" not in osk.chars()
    assert osk.key_for("د").char == "د"


def test_default_layout_follows_the_language() -> None:
    assert [default_layout(c) for c in ("fr", "en", "ar", "fa", "ru", "uk", "es", "zh")] == [
        "azerty",
        "qwerty",
        "arabic",
        "persian",
        "cyrillic",
        "cyrillic",
        "qwerty",
        "qwerty",
    ]


def test_suivant_goes_to_the_next_field_and_the_keyboard_follows(kiosk: Kiosk) -> None:
    kiosk.start()
    focus_field(kiosk, "surname")
    osk = kiosk.window.osk
    press(kiosk, osk.next_key)
    given = kiosk.window.step.row("given_names").input
    kiosk.qtbot.waitUntil(lambda: QApplication.focusWidget() is given)
    assert shown(osk)
    # Focus on a button (not a text field): the keyboard makes room.
    kiosk.window.step.continue_button.setFocus()
    kiosk.qtbot.waitUntil(lambda: not shown(osk))


def test_hide_and_bring_back_with_the_clavier_button(kiosk: Kiosk) -> None:
    kiosk.start()
    edit = focus_field(kiosk, "surname")
    osk = kiosk.window.osk
    kiosk.qtbot.waitUntil(lambda: shown(osk))
    assert osk.hide_key.accessibleName() == "Masquer le clavier"
    press(kiosk, osk.hide_key)
    kiosk.qtbot.waitUntil(lambda: not shown(osk))
    assert QApplication.focusWidget() is edit
    focus_field(kiosk, "given_names")  # hidden on purpose: it stays hidden
    assert not shown(osk)
    row = kiosk.window.step.row("birth_date")
    assert row.keyboard_button.focusPolicy() == Qt.FocusPolicy.NoFocus  # not in Tab order
    assert row.keyboard_button.accessibleName() == "Clavier : Date de naissance"
    kiosk.click(row.keyboard_button)
    kiosk.qtbot.waitUntil(lambda: shown(osk))
    assert QApplication.focusWidget() is row.input
    # The field the applicant types in stays in view above the keyboard.

    def field_in_view() -> bool:
        # Asked each time: a wrapper of the viewport kept across events can go invalid
        # in PySide after the action bar walks the focus chain (BaseScreen.footer_last).
        viewport = kiosk.window.step.scroll_area.viewport()
        rect = QRect(row.input.mapTo(viewport, QPoint(0, 0)), row.input.size())
        return viewport.rect().contains(rect)

    kiosk.qtbot.waitUntil(field_in_view)


def test_types_into_the_country_box(kiosk: Kiosk) -> None:
    kiosk.start()
    row = kiosk.window.step.row("nationality")
    edit = focus_field(kiosk, "nationality")
    osk = kiosk.window.osk
    kiosk.qtbot.waitUntil(lambda: shown(osk))
    osk.type_text("Mali")
    assert edit.text() == "Mali"
    assert row.value() == "ML"


def test_keys_speak_when_the_voice_is_on(kiosk: Kiosk) -> None:
    kiosk.start()
    edit = focus_field(kiosk, "surname")
    osk = kiosk.window.osk
    press(kiosk, osk.key_for("a"))
    assert kiosk.speech.said == []  # voice off: silence
    kiosk.click(kiosk.window.step.header.voice_button)
    edit.setFocus()
    kiosk.qtbot.waitUntil(lambda: QApplication.focusWidget() is edit)
    for key, spoken in ((osk.key_for("b"), "b"), (osk.key_for("-"), "Tiret")):
        press(kiosk, key)
        assert kiosk.speech.last_said == (spoken, "fr")
    press(kiosk, osk.backspace_key)
    assert kiosk.speech.last_said == ("Effacer", "fr")
    # A masked field never has its characters spoken.
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    kiosk.speech.clear()
    press(kiosk, osk.key_for("c"))
    assert ("c", "fr") not in kiosk.speech.said
    assert edit.text() == "abc"


def test_not_shown_outside_the_step_fields(kiosk: Kiosk) -> None:
    osk = kiosk.window.osk
    kiosk.to_check()
    assert not shown(osk)
    assert not osk.is_target(kiosk.window.welcome.start_button)
    assert kiosk.screen() is Screen.CHECK


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_key_is_a_named_button_of_44_px(
    make_kiosk: Callable[..., Kiosk], language: str
) -> None:
    kiosk = kiosk_in(make_kiosk, language)
    kiosk.start()
    focus_field(kiosk, "surname")
    osk = kiosk.window.osk
    kiosk.qtbot.waitUntil(lambda: shown(osk))
    assert osk.accessibleName()
    for layout_id in osk.layout_ids:
        osk.set_layout(layout_id)
        kiosk.qtbot.waitUntil(lambda: all(k.isVisible() for k in osk.keys))
        keys = osk.keys
        assert len(keys) >= 12 + 20 + 5, layout_id
        for key in keys:
            assert isinstance(key, Key | QPushButton)
            assert key.focusPolicy() == Qt.FocusPolicy.NoFocus
            iface = QAccessible.queryAccessibleInterface(key)
            # Shift is a toggle: a check box to assistive technology, with its state.
            toggle = QAccessible.Role.CheckBox if key.isCheckable() else None
            assert iface is not None and iface.role() in (QAccessible.Role.Button, toggle)
            assert iface.text(QAccessible.Text.Name).strip(), (layout_id, key.text())
            assert key.width() >= 44 and key.height() >= 44, (layout_id, key.text(), key.size())
        names = {k.accessibleName() for k in osk.action_keys}
        assert {osk.backspace_key.accessibleName(), osk.space_key.accessibleName()} <= names
    if language == "fr":
        assert [k.accessibleName() for k in osk.action_keys] == [
            "Majuscules",
            "Clavier АБВ. Changer de clavier.",
            "Espace",
            "Effacer",
            "Suivant",
            "Masquer le clavier",
        ]
        assert osk.key_for("@").accessibleName() == "Arobase"


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_fits_the_window_at_200_percent(make_kiosk: Callable[..., Kiosk], language: str) -> None:
    kiosk = make_kiosk()
    w = kiosk.window
    kiosk.click(w.welcome.language_buttons[language])
    kiosk.click(w.welcome.header.text_size_button)
    kiosk.click(w.welcome.header.text_size_button)
    assert kiosk.controller.theme.scale == 2.0
    kiosk.start()
    focus_field(kiosk, "surname")
    osk = w.osk
    kiosk.qtbot.waitUntil(lambda: shown(osk))
    for layout_id in osk.layout_ids:
        osk.set_layout(layout_id)
        kiosk.qtbot.waitUntil(lambda: all(k.isVisible() for k in osk.keys))
        assert w.width() == 1280 and osk.width() <= w.width()

        def outside() -> list[tuple[str, QRect]]:
            rects = [(k.text(), QRect(k.mapTo(w, QPoint(0, 0)), k.size())) for k in osk.keys]
            return [(text, rect) for text, rect in rects if not w.rect().contains(rect)]

        kiosk.qtbot.waitUntil(lambda: outside() == [])  # once laid out
        assert all(key.height() >= 44 for key in osk.keys)
        # Nothing scrolls sideways, and the page keeps room above the keyboard.
        assert w.step.scroll_area.horizontalScrollBar().maximum() == 0
        assert w.step.scroll_area.viewport().height() >= 200
