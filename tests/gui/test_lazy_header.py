"""A screen's header is built when the screen is first shown (issue 14: a window built
sixteen headers, a third of its widgets, whether their screens were seen or not). A header
built late shows the kiosk's state of the moment, and Tab still goes through the header,
then the page, as when every header was built with the window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.domain.session import Screen
from tests.gui.conftest import Kiosk

pytestmark = pytest.mark.gui


def test_headers_of_unseen_screens_are_not_built(kiosk: Kiosk) -> None:
    w = kiosk.window
    assert w.welcome.built_header is not None  # shown
    unseen = [s for s in w.all_screens if s is not w.current_screen]
    assert unseen and all(s.built_header is None for s in unseen), [
        type(s).__name__ for s in unseen if s.built_header is not None
    ]


def test_a_header_built_late_shows_the_state_of_the_moment(kiosk: Kiosk) -> None:
    w, controller = kiosk.window, kiosk.controller
    controller.set_high_contrast(True)
    controller.set_voice(True)
    controller.next_text_size()  # 150 %
    controller.choose_language("en")
    assert w.saved.built_header is None
    header = w.saved.header  # built now
    assert header.contrast_button.isChecked() and header.voice_button.isChecked()
    assert header.text_size_button.text() == "Text 150 %"
    assert header.help_button.text() == "Help"
    assert header.layoutDirection() == Qt.LayoutDirection.LeftToRight
    controller.choose_language("ar")  # a built header follows
    assert header.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert header.help_button.text() != "Help"


def _tab_stops(w: QWidget, presses: int) -> list[QWidget]:
    stops = []
    for _ in range(presses):
        w.focusNextPrevChild(True)
        focus = QApplication.focusWidget()
        assert focus is not None
        stops.append(focus)
    return stops


def test_tab_goes_through_the_late_header_then_the_page(kiosk: Kiosk) -> None:
    w = kiosk.window
    kiosk.click(w.welcome.start_button)
    kiosk.wait_screen(Screen.PROCEDURE)
    kiosk.click(w.procedure.card("renewal-student"))
    kiosk.wait_screen(Screen.BEFORE)
    before = w.before
    assert before.back_button is not None
    kiosk.qtbot.waitUntil(lambda: before.title.hasFocus())
    # From the title (given the focus on entering): the page's action, then round to the
    # header, its controls in order, then the page from its top.
    stops = _tab_stops(w, 10)
    assert stops == [
        before.start_button,
        *before.header.buttons,
        before.back_button,
        before.start_button,
    ]
