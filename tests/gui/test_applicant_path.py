"""The applicant's path under real conditions (issue 15): each numbered problem found by
walking the kiosk as new users would, repeated as a test on the real screens."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import (
    QAccessible,
    QAccessibleInterface,
    QFont,
    QFontInfo,
    QKeyEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from kiosk.audit.path_checks import send_wheel
from kiosk.devices.printer import FakePrinter
from kiosk.domain.resume import format_resume_code
from kiosk.domain.session import Screen
from kiosk.i18n import LANGUAGES, Translator
from kiosk.i18n.bidi import LRI, PDI, strip_controls, unisolated_runs
from kiosk.render.receipt_pdf import pdf_bytes
from kiosk.ui.choice import ChoiceRow
from kiosk.ui.compose import ReceiptDevices
from kiosk.ui.controllers.scanner import PHOTO_TAKEN
from kiosk.ui.theme import HIGH_CONTRAST, NORMAL, Theme
from kiosk.ui.widgets import CountryBox, Notice
from tests.fixtures.walk import kiosk_in

from .conftest import CONTACT, IDENTITY, STUDENT_RENEWAL, Kiosk, all_widgets

pytestmark = pytest.mark.gui


def wheel(widget: QWidget, notches: int = -1) -> None:
    """One turn of the mouse wheel with the pointer over ``widget`` (down: negative), as Qt
    delivers it to the widget under the pointer (sent, it is not passed on to the parent
    as a real one would be: tests send it to each widget the pointer could be over). The
    audit's wheel check sends the same event."""
    send_wheel(widget, notches)


# --- 1. a mouse wheel changed the nationality silently ------------------------------------
def arabic_at_200_percent(make_kiosk: Any, size: tuple[int, int] = (1280, 1024)) -> Kiosk:
    """A kiosk in Arabic at 200 % in high contrast on a ``size`` screen (4:3 by default):
    the applicant the fold and the bidirectional text fail first."""
    kiosk: Kiosk = make_kiosk()
    kiosk.window.resize(*size)
    kiosk.controller.choose_language("ar")
    kiosk.controller.set_theme(Theme(scale=2.0, high_contrast=True))
    return kiosk


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
    bar = step.scroll_area.verticalScrollBar()
    bar.setValue(0)
    step.scroll_area.ensureWidgetVisible(box)
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
def one_line(
    text: str, font: QFont, direction: Qt.LayoutDirection, width: float = 10_000
) -> QTextLayout:
    """``text`` laid out by Qt as one line ``width`` wide, in a paragraph of ``direction``."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setTextDirection(direction)
    layout.setTextOption(option)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(width)
    layout.endLayout()
    return layout


def visual_order(text: str, direction: Qt.LayoutDirection) -> str:
    """The characters of ``text`` in the order they are drawn, left to right, as Qt lays
    them out in a paragraph of ``direction`` (bidi marks and isolates left out)."""
    layout = one_line(text, QFont(), direction)
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


def test_3_a_wrapped_arabic_error_link_starts_each_line_at_the_same_edge(
    make_kiosk: Any,
) -> None:
    """In the Arabic error summary the first line of a wrapped link looked indented by a
    space: a plain-text label wrapped right to left drew each line but the last with its
    line-end space at the start (underlined in a link). Every line starts at the edge."""
    kiosk = arabic_at_200_percent(make_kiosk)
    w = kiosk.window
    kiosk.start()
    step = w.step
    kiosk.click(step.continue_button)  # nothing answered
    kiosk.qtbot.waitUntil(step.summary.isVisible)
    label = next(
        link.label
        for link in step.summary.links
        if link.label.fontMetrics().horizontalAdvance(link.text()) > link.label.width()
    )  # "الاسم الشخصي: …": two lines, each starting with an alef
    image = label.grab().toImage()
    background = image.pixelColor(0, 0)

    def start_edge(rows: range) -> int:  # the rightmost ink: where a right-to-left line starts
        return max(
            next(
                (
                    x
                    for x in range(image.width() - 1, -1, -1)
                    if image.pixelColor(x, y) != background
                ),
                -1,
            )
            for y in rows
        )

    half = image.height() // 2
    first, last = start_edge(range(half)), start_edge(range(half, image.height()))
    assert abs(first - last) <= 3, (first, last)
    assert step.summary.links[0].text() == "اسم العائلة: يجب أن تجيب على هذا السؤال."


# --- 12. for a screen reader: headings, one radio group -------------------------------------
def _iface(widget: QWidget) -> QAccessibleInterface:
    iface = QAccessible.queryAccessibleInterface(widget)
    assert iface is not None and iface.isValid(), widget
    return iface


def test_12_titles_are_headings_and_a_choice_is_one_radio_group(kiosk: Kiosk) -> None:
    """Orca said "Bienvenue label." and "Français check box checked.": the page titles are
    now headings with a level (a real Orca reads them in tests/screenreader/test_orca.py),
    the languages (and the answers of a question) one radio group, named, each option
    selected or not."""
    w = kiosk.window
    title = _iface(w.welcome.title)
    assert title.role() == QAccessible.Role.Heading
    assert title.text(QAccessible.Text.Name) == "Bienvenue"
    assert title.attributesInterface().attributeValue(QAccessible.Attribute.Level) == 1
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
    kiosk.past_identity_and_contact()
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
    kiosk = kiosk_in(make_kiosk, "ar")
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
    kiosk = kiosk_in(make_kiosk, "fa")
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


# --- 5. the country completer's list was unstyled ---------------------------------------------
def open_completer(kiosk: Kiosk, text: str) -> QWidget:
    """Type ``text`` in the nationality box: its completer's list opens."""
    box = kiosk.window.step.row("nationality").input
    assert isinstance(box, CountryBox)
    edit = box.lineEdit()
    box.setFocus()
    edit.clear()
    for ch in text:  # as the on-screen keyboard types (QTest knows only ASCII keys)
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(edit, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))
    popup = box.completer().popup()
    kiosk.qtbot.waitUntil(popup.isVisible)
    return popup


