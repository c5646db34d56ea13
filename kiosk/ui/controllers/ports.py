"""The controllers' ports: what each controller is built from, typed, given once at
construction by the composition root (``kiosk.ui.compose.build_kiosk``) and never set
afterwards.

Parts that arrive later than the controllers (the document scanner once OpenCV is loaded,
the help call once its HTTP client is imported, staff sign-in) come through a
:class:`Slot`: the controller holds the slot from its construction and hears the part
arrive through the slot's ``provided`` signal.

GUI thread only.
"""

from __future__ import annotations

import datetime as dt
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QObject, Signal

from kiosk.i18n import SOURCE_LANGUAGE

if TYPE_CHECKING:
    from pathlib import Path

    from contract.catalogue import Catalogue
    from kiosk.admin.selftest import SelfTests
    from kiosk.config import Settings
    from kiosk.devices.camera import Camera
    from kiosk.devices.printer import Printer
    from kiosk.devices.speech import Speech
    from kiosk.domain.session import ApplicantSession
    from kiosk.i18n import Translator
    from kiosk.link.help_call import HelpCall, HelpCallLink
    from kiosk.link.status import KioskStatus
    from kiosk.scan.pipeline import Calibration, ScanSettings
    from kiosk.staff import AuditLog, StaffDirectory
    from kiosk.ui.camera_view import CameraFeed
    from kiosk.ui.inactivity import InactivityMonitor
    from kiosk.ui.lockdown import Lockdown
    from kiosk.ui.main_window import MainWindow
    from kiosk.ui.tasks import TaskRunner
    from kiosk.ui.theme import Theme


class OutboxEntry(Protocol):
    local_reference: str
    created_at: dt.datetime


class StorePort(Protocol):
    """What the controllers need from ``kiosk.store.Store`` (or ``kiosk.testing.MemoryStore``):
    its repositories ``drafts``, ``pages``, ``resume_codes`` and ``outbox``."""

    @property
    def drafts(self) -> Any: ...
    @property
    def pages(self) -> Any: ...
    @property
    def resume_codes(self) -> Any: ...
    @property
    def outbox(self) -> Any: ...


# Seals an application's payload for the central API (``kiosk.link.sealer.Sealer``).
Sealer = Callable[[str, dict[str, Any]], bytes]
# Seals an application with its photographed pages and queues it in the store's outbox,
# on the store worker: ``submit(store, uuid, procedure_id, payload, now) -> entry``.
Submitter = Callable[[StorePort, str, str, dict[str, Any], dt.datetime], OutboxEntry]


def enqueue_sealed(sealer: Sealer) -> Submitter:
    """A submitter for a sealer that seals the payload alone (no pages)."""

    def submit(
        store: StorePort, uuid: str, procedure_id: str, payload: dict[str, Any], now: dt.datetime
    ) -> OutboxEntry:
        entry: OutboxEntry = store.outbox.enqueue(uuid, procedure_id, sealer(uuid, payload), now)
        return entry

    return submit


class StatusLookups(Protocol):
    """The central API's status lookups (``kiosk.link.status_service.StatusService``);
    blocking: called on the task runner's pool."""

    def lookup(
        self, reference: str, secret: str | None = None, birth_date: str | None = None
    ) -> Any: ...
    def attestation(
        self, reference: str, secret: str | None = None, birth_date: str | None = None
    ) -> Any: ...


T = TypeVar("T")


class Slot(QObject, Generic[T]):
    """A part that arrives after the controllers are built: ``provide(part)`` (or None to
    take it away) emits ``provided``; ``current`` is what was last provided."""

    provided = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.current: T | None = None

    def provide(self, part: T | None) -> None:
        self.current = part
        self.provided.emit(part)


@dataclass(frozen=True)
class ReceiptPorts:
    """The receipt's and the status screen's ports: the printer (None: "the printer does
    not answer", the receipt on screen), the status lookups (None: none), the camera that
    reads a receipt's QR code (a factory: opened only while needed), the site's name
    printed on the receipt, and whether the receipt prints by itself."""

    printer: Printer | None = None
    status: StatusLookups | None = None
    qr_camera: Callable[[], Camera] | None = None
    site_name: str = "Préfecture"
    auto_print: bool = False


@dataclass(frozen=True)
class SessionOptions:
    """The session's settings (``kiosk.config.Settings`` or a test's values)."""

    voice_on: bool = False
    inactivity_timeout_s: float = 120
    inactivity_warning_s: float = 30
    on_screen_keyboard: bool = True
    draft_retention_days: int = 30


@dataclass(frozen=True)
class SessionPorts:
    """Everything the session controller is built from."""

    catalogue: Catalogue
    store: StorePort
    submit: Submitter  # seal and queue an application (on the store worker)
    kiosk_id: Callable[[], str]
    speech: Speech
    clock: Callable[[], dt.datetime]
    tasks: TaskRunner | None = None  # None: the controller's own
    monotonic: Callable[[], float] = time.monotonic
    receipt: ReceiptPorts = ReceiptPorts()
    options: SessionOptions = SessionOptions()
    # Parts that arrive later (see the module's docstring): None, a slot of its own that
    # nothing fills (no photographs; the "Aide" button shows where to ask).
    scanner: Slot[Any] | None = None  # kiosk.ui.controllers.scanner.ScanController
    help_calls: Slot[Any] | None = None  # kiosk.ui.controllers.help_call.HelpCallController


