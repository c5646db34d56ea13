"""The sync loop (:class:`SyncRunner`), one policy for the app's background thread
(:class:`SyncThread`) and the ``kiosk-sync`` service (:mod:`kiosk.link.sync_service`): each
round delivers the outbox, sends a heartbeat (version, backlog, device health, the kiosk's
state) and applies the retention rules."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.link.connection import central_address, central_client, utcnow
from kiosk.link.status import SyncRound
from kiosk.link.worker import LinkThread

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.link.demo_central import DemoCentral
    from kiosk.link.status import KioskStatus

log = logging.getLogger(__name__)

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
        on_commands: Callable[[list[Any]], None] | None = None,
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
        # The desk's remote actions (kiosk.link.desk_commands): handed to the application, which alone
        # can carry them out; their outcomes go back with the next heartbeat.
        self.on_commands = on_commands
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
        return central_client(self.settings, self.server_url(enrolment), token)

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
        from kiosk.link.desk_commands import fetch_commands, report_command
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


class SyncThread(LinkThread):
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
        on_commands: Callable[[list[Any]], None] | None = None,
    ) -> None:
        super().__init__("kiosk-sync")
        self.runner = SyncRunner(
            settings,
            store,
            demo=demo,
            status=status,
            device_health=device_health,
            on_report=on_report,
            on_enrolled=on_enrolled,
            on_commands=on_commands,
            clock=clock,
        )
        self.demo = demo

    @property
    def device_health(self) -> Callable[[], dict[str, str]] | None:
        return self.runner.device_health

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
