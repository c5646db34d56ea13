"""Attachments: sealed pages, content-addressed by the SHA-256 of their sealed bytes,
uploaded in chunks (``Content-Range``) and resumable (``GET``/``HEAD`` say where to resume)."""

# No `from __future__ import annotations`: FastAPI evaluates the handlers' annotations.

import datetime as dt
import logging
from typing import Annotated

from fastapi import APIRouter, Body, Header, Response
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central import views
from central.db import Attachment, AttachmentChunk
from central.deps import CentralDep, KioskId
from central.problems import AUTH_RESPONSES, P, ProblemError
from central.views import Sha256Path
from contract.protocol import (
    API_PREFIX,
    MAX_ATTACHMENT_BYTES,
    MAX_CHUNK_BYTES,
    OCTET_STREAM,
    AttachmentStatus,
    FieldProblem,
    parse_content_range,
)
from contract.sealing import sha256_hex

log = logging.getLogger("kiosk.central")
router = APIRouter()


def append_chunk(
    s: Session,
    sha256: str,
    kiosk_id: str,
    start: int,
    total: int,
    chunk: bytes,
    now: dt.datetime,
) -> tuple[AttachmentStatus, bool]:
    """Add ``chunk`` (bytes ``start..``) to the attachment; returns its status and whether
    the completed bytes failed the hash check (then they have been discarded)."""
    row = s.get(Attachment, sha256, with_for_update=True)
    if row is None:
        if start != 0:
            raise ProblemError(
                409,
                "the server has no byte of this attachment yet: send it from offset 0",
                headers=views.offset_headers(0),
                extra={"received": 0},
            )
        row = Attachment(
            sha256=sha256,
            kiosk_id=kiosk_id,
            size=total,
            received=0,
            complete=False,
            created_at=now,
        )
        s.add(row)
        s.flush()
    elif row.kiosk_id != kiosk_id:
        raise ProblemError(409, "this attachment is being uploaded by another kiosk")
    if row.complete:
        return views.attachment_status(row), False  # a repeat: nothing to do
    if total != row.size:
        raise ProblemError(
            422,
            f"this attachment was announced with {row.size} bytes, not {total}",
            [FieldProblem(field="content-range", message=f"the total must be {row.size}")],
        )
    if start > row.received:
        raise ProblemError(
            409,
            f"the server has {row.received} bytes of this attachment: "
            f"send it from offset {row.received}",
            headers=views.offset_headers(row.received, row.size),
            extra={"received": row.received},
        )
    skip = row.received - start
    if skip < len(chunk):  # else: a chunk the server already has (a retry)
        s.add(AttachmentChunk(sha256=sha256, offset=row.received, data=chunk[skip:]))
        row.received = start + len(chunk)
    if row.received == row.size:
        s.flush()
        if sha256_hex(views.attachment_bytes(s, sha256)) != sha256:
            s.execute(delete(AttachmentChunk).where(AttachmentChunk.sha256 == sha256))
            s.delete(row)
            return AttachmentStatus(sha256=sha256, size=total, received=0, complete=False), True
        row.complete = True
        row.completed_at = now
    return views.attachment_status(row), False


