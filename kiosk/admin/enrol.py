"""Enrolment from admin mode: a one-time code from the central API's staff, exchanged for
this kiosk's token and the key to seal to (``sync.enrolment``). Blocking: run on a worker."""

from __future__ import annotations

from typing import Any


def enrol_kiosk(settings: Any, code: str, server_url: str | None = None) -> str:
    """Enrol with ``code`` at ``server_url`` (default: the settings' central API); returns
    the kiosk id. Raises ``ValueError`` for an empty code, ``sync.client.CentralError``
    (e.g. ``AuthError`` for a used or wrong code) or ``EnrolmentError``."""
    from kiosk.link.connection import central_client
    from sync.enrolment import enrol

    code = code.strip()
    if not code:
        raise ValueError("empty code")
    client = central_client(settings, server_url or settings.central_url, None)
    enrolment = enrol(
        client, code, settings.kiosk_name, settings.enrolment_file, site=settings.site_name
    )
    return enrolment.kiosk_id


def failure_text(exc: BaseException, url: str) -> str:
    """Why enrolment at ``url`` failed, for staff, in French (it said "Enrôlement
    impossible : TransientError.")."""
    from sync.client import AuthError, RejectedError, TLSError, TransientError
    from sync.enrolment import EnrolmentError

    if isinstance(exc, AuthError):
        return "Code refusé : il est faux, expiré ou déjà utilisé. Demandez-en un nouveau."
    if isinstance(exc, TLSError):
        return (
            f"Enrôlement impossible : le certificat de {url} n'est pas reconnu. Vérifiez les "
            "certificats de l'autorité (page Réglages)."
        )
    if isinstance(exc, TransientError):
        return (
            f"Enrôlement impossible : l'API centrale ne répond pas à l'adresse {url}. "
            "Vérifiez l'adresse (page Réglages) et le réseau, puis réessayez."
        )
    if isinstance(exc, RejectedError):
        detail = getattr(exc, "detail", "") or ""
        return f"Enrôlement refusé par l'API centrale{f' : {detail}' if detail else ''}."
    if isinstance(exc, EnrolmentError):
        return f"Enrôlement impossible : la réponse de {url} n'est pas utilisable ({exc})."
    if isinstance(exc, ValueError):
        return "Saisissez le code donné par l'API centrale."
    return f"Enrôlement impossible : erreur inattendue ({type(exc).__name__}), voir les journaux."


def probe_central(settings: Any, url: str) -> str | None:
    """Ask ``url`` for the central API's health (blocking: on a worker): None if it answers
    as a central API, else why not, in French (beside Réglages' address field)."""
    from kiosk.link.connection import central_client
    from sync.client import CentralError, TLSError

    try:
        with central_client(
            settings,
            url,
            None,
            connect_timeout=min(settings.connect_timeout_s, 5.0),
            read_timeout=min(settings.read_timeout_s, 10.0),
        ) as client:
            client.health()
    except TLSError:
        return "son certificat n'est pas reconnu (voir les certificats de l'autorité)"
    except CentralError as exc:
        status = getattr(exc, "status", None)
        return (
            f"aucune API centrale ne répond à cette adresse{f' (HTTP {status})' if status else ''}"
        )
    except Exception as exc:  # a malformed answer: not a central API
        return f"cette adresse ne répond pas comme une API centrale ({type(exc).__name__})"
    return None
