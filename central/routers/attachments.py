"""Attachments: sealed pages, content-addressed by the SHA-256 of their sealed bytes within
the kiosk that uploads them, sent in chunks (``Content-Range``) and resumable (``GET``/``HEAD``
say where to resume).

A chunk is streamed to a spool (memory up to 1 MiB, then a temporary file), never held
whole in memory, and written in one short transaction; what can be refused is refused before
its body is read (offset, size, the kiosk's quota of unfinished uploads).
"""

# No `from __future__ import annotations`: FastAPI evaluates the handlers' annotations.

import datetime as dt
import hashlib
import logging
import tempfile
from typing import IO, Annotated

import anyio
from fastapi import APIRouter, Header, Request, Response
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central import views
from central.db import Attachment, AttachmentChunk
from central.deps import Central, CentralDep, KioskId
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

log = logging.getLogger("kiosk.central")
router = APIRouter()
PIECE = 1024 * 1024  # bytes per stored row
SPOOL_IN_MEMORY = 1024 * 1024


def _mismatch(sha256: str) -> ProblemError:
    return ProblemError(
        422,
        "the attachment's bytes do not match its SHA-256; they were discarded: "
        "upload it again from offset 0",
        [FieldProblem(field="sha256", message="does not match the bytes received")],
        headers=views.offset_headers(0),
    )


def _precheck(
    c: Central, kiosk_id: str, sha256: str, start: int, total: int
) -> AttachmentStatus | None:
    """Refuse what can be refused before the body is read; the status of a complete
    attachment (a repeat: nothing to read)."""
    with Session(c.reader) as s:
        row = s.get(Attachment, (kiosk_id, sha256))
        if row is None:
            if start != 0:
                raise ProblemError(
                    409,
                    "the server has no byte of this attachment yet: send it from offset 0",
                    headers=views.offset_headers(0),
                    extra={"received": 0},
                )
            limits = c.settings.limits
            count, size = s.execute(
                select(func.count(), func.coalesce(func.sum(Attachment.size), 0)).where(
                    Attachment.kiosk_id == kiosk_id, Attachment.complete.is_(False)
                )
            ).one()
            if count >= limits.unfinished_uploads_per_kiosk or (
                size + total > limits.unfinished_bytes_per_kiosk
            ):
                raise ProblemError(
                    429,
                    f"this kiosk has {count} unfinished uploads ({size} bytes): finish them "
                    "before starting others",
                    headers={"Retry-After": "600"},
                )
            return None
        if row.complete:
            return views.attachment_status(row)
        if total != row.size:
            raise ProblemError.about(
                422,
                f"this attachment was announced with {row.size} bytes, not {total}",
                "content-range",
                f"the total must be {row.size}",
            )
        if start > row.received:
            raise ProblemError(
                409,
                f"the server has {row.received} bytes of this attachment: "
                f"send it from offset {row.received}",
                headers=views.offset_headers(row.received, row.size),
                extra={"received": row.received},
            )
    return None


def _append(
    c: Central, kiosk_id: str, sha256: str, start: int, total: int, spool: IO[bytes], length: int
) -> tuple[AttachmentStatus, bool]:
    """Add the spooled bytes ``[start, start + length)``; returns the status and whether the
    completed bytes failed the hash check (then they have been discarded)."""
    now: dt.datetime = c.now()
    with Session(c.engine) as s, s.begin():
        row = s.get(Attachment, (kiosk_id, sha256), with_for_update=True)
        if row is None:
            if start != 0:
                raise ProblemError(409, "send it from offset 0", headers=views.offset_headers(0),
                                   extra={"received": 0})  # fmt: skip
            row = Attachment(
                kiosk_id=kiosk_id, sha256=sha256, size=total, received=0, complete=False,
                created_at=now,
            )  # fmt: skip
            s.add(row)
            s.flush()
        if row.complete:
            return views.attachment_status(row), False  # a repeat: nothing to do
        if total != row.size or start > row.received:
            raise ProblemError(
                409,
                f"the server has {row.received} bytes of this attachment",
                headers=views.offset_headers(row.received, row.size),
                extra={"received": row.received},
            )
        skip = row.received - start  # bytes the server already has (a retry)
        if skip < length:
            spool.seek(skip)
            offset = row.received
            while piece := spool.read(PIECE):
                s.add(AttachmentChunk(kiosk_id=kiosk_id, sha256=sha256, offset=offset, data=piece))
                offset += len(piece)
            row.received = offset
        if row.received == row.size:
            s.flush()
            digest = hashlib.sha256()
            for data in views.attachment_pieces(s, kiosk_id, sha256):
                digest.update(data)
            if digest.hexdigest() != sha256:
                s.execute(
                    delete(AttachmentChunk).where(
                        AttachmentChunk.kiosk_id == kiosk_id, AttachmentChunk.sha256 == sha256
                    )
                )
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
        429: {**P, "description": "Too many unfinished uploads from this kiosk"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {OCTET_STREAM: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def put_attachment(
    sha256: Sha256Path,
    kiosk_id: KioskId,
    request: Request,
    response: Response,
    c: CentralDep,
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
    announced = request.headers.get("content-length")
    if content_range is not None:
        try:
            start, end, total = parse_content_range(content_range)
        except ValueError as exc:
            raise ProblemError.about(
                422,
                "the Content-Range header is not valid",
                "content-range",
                str(exc),
            ) from None
        length: int | None = end - start
    else:
        start, length = 0, int(announced) if announced and announced.isdigit() else None
        total = length if length is not None else MAX_CHUNK_BYTES
    if (length is not None and length > MAX_CHUNK_BYTES) or total > MAX_ATTACHMENT_BYTES:
        raise ProblemError(
            413,
            f"chunks are at most {MAX_CHUNK_BYTES} bytes and attachments at most "
            f"{MAX_ATTACHMENT_BYTES} bytes",
        )
    if content_range is not None or length is not None:
        done = await anyio.to_thread.run_sync(_precheck, c, kiosk_id, sha256, start, total)
        if done is not None:
            response.headers.update(views.offset_headers(done.received, done.size))
            return done

    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        got = 0
        async for piece in request.stream():
            got += len(piece)
            if got > MAX_CHUNK_BYTES:
                raise ProblemError(413, f"chunks are at most {MAX_CHUNK_BYTES} bytes")
            spool.write(piece)
        if content_range is None:
            length, total = got, got
        if got != length or got == 0:
            raise ProblemError.about(
                422,
                f"the body has {got} bytes but Content-Range announces {length}",
                "content-range",
                "does not match the body",
            )
        if content_range is None:
            await anyio.to_thread.run_sync(_precheck, c, kiosk_id, sha256, start, total)
        for _attempt in range(5):
            try:
                state, mismatch = await anyio.to_thread.run_sync(
                    _append, c, kiosk_id, sha256, start, total, spool, got
                )
            except IntegrityError:
                continue  # a concurrent request created it, or appended first: look again
            break
        else:
            raise ProblemError(503, "the server is busy; try again later")
    if mismatch:
        log.warning("attachment from %s discarded: SHA-256 mismatch", kiosk_id)
        raise _mismatch(sha256)
    response.headers.update(views.offset_headers(state.received, state.size))
    return state


def attachment_state(c: Central, sha256: str, kiosk_id: str) -> AttachmentStatus | None:
    with Session(c.reader) as s:
        row = s.get(Attachment, (kiosk_id, sha256))
        return None if row is None else views.attachment_status(row)


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
