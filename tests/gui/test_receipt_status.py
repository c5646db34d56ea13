"""The receipt screen's paper and screen, and "Suivre ma demande" (issue 8), driven through
the real screens: printing with the fake printer, the printer absent or out of paper (a
spoken message, the receipt shown on screen instead), and the status looked up against the
real central API on 127.0.0.1 — by the receipt's QR code shown to the fake camera, and by
the reference and date of birth typed."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import load_settings
from kiosk.devices.camera import FakeCamera
from kiosk.devices.printer import MESSAGES, FakePrinter, PrinterState
from kiosk.domain.session import Screen
from kiosk.i18n import Translator
from kiosk.link.status_service import StatusService
from kiosk.render.receipt_pdf import render_images
from kiosk.ui.compose import ReceiptDevices
from kiosk.ui.controllers.receipt import ATTESTATION_BIRTH, receipt_camera_frame
from kiosk.ui.screens.status import STATUS_NOT_FOUND, STATUS_TEXT
from sync.client import CentralClient
from sync.enrolment import enrol
from tests.fixtures.central import CentralServer, make_upload, sample_payload
from tests.fixtures.receipts import REFERENCE, SECRET
from tests.fixtures.receipts import receipt as sample_receipt
from tests.gui.conftest import NOW, Kiosk

pytestmark = pytest.mark.gui


def said(kiosk: Kiosk) -> list[tuple[str, str]]:
    return [(r.text, r.language) for r in kiosk.speech.requests if r.action == "say"]


# --- printing ---------------------------------------------------------------------------------


def test_receipt_prints_by_itself_and_again_on_request(
    make_kiosk: Callable[..., Kiosk], tmp_path: Path
) -> None:
    printer = FakePrinter(tmp_path / "receipts", keep_image=False)
    kiosk = make_kiosk(
        voice_on=True,
        receipt=ReceiptDevices(printer),
        auto_print=True,
        site_name="Préfecture de test",
    )
    kiosk.to_receipt()
    screen = kiosk.window.receipt
    kiosk.qtbot.waitUntil(lambda: len(printer.printed) == 1, timeout=20_000)
    kiosk.qtbot.waitUntil(screen.print_button.isEnabled)
    done = Translator("fr")(MESSAGES[PrinterState.READY])
    assert screen.print_status.text() == done and screen.print_status.isVisible()
    assert (done, "fr") in said(kiosk)
    reference = screen.reference.text()
    text = subprocess.run(
        ["pdftotext", str(printer.printed[0]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert reference in text and "Préfecture de test" in text
    assert "Benkirane" not in text and "31/12/2001" not in text  # no identity on paper
    kiosk.click(screen.print_button)
    kiosk.qtbot.waitUntil(lambda: len(printer.printed) == 2, timeout=20_000)


@pytest.mark.parametrize("state", [PrinterState.ABSENT, PrinterState.NO_PAPER, None])
def test_printer_trouble_is_said_and_the_receipt_shown_on_screen(
    make_kiosk: Callable[..., Kiosk], tmp_path: Path, state: PrinterState | None
) -> None:
    printer = FakePrinter(tmp_path, state=state) if state is not None else None
    # Voice off: the message is spoken anyway.
    kiosk = make_kiosk(receipt=ReceiptDevices(printer), auto_print=True)
    kiosk.to_receipt()
    screen = kiosk.window.receipt
    message = Translator("fr")(MESSAGES[state or PrinterState.ABSENT])
    kiosk.qtbot.waitUntil(lambda: screen.print_status.text() == message, timeout=20_000)
    assert screen.print_status.property("role") == "error"
    assert (message, "fr") in said(kiosk)
    assert kiosk.window.focusWidget() is screen.show_button  # the way out, focused
    assert not list(tmp_path.glob("*.pdf"))
    kiosk.click(screen.show_button)
    kiosk.qtbot.waitUntil(screen.preview.isVisible, timeout=20_000)
    assert not screen.preview.pixmap().isNull()
    assert screen.preview.pixmap().width() >= 320
    assert screen.reference.text() in screen.preview.accessibleName()
    # "Terminer": the next applicant sees none of it.
    kiosk.click(screen.finish_button)
    kiosk.wait_screen(Screen.WELCOME)
    assert not screen.preview.isVisibleTo(kiosk.window) and not screen.print_status.text()


# --- status at the kiosk ------------------------------------------------------------------------


def _deliver(central: CentralServer, tmp_path: Path) -> dict[str, Any]:
    """An application delivered by another kiosk, with this receipt's reference and secret,
    then taken up by the prefecture."""
    client = CentralClient(central.url)
    enrolment = enrol(client, central.new_enrolment_code(), "kiosk-a", tmp_path / "a.json")
    payload = sample_payload(enrolment.kiosk_id)
    payload["receipt_secret"] = SECRET
    upload = make_upload(enrolment.public_key, payload, kiosk_reference=REFERENCE)
    receipt = client.put_application(upload)
    client.close()
    resp = central.admin(
        "POST", f"/applications/{upload.uuid}/status", json={"status": "being_examined"}
    )
    resp.raise_for_status()
    return {"central": receipt.central_reference, "answers": payload["answers"]}


def _status_service(central: CentralServer, tmp_path: Path) -> StatusService:
    """This kiosk's link to the central API (its own enrolment)."""
    settings = load_settings(
        overrides={"data_dir": tmp_path / "kiosk-b", "central_url": central.url}, environ={}
    )
    settings.data_dir.mkdir(parents=True)
    client = CentralClient(central.url)
    enrol(client, central.new_enrolment_code(), "kiosk-b", settings.enrolment_file)
    client.close()
    return StatusService(settings)


