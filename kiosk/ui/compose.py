"""The composition root: ``build_kiosk(settings, overrides)`` builds the kiosk's window and
controllers from the settings and their ports, and is the only place that constructs the
session controller (``tests/unit/test_composition_root.py`` checks it).

The app (``kiosk.app``), the accessibility audit, the screenshots, the benchmarks and the
GUI tests all call it; ``Overrides`` lets them pass fakes (``kiosk.testing``: store,
sealer, clocks; ``kiosk.devices``: speech, printer, camera). With ``full=False`` only the
window and the session controller are built (tests, audit, screenshots): no receipt devices
from the settings, no sync thread, no admin mode.

Every controller is built from its ports and none is set afterwards. The parts that
start after the first paint come through slots (``kiosk.ui.controllers.ports.Slot``) the
controllers hold from their construction: the document scanner (OpenCV is imported on the
pool), staff sign-in and the assisted session, and help calls (their threads import the
HTTP client) — ``kiosk.app`` provides them.

GUI thread only. Imports of heavy parts (the store, the link) are deferred, as start-up
time to the first paint is measured (benchmarks/startup.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from kiosk.config import Settings
from kiosk.devices.speech import Speech
from kiosk.link.connection import utcnow
from kiosk.render.jobs import GuiInbox
from kiosk.ui.controllers.ports import (
    AssistPorts,
    ReceiptPorts,
    Sealer,
    SessionOptions,
    SessionPorts,
    Slot,
    StaffPorts,
    StatusLookups,
    StorePort,
    Submitter,
    enqueue_sealed,
)
from kiosk.ui.controllers.session import SessionController
from kiosk.ui.main_window import MainWindow
from kiosk.ui.theme import Theme

if TYPE_CHECKING:
    from contract.catalogue import Catalogue
    from kiosk.devices.camera import Camera
    from kiosk.devices.printer import Printer
    from kiosk.link.demo_central import DemoCentral
    from kiosk.link.status import KioskStatus
    from kiosk.link.sync_runner import SyncThread
    from kiosk.ui.controllers.admin import AdminController
    from kiosk.ui.controllers.help_call import HelpCallController
    from kiosk.ui.controllers.remote_actions import RemoteActions
    from kiosk.ui.controllers.scanner import ScanController
    from kiosk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReceiptDevices:
    """The receipt's ports: the printer, the central API's status lookups and the camera
    that reads a receipt's QR code (a factory: it is opened only while needed)."""

    printer: Printer | None = None
    status_service: StatusLookups | None = None
    qr_camera: Callable[[], Camera] | None = None


@dataclass(frozen=True)
class StaffParts:
    """Staff sign-in on the caller's directory and audit log (with ``full=False``; the app's
    own, through the central API, start after the first paint: ``start_staff``)."""

    directory: Any  # kiosk.staff.StaffDirectory (tests: kiosk.staff.fake.FakeStaffDirectory)
    audit: Any  # kiosk.staff audit log (tests: MemoryAuditLog)
    options: dict[str, Any] = field(default_factory=dict)  # StaffPorts' other fields
    # The assisted session too, with AssistPorts' other fields (clock...); None: none.
    assist: dict[str, Any] | None = None


@dataclass
class AdminParts:
    """Admin mode on the caller's settings and store (with ``full=False``); ``options`` are
    the other fields of its ports (``AdminPorts``: sync, status, clock, self-tests...)."""

    settings: Settings
    store: Any
    config_path: Any = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Overrides:
    """What replaces the ports built from the settings (None: built from the settings)."""

    catalogue: Catalogue | None = None
    store: StorePort | None = None
    sealer: Sealer | None = None  # the sealing callable (kiosk.link.sealer.Sealer or a fake)
    speech: Speech | None = None
    clock: Callable[[], dt.datetime] | None = None
    # The session's monotonic clock (inactivity) and the lockdown's (the staff gesture).
    monotonic: Callable[[], float] | None = None
    kiosk_id: Callable[[], str] | None = None
    tasks: TaskRunner | None = None
    receipt: ReceiptDevices | None = None  # with full=False: none unless given
    central: DemoCentral | None = None  # the demo's own central API
    # False: the window and session controller alone (no receipt devices from the settings,
    # no sync thread, no admin mode), as the tests, the audit and the screenshots want.
    full: bool = True
    # Fusion as the application's style (build_ui); the GUI tests leave the style alone.
    app_style: bool = True
    # With full=False: staff sign-in and admin mode on the caller's ports.
    staff: StaffParts | None = None
    admin: AdminParts | None = None
    # What the settings give otherwise, for the tests (voice_on, inactivity_timeout_s,
    # inactivity_warning_s, on_screen_keyboard; values the settings' bounds refuse).
    session: dict[str, Any] = field(default_factory=dict)


