"""A restyle keeps its ~10,000 font, palette and style events from the application's
Python event filters (MainWindow._filters_quiet), and changes nothing they do."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QWidget

from kiosk.i18n import Translator
from kiosk.ui.theme import Theme
from tests.gui.conftest import Kiosk

pytestmark = pytest.mark.gui


class _Recorder(QObject):
    """An application event filter that counts what it sees and swallows key presses."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        self.seen += 1
        return event.type() == QEvent.Type.KeyPress


def test_a_restyle_hides_its_events_from_the_filters_and_keeps_their_order(
    kiosk: Kiosk,
) -> None:
    w = kiosk.window
    recorder = _Recorder()
    w.install_app_filter(recorder)  # as the lockdown does: it runs before the window's
    try:
        recorder.seen = 0
        w.apply_theme(Theme(scale=1.5, high_contrast=True))
        w.retranslate(Translator("ar"))
        # The restyles' own font, palette and style changes (~25 for each widget) went
        # by; what the screens, headers and keyboard do around them still goes through.
        assert recorder.seen < 5 * len(w.findChildren(QWidget))
        # Still installed, and still first: a key press it swallows never reaches the
        # window's filter (no activity reported, as before the restyles).
        active: list[bool] = []
        w.user_active.connect(lambda: active.append(True))
        press = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(w.welcome, press)
        assert recorder.seen >= 1 and active == []
        release = QKeyEvent(QEvent.Type.KeyRelease, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(w.welcome, release)
    finally:
        w.remove_app_filter(recorder)
    w.apply_theme(Theme())  # removed: not put back by a restyle
    recorder.seen = 0
    QApplication.sendEvent(w.welcome, QEvent(QEvent.Type.User))
    assert recorder.seen == 0


def test_value_inputs_polished_during_a_restyle_still_ignore_the_wheel(kiosk: Kiosk) -> None:
    # Inputs first polished inside a quiet restyle get the wheel guard's focus policy all
    # the same. The admin screen's were, built with the window; it is built on first use
    # now, so here is one polished while the filters are off, as a restyle has them.
    w = kiosk.window
    fresh = QComboBox(w.status)
    assert not fresh.testAttribute(Qt.WidgetAttribute.WA_WState_Polished)
    with w._filters_quiet():
        fresh.ensurePolished()
    w.apply_theme(Theme(scale=2.0))
    inputs = [*w.findChildren(QComboBox), *w.findChildren(QAbstractSpinBox)]
    polished = [i for i in inputs if i.testAttribute(Qt.WidgetAttribute.WA_WState_Polished)]
    assert fresh in polished
    assert all(i.focusPolicy() != Qt.FocusPolicy.WheelFocus for i in polished)
