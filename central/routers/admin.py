"""The admin API (``Authorization: Bearer <admin token>``): applications unsealed, their
pages, statuses, enrolment codes, the fleet, revocation. Staff accounts and the staff audit
log are in :mod:`central.routers.staff`."""

# No `from __future__ import annotations`: FastAPI evaluates the handlers' annotations.

import json
import logging
import uuid as uuidlib

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from central import views
from central.db import (
    Application,
    ApplicationAttachment,
    EnrolmentCodeRow,
    Kiosk,
    KioskHeartbeat,
    StatusHistory,
)
from central.deps import ADMIN, CentralDep, token_hash
from central.problems import AUTH_RESPONSES, P, ProblemError
from central.routers.enrolment import new_enrolment_code, normalise_code
from central.views import Sha256Path
from contract.protocol import (
    API_PREFIX,
    OCTET_STREAM,
    PAGE_MEDIA_TYPES,
    AdminApplication,
    ApplicationReceipt,
    ApplicationStatus,
    EnrolmentCode,
    FieldProblem,
    KioskInfo,
    StatusUpdate,
)
from contract.sealing import SealError, unseal, unseal_attachment
from contract.states import ApplicationValidity

log = logging.getLogger("kiosk.central")
router = APIRouter(prefix=f"{API_PREFIX}/admin", tags=["admin"], dependencies=ADMIN)


@router.get("/applications", responses={401: AUTH_RESPONSES[401]})
def admin_applications(c: CentralDep) -> list[AdminApplication]:
    """Every application received, unsealed (for tests, demos and back-office tools)."""
    out = []
    with Session(c.reader) as s:
        for row in s.scalars(select(Application).order_by(Application.central_reference)):
            try:
                payload: dict[str, object] | None = unseal(c.private_key, row.uuid, row.sealed)
            except SealError:
                payload = None
            out.append(
                AdminApplication(
                    uuid=uuidlib.UUID(row.uuid),
                    central_reference=row.central_reference,
                    status=ApplicationStatus(row.status),
                    received_at=row.received_at,
                    kiosk_id=row.kiosk_id,
                    kiosk_reference=row.kiosk_reference,
                    procedure_id=row.procedure_id,
                    sha256=row.sha256,
                    payload=payload,
                    attachments=views.attachment_refs(s, row.uuid),
                    history=views.history(s, row.uuid, notes=True),
                    assisted_by=row.assisted_by,
                    validity=ApplicationValidity(row.validity),
                    problems=[FieldProblem(**p) for p in json.loads(row.problems or "[]")],
                )
            )
    return out


@router.get(
    "/applications/{uuid}/attachments/{sha256}",
    response_class=Response,
    responses={
        200: {"description": "The page, unsealed", "content": {OCTET_STREAM: {}}},
        401: AUTH_RESPONSES[401],
        404: {**P, "description": "No such attachment of this application"},
    },
)
def admin_attachment(uuid: uuidlib.UUID, sha256: Sha256Path, c: CentralDep) -> Response:
    """One page of an application, unsealed, as a download: its declared type if it is a page
    type (PAGE_MEDIA_TYPES), else ``application/octet-stream``; never sniffed, never shown
    inline by a browser."""
    with Session(c.reader) as s:
        link = s.get(ApplicationAttachment, (str(uuid), sha256))
        if link is None:
            raise ProblemError(404, f"application {uuid} has no attachment {sha256}")
        blob = views.attachment_bytes(s, link.kiosk_id, sha256)
        att_id = f"{link.document_id}/{link.page_no}"
        content_type = link.content_type
    try:
        clear = unseal_attachment(c.private_key, uuid, att_id, blob)
    except SealError as exc:
        raise ProblemError(409, f"the attachment cannot be opened: {exc}") from None
    media_type = content_type if content_type in PAGE_MEDIA_TYPES else OCTET_STREAM
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
    name = f"{link.document_id}-{link.page_no}.{extension.get(media_type, 'bin')}"
    return Response(
        content=clear,
        media_type=media_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@router.post(
    "/applications/{uuid}/status",
    responses={**AUTH_RESPONSES, 404: {**P, "description": "No such application"}},
)
def admin_set_status(
    uuid: uuidlib.UUID, update_: StatusUpdate, c: CentralDep
) -> ApplicationReceipt:
    """Move an application to another status (kept in its history; the kiosk shows it).
    Setting the current status again changes nothing."""
    with Session(c.engine) as s, s.begin():
        row = s.get(Application, str(uuid), with_for_update=True)
        if row is None:
            raise ProblemError(404, f"no application {uuid}")
        if row.status != update_.status.value:
            row.status = update_.status.value
            s.add(
                StatusHistory(
                    application_uuid=row.uuid,
                    status=update_.status.value,
                    at=c.now(),
                    note=update_.note,
                )
            )
            s.flush()
            log.info("application %s: status %s", row.central_reference, row.status)
        return views.receipt(row, views.history(s, row.uuid, notes=True))


@router.post(
    "/enrolment-codes",
    status_code=201,
    responses={401: AUTH_RESPONSES[401]},
)
def admin_new_code(c: CentralDep) -> EnrolmentCode:
    """A new one-time enrolment code (shown once; only its hash is kept)."""
    code = new_enrolment_code()
    with Session(c.engine) as s, s.begin():
        s.add(EnrolmentCodeRow(code_sha256=token_hash(normalise_code(code)), created_at=c.now()))
    return EnrolmentCode(code=code)


@router.get("/kiosks", responses={401: AUTH_RESPONSES[401]})
def admin_kiosks(c: CentralDep) -> list[KioskInfo]:
    """The fleet: every kiosk with its last heartbeat (version, backlog, devices)."""
    with Session(c.reader) as s:
        return [
            views.kiosk_info(k, s.get(KioskHeartbeat, k.id))
            for k in s.scalars(select(Kiosk).order_by(Kiosk.enrolled_at))
        ]


@router.post(
    "/kiosks/{kiosk_id}/revoke",
    responses={
        **AUTH_RESPONSES,
        404: {**P, "description": "No such kiosk"},
    },
)
def admin_revoke(kiosk_id: str, c: CentralDep) -> KioskInfo:
    """Revoke a kiosk's token at once (a stolen or retired terminal)."""
    with Session(c.engine) as s, s.begin():
        kiosk = s.get(Kiosk, kiosk_id)
        if kiosk is None:
            raise ProblemError(404, f"no kiosk {kiosk_id!r}")
        kiosk.revoked = True
        info = views.kiosk_info(kiosk)
    c.forget_tokens()
    log.info("kiosk %s revoked", kiosk_id)
    return info
