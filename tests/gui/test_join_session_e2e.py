"""A mediator joins a session in progress, end to end (issue 16, "What must be shown"): an
applicant halfway through asks for help; the desk (its own desk token) sees the call and
answers "J'arrive"; the mediator reaches the kiosk in use with the staff gesture at tapping
speed, signs in through the real central API, the applicant consents in their language;
the mediator helps with one step and hands back; the applicant finishes alone and submits.
The application the central API received records the assisted part, with its consent, and
the mediator matched to an assisted session of that kiosk."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from contract.catalogue import load_catalogue
from contract.protocol import DeskState
from kiosk.desk.client import DeskClient
from kiosk.desk.window import DeskWindow
from kiosk.devices.speech import RecordingSpeech
from kiosk.domain.session import Screen
from kiosk.link.connection import utcnow
from kiosk.link.help_call import ACKNOWLEDGED, HelpCallLink
from kiosk.link.sealer import Sealer
from kiosk.link.status import KioskStatus
from kiosk.link.sync_runner import SyncThread
from kiosk.store import Store
from kiosk.testing import FakeMonotonic, FakeSealer, MemoryStore
from kiosk.ui.compose import AdminParts
from kiosk.ui.controllers.help_call import attach_help_calls
from kiosk.ui.controllers.ports import HelpCallPorts
from kiosk.ui.controllers.staff import start_staff
from kiosk.ui.screens.assist import CONSENT_TEXT_VERSION
from sync.client import CentralClient
from tests.fixtures.central import start_central, stop_central
from tests.fixtures.walk import submit_from_documents
from tests.gui.conftest import CONTACT, IDENTITY, STUDENT_RENEWAL, Kiosk, session_kiosk
from tests.gui.test_staff_gesture import real_taps

pytestmark = [pytest.mark.gui, pytest.mark.integration]

PIN = "735184"
DESK_TOKEN = secrets.token_urlsafe(16)
SITE = "Préfecture"


def test_an_applicant_asks_a_mediator_joins_helps_hands_back_and_it_is_recorded(
    qtbot: Any, tmp_path: Path
) -> None:
    central = start_central(
        tmp_path / "central", env={"KIOSK_CENTRAL_DESK_TOKENS": f"{DESK_TOKEN} {SITE}"}
    )
    made = central.admin(
        "POST",
        "/staff",
        json={"identifier": "med-0042", "display_name": "Karim Haddad", "role": "mediator",
              "pin": PIN},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    settings, enrolment = central.enrolled_kiosk(tmp_path / "kiosk", "Borne hall A", site_name=SITE)
    store = Store.open(settings.db_dir)
    speech = RecordingSpeech()
    status = KioskStatus()
    sync = SyncThread(settings, store, status=status)
    # Admin mode through the composition root; staff sign-in on the central API started
    # after it and provided through its slot, as kiosk.app does.
    built = session_kiosk(
        catalogue=load_catalogue(),
        store=store,
        sealer=Sealer(settings.enrolment_file),
        kiosk_id=lambda: enrolment.kiosk_id,
        speech=speech,
        clock=utcnow,
        # The staff gesture's clock: five quick taps stay quick on a loaded machine.
        admin_parts=AdminParts(
            settings, store, options={"sync": sync, "status": status, "monotonic": FakeMonotonic()}
        ),
    )
    controller, window, admin = built.session, built.window, built.admin
    assert admin is not None and built.staff_slot is not None
    qtbot.addWidget(window)
    window.resize(1280, 1024)
    window.show()
    staff, assist = start_staff(window, controller, settings, None, status)
    built.staff_slot.provide((staff, assist))

    def link(on_update: Any) -> HelpCallLink:
        return HelpCallLink(
            lambda: CentralClient(central.url, enrolment.token), on_update,
            poll_s=0.2, retry_s=0.2,
        )  # fmt: skip

    help_calls = attach_help_calls(controller, HelpCallPorts(link, status))
    kiosk = Kiosk(window, controller, MemoryStore(), FakeSealer(), speech, qtbot)
    desk = DeskWindow(DeskClient(central.url, DESK_TOKEN, desk_name="accueil-1"), refresh_ms=200,
                      ring=lambda: None)  # fmt: skip
    qtbot.addWidget(desk)
    try:
        # Halfway: identity answered, typing the address, in Spanish.
        controller.choose_language("es")
        kiosk.start()
        kiosk.fill(IDENTITY)
        kiosk.click(window.step.continue_button)
        qtbot.waitUntil(lambda: window.step.step is not None and window.step.step.id == "contact")
        kiosk.fill({"address_line": CONTACT["address_line"]})
        uuid = controller.session.uuid
        sync.runner.round()  # a heartbeat: the desk knows the kiosk and its site

        # The applicant asks for help; the desk answers.
        kiosk.click(window.step.header.help_button)
        desk.start()
        qtbot.waitUntil(lambda: bool(desk.calls()), timeout=15_000)
        row = desk.rows[0]
        assert row.kiosk.kiosk_id == enrolment.kiosk_id and row.coming_button is not None
        qtbot.mouseClick(row.coming_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: help_calls.call is not None and help_calls.call.status == ACKNOWLEDGED,
            timeout=15_000,
        )
        if window.help_dialog is not None and window.help_dialog.isVisible():
            window.help_dialog.close()

        # The mediator arrives: the gesture at tapping speed, sign-in over the application.
        real_taps(kiosk)
        assert window.stack.currentWidget() is window.signin
        window.signin.identifier_row.input.setText("med-0042")
        window.signin.pin_row.input.setText(PIN)
        with qtbot.waitSignal(staff.signed_in, timeout=20_000):
            window.signin.sign_in_button.click()
        consent = window.assist_consent
        assert window.stack.currentWidget() is consent and consent.joining.isVisible()
        assert controller.translator.code == "es"  # asked in the applicant's language
        kiosk.click(consent.agree_button)
        assert kiosk.screen() is Screen.STEP and window.step.step.id == "contact"
        assert window.step.values()["address_line"] == CONTACT["address_line"]  # kept
        sync.runner.round()
        qtbot.waitUntil(
            lambda: any(k.assisted_by == "Karim Haddad" for k in desk.kiosks), timeout=15_000
        )

        # One step with the mediator, then the help ends and the applicant carries on.
        kiosk.fill(CONTACT)
        kiosk.click(window.step.continue_button)
        qtbot.waitUntil(lambda: window.step.step is not None and window.step.step.id != "contact")
        kiosk.click(window.assist_banner.end_button)
        assert window.stack.currentWidget() is window.assist_end
        assert window.assist_end.continue_button.isDefault()
        kiosk.click(window.assist_end.continue_button)
        assert staff.current is None and kiosk.screen() is Screen.STEP

        kiosk.complete_steps(STUDENT_RENEWAL)
        submit_from_documents(kiosk)
        assert controller.session.uuid == uuid  # one application, from start to end

        sync.start()
        qtbot.waitUntil(
            lambda: (e := store.outbox.entry(uuid)) is not None and e.state == "acknowledged",
            timeout=30_000,
        )
        [app] = central.applications()
        assert app["assisted_by"] == "med-0042"  # matched to the kiosk's assisted session
        assert app["validity"] == "valid", app.get("problems")
        assisted = app["payload"]["assisted"]
        assert assisted["joined_in_progress"] is True
        assert assisted["consent_language"] == "es"
        assert assisted["consent_text_version"] == CONSENT_TEXT_VERSION
        [part] = assisted["parts"]
        assert part["from_screen"] == "step:contact" and part["until_screen"] != "step:contact"
        assert part["ended_by"] == "handed_back" and part["mediator_id"] == "med-0042"
        qtbot.waitUntil(
            lambda: bool(desk.kiosks) and desk.kiosks[0].state is not DeskState.ASSISTED,
            timeout=15_000,
        )
    finally:
        desk.shutdown()
        help_calls.shutdown()
        sync.stop()
        admin.lockdown.remove()
        controller.shutdown()
        store.close()
        stop_central(central.process)
