"""SyncAgent (sync.agent) against an in-memory outbox and a scripted client."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import subprocess
import sys
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from contract import sealing
from contract.protocol import ApplicationReceipt, ApplicationStatus, ApplicationUpload, FieldProblem
from sync.agent import (
    BACKOFF_CAP_S,
    AlreadyRunning,
    OutboxPort,
    SyncAgent,
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


@dataclass(frozen=True)
class Attachment:
    sha256: str
    size: int
    uploaded_at: dt.datetime | None = None


@dataclass(frozen=True)
class Entry:
    uuid: str
    local_reference: str
    procedure_id: str
    state: str
    sealed: bytes
    size: int
    sha256: str
    created_at: dt.datetime
    attempts: int
    last_error: str | None
    central_reference: str | None
    next_attempt_at: dt.datetime | None = None
    attachments: tuple[Attachment, ...] = ()


class FakeOutbox:
    """The store's outbox semantics, in memory (see kiosk.store.Store.due)."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.calls: list[tuple[Any, ...]] = []
        self.audits: list[tuple[str, dict[str, Any]]] = []
        self.settings: dict[str, str] = {}
        self.blobs: dict[str, bytes] = {}
        self.purged_before: list[dt.datetime] = []

    def add(self, n: int = 1, *, start: dt.datetime = T0) -> list[Entry]:
        added = []
        for i in range(n):
            app_uuid = str(uuidlib.uuid4())
            blob = sealing.seal(sealing.public_key_raw(KEY), app_uuid, {"n": len(self.entries)})
            entry = Entry(
                uuid=app_uuid,
                local_reference=f"K-TEST-{len(self.entries):04d}",
                procedure_id="renewal-student",
                state="sealed",
                sealed=blob,
                size=len(blob),
                sha256=hashlib.sha256(blob).hexdigest(),
                created_at=start + dt.timedelta(minutes=len(self.entries) + i),
                attempts=0,
                last_error=None,
                central_reference=None,
            )
            self.entries[app_uuid] = entry
            added.append(entry)
        return added

    def add_with_attachments(self, *blobs: bytes) -> Entry:
        (entry,) = self.add(1)
        infos = []
        for blob in blobs:
            digest = hashlib.sha256(blob).hexdigest()
            self.blobs[digest] = blob
            infos.append(Attachment(digest, len(blob)))
        entry = replace(entry, attachments=tuple(infos))
        self.entries[entry.uuid] = entry
        return entry

    def due(self, now: dt.datetime, limit: int = 50) -> list[Entry]:
        items = [
            e
            for e in self.entries.values()
            if e.state in ("sealed", "uploading", "delivered")
            or (e.state == "failed" and e.next_attempt_at is not None and e.next_attempt_at <= now)
        ]
        return sorted(items, key=lambda e: (e.created_at, e.uuid))[:limit]

    def mark_uploading(self, uuid: str, now: dt.datetime) -> None:
        self.calls.append(("uploading", uuid))
        self.entries[uuid] = replace(self.entries[uuid], state="uploading")

    def attachment_data(self, uuid: str, sha256: str) -> bytes:
        return self.blobs[sha256]

    def mark_attachment_uploaded(self, uuid: str, sha256: str, now: dt.datetime) -> None:
        self.calls.append(("attachment", uuid, sha256))
        e = self.entries[uuid]
        atts = tuple(
            replace(a, uploaded_at=now) if a.sha256 == sha256 else a for a in e.attachments
        )
        self.entries[uuid] = replace(e, attachments=atts)

    def mark_attachments_missing(self, uuid: str, sha256s: Any) -> None:
        self.calls.append(("missing", uuid, tuple(sha256s)))
        e = self.entries[uuid]
        atts = tuple(
            replace(a, uploaded_at=None) if a.sha256 in sha256s else a for a in e.attachments
        )
        self.entries[uuid] = replace(e, attachments=atts)

    def mark_delivered(self, uuid: str, now: dt.datetime) -> None:
        self.calls.append(("delivered", uuid))
        e = self.entries[uuid]
        assert all(a.uploaded_at is not None for a in e.attachments)
        self.entries[uuid] = replace(e, state="delivered")

    def backlog(self) -> dict[str, int]:
        counts = dict.fromkeys(("sealed", "uploading", "delivered", "acknowledged", "failed"), 0)
        for e in self.entries.values():
            counts[e.state] += 1
        return counts

    def purge_acknowledged(self, older_than: dt.datetime) -> int:
        self.purged_before.append(older_than)
        return 0

    def mark_acknowledged(self, uuid: str, central_reference: str, now: dt.datetime) -> None:
        self.calls.append(("acknowledged", uuid, central_reference))
        self.entries[uuid] = replace(
            self.entries[uuid], state="acknowledged", central_reference=central_reference
        )

    def mark_failed(
        self, uuid: str, reason: str, now: dt.datetime, retry_at: dt.datetime | None
    ) -> None:
        self.calls.append(("failed", uuid, reason, retry_at))
        e = self.entries[uuid]
        self.entries[uuid] = replace(
            e, state="failed", attempts=e.attempts + 1, last_error=reason, next_attempt_at=retry_at
        )

    def audit(self, event: str, now: dt.datetime, **detail: str | int | bool) -> None:
        self.audits.append((event, detail))

    def get_setting(self, key: str) -> str | None:
        return self.settings.get(key)

    def set_setting(self, key: str, value: str) -> None:
        self.settings[key] = value


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


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def outbox() -> FakeOutbox:
    return FakeOutbox()


