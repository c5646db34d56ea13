"""The "Aide" button of every applicant screen calls the reception desk.

One touch sends the call (no confirmation: it can be cancelled). A dialog says, shown and
spoken in the applicant's language, where the call stands: being sent, received by the
desk, "Une personne arrive" once a mediator acknowledged it, or that the desk cannot be
reached (raise a hand, or go to the counter) while the kiosk keeps trying; and how long
they have waited. The network is the :class:`kiosk.link.help_call.HelpCallLink` thread's job:
nothing here waits for it.

:class:`HelpCallController` also keeps :class:`kiosk.link.KioskStatus` up to date (state,
screen, language) for the heartbeat, so the desk sees each kiosk idle, in use or calling.
The call carries no personal data and ends with the session (wipe).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QPushButton, QSizePolicy, QWidget

from kiosk.i18n import N_, NP_, Translator
from kiosk.link.help_call import ACKNOWLEDGED, CLOSED, SENDING, UNREACHABLE, WAITING, HelpCall
from kiosk.render.jobs import GuiInbox
from kiosk.ui.controllers.ports import HelpCallPorts
from kiosk.ui.widgets import NoticeDialog, button, label

if TYPE_CHECKING:
    from kiosk.link.help_call import HelpCallLink
    from kiosk.ui.controllers.session import SessionController

TITLE = N_("Appel à l'accueil")
STATUS_TEXT = {
    SENDING: N_("Nous appelons l'accueil."),
    # Nobody has answered yet: nothing is promised before a mediator says "J'arrive".
    WAITING: N_("L'accueil a reçu votre appel. Attendez la réponse près de la borne."),
    ACKNOWLEDGED: N_("Une personne arrive. Restez près de la borne."),
    UNREACHABLE: N_("L'accueil ne reçoit pas votre appel pour le moment."),
}
UNREACHABLE_HINT = N_("Levez la main ou allez au guichet de l'accueil. La borne réessaie seule.")
WAITED_LESS = N_("Vous attendez depuis moins d'une minute.")
WAITED = NP_("Vous attendez depuis {minutes} minute.", "Vous attendez depuis {minutes} minutes.")
CLOSE = N_("Fermer")
CLOSE_NAME = N_("Fermer ce message. L'appel continue.")
CANCEL = N_("Annuler l'appel")
CANCEL_NAME = N_("Annuler l'appel à l'accueil")


def waited_text(tr: Translator, seconds: float) -> str:
    minutes = int(max(0.0, seconds) // 60)
    if minutes < 1:
        return tr(WAITED_LESS)
    return tr.plural(WAITED, minutes).format(minutes=minutes)


def status_text(tr: Translator, call: HelpCall) -> str:
    text = tr(STATUS_TEXT.get(call.status, STATUS_TEXT[SENDING]))
    if call.status == UNREACHABLE:
        text = f"{text} {tr(UNREACHABLE_HINT)}"
    return text


class HelpCallDialog(NoticeDialog):
    """Where the call stands, how long the applicant has waited; "Fermer" (the call goes
    on) and "Annuler l'appel"."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget, tr: Translator, call: HelpCall, waited_s: float) -> None:
        super().__init__(parent, tr, tr(TITLE), status_text(tr, call))
        self.setObjectName("help-call")
        self.setMinimumWidth(min(720, max(parent.width() - 2 * 40, 0)))
        self._tr = tr
        self.waited = label("", "lead")
        self.box.insertWidget(2, self.waited)
        self.ok_button.setText(tr(CLOSE))
        self.ok_button.setAccessibleName(tr(CLOSE_NAME))
        self.ok_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.cancel_button: QPushButton = button("secondary")
        self.cancel_button.setText(tr(CANCEL))
        self.cancel_button.setAccessibleName(tr(CANCEL_NAME))
        self.cancel_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.cancel_button.clicked.connect(self._cancel)
        self.box.addWidget(self.cancel_button)
        self.finished.connect(parent.activateWindow)
        self.show_call(call, waited_s)

    def show_call(self, call: HelpCall, waited_s: float) -> None:
        self.call = call
        text = status_text(self._tr, call)
        self.text.setText(text)
        self.waited.setText(waited_text(self._tr, waited_s))
        self.setAccessibleDescription(f"{text} {self.waited.text()}")

    def spoken_text(self) -> str:
        return " ".join((self.title.text(), self.text.text(), self.waited.text()))

    def open(self) -> None:
        self.open_centred()

    def _cancel(self) -> None:
        self.accept()
        self.cancel_requested.emit()