def test_5_the_country_list_is_styled_scaled_and_high_contrast(make_kiosk: Any) -> None:
    """The completer's list had about 11 px text on 17 px rows, no high contrast and no
    scaling: the one pop-up the audit never opened. It now has the kiosk's style."""
    kiosk = make_kiosk()
    kiosk.controller.choose_language("ar")
    kiosk.controller.set_theme(Theme(scale=2.0, high_contrast=True))
    kiosk.start()
    popup = open_completer(kiosk, "م")
    assert isinstance(popup, QAbstractItemView)
    assert popup.model().rowCount() > 1
    font_px = QFontInfo(popup.font()).pixelSize()
    assert font_px >= 20 * 2, font_px  # body text at 200 %
    row = popup.visualRect(popup.model().index(0, 0))
    assert row.height() >= 48 * 2, row.height()  # a touch target at 200 %
    image = popup.grab().toImage()
    background = image.pixelColor(image.width() // 2, image.height() - 3).name()
    assert background == HIGH_CONTRAST.background
    assert popup.layoutDirection() == Qt.LayoutDirection.RightToLeft
    # Back to the normal theme at 100 %: the list follows.
    popup.hide()
    kiosk.controller.set_theme(Theme())
    popup = open_completer(kiosk, "ف")
    assert QFontInfo(popup.font()).pixelSize() < 30
    image = popup.grab().toImage()
    assert image.pixelColor(image.width() // 2, image.height() - 3).name() == NORMAL.background


@pytest.mark.parametrize("high_contrast", [False, True])
def test_11_the_receipt_has_one_primary_action(kiosk: Kiosk, high_contrast: bool) -> None:
    """ "Imprimer mon reçu" in the page and "Terminer" in the action bar were both filled
    like primary buttons. The receipt prints once by itself: printing again is secondary,
    like "Voir mon reçu à l'écran"; "Terminer" is the one primary action."""
    c = HIGH_CONTRAST if high_contrast else NORMAL
    kiosk.controller.set_high_contrast(high_contrast)
    kiosk.to_receipt()
    screen = kiosk.window.receipt
    border = 2 + (1 if high_contrast else 0)  # Theme's border at 100 %

    def fill(b: QWidget) -> str:
        return b.grab().toImage().pixelColor(border + 4, b.height() // 2).name()

    buttons = [
        b
        for b in screen.findChildren(QPushButton)
        if b.isVisible() and b.isEnabled() and not screen.header.isAncestorOf(b)
    ]
    assert screen.print_button in buttons and screen.finish_button in buttons
    kiosk.qtbot.waitUntil(lambda: fill(screen.print_button) == c.background)
    assert [b for b in buttons if fill(b) == c.primary] == [screen.finish_button]
    assert screen.primary_action() is screen.finish_button


# --- 8. the receipt contradicted itself ----------------------------------------------------------
def _pdf_pages(data: bytes, tmp_path: Path) -> list[str]:
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    text = unicodedata.normalize("NFKC", text)  # "ﬁ" ligatures back to letters
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils: bootstrap test")
def test_8_the_receipt_says_what_was_done_and_what_is_missing(
    make_kiosk: Any, tmp_path: Path
) -> None:
    """After filing, the PDF said "Vous êtes dans les temps. Faites votre demande au plus
    tard le …"; the screen did not show a skipped document the PDF listed; an item broke
    across pages; the text was 9 pt whatever size the applicant chose."""
    kiosk = make_kiosk()
    kiosk.to_consent()
    s = kiosk.controller.session
    documents = [d.id for d in s.documents()]
    s.documents_scanned = True
    s.page_scanned(documents[0], 1)  # photographed
    s.document_skipped(documents[1])  # skipped
    kiosk.controller.set_theme(Theme(scale=2.0))
    kiosk.click(kiosk.window.consent.checkbox)
    kiosk.click(kiosk.window.consent.submit_button)
    kiosk.wait_screen(Screen.RECEIPT)
    receipt = kiosk.window.receipt
    skipped = Translator("fr")(s.documents()[1].label)
    assert receipt.documents_heading.text() == "Documents à apporter à la préfecture"
    assert f"• {skipped}" in receipt.documents.text().split("\n")
    assert receipt.given.text() == "• " + s.documents()[0].label
    assert receipt.deadline.kind == "success"  # 94 days ahead: filed in time
    assert receipt.deadline.text.text() == "Votre demande est faite dans les temps."

    content = kiosk.controller.receipt.receipt_content()
    assert content is not None and content.text_scale == 2.0
    pages = _pdf_pages(pdf_bytes(content), tmp_path)
    whole = " ".join(pages)
    assert "Faites votre demande au plus tard" not in whole
    assert "Votre demande est faite dans les temps." in whole
    assert skipped in whole
    # At 200 % the receipt is longer; still no line is cut between two sheets.
    small = _pdf_pages(pdf_bytes(dataclasses.replace(content, text_scale=1.0)), tmp_path)
    assert len(pages) > len(small) >= 1
    fr = Translator("fr")
    for section in content.sections(fr):
        for line in section.lines:
            text = " ".join(line.split())
            assert any(text in page for page in pages), text


# --- 9. the resume code was only shown ---------------------------------------------------------
def test_9_the_resume_code_can_be_printed_and_does_not_look_like_a_button(
    make_kiosk: Any, tmp_path: Path
) -> None:
    """ "Notez ce code ou prenez-le en photo" on a kiosk with a printer; the code's box
    looked like a button. The code prints now (nothing about the applicant on it), and its
    box is a dashed, grey-backed box in the text colour, unlike any button."""
    printer = FakePrinter(tmp_path)
    kiosk = make_kiosk(receipt=ReceiptDevices(printer))
    w = kiosk.window
    kiosk.start()
    kiosk.fill(IDENTITY)
    kiosk.click(w.step.continue_button)
    kiosk.qtbot.waitUntil(lambda: kiosk.controller.session.step_index == 1)
    kiosk.click(w.step.save_button)
    kiosk.wait_screen(Screen.SAVED)
    saved = w.saved
    assert "Imprimez ce code" in saved.intro.text()
    kiosk.click(saved.print_button)
    kiosk.qtbot.waitUntil(lambda: bool(printer.in_memory), timeout=20_000)
    printed = "Le code est imprimé. Prenez-le sous l'écran."
    kiosk.qtbot.waitUntil(lambda: saved.print_status.text() == printed)  # after "en cours"
    code = kiosk.controller.session.resume_code
    assert code is not None
    text = " ".join(_pdf_pages(printer.in_memory[0], tmp_path))
    assert format_resume_code(code) in text
    for personal in ("Benkirane", "Amina", "2001"):
        assert personal not in text
    # The box: dashed border in the border colour, the surface behind the text, text in
    # the text colour; buttons have a solid primary border.
    theme = Theme()
    image = saved.code.grab().toImage()
    # Beside the text, inside the border: the centre could fall on a glyph's anti-aliased
    # edge (a grey of neither colour) for some random codes.
    assert image.pixelColor(6, image.height() // 2).name() == theme.colours.surface
    edge = image.pixelColor(image.width() // 2, 0).name()
    assert edge != theme.colours.primary
    assert saved.code.palette().color(saved.code.foregroundRole()).name() == theme.colours.text


# --- 10. ambiguous words ------------------------------------------------------------------------
def _words(text: str) -> set[str]:
    text = strip_controls(text).casefold()
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):  # Chinese: no spaces, by character
        return {ch for ch in text if ch.strip() and ch not in "：:"}
    return {w.strip("«»“”:.,") for w in text.split() if len(w.strip("«»“”:.,")) > 1}


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_10_track_continue_resume_and_retake_are_told_apart(make_kiosk: Any, code: str) -> None:
    """In Arabic "متابعة طلبي" meant both "Suivre ma demande" and "Continuer ma demande"
    (and "متابعة" is "Continuer"); in French "Reprendre" was both resuming an application
    and retaking a photo. The labels the applicant meets now differ in every language."""
    kiosk = make_kiosk()
    w = kiosk.window
    kiosk.controller.choose_language(code)
    track = w.welcome.status_button.text()
    resume = w.welcome.resume_button.text()
    go_on = strip_controls(w.step.continue_button.accessibleName())  # "Continuer"
    carry_on = w.saved.continue_button.text()  # "Continuer ma demande"
    retake = w.scan.retake_button.text()
    assert _words(track) != _words(carry_on), (track, carry_on)
    assert not _words(go_on) & _words(track), (go_on, track)
    assert len({track, resume, w.welcome.start_button.accessibleName()}) == 3
    assert not _words(retake) & _words(resume), (retake, resume)
    spoken_retake = Translator(code)(PHOTO_TAKEN)
    assert retake in spoken_retake  # the message names the button as it reads


# --- 6. document capture gave no time and no checks ---------------------------------------------
def test_6_capture_waits_refuses_a_page_taken_and_asks_before_skipping(kiosk: Kiosk) -> None:
    """The next document was photographed less than 0.5 s after "Valider"; document 5
    was accepted with the picture of document 4; "Passer ce document" skipped with one
    tap. Now the next photo waits for the page to settle, a page already taken is
    refused and said so, and skipping is asked first."""
    import time

    from kiosk.devices.camera import FakeCamera
    from kiosk.scan import synthetic as syn
    from kiosk.ui.controllers.scanner import ALREADY_TAKEN, NEXT_PAGE_SETTLE_S

    from .test_scan import SIZE, Scan, page_frame

    camera = FakeCamera([page_frame(3)], fps=20)
    scan = Scan(kiosk, camera)
    screen = scan.screen
    documents = [
        ("enrolment_certificate", "Certificat de scolarité", 1),
        ("proof_of_resources", "Justificatif de ressources", 1),
        ("hosting_certificate", "Attestation d'hébergement", 1),
    ]
    try:
        scan.controller.scan(documents)
        scan.wait_review()
        scan.click(screen.accept_button)
        validated = time.monotonic()
        camera.show([page_frame(5)])  # the next page, put down at once
        scan.wait_review()
        assert time.monotonic() - validated >= NEXT_PAGE_SETTLE_S
        scan.click(screen.accept_button)
        # The first page again, as the third document: refused, said why.
        camera.show([syn.empty(SIZE)])
        verdicts = scan.controller.verdicts
        scan.wait(lambda: scan.controller.verdicts >= verdicts + 3)
        camera.show([page_frame(3)])
        scan.wait(lambda: scan.controller.refused == 1)
        assert not screen.reviewing
        assert screen.guidance_text() == ALREADY_TAKEN
        assert screen.guidance.property("role") == "error"
        verdicts = scan.controller.verdicts
        scan.wait(lambda: scan.controller.verdicts >= verdicts + 5)
        assert screen.guidance_text() == ALREADY_TAKEN  # stays while the page is there
        assert [d for d, _p, _j in scan.captured] == [documents[0][0], documents[1][0]]
        # Skipping is asked; "Non" keeps the document, "Oui" skips it.
        scan.click(screen.skip_button)
        dialog = screen.skip_dialog
        assert dialog is not None and dialog.isVisible()
        assert dialog.text.text() == (
            "Sans photo, vous devrez apporter « Attestation d'hébergement » à la préfecture."
        )
        assert dialog.focusWidget() is dialog.keep_button  # the safe answer first
        scan.click(dialog.keep_button)
        kiosk.qtbot.waitUntil(lambda: not dialog.isVisible())
        assert scan.skipped == [] and scan.finished == 0
        scan.click(screen.skip_button)
        assert screen.skip_dialog is not None
        scan.click(screen.skip_dialog.confirm_button)
        assert scan.skipped == ["hosting_certificate"] and scan.finished == 1
    finally:
        scan.controller.clear()


def test_6_a_resumed_draft_does_not_ask_for_the_passport_again(make_kiosk: Any) -> None:
    """After a saved draft was resumed, the passport was asked for again (going back to
    the identity questions started the camera)."""
    from kiosk.devices.camera import FakeCamera
    from kiosk.scan import synthetic as syn
    from kiosk.ui.camera_view import CameraFeed
    from kiosk.ui.controllers.ports import ScannerPorts
    from kiosk.ui.controllers.scanner import ScanController

    kiosk = make_kiosk()
    w = kiosk.window
    kiosk.start()
    kiosk.fill(IDENTITY)
    kiosk.click(w.step.continue_button)
    kiosk.qtbot.waitUntil(lambda: w.step.step is not None and w.step.step.id == "contact")
    kiosk.click(w.step.save_button)
    kiosk.wait_screen(Screen.SAVED)
    code = kiosk.controller.session.resume_code
    assert code is not None
    kiosk.click(w.saved.finish_button)
    kiosk.wait_screen(Screen.WELCOME)
    scanner = ScanController(
        kiosk.controller, ScannerPorts(CameraFeed(FakeCamera([syn.empty((640, 480))])))
    )
    kiosk.controller.scanner_slot.provide(scanner)  # photos from now on
    try:
        kiosk.click(w.welcome.resume_button)
        kiosk.wait_screen(Screen.RESUME)
        w.resume.code_row.input.setText(code)
        w.resume.birth_date_row.input.setText(IDENTITY["birth_date"])
        kiosk.click(w.resume.resume_button)
        kiosk.wait_screen(Screen.STEP)
        assert w.step.step is not None and w.step.step.id == "contact"
        assert w.step.back_button is not None
        kiosk.click(w.step.back_button)  # to the identity questions
        kiosk.qtbot.waitUntil(lambda: w.step.step is not None and w.step.step.id == "identity")
        assert kiosk.screen() is Screen.STEP and not scanner.active
    finally:
        scanner.clear()


# --- 11. smaller problems --------------------------------------------------------------------------
def test_11_the_consent_error_has_an_error_summary(kiosk: Kiosk) -> None:
    kiosk.to_consent()
    consent = kiosk.window.consent
    kiosk.click(consent.submit_button)
    kiosk.qtbot.waitUntil(consent.summary.isVisible)
    assert consent.summary.hasFocus()
    assert consent.summary.title.text() == "Il y a 1 problème."
    [link] = consent.summary.links
    assert link.text() == (
        "Déclaration sur l'honneur : Cochez la case pour confirmer votre déclaration."
    )
    kiosk.click(link)
    assert consent.checkbox.hasFocus()
    kiosk.click(consent.checkbox)
    kiosk.click(consent.submit_button)
    kiosk.wait_screen(Screen.RECEIPT)


def test_11_after_modifier_the_check_page_comes_back_where_it_was(kiosk: Kiosk) -> None:
    kiosk.controller.set_theme(Theme(scale=2.0))  # a long page: the last card far down
    kiosk.to_check()
    check = kiosk.window.check
    last = check.cards[-1]
    check.scroll_area.ensureWidgetVisible(last.edit_button)
    kiosk.click(last.edit_button)
    kiosk.wait_screen(Screen.STEP)
    kiosk.click(kiosk.window.step.continue_button)
    kiosk.wait_screen(Screen.CHECK)
    bar = check.scroll_area.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() > 0  # not back at the top
    edit = check.cards[-1].edit_button
    assert edit.hasFocus()
    top = edit.mapTo(check.scroll_area.viewport(), edit.rect().topLeft()).y()
    assert 0 <= top <= check.scroll_area.viewport().height() - edit.height()


def test_11_a_before_you_start_page_comes_before_the_camera(make_kiosk: Any) -> None:
    """The first screen of a procedure was the passport's camera box, black for up to
    30 s: now a page says what is needed (the catalogue's documents), about how long it
    takes, that the camera is used and that one can stop and resume with a code."""
    from kiosk.devices.camera import FakeCamera
    from kiosk.scan import synthetic as syn
    from kiosk.ui.camera_view import CameraFeed
    from kiosk.ui.controllers.ports import ScannerPorts
    from kiosk.ui.controllers.scanner import ScanController
    from kiosk.ui.screens.before import CAMERA, DURATION, RESUME

    kiosk = make_kiosk(voice_on=True)
    w = kiosk.window
    scanner = ScanController(
        kiosk.controller, ScannerPorts(CameraFeed(FakeCamera([syn.empty((640, 480))])))
    )
    kiosk.controller.scanner_slot.provide(scanner)
    try:
        kiosk.click(w.welcome.start_button)
        kiosk.wait_screen(Screen.PROCEDURE)
        kiosk.click(w.procedure.card("renewal-student"))
        kiosk.wait_screen(Screen.BEFORE)
        assert not scanner.active  # no camera yet
        before = w.before
        assert before.title.text() == "Avant de commencer"
        assert before.caption.text() == "Renouvellement — étudiant"
        documents = [d.label for d in kiosk.controller.session.documents()]
        assert documents and [label.accessibleName() for label in before.document_labels] == [
            Translator("fr")(d) for d in documents
        ]
        minutes = kiosk.controller.session.expected_minutes(photos=True)
        assert 10 <= minutes <= 30 and minutes % 5 == 0
        assert before.duration.text() == DURATION[minutes > 1].format(minutes=minutes)
        assert before.camera.isVisibleTo(before) and before.camera.text() == CAMERA
        assert before.resume.text() == RESUME
        said = kiosk.speech.last_said
        assert said is not None and CAMERA in said[0] and RESUME in said[0]
        # "Commencer": now the camera, for the passport; Back from it returns here.
        kiosk.click(before.start_button)
        kiosk.wait_screen(Screen.SCAN)
        assert scanner.active
        assert w.scan.back_button is not None
        kiosk.click(w.scan.back_button)
        kiosk.wait_screen(Screen.BEFORE)
        assert before.back_button is not None
        kiosk.click(before.back_button)
        kiosk.wait_screen(Screen.PROCEDURE)
    finally:
        scanner.clear()
    # Without a camera the page does not announce one, and the estimate is shorter.
    kiosk.controller.scanner_slot.provide(None)
    kiosk.click(w.procedure.card("renewal-student"))
    kiosk.wait_screen(Screen.BEFORE)
    assert not before.camera.isVisibleTo(before)
    assert kiosk.controller.session.expected_minutes(photos=False) < minutes
    kiosk.click(before.start_button)
    kiosk.wait_screen(Screen.STEP)


# --- 2. at 200 % on 4:3 what matters fell below the fold ------------------------------------------
def _seen(window: QWidget, widget: QWidget) -> tuple[int, int]:
    """(height shown, height wanted): what of ``widget`` the scroll areas and the window
    let show, against all of it, or as much as its viewport can hold."""
    from kiosk.audit.context import Context
    from kiosk.audit.shape_checks import visible_part

    ctx = Context(window, "ar")
    clip = ctx.clip_rect(widget).intersected(window.rect())
    return visible_part(ctx, widget).height(), min(widget.height(), clip.height())


def _one_row_with_title(header: Any) -> None:
    centres = {b.mapTo(header, b.rect().center()).y() for b in header.buttons}
    assert max(centres) - min(centres) <= 8, centres  # never a second row
    assert header.app_title.isVisible() and header.app_title.text().strip("… ")


@pytest.mark.parametrize("size", [(1280, 1024), (1920, 1080)])
def test_2_at_200_percent_the_header_summary_and_action_stay_in_view(
    make_kiosk: Any, size: tuple[int, int]
) -> None:
    """At 200 % on 4:3 the header wrapped to two rows and lost the title; after
    "Continuer" on empty answers only the title showed, the error summary that had the
    focus was off screen."""
    kiosk = arabic_at_200_percent(make_kiosk, size)
    w = kiosk.window
    kiosk.start()
    step = w.step
    kiosk.qtbot.waitUntil(lambda: step.header.width() > 0)
    _one_row_with_title(step.header)
    assert step.header.height() < 0.15 * size[1]  # it was about 22 % of the height
    kiosk.click(step.continue_button)  # nothing answered
    kiosk.qtbot.waitUntil(step.summary.isVisible)
    assert w.focusWidget() is step.summary
    shown, wanted = _seen(w, step.summary)
    assert shown >= wanted - 2, (shown, wanted)
    shown, wanted = _seen(w, step.continue_button)
    assert shown == step.continue_button.height() == wanted


def test_2_the_welcome_screen_fits_1280_x_960_and_photo_review_keeps_half_the_screen(
    make_kiosk: Any,
) -> None:
    """The welcome screen needed scrolling at 100 % on 1280 x 960; on photo review at
    200 % "Valider"/"Refaire la photo" were cut off under a photo of about 220 x 150 px."""
    from kiosk.devices.camera import FakeCamera

    from .test_scan import Scan, page_frame

    kiosk = make_kiosk()
    w = kiosk.window
    w.resize(1280, 960)
    kiosk.qtbot.waitUntil(lambda: w.welcome.height() > 0 and w.height() == 960)
    kiosk.qtbot.waitUntil(lambda: w.welcome.scroll_area.verticalScrollBar().maximum() == 0)
    w.resize(1280, 1024)
    kiosk.controller.choose_language("ar")
    kiosk.controller.set_theme(Theme(scale=2.0, high_contrast=True))
    scan = Scan(kiosk, FakeCamera([page_frame(3)], fps=20))
    try:
        scan.controller.scan([("enrolment_certificate", "Certificat de scolarité", 1)])
        scan.wait_review()
        screen = scan.screen
        kiosk.qtbot.waitUntil(lambda: _seen(w, screen.page_view)[0] >= 0.5 * w.height())
        for button in (screen.accept_button, screen.retake_button):
            shown, _wanted = _seen(w, button)
            assert shown == button.height(), button.text()
    finally:
        scan.controller.clear()


def test_2_photo_review_at_200_percent_cuts_no_line_of_the_title(make_kiosk: Any) -> None:
    """Arabic at 200 % on 4:3: the page was scrolled to its end, short of the top chosen
    above the photo, and its top edge cut the title's last line. Each text above the photo
    is whole or scrolled away; the photo and its buttons stay in view."""
    from kiosk.scan import synthetic as syn
    from kiosk.scan.formats import A4
    from kiosk.ui.camera_view import bgr_to_qimage

    kiosk = arabic_at_200_percent(make_kiosk)
    w = kiosk.window
    frame, _ = syn.scene((1280, 960), A4, fill=0.8, seed=11)
    w.show_scan()
    screen = w.scan
    screen.show_document("Justificatif de domicile de moins de 6 mois", 3, 5, 1, 1)
    screen.show_review(bgr_to_qimage(frame[60:900, 300:980].copy(), 1200))
    kiosk.qtbot.waitUntil(lambda: screen.scroll_area.verticalScrollBar().value() > 0)
    kiosk.qtbot.waitUntil(lambda: _seen(w, screen.page_view)[0] >= 0.5 * w.height())
    assert screen.title.height() > 2 * screen.title.fontMetrics().height()  # it wraps
    for text in (screen.caption, screen.title, screen.intro):
        shown, _wanted = _seen(w, text)
        assert shown in (0, text.height()), (text.text(), shown, text.height())
    for button in (screen.accept_button, screen.retake_button):
        assert _seen(w, button)[0] == button.height(), button.text()


def test_2_the_receipt_number_is_in_view_at_200_percent_on_4_3(make_kiosk: Any) -> None:
    """Arabic at 200 % in high contrast on 1280 x 1024: the two paper buttons came first
    and the number, what the applicant leaves with, was cut off at the bottom of the page.
    It comes first now, whole, with its date, as the screen opens."""
    kiosk = arabic_at_200_percent(make_kiosk)
    w = kiosk.window
    kiosk.to_receipt()
    screen = w.receipt
    kiosk.qtbot.waitUntil(lambda: screen.reference.height() > 0 and screen.reference.text() != "")
    for text in (screen.reference_caption, screen.reference, screen.date):
        shown, wanted = _seen(w, text)
        assert shown == text.height() == wanted, (text.text(), shown, text.height())
    assert screen.reference.y() < screen.print_button.y()  # reading order: number first


def test_6_a_passport_page_is_not_taken_as_the_identity_photo(kiosk: Kiosk) -> None:
    """ "Photo d'identité" accepted a passport page: a page with a machine-readable
    zone is refused for a document that has none; a page without one is taken."""
    from kiosk.devices.camera import FakeCamera
    from kiosk.scan import synthetic as syn
    from kiosk.ui.controllers.scanner import NOT_A_PHOTO

    from .test_scan import Scan
    from .test_scan_flow import FRAME, letter_frame, passport_frame

    camera = FakeCamera([passport_frame()], fps=12)
    scan = Scan(kiosk, camera)
    scan.controller.warm_up()  # the MRZ reader, as at start-up (once per process)
    scan.wait(lambda: scan.controller._reader is not None, timeout=120_000)
    screen = scan.screen
    try:
        scan.controller.scan([("photo", "Photo d'identité (code e-photo)", 1)])
        scan.wait(lambda: scan.controller.refused == 1, timeout=60_000)
        assert not screen.reviewing and screen.guidance_text() == NOT_A_PHOTO
        camera.show([syn.empty(FRAME)])
        verdicts = scan.controller.verdicts
        scan.wait(lambda: scan.controller.verdicts >= verdicts + 3)
        camera.show([letter_frame()])  # a sheet with no MRZ
        # Each page taken is read for an MRZ first: slow on a loaded machine.
        scan.wait(lambda: screen.reviewing or scan.controller.refused > 1, timeout=60_000)
        assert scan.controller.refused == 1 and screen.reviewing
    finally:
        scan.controller.clear()


def test_11_dialogs_dim_the_page_and_the_inactivity_warning_hides_the_answers(
    kiosk: Kiosk,
) -> None:
    """Dialogs had no backdrop; the applicant's answers stayed readable behind the
    inactivity warning."""
    w = kiosk.window
    kiosk.start()
    kiosk.fill(IDENTITY)
    host = w.centralWidget()
    before = host.grab().toImage()
    dialog = w.show_help("Aide", "Un agent arrive.")
    kiosk.qtbot.waitUntil(w.backdrop.isVisible)
    assert w.backdrop.geometry() == host.rect()
    dimmed = host.grab().toImage()
    x, y = host.width() // 2, host.height() // 2
    assert dimmed.pixelColor(x, y).lightness() < before.pixelColor(x, y).lightness() - 60
    dialog.reject()
    kiosk.qtbot.waitUntil(lambda: not w.backdrop.isVisible())
    warning = w.show_inactivity_warning(30)
    kiosk.qtbot.waitUntil(w.backdrop.isVisible)
    hidden = host.grab().toImage()
    step = w.step
    for widget in (step.row("surname").input, step.title):  # nothing of the page shows
        centre = widget.mapTo(host, widget.rect().center())
        assert hidden.pixelColor(centre).name() == "#000000"
    warning.close_warning()
    kiosk.qtbot.waitUntil(lambda: not w.backdrop.isVisible())
