"""Where the central API is and how the kiosk reaches it: one rule for the address and one
way to build an HTTP client (TLS, timeouts from the settings), shared by the sync loop, the
status lookups, the help calls, sign-in and kiosk-health."""

from __future__ import annotations

import datetime as dt
from typing import Any


class NotEnrolledError(RuntimeError):
    """The kiosk has no central API key yet: it cannot seal an application."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def central_address(settings: Any, enrolment: Any = None) -> str:
    """The central API's address, one rule for the whole kiosk (sync, sign-in, help calls,
    status lookups, kiosk-health): ``central_url`` when it was set (kiosk.toml, the
    environment, admin mode's Réglages), else where the kiosk was enrolled, else the
    default. Admin mode's enrolment writes the address it enrolled with as ``central_url``,
    so the two never disagree."""
    fields: set[str] = getattr(settings, "model_fields_set", set())
    if enrolment is not None and "central_url" not in fields:
        return str(enrolment.server_url)
    return str(settings.central_url)


def enrolment_of(settings: Any) -> Any:
    """The kiosk's enrolment, or None (not enrolled, or unreadable)."""
    from sync.enrolment import Enrolment

    path = settings.enrolment_file
    try:
        return Enrolment.load(path) if path.exists() else None
    except Exception:
        return None


def central_client(
    settings: Any,
    url: str,
    token: str | None,
    *,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
) -> Any:
    """A ``sync.client.CentralClient`` of ``url`` with the settings' TLS files (CA bundle,
    client certificate and key) and timeouts, unless timeouts are given here (a probe's
    own); the caller closes it."""
    from sync.client import CentralClient

    cert, key = settings.client_cert, settings.client_key
    return CentralClient(
        url,
        token,
        ca_bundle=str(settings.ca_bundle) if settings.ca_bundle else None,
        client_cert=(cert, key) if cert and key else cert,
        connect_timeout=settings.connect_timeout_s if connect_timeout is None else connect_timeout,
        read_timeout=settings.read_timeout_s if read_timeout is None else read_timeout,
    )
