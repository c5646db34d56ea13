"""CentralClient (sync.client) against a scripted HTTP server on 127.0.0.1: every kind of
answer maps to the right typed error, and every call carries explicit timeouts."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
import uuid as uuidlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from sync.client import AuthError, CentralClient, RejectedError, TransientError
from sync.protocol import ApplicationUpload

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)

Reply = Callable[["_Handler"], None]


class _Handler(BaseHTTPRequestHandler):
    server: _Stub

    def log_message(self, format: str, *args: Any) -> None:  # silence
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append((self.command, self.path, dict(self.headers), body))
        self.server.reply(self)

    do_GET = do_PUT = do_POST = _serve

    def send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)


class _Stub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.reply: Reply = lambda h: h.send_json(200, {})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def stub() -> Iterator[_Stub]:
    server = _Stub()
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def _upload() -> ApplicationUpload:
    return ApplicationUpload.build(
        uuid=uuidlib.uuid4(),
        procedure_id="renewal-student",
        kiosk_reference="K-ABCD-EFGH",
        created_at=NOW,
        sealing_format=1,
        sealed=b"KTS\x01" + bytes(80),
    )


def _receipt(upload: ApplicationUpload) -> dict[str, Any]:
    return {
        "uuid": str(upload.uuid),
        "central_reference": "PREF-2026-000042",
        "status": "received",
        "received_at": NOW.isoformat(),
    }


def test_put_sends_the_upload_with_the_token(stub: _Stub) -> None:
    upload = _upload()
    stub.reply = lambda h: h.send_json(201, _receipt(upload))
    client = CentralClient(stub.url + "/", "tok-1")
    receipt = client.put_application(upload)
    assert receipt.central_reference == "PREF-2026-000042"
    method, path, headers, body = stub.requests[0]
    assert (method, path) == ("PUT", f"/v1/applications/{upload.uuid}")
    assert headers["Authorization"] == "Bearer tok-1"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"].startswith("kiosk-sync/")
    assert ApplicationUpload.model_validate_json(body) == upload


def test_every_call_has_explicit_timeouts_and_verifies_tls(
    stub: _Stub, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = CentralClient(stub.url, "t", connect_timeout=2, read_timeout=7)
    assert client.session.verify is True
    assert CentralClient(stub.url, ca_bundle="/etc/ca.pem").session.verify == "/etc/ca.pem"
    seen: list[Any] = []
    real = client.session.request

    def spy(*args: Any, **kwargs: Any) -> requests.Response:
        seen.append(kwargs.get("timeout"))
        return real(*args, **kwargs)

    monkeypatch.setattr(client.session, "request", spy)
    stub.reply = lambda h: h.send_json(200, {"status": "ok", "version": "x"})
    client.health()
    stub.reply = lambda h: h.send_json(404, {"detail": "none"})
    assert client.get_application(uuidlib.uuid4()) is None
    assert seen == [(2, 7), (2, 7)]


def test_health_needs_no_token(stub: _Stub) -> None:
    stub.reply = lambda h: h.send_json(200, {"status": "ok", "version": "1.2"})
    assert CentralClient(stub.url).health().version == "1.2"
    assert "Authorization" not in stub.requests[0][2]


def test_enrol(stub: _Stub) -> None:
    answer = {"kiosk_id": "k1", "token": "t", "public_key": "p", "sealing_format": 1}
    stub.reply = lambda h: h.send_json(201, answer)
    assert CentralClient(stub.url).enrol("CODE-1", "Accueil").kiosk_id == "k1"
    body = json.loads(stub.requests[0][3])
    assert body["code"] == "CODE-1" and body["kiosk_name"] == "Accueil"


def test_no_token_is_an_auth_error_without_a_request(stub: _Stub) -> None:
    with pytest.raises(AuthError, match="enrol it first"):
        CentralClient(stub.url).put_application(_upload())
    assert stub.requests == []


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors(stub: _Stub, status: int) -> None:
    stub.reply = lambda h: h.send_json(status, {"detail": "this kiosk has been revoked"})
    with pytest.raises(AuthError) as exc:
        CentralClient(stub.url, "t").put_application(_upload())
    assert exc.value.status == status
    assert exc.value.detail == "this kiosk has been revoked"


@pytest.mark.parametrize("status", [400, 404, 409, 413, 422])
def test_rejections_carry_the_servers_detail(stub: _Stub, status: int) -> None:
    problem = {
        "detail": "the sealed application is incomplete",
        "errors": [{"field": "answers.surname", "message": "is missing"}, {"bad": "shape"}],
    }
    stub.reply = lambda h: h.send_json(status, problem)
    with pytest.raises(RejectedError) as exc:
        CentralClient(stub.url, "t").put_application(_upload())
    assert exc.value.status == status
    assert exc.value.detail == "the sealed application is incomplete"
    assert [e.field for e in exc.value.errors] == ["answers.surname"]
    assert f"HTTP {status}" in str(exc.value)


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_are_transient(stub: _Stub, status: int) -> None:
    def reply(h: _Handler) -> None:
        h.send_response(status)
        h.send_header("Retry-After", "120")
        h.send_header("Content-Length", "4")
        h.end_headers()
        h.wfile.write(b"oops")

    stub.reply = reply
    with pytest.raises(TransientError) as exc:
        CentralClient(stub.url, "t").put_application(_upload())
    assert exc.value.status == status
    assert exc.value.retry_after == 120
    assert "no explanation from the server" in exc.value.detail


def test_invalid_json_is_transient(stub: _Stub) -> None:
    def reply(h: _Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "9")
        h.end_headers()
        h.wfile.write(b'{"uuid": ')

    stub.reply = reply
    with pytest.raises(TransientError, match="not valid JSON"):
        CentralClient(stub.url, "t").put_application(_upload())


def test_truncated_body_is_transient(stub: _Stub) -> None:
    def reply(h: _Handler) -> None:
        h.send_response(201)
        h.send_header("Content-Length", "500")
        h.end_headers()
        h.wfile.write(b'{"uuid": "')
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)

    stub.reply = reply
    with pytest.raises(TransientError):
        CentralClient(stub.url, "t").put_application(_upload())


def test_wrong_shape_is_transient(stub: _Stub) -> None:
    stub.reply = lambda h: h.send_json(201, {"hello": "world"})
    with pytest.raises(TransientError, match="not a valid ApplicationReceipt"):
        CentralClient(stub.url, "t").put_application(_upload())


def test_receipt_for_another_uuid_is_not_an_acknowledgement(stub: _Stub) -> None:
    other = _upload()
    stub.reply = lambda h: h.send_json(201, _receipt(other))
    with pytest.raises(TransientError, match="instead of"):
        CentralClient(stub.url, "t").put_application(_upload())


def test_read_timeout_is_transient(stub: _Stub) -> None:
    release = threading.Event()

    def reply(h: _Handler) -> None:
        release.wait(5)

    stub.reply = reply
    client = CentralClient(stub.url, "t", connect_timeout=1, read_timeout=0.2)
    started = time.monotonic()
    with pytest.raises(TransientError, match="did not answer in time"):
        client.put_application(_upload())
    release.set()
    assert time.monotonic() - started < 3


def test_connection_refused_is_transient() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # nothing listens on the port any more
    with pytest.raises(TransientError, match="cannot reach"):
        CentralClient(f"http://127.0.0.1:{port}", "t", connect_timeout=1).health()


def test_get_application(stub: _Stub) -> None:
    upload = _upload()
    stub.reply = lambda h: h.send_json(200, _receipt(upload))
    receipt = CentralClient(stub.url, "t").get_application(str(upload.uuid))
    assert receipt is not None and receipt.uuid == upload.uuid
    stub.reply = lambda h: h.send_json(409, {"detail": "odd"})
    with pytest.raises(RejectedError):
        CentralClient(stub.url, "t").get_application(upload.uuid)


@pytest.mark.parametrize("url", ["ftp://x", "central.example", ""])
def test_bad_base_url(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        CentralClient(url)
