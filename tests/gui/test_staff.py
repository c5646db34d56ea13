"""Mediators and staff on the kiosk (issue 7): sign-in with the right PIN, a wrong PIN, the
lockout message, the network down, the staff timeout; the assisted session: consent shown
and spoken in the applicant's language, the banner on every screen, the mediator's language
and back, the end wiping the session and signing the mediator out."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit

from kiosk.domain.session import Screen
from kiosk.staff import MemoryAuditLog, Role, StaffMember
from kiosk.staff.fake import FakeStaffDirectory
from kiosk.testing import FakeClock
from kiosk.ui.compose import StaffParts
from kiosk.ui.controllers.staff import AssistController, StaffController
from kiosk.ui.screens.assist import CONSENT_TEXT_VERSION
from tests.fixtures.walk import choose_procedure
from tests.gui.conftest import IDENTITY, NOW, Kiosk

pytestmark = pytest.mark.gui

PIN = "482913"


class Clock(FakeClock):
    def __init__(self) -> None:
        super().__init__(NOW)


@dataclass
class Staffed:
    kiosk: Kiosk
    directory: FakeStaffDirectory
    audit: MemoryAuditLog
    staff: StaffController
    assist: AssistController
    clock: Clock
    done: list[StaffMember]
    cancelled: list[bool]

    def open_sign_in(self, roles: set[Role] | None = None) -> None:
        self.staff.request_sign_in(
            roles or {Role.MEDIATOR}, self.done.append, lambda: self.cancelled.append(True)
        )
        self.kiosk.qtbot.waitUntil(lambda: self.window.stack.currentWidget() is self.window.signin)

    @property
    def window(self) -> Any:
        return self.kiosk.window

    def type_credentials(self, identifier: str, pin: str) -> None:
        qtbot, screen = self.kiosk.qtbot, self.window.signin
        for row, text in ((screen.identifier_row, identifier), (screen.pin_row, pin)):
            row.editor.setFocus()
            row.editor.clear()
            qtbot.keyClicks(row.editor, text)

    def sign_in(self, identifier: str, pin: str, *, expect: str | None = None) -> None:
        self.type_credentials(identifier, pin)
        qtbot = self.kiosk.qtbot
        signal = self.staff.signed_in if expect is None else self.staff.refused
        with qtbot.waitSignal(signal, timeout=10_000) as blocker:
            self.kiosk.click(self.window.signin.sign_in_button)
        if expect is not None:
            assert blocker.args == [expect]


@contextlib.contextmanager
def make_staffed(make_kiosk: Callable[..., Kiosk], **staff_options: Any) -> Iterator[Staffed]:
    """Staff sign-in on a kiosk; ``staff_options``: StaffPorts' other fields."""
    clock, audit = Clock(), MemoryAuditLog(kiosk_id="kiosk-test-01")
    directory = FakeStaffDirectory(audit=audit, clock=clock)
    directory.add("med-0042", PIN, "Amina B.", Role.MEDIATOR)
    directory.add("adm-0007", "135790", "Claire M.", Role.STAFF)
    kiosk = make_kiosk(
        staff_parts=StaffParts(directory, audit, staff_options, assist={"clock": clock})
    )
    staff, assist = kiosk.staff, kiosk.assist
    try:
        yield Staffed(kiosk, directory, audit, staff, assist, clock, [], [])
    finally:
        staff.stop_badge()  # the camera thread, if a test left it running


@pytest.fixture
def staffed(make_kiosk: Callable[..., Kiosk]) -> Iterator[Staffed]:
    with make_staffed(make_kiosk) as staffed:
        yield staffed


def test_right_pin_signs_the_mediator_in(staffed: Staffed) -> None:
    staffed.open_sign_in()
    screen = staffed.window.signin
    assert screen.pin_row.editor.echoMode() != screen.identifier_row.editor.echoMode()
    assert screen.pin_row.label.buddy() is screen.pin_row.editor
    staffed.sign_in("med-0042", PIN)
    assert staffed.done == [StaffMember("med-0042", "Amina B.", Role.MEDIATOR)]
    assert staffed.staff.current == staffed.done[0]
    assert staffed.audit.actions("med-0042") == ["sign_in"]
    assert screen.pin_row.value() == "" and screen.identifier_row.value() == ""
    assert all(PIN not in text for text, _ in staffed.kiosk.speech.said)


