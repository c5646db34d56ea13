"""The kiosk's link to the central API, Qt-free: sealing submissions with the central
API's public key, and a background thread that runs the sync agent.

The GUI never waits for the network: a submission is sealed and written to the outbox,
then this thread delivers it, now or when the network comes back.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.demo import DemoCentral

log = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class NotEnrolledError(RuntimeError):
    """The kiosk has no central API key yet: it cannot seal an application."""


class Sealer:
    """Seals an application payload to the central API's public key (from the enrolment)."""

    def __init__(self, enrolment_file: Path) -> None:
        self._file = enrolment_file
        self._key: bytes | None = None

    def __call__(self, uuid: str, payload: dict[str, Any]) -> bytes:
        from sync import sealing

        if self._key is None:
            from sync.enrolment import Enrolment

            if not self._file.exists():
                raise NotEnrolledError("this kiosk is not enrolled with the central API yet")
            self._key = Enrolment.load(self._file).public_key_raw
        return sealing.seal(self._key, uuid, payload)

    def forget(self) -> None:
        self._key = None


class SyncThread(threading.Thread):
    """Runs the sync agent every ``interval`` seconds, or at once when woken."""

    def __init__(
        self,
        settings: Settings,
        store: Any,
        demo: DemoCentral | None = None,
        on_report: Callable[[Any], None] | None = None,
        on_enrolled: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(name="kiosk-sync", daemon=True)
        self.settings = settings
        self.store = store
        self.demo = demo
        self.on_report = on_report
        self.on_enrolled = on_enrolled
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

        return CentralClient(
            self.server_url,
            token,
            ca_bundle=str(self.settings.ca_bundle) if self.settings.ca_bundle else None,
            connect_timeout=self.settings.connect_timeout_s,
            read_timeout=self.settings.read_timeout_s,
        )

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
                    agent = SyncAgent(self.store, self._client(enrolment.token), clock=utcnow)
                    with agent_lock(self.settings.data_dir / "sync.lock"):
                        report = agent.run_once()
                    if self.on_report:
                        self.on_report(report)
            except AlreadyRunning:
                log.info("another sync agent is running; skipping this round")
            except Exception:
                log.exception("sync round failed; will retry")
            self._wake.wait(self.settings.sync_interval_s)
            self._wake.clear()
