"""Applications: a kiosk delivers a sealed application (idempotent by its UUID) and reads
its receipt and status back.

Once unsealed, the application is checked (:mod:`central.checks`); one that fails is kept
all the same as ``rejected_invalid`` with the reasons for staff (never dropped: the
applicant's receipt stays valid). Only faults of the upload itself (its shape, a digest that
does not match, a package this server cannot open, pages still missing) are refused.
"""

# No `from __future__ import annotations`: FastAPI evaluates the handlers' annotations.

import json
import logging
import secrets
import uuid as uuidlib

from fastapi import APIRouter, Response, status
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central import views
from central.checks import assisted_match, check_payload, check_stored_attachments
from central.db import Application, ApplicationAttachment, Attachment, StatusHistory
from central.deps import CentralDep, KioskId
from central.problems import AUTH_RESPONSES, P, ProblemError
from contract.protocol import (
    API_PREFIX,
    ApplicationPayload,
    ApplicationReceipt,
    ApplicationStatus,
    ApplicationUpload,
    AttachmentRef,
    FieldProblem,
    MissingAttachments,
)
from contract.sealing import (
    FORMAT_VERSION,
    SUPPORTED_FORMATS,
    SealError,
    key_id,
    public_key_raw,
    sha256_hex,
    unseal,
)
from contract.states import ApplicationValidity

log = logging.getLogger("kiosk.central")
router = APIRouter()
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
REFERENCE_SYMBOLS = 10  # 31**10 ≈ 8e14: a reference says nothing of the others
MAX_STORED_PROBLEMS = 50


def new_reference(prefix: str, year: int) -> str:
    tail = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_SYMBOLS))
    return f"{prefix}-{year}-{tail}"


def same_or_conflict(s: Session, row: Application, upload: ApplicationUpload) -> ApplicationReceipt:
    if row.sha256 != upload.sha256:
        raise ProblemError(
            409,
            f"application {upload.uuid} was already received with different content "
            f"(central reference {row.central_reference}); a UUID is never reused",
        )
    return views.receipt(row, views.history(s, row.uuid))


def _linkable(
    s: Session, kiosk_id: str, app_uuid: str, refs: list[AttachmentRef], announced: list[str]
) -> tuple[list[AttachmentRef], list[FieldProblem]]:
    """The listed pages this application can own: announced, listed once, not another
    application's."""
    out: list[AttachmentRef] = []
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    allowed = set(announced)
    for i, ref in enumerate(refs):
        if ref.sha256 in seen or ref.sha256 not in allowed:
            continue
        seen.add(ref.sha256)
        owner = s.scalar(
            select(ApplicationAttachment.application_uuid).where(
                ApplicationAttachment.kiosk_id == kiosk_id,
                ApplicationAttachment.sha256 == ref.sha256,
            )
        )
        if owner is not None and owner != app_uuid:
            problems.append(
                FieldProblem(field=f"attachments.{i}", message=f"this page belongs to {owner}")
            )
            continue
        out.append(ref)
    return out, problems