def test_wrong_pin_is_refused_and_audited(staffed: Staffed) -> None:
    staffed.open_sign_in()
    staffed.sign_in("med-0042", "000000", expect="wrong")
    screen = staffed.window.signin
    assert screen.error.isVisible()
    assert "faux" in screen.error.text()
    assert screen.pin_row.value() == ""  # typed again after a refusal
    assert staffed.staff.current is None and staffed.done == []
    assert staffed.audit.actions("med-0042") == ["sign_in_failed"]
    staffed.sign_in("med-0042", "12", expect="empty")  # too short: not even asked
    assert staffed.directory.calls == 1


def test_lockout_message_after_failed_tries(staffed: Staffed) -> None:
    staffed.open_sign_in()
    for _ in range(3):
        staffed.sign_in("med-0042", "111111", expect="wrong")
    error = staffed.window.signin.error.text()
    assert "Attendez 30 s" in error  # not "1 min" for 30 s (issue 16)
    assert not staffed.window.signin.sign_in_button.isEnabled()  # no try while waiting
    # Another kiosk tries meanwhile: even the right PIN waits (the central API's lockout).
    from kiosk.staff import SignInRefused

    with pytest.raises(SignInRefused) as refused:
        staffed.directory.sign_in("med-0042", PIN)
    assert refused.value.reason == "locked"
    staffed.clock.now += dt.timedelta(seconds=31)
    staffed.staff._wait_until = 0.0  # the countdown's end
    staffed.staff._tick_wait()
    assert "Vous pouvez réessayer" in staffed.window.signin.error.text()
    staffed.sign_in("med-0042", PIN)
    assert staffed.audit.actions("med-0042") == ["sign_in_failed"] * 4 + ["sign_in"]


def test_network_down_refuses_with_a_clear_message(staffed: Staffed) -> None:
    staffed.directory.available = False
    staffed.open_sign_in()
    staffed.sign_in("med-0042", PIN, expect="unavailable")
    assert "serveur" in staffed.window.signin.error.text()


def test_a_mediator_cannot_open_a_staff_mode(staffed: Staffed) -> None:
    staffed.open_sign_in({Role.STAFF})
    staffed.sign_in("med-0042", PIN, expect="role")
    assert staffed.done == [] and staffed.staff.current is None


def test_cancel_returns_to_the_idle_screen(staffed: Staffed) -> None:
    staffed.open_sign_in()
    staffed.type_credentials("med-0042", "12")
    staffed.kiosk.click(staffed.window.signin.cancel_button)
    assert staffed.cancelled == [True]
    assert staffed.window.signin.pin_row.value() == ""


def test_staff_session_times_out(staffed: Staffed) -> None:
    staffed.open_sign_in()
    staffed.sign_in("med-0042", PIN)
    staffed.staff.timer.setInterval(50)
    with staffed.kiosk.qtbot.waitSignal(staffed.staff.timed_out, timeout=5000):
        staffed.staff.timer.start()
    assert staffed.staff.current is None
    assert staffed.audit.actions("med-0042")[-1] == "sign_out"
    assert staffed.audit.entries[-1].detail == "timeout"


def _start_assisted(staffed: Staffed, language: str = "ar") -> None:
    kiosk = staffed.kiosk
    kiosk.controller.choose_language(language)  # the applicant chose their language
    staffed.open_sign_in()
    staffed.sign_in("med-0042", PIN)
    staffed.assist.start(staffed.done[-1])
    kiosk.qtbot.waitUntil(
        lambda: staffed.window.stack.currentWidget() is staffed.window.assist_consent
    )


