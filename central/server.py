"""Running the central API with uvicorn: timeouts and limits at the connection level.

* ``GuardedH11Protocol``: uvicorn's HTTP/1.1 protocol with a **header timeout**: a connection
  that has not sent a whole request head within ``header_timeout_s`` (from its opening or
  from its previous answer) is closed. uvicorn has none: a client sending its headers one
  byte at a time held a connection for ever.
* the body timeout and the body limits are the application's (:class:`central.limits.Guard`);
  the keep-alive timeout and the concurrency limit (``limit_concurrency``: 503 beyond it) are
  uvicorn's.

Worker processes (``--workers N``) are spawned: they read their settings from the
environment (:mod:`central.asgi`), the header timeout too.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT_ENV = "KIOSK_CENTRAL_HEADER_TIMEOUT_S"
DEFAULT_HEADER_TIMEOUT_S = 10.0


class GuardedH11Protocol(H11Protocol):
    header_timeout_s = float(os.environ.get(HEADER_TIMEOUT_ENV, DEFAULT_HEADER_TIMEOUT_S))

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._header_timeout)

    def _header_timeout(self) -> None:
        self._header_timer = None
        waiting_for_a_request = self.cycle is None or self.cycle.response_complete
        if waiting_for_a_request and not self.transport.is_closing():
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_timer()  # the next request's head must come in time too

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "_header_timer", None) is not None:
            self._header_timer.cancel()  # type: ignore[union-attr]
            self._header_timer = None
        super().connection_lost(exc)


def uvicorn_options(
    *,
    header_timeout_s: float,
    keep_alive_timeout_s: float,
    max_connections: int,
    forwarded_allow_ips: str | None,
) -> dict[str, Any]:
    """The uvicorn.Config options of the central API."""
    os.environ[HEADER_TIMEOUT_ENV] = str(header_timeout_s)  # for spawned workers
    GuardedH11Protocol.header_timeout_s = header_timeout_s
    return {
        "http": GuardedH11Protocol,
        "timeout_keep_alive": keep_alive_timeout_s,
        "limit_concurrency": max_connections,
        "backlog": max(128, min(max_connections, 4096)),
        "proxy_headers": forwarded_allow_ips is not None,
        "forwarded_allow_ips": forwarded_allow_ips or "127.0.0.1",
        "server_header": False,
        "timeout_graceful_shutdown": 10,
        # A worker starting on a busy machine (FastAPI, SQLAlchemy, Argon2 imported, the app
        # built) can take longer than uvicorn's 5 s before it answers the parent's pings.
        "timeout_worker_healthcheck": 60,
    }
