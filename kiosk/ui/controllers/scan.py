"""The controller's part for photographing documents within the applicant's flow.

* Before the first step with identity questions, the passport: its machine-readable zone
  fills those questions (``kiosk.domain.identity_prefill``); the applicant then confirms
  or corrects them on the usual question screen, told that the names and nationality are
  not protected by the passport's check digits, and told plainly if the passport expired.
  A typed answer that differs from the passport is pointed out once.
* After the document checklist, each document without a photo; the checklist then says
  which are photographed and which are missing (they can be photographed again).
* Each validated page goes to the encrypted store (``store.pages.add``) on the store
  worker; ``kiosk.link.Sealer.submit`` seals the pages with the application.

Built by the session controller with itself as its :class:`FlowHost`, the store, the task
runner and the scanner's slot: nothing happens until the composition root provides the
scanner (once OpenCV is loaded).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from kiosk.domain.identity_prefill import (
    MISMATCH_INTRO,
    MISMATCH_LINE,
    MRZ_DOCUMENT,
    PASSPORT_EXPIRED,
    PASSPORT_NOT_READ,
    PASSPORT_READ,
    mismatches,
    prefill,
)
from kiosk.domain.session import ScanPhase, Screen
from kiosk.i18n import N_
from kiosk.ui.controllers.ports import FlowHost, Slot, StoreFlow, StorePort
from kiosk.ui.display import display_value, format_date
from kiosk.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from kiosk.ui.controllers.scanner import ScanController
    from kiosk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

PASSPORT_LABEL = N_("Passeport")
PASSPORT_INTRO = N_(
    "Ouvrez votre passeport à la page avec votre photo. Posez-la sous la caméra, "
    "la page bien à plat."
)


class ScanFlow(StoreFlow):
    """The photographs within the applicant's flow (see the module's docstring)."""

    def __init__(
        self,
        host: FlowHost,
        slot: Slot[ScanController],
        store: StorePort,
        tasks: TaskRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(host, store, tasks, parent)
        self.slot = slot
        self._passport_read_now = False  # the MRZ of this photo session was read
        slot.provided.connect(self._provided)
        if slot.current is not None:
            self._provided(slot.current)

    def _provided(self, scanner: ScanController | None) -> None:
        if scanner is None:
            return
        scanner.document_captured.connect(self._page_captured)
        scanner.document_skipped.connect(self._document_skipped)
        scanner.finished.connect(self._scan_finished)
        scanner.cancelled.connect(self._scan_cancelled)
        scanner.mrz_read.connect(self._mrz_read)

    def attach(self, window: MainWindow) -> None:
        window.documents.scan_requested.connect(self.scan_missing_documents)

    def scanning(self) -> bool:
        return self.slot.current is not None

    # --- into a photo session ---------------------------------------------------------------
    def instead(self) -> bool:
        """Called before a screen is shown: the passport comes before the identity
        questions it answers. True if the photo session started instead."""
        s, scanner = self.host.session, self.slot.current
        self._drop_stale_pages()
        if scanner is None or s.screen is not Screen.STEP or not s.wants_passport_scan():
            return False
        from kiosk.ui.controllers.scanner import DocumentRequest

        label = next((d.label for d in s.documents() if d.id == MRZ_DOCUMENT), PASSPORT_LABEL)
        s.start_scan(ScanPhase.IDENTITY)
        self._passport_read_now = False
        self._clear_pages([MRZ_DOCUMENT])
        self._show_scan()
        scanner.scan([DocumentRequest(MRZ_DOCUMENT, label, 1, read_mrz=True, intro=PASSPORT_INTRO)])
        return True

    def _drop_stale_pages(self) -> None:
        """Pages of documents the procedure no longer has (another procedure was chosen):
        deleted, or the central API would refuse the application."""
        s = self.host.session
        for document_id in s.stale_pages():
            s.forget_pages(document_id)
            self.tasks.run(self.store.pages.delete, s.uuid, document_id, on_error=self._page_failed)

    def _clear_pages(self, document_ids: list[str]) -> None:
        """Documents photographed from their first page: pages the store may still hold
        for them (a draft resumed with its code) go first, on the store worker, before
        the new ones."""
        for document_id in document_ids:
            self.tasks.run(
                self.store.pages.delete,
                self.host.session.uuid,
                document_id,
                on_error=self._page_failed,
            )

    def scan_documents(self) -> bool:
        """From the checklist: photograph each document without a photo. True if started."""
        s, scanner = self.host.session, self.slot.current
        if scanner is None:
            return False
        documents = s.documents_to_scan()
        if not documents:
            return False
        from kiosk.ui.controllers.scanner import DocumentRequest

        s.start_scan(ScanPhase.DOCUMENTS)
        self._clear_pages([d.id for d in documents])
        self._show_scan()
        scanner.scan([DocumentRequest(d.id, d.label, 1, more_pages=True) for d in documents])
        return True

    def scan_missing_documents(self) -> None:
        """The checklist's "Photographier les documents qui manquent"."""
        if self.host.session.screen is Screen.DOCUMENTS:
            self.scan_documents()

    def _show_scan(self) -> None:
        w = self.host.w
        w.show_screen(Screen.SCAN)
        self.host.inactivity.arm()

    def back(self) -> bool:
        """ "Retour" while the scan screen shows. True if handled here."""
        w, s = self.host.w, self.host.session
        if s.screen is Screen.SCAN:
            if (scanner := self.slot.current) is not None:
                scanner.stop()
            s.cancel_scan()
            self.host.render()
            return True
        # A photo session outside the flow (its own ScanController): it handles "Retour".
        return w.current_screen is w.scan

    # --- what the scanner reports ----------------------------------------------------------
    def _mrz_read(self, result: Any) -> None:
        s = self.host.session
        if s.screen is not Screen.SCAN or s.scan_phase is not ScanPhase.IDENTITY:
            return
        assert s.procedure is not None
        fields = [f for step in s.procedure.steps for f in step.fields]
        s.identity_scanned(prefill(result, fields, self.host.today()))
        self._passport_read_now = True

    def _page_captured(self, document_id: str, page_no: int, data: bytes) -> None:
        s = self.host.session
        if s.screen is not Screen.SCAN:
            return
        if document_id == MRZ_DOCUMENT and not s.keeps_passport_pages():
            return  # read for its MRZ only: the procedure does not ask for the passport
        s.page_scanned(document_id, page_no)
        self.tasks.run(
            self.store.pages.add,
            s.uuid,
            document_id,
            page_no,
            data,
            self.host.now(),
            on_error=self._page_failed,
        )

    def _page_failed(self, exc: BaseException) -> None:
        log.error("storing a photographed page failed: %s", type(exc).__name__)

    def _document_skipped(self, document_id: str) -> None:
        if self.host.session.screen is Screen.SCAN:
            self.host.session.document_skipped(document_id)

    def _scan_finished(self) -> None:
        s = self.host.session
        if s.screen is not Screen.SCAN:
            return
        phase = s.scan_phase
        s.finish_scan()
        self.host.render(speak=False)
        if phase is ScanPhase.IDENTITY:
            self.host.w.step.show_notice(*self._identity_notice())
        self.host.say_if_voice(self.host.w.current_screen.spoken_text())

    def _scan_cancelled(self) -> None:
        if self.host.session.screen is Screen.SCAN:
            self.host.session.cancel_scan()
            self.host.render()

    def _identity_notice(self) -> tuple[str, list[str]]:
        """The notice after the passport: its text and the msgids it is made of."""
        s, tr = self.host.session, self.host.translator
        read = s.identity_read
        if read is None or not self._passport_read_now:
            skipped = MRZ_DOCUMENT in s.skipped_documents
            return ("", []) if skipped else (tr(PASSPORT_NOT_READ), [PASSPORT_NOT_READ])
        parts, msgids = [tr(PASSPORT_READ)], [PASSPORT_READ]
        if read.expired and read.expiry_date is not None:
            parts.append(tr(PASSPORT_EXPIRED).format(date=format_date(read.expiry_date)))
            msgids.append(PASSPORT_EXPIRED)
        return " ".join(parts), msgids

    # --- the answers against the passport -------------------------------------------------
    def mrz_mismatch(self, values: dict[str, str]) -> bool:
        """Before a step's answers are accepted: point out, once, those that differ from
        the passport. True if the step stays on screen to show it."""
        s = self.host.session
        read, step = s.identity_read, s.step
        if read is None or step is None:
            return False
        found = mismatches(read, step.fields, values, self.host.today())
        if not s.mrz_gate.needs_warning(found, values):
            return False
        tr = self.host.translator
        lines = [tr(MISMATCH_INTRO)]
        for m in found:
            spec = next(f for f in step.fields if f.id == m.field_id)
            value = display_value(spec, m.mrz_value, tr.code)
            lines.append(tr(MISMATCH_LINE).format(field=tr(m.label), value=value))
        text = " ".join(lines)
        self.host.w.step.show_notice(text, [MISMATCH_INTRO, MISMATCH_LINE])
        self.host.w.step.scroll_area.verticalScrollBar().setValue(0)
        self.host.say_if_voice(text)
        return True

    # --- the checklist ----------------------------------------------------------------------
    def documents_status(self) -> None:
        """The checklist says which documents are photographed and which are missing."""
        s = self.host.session
        self.host.w.documents.show_scans(
            dict(s.scanned_pages) if s.documents_scanned else None,
            scanning=self.slot.current is not None,
        )