def _receipt_frame() -> Any:
    """What the camera sees: the receipt as printed (first page)."""
    receipt = sample_receipt(language="ar")
    return receipt_camera_frame(render_images(receipt, dpi=100)[0])


def test_status_by_qr_code_with_the_fake_camera(
    make_kiosk: Callable[..., Kiosk], central_server: CentralServer, tmp_path: Path
) -> None:
    delivered = _deliver(central_server, tmp_path)
    printer = FakePrinter(tmp_path / "printed")
    frame = _receipt_frame()
    service = _status_service(central_server, tmp_path)
    camera = lambda: FakeCamera([frame], fps=10)  # noqa: E731
    kiosk = make_kiosk(voice_on=True, receipt=ReceiptDevices(printer, service, camera))
    controller = kiosk.controller

    kiosk.click(kiosk.window.welcome.language_buttons["ar"])
    kiosk.click(kiosk.window.welcome.status_button)
    kiosk.wait_screen(Screen.STATUS)
    screen = kiosk.window.status
    kiosk.qtbot.waitUntil(screen.result.isVisible, timeout=30_000)

    ar = Translator("ar")
    title, text = STATUS_TEXT["being_examined"]
    assert screen.status_title.text() == ar(title)
    assert screen.status_text.text() == ar(text)
    assert delivered["central"] in screen.status_reference.text()
    assert screen.attestation_button.isVisible()
    assert kiosk.window.focusWidget() is screen.status_title
    assert any(ar(title) in t and lang == "ar" for t, lang in said(kiosk))
    assert controller.receipt._qr_feed is None  # the camera stopped once the code was read

    # Found by the QR code: the attestation names the applicant, so it asks the date of
    # birth first (a found receipt alone is not enough).
    kiosk.click(screen.attestation_button)
    kiosk.qtbot.waitUntil(lambda: bool(screen.summary.links))
    assert ar(ATTESTATION_BIRTH) in screen.summary.spoken_text()
    assert not printer.in_memory
    birth = dt.date.fromisoformat(delivered["answers"]["birth_date"]).strftime("%d/%m/%Y")
    screen.birth_date_row.set_value(birth)
    kiosk.click(screen.attestation_button)
    kiosk.qtbot.waitUntil(lambda: bool(printer.in_memory), timeout=30_000)
    assert not screen.summary.links and screen.birth_date_row.value() == ""
    assert not list((tmp_path / "printed").glob("*"))  # never on disk: it names the applicant
    path = tmp_path / "attestation.pdf"
    path.write_bytes(printer.in_memory[0])
    text_pdf = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert delivered["answers"]["surname"] in text_pdf
    assert delivered["central"] in text_pdf

    kiosk.click(screen.finish_button)
    kiosk.wait_screen(Screen.WELCOME)
    assert not screen.result.isVisibleTo(kiosk.window)


def test_status_typed_reference_and_birth_date(
    make_kiosk: Callable[..., Kiosk], central_server: CentralServer, tmp_path: Path
) -> None:
    delivered = _deliver(central_server, tmp_path)
    kiosk = make_kiosk(receipt=ReceiptDevices(None, _status_service(central_server, tmp_path)))
    kiosk.click(kiosk.window.welcome.status_button)
    kiosk.wait_screen(Screen.STATUS)
    screen = kiosk.window.status
    assert not screen.camera_view.isVisible()  # no camera on this kiosk: typed only
    birth = dt.date.fromisoformat(delivered["answers"]["birth_date"]).strftime("%d/%m/%Y")

    screen.reference_row.set_value("k 7k3m 9qxd")
    screen.birth_date_row.set_value("01/01/1990")
    kiosk.click(screen.lookup_button)
    fr = Translator("fr")
    kiosk.qtbot.waitUntil(lambda: bool(screen.summary.links), timeout=20_000)
    assert fr(STATUS_NOT_FOUND) in screen.summary.spoken_text()
    assert not screen.result.isVisible()

    screen.birth_date_row.set_value(birth)
    kiosk.click(screen.lookup_button)
    kiosk.qtbot.waitUntil(screen.result.isVisible, timeout=20_000)
    assert screen.status_title.text() == fr(STATUS_TEXT["being_examined"][0])
    assert not screen.summary.links


