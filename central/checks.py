"""What the server checks in an application once it is unsealed: the payload against the
upload and the procedure catalogue, the pages it lists against the ones stored."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from central import views
from central.db import Attachment
from central.problems import problems_from
from contract.catalogue import Catalogue
from contract.protocol import ApplicationPayload, ApplicationUpload, AttachmentRef, FieldProblem
from contract.sealing import SealError, read_attachment_header


def check_payload(
    data: dict[str, Any], upload: ApplicationUpload, catalogue: Catalogue
) -> list[FieldProblem]:
    """Everything wrong with an unsealed application, one entry per field (empty if none)."""
    try:
        payload = ApplicationPayload.model_validate(data)
    except ValidationError as exc:
        return problems_from(exc.errors())
    problems: list[FieldProblem] = []
    if payload.uuid != upload.uuid:
        problems.append(
            FieldProblem(
                field="uuid",
                message=f"the sealed application has UUID {payload.uuid}, "
                f"but it was uploaded as {upload.uuid}",
            )
        )
    if payload.procedure_id != upload.procedure_id:
        problems.append(
            FieldProblem(
                field="procedure_id",
                message=f"the sealed application is for procedure {payload.procedure_id!r}, "
                f"but the upload says {upload.procedure_id!r}",
            )
        )
    try:
        procedure = catalogue.procedure(payload.procedure_id)
    except KeyError:
        known = ", ".join(p.id for p in catalogue.procedures)
        problems.append(
            FieldProblem(
                field="procedure_id",
                message=f"unknown procedure {payload.procedure_id!r} (this server knows: {known})",
            )
        )
        return problems
    for step in procedure.steps:
        for spec in step.fields:
            if not spec.required:
                continue
            if spec.id not in payload.answers:
                problems.append(
                    FieldProblem(
                        field=f"answers.{spec.id}",
                        message=f"the required answer {spec.id!r} ({spec.label}) is missing",
                    )
                )
            elif not payload.answers[spec.id].strip():
                problems.append(
                    FieldProblem(
                        field=f"answers.{spec.id}",
                        message=f"the required answer {spec.id!r} ({spec.label}) is empty",
                    )
                )
    known_fields = set(procedure.field_ids)
    for key in payload.answers:
        if key not in known_fields:
            problems.append(
                FieldProblem(
                    field=f"answers.{key}",
                    message=f"{key!r} is not a question of procedure {procedure.id!r}",
                )
            )
    known_documents = {d.id for d in procedure.documents}
    for i, doc in enumerate(payload.documents):
        if doc not in known_documents:
            problems.append(
                FieldProblem(
                    field=f"documents.{i}",
                    message=f"{doc!r} is not a document of procedure {procedure.id!r}",
                )
            )
    problems += check_attachment_list(payload.attachments, upload.attachments, known_documents)
    return problems


def check_attachment_list(
    refs: Sequence[AttachmentRef], announced: Sequence[str], known_documents: set[str]
) -> list[FieldProblem]:
    """The sealed list of attachments against the clear one and the procedure's documents."""
    problems: list[FieldProblem] = []
    if [r.sha256 for r in refs] != list(announced):
        problems.append(
            FieldProblem(
                field="attachments",
                message="the attachments listed in the sealed application differ from the "
                "ones announced in the upload",
            )
        )
    seen_hashes: set[str] = set()
    seen_pages: set[tuple[str, int]] = set()
    for i, ref in enumerate(refs):
        if ref.document_id not in known_documents:
            problems.append(
                FieldProblem(
                    field=f"attachments.{i}.document_id",
                    message=f"{ref.document_id!r} is not a document of this procedure",
                )
            )
        if ref.sha256 in seen_hashes or (ref.document_id, ref.page_no) in seen_pages:
            problems.append(
                FieldProblem(field=f"attachments.{i}", message="this page is listed twice")
            )
        seen_hashes.add(ref.sha256)
        seen_pages.add((ref.document_id, ref.page_no))
    return problems


def check_stored_attachments(
    s: Session, app_uuid: uuidlib.UUID, refs: Sequence[AttachmentRef], own_key_id: bytes
) -> list[FieldProblem]:
    """Each listed attachment, as stored, is a page sealed for this application, this
    key and this place (document and page number), of the announced size."""

    problems = []
    for i, ref in enumerate(refs):
        att = s.get(Attachment, ref.sha256)
        if att is None:  # checked complete just before; gone since?
            problems.append(FieldProblem(field=f"attachments.{i}", message="not uploaded"))
            continue
        if att.size != ref.size:
            problems.append(
                FieldProblem(
                    field=f"attachments.{i}.size",
                    message=f"the attachment has {att.size} bytes, not {ref.size}",
                )
            )
        try:
            header = read_attachment_header(views.attachment_bytes(s, ref.sha256, 128))
        except SealError as exc:
            problems.append(FieldProblem(field=f"attachments.{i}", message=str(exc)))
            continue
        expected_id = f"{ref.document_id}/{ref.page_no}"
        if header.uuid != app_uuid or header.attachment_id != expected_id:
            problems.append(
                FieldProblem(
                    field=f"attachments.{i}",
                    message=f"the page was sealed as {header.attachment_id!r} of "
                    f"application {header.uuid}, not as {expected_id!r} of {app_uuid}",
                )
            )
        elif header.key_id != own_key_id:
            problems.append(
                FieldProblem(
                    field=f"attachments.{i}", message="the page was sealed for another key"
                )
            )
    return problems