def test_consent_is_shown_and_spoken_in_the_applicant_language(staffed: Staffed) -> None:
    _start_assisted(staffed, "ar")
    screen = staffed.window.assist_consent
    assert screen.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert staffed.kiosk.speech.last_said is not None
    spoken, language = staffed.kiosk.speech.last_said  # spoken, voice toggle or not
    assert "med-0042" in spoken and "Amina B." in spoken
    assert language == "ar"  # in the applicant's language
    assert screen.agree_button.text() != "J'accepte l'aide"  # translated
    # The applicant changes language on this screen: it is said again, in that language.
    screen.language_chosen.emit("uk")
    assert staffed.kiosk.speech.last_said is not None
    assert staffed.kiosk.speech.last_said[1] == "uk"
    assert screen.layoutDirection() == Qt.LayoutDirection.LeftToRight


def test_refused_consent_wipes_and_signs_out(staffed: Staffed) -> None:
    _start_assisted(staffed, "en")
    staffed.kiosk.click(staffed.window.assist_consent.refuse_button)
    staffed.kiosk.wait_screen(Screen.WELCOME)
    assert staffed.staff.current is None
    assert not staffed.window.assist_banner.isVisible()
    assert staffed.audit.actions("med-0042")[-2:] == ["assist_refused", "sign_out"]


def test_assisted_session_banner_language_and_end(staffed: Staffed) -> None:
    kiosk = staffed.kiosk
    _start_assisted(staffed, "ar")
    with kiosk.qtbot.waitSignal(staffed.assist.started):
        kiosk.click(staffed.window.assist_consent.agree_button)
    kiosk.wait_screen(Screen.PROCEDURE)
    banner = staffed.window.assist_banner
    assert banner.isVisible() and "Amina B." in banner.text.text()
    consent = {
        "mediator_id": "med-0042",
        "consent_at": NOW.isoformat(),
        "consent_text_version": CONSENT_TEXT_VERSION,
        "consent_language": "ar",
    }
    assert kiosk.controller.assistance == {
        **consent,
        "joined_in_progress": False,
        "parts": [{**consent, "from_screen": "welcome"}],
    }
    # The banner stays on every screen.
    choose_procedure(kiosk, "renewal-student")
    assert banner.isVisible()
    # The mediator explains in French, then gives the kiosk back in Arabic.
    kiosk.click(banner.language_button)
    assert kiosk.controller.translator.code == "fr"
    assert "العربية" in banner.language_button.text()
    kiosk.click(banner.language_button)
    assert kiosk.controller.translator.code == "ar"
    kiosk.fill({"surname": IDENTITY["surname"]})
    # The end: the applicant is asked, in Arabic; stopping wipes like any other session.
    kiosk.click(banner.end_button)
    end = staffed.window.assist_end
    assert staffed.window.stack.currentWidget() is end
    assert end.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert staffed.staff.current is None  # the mediator is signed out at once
    kiosk.click(end.stop_button)
    kiosk.wait_screen(Screen.WELCOME)
    assert not banner.isVisible()
    assert kiosk.controller.assistance is None
    assert kiosk.controller.translator.code == "fr"
    assert staffed.staff.current is None
    texts = [e.text() for e in staffed.window.findChildren(QLineEdit)]
    texts += [lab.text() for lab in staffed.window.findChildren(QLabel)]
    assert not any(IDENTITY["surname"] in t for t in texts)
    actions = staffed.audit.actions("med-0042")
    assert actions == ["sign_in", "assist_start", "assist_end", "sign_out"]
    assert [e.detail for e in staffed.audit.entries if e.action == "assist_end"] == ["handed_back"]
    assert all(IDENTITY["surname"] not in e.detail for e in staffed.audit.entries)


def test_inactivity_wipe_ends_the_assisted_session(staffed: Staffed) -> None:
    kiosk = staffed.kiosk
    _start_assisted(staffed, "fr")
    kiosk.click(staffed.window.assist_consent.agree_button)
    kiosk.wait_screen(Screen.PROCEDURE)
    assert not staffed.window.assist_banner.language_button.isVisible()  # same language
    kiosk.controller.wipe()  # e.g. the inactivity timeout, or the receipt's "Terminer"
    assert staffed.staff.current is None
    assert staffed.audit.actions("med-0042")[-2:] == ["assist_end", "sign_out"]


