"""The kiosk's state as the desk and the fleet view see it (state, screen, language, device
health, the last sync round): written by the GUI, read by the sync thread's heartbeat.
Thread-safe; never personal data."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

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
