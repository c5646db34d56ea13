"""The reference central API: FastAPI application factory.

``create_app(settings)`` builds everything from the settings (database, sealing key,
catalogue); nothing is global, so tests can run several servers side by side.

Every error response has the :class:`sync.protocol.Problem` shape: ``detail`` (a sentence)
and ``errors`` (one ``{field, message}`` per faulty field).
"""

# No `from __future__ import annotations`: FastAPI must evaluate the handlers' annotations,
# which refer to dependencies defined inside create_app().

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import uuid as uuidlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from kiosk.domain.catalogue import Catalogue, load_catalogue
from sync import __version__
from sync.protocol import (
    API_PREFIX,
    AdminApplication,
    ApplicationPayload,
    ApplicationReceipt,
    ApplicationStatus,
    ApplicationUpload,
    EnrolmentCode,
    EnrolRequest,
    EnrolResponse,
    FieldProblem,
    Health,
    KioskInfo,
    Problem,
)
from sync.sealing import (
    FORMAT_VERSION,
    SUPPORTED_FORMATS,
    SealError,
    encode_public_key,
    load_or_create_private_key,
    sha256_hex,
    unseal,
)
from sync.server.db import Application, EnrolmentCodeRow, Kiosk, ReferenceCounter, make_engine

log = logging.getLogger("kiosk.central")

PRIVATE_KEY_FILE = "central_private_key.pem"
DATABASE_FILE = "central.db"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed by hand


@dataclass
class Settings:
    data_dir: Path
    database_url: str | None = None  # default: SQLite in data_dir
    admin_token: str | None = None  # None: the admin API answers 401
    enrolment_codes: Sequence[str] = ()
    catalogue_path: Path | None = None  # default: the kiosk's catalogue
    reference_prefix: str = "PREF"
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))


class ProblemError(Exception):
    """Raised by handlers; rendered as a Problem response."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        errors: Sequence[FieldProblem] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers


def _problem_response(
    status_code: int,
    detail: str,
    errors: Sequence[FieldProblem] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = Problem(detail=detail, errors=list(errors)).model_dump(mode="json")
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
    return problems


def _receipt(row: Application) -> ApplicationReceipt:
    return ApplicationReceipt(
        uuid=uuidlib.UUID(row.uuid),
        central_reference=row.central_reference,
        status=ApplicationStatus(row.status),
        received_at=row.received_at,
    )


def _kiosk_info(row: Kiosk) -> KioskInfo:
    return KioskInfo(
        kiosk_id=row.id,
        name=row.name,
        revoked=row.revoked,
        enrolled_at=row.enrolled_at,
        last_seen=row.last_seen,
    )


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
        return _problem_response(exc.status_code, exc.detail, exc.errors, exc.headers)

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

    def same_or_conflict(row: Application, upload: ApplicationUpload) -> ApplicationReceipt:
        if row.sha256 != upload.sha256:
            raise ProblemError(
                409,
                f"application {upload.uuid} was already received with different content "
                f"(central reference {row.central_reference}); a UUID is never reused",
            )
        return _receipt(row)

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
            409: {**_P, "description": "This UUID was already received with other content"},
        },
    )
    def put_application(
        uuid: uuidlib.UUID, upload: ApplicationUpload, kiosk_id: KioskId, response: Response
    ) -> ApplicationReceipt:
        """Deliver a sealed application. Idempotent by UUID: a repeat of the same package
        returns the same receipt (200); other content under a known UUID is refused (409)."""
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
                return same_or_conflict(existing, upload)
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

        for _attempt in range(5):
            try:
                with Session(engine) as s, s.begin():
                    existing = s.get(Application, str(uuid))
                    if existing is not None:
                        response.status_code = status.HTTP_200_OK
                        return same_or_conflict(existing, upload)
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
                    receipt = _receipt(row)
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
        with Session(engine) as s:
            row = s.get(Application, str(uuid))
            if row is None or row.kiosk_id != kiosk_id:
                raise ProblemError(404, f"no application {uuid} was received from this kiosk")
            return _receipt(row)

    # --- administration --------------------------------------------------------------------

    admin = [Depends(require_admin)]

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
                    )
                )
        return out

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
        with Session(engine) as s:
            return [_kiosk_info(k) for k in s.scalars(select(Kiosk).order_by(Kiosk.enrolled_at))]

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

    return app