class StoreFailure(QObject):
    """The deferred store could not open: ``report(reason)``, called on the store's thread,
    posts ``failed`` to the GUI thread (kiosk.render.jobs.GuiInbox: no Qt call there)."""

    failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._inbox = GuiInbox(self)
        self.report: Callable[[str], bool] = functools.partial(self._inbox.post, self.failed.emit)


@dataclass
class Kiosk:
    """Everything ``build_kiosk`` made; the app owns it and stops it at exit."""

    settings: Settings
    window: MainWindow
    session: SessionController  # the session, scan and receipt flows
    store: StorePort
    sealer: Sealer
    speech: Speech
    theme: Theme
    store_failure: StoreFailure | None = None  # the deferred store's failures (full only)
    status: KioskStatus | None = None  # the kiosk's state for the desk (full only)
    sync: SyncThread | None = None
    admin: AdminController | None = None
    remote_actions: RemoteActions | None = None
    # Staff sign-in and the assisted session, for admin mode: provided after the first
    # paint (``kiosk.app``: ``start_staff``) as ``(StaffController, AssistController)``.
    staff_slot: Slot[tuple[Any, Any]] | None = None
    staff: Any = None  # kiosk.ui.controllers.staff.StaffController, once started
    assist: Any = None  # kiosk.ui.controllers.staff.AssistController (StaffParts.assist)
    help_calls: HelpCallController | None = None  # once started (kiosk.app)

    @property
    def scan(self) -> Any:
        """The document scanner (kiosk.ui.controllers.scanner), once it is started."""
        return self.session.scanner


def speech_from_settings(settings: Settings) -> Speech:
    """The real voice (pyttsx3 + espeak-ng in a helper process) on a kiosk; with fake
    devices (demo, tests) a recorder, unless ``KIOSK_REAL_SPEECH=1`` asks for the real one."""
    from kiosk.devices.speech import NullSpeech, RecordingSpeech

    if settings.fake_devices and os.environ.get("KIOSK_REAL_SPEECH") != "1":
        return RecordingSpeech()
    from kiosk.devices.speech_espeak import Pyttsx3Speech, unavailable_reason

    reason = unavailable_reason()
    if reason is not None:
        log.warning("no voice on this kiosk: %s", reason)
        return NullSpeech()
    return Pyttsx3Speech()  # its engine process starts after the welcome screen is painted


def receipt_devices(settings: Settings, demo: DemoCentral | None = None) -> ReceiptDevices:
    """The receipt printer, the central API's status lookups and the camera that reads a
    receipt's QR code. With fake devices the printer writes PDFs under the data directory
    and the camera shows the last receipt printed (the demo can follow its application)."""
    from kiosk.devices.printer import FakePrinter, printer_from_settings
    from kiosk.link.status_service import StatusService

    printer = printer_from_settings(settings)

    def qr_camera() -> Any:
        from kiosk.devices.camera import FakeCamera, camera_from_settings

        if not isinstance(printer, FakePrinter):
            return camera_from_settings(settings)
        import numpy as np

        from kiosk.ui.controllers.receipt import receipt_camera_frame

        image = printer.last_image
        blank = np.full((720, 960, 3), 255, np.uint8)
        frame = receipt_camera_frame(image) if image is not None else blank
        return FakeCamera([frame], fps=5)

    return ReceiptDevices(printer, StatusService(settings, demo=demo), qr_camera)


@runtime_checkable
class SubmittingSealer(Protocol):
    """A sealer that also seals the photographed pages and queues the whole application
    (``kiosk.link.sealer.Sealer``, ``kiosk.testing.FakeSealer``)."""

    def __call__(self, uuid: str, payload: dict[str, Any]) -> bytes: ...
    def submit(
        self, store: Any, uuid: str, procedure_id: str, payload: dict[str, Any], now: dt.datetime
    ) -> Any: ...


