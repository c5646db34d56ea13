"""The smaller problems staff met (issue 16, problem 9), each shown on the real screens:
nothing promised before a mediator answered; "Quitter l'application" asks; a manual sync
says how it went and when the last one succeeded, and the backlog's counts match its
table; wrong PINs warn that waits follow and count them down in the right unit; admin
mode's header buttons are never cut; the diagnostics name PySide6 and carry the staff's
audit; the purge says what it would delete before it does."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton

from kiosk.link.help_call import ACKNOWLEDGED
from kiosk.link.status import SyncRound
from kiosk.staff import MemoryAuditLog, Role
from kiosk.staff.fake import FakeStaffDirectory
from kiosk.ui.compose import StaffParts
from kiosk.ui.theme import Theme
from tests.gui.admin_fixtures import Admin
from tests.gui.conftest import NOW, Kiosk
from tests.gui.test_help_call import _RecordingClient, attached, call_for_help

pytestmark = pytest.mark.gui


# --- the help call --------------------------------------------------------------------------
def test_nobody_is_promised_before_a_mediator_answers(kiosk: Kiosk, qtbot: Any) -> None:
    answer = {"status": "waiting"}

    class Client(_RecordingClient):
        def get_help_call(self, call_id: Any) -> Any:
            state = super().get_help_call(call_id)
            return state.model_copy(update={"status": answer["status"]})

    with attached(kiosk, lambda: Client([])) as (help_calls, _status):
        dialog = call_for_help(kiosk, help_calls)
        waiting = dialog.text.text()
        assert "reçu votre appel" in waiting
        for promise in ("va venir", "vient", "arrive"):
            assert promise not in waiting, waiting
        answer["status"] = "acknowledged"  # "J'arrive" at the desk
        qtbot.waitUntil(lambda: help_calls.call.status == ACKNOWLEDGED, timeout=5000)
        qtbot.waitUntil(lambda: "Une personne arrive" in kiosk.window.help_dialog.text.text())


def test_without_a_desk_the_help_notice_promises_nobody(kiosk: Kiosk) -> None:
    kiosk.start()
    kiosk.click(kiosk.window.step.header.help_button)
    text = kiosk.window.help_dialog.text.text()
    assert "guichet" in text and "va venir" not in text


# --- admin mode -----------------------------------------------------------------------------
def test_quitting_the_application_asks_first(admin: Admin) -> None:
    admin.open()
    screen = admin.screen
    admin.kiosk.click(screen.quit_button)
    assert admin.quits == []
    assert screen.quit_confirm.isVisible() and "redémarrage" in screen.quit_question.text()
    admin.kiosk.click(screen.quit_no)  # changed their mind
    assert admin.quits == [] and not screen.quit_confirm.isVisible()
    admin.kiosk.click(screen.quit_button)
    admin.kiosk.click(screen.quit_yes)
    assert admin.quits == [1]


def round_on_wake(admin: Admin, round_: SyncRound) -> None:
    """The sync thread: woken, it makes ``round_`` and reports it to the kiosk status."""
    from PySide6.QtCore import QTimer

    admin.sync.on_wake = lambda: QTimer.singleShot(300, lambda: admin.status.record_sync(round_))


def test_a_manual_sync_says_how_it_went_and_when_the_last_success_was(admin: Admin) -> None:
    at = dt.datetime(2026, 11, 26, 13, 7, 42, tzinfo=dt.UTC)
    round_on_wake(admin, SyncRound("sent", at, delivered=1))
    store = admin.store
    acked = "33333333-3333-4333-8333-333333333333"
    store.outbox.enqueue(acked, "renewal-student", b"sealed-3", NOW)
    store.outbox.mark_delivered(acked, NOW)
    store.outbox.mark_acknowledged(acked, "C-2026-000001", NOW)
    with admin.kiosk.qtbot.waitSignal(admin.controller.refreshed, timeout=10_000):
        admin.open()
    screen = admin.screen
    assert "aucune" in screen.last_sync.text()
    # One received, none waiting: the counts say so and why the table is empty.
    assert screen.backlog_table.rowCount() == 0
    assert "Pas encore reçues par l'API centrale : 0" in screen.backlog_counts.text()
    assert "Reçues par l'API centrale, gardées 7 jours : 1 (pas dans la liste)" in (
        screen.backlog_counts.text()
    )
    assert screen.backlog_empty.isVisible()
    with admin.kiosk.qtbot.waitSignal(admin.controller.refreshed, timeout=10_000):
        admin.kiosk.click(screen.sync_button)
    local = at.astimezone()
    assert f"faite le {local:%d/%m/%Y} à {local:%H:%M:%S}" in screen.backlog_status.text()
    assert "1 demande envoyée," in screen.backlog_status.text()
    assert f"{local:%H:%M:%S}" in screen.last_sync.text()
    # The central API down: said as such, the last success kept.
    round_on_wake(admin, SyncRound("transient", at + dt.timedelta(minutes=5)))
    with admin.kiosk.qtbot.waitSignal(admin.controller.refreshed, timeout=10_000):
        admin.kiosk.click(screen.sync_button)
    assert "ne répond pas" in screen.backlog_status.text()
    assert f"{local:%H:%M:%S}" in screen.last_sync.text()


@pytest.mark.parametrize("scale", [1.5, 2.0])
def test_admin_header_buttons_are_never_cut(admin: Admin, scale: float) -> None:
    kiosk = admin.kiosk
    kiosk.controller.set_theme(Theme(scale=scale))
    kiosk.window.resize(1280, 960)
    admin.open()
    admin.screen.assist_button.show()
    kiosk.qtbot.waitUntil(lambda: admin.screen.close_button.width() > 0)
    kiosk.qtbot.wait(50)  # the row is laid out again after the resize (a queued layout)
    for button in admin.screen.top_buttons.buttons:
        if button.isHidden():
            continue
        assert button.width() >= button.sizeHint().width(), (button.text(), scale)
        assert button.geometry().right() <= admin.screen.top_buttons.width()


def test_the_purge_shows_what_it_would_delete_first(admin: Admin) -> None:
    admin.open()
    screen = admin.screen
    assert not screen.purge_button.isEnabled()  # nothing seen, nothing purged
    admin.act("admin_purge_preview", screen.preview_button.click)
    assert "2 demandes reçues par" in screen.purge_preview.text()
    assert "1 brouillon (" in screen.purge_preview.text()
    assert screen.purge_button.isEnabled()
    admin.act("admin_purge", screen.purge_button.click)
    assert not screen.purge_button.isEnabled()


def test_diagnostics_name_pyside6_and_carry_the_staff_audit(admin: Admin, tmp_path: Path) -> None:
    admin.open()
    screen = admin.screen
    admin.act("admin_purge_preview", screen.preview_button.click)
    usb = tmp_path / "usb"
    screen.export_dir.setText(str(usb))
    admin.act("admin_export", screen.export_button.click)
    [archive] = list(usb.glob("kiosk-diagnostics-*.zip"))
    with zipfile.ZipFile(archive) as zf:
        versions = json.loads(zf.read("versions.json"))
        audit = json.loads(zf.read("audit.json"))
    assert versions["PySide6"] not in ("", "absent")
    staff = [e for e in audit if e["source"] == "staff"]
    assert {"admin_open", "admin_purge_preview"} <= {e["event"] for e in staff}
    assert all(e["actor"] == "adm-0007" for e in staff if e["event"].startswith("admin_"))


# --- the staff sign-in ----------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = NOW
        self.mono = 1000.0

    def __call__(self) -> dt.datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)
        self.mono += seconds


def test_wrong_pins_warn_that_waits_follow_and_count_them_down(
    make_kiosk: Callable[..., Kiosk],
) -> None:
    clock = Clock()
    audit = MemoryAuditLog()
    directory = FakeStaffDirectory(audit=audit, clock=clock)
    directory.add("med-0042", "482913", "Amina B.", Role.MEDIATOR)
    kiosk = make_kiosk(
        staff_parts=StaffParts(directory, audit, options={"monotonic": clock.monotonic})
    )
    staff = kiosk.staff
    screen = kiosk.window.signin

    def try_pin(pin: str, expect: str) -> None:
        screen.identifier_row.editor.setText("med-0042")
        screen.pin_row.editor.setText(pin)
        with kiosk.qtbot.waitSignal(staff.refused, timeout=10_000) as blocker:
            kiosk.click(screen.sign_in_button)
        assert blocker.args == [expect]

    try:
        staff.request_sign_in({Role.MEDIATOR}, lambda _m: None)
        try_pin("111111", "wrong")
        assert "Après 3 essais faux, il faut attendre" in screen.error.text()
        try_pin("222222", "wrong")
        try_pin("333333", "wrong")  # the third: a 30 s wait starts now
        assert "Attendez 30 s avant de réessayer" in screen.error.text()
        assert not screen.sign_in_button.isEnabled()
        clock.advance(12)
        staff._tick_wait()  # the 1 s timer's tick
        assert "Attendez 18 s" in screen.error.text()
        clock.advance(18)
        staff._tick_wait()
        assert "Vous pouvez réessayer" in screen.error.text()
        assert screen.sign_in_button.isEnabled()
        try_pin("444444", "wrong")  # the fourth: 1 min
        assert "Attendez 1 min avant" in screen.error.text()
        clock.advance(15)
        staff._tick_wait()
        assert "Attendez 45 s" in screen.error.text()
        # In the applicant's language too, units included.
        kiosk.controller.choose_language("ru")
        staff._tick_wait()
        assert "45 с" in screen.error.text()
    finally:
        staff.wait_timer.stop()
        staff.cancel()


def _buttons(widget: Any) -> list[QPushButton]:
    return list(widget.findChildren(QPushButton))
