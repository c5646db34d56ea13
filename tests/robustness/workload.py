"""The kiosk's submit-and-sync path as a scripted workload, shared by the robustness tests
and benchmarks/sync.py: applications planned in advance (UUID, answers, pages of random
bytes), written as drafts, sealed into the outbox by the kiosk's own ``Sealer``, then
delivered by the real ``SyncAgent`` and checked at the central API."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import random
import uuid as uuidlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract.catalogue import Catalogue, load_catalogue
from kiosk.domain.session import ApplicantSession
from kiosk.link.sealer import Sealer
from kiosk.store import Store
from sync.agent import SyncAgent, agent_lock
from sync.client import CentralClient
from sync.enrolment import Enrolment
from tests.fixtures.central import (
    SAMPLE_PROCEDURE,
    CentralServer,
    sample_answers,
)

JPEG_MAGIC = b"\xff\xd8\xff\xe0"


@dataclass(frozen=True)
class PlannedApp:
    uuid: str
    answers: dict[str, str] = field(repr=False)
    pages: tuple[bytes, ...] = field(repr=False)


def plan_apps(
    rng: random.Random,
    n: int,
    *,
    answers: Callable[[int], dict[str, str]] | None = None,
    pages: tuple[int, int] = (1, 3),
    size: tuple[int, int] = (2_000, 40_000),
) -> list[PlannedApp]:
    """``n`` applications with ``pages`` (min, max) pages of ``size`` (min, max) random bytes."""
    apps: list[PlannedApp] = []
    for _ in range(n):
        count = rng.randint(*pages)
        blobs = tuple(
            JPEG_MAGIC + rng.randbytes(rng.randint(*size) - len(JPEG_MAGIC)) for _ in range(count)
        )
        app_uuid = str(uuidlib.UUID(int=rng.getrandbits(128), version=4))
        own = answers(len(apps)) if answers is not None else {}
        apps.append(PlannedApp(app_uuid, {**_answers(), **own}, blobs))
    return apps


@functools.cache
def catalogue() -> Catalogue:
    """Parsed once per process (parsing the YAML costs ~0.4 s)."""
    return load_catalogue()


@functools.cache
def _answers() -> dict[str, str]:
    return sample_answers()


def document_id() -> str:
    return catalogue().procedure(SAMPLE_PROCEDURE).documents[0].id


def payload(kiosk_id: str, app: PlannedApp, now: dt.datetime) -> dict[str, Any]:
    """The application payload, built by the kiosk's own domain session."""
    session = ApplicantSession(catalogue=catalogue(), language="fr")
    session.uuid = app.uuid
    session.choose_procedure(SAMPLE_PROCEDURE)
    session.answers = dict(app.answers)
    session.consent_given = True
    return session.payload(kiosk_id, now)


def submit(store: Store, sealer: Sealer, kiosk_id: str, app: PlannedApp, now: dt.datetime) -> None:
    """What the kiosk does for one applicant: draft saved, pages scanned into it, then
    sealed with its pages and queued (the clear draft wiped in the same transaction)."""
    doc = document_id()
    store.drafts.save(app.uuid, SAMPLE_PROCEDURE, "fr", app.answers, now)
    for i, page in enumerate(app.pages, start=1):
        store.pages.add(app.uuid, doc, i, page, now)
    sealer.submit(store, app.uuid, SAMPLE_PROCEDURE, payload(kiosk_id, app, now), now)


def submit_missing(store: Store, data_dir: Path, apps: Sequence[PlannedApp]) -> int:
    """Submit every planned application not in the outbox yet (a restart after a crash
    does the same work again); returns how many were submitted now."""
    enrolment = Enrolment.load(data_dir / "enrolment.json")
    sealer = Sealer(data_dir / "enrolment.json")
    done = 0
    for app in apps:
        if store.outbox.entry(app.uuid) is None:
            submit(store, sealer, enrolment.kiosk_id, app, dt.datetime.now(dt.UTC))
            done += 1
    return done


