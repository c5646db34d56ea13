"""Switching language: every string retranslated, answers kept, direction and locale set."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from kiosk.audit.checks import ltr_by_design
from kiosk.domain.session import Screen
from kiosk.i18n import LANGUAGES
from tests.fixtures.walk import choose_procedure
from tests.gui.conftest import (
    CONTACT,
    IDENTITY,
    STUDENT_RENEWAL,
    Kiosk,
    all_widgets,
    declared_part,
    open_language_dialog,
)
from tests.unit.i18n.script import i18n_script, source_msgids

pytestmark = pytest.mark.gui

ARABIC = QLocale.Language.Arabic


def _switch_in_header(kiosk: Kiosk, code: str) -> None:
    dialog = open_language_dialog(kiosk)
    # Each language is named in itself, and read out in its own language.
    assert dialog.buttons["ar"].text() == "العربية"
    assert dialog.buttons["ar"].locale().language() == ARABIC
    kiosk.click(dialog.buttons[code])
    kiosk.qtbot.waitUntil(lambda: kiosk.controller.translator.code == code)


def test_switch_to_arabic_mid_application_keeps_answers(kiosk: Kiosk) -> None:
    w = kiosk.window
    kiosk.start()
    kiosk.fill({"surname": "Benkirane", "birth_date": "31/12/2001", "nationality": "Maroc"})
    _switch_in_header(kiosk, "ar")

    step = w.step
    assert step.row("surname").input.text() == "Benkirane"
    assert step.row("birth_date").input.text() == "31/12/2001"
    assert step.row("nationality").value() == "MA"
    assert step.row("nationality").input.currentText() == "المغرب"
    assert kiosk.controller.session.language == "ar"

    # Strings are translated.
    assert step.title.text() == "هويتك"
    assert step.row("surname").label.text() == "اسم العائلة"
    assert step.row("surname").input.accessibleName() == "اسم العائلة"
    assert step.continue_button.text().startswith("متابعة")
    # Its numbers are left-to-right isolates (kiosk.i18n.bidi).
    assert step.caption.text() == "الخطوة \u20661\u2069 من \u20665\u2069"
    # Arrows swap: back points right, forward points left.
    assert step.back_button is not None and step.back_button.text().startswith("→")
    assert step.continue_button.text().endswith("←")

    # Right to left, Arabic locale, on the window and every widget in it.
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert app.layoutDirection() == Qt.LayoutDirection.RightToLeft
    own_language = {b for b in w.welcome.language_buttons.values()}
    for widget in all_widgets(w):
        if widget.window() is not w:
            continue  # a closed dialog waiting for deletion
        if part := declared_part(widget, "ar"):  # its own language, declared so
            own = {
                QLocale(LANGUAGES[part].qt_locale).language(),
                QLocale(LANGUAGES["ar"].qt_locale).language(),
            }
            assert widget.locale().language() in own, widget
            continue
        if not ltr_by_design(widget):  # Latin and digit inputs run left to right (issue 15)
            assert widget.layoutDirection() == Qt.LayoutDirection.RightToLeft, widget
        if widget not in own_language:
            assert widget.locale().language() == ARABIC, widget
    # The accessibility tree reports the language too.
    iface = QAccessible.queryAccessibleInterface(step.row("surname").input)
    attrs = iface.attributesInterface()
    if attrs is not None:
        locale = attrs.attributeValue(QAccessible.Attribute.Locale)
        assert QLocale(locale).language() == ARABIC

    # Errors appear in Arabic; then going on keeps working.
    kiosk.click(step.continue_button)
    assert step.summary.isVisible()
    assert step.summary.links[0].text() == "الاسم الشخصي: يجب أن تجيب على هذا السؤال."
    assert step.title.text() == "خطأ: هويتك"

    # And back to French: left to right again, answers still there.
    _switch_in_header(kiosk, "fr")
    assert app.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert step.row("surname").input.text() == "Benkirane"
    assert step.row("nationality").input.currentText() == "Maroc"
    assert step.title.text() == "Erreur : Votre identité"
    assert step.summary.links[0].text() == "Prénoms : Cette réponse est obligatoire."


def test_language_buttons_on_welcome(kiosk: Kiosk) -> None:
    w = kiosk.window
    kiosk.click(w.welcome.language_buttons["en"])
    assert w.welcome.title.text() == "Welcome"
    assert w.welcome.language_buttons["en"].isChecked()
    assert w.welcome.start_button.accessibleName() == "Start"
    kiosk.click(w.welcome.start_button)
    kiosk.wait_screen(Screen.PROCEDURE)
    assert w.procedure.cards[0].title.text() == "Renewal — student"
    assert w.procedure.title.text() == "What do you want to do?"


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_no_french_left_on_any_screen(make_kiosk: Callable[..., Kiosk], code: str) -> None:
    """Walk every screen in each language (the guide, every step with its errors, the
    deadline notice, documents, check, consent, receipt): no visible label or button is
    in French (except the language names and what the applicant typed)."""
    if code == "fr":
        pytest.skip("French is the source language")
    kiosk = make_kiosk()
    w = kiosk.window
    kiosk.click(w.welcome.language_buttons[code])
    seen: dict[str, str] = {}

    def collect(root: QWidget | None = None) -> None:
        for widget in all_widgets(root or w.current_screen):
            if not widget.isVisible():
                continue
            if isinstance(widget, QLabel | QAbstractButton):
                text = widget.text() if not hasattr(widget, "label") else widget.label.text()
                if text:
                    seen[text] = type(widget).__name__
            if widget.accessibleName():
                seen[widget.accessibleName()] = "accessibleName"

    def go(button: QWidget, screen: Screen) -> None:
        """Touch ``button``, wait for ``screen`` and collect what it shows."""
        kiosk.click(button)
        kiosk.wait_screen(screen)
        collect()

    collect()  # welcome
    go(w.welcome.start_button, Screen.PROCEDURE)
    go(w.procedure.guide_card, Screen.GUIDE)
    kiosk.click(w.guide.back_button)
    kiosk.wait_screen(Screen.PROCEDURE)
    choose_procedure(kiosk, "renewal-student")
    kiosk.click(w.step.continue_button)  # nothing answered: the error summary
    assert w.step.summary.isVisible()
    for _ in range(20):
        if kiosk.screen() is not Screen.STEP:
            break
        collect()
        step = w.step.step
        kiosk.fill_step({**IDENTITY, **CONTACT, **STUDENT_RENEWAL})
        kiosk.click(w.step.continue_button)
        kiosk.qtbot.waitUntil(
            lambda s=step: kiosk.screen() is not Screen.STEP or w.step.step is not s
        )
        if w.help_dialog is not None and w.help_dialog.isVisible():
            collect(w.help_dialog)  # the renewal deadline
            kiosk.close_notice()
    kiosk.wait_screen(Screen.DOCUMENTS)
    collect()
    go(w.documents.continue_button, Screen.CHECK)
    go(w.check.confirm_button, Screen.CONSENT)
    kiosk.click(w.consent.checkbox)
    go(w.consent.submit_button, Screen.RECEIPT)
    assert len(seen) > 80  # the walk did see the screens
    same_on_purpose = i18n_script().SAME_AS_FRENCH[code]
    french_sources = {m for m in _all_msgids() if m not in same_on_purpose}
    leftovers = [text for text in seen if text in french_sources]
    assert leftovers == []


def _all_msgids() -> frozenset[str | tuple[str, str]]:
    return source_msgids()
