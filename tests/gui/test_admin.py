"""Admin mode (issue 7): the staff gesture, lockdown, settings saved or refused, out of
service and back, the backlog's retry, device self-tests, enrolment, purge, the time-out,
and the staff audit log of every action."""

from __future__ import annotations

import random
import tomllib
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget

from kiosk.admin import service
from kiosk.domain.session import Screen
from kiosk.ui.lockdown import CORNER_PX
from tests.gui.admin_fixtures import STAFF, Admin
from tests.gui.conftest import NOW

pytestmark = pytest.mark.gui


def _corner(window: QWidget) -> tuple[QWidget, QPoint]:
    """The widget under the bottom-leading corner, and the point in its coordinates."""
    point = QPoint(CORNER_PX // 2, window.height() - CORNER_PX // 2)
    child = window.childAt(point) or window
    return child, child.mapFrom(window, point)


# --- the gesture ------------------------------------------------------------------------
def test_five_taps_in_the_corner_open_the_staff_sign_in(admin: Admin) -> None:
    kiosk, clock = admin.kiosk, admin.kiosk.monotonic  # the lockdown's (build_kiosk)
    widget, pos = _corner(kiosk.window)
    for _ in range(4):
        kiosk.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)
        clock.now += 0.4
    assert not admin.staff.signing_in  # four taps are not enough
    assert kiosk.window.stack.currentWidget() is kiosk.window.welcome
    kiosk.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)
    assert admin.staff.signing_in
    assert kiosk.window.stack.currentWidget() is kiosk.window.signin
    # A mediator is not let into admin mode (no assisted session is wired here).
    with kiosk.qtbot.waitSignal(admin.staff.refused, timeout=10_000):
        admin.sign_in("med-0042", "735184")
    kiosk.qtbot.waitUntil(lambda: not kiosk.window.signin.busy)
    assert not admin.controller.is_open
    with kiosk.qtbot.waitSignal(admin.controller.opened, timeout=10_000):
        admin.sign_in()
    assert kiosk.window.stack.currentWidget() is admin.screen
    assert admin.admin_actions() == ["admin_open"]


def test_the_staff_key_opens_the_sign_in(admin: Admin) -> None:
    kiosk = admin.kiosk
    mods = (
        Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.AltModifier
        | Qt.KeyboardModifier.ShiftModifier
    )
    kiosk.qtbot.keyClick(kiosk.window.welcome.start_button, Qt.Key.Key_A, mods)
    assert admin.staff.signing_in
    assert kiosk.window.stack.currentWidget() is kiosk.window.signin


