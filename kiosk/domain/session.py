"""The applicant's session: where they are in the flow and what they answered.

A plain state machine, Qt-free, so that the flow is tested without screens. The Qt
controller (``kiosk.ui.controllers.session``) shows the screen this object says is current and
persists the draft after each accepted step.

The flow::

    WELCOME -> PROCEDURE -> (GUIDE: a few questions ending on a procedure) -> STEP ... STEP
            -> DOCUMENTS (what to bring, the fee) -> CHECK -> CONSENT -> RECEIPT
            -> (another application for a member of the family: PROCEDURE again)
    WELCOME -> RESUME (code + date of birth) -> the first step still to answer
    any STEP, DOCUMENTS or CHECK -> SAVED (the resume code) -> WELCOME

With a document camera (the controller decides), two photo sessions join the flow::

    the first STEP with identity questions -> SCAN (the passport: its MRZ fills them) -> STEP
    DOCUMENTS -> SCAN (each document still to photograph) -> DOCUMENTS (what is missing)
"""

from __future__ import annotations

import datetime as dt
import math
import uuid as uuidlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from contract.catalogue import Catalogue, Document, FeeItem, FieldType, Procedure, Step
from contract.validation import FieldError, validate_field
from kiosk.domain.deadlines import Deadline, renewal_deadline
from kiosk.domain.guide import GuideWalk
from kiosk.domain.identity_prefill import MRZ_DOCUMENT, MRZ_SOURCES, MismatchGate, Prefill
from kiosk.domain.receipt import new_lookup_secret
from kiosk.i18n import N_, SOURCE_LANGUAGE

PAYLOAD_VERSION = 1


class Screen(StrEnum):
    WELCOME = "welcome"
    PROCEDURE = "procedure"
    GUIDE = "guide"
    BEFORE = "before"  # "Avant de commencer": what is needed, how long, camera, resuming
    STEP = "step"
    DOCUMENTS = "documents"
    CHECK = "check"
    CONSENT = "consent"
    RECEIPT = "receipt"
    RESUME = "resume"
    SAVED = "saved"
    STATUS = "status"  # "Suivre ma demande": where an application stands (issue 8)
    SCAN = "scan"


class ScanPhase(StrEnum):
    IDENTITY = "identity"  # the passport, before the identity questions
    DOCUMENTS = "documents"  # the documents of the checklist


# The answer asked again, with the resume code, to reopen a saved draft.
RESUME_FIELD = "birth_date"


@dataclass(frozen=True)
class Receipt:
    local_reference: str
    submitted_at: dt.datetime
    procedure_id: str
    # In the receipt's QR code only (kiosk.domain.receipt); sealed in the payload.
    lookup_secret: str = field(default="", repr=False)


