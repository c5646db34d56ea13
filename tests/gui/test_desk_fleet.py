"""The desk a fleet manager can work from (issue 16, problems 2 and 7), against the real
central API process: last contact with its date, last successful sync, the out-of-service
message and who set it, who assists, the printer's fault in words; remote actions with their
outcome; a new call rings and shows a badge; "help is on its way" after "J'arrive"; stale
data said to be stale, with its age, when the central API stops answering."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from contract.commands import OUT_OF_SERVICE_MESSAGES, KioskAction
from contract.protocol import DeskState, HelpCallRequest
from kiosk.desk.client import DeskClient
from kiosk.desk.window import SCREEN_NAMES, DeskWindow
from kiosk.domain.session import Screen
from kiosk.link.desk_commands import fetch_commands, report_command
from sync.client import CentralClient
from tests.fixtures.central import desk_central, stop_central
from tests.gui.desk_fixtures import DeskSite
from tests.gui.test_help_call import DESK_TOKEN, SITE, enrol, heartbeat

pytestmark = pytest.mark.gui


@pytest.fixture
def own_central(tmp_path: Path) -> Iterator[DeskSite]:
    """A server of the test's own, for the test that stops it (the others share the
    module's: ``central``, a site each)."""
    with desk_central(tmp_path / "central", DESK_TOKEN, SITE) as server:
        yield DeskSite(server, SITE, DESK_TOKEN)


@contextlib.contextmanager
def desk_of(qtbot: Any, central: DeskSite) -> Iterator[tuple[DeskWindow, list[int]]]:
    rings: list[int] = []
    window = DeskWindow(
        DeskClient(central.url, central.desk_token, desk_name="accueil-1"),
        refresh_ms=200,
        ring=lambda: rings.append(1),
    )
    qtbot.addWidget(window)
    window.resize(1280, 960)
    window.show()
    try:
        yield window, rings
    finally:
        window.shutdown()


@pytest.fixture
def desk(qtbot: Any, central: DeskSite) -> Iterator[tuple[DeskWindow, list[int]]]:
    with desk_of(qtbot, central) as desk:
        yield desk


@pytest.fixture
def own_desk(qtbot: Any, own_central: DeskSite) -> Iterator[tuple[DeskWindow, list[int]]]:
    with desk_of(qtbot, own_central) as desk:
        yield desk


