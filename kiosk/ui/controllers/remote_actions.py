"""The desk's remote actions carried out on the kiosk (issue 16; kiosk.link.desk_commands fetches
them on the sync thread): out of service with a message template and back, sync now, end a stuck
session. Each outcome goes back to the central API (audited there with who asked) and into
the kiosk's own staff audit."""

from __future__ import annotations

import functools
import logging
from typing import Any

from PySide6.QtCore import QObject, Signal

from contract.commands import KioskAction, KioskCommand
from kiosk.domain.session import Screen
from kiosk.render.jobs import GuiInbox

log = logging.getLogger(__name__)


class RemoteActions(QObject):
    """Built by the composition root from admin mode, the session controller and the sync
    runner (``report_command``), whose ``on_commands`` is :meth:`deliver`, called on the sync
    thread: the commands are posted to the GUI thread through an inbox (no signal emitted
    over there), where ``received`` is emitted and they are carried out."""

    received = Signal(list)  # of KioskCommand, on the GUI thread
    done = Signal(str, bool, str)  # action, ok, detail (tests and the log)

    def __init__(self, admin: Any, controller: Any, runner: Any) -> None:
        super().__init__(admin)
        self.admin = admin  # kiosk.ui.admin.AdminController: the out-of-service state
        self.controller = controller  # kiosk.ui.controllers.session.SessionController
        self.runner = runner  # kiosk.link.SyncRunner (report_command) or SyncThread
        self.received.connect(self._carry_out)
        self._inbox = GuiInbox(self)
        self._post = functools.partial(self._inbox.auto, self.received.emit)

    def deliver(self, commands: list[Any]) -> None:
        """The runner's ``on_commands`` (sync thread)."""
        self._post(list(commands))

    def _carry_out(self, commands: list[KioskCommand]) -> None:
        for command in commands:
            try:
                ok, detail = self._one(command)
            except Exception as exc:  # reported, never raised into Qt's loop
                log.exception("desk action %s failed", command.action)
                ok, detail = False, f"erreur sur la borne ({type(exc).__name__})"
            self.runner.report_command(command.command_id, ok, detail)
            self.admin.record_remote(command.by, str(command.action), ok, detail)
            self.done.emit(str(command.action), ok, detail)
        self._wake()

    def _wake(self) -> None:
        if self.admin.sync is not None:
            self.admin.sync.wake()  # the outcomes leave with the next round, now

    def _one(self, command: KioskCommand) -> tuple[bool, str]:
        action = command.action
        if action is KioskAction.OUT_OF_SERVICE:
            if not command.message:
                return False, "message absent"
            self.admin.apply_remote_service(command.message, command.by)
            if self.controller.session.screen is not Screen.WELCOME:
                return True, "hors service dès la fin de la session en cours"
            return True, "hors service"
        if action is KioskAction.IN_SERVICE:
            self.admin.apply_remote_service(None, command.by)
            return True, "en service"
        if action is KioskAction.SYNC_NOW:
            return True, "envoi lancé"
        if action is KioskAction.END_SESSION:
            if self.controller.session.screen is Screen.WELCOME:
                return False, "aucune session en cours"
            self.controller.wipe()
            return True, "session terminée, borne revenue à l'accueil"
        return False, f"action inconnue : {action}"
