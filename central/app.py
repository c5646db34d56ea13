"""The reference central API: FastAPI application factory.

``create_app(settings)`` builds everything from the settings (database, sealing key,
catalogue); nothing is global, so tests can run several servers side by side.

Every error response has the :class:`contract.protocol.Problem` shape: ``detail`` (a sentence)
and ``errors`` (one ``{field, message}`` per faulty field).
"""

# No `from __future__ import annotations`: FastAPI must evaluate the handlers' annotations,
# which refer to dependencies defined inside create_app().

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import uuid as uuidlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Header, Request, Response, status
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from central.db import (
    Application,
    ApplicationAttachment,
    Attachment,
    AttachmentChunk,
    EnrolmentCodeRow,
    Kiosk,
    KioskHeartbeat,
    ReferenceCounter,
    StatusHistory,
    make_engine,
)
from central.routers.desk import desk_router, record_presence
from central.routers.staff import staff_router
from central.routers.status import status_router
from contract import __version__
from contract.catalogue import Catalogue, load_catalogue
from contract.protocol import (
    API_PREFIX,
    MAX_ATTACHMENT_BYTES,
    MAX_CHUNK_BYTES,
    OCTET_STREAM,
    UPLOAD_LENGTH_HEADER,
    UPLOAD_OFFSET_HEADER,
    AdminApplication,
    ApplicationPayload,
    ApplicationReceipt,
    ApplicationStatus,
    ApplicationUpload,
    AttachmentRef,
    AttachmentStatus,
    EnrolmentCode,
    EnrolRequest,
    EnrolResponse,
    FieldProblem,
    Health,
    Heartbeat,
    HeartbeatAck,
    KioskInfo,
    MissingAttachments,
    Problem,
    StatusChange,
    StatusUpdate,
    parse_content_range,
)
from contract.sealing import (
    FORMAT_VERSION,
    SUPPORTED_FORMATS,
    SealError,
    encode_public_key,
    key_id,
    load_or_create_private_key,
    public_key_raw,
    read_attachment_header,
    sha256_hex,
    unseal,
    unseal_attachment,
)

log = logging.getLogger("kiosk.central")

PRIVATE_KEY_FILE = "central_private_key.pem"
DATABASE_FILE = "central.db"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed by hand


@dataclass
class Settings:
    data_dir: Path
    database_url: str | None = None  # default: SQLite in data_dir
    admin_token: str | None = None  # None: the admin API answers 401
    desk_token: str | None = None  # reception desk and fleet view (central.routers.desk)
    offline_after_s: float = 90.0  # a kiosk without a heartbeat for longer is offline
    enrolment_codes: Sequence[str] = ()
    catalogue_path: Path | None = None  # default: the kiosk's catalogue
    reference_prefix: str = "PREF"
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    staff_hasher: Any = None  # argon2.PasswordHasher for staff PINs; None: argon2's defaults


