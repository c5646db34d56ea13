"""The wire protocol between kiosks and the central API (HTTP + JSON, under ``/v1``).

These pydantic models are the single description of the contract: the reference server
(``central``) validates requests with them and generates its OpenAPI document from them;
the client (``sync.client``) parses responses with them. Requests reject unknown fields;
responses ignore them, so that the server can add a field without breaking older kiosks.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from contract.states import ApplicationStatus, ApplicationValidity

API_PREFIX = "/v1"

Sha256Hex = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{64}$"),
    Field(description="SHA-256 of the sealed bytes, 64 lower-case hexadecimal digits"),
]
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
MAX_SEALED_BYTES = 8 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 64 * 1024 * 1024  # one sealed page
MAX_CHUNK_BYTES = 8 * 1024 * 1024  # one PUT of an attachment
DEFAULT_CHUNK_BYTES = 256 * 1024
MAX_ATTACHMENTS = 200  # per application
OCTET_STREAM = "application/octet-stream"
UPLOAD_OFFSET_HEADER = "Upload-Offset"  # bytes of an attachment the server has
UPLOAD_LENGTH_HEADER = "Upload-Length"  # its total size, once known
ContentType = Annotated[str, StringConstraints(pattern=r"^[a-z]+/[a-z0-9.+-]+$", max_length=64)]
# What a page may be: anything else is refused by the central API and never served as such.
PAGE_MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "application/pdf"})


def _check_base64(value: str) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be standard base64 (RFC 4648 section 4, with padding)") from None
    if not raw:
        raise ValueError("must not be empty")
    if len(raw) > MAX_SEALED_BYTES:
        raise ValueError(f"is larger than {MAX_SEALED_BYTES} bytes")
    return value


Base64Bytes = Annotated[
    str,
    AfterValidator(_check_base64),
    Field(description="the sealed package (see contract.sealing), standard base64 with padding"),
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- Content-Range (attachment chunks) ------------------------------------------------------

_CONTENT_RANGE = re.compile(r"^bytes (\d{1,12})-(\d{1,12})/(\d{1,12})$")


def content_range(start: int, end: int, total: int) -> str:
    """The ``Content-Range`` of the bytes ``[start, end)`` of a ``total``-byte attachment."""
    if not 0 <= start < end <= total:
        raise ValueError(f"bad range [{start}, {end}) of {total} bytes")
    return f"bytes {start}-{end - 1}/{total}"


def parse_content_range(value: str) -> tuple[int, int, int]:
    """``"bytes 0-99/1000"`` -> ``(0, 100, 1000)`` (end exclusive); ValueError if malformed."""
    match = _CONTENT_RANGE.match(value.strip())
    if match is None:
        raise ValueError('must look like "bytes START-END/TOTAL" (END inclusive)')
    start, last, total = (int(g) for g in match.groups())
    if not start <= last < total:
        raise ValueError("needs START <= END < TOTAL")
    return start, last + 1, total


# --- health ---------------------------------------------------------------------------------


class Health(_Response):
    status: Literal["ok"] = "ok"
    version: str


# --- enrolment ------------------------------------------------------------------------------


class EnrolRequest(_Request):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=16, max_length=64)]
    kiosk_name: ShortText
    software_version: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    site: ShortText | None = Field(
        default=None, description="where the kiosk stands (its site_name): a desk lists one site"
    )
    previous_token: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None,
        description="a kiosk enrolling again sends its current token: it keeps its id, "
        "the old token stops working",
    )


class EnrolResponse(_Response):
    kiosk_id: str
    token: str = Field(description="bearer token of this kiosk; the server keeps only its hash")
    public_key: str = Field(
        description="the central sealing key: raw X25519 public key, base64url without padding"
    )
    sealing_format: int = Field(description="the sealing format version to use (contract.sealing)")


# --- applications ---------------------------------------------------------------------------


class ApplicationUpload(_Request):
    uuid: UUID = Field(description="client-generated; the idempotency key end to end")
    procedure_id: Ident
    kiosk_reference: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    created_at: AwareDatetime
    sealing_format: int = Field(ge=1, le=255)
    sealed: Base64Bytes
    sha256: Sha256Hex
    attachments: list[Sha256Hex] = Field(
        default_factory=list,
        max_length=MAX_ATTACHMENTS,
        description="SHA-256 of each sealed attachment of the application, in the order of "
        "the payload; every one must be complete (PUT /v1/attachments/{sha256}) first",
    )

    def sealed_bytes(self) -> bytes:
        return base64.b64decode(self.sealed, validate=True)

    @classmethod
    def build(
        cls,
        *,
        uuid: str | UUID,
        procedure_id: str,
        kiosk_reference: str,
        created_at: dt.datetime,
        sealing_format: int,
        sealed: bytes,
        attachments: list[str] | tuple[str, ...] = (),
    ) -> ApplicationUpload:
        """Encode ``sealed`` and compute its digest."""
        return cls(
            uuid=UUID(str(uuid)),
            procedure_id=procedure_id,
            kiosk_reference=kiosk_reference,
            created_at=created_at,
            sealing_format=sealing_format,
            sealed=base64.b64encode(sealed).decode("ascii"),
            sha256=hashlib.sha256(sealed).hexdigest(),
            attachments=list(attachments),
        )


class StatusChange(BaseModel):
    status: ApplicationStatus
    at: AwareDatetime
    note: str | None = Field(default=None, description="staff's note: admin API only")


class ApplicationReceipt(_Response):
    uuid: UUID
    central_reference: str = Field(description='e.g. "PREF-2026-000123"')
    status: ApplicationStatus
    received_at: AwareDatetime
    status_changed_at: AwareDatetime | None = None
    history: list[StatusChange] = Field(
        default_factory=list, description="every status the application had, oldest first"
    )


class StatusUpdate(_Request):
    """An administrator moves an application to another status."""

    status: ApplicationStatus
    note: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        default=None, description="for staff only; never shown on a kiosk"
    )


# --- attachments ----------------------------------------------------------------------------


class AttachmentRef(BaseModel):
    """One sealed page, as listed in the (sealed) application payload."""

    model_config = ConfigDict(extra="forbid")

    document_id: Ident
    page_no: int = Field(ge=1, le=999)
    sha256: Sha256Hex
    size: int = Field(ge=1, le=MAX_ATTACHMENT_BYTES, description="bytes of the sealed page")
    content_type: ContentType


class AttachmentStatus(_Response):
    """How much of an attachment the server has (``received`` bytes of ``size``)."""

    sha256: str
    size: int = Field(description="total size announced by the first chunk")
    received: int = Field(description="the next chunk must start at this offset")
    complete: bool = Field(description="all bytes received and the SHA-256 verified")


class Consent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    declaration_accepted: Literal[True]
    at: AwareDatetime


class ApplicationPayload(BaseModel):
    """The content of a sealed package (``kiosk.domain.session.ApplicantSession.payload``)."""

    model_config = ConfigDict(extra="forbid")

    payload_version: Literal[1]
    uuid: UUID
    procedure_id: Ident
    language: Annotated[str, StringConstraints(min_length=2, max_length=16)]
    answers: dict[str, str]
    documents: list[str]
    attachments: list[AttachmentRef] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    consent: Consent
    kiosk_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    submitted_at: AwareDatetime
    assisted: AssistedSession | None = Field(
        default=None, description="set when a mediator helped (issue 7); absent otherwise"
    )
    receipt_secret: Annotated[str, StringConstraints(pattern=r"^[2-9A-HJKMNP-Z]{16}$")] | None = (
        Field(
            default=None,
            description="the lookup secret in the receipt's QR code (kiosk.domain.receipt)",
        )
    )


# --- errors ---------------------------------------------------------------------------------


class FieldProblem(BaseModel):
    field: str = Field(description='dotted path of the faulty field, e.g. "answers.surname"')
    message: str


class Problem(BaseModel):
    """Every error response: a sentence for people, plus one entry per faulty field."""

    detail: str
    errors: list[FieldProblem] = Field(default_factory=list)


class MissingAttachments(Problem):
    """409 to ``PUT /v1/applications/{uuid}``: some listed attachments are not complete."""

    missing: list[str] = Field(description="SHA-256 of each attachment still to upload")


# --- heartbeat ------------------------------------------------------------------------------

HealthKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]*$", max_length=64)]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]


class KioskState(StrEnum):
    """What a kiosk is doing, as its heartbeat says (never who uses it)."""

    IDLE = "idle"  # the welcome screen
    IN_USE = "in_use"  # an applicant is on a screen
    HELP_REQUESTED = "help_requested"  # the applicant called for help
    ASSISTED = "assisted"  # a mediator runs an assisted session
    OUT_OF_SERVICE = "out_of_service"  # staff put it out of service


class Heartbeat(_Request):
    """What a kiosk says about itself each sync round (no personal data)."""

    software_version: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    sent_at: AwareDatetime
    backlog: dict[HealthKey, Annotated[int, Field(ge=0, le=10_000_000)]] = Field(
        default_factory=dict, max_length=20, description="outbox entries per state"
    )
    device_health: dict[HealthKey, Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=dict,
        max_length=50,
        description='e.g. {"printer": "ok", "disk": "fault: 300 MB free"}: "ok" or '
        '"ok: detail" when the device works, anything else is a fault',
    )
    last_error: Annotated[str, StringConstraints(max_length=500)] | None = None
    state: KioskState | None = Field(
        default=None, description="the kiosk application's state (None: the sync service)"
    )
    screen: Ident | None = Field(default=None, description='the screen shown, e.g. "step"')
    language: LanguageCode | None = Field(default=None, description="the screen's language")
    site: ShortText | None = Field(
        default=None, description="where the kiosk stands (its site_name): a desk lists one site"
    )
    # For the fleet view (issue 16), from the kiosk application.
    out_of_service_message: Annotated[str, StringConstraints(max_length=300)] | None = Field(
        default=None, description="out of service: the message staff set (French)"
    )
    out_of_service_by: ShortText | None = Field(
        default=None, description="who set it (a staff identifier, or the desk's person)"
    )
    assisted_by: ShortText | None = Field(
        default=None, description="the mediator assisting (as on the kiosk's banner)"
    )
    last_sync_ok_at: AwareDatetime | None = Field(
        default=None, description="when a sync round last reached the central API"
    )


def health_ok(value: str) -> bool:
    """A ``device_health`` value means "working": "ok", or "ok: detail"."""
    return value == "ok" or value.startswith("ok:")


class HeartbeatAck(_Response):
    received_at: AwareDatetime


# --- administration -------------------------------------------------------------------------


class AdminApplication(_Response):
    uuid: UUID
    central_reference: str
    status: ApplicationStatus
    received_at: AwareDatetime
    kiosk_id: str
    kiosk_reference: str
    procedure_id: str
    sha256: str
    payload: dict[str, object] | None = Field(
        description="the unsealed application; null if it cannot be opened any more"
    )
    attachments: list[AttachmentRef] = Field(default_factory=list)
    history: list[StatusChange] = Field(default_factory=list)
    assisted_by: str | None = Field(
        default=None,
        description="the mediator who helped, once matched to an assisted session of the kiosk",
    )
    validity: ApplicationValidity = Field(
        default=ApplicationValidity.VALID,
        description="rejected_invalid: kept, but the server's checks found `problems`",
    )
    problems: list[FieldProblem] = Field(
        default_factory=list, description="what the server's checks found, for staff"
    )


class EnrolmentCode(_Response):
    code: str


class KioskInfo(_Response):
    kiosk_id: str
    name: str
    revoked: bool
    enrolled_at: AwareDatetime
    last_seen: AwareDatetime | None
    software_version: str = ""
    last_heartbeat_at: AwareDatetime | None = None
    backlog: dict[str, int] = Field(default_factory=dict)
    device_health: dict[str, str] = Field(default_factory=dict)
    last_error: str | None = None


# --- mediators and staff (issue 7) ----------------------------------------------------------

StaffIdent = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=64)]
StaffRoleName = Literal["mediator", "staff"]


class StaffSignIn(_Request):
    """A sign-in on a kiosk: an identifier and a PIN, or a staff badge's code."""

    identifier: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    pin: Annotated[str, StringConstraints(max_length=64)] | None = None
    badge: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="the code read from a staff badge (KSTAFF1:identifier:secret)"
    )