def test_an_applicants_random_taps_and_keys_do_not_open_it(admin: Admin) -> None:
    kiosk, clock = admin.kiosk, admin.kiosk.monotonic  # the lockdown's (build_kiosk)
    lockdown = admin.controller.lockdown
    rng = random.Random(7)
    w, h = kiosk.window.width(), kiosk.window.height()
    # A thousand taps anywhere, fast (an applicant hammering the screen).
    for _ in range(1000):
        lockdown.tap(QPoint(rng.randrange(w), rng.randrange(h)))
        clock.now += rng.uniform(0.05, 0.5)
    # Slow taps in the very corner: five, but over more than three seconds.
    for _ in range(10):
        lockdown.tap(QPoint(5, h - 5))
        clock.now += 0.8
    # Fast real taps in the other bottom corner.
    other = QPoint(w - CORNER_PX // 2, h - CORNER_PX // 2)
    child = kiosk.window.childAt(other) or kiosk.window
    for _ in range(8):
        kiosk.qtbot.mouseClick(
            child, Qt.MouseButton.LeftButton, pos=child.mapFrom(kiosk.window, other)
        )
    # Random key presses with random modifiers, never exactly Ctrl+Alt+Shift+A.
    mods = [
        Qt.KeyboardModifier.NoModifier,
        Qt.KeyboardModifier.ControlModifier,
        Qt.KeyboardModifier.AltModifier,
        Qt.KeyboardModifier.ShiftModifier,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier,
    ]
    letters = [getattr(Qt.Key, f"Key_{c}") for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    for _ in range(300):
        kiosk.qtbot.keyClick(kiosk.window, rng.choice(letters), rng.choice(mods))
    assert not admin.staff.signing_in
    assert kiosk.window.stack.currentWidget() is kiosk.window.welcome


def test_staff_open_admin_mode_mid_application_and_the_applicant_keeps_their_work(
    admin: Admin,
) -> None:
    kiosk = admin.kiosk
    kiosk.start()
    kiosk.fill({"surname": "Benkirane"})
    kiosk.click(kiosk.window.step.continue_button)  # errors shown: nothing is lost either
    lockdown = admin.controller.lockdown
    corner = kiosk.window.staff_corner
    for _ in range(5):
        lockdown.tap(corner.mapTo(kiosk.window, corner.rect().center()))
    assert admin.staff.signing_in
    assert not kiosk.controller.inactivity.armed  # the session waits, it does not time out
    # Cancelled: back to the question, the surname still typed.
    kiosk.click(kiosk.window.signin.cancel_button)
    assert kiosk.screen() is Screen.STEP
    assert kiosk.window.step.values()["surname"] == "Benkirane"
    assert kiosk.controller.inactivity.armed
    # Admin mode opened and closed over it: the same.
    admin.open()
    admin.screen.close_button.click()
    assert kiosk.screen() is Screen.STEP
    assert kiosk.window.step.values()["surname"] == "Benkirane"
    assert admin.admin_actions() == ["admin_open", "admin_close"]


# --- lockdown ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "mods"),
    [
        (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_Tab, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_F11, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_Super_L, Qt.KeyboardModifier.NoModifier),
    ],
)
def test_escape_shortcuts_do_nothing(admin: Admin, key: Qt.Key, mods: Any) -> None:
    kiosk = admin.kiosk
    kiosk.start()
    field = kiosk.window.step.rows[0].input
    field.setFocus()
    with kiosk.qtbot.waitSignal(admin.controller.lockdown.blocked, timeout=1000):
        kiosk.qtbot.keyClick(field, key, mods)
    assert kiosk.window.isVisible() and kiosk.screen() is Screen.STEP


def test_the_window_refuses_to_close_until_staff_quit(admin: Admin) -> None:
    window = admin.kiosk.window
    window.close_allowed = False  # as on a kiosk (kiosk.app, full screen)
    assert window.close() is False
    assert window.isVisible()
    admin.open()
    admin.screen.quit_button.click()
    assert admin.quits == []  # asked first (problem 9 of issue 16)
    admin.screen.quit_yes.click()
    assert admin.quits == [1]
    assert window.close_allowed is True
    assert "admin_quit" in admin.audit.actions(STAFF.identifier)


# --- settings ---------------------------------------------------------------------------
def _tick(boxes: dict[str, Any], keep: set[str]) -> None:
    for key, box in boxes.items():
        if box.isEnabled():
            box.setChecked(key in keep)


def test_settings_are_validated_saved_and_applied(admin: Admin) -> None:
    kiosk, screen = admin.kiosk, admin.screen
    admin.open()
    form = screen.settings_form
    _tick(form.language_boxes, {"fr", "en", "ar"})
    _tick(form.procedure_boxes, {"renewal-student"})
    form.fields["inactivity_timeout_s"].setValue(180)
    admin.act("admin_settings_saved", screen.save_button.click)
    written = tomllib.loads(admin.config.read_text(encoding="utf-8"))
    assert written == {
        "languages": ["fr", "en", "ar"],
        "procedures": ["renewal-student"],
        "inactivity_timeout_s": 180,
    }
    assert "enregistrés" in screen.settings_status.text()
    # Applied at once: the applicant sees three languages and one procedure.
    admin.screen.close_button.click()
    shown = [
        c for c, b in kiosk.window.welcome.language_buttons.items() if b.isVisibleTo(kiosk.window)
    ]
    assert shown == ["fr", "en", "ar"]
    kiosk.click(kiosk.window.welcome.start_button)
    kiosk.wait_screen(Screen.PROCEDURE)
    assert [c.procedure.id for c in kiosk.window.procedure.cards] == ["renewal-student"]
    kiosk.controller.choose_language("ru")  # not offered: nothing happens
    assert kiosk.controller.translator.code == "fr"
    # ...and in the header's language dialog.
    header = kiosk.window.procedure.header
    header.language_button.click()
    dialog = header.language_dialog
    assert dialog is not None
    kiosk.qtbot.waitUntil(dialog.isVisible)
    assert [c for c, b in dialog.buttons.items() if b.isVisible()] == ["fr", "en", "ar"]
    dialog.reject()


# --- out of service ---------------------------------------------------------------------
def test_out_of_service_survives_a_restart_and_staff_bring_it_back(
    make_admin: Callable[..., Admin],
) -> None:
    admin = make_admin()
    kiosk, screen = admin.kiosk, admin.screen
    admin.open()
    screen.service_message.setText("Maintenance jusqu'à 14 h")
    admin.act("admin_out_of_service", screen.out_of_service_button.click)
    assert admin.status.snapshot().state == "out_of_service"
    assert admin.status.snapshot().out_of_service_message == "Maintenance jusqu'à 14 h"
    screen.close_button.click()
    window = kiosk.window
    assert window.stack.currentWidget() is window.out_of_service
    assert window.out_of_service.message.text() == "Maintenance jusqu'à 14 h"
    # An applicant sees it in their language, and cannot get past it.
    kiosk.controller.choose_language("en")
    assert window.out_of_service.title.text() == "Kiosk out of service"
    kiosk.controller.wipe()
    assert window.stack.currentWidget() is window.out_of_service
    assert service.load(service.path_in(admin.settings.data_dir)) is not None

    # A restart: a new window and controller on the same data directory.
    again = make_admin()
    window2 = again.kiosk.window
    assert window2.stack.currentWidget() is window2.out_of_service
    assert again.status.snapshot().state == "out_of_service"
    again.open()
    assert "hors service" in again.screen.service_status.text()
    again.act("admin_in_service", again.screen.in_service_button.click)
    again.screen.close_button.click()
    assert again.kiosk.screen() is Screen.WELCOME
    assert again.status.snapshot().state != "out_of_service"
    assert service.load(service.path_in(admin.settings.data_dir)) is None
    assert again.admin_actions() == ["admin_open", "admin_in_service", "admin_close"]


# --- backlog ----------------------------------------------------------------------------
def test_backlog_shows_states_and_errors_and_retries_one(admin: Admin) -> None:
    store = admin.store
    store.outbox.enqueue(
        "11111111-1111-4111-8111-111111111111", "renewal-student", b"sealed-1", NOW
    )
    store.outbox.enqueue(
        "22222222-2222-4222-8222-222222222222", "renewal-student", b"sealed-2", NOW
    )
    failed = "22222222-2222-4222-8222-222222222222"
    store.outbox.mark_failed(failed, "HTTP 500", NOW, None)  # waits for staff
    with admin.kiosk.qtbot.waitSignal(admin.controller.refreshed, timeout=10_000):
        admin.open()
    screen = admin.screen
    assert "scellées : 1" in screen.backlog_counts.text()
    assert "en échec : 1" in screen.backlog_counts.text()
    table = screen.backlog_table
    assert table.rowCount() == 2
    assert table.item(1, 3).text() == "HTTP 500"
    screen.select_entry(failed)
    before = admin.sync.wakes
    admin.act("admin_retry", screen.retry_button.click)
    entry = store.outbox.entry(failed)
    assert entry is not None and entry.next_attempt_at == NOW
    assert [e.uuid for e in store.outbox.due(NOW)][-1] == failed  # the agent takes it again
    assert admin.sync.wakes == before + 1
    admin.act("admin_force_sync", screen.sync_button.click)
    assert admin.sync.wakes == before + 2
    [retry] = [e for e in admin.audit.entries if e.action == "admin_retry"]
    assert retry.detail == failed and retry.actor == STAFF.identifier


# --- devices, enrolment, purge, time-out ------------------------------------------------
def test_self_tests_run_on_fakes_and_feed_device_health(admin: Admin) -> None:
    admin.open()
    screen = admin.screen
    with admin.kiosk.qtbot.waitSignals([admin.controller.action_done] * 6, timeout=20_000):
        screen.test_all_button.click()
    for name, label in screen.device_status.items():
        assert label.text().startswith("✓"), (name, label.text())
    health = admin.status.snapshot().device_health
    assert set(health) == {"camera", "ocr", "speech", "printer", "disk", "clock"}
    assert all(item["ok"] for item in health.values())
    said = [(r.text, r.language) for r in admin.kiosk.speech.requests if r.action == "say"]
    assert ("Test de la voix de la borne.", "fr") in said


def test_enrolment_with_a_one_time_code(admin: Admin) -> None:
    admin.open()
    screen = admin.screen
    screen.enrol_code.setText("WRONG")
    admin.act("admin_enrol_failed", screen.enrol_button.click)
    assert "Code refusé" in screen.enrol_result.text()
    screen.enrol_code.setText("GOOD-CODE")
    admin.act("admin_enrol", screen.enrol_button.click)
    assert "kiosk-0042" in screen.enrol_result.text()
    assert screen.enrol_code.text() == ""
    assert all("CODE" not in e.detail for e in admin.audit.entries)  # never the code


def test_purge_applies_the_retention_rules(admin: Admin) -> None:
    admin.open()
    admin.act("admin_purge_preview", admin.screen.preview_button.click)
    admin.act("admin_purge", admin.screen.purge_button.click)
    assert "3 demandes reçues effacées" in admin.screen.purge_result.text()


def test_admin_mode_times_out_and_signs_staff_out(admin: Admin) -> None:
    admin.open()
    admin.controller.timer.setInterval(50)
    admin.controller.timer.start()
    with admin.kiosk.qtbot.waitSignal(admin.controller.closed, timeout=5000) as blocker:
        pass
    assert blocker.args == ["timeout"]
    assert admin.staff.current is None  # signed out
    assert admin.kiosk.screen() is Screen.WELCOME
    assert admin.admin_actions() == ["admin_open", "admin_close"]
    [close] = [e for e in admin.audit.entries if e.action == "admin_close"]
    assert close.detail == "timeout" and close.actor == STAFF.identifier
    assert admin.audit.actions()[-1] == "sign_out"


def test_the_gesture_routes_a_mediator_to_the_assisted_session(
    make_admin: Callable[..., Admin],
) -> None:
    admin = make_admin(assisted=True)
    kiosk = admin.kiosk
    admin.controller.request()
    with kiosk.qtbot.waitSignal(admin.staff.signed_in, timeout=10_000):
        admin.sign_in("med-0042", "735184")
    assert kiosk.window.stack.currentWidget() is kiosk.window.assist_consent
    assert not admin.controller.is_open
    # Staff in admin mode may help an applicant too.
    kiosk.controller.wipe()
    admin.staff.sign_out()
    admin.open()
    assert admin.screen.assist_button.isVisibleTo(admin.screen)
    admin.screen.assist_button.click()
    assert kiosk.window.stack.currentWidget() is kiosk.window.assist_consent
    assert admin.staff.current is not None  # still signed in, for the assisted session
    assert admin.admin_actions() == ["admin_open", "admin_assist"]


def test_silent_checks_feed_the_desk_without_staff(admin: Admin) -> None:
    admin.controller.check_health()
    admin.kiosk.qtbot.waitUntil(
        lambda: (
            set(admin.status.snapshot().device_health) == {"camera", "printer", "disk", "clock"}
        ),
        timeout=10_000,
    )
    assert not [r for r in admin.kiosk.speech.requests if r.action == "say"]  # silent


def test_staff_can_type_with_the_on_screen_keyboard(admin: Admin) -> None:
    window = admin.kiosk.window
    admin.open()
    admin.screen.tabs.setCurrentIndex(3)  # enrolment
    admin.screen.keyboard_button.click()
    admin.kiosk.qtbot.waitUntil(window.osk.isVisible)
    assert window.osk.target() is admin.screen.enrol_code
    for char in "abc":
        next(k for k in window.osk.char_keys if k.char == char).click()
    assert admin.screen.enrol_code.text() == "abc"
    admin.screen.close_button.click()
    assert window.osk.isHidden() or not window.osk.isVisible()
    assert admin.screen.enrol_code.text() == ""  # wiped on closing
