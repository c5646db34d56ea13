"""The applicant's path under real conditions (issue 15): each numbered problem found by
walking the kiosk as new users would, repeated as a test on the real screens."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import (
    QAccessible,
    QAccessibleInterface,
    QFont,
    QTextLayout,
    QTextOption,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget

from kiosk.domain.session import Screen
from kiosk.i18n import Translator
from kiosk.i18n.bidi import LRI, PDI, strip_controls, unisolated_runs
from kiosk.ui.choice import ChoiceRow
from kiosk.ui.theme import Theme
from kiosk.ui.widgets import CountryBox, Notice

from .conftest import CONTACT, IDENTITY, STUDENT_RENEWAL, Kiosk, all_widgets

pytestmark = pytest.mark.gui


def wheel(widget: QWidget, notches: int = -1) -> None:
    """One turn of the mouse wheel with the pointer over ``widget`` (down: negative), as Qt
    delivers it to the widget under the pointer (sent, it is not passed on to the parent
    as a real one would be: tests send it to each widget the pointer could be over)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


# --- 1. a mouse wheel changed the nationality silently ------------------------------------
def test_1_a_wheel_over_an_answer_scrolls_the_page_and_changes_nothing(
    kiosk: Kiosk, qtbot: Any
) -> None:
    """Scrolling the identity page with the pointer over "Nationalité" turned "Russie"
    into "Rwanda" and opened the on-screen keyboard. Now the page scrolls; the answer, the
    focus and the keyboard stay as they were."""
    kiosk.controller.set_theme(Theme(scale=2.0))  # the page is taller than the screen
    kiosk.start()
    kiosk.fill({**IDENTITY, "nationality": "Russie"})
    step = kiosk.window.step
    row = step.row("nationality")
    box = row.input
    assert isinstance(box, CountryBox) and box.value() == "RU"
    step.title.setFocus()  # the applicant's focus is elsewhere (e.g. read the title)
    kiosk.window.osk.hide()
    bar = step.scroll.verticalScrollBar()
    bar.setValue(0)
    step.scroll.ensureWidgetVisible(box)
    before = bar.value()
    assert bar.maximum() > before  # there is page left to scroll
    for target in (box.lineEdit(), box):  # what the pointer is over
        wheel(target)
    assert box.value() == "RU", box.currentText()
    assert not box.hasFocus() and not box.lineEdit().hasFocus()
    assert kiosk.window.osk.isHidden()
    assert bar.value() > before  # the page scrolled, as the applicant meant
    assert kiosk.screen() is Screen.STEP

    # Clicked (focused by the person), the wheel works on the list as Qt's usual.
    kiosk.click(box.lineEdit())
    assert box.hasFocus()
    wheel(box)
    assert box.value() != "RU"


# --- 3. mixed-direction text is garbled ------------------------------------------------------
def visual_order(text: str, direction: Qt.LayoutDirection) -> str:
    """The characters of ``text`` in the order they are drawn, left to right, as Qt lays
    them out in a paragraph of ``direction`` (bidi marks and isolates left out)."""
    layout = QTextLayout(text, QFont())
    option = QTextOption()
    option.setTextDirection(direction)
    layout.setTextOption(option)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(10_000)
    layout.endLayout()
    flags = QTextLayout.GlyphRunRetrievalFlag
    runs = layout.glyphRuns(
        0,
        len(text),
        flags.RetrieveStringIndexes | flags.RetrieveGlyphPositions | flags.RetrieveGlyphIndexes,
    )
    drawn = [
        (pos.x(), text[i])
        for run in runs
        for i, pos in zip(run.stringIndexes(), run.positions(), strict=False)
        if strip_controls(text[i])
    ]
    return "".join(ch for _x, ch in sorted(drawn, key=lambda d: d[0]))


def digits_shown(text: str, direction: Qt.LayoutDirection) -> str:
    return "".join(ch for ch in visual_order(text, direction) if ch.isdigit() or ch == " ").strip()


