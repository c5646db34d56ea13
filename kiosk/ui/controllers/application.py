"""Finding and preparing an application: the "which procedure?" guide, the document
checklist, the renewal deadline notice, and another application for a member of the
family.

Built by the session controller with itself as its :class:`FlowHost` and the scan flow
(the checklist says which documents are photographed, and photographs the missing ones).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from kiosk.domain.session import Screen
from kiosk.ui.controllers.ports import Flow, FlowHost
from kiosk.ui.controllers.scan import ScanFlow
from kiosk.ui.screens.documents import deadline_text

if TYPE_CHECKING:
    from kiosk.ui.main_window import MainWindow


class ApplicationFlow(Flow):
    def __init__(self, host: FlowHost, scan: ScanFlow, parent: QObject | None = None) -> None:
        super().__init__(host, parent)
        self.scan = scan

    def attach(self, window: MainWindow) -> None:
        window.procedure.guide_requested.connect(self.start_guide)
        window.guide.answer_chosen.connect(self.guide_answer)
        window.guide.guide_accepted.connect(self.accept_guide)
        window.guide.restart_requested.connect(self.restart_guide)
        window.documents.documents_confirmed.connect(self.confirm_documents)
        window.receipt.another_requested.connect(self.another_application)

    def render(self, screen: Screen) -> bool:
        """Fill the screens of this flow; False for the others."""
        w, s = self.host.w, self.host.session
        if screen is Screen.GUIDE:
            assert s.guide is not None
            if s.guide.procedure_id is not None:
                w.guide.show_result(self.host.catalogue.procedure(s.guide.procedure_id))
            else:
                question = s.guide.question
                assert question is not None
                w.guide.show_question(question, s.guide.number)
        elif screen is Screen.DOCUMENTS:
            w.documents.show_documents(s.documents(), s.fees(), s.deadline(self.host.today()))
            self.scan.documents_status()  # photographed or missing
        elif screen is not Screen.SCAN:  # the scan screen: filled by the ScanController
            return False
        return True

    # --- the guide ------------------------------------------------------------------------
    def start_guide(self) -> None:
        if self.host.session.screen is not Screen.PROCEDURE or self.host.catalogue.guide is None:
            return
        self.host.session.start_guide()
        self.host.render()

    def guide_answer(self, index: int) -> None:
        s = self.host.session
        if s.screen is not Screen.GUIDE or s.guide is None or s.guide.question is None:
            return
        s.guide_answer(index)
        self.host.render()

    def accept_guide(self) -> None:
        s = self.host.session
        if s.screen is not Screen.GUIDE or s.guide is None or s.guide.procedure_id is None:
            return
        s.accept_guide()
        self.host.render()

    def restart_guide(self) -> None:
        s = self.host.session
        if s.screen is Screen.GUIDE and s.guide is not None:
            s.guide.restart()
            self.host.render()

    # --- documents and deadlines ------------------------------------------------------------
    def confirm_documents(self) -> None:
        if self.host.session.screen is Screen.DOCUMENTS:
            if not self.host.session.documents_scanned and self.scan.scan_documents():
                return  # with a camera: the documents are photographed first
            self.host.session.confirm_documents()
            self.host.render()

    def after_step(self, step_field_ids: set[str]) -> None:
        """Once the current permit's expiry date is accepted, say plainly where the
        applicant stands (early, on time, late, expired)."""
        s = self.host.session
        procedure = s.procedure
        if procedure is None or procedure.expiry_field not in step_field_ids:
            return
        deadline = s.deadline(self.host.today())
        if deadline is None:
            return
        text = deadline_text(deadline, self.host.translator)
        if s.screen is Screen.STEP:
            # Shown above the next questions, and read with them.
            self.host.w.step.show_notice(text, [deadline.message])
            self.host.say_if_voice(self.host.w.step.spoken_text())

    # --- the family ------------------------------------------------------------------------------
    def another_application(self) -> None:
        """ "Faire une autre demande pour un membre de ma famille"."""
        s = self.host.session
        if s.screen is not Screen.RECEIPT:
            return
        s.another_application()
        w = self.host.w
        for screen in (w.step, w.documents, w.check, w.consent, w.receipt, w.guide):
            screen.wipe()
        w.retranslate(self.host.translator)
        self.host.render()
