"""CentralClient (sync.client) against a scripted HTTP server on 127.0.0.1: every kind of
answer maps to the right typed error, and every call carries explicit timeouts."""

from __future__ import annotations

import datetime as dt
import hashlib
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

from contract.protocol import ApplicationUpload, Heartbeat, parse_content_range
from sync.client import (
    AuthError,
    CentralClient,
    HashMismatchError,
    IncompleteError,
    RejectedError,
    TLSError,
    TransientError,
)

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

    def send_raw(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        length: int | None = None,
    ) -> None:
        """``body`` with ``status``, announced as ``length`` bytes (default: its own)."""
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        json_headers = {"Content-Type": "application/json", **(headers or {})}
        self.send_raw(status, json.dumps(data).encode(), json_headers)


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
    code = "CODE-7K3M-9QXD-2PTV"
    assert CentralClient(stub.url).enrol(code, "Accueil").kiosk_id == "k1"
    body = json.loads(stub.requests[0][3])
    assert body["code"] == code and body["kiosk_name"] == "Accueil"
    assert body["previous_token"] is None
    CentralClient(stub.url).enrol(code, "Accueil", previous_token="old-token")
    assert json.loads(stub.requests[1][3])["previous_token"] == "old-token"


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
    stub.reply = lambda h: h.send_raw(status, b"oops", {"Retry-After": "120"})
    with pytest.raises(TransientError) as exc:
        CentralClient(stub.url, "t").put_application(_upload())
    assert exc.value.status == status
    assert exc.value.retry_after == 120
    assert "no explanation from the server" in exc.value.detail


def test_invalid_json_is_transient(stub: _Stub) -> None:
    stub.reply = lambda h: h.send_raw(200, b'{"uuid": ')
    with pytest.raises(TransientError, match="not valid JSON"):
        CentralClient(stub.url, "t").put_application(_upload())


def test_truncated_body_is_transient(stub: _Stub) -> None:
    def reply(h: _Handler) -> None:
        h.send_raw(201, b'{"uuid": "', length=500)
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


# --- attachments, heartbeat, TLS errors ----------------------------------------------------------


class _AttachmentServer:
    """A stateful stand-in for the attachment endpoints of the central API."""

    def __init__(self, stub: _Stub, blob: bytes, have: int = 0) -> None:
        self.stub = stub
        self.blob = blob
        self.sha = hashlib.sha256(blob).hexdigest()
        self.received = have
        self.known = have > 0
        self.claim_offset: int | None = None  # answer the next chunk with this 409 offset
        self.corrupt = False  # the completed bytes do not match (422)

    def state(self) -> dict[str, Any]:
        complete = self.received == len(self.blob)
        return {
            "sha256": self.sha,
            "size": len(self.blob),
            "received": self.received,
            "complete": complete,
        }

    def __call__(self, h: _Handler) -> None:
        if h.command == "GET":
            if not self.known:
                h.send_json(404, {"detail": "none"})
            else:
                h.send_json(200, self.state())
            return
        _method, _path, headers, body = self.stub.requests[-1]
        start, end, total = parse_content_range(headers["Content-Range"])
        assert headers["Content-Type"] == "application/octet-stream"
        assert total == len(self.blob) and end - start == len(body)
        assert body == self.blob[start:end]
        if self.claim_offset is not None:
            offset, self.claim_offset = self.claim_offset, None
            self.received = offset
            h.send_json(409, {"detail": "gap", "errors": [], "received": offset})
            return
        if start > self.received:
            h.send_json(409, {"detail": "gap", "errors": [], "received": self.received})
            return
        self.known = True
        self.received = max(self.received, end)
        if self.received == len(self.blob) and self.corrupt:
            self.received, self.known = 0, False
            h.send_json(
                422,
                {"detail": "mismatch", "errors": [{"field": "sha256", "message": "no"}]},
            )
            return
        h.send_json(200, self.state())


def _puts(stub: _Stub) -> list[tuple[str, int]]:
    return [(r[2]["Content-Range"], len(r[3])) for r in stub.requests if r[0] == "PUT"]


def test_upload_resumes_from_the_servers_offset(stub: _Stub) -> None:
    blob = bytes(range(256)) * 40  # 10240 bytes
    server = _AttachmentServer(stub, blob, have=3000)
    stub.reply = server
    state = CentralClient(stub.url, "t").upload_attachment(blob, chunk_size=4096)
    assert state.complete and server.received == len(blob)
    assert _puts(stub) == [("bytes 3000-7095/10240", 4096), ("bytes 7096-10239/10240", 3144)]
    assert stub.requests[0][:2] == ("GET", f"/v1/attachments/{server.sha}")
    # raw bytes on the wire: what was sent is what was missing, nothing more
    assert sum(n for _r, n in _puts(stub)) == len(blob) - 3000


def test_uploading_a_complete_attachment_sends_nothing(stub: _Stub) -> None:
    blob = b"x" * 1000
    server = _AttachmentServer(stub, blob, have=1000)
    stub.reply = server
    assert CentralClient(stub.url, "t").upload_attachment(blob).complete
    assert _puts(stub) == []


