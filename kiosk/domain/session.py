"""The applicant's session: where they are in the flow and what they answered.

A plain state machine, Qt-free, so that the flow is tested without screens. The Qt
controller (``kiosk.ui.controller``) shows the screen this object says is current and
persists the draft after each accepted step.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kiosk.domain.catalogue import Catalogue, Procedure, Step
from kiosk.domain.validation import FieldError, validate_field
from kiosk.i18n import N_, SOURCE_LANGUAGE

PAYLOAD_VERSION = 1


class Screen(StrEnum):
    WELCOME = "welcome"
    PROCEDURE = "procedure"
    STEP = "step"
    CHECK = "check"
    CONSENT = "consent"
    RECEIPT = "receipt"


@dataclass(frozen=True)
class Receipt:
    local_reference: str
    submitted_at: dt.datetime
    procedure_id: str


@dataclass
class ApplicantSession:
    """One applicant, from the welcome screen to the receipt. ``wipe()`` forgets them."""

    catalogue: Catalogue
    language: str = SOURCE_LANGUAGE
    uuid: str = field(default_factory=lambda: str(uuidlib.uuid4()))
    procedure: Procedure | None = None
    answers: dict[str, str] = field(default_factory=dict)
    screen: Screen = Screen.WELCOME
    step_index: int = 0
    editing_from_check: bool = False
    consent_given: bool = False
    receipt: Receipt | None = None
    started_at: dt.datetime | None = None
    # Answers as they were when "Modifier" was pressed: going Back cancels the edit.
    _answers_before_edit: dict[str, str] | None = field(default=None, repr=False, init=False)

    # --- navigation -------------------------------------------------------------
    @property
    def step(self) -> Step | None:
        if self.screen is Screen.STEP and self.procedure is not None:
            return self.procedure.steps[self.step_index]
        return None

    def choose_language(self, code: str) -> None:
        self.language = code

    def start(self, now: dt.datetime | None = None) -> None:
        """Leave the welcome screen."""
        self.started_at = now or dt.datetime.now(dt.UTC)
        self.screen = Screen.PROCEDURE

    def choose_procedure(self, procedure_id: str) -> None:
        new = self.catalogue.procedure(procedure_id)
        if self.procedure is not None and self.procedure.id != new.id:
            # Keep answers to fields the new procedure also asks (WCAG 3.3.7: no re-typing).
            self.answers = {k: v for k, v in self.answers.items() if k in new.field_ids}
        self.procedure = new
        self.screen = Screen.STEP
        self.step_index = 0

    def submit_step(self, values: dict[str, str], today: dt.date) -> list[FieldError]:
        """Validate the current step; on success record the answers and move on."""
        step = self.step
        if step is None:
            raise RuntimeError(f"no question on screen {self.screen}")
        errors: list[FieldError] = []
        accepted: dict[str, str] = {}
        for spec in step.fields:
            try:
                accepted[spec.id] = validate_field(spec, values.get(spec.id), today).value
            except FieldError as err:
                errors.append(err)
        # Keep what was typed even when invalid, so going Back or switching language loses nothing.
        self.keep_typed(values)
        if errors:
            return errors
        self.answers.update(accepted)
        assert self.procedure is not None
        if self.editing_from_check or self.step_index + 1 >= len(self.procedure.steps):
            self.editing_from_check = False
            self._answers_before_edit = None
            self.screen = Screen.CHECK
        else:
            self.step_index += 1
        return []

    def keep_typed(self, values: dict[str, str]) -> None:
        """Remember what was typed on the current step, valid or not (no re-typing later)."""
        step = self.step
        if step is None:
            return
        ids = {f.id for f in step.fields}
        self.answers.update({k: v for k, v in values.items() if k in ids})

    def edit(self, step_id: str) -> None:
        """From the check-answers screen: go to one step, then come back to check."""
        assert self.procedure is not None
        self.step_index = [s.id for s in self.procedure.steps].index(step_id)
        self.screen = Screen.STEP
        self.editing_from_check = True
        self._answers_before_edit = dict(self.answers)

    def confirm_answers(self) -> None:
        if self.screen is not Screen.CHECK:
            raise RuntimeError("answers can only be confirmed on the check screen")
        self.screen = Screen.CONSENT

    def back(self) -> None:
        if self.screen is Screen.PROCEDURE:
            self.screen = Screen.WELCOME
        elif self.screen is Screen.STEP:
            if self.editing_from_check:
                # Cancel the edit: what the check screen showed stays valid.
                self.editing_from_check = False
                if self._answers_before_edit is not None:
                    self.answers = self._answers_before_edit
                    self._answers_before_edit = None
                self.screen = Screen.CHECK
            elif self.step_index > 0:
                self.step_index -= 1
            else:
                self.screen = Screen.PROCEDURE
        elif self.screen is Screen.CHECK:
            assert self.procedure is not None
            self.screen = Screen.STEP
            self.step_index = len(self.procedure.steps) - 1
        elif self.screen is Screen.CONSENT:
            self.screen = Screen.CHECK

    def missing_answers(self, today: dt.date) -> list[FieldError]:
        """Every field re-checked, so nothing invalid can be submitted whatever the path."""
        assert self.procedure is not None
        errors = []
        for step in self.procedure.steps:
            for spec in step.fields:
                try:
                    validate_field(spec, self.answers.get(spec.id), today)
                except FieldError as err:
                    errors.append(err)
        return errors

    def give_consent(self, accepted: bool) -> list[str]:
        if not accepted:
            return [N_("Cochez la case pour confirmer votre déclaration.")]
        self.consent_given = True
        return []

    def payload(self, kiosk_id: str, now: dt.datetime) -> dict[str, Any]:
        """What is sealed and sent to the central API."""
        if self.procedure is None or not self.consent_given:
            raise RuntimeError("an application needs a procedure and the applicant's consent")
        return {
            "payload_version": PAYLOAD_VERSION,
            "uuid": self.uuid,
            "procedure_id": self.procedure.id,
            "language": self.language,
            "answers": {k: self.answers.get(k, "") for k in self.procedure.field_ids},
            "documents": [d.id for d in self.procedure.documents],
            "consent": {"declaration_accepted": True, "at": now.isoformat()},
            "kiosk_id": kiosk_id,
            "submitted_at": now.isoformat(),
        }

    def submitted(self, receipt: Receipt) -> None:
        self.receipt = receipt
        self.screen = Screen.RECEIPT

    def wipe(self) -> None:
        """Forget the applicant: a new UUID, no answers, back to welcome in French."""
        self.language = SOURCE_LANGUAGE
        self.uuid = str(uuidlib.uuid4())
        self.procedure = None
        self.answers = {}
        self.screen = Screen.WELCOME
        self.step_index = 0
        self.editing_from_check = False
        self._answers_before_edit = None
        self.consent_given = False
        self.receipt = None
        self.started_at = None