class StaffSignedIn(_Response):
    identifier: str
    display_name: str
    role: StaffRoleName
    session_timeout_s: int = Field(description="the kiosk signs the person out after this")
    session_token: str = Field(
        default="",
        description="the staff session: sent as X-Staff-Session with the person's actions "
        "(audit entries) from this kiosk only; it ends at sign-out and when idle",
    )


class StaffAuditRecord(_Request):
    """An event a kiosk reports for the signed-in person (sign-out, assisted session, admin
    action; no applicant data). Who and when are the server's: the staff session says who,
    its clock says when."""

    action: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
    detail: Annotated[str, StringConstraints(max_length=200)] = ""


class StaffAuditBatch(_Request):
    entries: list[StaffAuditRecord] = Field(max_length=500)


class StaffAuditEntry(_Response):
    at: AwareDatetime
    actor: str
    action: str
    kiosk_id: str | None
    detail: str = ""


class StaffAccountCreate(_Request):
    identifier: StaffIdent
    display_name: ShortText
    role: StaffRoleName
    pin: Annotated[str, StringConstraints(pattern=r"^[0-9]{6,12}$")] = Field(
        description="6 to 12 digits; only its Argon2 hash is kept"
    )
    badge_secret: Annotated[str, StringConstraints(min_length=16, max_length=100)] | None = None