def test_3_numbers_dates_and_codes_run_left_to_right_in_arabic(kiosk: Kiosk) -> None:
    """In Arabic, the phone example "06 12 34 56 78" showed as "78 56 34 12 06" (in the
    error summary too), the date placeholder ran right to left while the typed date ran
    left to right. Now every number, date and code is a left-to-right isolate, the inputs
    for Latin letters and digits run left to right, and the placeholder follows the date."""
    rtl = Qt.LayoutDirection.RightToLeft
    kiosk.controller.choose_language("ar")
    kiosk.start()
    step = kiosk.window.step
    birth = step.row("birth_date").input
    assert isinstance(birth, QLineEdit)
    assert birth.layoutDirection() == Qt.LayoutDirection.LeftToRight
    # The placeholder's parts in the order of the date typed under it: day on the left.
    typed = visual_order("31/12/2001", Qt.LayoutDirection.LeftToRight)
    assert typed == "31/12/2001"
    parts = Translator("ar")("JJ/MM/AAAA").split("/")
    shown = visual_order(birth.placeholderText(), Qt.LayoutDirection.LeftToRight)
    assert shown.index(parts[0][-1]) < shown.index(parts[1][0]) < shown.index(parts[2][0])
    for field_id in ("surname", "passport_number"):
        assert step.row(field_id).input.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert step.row("nationality").input.layoutDirection() == rtl  # names in Arabic

    kiosk.fill(IDENTITY)
    kiosk.click(step.continue_button)
    kiosk.qtbot.waitUntil(lambda: step.step is not None and step.step.id == "contact")
    kiosk.fill({**CONTACT, "phone": "123", "postal_code": "7501"})
    kiosk.click(step.continue_button)
    kiosk.qtbot.waitUntil(step.summary.isVisible)
    phone_link = next(link for link in step.summary.links if "06" in link.text())
    # Drawn right to left (the page's direction): the groups stay in their order.
    assert digits_shown(phone_link.text(), rtl) == "06 12 34 56 78"
    assert digits_shown(step.row("phone").error.text(), rtl) == "06 12 34 56 78"
    assert digits_shown(step.row("phone").help.text(), rtl) == "06 12 34 56 78"
    postal = step.row("postal_code").help.text()
    assert f"{LRI}75015{PDI}." in postal  # the full stop ends the sentence, not the number
    # The header's text size: "200 %", not "% 200".
    kiosk.controller.set_theme(Theme(scale=2.0))
    size = step.header.text_size_button.text()
    assert f"{LRI}200 %{PDI}" in size
    # Nothing on the screen shows a number outside an isolate.
    for w in all_widgets(kiosk.window):
        if w.isVisible() and w.layoutDirection() == rtl:
            text = w.text() if isinstance(w, QLabel | QAbstractButton) else ""
            assert not unisolated_runs(text), (type(w).__name__, text)


# --- 12. for a screen reader: headings, one radio group -------------------------------------
def _iface(widget: QWidget) -> QAccessibleInterface:
    iface = QAccessible.queryAccessibleInterface(widget)
    assert iface is not None and iface.isValid(), widget
    return iface


def test_12_titles_are_headings_and_a_choice_is_one_radio_group(kiosk: Kiosk) -> None:
    """Orca said "Bienvenue label." and "Français check box checked.": the page titles are
    now headings with a level, the languages (and the answers of a question) one radio
    group, named, each option selected or not."""
    w = kiosk.window
    title = _iface(w.welcome.title)
    assert title.role() == QAccessible.Role.Heading
    assert title.text(QAccessible.Text.Name) == "Bienvenue"
    attributes = title.attributesInterface()
    assert attributes is not None
    assert attributes.attributeValue(QAccessible.Attribute.Level) == 1
    section = _iface(w.welcome.language_heading)
    assert section.role() == QAccessible.Role.Heading
    assert section.attributesInterface().attributeValue(QAccessible.Attribute.Level) == 2

    group = _iface(w.welcome.languages)
    assert group.role() == QAccessible.Role.Grouping
    assert group.text(QAccessible.Text.Name) == "Choisissez votre langue"
    french, english = w.welcome.language_buttons["fr"], w.welcome.language_buttons["en"]
    for button, checked in ((french, True), (english, False)):
        iface = _iface(button)
        assert iface.role() == QAccessible.Role.RadioButton
        assert iface.state().checkable and bool(iface.state().checked) is checked
        assert iface.parent().role() == QAccessible.Role.Grouping  # inside the group
    # The arrow keys move between the languages without choosing one.
    french.setFocus(Qt.FocusReason.TabFocusReason)
    kiosk.qtbot.keyClick(french, Qt.Key.Key_Down)
    assert english.hasFocus() and french.isChecked() and kiosk.controller.translator.code == "fr"

    kiosk.start()
    kiosk.fill(IDENTITY)
    kiosk.click(w.step.continue_button)
    kiosk.qtbot.waitUntil(lambda: w.step.step is not None and w.step.step.id == "contact")
    kiosk.fill(CONTACT)
    kiosk.click(w.step.continue_button)
    kiosk.qtbot.waitUntil(lambda: any(isinstance(r, ChoiceRow) for r in w.step.rows))
    assert _iface(w.step.title).role() == QAccessible.Role.Heading
    row = next(r for r in w.step.rows if isinstance(r, ChoiceRow))
    assert _iface(row.options).role() == QAccessible.Role.Grouping
    assert _iface(row.options).text(QAccessible.Text.Name) == row.label.text()
    for option in row.buttons:
        assert _iface(option).role() == QAccessible.Role.RadioButton


# --- 7. a warning looked like a success -------------------------------------------------------
def _notice_after_permit(kiosk: Kiosk, expiry: str) -> Notice:
    kiosk.start()
    kiosk.fill(IDENTITY)
    kiosk.click(kiosk.window.step.continue_button)
    kiosk.qtbot.waitUntil(lambda: kiosk.window.step.step.id == "contact")
    kiosk.fill(CONTACT)
    kiosk.click(kiosk.window.step.continue_button)
    answers = {**STUDENT_RENEWAL, "permit_expiry": expiry}
    for _ in range(2):  # studies, then the current permit
        kiosk.fill_step(answers)
        kiosk.click(kiosk.window.step.continue_button)
    notice = kiosk.window.step.notice
    kiosk.qtbot.waitUntil(notice.isVisible)
    return notice