def submitter(sealer: Sealer) -> Submitter:
    """How an application is sealed and queued: with its pages by a sealer that can, else
    the payload alone (a plain sealing callable)."""
    if isinstance(sealer, SubmittingSealer):
        return sealer.submit
    return enqueue_sealed(sealer)


def _enrolled_kiosk_id(settings: Settings) -> Callable[[], str]:
    def kiosk_id() -> str:
        from sync.enrolment import Enrolment

        path = settings.enrolment_file
        return Enrolment.load(path).kiosk_id if path.exists() else "unenrolled"

    return kiosk_id


def _deferred_store(settings: Settings, failure: StoreFailure) -> Any:
    """Opened after the welcome screen is painted; a corrupt database turns the kiosk out of
    service (queued to the GUI thread) instead of letting anyone type into it."""
    from kiosk.store.deferred import DeferredStore

    def open_store() -> Any:
        from kiosk.store import Store  # SQLAlchemy + Alembic: imported off the GUI thread

        return Store.open(settings.db_dir)

    report = failure.report  # looked up here, called on the store's thread

    def failed(exc: BaseException) -> None:
        report(str(exc))

    return DeferredStore(open_store, failed)


def build_kiosk(
    settings: Settings, overrides: Overrides | None = None, *, config_path: Any = None
) -> Kiosk:
    """The kiosk's window and controllers, wired (see the module's docstring).
    ``config_path``: the settings file admin mode writes (full only)."""
    o = overrides or Overrides()
    if o.catalogue is None:
        from contract.catalogue import load_catalogue

        catalogue = load_catalogue(settings.catalogue)  # CatalogueError: the caller's
    else:
        catalogue = o.catalogue
    store_failure = StoreFailure() if o.full and o.store is None else None
    store: Any = o.store if store_failure is None else _deferred_store(settings, store_failure)
    link_sealer = None
    if o.sealer is None:
        from kiosk.link.sealer import Sealer as LinkSealer

        link_sealer = LinkSealer(settings.enrolment_file)
    sealer: Sealer = o.sealer if o.sealer is not None else link_sealer  # type: ignore[assignment]
    speech = o.speech if o.speech is not None else speech_from_settings(settings)
    receipt = o.receipt
    if receipt is None:
        receipt = receipt_devices(settings, o.central) if o.full else ReceiptDevices()
    options: dict[str, Any] = {
        "voice_on": settings.voice,
        "inactivity_timeout_s": settings.inactivity_timeout_s,
        "inactivity_warning_s": settings.inactivity_warning_s,
        "on_screen_keyboard": settings.on_screen_keyboard,
        "draft_retention_days": settings.draft_retention_days,
        "site_name": settings.site_name,
        # Without a printer, printing at once would say "the printer does not answer".
        "auto_print": o.full and settings.print_receipt_automatically,
        **o.session,
    }
    site_name, auto_print = options.pop("site_name"), options.pop("auto_print")
    scanner: Slot[ScanController] = Slot()
    help_calls: Slot[HelpCallController] = Slot()
    ports = SessionPorts(
        catalogue=catalogue,
        store=store,
        submit=submitter(sealer),
        kiosk_id=o.kiosk_id or _enrolled_kiosk_id(settings),
        speech=speech,
        clock=o.clock or utcnow,
        tasks=o.tasks,
        monotonic=o.monotonic or time.monotonic,
        receipt=ReceiptPorts(
            receipt.printer, receipt.status_service, receipt.qr_camera, site_name, auto_print
        ),
        options=SessionOptions(**options),
        scanner=scanner,
        help_calls=help_calls,
    )
    theme = Theme(scale=settings.text_scale, high_contrast=settings.high_contrast)
    app = QApplication.instance()
    if o.app_style and isinstance(app, QApplication):
        app.setStyle("Fusion")  # the same look on every machine
    window = MainWindow(theme)
    session = SessionController(ports, window)
    scanner.setParent(session)
    help_calls.setParent(session)
    kiosk = Kiosk(settings, window, session, store, sealer, speech, theme, store_failure)
    kiosk.staff_slot = Slot(session)
    if o.full:
        _build_services(kiosk, o, link_sealer, config_path)
    else:
        _build_staff_and_admin(kiosk, o)
    return kiosk


