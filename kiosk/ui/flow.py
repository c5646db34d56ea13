"""The controller's part for finding, preparing and pausing an application: the "which
procedure?" guide, the document checklist, the renewal deadline notice, "save and resume
later" and another application for a member of the family.

Mixed into :class:`kiosk.ui.controller.SessionController` (it uses the controller's
session, window, store, task runner, clock and speech); kept apart so that each file
stays readable.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from contract.validation import FieldError
from kiosk.domain.resume import check_resume_form, new_resume_code, spoken_resume_code
from kiosk.domain.session import Screen
from kiosk.i18n import N_, Translator
from kiosk.ui.screens.documents import deadline_text
from kiosk.ui.screens.resume import RESUME_FAILED, RESUME_THROTTLED, RESUME_UNAVAILABLE

if TYPE_CHECKING:
    from kiosk.ui.controller import SessionController

log = logging.getLogger(__name__)

SAVE_FAILED = N_(
    "La borne n'a pas pu sauvegarder votre demande. Réessayez ou demandez de l'aide à l'accueil."
)
SAVE_TITLE = N_("Sauvegarde impossible")


class ApplicationFlow:
    """Mixin of SessionController (see the module's docstring)."""

    draft_retention_days: int = 30
    _resuming: bool = False
    _printing_code: bool = False

    # --- wiring -------------------------------------------------------------------------
    def _attach_flow(self: SessionController, window: Any) -> None:
        window.procedure.guide_requested.connect(self.start_guide)
        window.guide.answer_chosen.connect(self.guide_answer)
        window.guide.guide_accepted.connect(self.accept_guide)
        window.guide.restart_requested.connect(self.restart_guide)
        window.documents.documents_confirmed.connect(self.confirm_documents)
        window.step.save_requested.connect(self.save_for_later)
        window.saved.finished.connect(self.finish_saved)
        window.saved.print_requested.connect(self.print_resume_code)
        window.welcome.resume_requested.connect(self.open_resume)
        window.resume.resume_requested.connect(self.resume)
        window.receipt.another_requested.connect(self.another_application)

    def _render_flow(self: SessionController, screen: Screen) -> bool:
        """Fill the screens of this module; False for the others."""
        w, s = self._w, self.session
        if screen is Screen.GUIDE:
            assert s.guide is not None
            if s.guide.procedure_id is not None:
                w.guide.show_result(self.catalogue.procedure(s.guide.procedure_id))
            else:
                question = s.guide.question
                assert question is not None
                w.guide.show_question(question, s.guide.number)
        elif screen is Screen.DOCUMENTS:
            w.documents.show_documents(s.documents(), s.fees(), s.deadline(self._today()))
            self._documents_status()  # photographed or missing (kiosk.ui.scan_flow)
        elif screen is Screen.SCAN:
            pass  # filled by the ScanController (kiosk.ui.scan_flow)
        elif screen is Screen.SAVED:
            assert s.resume_code is not None
            w.saved.show_code(s.resume_code, self._expiry().astimezone().date())
        elif screen is Screen.RESUME:
            w.resume.set_busy(False)
        else:
            return False
        return True

    def _can_save(self: SessionController) -> bool:
        return self.session.can_save_for_later(self._today())

    def _expiry(self: SessionController) -> dt.datetime:
        return self._now() + dt.timedelta(days=self.draft_retention_days)

    # --- the guide ------------------------------------------------------------------------
    def start_guide(self: SessionController) -> None:
        if self.session.screen is not Screen.PROCEDURE or self.catalogue.guide is None:
            return
        self.session.start_guide()
        self._render()

    def guide_answer(self: SessionController, index: int) -> None:
        s = self.session
        if s.screen is not Screen.GUIDE or s.guide is None or s.guide.question is None:
            return
        s.guide_answer(index)
        self._render()

    def accept_guide(self: SessionController) -> None:
        s = self.session
        if s.screen is not Screen.GUIDE or s.guide is None or s.guide.procedure_id is None:
            return
        s.accept_guide()
        self._render()

    def restart_guide(self: SessionController) -> None:
        s = self.session
        if s.screen is Screen.GUIDE and s.guide is not None:
            s.guide.restart()
            self._render()

    # --- documents and deadlines ------------------------------------------------------------
    def confirm_documents(self: SessionController) -> None:
        if self.session.screen is Screen.DOCUMENTS:
            if not self.session.documents_scanned and self._scan_documents():
                return  # with a camera: the documents are photographed first
            self.session.confirm_documents()
            self._render()

    def _after_step(self: SessionController, step_field_ids: set[str]) -> None:
        """Once the current permit's expiry date is accepted, say plainly where the
        applicant stands (early, on time, late, expired)."""
        s = self.session
        procedure = s.procedure
        if procedure is None or procedure.expiry_field not in step_field_ids:
            return
        deadline = s.deadline(self._today())
        if deadline is None:
            return
        text = deadline_text(deadline, self.translator)
        if s.screen is Screen.STEP:
            # Shown above the next questions, and read with them.
            self._w.step.show_notice(text, [deadline.message])
            self._say_if_voice(self._w.step.spoken_text())

    # --- save for later ----------------------------------------------------------------------
    def save_for_later(self: SessionController, values: dict[str, str]) -> None:
        """ "Sauvegarder et reprendre plus tard": store the draft with a resume code."""
        s = self.session
        if not self._can_save() or self._submitting is not None:
            return
        if s.screen is Screen.STEP:
            s.keep_typed(values)
        birth_date = s.birth_date(self._today())
        assert s.procedure is not None and birth_date is not None
        code = s.resume_code or new_resume_code()
        self.tasks.run(
            self._store_for_later,
            s.uuid,
            s.procedure.id,
            s.language,
            dict(s.answers),
            code,
            birth_date,
            self._now(),
            self._expiry(),
            on_done=lambda stored, uuid=s.uuid: self._saved(uuid, stored),
            on_error=self._save_failed,
        )

    def _store_for_later(
        self: SessionController,
        uuid: str,
        procedure_id: str,
        language: str,
        answers: dict[str, str],
        code: str,
        birth_date: str,
        now: dt.datetime,
        expires_at: dt.datetime,
    ) -> str:
        """Runs on the store worker; returns the code the draft was saved under."""
        # Imported here: kiosk.store loads SQLAlchemy, kept off the GUI thread at start-up.
        from kiosk.store.errors import ResumeCodeInUseError

        self.store.drafts.save(uuid, procedure_id, language, answers, now)
        for _ in range(5):
            try:
                self.store.resume_codes.save(uuid, code, birth_date, expires_at)
                return code
            except ResumeCodeInUseError:
                code = new_resume_code()
        raise ResumeCodeInUseError("no free resume code")  # pragma: no cover

    def _saved(self: SessionController, uuid: str, code: str) -> None:
        s = self.session
        if s.uuid != uuid:
            return  # wiped meanwhile: the draft stays, resumable with its code
        s.saved_for_later(code)
        self._render()
        self._say(
            " ".join(
                [
                    self._w.saved.spoken_text(),
                    spoken_resume_code(code),  # said twice: it is what matters here
                ]
            )
        )

    def _save_failed(self: SessionController, exc: BaseException) -> None:
        log.error("saving the draft for later failed: %s", type(exc).__name__)
        tr = self.translator
        self._w.show_help(tr(SAVE_TITLE), tr(SAVE_FAILED))
        self._say_if_voice(tr(SAVE_FAILED))

    def print_resume_code(self: SessionController) -> None:
        """ "Imprimer le code": the code on paper, with the date the draft is deleted and
        how to resume; nothing about the applicant (kiosk.domain.resume.ResumeSlip)."""
        from kiosk.domain.resume import ResumeSlip

        s = self.session
        screen = self._w.saved
        if s.screen is not Screen.SAVED or s.resume_code is None or self._printing_code:
            return
        if self.printer is None:
            self._code_print_failed(s.uuid)
            return
        slip = ResumeSlip(
            s.resume_code, self._expiry().astimezone().date(), s.language, self.theme.scale
        )
        self._printing_code = True
        screen.set_print_busy(True)
        self.renderer.run(
            self.printer.print_receipt,
            slip,
            on_done=lambda _r, uuid=s.uuid: self._code_printed(uuid),
            on_error=lambda _exc, uuid=s.uuid: self._code_print_failed(uuid),
        )

    def _code_printed(self: SessionController, uuid: str) -> None:
        from kiosk.ui.screens.resume import CODE_PRINTED

        self._printing_code = False
        if self.session.uuid != uuid or self.session.screen is not Screen.SAVED:
            return
        screen = self._w.saved
        screen.set_print_busy(False)
        screen.show_print_status(CODE_PRINTED)
        self._say_if_voice(screen.print_status.text())

    def _code_print_failed(self: SessionController, uuid: str) -> None:
        from kiosk.ui.screens.resume import CODE_NOT_PRINTED

        self._printing_code = False
        log.warning("the resume code was not printed")
        if self.session.uuid != uuid or self.session.screen is not Screen.SAVED:
            return
        screen = self._w.saved
        screen.set_print_busy(False)
        screen.show_print_status(CODE_NOT_PRINTED, error=True)
        self._say(screen.print_status.text())  # the applicant may be waiting at the printer

    def finish_saved(self: SessionController) -> None:
        """ "Terminer" on the saved screen: forget the applicant, keep the saved draft."""
        if self.session.screen is Screen.SAVED:
            self.wipe()

    # --- resume --------------------------------------------------------------------------------
    def open_resume(self: SessionController) -> None:
        if self.session.screen is Screen.WELCOME:
            self.session.start(self._now())
            self.session.open_resume()
            self._w.resume.wipe()
            self._render()

    def resume(self: SessionController, code: str, birth_date: str) -> None:
        s = self.session
        screen = self._w.resume
        if s.screen is not Screen.RESUME or self._resuming:
            return
        checked = check_resume_form(code, birth_date, self._today())
        if isinstance(checked, list):
            self._resume_errors(checked)
            return
        canonical, iso = checked
        self._resuming = True
        screen.set_busy(True)
        self.tasks.run(
            self.store.resume_codes.resume,
            canonical,
            iso,
            self._now(),
            on_done=lambda draft: self._resumed(draft, canonical),
            on_error=self._resume_failed,
        )

    def _resume_errors(self: SessionController, errors: list[FieldError]) -> None:
        screen = self._w.resume
        screen.show_errors(errors)
        self._say_if_voice(screen.summary.spoken_text())

    def _resumed(self: SessionController, draft: Any, code: str) -> None:
        self._resuming = False
        s = self.session
        if s.screen is not Screen.RESUME:
            return
        try:
            s.restore(
                draft.uuid,
                draft.procedure_id or "",
                draft.language,
                dict(draft.answers),
                code,
                self._today(),
                self._now(),
            )
        except KeyError:  # the procedure is no longer in the catalogue
            self._resume_failed(LookupError("procedure"))
            return
        self._w.resume.wipe()
        if self.translator.code != s.language:
            self.translator = Translator(s.language)
            self._w.retranslate(self.translator)
        self._render()

    def _resume_failed(self: SessionController, exc: BaseException) -> None:
        from kiosk.store.errors import ResumeError, ResumeThrottledError  # loaded by now

        self._resuming = False
        screen = self._w.resume
        screen.set_busy(False)
        if isinstance(exc, ResumeThrottledError):
            message = RESUME_THROTTLED
        elif isinstance(exc, ResumeError):
            message = RESUME_FAILED
        else:
            log.error("resuming a draft failed: %s", type(exc).__name__)
            message = RESUME_UNAVAILABLE
        if self.session.screen is Screen.RESUME:
            screen.show_failure(message)
            self._say_if_voice(screen.summary.spoken_text())

    # --- the family ------------------------------------------------------------------------------
    def another_application(self: SessionController) -> None:
        """ "Faire une autre demande pour un membre de ma famille"."""
        s = self.session
        if s.screen is not Screen.RECEIPT:
            return
        s.another_application()
        w = self._w
        for screen in (w.step, w.documents, w.check, w.consent, w.receipt, w.guide):
            screen.wipe()
        w.retranslate(self.translator)
        self._render()
