"""The applicant's call for help, end to end: the kiosk's "Aide" button, the real central
API on 127.0.0.1 (tests/fixtures/central.py), the desk window (``kiosk --desk``) that shows
the call and acknowledges it, then the kiosk says that a person is coming."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from PySide6.QtCore import Qt

from contract.protocol import DeskState
from kiosk.desk.client import DeskClient
from kiosk.desk.window import DeskWindow
from kiosk.link.help_call import ACKNOWLEDGED, CLOSED, UNREACHABLE, WAITING, HelpCallLink
from kiosk.link.status import KioskStatus
from kiosk.ui.controllers.help_call import HelpCallController, HelpCallDialog, attach_help_calls
from kiosk.ui.controllers.ports import HelpCallPorts
from sync.client import CentralClient
from tests.fixtures.central import CentralServer
from tests.gui.conftest import Kiosk
from tests.gui.desk_fixtures import DeskSite

pytestmark = pytest.mark.gui

# The kiosks' default site_name, and a desk token that sees it (test_desk_fleet's server).
DESK_TOKEN = secrets.token_urlsafe(16)
SITE = "Préfecture"


def enrol(central: CentralServer | DeskSite, name: str, site: str = SITE) -> tuple[str, str]:
    with CentralClient(central.url) as client:
        answer = client.enrol(central.new_enrolment_code(), name, site=site)
    return answer.kiosk_id, answer.token


def heartbeat(
    central: CentralServer | DeskSite, token: str, site: str = SITE, **extra: Any
) -> None:
    body = {
        "software_version": "1.0",
        "sent_at": "2026-11-27T10:00:00+00:00",
        "site": site,
        **extra,
    }
    resp = requests.post(
        f"{central.url}/v1/heartbeat",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text


@pytest.fixture
def desk(qtbot: Any, central: DeskSite) -> Iterator[Callable[..., DeskWindow]]:
    made: list[DeskWindow] = []

    def make(token: str = central.desk_token) -> DeskWindow:
        window = DeskWindow(DeskClient(central.url, token, desk_name="accueil-1"), refresh_ms=200)
        qtbot.addWidget(window)
        window.resize(1100, 800)
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        window.shutdown()


def attach(kiosk: Kiosk, client: Callable[[], Any]) -> tuple[HelpCallController, KioskStatus]:
    status = KioskStatus()

    def link(on_update: Callable[[Any], None]) -> HelpCallLink:
        return HelpCallLink(client, on_update, poll_s=0.2, retry_s=0.2)

    controller = attach_help_calls(kiosk.controller, HelpCallPorts(link, status))
    return controller, status


@contextlib.contextmanager
def attached(
    kiosk: Kiosk, client: Callable[[], Any]
) -> Iterator[tuple[HelpCallController, KioskStatus]]:
    """``attach`` for the length of a ``with`` block; the help calls shut down after it."""
    help_calls, status = attach(kiosk, client)
    try:
        yield help_calls, status
    finally:
        help_calls.shutdown()


def call_for_help(kiosk: Kiosk, help_calls: HelpCallController) -> HelpCallDialog:
    """The applicant starts, taps "Aide" and the desk has the call: its dialog."""
    kiosk.start()
    kiosk.click(kiosk.window.step.header.help_button)
    kiosk.qtbot.waitUntil(lambda: help_calls.call is not None and help_calls.call.status == WAITING)
    dialog = kiosk.window.help_dialog
    assert isinstance(dialog, HelpCallDialog)
    return dialog


def test_help_call_reaches_the_desk_is_acknowledged_and_the_kiosk_says_help_is_coming(
    kiosk: Kiosk, central: DeskSite, desk: Callable[..., DeskWindow], qtbot: Any
) -> None:
    kiosk_id, token = enrol(central, "Borne 3", central.site)
    with attached(kiosk, lambda: CentralClient(central.url, token)) as (help_calls, status):
        kiosk.start()  # an applicant on the first question
        kiosk.controller.choose_language("ar")
        assert status.snapshot().state == "in_use" and status.snapshot().screen == "step"
        window = desk()
        window.start()
        qtbot.waitUntil(lambda: bool(window.kiosks), timeout=10_000)
        assert not window.calls()

        kiosk.click(kiosk.window.step.header.help_button)
        dialog = kiosk.window.help_dialog
        assert isinstance(dialog, HelpCallDialog) and dialog.isVisible()
        qtbot.waitUntil(lambda: help_calls.call is not None and help_calls.call.status == WAITING)
        assert status.snapshot().state == "help_requested"

        # the desk shows the call first, with the screen and the language, no personal data
        qtbot.waitUntil(lambda: bool(window.calls()), timeout=10_000)
        row = window.rows[0]
        assert row.kiosk.kiosk_id == kiosk_id and row.kiosk.state is DeskState.HELP_REQUESTED
        assert row.kiosk.screen == "step" and row.kiosk.language == "ar"
        assert "Borne 3" in window.heading.text() or "1" in window.heading.text()
        assert row.coming_button is not None and row.coming_button.accessibleName()
        assert row.coming_button.height() >= 44

        kiosk.speech.said.clear()
        qtbot.mouseClick(row.coming_button, Qt.MouseButton.LeftButton)
        # the kiosk learns it by polling, shows it and says it (voice off or not), in Arabic
        qtbot.waitUntil(
            lambda: help_calls.call is not None and help_calls.call.status == ACKNOWLEDGED,
            timeout=10_000,
        )
        dialog = kiosk.window.help_dialog
        assert isinstance(dialog, HelpCallDialog) and dialog.isVisible()
        coming = kiosk.controller.translator("Une personne arrive. Restez près de la borne.")
        assert coming != "Une personne arrive. Restez près de la borne."  # translated
        assert dialog.text.text() == coming
        qtbot.waitUntil(lambda: any(coming in text for text, _lang in kiosk.speech.said))
        assert any(lang == "ar" for text, lang in kiosk.speech.said if coming in text)
        qtbot.waitUntil(
            lambda: bool(window.kiosks) and window.kiosks[0].state is DeskState.HELP_COMING,
            timeout=10_000,
        )

        # the session ends: the call is closed, the next applicant starts clean
        kiosk.controller.wipe()
        assert help_calls.call is not None and help_calls.call.status == CLOSED
        qtbot.waitUntil(
            lambda: bool(window.kiosks) and window.kiosks[0].call is None, timeout=10_000
        )
        assert status.snapshot().state == "idle"


def test_help_call_can_be_cancelled(
    kiosk: Kiosk, central: DeskSite, desk: Callable[..., DeskWindow], qtbot: Any
) -> None:
    _kiosk_id, token = enrol(central, "Borne 4", central.site)
    with attached(kiosk, lambda: CentralClient(central.url, token)) as (help_calls, status):
        dialog = call_for_help(kiosk, help_calls)
        kiosk.click(dialog.cancel_button)
        assert help_calls.call.status == CLOSED and status.snapshot().state == "in_use"
        window = desk()
        window.start()
        qtbot.waitUntil(lambda: bool(window.kiosks), timeout=10_000)
        qtbot.waitUntil(lambda: window.kiosks[0].call is None, timeout=10_000)
        assert not window.calls()


def test_offline_help_call_says_to_raise_a_hand_and_is_sent_later(
    kiosk: Kiosk, central: DeskSite, qtbot: Any
) -> None:
    _kiosk_id, token = enrol(central, "Borne 5", central.site)
    online = {"up": False}

    def client() -> CentralClient:
        # while "offline", a port nobody listens on
        return CentralClient(central.url if online["up"] else "http://127.0.0.1:9", token)

    with attached(kiosk, client) as (help_calls, _status):
        kiosk.start()
        kiosk.click(kiosk.window.step.header.help_button)
        qtbot.waitUntil(
            lambda: help_calls.call is not None and help_calls.call.status == UNREACHABLE,
            timeout=10_000,
        )
        dialog = kiosk.window.help_dialog
        assert isinstance(dialog, HelpCallDialog) and dialog.isVisible()
        assert "Levez la main" in dialog.text.text()
        online["up"] = True  # the network is back: the queued call goes
        qtbot.waitUntil(lambda: help_calls.call.status == WAITING, timeout=10_000)
        resp = requests.get(
            f"{central.url}/v1/desk/kiosks",
            headers={"Authorization": f"Bearer {central.desk_token}"},
            timeout=10,
        )
        assert resp.json()[0]["state"] == "help_requested"


def test_desk_shows_offline_kiosks_and_fleet_attention_first(
    central: DeskSite, desk: Callable[..., DeskWindow], qtbot: Any
) -> None:
    _a, token_a = enrol(central, "A borne saine", central.site)
    _b, token_b = enrol(central, "B caméra en panne", central.site)
    _c, _token_c = enrol(central, "C jamais vue", central.site)
    heartbeat(central, token_a, central.site, state="idle", device_health={"camera": "ok"})
    heartbeat(
        central, token_b, central.site, state="in_use", device_health={"camera": "fault: absent"}
    )
    window = desk()
    window.start()
    qtbot.waitUntil(lambda: len(window.fleet) == 3, timeout=10_000)
    names = [k.name for k in window.fleet]
    assert names == ["C jamais vue", "B caméra en panne", "A borne saine"]
    states = {k.name: k.state for k in window.kiosks}
    assert states["C jamais vue"] is DeskState.OFFLINE
    cards = window.fleet_cards
    assert [c.name.text() for c in cards] == names
    assert cards[0].value("État") == "Hors ligne" and not cards[0].attention.isHidden()
    assert cards[1].value("Appareils en panne") == "caméra (absent)"  # in French, with its words
    assert cards[2].attention.isHidden()
    # the desk list too: the offline kiosk before the others
    assert window.rows[0].kiosk.name == "C jamais vue"


def test_desk_without_the_right_token_says_so(
    central: DeskSite, desk: Callable[..., DeskWindow], qtbot: Any
) -> None:
    window = desk("wrong-token")
    with qtbot.waitSignal(window.failed, timeout=10_000) as blocker:
        window.refresh()
    assert "jeton" in blocker.args[0]
    assert window.message.isVisible()


def test_desk_is_accessible_by_keyboard_and_named(
    central: DeskSite, desk: Callable[..., DeskWindow], qtbot: Any
) -> None:
    from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

    _kiosk_id, token = enrol(central, "Borne 6", central.site)
    with CentralClient(central.url, token) as client:
        from contract.protocol import HelpCallRequest

        call = client.post_help_call(HelpCallRequest(call_id=secrets.token_hex(16)))
    window = desk()
    window.activateWindow()
    window.start()
    qtbot.waitUntil(lambda: bool(window.calls()), timeout=10_000)
    row = window.rows[0]
    assert row.coming_button is not None and row.close_button is not None
    for widget in window.findChildren(QWidget):
        if widget.isVisible() and isinstance(widget, QAbstractButton):
            assert widget.accessibleName() or widget.text(), widget
            assert widget.height() >= 44, (widget.text(), widget.height())
    assert "Borne 6" in row.coming_button.accessibleName()
    assert row.accessibleName().startswith("Borne 6")
    # keyboard only: Tab to "J'arrive", Space answers the call
    window.timer.stop()
    # A refresh the timer started may still be on its way: it redraws the rows (keeping
    # the focused button's place, in a new row), so take the row once it has landed.
    qtbot.waitUntil(lambda: window.tasks.pending == 0, timeout=10_000)
    row = window.rows[0]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.tabs.setFocus()
    for _ in range(10):
        if QApplication.focusWidget() is row.coming_button:
            break
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is row.coming_button
    with qtbot.waitSignal(window.refreshed, timeout=10_000):
        qtbot.keyClick(row.coming_button, Qt.Key.Key_Space)
    with CentralClient(central.url, token) as client:
        assert str(client.get_help_call(call.call_id).status) == "acknowledged"


def test_desk_rows_are_shown_when_drawn(
    central: DeskSite, desk: Callable[..., DeskWindow], qtbot: Any
) -> None:
    """A refresh redraws the rows: they must be on screen at once (a layout shows a new child
    only at its queued show), or a Tab pressed in between skips them (ci12's failure)."""
    for name in ("Borne 7", "Borne 8"):
        enrol(central, name, central.site)
    window = desk()
    seen: list[list[bool]] = []
    window.refreshed.connect(
        lambda: seen.append(
            [r.isVisible() for r in window.rows]
            + [c.isVisibleTo(window.fleet_host) for c in window.fleet_cards]
        )
    )
    with qtbot.waitSignal(window.refreshed, timeout=10_000):
        window.refresh()
    assert len(seen[0]) == 4 and all(seen[0]), seen


class _RecordingClient:
    """Stands for CentralClient: records what the kiosk sends; the desk never answers."""

    def __init__(self, sent: list[dict[str, Any]]) -> None:
        self.sent = sent

    def post_help_call(self, call: Any) -> Any:
        from contract.protocol import HelpCallState

        self.sent.append(call.model_dump(mode="json"))
        return HelpCallState.model_validate(
            {
                "call_id": str(call.call_id),
                "kiosk_id": "kiosk-test",
                "status": "waiting",
                "waiting_since": "2026-11-27T10:00:00+00:00",
            }
        )

    def get_help_call(self, call_id: Any) -> Any:
        from contract.protocol import HelpCallState

        return HelpCallState.model_validate(
            {
                "call_id": str(call_id),
                "kiosk_id": "kiosk-test",
                "status": "waiting",
                "waiting_since": "2026-11-27T10:00:00+00:00",
            }
        )

    def close_help_call(self, call_id: Any, reason: str) -> Any:
        self.sent.append({"close": str(call_id), "reason": reason})

    def close(self) -> None:
        pass


def test_help_call_in_arabic_is_spoken_mirrored_one_call_and_no_personal_data(
    make_kiosk: Callable[..., Kiosk], qtbot: Any
) -> None:
    from PySide6.QtWidgets import QApplication

    from tests.gui.conftest import IDENTITY

    kiosk = make_kiosk(voice_on=True)
    sent: list[dict[str, Any]] = []
    with attached(kiosk, lambda: _RecordingClient(sent)) as (help_calls, _status):
        kiosk.start()
        kiosk.fill(IDENTITY)  # the applicant typed personal data on this screen
        kiosk.controller.choose_language("ar")
        kiosk.speech.said.clear()
        kiosk.click(kiosk.window.step.header.help_button)
        dialog = kiosk.window.help_dialog
        assert isinstance(dialog, HelpCallDialog)
        assert QApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
        title = kiosk.controller.translator("Appel à l'accueil")
        qtbot.waitUntil(
            lambda: any(title in text and lang == "ar" for text, lang in kiosk.speech.said)
        )
        for btn in (dialog.ok_button, dialog.cancel_button):
            assert btn.accessibleName() and btn.height() >= 44
        qtbot.waitUntil(lambda: bool(sent))
        # "Fermer" closes the message; the call goes on; "Aide" again shows the same call
        kiosk.click(dialog.ok_button)
        qtbot.waitUntil(lambda: not dialog.isVisible())
        first = help_calls.call
        kiosk.click(kiosk.window.step.header.help_button)
        assert help_calls.call is not None and first is not None
        assert help_calls.call.call_id == first.call_id
        assert len([s for s in sent if "call_id" in s]) == 1
        request = sent[0]
        assert set(request) == {"call_id", "screen", "language", "waiting_s"}
        assert request["screen"] == "step" and request["language"] == "ar"
        text = repr(sent)
        for value in IDENTITY.values():
            assert value not in text


def test_help_coming_during_the_inactivity_warning_gives_the_full_time_again(
    kiosk: Kiosk, qtbot: Any
) -> None:
    sent: list[dict[str, Any]] = []
    answer = {"status": "waiting"}

    class Client(_RecordingClient):
        def get_help_call(self, call_id: Any) -> Any:
            state = super().get_help_call(call_id)
            return state.model_copy(update={"status": answer["status"]})

    with attached(kiosk, lambda: Client(sent)) as (help_calls, _status):
        kiosk.start()
        kiosk.click(kiosk.window.step.header.help_button)
        qtbot.waitUntil(lambda: help_calls.call is not None and help_calls.call.status == WAITING)
        kiosk.idle(95)  # no touch while waiting: the inactivity warning comes
        warning = kiosk.window.inactivity_dialog
        assert warning is not None and warning.isVisible()
        answer["status"] = "acknowledged"  # the mediator answers
        qtbot.waitUntil(lambda: help_calls.call.status == ACKNOWLEDGED, timeout=5000)
        qtbot.waitUntil(lambda: kiosk.window.inactivity_dialog is None)
        assert isinstance(kiosk.window.help_dialog, HelpCallDialog)
        assert kiosk.window.help_dialog.isVisible()
        kiosk.idle(60)  # the full time again: no warning yet
        assert (
            kiosk.window.inactivity_dialog is None or not kiosk.window.inactivity_dialog.isVisible()
        )
        assert kiosk.controller.session.procedure is not None  # not wiped