def test_status_camera_stops_when_leaving(make_kiosk: Callable[..., Kiosk]) -> None:
    import numpy as np

    cameras: list[FakeCamera] = []

    def camera() -> FakeCamera:
        cameras.append(FakeCamera([np.full((480, 640, 3), 255, np.uint8)], fps=20))
        return cameras[-1]

    kiosk = make_kiosk(receipt=ReceiptDevices(qr_camera=camera))
    screen = kiosk.window.status
    for leave in ("back", "finish"):
        kiosk.click(kiosk.window.welcome.status_button)
        kiosk.wait_screen(Screen.STATUS)
        kiosk.qtbot.waitUntil(lambda: screen.camera_view.image() is not None, timeout=10_000)
        assert cameras[-1].running
        button = screen.back_button if leave == "back" else screen.finish_button
        assert button is not None
        kiosk.click(button)
        kiosk.wait_screen(Screen.WELCOME)
        kiosk.qtbot.waitUntil(lambda: not cameras[-1].running, timeout=5_000)
        assert kiosk.controller.receipt._qr_feed is None


def test_a_receipt_printed_again_later_has_the_central_reference(
    make_kiosk: Callable[..., Kiosk], tmp_path: Path
) -> None:
    """Once the central API acknowledged the application, "Imprimer mon reçu" prints its
    central reference too (read from the outbox on the store's worker)."""

    printer = FakePrinter(tmp_path, keep_image=False)
    kiosk = make_kiosk(receipt=ReceiptDevices(printer))
    kiosk.to_receipt()
    [(uuid, _procedure, _sealed)] = kiosk.store.outbox.enqueued
    kiosk.store.outbox.mark_acknowledged(uuid, "PREF-2026-000777", NOW)
    kiosk.click(kiosk.window.receipt.print_button)
    kiosk.qtbot.waitUntil(lambda: bool(printer.printed), timeout=20_000)
    text = subprocess.run(
        ["pdftotext", str(printer.printed[0]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "PREF-2026-000777" in text


def test_demo_devices_the_camera_shows_the_last_receipt(
    make_kiosk: Callable[..., Kiosk], tmp_path: Path
) -> None:
    """``kiosk --demo``: receipts go to PDF files, and the status screen's camera shows the
    last one printed, so the demo can follow its own application."""
    from kiosk.domain.receipt import parse_qr
    from kiosk.ui.compose import receipt_devices
    from kiosk.ui.controllers.receipt import decode_qr

    settings = load_settings(
        overrides={"data_dir": tmp_path, "fake_devices": True, "site_name": "Bobigny"},
        environ={},
    )
    kiosk = make_kiosk(settings=settings, receipt=receipt_devices(settings, None))
    controller = kiosk.controller.receipt
    printer = controller.printer
    assert isinstance(printer, FakePrinter) and controller.site_name == "Bobigny"
    assert isinstance(controller.status, StatusService)
    assert controller.qr_camera is not None
    blank = controller.qr_camera()
    assert isinstance(blank, FakeCamera) and decode_qr(blank.frames[0]) == ""
    printer.print_receipt(sample_receipt(site="Bobigny"))
    assert (tmp_path / "receipts" / f"receipt-{REFERENCE}.pdf").exists()
    camera = controller.qr_camera()
    assert isinstance(camera, FakeCamera)
    assert parse_qr(decode_qr(camera.frames[0])) == (REFERENCE, SECRET)


def test_a_receipt_the_central_api_does_not_know_lets_the_camera_look_again(
    make_kiosk: Callable[..., Kiosk],
) -> None:
    """The QR code read, nothing found: the message, then the camera looks again for
    another receipt — the same code is not sent again (no needless guesses)."""
    import threading

    class Unknown:
        def __init__(self) -> None:
            self.calls: list[tuple[str, str | None, str | None]] = []
            self.lock = threading.Lock()

        def lookup(self, reference: str, secret: str | None, birth: str | None) -> None:
            with self.lock:
                self.calls.append((reference, secret, birth))

    service = Unknown()
    frame = _receipt_frame()
    cameras: list[FakeCamera] = []

    def camera() -> FakeCamera:
        cameras.append(FakeCamera([frame], fps=20))
        return cameras[-1]

    kiosk = make_kiosk(receipt=ReceiptDevices(None, service, camera))
    kiosk.click(kiosk.window.welcome.status_button)
    screen = kiosk.window.status
    kiosk.qtbot.waitUntil(lambda: bool(screen.summary.links), timeout=20_000)
    assert Translator("fr")(STATUS_NOT_FOUND) in screen.summary.spoken_text()
    assert service.calls == [(REFERENCE, SECRET, None)]
    kiosk.qtbot.waitUntil(lambda: len(cameras) == 2 and cameras[1].frames_delivered > 10)
    kiosk.qtbot.waitUntil(lambda: kiosk.controller.tasks.pending == 0)
    assert len(service.calls) == 1  # the same receipt, still under the camera: not asked again
    assert screen.camera_view.isVisible()
