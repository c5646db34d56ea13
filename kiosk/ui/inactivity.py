"""Inactivity: warn the applicant, then forget them (WCAG 2.2.1, EN 301 549 11.2.2.1).

``InactivityMonitor`` measures the time since the last user action with an injected
clock (``now``, ``time.monotonic`` in production): ``tick()`` compares it with the
timeout. In production a QTimer calls ``tick()`` while the monitor is armed; tests
advance a fake clock and call ``tick()`` themselves, so nothing waits for real time.

The controller arms the monitor on every applicant screen except the welcome screen,
reports each user action (``activity()``), shows ``InactivityWarning`` on ``warning``,
updates its countdown on ``countdown`` and wipes the session on ``expired``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPushButton, QSizePolicy, QWidget

from kiosk.i18n import N_, NP_, Translator
from kiosk.ui.widgets import NoticeDialog, label

WARNING_TITLE = N_("Vous êtes encore là ?")
WARNING_TEXT = NP_(
    "Dans {seconds} seconde, vos réponses seront effacées.",
    "Dans {seconds} secondes, vos réponses seront effacées.",
)
WARNING_ACTION = N_("Touchez « Continuer » pour garder vos réponses.")
CONTINUE = N_("Continuer")
CONTINUE_NAME = N_("Continuer et garder mes réponses")


def warning_text(tr: Translator, seconds: int) -> str:
    """The countdown sentence, "Dans 30 secondes, vos réponses seront effacées."."""
    return tr.plural(WARNING_TEXT, seconds).format(seconds=seconds)


def spoken_warning(tr: Translator, seconds: int) -> str:
    return " ".join((tr(WARNING_TITLE), warning_text(tr, seconds), tr(WARNING_ACTION)))


class InactivityMonitor(QObject):
    """Counts the seconds since the last user action while armed."""

    warning = Signal(int)  # seconds left when the warning starts
    countdown = Signal(int)  # seconds left, each time the whole number changes
    extended = Signal()  # an action during the warning: the session goes on
    expired = Signal()  # no action until the end: wipe now (the monitor disarms itself)

    def __init__(
        self,
        timeout_s: float = 120,
        warning_s: float = 30,
        now: Callable[[], float] = time.monotonic,
        *,
        tick_ms: int = 250,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if not 0 < warning_s < timeout_s:
            raise ValueError(f"warning ({warning_s} s) must be within the timeout ({timeout_s} s)")
        self.timeout_s = float(timeout_s)
        self.warning_s = float(warning_s)
        self._now = now
        self._last = now()
        self._armed = False
        self._warning_shown = False
        self._left_shown = 0
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self.tick)

    # --- state ----------------------------------------------------------------------
    @property
    def armed(self) -> bool:
        return self._armed

    @property
    def warning_shown(self) -> bool:
        return self._warning_shown

    @property
    def idle_s(self) -> float:
        return self._now() - self._last

    @property
    def seconds_left(self) -> int:
        """Whole seconds before the wipe, rounded up (what the countdown shows)."""
        return max(0, math.ceil(self.timeout_s - self.idle_s))

    # --- driven by the controller ---------------------------------------------------
    def arm(self) -> None:
        """Start (or restart) counting from now: a new applicant screen gets the full time."""
        self._last = self._now()
        self._armed = True
        self._end_warning(emit=True)
        self._timer.start()

    def disarm(self) -> None:
        self._armed = False
        self._end_warning(emit=False)
        self._timer.stop()

    def activity(self) -> None:
        """A user action: count again from now, and end the warning if it is shown."""
        if not self._armed:
            return
        self._last = self._now()
        self._end_warning(emit=True)

    def tick(self) -> None:
        """Compare the idle time with the limits; emit what changed."""
        if not self._armed:
            return
        idle = self.idle_s
        if idle >= self.timeout_s:
            self.disarm()
            self.expired.emit()
            return
        if idle >= self.timeout_s - self.warning_s:
            left = self.seconds_left
            if not self._warning_shown:
                self._warning_shown = True
                self._left_shown = left
                self.warning.emit(left)
            elif left != self._left_shown:
                self._left_shown = left
                self.countdown.emit(left)

    def _end_warning(self, *, emit: bool) -> None:
        if self._warning_shown:
            self._warning_shown = False
            if emit:
                self.extended.emit()


class InactivityWarning(NoticeDialog):
    """The warning: "Vous êtes encore là ?", a live countdown, one big "Continuer" button.

    Modal: focus stays in it while it is open (its one control), and comes back where it
    was when it closes. "Continuer", Enter, Space or Escape emit ``continue_requested``;
    ``close_warning()`` (the controller, after any other action or before a wipe) closes it
    without emitting.
    """

    continue_requested = Signal()

    def __init__(self, parent: QWidget, tr: Translator, seconds: int) -> None:
        super().__init__(parent, tr, tr(WARNING_TITLE), warning_text(tr, seconds))
        self.setObjectName("inactivity-warning")
        self.setMinimumWidth(min(720, max(parent.width() - 2 * 40, 0)))
        self._tr = tr
        self.action = label(tr(WARNING_ACTION), "lead")
        self.box.insertWidget(2, self.action)
        self.ok_button.setText(tr(CONTINUE))
        self.ok_button.setAccessibleName(tr(CONTINUE_NAME))
        self.ok_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.ok_button.setDefault(True)  # Enter anywhere in the dialog
        self.ok_button.clicked.disconnect()
        self.ok_button.clicked.connect(self._continue)
        # Back to the kiosk window once closed (a kiosk session may have no window
        # manager to do it): the focus returns where it was.
        self.finished.connect(parent.activateWindow)
        self.set_seconds(seconds)

    @property
    def continue_button(self) -> QPushButton:
        return self.ok_button

    def set_seconds(self, seconds: int) -> None:
        self.seconds = seconds
        text = warning_text(self._tr, seconds)
        self.text.setText(text)
        self.setAccessibleDescription(f"{text} {self._tr(WARNING_ACTION)}")

    def open(self) -> None:
        self.open_centred()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self._continue()
            return
        super().keyPressEvent(event)

    def _continue(self) -> None:
        self.accept()
        self.continue_requested.emit()

    def close_warning(self) -> None:
        self.reject()
