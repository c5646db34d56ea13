"""The staff gesture as fingers make it (issue 16, problem 1): five taps within three
seconds on the 44 px corner, at a real tapping speed, on every applicant screen, left to
right and right to left; the applicant's work is kept underneath.

Fast taps are driven through Qt's own input path (``QTest`` on the window, i.e. the window
system interface), so Qt itself turns two taps closer than its double-click interval
(400 ms) into a press and a *double-click*: the sequence a touch screen gives at normal
tapping speed. Touch taps (``QTest.touchEvent``) are turned into presses by Qt too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QInputDevice, QPointingDevice
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from kiosk.domain.session import Screen
from tests.gui.admin_fixtures import Admin
from tests.gui.conftest import Kiosk

pytestmark = pytest.mark.gui

TAP_INTERVALS_MS = (180, 220, 150, 260)  # a person tapping five times, under a second


def _corner_point(kiosk: Kiosk) -> tuple[Any, QPoint]:
    window = kiosk.window
    corner = getattr(window, "staff_corner", None)
    if corner is None:  # before issue 16: the window's own bottom-leading corner
        return window.windowHandle(), QPoint(20, window.height() - 20)
    return window.windowHandle(), corner.mapTo(window, corner.rect().center())


def real_taps(kiosk: Kiosk, intervals_ms: tuple[int, ...] = TAP_INTERVALS_MS) -> None:
    """Taps on the corner ``intervals_ms`` apart, through Qt's input path: each pair of
    taps closer than the double-click interval becomes press + double-click, as Qt makes
    them from a touch screen (QTest cannot set a time between two of its own presses
    other than "none" — a double-click — or "more than the interval")."""
    if not kiosk.window.isActiveWindow():  # e.g. a completer's popup took the activation
        kiosk.window.activateWindow()
        kiosk.qtbot.waitUntil(kiosk.window.isActiveWindow)
    window, point = _corner_point(kiosk)
    interval = QGuiApplication.styleHints().mouseDoubleClickInterval()
    button, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    taps = len(intervals_ms) + 1
    i = 0
    while i < taps:
        fast = i < len(intervals_ms) and intervals_ms[i] < interval and i + 1 < taps
        if fast:
            QTest.mouseDClick(window, button, mods, point)  # press, release, press
            QTest.mouseRelease(window, button, mods, point)
            i += 2
        else:
            QTest.mouseClick(window, button, mods, point)
            i += 1


_DEVICES: list[QPointingDevice] = []


def _touch_screen() -> QPointingDevice:
    if not _DEVICES:
        _DEVICES.append(QTest.createTouchDevice(QInputDevice.DeviceType.TouchScreen))
    return _DEVICES[0]


def touch_taps(kiosk: Kiosk, count: int = 5) -> None:
    window, point = _corner_point(kiosk)
    device = _touch_screen()
    for _ in range(count):
        QTest.touchEvent(window, device).press(0, point).commit()
        QTest.touchEvent(window, device).release(0, point).commit()


def test_five_fast_taps_open_the_sign_in_although_qt_makes_double_clicks(admin: Admin) -> None:
    kiosk = admin.kiosk
    real_taps(kiosk)  # five taps within a second: press, double-click, press, ...
    assert admin.staff.signing_in
    assert kiosk.window.stack.currentWidget() is kiosk.window.signin


def test_three_fast_taps_are_not_enough(admin: Admin) -> None:
    real_taps(admin.kiosk, (180, 220))  # press, double-click, press
    assert not admin.staff.signing_in


def test_five_touch_taps_open_the_sign_in(admin: Admin) -> None:
    touch_taps(admin.kiosk)
    assert admin.staff.signing_in


def test_slow_taps_and_four_fast_taps_do_not(admin: Admin) -> None:
    kiosk = admin.kiosk
    clock = kiosk.monotonic  # the lockdown's (build_kiosk)
    real_taps(kiosk, (150, 150, 150))  # four
    assert not admin.staff.signing_in
    clock.now += 3.5  # the fifth comes too late: the four are forgotten
    real_taps(kiosk, ())
    assert not admin.staff.signing_in
    real_taps(kiosk, (150, 150, 150))  # four more, within three seconds: five in a row
    assert admin.staff.signing_in


def _screens() -> list[tuple[str, Callable[[Kiosk], None]]]:
    def procedure(k: Kiosk) -> None:
        k.click(k.window.welcome.start_button)
        k.wait_screen(Screen.PROCEDURE)

    def step(k: Kiosk) -> None:
        k.start()
        k.fill({"surname": "Benkirane"})

    return [
        ("welcome", lambda k: None),
        ("procedure", procedure),
        ("step", step),
        ("check", Kiosk.to_check),
        ("consent", Kiosk.to_consent),
        ("receipt", Kiosk.to_receipt),
    ]


@pytest.mark.parametrize("language", ["fr", "ar"])
@pytest.mark.parametrize(("name", "reach"), _screens(), ids=[n for n, _ in _screens()])
def test_the_gesture_works_on_every_applicant_screen_and_keeps_the_session(
    admin: Admin, language: str, name: str, reach: Callable[[Kiosk], None]
) -> None:
    kiosk = admin.kiosk
    kiosk.controller.choose_language(language)
    reach(kiosk)
    before = kiosk.screen()
    uuid = kiosk.controller.session.uuid
    answers = dict(kiosk.controller.session.answers)
    corner = kiosk.window.staff_corner
    # A 44 px target at least, in the bottom-leading corner, above every control.
    assert corner.width() >= 44 and corner.height() >= 44
    _window, point = _corner_point(kiosk)
    assert kiosk.window.childAt(point) is corner
    leading_right = language == "ar"
    assert (point.x() > kiosk.window.width() // 2) is leading_right
    real_taps(kiosk)
    assert kiosk.window.stack.currentWidget() is kiosk.window.signin, name
    kiosk.click(kiosk.window.signin.cancel_button)
    assert kiosk.screen() is before
    if before is not Screen.WELCOME:
        assert kiosk.controller.session.uuid == uuid
        assert answers.items() <= kiosk.controller.session.answers.items()
    if before is Screen.STEP:
        assert kiosk.window.step.values()["surname"] == "Benkirane"


def test_the_corner_covers_no_applicant_control_that_it_would_steal(admin: Admin) -> None:
    """Staff's taps land on the corner, never on the control beneath (a "Continuer"
    pressed five times would move the applicant on)."""
    kiosk = admin.kiosk
    kiosk.start()
    _window, _point = _corner_point(kiosk)
    pressed: list[QWidget] = []
    for button in kiosk.window.findChildren(QWidget):
        if hasattr(button, "clicked") and button.isVisible():
            button.clicked.connect(lambda *_a, b=button: pressed.append(b))
    real_taps(kiosk, (150,))
    assert pressed == []
