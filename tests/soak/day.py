"""The driver of "a day at the kiosk" (tests/soak/test_day.py): one applicant after another
through the real screens, each with an outcome.

Each journey is a short function over :class:`tests.gui.conftest.Kiosk`, the helper every
GUI test drives the screens with: when the flow changes (a new page, a confirmation), the
fix goes into that helper (``start``, ``to_check``, ``to_receipt``...) or into the one
journey here that does something of its own, and nowhere else.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import os
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtWidgets import QApplication
from pytestqt.exceptions import TimeoutError as WaitTimeout

import tests.gui.conftest as gui
from kiosk.domain.session import Screen
from tests.fixtures.walk import back_to_welcome, submit_from_documents
from tests.gui.conftest import Kiosk

# The outcomes of a day, in a repeating order (mixed, every kind early: the warm-up sees
# each of them before memory is measured).
PLAN = (
    "submitted",
    "abandoned",
    "submitted",
    "timed_out",
    "saved",  # saved for later: resumed by a later applicant (see "resumed")
    "submitted",
    "status",
    "assisted",
    "resumed",
    "submitted",
)


DEFAULT_IDENTITY = gui.IDENTITY


class SimClock:
    """The kiosk's wall clock, moved forward by the day (minutes per applicant)."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self.now

    def advance(self, delta: dt.timedelta) -> None:
        with self._lock:
            self.now += delta


def malloc_trim() -> None:
    """Give the C heap's free memory back to the system (glibc keeps it in each thread's
    arena otherwise): what is left is what the process holds, not what it once held."""
    ctypes.CDLL("libc.so.6").malloc_trim(0)


def rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def open_fds() -> dict[str, str]:
    """This process's open file descriptors: number -> what it points to."""
    fds = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except FileNotFoundError:  # the listing's own descriptor, closed since
            continue
    return fds


def applicant_identity(n: int) -> dict[str, str]:
    """Applicant ``n``'s own values, found nowhere else (so that any trace of them left
    in the kiosk after their session is theirs)."""
    letters = "".join("bcdfghjklmnpqrstvwxz"[int(d)] for d in f"{n:04d}")
    return {
        **DEFAULT_IDENTITY,
        "surname": f"Quor{letters}",
        "given_names": f"Ysol{letters[::-1]}",
        "passport_number": f"QV{n:07d}",
    }