def _border(notice: QWidget) -> str:
    image = notice.grab().toImage()
    return image.pixelColor(1, image.height() // 2).name()


def test_7_a_late_application_is_a_warning_not_a_success(make_kiosk: Any) -> None:
    """ "Votre demande est en retard … 180 € en plus" was in the same green box as a
    success. Each notice now has the kind its message means: its own colour, icon and
    spoken prefix."""
    on_time = make_kiosk(voice_on=True)
    success = _notice_after_permit(on_time, "28/02/2027")  # 94 days ahead: in the window
    late = make_kiosk(voice_on=True)
    warning = _notice_after_permit(late, "15/12/2026")  # 19 days ahead: late
    assert success.kind == "success" and warning.kind == "warning"
    theme = Theme()
    assert _border(success) == theme.notice_colour("success")
    assert _border(warning) == theme.notice_colour("warning")
    assert success.icon.kind == "success" and warning.icon.kind == "warning"
    assert warning.accessibleName().startswith("Attention : Votre demande est en retard")
    assert success.accessibleName().startswith("C'est bon : Vous êtes dans les temps")
    said = late.speech.last_said
    assert said is not None and "Attention : Votre demande est en retard" in said[0]


# --- 4. the keyboard opened in Arabic for fields typed in Latin letters ------------------------
def test_4_the_keyboard_opens_in_the_script_of_each_field(make_kiosk: Any) -> None:
    """In Arabic the keyboard opened in Arabic for the names as in the passport, the
    passport number and the e-photo code; AZERTY took three taps through Persian and
    Cyrillic, and the layout key moved between taps. Now each field's script (catalogue
    metadata) picks the layout, and the fixed layout key lists the layouts by name."""
    kiosk = make_kiosk()
    kiosk.click(kiosk.window.welcome.language_buttons["ar"])
    kiosk.start()
    step, osk = kiosk.window.step, kiosk.window.osk
    wanted = {
        "surname": "azerty",
        "given_names": "azerty",
        "birth_date": "azerty",  # digits: the digit row of the Latin keyboard
        "nationality": "arabic",  # a country named in Arabic
        "passport_number": "azerty",
    }
    for field_id, layout in wanted.items():
        osk.show_for(step.row(field_id).editor)
        kiosk.qtbot.waitUntil(osk.isVisible)
        assert osk.layout_id == layout, field_id
    # Any layout in one touch, from a key that stays where it is, with the same text.
    osk.show_for(step.row("surname").editor)
    key = osk.layout_key
    place, text = key.mapTo(osk, QPoint(0, 0)), key.text()
    kiosk.click(key)
    assert osk.listing
    names = {layout_id: k.text() for layout_id, k in osk.layout_keys.items()}
    assert names == {
        "azerty": "AZERTY",
        "qwerty": "QWERTY",
        "arabic": "عربي",
        "persian": "فارسی",
        "cyrillic": "АБВ",
    }
    kiosk.click(osk.layout_keys["persian"])
    assert osk.layout_id == "persian" and not osk.listing
    assert key.mapTo(osk, QPoint(0, 0)) == place and key.text() == text
    kiosk.click(key)
    kiosk.click(osk.layout_keys["azerty"])
    assert osk.layout_id == "azerty"
    assert key.mapTo(osk, QPoint(0, 0)) == place and key.text() == text
    # The passport number typed with the keys lands in its field.
    editor = step.row("passport_number").editor
    osk.show_for(editor)
    if QApplication.activeWindow() is None:  # offscreen: a popup may take the activation
        kiosk.window.activateWindow()
    kiosk.qtbot.waitUntil(lambda: QApplication.focusWidget() is editor)
    for ch in "xk48":
        kiosk.click(osk.key_for(ch))
    assert step.row("passport_number").value() == "xk48"


def test_4_the_e_photo_code_opens_in_latin_letters(make_kiosk: Any) -> None:
    kiosk = make_kiosk()
    kiosk.click(kiosk.window.welcome.language_buttons["fa"])
    kiosk.start()
    kiosk.fill(IDENTITY)
    step = kiosk.window.step
    kiosk.click(step.continue_button)
    kiosk.qtbot.waitUntil(lambda: step.step.id == "contact")
    kiosk.fill(CONTACT)
    kiosk.click(step.continue_button)
    for _ in range(2):  # studies, then the current permit
        kiosk.fill_step(STUDENT_RENEWAL)
        kiosk.click(step.continue_button)
    kiosk.qtbot.waitUntil(lambda: step.step.id == "photo")
    osk = kiosk.window.osk
    osk.show_for(step.row("ephoto_code").editor)
    assert osk.layout_id == "qwerty" or osk.layout_id == "azerty"
    assert step.row("ephoto_code").editor.property("script") == "latin"
