"""The integration tests run against the central server on SQLite *and* on PostgreSQL.

The PostgreSQL runs are skipped, with the reason, when ``KIOSK_TEST_PG_URL`` is not set
(``scripts/test`` and so CI set it; see tests/fixtures/central.py).
"""

from __future__ import annotations

import pytest

from tests.fixtures.central import BACKENDS


@pytest.fixture(params=BACKENDS)
def central_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session", params=BACKENDS)
def central_backend_session(request: pytest.FixtureRequest) -> str:
    return str(request.param)
