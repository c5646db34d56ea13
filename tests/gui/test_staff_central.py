"""An assisted session end to end (issue 7): a mediator account made on the real central API
(127.0.0.1), the sign-in through it with the kiosk's token (a wrong PIN, then the right one),
the applicant's consent, the application sealed and delivered by the sync thread, and the
central API showing who helped and the consent record; the audit log there holds every
step, with the kiosk, and no applicant data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import Qt

from contract.catalogue import load_catalogue
from kiosk.config import load_settings
from kiosk.devices.speech import RecordingSpeech
from kiosk.domain.session import Screen
from kiosk.link.connection import utcnow
from kiosk.link.status import KioskStatus
from kiosk.link.sync_runner import SyncThread
from kiosk.staff import Role
from kiosk.store import Store
from kiosk.testing import FakeSealer, MemoryStore
from kiosk.ui.controllers.staff import start_staff
from kiosk.ui.screens.assist import CONSENT_TEXT_VERSION
from tests.e2e.conftest import enrolled_window
from tests.fixtures.walk import choose_procedure, past_contact
from tests.gui.conftest import IDENTITY, STUDENT_RENEWAL, Kiosk, session_window

pytestmark = [pytest.mark.gui, pytest.mark.integration]

PIN = "482913"


def test_assisted_application_reaches_the_central_api_with_the_mediator(
    qtbot: Any, tmp_path: Path, central_server: Any
) -> None:
    made = central_server.admin(
        "POST",
        "/staff",
        json={"identifier": "med-0042", "display_name": "Amina B.", "role": "mediator", "pin": PIN},
    )
    assert made.status_code == 201, made.text
    settings, enrolment = central_server.enrolled_kiosk(tmp_path / "kiosk", "kiosk-assist")
    store = Store.open(settings.db_dir)
    speech = RecordingSpeech()
    controller, window = enrolled_window(qtbot, settings, store, speech)
    status = KioskStatus()
    staff, assist = start_staff(window, controller, settings, None, status)
    kiosk = Kiosk(window, controller, MemoryStore(), FakeSealer(), speech, qtbot)
    sync = SyncThread(settings, store)
    members: list[Any] = []
    try:
        controller.choose_language("es")  # the applicant's language
        staff.request_sign_in({Role.MEDIATOR}, members.append)
        screen = window.signin
        for pin, signal in (("000000", staff.refused), (PIN, staff.signed_in)):
            screen.identifier_row.editor.setText("med-0042")
            screen.pin_row.editor.setText(pin)
            with qtbot.waitSignal(signal, timeout=20_000):
                kiosk.click(screen.sign_in_button)
        assert "faux" not in screen.error.text()  # cleared once signed in
        assert members and members[0].display_name == "Amina B."
        assist.start(members[0])
        with qtbot.waitSignal(assist.started):
            kiosk.click(window.assist_consent.agree_button)
        assert status.state == "assisted"
        kiosk.wait_screen(Screen.PROCEDURE)
        assert window.assist_banner.isVisible()

        choose_procedure(kiosk, "renewal-student")
        kiosk.fill(IDENTITY)
        past_contact(kiosk)
        kiosk.complete_steps(STUDENT_RENEWAL)
        assert window.assist_banner.isVisible()  # on every screen
        kiosk.click(window.documents.continue_button)
        kiosk.wait_screen(Screen.CHECK)
        kiosk.click(window.check.confirm_button)
        kiosk.wait_screen(Screen.CONSENT)
        uuid = controller.session.uuid
        kiosk.click(window.consent.checkbox)
        kiosk.click(window.consent.submit_button)
        kiosk.wait_screen(Screen.RECEIPT)

        sync.start()
        qtbot.waitUntil(
            lambda: (e := store.outbox.entry(uuid)) is not None and e.state == "acknowledged",
            timeout=30_000,
        )
        [app] = central_server.applications()
        assert app["uuid"] == uuid
        assert app["assisted_by"] == "med-0042"
        assisted = app["payload"]["assisted"]
        assert assisted["mediator_id"] == "med-0042"
        assert assisted["consent_text_version"] == CONSENT_TEXT_VERSION
        assert assisted["consent_language"] == "es"
        assert assisted["consent_at"]

        # The end: "Terminer" on the receipt wipes the session and signs the mediator out.
        kiosk.click(window.receipt.finish_button)
        kiosk.wait_screen(Screen.WELCOME)
        assert not window.assist_banner.isVisible()
        assert staff.current is None and controller.assistance is None
        assert status.state != "assisted"

        def audit() -> list[dict[str, Any]]:
            resp = central_server.admin("GET", "/staff/audit", params={"actor": "med-0042"})
            resp.raise_for_status()
            return list(reversed(resp.json()))

        expected = ["sign_in_failed", "sign_in", "assist_start", "assist_end", "sign_out"]
        qtbot.waitUntil(lambda: [e["action"] for e in audit()] == expected, timeout=20_000)
        entries = audit()
        assert {e["kiosk_id"] for e in entries} == {enrolment.kiosk_id}
        logged = repr(entries)
        for value in (IDENTITY["surname"], IDENTITY["passport_number"], PIN):
            assert value not in logged
    finally:
        sync.stop()
        controller.shutdown()
        store.close()


def test_sign_in_is_refused_when_the_central_api_is_down(qtbot: Any, tmp_path: Path) -> None:
    """No network: a clear message, no offline PIN check (no hash on the kiosk)."""
    settings = load_settings(
        overrides={"data_dir": tmp_path / "kiosk", "central_url": "http://127.0.0.1:9"},
        environ={},
    )
    settings.enrolment_file.parent.mkdir(parents=True)
    settings.enrolment_file.write_text(
        '{"kiosk_id": "k", "token": "t", "server_url": "http://127.0.0.1:9", '
        '"public_key": "AAAA", "sealing_format": 1}'
    )
    controller, window = session_window(
        catalogue=load_catalogue(),
        store=MemoryStore(),
        sealer=FakeSealer(),
        kiosk_id=lambda: "k",
        speech=RecordingSpeech(),
        clock=utcnow,
    )
    qtbot.addWidget(window)
    window.show()
    staff, _assist = start_staff(window, controller, settings)
    try:
        staff.request_sign_in({Role.MEDIATOR}, lambda _m: None)
        window.signin.identifier_row.editor.setText("med-0042")
        window.signin.pin_row.editor.setText(PIN)
        with qtbot.waitSignal(staff.refused, timeout=20_000) as blocker:
            qtbot.mouseClick(window.signin.sign_in_button, Qt.MouseButton.LeftButton)
        assert blocker.args == ["unavailable"]
        assert "serveur" in window.signin.error.text()
        assert not any(settings.data_dir.rglob("*argon2*"))
    finally:
        controller.shutdown()


def test_the_demo_central_api_has_demo_staff_accounts(tmp_path: Path) -> None:
    from kiosk.link.demo_central import DemoCentral

    demo = DemoCentral(tmp_path / "central")
    demo.start()
    try:
        assert demo.wait_ready(timeout=60)
        resp = requests.get(
            f"{demo.url}/v1/admin/staff",
            headers={"Authorization": f"Bearer {demo.admin_token}"},
            timeout=10,
        )
        resp.raise_for_status()
        roles = {a["identifier"]: a["role"] for a in resp.json()}
        assert roles == {"med-demo": "mediator", "adm-demo": "staff"}
    finally:
        demo.stop()