@dataclass(frozen=True)
class SavedDraft:
    """An application saved for later: what the store keeps under a resume code and what
    resuming reopens (``ApplicantSession.saved_draft``, ``ApplicantSession.restore``)."""

    uuid: str
    procedure_id: str
    language: str
    answers: dict[str, str]
    code: str


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
    # The "which procedure?" questions, while they are on screen or led to the procedure.
    guide: GuideWalk | None = None
    # Set once the applicant saved the draft for later (or resumed it with this code).
    resume_code: str | None = field(default=None, repr=False)
    # Shared by the family filing one after the other (address...), from the last receipt.
    household: dict[str, str] = field(default_factory=dict, repr=False)
    # The receipt's lookup secret (its QR code), sealed with the application.
    receipt_secret: str = field(default_factory=new_lookup_secret, repr=False)
    # Answers as they were when "Modifier" was pressed: going Back cancels the edit.
    _answers_before_edit: dict[str, str] | None = field(default=None, repr=False, init=False)
    _screen_before_save: Screen | None = field(default=None, repr=False, init=False)
    # Photographed documents: pages validated per document id, documents passed over.
    scan_phase: ScanPhase | None = None
    scanned_pages: dict[str, int] = field(default_factory=dict, repr=False)
    skipped_documents: set[str] = field(default_factory=set, repr=False)
    passport_scan_done: bool = False  # read (or passed over) once: not asked again
    documents_scanned: bool = False  # the checklist's photo session took place
    identity_read: Prefill | None = field(default=None, repr=False)
    mrz_gate: MismatchGate = field(default_factory=MismatchGate, repr=False)

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
        if self.screen is Screen.PROCEDURE:
            self.guide = None  # chosen directly from the list
        self.procedure = new
        # "Avant de commencer" first: the applicant did not land on a camera box with no
        # word of what is coming (issue 15, problem 11).
        self.screen = Screen.BEFORE
        self.step_index = 0

    def begin(self) -> None:
        """ "Commencer" on the "before you start" page: the first question."""
        if self.screen is not Screen.BEFORE or self.procedure is None:
            raise RuntimeError("the 'before you start' page is not on screen")
        self.screen = Screen.STEP
        self.step_index = 0

    def expected_minutes(self, *, photos: bool) -> int:
        """About how long the procedure takes, rounded up to 5 minutes: half a minute a
        question, a minute and a half a document photographed (half a minute to read its
        name without a camera), two minutes to check and sign. An estimate from the
        catalogue's data, said as "about"."""
        if self.procedure is None:
            return 0
        questions = sum(len(step.fields) for step in self.procedure.steps)
        per_document = 1.5 if photos else 0.5
        minutes = 0.5 * questions + per_document * len(self.documents()) + 2
        return max(5, 5 * math.ceil(minutes / 5))

    # --- the guide ----------------------------------------------------------------
    def start_guide(self) -> None:
        """ "Je ne sais pas quelle démarche choisir": the guide's first question."""
        if self.catalogue.guide is None:
            raise RuntimeError("this catalogue has no guide")
        self.guide = GuideWalk(self.catalogue.guide)
        self.screen = Screen.GUIDE

    def guide_answer(self, index: int) -> None:
        """Answer the guide's current question; it may end on a procedure."""
        if self.screen is not Screen.GUIDE or self.guide is None:
            raise RuntimeError("the guide is not on screen")
        self.guide.answer(index)

    def accept_guide(self) -> None:
        """Start the procedure the guide ended on."""
        if self.guide is None or self.guide.procedure_id is None:
            raise RuntimeError("the guide has not reached a procedure")
        self.choose_procedure(self.guide.procedure_id)

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
        if self.editing_from_check:
            self.editing_from_check = False
            self._answers_before_edit = None
            self.screen = Screen.CHECK
        elif self.step_index + 1 >= len(self.procedure.steps):
            self.screen = Screen.DOCUMENTS
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

    def confirm_documents(self) -> None:
        """The applicant has read the checklist: on to checking the answers."""
        if self.screen is not Screen.DOCUMENTS:
            raise RuntimeError("the document list is not on screen")
        self.screen = Screen.CHECK

    def confirm_answers(self) -> None:
        if self.screen is not Screen.CHECK:
            raise RuntimeError("answers can only be confirmed on the check screen")
        self.screen = Screen.CONSENT

    def back(self) -> None:
        if self.screen is Screen.SCAN:
            self.cancel_scan()
        elif self.screen in (Screen.PROCEDURE, Screen.RESUME, Screen.STATUS):
            self.screen = Screen.WELCOME
        elif self.screen is Screen.SAVED:
            self.screen = self._screen_before_save or Screen.WELCOME
            self._screen_before_save = None
        elif self.screen is Screen.GUIDE:
            if self.guide is None or not self.guide.back():
                self.guide = None
                self.screen = Screen.PROCEDURE
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
                self.screen = Screen.BEFORE
        elif self.screen is Screen.BEFORE:
            if (
                self.guide is not None
                and self.procedure is not None
                and self.guide.procedure_id == self.procedure.id
            ):
                self.screen = Screen.GUIDE  # the guide's answer, to change it
            else:
                self.screen = Screen.PROCEDURE
        elif self.screen is Screen.DOCUMENTS:
            assert self.procedure is not None
            self.screen = Screen.STEP
            self.step_index = len(self.procedure.steps) - 1
        elif self.screen is Screen.CHECK:
            self.screen = Screen.DOCUMENTS
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

    # --- photographing documents ------------------------------------------------------
    def wants_passport_scan(self) -> bool:
        """On a step with questions the passport's MRZ answers, not read yet."""
        step = self.step
        return (
            step is not None
            and not self.editing_from_check
            and not self.passport_scan_done
            and any(f.id in MRZ_SOURCES for f in step.fields)
        )

    def keeps_passport_pages(self) -> bool:
        """The passport is a document of the procedure: its photo is sent with it."""
        procedure = self.procedure
        return procedure is not None and any(d.id == MRZ_DOCUMENT for d in procedure.documents)

    def start_scan(self, phase: ScanPhase) -> None:
        if phase is ScanPhase.IDENTITY and self.screen is not Screen.STEP:
            raise RuntimeError("the passport is read before the identity questions")
        if phase is ScanPhase.DOCUMENTS and self.screen is not Screen.DOCUMENTS:
            raise RuntimeError("documents are photographed from the checklist")
        self.scan_phase = phase
        self.screen = Screen.SCAN

    def documents_to_scan(self) -> tuple[Document, ...]:
        """The checklist's documents without a photographed page yet."""
        return tuple(d for d in self.documents() if not self.scanned_pages.get(d.id))

    def identity_scanned(self, read: Prefill) -> None:
        """The passport's MRZ was read: its answers fill the identity questions."""
        self.identity_read = read
        self.answers.update(read.answers)
        self.mrz_gate.clear()

    def page_scanned(self, document_id: str, page_no: int) -> None:
        self.scanned_pages[document_id] = max(page_no, self.scanned_pages.get(document_id, 0))
        self.skipped_documents.discard(document_id)

    def document_skipped(self, document_id: str) -> None:
        if not self.scanned_pages.get(document_id):
            self.skipped_documents.add(document_id)

    def forget_pages(self, document_id: str) -> None:
        """The document is photographed again from its first page."""
        self.scanned_pages.pop(document_id, None)

    def finish_scan(self) -> None:
        """Every document of the photo session done: back to the flow."""
        if self.screen is not Screen.SCAN:
            return
        if self.scan_phase is ScanPhase.IDENTITY:
            self.passport_scan_done = True
            self.screen = Screen.STEP
        else:
            self.documents_scanned = True
            self.screen = Screen.DOCUMENTS
        self.scan_phase = None

    def cancel_scan(self) -> None:
        """ "Retour" during a photo session: where the applicant came from. The passport
        is offered again next time; pages already validated stay."""
        phase = self.scan_phase
        self.scan_phase = None
        if phase is ScanPhase.IDENTITY:
            self.screen = Screen.STEP
            self.back()
        else:
            self.screen = Screen.DOCUMENTS

    def missing_documents(self) -> tuple[Document, ...]:
        """Documents of the checklist with no photographed page, once photos were taken."""
        if not self.documents_scanned:
            return ()
        return tuple(d for d in self.documents() if d.required and not self.scanned_pages.get(d.id))

    def stale_pages(self) -> tuple[str, ...]:
        """Photographed documents the procedure does not have (it was changed since)."""
        ids = {d.id for d in self.procedure.documents} if self.procedure else set()
        return tuple(d for d in self.scanned_pages if d not in ids)

    def _forget_scans(self) -> None:
        self.scan_phase = None
        self.scanned_pages = {}
        self.skipped_documents = set()
        self.passport_scan_done = False
        self.documents_scanned = False
        self.identity_read = None
        self.mrz_gate = MismatchGate()

    # --- what the answers imply ---------------------------------------------------
    def documents(self) -> tuple[Document, ...]:
        """The documents to bring or scan, given the answers so far."""
        if self.procedure is None:
            return ()
        return self.procedure.documents_for(self.answers)

    def fees(self) -> tuple[FeeItem, ...]:
        if self.procedure is None:
            return ()
        return self.procedure.fees_for(self.answers)

    def fee_total(self) -> int:
        return sum(f.amount_eur for f in self.fees())

    def deadline(self, today: dt.date) -> Deadline | None:
        """For a renewal whose expiry date was answered: early, on time, late or expired."""
        if self.procedure is None or self.procedure.expiry_field is None:
            return None
        try:
            expiry = dt.date.fromisoformat(self.answers.get(self.procedure.expiry_field, ""))
        except ValueError:
            return None  # not answered yet, or only typed (not validated)
        return renewal_deadline(expiry, today, self.catalogue.renewal_deadlines)

    # --- save for later, resume -----------------------------------------------------
    def birth_date(self, today: dt.date) -> str | None:
        """The validated date of birth (ISO), which protects a saved draft, or None."""
        if self.procedure is None or RESUME_FIELD not in self.procedure.field_ids:
            return None
        spec = self.procedure.field(RESUME_FIELD)
        if spec.type is not FieldType.DATE:
            return None
        try:
            return validate_field(spec, self.answers.get(RESUME_FIELD), today).value
        except FieldError:
            return None

    def can_save_for_later(self, today: dt.date) -> bool:
        return self.screen in (Screen.STEP, Screen.DOCUMENTS, Screen.CHECK) and bool(
            self.birth_date(today)
        )

    def saved_for_later(self, code: str) -> None:
        """The draft is stored under ``code``: show it. Back returns to the application."""
        self.resume_code = code
        if self.screen is not Screen.SAVED:
            self._screen_before_save = self.screen
        self.screen = Screen.SAVED

    def open_status(self) -> None:
        """The welcome screen's "Suivre ma demande"."""
        self.screen = Screen.STATUS

    def open_resume(self) -> None:
        """The welcome screen's "Reprendre une demande"."""
        self.screen = Screen.RESUME

    def saved_draft(self, code: str) -> SavedDraft:
        """This application, to be saved for later under ``code`` (a procedure chosen)."""
        assert self.procedure is not None
        return SavedDraft(self.uuid, self.procedure.id, self.language, dict(self.answers), code)

    def restore(self, draft: SavedDraft, today: dt.date, now: dt.datetime | None = None) -> None:
        """Reopen a saved draft where it stopped: the first step with an answer missing
        or invalid, else the document list. KeyError if the procedure no longer exists."""
        procedure = self.catalogue.procedure(draft.procedure_id)
        self.uuid = draft.uuid
        self.language = draft.language
        self.procedure = procedure
        self.answers = {k: v for k, v in draft.answers.items() if k in procedure.field_ids}
        self.resume_code = draft.code
        self.guide = None
        self.started_at = now or dt.datetime.now(dt.UTC)
        self.editing_from_check = False
        self._answers_before_edit = None
        self.consent_given = False
        self.receipt = None
        self._forget_scans()
        # The draft was saved after the identity questions, which come after the passport
        # (read or passed over then): it is not asked for again on resuming (issue 15).
        self.passport_scan_done = any(self.answers.get(f) for f in MRZ_SOURCES)
        for index, step in enumerate(procedure.steps):
            for spec in step.fields:
                try:
                    validate_field(spec, self.answers.get(spec.id), today)
                except FieldError:
                    self.screen = Screen.STEP
                    self.step_index = index
                    return
        self.screen = Screen.DOCUMENTS

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
            "documents": [d.id for d in self.procedure.documents_for(self.answers)],
            "consent": {"declaration_accepted": True, "at": now.isoformat()},
            "kiosk_id": kiosk_id,
            "submitted_at": now.isoformat(),
            "receipt_secret": self.receipt_secret,
        }

    def submitted(self, receipt: Receipt) -> None:
        self.receipt = receipt
        self.screen = Screen.RECEIPT
        self.household = {
            k: self.answers[k] for k in self.catalogue.household_fields if self.answers.get(k)
        }

    def another_application(self) -> None:
        """ "Faire une autre demande pour un membre de ma famille": a new application
        (new uuid, own receipt) in the same language, with the household's answers
        (address...) already given."""
        if self.screen is not Screen.RECEIPT:
            raise RuntimeError("another application starts from a receipt")
        self._new_application(dict(self.household), Screen.PROCEDURE)

    def wipe(self) -> None:
        """Forget the applicant: a new UUID, no answers, back to welcome in French."""
        self.language = SOURCE_LANGUAGE
        self.started_at = None
        self.household = {}
        self._screen_before_save = None
        self._new_application({}, Screen.WELCOME)

    def _new_application(self, answers: dict[str, str], screen: Screen) -> None:
        """A new application (a new UUID and receipt secret, no procedure yet) with
        ``answers``, at ``screen``: nothing of the last one is kept (its place in the
        steps, consent, receipt, guide, resume code and scans)."""
        self.uuid = str(uuidlib.uuid4())
        self.receipt_secret = new_lookup_secret()
        self.procedure = None
        self.answers = answers
        self.screen = screen
        self.step_index = 0
        self.editing_from_check = False
        self._answers_before_edit = None
        self.consent_given = False
        self.receipt = None
        self.guide = None
        self.resume_code = None
        self._forget_scans()