@dataclass
class Day:
    kiosk: Kiosk
    clock: SimClock
    start_assisted: Callable[[Kiosk], None]  # a mediator signs in; the consent screen
    acknowledged_reference: Callable[[], str | None]  # one the central API has
    after_applicant: Callable[[], None]  # e.g. wake the sync thread
    counts: Counter[str] = field(default_factory=Counter)
    saved: list[dict[str, str]] = field(default_factory=list)  # identities saved for later
    submitted: list[str] = field(default_factory=list)  # uuids
    status_found: int = 0
    identity: dict[str, str] = field(default_factory=dict)  # the applicant at the kiosk
    uuid: str | None = None  # their session's (None: they started none)

    # --- one applicant ----------------------------------------------------------------
    def applicant(self, n: int) -> str:
        outcome = PLAN[n % len(PLAN)]
        if outcome == "resumed" and not self.saved:
            outcome = "submitted"
        self.identity = self.saved[0] if outcome == "resumed" else applicant_identity(n)
        self.uuid = None
        gui.IDENTITY = self.identity  # what the Kiosk helper's flows type
        try:
            getattr(self, f"journey_{outcome}")()
        finally:
            gui.IDENTITY = DEFAULT_IDENTITY
        self.counts[outcome] += 1
        self.kiosk.wait_screen(Screen.WELCOME)
        self.settle()
        self.clock.advance(dt.timedelta(minutes=4))
        self.after_applicant()
        return outcome

    def settle(self) -> None:
        k = self.kiosk
        k.qtbot.waitUntil(lambda: k.controller.tasks.pending == 0, timeout=20_000)
        QApplication.sendPostedEvents(None, 0)  # deleteLater() of closed dialogs

    # --- the journeys (each ends back on the welcome screen) ----------------------------
    def journey_submitted(self) -> None:
        k = self.kiosk
        k.to_receipt()
        self.uuid = k.controller.session.uuid
        self.submitted.append(self.uuid)
        k.click(k.window.receipt.finish_button)

    def journey_abandoned(self) -> None:
        """Two screens in, then back, back, back to the welcome screen."""
        k, w = self.kiosk, self.kiosk.window
        k.start()
        self.uuid = k.controller.session.uuid
        k.fill(self.identity)
        k.click(w.step.continue_button)
        k.qtbot.waitUntil(lambda: w.step.step is not None and w.step.step.id == "contact")
        back_to_welcome(k)

    def journey_timed_out(self) -> None:
        k = self.kiosk
        k.to_check()
        self.uuid = k.controller.session.uuid
        k.idle(k.controller.inactivity.timeout_s + 1)

    def journey_saved(self) -> None:
        """Two screens in, "Sauvegarder et reprendre plus tard", then "Terminer"."""
        k, w = self.kiosk, self.kiosk.window
        k.start()
        k.fill(self.identity)
        k.click(w.step.continue_button)
        k.qtbot.waitUntil(lambda: w.step.step is not None and w.step.step.id == "contact")
        k.fill(gui.CONTACT)
        k.click(w.step.save_button)
        k.wait_screen(Screen.SAVED)
        code = k.controller.session.resume_code
        assert code is not None
        self.uuid = k.controller.session.uuid
        self.saved.append({**self.identity, "resume_code": code})
        k.click(w.saved.finish_button)

    def journey_resumed(self) -> None:
        """An applicant who saved earlier comes back with the code and finishes."""
        k, w = self.kiosk, self.kiosk.window
        saved = self.saved.pop(0)
        k.click(w.welcome.resume_button)
        k.wait_screen(Screen.RESUME)
        w.resume.code_row.input.setText(saved["resume_code"])
        w.resume.birth_date_row.input.setText(saved["birth_date"])
        k.click(w.resume.resume_button)
        try:
            k.qtbot.waitUntil(lambda: k.screen() is Screen.STEP, timeout=20_000)
        except WaitTimeout:  # say where the kiosk stands
            summary = w.resume.summary
            raise AssertionError(
                f"resume not reached: screen {k.screen()}, busy {w.resume.busy}, "
                f"summary {summary.spoken_text() if summary.isVisible() else '(hidden)'!r}"
            ) from None
        k.complete_steps(gui.STUDENT_RENEWAL)
        submit_from_documents(k)
        self.uuid = k.controller.session.uuid
        self.submitted.append(self.uuid)
        k.click(w.receipt.finish_button)

    def journey_assisted(self) -> None:
        """A mediator signs in, the applicant agrees to be helped, and submits."""
        k, w = self.kiosk, self.kiosk.window
        self.start_assisted(k)
        k.click(w.assist_consent.agree_button)
        k.wait_screen(Screen.PROCEDURE)
        k.click(w.procedure.back_button)  # to_receipt starts from the welcome screen
        k.wait_screen(Screen.WELCOME)
        k.to_receipt()
        assert k.controller.assistance is not None
        self.uuid = k.controller.session.uuid
        self.submitted.append(self.uuid)
        k.click(w.receipt.finish_button)

    def journey_status(self) -> None:
        """ "Suivre ma demande": a reference from earlier today and the date of birth,
        tried again when the link drops the request (every tenth is dropped)."""
        k, w = self.kiosk, self.kiosk.window
        reference = self.acknowledged_reference()
        k.click(w.welcome.status_button)
        k.wait_screen(Screen.STATUS)
        screen = w.status
        # The camera shows the last receipt printed: its QR code may be read and looked up
        # before anything is typed (found, or not delivered yet: then the typed reference).
        for _ in range(3):
            k.qtbot.waitUntil(lambda: not screen.busy, timeout=30_000)
            if screen.result.isVisible():
                self.status_found += 1
                break
            if reference is None:
                break
            screen.reference_row.set_value(reference)
            screen.birth_date_row.set_value(DEFAULT_IDENTITY["birth_date"])
            k.click(screen.lookup_button)
            k.qtbot.waitUntil(
                lambda: (
                    not screen.busy and (screen.result.isVisible() or bool(screen.summary.links))
                ),
                timeout=30_000,
            )
        k.click(screen.back_button)


def describe(day: Day, extra: dict[str, Any]) -> str:
    parts = [f"{name} {count}" for name, count in sorted(day.counts.items())]
    return ", ".join(parts) + "; " + ", ".join(f"{k} {v}" for k, v in extra.items())