@router.put(
    f"{API_PREFIX}/applications/{{uuid}}",
    tags=["applications"],
    status_code=201,
    responses={
        200: {"model": ApplicationReceipt, "description": "Already received: same receipt"},
        201: {"model": ApplicationReceipt, "description": "Received for the first time"},
        **AUTH_RESPONSES,
        409: {
            "model": MissingAttachments,
            "description": "This UUID was already received with other content, or this "
            "kiosk reference is another application's; or some attachments are not complete "
            "yet (`missing` lists them)",
        },
    },
)
def put_application(
    uuid: uuidlib.UUID,
    upload: ApplicationUpload,
    kiosk_id: KioskId,
    response: Response,
    c: CentralDep,
) -> ApplicationReceipt:
    """Deliver a sealed application. Idempotent by UUID: a repeat of the same package
    returns the same receipt (200); other content under a known UUID is refused (409).
    Every attachment listed must be complete first (409 with ``missing`` otherwise)."""
    if upload.uuid != uuid:
        raise ProblemError.about(
            422,
            "the UUID in the body differs from the UUID in the URL",
            "uuid",
            f"expected {uuid}, got {upload.uuid}",
        )
    sealed = upload.sealed_bytes()
    if sha256_hex(sealed) != upload.sha256:
        raise ProblemError.about(
            422,
            "the sealed package does not match its SHA-256 (damaged in transit?)",
            "sha256",
            "does not match the sealed bytes",
        )
    with Session(c.reader) as s:
        existing = s.get(Application, str(uuid))
        if existing is not None:
            response.status_code = status.HTTP_200_OK
            return same_or_conflict(s, existing, upload)
        missing = []
        for sha in upload.attachments:
            att = s.get(Attachment, (kiosk_id, sha))
            if att is None or not att.complete:
                missing.append(sha)
    if missing:
        raise ProblemError(
            409,
            f"{len(missing)} of the application's {len(upload.attachments)} attachments "
            "are not complete on the server: upload them first",
            [
                FieldProblem(
                    field=f"attachments.{upload.attachments.index(sha)}",
                    message=f"attachment {sha} is not complete",
                )
                for sha in missing[:20]
            ],
            extra={"missing": missing},
        )
    if upload.sealing_format not in SUPPORTED_FORMATS:
        raise ProblemError.about(
            422,
            f"sealing format {upload.sealing_format} is not supported by this server",
            "sealing_format",
            f"use {FORMAT_VERSION}",
        )
    try:
        data = unseal(c.private_key, uuid, sealed)
    except SealError as exc:
        raise ProblemError.about(
            422,
            "the package cannot be opened with this server's key",
            "sealed",
            str(exc),
        ) from None

    now = c.now()
    problems = check_payload(data, upload, c.catalogue, kiosk_id=kiosk_id, now=now)
    try:
        payload: ApplicationPayload | None = ApplicationPayload.model_validate(data)
    except ValidationError:
        payload = None
    refs: list[AttachmentRef] = []
    assisted_by = None
    with Session(c.reader) as s:
        if payload is not None:
            refs, link_problems = _linkable(
                s, kiosk_id, str(uuid), list(payload.attachments), list(upload.attachments)
            )
            problems += link_problems
            problems += check_stored_attachments(
                s, kiosk_id, uuid, refs, key_id(public_key_raw(c.private_key))
            )
            assisted_by, assisted_problems = assisted_match(s, kiosk_id, payload, now)
            problems += assisted_problems
    validity = ApplicationValidity.REJECTED_INVALID if problems else ApplicationValidity.VALID
    stored_problems = json.dumps(
        [p.model_dump() for p in problems[:MAX_STORED_PROBLEMS]], ensure_ascii=False
    )

    for _attempt in range(5):
        try:
            with Session(c.engine) as s, s.begin():
                existing = s.get(Application, str(uuid))
                if existing is not None:
                    response.status_code = status.HTTP_200_OK
                    return same_or_conflict(s, existing, upload)
                taken = s.scalar(
                    select(Application.uuid).where(
                        Application.kiosk_id == kiosk_id,
                        Application.kiosk_reference == upload.kiosk_reference,
                    )
                )
                if taken == str(uuid):  # a concurrent repeat of this very application
                    existing = s.get(Application, str(uuid))
                    assert existing is not None
                    response.status_code = status.HTTP_200_OK
                    return same_or_conflict(s, existing, upload)
                if taken is not None:
                    raise ProblemError.about(
                        409,
                        f"this kiosk already delivered another application with the "
                        f"reference {upload.kiosk_reference}",
                        "kiosk_reference",
                        "already used",
                    )
                row = Application(
                    uuid=str(uuid),
                    central_reference=new_reference(c.settings.reference_prefix, now.year),
                    kiosk_id=kiosk_id,
                    kiosk_reference=upload.kiosk_reference,
                    procedure_id=upload.procedure_id,
                    received_at=now,
                    status=ApplicationStatus.RECEIVED.value,
                    sealing_format=upload.sealing_format,
                    sealed=sealed,
                    sha256=upload.sha256,
                    validity=validity.value,
                    problems=stored_problems if problems else None,
                    assisted_by=assisted_by,
                )
                s.add(row)
                s.flush()
                for position, ref in enumerate(refs):
                    s.add(
                        ApplicationAttachment(
                            application_uuid=row.uuid,
                            sha256=ref.sha256,
                            kiosk_id=kiosk_id,
                            position=position,
                            document_id=ref.document_id,
                            page_no=ref.page_no,
                            content_type=ref.content_type,
                            size=ref.size,
                        )
                    )
                s.add(
                    StatusHistory(
                        application_uuid=row.uuid, status=ApplicationStatus.RECEIVED.value, at=now
                    )
                )
                s.flush()
                receipt = views.receipt(row, views.history(s, row.uuid))
        except IntegrityError:
            # A concurrent request stored this UUID (or drew the same reference) first.
            continue
        if problems:
            log.warning(
                "application %s from %s kept as rejected_invalid: %d problem(s) (%s)",
                receipt.central_reference, kiosk_id, len(problems),
                ", ".join(sorted({p.field for p in problems})[:10]),
            )  # fmt: skip
        else:
            log.info("application received from %s: %s", kiosk_id, receipt.central_reference)
        return receipt
    raise ProblemError(503, "the server is busy; try again later")


@router.get(
    f"{API_PREFIX}/applications/{{uuid}}",
    tags=["applications"],
    responses={
        **AUTH_RESPONSES,
        404: {**P, "description": "No such application from this kiosk"},
    },
)
def get_application(uuid: uuidlib.UUID, kiosk_id: KioskId, c: CentralDep) -> ApplicationReceipt:
    """The receipt and current status of an application this kiosk delivered."""
    with Session(c.reader) as s:
        row = s.get(Application, str(uuid))
        if row is None or row.kiosk_id != kiosk_id:
            raise ProblemError(404, f"no application {uuid} was received from this kiosk")
        return views.receipt(row, views.history(s, row.uuid))
