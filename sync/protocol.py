"""The wire protocol between kiosks and the central API (HTTP + JSON, under ``/v1``).

These pydantic models are the single description of the contract: the reference server
(``sync.server``) validates requests with them and generates its OpenAPI document from them;
the client (``sync.client``) parses responses with them. Requests reject unknown fields;
responses ignore them, so that the server can add a field without breaking older kiosks.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
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

API_PREFIX = "/v1"

Sha256Hex = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{64}$"),
    Field(description="SHA-256 of the sealed bytes, 64 lower-case hexadecimal digits"),
]
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
MAX_SEALED_BYTES = 8 * 1024 * 1024


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
    Field(description="the sealed package (see sync.sealing), standard base64 with padding"),
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ApplicationStatus(StrEnum):
    RECEIVED = "received"


# --- health ---------------------------------------------------------------------------------


class Health(_Response):
    status: Literal["ok"] = "ok"
    version: str


# --- enrolment ------------------------------------------------------------------------------


class EnrolRequest(_Request):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=64)]
    kiosk_name: ShortText
    software_version: Annotated[str, StringConstraints(min_length=1, max_length=40)]


class EnrolResponse(_Response):
    kiosk_id: str
    token: str = Field(description="bearer token of this kiosk; the server keeps only its hash")
    public_key: str = Field(
        description="the central sealing key: raw X25519 public key, base64url without padding"
    )
    sealing_format: int = Field(description="the sealing format version to use (sync.sealing)")


# --- applications ---------------------------------------------------------------------------


class ApplicationUpload(_Request):
    uuid: UUID = Field(description="client-generated; the idempotency key end to end")
    procedure_id: Ident
    kiosk_reference: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    created_at: AwareDatetime
    sealing_format: int = Field(ge=1, le=255)
    sealed: Base64Bytes
    sha256: Sha256Hex

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
        )


class ApplicationReceipt(_Response):
    uuid: UUID
    central_reference: str = Field(description='e.g. "PREF-2026-000123"')
    status: ApplicationStatus
    received_at: AwareDatetime


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
    consent: Consent
    kiosk_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    submitted_at: AwareDatetime


# --- errors ---------------------------------------------------------------------------------


class FieldProblem(BaseModel):
    field: str = Field(description='dotted path of the faulty field, e.g. "answers.surname"')
    message: str


class Problem(BaseModel):
    """Every error response: a sentence for people, plus one entry per faulty field."""

    detail: str
    errors: list[FieldProblem] = Field(default_factory=list)


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


class EnrolmentCode(_Response):
    code: str


class KioskInfo(_Response):
    kiosk_id: str
    name: str
    revoked: bool
    enrolled_at: AwareDatetime
    last_seen: AwareDatetime | None
