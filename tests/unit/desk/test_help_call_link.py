"""The help call's link thread (kiosk.link.help_call), driven round by round (no thread, no
waiting): queued while the central API cannot be reached, sent once, polled, closed."""

from __future__ import annotations

from typing import Any

from contract.protocol import HelpCallState
from kiosk.link.help_call import (
    ACKNOWLEDGED,
    CLOSED,
    SENDING,
    UNREACHABLE,
    WAITING,
    HelpCall,
    HelpCallLink,
)
from sync.client import TransientError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Client:
    def __init__(self) -> None:
        self.down = False
        self.status = "waiting"
        self.posted: list[dict[str, Any]] = []
        self.closed: list[tuple[str, str]] = []
        self.polls = 0

    def _state(self, call_id: Any) -> HelpCallState:
        return HelpCallState.model_validate(
            {
                "call_id": str(call_id),
                "kiosk_id": "k",
                "status": self.status,
                "waiting_since": "2026-11-27T10:00:00+00:00",
                "acknowledged_by": "accueil-1" if self.status == "acknowledged" else None,
            }
        )

    def post_help_call(self, call: Any) -> HelpCallState:
        if self.down:
            raise TransientError("cannot reach the central API")
        self.posted.append(call.model_dump(mode="json"))
        return self._state(call.call_id)

    def get_help_call(self, call_id: Any) -> HelpCallState:
        if self.down:
            raise TransientError("cannot reach the central API")
        self.polls += 1
        return self._state(call_id)

    def close_help_call(self, call_id: Any, reason: str) -> None:
        if self.down:
            raise TransientError("cannot reach the central API")
        self.closed.append((str(call_id), reason))

    def close(self) -> None:
        pass


def _link(client: Client | None, clock: Clock) -> tuple[HelpCallLink, list[HelpCall]]:
    updates: list[HelpCall] = []
    return HelpCallLink(lambda: client, updates.append, monotonic=clock), updates


def test_queued_while_unreachable_then_sent_with_the_time_waited() -> None:
    client, clock = Client(), Clock()
    client.down = True
    link, updates = _link(client, clock)
    call = link.request("step", "ar")
    assert call.status == SENDING
    assert link._round() == link.retry_s
    assert updates[-1].status == UNREACHABLE and not client.posted
    clock.now += 40
    client.down = False
    assert link._round() == link.poll_s
    assert updates[-1].status == WAITING
    assert client.posted == [
        {"call_id": call.call_id, "screen": "step", "language": "ar", "waiting_s": 40.0}
    ]
    link._round()  # polled, not sent again
    assert len(client.posted) == 1 and client.polls == 1
    client.status = "acknowledged"
    link._round()
    assert updates[-1].status == ACKNOWLEDGED and updates[-1].acknowledged_by == "accueil-1"


def test_not_enrolled_is_unreachable() -> None:
    link, updates = _link(None, Clock())
    link.request("welcome", "fr")
    link._round()
    assert updates[-1].status == UNREACHABLE


def test_one_call_at_a_time_and_a_cancel_reaches_the_desk_even_later() -> None:
    client, clock = Client(), Clock()
    link, updates = _link(client, clock)
    first = link.request("check", "fr")
    assert link.request("check", "fr") is first  # pressing again: the same call
    link._round()
    client.down = True
    link.cancel()
    assert updates[-1].status == CLOSED and link.current is not None
    link._round()  # the central API is down: the close waits
    assert client.closed == []
    client.down = False
    link._round()
    assert client.closed == [(first.call_id, "cancelled")]
    second = link.request("check", "fr")  # a new call after a cancelled one
    assert second.call_id != first.call_id


def test_a_call_closed_before_it_was_sent_is_never_sent() -> None:
    client, clock = Client(), Clock()
    client.down = True
    link, _updates = _link(client, clock)
    link.request("step", "fr")
    link._round()
    link.close()  # the session ended (wipe) while offline
    client.down = False
    link._round()
    assert client.posted == [] and client.closed == []


def test_the_desk_closing_the_call_closes_it_on_the_kiosk() -> None:
    client, clock = Client(), Clock()
    link, updates = _link(client, clock)
    link.request("step", "fr")
    link._round()
    client.status = "closed"
    link._round()
    assert updates[-1].status == CLOSED