@dataclass(frozen=True)
class StaffPorts:
    """Staff sign-in's ports: the staff directory that checks an identifier and PIN (or a
    badge), the audit log of sign-outs and assisted sessions, how long a signed-in person
    may stay idle and the sign-in screen may wait, the camera that reads badges (a
    factory: opened only while needed; None: no badge reading), the monotonic clock."""

    directory: StaffDirectory
    audit: AuditLog
    session_timeout_s: float = 15 * 60
    sign_in_timeout_s: float = 120
    badge_camera: Callable[[], Camera] | None = None
    monotonic: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class AssistPorts:
    """The assisted session's ports: staff sign-in (a ``StaffController``), the audit
    log, the kiosk's status for the desk (``KioskStatus``: "assisted", by whom; None:
    none), the clock (None: the session controller's) and the mediator's language."""

    staff: Any  # kiosk.ui.controllers.staff.StaffController
    audit: AuditLog
    status: KioskStatus | None = None
    clock: Callable[[], dt.datetime] | None = None
    mediator_language: str = SOURCE_LANGUAGE


@dataclass(frozen=True)
class HelpCallPorts:
    """The help call's ports: the link to the desk, made by the controller with its
    ``on_update`` (called on the link's thread: ``link(on_update) -> HelpCallLink``), the
    kiosk's status (the desk sees the screen the applicant is on; None: none) and the
    monotonic clock (how long the applicant has waited)."""

    link: Callable[[Callable[[HelpCall], None]], HelpCallLink]
    status: KioskStatus | None = None
    monotonic: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class ScannerPorts:
    """The document scanner's ports: the camera feed, the camera's calibration (None: a
    new one), the pipeline's settings and a page's size budget (None: the pipeline's and
    ``kiosk.scan.compress.PAGE_BUDGET``; OpenCV is imported only with the scanner), how
    many steady frames make a capture, how often guidance may be spoken, after how many
    frames it changes, how often the inactivity timer is kept alive while scanning, and
    the monotonic clock."""

    feed: CameraFeed
    calibration: Calibration | None = None
    settings: ScanSettings | None = None
    frames_required: int = 5
    page_budget: int | None = None
    speech_interval_s: float = 2.0
    guidance_frames: int = 3
    keepalive_s: float = 1.0
    monotonic: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class AdminPorts:
    """What admin mode is built from: the settings (and the file they are saved to), the
    store, the sync thread and the kiosk's status (full app), staff sign-in and the
    assisted session (given, or through ``staff_slot`` once started after the first
    paint), and the rest for tests (clocks, self-tests, enrolment, quitting...)."""

    settings: Settings
    store: Any
    config_path: Path | None = None
    staff: Any = None  # kiosk.ui.controllers.staff.StaffController
    assist: Any = None  # kiosk.ui.controllers.staff.AssistController
    staff_slot: Slot[tuple[Any, Any]] | None = None  # (staff, assist), provided later
    audit: Any = None  # the staff audit log; None: the sign-in's
    sync: Any = None  # kiosk.link.sync_runner.SyncThread (wake, status, purge...)
    purge: Callable[[], int] | None = None
    purge_preview: Callable[[], Any] | None = None
    status: KioskStatus | None = None
    selftests: SelfTests | None = None
    enrol: Callable[[Any, str], str] | None = None
    on_enrolled: Callable[[], None] | None = None
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    quit_app: Callable[[], None] | None = None
    tasks: TaskRunner | None = None
    lockdown: Lockdown | None = None
    health_every_s: float | None = None
    # The staff gesture's clock (five taps within three seconds; the lockdown's).
    monotonic: Callable[[], float] = time.monotonic


class FlowHost(Protocol):
    """What the flows (application, resume, scan, receipt) share with the session
    controller that builds them: the applicant's session and what is shown and said."""

    session: ApplicantSession
    catalogue: Catalogue
    translator: Translator
    theme: Theme
    inactivity: InactivityMonitor
    submitting: str | None  # uuid of the application being sealed and queued
    assistance: dict[str, Any] | None  # an assisted session's consent

    @property
    def w(self) -> MainWindow: ...
    def now(self) -> dt.datetime: ...
    def today(self) -> dt.date: ...
    def say(self, text: str) -> None: ...
    def say_if_voice(self, text: str) -> None: ...
    def render(self, *, speak: bool = True) -> None: ...
    def retranslate(self, code: str) -> None: ...
    def wipe(self) -> None: ...


class Flow(QObject):
    """A part of the session controller (its host), which holds the host weakly: the
    session controller owns the flow, and no reference cycle keeps it alive."""

    def __init__(self, host: FlowHost, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.host: FlowHost = weakref.proxy(host)


class StoreFlow(Flow):
    """A flow that reads or writes the store, on the task runner's store worker."""

    def __init__(
        self, host: FlowHost, store: StorePort, tasks: TaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(host, parent)
        self.store = store
        self.tasks = tasks
