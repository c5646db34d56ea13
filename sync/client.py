"""HTTP client of the central API: one ``requests.Session``, TLS verified, explicit timeouts.

Every failure is one of three typed exceptions, which tell the outbox agent what to do:

* :class:`AuthError` (401, 403): the kiosk is not (or no longer) allowed; stop, do not retry;
* :class:`RejectedError` (other 4xx, e.g. 409, 422): permanent, the package needs a person;
* :class:`TransientError` (no connection, timeout, 5xx, 429, truncated or invalid JSON):
  try again later.

Subclasses say more where the agent acts on it: :class:`TLSError` (the certificate check
failed: staff must look, but the outbox is kept), :class:`IncompleteError` (409: attachments
missing before an application), :class:`OffsetConflict` (409: a chunk does not start where
the server's bytes end) and :class:`HashMismatchError` (422: the completed attachment did
not match its SHA-256 and was discarded).

Attachments go up as raw bytes (``application/octet-stream``, no base64), in chunks of
``chunk_size`` bytes with a ``Content-Range``, resuming from what the server says it has.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import time
import uuid as uuidlib
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ValidationError

from contract.protocol import (
    API_PREFIX,
    DEFAULT_CHUNK_BYTES,
    OCTET_STREAM,
    ApplicationReceipt,
    ApplicationUpload,
    AttachmentStatus,
    Attestation,
    EnrolRequest,
    EnrolResponse,
    FieldProblem,
    Health,
    Heartbeat,
    HeartbeatAck,
    HelpCallClose,
    HelpCallRequest,
    HelpCallState,
    StatusLookup,
    StatusView,
    content_range,
)
from sync import __version__

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


class TLSError(TransientError):
    """The server's certificate could not be verified (unknown CA, wrong name, expired), or
    it refused ours. Will not heal by itself, but the outbox is kept: staff fix the CA bundle
    or the certificates."""


class IncompleteError(RejectedError):
    """409 to an application: the server lacks the attachments listed in ``missing``."""

    def __init__(self, detail: str, *, status: int | None, missing: list[str]) -> None:
        super().__init__(detail, status=status)
        self.missing = missing


class OffsetConflict(RejectedError):
    """409 to a chunk: the server has ``received`` bytes (None: ask it), not what we assumed."""

    def __init__(self, detail: str, *, status: int | None, received: int | None) -> None:
        super().__init__(detail, status=status)
        self.received = received


class HashMismatchError(TransientError):
    """422 on the last chunk: the bytes did not match the SHA-256 and were discarded."""


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


def _json_body(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except (ValueError, requests.RequestException):
        return None


def _ssl_reason(exc: Exception) -> str:
    """The innermost reason of a requests SSLError, e.g. "certificate verify failed"."""
    text = str(exc)
    for marker in ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "SSLV3_ALERT"):
        if marker in text:
            start = text.find(marker)
            return text[start : start + 120].split("')")[0].rstrip(")'\" ")
    return text[:200]


def _problem(resp: requests.Response) -> tuple[str, list[FieldProblem]]:
    """The server's ``detail`` and ``errors``, or a description of the response."""
    body = _json_body(resp)
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
        client_cert: str | Path | tuple[str | Path, str | Path] | None = None,
        connect_timeout: float = 5,
        read_timeout: float = 30,
    ) -> None:
        """``ca_bundle``: CA certificates (PEM) to verify the server with, e.g. the
        prefecture's own CA (default: the system's). ``client_cert``: a PEM file holding
        the kiosk's certificate and key, or a (certificate, key) pair of files, for servers
        that require one. TLS verification is never turned off."""
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
            self.session.cert = (
                (str(client_cert[0]), str(client_cert[1]))
                if isinstance(client_cert, tuple)
                else str(client_cert)
            )
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
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        authenticated: bool = True,
        check: bool = True,
    ) -> requests.Response:
        headers = dict(headers or {})
        if authenticated:
            if not self.token:
                raise AuthError("this kiosk has no token: enrol it first")
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = body.model_dump_json().encode("utf-8")
            headers["Content-Type"] = "application/json"
        elif raw is not None:
            data = raw
            headers["Content-Type"] = OCTET_STREAM
        url = f"{self.base_url}{API_PREFIX}{path}"
        try:
            # verify and cert are passed on every call: requests would otherwise let
            # $REQUESTS_CA_BUNDLE / $CURL_CA_BUNDLE override the session's CA bundle.
            resp = self.session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=self.timeout,
                verify=self.session.verify,
                cert=self.session.cert,
            )
        except requests.exceptions.SSLError as exc:
            # A certificate problem will not heal by itself, but the kiosk must keep its
            # outbox: treated as transient, with a message that says what to fix.
            raise TLSError(
                f"TLS with {self.base_url} failed (check the CA bundle and certificates): "
                f"{_ssl_reason(exc)}"
            ) from None
        except requests.Timeout:
            raise TransientError(f"{self.base_url} did not answer in time") from None
        except requests.ConnectionError as exc:
            raise TransientError(f"cannot reach {self.base_url}: {type(exc).__name__}") from None
        except requests.RequestException as exc:
            raise TransientError(f"the exchange with {self.base_url} failed: {exc}") from None
        if check:
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
        if code == 409:
            body = _json_body(resp)
            if isinstance(body, dict) and isinstance(body.get("missing"), list):
                missing = [str(m) for m in body["missing"]]
                raise IncompleteError(detail, status=code, missing=missing)
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

    def enrol(
        self,
        code: str,
        kiosk_name: str,
        previous_token: str | None = None,
        site: str | None = None,
    ) -> EnrolResponse:
        """``previous_token``: this kiosk's current token, if it enrols again (it keeps its
        id); ``site``: where it stands (a reception desk lists the kiosks of its site)."""
        body = EnrolRequest(
            code=code,
            kiosk_name=kiosk_name,
            software_version=__version__,
            previous_token=previous_token,
            site=site,
        )
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
        """The receipt and current status of an application this kiosk delivered (with its
        history), or None if the server has none."""
        try:
            resp = self._request("GET", f"/applications/{uuidlib.UUID(str(uuid))}")
        except RejectedError as exc:
            if exc.status == 404:
                return None
            raise
        return self._parse(resp, ApplicationReceipt)

    def heartbeat(self, beat: Heartbeat) -> HeartbeatAck:
        return self._parse(self._request("POST", "/heartbeat", body=beat), HeartbeatAck)

    # --- help calls (central.routers.desk) -----------------------------------------------------

    def post_help_call(self, call: HelpCallRequest) -> HelpCallState:
        return self._parse(self._request("POST", "/help-calls", body=call), HelpCallState)

    def get_help_call(self, call_id: str | uuidlib.UUID) -> HelpCallState:
        resp = self._request("GET", f"/help-calls/{uuidlib.UUID(str(call_id))}")
        return self._parse(resp, HelpCallState)

    def close_help_call(self, call_id: str | uuidlib.UUID, reason: str) -> HelpCallState:
        body = HelpCallClose.model_validate({"reason": reason})
        resp = self._request("POST", f"/help-calls/{uuidlib.UUID(str(call_id))}/close", body=body)
        return self._parse(resp, HelpCallState)

    # --- status at a kiosk (issue 8) ----------------------------------------------------

    def _status(self, path: str, lookup: StatusLookup, model: type[M]) -> M | None:
        try:
            resp = self._request("POST", f"/status/{path}", body=lookup)
        except RejectedError as exc:
            if exc.status == 404:
                return None
            raise
        return self._parse(resp, model)

    def lookup_status(self, lookup: StatusLookup) -> StatusView | None:
        """Where an application stands (None: nothing matches). TransientError with
        status 429 when too many lookups failed."""
        return self._status("lookup", lookup, StatusView)

    def attestation(self, lookup: StatusLookup) -> Attestation | None:
        """The attestation de dépôt's content (None: nothing matches; RejectedError 409:
        not available yet)."""
        return self._status("attestation", lookup, Attestation)

    # --- attachments -------------------------------------------------------------------

    def attachment_status(self, sha256: str) -> AttachmentStatus | None:
        """What the server has of an attachment, or None if it has no byte of it."""
        try:
            resp = self._request("GET", f"/attachments/{sha256}")
        except RejectedError as exc:
            if exc.status == 404:
                return None
            raise
        return self._parse(resp, AttachmentStatus)

    def put_attachment_chunk(
        self, sha256: str, chunk: bytes, start: int, total: int
    ) -> AttachmentStatus:
        """Send bytes ``[start, start + len(chunk))`` of a ``total``-byte attachment."""
        headers = {"Content-Range": content_range(start, start + len(chunk), total)}
        resp = self._request(
            "PUT", f"/attachments/{sha256}", raw=chunk, headers=headers, check=False
        )
        if resp.status_code == 409:
            body = _json_body(resp)
            received = body.get("received") if isinstance(body, dict) else None
            detail, _errors = _problem(resp)
            raise OffsetConflict(
                detail, status=409, received=received if isinstance(received, int) else None
            )
        if resp.status_code == 422:
            detail, errors = _problem(resp)
            if any(e.field == "sha256" for e in errors):
                raise HashMismatchError(detail, status=422)
        self._raise_for_status(resp)
        return self._parse(resp, AttachmentStatus)

    def upload_attachment(
        self,
        blob: bytes,
        *,
        sha256: str | None = None,
        chunk_size: int = DEFAULT_CHUNK_BYTES,
    ) -> AttachmentStatus:
        """Upload a sealed attachment, resuming from what the server has; idempotent.

        Returns the final status (``complete``). Raises HashMismatchError if the server
        found the bytes damaged (it discarded them: calling again starts over)."""
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        digest = sha256 or hashlib.sha256(blob).hexdigest()
        total = len(blob)
        state = self.attachment_status(digest)
        if state is not None and state.complete:
            return state
        offset = 0 if state is None else state.received
        conflicts = 0
        while True:
            if not 0 <= offset < total:
                raise TransientError(
                    f"the server reports {offset} bytes of a {total}-byte attachment"
                )
            chunk = blob[offset : offset + chunk_size]
            try:
                state = self.put_attachment_chunk(digest, chunk, offset, total)
            except OffsetConflict as exc:
                conflicts += 1
                if conflicts > 3:
                    raise TransientError(
                        "the server keeps refusing the chunks' offsets", status=409
                    ) from None
                if exc.received is not None:
                    offset = exc.received
                else:
                    known = self.attachment_status(digest)
                    offset = 0 if known is None else known.received
                continue
            if state.complete:
                return state
            if state.received <= offset:
                raise TransientError(
                    f"the server did not take the chunk at offset {offset} "
                    f"(it reports {state.received} bytes)"
                )
            offset = state.received
            conflicts = 0
