"""The applicant's call for help, Qt-free: a thread that sends it to the central API (and so
to the reception desk), then asks every few seconds whether the desk has answered.

It never blocks the GUI: :meth:`HelpCallLink.request`, :meth:`cancel` and :meth:`close`
only record what to do and wake the thread; each change of the call is reported through
``on_update`` (from the thread: the Qt side queues it to the GUI thread). A call that
cannot be sent (no network, central API down, kiosk not enrolled) is kept and sent again
every ``retry_s``: the applicant is told meanwhile that the desk cannot be reached.

A call carries no personal data: the kiosk (from its token), the screen, the language and
how long the applicant has waited.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from kiosk.link.worker import LinkThread

log = logging.getLogger(__name__)

SENDING = "sending"  # not yet at the central API
UNREACHABLE = "unreachable"  # could not be sent: will try again; raise a hand meanwhile
WAITING = "waiting"  # the desk has it
ACKNOWLEDGED = "acknowledged"  # a person is coming
CLOSED = "closed"  # cancelled by the applicant, or the session ended


@dataclass(frozen=True)
class HelpCall:
    call_id: str
    status: str
    screen: str | None
    language: str | None
    started: float  # monotonic seconds, when the applicant asked
    acknowledged_by: str | None = None

    @property
    def open(self) -> bool:
        return self.status != CLOSED


class HelpCallLink(LinkThread):
    """``client``: returns a :class:`sync.client.CentralClient` with this kiosk's token, or
    None when the kiosk is not enrolled (the call then waits as unreachable)."""

    def __init__(
        self,
        client: Callable[[], Any],
        on_update: Callable[[HelpCall], None],
        *,
        poll_s: float = 3.0,
        retry_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__("kiosk-help-call")
        self._client_factory = client
        self.on_update = on_update
        self.poll_s = poll_s
        self.retry_s = retry_s
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._call: HelpCall | None = None
        self._sent = False
        self._to_close: list[tuple[str, str]] = []  # (call_id, reason) still to tell

    # --- what the GUI calls (never blocks) ---------------------------------------------------

    @property
    def current(self) -> HelpCall | None:
        with self._lock:
            return self._call

    def request(self, screen: str | None, language: str | None) -> HelpCall:
        """Ask for help; if a call is already open, it is the same call (with its time)."""
        with self._lock:
            if self._call is not None and self._call.open:
                return self._call
            call = HelpCall(str(uuidlib.uuid4()), SENDING, screen, language, self.monotonic())
            self._call, self._sent = call, False
        self._report(call)
        self._wake.set()
        return call

    def cancel(self) -> None:
        """The applicant no longer needs help."""
        self._finish("cancelled")

    def close(self) -> None:
        """The session ended (wiped): the next applicant must not inherit the call."""
        self._finish("closed")

    def _finish(self, reason: str) -> None:
        with self._lock:
            call = self._call
            if call is None or not call.open:
                return
            if self._sent:
                self._to_close.append((call.call_id, reason))
            self._call = replace(call, status=CLOSED)
            closed = self._call
        self._report(closed)
        self._wake.set()

    # --- the thread --------------------------------------------------------------------------

    def _report(self, call: HelpCall) -> None:
        try:
            self.on_update(call)
        except Exception:
            log.exception("help call listener failed")

    def _set(self, call_id: str, **changes: Any) -> None:
        with self._lock:
            call = self._call
            if call is None or call.call_id != call_id or not call.open:
                return  # closed or replaced meanwhile
            new = replace(call, **changes)
            if new == call:
                return
            self._call = new
        self._report(new)

    def run(self) -> None:
        while not self._stopping.is_set():
            pause = self._round()
            self._wake.wait(pause)
            self._wake.clear()

    def _round(self) -> float:
        """One exchange with the central API; returns the pause before the next one."""
        from contract.protocol import HelpCallRequest
        from sync.client import CentralError

        with self._lock:
            call, sent, closing = self._call, self._sent, list(self._to_close)
        pause = 3600.0  # nothing to do: wait to be woken
        try:
            client = self._client_factory()
        except Exception:
            log.exception("no client for the help call")
            client = None
        try:
            for call_id, reason in closing:
                if client is None:
                    break
                try:
                    client.close_help_call(call_id, reason)
                except CentralError as exc:
                    log.info("help call not closed yet: %s", type(exc).__name__)
                    pause = min(pause, self.retry_s)
                    break
                with self._lock:
                    self._to_close.remove((call_id, reason))
            if call is None or not call.open:
                return pause
            if client is None:
                self._set(call.call_id, status=UNREACHABLE)
                return self.retry_s
            try:
                if not sent:
                    waited = max(0.0, self.monotonic() - call.started)
                    state = client.post_help_call(
                        HelpCallRequest.model_validate(
                            {
                                "call_id": call.call_id,
                                "screen": call.screen,
                                "language": call.language,
                                "waiting_s": min(waited, 86_400.0),
                            }
                        )
                    )
                    with self._lock:
                        if self._call is not None and self._call.call_id == call.call_id:
                            if self._call.open:
                                self._sent = True
                            else:  # cancelled while it was being sent: tell the desk
                                self._to_close.append((call.call_id, "cancelled"))
                                pause = 0.0
                else:
                    state = client.get_help_call(call.call_id)
            except CentralError as exc:
                log.info("help call: central API not reachable (%s)", type(exc).__name__)
                self._set(call.call_id, status=UNREACHABLE)
                return min(pause, self.retry_s)
            status = str(state.status)
            if status == ACKNOWLEDGED:
                self._set(call.call_id, status=ACKNOWLEDGED, acknowledged_by=state.acknowledged_by)
            elif status == WAITING:
                self._set(call.call_id, status=WAITING)
            else:  # the desk closed it
                with self._lock:
                    if self._call is not None and self._call.call_id == call.call_id:
                        self._call = replace(self._call, status=CLOSED)
                        closed: HelpCall | None = self._call
                    else:
                        closed = None
                if closed is not None:
                    self._report(closed)
                return pause
            return min(pause, self.poll_s)
        finally:
            if client is not None and hasattr(client, "close"):
                client.close()
