"""Every kiosk language on the welcome screen and a step screen: direction, locale, no
French left, and the language lists offering every language by its own name."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from kiosk.audit.checks import ltr_by_design
from kiosk.i18n import LANGUAGES, SOURCE_LANGUAGE, Language, Translator
from kiosk.ui.widgets import PROBLEMS
from tests.fixtures.walk import start_procedure
from tests.gui.conftest import Kiosk, all_widgets, declared_part, open_language_dialog
from tests.unit.i18n.script import source_msgids

pytestmark = pytest.mark.gui

ARROWS = "←→ \u200f\u2068\u2069"


def test_the_kiosk_offers_ten_languages_and_two_are_right_to_left() -> None:
    assert list(LANGUAGES)[:3] == ["fr", "en", "ar"]
    assert set(LANGUAGES) == {"fr", "en", "ar", "fa", "es", "pt", "ru", "uk", "zh", "tr"}
    assert {code for code, lang in LANGUAGES.items() if lang.rtl} == {"ar", "fa"}
    for lang in LANGUAGES.values():
        # The Qt locale agrees with the metadata: same language, same direction.
        locale = QLocale(lang.qt_locale)
        assert locale.name() == lang.qt_locale, lang
        assert (locale.textDirection() == Qt.LayoutDirection.RightToLeft) == lang.rtl, lang


def _msgids() -> frozenset[str | tuple[str, str]]:
    return source_msgids()


def _translated_sources(code: str) -> set[str]:
    """French source strings that have a translation of their own in ``code``."""
    if code == SOURCE_LANGUAGE:
        return set()
    tr = Translator(code)
    return {m for m in _msgids() if tr.has(m) and tr(m) != m}


def _visible_texts(root: QWidget) -> list[tuple[str, QWidget]]:
    out = []
    for widget in all_widgets(root):
        if widget.isVisible() and isinstance(widget, QLabel | QAbstractButton):
            text = widget.text().strip(ARROWS)
            if text:
                out.append((text, widget))
    return out


def _path(widget: QWidget) -> str:
    """ "MainWindow > QWidget > ... > QLabel", to tell which widget failed."""
    names = []
    node: QWidget | None = widget
    while node is not None:
        names.append(node.objectName() or type(node).__name__)
        node = node.parentWidget()
    return " > ".join(reversed(names))


def _check_language(root: QWidget, lang: Language, own_locale: set[QWidget]) -> None:
    """Direction, locale and text of every widget of ``root``'s window."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    direction = Qt.LayoutDirection.RightToLeft if lang.rtl else Qt.LayoutDirection.LeftToRight
    assert app.layoutDirection() == direction
    expected = QLocale(lang.qt_locale)
    for widget in all_widgets(root):
        if widget.window() is not root.window():
            continue  # a closed dialog waiting for deletion
        if part := declared_part(widget, lang.code):  # its own language, declared so
            own = {
                QLocale(LANGUAGES[part].qt_locale).language(),
                QLocale(lang.qt_locale).language(),
            }
            assert widget.locale().language() in own, _path(widget)
            continue
        if not ltr_by_design(widget):  # Latin and digit inputs run left to right (issue 15)
            assert widget.layoutDirection() == direction, (lang.code, _path(widget))
        if widget in own_locale:
            continue
        assert widget.locale().language() == expected.language(), (lang.code, _path(widget))
        assert widget.locale().territory() == expected.territory(), (lang.code, _path(widget))
    sources = _translated_sources(lang.code)
    leftovers = [(text, w) for text, w in _visible_texts(root) if text in sources]
    assert leftovers == [], lang.code


def _check_language_buttons(buttons: dict[str, QAbstractButton], current: str) -> None:
    """All ten languages, in order, each named and read in its own language."""
    assert list(buttons) == list(LANGUAGES)
    for code, btn in buttons.items():
        lang = LANGUAGES[code]
        assert btn.isVisible()
        assert btn.text() == lang.native_name
        assert btn.accessibleName() == lang.native_name
        assert btn.locale().language() == QLocale(lang.qt_locale).language()
        assert btn.isChecked() == (code == current)


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_welcome_and_step_screens_in_each_language(
    make_kiosk: Callable[..., Kiosk], code: str
) -> None:
    lang = LANGUAGES[code]
    tr = Translator(code)
    kiosk = make_kiosk()
    w = kiosk.window

    # The welcome screen, switched with its own language buttons.
    if code != "en":
        kiosk.click(w.welcome.language_buttons["en"])  # start from another language
    kiosk.click(w.welcome.language_buttons[code])
    kiosk.qtbot.waitUntil(lambda: kiosk.controller.translator.code == code)
    assert w.welcome.title.text() == tr("Bienvenue")
    assert w.welcome.start_button.accessibleName() == tr("Commencer")
    assert tr("Langue") in w.welcome.header.language_button.text()
    _check_language_buttons(w.welcome.language_buttons, code)
    _check_language(w, lang, own_locale=set(w.welcome.language_buttons.values()))

    # A step screen with its error summary, reached in French, then switched in the header.
    kiosk.click(w.welcome.language_buttons["fr"])
    start_procedure(kiosk, "renewal-student")
    kiosk.click(w.step.continue_button)
    assert w.step.summary.isVisible()
    dialog = open_language_dialog(kiosk)
    _check_language_buttons(dialog.buttons, "fr")
    kiosk.click(dialog.buttons[code])
    kiosk.qtbot.waitUntil(lambda: kiosk.controller.translator.code == code)

    step = w.step
    session = kiosk.controller.session
    assert session.procedure is not None and step.step is not None
    first = step.step.fields[0]
    assert step.row(first.id).label.text() == tr(first.label)
    total = len(session.procedure.steps)
    assert step.caption.text() == tr("Étape {number} sur {total}").format(number=1, total=total)
    n = len(step.summary.links)
    assert n >= 1
    assert step.summary.title.text() == (tr.plural(PROBLEMS, n).format(count=n))
    _check_language(w, lang, own_locale=set(w.welcome.language_buttons.values()))

    # The dialog itself speaks the new language, and still offers all ten.
    dialog = open_language_dialog(kiosk)
    _check_language_buttons(dialog.buttons, code)
    _check_language(dialog, lang, own_locale=set(dialog.buttons.values()))
    kiosk.click(dialog.close_button)
