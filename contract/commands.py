"""Remote actions from the reception desk (issue 16): the desk asks the central API, under its
desk token, for an action on one kiosk of its site; the kiosk fetches what is pending after
each heartbeat, carries it out and reports the outcome. Every step is in the central API's
staff audit with who asked.

Out of service takes a *reason* among message templates rather than free text: the French
text (``OUT_OF_SERVICE_MESSAGES``) is what the kiosk stores and staff read, and the kiosk
shows the applicant its translation (the same strings are in the kiosk's catalogues).
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints


class KioskAction(StrEnum):
    OUT_OF_SERVICE = "out_of_service"
    IN_SERVICE = "in_service"
    SYNC_NOW = "sync_now"
    END_SESSION = "end_session"  # a stuck session: the kiosk wipes it and goes back to welcome


class OutOfServiceReason(StrEnum):
    MAINTENANCE = "maintenance"
    NETWORK = "network"
    PRINTER = "printer"
    CLOSED = "closed"


# The templates' French text (kiosk/i18n catalogues translate these exact strings).
OUT_OF_SERVICE_MESSAGES: dict[OutOfServiceReason, str] = {
    OutOfServiceReason.MAINTENANCE: "Borne en maintenance. Merci de revenir plus tard.",
    OutOfServiceReason.NETWORK: "La borne n'a plus de réseau. Merci de vous adresser à l'accueil.",
    OutOfServiceReason.PRINTER: "L'imprimante de la borne est en panne. "
    "Merci de vous adresser à l'accueil.",
    OutOfServiceReason.CLOSED: "La borne est fermée pour aujourd'hui.",
}


class CommandState(StrEnum):
    PENDING = "pending"  # asked, not yet fetched by the kiosk
    SENT = "sent"  # fetched by the kiosk, outcome not yet reported
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"  # not fetched within COMMAND_TTL_S: the kiosk was offline
    SUPERSEDED = "superseded"  # a newer action of the desk replaced it before it was fetched


COMMAND_TTL_S = 600.0  # a desk action not fetched within 10 minutes is dropped

Who = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class DeskCommandRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: KioskAction
    reason: OutOfServiceReason | None = Field(
        default=None, description="out_of_service only (required there): the message template"
    )
    by: Who = Field(description='who at the desk asks, e.g. "Claire Martin (accueil-1)"')


class KioskCommand(BaseModel):
    model_config = ConfigDict(extra="ignore")

    command_id: uuidlib.UUID
    kiosk_id: str
    action: KioskAction
    reason: OutOfServiceReason | None = None
    message: str | None = Field(default=None, description="out_of_service: the French text")
    by: str
    requested_at: AwareDatetime
    state: CommandState
    done_at: AwareDatetime | None = None
    outcome: str | None = Field(default=None, description="what the kiosk reported")


class CommandResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ok: bool
    detail: Annotated[str, StringConstraints(max_length=200)] = ""


def expired(requested_at: dt.datetime, now: dt.datetime) -> bool:
    return (now - requested_at).total_seconds() > COMMAND_TTL_S


class KioskStateChange(BaseModel):
    """A line of a kiosk's history: from ``at`` it was in ``state`` (the kiosk's own: idle,
    in_use, help_requested, assisted, out_of_service); ``detail``: who assisted, or the
    out-of-service message."""

    model_config = ConfigDict(extra="ignore")

    at: AwareDatetime
    state: str
    detail: str | None = None
