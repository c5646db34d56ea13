"""Applications: a kiosk delivers a sealed application (idempotent by its UUID) and reads
its receipt and status back."""

# No `from __future__ import annotations`: FastAPI evaluates the handlers' annotations.

import logging
import uuid as uuidlib

from fastapi import APIRouter, Response, status
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central import views
from central.checks import check_payload, check_stored_attachments
from central.db import (
    Application,
    ApplicationAttachment,
    Attachment,
    ReferenceCounter,
    StatusHistory,
)
from central.deps import CentralDep, KioskId
from central.problems import AUTH_RESPONSES, P, ProblemError
from contract.protocol import (
    API_PREFIX,
    ApplicationPayload,
    ApplicationReceipt,
    ApplicationStatus,
    ApplicationUpload,
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

log = logging.getLogger("kiosk.central")
router = APIRouter()


def same_or_conflict(s: Session, row: Application, upload: ApplicationUpload) -> ApplicationReceipt:
    if row.sha256 != upload.sha256:
        raise ProblemError(
            409,
            f"application {upload.uuid} was already received with different content "
            f"(central reference {row.central_reference}); a UUID is never reused",
        )
    return views.receipt(row, views.history(s, row.uuid))


def next_reference(s: Session, year: int, prefix: str) -> str:
    value = s.execute(
        update(ReferenceCounter)
        .where(ReferenceCounter.year == year)
        .values(last_value=ReferenceCounter.last_value + 1)
        .returning(ReferenceCounter.last_value)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if value is None:
        value = 1
        s.add(ReferenceCounter(year=year, last_value=value))
        s.flush()
    return f"{prefix}-{year}-{value:06d}"


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
            "description": "This UUID was already received with other content; or some "
            "attachments are not complete yet (`missing` lists them)",
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
        raise ProblemError(
            422,
            "the UUID in the body differs from the UUID in the URL",
            [FieldProblem(field="uuid", message=f"expected {uuid}, got {upload.uuid}")],
        )
    sealed = upload.sealed_bytes()
    if sha256_hex(sealed) != upload.sha256:
        raise ProblemError(
            422,
            "the sealed package does not match its SHA-256 (damaged in transit?)",
            [FieldProblem(field="sha256", message="does not match the sealed bytes")],
        )
    with Session(c.engine) as s:
        existing = s.get(Application, str(uuid))
        if existing is not None:
            response.status_code = status.HTTP_200_OK
            return same_or_conflict(s, existing, upload)
        missing = []
        for sha in upload.attachments:
            att = s.get(Attachment, sha)
            if att is None or not att.complete or att.kiosk_id != kiosk_id:
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
        raise ProblemError(
            422,
            f"sealing format {upload.sealing_format} is not supported by this server",
            [FieldProblem(field="sealing_format", message=f"use {FORMAT_VERSION}")],
        )
    try:
        data = unseal(c.private_key, uuid, sealed)
    except SealError as exc:
        raise ProblemError(
            422,
            "the package cannot be opened with this server's key",
            [FieldProblem(field="sealed", message=str(exc))],
        ) from None
    problems = check_payload(data, upload, c.catalogue)
    if problems:
        raise ProblemError(422, "the sealed application is incomplete or invalid", problems)
    refs = ApplicationPayload.model_validate(data).attachments
    with Session(c.engine) as s:
        problems = check_stored_attachments(s, uuid, refs, key_id(public_key_raw(c.private_key)))
    if problems:
        raise ProblemError(422, "the application's attachments do not match it", problems)

    for _attempt in range(5):
        try:
            with Session(c.engine) as s, s.begin():
                existing = s.get(Application, str(uuid))
                if existing is not None:
                    response.status_code = status.HTTP_200_OK
                    return same_or_conflict(s, existing, upload)
                received = c.now()
                row = Application(
                    uuid=str(uuid),
                    central_reference=next_reference(s, received.year, c.settings.reference_prefix),
                    kiosk_id=kiosk_id,
                    kiosk_reference=upload.kiosk_reference,
                    procedure_id=upload.procedure_id,
                    received_at=received,
                    status=ApplicationStatus.RECEIVED.value,
                    sealing_format=upload.sealing_format,
                    sealed=sealed,
                    sha256=upload.sha256,
                )
                s.add(row)
                s.flush()
                for position, ref in enumerate(refs):
                    s.add(
                        ApplicationAttachment(
                            application_uuid=row.uuid,
                            sha256=ref.sha256,
                            position=position,
                            document_id=ref.document_id,
                            page_no=ref.page_no,
                            content_type=ref.content_type,
                            size=ref.size,
                        )
                    )
                s.add(
                    StatusHistory(
                        application_uuid=row.uuid,
                        status=ApplicationStatus.RECEIVED.value,
                        at=received,
                    )
                )
                s.flush()
                receipt = views.receipt(row, views.history(s, row.uuid))
        except IntegrityError:
            # A concurrent request stored this UUID (or started this year's counter)
            # first: look again.
            continue
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
    with Session(c.engine) as s:
        row = s.get(Application, str(uuid))
        if row is None or row.kiosk_id != kiosk_id:
            raise ProblemError(404, f"no application {uuid} was received from this kiosk")
        return views.receipt(row, views.history(s, row.uuid))