class StaffAccount(_Response):
    identifier: str
    display_name: str
    role: StaffRoleName
    has_badge: bool = False
    failures: int = 0
    created_at: AwareDatetime


ScreenRef = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_:.-]{0,79}$")]


class AssistedPart(BaseModel):
    """One stretch of an application made with a mediator's help: who, the applicant's
    consent to it, from which screen, and until when and which screen (none: until the
    application was sent)."""

    model_config = ConfigDict(extra="forbid")

    mediator_id: StaffIdent
    consent_at: AwareDatetime
    consent_text_version: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    consent_language: Annotated[str, StringConstraints(min_length=2, max_length=16)]
    from_screen: ScreenRef | None = Field(default=None, description='e.g. "step:contact"')
    ended_at: AwareDatetime | None = None
    until_screen: ScreenRef | None = None
    ended_by: Literal["handed_back", "signed_out", "taken_over"] | None = Field(
        default=None, description="why the help ended before the application was sent"
    )


class AssistedSession(BaseModel):
    """In a sealed payload: the application was filed with a mediator's help, with the
    applicant's consent shown and spoken in their language. The top-level fields are the
    first assisted part's; ``parts`` lists every one (a mediator may join an application in
    progress, hand it back, and another may join later)."""

    model_config = ConfigDict(extra="forbid")

    mediator_id: StaffIdent
    consent_at: AwareDatetime
    consent_text_version: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    consent_language: Annotated[str, StringConstraints(min_length=2, max_length=16)]
    joined_in_progress: bool = Field(
        default=False, description="the first mediator joined after the applicant started"
    )
    parts: list[AssistedPart] = Field(default_factory=list, max_length=20)