class SkewClock:
    """Real time plus an offset that the workload advances to get past backoff delays."""

    def __init__(self) -> None:
        self.offset = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


def drain(
    store: Store,
    client: CentralClient,
    *,
    data_dir: Path,
    chunk_size: int = 16 * 1024,
    max_runs: int = 10_000,
    clock: SkewClock | None = None,
    on_run: Callable[[Any], None] | None = None,
) -> int:
    """Run the real agent until the outbox is all acknowledged: when nothing is due but
    entries wait for a retry time, the clock jumps two hours (past the backoff cap).
    Returns the number of runs."""
    clock = clock or SkewClock()
    agent = SyncAgent(store, client, clock=clock, chunk_size=chunk_size)
    for runs in range(1, max_runs + 1):
        with agent_lock(data_dir / "sync.lock"):
            report = agent.run_once()
        if on_run is not None:
            on_run(report)
        backlog = store.outbox.backlog()
        if sum(v for k, v in backlog.items() if k != "acknowledged") == 0:
            return runs
        if report.stopped_reason is None and report.remaining == 0:
            stuck = [
                e for e in store.outbox.due(clock() + dt.timedelta(hours=2)) if e.state == "failed"
            ]
            if not stuck and backlog.get("failed"):
                raise AssertionError(f"entries failed for good: {backlog}")
            clock.offset += dt.timedelta(hours=2)
        elif report.stopped_reason == "transient":
            clock.offset += dt.timedelta(hours=2)
        elif report.stopped_reason is not None:
            raise AssertionError(f"the agent stopped: {report.stopped_reason}")
    raise AssertionError(f"the outbox did not drain in {max_runs} runs: {store.outbox.backlog()}")


def check_central(
    server: CentralServer, kiosk_id: str, apps: Sequence[PlannedApp]
) -> dict[str, int]:
    """Every planned application is at the central API exactly once, nothing else came
    from this kiosk, and every page opens (AEAD-authenticated) to the bytes scanned, its
    sealed bytes having matched their SHA-256 on arrival. Returns counts."""
    received = [a for a in server.applications() if a["kiosk_id"] == kiosk_id]
    uuids = [a["uuid"] for a in received]
    dupes = {u for u in uuids if uuids.count(u) > 1}
    assert not dupes, f"duplicated at the central API: {sorted(dupes)}"
    planned = {a.uuid: a for a in apps}
    missing = set(planned) - set(uuids)
    extra = set(uuids) - set(planned)
    assert not missing, f"{len(missing)} application(s) lost: {sorted(missing)[:5]}"
    assert not extra, f"unexpected applications: {sorted(extra)[:5]}"
    pages = 0
    for row in received:
        app = planned[row["uuid"]]
        refs = row["attachments"]
        assert row["payload"] is not None, "the central API cannot open the package"
        assert [r["sha256"] for r in row["payload"]["attachments"]] == [r["sha256"] for r in refs]
        assert [r["page_no"] for r in refs] == list(range(1, len(app.pages) + 1))
        for ref, page in zip(refs, app.pages, strict=True):
            resp = server.admin("GET", f"/applications/{row['uuid']}/attachments/{ref['sha256']}")
            assert resp.status_code == 200, resp.text
            assert hashlib.sha256(resp.content).digest() == hashlib.sha256(page).digest()
            pages += 1
    return {"applications": len(received), "pages": pages}


def check_kiosk(store: Store, n_apps: int) -> None:
    """The kiosk's side: integrity ok, the outbox all acknowledged, no clear draft left."""
    raw = store.database.engine.raw_connection()
    try:
        cur = raw.cursor()
        assert cur.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert cur.execute("SELECT count(*) FROM draft").fetchone()[0] == 0
        assert cur.execute("SELECT count(*) FROM page").fetchone()[0] == 0
        cur.close()
    finally:
        raw.close()
    backlog = store.outbox.backlog()
    assert backlog["acknowledged"] == n_apps, backlog
    assert sum(backlog.values()) == n_apps, backlog