class HelpCallController(QObject):
    """Between the session controller, the help call link and the kiosk status."""

    call_changed = Signal(object)  # HelpCall, on the GUI thread

    def __init__(
        self,
        controller: SessionController,
        ports: HelpCallPorts,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent or controller)
        self.controller = controller
        # The link is made here with its ``on_update``, called on its own thread (and on
        # this one by cancel/close): posted to this thread through an inbox, never by a
        # signal emitted over there (no Qt call on the link's thread).
        self._inbox = GuiInbox(self)
        auto, on_update = self._inbox.auto, self._on_update

        def updated(call: HelpCall) -> None:
            auto(on_update, call)

        self.link: HelpCallLink = ports.link(updated)
        self.status = ports.status
        self.monotonic = ports.monotonic
        self.dialog: HelpCallDialog | None = None
        self.call: HelpCall | None = None
        controller.session_wiped.connect(self.link.close)
        self.timer = QTimer(self)
        self.timer.setInterval(15_000)  # the waiting time, in minutes
        self.timer.timeout.connect(self._refresh)
        window = controller.window
        if window is not None:
            window.stack.currentChanged.connect(lambda _i: self.report_screen())
            for screen in window.all_screens:
                screen.language_chosen.connect(lambda _c: self.report_screen())
            self.report_screen()

    # --- kiosk status ------------------------------------------------------------------
    def _screen_id(self) -> str | None:
        window = self.controller.window
        if window is None:
            return None
        current = window.stack.currentWidget()
        for key, screen in window.screens.items():
            if screen is current:
                return str(getattr(key, "value", key))
        return "scan" if current is getattr(window, "scan", None) else None

    def report_screen(self) -> None:
        if self.status is None:
            return
        window = self.controller.window
        if window is not None and window.staff_screen_shown():
            return  # staff over the applicant's session: the kiosk is as it was
        screen = self._screen_id()
        state = "idle" if screen in (None, "welcome") else "in_use"
        if self.status.state == "assisted":
            self.status.set_screen(screen, self.controller.translator.code)
        else:
            self.status.set_state(state, screen=screen, language=self.controller.translator.code)

    # --- the call ------------------------------------------------------------------------
    def request(self) -> None:
        """The "Aide" button: call the desk (or show the call already made)."""
        call = self.link.request(self._screen_id(), self.controller.translator.code)
        self.call = call
        self._show(call, speak_always=False)

    def cancel(self) -> None:
        self.link.cancel()

    def waited_s(self) -> float:
        return 0.0 if self.call is None else max(0.0, self.monotonic() - self.call.started)

    def _show(self, call: HelpCall, *, speak_always: bool) -> None:
        window = self.controller.window
        if window is None:
            return
        tr = self.controller.translator
        dialog = self.dialog
        if dialog is not None:
            with contextlib.suppress(RuntimeError):  # deleted with the window's dialogs
                if dialog.isVisible():
                    dialog.show_call(call, self.waited_s())
                    self._speak(dialog.spoken_text(), speak_always)
                    return
        previous = window.help_dialog  # e.g. a notice; never the inactivity warning
        if previous is not None and previous is not window.inactivity_dialog:
            with contextlib.suppress(RuntimeError):  # already deleted
                previous.reject()
        dialog = HelpCallDialog(window, tr, call, self.waited_s())
        dialog.cancel_requested.connect(self.cancel)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        window.help_dialog = dialog
        dialog.open()
        self.timer.start()
        self._speak(dialog.spoken_text(), speak_always)

    def _speak(self, text: str, always: bool) -> None:
        if always or self.controller.voice_on:
            self.controller.speak(text)

    def _on_update(self, call: HelpCall) -> None:
        before = self.call
        if before is not None and before.call_id != call.call_id and call.status == CLOSED:
            return  # an older call
        self.call = call
        if self.status is not None:
            self.status.set_help_requested(call.open)
        self.call_changed.emit(call)
        if call.status == CLOSED:
            self.timer.stop()
            self._close_dialog()
            return
        changed = before is None or before.status != call.status
        if call.status == ACKNOWLEDGED and changed:
            # Asynchronous and important: shown again and spoken, voice or not (the
            # applicant may be looking for the person, not at the screen). The person is
            # on the way: the applicant gets the full time again before any wipe.
            self.controller.inactivity.activity()
            self._show(call, speak_always=True)
        elif changed and self._dialog_visible():
            self._show(call, speak_always=False)

    def _dialog_visible(self) -> bool:
        if self.dialog is None:
            return False
        try:
            return self.dialog.isVisible()
        except RuntimeError:
            self.dialog = None
            return False

    def _close_dialog(self) -> None:
        if self._dialog_visible():
            assert self.dialog is not None
            self.dialog.reject()
        self.dialog = None

    def _refresh(self) -> None:
        if self.call is not None and self._dialog_visible():
            assert self.dialog is not None
            self.dialog.show_call(self.call, self.waited_s())

    def shutdown(self) -> None:
        self.timer.stop()
        self.link.stop()


def attach_help_calls(controller: SessionController, ports: HelpCallPorts) -> HelpCallController:
    """Wire the help call into the session controller (through its slot) and start the
    link's thread. ``ports.link(on_update)`` makes the link
    (kiosk.link.help_call.HelpCallLink)."""
    help_calls = HelpCallController(controller, ports)
    controller.help_slot.provide(help_calls)  # the "Aide" button calls the desk from now on
    if not help_calls.link.is_alive():
        help_calls.link.start()
    return help_calls


__all__ = ["HelpCallController", "HelpCallDialog", "attach_help_calls", "status_text"]
