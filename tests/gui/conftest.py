"""Fixtures for the GUI tests: the real window and controller with fake ports."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.devices.speech import RecordingSpeech
from kiosk.domain.catalogue import Catalogue, load_catalogue
from kiosk.domain.session import Screen
from kiosk.ui import MainWindow, SessionController, create_main_window
from kiosk.ui.widgets import CountryBox

NOW = dt.datetime(2026, 11, 26, 13, 5, tzinfo=dt.UTC)

IDENTITY = {
    "surname": "Benkirane",
    "given_names": "Amina Zahra",
    "birth_date": "31/12/2001",
    "nationality": "Maroc",
    "passport_number": "XK4815162",
}
CONTACT = {
    "address_line": "12 rue de la Paix",
    "postal_code": "75002",
    "city": "Paris",
    "phone": "06 47 11 23 58",
    "email": "",
}


@dataclass
class Entry:
    local_reference: str
    created_at: dt.datetime


class FakeStore:
    """In-memory store with the three methods the controller uses; records every call."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.drafts: dict[str, dict[str, Any]] = {}
        self.draft_saves: list[tuple[str, str, str, dict[str, str]]] = []
        self.deleted: list[str] = []
        self.enqueued: list[tuple[str, str, bytes]] = []
        self.threads: set[str] = set()

    def save_draft(
        self, uuid: str, procedure_id: str, language: str, answers: dict[str, str], now: dt.datetime
    ) -> None:
        with self.lock:
            self.threads.add(threading.current_thread().name)
            self.drafts[uuid] = dict(answers)
            self.draft_saves.append((uuid, procedure_id, language, dict(answers)))

    def delete_draft(self, uuid: str) -> None:
        with self.lock:
            self.drafts.pop(uuid, None)
            self.deleted.append(uuid)

    def enqueue(self, uuid: str, procedure_id: str, sealed: bytes, now: dt.datetime) -> Entry:
        with self.lock:
            self.threads.add(threading.current_thread().name)
            self.enqueued.append((uuid, procedure_id, sealed))
            return Entry(f"K7-2026-{len(self.enqueued):05d}", now)


class FakeSealer:
    """json.dumps as "sealing"; can be told to fail or to wait for a gate."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail_next = 0
        self.gate: threading.Event | None = None

    def __call__(self, uuid: str, payload: dict[str, Any]) -> bytes:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(timeout=10)
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("no public key configured")
        return json.dumps(payload).encode()


class FakeMonotonic:
    """The inactivity monitor's clock: time moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Kiosk:
    window: MainWindow
    controller: SessionController
    store: FakeStore
    sealer: FakeSealer
    speech: RecordingSpeech
    qtbot: Any
    monotonic: FakeMonotonic = field(default_factory=FakeMonotonic)

    def idle(self, seconds: float) -> None:
        """Let ``seconds`` pass without any user action, then let the monitor look."""
        self.monotonic.advance(seconds)
        self.controller.inactivity.tick()

    # --- driving the real screens ----------------------------------------------------
    def click(self, widget: QWidget) -> None:
        assert widget.isVisible() and widget.isEnabled(), widget
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    def screen(self) -> Screen:
        return self.window.current_screen_id

    def wait_screen(self, screen: Screen) -> None:
        self.qtbot.waitUntil(lambda: self.screen() is screen, timeout=5000)

    def type_into(self, field_id: str, text: str) -> None:
        row = self.window.step.row(field_id)
        box = row.input if isinstance(row.input, CountryBox) else None
        edit = box.lineEdit() if box is not None else row.input
        edit.setFocus()
        edit.selectAll()
        self.qtbot.keyClick(edit, Qt.Key.Key_Delete)
        if text:
            self.qtbot.keyClicks(edit, text)
        if box is not None and box.completer().popup().isVisible():
            box.completer().popup().hide()

    def fill(self, values: dict[str, str]) -> None:
        for field_id, text in values.items():
            self.type_into(field_id, text)

    def start(self) -> None:
        self.click(self.window.welcome.start_button)
        self.wait_screen(Screen.PROCEDURE)
        self.click(self.window.procedure.card("renewal-student"))
        self.wait_screen(Screen.STEP)

    def to_check(self) -> None:
        self.start()
        self.fill(IDENTITY)
        self.click(self.window.step.continue_button)
        self.qtbot.waitUntil(
            lambda: self.window.step.step is not None and self.window.step.step.id == "contact"
        )
        self.fill(CONTACT)
        self.click(self.window.step.continue_button)
        self.wait_screen(Screen.CHECK)

    def to_consent(self) -> None:
        self.to_check()
        self.click(self.window.check.confirm_button)
        self.wait_screen(Screen.CONSENT)

    def to_receipt(self) -> None:
        self.to_consent()
        self.click(self.window.consent.checkbox)
        self.click(self.window.consent.submit_button)
        self.wait_screen(Screen.RECEIPT)


@pytest.fixture
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture
def make_kiosk(qtbot: Any, catalogue: Catalogue) -> Iterator[Callable[..., Kiosk]]:
    made: list[Kiosk] = []

    def make(*, voice_on: bool = False, **options: Any) -> Kiosk:
        store, sealer, speech = FakeStore(), FakeSealer(), RecordingSpeech()
        monotonic = FakeMonotonic()
        controller = SessionController(
            catalogue=catalogue,
            store=store,
            sealer=sealer,
            kiosk_id=lambda: "kiosk-test-01",
            speech=speech,
            clock=lambda: NOW,
            voice_on=voice_on,
            monotonic=monotonic,
            **options,
        )
        window = create_main_window(controller)
        qtbot.addWidget(window)
        window.resize(1280, 1024)
        window.show()
        qtbot.waitExposed(window)
        kiosk = Kiosk(window, controller, store, sealer, speech, qtbot, monotonic)
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        if kiosk.sealer.gate is not None:
            kiosk.sealer.gate.set()
        kiosk.controller.shutdown()
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setLayoutDirection(Qt.LayoutDirection.LeftToRight)


@pytest.fixture
def kiosk(make_kiosk: Callable[..., Kiosk]) -> Kiosk:
    return make_kiosk()


def all_widgets(root: QWidget) -> list[QWidget]:
    return [root, *root.findChildren(QWidget)]
