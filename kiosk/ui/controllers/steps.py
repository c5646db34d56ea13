"""The applicant's way through a procedure: "Commencer", the procedure chosen, "before
you start", each question step (with the passport's answers checked against it), "Retour",
and the check-answers screen. Each accepted step saves the draft on the store worker.

Built by the session controller from the store, the task runner, the scan flow (the
passport comes before the identity questions), and callbacks: ``after_step`` (the renewal
deadline notice), ``leave`` (back to the welcome screen is leaving) and ``offered`` (the
procedures this kiosk offers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from contract.validation import FieldError
from kiosk.domain.session import Screen
from kiosk.ui.controllers.ports import FlowHost, StoreFlow, StorePort
from kiosk.ui.controllers.scan import ScanFlow
from kiosk.ui.controllers.submission import draft_failed
from kiosk.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from kiosk.ui.main_window import MainWindow


class StepsFlow(StoreFlow):
    def __init__(
        self,
        host: FlowHost,
        store: StorePort,
        tasks: TaskRunner,
        scan: ScanFlow,
        after_step: Callable[[set[str]], None],
        leave: Callable[[], None],
        offered: Callable[[], tuple[str, ...]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(host, store, tasks, parent)
        self.scan = scan
        self.after_step = after_step
        self.leave = leave
        self.offered = offered

    def attach(self, window: MainWindow) -> None:
        window.welcome.start_requested.connect(self.start)
        window.procedure.procedure_chosen.connect(self.choose_procedure)
        window.before.begin_requested.connect(self.begin)
        window.step.step_submitted.connect(self.submit_step)
        window.check.edit_requested.connect(self.edit)
        window.check.answers_confirmed.connect(self.confirm_answers)

    def start(self) -> None:
        self.host.session.start(self.host.now())
        self.host.render()

    def choose_procedure(self, procedure_id: str) -> None:
        if self.offered() and procedure_id not in self.offered():
            return
        self.host.session.choose_procedure(procedure_id)
        self.host.render()

    def begin(self) -> None:
        """ "Commencer" on the "before you start" page."""
        if self.host.session.screen is Screen.BEFORE:
            self.host.session.begin()
            self.host.render()

    def back(self) -> None:
        if self.scan.back():
            return
        s = self.host.session
        if s.screen is Screen.CONSENT and self.host.submitting:
            return
        if s.screen is Screen.STEP and not s.editing_from_check:
            # Going back keeps what was typed on this page (nothing to type twice).
            s.keep_typed(self.host.w.step.values())
        s.back()
        if s.screen is Screen.WELCOME and (s.answers or s.procedure is not None):
            self.leave()
            return
        self.host.render()

    def submit_step(self, values: dict[str, str]) -> None:
        s = self.host.session
        if s.screen is not Screen.STEP:
            return
        step = s.step
        if self.scan.mrz_mismatch(values):
            return  # shown once: the same answers again go through
        errors = s.submit_step(values, self.host.today())
        if errors:
            self._show_errors(errors)
            return
        assert s.procedure is not None and step is not None
        self.tasks.run(
            self.store.drafts.save,
            s.uuid,
            s.procedure.id,
            s.language,
            dict(s.answers),
            self.host.now(),
            on_error=draft_failed,
        )
        self.host.render()
        self.after_step({f.id for f in step.fields})  # e.g. the renewal deadline

    def _show_errors(self, errors: list[FieldError]) -> None:
        step = self.host.w.step
        step.show_errors(errors)
        self.host.say_if_voice(step.summary.spoken_text())

    def edit(self, step_id: str) -> None:
        if self.host.session.screen is not Screen.CHECK:
            return
        self.host.session.edit(step_id)
        self.host.render()

    def confirm_answers(self) -> None:
        s = self.host.session
        if s.screen is not Screen.CHECK:
            return
        missing = s.missing_answers(self.host.today())
        if missing:
            # Cannot happen through the screens; never submit an invalid answer anyway.
            assert s.procedure is not None
            first = next(
                st.id
                for st in s.procedure.steps
                if any(f.id == missing[0].field_id for f in st.fields)
            )
            s.edit(first)
            self.host.render(speak=False)
            self._show_errors(missing)
            return
        s.confirm_answers()
        self.host.render()
