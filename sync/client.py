"""HTTP client of the central API: one ``requests.Session``, TLS verified, explicit timeouts.

Every failure is one of three typed exceptions, which tell the outbox agent what to do:

* :class:`AuthError` (401, 403): the kiosk is not (or no longer) allowed; stop, do not retry;
* :class:`RejectedError` (other 4xx, e.g. 409, 422): permanent, the package needs a person;
* :class:`TransientError` (no connection, timeout, 5xx, 429, truncated or invalid JSON):
  try again later.
"""

from __future__ import annotations

import email.utils
import logging
import time
import uuid as uuidlib
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ValidationError

from sync import __version__
from sync.protocol import (
    API_PREFIX,
    ApplicationReceipt,
    ApplicationUpload,
    EnrolRequest,
    EnrolResponse,
    FieldProblem,
    Health,
)

log = logging.getLogger("kiosk.sync.client")

M = TypeVar("M", bound=BaseModel)


class CentralError(Exception):
    """Base of the client's errors; ``detail`` is the server's sentence when there is one."""

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        errors: list[FieldProblem] | None = None,
    ) -> None:
        super().__init__(detail if status is None else f"HTTP {status}: {detail}")
        self.detail = detail
        self.status = status
        self.errors = errors or []


class AuthError(CentralError):
    """401/403: the token (or enrolment code) is refused. Do not retry automatically."""


class RejectedError(CentralError):
    """A permanent refusal (409, 422, other 4xx): retrying the same request cannot help."""


class TransientError(CentralError):
    """The server could not be reached or could not answer properly; retry later.

    ``retry_after`` is the server's Retry-After in seconds, when it gave one.
    """

    def __init__(self, detail: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(detail, status=status)
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _problem(resp: requests.Response) -> tuple[str, list[FieldProblem]]:
    """The server's ``detail`` and ``errors``, or a description of the response."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        errors = []
        for item in body.get("errors") or []:
            try:
                errors.append(FieldProblem.model_validate(item))
            except ValidationError:
                continue
        return body["detail"], errors
    reason = resp.reason or "error"
    return f"{reason} (no explanation from the server)", []


class CentralClient:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        ca_bundle: str | Path | None = None,
        client_cert: str | Path | tuple[str, str] | None = None,
        connect_timeout: float = 5,
        read_timeout: float = 30,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"the central server URL must be http(s)://host[:port], not {base_url!r}"
            )
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = (connect_timeout, read_timeout)
        self.session = requests.Session()
        self.session.verify = str(ca_bundle) if ca_bundle else True
        if client_cert is not None:
            self.session.cert = client_cert if isinstance(client_cert, tuple) else str(client_cert)
        self.session.headers["User-Agent"] = f"kiosk-sync/{__version__}"
        self.session.headers["Accept"] = "application/json"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> CentralClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- transport -------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: BaseModel | None = None,
        authenticated: bool = True,
    ) -> requests.Response:
        headers = {}
        if authenticated:
            if not self.token:
                raise AuthError("this kiosk has no token: enrol it first")
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = body.model_dump_json().encode("utf-8")
            headers["Content-Type"] = "application/json"
        url = f"{self.base_url}{API_PREFIX}{path}"
        try:
            resp = self.session.request(
                method, url, data=data, headers=headers, timeout=self.timeout
            )
        except requests.exceptions.SSLError as exc:
            # A certificate problem will not heal by itself, but the kiosk must keep its
            # outbox: treated as transient, with a message that says what to fix.
            raise TransientError(f"TLS verification of {self.base_url} failed: {exc}") from None
        except requests.Timeout:
            raise TransientError(f"{self.base_url} did not answer in time") from None
        except requests.ConnectionError as exc:
            raise TransientError(f"cannot reach {self.base_url}: {type(exc).__name__}") from None
        except requests.RequestException as exc:
            raise TransientError(f"the exchange with {self.base_url} failed: {exc}") from None
        self._raise_for_status(resp)
        return resp

    @staticmethod
    def _raise_for_status(resp: requests.Response) -> None:
        code = resp.status_code
        if code < 400:
            return
        detail, errors = _problem(resp)
        if code in (401, 403):
            raise AuthError(detail, status=code, errors=errors)
        if code == 429 or code >= 500:
            raise TransientError(
                detail, status=code, retry_after=_retry_after(resp.headers.get("Retry-After"))
            )
        raise RejectedError(detail, status=code, errors=errors)

    @staticmethod
    def _parse(resp: requests.Response, model: type[M]) -> M:
        try:
            data: Any = resp.json()
        except (ValueError, requests.RequestException):
            raise TransientError(
                f"the server's answer is not valid JSON (HTTP {resp.status_code}); "
                "it may have been cut off",
                status=resp.status_code,
            ) from None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise TransientError(
                f"the server's answer is not a valid {model.__name__}: "
                f"{exc.error_count()} problem(s)",
                status=resp.status_code,
            ) from None

    # --- API -------------------------------------------------------------------------------

    def health(self) -> Health:
        return self._parse(self._request("GET", "/health", authenticated=False), Health)

    def enrol(self, code: str, kiosk_name: str) -> EnrolResponse:
        body = EnrolRequest(code=code, kiosk_name=kiosk_name, software_version=__version__)
        resp = self._request("POST", "/enrol", body=body, authenticated=False)
        return self._parse(resp, EnrolResponse)

    def put_application(self, upload: ApplicationUpload) -> ApplicationReceipt:
        resp = self._request("PUT", f"/applications/{upload.uuid}", body=upload)
        receipt = self._parse(resp, ApplicationReceipt)
        if receipt.uuid != upload.uuid:
            raise TransientError(
                f"the server acknowledged {receipt.uuid} instead of {upload.uuid}",
                status=resp.status_code,
            )
        return receipt

    def get_application(self, uuid: str | uuidlib.UUID) -> ApplicationReceipt | None:
        """The receipt of an application this kiosk delivered, or None if the server has none."""
        try:
            resp = self._request("GET", f"/applications/{uuidlib.UUID(str(uuid))}")
        except RejectedError as exc:
            if exc.status == 404:
                return None
            raise
        return self._parse(resp, ApplicationReceipt)
