"""The central API in process for its unit tests: ``api_client(tmp_path, clock, **settings)``
is a ``TestClient`` on a throwaway SQLite database, with an admin token and two enrolment
codes unless ``settings`` say otherwise; ``enrol`` enrols a kiosk with one of the codes."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from central import Settings, create_app

CODES = ["code-one-7K3M-9QXD-2PTV-H8WN", "code-two-7K3M-9QXD-2PTV-H8WN"]
# Staff PINs hashed by Argon2 at test parameters (as tests/security) unless a test says
# otherwise: every app hashes a dummy PIN at its start, which with argon2's defaults (64 MiB,
# 4 lanes) took 0.3 s of CPU per test.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@contextlib.contextmanager
def api_client(
    tmp_path: Path, clock: Callable[[], dt.datetime], **settings: Any
) -> Iterator[TestClient]:
    app = create_app(
        Settings(
            **{
                "data_dir": tmp_path / "central",
                "admin_token": "admin-secret",
                "enrolment_codes": CODES,
                "clock": clock,
                "sqlite_durable": False,  # a throwaway database
                "staff_hasher": FAST_HASHER,
                **settings,
            }
        )
    )
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def enrol(
    api: TestClient, code: str = CODES[0], name: str = "k", software_version: str = "t"
) -> dict[str, Any]:
    """Enrol a kiosk with ``code``: the enrolment's answer (kiosk_id, token...)."""
    body = {"code": code, "kiosk_name": name, "software_version": software_version}
    resp = api.post("/v1/enrol", json=body)
    assert resp.status_code == 201, resp.text
    result: dict[str, Any] = resp.json()
    return result
