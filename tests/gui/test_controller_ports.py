"""Each controller is built from its ports alone (issue 17): nothing is set on it after
construction, and a part that arrives later (the scanner, the help call, staff sign-in)
comes through the slot the controller was given."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject

from contract.catalogue import load_catalogue
from kiosk.config import Settings
from kiosk.devices.camera import FakeCamera
from kiosk.devices.printer import FakePrinter
from kiosk.devices.speech import RecordingSpeech
from kiosk.domain.session import Screen
from kiosk.link.status import KioskStatus
from kiosk.scan import synthetic as syn
from kiosk.scan.compress import PAGE_BUDGET
from kiosk.scan.pipeline import DEFAULT_SETTINGS
from kiosk.staff import MemoryAuditLog
from kiosk.staff.fake import FakeStaffDirectory
from kiosk.testing import NOW, FakeMonotonic, FakeSealer, MemoryStore
from kiosk.ui.camera_view import CameraFeed
from kiosk.ui.controllers.admin import AdminController
from kiosk.ui.controllers.application import ApplicationFlow
from kiosk.ui.controllers.help_call import HelpCallController
from kiosk.ui.controllers.idle import IdleGuard
from kiosk.ui.controllers.ports import (
    AdminPorts,
    AssistPorts,
    HelpCallPorts,
    ReceiptPorts,
    ScannerPorts,
    SessionOptions,
    SessionPorts,
    Slot,
    StaffPorts,
    enqueue_sealed,
)
from kiosk.ui.controllers.receipt import ReceiptController
from kiosk.ui.controllers.remote_actions import RemoteActions
from kiosk.ui.controllers.resume import ResumeFlow
from kiosk.ui.controllers.scan import ScanFlow
from kiosk.ui.controllers.scanner import ScanController
from kiosk.ui.controllers.session import SessionController
from kiosk.ui.controllers.staff import AssistController, StaffController
from kiosk.ui.controllers.steps import StepsFlow
from kiosk.ui.controllers.submission import SubmitController
from kiosk.ui.main_window import MainWindow
from kiosk.ui.tasks import TaskRunner
from kiosk.ui.theme import Theme

pytestmark = pytest.mark.gui


def _ports(store: MemoryStore, **changes: Any) -> SessionPorts:
    ports = SessionPorts(
        catalogue=load_catalogue(),
        store=store,
        submit=enqueue_sealed(FakeSealer()),
        kiosk_id=lambda: "kiosk-ports",
        speech=RecordingSpeech(),
        clock=lambda: NOW,
        monotonic=FakeMonotonic(),
        options=SessionOptions(voice_on=True, inactivity_timeout_s=90),
    )
    return SessionPorts(**{**ports.__dict__, **changes})


@pytest.fixture
def session(qtbot: Any) -> Any:
    window = MainWindow(Theme())
    qtbot.addWidget(window)
    controller = SessionController(_ports(MemoryStore()), window)
    yield controller
    controller.shutdown()


def test_the_session_controller_from_its_ports_and_window(qtbot: Any, tmp_path: Path) -> None:
    store, scanner, help_calls = MemoryStore(), Slot[Any](), Slot[Any]()
    printer = FakePrinter(tmp_path)
    ports = _ports(
        store,
        receipt=ReceiptPorts(printer, site_name="Bobigny", auto_print=True),
        scanner=scanner,
        help_calls=help_calls,
    )
    window = MainWindow(Theme())
    qtbot.addWidget(window)
    controller = SessionController(ports, window)
    try:
        # What the ports say, and nothing else needed: the welcome screen shows.
        assert window.current_screen is window.welcome
        assert controller.voice_on and controller.inactivity.timeout_s == 90
        assert controller.receipt.printer is printer and controller.receipt.site_name == "Bobigny"
        assert controller.scanner_slot is scanner and controller.help_slot is help_calls
        assert controller.scanner is None and not controller.scan.scanning()
        # The scanner arrives later, through its slot: the flow photographs from then on.
        camera_feed = CameraFeed(FakeCamera([syn.empty((640, 480))]))
        scan = ScanController(controller, ScannerPorts(camera_feed))
        scanner.provide(scan)
        assert controller.scanner is scan and controller.scan.scanning()
        scanner.provide(None)
        assert not controller.scan.scanning()
        scan.clear()
        # The session controller drives the flow on the store it was given.
        controller.start()
        controller.choose_procedure("renewal-student")
        controller.begin()
        assert controller.session.screen is Screen.STEP
        assert store.drafts is ports.store.drafts
    finally:
        controller.shutdown()


def test_the_flows_from_their_ports_and_host(session: Any, tmp_path: Path) -> None:
    """The flows the session controller builds, each built again here from its ports and
    the session controller as their host (``FlowHost``)."""
    store, tasks = MemoryStore(), TaskRunner()
    try:
        printer = FakePrinter(tmp_path)
        receipt = ReceiptController(session, ReceiptPorts(printer), store, tasks)
        assert receipt.printer is printer and receipt.status is None and not receipt.auto_print
        slot: Slot[ScanController] = Slot()
        scan = ScanFlow(session, slot, store, tasks)
        assert not scan.scanning()
        resume = ResumeFlow(session, store, tasks, 7, receipt)
        assert resume.draft_retention_days == 7 and resume.receipt is receipt
        application = ApplicationFlow(session, scan)
        assert application.scan is scan
        offered: tuple[str, ...] = ("renewal-student",)
        steps = StepsFlow(
            session, store, tasks, scan, application.after_step, lambda: None, lambda: offered
        )
        assert steps.offered() == offered
        submission = SubmitController(
            session, store, enqueue_sealed(FakeSealer()), lambda: "k", tasks
        )
        assert submission.store is store
        idle = IdleGuard(session, session.inactivity, session.speech, lambda: False)
        assert idle.monitor is session.inactivity
    finally:
        tasks.shutdown(wait=True)


def test_staff_assist_admin_and_remote_actions_from_their_ports(
    session: Any, tmp_path: Path
) -> None:
    window = session.window
    audit = MemoryAuditLog()
    directory, monotonic = FakeStaffDirectory(audit=audit), FakeMonotonic()
    staff_ports = StaffPorts(directory, audit, session_timeout_s=60, monotonic=monotonic)
    staff = StaffController(window, session, staff_ports)
    assert staff.directory is directory and staff.audit is audit
    assert staff.monotonic is monotonic and staff.timer.interval() == 60_000
    status = KioskStatus()
    assist = AssistController(
        window, session, AssistPorts(staff, audit, status=status, mediator_language="en")
    )
    assert assist.staff is staff and assist.status is status
    assert assist.clock == session.clock and assist.mediator_language == "en"
    staff_slot: Slot[tuple[Any, Any]] = Slot()
    settings = Settings(fullscreen=False, data_dir=tmp_path / "data", fake_devices=True)
    ports = AdminPorts(settings, MemoryStore(), staff_slot=staff_slot, clock=lambda: NOW)
    with pytest.raises(dataclasses.FrozenInstanceError):  # no port set after construction
        ports.staff = staff  # type: ignore[misc]
    admin = AdminController(window, session, ports)
    assert admin.staff is None and admin.assist is None
    # Staff sign-in arrives later (kiosk.app starts it after the first paint): by the slot.
    staff_slot.provide((staff, assist))
    assert admin.staff is staff and admin.assist is assist and admin.audit is audit

    class Runner:
        def __init__(self) -> None:
            self.reported: list[tuple[str, bool, str]] = []

        def report_command(self, command_id: str, ok: bool, detail: str) -> None:
            self.reported.append((command_id, ok, detail))

    actions = RemoteActions(admin, session, Runner())
    assert actions.admin is admin and actions.controller is session
    assert isinstance(actions, QObject)


def test_the_lockdown_keeps_the_clock_of_the_admin_ports(session: Any, tmp_path: Path) -> None:
    """The staff gesture (five taps within three seconds) counts on the monotonic clock of
    admin mode's ports, given at construction: nothing sets it afterwards."""
    window = session.window
    settings = Settings(fullscreen=False, data_dir=tmp_path / "data", fake_devices=True)
    clock = FakeMonotonic()
    ports = AdminPorts(settings, MemoryStore(), clock=lambda: NOW, monotonic=clock)
    admin = AdminController(window, session, ports)
    lockdown = admin.lockdown
    try:
        requested: list[bool] = []
        lockdown.staff_requested.connect(lambda: requested.append(True))
        corner = window.staff_corner
        point = corner.mapTo(window, corner.rect().center())
        for _ in range(5):  # five taps at once, but a second apart on the ports' clock
            lockdown.tap(point)
            clock.advance(1.0)
        assert requested == []
        clock.advance(10.0)
        for _ in range(5):  # five taps at one instant of the ports' clock
            lockdown.tap(point)
        assert requested == [True]
    finally:
        lockdown.remove()


