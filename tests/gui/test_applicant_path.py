"""The applicant's path under real conditions (issue 15): each numbered problem found by
walking the kiosk as new users would, repeated as a test on the real screens."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.domain.session import Screen
from kiosk.ui.theme import Theme
from kiosk.ui.widgets import CountryBox

from .conftest import IDENTITY, Kiosk

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