def _build_staff_and_admin(kiosk: Kiosk, o: Overrides) -> None:
    """Staff sign-in and admin mode on the caller's ports (tests, screenshots)."""
    if o.staff is not None:
        from kiosk.ui.controllers.staff import AssistController, StaffController

        parts = o.staff
        kiosk.staff = StaffController(
            kiosk.window, kiosk.session, StaffPorts(parts.directory, parts.audit, **parts.options)
        )
        if parts.assist is not None:
            kiosk.assist = AssistController(
                kiosk.window, kiosk.session, AssistPorts(kiosk.staff, parts.audit, **parts.assist)
            )
    if o.admin is not None:
        from kiosk.ui.controllers.admin import AdminController
        from kiosk.ui.controllers.ports import AdminPorts

        options: dict[str, Any] = {
            "staff": kiosk.staff,
            "assist": kiosk.assist,
            # Without staff parts, the caller's sign-in comes later as the app's does
            # (``start_staff``, then ``kiosk.staff_slot.provide``).
            "staff_slot": kiosk.staff_slot if o.staff is None else None,
            "audit": o.staff.audit if o.staff is not None else None,
            "config_path": o.admin.config_path,
            "monotonic": o.monotonic or time.monotonic,
            **o.admin.options,
        }
        ports = AdminPorts(settings=o.admin.settings, store=o.admin.store, **options)
        kiosk.admin = AdminController(kiosk.window, kiosk.session, ports)


def _build_services(kiosk: Kiosk, o: Overrides, link_sealer: Any, config_path: Any) -> None:
    """The app's services: the offered languages and procedures, the sync thread (with the
    heartbeat's device checks) and the kiosk's status for the desk, admin mode and the
    desk's remote actions, the narrator."""
    from kiosk.link.status import KioskStatus
    from kiosk.link.sync_runner import SyncThread
    from kiosk.ui.controllers.admin import AdminController
    from kiosk.ui.controllers.ports import AdminPorts
    from kiosk.ui.controllers.remote_actions import RemoteActions  # the desk's (issue 16)
    from kiosk.ui.narration import Narrator

    settings, session, window = kiosk.settings, kiosk.session, kiosk.window
    forget = link_sealer.forget if link_sealer is not None else None
    # The kiosk's state for the desk (heartbeat); a change wakes the sync thread.
    status = KioskStatus(on_change=lambda _state: sync.wake())
    sync = SyncThread(
        settings,
        kiosk.store,
        demo=o.central,
        on_enrolled=forget,
        status=status,
        device_health=_device_health(kiosk, status),
        # The desk's remote actions, fetched on the sync thread, carried out on the GUI's.
        on_commands=lambda commands: remote_actions.deliver(commands),
    )
    session.application_submitted.connect(lambda _uuid: sync.wake())
    session.offer(settings.languages, settings.procedures)
    # Lockdown (escape shortcuts swallowed, the staff gesture) and admin mode, with the
    # out-of-service state and the offered languages and procedures applied at once. The
    # staff sign-in and the assisted session come through ``kiosk.staff_slot`` once they
    # are started after the first paint (``kiosk.app``).
    admin = AdminController(
        window,
        session,
        AdminPorts(
            settings=settings,
            store=kiosk.store,
            config_path=config_path,
            staff_slot=kiosk.staff_slot,
            sync=sync,
            status=status,
            on_enrolled=forget,
            health_every_s=15 * 60,
            monotonic=o.monotonic or time.monotonic,
        ),
    )
    remote_actions = RemoteActions(admin, session, sync.runner)
    Narrator(session, window)  # says the focused control when the voice is on
    kiosk.status, kiosk.sync, kiosk.admin = status, sync, admin
    kiosk.remote_actions = remote_actions


def _device_health(kiosk: Kiosk, status: KioskStatus) -> Callable[[], dict[str, str]]:
    """Each heartbeat's cheap device checks (kiosk.health.heartbeat), on the sync thread;
    they also go into the kiosk's status for the desk."""
    session = kiosk.session

    def device_health() -> dict[str, str]:
        from kiosk.health.heartbeat import collect, to_wire

        found = collect(
            kiosk.settings,
            kiosk.speech,
            lambda: session.scanner is not None,
            printer=session.receipt.printer,
        )
        status.set_device_health({**status.snapshot().device_health, **found})
        return to_wire(found)

    return device_health
