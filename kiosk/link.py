"""The kiosk's link to the central API, Qt-free: sealing submissions (and their scanned
pages) with the central API's public key, the kiosk's state for the desk, and the sync loop
(:class:`SyncRunner`) that the app's background thread (:class:`SyncThread`) and the
``kiosk-sync`` service (:func:`sync_main`) both run.

The GUI never waits for the network: a submission is sealed and written to the outbox,
then the sync loop delivers it, now or when the network comes back. Each round it also
sends a heartbeat (version, backlog, device health) and applies the retention rules.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import random
import signal
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.demo import DemoCentral

log = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def central_address(settings: Any, enrolment: Any = None) -> str:
    """The central API's address, one rule for the whole kiosk (sync, sign-in, help calls,
    status lookups, kiosk-health): ``central_url`` when it was set (kiosk.toml, the
    environment, admin mode's Réglages), else where the kiosk was enrolled, else the
    default. Admin mode's enrolment writes the address it enrolled with as ``central_url``,
    so the two never disagree."""
    fields: set[str] = getattr(settings, "model_fields_set", set())
    if enrolment is not None and "central_url" not in fields:
        return str(enrolment.server_url)
    return str(settings.central_url)


def enrolment_of(settings: Any) -> Any:
    """The kiosk's enrolment, or None (not enrolled, or unreadable)."""
    from sync.enrolment import Enrolment

    path = settings.enrolment_file
    try:
        return Enrolment.load(path) if path.exists() else None
    except Exception:
        return None


LAST_SYNC_FILE = "last_sync.json"


def write_last_sync(data_dir: Path, at: dt.datetime) -> None:
    """When a sync round last reached the central API (atomically; no personal data)."""
    path = data_dir / LAST_SYNC_FILE
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({"last_sync_ok_at": at.isoformat()}), encoding="utf-8")
    os.replace(tmp, path)


