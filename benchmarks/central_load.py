"""Load benchmark of the central API, on loopback only and bounded in time.

    .venv/bin/python benchmarks/central_load.py                 # SQLite and PostgreSQL
    .venv/bin/python benchmarks/central_load.py --db postgresql --duration 120
    .venv/bin/python benchmarks/central_load.py --quick         # CI: proves it runs (seconds)

The real ``kiosk-central`` (subprocess, ``--workers``, SQLite or PostgreSQL) and, for the
length of the run:

* 200 simulated kiosks, each from its own loopback address (127.0.0.2 ...: the per-address
  limits see 200 clients, as in a prefecture), each sending a heartbeat every 30 s (real time,
  not compressed; ``--heartbeat-every`` compresses it, and the report says so);
* 20 applications (``--applications``), each with 3 pages of 1 MB, sealed beforehand as a
  kiosk seals them, uploaded in 256 KiB chunks by kiosks at random times, then looked up as an
  applicant would (``GET /v1/applications/{uuid}`` and ``POST /v1/status/lookup``);
* one hostile client (a kiosk token of its own, its own address, 8 threads) flooding
  ``POST /v1/staff/sign-in`` with unknown identifiers as fast as the server answers. It runs
  in a process of its own: in the kiosks' process its busy threads would hold the GIL and
  the kiosks' latencies would be the client's waits, not the server's.

Prints, for each database, each route's request count, p50/p99/max latency and answers by
status (5xx and transport errors counted apart), the server's CPU time (all its processes)
and the machine's load average: the machine may be shared, so the figures say under what
load they were taken. The issue's target (2 cores, PostgreSQL): no 5xx, heartbeat p99 below
500 ms during the flood. PostgreSQL needs ``--pg-url`` or ``$KIOSK_TEST_PG_URL``, else a
throwaway cluster is started with scripts/pg-test-server.sh (Debian's postgresql package).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime as dt
import hashlib
import http.client
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid as uuidlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contract import sealing  # noqa: E402
from contract.protocol import ApplicationUpload, content_range  # noqa: E402
from tests.fixtures.central import (  # noqa: E402
    CentralServer,
    fresh_pg_database,
    sample_document,
    sample_payload,
    start_central,
    stop_central,
)

MB = 1024 * 1024
CHUNK = 256 * 1024
HEARTBEAT = "heartbeat"
FLOOD = "sign-in (hostile flood)"


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, route: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies[route].append(seconds)
            self.statuses[route][status] += 1


class Client:
    """One keep-alive HTTP connection from one loopback address; status 0 = transport error."""

    def __init__(self, url: str, source: str, token: str | None, results: Results) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port, self.source = host, int(port), source
        self.token = token
        self.results = results
        self.conn: http.client.HTTPConnection | None = None

    def call(
        self,
        route: str,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        started = time.perf_counter()
        status, data = 0, b""
        for attempt in range(2):
            reused = self.conn is not None
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(
                        self.host, self.port, timeout=120, source_address=(self.source, 0)
                    )
                self.conn.request(method, path, body=body, headers=all_headers)
                resp = self.conn.getresponse()
                data = resp.read()
                status = resp.status
                if resp.getheader("connection", "").lower() == "close":
                    self.close()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed while idle (as urllib3 does for
                # the kiosks' requests): open another and send again, once.
                self.close()
                if not reused or attempt:
                    break
            except (OSError, http.client.HTTPException):
                self.close()
                break
        self.results.add(route, status, time.perf_counter() - started)
        return status, data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def flood_process(
    url: str, token: str, threads: int, start: float, end: float
) -> tuple[list[float], dict[int, int]]:
    """The hostile client, in a process of its own (``time.monotonic`` is the machine's, so
    ``start``/``end`` mean the same here): ``threads`` threads sign in with unknown
    identifiers as fast as the server answers. Returns the latencies and the answers."""
    results = Results()

    def flood(n: int) -> None:
        client = Client(url, "127.0.1.254", token, results)
        i = 0
        while time.monotonic() < end:
            body = json.dumps({"identifier": f"ghost-{n}-{i}", "pin": f"{i % 10**6:06d}"}).encode()
            client.call(FLOOD, "POST", "/v1/staff/sign-in", body)
            i += 1
        client.close()

    time.sleep(max(0.0, start - time.monotonic()))
    workers = [threading.Thread(target=flood, args=(n,), daemon=True) for n in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return results.latencies[FLOOD], dict(results.statuses[FLOOD])


def _address(i: int) -> str:
    return f"127.0.{2 + i // 250}.{1 + i % 250}"


@dataclass
class Sealed:
    uuid: str
    pages: list[tuple[str, bytes]]  # (sha256, sealed bytes)
    upload: bytes
    reference: str
    secret: str


def seal_application(public_key: str, kiosk_id: str, page_bytes: int, rng: random.Random) -> Sealed:
    raw_key = sealing.decode_public_key(public_key)
    app_uuid = str(uuidlib.uuid4())
    payload = sample_payload(kiosk_id, app_uuid)
    refs, pages = [], []
    for n in range(1, 4):
        clear = rng.randbytes(page_bytes)
        blob = sealing.seal_attachment(
            raw_key, app_uuid, sealing.attachment_id(sample_document(), n), clear
        )
        sha = hashlib.sha256(blob).hexdigest()
        pages.append((sha, blob))
        refs.append(
            {"document_id": sample_document(), "page_no": n, "sha256": sha, "size": len(blob),
             "content_type": "image/jpeg"}
        )  # fmt: skip
    payload["attachments"] = refs
    reference = f"K-{app_uuid[:4].upper()}-{app_uuid[4:8].upper()}"
    upload = ApplicationUpload.build(
        uuid=app_uuid,
        procedure_id=str(payload["procedure_id"]),
        kiosk_reference=reference,
        created_at=dt.datetime.now(dt.UTC),
        sealing_format=sealing.FORMAT_VERSION,
        sealed=sealing.seal(raw_key, app_uuid, payload),
        attachments=[sha for sha, _ in pages],
    )
    return Sealed(
        app_uuid,
        pages,
        upload.model_dump_json().encode(),
        reference,
        str(payload["receipt_secret"]),
    )


def deliver(client: Client, app: Sealed) -> None:
    for sha, blob in app.pages:
        for start in range(0, len(blob), CHUNK):
            chunk = blob[start : start + CHUNK]
            client.call(
                "attachment chunk PUT", "PUT", f"/v1/attachments/{sha}", chunk,
                {"Content-Type": "application/octet-stream",
                 "Content-Range": content_range(start, start + len(chunk), len(blob))},
            )  # fmt: skip
    client.call("application PUT", "PUT", f"/v1/applications/{app.uuid}", app.upload)


def look_up(client: Client, app: Sealed) -> None:
    client.call("application GET (kiosk)", "GET", f"/v1/applications/{app.uuid}")
    body = json.dumps({"reference": app.reference, "secret": app.secret}).encode()
    client.call("status lookup", "POST", "/v1/status/lookup", body)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (the workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    pids.append(int(entry.name))
    for p in pids:
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


@dataclass
class Run:
    db: str
    kiosks: int
    applications: int
    page_bytes: int
    duration_s: float
    heartbeat_every_s: float
    flood_threads: int
    workers: int


def run(cfg: Run, database_url: str | None, work: Path) -> Results:
    rng = random.Random(13)
    central: CentralServer = start_central(
        work / "central",
        n_codes=0,
        database_url=database_url,
        extra_args=["--workers", str(cfg.workers), "--max-connections", "4000"],
    )
    results = Results()
    hostile_client: concurrent.futures.ProcessPoolExecutor | None = None
    try:
        setup = Results()
        codes = [central.new_enrolment_code() for _ in range(cfg.kiosks + 1)]
        tokens: list[tuple[str, str, str]] = []  # (kiosk_id, token, public key)
        for i, code in enumerate(codes):
            body = json.dumps({"code": code, "kiosk_name": f"Borne {i}", "software_version": "bench",
                               "site": "Préfecture de test"}).encode()  # fmt: skip
            status, data = Client(central.url, _address(i), None, setup).call(
                "enrol", "POST", "/v1/enrol", body
            )
            if status != 201:
                raise RuntimeError(f"enrolment {i} failed: HTTP {status} {data[:200]!r}")
            answer = json.loads(data)
            tokens.append((answer["kiosk_id"], answer["token"], answer["public_key"]))
        hostile = tokens.pop()
        print(f"  sealing {cfg.applications} applications ({3 * cfg.page_bytes // 1024} KiB of pages each)...",
              flush=True)  # fmt: skip
        plans: dict[int, list[tuple[float, Sealed]]] = defaultdict(list)
        for _ in range(cfg.applications):
            k = rng.randrange(cfg.kiosks)
            when = rng.uniform(0.05, 0.7) * cfg.duration_s
            plans[k].append(
                (when, seal_application(tokens[k][2], tokens[k][0], cfg.page_bytes, rng))
            )

        hostile_client = concurrent.futures.ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn")
        )
        hostile_client.submit(int).result()  # started and imported before the clock starts
        cpu_before = _cpu_seconds(central.process.pid)
        load_before = os.getloadavg()
        started = time.monotonic()
        end = started + cfg.duration_s
        stop = threading.Event()
        flooded = hostile_client.submit(
            flood_process, central.url, hostile[1], cfg.flood_threads, started, end
        )

        lookup_after = min(2.0, 0.05 * cfg.duration_s)  # an applicant asks a bit later

        def kiosk(i: int) -> None:
            _kiosk_id, token, _key = tokens[i]
            client = Client(central.url, _address(i), token, results)
            next_beat = started + rng.uniform(0, cfg.heartbeat_every_s)
            todo = sorted(plans.get(i, []), key=lambda p: p[0])
            lookups: list[tuple[float, Sealed]] = []
            while not stop.is_set():
                now = time.monotonic()
                if now >= end:
                    break
                if now >= next_beat:
                    beat = {"software_version": "bench", "sent_at": dt.datetime.now(dt.UTC).isoformat(),
                            "backlog": {"sealed": len(todo)}, "device_health": {"camera": "ok"},
                            "state": "idle", "site": "Préfecture de test"}  # fmt: skip
                    client.call(HEARTBEAT, "POST", "/v1/heartbeat", json.dumps(beat).encode())
                    next_beat += cfg.heartbeat_every_s
                elif todo and now >= started + todo[0][0]:
                    _when, app = todo.pop(0)
                    deliver(client, app)
                    lookups.append((time.monotonic() + lookup_after, app))
                elif lookups and now >= lookups[0][0]:
                    look_up(client, lookups.pop(0)[1])
                else:
                    wake = [next_beat, end]
                    if todo:
                        wake.append(started + todo[0][0])
                    if lookups:
                        wake.append(lookups[0][0])
                    stop.wait(max(0.0, min(wake) - time.monotonic()))
            for _when, app in lookups:  # delivered late in a short run: looked up all the same
                look_up(client, app)
            client.close()

        threads = [
            threading.Thread(target=kiosk, args=(i,), daemon=True) for i in range(cfg.kiosks)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max(1.0, end - time.monotonic() + 120))
        stop.set()
        flood_latencies, flood_answers = flooded.result(
            timeout=max(1.0, end - time.monotonic() + 120)
        )
        wall = time.monotonic() - started
        if cfg.flood_threads:
            results.latencies[FLOOD] = flood_latencies
            results.statuses[FLOOD].update(flood_answers)
        cpu = _cpu_seconds(central.process.pid) - cpu_before
        load_after = os.getloadavg()
        received = len([a for a in central.applications() if a["validity"] == "valid"])
        results.latencies["_meta"] = [wall, cpu, load_before[0], load_after[0], float(received)]
        return results
    finally:
        if hostile_client is not None:
            hostile_client.shutdown(wait=False, cancel_futures=True)
        stop_central(central.process)


def report(cfg: Run, results: Results) -> bool:
    wall, cpu, load_before, load_after, received = results.latencies.pop("_meta")
    squeezed = "" if cfg.heartbeat_every_s == 30 else " (compressed from 30 s)"
    print(
        f"\n{cfg.db}: {cfg.workers} worker(s), {cfg.kiosks} kiosks, a heartbeat every "
        f"{cfg.heartbeat_every_s:g} s{squeezed}, {cfg.applications} applications of 3 x "
        f"{cfg.page_bytes / MB:g} MB pages, status lookups, a sign-in flood of "
        f"{cfg.flood_threads} threads; {wall:.0f} s of wall time"
    )
    print(f"  {'route':28} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  answers")
    ok = True
    for route in sorted(results.latencies):
        times = sorted(results.latencies[route])
        n = len(times)
        p50 = statistics.median(times) * 1000
        p99 = times[min(n - 1, int(n * 0.99))] * 1000
        codes = results.statuses[route]
        answers = ", ".join(f"{code or 'error'}: {count}" for code, count in sorted(codes.items()))
        print(f"  {route:28} {n:6d} {p50:8.1f} {p99:8.1f} {times[-1] * 1000:8.1f}  {answers}")
        if any(code >= 500 or code == 0 for code in codes):
            ok = False
    beats = sorted(results.latencies.get(HEARTBEAT, [0.0]))
    beat_p99 = beats[min(len(beats) - 1, int(len(beats) * 0.99))] * 1000
    print(
        f"  applications received valid: {received:.0f} of {cfg.applications}; server CPU "
        f"{cpu:.1f} s ({cpu / wall:.2f} cores) over {wall:.0f} s; load average "
        f"{load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} CPUs"
    )
    met = ok and beat_p99 < 500 and received == cfg.applications
    print(
        f"  target (no 5xx or transport error, heartbeat p99 < 500 ms, every application "
        f"received): {'met' if met else 'NOT met'} (heartbeat p99 {beat_p99:.0f} ms)"
    )
    return met


@contextlib.contextmanager
def postgresql(url: str | None) -> Iterator[str | None]:
    """A fresh database on the given cluster, or on a throwaway one started here."""
    url = url or os.environ.get("KIOSK_TEST_PG_URL")
    if url:
        with fresh_pg_database(url) as db:
            yield db
        return
    cluster = Path(tempfile.mkdtemp(prefix="kiosk-bench-pg."))
    script = ROOT / "scripts" / "pg-test-server.sh"
    started = subprocess.run(
        [str(script), "start", str(cluster)], capture_output=True, text=True, check=False
    )
    if started.returncode != 0:
        print(f"  PostgreSQL not available ({started.stderr.strip()[-200:]}): skipped", flush=True)
        yield None
        return
    try:
        with fresh_pg_database(started.stdout.strip()) as db:
            yield db
    finally:
        subprocess.run([str(script), "stop", str(cluster)], capture_output=True, check=False)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a few kiosks for a few seconds (CI)")
    p.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--pg-url", help="a PostgreSQL superuser URL (default: $KIOSK_TEST_PG_URL)")
    p.add_argument("--kiosks", type=int, default=200)
    p.add_argument("--applications", type=int, default=20)
    p.add_argument("--page-kib", type=int, default=1024)
    p.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    p.add_argument("--heartbeat-every", type=float, default=30.0)
    p.add_argument("--flood-threads", type=int, default=8)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    if args.quick:
        args.kiosks, args.applications, args.page_kib = 10, 2, 64
        args.duration, args.heartbeat_every, args.flood_threads = 5.0, 2.0, 2
        args.workers = 1
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for db in dbs:
        cfg = Run(db, args.kiosks, args.applications, args.page_kib * 1024, args.duration,
                  args.heartbeat_every, args.flood_threads, args.workers)  # fmt: skip
        with tempfile.TemporaryDirectory(prefix="kiosk-bench-central.") as tmp:
            if db == "sqlite":
                report(cfg, run(cfg, None, Path(tmp)))
                continue
            if args.quick and not (args.pg_url or os.environ.get("KIOSK_TEST_PG_URL")):
                print("\npostgresql: skipped in --quick without $KIOSK_TEST_PG_URL")
                continue
            with postgresql(args.pg_url) as url:
                if url is not None:
                    report(cfg, run(cfg, url, Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