def test_the_fleet_shows_what_a_manager_needs_and_acts_remotely(
    central: DeskSite, desk: tuple[DeskWindow, list[int]], qtbot: Any
) -> None:
    window, _rings = desk
    _a_id, a_token = enrol(central, "Borne A", central.site)
    b_id, b_token = enrol(central, "Borne B", central.site)
    synced = "2026-12-06T09:30:00+00:00"
    heartbeat(
        central, a_token, central.site, state="out_of_service", out_of_service_message="Travaux jusqu'à 14 h",
        out_of_service_by="adm-0007", last_sync_ok_at=synced,
    )  # fmt: skip
    heartbeat(
        central, b_token, central.site, state="assisted", assisted_by="Karim Haddad",
        device_health={"printer": "fault: no paper"},
    )  # fmt: skip
    window.start()
    qtbot.waitUntil(lambda: len(window.fleet_cards) == 2, timeout=10_000)
    cards = {c.kiosk.name: c for c in window.fleet_cards}
    contact = cards["Borne A"].value("Dernier contact")
    today = dt.datetime.now().astimezone().strftime("%d/%m/%Y")
    assert contact.startswith(today), contact  # with its date
    last_sync = dt.datetime.fromisoformat(synced).astimezone().strftime("%d/%m/%Y %H:%M")
    assert cards["Borne A"].value("Dernier envoi réussi").startswith(last_sync)
    assert cards["Borne B"].value("Dernier envoi réussi") == "jamais"
    oos = cards["Borne A"].out_of_service
    assert not oos.isHidden() and "Travaux jusqu'à 14 h" in oos.text() and "adm-0007" in oos.text()
    assert cards["Borne B"].value("État") == "Session accompagnée par Karim Haddad"
    assert cards["Borne B"].value("Appareils en panne") == "imprimante (no paper)"
    rows = {r.kiosk.name: r for r in window.rows}
    assert rows["Borne B"].state.text() == "Session accompagnée par Karim Haddad"
    assert "Travaux jusqu'à 14 h" in rows["Borne A"].state.text()

    # Remote action: end B's session; the desk asks to confirm first.
    window.tabs.setCurrentIndex(1)
    window.action_kiosk.setCurrentIndex(window.action_kiosk.findData(b_id))
    window.action_choice.setCurrentIndex(
        window.action_choice.findData(KioskAction.END_SESSION.value)
    )
    assert not window.action_reason.isEnabled()  # a message only for out of service
    window.action_by.setText("Claire Martin")
    qtbot.mouseClick(window.action_send, Qt.MouseButton.LeftButton)
    assert window.action_send.text() == "Confirmer : terminer la session de Borne B"
    qtbot.mouseClick(window.action_send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.sent is not None, timeout=10_000)
    assert window.action_result.text().startswith("En attente de Borne B")
    with CentralClient(central.url, b_token) as kiosk_b:
        [asked] = fetch_commands(kiosk_b)
        assert asked.by == "Claire Martin (accueil-1)"
        report_command(kiosk_b, asked.command_id, True, "session terminée")
    qtbot.waitUntil(lambda: window.action_result.text().startswith("Fait par"), timeout=10_000)
    assert window.action_result.text() == (
        "Fait par Borne B : Terminer la session en cours. session terminée"
    )
    # Out of service takes a template; the kiosk A had its own message, B now gets one.
    window.action_choice.setCurrentIndex(
        window.action_choice.findData(KioskAction.OUT_OF_SERVICE.value)
    )
    assert window.action_reason.isEnabled() and window.action_reason.count() == 4
    qtbot.mouseClick(window.action_send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.sent is not None and window.sent[2].action is KioskAction.OUT_OF_SERVICE, timeout=10_000)  # fmt: skip
    with CentralClient(central.url, b_token) as kiosk_b:
        [asked] = fetch_commands(kiosk_b)
    assert asked.reason == window.action_reason.currentData()
    assert asked.message == OUT_OF_SERVICE_MESSAGES[asked.reason]


def test_a_new_call_rings_with_a_badge_help_on_its_way_and_stale_data(
    own_central: DeskSite, own_desk: tuple[DeskWindow, list[int]], qtbot: Any
) -> None:
    window, rings = own_desk
    _kiosk_id, token = enrol(own_central, "Borne C")
    heartbeat(own_central, token, state="in_use")
    window.start()
    qtbot.waitUntil(lambda: bool(window.kiosks), timeout=10_000)
    assert rings == [] and window.badge.isHidden()
    with CentralClient(own_central.url, token) as client:
        call = client.post_help_call(HelpCallRequest(call_id=secrets.token_hex(16)))
    qtbot.waitUntil(lambda: bool(window.calls()), timeout=10_000)
    assert rings == [1]
    assert not window.badge.isHidden() and window.badge.text() == "1 appel en attente"
    assert window.tabs.tabText(0) == "Bornes (1)"
    with qtbot.waitSignal(window.refreshed, timeout=10_000):
        pass
    assert rings == [1]  # the same call rings once
    window.acknowledge(str(call.call_id))
    qtbot.waitUntil(
        lambda: bool(window.kiosks) and window.kiosks[0].state is DeskState.HELP_COMING,
        timeout=10_000,
    )
    assert window.heading.text() == "Aucun appel en attente. Aide en route pour 1 borne."
    assert window.badge.isHidden() and window.tabs.tabText(0) == "Bornes"
    # The central API stops: what is shown is old, and says so.
    stop_central(own_central.server.process)
    with qtbot.waitSignal(window.failed, timeout=20_000) as blocker:
        pass
    assert "ces informations datent de" in blocker.args[0] and "il y a" in blocker.args[0]
    assert window.heading.text() == "Appels à l'aide inconnus : le serveur central ne répond pas."
    assert all(not row.isEnabled() for row in window.rows)
    assert not window.action_send.isEnabled()