class ProblemError(Exception):
    """Raised by handlers; rendered as a Problem response."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        errors: Sequence[FieldProblem] = (),
        headers: dict[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers
        self.extra = dict(extra or {})


def _problem_response(
    status_code: int,
    detail: str,
    errors: Sequence[FieldProblem] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(detail=detail, errors=list(errors)).model_dump(mode="json")
    body.update(extra or {})
    return JSONResponse(body, status_code=status_code, headers=headers)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_code(code: str) -> str:
    """Enrolment codes are compared without spaces and case: they are typed by hand."""
    return "".join(code.split()).upper()


def new_enrolment_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _field_name(loc: Sequence[int | str]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "path", "query", "header"):
        parts = parts[1:] or parts
    return ".".join(parts) if parts else "body"


def _clear_message(err: dict[str, Any]) -> str:
    kind = err.get("type")
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden":
        return "unknown field: remove it"
    if kind == "json_invalid":
        ctx = err.get("ctx") or {}
        return f"the body is not valid JSON ({ctx.get('error', 'syntax error')})"
    msg = str(err.get("msg", "invalid value"))
    return msg.removeprefix("Value error, ")


def problems_from(errors: Sequence[Any], prefix: Sequence[str] = ()) -> list[FieldProblem]:
    out = []
    for err in errors:
        loc = [*prefix, *err.get("loc", ())]
        if err.get("type") == "json_invalid":
            loc = ["body"]
        out.append(FieldProblem(field=_field_name(loc), message=_clear_message(dict(err))))
    return out


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


def _history(s: Session, app_uuid: str, *, notes: bool = False) -> list[StatusChange]:
    rows = s.scalars(
        select(StatusHistory)
        .where(StatusHistory.application_uuid == app_uuid)
        .order_by(StatusHistory.id)
    ).all()
    return [
        StatusChange(status=ApplicationStatus(r.status), at=r.at, note=r.note if notes else None)
        for r in rows
    ]


def _receipt(row: Application, history: Sequence[StatusChange] = ()) -> ApplicationReceipt:
    return ApplicationReceipt(
        uuid=uuidlib.UUID(row.uuid),
        central_reference=row.central_reference,
        status=ApplicationStatus(row.status),
        received_at=row.received_at,
        status_changed_at=history[-1].at if history else row.received_at,
        history=list(history),
    )


def _assisted_by(payload: Mapping[str, object] | None) -> str | None:
    """The mediator who helped, from an unsealed payload (issue 7)."""
    assisted = (payload or {}).get("assisted")
    return str(assisted.get("mediator_id")) if isinstance(assisted, dict) else None


def _kiosk_info(row: Kiosk, beat: KioskHeartbeat | None = None) -> KioskInfo:
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


def _attachment_status(row: Attachment) -> AttachmentStatus:
    return AttachmentStatus(
        sha256=row.sha256, size=row.size, received=row.received, complete=row.complete
    )


def _offset_headers(received: int, size: int | None = None) -> dict[str, str]:
    headers = {UPLOAD_OFFSET_HEADER: str(received)}
    if size is not None:
        headers[UPLOAD_LENGTH_HEADER] = str(size)
    return headers


def _attachment_bytes(s: Session, sha256: str, at_least: int | None = None) -> bytes:
    """The bytes received of an attachment, in order (only the first ``at_least`` if given)."""
    out = bytearray()
    query = (
        select(AttachmentChunk.data)
        .where(AttachmentChunk.sha256 == sha256)
        .order_by(AttachmentChunk.offset)
    )
    for data in s.scalars(query):
        out += data
        if at_least is not None and len(out) >= at_least:
            break
    return bytes(out)


Sha256Path = Annotated[
    str,
    PathParam(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the sealed attachment, 64 lower-case hexadecimal digits",
    ),
]


_P = {"model": Problem}
_AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {**_P, "description": "Missing, unknown or revoked token"},
    422: {**_P, "description": "The request is not valid; `errors` names each faulty field"},
}


def create_app(settings: Settings) -> FastAPI:
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_key = load_or_create_private_key(data_dir / PRIVATE_KEY_FILE)
    public_key = encode_public_key(private_key)
    engine: Engine = make_engine(settings.database_url or f"sqlite:///{data_dir / DATABASE_FILE}")
    catalogue = load_catalogue(settings.catalogue_path)
    now = settings.clock

    with Session(engine) as s, s.begin():
        for code in settings.enrolment_codes:
            h = _hash(normalise_code(code))
            if s.get(EnrolmentCodeRow, h) is None:
                s.add(EnrolmentCodeRow(code_sha256=h, created_at=now()))

    app = FastAPI(
        title="Kiosk titre de séjour — central API",
        version=__version__,
        description=(
            "Reference implementation of the central API that kiosks deliver sealed "
            "residence-permit applications to. Every error has the Problem shape."
        ),
    )
    app.state.engine = engine

    # --- error rendering -------------------------------------------------------------------

    @app.exception_handler(ProblemError)
    async def _on_problem(_request: Request, exc: ProblemError) -> JSONResponse:
        return _problem_response(exc.status_code, exc.detail, exc.errors, exc.headers, exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _on_http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers) if exc.headers else None
        return _problem_response(exc.status_code, str(exc.detail), (), headers)

    @app.exception_handler(RequestValidationError)
    async def _on_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = problems_from(exc.errors())
        noun = "problem" if len(problems) == 1 else "problems"
        detail = f"the request is not valid: {len(problems)} {noun}, see errors"
        return _problem_response(422, detail, problems)

    # --- authentication --------------------------------------------------------------------

    kiosk_bearer = HTTPBearer(
        auto_error=False, scheme_name="KioskToken", description="token received at enrolment"
    )
    admin_bearer = HTTPBearer(
        auto_error=False, scheme_name="AdminToken", description="the server's --admin-token"
    )
    challenge = {"WWW-Authenticate": "Bearer"}

    def current_kiosk(
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(kiosk_bearer)],
    ) -> str:
        if creds is None:
            raise ProblemError(
                401,
                "authentication required: send 'Authorization: Bearer <kiosk token>' "
                "with the token received at enrolment",
                headers=challenge,
            )
        with Session(engine) as s, s.begin():
            kiosk = s.scalars(
                select(Kiosk).where(Kiosk.token_sha256 == _hash(creds.credentials))
            ).one_or_none()
            if kiosk is None:
                raise ProblemError(
                    401,
                    "the bearer token is not valid for this server; enrol the kiosk again",
                    headers=challenge,
                )
            if kiosk.revoked:
                raise ProblemError(
                    401,
                    "this kiosk has been revoked; ask the central administrator for a new "
                    "enrolment code",
                    headers=challenge,
                )
            kiosk.last_seen = now()
            return kiosk.id

    def require_admin(
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(admin_bearer)],
    ) -> None:
        if settings.admin_token is None:
            raise ProblemError(
                401,
                "the admin API is disabled: start the server with --admin-token",
                headers=challenge,
            )
        if creds is None:
            raise ProblemError(
                401,
                "authentication required: send 'Authorization: Bearer <admin token>'",
                headers=challenge,
            )
        if not hmac.compare_digest(
            creds.credentials.encode("utf-8"), settings.admin_token.encode("utf-8")
        ):
            raise ProblemError(401, "the admin token is not valid", headers=challenge)

    KioskId = Annotated[str, Depends(current_kiosk)]

    # --- public ----------------------------------------------------------------------------

    @app.get(f"{API_PREFIX}/health", tags=["health"])
    def health() -> Health:
        return Health(status="ok", version=__version__)

    @app.post(
        f"{API_PREFIX}/enrol",
        tags=["enrolment"],
        status_code=201,
        responses={
            403: {**_P, "description": "Unknown or already used enrolment code"},
            422: _AUTH_RESPONSES[422],
        },
    )
    def enrol(body: EnrolRequest) -> EnrolResponse:
        """Exchange a one-time enrolment code for this kiosk's id, token and sealing key."""
        kiosk_id = f"kiosk-{secrets.token_hex(6)}"
        token = secrets.token_urlsafe(32)
        when = now()
        with Session(engine) as s, s.begin():
            used = s.execute(
                update(EnrolmentCodeRow)
                .where(
                    EnrolmentCodeRow.code_sha256 == _hash(normalise_code(body.code)),
                    EnrolmentCodeRow.used_at.is_(None),
                )
                .values(used_at=when, used_by=kiosk_id)
                .execution_options(synchronize_session=False)
            )
            if getattr(used, "rowcount", 0) != 1:
                raise ProblemError(
                    403,
                    "this enrolment code is unknown or has already been used; "
                    "ask the central administrator for a new one",
                )
            s.add(
                Kiosk(
                    id=kiosk_id,
                    name=body.kiosk_name,
                    token_sha256=_hash(token),
                    revoked=False,
                    enrolled_at=when,
                    software_version=body.software_version,
                )
            )
        log.info("kiosk %s enrolled", kiosk_id)
        return EnrolResponse(
            kiosk_id=kiosk_id, token=token, public_key=public_key, sealing_format=FORMAT_VERSION
        )

    # --- applications ----------------------------------------------------------------------

    def check_stored_attachments(
        s: Session, app_uuid: uuidlib.UUID, refs: Sequence[AttachmentRef]
    ) -> list[FieldProblem]:
        """Each listed attachment, as stored, is a page sealed for this application, this
        key and this place (document and page number), of the announced size."""
        own_kid = key_id(public_key_raw(private_key))
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
                header = read_attachment_header(_attachment_bytes(s, ref.sha256, 128))
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
            elif header.key_id != own_kid:
                problems.append(
                    FieldProblem(
                        field=f"attachments.{i}", message="the page was sealed for another key"
                    )
                )
        return problems

    def same_or_conflict(
        s: Session, row: Application, upload: ApplicationUpload
    ) -> ApplicationReceipt:
        if row.sha256 != upload.sha256:
            raise ProblemError(
                409,
                f"application {upload.uuid} was already received with different content "
                f"(central reference {row.central_reference}); a UUID is never reused",
            )
        return _receipt(row, _history(s, row.uuid))

    def next_reference(s: Session, year: int) -> str:
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
        return f"{settings.reference_prefix}-{year}-{value:06d}"

    @app.put(
        f"{API_PREFIX}/applications/{{uuid}}",
        tags=["applications"],
        status_code=201,
        responses={
            200: {"model": ApplicationReceipt, "description": "Already received: same receipt"},
            201: {"model": ApplicationReceipt, "description": "Received for the first time"},
            **_AUTH_RESPONSES,
            409: {
                "model": MissingAttachments,
                "description": "This UUID was already received with other content; or some "
                "attachments are not complete yet (`missing` lists them)",
            },
        },
    )
    def put_application(
        uuid: uuidlib.UUID, upload: ApplicationUpload, kiosk_id: KioskId, response: Response
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
        with Session(engine) as s:
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
            data = unseal(private_key, uuid, sealed)
        except SealError as exc:
            raise ProblemError(
                422,
                "the package cannot be opened with this server's key",
                [FieldProblem(field="sealed", message=str(exc))],
            ) from None
        problems = check_payload(data, upload, catalogue)
        if problems:
            raise ProblemError(422, "the sealed application is incomplete or invalid", problems)
        refs = ApplicationPayload.model_validate(data).attachments
        with Session(engine) as s:
            problems = check_stored_attachments(s, uuid, refs)
        if problems:
            raise ProblemError(422, "the application's attachments do not match it", problems)

        for _attempt in range(5):
            try:
                with Session(engine) as s, s.begin():
                    existing = s.get(Application, str(uuid))
                    if existing is not None:
                        response.status_code = status.HTTP_200_OK
                        return same_or_conflict(s, existing, upload)
                    received = now()
                    row = Application(
                        uuid=str(uuid),
                        central_reference=next_reference(s, received.year),
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
                    receipt = _receipt(row, _history(s, row.uuid))
            except IntegrityError:
                # A concurrent request stored this UUID (or started this year's counter)
                # first: look again.
                continue
            log.info("application received from %s: %s", kiosk_id, receipt.central_reference)
            return receipt
        raise ProblemError(503, "the server is busy; try again later")

    @app.get(
        f"{API_PREFIX}/applications/{{uuid}}",
        tags=["applications"],
        responses={
            **_AUTH_RESPONSES,
            404: {**_P, "description": "No such application from this kiosk"},
        },
    )
    def get_application(uuid: uuidlib.UUID, kiosk_id: KioskId) -> ApplicationReceipt:
        """The receipt and current status of an application this kiosk delivered."""
        with Session(engine) as s:
            row = s.get(Application, str(uuid))
            if row is None or row.kiosk_id != kiosk_id:
                raise ProblemError(404, f"no application {uuid} was received from this kiosk")
            return _receipt(row, _history(s, row.uuid))

    # --- attachments -----------------------------------------------------------------------

    def append_chunk(
        s: Session, sha256: str, kiosk_id: str, start: int, total: int, chunk: bytes
    ) -> tuple[AttachmentStatus, bool]:
        """Add ``chunk`` (bytes ``start..``) to the attachment; returns its status and whether
        the completed bytes failed the hash check (then they have been discarded)."""
        row = s.get(Attachment, sha256, with_for_update=True)
        if row is None:
            if start != 0:
                raise ProblemError(
                    409,
                    "the server has no byte of this attachment yet: send it from offset 0",
                    headers=_offset_headers(0),
                    extra={"received": 0},
                )
            row = Attachment(
                sha256=sha256,
                kiosk_id=kiosk_id,
                size=total,
                received=0,
                complete=False,
                created_at=now(),
            )
            s.add(row)
            s.flush()
        elif row.kiosk_id != kiosk_id:
            raise ProblemError(409, "this attachment is being uploaded by another kiosk")
        if row.complete:
            return _attachment_status(row), False  # a repeat: nothing to do
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
                headers=_offset_headers(row.received, row.size),
                extra={"received": row.received},
            )
        skip = row.received - start
        if skip < len(chunk):  # else: a chunk the server already has (a retry)
            s.add(AttachmentChunk(sha256=sha256, offset=row.received, data=chunk[skip:]))
            row.received = start + len(chunk)
        if row.received == row.size:
            s.flush()
            if sha256_hex(_attachment_bytes(s, sha256)) != sha256:
                s.execute(delete(AttachmentChunk).where(AttachmentChunk.sha256 == sha256))
                s.delete(row)
                return AttachmentStatus(sha256=sha256, size=total, received=0, complete=False), True
            row.complete = True
            row.completed_at = now()
        return _attachment_status(row), False

    @app.put(
        f"{API_PREFIX}/attachments/{{sha256}}",
        tags=["attachments"],
        responses={
            **_AUTH_RESPONSES,
            409: {
                **_P,
                "description": "The chunk does not start where the server's bytes end: "
                "resume from the Upload-Offset header (or `received`)",
            },
            413: {**_P, "description": "The chunk or the attachment is too large"},
            422: {
                **_P,
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
                with Session(engine) as s, s.begin():
                    state, mismatch = append_chunk(s, sha256, kiosk_id, start, total, chunk)
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
                headers=_offset_headers(0),
            )
        response.headers.update(_offset_headers(state.received, state.size))
        return state

    def attachment_state(sha256: str, kiosk_id: str) -> AttachmentStatus | None:
        with Session(engine) as s:
            row = s.get(Attachment, sha256)
            if row is None or row.kiosk_id != kiosk_id:
                return None
            return _attachment_status(row)

    @app.get(
        f"{API_PREFIX}/attachments/{{sha256}}",
        tags=["attachments"],
        responses={
            **_AUTH_RESPONSES,
            404: {**_P, "description": "The server has no byte of it (from this kiosk)"},
        },
    )
    def get_attachment(
        sha256: Sha256Path, kiosk_id: KioskId, response: Response
    ) -> AttachmentStatus:
        """How many bytes of an attachment the server has: resume the upload there."""
        state = attachment_state(sha256, kiosk_id)
        if state is None:
            raise ProblemError(
                404, "the server has no byte of this attachment", headers=_offset_headers(0)
            )
        response.headers.update(_offset_headers(state.received, state.size))
        return state

    @app.head(
        f"{API_PREFIX}/attachments/{{sha256}}",
        tags=["attachments"],
        response_class=Response,
        responses={
            200: {"description": "Upload-Offset and Upload-Length headers say what it has"},
            401: {"description": "Missing, unknown or revoked token"},
            404: {"description": "The server has no byte of it (from this kiosk)"},
        },
    )
    def head_attachment(sha256: Sha256Path, kiosk_id: KioskId) -> Response:
        """Like GET, headers only: ``Upload-Offset`` (bytes the server has), ``Upload-Length``."""
        state = attachment_state(sha256, kiosk_id)
        if state is None:
            return Response(status_code=404, headers=_offset_headers(0))
        headers = _offset_headers(state.received, state.size)
        headers["X-Upload-Complete"] = "true" if state.complete else "false"
        return Response(status_code=200, headers=headers)

    # --- heartbeat ---------------------------------------------------------------------------

    @app.post(f"{API_PREFIX}/heartbeat", tags=["kiosks"], responses=_AUTH_RESPONSES)
    def heartbeat(beat: Heartbeat, kiosk_id: KioskId) -> HeartbeatAck:
        """A kiosk reports its version, backlog and device health (kept: the latest)."""
        received = now()
        for _attempt in range(3):
            try:
                with Session(engine) as s, s.begin():
                    kiosk = s.get(Kiosk, kiosk_id)
                    if kiosk is not None:
                        kiosk.software_version = beat.software_version
                    row = s.get(KioskHeartbeat, kiosk_id, with_for_update=True)
                    if row is None:
                        row = KioskHeartbeat(kiosk_id=kiosk_id)
                        s.add(row)
                    row.received_at = received
                    row.sent_at = beat.sent_at
                    row.software_version = beat.software_version
                    row.backlog = json.dumps(beat.backlog, sort_keys=True)
                    row.device_health = json.dumps(beat.device_health, sort_keys=True)
                    row.last_error = beat.last_error
                    record_presence(s, kiosk_id, beat, received)
            except IntegrityError:
                continue  # two heartbeats of one kiosk at once: the other created the row
            return HeartbeatAck(received_at=received)
        raise ProblemError(503, "the server is busy; try again later")

    # --- help calls, reception desk, fleet (central.routers.desk) ------------------------------
    app.include_router(desk_router(settings, engine, current_kiosk, desk_token=settings.desk_token, offline_after_s=settings.offline_after_s))  # fmt: skip

    # --- administration --------------------------------------------------------------------

    admin = [Depends(require_admin)]

    def _attachment_refs(s: Session, app_uuid: str) -> list[AttachmentRef]:
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

    @app.get(
        f"{API_PREFIX}/admin/applications",
        tags=["admin"],
        dependencies=admin,
        responses={401: _AUTH_RESPONSES[401]},
    )
    def admin_applications() -> list[AdminApplication]:
        """Every application received, unsealed (for tests, demos and back-office tools)."""
        out = []
        with Session(engine) as s:
            for row in s.scalars(select(Application).order_by(Application.central_reference)):
                try:
                    payload: dict[str, object] | None = unseal(private_key, row.uuid, row.sealed)
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
                        attachments=_attachment_refs(s, row.uuid),
                        history=_history(s, row.uuid, notes=True),
                        assisted_by=_assisted_by(payload),
                    )
                )
        return out

    @app.get(
        f"{API_PREFIX}/admin/applications/{{uuid}}/attachments/{{sha256}}",
        tags=["admin"],
        dependencies=admin,
        response_class=Response,
        responses={
            200: {"description": "The page, unsealed", "content": {OCTET_STREAM: {}}},
            401: _AUTH_RESPONSES[401],
            404: {**_P, "description": "No such attachment of this application"},
        },
    )
    def admin_attachment(uuid: uuidlib.UUID, sha256: Sha256Path) -> Response:
        """One page of an application, unsealed (content type as the kiosk declared it)."""
        with Session(engine) as s:
            link = s.get(ApplicationAttachment, (str(uuid), sha256))
            if link is None:
                raise ProblemError(404, f"application {uuid} has no attachment {sha256}")
            blob = _attachment_bytes(s, sha256)
            att_id = f"{link.document_id}/{link.page_no}"
            content_type = link.content_type
        try:
            clear = unseal_attachment(private_key, uuid, att_id, blob)
        except SealError as exc:
            raise ProblemError(409, f"the attachment cannot be opened: {exc}") from None
        return Response(content=clear, media_type=content_type)

    @app.post(
        f"{API_PREFIX}/admin/applications/{{uuid}}/status",
        tags=["admin"],
        dependencies=admin,
        responses={**_AUTH_RESPONSES, 404: {**_P, "description": "No such application"}},
    )
    def admin_set_status(uuid: uuidlib.UUID, update_: StatusUpdate) -> ApplicationReceipt:
        """Move an application to another status (kept in its history; the kiosk shows it).
        Setting the current status again changes nothing."""
        with Session(engine) as s, s.begin():
            row = s.get(Application, str(uuid), with_for_update=True)
            if row is None:
                raise ProblemError(404, f"no application {uuid}")
            if row.status != update_.status.value:
                row.status = update_.status.value
                s.add(
                    StatusHistory(
                        application_uuid=row.uuid,
                        status=update_.status.value,
                        at=now(),
                        note=update_.note,
                    )
                )
                s.flush()
                log.info("application %s: status %s", row.central_reference, row.status)
            return _receipt(row, _history(s, row.uuid, notes=True))

    @app.post(
        f"{API_PREFIX}/admin/enrolment-codes",
        tags=["admin"],
        status_code=201,
        dependencies=admin,
        responses={401: _AUTH_RESPONSES[401]},
    )
    def admin_new_code() -> EnrolmentCode:
        """A new one-time enrolment code (shown once; only its hash is kept)."""
        code = new_enrolment_code()
        with Session(engine) as s, s.begin():
            s.add(EnrolmentCodeRow(code_sha256=_hash(normalise_code(code)), created_at=now()))
        return EnrolmentCode(code=code)

    @app.get(
        f"{API_PREFIX}/admin/kiosks",
        tags=["admin"],
        dependencies=admin,
        responses={401: _AUTH_RESPONSES[401]},
    )
    def admin_kiosks() -> list[KioskInfo]:
        """The fleet: every kiosk with its last heartbeat (version, backlog, devices)."""
        with Session(engine) as s:
            return [
                _kiosk_info(k, s.get(KioskHeartbeat, k.id))
                for k in s.scalars(select(Kiosk).order_by(Kiosk.enrolled_at))
            ]

    @app.post(
        f"{API_PREFIX}/admin/kiosks/{{kiosk_id}}/revoke",
        tags=["admin"],
        dependencies=admin,
        responses={
            **_AUTH_RESPONSES,
            404: {**_P, "description": "No such kiosk"},
        },
    )
    def admin_revoke(kiosk_id: str) -> KioskInfo:
        """Revoke a kiosk's token at once (a stolen or retired terminal)."""
        with Session(engine) as s, s.begin():
            kiosk = s.get(Kiosk, kiosk_id)
            if kiosk is None:
                raise ProblemError(404, f"no kiosk {kiosk_id!r}")
            kiosk.revoked = True
            info = _kiosk_info(kiosk)
        log.info("kiosk %s revoked", kiosk_id)
        return info

    app.include_router(  # mediators and staff: sign-in, lockout, audit (issue 7)
        staff_router(
            engine, now, current_kiosk, require_admin, ProblemError, hasher=settings.staff_hasher
        )
    )
    app.include_router(status_router(engine, private_key, now, current_kiosk, ProblemError))  # fmt: skip
    return app
