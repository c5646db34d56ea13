"""The adversarial suite's fixtures: the central API in-process (a fake clock, a cheap Argon2)
and as a real process on loopback (uvicorn, short timeouts), and an attacker's raw sockets.

Every test here runs a finding of the attack on the central API (issue 13) and fails on the
server as it was before."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import socket
import uuid as uuidlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from central import Settings, create_app
from kiosk.testing import FakeClock
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

ADMIN_TOKEN = "admin-secret-for-the-security-tests"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
CODES = [f"SECURITY-TEST-CODE-{i:04d}" for i in range(12)]
PIN = "482913"


class Clock(FakeClock):
    def __init__(self) -> None:
        super().__init__(dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC))


@dataclass
class Kiosk:
    kiosk_id: str
    token: str
    public_key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Api:
    """The central API in-process, and what an attacker or a kiosk does with it."""

    client: TestClient
    app: FastAPI
    clock: Clock
    data_dir: Path
    _codes: list[str] = field(default_factory=lambda: list(CODES))

    def enrol(self, name: str = "kiosk", site: str | None = None) -> Kiosk:
        resp = self.client.post(
            "/v1/enrol",
            json={"code": self._codes.pop(0), "kiosk_name": name, "software_version": "t"},
        )
        assert resp.status_code == 201, resp.text
        body = resp.json()
        kiosk = Kiosk(body["kiosk_id"], body["token"], body["public_key"])
        if site is not None:
            self.heartbeat(kiosk, site=site)
        return kiosk

    def heartbeat(self, kiosk: Kiosk, **extra: Any) -> Any:
        body = {"software_version": "t", "sent_at": self.clock().isoformat(), **extra}
        return self.client.post("/v1/heartbeat", json=body, headers=kiosk.auth)

    def add_staff(self, identifier: str, role: str = "mediator", pin: str = PIN) -> None:
        body = {"identifier": identifier, "display_name": identifier, "role": role, "pin": pin}
        resp = self.client.post("/v1/admin/staff", json=body, headers=ADMIN)
        assert resp.status_code == 201, resp.text

    def sign_in(self, kiosk: Kiosk, identifier: str, pin: str = PIN) -> Any:
        return self.client.post(
            "/v1/staff/sign-in", json={"identifier": identifier, "pin": pin}, headers=kiosk.auth
        )

    def staff_session(self, kiosk: Kiosk, identifier: str, pin: str = PIN) -> str:
        resp = self.sign_in(kiosk, identifier, pin)
        assert resp.status_code == 200, resp.text
        token: str = resp.json()["session_token"]
        return token

    def audit(self, kiosk: Kiosk, session: str | None, entries: list[dict[str, Any]]) -> Any:
        headers = dict(kiosk.auth)
        if session is not None:
            headers["X-Staff-Session"] = session
        return self.client.post("/v1/staff/audit", json={"entries": entries}, headers=headers)

    def deliver(
        self,
        kiosk: Kiosk,
        *,
        answers: dict[str, str] | None = None,
        changes: dict[str, Any] | None = None,
        pages: int = 0,
        content_type: str = "image/jpeg",
        kiosk_reference: str | None = None,
        app_uuid: str | None = None,
    ) -> tuple[str, Any]:
        """Seal an application as a kiosk does (``changes`` overwrite payload keys, as a
        forging kiosk would), upload its pages, deliver it; (uuid, response)."""
        app_uuid = app_uuid or str(uuidlib.uuid4())
        payload = sample_payload(kiosk.kiosk_id, app_uuid, self.clock(), answers=answers)
        if pages:
            refs, blobs = seal_pages(
                kiosk.public_key,
                app_uuid,
                [
                    (sample_document(), n + 1, sample_page(n + hash(app_uuid) % 1000))
                    for n in range(pages)
                ],
            )
            for ref, blob in zip(refs, blobs, strict=True):
                ref["content_type"] = content_type
                resp = self.client.put(
                    f"/v1/attachments/{ref['sha256']}",
                    content=blob,
                    headers={**kiosk.auth, "Content-Type": "application/octet-stream"},
                )
                assert resp.status_code == 200, resp.text
            payload["attachments"] = refs
        payload.update(changes or {})
        upload = make_upload(
            kiosk.public_key,
            payload,
            app_uuid=app_uuid,
            kiosk_reference=kiosk_reference or f"K-{app_uuid[:4].upper()}-{app_uuid[4:8].upper()}",
        )
        resp = self.client.put(
            f"/v1/applications/{app_uuid}",
            content=upload.model_dump_json(),
            headers={**kiosk.auth, "Content-Type": "application/json"},
        )
        return app_uuid, resp

    def admin_application(self, app_uuid: str) -> dict[str, Any]:
        resp = self.client.get("/v1/admin/applications", headers=ADMIN)
        assert resp.status_code == 200, resp.text
        found = [a for a in resp.json() if a["uuid"] == app_uuid]
        assert len(found) == 1
        result: dict[str, Any] = found[0]
        return result


@contextlib.contextmanager
def make_api(tmp_path: Path, clock: Clock, **settings: Any) -> Iterator[Api]:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "central",
        "admin_token": ADMIN_TOKEN,
        "enrolment_codes": CODES,
        "clock": clock,
        "staff_hasher": FAST_HASHER,
        "sqlite_durable": False,  # a throwaway database (the real server's tests sync)
    }
    values.update(settings)
    app = create_app(Settings(**values))
    try:
        with TestClient(app) as client:
            yield Api(client, app, clock, tmp_path / "central")
    finally:
        app.state.engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(tmp_path: Path, clock: Clock) -> Iterator[Api]:
    with make_api(tmp_path, clock) as a:
        yield a


# --- the real server, and raw sockets ----------------------------------------------------

HEADER_TIMEOUT_S = 2.0
BODY_TIMEOUT_S = 3.0


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    """The real ``kiosk-central`` on 127.0.0.1 with short timeouts (SQLite), one for the
    suite (a start costs seconds on a loaded machine): each test enrols its own kiosks and
    looks only at what they did."""
    srv = start_central(
        tmp_path_factory.mktemp("hostile"),
        n_codes=4,
        extra_args=[
            "--header-timeout", str(HEADER_TIMEOUT_S),
            "--body-timeout", str(BODY_TIMEOUT_S),
            "--keep-alive-timeout", "2",
            "--max-connections", "2000",
        ],
    )  # fmt: skip
    try:
        yield srv
    finally:
        stop_central(srv.process)


def enrol_real(server: CentralServer) -> Kiosk:
    import requests

    resp = requests.post(
        f"{server.url}/v1/enrol",
        json={"code": server.new_enrolment_code(), "kiosk_name": "k", "software_version": "t"},
        timeout=10,
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    return Kiosk(body["kiosk_id"], body["token"], body["public_key"])


def rss_mb(pid: int) -> float:
    """The resident memory of a process, MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def raw_request(url: str, head: str, *, timeout: float = 10.0) -> socket.socket:
    """A connected socket that has sent ``head`` (request line and headers, CRLF already)."""
    sock = socket.create_connection(address(url), timeout=timeout)
    sock.sendall(head.encode("latin-1"))
    return sock


def fake_sha256(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
