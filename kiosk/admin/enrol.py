"""Enrolment from admin mode: a one-time code from the central API's staff, exchanged for
this kiosk's token and the key to seal to (``sync.enrolment``). Blocking: run on a worker."""

from __future__ import annotations

from typing import Any


def enrol_kiosk(settings: Any, code: str, server_url: str | None = None) -> str:
    """Enrol with ``code`` at ``server_url`` (default: the settings' central API); returns
    the kiosk id. Raises ``ValueError`` for an empty code, ``sync.client.CentralError``
    (e.g. ``AuthError`` for a used or wrong code) or ``EnrolmentError``."""
    from sync.client import CentralClient
    from sync.enrolment import enrol

    code = code.strip()
    if not code:
        raise ValueError("empty code")
    cert, key = settings.client_cert, settings.client_key
    client = CentralClient(
        server_url or settings.central_url,
        None,
        ca_bundle=str(settings.ca_bundle) if settings.ca_bundle else None,
        client_cert=(cert, key) if cert and key else cert,
        connect_timeout=settings.connect_timeout_s,
        read_timeout=settings.read_timeout_s,
    )
    enrolment = enrol(
        client, code, settings.kiosk_name, settings.enrolment_file, site=settings.site_name
    )
    return enrolment.kiosk_id
