"""Limits before work: an ASGI middleware in front of every route (issue 13).

For each request, before the application reads a byte of its body:

* the client address is rate-limited (a token bucket per address);
* the route's body limit is applied to ``Content-Length`` (413 at once), and the body is
  counted while it streams (413 as soon as it goes over: a chunked body is never buffered
  whole) and must arrive within ``Limits.body_timeout_s`` (408);
* the credentials are checked: a kiosk token (looked up by its SHA-256, cached a few
  seconds), the admin token or a desk token, so that a request without a valid one is
  answered 401 without its body ever being read; then the kiosk's own rate limit, and for
  staff sign-in a human pace per kiosk;
* a request refused by a rate limit is answered 429 after ``Limits.refusal_delay_s``: a
  client flooding one request after another is slowed down instead of being answered as
  fast as it asks;
* a kiosk's ``last_seen`` is written at most once a minute (not by every request).

An answer given before the body was read whole carries ``Connection: close``: the server
stops reading and frees the connection (uvicorn would otherwise keep a half-read one).
Who asked is left in ``scope["state"]`` for the routes' dependencies (:mod:`central.deps`).
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
from starlette.exceptions import HTTPException

from contract.protocol import MAX_CHUNK_BYTES, MAX_SEALED_BYTES

if TYPE_CHECKING:
    from central.deps import Central

log = logging.getLogger("kiosk.central.limits")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KIB = 1024
# A sealed application travels in base64 inside JSON.
APPLICATION_BODY_BYTES = math.ceil(MAX_SEALED_BYTES * 4 / 3) + 64 * KIB
STAFF_AUDIT_BODY_BYTES = 256 * KIB
SMALL_BODY_BYTES = 4 * KIB


class BodyRefused(HTTPException):
    """A request body refused before it was all read: the answer closes the connection, or
    what is left of the body would be read as the next request."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(status_code, detail, headers={"Connection": "close"})


class BodyTooLarge(BodyRefused):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than this route accepts ({limit} bytes)")


class BodyTimeout(BodyRefused):
    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"the request body did not arrive within {seconds:g} s")


@dataclass(frozen=True)
class Rule:
    auth: str  # "kiosk", "admin", "desk" (or admin), "" (none)
    body_bytes: int
    human_paced: bool = False  # a kiosk's requests here are also held to a human's pace


def _rules(json_limit: int) -> list[tuple[re.Pattern[str], frozenset[str] | None, Rule]]:
    any_method = None
    kiosk = Rule("kiosk", json_limit)
    table: list[tuple[str, frozenset[str] | None, Rule]] = [
        (r"/v1/health", any_method, Rule("", 0)),
        (r"/v1/enrol", any_method, Rule("", SMALL_BODY_BYTES)),
        (r"/v1/applications/[^/]+", frozenset({"PUT"}), Rule("kiosk", APPLICATION_BODY_BYTES)),
        (r"/v1/attachments/[^/]+", frozenset({"PUT"}), Rule("kiosk", MAX_CHUNK_BYTES)),
        (r"/v1/staff/audit", any_method, Rule("kiosk", STAFF_AUDIT_BODY_BYTES)),
        (r"/v1/staff/sign-in", any_method, Rule("kiosk", SMALL_BODY_BYTES, human_paced=True)),
        (
            r"/v1/(applications|attachments|heartbeat|help-calls|staff|status)(/.*)?",
            any_method,
            kiosk,
        ),
        (r"/v1/desk(/.*)?", any_method, Rule("desk", json_limit)),
        (r"/v1/admin(/.*)?", any_method, Rule("admin", json_limit)),
    ]
    return [(re.compile(f"^{p}$"), m, r) for p, m, r in table]


