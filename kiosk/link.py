"""The kiosk's link to the central API, Qt-free: sealing submissions (and their scanned
pages) with the central API's public key, and a background thread that runs the sync agent.

The GUI never waits for the network: a submission is sealed and written to the outbox,
then this thread delivers it, now or when the network comes back. Each round it also
sends a heartbeat (version, backlog, device health) and applies the retention delay to
acknowledged applications.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.demo import DemoCentral

log = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class NotEnrolledError(RuntimeError):
    """The kiosk has no central API key yet: it cannot seal an application."""


class SubmitStore(Protocol):
    """What :meth:`Sealer.submit` needs from ``kiosk.store.Store``."""

    def pages(self, app_uuid: str) -> Any: ...
    def enqueue(
        self,
        uuid: str,
        procedure_id: str,
        sealed: bytes,
        now: dt.datetime,
        attachments: Any = (),
    ) -> Any: ...


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
        from sync import sealing

        return sealing.seal(self._public_key(), uuid, payload)

    def seal_attachment(self, uuid: str, document_id: str, page_no: int, data: bytes) -> bytes:
        from sync import sealing

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
        from sync import sealing

        blobs: list[bytes] = []
        listing: list[dict[str, Any]] = []
        for page in store.pages(uuid):
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
        return store.enqueue(uuid, procedure_id, sealed, now, attachments=blobs)

    def forget(self) -> None:
        self._key = None


# --- the kiosk's state, for the desk and the fleet view ---------------------------------------

KIOSK_STATES = ("idle", "in_use", "help_requested", "assisted", "out_of_service")
DeviceHealth = dict[str, dict[str, Any]]  # name -> {"ok": bool, "detail": str}


@dataclass(frozen=True)
class StatusSnapshot:
    """What the heartbeat says about the kiosk (never personal data)."""

    state: str  # one of KIOSK_STATES: the most important one wins
    screen: str | None
    language: str | None
    out_of_service_message: str | None
    device_health: DeviceHealth
    assisted_by: str | None = None  # the mediator's name shown on the banner

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
        self._screen: str | None = None
        self._language: str | None = None
        self._health: DeviceHealth = {}
        self._assisted_by: str | None = None
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

    def set_out_of_service(self, message: str | None) -> None:
        """A message (may be empty) puts the kiosk out of service; None puts it back."""

        def change() -> None:
            self._oos = message

        self._update(change)

    def set_assisted_by(self, name: str | None) -> None:
        """Who assists (the mediator's name, as on the banner), for the desk; None: nobody."""

        def change() -> None:
            self._assisted_by = name[:120] if name else None

        self._update(change)

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
                device_health={k: dict(v) for k, v in self._health.items()},
                assisted_by=self._assisted_by,
            )


