"""Property-based fuzzing of the central API from its OpenAPI document (schemathesis).

The schema is the committed contract, central/openapi.json (another test keeps it equal
to what the server serves). Every operation gets up to ``MAX_EXAMPLES`` generated requests, valid and invalid, sent
with a real kiosk token (or the admin token for ``/v1/admin``), so that the handlers behind
authentication are reached too. The only property checked is the one that must hold for
any input: no server error (5xx). The server runs in-process (ASGI) on a fresh SQLite
database, which keeps the run well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from central import Settings, create_app
from central.settings import Limits

pytestmark = pytest.mark.integration

MAX_EXAMPLES = 50
ADMIN_TOKEN = "fuzz-admin-token"


OPENAPI = Path(__file__).resolve().parents[2] / "central" / "openapi.json"
# Loaded at import (cheap: a file). schemathesis.pytest.from_fixture would build it from a
# fixture instead, but it relies on a pytest internal that pytest 9 no longer has.
schema = schemathesis.openapi.from_path(OPENAPI)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    data_dir: Path = tmp_path_factory.mktemp("central-fuzz")
    app = create_app(
        Settings(
            data_dir=data_dir,
            admin_token=ADMIN_TOKEN,
            enrolment_codes=["FUZZ-CODE-7K3M-9QXD-2PTV"],
            # The same requests and answers, without what only costs time: Argon2 with
            # test parameters (as tests/security and tests/unit/central; the defaults took
            # 23 s of CPU for POST /v1/admin/staff), a 429 answered at once instead of after
            # a second (the sign-ins beyond the limiter's burst waited 28 s in all), and a
            # throwaway database that commits without syncing to disk.
            staff_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
            limits=Limits(refusal_delay_s=0.0),
            sqlite_durable=False,
        )
    )
    with TestClient(app) as client:
        resp = client.post(
            "/v1/enrol",
            json={
                "code": "FUZZ-CODE-7K3M-9QXD-2PTV",
                "kiosk_name": "fuzz",
                "software_version": "0",
            },
        )
        assert resp.status_code == 201, resp.text
        app.state.fuzz_kiosk_token = resp.json()["token"]
    try:
        yield app
    finally:
        app.state.engine.dispose()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same examples on every run: a failure is reproducible
)
def test_no_server_error(case: Any, fuzz_app: Any) -> None:
    token = ADMIN_TOKEN if case.path.startswith("/v1/admin") else fuzz_app.state.fuzz_kiosk_token
    headers = {"Authorization": f"Bearer {token}"}
    # app=: the request goes to the app in-process (ASGI transport), not over the network
    case.call_and_validate(
        base_url="http://testserver",
        app=fuzz_app,
        headers=headers,
        checks=[not_a_server_error],
    )
