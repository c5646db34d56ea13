"""Fixtures for the GUI tests: the real window and controller with fake ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from contract.catalogue import Catalogue, load_catalogue
from kiosk.config import Settings
from kiosk.devices.speech import RecordingSpeech
from kiosk.domain.samples import sample_value
from kiosk.domain.session import Screen
from kiosk.testing import NOW, FakeMonotonic, FakeSealer, MemoryStore
from kiosk.ui import MainWindow
from kiosk.ui.choice import ChoiceRow
from kiosk.ui.compose import AdminParts, Overrides, ReceiptDevices, StaffParts, build_kiosk
from kiosk.ui.compose import Kiosk as BuiltKiosk
from kiosk.ui.controllers.session import SessionController
from kiosk.ui.widgets import CountryBox, LanguageDialog

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
# The rest of the student renewal, after identity and contact.
STUDENT_RENEWAL = {
    "still_studying": "yes",
    "changed_course": "no",
    "resources": "own",
    "housing": "own",
    "foreigner_number": "7501234567",
    "permit_expiry": "28/02/2027",
    "ephoto_code": "7Q2K9M4X8P3R6T1V5W0Y2Z",
    "tax_stamp": "",
}


@dataclass
class Kiosk:
    window: MainWindow
    controller: SessionController
    store: MemoryStore
    sealer: FakeSealer
    speech: RecordingSpeech
    qtbot: Any
    monotonic: FakeMonotonic = field(default_factory=FakeMonotonic)
    staff: Any = None  # kiosk.ui.controllers.staff.StaffController, when asked for
    admin: Any = None  # kiosk.ui.admin.AdminController, when asked for
    assist: Any = None  # kiosk.ui.controllers.staff.AssistController, when asked for

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

    def choose(self, field_id: str, value: str) -> None:
        """Touch the answer ``value`` of a yes/no or choice question."""
        row = self.window.step.row(field_id)
        assert isinstance(row, ChoiceRow), field_id
        button = row.button(value)
        assert button is not None, (field_id, value)
        self.qtbot.waitUntil(button.isVisible)  # new rows are shown by a queued event
        self.window.step.scroll_area.ensureWidgetVisible(button)
        self.click(button)

    def answer(self, field_id: str, value: str) -> None:
        """Type or touch an answer, whatever the kind of question."""
        if isinstance(self.window.step.row(field_id), ChoiceRow):
            self.choose(field_id, value)
        else:
            self.type_into(field_id, value)

    def close_notice(self) -> None:
        """Dismiss an information dialog (e.g. the renewal deadline) if one is open."""
        dialog = self.window.help_dialog
        if dialog is not None and dialog.isVisible():
            self.click(dialog.ok_button)
            self.qtbot.waitUntil(lambda: not dialog.isVisible())

    def fill_step(self, overrides: dict[str, str] | None = None) -> None:
        """Answer every question on the screen: ``overrides`` first, else a valid sample."""
        step = self.window.step.step
        assert step is not None
        for spec in step.fields:
            value = (overrides or {}).get(spec.id)
            if value is None:
                value = sample_value(spec, NOW.date())
            self.answer(spec.id, value)

    def complete_steps(self, overrides: dict[str, str] | None = None) -> None:
        """Answer the remaining steps until the document list."""
        for _ in range(20):
            if self.screen() is not Screen.STEP:
                break
            step = self.window.step.step
            assert step is not None
            self.fill_step(overrides)
            self.click(self.window.step.continue_button)
            self.qtbot.waitUntil(
                lambda s=step: self.screen() is not Screen.STEP or self.window.step.step is not s
            )
            self.close_notice()
            assert not self.window.step.summary.isVisible(), self.window.step.summary.spoken_text()
        self.wait_screen(Screen.DOCUMENTS)

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
        if QApplication.activeWindow() is None:
            # The completer's popup took the activation with it (offscreen platform).
            self.window.activateWindow()
            self.qtbot.waitUntil(self.window.isActiveWindow)

    def fill(self, values: dict[str, str]) -> None:
        for field_id, text in values.items():
            self.type_into(field_id, text)

    def begin(self) -> None:
        """ "Commencer" on the "before you start" page a chosen procedure opens with."""
        self.wait_screen(Screen.BEFORE)
        self.click(self.window.before.start_button)

    def start(self) -> None:
        self.click(self.window.welcome.start_button)
        self.wait_screen(Screen.PROCEDURE)
        self.click(self.window.procedure.card("renewal-student"))
        self.begin()
        self.wait_screen(Screen.STEP)

    def to_check(self) -> None:
        self.past_identity_and_contact()
        self.complete_steps(STUDENT_RENEWAL)
        self.click(self.window.documents.continue_button)
        self.wait_screen(Screen.CHECK)

    def past_identity_and_contact(self) -> None:
        """Started, the identity and contact steps answered (IDENTITY, CONTACT): at the
        step after them."""
        self.start()
        self.fill(IDENTITY)
        self.click(self.window.step.continue_button)
        self.qtbot.waitUntil(
            lambda: self.window.step.step is not None and self.window.step.step.id == "contact"
        )
        self.fill(CONTACT)
        self.click(self.window.step.continue_button)
        self.qtbot.waitUntil(
            lambda: self.window.step.step is not None and self.window.step.step.id != "contact"
        )

    def to_consent(self) -> None:
        self.to_check()
        self.click(self.window.check.confirm_button)
        self.wait_screen(Screen.CONSENT)

    def to_receipt(self) -> None:
        self.to_consent()
        self.click(self.window.consent.checkbox)
        self.click(self.window.consent.submit_button)
        self.wait_screen(Screen.RECEIPT)


def open_language_dialog(kiosk: Kiosk) -> LanguageDialog:
    """The header's "Langue" button tapped: the language dialog, shown."""
    header = kiosk.window.current_screen.header
    kiosk.click(header.language_button)
    kiosk.qtbot.waitUntil(
        lambda: header.language_dialog is not None and header.language_dialog.isVisible()
    )
    dialog = header.language_dialog
    assert dialog is not None
    return dialog