class _Link:
    """A help call link that calls nobody (``kiosk.link.help_call.HelpCallLink``'s face)."""

    def __init__(self, on_update: Any) -> None:
        self.on_update = on_update
        self.started = self.stopped = False

    def is_alive(self) -> bool:
        return self.started and not self.stopped

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True

    def close(self) -> None:
        pass


def test_the_help_call_from_its_ports(session: Any) -> None:
    made: list[_Link] = []

    def link(on_update: Any) -> Any:
        made.append(_Link(on_update))
        return made[-1]

    status, monotonic = KioskStatus(), FakeMonotonic()
    help_calls = HelpCallController(session, HelpCallPorts(link, status, monotonic))
    try:
        # The link is made by the controller, with the controller's own ``on_update``.
        assert made == [help_calls.link] and made[0].on_update is not None
        assert help_calls.status is status and help_calls.monotonic is monotonic
        assert status.snapshot().screen == "welcome"  # reported from the start
    finally:
        help_calls.shutdown()
    assert made[0].stopped


def test_the_scanner_from_its_ports(session: Any) -> None:
    feed = CameraFeed(FakeCamera([syn.empty((640, 480))]))
    monotonic = FakeMonotonic()
    ports = ScannerPorts(feed, frames_required=2, page_budget=50_000, monotonic=monotonic)
    scanner = ScanController(session, ports)
    try:
        assert scanner.feed is feed and scanner.frames_required == 2
        assert scanner.retake_extra_frames == 8 and scanner.page_budget == 50_000
        assert scanner.session is session and not scanner.active
        # What the ports leave out: the pipeline's defaults.
        default = ScanController(session, ScannerPorts(feed))
        assert default.page_budget == PAGE_BUDGET and default.settings is DEFAULT_SETTINGS
        default.clear()
    finally:
        scanner.clear()


def test_every_ports_dataclass_is_frozen() -> None:
    """Each controller's ports are given once, at construction (kiosk.ui.controllers.ports)."""
    from kiosk.ui.controllers import ports as module

    found = {
        name: kind
        for name, kind in vars(module).items()
        if name.endswith("Ports") and dataclasses.is_dataclass(kind)
    }
    assert {"AdminPorts", "SessionPorts", "StaffPorts", "AssistPorts"} <= set(found)
    thawed = [name for name, kind in found.items() if not kind.__dataclass_params__.frozen]  # type: ignore[attr-defined]
    assert thawed == []
