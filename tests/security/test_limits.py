"""Limits before work, on the real server process: bodies over a route's limit are refused from
``Content-Length`` or while streaming, before they are buffered, and a request without a valid
token is answered before its body is read. Memory is the server's resident set (RSS)."""

from __future__ import annotations

import select
import socket
import threading

import pytest

from tests.fixtures.central import CentralServer
from tests.security.conftest import address, enrol_real, fake_sha256, rss_mb

pytestmark = pytest.mark.integration

MB = 1024 * 1024
PIECE = bytes(MB)  # generated once, sent again and again


def _status(sock: socket.socket, timeout: float = 10.0) -> int:
    """The status code of the answer on ``sock`` (0 if the server closed without one)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, TimeoutError, OSError):
        pass
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def _push(url: str, head: str, total: int, *, chunked: bool = False) -> tuple[int, int]:
    """Send ``head`` then up to ``total`` bytes of body (1 MiB at a time, raw or chunked),
    stopping as soon as the server answers or closes; (status, body bytes sent)."""
    sock = socket.create_connection(address(url), timeout=30)
    sent = 0
    try:
        sock.sendall(head.encode("latin-1"))
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break  # an answer (or EOF) before the body was all sent
            piece = PIECE[: min(MB, total - sent)]
            try:
                if chunked:
                    sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                else:
                    sock.sendall(piece)
            except OSError:  # reset or broken pipe: the server closed without reading
                break
            sent += len(piece)
        return _status(sock), sent
    finally:
        sock.close()


class PeakRss:
    """Samples the server's RSS every 20 ms while running."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = rss_mb(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self._stop.wait(0.02)  # the sampling period; returns at once when stopped

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_five_200_mb_uploads_without_a_token_are_refused_unread(server: CentralServer) -> None:
    """Five 200 MB bodies at once, no token: 401 or 413 each, most of the body never sent,
    and the server's memory stays within 50 MB of idle (it was 157 MB -> 1.5 GB)."""
    idle = rss_mb(server.process.pid)
    head = (
        f"PUT /v1/attachments/{fake_sha256('x')} HTTP/1.1\r\nHost: t\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {200 * MB}\r\n\r\n"
    )
    results: list[tuple[int, int]] = []
    with PeakRss(server.process.pid) as peak:
        threads = [
            threading.Thread(target=lambda: results.append(_push(server.url, head, 200 * MB)))
            for _ in range(5)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert len(results) == 5
    for status, sent in results:
        assert status in (401, 413), results
        assert sent < 20 * MB, results  # what the kernel's buffers took, not the body
    assert peak.peak - idle < 50, f"RSS {idle:.0f} MB idle, {peak.peak:.0f} MB at peak"


def test_a_chunked_body_with_a_token_is_cut_at_the_route_limit(server: CentralServer) -> None:
    """With a valid token and no Content-Length, the body is counted while it streams and
    refused (413) once over the chunk limit (8 MiB), long before its 200 MB."""
    kiosk = enrol_real(server)
    idle = rss_mb(server.process.pid)
    head = (
        f"PUT /v1/attachments/{fake_sha256('y')} HTTP/1.1\r\nHost: t\r\n"
        f"Authorization: Bearer {kiosk.token}\r\nContent-Type: application/octet-stream\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    with PeakRss(server.process.pid) as peak:
        status, sent = _push(server.url, head, 200 * MB, chunked=True)
    assert status == 413
    assert sent < 40 * MB
    assert peak.peak - idle < 50, f"RSS {idle:.0f} MB idle, {peak.peak:.0f} MB at peak"


@pytest.mark.parametrize(
    ("method", "path", "length"),
    [
        ("POST", "/v1/heartbeat", 10 * MB),  # a JSON route: 64 KiB
        ("PUT", f"/v1/attachments/{fake_sha256('z')}", 9 * MB),  # a chunk: 8 MiB
        ("PUT", "/v1/applications/8d2c1f4e-0000-4000-8000-000000000001", 64 * MB),
        ("POST", "/v1/staff/sign-in", MB),
    ],
)
def test_content_length_over_the_route_limit_is_refused_at_once(
    server: CentralServer, method: str, path: str, length: int
) -> None:
    """Announced too long, with a valid token: 413 from the headers alone."""
    kiosk = enrol_real(server)
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {kiosk.token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    )
    sock = socket.create_connection(address(server.url), timeout=10)
    try:
        sock.sendall(head.encode())
        assert _status(sock, timeout=5) == 413
    finally:
        sock.close()


def test_an_unknown_token_is_refused_before_the_body(server: CentralServer) -> None:
    head = (
        f"PUT /v1/attachments/{fake_sha256('w')} HTTP/1.1\r\nHost: t\r\n"
        "Authorization: Bearer not-a-token\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {4 * MB}\r\n\r\n"
    )
    sock = socket.create_connection(address(server.url), timeout=10)
    try:
        sock.sendall(head.encode())  # not one byte of the body
        assert _status(sock, timeout=5) == 401
    finally:
        sock.close()
