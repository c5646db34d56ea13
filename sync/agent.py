"""The outbox agent: delivers sealed applications to the central API. The loop around it,
for the kiosk's sync thread and the ``kiosk-sync`` service alike, is
``kiosk.link.sync_runner.SyncRunner``.

One run (:meth:`SyncAgent.run_once`) takes the due entries, oldest first, one at a time:

1. ``mark_uploading``; each attachment not yet known to be complete is uploaded in chunks
   (``PUT /v1/attachments/{sha256}`` with ``Content-Range``), resuming from the offset the
   server reports (``GET``), then ``mark_attachment_uploaded``;
2. ``mark_delivered`` once every attachment is complete at the server;
3. ``PUT /v1/applications/{uuid}`` -> ``mark_acknowledged`` with the central reference.

Every step is safe to repeat: attachments are content-addressed (a complete one is a no-op)
and the UUID is the idempotency key, so an entry left "uploading" or "delivered" by a crash
is simply taken up again and the server answers with the same receipt. If the server says
attachments are missing (409), they are marked for upload again and sent once more.

What happens on failure depends on the error class (:mod:`sync.client`):

* ``TransientError`` (network down, timeout, 5xx, 429): the entry is marked failed with a
  retry time (see :func:`backoff`) and the run **stops**: the next entries would fail too.
* ``AuthError`` (401/403): not the entry's fault. The entry is left as it is ("uploading",
  which the outbox treats as due), ``sync_auth_failed`` is audited, the setting
  ``sync_alert`` is set to ``"auth"`` for staff, and the run stops.
* ``RejectedError`` (409, 422, ...): permanent. The entry is marked failed with the server's
  explanation and no retry time (it waits for staff); the run continues.
* ``TLSError`` (a transient error): as transient, and ``sync_alert`` is set to ``"tls"``.

After the run, acknowledged entries older than the retention delay are purged (with their
sealed package and attachments), when the agent has one. :meth:`SyncAgent.heartbeat` sends
the kiosk's version, backlog by state, device health and last error to the central API.

Overlapping runs (the kiosk's own sync thread and a ``kiosk-sync`` service) are prevented
by :func:`agent_lock`, an exclusive non-blocking ``flock`` on ``data_dir/sync.lock``.

Logs carry counts, states and error classes, never personal data (the agent cannot read
the sealed packages anyway).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import logging
import os
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from contract.protocol import (
    DEFAULT_CHUNK_BYTES,
    MAX_CHUNK_BYTES,
    ApplicationUpload,
    Heartbeat,
    KioskState,
)
from contract.sealing import SealError, read_header, sha256_hex
from contract.states import OutboxState
from sync import __version__
from sync.client import (
    AuthError,
    CentralClient,
    CentralError,
    IncompleteError,
    RejectedError,
    TLSError,
    TransientError,
)

log = logging.getLogger("kiosk.sync")

LOCK_FILE = "sync.lock"  # in the kiosk's data directory: one agent at a time

SYNC_ALERT = "sync_alert"
ALERT_AUTH = "auth"
ALERT_TLS = "tls"

BACKOFF_BASE_S = 30.0
BACKOFF_FACTOR = 2.0
BACKOFF_CAP_S = 3600.0


# --- the outbox, as the agent sees it -------------------------------------------------------


class AttachmentInfo(Protocol):
    """A sealed attachment of an entry (``kiosk.store.AttachmentInfo`` satisfies it)."""

    @property
    def sha256(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def uploaded_at(self) -> dt.datetime | None: ...


class OutboxEntry(Protocol):
    """One outbox row (``kiosk.store.OutboxEntry`` satisfies it)."""

    @property
    def uuid(self) -> str: ...
    @property
    def local_reference(self) -> str: ...
    @property
    def procedure_id(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def sealed(self) -> bytes: ...
    @property
    def size(self) -> int: ...
    @property
    def sha256(self) -> str: ...
    @property
    def created_at(self) -> dt.datetime: ...
    @property
    def attempts(self) -> int: ...
    @property
    def last_error(self) -> str | None: ...
    @property
    def central_reference(self) -> str | None: ...
    @property
    def attachments(self) -> Sequence[AttachmentInfo]: ...


class OutboxPort(Protocol):
    """What the agent needs of the kiosk store's outbox (``kiosk.store.Outbox`` satisfies it).

    ``due`` returns, oldest first, the entries to send now: never sent, left "uploading"
    (a crash or an interrupted run: sending again is safe) and failed ones whose retry time
    has come. Failed entries with no retry time wait for staff and are not due.
    """

    def due(self, now: dt.datetime, limit: int = 50) -> Sequence[OutboxEntry]: ...
    def mark_uploading(self, uuid: str, now: dt.datetime) -> None: ...
    def attachment_data(self, uuid: str, sha256: str) -> bytes: ...
    def mark_attachment_uploaded(self, uuid: str, sha256: str, now: dt.datetime) -> None: ...
    def mark_attachments_missing(self, uuid: str, sha256s: Sequence[str]) -> None: ...
    def mark_delivered(self, uuid: str, now: dt.datetime) -> None: ...
    def mark_acknowledged(self, uuid: str, central_reference: str, now: dt.datetime) -> None: ...
    def mark_failed(
        self, uuid: str, reason: str, now: dt.datetime, retry_at: dt.datetime | None
    ) -> None: ...
    def backlog(self) -> dict[str, int]: ...
    def purge_acknowledged(self, older_than: dt.datetime) -> int: ...


class AuditPort(Protocol):
    """The store's audit trail (``kiosk.store.AuditTrail``)."""

    def record(self, event: str, now: dt.datetime, **detail: str | int | bool) -> None: ...


