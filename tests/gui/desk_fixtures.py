"""The central server of the desk's GUI tests (test_help_call, test_desk_fleet): one server
for a module instead of one per test (a start and a stop: ~3 s of CPU and more of wall each),
one site per test: a desk token sees only its site's kiosks, so each test's desk sees only
the kiosks that test enrolled. ``desk_sites`` and ``central`` are registered for every GUI
test by tests/gui/conftest.py."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures.central import CentralServer, start_central, stop_central

SITES = {secrets.token_urlsafe(16): f"Site {i}" for i in range(16)}  # desk token -> site


@dataclass(frozen=True)
class DeskSite:
    """The module's central server as one test sees it: a site and its desk's token of its
    own."""

    server: CentralServer
    site: str
    desk_token: str

    @property
    def url(self) -> str:
        return self.server.url

    def new_enrolment_code(self) -> str:
        return self.server.new_enrolment_code()


@contextlib.contextmanager
def serve_sites(data_dir: Path) -> Iterator[Iterator[DeskSite]]:
    """A central server with a desk for each of SITES, and the sites it hands out, one to
    each test that asks (``next_site``)."""
    env = {"KIOSK_CENTRAL_DESK_TOKENS": "\n".join(f"{t} {s}" for t, s in SITES.items())}
    server = start_central(data_dir, env=env)
    try:
        yield (DeskSite(server, site, token) for token, site in SITES.items())
    finally:
        stop_central(server.process)


def next_site(sites: Iterator[DeskSite]) -> DeskSite:
    site = next(sites, None)
    assert site is not None, "more tests than SITES: add sites"
    return site


@pytest.fixture(scope="module")
def desk_sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Iterator[DeskSite]]:
    """One server for each module that asks (test_help_call, test_desk_fleet), a site for
    each of its tests (``central``)."""
    with serve_sites(tmp_path_factory.mktemp("central")) as sites:
        yield sites


@pytest.fixture
def central(desk_sites: Iterator[DeskSite]) -> DeskSite:
    """The module's central server, seen through a site and desk token of this test's own."""
    return next_site(desk_sites)