@router.put(
    f"{API_PREFIX}/attachments/{{sha256}}",
    tags=["attachments"],
    responses={
        **AUTH_RESPONSES,
        409: {
            **P,
            "description": "The chunk does not start where the server's bytes end: "
            "resume from the Upload-Offset header (or `received`)",
        },
        413: {**P, "description": "The chunk or the attachment is too large"},
        422: {
            **P,
            "description": "Invalid request; or, on the last chunk, the bytes do not "
            "match the SHA-256: they were discarded (upload again from offset 0)",
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {OCTET_STREAM: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def put_attachment(
    sha256: Sha256Path,
    kiosk_id: KioskId,
    c: CentralDep,
    response: Response,
    chunk: Annotated[bytes, Body(media_type=OCTET_STREAM)],
    content_range: Annotated[
        str | None,
        Header(
            description='"bytes START-END/TOTAL" (END inclusive); '
            "absent: the body is the whole attachment"
        ),
    ] = None,
) -> AttachmentStatus:
    """Upload a sealed attachment, or one chunk of it (raw bytes, ``Content-Range``).

    Chunks are appended in order: a chunk must start at or before the number of bytes
    the server has (``GET``/``HEAD`` tell it); bytes it already has are skipped, so a
    repeated chunk is harmless. When the last byte arrives the SHA-256 is checked: a
    mismatch discards everything (422). Repeating a complete attachment is a no-op (200).
    """
    if content_range is None:
        start, end, total = 0, len(chunk), len(chunk)
    else:
        try:
            start, end, total = parse_content_range(content_range)
        except ValueError as exc:
            raise ProblemError(
                422,
                "the Content-Range header is not valid",
                [FieldProblem(field="content-range", message=str(exc))],
            ) from None
    if end - start != len(chunk):
        raise ProblemError(
            422,
            f"the body has {len(chunk)} bytes but Content-Range announces {end - start}",
            [FieldProblem(field="content-range", message="does not match the body")],
        )
    if len(chunk) > MAX_CHUNK_BYTES or total > MAX_ATTACHMENT_BYTES:
        raise ProblemError(
            413,
            f"chunks are at most {MAX_CHUNK_BYTES} bytes and attachments at most "
            f"{MAX_ATTACHMENT_BYTES} bytes",
        )
    for _attempt in range(5):
        try:
            with Session(c.engine) as s, s.begin():
                state, mismatch = append_chunk(s, sha256, kiosk_id, start, total, chunk, c.now())
        except IntegrityError:
            continue  # a concurrent request created it, or appended first: look again
        break
    else:
        raise ProblemError(503, "the server is busy; try again later")
    if mismatch:
        log.warning("attachment from %s discarded: SHA-256 mismatch", kiosk_id)
        raise ProblemError(
            422,
            "the attachment's bytes do not match its SHA-256; they were discarded: "
            "upload it again from offset 0",
            [FieldProblem(field="sha256", message="does not match the bytes received")],
            headers=views.offset_headers(0),
        )
    response.headers.update(views.offset_headers(state.received, state.size))
    return state


def attachment_state(c: CentralDep, sha256: str, kiosk_id: str) -> AttachmentStatus | None:
    with Session(c.engine) as s:
        row = s.get(Attachment, sha256)
        if row is None or row.kiosk_id != kiosk_id:
            return None
        return views.attachment_status(row)


@router.get(
    f"{API_PREFIX}/attachments/{{sha256}}",
    tags=["attachments"],
    responses={
        **AUTH_RESPONSES,
        404: {**P, "description": "The server has no byte of it (from this kiosk)"},
    },
)
def get_attachment(
    sha256: Sha256Path, kiosk_id: KioskId, response: Response, c: CentralDep
) -> AttachmentStatus:
    """How many bytes of an attachment the server has: resume the upload there."""
    state = attachment_state(c, sha256, kiosk_id)
    if state is None:
        raise ProblemError(
            404, "the server has no byte of this attachment", headers=views.offset_headers(0)
        )
    response.headers.update(views.offset_headers(state.received, state.size))
    return state


@router.head(
    f"{API_PREFIX}/attachments/{{sha256}}",
    tags=["attachments"],
    response_class=Response,
    responses={
        200: {"description": "Upload-Offset and Upload-Length headers say what it has"},
        401: {"description": "Missing, unknown or revoked token"},
        404: {"description": "The server has no byte of it (from this kiosk)"},
    },
)
def head_attachment(sha256: Sha256Path, kiosk_id: KioskId, c: CentralDep) -> Response:
    """Like GET, headers only: ``Upload-Offset`` (bytes the server has), ``Upload-Length``."""
    state = attachment_state(c, sha256, kiosk_id)
    if state is None:
        return Response(status_code=404, headers=views.offset_headers(0))
    headers = views.offset_headers(state.received, state.size)
    headers["X-Upload-Complete"] = "true" if state.complete else "false"
    return Response(status_code=200, headers=headers)