def read_last_sync(data_dir: Path) -> dt.datetime | None:
    try:
        data = json.loads((data_dir / LAST_SYNC_FILE).read_text(encoding="utf-8"))
        return dt.datetime.fromisoformat(data["last_sync_ok_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


class NotEnrolledError(RuntimeError):
    """The kiosk has no central API key yet: it cannot seal an application."""


class SubmitStore(Protocol):
    """What :meth:`Sealer.submit` needs from ``kiosk.store.Store``: its ``pages`` (``of``)
    and ``outbox`` (``enqueue``)."""

    @property
    def pages(self) -> Any: ...
    @property
    def outbox(self) -> Any: ...


class Sealer:
    """Seals an application payload to the central API's public key (from the enrolment)."""

    def __init__(self, enrolment_file: Path) -> None:
        self._file = enrolment_file
        self._key: bytes | None = None

    def _public_key(self) -> bytes:
        if self._key is None:
            from sync.enrolment import Enrolment

            if not self._file.exists():
                raise NotEnrolledError("this kiosk is not enrolled with the central API yet")
            self._key = Enrolment.load(self._file).public_key_raw
        return self._key

    def __call__(self, uuid: str, payload: dict[str, Any]) -> bytes:
        from contract import sealing

        return sealing.seal(self._public_key(), uuid, payload)

    def seal_attachment(self, uuid: str, document_id: str, page_no: int, data: bytes) -> bytes:
        from contract import sealing

        att_id = sealing.attachment_id(document_id, page_no)
        return sealing.seal_attachment(self._public_key(), uuid, att_id, data)

    def submit(
        self,
        store: SubmitStore,
        uuid: str,
        procedure_id: str,
        payload: dict[str, Any],
        now: dt.datetime,
    ) -> Any:
        """Seal the application *and its scanned pages* and put them in the outbox; the
        clear draft and pages are wiped in the same transaction. Runs on the store worker.

        Each page is sealed on its own (bound to the UUID, the document and the page
        number); the payload lists them (document, page, SHA-256 of the sealed bytes,
        size, content type) before it is sealed in turn. Returns the outbox entry."""
        from contract import sealing

        blobs: list[bytes] = []
        listing: list[dict[str, Any]] = []
        for page in store.pages.of(uuid):
            blob = self.seal_attachment(uuid, page.document_id, page.page_no, page.data)
            blobs.append(blob)
            listing.append(
                {
                    "document_id": page.document_id,
                    "page_no": page.page_no,
                    "sha256": sealing.sha256_hex(blob),
                    "size": len(blob),
                    "content_type": page.content_type,
                }
            )
        sealed = self(uuid, {**payload, "attachments": listing})
        return store.outbox.enqueue(uuid, procedure_id, sealed, now, attachments=blobs)

    def forget(self) -> None:
        self._key = None


# --- the kiosk's state, for the desk and the fleet view ---------------------------------------

KIOSK_STATES = ("idle", "in_use", "help_requested", "assisted", "out_of_service")
DeviceHealth = dict[str, dict[str, Any]]  # name -> {"ok": bool, "detail": str}


@dataclass(frozen=True)
class SyncRound:
    """How a sync round went (admin mode shows it, the heartbeat carries the last success).

    ``outcome``: "sent" (delivered what was due, maybe nothing), "transient" (the central
    API could not be reached: retried later), "auth" (it refused this kiosk's token),
    "busy" (another agent holds the lock), "not_enrolled" or "error"."""

    outcome: str
    at: dt.datetime
    delivered: int = 0
    failed: int = 0
    remaining: int = 0


@dataclass(frozen=True)
class StatusSnapshot:
    """What the heartbeat says about the kiosk (never personal data)."""

    state: str  # one of KIOSK_STATES: the most important one wins
    screen: str | None
    language: str | None
    out_of_service_message: str | None
    device_health: DeviceHealth
    assisted_by: str | None = None  # the mediator's name shown on the banner
    out_of_service_by: str | None = None  # who set it (staff identifier, or the desk's person)
    last_sync: SyncRound | None = None  # the last round, whatever its outcome
    last_sync_ok_at: dt.datetime | None = None  # the last round that reached the central API
    sync_rounds: int = 0  # rounds since the start (admin mode waits for the next one)

    def health_for_wire(self) -> dict[str, str]:
        """``{"camera": "ok", "disk": "fault: 300 MB free"}``: "ok" (or "ok: detail") when
        the device works, "fault: detail" when it does not (the heartbeat's convention)."""
        out: dict[str, str] = {}
        for name, item in self.device_health.items():
            detail = str(item.get("detail", "")).strip()
            if item.get("ok"):
                out[name] = f"ok: {detail}" if detail else "ok"
            else:
                out[name] = f"fault: {detail}" if detail else "fault"
        return out


class KioskStatus:
    """The kiosk's state as the desk sees it, thread-safe: the GUI writes it, the sync
    thread's heartbeat reads it.

    ``set_state`` takes the applicant-facing state ("idle", "in_use", "assisted"); a help
    call ("help_requested", :meth:`set_help_requested`) and out of service
    (:meth:`set_out_of_service`) are layered on top, so that whoever sets one does not
    undo another: out of service > assisted > help requested > in use / idle.
    ``on_change`` (if given) is called, from the writer's thread, when the resulting
    state changes (e.g. to wake the sync thread so that the desk learns it at once)."""

    def __init__(self, on_change: Callable[[str], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._state = "idle"
        self._help = False
        self._oos: str | None = None
        self._oos_by: str | None = None
        self._screen: str | None = None
        self._language: str | None = None
        self._health: DeviceHealth = {}
        self._assisted_by: str | None = None
        self._last_sync: SyncRound | None = None
        self._last_sync_ok_at: dt.datetime | None = None
        self._sync_rounds = 0
        self.on_change = on_change

    def _effective(self) -> str:
        if self._oos is not None:
            return "out_of_service"
        if self._state == "assisted":
            return "assisted"
        if self._help:
            return "help_requested"
        return self._state

    def _update(self, change: Callable[[], None]) -> None:
        with self._lock:
            before = self._effective()
            change()
            after = self._effective()
        if after != before and self.on_change is not None:
            try:
                self.on_change(after)
            except Exception:
                log.exception("kiosk status listener failed")

    def set_state(
        self, state: str, *, screen: str | None = None, language: str | None = None
    ) -> None:
        """``state``: one of :data:`KIOSK_STATES` ("help_requested" and "out_of_service"
        are the same as :meth:`set_help_requested` / :meth:`set_out_of_service`)."""
        if state not in KIOSK_STATES:
            raise ValueError(f"unknown kiosk state {state!r}; one of {KIOSK_STATES}")

        def change() -> None:
            if state == "help_requested":
                self._help = True
            elif state == "out_of_service":
                self._oos = self._oos or ""
            else:
                self._state = state
            if screen is not None:
                self._screen = screen
            if language is not None:
                self._language = language

        self._update(change)

    def set_screen(self, screen: str | None, language: str | None = None) -> None:
        def change() -> None:
            self._screen = screen
            if language is not None:
                self._language = language

        self._update(change)

    def set_help_requested(self, on: bool) -> None:
        def change() -> None:
            self._help = on

        self._update(change)

    def set_out_of_service(self, message: str | None, by: str | None = None) -> None:
        """A message (may be empty) puts the kiosk out of service; None puts it back.
        ``by``: who set it, for the fleet view."""

        def change() -> None:
            self._oos = message
            self._oos_by = by[:120] if by and message is not None else None

        self._update(change)

    def set_assisted_by(self, name: str | None) -> None:
        """Who assists (the mediator's name, as on the banner), for the desk; None: nobody."""

        def change() -> None:
            self._assisted_by = name[:120] if name else None

        self._update(change)

    def record_sync(self, round_: SyncRound) -> None:
        """A sync round ended (from the sync thread)."""
        with self._lock:
            self._last_sync = round_
            self._sync_rounds += 1
            if round_.outcome == "sent":
                self._last_sync_ok_at = round_.at

    def set_device_health(self, health: DeviceHealth) -> None:
        """``{"camera": {"ok": True, "detail": ""}, ...}`` (replaces the previous one)."""
        clean = {
            str(k): {"ok": bool(v.get("ok")), "detail": str(v.get("detail", ""))[:150]}
            for k, v in health.items()
        }

        def change() -> None:
            self._health = clean

        self._update(change)

    @property
    def state(self) -> str:
        with self._lock:
            return self._effective()

    def snapshot(self) -> StatusSnapshot:
        with self._lock:
            return StatusSnapshot(
                state=self._effective(),
                screen=self._screen,
                language=self._language,
                out_of_service_message=self._oos,
                out_of_service_by=self._oos_by,
                device_health={k: dict(v) for k, v in self._health.items()},
                assisted_by=self._assisted_by,
                last_sync=self._last_sync,
                last_sync_ok_at=self._last_sync_ok_at,
                sync_rounds=self._sync_rounds,
            )


# --- the sync loop: one runner, one policy ----------------------------------------------------


def round_pause(failures: int, interval: float, rng: random.Random, cap: float) -> float:
    """Seconds before the next round: ``interval`` after a good round; after ``failures``
    bad ones in a row (a refused token, an unexpected error) twice as long each time, with
    jitter (between half and all of it, so that kiosks refused together do not knock together)
    and never more than ``cap``."""
    if failures <= 0:
        return interval
    ceiling = min(cap, interval * 2.0 ** min(failures, 32))
    return ceiling / 2 + rng.uniform(0.0, ceiling / 2)


class SyncRunner:
    """The sync loop of the kiosk application's thread (:class:`SyncThread`) and of the
    ``kiosk-sync`` service (:func:`sync_main`), with one policy:

    - each round, under the sync lock (one agent at a time per data directory): deliver
      what is due (``sync.agent.SyncAgent``, which purges acknowledged applications after
      ``acknowledged_retention_days``), then a heartbeat; when another agent holds the
      lock, only the heartbeat, if this runner knows the kiosk's state (the application);
    - then the local retention rules: drafts saved for later once their time is up, the
      others after ``draft_retention_days``; audit events after ``audit_retention_days``;
    - between rounds ``sync_interval_s``; after a refused token (the agent stops its run on
      an authentication error) or a failed round, a pause doubling with jitter up to an
      hour (:func:`round_pause`): a kiosk whose token was revoked does not knock every 30 s;
    - one HTTP client per enrolment, kept between rounds, closed by :meth:`close` (and when
      the kiosk is enrolled anew).

    The central API is ``server`` if given (``kiosk-sync --server``), the demo's, the
    configured ``central_url``, else the one the kiosk was enrolled with."""

    def __init__(
        self,
        settings: Settings,
        store: Any,
        *,
        demo: DemoCentral | None = None,
        server: str | None = None,
        status: KioskStatus | None = None,
        device_health: Callable[[], dict[str, str]] | None = None,
        on_report: Callable[[Any], None] | None = None,
        on_enrolled: Callable[[], None] | None = None,
        heartbeat: bool = True,
        chunk_size: int | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        """``device_health``: called each round for the heartbeat, e.g.
        ``{"printer": "ok", "scanner": "no paper"}`` (never personal data). ``status``:
        the kiosk's state, screen, language and device health, sent with each heartbeat."""
        self.settings = settings
        self.store = store
        self.demo = demo
        self.server = server
        self.status = status
        self.device_health = device_health
        self.on_report = on_report
        self.on_enrolled = on_enrolled
        # The desk's remote actions (kiosk.remote): handed to the application, which alone
        # can carry them out; their outcomes go back with the next heartbeat.
        self.on_commands: Callable[[list[Any]], None] | None = None
        self._outcomes: list[tuple[Any, bool, str]] = []
        self._outcomes_lock = threading.Lock()
        self.heartbeat = heartbeat
        self.chunk_size = chunk_size
        self.clock = clock
        self.rng = rng or random.Random()
        self.failures = 0  # bad rounds in a row
        self.last_outcome: str | None = None  # "delivered", "auth", "busy", "error", ...
        self._enrolment: Any = None
        self._enrolment_stamp: tuple[float, int] | None = None
        self._client: Any = None
        self._agent: Any = None

    # --- the central API ----------------------------------------------------------------
    def server_url(self, enrolment: Any = None) -> str:
        if self.server:
            return self.server
        if self.demo is not None:
            return self.demo.url
        return central_address(self.settings, enrolment)

    def new_client(self, token: str | None, enrolment: Any = None) -> Any:
        """A ``sync.client.CentralClient`` for this kiosk (TLS and timeouts from the
        settings); the caller closes it."""
        from sync.client import CentralClient

        cert, key = self.settings.client_cert, self.settings.client_key
        return CentralClient(
            self.server_url(enrolment),
            token,
            ca_bundle=str(self.settings.ca_bundle) if self.settings.ca_bundle else None,
            client_cert=(cert, key) if cert and key else cert,
            connect_timeout=self.settings.connect_timeout_s,
            read_timeout=self.settings.read_timeout_s,
        )

    def enrolment(self) -> Any | None:
        """This kiosk's enrolment (read again when the file changes: enrolled anew by staff),
        or None. With the demo central API, the kiosk enrols itself."""
        from sync.enrolment import Enrolment, enrol

        path = self.settings.enrolment_file
        try:
            st = path.stat()
            stamp: tuple[float, int] | None = (st.st_mtime, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp is not None and stamp == self._enrolment_stamp:
            return self._enrolment
        enrolment = Enrolment.load(path) if stamp is not None else None
        if self.demo is not None and (enrolment is None or not self._token_works(enrolment)):
            with self.new_client(None) as anonymous:
                enrolment = enrol(
                    anonymous,
                    self.demo.enrolment_code,
                    self.settings.kiosk_name,
                    path,
                    site=getattr(self.settings, "site_name", None),
                )
            log.info("kiosk enrolled with the demo central API as %s", enrolment.kiosk_id)
            if self.on_enrolled:
                self.on_enrolled()
            st = path.stat()
            stamp = (st.st_mtime, st.st_size)
        if enrolment is None or self._enrolment is None or enrolment.token != self._enrolment.token:
            self._drop_client()
        self._enrolment, self._enrolment_stamp = enrolment, stamp
        return enrolment

    def _token_works(self, enrolment: Any) -> bool:
        from sync.client import AuthError

        try:
            with self.new_client(enrolment.token, enrolment) as client:
                client.get_application("00000000-0000-4000-8000-000000000000")
        except AuthError:
            return False
        except Exception:
            return True
        return True

    def agent(self, enrolment: Any) -> Any:
        """The sync agent of this enrolment (one client, kept between rounds)."""
        from sync.agent import SyncAgent

        if self._agent is None:
            self._client = self.new_client(enrolment.token, enrolment)
            options: dict[str, Any] = {}
            if self.chunk_size is not None:
                options["chunk_size"] = self.chunk_size
            self._agent = SyncAgent(
                self.store,
                self._client,
                clock=self.clock,
                retention=dt.timedelta(days=self.settings.acknowledged_retention_days),
                **options,
            )
        return self._agent

    def _drop_client(self) -> None:
        client, self._client, self._agent = self._client, None, None
        if client is not None:
            client.close()

    def close(self) -> None:
        """Close the HTTP client (its connections)."""
        self._drop_client()

    # --- one round ----------------------------------------------------------------------
    def _health(self) -> dict[str, str]:
        health = self.status.snapshot().health_for_wire() if self.status is not None else {}
        if self.device_health is None:
            return health
        try:
            return {**health, **self.device_health()}
        except Exception:
            log.exception("device health could not be read")
            return {**health, "health": "unavailable"}

    def _heartbeat(self, agent: Any) -> None:
        site = getattr(self.settings, "site_name", None)
        if self.status is None:
            agent.heartbeat(self._health(), site=site)
            return
        snap = self.status.snapshot()
        beat = agent.heartbeat(
            self._health(),
            state=snap.state,
            screen=snap.screen,
            language=snap.language,
            site=site,
            out_of_service_message=(snap.out_of_service_message or "")[:300] or None,
            out_of_service_by=snap.out_of_service_by if snap.state == "out_of_service" else None,
            assisted_by=snap.assisted_by,
            last_sync_ok_at=snap.last_sync_ok_at or read_last_sync(self.settings.data_dir),
        )
        if beat is not False and self.on_commands is not None:
            try:  # never slows delivery down: the next heartbeat tries again
                self._exchange_commands(agent.client)
            except Exception:
                log.exception("the desk's actions could not be fetched; will retry")

    def report_command(self, command_id: Any, ok: bool, detail: str = "") -> None:
        """An action's outcome (any thread), sent with the next heartbeat."""
        with self._outcomes_lock:
            self._outcomes.append((command_id, ok, detail))

    def _exchange_commands(self, client: Any) -> None:
        from kiosk.remote import fetch_commands, report_command
        from sync.client import RejectedError

        with self._outcomes_lock:
            outcomes, self._outcomes = self._outcomes, []
        for i, (command_id, ok, detail) in enumerate(outcomes):
            try:
                report_command(client, command_id, ok, detail)
            except RejectedError:
                log.warning("the central API refused the outcome of action %s", command_id)
            except Exception:
                log.exception("reporting a desk action failed; will retry")
                with self._outcomes_lock:
                    self._outcomes[:0] = outcomes[i:]
                return
        commands = fetch_commands(client)
        if commands and self.on_commands is not None:
            self.on_commands(commands)

    def purge_drafts(self) -> int:
        """Drafts saved for later once their time is up, the others after
        ``draft_retention_days``; returns how many."""
        now = self.clock()
        stale = self.settings.draft_retention_days
        drafts = int(self.store.drafts.purge_expired(now))
        drafts += int(self.store.drafts.purge_older_than(now - dt.timedelta(days=stale)))
        if drafts:
            log.info("%d draft(s) deleted (saved-for-later time up, or %d days old)", drafts, stale)
        return drafts

    def purge_preview(self) -> PurgePreview:
        """What :meth:`purge` would delete now (admin mode shows it before staff confirm)."""
        now = self.clock()
        received_before = now - dt.timedelta(days=self.settings.acknowledged_retention_days)
        drafts_before = now - dt.timedelta(days=self.settings.draft_retention_days)
        return PurgePreview(
            received=int(self.store.outbox.count_acknowledged(received_before)),
            received_before=received_before,
            drafts=int(self.store.drafts.count_purgeable(now, drafts_before)),
            drafts_before=drafts_before,
        )

    def purge_audit(self) -> int:
        """Audit events older than ``audit_retention_days``; returns how many."""
        days = self.settings.audit_retention_days
        purged = int(
            self.store.audit_trail.purge_older_than(self.clock() - dt.timedelta(days=days))
        )
        if purged:
            log.info("%d audit event(s) deleted after %d days", purged, days)
        return purged

    def purge_local(self) -> None:
        """The retention rules of what only the kiosk keeps: drafts and audit events."""
        self.purge_drafts()
        self.purge_audit()

    def purge(self) -> int:
        """Every retention rule now (admin mode's "purge"): acknowledged applications after
        ``acknowledged_retention_days`` (sealed package and attachments), the drafts' rules
        and the audit trail's; returns how many applications."""
        days = self.settings.acknowledged_retention_days
        purged = int(self.store.outbox.purge_acknowledged(self.clock() - dt.timedelta(days=days)))
        if purged:
            log.info("%d acknowledged application(s) deleted after %d days", purged, days)
        self.purge_local()
        return purged

    def round(self) -> str:
        """One round; returns its outcome: "sent" (a run, even with nothing due), "auth"
        (the central API refused the token), "busy" (another agent holds the lock),
        "not_enrolled" or "error"."""
        from sync.agent import LOCK_FILE, AlreadyRunning, agent_lock

        outcome = "error"
        enrolment = None
        report: Any = None
        try:
            enrolment = self.enrolment()
            if enrolment is None:
                outcome = "not_enrolled"
            else:
                agent = self.agent(enrolment)
                with agent_lock(self.settings.data_dir / LOCK_FILE):
                    report = agent.run_once()
                    if report.stopped_reason != "auth" and self.heartbeat:
                        self._heartbeat(agent)
                outcome = {"auth": "auth", "transient": "transient"}.get(
                    report.stopped_reason or "", "sent"
                )
                if self.on_report:
                    self.on_report(report)
        except AlreadyRunning:
            log.info("another sync agent is running; skipping this round")
            outcome = "busy"
            if enrolment is not None and self.status is not None and self.heartbeat:
                # The kiosk-sync service delivers; the desk still needs this kiosk's state,
                # which only the application knows (a heartbeat takes no lock).
                try:
                    self._heartbeat(self.agent(enrolment))
                except Exception:
                    log.exception("heartbeat failed; will retry")
        except Exception:
            log.exception("sync round failed; will retry")
        try:
            self.purge_local()
        except Exception:
            log.exception("purging drafts or audit events failed; will retry")
        self.failures = self.failures + 1 if outcome in ("auth", "error") else 0
        self.last_outcome = outcome
        if outcome == "sent":
            try:  # for kiosk-health, which runs in another process
                write_last_sync(self.settings.data_dir, self.clock())
            except OSError:
                log.exception("could not record the last sync")
        if self.status is not None:
            self.status.record_sync(
                SyncRound(
                    outcome,
                    self.clock(),
                    delivered=getattr(report, "delivered", 0),
                    failed=getattr(report, "failed", 0),
                    remaining=getattr(report, "remaining", 0),
                )
            )
        return outcome

    def pause(self) -> float:
        """Seconds before the next round (see :func:`round_pause`)."""
        from sync.agent import BACKOFF_CAP_S

        interval = float(self.settings.sync_interval_s)
        return round_pause(self.failures, interval, self.rng, max(interval, BACKOFF_CAP_S))

    def run(self, stopping: threading.Event, wake: threading.Event | None = None) -> None:
        """Rounds until ``stopping`` is set; ``wake`` cuts a pause short."""
        waiter = wake or stopping
        while not stopping.is_set():
            self.round()
            waiter.wait(self.pause())
            if wake is not None:
                wake.clear()


@dataclass(frozen=True)
class PurgePreview:
    """What a purge would delete: applications the central API received before
    ``received_before``, drafts not touched since ``drafts_before`` or saved for later
    and expired. Counts only: no applicant data."""

    received: int
    received_before: dt.datetime
    drafts: int
    drafts_before: dt.datetime


class SyncThread(threading.Thread):
    """Runs the kiosk application's :class:`SyncRunner` every ``sync_interval_s``, or at
    once when woken; :meth:`stop` stops and joins it and closes the runner's client."""

    def __init__(
        self,
        settings: Settings,
        store: Any,
        demo: DemoCentral | None = None,
        on_report: Callable[[Any], None] | None = None,
        on_enrolled: Callable[[], None] | None = None,
        device_health: Callable[[], dict[str, str]] | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        status: KioskStatus | None = None,
    ) -> None:
        super().__init__(name="kiosk-sync", daemon=True)
        self.runner = SyncRunner(
            settings,
            store,
            demo=demo,
            status=status,
            device_health=device_health,
            on_report=on_report,
            on_enrolled=on_enrolled,
            clock=clock,
        )
        self.demo = demo
        self._wake = threading.Event()
        self._stopping = threading.Event()

    @property
    def device_health(self) -> Callable[[], dict[str, str]] | None:
        return self.runner.device_health

    @device_health.setter
    def device_health(self, collect: Callable[[], dict[str, str]] | None) -> None:
        self.runner.device_health = collect

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self.is_alive():
            self.join(timeout)

    def new_client(self, token: str | None) -> Any:
        """A client of this kiosk's central API (e.g. for the help call's own thread)."""
        return self.runner.new_client(token)

    def purge(self) -> int:
        return self.runner.purge()

    def purge_preview(self) -> PurgePreview:
        return self.runner.purge_preview()

    def run(self) -> None:
        try:
            if self.demo is not None and not self.demo.wait_ready():
                log.error(
                    "the demo central API did not start; see %s", self.demo.data_dir / "central.log"
                )
                return
            self.runner.run(self._stopping, self._wake)
        finally:
            self.runner.close()


class StatusService:
    """Asks the central API where an application stands, for the status screen (issue 8).
    Blocking: the UI calls it on a worker. Uses this kiosk's enrolment token."""

    def __init__(self, settings: Settings, demo: DemoCentral | None = None) -> None:
        self.settings = settings
        self.demo = demo

    def _client(self) -> Any:
        from sync.client import CentralClient
        from sync.enrolment import Enrolment

        path = self.settings.enrolment_file
        if not path.exists():
            raise NotEnrolledError("this kiosk is not enrolled with the central API yet")
        enrolment = Enrolment.load(path)
        token = enrolment.token
        cert, key = self.settings.client_cert, self.settings.client_key
        return CentralClient(
            self.demo.url if self.demo else central_address(self.settings, enrolment),
            token,
            ca_bundle=str(self.settings.ca_bundle) if self.settings.ca_bundle else None,
            client_cert=(cert, key) if cert and key else cert,
            connect_timeout=self.settings.connect_timeout_s,
            read_timeout=self.settings.read_timeout_s,
        )

    @staticmethod
    def _query(reference: str, secret: str | None, birth_date: str | None) -> Any:
        from contract.protocol import StatusLookup

        return StatusLookup(
            reference=reference,
            secret=secret,
            birth_date=dt.date.fromisoformat(birth_date) if birth_date else None,
        )

    def lookup(
        self, reference: str, secret: str | None = None, birth_date: str | None = None
    ) -> Any:
        """``contract.protocol.StatusView``, or None when nothing matches."""
        with self._client() as client:
            return client.lookup_status(self._query(reference, secret, birth_date))

    def attestation(
        self, reference: str, secret: str | None = None, birth_date: str | None = None
    ) -> Any:
        """``contract.protocol.Attestation``, or None when nothing matches."""
        with self._client() as client:
            return client.attestation(self._query(reference, secret, birth_date))


# --- kiosk-sync: the outbox agent as a service ---------------------------------------------


def parse_sync_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """``kiosk-sync``'s command line. Every setting comes from the kiosk's configuration
    (``--config``, ``$KIOSK_CONFIG`` or /etc/kiosk-titre-sejour/kiosk.toml, then
    ``KIOSK_*`` variables), as for the kiosk itself; an option given here wins."""
    from contract.cli import join_option_values
    from contract.protocol import DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES

    p = argparse.ArgumentParser(
        prog="kiosk-sync",
        description="Deliver the kiosk's outbox to the central API, with the kiosk's settings.",
    )
    p.add_argument("--config", type=Path, help="the kiosk's configuration file (TOML)")
    p.add_argument("--data-dir", type=Path, help="the kiosk's data directory")
    p.add_argument(
        "--store-dir", type=Path, help="the kiosk store's directory (default: DATA_DIR/store)"
    )
    p.add_argument("--once", action="store_true", help="one round, then exit")
    p.add_argument("--interval", type=float, help="seconds between rounds (sync_interval_s)")
    p.add_argument("--enrol-code", help="enrol this kiosk with a one-time code first")
    p.add_argument("--server", help="central API URL (default: central_url, else the enrolment's)")
    p.add_argument(
        "--kiosk-name", help="name shown centrally (default: kiosk_name, else the host's)"
    )
    p.add_argument("--ca-bundle", type=Path, help="CA certificates to verify the server with")
    p.add_argument(
        "--client-cert",
        type=Path,
        help="this kiosk's TLS client certificate (PEM; may hold the key)",
    )
    p.add_argument("--client-key", type=Path, help="the key of --client-cert, if separate")
    p.add_argument(
        "--chunk-size-kib",
        type=int,
        default=DEFAULT_CHUNK_BYTES // 1024,
        help="attachment upload chunk size in KiB (default: %(default)s)",
    )
    p.add_argument(
        "--retention-days",
        type=int,
        help="delete acknowledged applications after this many days (acknowledged_retention_days)",
    )
    p.add_argument("--no-heartbeat", action="store_true", help="do not send heartbeats")
    p.add_argument("--connect-timeout", type=float, help="seconds (connect_timeout_s)")
    p.add_argument("--read-timeout", type=float, help="seconds (read_timeout_s)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    raw = sys.argv[1:] if argv is None else argv
    args = p.parse_args(join_option_values(raw, ("--enrol-code",)))
    if not 1 <= args.chunk_size_kib * 1024 <= MAX_CHUNK_BYTES:
        p.error(f"--chunk-size-kib must be between 1 and {MAX_CHUNK_BYTES // 1024}")
    if args.client_key is not None and args.client_cert is None:
        p.error("--client-key needs --client-cert")
    return args


def sync_settings(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Settings:
    """The kiosk's settings, with the command line's options over them (ConfigError)."""
    from kiosk.config import load_settings

    overrides = {
        "data_dir": args.data_dir,
        "sync_interval_s": args.interval,
        "kiosk_name": args.kiosk_name,
        "ca_bundle": args.ca_bundle,
        "client_cert": args.client_cert,
        "client_key": args.client_key,
        "acknowledged_retention_days": args.retention_days,
        "connect_timeout_s": args.connect_timeout,
        "read_timeout_s": args.read_timeout,
    }
    return load_settings(args.config, overrides, environ)


def sync_main(argv: Sequence[str] | None = None) -> int:
    """``kiosk-sync``. Exit status: 0 done, 2 not enrolled or bad setup, 3 refused by the
    server (authentication), 4 another agent holds the lock (with --once), 1 a failed round
    (with --once)."""
    from kiosk.config import ConfigError
    from sync.client import AuthError, RejectedError, TransientError
    from sync.enrolment import EnrolmentError, enrol

    args = parse_sync_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = sync_settings(args)
    except ConfigError as exc:
        print(f"kiosk-sync: {exc}", file=sys.stderr)
        return 2
    from kiosk.store import Store  # SQLAlchemy: only once the command line is fine

    store = Store.open(args.store_dir or settings.db_dir)
    runner = SyncRunner(
        settings,
        store,
        server=args.server,
        heartbeat=not args.no_heartbeat,
        chunk_size=args.chunk_size_kib * 1024,
    )
    try:
        if args.enrol_code:
            name = settings.kiosk_name
            if "kiosk_name" not in settings.model_fields_set:
                name = socket.gethostname()
            with runner.new_client(None) as anonymous:
                enrolment = enrol(
                    anonymous,
                    args.enrol_code,
                    name,
                    settings.enrolment_file,
                    site=getattr(settings, "site_name", None),
                )
            log.info("kiosk enrolled as %s", enrolment.kiosk_id)
        if runner.enrolment() is None:
            raise EnrolmentError(
                f"this kiosk is not enrolled ({settings.enrolment_file} is missing): "
                "run kiosk-sync --enrol-code CODE first"
            )
    except (EnrolmentError, AuthError, RejectedError, TransientError) as exc:
        print(f"kiosk-sync: {exc}", file=sys.stderr)
        runner.close()
        store.close()
        return 3 if isinstance(exc, AuthError) else 2

    stopping = threading.Event()
    previous: dict[signal.Signals, Any] = {}
    if not args.once and threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda *_: stopping.set())
    try:
        if args.once:
            outcome = runner.round()
            return {"auth": 3, "busy": 4, "error": 1, "not_enrolled": 2}.get(outcome, 0)
        runner.run(stopping)
        return 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        runner.close()
        store.close()
