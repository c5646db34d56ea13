"""Network-fault test: 100 applications with small pages pushed by the real sync agent
through a fault-injecting proxy (tests/robustness/faultproxy.py) to the real central API:
drops, resets, delays, truncated responses, 500/502/503 from the proxy, answers lost
after the server acted, and hangs past the client's read timeout. The agent runs again
and again with a clock jumping past its backoff; in the end every application is at the
central API exactly once with every page verified, and the outbox is all acknowledged."""

from __future__ import annotations

import random
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kiosk.store import Store
from sync.client import CentralClient
from sync.enrolment import enrol
from tests.fixtures.central import CentralServer
from tests.robustness.faultproxy import FAULTS, FaultProxy
from tests.robustness.workload import check_central, check_kiosk, drain, plan_apps, submit_missing

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SEED = 6
N_APPS = 100
CHUNK = 4 * 1024
TIMEOUT_S = 0.4  # the client's connect and read timeouts; the proxy hangs longer


def test_every_application_arrives_once_through_a_faulty_network(
    robust_server: CentralServer, ram_dir: Path
) -> None:
    data_dir = ram_dir / "kiosk"
    client = CentralClient(robust_server.url)
    code = robust_server.new_enrolment_code()
    enrolment = enrol(client, code, "Faults", data_dir / "enrolment.json")
    client.close()
    apps = plan_apps(random.Random(SEED), N_APPS, pages=(1, 2), size=(300, 2 * CHUNK))

    parts = urlsplit(robust_server.url)
    upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
    t0 = time.monotonic()
    runs = 0
    # about one request in four hits a fault
    weights = {name: p * 0.7 for name, p in FAULTS.items()}
    # each kind once among the first requests (then at random)
    script = [kind for fault in FAULTS for kind in ("pass", "pass", fault)]
    with FaultProxy(
        upstream, seed=SEED, faults=weights, hang_s=TIMEOUT_S + 0.2, script=script
    ) as proxy:
        with Store.open(data_dir / "store") as store:
            assert submit_missing(store, data_dir, apps) == N_APPS
            client = CentralClient(
                proxy.url, enrolment.token, connect_timeout=TIMEOUT_S, read_timeout=TIMEOUT_S
            )
            runs = drain(store, client, data_dir=data_dir, chunk_size=CHUNK)
            client.close()
            check_kiosk(store, N_APPS)
        elapsed = time.monotonic() - t0
        faults = proxy.faults_injected
        total = proxy.requests
    counts = check_central(robust_server, enrolment.kiosk_id, apps)
    print(
        f"\nnetwork faults: {counts['applications']} applications, {counts['pages']} pages, "
        f"{total} requests through the proxy, {sum(faults.values())} faults, {runs} agent "
        f"runs, {elapsed:.1f} s"
    )
    print("  " + ", ".join(f"{k}: {v}" for k, v in faults.items()))
    # every kind of fault was injected
    assert set(faults) == {
        "delay",
        "drop",
        "drop_after",
        "reset",
        "reset_after",
        "truncate",
        "500",
        "502",
        "503",
        "502_after",
        "hang",
        "hang_after",
    }