def test_a_days_history_of_a_kiosk_opens_from_its_card(
    central: DeskSite, desk: tuple[DeskWindow, list[int]], qtbot: Any
) -> None:
    window, _rings = desk
    _kiosk_id, token = enrol(central, "Borne D", central.site)
    for extra in (
        {"state": "idle"},
        {"state": "assisted", "assisted_by": "Karim Haddad"},
        {"state": "out_of_service", "out_of_service_message": "Travaux"},
    ):
        heartbeat(central, token, central.site, **extra)
    window.start()
    qtbot.waitUntil(lambda: bool(window.fleet_cards), timeout=10_000)
    window.tabs.setCurrentIndex(1)
    card = window.fleet_cards[0]
    assert card.history_button.accessibleName() == "Historique de la journée : Borne D"
    with qtbot.waitSignal(window.history_shown, timeout=10_000) as shown:
        qtbot.mouseClick(card.history_button, Qt.MouseButton.LeftButton)
    dialog = shown.args[0]
    texts = [line.text().split(" — ", 1)[1] for line in dialog.lines]
    assert texts == ["Libre", "Session accompagnée par Karim Haddad", "Hors service : « Travaux »"]
    dialog.close_button.click()


def test_the_desk_names_every_screen_of_the_kiosk() -> None:
    """A kiosk's screen the desk has no name for showed as its raw id ("before")."""
    assert {s.value for s in Screen} <= set(SCREEN_NAMES)


def test_a_kiosk_card_says_its_backlog_as_a_sentence_of_its_own(qtbot: Any) -> None:
    """The card's last line ran the backlog on from the time of the last contact
    ("Dernier contact : 15:36:24 3 demandes pas encore envoyées")."""
    from contract.protocol import DeskKiosk
    from kiosk.desk.window import KioskRow
    from kiosk.i18n import Translator

    seen = dt.datetime(2026, 12, 6, 15, 36, 24, tzinfo=dt.UTC)
    kiosk = DeskKiosk(
        kiosk_id="k5", name="Annexe — borne 5", state=DeskState.OFFLINE, online=False,
        last_contact=seen, backlog=3,
    )  # fmt: skip
    row = KioskRow(kiosk, Translator("fr"))
    qtbot.addWidget(row)
    text = row.detail.text()
    assert text.startswith("Dernier contact : ") and text.endswith(
        ". 3 demandes pas encore envoyées."
    ), text
    one = KioskRow(kiosk.model_copy(update={"backlog": 1, "last_contact": None}), Translator("fr"))
    qtbot.addWidget(one)
    assert one.detail.text().endswith(". 1 demande pas encore envoyée."), one.detail.text()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "imprimante (file CUPS k : plus de papier), caméra, horloge (fault-ish)"),
        ("en", "printer (file CUPS k : plus de papier), camera, clock (fault-ish)"),
    ],
)
def test_a_fleet_card_names_the_faulty_devices_in_the_desks_language(
    qtbot: Any, language: str, expected: str
) -> None:
    """It showed the heartbeat's words: "printer (fault: no paper)" on a French desk."""
    from contract.protocol import FleetKiosk
    from kiosk.desk.window import FleetCard
    from kiosk.i18n import Translator

    kiosk = FleetKiosk(
        kiosk_id="k", name="Hall B — borne 4", revoked=False, software_version="0.1.0",
        state=DeskState.IDLE, online=True, last_contact=None,
        device_faults=["printer", "camera", "clock"],
        device_health={"printer": "fault: file CUPS k : plus de papier", "camera": "fault",
                       "clock": "fault: fault-ish"},
    )  # fmt: skip
    card = FleetCard(kiosk, Translator(language))
    qtbot.addWidget(card)
    assert card.value("Appareils en panne") == expected
