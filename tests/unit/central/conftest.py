"""The central API in process for the tests of this folder: ``api`` is ``api_client`` on
the module's own ``clock`` fixture (each module starts its clock where its tests need),
with the module's ``api_settings`` beyond api_client's defaults."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.central.api import api_client


@pytest.fixture
def api_settings() -> dict[str, Any]:
    """Settings beyond api_client's defaults: none, unless a module overrides this."""
    return {}


@pytest.fixture
def api(
    tmp_path: Path, clock: Callable[[], dt.datetime], api_settings: dict[str, Any]
) -> Iterator[TestClient]:
    with api_client(tmp_path, clock, **api_settings) as client:
        yield client