@pytest.fixture
def client() -> FakeClient:
    return FakeClient()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _agent(outbox: FakeOutbox, client: FakeClient, clock: Clock, seed: int = 1) -> SyncAgent:
    port: OutboxPort = outbox  # the fake satisfies the protocol (checked by mypy)
    return SyncAgent(port, client, clock=clock, rng=random.Random(seed))


def test_delivers_everything_oldest_first(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    entries = outbox.add(3)
    # created_at decides the order, not insertion: make the last one the oldest
    outbox.entries[entries[2].uuid] = replace(entries[2], created_at=T0 - dt.timedelta(hours=1))
    report = _agent(outbox, client, clock).run_once()
    assert (report.delivered, report.failed, report.remaining, report.stopped_reason) == (
        3,
        0,
        0,
        None,
    )
    order = [entries[2].uuid, entries[0].uuid, entries[1].uuid]
    assert [str(u.uuid) for u in client.uploads] == order
    # each one: uploading, delivered, then acknowledged, before the next is touched
    assert [c[:2] for c in outbox.calls] == [
        (kind, u) for u in order for kind in ("uploading", "delivered", "acknowledged")
    ]
    assert all(e.state == "acknowledged" for e in outbox.entries.values())
    assert outbox.entries[order[0]].central_reference == "PREF-2026-000001"
    assert [a[0] for a in outbox.audits] == ["sync_delivered"] * 3


def test_the_upload_is_built_from_the_entry(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    (entry,) = outbox.add(1)
    _agent(outbox, client, clock).run_once()
    (upload,) = client.uploads
    assert str(upload.uuid) == entry.uuid
    assert upload.kiosk_reference == entry.local_reference
    assert upload.procedure_id == entry.procedure_id
    assert upload.created_at == entry.created_at
    assert upload.sealing_format == 1
    assert upload.sealed_bytes() == entry.sealed
    assert upload.sha256 == entry.sha256


def test_nothing_due_is_a_quiet_run(outbox: FakeOutbox, client: FakeClient, clock: Clock) -> None:
    report = _agent(outbox, client, clock).run_once()
    assert report == type(report)(0, 0, 0, None)
    assert client.uploads == []


def test_a_second_run_sends_nothing_again(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    outbox.add(2)
    agent = _agent(outbox, client, clock)
    agent.run_once()
    assert agent.run_once().delivered == 0
    assert len(client.uploads) == 2


def test_more_than_one_batch(outbox: FakeOutbox, client: FakeClient, clock: Clock) -> None:
    outbox.add(7)
    agent = SyncAgent(outbox, client, clock=clock, rng=random.Random(1), batch_size=3)
    report = agent.run_once()
    assert (report.delivered, report.remaining) == (7, 0)


def test_transient_error_backs_off_and_stops_the_run(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    first, second, third = outbox.add(3)
    client.default = TransientError("cannot reach http://central: ConnectionError")
    report = _agent(outbox, client, clock).run_once()
    assert report.stopped_reason == "transient"
    assert (report.delivered, report.failed) == (0, 1)
    assert len(client.uploads) == 1  # the network is down: the others are not tried
    failed = outbox.entries[first.uuid]
    assert failed.state == "failed" and failed.attempts == 1
    assert failed.next_attempt_at is not None
    assert T0 <= failed.next_attempt_at <= T0 + dt.timedelta(seconds=30)
    assert failed.last_error == "cannot reach http://central: ConnectionError"
    assert outbox.entries[second.uuid].state == "sealed"
    assert outbox.entries[third.uuid].state == "sealed"
    assert report.remaining == 2  # the failed one waits for its retry time


def test_transient_retry_happens_once_due(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    (entry,) = outbox.add(1)
    client.default = TransientError("HTTP 503: busy", status=503)
    agent = _agent(outbox, client, clock)
    agent.run_once()
    client.default = None
    retry_at = outbox.entries[entry.uuid].next_attempt_at
    assert retry_at is not None
    clock.now = retry_at - dt.timedelta(microseconds=1)
    if retry_at > T0:
        assert agent.run_once().delivered == 0
    clock.now = retry_at
    assert agent.run_once().delivered == 1
    assert outbox.entries[entry.uuid].state == "acknowledged"


def test_retry_after_is_respected(outbox: FakeOutbox, client: FakeClient, clock: Clock) -> None:
    (entry,) = outbox.add(1)
    client.default = TransientError("HTTP 429: slow down", status=429, retry_after=600)
    _agent(outbox, client, clock).run_once()
    assert outbox.entries[entry.uuid].next_attempt_at == T0 + dt.timedelta(seconds=600)


def test_later_attempts_back_off_longer(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    (entry,) = outbox.add(1)
    outbox.entries[entry.uuid] = replace(entry, attempts=20)

    class MaxRandom(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    client.default = TransientError("down")
    SyncAgent(outbox, client, clock=clock, rng=MaxRandom()).run_once()
    assert outbox.entries[entry.uuid].next_attempt_at == T0 + dt.timedelta(hours=1)


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
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    first, second = outbox.add(2)
    client.default = AuthError("this kiosk has been revoked", status=401)
    report = _agent(outbox, client, clock).run_once()
    assert report.stopped_reason == "auth"
    assert (report.delivered, report.failed, report.remaining) == (0, 0, 2)
    assert len(client.uploads) == 1
    assert not [c for c in outbox.calls if c[0] == "failed"]  # not the entry's fault
    assert outbox.entries[first.uuid].attempts == 0
    assert [e.uuid for e in outbox.due(clock.now)] == [first.uuid, second.uuid]
    assert ("sync_auth_failed", {"status": 401}) in outbox.audits
    assert outbox.settings["sync_alert"] == "auth"


def test_alert_is_cleared_by_a_delivery(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    outbox.add(1)
    outbox.settings["sync_alert"] = "auth"
    _agent(outbox, client, clock).run_once()
    assert outbox.settings["sync_alert"] == ""


def test_rejection_needs_staff_and_the_run_continues(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    first, second = outbox.add(2)
    client.script[first.uuid] = RejectedError(
        "the sealed application is incomplete or invalid",
        status=422,
        errors=[FieldProblem(field="answers.surname", message="is missing")],
    )
    report = _agent(outbox, client, clock).run_once()
    assert (report.delivered, report.failed, report.remaining, report.stopped_reason) == (
        1,
        1,
        0,
        None,
    )
    rejected = outbox.entries[first.uuid]
    assert rejected.state == "failed" and rejected.next_attempt_at is None
    assert rejected.last_error is not None
    assert rejected.last_error.startswith("HTTP 422: the sealed application is incomplete")
    assert "answers.surname: is missing" in rejected.last_error
    assert outbox.entries[second.uuid].state == "acknowledged"
    assert ("sync_rejected", {"uuid": first.uuid, "reason": "server", "status": 422}) in (
        outbox.audits
    )
    assert _agent(outbox, client, clock).run_once().delivered == 0  # not retried by itself


def test_conflict_is_a_rejection(outbox: FakeOutbox, client: FakeClient, clock: Clock) -> None:
    (entry,) = outbox.add(1)
    client.default = RejectedError("already received with different content", status=409)
    report = _agent(outbox, client, clock).run_once()
    assert report.failed == 1
    assert outbox.entries[entry.uuid].last_error == (
        "HTTP 409: already received with different content"
    )


def test_a_locally_damaged_package_is_not_sent(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    bad_hash, bad_blob, good = outbox.add(3)
    outbox.entries[bad_hash.uuid] = replace(bad_hash, sha256="0" * 64)
    junk = b"not a package"
    outbox.entries[bad_blob.uuid] = replace(
        bad_blob, sealed=junk, sha256=hashlib.sha256(junk).hexdigest()
    )
    report = _agent(outbox, client, clock).run_once()
    assert (report.delivered, report.failed) == (1, 2)
    assert [str(u.uuid) for u in client.uploads] == [good.uuid]
    assert "no longer matches its SHA-256" in (outbox.entries[bad_hash.uuid].last_error or "")
    assert "not a sealed application" in (outbox.entries[bad_blob.uuid].last_error or "")
    assert outbox.entries[bad_blob.uuid].next_attempt_at is None


def test_package_sealed_for_another_uuid_is_not_sent(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    a, b = outbox.add(2)
    outbox.entries[a.uuid] = replace(a, sealed=b.sealed, sha256=b.sha256)
    _agent(outbox, client, clock).run_once()
    assert "another application UUID" in (outbox.entries[a.uuid].last_error or "")


def test_clock_must_be_aware(outbox: FakeOutbox, client: FakeClient) -> None:
    outbox.add(1)
    agent = SyncAgent(outbox, client, clock=lambda: dt.datetime(2026, 1, 1))
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


def test_store_satisfies_the_outbox_port() -> None:
    """kiosk.store.Store has every method the agent calls, with compatible signatures."""
    import inspect

    store_module = pytest.importorskip("kiosk.store")
    for name in (
        "due",
        "mark_uploading",
        "attachment_data",
        "mark_attachment_uploaded",
        "mark_attachments_missing",
        "mark_delivered",
        "mark_acknowledged",
        "mark_failed",
        "audit",
        "get_setting",
        "set_setting",
        "backlog",
        "purge_acknowledged",
    ):
        ours = inspect.signature(getattr(OutboxPort, name))
        theirs = inspect.signature(getattr(store_module.Store, name))
        assert list(ours.parameters) == list(theirs.parameters), name


def test_command_line_secrets_may_start_with_a_dash() -> None:
    from contract.cli import join_option_values
    from sync.agent import parse_args

    assert join_option_values(["--a", "-x", "--b", "-y", "--a"], ["--a"]) == [
        "--a=-x",
        "--b",
        "-y",
        "--a",
    ]
    args = parse_args(["--data-dir", "d", "--enrol-code", "-abc", "--server", "http://c"])
    assert args.enrol_code == "-abc"


# --- attachments ---------------------------------------------------------------------------------


def test_attachments_go_first_then_the_application(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    entry = outbox.add_with_attachments(b"page one", b"page two")
    sha1, sha2 = (a.sha256 for a in entry.attachments)
    agent = SyncAgent(outbox, client, clock=clock, chunk_size=1000)
    report = agent.run_once()
    assert report.delivered == 1
    assert client.attachments == [(sha1, 8, 1000), (sha2, 8, 1000)]
    assert outbox.calls == [
        ("uploading", entry.uuid),
        ("attachment", entry.uuid, sha1),
        ("attachment", entry.uuid, sha2),
        ("delivered", entry.uuid),
        ("acknowledged", entry.uuid, "PREF-2026-000001"),
    ]
    (upload,) = client.uploads
    assert upload.attachments == [sha1, sha2]


def test_an_entry_found_delivered_goes_straight_to_the_application(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    """A crash after every attachment was uploaded, before the application was sent."""
    entry = outbox.add_with_attachments(b"page")
    done = tuple(replace(a, uploaded_at=T0) for a in entry.attachments)
    outbox.entries[entry.uuid] = replace(entry, state="delivered", attachments=done)
    assert _agent(outbox, client, clock).run_once().delivered == 1
    assert client.attachments == []
    assert [c[0] for c in outbox.calls] == ["acknowledged"]


def test_only_attachments_not_yet_uploaded_are_sent(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    entry = outbox.add_with_attachments(b"one", b"two", b"three")
    first = replace(entry.attachments[0], uploaded_at=T0)
    outbox.entries[entry.uuid] = replace(
        entry, state="uploading", attachments=(first, *entry.attachments[1:])
    )
    _agent(outbox, client, clock).run_once()
    assert [a[0] for a in client.attachments] == [a.sha256 for a in entry.attachments[1:]]


def test_attachments_the_server_lost_are_sent_again(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    entry = outbox.add_with_attachments(b"one", b"two")
    lost = entry.attachments[1].sha256
    client.missing_once = [lost]
    report = _agent(outbox, client, clock).run_once()
    assert report.delivered == 1
    assert [a[0] for a in client.attachments] == [a.sha256 for a in entry.attachments] + [lost]
    assert ("missing", entry.uuid, (lost,)) in outbox.calls
    assert len(client.uploads) == 2
    assert outbox.entries[entry.uuid].state == "acknowledged"


def test_an_attachment_failing_its_hash_check_is_retried_later(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    entry = outbox.add_with_attachments(b"page")
    client.attachment_errors = [HashMismatchError("damaged in transit", status=422)]
    report = _agent(outbox, client, clock).run_once()
    assert report.stopped_reason == "transient"
    failed = outbox.entries[entry.uuid]
    assert failed.state == "failed" and failed.next_attempt_at is not None
    assert client.uploads == []  # the application waits for its attachments
    clock.now = failed.next_attempt_at
    assert _agent(outbox, client, clock).run_once().delivered == 1


def test_a_locally_damaged_attachment_needs_staff(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    entry = outbox.add_with_attachments(b"page")
    outbox.blobs[entry.attachments[0].sha256] = b"pagf"
    report = _agent(outbox, client, clock).run_once()
    assert (report.delivered, report.failed) == (0, 1)
    failed = outbox.entries[entry.uuid]
    assert failed.state == "failed" and failed.next_attempt_at is None
    assert "attachment no longer matches" in (failed.last_error or "")
    assert client.attachments == [] and client.uploads == []


def test_an_attachment_refused_by_the_server_needs_staff(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    first = outbox.add_with_attachments(b"huge")
    second = outbox.add(1)[0]
    client.attachment_errors = [RejectedError("too large", status=413)]
    report = _agent(outbox, client, clock).run_once()
    assert (report.delivered, report.failed, report.stopped_reason) == (1, 1, None)
    assert outbox.entries[first.uuid].last_error == "HTTP 413: too large"
    assert outbox.entries[second.uuid].state == "acknowledged"


def test_chunk_size_is_checked(outbox: FakeOutbox, client: FakeClient) -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        SyncAgent(outbox, client, chunk_size=0)
    with pytest.raises(ValueError, match="chunk_size"):
        SyncAgent(outbox, client, chunk_size=64 * 1024 * 1024)


# --- TLS, heartbeat, retention -------------------------------------------------------------------


def test_a_tls_failure_alerts_staff_and_keeps_the_entry(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    (entry,) = outbox.add(1)
    client.default = TLSError("certificate verify failed")
    report = _agent(outbox, client, clock).run_once()
    assert report.stopped_reason == "transient"
    assert outbox.settings["sync_alert"] == "tls"
    assert outbox.entries[entry.uuid].next_attempt_at is not None
    client.default = None
    clock.now += dt.timedelta(hours=2)
    assert _agent(outbox, client, clock).run_once().delivered == 1
    assert outbox.settings["sync_alert"] == ""


def test_heartbeat_reports_backlog_health_and_last_error(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    outbox.add(2)
    client.default = TransientError("down", status=503)
    agent = _agent(outbox, client, clock)
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
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    client.default = TransientError("down")
    assert _agent(outbox, client, clock).heartbeat() is False


def test_retention_purges_after_each_run(
    outbox: FakeOutbox, client: FakeClient, clock: Clock
) -> None:
    agent = SyncAgent(outbox, client, clock=clock, retention=dt.timedelta(days=7))
    assert agent.run_once().purged == 0
    assert outbox.purged_before == [T0 - dt.timedelta(days=7)]
    _agent(outbox, client, clock).run_once()  # no retention: no purge
    assert len(outbox.purged_before) == 1
