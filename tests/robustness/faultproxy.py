"""A fault-injecting HTTP/1.1 proxy on 127.0.0.1, between the sync agent and the central API.

Per request, drawn from a seeded generator, it:

* ``pass``: forwards the request and the response untouched;
* ``delay``: waits a little, then passes;
* ``drop``: closes the connection without forwarding the request;
* ``drop_after``: forwards it (the server acts on it), then closes without answering;
* ``reset`` / ``reset_after``: the same with a TCP RST (``SO_LINGER`` 0) instead of a FIN;
* ``truncate``: forwards it, sends back part of the response (headers and half the
  body, or part of the headers), then closes;
* ``500`` / ``502`` / ``503``: answers that status itself without forwarding;
* ``502_after``: forwards it, then answers 502 instead of the server's response (a
  gateway that lost the answer: the server acted, the client is told it failed);
* ``hang`` / ``hang_after``: holds the request (unforwarded, or forwarded) without
  answering until after the client's read timeout, then closes.

A ``script`` of faults can open the run (so that each kind is sure to happen). ``mode`` can also be ``"pass"`` (no fault: byte counting only) or ``"blocked"`` (every
connection is closed at once: the network is down). ``sent`` and ``received`` count the
bytes from the client and to it, ``faults`` what was injected. Uses threads, one per client
connection, and a fresh connection to the server for each request.
"""

from __future__ import annotations

import collections
import contextlib
import random
import socket
import struct
import threading
from collections.abc import Mapping, Sequence

FAULTS: dict[str, float] = {
    "delay": 0.06,
    "drop": 0.03,
    "drop_after": 0.04,
    "reset": 0.03,
    "reset_after": 0.04,
    "truncate": 0.04,
    "500": 0.02,
    "502": 0.02,
    "503": 0.02,
    "502_after": 0.03,
    "hang": 0.01,
    "hang_after": 0.01,
}


class _Closed(Exception):
    pass


def _read_until(sock: socket.socket, buf: bytearray, marker: bytes, limit: int = 65536) -> int:
    while True:
        i = buf.find(marker)
        if i >= 0:
            return i
        if len(buf) > limit:
            raise _Closed("headers too long")
        data = sock.recv(65536)
        if not data:
            raise _Closed("eof")
        buf += data


def _read_exact(sock: socket.socket, buf: bytearray, n: int) -> bytes:
    while len(buf) < n:
        data = sock.recv(max(65536, n - len(buf)))
        if not data:
            raise _Closed("eof")
        buf += data
    out = bytes(buf[:n])
    del buf[:n]
    return out


def _headers(head: bytes) -> dict[str, str]:
    out = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        out[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    return out


def read_message(sock: socket.socket, buf: bytearray, *, response_to: str | None = None) -> bytes:
    """One HTTP/1.1 message (head and body) from ``sock``; ``buf`` keeps what is read ahead.
    ``response_to``: the request method when reading a response."""
    end = _read_until(sock, buf, b"\r\n\r\n")
    head = _read_exact(sock, buf, end + 4)
    headers = _headers(head[:-4])
    status = int(head.split(b" ", 2)[1]) if response_to else 0
    if response_to == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return head
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            i = _read_until(sock, buf, b"\r\n")
            size_line = _read_exact(sock, buf, i + 2)
            size = int(size_line.split(b";")[0], 16)
            body += size_line + _read_exact(sock, buf, size + 2)
            if size == 0:
                return head + bytes(body)
    length = int(headers.get("content-length", "0"))
    return head + _read_exact(sock, buf, length)


def _error_response(status: int) -> bytes:
    reason = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    body = f"<html><body>{status} {reason[status]} (fault proxy)</body></html>".encode()
    return (
        f"HTTP/1.1 {status} {reason[status]}\r\nContent-Type: text/html\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def _reset(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class FaultProxy:
    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        seed: int = 0,
        faults: Mapping[str, float] | None = None,
        mode: str = "faults",
        hang_s: float = 1.0,
        delay_s: tuple[float, float] = (0.01, 0.15),
        script: Sequence[str] = (),
    ) -> None:
        """``faults``: probability of each fault per request; ``script``: faults (or
        "pass") for the first requests, in order, before the random draws."""
        self.upstream = upstream
        self.rng = random.Random(seed)
        self.faults = dict(FAULTS if faults is None else faults)
        self.mode = mode
        self.hang_s = hang_s
        self.delay_s = delay_s
        self.script = list(script)
        self.counts: collections.Counter[str] = collections.Counter()
        self.sent = 0  # bytes from the client
        self.received = 0  # bytes to the client
        self.requests = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._connections: list[tuple[threading.Thread, socket.socket]] = []  # joined by close()
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def faults_injected(self) -> dict[str, int]:
        return {k: v for k, v in sorted(self.counts.items()) if k != "pass"}

    def close(self) -> None:
        """Stop accepting, end every connection, and join their threads."""
        self._stop.set()
        self._thread.join(5)
        self._listener.close()
        with self._lock:
            connections = list(self._connections)
        for _thread, conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)  # a read waiting for the next request ends
        for thread, _conn in connections:
            thread.join(5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _choose(self) -> str:
        with self._lock:
            self.requests += 1
            if self.mode != "faults":
                choice = "pass"
            elif self.script:
                choice = self.script.pop(0)
            else:
                x = self.rng.random()
                choice = "pass"
                for name, p in self.faults.items():
                    if x < p:
                        choice = name
                        break
                    x -= p
            self.counts[choice] += 1
            return choice

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.mode == "blocked":
                with self._lock:
                    self.counts["blocked"] += 1
                _reset(conn)
                continue
            serving = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            with self._lock:
                self._connections = [c for c in self._connections if c[0].is_alive()]
                self._connections.append((serving, conn))
            serving.start()

    def _forward(self, request: bytes, method: str) -> bytes:
        with socket.create_connection(self.upstream, timeout=30) as up:
            up.sendall(request)
            return read_message(up, bytearray(), response_to=method)

    def _serve(self, conn: socket.socket) -> None:
        buf = bytearray()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while not self._stop.is_set():
                try:
                    request = read_message(conn, buf)
                except (_Closed, OSError):
                    return
                with self._lock:
                    self.sent += len(request)
                method = request.split(b" ", 1)[0].decode("latin-1")
                fault = self._choose()
                if fault == "delay":
                    # The injected fault itself (a slow network), cut short by close().
                    self._stop.wait(self.rng.uniform(*self.delay_s))
                if fault in ("drop", "reset", "hang", "500", "502", "503"):
                    response = b""
                else:
                    response = self._forward(request, method)
                if fault in ("drop", "drop_after"):
                    conn.close()
                    return
                if fault in ("reset", "reset_after"):
                    _reset(conn)
                    return
                if fault in ("hang", "hang_after"):
                    self._stop.wait(self.hang_s)
                    conn.close()
                    return
                if fault in ("500", "502", "503", "502_after"):
                    out = _error_response(int(fault[:3]))
                    conn.sendall(out)
                    with self._lock:
                        self.received += len(out)
                    conn.close()
                    return
                if fault == "truncate":
                    head_end = response.find(b"\r\n\r\n") + 4
                    body = len(response) - head_end
                    cut = head_end + body // 2 if body > 1 else self.rng.randint(1, head_end - 1)
                    conn.sendall(response[:cut])
                    conn.close()
                    return
                conn.sendall(response)
                with self._lock:
                    self.received += len(response)
                if b"\r\nconnection: close" in response.split(b"\r\n\r\n", 1)[0].lower():
                    conn.close()
                    return
        except OSError:
            return
        finally:
            conn.close()