def test_a_new_attachment_starts_at_zero(stub: _Stub) -> None:
    blob = b"y" * 5000
    stub.reply = _AttachmentServer(stub, blob)
    CentralClient(stub.url, "t").upload_attachment(blob, chunk_size=2048)
    assert [r for r, _n in _puts(stub)] == [
        "bytes 0-2047/5000",
        "bytes 2048-4095/5000",
        "bytes 4096-4999/5000",
    ]


def test_an_offset_conflict_resumes_where_the_server_says(stub: _Stub) -> None:
    blob = b"z" * 6000
    server = _AttachmentServer(stub, blob)
    server.claim_offset = 1000  # e.g. another copy of the agent got there first
    stub.reply = server
    assert CentralClient(stub.url, "t").upload_attachment(blob, chunk_size=4096).complete
    assert [r for r, _n in _puts(stub)] == [
        "bytes 0-4095/6000",  # refused: the server has 1000 bytes
        "bytes 1000-5095/6000",
        "bytes 5096-5999/6000",
    ]


def test_a_hash_mismatch_is_reported(stub: _Stub) -> None:
    blob = b"w" * 3000
    server = _AttachmentServer(stub, blob)
    server.corrupt = True
    stub.reply = server
    with pytest.raises(HashMismatchError) as exc:
        CentralClient(stub.url, "t").upload_attachment(blob, chunk_size=2048)
    assert exc.value.status == 422
    assert isinstance(exc.value, TransientError)


def test_a_server_that_does_not_advance_is_not_retried_forever(stub: _Stub) -> None:
    blob = b"v" * 3000
    sha = hashlib.sha256(blob).hexdigest()

    def stuck(h: _Handler) -> None:
        state = {"sha256": sha, "size": 3000, "received": 0, "complete": False}
        h.send_json(200 if h.command == "PUT" else 404, state)

    stub.reply = stuck
    with pytest.raises(TransientError, match="did not take the chunk"):
        CentralClient(stub.url, "t").upload_attachment(blob, chunk_size=1024)


def test_missing_attachments_are_named(stub: _Stub) -> None:
    missing = ["ab" * 32, "cd" * 32]
    stub.reply = lambda h: h.send_json(
        409, {"detail": "upload them first", "errors": [], "missing": missing}
    )
    with pytest.raises(IncompleteError) as exc:
        CentralClient(stub.url, "t").put_application(_upload())
    assert exc.value.missing == missing
    assert isinstance(exc.value, RejectedError)
    # a 409 without "missing" stays a plain rejection (other content under a known UUID)
    stub.reply = lambda h: h.send_json(409, {"detail": "other content", "errors": []})
    with pytest.raises(RejectedError) as rejected:
        CentralClient(stub.url, "t").put_application(_upload())
    assert not isinstance(rejected.value, IncompleteError)


def test_heartbeat(stub: _Stub) -> None:
    stub.reply = lambda h: h.send_json(200, {"received_at": NOW.isoformat()})
    beat = Heartbeat(
        software_version="1.0", sent_at=NOW, backlog={"sealed": 1}, device_health={"a": "ok"}
    )
    ack = CentralClient(stub.url, "t").heartbeat(beat)
    assert ack.received_at == NOW
    method, path, headers, body = stub.requests[0]
    assert (method, path) == ("POST", "/v1/heartbeat")
    assert Heartbeat.model_validate_json(body) == beat
    assert headers["Authorization"] == "Bearer t"


def test_tls_failures_are_typed(stub: _Stub) -> None:
    # https to a plain HTTP server: the handshake fails
    client = CentralClient(stub.url.replace("http://", "https://"), "t", connect_timeout=2)
    with pytest.raises(TLSError, match=r"TLS with https://127\.0\.0\.1"):
        client.health()


def test_client_certificate_options() -> None:
    assert CentralClient("https://c", client_cert="/k/cert.pem").session.cert == "/k/cert.pem"
    pair = CentralClient("https://c", client_cert=("/k/c.pem", "/k/k.pem")).session.cert
    assert pair == ("/k/c.pem", "/k/k.pem")
    assert CentralClient("https://c").session.cert is None


def test_the_ca_bundle_wins_over_the_environment(
    stub: _Stub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """requests lets $REQUESTS_CA_BUNDLE override a session's bundle unless each call
    passes it: the kiosk's ca_bundle setting must never be silently ignored."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/somewhere/else.pem")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/somewhere/else.pem")
    client = CentralClient(stub.url, "t", ca_bundle="/etc/prefecture-ca.pem")
    seen: list[Any] = []

    def send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        seen.append(kwargs["verify"])
        raise requests.ConnectionError("stop here")

    monkeypatch.setattr(client.session, "send", send)
    with pytest.raises(TransientError):
        client.health()
    assert seen == ["/etc/prefecture-ca.pem"]