class SettingsPort(Protocol):
    """The store's small settings (``kiosk.store.LocalSettings``): the alert for staff."""

    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str) -> None: ...


class SyncStore(Protocol):
    """The kiosk's store as the agent sees it (``kiosk.store.Store`` satisfies it)."""

    @property
    def outbox(self) -> OutboxPort: ...
    @property
    def audit_trail(self) -> AuditPort: ...
    @property
    def settings(self) -> SettingsPort: ...


class Uploader(Protocol):
    """The part of :class:`sync.client.CentralClient` the agent uses."""

    def put_application(self, upload: ApplicationUpload) -> Any: ...
    def upload_attachment(self, blob: bytes, *, sha256: str, chunk_size: int) -> Any: ...
    def heartbeat(self, beat: Heartbeat) -> Any: ...


# --- policy ---------------------------------------------------------------------------------


def backoff(
    attempts: int,
    rng: random.Random,
    *,
    base: float = BACKOFF_BASE_S,
    factor: float = BACKOFF_FACTOR,
    cap: float = BACKOFF_CAP_S,
) -> dt.timedelta:
    """Delay before retrying an entry whose ``attempts``-th attempt just failed (1 = first).

    Exponential backoff with *full jitter*: a uniform draw in
    ``[0, min(cap, base * factor ** (attempts - 1))]``, i.e. up to 30 s after the first
    failure, 60 s after the second, ... and never more than one hour (reached after the
    8th). The jitter spreads the retries of many kiosks after a central outage; the cap
    keeps a kiosk that was offline for days trying at least hourly (nothing is ever given
    up: an application must not be lost).
    """
    n = max(1, attempts)
    ceiling = min(cap, base * factor ** min(n - 1, 64))
    return dt.timedelta(seconds=rng.uniform(0.0, ceiling))


@dataclass(frozen=True)
class SyncReport:
    delivered: int
    failed: int
    remaining: int  # entries still due at the end of the run (at most the batch limit)
    stopped_reason: str | None  # None, "transient", "auth"
    purged: int = 0  # acknowledged entries deleted after the retention delay


class AlreadyRunning(RuntimeError):
    """Another sync run holds the lock."""


@contextlib.contextmanager
def agent_lock(path: Path | str) -> Iterator[None]:
    """Hold an exclusive, non-blocking ``flock`` on ``path`` (created 0600) for the block.

    Raises :class:`AlreadyRunning` at once if another process (or another open of the same
    file in this process) holds it. The lock dies with the process: no stale lock files.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise AlreadyRunning(f"another sync run holds {path}") from None
            raise
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _rejection_reason(exc: RejectedError) -> str:
    """The server's explanation, for staff: status, sentence, and the faulty field names."""
    text = f"HTTP {exc.status}: {exc.detail}" if exc.status else exc.detail
    if exc.errors:
        text += " [" + "; ".join(f"{e.field}: {e.message}" for e in exc.errors[:10]) + "]"
    return text


