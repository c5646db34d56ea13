"""Slow connections on the real server: 300 clients that send part of their headers, or
announce a body and send 1 KB of it, are all closed within the timeouts (before, 300 such
connections were all still open after 211 s), and the server keeps answering others. Beyond
its concurrency limit (``--max-connections``) the server answers 503 at once instead of
taking more work."""

from __future__ import annotations

import select
import socket
import time

import pytest
import requests

from tests.fixtures.central import CentralServer, start_central, stop_central
from tests.security.conftest import (
    BODY_TIMEOUT_S,
    HEADER_TIMEOUT_S,
    address,
    enrol_real,
    fake_sha256,
)

pytestmark = pytest.mark.integration

MARGIN_S = 5.0  # scheduling on a loaded machine


def _open(url: str, data: bytes) -> socket.socket:
    sock = socket.create_connection(address(url), timeout=10)
    sock.sendall(data)
    sock.setblocking(False)
    return sock


def test_300_slow_connections_are_closed_within_the_timeouts(server: CentralServer) -> None:
    kiosk = enrol_real(server)
    partial_headers = b"PUT /v1/heartbeat HTTP/1.1\r\nHost: t\r\nContent-Type: application/j"
    slow_body = (
        f"PUT /v1/attachments/{{sha}} HTTP/1.1\r\nHost: t\r\n"
        f"Authorization: Bearer {kiosk.token}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {4 * 1024 * 1024}\r\n\r\n"
    )
    no_token = (
        f"PUT /v1/attachments/{fake_sha256('n')} HTTP/1.1\r\nHost: t\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {100 * 1024 * 1024}\r\n\r\n"
    ).encode() + bytes(1024)
    started = time.monotonic()
    socks: dict[socket.socket, str] = {}
    for i in range(100):
        socks[_open(server.url, partial_headers)] = "headers"
        head = slow_body.replace("{sha}", fake_sha256(f"slow-{i}")).encode()
        socks[_open(server.url, head + bytes(1024))] = "body"
        socks[_open(server.url, no_token)] = "no token"
    # The server answers others meanwhile.
    assert requests.get(f"{server.url}/v1/health", timeout=5).ok

    deadline = started + max(HEADER_TIMEOUT_S, BODY_TIMEOUT_S) + MARGIN_S
    closed_at: dict[str, float] = {}
    open_socks = set(socks)
    while open_socks and time.monotonic() < deadline:
        readable, _, _ = select.select(list(open_socks), [], [], 0.2)
        for sock in readable:
            try:
                while sock.recv(65536):
                    pass
            except BlockingIOError:
                continue  # an answer came, the connection is not closed yet
            except OSError:
                pass  # reset: closed
            kind = socks[sock]
            closed_at[kind] = max(closed_at.get(kind, 0.0), time.monotonic() - started)
            open_socks.discard(sock)
            sock.close()
    left = {kind: sum(1 for s in open_socks if socks[s] == kind) for kind in set(socks.values())}
    for sock in open_socks:
        sock.close()
    print(f"\nslow connections: last closed after {closed_at} s; still open: {left}")
    assert not open_socks, f"still open after {deadline - started:.1f} s: {left}"
    assert requests.get(f"{server.url}/v1/health", timeout=5).ok


def test_requests_beyond_the_concurrency_limit_get_503(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """8 connections held open (long timeouts, so only the limit can act): a ninth client
    is answered 503; once they are gone, 200 again."""
    limit = 8
    srv = start_central(
        tmp_path_factory.mktemp("limited"),
        n_codes=0,
        extra_args=[
            "--max-connections", str(limit),
            "--header-timeout", "60",
            "--keep-alive-timeout", "60",
        ],
    )  # fmt: skip
    held: list[socket.socket] = []
    try:
        held += [socket.create_connection(address(srv.url), timeout=10) for _ in range(limit)]
        deadline = time.monotonic() + 20  # the server accepts them on its own time
        statuses = []
        while time.monotonic() < deadline and 503 not in statuses:
            statuses.append(requests.get(f"{srv.url}/v1/health", timeout=10).status_code)
        assert statuses[-1] == 503, statuses
        for sock in held:
            sock.close()
        while time.monotonic() < deadline and statuses[-1] != 200:
            statuses.append(requests.get(f"{srv.url}/v1/health", timeout=10).status_code)
        assert statuses[-1] == 200, statuses
    finally:
        for sock in held:
            sock.close()
        stop_central(srv.process)