class TokenBucket:
    """``rate`` tokens a second up to ``burst``, per key; the least recently used keys are
    forgotten beyond ``max_keys`` (a flood of addresses cannot grow it without bound)."""

    def __init__(self, rate: float, burst: int, max_keys: int = 50_000) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """0 if allowed (a token taken), else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, at = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return wait


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _bearer(scope: Scope) -> str | None:
    value = _header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def _answer(
    send: Send, status: int, detail: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps({"detail": detail, "errors": []}).encode()
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


CHALLENGE = {"WWW-Authenticate": "Bearer"}


class Guard:
    """The middleware; ``central`` is the service's context (:class:`central.deps.Central`)."""

    def __init__(self, app: ASGIApp, central: Central) -> None:
        self.app = app
        self.central = central
        limits = central.settings.limits
        self.rules = _rules(limits.json_body_bytes)
        self.by_address = TokenBucket(limits.address_rate_per_s, limits.address_burst)
        self.by_kiosk = TokenBucket(limits.kiosk_rate_per_s, limits.kiosk_burst)
        self.sign_ins = TokenBucket(limits.sign_in_rate_per_s, limits.sign_in_burst)
        self.refusal_delay_s = limits.refusal_delay_s
        self.body_timeout_s = limits.body_timeout_s

    async def refuse(self, send: Send, wait: float, detail: str) -> None:
        """429 after ``refusal_delay_s`` (the connection is idle meanwhile: no work)."""
        if self.refusal_delay_s > 0:
            await anyio.sleep(self.refusal_delay_s)
        await _answer(send, 429, detail, {"Retry-After": str(max(1, math.ceil(wait)))})

    def rule(self, method: str, path: str) -> Rule:
        for pattern, methods, rule in self.rules:
            if (methods is None or method in methods) and pattern.match(path):
                return rule
        return Rule("", self.central.settings.limits.json_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        c = self.central
        address = client_address(scope)
        wait = self.by_address.take(address)
        if wait:
            await self.refuse(send, wait, "too many requests from this address: slow down")
            return
        rule = self.rule(scope["method"], scope["path"])
        length = _header(scope, b"content-length")
        try:
            announced = int(length) if length is not None else None
        except ValueError:
            await _answer(send, 400, "the Content-Length header is not a number")
            return
        if announced is not None and announced > rule.body_bytes:
            await _answer(send, 413, f"the request body is larger than this route accepts "
                          f"({rule.body_bytes} bytes)")  # fmt: skip
            return
        state = scope.setdefault("state", {})
        token = _bearer(scope)
        if rule.auth == "kiosk":
            kiosk_id = await c.kiosk_for_token(token) if token else None
            if kiosk_id is None:
                detail = (
                    "authentication required: send 'Authorization: Bearer <kiosk token>' with "
                    "the token received at enrolment"
                    if token is None
                    else "the bearer token is not valid for this server (or the kiosk was "
                    "revoked); enrol the kiosk again"
                )
                await _answer(send, 401, detail, CHALLENGE)
                return
            wait = self.by_kiosk.take(kiosk_id)
            if wait:
                await self.refuse(send, wait, "too many requests from this kiosk: slow down")
                return
            wait = self.sign_ins.take(kiosk_id) if rule.human_paced else 0.0
            if wait:
                await self.refuse(send, wait, "too many sign-ins from this kiosk: slow down")
                return
            state["kiosk_id"] = kiosk_id
            await c.saw_kiosk(kiosk_id)
        elif rule.auth in ("admin", "desk"):
            scope_site = c.desk_scope(token) if rule.auth == "desk" else None
            if c.is_admin(token):
                state["admin"] = True
            elif scope_site is not None:
                state["desk_site"] = scope_site
            else:
                await _answer(send, 401, _credentials_problem(c, rule.auth, token), CHALLENGE)
                return

        has_body = (announced or 0) > 0 or _header(scope, b"transfer-encoding") is not None
        limit, deadline = rule.body_bytes, time.monotonic() + self.body_timeout_s
        received = 0
        complete = not has_body

        async def guarded_receive() -> Message:
            nonlocal received, complete
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BodyTimeout(self.body_timeout_s)
            with anyio.move_on_after(remaining) as cancel:
                message = await receive()
            if cancel.cancelled_caught:
                raise BodyTimeout(self.body_timeout_s)
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
                if not message.get("more_body", False):
                    complete = True
            return message

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start" and not complete:
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, guarded_receive, guarded_send)


def _credentials_problem(c: Central, kind: str, token: str | None) -> str:
    if kind == "admin":
        if c.settings.admin_token is None:
            return "the admin API is disabled: give the server an admin token"
        if token is None:
            return "authentication required: send 'Authorization: Bearer <admin token>'"
        return "the admin token is not valid"
    if not c.settings.desk_tokens and c.settings.admin_token is None:
        return "the desk API is disabled: give the server desk tokens"
    if token is None:
        return "authentication required: send 'Authorization: Bearer <desk token>'"
    return "the desk token is not valid"
