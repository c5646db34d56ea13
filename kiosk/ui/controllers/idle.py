"""Inactivity on the applicant's screens: the warning (shown, focused and spoken), its
countdown, "Continuer", and the wipe when the time is up (WCAG 2.2.1, EN 301 549 11.2.2.1).

Built by the session controller from its inactivity monitor (``kiosk.ui.inactivity``),
the speech port and the session controller as its :class:`FlowHost`; ``personalised``
tells whether the welcome screen's settings differ from the kiosk's defaults.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject

from kiosk.devices.speech import Speech
from kiosk.domain.session import Screen
from kiosk.ui.controllers.ports import Flow, FlowHost
from kiosk.ui.inactivity import InactivityMonitor, spoken_warning

log = logging.getLogger(__name__)


class IdleGuard(Flow):
    def __init__(
        self,
        host: FlowHost,
        monitor: InactivityMonitor,
        speech: Speech,
        personalised: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(host, parent)
        self.monitor = monitor
        self.speech = speech
        self.personalised = personalised
        monitor.warning.connect(self._warning)
        monitor.countdown.connect(self._countdown)
        monitor.extended.connect(self._extended)
        monitor.expired.connect(self._expired)

    def user_active(self) -> None:
        if self.speech.busy:
            self.speech.stop()
        self.monitor.activity()
        if self.host.session.screen is Screen.WELCOME and not self.monitor.armed:
            # Someone is at the welcome screen: what they change there (language, text
            # size, contrast, voice, volume) must not carry over to the next person.
            self.monitor.arm()

    def _warning(self, seconds: int) -> None:
        """Shown, focused and spoken whatever the voice setting: the applicant may have
        stepped away from the screen (WCAG 2.2.1, EN 301 549 5.1.3.1)."""
        h = self.host
        if h.session.screen is Screen.WELCOME and not self.personalised():
            self.monitor.disarm()  # the welcome screen as the kiosk starts: nothing to reset
            return
        dialog = h.w.show_inactivity_warning(seconds)
        dialog.continue_requested.connect(self.extend_session)
        h.say(spoken_warning(h.translator, seconds))

    def _countdown(self, seconds: int) -> None:
        h = self.host
        dialog = h.w.inactivity_dialog
        if dialog is not None:
            dialog.set_seconds(seconds)
        if seconds == 10:
            h.say_if_voice(spoken_warning(h.translator, seconds))

    def extend_session(self) -> None:
        """The warning's "Continuer" (or Escape): the applicant gets the full time again."""
        self.monitor.activity()

    def _extended(self) -> None:
        self.host.w.close_inactivity_warning()
        self.speech.stop()

    def _expired(self) -> None:
        log.info("no activity for %d s: the session is wiped", self.monitor.timeout_s)
        self.host.wipe()
