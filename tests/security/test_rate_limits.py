"""Rate limits per token and per address, and one kiosk's flood does not stall the others:
a sign-in flood from one kiosk token gets no server error and leaves other kiosks'
heartbeats answered (before: 8 HTTP 500 "database is locked" with 32 threads)."""

from __future__ import annotations

import http.client
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from central.settings import Limits
from tests.fixtures.central import CentralServer
from tests.fixtures.waiting import wait_until
from tests.security.conftest import ADMIN, PIN, Clock, enrol_real, make_api


def _limits_only(**tight: Any) -> Limits:
    """Per-kiosk and per-address limits no test reaches, but for ``tight``; refusals
    answered at once."""
    loose: dict[str, Any] = {
        "kiosk_rate_per_s": 1000.0,
        "kiosk_burst": 1000,
        "address_rate_per_s": 1000.0,
        "address_burst": 1000,
        "refusal_delay_s": 0.0,
    }
    return Limits(**(loose | tight))


def test_a_kiosk_over_its_rate_gets_429_and_the_others_do_not(tmp_path: Path, clock: Clock) -> None:
    limits = _limits_only(kiosk_rate_per_s=1.0, kiosk_burst=5)
    with make_api(tmp_path, clock, limits=limits) as api:
        noisy, quiet = api.enrol("noisy"), api.enrol("quiet")
        answers = [api.heartbeat(noisy).status_code for _ in range(12)]
        assert answers.count(200) <= 6 and answers[-1] == 429, answers
        refused = api.heartbeat(noisy)
        assert int(refused.headers["Retry-After"]) >= 1
        assert api.heartbeat(quiet).status_code == 200


def test_an_address_over_its_rate_gets_429(tmp_path: Path, clock: Clock) -> None:
    limits = _limits_only(address_rate_per_s=1.0, address_burst=20)
    with make_api(tmp_path, clock, limits=limits) as api:
        answers = [api.client.get("/v1/health").status_code for _ in range(30)]
        assert answers.count(200) <= 21 and answers[-1] == 429, answers


def test_sign_ins_go_at_a_human_pace_and_refusals_are_slowed(tmp_path: Path, clock: Clock) -> None:
    """A kiosk's sign-ins beyond the human pace are refused before any work (no PIN checked,
    no database row: the flood of the issue cost the other kiosks their CPU), and every
    rate-limit refusal is answered only after a delay, so a client sending one request after
    another is slowed down rather than answered as fast as it asks."""
    limits = Limits(sign_in_rate_per_s=0.01, sign_in_burst=3, refusal_delay_s=0.3)
    with make_api(tmp_path, clock, limits=limits) as api:
        api.add_staff("med-1")
        flooder, other = api.enrol("flooder"), api.enrol("other")
        answers = [api.sign_in(flooder, f"ghost-{i}", "000000").status_code for i in range(3)]
        assert answers == [403, 403, 403]
        started = time.perf_counter()
        refused = api.sign_in(flooder, "med-1", PIN)  # even the right PIN: not looked at
        assert time.perf_counter() - started >= 0.3
        assert refused.status_code == 429 and "sign-ins" in refused.json()["detail"]
        assert int(refused.headers["Retry-After"]) >= 1
        assert api.sign_in(other, "med-1", PIN).status_code == 200  # per kiosk
        assert api.heartbeat(flooder).status_code == 200  # the kiosk's other requests pass
        tries = api.client.get("/v1/admin/staff/audit", headers=ADMIN).json()
        assert len([t for t in tries if t["kiosk_id"] == flooder.kiosk_id]) == 3


@pytest.mark.integration
def test_a_sign_in_flood_leaves_no_server_error(server: CentralServer) -> None:
    flooder, other = enrol_real(server), enrol_real(server)
    stop = time.monotonic() + 4.0
    statuses: list[int] = []
    lock = threading.Lock()

    def flood(n: int) -> None:
        with requests.Session() as s:
            i = 0
            while time.monotonic() < stop:
                r = s.post(
                    f"{server.url}/v1/staff/sign-in",
                    json={"identifier": f"ghost-{n}-{i}", "pin": "000000"},
                    headers={"Authorization": f"Bearer {flooder.token}"},
                    timeout=30,
                )
                with lock:
                    statuses.append(r.status_code)
                i += 1

    threads = [threading.Thread(target=flood, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    beats = []
    host, port = server.url.removeprefix("http://").split(":")
    body = b'{"software_version": "t", "sent_at": "2026-12-01T10:00:00+00:00"}'
    while time.monotonic() < stop:
        # Another kiosk, from its own address (as on a prefecture's network).
        conn = http.client.HTTPConnection(
            host, int(port), timeout=30, source_address=("127.0.0.3", 0)
        )
        try:
            conn.request(
                "POST",
                "/v1/heartbeat",
                body=body,
                headers={
                    "Authorization": f"Bearer {other.token}",
                    "Content-Type": "application/json",
                },
            )
            beats.append(conn.getresponse().status)
        finally:
            conn.close()
        # The next beat once the flood has sent 20 more sign-ins: the honest kiosk is
        # heard all through the flood, at a pace far under its own limit.
        with lock:
            sent = len(statuses)
        wait_until(
            lambda sent=sent: len(statuses) >= sent + 20 or time.monotonic() >= stop,
            timeout=30,
            what="20 more sign-ins of the flood",
        )
    for t in threads:
        t.join()
    assert statuses and not [s for s in statuses if s >= 500], sorted(set(statuses))
    assert beats and set(beats) == {200}, beats
