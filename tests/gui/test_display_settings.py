"""Text size, high contrast and voice: the same toggles on every screen (WCAG 3.2.6); a
change keeps the answers; each applicant starts from the kiosk's defaults."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QAccessible, QColor
from PySide6.QtWidgets import QWidget

from kiosk.domain.session import Screen
from kiosk.ui.choice import CHECKED_MARK, UNCHECKED_MARK
from kiosk.ui.theme import HIGH_CONTRAST, NORMAL, Theme, contrast_ratio
from tests.gui.conftest import CONTACT, IDENTITY, Kiosk

pytestmark = pytest.mark.gui


def test_high_contrast_changes_the_colours_and_keeps_the_answers(kiosk: Kiosk) -> None:
    w = kiosk.window
    kiosk.start()
    kiosk.fill({"surname": "Benkirane", "nationality": "Maroc"})
    assert NORMAL.background in w.styleSheet()
    header = w.step.header
    assert header.contrast_button.isCheckable() and not header.contrast_button.isChecked()
    kiosk.click(header.contrast_button)
    assert kiosk.controller.theme.high_contrast
    sheet = w.styleSheet()
    assert f"background-color: {HIGH_CONTRAST.background}" in sheet
    assert f"color: {HIGH_CONTRAST.text}" in sheet and HIGH_CONTRAST.primary in sheet
    # Drawn: the page background is black now.
    page = w.step.scroll_area.viewport()
    kiosk.qtbot.waitUntil(
        lambda: w.grab().toImage().pixelColor(page.mapTo(w, QPoint(4, 4))).name() == "#000000"
    )
    # Answers kept, state shown on every screen's toggle (and to assistive technology).
    assert w.step.row("surname").value() == "Benkirane"
    assert w.step.row("nationality").value() == "MA"
    assert kiosk.screen() is Screen.STEP
    for screen in w.screens.values():
        assert screen.header.contrast_button.isChecked()
    iface = QAccessible.queryAccessibleInterface(header.contrast_button)
    assert iface.state().checked and iface.text(QAccessible.Text.Name) == "Contraste élevé"
    # Text size and contrast combine.
    kiosk.click(header.text_size_button)
    assert kiosk.controller.theme == Theme(scale=1.5, high_contrast=True)
    kiosk.click(header.contrast_button)
    assert kiosk.controller.theme == Theme(scale=1.5)
    assert f"background-color: {NORMAL.background}" in w.styleSheet()
    assert w.step.row("surname").value() == "Benkirane"


def test_high_contrast_palette_reaches_7_to_1() -> None:
    c = HIGH_CONTRAST
    text_pairs = [
        (c.text, c.background),
        (c.text, c.surface),
        (c.text_secondary, c.background),
        (c.primary, c.background),  # links, secondary and header buttons
        (c.primary, c.surface),
        (c.primary_text, c.primary),  # primary buttons, checked toggles
        (c.primary_text, c.primary_hover),
        (c.primary_text, c.primary_pressed),
        (c.error, c.background),
        (c.error, c.error_background),
    ]
    for fg, bg in text_pairs:
        assert contrast_ratio(fg, bg) >= 7.0, (fg, bg)
    for colour in (c.border, c.focus, c.success):
        assert contrast_ratio(colour, c.background) >= 3.0, colour
        assert contrast_ratio(colour, c.surface) >= 3.0, colour
    assert c.focus not in (c.border, c.primary)  # the ring stands out from the controls


def test_the_voice_toggle_is_on_every_screen(kiosk: Kiosk) -> None:
    w = kiosk.window
    kiosk.click(w.welcome.start_button)
    kiosk.wait_screen(Screen.PROCEDURE)
    header = w.procedure.header
    assert header.voice_button.text() == "Voix" and header.voice_button.mark.isHidden()
    kiosk.click(header.voice_button)
    assert kiosk.controller.voice_on
    assert kiosk.speech.last_said == ("Que voulez-vous faire ? Touchez votre démarche.", "fr")
    # The check mark at the start of the button (its own label, placed by the layout's
    # direction: at the right in right to left), the text unchanged.
    assert header.voice_button.text() == "Voix" and header.voice_button.mark.isVisibleTo(header)
    for screen in w.screens.values():
        assert screen.header.voice_button.isChecked()
    assert w.welcome.voice_button.isChecked()  # the welcome screen's big toggle agrees
    kiosk.click(header.voice_button)
    assert not kiosk.controller.voice_on
    assert not w.welcome.voice_button.isChecked()
    assert not any(s.header.voice_button.isChecked() for s in w.screens.values())


def test_settings_reset_for_the_next_applicant(make_kiosk: Callable[..., Kiosk]) -> None:
    kiosk = make_kiosk()
    w, c = kiosk.window, kiosk.controller
    header = w.welcome.header
    kiosk.click(header.text_size_button)
    kiosk.click(header.contrast_button)
    kiosk.click(header.voice_button)
    kiosk.click(w.welcome.language_buttons["ar"])
    kiosk.start()
    c.wipe()
    assert c.theme == Theme() and not c.voice_on and c.translator.code == "fr"
    assert not header.contrast_button.isChecked() and not header.voice_button.isChecked()
    assert header.text_size_button.text() == "Texte 100 %"
    assert NORMAL.background in w.styleSheet()


def test_the_kiosk_defaults_are_what_a_wipe_restores(make_kiosk: Callable[..., Kiosk]) -> None:
    # A kiosk configured for large, high-contrast text goes back to that, not to 100 %.
    kiosk = make_kiosk()
    c = kiosk.controller
    configured = Theme(scale=1.5, high_contrast=True)
    c.theme_default = configured
    c.set_theme(configured)
    kiosk.click(kiosk.window.welcome.header.contrast_button)  # this applicant turns it off
    assert not c.theme.high_contrast
    c.wipe()
    assert c.theme == configured
    assert kiosk.window.welcome.header.contrast_button.isChecked()


@pytest.mark.parametrize("high_contrast", [False, True])
def test_a_chosen_answer_does_not_look_like_a_primary_button(
    kiosk: Kiosk, high_contrast: bool
) -> None:
    """Issue 15, problem 11: a chosen answer was filled like "Continuer". Now it has its
    own fill, a thicker outline (>= 3:1 on the page) and its mark, in both themes."""
    w = kiosk.window
    kiosk.controller.set_high_contrast(high_contrast)
    c = HIGH_CONTRAST if high_contrast else NORMAL
    kiosk.start()
    for values in (IDENTITY, CONTACT):
        step = w.step.step
        kiosk.fill(values)
        kiosk.click(w.step.continue_button)
        kiosk.qtbot.waitUntil(lambda s=step: w.step.step is not s)
    kiosk.close_notice()
    row = w.step.row("still_studying")
    kiosk.choose("still_studying", "yes")
    chosen, other = row.button("yes"), row.button("no")
    assert chosen is not None and other is not None and chosen.isChecked()
    assert chosen.text().startswith(CHECKED_MARK) and other.text().startswith(UNCHECKED_MARK)
    for b in (chosen, other):  # one mark each, shown as well (it once read "◉ ○ Oui")
        shown = b.label.text()
        assert shown.count(CHECKED_MARK) + shown.count(UNCHECKED_MARK) == 1, shown

    def at(widget: QWidget, x: int) -> QColor:
        return widget.grab().toImage().pixelColor(x, widget.height() // 2)

    border = 2 + (1 if high_contrast else 0)  # Theme's border at 100 %
    primary_fill = at(w.step.continue_button, border + 4).name()
    assert primary_fill == c.primary
    # At the end of the button: near its start the mark's glyph begins (1 px from x = 11).
    chosen_fill = at(chosen, chosen.width() - 3 * border - 3).name()
    assert chosen_fill == c.selected != primary_fill
    # The outline: primary colour, twice as thick as an unchosen answer's.
    assert at(chosen, border + 1).name() == c.primary
    assert at(other, border + 1).name() == c.background
    assert contrast_ratio(c.primary, c.background) >= 3
    assert contrast_ratio(c.primary, c.selected) >= (7 if high_contrast else 4.5)


@pytest.mark.parametrize("high_contrast", [False, True])
def test_a_header_toggle_that_is_on_does_not_look_like_a_primary_button(
    kiosk: Kiosk, high_contrast: bool
) -> None:
    """Issue 15: "Contraste ✓" and "Voix ✓" were filled like "Continuer" when on. They look
    chosen, like a chosen answer: its fill, a thicker outline and the mark, in both themes."""
    w = kiosk.window
    kiosk.controller.set_high_contrast(high_contrast)
    c = HIGH_CONTRAST if high_contrast else NORMAL
    kiosk.click(w.welcome.start_button)
    kiosk.wait_screen(Screen.PROCEDURE)
    header = w.procedure.header
    kiosk.click(header.voice_button)
    toggles = [header.voice_button] + ([header.contrast_button] if high_contrast else [])
    border = 2 + (1 if high_contrast else 0)  # Theme's border at 100 %

    def at(widget: QWidget, y: int) -> str:
        return widget.grab().toImage().pixelColor(widget.width() // 2, y).name()

    for toggle in toggles:
        assert toggle.isChecked() and toggle.mark.isVisibleTo(header)
        kiosk.qtbot.waitUntil(lambda t=toggle: at(t, 2 * border + 1) == c.selected)
        assert at(toggle, border + 1) == c.primary  # the outline, twice as thick
    off = header.help_button
    assert at(off, border + 1) == c.background and at(off, 2 * border + 1) == c.background
    assert c.selected != c.primary
    assert contrast_ratio(c.primary, c.selected) >= (7 if high_contrast else 4.5)
    assert contrast_ratio(c.primary, c.surface) >= 3  # the outline on the header band