class SyncAgent:
    def __init__(
        self,
        store: SyncStore,
        client: Uploader | CentralClient,
        *,
        clock: Callable[[], dt.datetime] = _utcnow,
        rng: random.Random | None = None,
        batch_size: int = 50,
        chunk_size: int = DEFAULT_CHUNK_BYTES,
        retention: dt.timedelta | None = None,
    ) -> None:
        """``chunk_size``: bytes per attachment chunk. ``retention``: acknowledged entries
        older than this are purged after each run (None: never, by this agent)."""
        if not 1 <= chunk_size <= MAX_CHUNK_BYTES:
            raise ValueError(f"chunk_size must be between 1 and {MAX_CHUNK_BYTES} bytes")
        self.outbox = store.outbox
        self.audit = store.audit_trail
        self.alerts = store.settings
        self.client = client
        self.clock = clock
        self.rng = rng or random.Random()
        self.batch_size = batch_size
        self.chunk_size = chunk_size
        self.retention = retention
        self.last_error: str | None = None  # for the heartbeat: class and status only

    def _now(self) -> dt.datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the agent's clock must return an aware datetime")
        return now.astimezone(dt.UTC)

    def _upload(self, entry: OutboxEntry) -> ApplicationUpload:
        """The wire form of an entry; SealError/ValueError if the local copy is damaged."""
        if sha256_hex(entry.sealed) != entry.sha256:
            raise ValueError("the sealed package no longer matches its SHA-256 (local damage)")
        header = read_header(entry.sealed)
        if str(header.uuid) != str(entry.uuid):
            raise ValueError("the sealed package belongs to another application UUID")
        return ApplicationUpload.build(
            uuid=entry.uuid,
            procedure_id=entry.procedure_id,
            kiosk_reference=entry.local_reference,
            created_at=entry.created_at,
            sealing_format=header.version,
            sealed=entry.sealed,
            attachments=[a.sha256 for a in getattr(entry, "attachments", ())],
        )

    def run_once(self) -> SyncReport:
        """Deliver what is due; see the module docstring for the failure policy."""
        delivered = failed = 0
        stopped: str | None = None
        seen: set[str] = set()
        while stopped is None:
            batch = [e for e in self.outbox.due(self._now(), self.batch_size) if e.uuid not in seen]
            if not batch:
                break
            for entry in batch:
                seen.add(entry.uuid)
                outcome = self._deliver(entry)
                if outcome == "delivered":
                    delivered += 1
                elif outcome == "failed":
                    failed += 1
                else:
                    if outcome == "transient":
                        failed += 1
                    stopped = outcome
                    break
        remaining = len(self.outbox.due(self._now(), self.batch_size))
        purged = 0
        if self.retention is not None:
            purged = self.outbox.purge_acknowledged(self._now() - self.retention)
            if purged:
                self.audit.record("outbox_purged", self._now(), count=purged)
        report = SyncReport(delivered, failed, remaining, stopped, purged)
        if delivered or failed or stopped or purged:
            log.info(
                "sync run: %d delivered, %d failed, %d still due%s%s",
                delivered,
                failed,
                remaining,
                f", stopped ({stopped})" if stopped else "",
                f", {purged} purged after retention" if purged else "",
            )
        return report

    def heartbeat(
        self,
        device_health: dict[str, str] | None = None,
        *,
        software_version: str = __version__,
        state: str | None = None,
        screen: str | None = None,
        language: str | None = None,
        site: str | None = None,
        **fleet: Any,
    ) -> bool:
        """Tell the central API how this kiosk is (never personal data): version, backlog,
        device health, last error and, from the kiosk application, its state (idle,
        in_use, help_requested, assisted, out_of_service), screen and language. False if
        it could not be sent (the next round tries again); never raises for a network
        problem."""
        beat = Heartbeat(
            software_version=software_version,
            sent_at=self._now(),
            backlog=self.outbox.backlog(),
            device_health=dict(device_health or {}),
            last_error=self.last_error,
            state=KioskState(state) if state else None,
            screen=screen,
            language=language,
            site=site,
            **fleet,  # out_of_service_message/_by, assisted_by, last_sync_ok_at (issue 16)
        )
        try:
            self.client.heartbeat(beat)
        except CentralError as exc:
            log.info("heartbeat not sent: %s", type(exc).__name__)
            return False
        return True

    def _transient(self, entry: OutboxEntry, exc: TransientError) -> str:
        now = self._now()
        delay = backoff(entry.attempts + 1, self.rng)
        if exc.retry_after is not None:
            delay = max(delay, dt.timedelta(seconds=min(exc.retry_after, BACKOFF_CAP_S)))
        self.outbox.mark_failed(entry.uuid, str(exc), now, now + delay)
        self.last_error = f"{type(exc).__name__}" + (f" HTTP {exc.status}" if exc.status else "")
        if isinstance(exc, TLSError):
            self.alerts.set(SYNC_ALERT, ALERT_TLS)
            log.error("TLS with the central API failed: %s", exc.detail)
        log.warning(
            "central API unreachable (%s); next try of %s in %d s",
            f"HTTP {exc.status}" if exc.status else type(exc).__name__,
            entry.local_reference,
            delay.total_seconds(),
        )
        return "transient"

    def _send_attachments(self, entry: OutboxEntry) -> None:
        """Upload every attachment not known to be complete; raises the client's errors,
        or ValueError if the local copy is damaged."""
        for info in entry.attachments:
            if info.uploaded_at is not None:
                continue
            blob = self.outbox.attachment_data(entry.uuid, info.sha256)
            if sha256_hex(blob) != info.sha256:
                raise ValueError("a sealed attachment no longer matches its SHA-256 (local damage)")
            self.client.upload_attachment(blob, sha256=info.sha256, chunk_size=self.chunk_size)
            self.outbox.mark_attachment_uploaded(entry.uuid, info.sha256, self._now())

    def _deliver(self, entry: OutboxEntry) -> str:
        now = self._now()
        try:
            upload = self._upload(entry)
        except (SealError, ValueError) as exc:
            # Sending it cannot help, nor can retrying: staff must look.
            self.outbox.mark_failed(entry.uuid, f"local package unusable: {exc}", now, None)
            self.audit.record("sync_rejected", now, uuid=entry.uuid, reason="local", status=0)
            log.error("outbox entry %s is damaged: %s", entry.local_reference, exc)
            return "failed"

        try:
            receipt = self._send(entry, upload)
        except ValueError as exc:  # a local attachment is damaged
            now = self._now()
            self.outbox.mark_failed(entry.uuid, f"local package unusable: {exc}", now, None)
            self.audit.record("sync_rejected", now, uuid=entry.uuid, reason="local", status=0)
            log.error("outbox entry %s is damaged: %s", entry.local_reference, exc)
            return "failed"
        except TransientError as exc:
            return self._transient(entry, exc)
        except AuthError as exc:
            now = self._now()
            # Not the entry's fault: it stays "uploading", which is due, and goes first
            # once the kiosk is allowed again.
            self.audit.record("sync_auth_failed", now, status=exc.status or 0)
            self.alerts.set(SYNC_ALERT, ALERT_AUTH)
            self.last_error = f"AuthError HTTP {exc.status}"
            log.error("the central API refuses this kiosk's token: %s", exc.detail)
            return "auth"
        except RejectedError as exc:
            now = self._now()
            self.outbox.mark_failed(entry.uuid, _rejection_reason(exc), now, None)
            self.last_error = f"RejectedError HTTP {exc.status}"
            self.audit.record(
                "sync_rejected", now, uuid=entry.uuid, reason="server", status=exc.status or 0
            )
            log.error(
                "central API rejected %s (HTTP %s); it needs staff",
                entry.local_reference,
                exc.status,
            )
            return "failed"

        now = self._now()
        self.outbox.mark_acknowledged(entry.uuid, receipt.central_reference, now)
        self.audit.record(
            "sync_delivered", now, uuid=entry.uuid, central_reference=receipt.central_reference
        )
        if self.alerts.get(SYNC_ALERT):
            self.alerts.set(SYNC_ALERT, "")
        self.last_error = None
        return "delivered"

    def _send(self, entry: OutboxEntry, upload: ApplicationUpload) -> Any:
        """Attachments, then the application; returns the receipt. An entry already
        "delivered" (a crash after its attachments) goes straight to the application."""
        pending = [a for a in entry.attachments if a.uploaded_at is None]
        if entry.state != OutboxState.DELIVERED or pending:
            self.outbox.mark_uploading(entry.uuid, self._now())
            self._send_attachments(entry)
            self.outbox.mark_delivered(entry.uuid, self._now())
        try:
            return self.client.put_application(upload)
        except IncompleteError as exc:
            # The server lost (or never completed) some attachments: send them again, once.
            log.warning(
                "central API lacks %d attachment(s) of %s; sending them again",
                len(exc.missing),
                entry.local_reference,
            )
            self.outbox.mark_attachments_missing(entry.uuid, exc.missing)
            self.outbox.mark_uploading(entry.uuid, self._now())
            for info in entry.attachments:
                if info.sha256 in exc.missing:
                    blob = self.outbox.attachment_data(entry.uuid, info.sha256)
                    self.client.upload_attachment(
                        blob, sha256=info.sha256, chunk_size=self.chunk_size
                    )
                    self.outbox.mark_attachment_uploaded(entry.uuid, info.sha256, self._now())
            self.outbox.mark_delivered(entry.uuid, self._now())
            try:
                return self.client.put_application(upload)
            except IncompleteError as again:
                raise TransientError(
                    f"the central API still lacks {len(again.missing)} attachment(s)",
                    status=409,
                ) from None
