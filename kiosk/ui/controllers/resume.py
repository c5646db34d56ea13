"""Pausing an application: "Sauvegarder et reprendre plus tard" stores the draft with a
resume code (printed on request: the code and the date the draft is deleted, nothing about
the applicant), and "Reprendre ma demande" opens it again with the code and the date of
birth.

Built by the session controller from the store, the task runner, how long a saved draft
is kept, and the receipt controller (its printer, and print_document that paints and prints).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from contract.validation import FieldError
from kiosk.domain.resume import check_resume_form, new_resume_code, spoken_resume_code
from kiosk.domain.session import SavedDraft, Screen
from kiosk.i18n import N_
from kiosk.ui.controllers.ports import FlowHost, StoreFlow, StorePort
from kiosk.ui.screens.resume import RESUME_FAILED, RESUME_THROTTLED, RESUME_UNAVAILABLE
from kiosk.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from kiosk.ui.controllers.receipt import ReceiptController
    from kiosk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

SAVE_FAILED = N_(
    "La borne n'a pas pu sauvegarder votre demande. Réessayez ou demandez de l'aide à l'accueil."
)
SAVE_TITLE = N_("Sauvegarde impossible")


class ResumeFlow(StoreFlow):
    def __init__(
        self,
        host: FlowHost,
        store: StorePort,
        tasks: TaskRunner,
        retention_days: int,
        receipt: ReceiptController,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(host, store, tasks, parent)
        self.draft_retention_days = retention_days  # drafts saved for later
        self.receipt = receipt
        self._resuming = False
        self._printing_code = False

    def attach(self, window: MainWindow) -> None:
        window.step.save_requested.connect(self.save_for_later)
        window.saved.finished.connect(self.finish_saved)
        window.saved.print_requested.connect(self.print_resume_code)
        window.welcome.resume_requested.connect(self.open_resume)
        window.resume.resume_requested.connect(self.resume)

    def render(self, screen: Screen) -> bool:
        """Fill the screens of this flow; False for the others."""
        w, s = self.host.w, self.host.session
        if screen is Screen.SAVED:
            assert s.resume_code is not None
            w.saved.show_code(s.resume_code, self._expiry().astimezone().date())
        elif screen is Screen.RESUME:
            w.resume.set_busy(False)
        else:
            return False
        return True

    def can_save(self) -> bool:
        return self.host.session.can_save_for_later(self.host.today())

    def _expiry(self) -> dt.datetime:
        return self.host.now() + dt.timedelta(days=self.draft_retention_days)

    # --- save for later ----------------------------------------------------------------------
    def save_for_later(self, values: dict[str, str]) -> None:
        """ "Sauvegarder et reprendre plus tard": store the draft with a resume code."""
        s = self.host.session
        if not self.can_save() or self.host.submitting is not None:
            return
        if s.screen is Screen.STEP:
            s.keep_typed(values)
        birth_date = s.birth_date(self.host.today())
        assert birth_date is not None
        draft = s.saved_draft(s.resume_code or new_resume_code())
        self.tasks.run(
            self._store_for_later,
            draft,
            birth_date,
            self.host.now(),
            self._expiry(),
            on_done=lambda stored: self._saved(draft.uuid, stored),
            on_error=self._save_failed,
        )

    def _store_for_later(
        self, draft: SavedDraft, birth_date: str, now: dt.datetime, expires_at: dt.datetime
    ) -> str:
        """Runs on the store worker; returns the code the draft was saved under."""
        # Imported here: kiosk.store loads SQLAlchemy, kept off the GUI thread at start-up.
        from kiosk.store.errors import ResumeCodeInUseError

        uuid, code = draft.uuid, draft.code
        self.store.drafts.save(uuid, draft.procedure_id, draft.language, draft.answers, now)
        for _ in range(5):
            try:
                self.store.resume_codes.save(uuid, code, birth_date, expires_at)
                return code
            except ResumeCodeInUseError:
                code = new_resume_code()
        raise ResumeCodeInUseError("no free resume code")  # pragma: no cover

    def _saved(self, uuid: str, code: str) -> None:
        s = self.host.session
        if s.uuid != uuid:
            return  # wiped meanwhile: the draft stays, resumable with its code
        s.saved_for_later(code)
        self.host.render()
        self.host.say(
            " ".join(
                [
                    self.host.w.saved.spoken_text(),
                    spoken_resume_code(code),  # said twice: it is what matters here
                ]
            )
        )

    def _save_failed(self, exc: BaseException) -> None:
        log.error("saving the draft for later failed: %s", type(exc).__name__)
        tr = self.host.translator
        self.host.w.show_help(tr(SAVE_TITLE), tr(SAVE_FAILED))
        self.host.say_if_voice(tr(SAVE_FAILED))

    def print_resume_code(self) -> None:
        """ "Imprimer le code": the code on paper, with the date the draft is deleted and
        how to resume; nothing about the applicant (kiosk.domain.resume.ResumeSlip)."""
        from kiosk.domain.resume import ResumeSlip

        s = self.host.session
        screen = self.host.w.saved
        if s.screen is not Screen.SAVED or s.resume_code is None or self._printing_code:
            return
        if self.receipt.printer is None:
            self._code_print_failed(s.uuid)
            return
        uuid = s.uuid
        slip = ResumeSlip(
            s.resume_code, self._expiry().astimezone().date(), s.language, self.host.theme.scale
        )
        self._printing_code = True
        screen.set_print_busy(True)
        self.receipt.print_document(  # painted on the GUI thread, printed on a worker
            slip,
            on_done=lambda _r: self._code_printed(uuid),
            on_error=lambda _exc: self._code_print_failed(uuid),
        )

    def _code_printed(self, uuid: str) -> None:
        from kiosk.ui.screens.resume import CODE_PRINTED

        self._printing_code = False
        if self.host.session.uuid != uuid or self.host.session.screen is not Screen.SAVED:
            return
        screen = self.host.w.saved
        screen.set_print_busy(False)
        screen.show_print_status(CODE_PRINTED)
        self.host.say_if_voice(screen.print_status.text())

    def _code_print_failed(self, uuid: str) -> None:
        from kiosk.ui.screens.resume import CODE_NOT_PRINTED

        self._printing_code = False
        log.warning("the resume code was not printed")
        if self.host.session.uuid != uuid or self.host.session.screen is not Screen.SAVED:
            return
        screen = self.host.w.saved
        screen.set_print_busy(False)
        screen.show_print_status(CODE_NOT_PRINTED, error=True)
        self.host.say(screen.print_status.text())  # the applicant may be waiting at the printer

    def finish_saved(self) -> None:
        """ "Terminer" on the saved screen: forget the applicant, keep the saved draft."""
        if self.host.session.screen is Screen.SAVED:
            self.host.wipe()

    # --- resume --------------------------------------------------------------------------------
    def open_resume(self) -> None:
        if self.host.session.screen is Screen.WELCOME:
            self.host.session.start(self.host.now())
            self.host.session.open_resume()
            self.host.w.resume.wipe()
            self.host.render()

    def resume(self, code: str, birth_date: str) -> None:
        s = self.host.session
        screen = self.host.w.resume
        if s.screen is not Screen.RESUME or self._resuming:
            return
        checked = check_resume_form(code, birth_date, self.host.today())
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
            self.host.now(),
            on_done=lambda draft: self._resumed(draft, canonical),
            on_error=self._resume_failed,
        )

    def _resume_errors(self, errors: list[FieldError]) -> None:
        screen = self.host.w.resume
        screen.show_errors(errors)
        self.host.say_if_voice(screen.summary.spoken_text())

    def _resumed(self, draft: Any, code: str) -> None:
        self._resuming = False
        s = self.host.session
        if s.screen is not Screen.RESUME:
            return
        try:
            saved = SavedDraft(
                draft.uuid, draft.procedure_id or "", draft.language, dict(draft.answers), code
            )
            s.restore(saved, self.host.today(), self.host.now())
        except KeyError:  # the procedure is no longer in the catalogue
            self._resume_failed(LookupError("procedure"))
            return
        self.host.w.resume.wipe()
        self.host.retranslate(s.language)
        self.host.render()

    def _resume_failed(self, exc: BaseException) -> None:
        from kiosk.store.errors import ResumeError, ResumeThrottledError  # loaded by now

        self._resuming = False
        screen = self.host.w.resume
        screen.set_busy(False)
        if isinstance(exc, ResumeThrottledError):
            message = RESUME_THROTTLED
        elif isinstance(exc, ResumeError):
            message = RESUME_FAILED
        else:
            log.error("resuming a draft failed: %s", type(exc).__name__)
            message = RESUME_UNAVAILABLE
        if self.host.session.screen is Screen.RESUME:
            screen.show_failure(message)
            self.host.say_if_voice(screen.summary.spoken_text())
