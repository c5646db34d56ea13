"""What the server checks in an application once it is unsealed (issue 13), with the
validators the kiosk uses (:mod:`contract.validation`):

* the payload's shape, and that it agrees with the upload (UUID, procedure) and the kiosk
  that sends it;
* every answer against its question in the catalogue (lengths, dates, codes, choices), no
  answer to a question the procedure does not ask, no control, bidirectional-override or
  markup character anywhere;
* the documents listed are those the answers call for; the pages' media types are allowed;
* the language and the dates (submission, consent) are plausible;
* the pages listed are the ones stored, sealed for this application and this key;
* an ``assisted`` block matches an assisted session of this kiosk (:func:`assisted_match`).

An application that fails is stored anyway as ``rejected_invalid`` with these problems, for
staff: the kiosk cannot change a sealed package, and the applicant's receipt stays valid.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from central import views
from central.db import AssistedSessionRow, Attachment
from central.problems import problems_from
from contract.catalogue import Catalogue, Procedure
from contract.languages import LANGUAGE_CODES
from contract.protocol import (
    PAGE_MEDIA_TYPES,
    ApplicationPayload,
    ApplicationUpload,
    AttachmentRef,
    FieldProblem,
)
from contract.sealing import SealError, read_attachment_header
from contract.validation import FieldError, has_unsafe_characters, validate_field

MAX_ANSWER_CHARS = 1000  # longer than any question allows: not even looked at
CLOCK_SKEW = dt.timedelta(days=1)  # a kiosk's clock may be this far ahead
EARLIEST = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
ASSISTED_SKEW = dt.timedelta(minutes=10)  # kiosk clock against server clock


def _p(field: str, message: str) -> FieldProblem:
    return FieldProblem(field=field, message=message[:200])


def check_payload(
    data: dict[str, Any],
    upload: ApplicationUpload,
    catalogue: Catalogue,
    *,
    kiosk_id: str | None = None,
    now: dt.datetime | None = None,
) -> list[FieldProblem]:
    """Everything wrong with an unsealed application, one entry per field (empty if none)."""
    try:
        payload = ApplicationPayload.model_validate(data)
    except ValidationError as exc:
        return [_p(p.field, p.message) for p in problems_from(exc.errors(include_input=False))]
    problems: list[FieldProblem] = []
    now = now or dt.datetime.now(dt.UTC)
    if payload.uuid != upload.uuid:
        problems.append(
            _p("uuid", f"the sealed application has UUID {payload.uuid}, uploaded as {upload.uuid}")
        )
    if payload.procedure_id != upload.procedure_id:
        problems.append(
            _p(
                "procedure_id",
                f"the sealed application is for {payload.procedure_id!r}, "
                f"the upload says {upload.procedure_id!r}",
            )
        )
    if kiosk_id is not None and payload.kiosk_id != kiosk_id:
        problems.append(_p("kiosk_id", f"the application names kiosk {payload.kiosk_id!r}, "
                           f"but kiosk {kiosk_id!r} sent it"))  # fmt: skip
    if payload.language not in LANGUAGE_CODES:
        problems.append(_p("language", f"{payload.language!r} is not a language of the kiosks"))
    for name, at in (("submitted_at", payload.submitted_at), ("consent.at", payload.consent.at)):
        if not EARLIEST <= at <= now + CLOCK_SKEW:
            problems.append(_p(name, f"{at.isoformat()} is not a plausible time"))
    if payload.assisted is not None and payload.assisted.consent_language not in LANGUAGE_CODES:
        problems.append(_p("assisted.consent_language", "not a language of the kiosks"))
    try:
        procedure = catalogue.procedure(payload.procedure_id)
    except KeyError:
        problems.append(_p("procedure_id", f"unknown procedure {payload.procedure_id!r}"))
        return problems
    today = min(payload.submitted_at, now).date()
    problems += _check_answers(procedure, payload.answers, today)
    expected = {d.id for d in procedure.documents_for(payload.answers)}
    if set(payload.documents) != expected or len(payload.documents) != len(expected):
        problems.append(
            _p(
                "documents",
                "the documents listed are not those the answers call for "
                f"(expected: {', '.join(sorted(expected)) or 'none'})",
            )
        )
    known_documents = {d.id for d in procedure.documents}
    problems += check_attachment_list(payload.attachments, upload.attachments, known_documents)
    return problems


def _check_answers(
    procedure: Procedure, answers: dict[str, str], today: dt.date
) -> list[FieldProblem]:
    problems = []
    for spec in procedure.fields:
        value = answers.get(spec.id, "")
        field = f"answers.{spec.id}"
        if len(value) > MAX_ANSWER_CHARS:
            problems.append(_p(field, f"the answer has {len(value)} characters"))
            continue
        if has_unsafe_characters(value):
            problems.append(
                _p(field, "the answer holds control, direction-override or markup characters")
            )
            continue
        try:
            validate_field(spec, value, today)
        except FieldError as exc:
            problems.append(_p(field, exc.message))
    asked = set(procedure.field_ids)
    for key in answers:
        if key not in asked:
            problems.append(
                _p(f"answers.{key[:64]}", f"not a question of procedure {procedure.id!r}")
            )
    return problems


def check_attachment_list(
    refs: Sequence[AttachmentRef], announced: Sequence[str], known_documents: set[str]
) -> list[FieldProblem]:
    """The sealed list of attachments against the clear one and the procedure's documents."""
    problems: list[FieldProblem] = []
    if [r.sha256 for r in refs] != list(announced):
        problems.append(
            _p(
                "attachments",
                "the attachments listed in the sealed application differ from "
                "the ones announced in the upload",
            )
        )
    seen_hashes: set[str] = set()
    seen_pages: set[tuple[str, int]] = set()
    for i, ref in enumerate(refs):
        if ref.document_id not in known_documents:
            problems.append(
                _p(
                    f"attachments.{i}.document_id",
                    f"{ref.document_id!r} is not a document of this procedure",
                )
            )
        if ref.content_type not in PAGE_MEDIA_TYPES:
            problems.append(
                _p(f"attachments.{i}.content_type",
                   f"{ref.content_type!r} is not a page type (allowed: {', '.join(sorted(PAGE_MEDIA_TYPES))})")
            )  # fmt: skip
        if ref.sha256 in seen_hashes or (ref.document_id, ref.page_no) in seen_pages:
            problems.append(_p(f"attachments.{i}", "this page is listed twice"))
        seen_hashes.add(ref.sha256)
        seen_pages.add((ref.document_id, ref.page_no))
    return problems


