"""The desk's remote actions on the real kiosk window (issue 16, problem 2: "the desk has no
remote action: out of service, sync now, or end the session"): out of service with a
message template the applicant reads in their language, kept across a restart; back in
service; sync now; a stuck session ended. Each outcome goes back to the desk and into the
kiosk's staff audit under who asked."""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib

import pytest

from contract.commands import (
    OUT_OF_SERVICE_MESSAGES,
    CommandState,
    KioskAction,
    KioskCommand,
    OutOfServiceReason,
)
from kiosk.admin import service
from kiosk.domain.session import Screen
from kiosk.ui.controllers.remote_actions import RemoteActions
from kiosk.ui.screens.out_of_service import TEMPLATES
from tests.gui.admin_fixtures import Admin

pytestmark = pytest.mark.gui


class Runner:
    def __init__(self) -> None:
        self.reports: list[tuple[uuidlib.UUID, bool, str]] = []

    def report_command(self, command_id: uuidlib.UUID, ok: bool, detail: str = "") -> None:
        self.reports.append((command_id, ok, detail))


def command(action: KioskAction, reason: OutOfServiceReason | None = None) -> KioskCommand:
    return KioskCommand(
        command_id=uuidlib.uuid4(),
        kiosk_id="k-1",
        action=action,
        reason=reason,
        message=OUT_OF_SERVICE_MESSAGES[reason] if reason else None,
        by="C. Martin (accueil-1)",
        requested_at=dt.datetime.now(dt.UTC),
        state=CommandState.SENT,
    )


def carry_out(admin: Admin, actions: RemoteActions, *commands: KioskCommand) -> None:
    with admin.kiosk.qtbot.waitSignals([actions.done] * len(commands), timeout=10_000):
        actions.deliver(list(commands))  # as the sync thread does
    admin.settle()


@pytest.fixture
def remote(admin: Admin) -> tuple[RemoteActions, Runner]:
    runner = Runner()
    return RemoteActions(admin.controller, admin.kiosk.controller, runner), runner


def test_templates_are_the_contracts() -> None:
    assert set(OUT_OF_SERVICE_MESSAGES.values()) == TEMPLATES


def test_out_of_service_from_the_desk_in_the_applicants_language_and_back(
    admin: Admin, remote: tuple[RemoteActions, Runner]
) -> None:
    actions, runner = remote
    kiosk, window = admin.kiosk, admin.kiosk.window
    oos = command(KioskAction.OUT_OF_SERVICE, OutOfServiceReason.PRINTER)
    carry_out(admin, actions, oos)
    assert runner.reports == [(oos.command_id, True, "hors service")]
    assert window.stack.currentWidget() is window.out_of_service
    assert (
        window.out_of_service.message.text() == OUT_OF_SERVICE_MESSAGES[OutOfServiceReason.PRINTER]
    )
    kiosk.controller.choose_language("ar")
    assert (
        window.out_of_service.message.text()
        == "طابعة هذا الجهاز معطلة. يرجى التوجه إلى مكتب الاستقبال."
    )
    kept = service.load(service.path_in(admin.settings.data_dir))  # a restart stays out
    assert kept is not None and kept.by == "accueil : C. Martin (accueil-1)"
    snap = admin.status.snapshot()  # the desk sees it, and who set it
    assert snap.state == "out_of_service" and snap.out_of_service_by == kept.by
    back = command(KioskAction.IN_SERVICE)
    carry_out(admin, actions, back)
    assert runner.reports[-1] == (back.command_id, True, "en service")
    assert window.stack.currentWidget() is window.welcome
    assert service.load(service.path_in(admin.settings.data_dir)) is None
    audit = [(e.actor, e.action) for e in admin.audit.entries]
    assert ("accueil:C. Martin (accueil-1)", "desk_out_of_service") in audit
    assert ("accueil:C. Martin (accueil-1)", "desk_in_service") in audit


def test_a_stuck_session_is_ended_and_sync_now_wakes_the_sync(
    admin: Admin, remote: tuple[RemoteActions, Runner]
) -> None:
    actions, runner = remote
    kiosk = admin.kiosk
    end = command(KioskAction.END_SESSION)
    carry_out(admin, actions, end)
    assert runner.reports[-1] == (end.command_id, False, "aucune session en cours")
    kiosk.start()  # an applicant left half way
    assert kiosk.screen() is not Screen.WELCOME
    wakes = admin.sync.wakes
    end, sync = command(KioskAction.END_SESSION), command(KioskAction.SYNC_NOW)
    carry_out(admin, actions, end, sync)
    assert kiosk.screen() is Screen.WELCOME
    assert runner.reports[-2:] == [
        (end.command_id, True, "session terminée, borne revenue à l'accueil"),
        (sync.command_id, True, "envoi lancé"),
    ]
    assert admin.sync.wakes > wakes  # the round runs now, and takes the outcomes along


def test_out_of_service_during_a_session_waits_for_its_end(
    admin: Admin, remote: tuple[RemoteActions, Runner]
) -> None:
    actions, runner = remote
    kiosk, window = admin.kiosk, admin.kiosk.window
    kiosk.start()
    oos = command(KioskAction.OUT_OF_SERVICE, OutOfServiceReason.MAINTENANCE)
    carry_out(admin, actions, oos)
    assert runner.reports[-1][1:] == (True, "hors service dès la fin de la session en cours")
    assert window.stack.currentWidget() is not window.out_of_service  # not pulled away
    kiosk.controller.wipe()
    assert window.stack.currentWidget() is window.out_of_service