ApplicationPayload.model_rebuild()


# --- help calls and the reception desk ------------------------------------------------------


class HelpCallStatus(StrEnum):
    WAITING = "waiting"  # the desk has not answered yet
    ACKNOWLEDGED = "acknowledged"  # a person is coming
    CLOSED = "closed"  # helped (the kiosk's session ended, or the desk closed it)
    CANCELLED = "cancelled"  # the applicant no longer needs help


class HelpCallRequest(_Request):
    """A kiosk asks the desk for help. No personal data: which screen, which language."""

    call_id: UUID = Field(description="generated by the kiosk; a repeat is the same call")
    screen: Ident | None = None
    language: LanguageCode | None = None
    waiting_s: float = Field(
        default=0.0,
        ge=0,
        le=86_400,
        description="how long the applicant has already waited (a call queued offline)",
    )


class HelpCallClose(_Request):
    reason: Literal["cancelled", "closed"] = Field(
        description="cancelled: the applicant no longer needs help; closed: helped, or the "
        "session ended"
    )


class HelpCallState(_Response):
    call_id: UUID
    kiosk_id: str
    status: HelpCallStatus
    screen: str | None = None
    language: str | None = None
    waiting_since: AwareDatetime = Field(description="when the applicant asked (server clock)")
    acknowledged_at: AwareDatetime | None = None
    acknowledged_by: str | None = Field(default=None, description="the desk that answered")
    closed_at: AwareDatetime | None = None


