"""Rows of the central database as the protocol's models (shared by several routers)."""

from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated

from fastapi import Path as PathParam
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.db import (
    Application,
    ApplicationAttachment,
    Attachment,
    AttachmentChunk,
    Kiosk,
    KioskHeartbeat,
    StatusHistory,
)
from contract.protocol import (
    UPLOAD_LENGTH_HEADER,
    UPLOAD_OFFSET_HEADER,
    ApplicationReceipt,
    ApplicationStatus,
    AttachmentRef,
    AttachmentStatus,
    KioskInfo,
    StatusChange,
)

Sha256Path = Annotated[
    str,
    PathParam(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the sealed attachment, 64 lower-case hexadecimal digits",
    ),
]


def history(s: Session, app_uuid: str, *, notes: bool = False) -> list[StatusChange]:
    rows = s.scalars(
        select(StatusHistory)
        .where(StatusHistory.application_uuid == app_uuid)
        .order_by(StatusHistory.id)
    ).all()
    return [
        StatusChange(status=ApplicationStatus(r.status), at=r.at, note=r.note if notes else None)
        for r in rows
    ]


def receipt(row: Application, changes: Sequence[StatusChange] = ()) -> ApplicationReceipt:
    return ApplicationReceipt(
        uuid=uuidlib.UUID(row.uuid),
        central_reference=row.central_reference,
        status=ApplicationStatus(row.status),
        received_at=row.received_at,
        status_changed_at=changes[-1].at if changes else row.received_at,
        history=list(changes),
    )


def assisted_by(payload: Mapping[str, object] | None) -> str | None:
    """The mediator who helped, from an unsealed payload (issue 7)."""
    assisted = (payload or {}).get("assisted")
    return str(assisted.get("mediator_id")) if isinstance(assisted, dict) else None


def kiosk_info(row: Kiosk, beat: KioskHeartbeat | None = None) -> KioskInfo:
    info = KioskInfo(
        kiosk_id=row.id,
        name=row.name,
        revoked=row.revoked,
        enrolled_at=row.enrolled_at,
        last_seen=row.last_seen,
        software_version=row.software_version,
    )
    if beat is not None:
        info.last_heartbeat_at = beat.received_at
        info.backlog = json.loads(beat.backlog)
        info.device_health = json.loads(beat.device_health)
        info.last_error = beat.last_error
    return info


def attachment_status(row: Attachment) -> AttachmentStatus:
    return AttachmentStatus(
        sha256=row.sha256, size=row.size, received=row.received, complete=row.complete
    )


def offset_headers(received: int, size: int | None = None) -> dict[str, str]:
    headers = {UPLOAD_OFFSET_HEADER: str(received)}
    if size is not None:
        headers[UPLOAD_LENGTH_HEADER] = str(size)
    return headers


def attachment_pieces(s: Session, kiosk_id: str, sha256: str) -> Iterator[bytes]:
    """The bytes received of an attachment, in order, a stored chunk at a time."""
    query = (
        select(AttachmentChunk.data)
        .where(AttachmentChunk.kiosk_id == kiosk_id, AttachmentChunk.sha256 == sha256)
        .order_by(AttachmentChunk.offset)
    )
    yield from s.scalars(query)


def attachment_bytes(s: Session, kiosk_id: str, sha256: str, at_least: int | None = None) -> bytes:
    """The bytes received of an attachment (only the first ``at_least`` if given)."""
    out = bytearray()
    for data in attachment_pieces(s, kiosk_id, sha256):
        out += data
        if at_least is not None and len(out) >= at_least:
            break
    return bytes(out)


def attachment_refs(s: Session, app_uuid: str) -> list[AttachmentRef]:
    rows = s.scalars(
        select(ApplicationAttachment)
        .where(ApplicationAttachment.application_uuid == app_uuid)
        .order_by(ApplicationAttachment.position)
    ).all()
    return [
        AttachmentRef(
            document_id=r.document_id,
            page_no=r.page_no,
            sha256=r.sha256,
            size=r.size,
            content_type=r.content_type,
        )
        for r in rows
    ]
