"""A mouse wheel (or a trackball's, or a touchpad's two-finger scroll) scrolls the page; it
never changes an answer nor opens the on-screen keyboard.

Qt lets a wheel over a combo box pick the next item, and gives the focus to any widget
whose focus policy includes ``WheelFocus`` (combo boxes and spin boxes have it by
default). Scrolling a form with the pointer over "Nationalité" then turned "Russie" into
"Rwanda" without a word, and the focus it got opened the on-screen keyboard.

``WheelGuard`` fixes both for every input of the application, now and later: polished
inputs lose ``WheelFocus`` (a click or Tab still focuses them), and a wheel
over an input the person has not focused themselves (click, touch, Tab, Shift+Tab) goes to
the page's scroll bar instead. Once the person has focused the input, the wheel works on it
as usual.

It sees every event of the application in one of two ways. The kiosk's window, whose own
event filter on the application already sees every event, hands it the four kinds it
handles (``WheelGuard.shared()``, ``handle``): an event filter written in Python costs a
call from C++ into Python per event of the application (the object and the event wrapped,
about 5 us), and a second filter on the application doubled that for every event (a
quarter of them ``WindowBlocked``/``WindowUnblocked``, sent to each of the window's 800
widgets when a dialog opens or closes). Without such a window, ``WheelGuard.install()``
makes it an event filter on the application itself.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollBar,
    QWidget,
)

# Focus the person gave (not the program, e.g. an error summary moving it).
PERSON_REASONS = frozenset(
    {
        Qt.FocusReason.MouseFocusReason,
        Qt.FocusReason.TabFocusReason,
        Qt.FocusReason.BacktabFocusReason,
        Qt.FocusReason.ShortcutFocusReason,
    }
)
VALUE_TYPES = (QComboBox, QAbstractSpinBox, QAbstractSlider)
_POLISH = QEvent.Type.Polish
_FOCUS_IN = QEvent.Type.FocusIn
_FOCUS_OUT = QEvent.Type.FocusOut
_WHEEL = QEvent.Type.Wheel
GUARDED = frozenset({_POLISH, _FOCUS_IN, _FOCUS_OUT, _WHEEL})  # the kinds ``handle`` reads


def value_widget(widget: QWidget | None) -> QWidget | None:
    """The input whose value a wheel over ``widget`` would change (a combo box for its
    line edit), or None. Scroll bars are not inputs: the wheel is theirs."""
    w = widget
    while w is not None and not w.isWindow():
        if isinstance(w, QScrollBar):
            return None
        if isinstance(w, VALUE_TYPES):
            return w
        w = w.parentWidget()
    return None


def page_scroll_bar(widget: QWidget) -> QScrollBar | None:
    """The vertical scroll bar of the scroll area holding ``widget``, if it can scroll."""
    w = widget.parentWidget()
    while w is not None:
        if isinstance(w, QAbstractScrollArea):
            bar = w.verticalScrollBar()
            if bar.maximum() > bar.minimum():
                return bar
        w = w.parentWidget()
    return None


class WheelGuard(QObject):
    """One per application: ``WheelGuard.install()`` (an event filter on the application),
    or ``WheelGuard.shared()`` for an owner that hands it the application's events."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Inputs the person focused themselves (weak: widgets come and go).
        self._person_focused: weakref.WeakSet[QWidget] = weakref.WeakSet()
        self._installed = False  # an event filter on the application
        self.enabled = True  # False: the application as Qt makes it (tests)

    @classmethod
    def shared(cls) -> WheelGuard | None:
        """The application's guard, made on first use; it sees no event by itself."""
        app = QApplication.instance()
        if app is None:
            return None
        guard = app.findChild(WheelGuard)
        if guard is None:
            guard = cls(app)
        return guard

    @classmethod
    def install(cls) -> WheelGuard | None:
        """The application's guard, an event filter on the application."""
        guard = cls.shared()
        app = QApplication.instance()
        if guard is not None and app is not None and not guard._installed:
            app.installEventFilter(guard)
            guard._installed = True
        return guard

    def disable(self) -> None:
        """The application as Qt makes it, without the guard (tests)."""
        self.enabled = False

    def enable(self) -> None:
        self.enabled = True

    def person_focused(self, widget: QWidget) -> bool:
        """The wheel may change ``widget``: the person focused it and it has the focus."""
        return widget in self._person_focused and self._has_focus(widget)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        return kind in GUARDED and self.handle(watched, event, kind)

    def handle(self, watched: QObject, event: QEvent, kind: QEvent.Type) -> bool:
        """An event of the application (``kind``: its type, one of ``GUARDED``); True: it
        stops here."""
        if not self.enabled:
            return False
        if kind == _POLISH:
            if isinstance(watched, VALUE_TYPES) and not isinstance(watched, QScrollBar):
                policy = watched.focusPolicy()
                if policy == Qt.FocusPolicy.WheelFocus:
                    watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        elif kind == _FOCUS_IN and isinstance(watched, QWidget):
            target = value_widget(watched)
            if target is not None and isinstance(event, QFocusEvent):
                if event.reason() in PERSON_REASONS:
                    self._person_focused.add(target)
                else:
                    self._person_focused.discard(target)
        elif kind == _FOCUS_OUT and isinstance(watched, QWidget):
            target, focus = value_widget(watched), QApplication.focusWidget()
            if target is not None and (focus is None or not target.isAncestorOf(focus)):
                self._person_focused.discard(target)
        elif kind == _WHEEL and isinstance(watched, QWidget):
            target = value_widget(watched)
            if target is not None and not self.person_focused(target):
                bar = page_scroll_bar(target)
                if bar is not None:
                    QApplication.sendEvent(bar, event)  # the page scrolls, as meant
                return True  # the answer stays as it is
        return False

    @staticmethod
    def _has_focus(widget: QWidget) -> bool:
        focus = QApplication.focusWidget()
        return focus is widget or (focus is not None and widget.isAncestorOf(focus))