def _badge_frame(code: str) -> Any:
    import numpy as np
    import qrcode

    grey = np.array(qrcode.make(code).get_image().convert("L"), dtype=np.uint8)
    grey = np.pad(grey, 80, constant_values=255)
    return np.ascontiguousarray(np.stack([grey] * 3, axis=-1))


def test_badge_shown_to_the_camera_signs_in(make_kiosk: Callable[..., Kiosk]) -> None:
    from contract.badge import make_badge_code
    from kiosk.devices.camera import FakeCamera

    code = make_badge_code("adm-0007")
    forged = make_badge_code("adm-0007")  # the right identifier, not the secret
    camera = FakeCamera([_badge_frame(forged)], fps=10)
    with make_staffed(make_kiosk, badge_camera=lambda: camera) as staffed:
        staffed.directory.add("adm-0007", "135790", "Claire M.", Role.STAFF, code.split(":")[2])
        staffed.open_sign_in({Role.STAFF})
        with staffed.kiosk.qtbot.waitSignal(staffed.staff.refused, timeout=30_000) as blocker:
            staffed.kiosk.click(staffed.window.signin.badge_button)
        assert blocker.args == ["wrong"]
        assert staffed.window.signin.badge_hint.isVisible()
        with staffed.kiosk.qtbot.waitSignal(staffed.staff.signed_in, timeout=30_000):
            camera.show([_badge_frame(code)])
        assert staffed.done[-1].identifier == "adm-0007"
        assert staffed.audit.actions("adm-0007") == ["sign_in_failed", "sign_in"]
        assert staffed.audit.entries[-1].detail == "badge"
        assert not staffed.window.signin.badge_hint.isVisible()  # the camera is stopped


def test_badge_without_a_camera_says_so(staffed: Staffed) -> None:
    staffed.open_sign_in()
    staffed.kiosk.click(staffed.window.signin.badge_button)
    assert "Pas de caméra" in staffed.window.signin.badge_hint.text()


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_staff_screens_and_banner_meet_the_automatable_checks(
    staffed: Staffed, language: str
) -> None:
    from PySide6.QtGui import QAccessible
    from PySide6.QtWidgets import QAbstractButton, QWidget

    from tests.gui.conftest import all_widgets

    def check(root: QWidget, name: str, rtl: bool = language == "ar") -> None:
        widgets = [
            w
            for w in all_widgets(root)
            if w.isVisible() and w.isEnabled() and w.focusPolicy() != Qt.FocusPolicy.NoFocus
        ]
        assert widgets, name
        for w in widgets:
            iface = QAccessible.queryAccessibleInterface(w)
            assert iface is not None and iface.text(QAccessible.Text.Name).strip(), (name, w)
            if isinstance(w, QAbstractButton | QLineEdit):
                assert w.width() >= 44 and w.height() >= 44, (name, w, w.size())
        buddies = {lab.buddy() for lab in root.findChildren(QLabel) if lab.buddy()}
        for edit in root.findChildren(QLineEdit):
            if edit.isVisible():
                assert edit in buddies, (name, edit)
        direction = Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight
        assert root.layoutDirection() == direction, name

    kiosk = staffed.kiosk
    kiosk.controller.choose_language(language)
    staffed.open_sign_in()
    check(staffed.window.signin, "sign-in")
    staffed.sign_in("med-0042", PIN)
    staffed.assist.start(staffed.done[-1])
    check(staffed.window.assist_consent, "consent")
    # Keyboard only: Tab reaches "I accept" from the title.
    screen = staffed.window.assist_consent
    for _ in range(20):
        if screen.agree_button.hasFocus():
            break
        kiosk.qtbot.keyClick(kiosk.window.focusWidget(), Qt.Key.Key_Tab)
    assert screen.agree_button.hasFocus()
    with kiosk.qtbot.waitSignal(staffed.assist.started):
        kiosk.qtbot.keyClick(screen.agree_button, Qt.Key.Key_Space)
    kiosk.wait_screen(Screen.PROCEDURE)
    # The banner is the mediator's, in French whatever the applicant's language.
    check(staffed.window.assist_banner, "banner", rtl=False)
    assert staffed.window.assist_banner.locale().name().startswith("fr")