class DeskAcknowledge(_Request):
    by: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] = (
        Field(default="accueil", description='the desk answering, e.g. "accueil-1"')
    )


class DeskState(StrEnum):
    """A kiosk's state as the desk shows it (from its heartbeats and help calls)."""

    HELP_REQUESTED = "help_requested"  # waiting for help: see waiting_s
    HELP_COMING = "help_coming"  # a desk acknowledged the call
    OUT_OF_SERVICE = "out_of_service"
    OFFLINE = "offline"  # no heartbeat for longer than the server's offline delay
    ASSISTED = "assisted"
    IN_USE = "in_use"
    IDLE = "idle"


class DeskKiosk(_Response):
    """One kiosk of the site, for the reception desk."""

    kiosk_id: str
    name: str
    site: str | None = None
    state: DeskState
    online: bool
    screen: str | None = None
    language: str | None = None
    last_contact: AwareDatetime | None = Field(description="its last heartbeat (None: never)")
    call: HelpCallState | None = Field(default=None, description="its open help call")
    waiting_s: float | None = Field(default=None, description="seconds since it called")
    backlog: int = Field(default=0, description="applications not yet acknowledged centrally")
    assisted_by: str | None = Field(default=None, description="the mediator assisting")
    out_of_service_message: str | None = None
    out_of_service_by: str | None = None


class FleetKiosk(_Response):
    """One kiosk of the fleet, for staff: what needs attention first."""

    kiosk_id: str
    name: str
    site: str | None = None
    revoked: bool
    software_version: str
    state: DeskState
    online: bool
    last_contact: AwareDatetime | None
    backlog: dict[str, int] = Field(default_factory=dict)
    backlog_pending: int = 0
    device_health: dict[str, str] = Field(default_factory=dict)
    device_faults: list[str] = Field(default_factory=list, description="devices not ok")
    last_error: str | None = None
    applications_today: int = 0
    last_sync_ok_at: AwareDatetime | None = Field(
        default=None, description="the kiosk's last sync round that reached the central API"
    )
    out_of_service_message: str | None = None
    out_of_service_by: str | None = None
    assisted_by: str | None = None
    attention: list[str] = Field(
        default_factory=list,
        description="why it needs attention, most urgent first: help_requested, offline, "
        "out_of_service, device_fault, sync_error, backlog",
    )


# --- status at a kiosk (issue 8) ------------------------------------------------------------

ReceiptSecret = Annotated[str, StringConstraints(pattern=r"^[2-9A-HJKMNP-Z]{16}$")]


class StatusLookup(_Request):
    """An applicant at a kiosk asks where their application stands: the reference on their
    receipt, with the receipt's lookup secret (its QR code) or their date of birth."""

    reference: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=4, max_length=32)
    ] = Field(description='the kiosk reference ("K-7K3M-9QXD") or the central one')
    secret: ReceiptSecret | None = Field(default=None, description="from the receipt's QR code")
    birth_date: dt.date | None = Field(default=None, description="when the reference is typed")


class StatusView(_Response):
    """What a kiosk shows the applicant: no personal data."""

    reference: str = Field(description="the kiosk reference on the receipt")
    central_reference: str
    procedure_id: str
    status: ApplicationStatus
    received_at: AwareDatetime
    status_changed_at: AwareDatetime
    attestation_available: bool = Field(
        description="the attestation de dépôt can be printed (POST /v1/status/attestation)"
    )


class Attestation(_Response):
    """The attestation de dépôt: what the prefecture certifies it received, and from whom."""

    central_reference: str
    reference: str
    procedure_id: str
    deposited_at: AwareDatetime
    examined_since: AwareDatetime
    issued_at: AwareDatetime
    surname: str
    given_names: str
    birth_date: str
    nationality: str