def session_window(**ports: Any) -> tuple[SessionController, MainWindow]:
    """The session controller and its window on the given ports, through the composition
    root (kiosk.ui.compose), for the tests that bring their own store or sealer."""
    built = session_kiosk(**ports)
    return built.session, built.window


def session_kiosk(
    *,
    store: Any,
    sealer: Any,
    speech: Any,
    kiosk_id: Callable[[], str],
    clock: Callable[[], Any],
    catalogue: Catalogue | None = None,
    monotonic: Callable[[], float] | None = None,
    receipt: ReceiptDevices | None = None,
    staff: StaffParts | None = None,
    admin_parts: AdminParts | None = None,
    **session: Any,
) -> BuiltKiosk:
    """What ``session_window`` builds, with staff sign-in and the assisted session on the
    given ``staff`` parts (``built.staff``, ``built.assist``), and admin mode on the given
    ``admin_parts`` (``built.admin``; without ``staff``, its sign-in comes later through
    ``built.staff_slot``, as the app's does)."""
    return build_kiosk(
        Settings(fullscreen=False),
        Overrides(
            catalogue=catalogue or load_catalogue(),
            store=store,
            sealer=sealer,
            speech=speech,
            clock=clock,
            monotonic=monotonic,
            kiosk_id=kiosk_id,
            receipt=receipt,
            full=False,
            app_style=False,
            staff=staff,
            admin=admin_parts,
            session=session,
        ),
    )


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """Read once: it is frozen (pydantic), and reading it took 25 ms of CPU per test."""
    return load_catalogue()


@pytest.fixture
def make_kiosk(qtbot: Any, catalogue: Catalogue) -> Iterator[Callable[..., Kiosk]]:
    made: list[Kiosk] = []

    def make(
        *,
        voice_on: bool = False,
        settings: Settings | None = None,
        receipt: ReceiptDevices | None = None,
        speech: RecordingSpeech | None = None,
        staff_parts: StaffParts | None = None,
        admin_parts: AdminParts | None = None,
        store: Any = None,
        **options: Any,
    ) -> Kiosk:
        store = MemoryStore() if store is None else store  # a real Store where a test gives one
        sealer, speech = FakeSealer(), speech or RecordingSpeech()
        monotonic = FakeMonotonic()
        built = build_kiosk(
            settings or Settings(fullscreen=False),
            Overrides(
                catalogue=catalogue,
                store=store,
                sealer=sealer,
                speech=speech,
                clock=lambda: NOW,
                monotonic=monotonic,
                kiosk_id=lambda: "kiosk-test-01",
                receipt=receipt,
                full=False,
                app_style=False,
                staff=staff_parts,
                admin=admin_parts,
                session={"voice_on": voice_on, **options},
            ),
        )
        window, controller = built.window, built.session
        qtbot.addWidget(window)
        window.resize(1280, 1024)
        window.show()
        qtbot.waitExposed(window)
        kiosk = Kiosk(
            window, controller, store, sealer, speech, qtbot, monotonic,
            built.staff, built.admin, built.assist,
        )  # fmt: skip
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.sealer.release()
        kiosk.controller.shutdown()
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setLayoutDirection(Qt.LayoutDirection.LeftToRight)


@pytest.fixture
def kiosk(make_kiosk: Callable[..., Kiosk]) -> Kiosk:
    return make_kiosk()


def all_widgets(root: QWidget) -> list[QWidget]:
    return [root, *root.findChildren(QWidget)]


def declared_part(widget: QWidget, screen_language: str) -> str:
    """The language a widget is declared in when it is not the screen's (its
    ``content_language``, WCAG 3.1.2 language of parts, as kiosk-audit reads it: the
    mediator's banner, a message staff typed in French), "" otherwise."""
    value = widget.property("content_language")
    return str(value) if value and value != screen_language else ""


# Admin mode and the staff gesture (tests/gui/admin_fixtures.py): ``make_admin``, ``admin``.
from tests.gui.admin_fixtures import admin, make_admin  # noqa: E402, F401

# The desk's central server (tests/gui/desk_fixtures.py): ``desk_sites``, ``central``.
from tests.gui.desk_fixtures import central, desk_sites  # noqa: E402, F401
