"""The controller's part for what the applicant takes home and for coming back (issue 8):
printing the receipt (or showing it on screen), and "Suivre ma demande" — reading the
receipt's QR code with the camera, or the reference and date of birth typed, asking the
central API, printing the attestation de dépôt.

Built by the session controller with itself as its :class:`FlowHost`, the store, the
task runner and its own ports (``ReceiptPorts``), given by the composition root
(``kiosk.ui.compose``) or the tests, all optional:

* ``printer`` — a :class:`kiosk.devices.printer.Printer` (None: "the printer does not
  answer", and the receipt on screen);
* ``status`` — ``lookup(reference, secret=None, birth_date=None)`` and
  ``attestation(...)`` (``kiosk.link.StatusService``), blocking: called on the task
  runner's pool;
* ``qr_camera`` — a factory of :class:`kiosk.devices.camera.Camera` for the status screen;
* ``site_name`` — printed on the receipt.

Painting happens on the GUI thread, in slices (``kiosk.render.jobs.run_in_slices``: the
layout, then one page per turn of the event loop); only the finished PDF's bytes go to the
print thread (``kiosk.render.jobs.PrintWorker``), which spools them without touching Qt
(``Printer.print_pdf``). Qt objects made off the GUI thread deadlocked the kiosk at the
receipt (``kiosk.render.receipt_pdf`` tells how).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QImage

from contract.validation import FieldError, validate_field
from kiosk.devices.printer import MESSAGES, PrintError, PrinterState
from kiosk.domain.receipt import (
    STATUS_BIRTH_DATE_FIELD,
    AttestationContent,
    ReceiptContent,
    build_receipt,
    check_status_form,
    parse_qr,
    qr_payload,
)
from kiosk.domain.session import Screen
from kiosk.i18n import N_
from kiosk.ui.controllers.ports import FlowHost, ReceiptPorts, StoreFlow, StorePort
from kiosk.ui.screens.status import (
    SCAN_HINT,
    SCAN_NO_CAMERA,
    SCAN_READ,
    STATUS_NOT_FOUND,
    STATUS_THROTTLED,
    STATUS_UNAVAILABLE,
)
from kiosk.ui.tasks import TaskRunner

if TYPE_CHECKING:
    import numpy as np

    from kiosk.domain.receipt import Printable
    from kiosk.render.jobs import PrintWorker
    from kiosk.ui.camera_view import CameraFeed
    from kiosk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

ATTESTATION_PRINTED = N_("L'attestation est imprimée. Prenez-la sous l'écran.")
ATTESTATION_NOT_READY = N_("L'attestation n'est pas encore disponible.")
ATTESTATION_BIRTH = N_("Pour imprimer l'attestation, écrivez aussi votre date de naissance.")
ATTESTATION_NOT_FOUND = N_(
    "Cette date de naissance ne correspond pas à la demande. Vérifiez-la et réessayez."
)
SHOWN_ON_SCREEN = N_("Votre reçu est à l'écran, sous ce message. Prenez-le en photo.")


def decode_qr(frame: np.ndarray) -> str:
    """The text of the QR code in a BGR frame, or "" (runs on the CPU pool)."""
    import cv2

    text, _points, _raw = cv2.QRCodeDetector().detectAndDecode(frame)
    return str(text or "")


def qimage_to_bgr(image: QImage) -> np.ndarray:
    """A QImage (e.g. a rendered receipt page) as a BGR frame for a fake camera."""
    import numpy as np

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = rgb.width(), rgb.height()
    data = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=rgb.sizeInBytes())
    frame = data.reshape(height, rgb.bytesPerLine())[:, : width * 3].reshape(height, width, 3)
    return np.ascontiguousarray(frame[:, :, ::-1])


def central_reference_of(store: Any, uuid: str) -> str | None:
    """The central reference of an acknowledged outbox entry, or None (on the store's
    worker: the store may still be opening)."""
    entry = store.outbox.entry(uuid)
    reference = getattr(entry, "central_reference", None)
    return str(reference) if reference else None


def receipt_camera_frame(page: QImage) -> np.ndarray:
    """What a camera sees of a receipt held up to it: the top of the first page (the QR
    code and the reference), in a landscape 4:3 frame, as BGR (fake cameras, tests)."""
    import numpy as np

    frame = qimage_to_bgr(page)
    height = min(frame.shape[0], frame.shape[1] * 3 // 4)
    return np.ascontiguousarray(frame[:height])


class ReceiptController(StoreFlow):
    """The receipt and "Suivre ma demande" (see the module's docstring)."""

    def __init__(
        self,
        host: FlowHost,
        ports: ReceiptPorts,
        store: StorePort,
        tasks: TaskRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(host, store, tasks, parent)
        self.printer = ports.printer
        self.status = ports.status
        self.qr_camera = ports.qr_camera
        self.site_name = ports.site_name
        self.auto_print = ports.auto_print
        self._print_worker: PrintWorker | None = None
        self._printing = False
        self._receipt_printed_for: str | None = None
        self._status_busy = False
        self._status_query: tuple[str, str | None, str | None] | None = None
        self._qr_feed: CameraFeed | None = None
        self._qr_decoding = False
        self._qr_failed: str | None = None  # the QR text of a receipt just looked up in vain

    def attach(self, window: MainWindow) -> None:
        window.receipt.print_requested.connect(self.print_receipt)
        window.receipt.show_requested.connect(self.show_receipt_on_screen)
        window.welcome.status_requested.connect(self.open_status)
        window.status.lookup_requested.connect(self.lookup_status)
        window.status.attestation_requested.connect(self.print_attestation)
        window.status.finished.connect(self.host.wipe)
        window.status.back_requested.connect(self._leave_status)  # back to welcome

    @property
    def print_worker(self) -> PrintWorker:
        if self._print_worker is None:
            from kiosk.render.jobs import PrintWorker

            self._print_worker = PrintWorker(self)
        return self._print_worker

    def print_document(
        self,
        document: Printable,
        on_done: Callable[[None], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Paint ``document`` as a PDF on the GUI thread, in slices, then print it on the
        print thread; ``on_done(None)`` or ``on_error(exc)`` on the GUI thread."""
        from kiosk.render.jobs import run_in_slices
        from kiosk.render.receipt_pdf import pdf_steps

        printer = self.printer
        if printer is None:
            QTimer.singleShot(0, self, lambda: on_error(PrintError(PrinterState.ABSENT)))
            return

        def painted(pdf: bytes) -> None:
            try:
                self.print_worker.run(
                    printer.print_pdf, document, pdf, on_done=on_done, on_error=on_error
                )
            except RuntimeError as exc:  # shut down while the PDF was painted (exit)
                on_error(exc)

        run_in_slices(pdf_steps(document), self, painted, on_error)

    def render(self, screen: Screen) -> bool:
        """Fill the screens of this controller; False for the others."""
        if screen is Screen.STATUS:
            self.host.w.status.set_busy(self._status_busy)
            return True
        if screen is not Screen.RECEIPT:
            return False
        s = self.host.session
        assert s.receipt is not None and s.procedure is not None
        content = self.receipt_content()
        self.host.w.receipt.show_receipt(
            s.receipt.local_reference,
            s.receipt.submitted_at,
            # As the paper lists them: photographed here, and to bring (skipped too).
            content.documents_missing if content else [d.label for d in s.documents()],
            content.documents_provided if content else (),
            content.deadline if content else None,
        )
        if (
            self.auto_print  # with no printer at all: "the printer does not answer"
            and self._receipt_printed_for != s.receipt.local_reference
        ):
            self.print_receipt()  # once by itself; "Imprimer mon reçu" prints again
        return True

    def shutdown(self) -> None:
        self._stop_qr_camera()
        if self._print_worker is not None:
            self._print_worker.shutdown()

    # --- the receipt ---------------------------------------------------------------------
    def receipt_content(self, central_reference: str | None = None) -> ReceiptContent | None:
        s = self.host.session
        receipt, procedure = s.receipt, s.procedure
        if receipt is None or procedure is None:
            return None
        scanned = getattr(s, "scanned_pages", {}) or {}
        return build_receipt(
            local_reference=receipt.local_reference,
            submitted_at=receipt.submitted_at,
            site=self.site_name,
            procedure_label=procedure.title,
            language=s.language,
            documents=[(d.id, d.label) for d in s.documents()],
            provided=[doc_id for doc_id, pages in scanned.items() if pages],
            fees=[(f.label, f.amount_eur) for f in s.fees()],
            deadline=s.deadline(self.host.today()),
            central_reference=central_reference,
            lookup_secret=receipt.lookup_secret,
            text_scale=self.host.theme.scale,
        )

    def _with_central_reference(
        self,
        then: Callable[[ReceiptContent], None],
        gone: Callable[[], None] = lambda: None,
    ) -> None:
        """``then(content)`` with the central reference if the application has already
        been acknowledged (a receipt printed again later), asked of the store on its
        worker; at once when the store cannot tell."""
        s = self.host.session
        reference = self._current_reference()
        if reference is None:
            return

        def proceed(central: str | None) -> None:
            if self._current_reference() != reference:
                gone()  # the applicant left meanwhile
                return
            content = self.receipt_content(central)
            if content is not None:
                then(content)

        def unknown(exc: BaseException) -> None:
            log.warning("outbox entry not read: %s", type(exc).__name__)
            proceed(None)

        self.tasks.run(central_reference_of, self.store, s.uuid, on_done=proceed, on_error=unknown)

    def print_receipt(self) -> None:
        reference = self._current_reference()
        if reference is None or self._printing:
            return
        self._receipt_printed_for = reference
        if self.printer is None:
            content = self.receipt_content()
            assert content is not None
            # After the screen is shown (and has focused its title): then the way out.
            absent = PrintError(PrinterState.ABSENT)
            ref = content.local_reference
            QTimer.singleShot(0, self, lambda: self._print_failed(absent, ref))
            return
        self._printing = True
        self.host.w.receipt.set_print_busy(True)
        self._with_central_reference(self._print_content, self._print_abandoned)

    def _print_abandoned(self) -> None:
        self._printing = False

    def _print_content(self, content: ReceiptContent) -> None:
        if self.printer is None:  # pragma: no cover - checked before
            return
        ref = content.local_reference
        self.print_document(
            content,
            on_done=lambda _r: self._printed(ref),
            on_error=lambda exc: self._print_failed(exc, ref),
        )

    def _current_reference(self) -> str | None:
        receipt = self.host.session.receipt
        return receipt.local_reference if receipt is not None else None

    def _printed(self, reference: str) -> None:
        self._printing = False
        if self._current_reference() != reference:
            return  # the applicant left meanwhile
        screen = self.host.w.receipt
        if not shiboken6.isValid(screen):  # the window closed while the printer worked
            return
        screen.set_print_busy(False)
        screen.show_print_status(MESSAGES[PrinterState.READY])
        self.host.say_if_voice(screen.print_status.text())

    def _print_failed(self, exc: BaseException, reference: str = "") -> None:
        self._printing = False
        state = exc.state if isinstance(exc, PrintError) else PrinterState.ERROR
        log.warning("the receipt was not printed: %s", state.value)
        if reference and self._current_reference() != reference:
            return
        screen = self.host.w.receipt
        if not shiboken6.isValid(screen):  # the window closed while the printer worked
            return
        screen.set_print_busy(False)
        screen.show_print_status(MESSAGES[state], error=True)
        # Spoken whatever the voice setting: the applicant may be waiting at the printer.
        self.host.say(screen.print_status.text())

    def show_receipt_on_screen(self) -> None:
        if self.host.session.receipt is not None:
            self._with_central_reference(self._show_content)

    def _show_content(self, content: ReceiptContent) -> None:
        from kiosk.render.jobs import run_in_slices
        from kiosk.render.receipt_pdf import image_steps

        ref = content.local_reference
        run_in_slices(  # on the GUI thread, a page per turn of the event loop
            image_steps(content),
            self,
            lambda pages: self._pages_ready(ref, pages),
            lambda exc: log.error("receipt not rendered: %s", type(exc).__name__),
        )

    def _pages_ready(self, reference: str, pages: list[QImage]) -> None:
        if self._current_reference() != reference or self.host.session.screen is not Screen.RECEIPT:
            return
        screen = self.host.w.receipt
        screen.show_pages(pages)
        self.host.say_if_voice(self.host.translator(SHOWN_ON_SCREEN))

    # --- status at the kiosk ---------------------------------------------------------------
    def open_status(self) -> None:
        if self.host.session.screen is not Screen.WELCOME:
            return
        self.host.session.start(self.host.now())
        self.host.session.open_status()
        self._status_query = None
        self._qr_failed = None
        self.host.w.status.wipe()
        self.host.render()
        self._start_qr_camera()

    def _start_qr_camera(self) -> None:
        screen = self.host.w.status
        if self.qr_camera is None:
            screen.show_camera(False)
            screen.show_hint(SCAN_NO_CAMERA)
            return
        from kiosk.ui.camera_view import CameraFeed  # OpenCV: imported when first needed

        try:
            camera = self.qr_camera()
        except Exception as exc:
            log.error("no camera for the QR code: %s", type(exc).__name__)
            screen.show_camera(False)
            screen.show_hint(SCAN_NO_CAMERA)
            return
        feed = CameraFeed(camera, preview_width=640, parent=self)
        # Through the controller: a frame still queued when the camera stops (the code
        # was read, the applicant left) must not reach the screen after its wipe, or the
        # next applicant's kiosk would keep a picture of this one's receipt.
        feed.frame_ready.connect(self._qr_preview)
        feed.frame_arrived.connect(self._qr_frame)
        self._qr_feed = feed
        self._qr_decoding = False
        screen.show_camera(True)
        screen.show_hint(SCAN_HINT)
        feed.start()

    def _qr_preview(self, image: QImage) -> None:
        # A slot of this QObject (not a lambda): Qt drops the queued call if either side
        # is gone; sender() says which feed the frame came from.
        feed = self._qr_feed
        if feed is not None and self.sender() is feed:
            self.host.w.status.show_frame(image)

    def _leave_status(self) -> None:
        """Back to the welcome screen, which wipes nothing (no session was started): the
        camera stops, and the screen forgets the camera's last picture (a receipt, or
        whoever stood before it) and the status looked up, before the next person comes."""
        self._stop_qr_camera()
        self._qr_failed = None
        self._status_query = None
        self.host.w.status.wipe()

    def _stop_qr_camera(self) -> None:
        feed, self._qr_feed = self._qr_feed, None
        if feed is not None:
            feed.clear()
            feed.deleteLater()

    def _qr_frame(self) -> None:
        feed = self._qr_feed
        if feed is None or self._qr_decoding or self._status_busy:
            return
        frame = feed.take_frame()
        if frame is None:
            return
        self._qr_decoding = True
        self.tasks.run_cpu(
            decode_qr, frame, on_done=self._qr_decoded, on_error=self._qr_decode_failed
        )

    def _qr_decode_failed(self, exc: BaseException) -> None:
        self._qr_decoding = False
        log.error("QR decoding failed: %s", type(exc).__name__)

    def _qr_decoded(self, text: str) -> None:
        self._qr_decoding = False
        if self.host.session.screen is not Screen.STATUS or self._qr_feed is None:
            return
        parsed = parse_qr(text) if text else None
        if parsed is None or text == self._qr_failed:
            return  # nothing, another QR code, or the receipt just looked up in vain
        reference, secret = parsed
        self._stop_qr_camera()
        screen = self.host.w.status
        screen.show_hint(SCAN_READ)
        self.host.say_if_voice(screen.scan_hint.text())
        self._ask_status(reference, secret, None)

    def lookup_status(self, reference: str, birth_date: str) -> None:
        """The typed reference and date of birth."""
        if self.host.session.screen is not Screen.STATUS or self._status_busy:
            return
        screen = self.host.w.status
        checked = check_status_form(reference, birth_date, self.host.today())
        if isinstance(checked, list):
            screen.show_errors(checked)
            self.host.say_if_voice(screen.summary.spoken_text())
            return
        canonical, iso = checked
        self._ask_status(canonical, None, iso)

    def _ask_status(self, reference: str, secret: str | None, birth_date: str | None) -> None:
        screen = self.host.w.status
        self._status_query = (reference, secret, birth_date)
        if self.status is None:
            self._status_failed(RuntimeError("no central API"))
            return
        self._status_busy = True
        screen.set_busy(True)
        query = (reference, secret, birth_date)
        self._ask_central(self.status.lookup, query, self._status_answered, self._status_failed)

    def _ask_central(
        self,
        call: Callable[[str, str | None, str | None], Any],
        query: tuple[str, str | None, str | None],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """A status lookup or an attestation (reference, secret, birth date), on the
        pool: the central API's answer may take seconds."""
        self.tasks.run_cpu(call, *query, on_done=on_done, on_error=on_error)

    def _status_answered(self, view: Any) -> None:
        self._status_busy = False
        if self.host.session.screen is not Screen.STATUS:
            return
        screen = self.host.w.status
        screen.set_busy(False)
        if view is None:
            screen.show_failure(STATUS_NOT_FOUND)
            self.host.say_if_voice(screen.summary.spoken_text())
            self._after_failed_lookup()
            return
        screen.show_camera(False)  # the answer takes its place
        screen.show_hint("")
        changed: dt.datetime | None = view.status_changed_at
        screen.show_status(
            str(view.status),
            view.reference,
            view.central_reference,
            changed.astimezone().date() if changed else None,
            bool(view.attestation_available),
        )
        self.host.say_if_voice(screen.spoken_text())

    def _status_failed(self, exc: BaseException) -> None:
        self._status_busy = False
        status = getattr(exc, "status", None)
        message = STATUS_THROTTLED if status == 429 else STATUS_UNAVAILABLE
        log.warning("status lookup failed: %s", type(exc).__name__)
        if self.host.session.screen is not Screen.STATUS:
            return
        screen = self.host.w.status
        screen.set_busy(False)
        screen.show_failure(message)
        self.host.say_if_voice(screen.summary.spoken_text())
        self._after_failed_lookup()

    def _after_failed_lookup(self) -> None:
        """After a QR code led nowhere, the camera looks again (for another receipt: the
        same code is not asked again), and the form stays there to type."""
        query, self._status_query = self._status_query, None
        if query is not None and query[1] is not None and self.qr_camera is not None:
            self._qr_failed = qr_payload(query[0], query[1])
            self._start_qr_camera()

    # --- the attestation de dépôt --------------------------------------------------------------
    def print_attestation(self) -> None:
        query = self._status_query
        if self.host.session.screen is not Screen.STATUS or query is None or self._printing:
            return
        if self.status is None:
            return
        screen = self.host.w.status
        reference, _secret, birth_date = query
        if birth_date is None:
            # Found by the QR code: the attestation names the applicant, so their date of
            # birth is asked too (a lost receipt must not give away who applied).
            try:
                birth_date = validate_field(
                    STATUS_BIRTH_DATE_FIELD, screen.birth_date_row.value(), self.host.today()
                ).value
            except FieldError:
                screen.show_errors([FieldError(STATUS_BIRTH_DATE_FIELD.id, ATTESTATION_BIRTH)])
                self.host.say_if_voice(screen.summary.spoken_text())
                return
            screen.show_errors([])
        self._printing = True
        screen.attestation_button.setEnabled(False)
        query = (reference, None, birth_date)
        ready, failed = self._attestation_ready, self._attestation_failed
        self._ask_central(self.status.attestation, query, ready, failed)

    def _attestation_ready(self, data: Any) -> None:
        if data is None or self.host.session.screen is not Screen.STATUS:
            self._attestation_failed(LookupError("attestation"))
            return
        self.host.w.status.birth_date_row.wipe()  # asked for this print only
        try:
            label = self.host.catalogue.procedure(data.procedure_id).title
        except KeyError:
            label = data.procedure_id
        content = AttestationContent(
            central_reference=data.central_reference,
            local_reference=data.reference,
            procedure_label=label,
            deposited_at=data.deposited_at,
            examined_since=data.examined_since,
            issued_at=data.issued_at,
            surname=data.surname,
            given_names=data.given_names,
            birth_date=data.birth_date,
            nationality=data.nationality,
            language=self.host.session.language,
        )
        if self.printer is None:
            self._attestation_failed(PrintError(PrinterState.ABSENT))
            return
        self.print_document(
            content,
            on_done=lambda _r: self._attestation_done(ATTESTATION_PRINTED),
            on_error=self._attestation_failed,
        )

    def _attestation_done(self, message: str, *, error: bool = False) -> None:
        """The attestation printed, or not (``error``: then said even with the voice off)."""
        self._printing = False
        if self.host.session.screen is not Screen.STATUS:
            return
        screen = self.host.w.status
        screen.attestation_button.setEnabled(True)
        screen.show_attestation_status(message)
        say = self.host.say if error else self.host.say_if_voice
        say(screen.attestation_status.text())

    def _attestation_failed(self, exc: BaseException) -> None:
        log.warning("attestation not printed: %s", type(exc).__name__)
        if isinstance(exc, PrintError):
            message = MESSAGES[exc.state]
        elif getattr(exc, "status", None) == 409:
            message = ATTESTATION_NOT_READY
        elif isinstance(exc, LookupError):
            message = ATTESTATION_NOT_FOUND
        else:
            message = STATUS_UNAVAILABLE
        self._attestation_done(message, error=True)

    def wipe(self) -> None:
        self._stop_qr_camera()
        self._qr_failed = None
        self._status_query = None
        self._receipt_printed_for = None
