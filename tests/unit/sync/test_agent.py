"""SyncAgent (sync.agent) against an in-memory outbox and a scripted client."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import subprocess
import sys
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from contract import sealing
from contract.protocol import ApplicationReceipt, ApplicationStatus, ApplicationUpload, FieldProblem
from kiosk.store import OutboxEntry
from kiosk.testing import FakeClock, MemoryStore
from sync.agent import (
    BACKOFF_CAP_S,
    AlreadyRunning,
    SyncAgent,
    SyncStore,
    agent_lock,
    backoff,
)
from sync.client import (
    AuthError,
    HashMismatchError,
    IncompleteError,
    RejectedError,
    TLSError,
    TransientError,
)

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
KEY = sealing.generate_private_key()


def add(store: MemoryStore, n: int = 1, *, start: dt.datetime = T0) -> list[OutboxEntry]:
    """``n`` sealed applications in the outbox, a minute apart from ``start``."""
    added = []
    for i in range(n):
        app_uuid = str(uuidlib.uuid4())
        blob = sealing.seal(sealing.public_key_raw(KEY), app_uuid, {"n": i})
        when = start + dt.timedelta(minutes=len(store.outbox.entries) + i)
        added.append(store.outbox.enqueue(app_uuid, "renewal-student", blob, when))
    return added


def add_with_attachments(store: MemoryStore, *blobs: bytes) -> OutboxEntry:
    """One sealed application with these sealed attachments."""
    app_uuid = str(uuidlib.uuid4())
    blob = sealing.seal(sealing.public_key_raw(KEY), app_uuid, {"n": 0})
    when = T0 + dt.timedelta(minutes=len(store.outbox.entries))
    return store.outbox.enqueue(app_uuid, "renewal-student", blob, when, attachments=blobs)


Outcome = Callable[[ApplicationUpload], ApplicationReceipt]


class FakeClient:
    def __init__(self) -> None:
        self.uploads: list[ApplicationUpload] = []
        self.script: dict[str, Exception] = {}
        self.default: Exception | None = None
        self.counter = 0
        self.attachments: list[tuple[str, int, int]] = []  # sha256, size, chunk size
        self.attachment_errors: list[Exception] = []  # raised by the next uploads, in order
        self.missing_once: list[str] = []  # the first PUT answers 409 with these missing
        self.beats: list[Any] = []

    def upload_attachment(self, blob: bytes, *, sha256: str, chunk_size: int) -> Any:
        if self.attachment_errors:
            raise self.attachment_errors.pop(0)
        self.attachments.append((sha256, len(blob), chunk_size))
        return None

    def heartbeat(self, beat: Any) -> Any:
        self.beats.append(beat)
        if isinstance(self.default, Exception):
            raise self.default
        return None

    def put_application(self, upload: ApplicationUpload) -> ApplicationReceipt:
        self.uploads.append(upload)
        if self.missing_once:
            missing, self.missing_once = self.missing_once, []
            raise IncompleteError("attachments missing", status=409, missing=missing)
        error = self.script.get(str(upload.uuid), self.default)
        if error is not None:
            raise error
        self.counter += 1
        return ApplicationReceipt(
            uuid=upload.uuid,
            central_reference=f"PREF-2026-{self.counter:06d}",
            status=ApplicationStatus.RECEIVED,
            received_at=T0,
        )


class Clock(FakeClock):
    def __init__(self) -> None:
        super().__init__(T0)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def client() -> FakeClient:
    return FakeClient()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _agent(store: MemoryStore, client: FakeClient, clock: Clock, seed: int = 1) -> SyncAgent:
    port: SyncStore = store  # the fake satisfies the protocol (checked by mypy)
    return SyncAgent(port, client, clock=clock, rng=random.Random(seed))


def test_delivers_everything_oldest_first(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    entries = add(store, 3)
    # created_at decides the order, not insertion: make the last one the oldest
    store.outbox.entries[entries[2].uuid] = replace(
        entries[2], created_at=T0 - dt.timedelta(hours=1)
    )
    report = _agent(store, client, clock).run_once()
    assert (report.delivered, report.failed, report.remaining, report.stopped_reason) == (
        3,
        0,
        0,
        None,
    )
    order = [entries[2].uuid, entries[0].uuid, entries[1].uuid]
    assert [str(u.uuid) for u in client.uploads] == order
    # each one: uploading, delivered, then acknowledged, before the next is touched
    assert [c[:2] for c in store.outbox.calls] == [
        (kind, u) for u in order for kind in ("uploading", "delivered", "acknowledged")
    ]
    assert all(e.state == "acknowledged" for e in store.outbox.entries.values())
    assert store.outbox.entries[order[0]].central_reference == "PREF-2026-000001"
    assert [a[0] for a in store.audit_trail.events] == ["sync_delivered"] * 3


def test_the_upload_is_built_from_the_entry(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    (entry,) = add(store, 1)
    _agent(store, client, clock).run_once()
    (upload,) = client.uploads
    assert str(upload.uuid) == entry.uuid
    assert upload.kiosk_reference == entry.local_reference
    assert upload.procedure_id == entry.procedure_id
    assert upload.created_at == entry.created_at
    assert upload.sealing_format == 1
    assert upload.sealed_bytes() == entry.sealed
    assert upload.sha256 == entry.sha256


def test_nothing_due_is_a_quiet_run(store: MemoryStore, client: FakeClient, clock: Clock) -> None:
    report = _agent(store, client, clock).run_once()
    assert report == type(report)(0, 0, 0, None)
    assert client.uploads == []


def test_a_second_run_sends_nothing_again(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    add(store, 2)
    agent = _agent(store, client, clock)
    agent.run_once()
    assert agent.run_once().delivered == 0
    assert len(client.uploads) == 2


def test_more_than_one_batch(store: MemoryStore, client: FakeClient, clock: Clock) -> None:
    add(store, 7)
    agent = SyncAgent(store, client, clock=clock, rng=random.Random(1), batch_size=3)
    report = agent.run_once()
    assert (report.delivered, report.remaining) == (7, 0)


def test_transient_error_backs_off_and_stops_the_run(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    first, second, third = add(store, 3)
    client.default = TransientError("cannot reach http://central: ConnectionError")
    report = _agent(store, client, clock).run_once()
    assert report.stopped_reason == "transient"
    assert (report.delivered, report.failed) == (0, 1)
    assert len(client.uploads) == 1  # the network is down: the others are not tried
    failed = store.outbox.entries[first.uuid]
    assert failed.state == "failed" and failed.attempts == 1
    assert failed.next_attempt_at is not None
    assert T0 <= failed.next_attempt_at <= T0 + dt.timedelta(seconds=30)
    assert failed.last_error == "cannot reach http://central: ConnectionError"
    assert store.outbox.entries[second.uuid].state == "sealed"
    assert store.outbox.entries[third.uuid].state == "sealed"
    assert report.remaining == 2  # the failed one waits for its retry time


def test_transient_retry_happens_once_due(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    (entry,) = add(store, 1)
    client.default = TransientError("HTTP 503: busy", status=503)
    agent = _agent(store, client, clock)
    agent.run_once()
    client.default = None
    retry_at = store.outbox.entries[entry.uuid].next_attempt_at
    assert retry_at is not None
    clock.now = retry_at - dt.timedelta(microseconds=1)
    if retry_at > T0:
        assert agent.run_once().delivered == 0
    clock.now = retry_at
    assert agent.run_once().delivered == 1
    assert store.outbox.entries[entry.uuid].state == "acknowledged"


def test_retry_after_is_respected(store: MemoryStore, client: FakeClient, clock: Clock) -> None:
    (entry,) = add(store, 1)
    client.default = TransientError("HTTP 429: slow down", status=429, retry_after=600)
    _agent(store, client, clock).run_once()
    assert store.outbox.entries[entry.uuid].next_attempt_at == T0 + dt.timedelta(seconds=600)


def test_later_attempts_back_off_longer(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    (entry,) = add(store, 1)
    store.outbox.entries[entry.uuid] = replace(entry, attempts=20)

    class MaxRandom(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    client.default = TransientError("down")
    SyncAgent(store, client, clock=clock, rng=MaxRandom()).run_once()
    assert store.outbox.entries[entry.uuid].next_attempt_at == T0 + dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("attempts", "ceiling"),
    [(0, 30), (1, 30), (2, 60), (3, 120), (4, 240), (7, 1920), (8, 3600), (9, 3600), (500, 3600)],
)
def test_backoff_bounds(attempts: int, ceiling: float) -> None:
    class Edge(random.Random):
        def __init__(self, pick_max: bool) -> None:
            super().__init__(0)
            self.pick_max = pick_max

        def uniform(self, a: float, b: float) -> float:
            return b if self.pick_max else a

    assert backoff(attempts, Edge(True)) == dt.timedelta(seconds=ceiling)
    assert backoff(attempts, Edge(False)) == dt.timedelta(0)
    rng = random.Random(attempts)
    delays = [backoff(attempts, rng).total_seconds() for _ in range(200)]
    assert all(0 <= d <= ceiling for d in delays)
    assert max(delays) > ceiling * 0.8 and min(delays) < ceiling * 0.2  # full jitter
    assert ceiling <= BACKOFF_CAP_S


def test_auth_error_stops_and_leaves_the_entry_due(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    first, second = add(store, 2)
    client.default = AuthError("this kiosk has been revoked", status=401)
    report = _agent(store, client, clock).run_once()
    assert report.stopped_reason == "auth"
    assert (report.delivered, report.failed, report.remaining) == (0, 0, 2)
    assert len(client.uploads) == 1
    assert not [c for c in store.outbox.calls if c[0] == "failed"]  # not the entry's fault
    assert store.outbox.entries[first.uuid].attempts == 0
    assert [e.uuid for e in store.outbox.due(clock.now)] == [first.uuid, second.uuid]
    assert ("sync_auth_failed", {"status": 401}) in store.audit_trail.events
    assert store.settings.values["sync_alert"] == "auth"


def test_alert_is_cleared_by_a_delivery(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    add(store, 1)
    store.settings.values["sync_alert"] = "auth"
    _agent(store, client, clock).run_once()
    assert store.settings.values["sync_alert"] == ""


def test_rejection_needs_staff_and_the_run_continues(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    first, second = add(store, 2)
    client.script[first.uuid] = RejectedError(
        "the sealed application is incomplete or invalid",
        status=422,
        errors=[FieldProblem(field="answers.surname", message="is missing")],
    )
    report = _agent(store, client, clock).run_once()
    assert (report.delivered, report.failed, report.remaining, report.stopped_reason) == (
        1,
        1,
        0,
        None,
    )
    rejected = store.outbox.entries[first.uuid]
    assert rejected.state == "failed" and rejected.next_attempt_at is None
    assert rejected.last_error is not None
    assert rejected.last_error.startswith("HTTP 422: the sealed application is incomplete")
    assert "answers.surname: is missing" in rejected.last_error
    assert store.outbox.entries[second.uuid].state == "acknowledged"
    assert ("sync_rejected", {"uuid": first.uuid, "reason": "server", "status": 422}) in (
        store.audit_trail.events
    )
    assert _agent(store, client, clock).run_once().delivered == 0  # not retried by itself


def test_conflict_is_a_rejection(store: MemoryStore, client: FakeClient, clock: Clock) -> None:
    (entry,) = add(store, 1)
    client.default = RejectedError("already received with different content", status=409)
    report = _agent(store, client, clock).run_once()
    assert report.failed == 1
    assert store.outbox.entries[entry.uuid].last_error == (
        "HTTP 409: already received with different content"
    )


def test_a_locally_damaged_package_is_not_sent(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    bad_hash, bad_blob, good = add(store, 3)
    store.outbox.entries[bad_hash.uuid] = replace(bad_hash, sha256="0" * 64)
    junk = b"not a package"
    store.outbox.entries[bad_blob.uuid] = replace(
        bad_blob, sealed=junk, sha256=hashlib.sha256(junk).hexdigest()
    )
    report = _agent(store, client, clock).run_once()
    assert (report.delivered, report.failed) == (1, 2)
    assert [str(u.uuid) for u in client.uploads] == [good.uuid]
    assert "no longer matches its SHA-256" in (store.outbox.entries[bad_hash.uuid].last_error or "")
    assert "not a sealed application" in (store.outbox.entries[bad_blob.uuid].last_error or "")
    assert store.outbox.entries[bad_blob.uuid].next_attempt_at is None


def test_package_sealed_for_another_uuid_is_not_sent(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    a, b = add(store, 2)
    store.outbox.entries[a.uuid] = replace(a, sealed=b.sealed, sha256=b.sha256)
    _agent(store, client, clock).run_once()
    assert "another application UUID" in (store.outbox.entries[a.uuid].last_error or "")


def test_clock_must_be_aware(store: MemoryStore, client: FakeClient) -> None:
    add(store, 1)
    agent = SyncAgent(store, client, clock=lambda: dt.datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="aware"):
        agent.run_once()


# --- the lock -----------------------------------------------------------------------------------


def test_lock_excludes_a_second_run(tmp_path: Path) -> None:
    path = tmp_path / "sync.lock"
    with (
        agent_lock(path),
        pytest.raises(AlreadyRunning, match="another sync run holds"),
        agent_lock(path),
    ):
        pass
    with agent_lock(path):  # released
        pass
    assert (path.stat().st_mode & 0o777) == 0o600


def test_lock_excludes_another_process(tmp_path: Path) -> None:
    path = tmp_path / "sync.lock"
    code = (
        "import sys\n"
        "from sync.agent import AlreadyRunning, agent_lock\n"
        "try:\n"
        "    with agent_lock(sys.argv[1]):\n"
        "        print('got it')\n"
        "except AlreadyRunning:\n"
        "    print('busy')\n"
    )
    with agent_lock(path):
        busy = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=30
        )
    free = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=30
    )
    assert busy.stdout.strip() == "busy", busy.stderr
    assert free.stdout.strip() == "got it", free.stderr


def test_the_store_satisfies_the_agents_ports() -> None:
    """kiosk.store's repositories have every method the agent calls, with compatible
    signatures (mypy checks the in-memory store; this, the real one)."""
    import inspect

    from kiosk import store as store_module
    from sync.agent import AuditPort, OutboxPort, SettingsPort

    for port, repository in (
        (OutboxPort, store_module.Outbox),
        (AuditPort, store_module.AuditTrail),
        (SettingsPort, store_module.LocalSettings),
    ):
        names = [n for n in vars(port) if not n.startswith("_")]
        assert names, port
        for name in names:
            ours = inspect.signature(getattr(port, name))
            theirs = inspect.signature(getattr(repository, name))
            assert list(ours.parameters) == list(theirs.parameters), (port, name)


# --- attachments ---------------------------------------------------------------------------------


def test_attachments_go_first_then_the_application(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    entry = add_with_attachments(store, b"page one", b"page two")
    sha1, sha2 = (a.sha256 for a in entry.attachments)
    agent = SyncAgent(store, client, clock=clock, chunk_size=1000)
    report = agent.run_once()
    assert report.delivered == 1
    assert client.attachments == [(sha1, 8, 1000), (sha2, 8, 1000)]
    assert store.outbox.calls == [
        ("uploading", entry.uuid),
        ("attachment", entry.uuid, sha1),
        ("attachment", entry.uuid, sha2),
        ("delivered", entry.uuid),
        ("acknowledged", entry.uuid, "PREF-2026-000001"),
    ]
    (upload,) = client.uploads
    assert upload.attachments == [sha1, sha2]


def test_an_entry_found_delivered_goes_straight_to_the_application(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    """A crash after every attachment was uploaded, before the application was sent."""
    entry = add_with_attachments(store, b"page")
    done = tuple(replace(a, uploaded_at=T0) for a in entry.attachments)
    store.outbox.entries[entry.uuid] = replace(entry, state="delivered", attachments=done)
    assert _agent(store, client, clock).run_once().delivered == 1
    assert client.attachments == []
    assert [c[0] for c in store.outbox.calls] == ["acknowledged"]


def test_only_attachments_not_yet_uploaded_are_sent(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    entry = add_with_attachments(store, b"one", b"two", b"three")
    first = replace(entry.attachments[0], uploaded_at=T0)
    store.outbox.entries[entry.uuid] = replace(
        entry, state="uploading", attachments=(first, *entry.attachments[1:])
    )
    _agent(store, client, clock).run_once()
    assert [a[0] for a in client.attachments] == [a.sha256 for a in entry.attachments[1:]]


def test_attachments_the_server_lost_are_sent_again(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    entry = add_with_attachments(store, b"one", b"two")
    lost = entry.attachments[1].sha256
    client.missing_once = [lost]
    report = _agent(store, client, clock).run_once()
    assert report.delivered == 1
    assert [a[0] for a in client.attachments] == [a.sha256 for a in entry.attachments] + [lost]
    assert ("missing", entry.uuid, (lost,)) in store.outbox.calls
    assert len(client.uploads) == 2
    assert store.outbox.entries[entry.uuid].state == "acknowledged"


def test_an_attachment_failing_its_hash_check_is_retried_later(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    entry = add_with_attachments(store, b"page")
    client.attachment_errors = [HashMismatchError("damaged in transit", status=422)]
    report = _agent(store, client, clock).run_once()
    assert report.stopped_reason == "transient"
    failed = store.outbox.entries[entry.uuid]
    assert failed.state == "failed" and failed.next_attempt_at is not None
    assert client.uploads == []  # the application waits for its attachments
    clock.now = failed.next_attempt_at
    assert _agent(store, client, clock).run_once().delivered == 1


def test_a_locally_damaged_attachment_needs_staff(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    entry = add_with_attachments(store, b"page")
    store.outbox.blobs[(entry.uuid, entry.attachments[0].sha256)] = b"pagf"
    report = _agent(store, client, clock).run_once()
    assert (report.delivered, report.failed) == (0, 1)
    failed = store.outbox.entries[entry.uuid]
    assert failed.state == "failed" and failed.next_attempt_at is None
    assert "attachment no longer matches" in (failed.last_error or "")
    assert client.attachments == [] and client.uploads == []


def test_an_attachment_refused_by_the_server_needs_staff(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    first = add_with_attachments(store, b"huge")
    second = add(store, 1)[0]
    client.attachment_errors = [RejectedError("too large", status=413)]
    report = _agent(store, client, clock).run_once()
    assert (report.delivered, report.failed, report.stopped_reason) == (1, 1, None)
    assert store.outbox.entries[first.uuid].last_error == "HTTP 413: too large"
    assert store.outbox.entries[second.uuid].state == "acknowledged"


def test_chunk_size_is_checked(store: MemoryStore, client: FakeClient) -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        SyncAgent(store, client, chunk_size=0)
    with pytest.raises(ValueError, match="chunk_size"):
        SyncAgent(store, client, chunk_size=64 * 1024 * 1024)


# --- TLS, heartbeat, retention -------------------------------------------------------------------


def test_a_tls_failure_alerts_staff_and_keeps_the_entry(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    (entry,) = add(store, 1)
    client.default = TLSError("certificate verify failed")
    report = _agent(store, client, clock).run_once()
    assert report.stopped_reason == "transient"
    assert store.settings.values["sync_alert"] == "tls"
    assert store.outbox.entries[entry.uuid].next_attempt_at is not None
    client.default = None
    clock.now += dt.timedelta(hours=2)
    assert _agent(store, client, clock).run_once().delivered == 1
    assert store.settings.values["sync_alert"] == ""


def test_heartbeat_reports_backlog_health_and_last_error(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    add(store, 2)
    client.default = TransientError("down", status=503)
    agent = _agent(store, client, clock)
    agent.run_once()
    client.default = None
    assert agent.heartbeat({"printer": "ok"}, software_version="9.9") is True
    (beat,) = client.beats
    assert beat.software_version == "9.9"
    assert beat.backlog == {
        "sealed": 1,
        "uploading": 0,
        "delivered": 0,
        "acknowledged": 0,
        "failed": 1,
    }
    assert beat.device_health == {"printer": "ok"}
    assert beat.last_error == "TransientError HTTP 503"
    assert beat.sent_at == T0
    # a delivery clears the last error
    clock.now += dt.timedelta(hours=2)
    agent.run_once()
    agent.heartbeat()
    assert client.beats[-1].last_error is None


def test_a_failed_heartbeat_is_not_an_error(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    client.default = TransientError("down")
    assert _agent(store, client, clock).heartbeat() is False


def test_retention_purges_after_each_run(
    store: MemoryStore, client: FakeClient, clock: Clock
) -> None:
    agent = SyncAgent(store, client, clock=clock, retention=dt.timedelta(days=7))
    assert agent.run_once().purged == 0
    assert store.outbox.purges == [T0 - dt.timedelta(days=7)]
    _agent(store, client, clock).run_once()  # no retention: no purge
    assert len(store.outbox.purges) == 1
