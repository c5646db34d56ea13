"""Lockdown of a public kiosk: no way out for applicants, a discreet way in for staff.

- The usual escape shortcuts do nothing (Alt+F4, Ctrl+Q/W, Alt+Tab and Alt+Esc where Qt
  sees them, the Super/Meta key, Ctrl+Esc, F11, Alt+Space). The window refuses to close
  unless staff quit from admin mode (``MainWindow.close_allowed``).
- Staff open their sign-in with Ctrl+Alt+Shift+A, or five taps within three seconds on
  the :class:`StaffCorner`, a transparent 56 px square over the bottom-leading corner of the
  screens (above the on-screen keyboard), on every applicant screen: a mediator can reach a
  kiosk in use, and the applicant's session is kept (the sign-in returns to it). An
  applicant's taps elsewhere, slower taps, or any other key do nothing.
- A touch screen taps fast: two taps less than the double-click interval apart (400 ms)
  reach widgets as a press then a *double-click* (no second press). Both count as a tap.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

Mod = Qt.KeyboardModifier
Key = Qt.Key
_MODS = Mod.ShiftModifier | Mod.ControlModifier | Mod.AltModifier | Mod.MetaModifier

# (modifiers, key) pairs swallowed before any widget sees them.
BLOCKED: frozenset[tuple[int, int]] = frozenset(
    {
        (Mod.AltModifier.value, Key.Key_F4.value),
        (Mod.ControlModifier.value, Key.Key_Q.value),
        (Mod.ControlModifier.value, Key.Key_W.value),
        ((Mod.ControlModifier | Mod.ShiftModifier).value, Key.Key_Q.value),
        ((Mod.ControlModifier | Mod.ShiftModifier).value, Key.Key_W.value),
        (Mod.AltModifier.value, Key.Key_Tab.value),
        ((Mod.AltModifier | Mod.ShiftModifier).value, Key.Key_Backtab.value),
        (Mod.AltModifier.value, Key.Key_Escape.value),
        (Mod.ControlModifier.value, Key.Key_Escape.value),
        ((Mod.ControlModifier | Mod.AltModifier).value, Key.Key_Delete.value),
        ((Mod.ControlModifier | Mod.AltModifier).value, Key.Key_Backspace.value),
        (Mod.AltModifier.value, Key.Key_Space.value),
        (Mod.NoModifier.value, Key.Key_F11.value),
    }
)
# Keys swallowed whatever the modifiers: the desktop's own menu keys.
BLOCKED_KEYS = frozenset({Key.Key_Super_L, Key.Key_Super_R, Key.Key_Meta, Key.Key_Menu})

STAFF_MODIFIERS = Mod.ControlModifier | Mod.AltModifier | Mod.ShiftModifier
STAFF_KEY = Key.Key_A
CORNER_PX = 56
TAPS = 5
TAPS_WITHIN_S = 3.0


def is_blocked(event: QKeyEvent) -> bool:
    key = event.key()
    if key in BLOCKED_KEYS:
        return True
    mods = event.modifiers() & _MODS
    return (mods.value, key.value if isinstance(key, Key) else int(key)) in BLOCKED


def is_staff_key(event: QKeyEvent) -> bool:
    return event.key() == STAFF_KEY and (event.modifiers() & _MODS) == STAFF_MODIFIERS


class StaffCorner(QWidget):
    """The staff gesture's target: a transparent square (``CORNER_PX``, over the 44 px a
    finger needs) over the bottom-leading corner of ``anchor`` (the screens), above
    whatever is there, so that staff's taps never press an applicant's control. Every
    press and every double-click is one tap (:attr:`tapped`)."""

    tapped = Signal()

    def __init__(self, host: QWidget, anchor: QWidget) -> None:
        super().__init__(host)
        self.setObjectName("staff-corner")
        self.anchor = anchor
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        for watched in (host, anchor):
            watched.installEventFilter(self)
        self.place()

    def place(self, *, raise_: bool = True) -> None:
        host = self.parentWidget()
        if host is None:
            return
        area = QRect(self.anchor.mapTo(host, QPoint(0, 0)), self.anchor.size())
        rtl = self.layoutDirection() == Qt.LayoutDirection.RightToLeft
        x = area.right() - CORNER_PX + 1 if rtl else area.left()
        self.setGeometry(x, area.bottom() - CORNER_PX + 1, CORNER_PX, CORNER_PX)
        if raise_:
            self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.LayoutRequest):
            self.place()
        return False

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LayoutDirectionChange:
            # Not raised now: that would reorder the parent's children while Qt walks
            # them to change their direction, and a sibling would be skipped.
            self.place(raise_=False)
        super().changeEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()
        self.tapped.emit()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        # A fast second tap arrives as a double-click, without a press of its own.
        event.accept()
        self.tapped.emit()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        event.accept()


class Lockdown(QObject):
    """An application-wide event filter over ``window``.

    ``gesture_allowed`` says whether the staff gesture may open the sign-in now (not while
    a staff screen already shows); ``staff_requested`` is emitted when it does. The taps
    come from the window's ``staff_corner`` (:class:`StaffCorner`) when it has one, else
    from the presses the filter sees in the window's bottom-leading corner."""

    staff_requested = Signal()
    blocked = Signal(str)  # a description of the swallowed shortcut (for tests and logs)

    def __init__(
        self,
        window: QWidget,
        gesture_allowed: Callable[[], bool],
        monotonic: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent or window)
        self.window = window
        self.gesture_allowed = gesture_allowed
        self.monotonic = monotonic
        self._taps: list[float] = []
        self._last_press: tuple[int, int, int] | None = None
        self.corner: StaffCorner | None = getattr(window, "staff_corner", None)
        if self.corner is not None:
            self.corner.tapped.connect(self._corner_tapped)
        install = getattr(window, "install_app_filter", None)  # MainWindow: kept in order
        app = QApplication.instance()
        if install is not None:
            install(self)
        elif app is not None:
            app.installEventFilter(self)

    def remove(self) -> None:
        uninstall = getattr(self.window, "remove_app_filter", None)
        app = QApplication.instance()
        if uninstall is not None:
            uninstall(self)
        elif app is not None:
            app.removeEventFilter(self)

    def corner_contains(self, window_pos: QPoint) -> bool:
        """The bottom-leading corner (bottom-left, or bottom-right right to left)."""
        if self.corner is not None:
            corner = self.corner
            origin = corner.mapTo(self.window, QPoint(0, 0))
            return QRect(origin, corner.size()).contains(window_pos)
        w, h = self.window.width(), self.window.height()
        rtl = QApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
        x_ok = window_pos.x() >= w - CORNER_PX if rtl else window_pos.x() < CORNER_PX
        return x_ok and h - CORNER_PX <= window_pos.y() < h

    def tap(self, window_pos: QPoint) -> None:
        """A press at ``window_pos`` (window coordinates)."""
        if not self.corner_contains(window_pos) or not self.gesture_allowed():
            self._taps.clear()
            return
        now = self.monotonic()
        self._taps = [t for t in self._taps if now - t <= TAPS_WITHIN_S]
        self._taps.append(now)
        if len(self._taps) >= TAPS:
            self._taps.clear()
            self.staff_requested.emit()

    def _corner_tapped(self) -> None:
        corner = self.corner
        assert corner is not None
        self.tap(corner.mapTo(self.window, corner.rect().center()))

    def _in_window(self, watched: QObject) -> bool:
        return isinstance(watched, QWidget) and watched.window() is self.window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride) and isinstance(
            event, QKeyEvent
        ):
            if is_blocked(event):
                if kind == QEvent.Type.KeyPress:
                    self.blocked.emit(str(event.keyCombination().toCombined()))
                return True
            if is_staff_key(event):
                if kind == QEvent.Type.KeyPress and self.gesture_allowed():
                    self.staff_requested.emit()
                return True
        elif (
            self.corner is None
            and kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick)
            and isinstance(event, QMouseEvent)
            and self._in_window(watched)
        ):
            # One press is filtered once per widget it propagates through: count it once.
            # (Touches reach here as the mouse presses Qt makes of them.)
            pos = event.globalPosition().toPoint()
            stamp = (event.timestamp(), pos.x(), pos.y())
            if stamp != self._last_press:
                self._last_press = stamp
                self.tap(self.window.mapFromGlobal(pos))
        return False
