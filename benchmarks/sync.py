"""Sync benchmark: the real agent, the real central API (subprocess, SQLite) on loopback,
and tests/robustness/faultproxy.py in pass-through mode in between to count the bytes.

    .venv/bin/python benchmarks/sync.py           # full
    .venv/bin/python benchmarks/sync.py --quick   # CI

Prints:
1. applications per second delivered with 3 documents of 1 MB each (sealed, chunked);
2. bytes sent on the wire (request lines, headers, bodies) over bytes of payload (the
   sealed package and sealed pages; also over the clear pages and answers): target < 1.05;
3. the time to drain a backlog of 500 applications (one 2 KB page each; 100 with --quick)
   queued while the network was down (the proxy resetting every connection), once it is
   back (the clock jumps past the backoff of the failed first attempt);
4. the sealing cost per MB (``contract.sealing.seal_attachment`` and ``seal`` on 1 MB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contract import sealing  # noqa: E402
from contract.protocol import DEFAULT_CHUNK_BYTES  # noqa: E402
from kiosk.store import Store  # noqa: E402
from sync.agent import SyncAgent  # noqa: E402
from sync.client import CentralClient  # noqa: E402
from sync.enrolment import enrol  # noqa: E402
from tests.fixtures.central import start_central, stop_central  # noqa: E402
from tests.robustness.faultproxy import FaultProxy  # noqa: E402
from tests.robustness.workload import (  # noqa: E402
    SkewClock,
    check_central,
    drain,
    plan_apps,
    submit_missing,
)

MB = 1024 * 1024


def sealing_cost(repeats: int) -> tuple[float, float]:
    """ms per MB to seal a 1 MB page, and a payload carrying 1 MB of text."""
    key = os.urandom(32)
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    page = os.urandom(MB)
    text = {"notes": "x" * MB}
    uuid = "0c9e4f52-8f4a-4b39-9d3e-3f4c2a1b0d7e"
    att, pay = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        sealing.seal_attachment(key, uuid, "passport/1", page)
        att.append(time.perf_counter() - t)
        t = time.perf_counter()
        sealing.seal(key, uuid, text)
        pay.append(time.perf_counter() - t)
    return statistics.median(att) * 1000, statistics.median(pay) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts, for CI")
    args = parser.parse_args()
    n_big = 3 if args.quick else 20
    n_backlog = 100 if args.quick else 500

    base = Path(tempfile.mkdtemp(prefix="kiosk-bench-sync-"))
    server = start_central(base / "central", n_codes=2)
    try:
        parts = urlsplit(server.url)
        upstream = (parts.hostname or "127.0.0.1", parts.port or 80)

        # 1-2. throughput and wire overhead: 3 documents of 1 MB each per application
        data_dir = base / "kiosk-big"
        c = CentralClient(server.url)
        enrolment = enrol(c, server.new_enrolment_code(), "Bench", data_dir / "enrolment.json")
        c.close()
        apps = plan_apps(random.Random(1), n_big, pages=(3, 3), size=(MB, MB))
        with Store.open(data_dir / "store") as store, FaultProxy(upstream, mode="pass") as proxy:
            t = time.perf_counter()
            submit_missing(store, data_dir, apps)
            submit_s = time.perf_counter() - t
            entries = [store.outbox.entry(a.uuid) for a in apps]
            sealed_bytes = sum(e.size + sum(x.size for x in e.attachments) for e in entries if e)
            clear_bytes = sum(sum(len(p) for p in a.pages) for a in apps)
            client = CentralClient(proxy.url, enrolment.token)
            agent = SyncAgent(store, client, chunk_size=DEFAULT_CHUNK_BYTES)
            t = time.perf_counter()
            report = agent.run_once()
            sync_s = time.perf_counter() - t
            client.close()
            assert report.delivered == n_big, report
            wire = proxy.sent
        check_central(server, enrolment.kiosk_id, apps)
        print(f"applications with 3 x 1 MB documents: {n_big}")
        print(f"  submit (seal + enqueue):  {submit_s / n_big * 1000:.0f} ms per application")
        print(f"  delivered:                {n_big / sync_s:.2f} applications/s ({sync_s:.2f} s)")
        print(f"  throughput:               {clear_bytes / MB / sync_s:.1f} MB/s of pages")
        print(
            f"  bytes on the wire / sealed payload: {wire / sealed_bytes:.4f} "
            f"({wire} / {sealed_bytes}; target < 1.05)"
        )
        print(f"  bytes on the wire / clear pages:    {wire / clear_bytes:.4f}")

        # 3. a backlog queued while the network is down, drained once it is back
        data_dir = base / "kiosk-backlog"
        c = CentralClient(server.url)
        enrolment = enrol(c, server.new_enrolment_code(), "Backlog", data_dir / "enrolment.json")
        c.close()
        apps = plan_apps(random.Random(2), n_backlog, pages=(1, 1), size=(2048, 2048))
        with Store.open(data_dir / "store") as store, FaultProxy(upstream, mode="blocked") as proxy:
            submit_missing(store, data_dir, apps)
            client = CentralClient(proxy.url, enrolment.token, connect_timeout=2, read_timeout=10)
            clock = SkewClock()
            down = SyncAgent(store, client, clock=clock).run_once()
            assert down.stopped_reason == "transient" and down.delivered == 0, down
            proxy.mode = "pass"  # the network is back
            clock.offset += dt.timedelta(hours=2)
            t = time.perf_counter()
            runs = drain(store, client, data_dir=data_dir, clock=clock)
            drain_s = time.perf_counter() - t
            client.close()
        check_central(server, enrolment.kiosk_id, apps)
        print(f"backlog of {n_backlog} applications (one 2 KB page each), network back:")
        print(
            f"  drained in {drain_s:.1f} s ({n_backlog / drain_s:.1f} applications/s, "
            f"{runs} agent run(s))"
        )

        # 4. sealing
        att_ms, pay_ms = sealing_cost(5 if args.quick else 20)
        print(f"sealing: {att_ms:.1f} ms/MB (a page), {pay_ms:.1f} ms/MB (an application payload)")
    finally:
        stop_central(server.process)
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