def check_stored_attachments(
    s: Session,
    kiosk_id: str,
    app_uuid: uuidlib.UUID,
    refs: Sequence[AttachmentRef],
    own_key_id: bytes,
) -> list[FieldProblem]:
    """Each listed attachment, as stored, is a page sealed for this application, this
    key and this place (document and page number), of the announced size."""
    problems = []
    for i, ref in enumerate(refs):
        att = s.get(Attachment, (kiosk_id, ref.sha256))
        if att is None:  # checked complete just before; gone since?
            problems.append(_p(f"attachments.{i}", "not uploaded"))
            continue
        if att.size != ref.size:
            problems.append(
                _p(f"attachments.{i}.size", f"the attachment has {att.size} bytes, not {ref.size}")
            )
        try:
            header = read_attachment_header(views.attachment_bytes(s, kiosk_id, ref.sha256, 128))
        except SealError as exc:
            problems.append(_p(f"attachments.{i}", str(exc)))
            continue
        expected_id = f"{ref.document_id}/{ref.page_no}"
        if header.uuid != app_uuid or header.attachment_id != expected_id:
            problems.append(
                _p(
                    f"attachments.{i}",
                    f"the page was sealed as {header.attachment_id!r} of "
                    f"application {header.uuid}, not as {expected_id!r} of {app_uuid}",
                )
            )
        elif header.key_id != own_key_id:
            problems.append(_p(f"attachments.{i}", "the page was sealed for another key"))
    return problems


def _covered(
    s: Session, kiosk_id: str, mediator: str, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> bool:
    """An assisted session of ``kiosk_id`` with ``mediator`` spans [start, end] (within the
    clocks' skew: ``start`` and ``end`` are the kiosk's clock, the sessions the server's)."""
    rows = s.scalars(
        select(AssistedSessionRow).where(
            AssistedSessionRow.kiosk_id == kiosk_id,
            AssistedSessionRow.mediator_id == mediator,
            AssistedSessionRow.started_at <= start + ASSISTED_SKEW,
        )
    )
    return any(end <= (row.ended_at or now) + ASSISTED_SKEW for row in rows)


def assisted_match(
    s: Session, kiosk_id: str, payload: ApplicationPayload, now: dt.datetime
) -> tuple[str | None, list[FieldProblem]]:
    """Each part of the application's ``assisted`` block (a mediator, from the applicant's
    consent to the end of their help, or to the submission) against the assisted sessions of
    ``kiosk_id`` (a mediator's assist_start .. assist_end, sign-out or time-out). Returns the
    first mediator if every part matches, and a problem for each part that does not."""
    assisted = payload.assisted
    if assisted is None:
        return None, []
    parts = [
        (p.mediator_id, p.consent_at, p.ended_at or payload.submitted_at) for p in assisted.parts
    ] or [(assisted.mediator_id, assisted.consent_at, payload.submitted_at)]
    problems = []
    for i, (mediator, start, end) in enumerate(parts):
        if not _covered(s, kiosk_id, mediator, start, max(start, end), now):
            problems.append(
                _p(
                    "assisted" if i == 0 else f"assisted.parts.{i}",
                    f"no assisted session of this kiosk with {mediator!r} covers this help",
                )
            )
    if assisted.parts and assisted.parts[0].mediator_id != assisted.mediator_id:
        problems.append(_p("assisted.mediator_id", "differs from the first part's mediator"))
    return (None if problems else parts[0][0]), problems
