"""The central API behind a real nginx (Debian's), as central/README.md deploys it: the
configuration ``kiosk-central nginx-config`` writes, TLS with kiosk client certificates,
two uvicorn workers, ``X-Forwarded-For`` trusted from nginx only. nginx refuses what it
should (no client certificate, a body over the route's limit, headers that never end)
before the API sees it."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import time
import uuid as uuidlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from central.nginx import render
from sync.client import CentralClient
from tests.fixtures.central import (
    CentralServer,
    make_upload,
    sample_document,
    sample_page,
    sample_payload,
    seal_pages,
    start_central,
    stop_central,
)
from tests.fixtures.pki import Pki, make_pki
from tests.fixtures.waiting import WaitTimeout, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HEADER_TIMEOUT_S = 2


@dataclass
class Proxy:
    url: str
    port: int
    pki: Pki
    central: CentralServer

    def client(self, token: str | None = None) -> CentralClient:
        return CentralClient(
            self.url,
            token,
            ca_bundle=str(self.pki.ca),
            client_cert=(str(self.pki.client_cert), str(self.pki.client_key)),
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _nginx_or_skip() -> str:
    if os.access(NGINX, os.X_OK):
        return NGINX
    if os.environ.get("CI") == "true" or os.environ.get("KIOSK_REQUIRE_NGINX"):
        pytest.fail("nginx is needed (scripts/bootstrap.sh test installs nginx-light)")
    pytest.skip("nginx is not installed (scripts/bootstrap.sh test installs nginx-light)")


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    nginx = _nginx_or_skip()
    pki = make_pki(tmp_path_factory.mktemp("pki"))
    central = start_central(
        tmp_path_factory.mktemp("central"),
        n_codes=3,
        extra_args=["--workers", "2", "--forwarded-allow-ips", "127.0.0.1"],
    )
    try:
        yield from _nginx_in_front(nginx, pki, central, tmp_path_factory.mktemp("nginx"))
    finally:
        stop_central(central.process)


def _nginx_in_front(
    nginx: str, pki: Pki, central: CentralServer, conf_dir: Path
) -> Iterator[Proxy]:
    port = _free_port()
    upstream = central.url.removeprefix("http://")
    (conf_dir / "kiosk-central.conf").write_text(
        render(
            server_name="localhost",
            tls_cert=pki.server_cert,
            tls_key=pki.server_key,
            client_ca=pki.client_ca,
            listen=f"127.0.0.1:{port}",
            upstreams=(upstream,),
            header_timeout_s=HEADER_TIMEOUT_S,
        )
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    temps = "".join(
        f"    {kind}_temp_path {conf_dir / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (conf_dir / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {conf_dir / 'nginx.pid'};\n"
        f"error_log {conf_dir / 'error.log'} warn;\ndaemon off;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n    access_log off;\n{temps}    include {conf_dir / 'kiosk-central.conf'};\n}}\n"
    )
    cmd = [
        nginx,
        "-p",
        str(conf_dir),
        "-c",
        str(conf_dir / "nginx.conf"),
        "-e",
        str(conf_dir / "error.log"),
    ]
    check = subprocess.run([*cmd, "-t"], capture_output=True, text=True, timeout=30, check=False)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:

        def listening() -> bool:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except OSError:
                return False
            return True

        def exited() -> str | None:
            return None if process.poll() is None else f"nginx exited ({process.returncode})"

        try:
            wait_until(listening, 20, what="nginx to listen", abort=exited)
        except WaitTimeout as exc:
            raise RuntimeError(f"{exc}\n{(conf_dir / 'error.log').read_text()}") from None
        yield Proxy(f"https://localhost:{port}", port, pki, central)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_kiosk_enrols_and_delivers_through_nginx(proxy: Proxy) -> None:
    with proxy.client() as anonymous:
        answer = anonymous.enrol(proxy.central.new_enrolment_code(), "Borne derrière nginx")
    app_uuid = str(uuidlib.uuid4())
    refs, blobs = seal_pages(
        answer.public_key,
        app_uuid,
        [(sample_document(), n, sample_page(n, 300_000)) for n in (1, 2)],
    )
    payload = sample_payload(answer.kiosk_id, app_uuid)
    payload["attachments"] = refs
    with proxy.client(answer.token) as client:
        for blob in blobs:
            assert client.upload_attachment(blob, chunk_size=128 * 1024).complete
        receipt = client.put_application(make_upload(answer.public_key, payload))
        for _ in range(6):  # the two workers answer alike
            assert client.get_application(app_uuid) == receipt
    (record,) = [a for a in proxy.central.applications() if a["uuid"] == app_uuid]
    assert record["validity"] == "valid" and len(record["attachments"]) == 2


def test_the_api_sees_the_client_address_nginx_saw(proxy: Proxy) -> None:
    """From 127.0.0.2 (another loopback address) through nginx: the sign-in try is counted
    for 127.0.0.2, not for nginx's own address (X-Forwarded-For, trusted from nginx only)."""
    import sqlite3

    with proxy.client() as anonymous:
        answer = anonymous.enrol(proxy.central.new_enrolment_code(), "Borne 2")
    context = ssl.create_default_context(cafile=str(proxy.pki.ca))
    context.load_cert_chain(str(proxy.pki.client_cert), str(proxy.pki.client_key))
    body = b'{"identifier": "med-nobody", "pin": "000000"}'
    raw = socket.create_connection(
        ("127.0.0.1", proxy.port), timeout=10, source_address=("127.0.0.2", 0)
    )
    with context.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(
            b"POST /v1/staff/sign-in HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            b"X-Forwarded-For: 203.0.113.9\r\n"  # a client's own claim: discarded by nginx
            + f"Authorization: Bearer {answer.token}\r\nContent-Type: application/json\r\n".encode()
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        assert b" 403 " in tls.recv(4096).split(b"\r\n", 1)[0]
    db = proxy.central.data_dir / "central" / "central.db"
    with sqlite3.connect(db) as conn:
        addresses = {r[0] for r in conn.execute("SELECT address FROM staff_sign_in_attempts")}
    assert addresses == {"127.0.0.2"}


def test_nginx_refuses_before_the_api(proxy: Proxy) -> None:
    # No client certificate: refused by nginx.
    resp = requests.get(f"{proxy.url}/v1/health", verify=str(proxy.pki.ca), timeout=10)
    assert resp.status_code == 400
    with proxy.client() as anonymous:
        assert anonymous.health().status == "ok"
    # A body over the route's limit, from its Content-Length: 413 before a byte is read.
    context = ssl.create_default_context(cafile=str(proxy.pki.ca))
    context.load_cert_chain(str(proxy.pki.client_cert), str(proxy.pki.client_key))
    with context.wrap_socket(
        socket.create_connection(("127.0.0.1", proxy.port), timeout=10), server_hostname="localhost"
    ) as tls:
        tls.sendall(
            f"PUT /v1/attachments/{'a' * 64} HTTP/1.1\r\nHost: localhost\r\n"
            f"Content-Length: {20 * 1024 * 1024}\r\n\r\n".encode()
        )
        assert b" 413 " in tls.recv(4096).split(b"\r\n", 1)[0]
    # Headers that never end: nginx closes the connection after its header timeout.
    with context.wrap_socket(
        socket.create_connection(("127.0.0.1", proxy.port), timeout=HEADER_TIMEOUT_S + 8),
        server_hostname="localhost",
    ) as tls:
        started = time.monotonic()
        tls.sendall(b"GET /v1/health HTTP/1.1\r\nHost: local")
        try:
            while tls.recv(4096):
                pass
        except (ConnectionResetError, ssl.SSLError):
            pass
        assert time.monotonic() - started < HEADER_TIMEOUT_S + 5
