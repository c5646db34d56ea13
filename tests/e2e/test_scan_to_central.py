"""End to end with the camera: the real screens and scan controller on the fake camera, the
real encrypted store, HPKE sealing with the key the central API gave at enrolment, the
app's sync thread, and the real central API on 127.0.0.1. The passport's MRZ fills the
identity; the pages photographed arrive once each, and unseal to the very bytes taken."""

from __future__ import annotations

import pytest

from kiosk.devices.camera import FakeCamera
from kiosk.devices.speech import RecordingSpeech
from kiosk.domain.session import Screen
from kiosk.link.connection import utcnow
from kiosk.link.sync_runner import SyncThread
from kiosk.scan import synthetic as syn
from kiosk.testing import FakeSealer, MemoryStore
from kiosk.ui.camera_view import CameraFeed
from kiosk.ui.controllers.ports import ScannerPorts
from kiosk.ui.controllers.scanner import ScanController
from tests.e2e.conftest import enrolled_window
from tests.fixtures.walk import choose_procedure, past_contact, submit_from_documents
from tests.gui.conftest import STUDENT_RENEWAL, Kiosk
from tests.gui.test_scan_flow import FRAME, KABONGO, letter_frame, passport_frame

pytestmark = [pytest.mark.gui, pytest.mark.integration]
WAIT = 30_000


KIOSK_NAME = "kiosk-e2e-scan"  # the kiosk_env fixture's (tests/e2e/conftest.py)


def test_photographed_pages_arrive_once_and_unsealed_equal(  # type: ignore[no-untyped-def]
    qtbot, kiosk_env, central_server
) -> None:
    settings, store, _enrolment = kiosk_env
    controller, window = enrolled_window(qtbot, settings, store)
    camera = FakeCamera([passport_frame()], fps=12)
    scanner = ScanController(controller, ScannerPorts(CameraFeed(camera), frames_required=3))
    controller.scanner_slot.provide(scanner)
    scanner.warm_up()  # as at start-up: the MRZ model is trained once per process
    qtbot.waitUntil(lambda: scanner._reader is not None, timeout=120_000)
    taken: dict[tuple[str, int], bytes] = {}
    scanner.document_captured.connect(lambda d, p, jpeg: taken.__setitem__((d, p), jpeg))
    sync = SyncThread(settings, store)
    k = Kiosk(window, controller, MemoryStore(), FakeSealer(), RecordingSpeech(), qtbot)

    def review() -> None:
        qtbot.waitUntil(lambda: window.scan.reviewing and scanner._jpeg is not None, timeout=WAIT)

    try:
        k.click(window.welcome.start_button)
        k.wait_screen(Screen.PROCEDURE)
        # A page left in the store under this application (as after "save and resume
        # later"): photographing the document again starts from its first page.
        old_page = (controller.session.uuid, "residence_permit", 2, b"\xff\xd8\xffold")
        store.pages.add(*old_page, utcnow())
        choose_procedure(k, "renewal-student", first=Screen.SCAN)
        review()
        qtbot.waitUntil(lambda: controller.session.identity_read is not None, timeout=WAIT)
        k.click(window.scan.accept_button)
        k.wait_screen(Screen.STEP)
        assert window.step.values()["passport_number"] == KABONGO.document_number
        past_contact(k)
        k.complete_steps(STUDENT_RENEWAL)
        camera.show([letter_frame()])
        k.click(window.documents.continue_button)
        k.wait_screen(Screen.SCAN)
        review()
        k.click(window.scan.accept_button)
        camera.show([syn.empty(FRAME)])
        while controller.session.screen is Screen.SCAN:
            qtbot.waitUntil(
                lambda: (
                    controller.session.screen is not Screen.SCAN
                    or (window.scan.skip_button.isVisible() and not window.scan.reviewing)
                ),
                timeout=WAIT,
            )
            if controller.session.screen is Screen.SCAN:
                k.click(window.scan.skip_button)
                assert window.scan.skip_dialog is not None  # asked first
                k.click(window.scan.skip_dialog.confirm_button)
        k.wait_screen(Screen.DOCUMENTS)
        uuid = controller.session.uuid
        # The pages wait in the encrypted store, nowhere in clear.
        qtbot.waitUntil(lambda: len(store.pages.of(uuid)) == 2, timeout=WAIT)
        assert {(p.document_id, p.page_no) for p in store.pages.of(uuid)} == set(taken)
        submit_from_documents(k)
        entry = store.outbox.entry(uuid)
        assert entry is not None and len(entry.attachments) == 2
        assert store.pages.of(uuid) == []  # sealed with the application, the clear copies gone

        sync.start()
        qtbot.waitUntil(
            lambda: (e := store.outbox.entry(uuid)) is not None and e.state == "acknowledged",
            timeout=WAIT,
        )
        sync.wake()  # another round changes nothing
        received = [a for a in central_server.applications() if a["uuid"] == uuid]
        assert len(received) == 1
        app = received[0]
        assert app["payload"]["answers"]["surname"] == "Kabongo"
        assert app["payload"]["answers"]["passport_number"] == KABONGO.document_number
        refs = app["payload"]["attachments"]
        assert sorted((r["document_id"], r["page_no"]) for r in refs) == sorted(taken)
        assert len({r["sha256"] for r in refs}) == len(refs) == len(app["attachments"])
        for ref in refs:
            resp = central_server.admin("GET", f"/applications/{uuid}/attachments/{ref['sha256']}")
            assert resp.status_code == 200
            assert resp.content == taken[(ref["document_id"], ref["page_no"])]
            assert resp.headers["content-type"] == "image/jpeg"
        assert {"passport", "residence_permit"} <= {r["document_id"] for r in refs}
    finally:
        sync.stop()
        scanner.clear()
        controller.shutdown()