class SyncThread(threading.Thread):
    """Runs the sync agent every ``interval`` seconds, or at once when woken."""

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
        """``device_health``: called each round for the heartbeat, e.g.
        ``{"printer": "ok", "scanner": "no paper"}`` (never personal data). ``status``:
        the kiosk's state, screen, language and device health, sent with each heartbeat."""
        super().__init__(name="kiosk-sync", daemon=True)
        self.settings = settings
        self.store = store
        self.demo = demo
        self.on_report = on_report
        self.on_enrolled = on_enrolled
        self.device_health = device_health
        self.clock = clock
        self.status = status
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self.is_alive():
            self.join(timeout)

    @property
    def server_url(self) -> str:
        return self.demo.url if self.demo else self.settings.central_url

    def _client(self, token: str | None) -> Any:
        from sync.client import CentralClient

        cert, key = self.settings.client_cert, self.settings.client_key
        return CentralClient(
            self.server_url,
            token,
            ca_bundle=str(self.settings.ca_bundle) if self.settings.ca_bundle else None,
            client_cert=(cert, key) if cert and key else cert,
            connect_timeout=self.settings.connect_timeout_s,
            read_timeout=self.settings.read_timeout_s,
        )

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
        if self.status is None:
            agent.heartbeat(self._health())
            return
        snap = self.status.snapshot()
        agent.heartbeat(
            self._health(),
            state=snap.state,
            screen=snap.screen,
            language=snap.language,
            site=getattr(self.settings, "site_name", None),
        )

    def purge(self) -> int:
        """Retention: delete acknowledged applications (sealed package and attachments)
        older than ``acknowledged_retention_days``; returns how many. Drafts go too: those
        saved for later once their time is up, the others after ``draft_retention_days``."""
        days = self.settings.acknowledged_retention_days
        now = self.clock()
        purged = int(self.store.purge_acknowledged(now - dt.timedelta(days=days)))
        if purged:
            log.info("%d acknowledged application(s) deleted after %d days", purged, days)
        stale = self.settings.draft_retention_days
        drafts = int(self.store.purge_expired_drafts(now))
        drafts += int(self.store.purge_drafts(now - dt.timedelta(days=stale)))
        if drafts:
            log.info("%d draft(s) deleted (saved-for-later time up, or %d days old)", drafts, stale)
        return purged

    def _ensure_enrolled(self) -> Any | None:
        from sync.enrolment import Enrolment, enrol

        path = self.settings.enrolment_file
        if path.exists():
            enrolment = Enrolment.load(path)
            if self.demo is None or self._token_works(enrolment.token):
                return enrolment
        if self.demo is None:
            return None  # staff enrol the kiosk with a one-time code (kiosk-sync --enrol-code)
        enrolment = enrol(
            self._client(None), self.demo.enrolment_code, self.settings.kiosk_name, path
        )
        log.info("kiosk enrolled with the demo central API as %s", enrolment.kiosk_id)
        if self.on_enrolled:
            self.on_enrolled()
        return enrolment

    def _token_works(self, token: str) -> bool:
        from sync.client import AuthError

        try:
            self._client(token).get_application("00000000-0000-4000-8000-000000000000")
        except AuthError:
            return False
        except Exception:
            return True
        return True

    def run(self) -> None:
        from sync.agent import AlreadyRunning, SyncAgent, agent_lock

        if self.demo is not None and not self.demo.wait_ready():
            log.error(
                "the demo central API did not start; see %s", self.demo.data_dir / "central.log"
            )
            return
        enrolment = None
        while not self._stopping.is_set():
            try:
                if enrolment is None:
                    enrolment = self._ensure_enrolled()
                if enrolment is not None:
                    agent = SyncAgent(self.store, self._client(enrolment.token), clock=self.clock)
                    with agent_lock(self.settings.data_dir / "sync.lock"):
                        report = agent.run_once()
                        if report.stopped_reason != "auth":
                            self._heartbeat(agent)
                    if self.on_report:
                        self.on_report(report)
                self.purge()
            except AlreadyRunning:
                log.info("another sync agent is running; skipping this round")
                if enrolment is not None and self.status is not None:
                    # The kiosk-sync service delivers; the desk still needs this kiosk's
                    # state, which only the application knows (a heartbeat takes no lock).
                    try:
                        client = self._client(enrolment.token)
                        self._heartbeat(SyncAgent(self.store, client, clock=self.clock))
                    except Exception:
                        log.exception("heartbeat failed; will retry")
            except Exception:
                log.exception("sync round failed; will retry")
            self._wake.wait(self.settings.sync_interval_s)
            self._wake.clear()


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
        token = Enrolment.load(path).token
        cert, key = self.settings.client_cert, self.settings.client_key
        return CentralClient(
            self.demo.url if self.demo else self.settings.central_url,
            token,
            ca_bundle=str(self.settings.ca_bundle) if self.settings.ca_bundle else None,
            client_cert=(cert, key) if cert and key else cert,
            connect_timeout=self.settings.connect_timeout_s,
            read_timeout=self.settings.read_timeout_s,
        )

    @staticmethod
    def _query(reference: str, secret: str | None, birth_date: str | None) -> Any:
        from sync.protocol import StatusLookup

        return StatusLookup(
            reference=reference,
            secret=secret,
            birth_date=dt.date.fromisoformat(birth_date) if birth_date else None,
        )

    def lookup(
        self, reference: str, secret: str | None = None, birth_date: str | None = None
    ) -> Any:
        """``sync.protocol.StatusView``, or None when nothing matches."""
        with self._client() as client:
            return client.lookup_status(self._query(reference, secret, birth_date))

    def attestation(
        self, reference: str, secret: str | None = None, birth_date: str | None = None
    ) -> Any:
        """``sync.protocol.Attestation``, or None when nothing matches."""
        with self._client() as client:
            return client.attestation(self._query(reference, secret, birth_date))
