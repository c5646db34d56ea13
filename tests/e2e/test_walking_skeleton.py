"""End to end: the real screens, the real encrypted store, HPKE sealing with the key the
central API gave at enrolment, the app's sync thread, and the real central API on
127.0.0.1. What the applicant typed must arrive exactly once, whatever is repeated."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QTextEdit

from contract.protocol import ApplicationUpload
from kiosk.devices.speech import RecordingSpeech
from kiosk.domain.session import Screen
from kiosk.link.connection import utcnow
from kiosk.link.sync_runner import SyncThread
from kiosk.testing import FakeSealer, MemoryStore
from sync.client import CentralClient
from tests.e2e.conftest import enrolled_window
from tests.gui.conftest import CONTACT, IDENTITY, Kiosk

pytestmark = [pytest.mark.gui, pytest.mark.integration]


def visible_texts(window) -> list[str]:  # type: ignore[no-untyped-def]
    texts = []
    for w in window.findChildren(QLineEdit):
        texts.append(w.text())
    for w in window.findChildren(QLabel):
        texts.append(w.text())
    for w in window.findChildren(QComboBox):
        texts.append(w.currentText())
    for w in window.findChildren(QTextEdit):
        texts.append(w.toPlainText())
    return texts


def test_application_arrives_once_with_the_typed_answers(qtbot, kiosk_env, central_server) -> None:  # type: ignore[no-untyped-def]
    settings, store, enrolment = kiosk_env
    controller, window = enrolled_window(qtbot, settings, store)
    sync = SyncThread(settings, store)
    kiosk = Kiosk(window, controller, MemoryStore(), FakeSealer(), RecordingSpeech(), qtbot)
    try:
        kiosk.to_consent()
        uuid = controller.session.uuid
        kiosk.click(window.consent.checkbox)
        # A double tap on "send" must not make two applications.
        kiosk.click(window.consent.submit_button)
        if window.consent.submit_button.isVisible() and window.consent.submit_button.isEnabled():
            kiosk.click(window.consent.submit_button)
        kiosk.wait_screen(Screen.RECEIPT)
        entry = store.outbox.entry(uuid)
        assert entry is not None and entry.state == "sealed"
        assert window.receipt.reference.text() == entry.local_reference
        # Nothing personal in the outbox: the package is sealed.
        assert IDENTITY["surname"].encode() not in entry.sealed

        sync.start()
        qtbot.waitUntil(
            lambda: (e := store.outbox.entry(uuid)) is not None and e.state == "acknowledged",
            timeout=20_000,
        )
        received = central_server.applications()
        assert len(received) == 1
        app = received[0]
        assert app["uuid"] == uuid
        answers = app["payload"]["answers"]
        assert answers["surname"] == IDENTITY["surname"]
        assert answers["given_names"] == IDENTITY["given_names"]
        assert answers["birth_date"] == "2001-12-31"
        assert answers["nationality"] == "MA"
        assert answers["passport_number"] == IDENTITY["passport_number"]
        assert answers["address_line"] == CONTACT["address_line"]
        assert answers["postal_code"] == CONTACT["postal_code"]
        assert answers["phone"] == "+33647112358"
        assert answers["email"] == ""
        assert app["payload"]["kiosk_id"] == enrolment.kiosk_id
        central_ref = store.outbox.entry(uuid).central_reference
        assert central_ref and app["central_reference"] == central_ref

        # Sync again, and deliver the very same package again (a lost acknowledgement):
        # still one application, same central reference.
        sync.wake()
        store.outbox.enqueue(
            uuid, "renewal-student", b"another try", utcnow()
        )  # idempotent: ignored
        entry = store.outbox.entry(uuid)
        with CentralClient(central_server.url, enrolment.token) as client:
            receipt = client.put_application(
                ApplicationUpload.build(
                    uuid=uuid,
                    procedure_id=entry.procedure_id,
                    kiosk_reference=entry.local_reference,
                    created_at=entry.created_at,
                    sealing_format=1,
                    sealed=entry.sealed,
                )
            )
        assert receipt.central_reference == central_ref
        assert len(central_server.applications()) == 1

        # The applicant leaves: the welcome screen and every screen hold none of their data.
        kiosk.click(window.receipt.finish_button)
        kiosk.wait_screen(Screen.WELCOME)
        texts = "\n".join(visible_texts(window))
        for secret in (
            IDENTITY["surname"],
            IDENTITY["passport_number"],
            "47 11 23 58",
            "+33647112358",
            entry.local_reference,
        ):
            assert secret not in texts
        assert controller.session.answers == {}
        assert store.drafts.load(uuid) is None
    finally:
        sync.stop()
        controller.shutdown()
