"""The kiosk's start-up: the settings from the command line and the configuration file,
the kiosk built by the composition root (``kiosk.ui.compose.build_kiosk``: store, devices,
the link to the central API, the controllers and the window), the first paint, then the
parts started after it (the document scanner, help calls, staff sign-in and the assisted
session, given to their controllers through their slots), and the exit.
"Hors service" when the kiosk cannot start. Nothing else lives here."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from kiosk.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from kiosk.store.deferred import DeferredStore
    from kiosk.ui.controllers.session import SessionController

log = logging.getLogger("kiosk")
_T0 = time.monotonic()


def seconds_since_process_start() -> float:
    """Process age from the kernel's clock (includes interpreter start-up)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as fh:
            uptime = float(fh.read().split()[0])
        return uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _T0


def resident_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def demo_paths(args: argparse.Namespace) -> tuple[Any, Any] | None:
    """The demo's data directory and settings file (``--demo``): its own, under the user's
    data directory (``$XDG_DATA_HOME``), unless ``--data-dir`` / ``--config`` (or
    ``$KIOSK_DATA_DIR`` / ``$KIOSK_CONFIG``) say otherwise. Never ``/etc``: a demo run as
    root must not change every later run of the machine. None: not the demo."""
    from pathlib import Path

    from kiosk.config import demo_data_dir

    if not getattr(args, "demo", False):
        return None
    data_dir = args.data_dir or (
        Path(os.environ["KIOSK_DATA_DIR"]) if os.environ.get("KIOSK_DATA_DIR") else None
    )
    data_dir = data_dir or demo_data_dir()
    config = args.config or (
        Path(os.environ["KIOSK_CONFIG"]) if os.environ.get("KIOSK_CONFIG") else None
    )
    return data_dir, config or data_dir / "kiosk.toml"


def _private_dir(path: Any) -> None:
    """The demo's own data directory, readable by its user only (as a kiosk's is)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        "data_dir": args.data_dir,
        "central_url": args.central_url,
    }
    if args.windowed:
        overrides["fullscreen"] = False
    if args.fake_devices or args.demo:
        overrides["fake_devices"] = True
    demo = demo_paths(args)
    if demo is None:
        return load_settings(args.config, overrides)
    data_dir, config = demo
    _private_dir(data_dir)
    overrides["data_dir"] = data_dir
    return load_settings(config if config.exists() else None, overrides, system_config=False)


def _start_scanner(controller: SessionController, settings: Settings) -> None:
    """The document camera and scanner: OpenCV takes most of a second to import, so it is
    imported on the task runner's pool and the scanner is built back on the GUI thread
    and provided to the session controller through its slot; then the MRZ reader's model
    is trained on the pool."""
    import importlib

    def build(module: Any) -> None:
        scanner = module.build_scanner(controller, settings, parent=controller)
        controller.scanner_slot.provide(scanner)
        # The MRZ reader's model (about 1.5 s to train) is made now, on the pool, so that
        # the first passport is read at once.
        scanner.warm_up()

    controller.tasks.run_cpu(
        importlib.import_module,
        "kiosk.ui.controllers.scanner",
        on_done=build,
        on_error=lambda exc: log.error("no document camera: %s", type(exc).__name__),
    )


def _out_of_service_label(message: str) -> Any:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    label = QLabel(message)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet("font-size: 28px; padding: 48px; background: white; color: #161616;")
    label.setAccessibleName(message)
    return label


def _out_of_service(app: Any, message: str) -> int:
    """A plain, safe screen when the kiosk must not run (corrupt store, bad catalogue)."""
    label = _out_of_service_label(message)
    label.showFullScreen()
    return int(app.exec())


def config_path(args: argparse.Namespace) -> Any:
    """The configuration file admin mode writes: ``--config``, else ``$KIOSK_CONFIG``, else
    the system one (the installer makes it writable by the kiosk's user); the demo's in its
    own data directory."""
    from pathlib import Path

    from kiosk.config import SYSTEM_CONFIG

    demo = demo_paths(args)
    if demo is not None:
        return demo[1]
    if args.config:
        return Path(args.config)
    if os.environ.get("KIOSK_CONFIG"):
        return Path(os.environ["KIOSK_CONFIG"])
    return SYSTEM_CONFIG


def _help_calls(controller: SessionController, settings: Settings, sync: Any, status: Any) -> Any:
    """The "Aide" button calls the reception desk through the central API (issue 7:
    kiosk.link.help_call); the help call is provided to the session controller's slot."""
    from kiosk.link.help_call import HelpCall, HelpCallLink
    from kiosk.ui.controllers.help_call import attach_help_calls
    from kiosk.ui.controllers.ports import HelpCallPorts

    def client() -> Any:  # on the help call's thread
        from sync.enrolment import Enrolment

        path = settings.enrolment_file
        return sync.new_client(Enrolment.load(path).token) if path.exists() else None

    def link(on_update: Callable[[HelpCall], None]) -> HelpCallLink:
        return HelpCallLink(client, on_update)

    return attach_help_calls(controller, HelpCallPorts(link, status))


BACKGROUND_START_FALLBACK_MS = 10_000


class FirstPaint:
    """Calls ``then`` once, on the GUI thread, right after ``widget``'s first paint (or when
    ``fire()`` is called first). With ``report``, prints the start-up figures then
    (``--exit-after-shown``: benchmarks/startup.py and the installer's smoke test)."""

    def __init__(self, widget: Any, *, report: bool, then: Any) -> None:
        from PySide6.QtCore import QEvent, QObject, QTimer

        self._then = then
        self._report = report
        self.done = False
        owner = self

        class Filter(QObject):
            def eventFilter(self, obj: Any, event: Any) -> bool:
                if event.type() == QEvent.Type.Paint and not owner.done:
                    # After this paint event is handled: the frame is out first.
                    QTimer.singleShot(0, owner.fire)
                return False

        self._filter = Filter(widget)
        widget.installEventFilter(self._filter)
        self._widget = widget

    def fire(self) -> None:
        if self.done:
            return
        self.done = True
        self._widget.removeEventFilter(self._filter)
        if self._report:
            print(
                f"welcome_shown since_start_s={seconds_since_process_start():.3f} "
                f"rss_mb={resident_mb():.1f} cpu_s={time.process_time():.3f}",
                flush=True,
            )
        self._then()


OUT_OF_SERVICE = (
    "Cette borne est hors service. Merci de vous adresser à l'accueil.\n"
    "This kiosk is out of service. Please ask at the reception desk."
)


def run(args: argparse.Namespace) -> int:
    try:
        settings = settings_from_args(args)
    except ConfigError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2

    from kiosk.logs import setup_logging

    setup_logging(settings.log_dir)
    if getattr(args, "desk", False):
        from kiosk.desk.app import run_desk

        return run_desk(settings, args.language or "fr")

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from contract.catalogue import CatalogueError
    from kiosk.ui.compose import Overrides, build_kiosk
    from kiosk.ui.gc_guard import GuiThreadCollector

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    collector = GuiThreadCollector(app)  # Qt objects are never freed on a worker thread
    app.setApplicationName("kiosk-titre-sejour")

    demo = None
    if args.demo:
        from kiosk.link.demo_central import DemoCentral

        demo = DemoCentral(settings.data_dir / "central", site=settings.site_name)
        demo.start()  # in the background: the window does not wait for it

    try:
        kiosk = build_kiosk(settings, Overrides(central=demo), config_path=config_path(args))
    except CatalogueError as exc:
        log.error("kiosk cannot start: %s", exc)
        print(f"kiosk: {exc}", file=sys.stderr)
        if demo:
            demo.stop()
        return _out_of_service(app, OUT_OF_SERVICE)
    window, controller, speech = kiosk.window, kiosk.session, kiosk.speech
    store = cast("DeferredStore", kiosk.store)  # the app's: opened after the first paint
    sync, kiosk_status = kiosk.sync, kiosk.status
    assert sync is not None and kiosk_status is not None and kiosk.store_failure is not None

    def on_unexpected(
        kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        # Never a traceback on screen: log it, forget the applicant, back to a safe screen.
        log.critical("unexpected error; returning to the welcome screen", exc_info=(kind, exc, tb))
        try:
            controller.wipe()
        except Exception:
            log.exception("wipe after an unexpected error failed")

    def on_store_failure(reason: str) -> None:
        log.error("kiosk store refused: %s", reason)
        print(f"kiosk: {reason}", file=sys.stderr)
        window.setCentralWidget(_out_of_service_label(OUT_OF_SERVICE))

    kiosk.store_failure.failed.connect(on_store_failure)
    sys.excepthook = on_unexpected
    threading.excepthook = lambda a: log.critical(
        "unexpected error in thread %s", a.thread.name if a.thread else "?",
        exc_info=(a.exc_type, a.exc_value, a.exc_traceback),  # type: ignore[arg-type]
    )  # fmt: skip

    def shutdown() -> None:
        if kiosk.help_calls is not None:  # attached after the first paint
            kiosk.help_calls.shutdown()
        sync.stop()
        if controller.scanner is not None:
            controller.scanner.clear()  # stops the camera thread
        controller.shutdown()
        speech.close()
        store.close()
        if demo:
            demo.stop()
        collector.stop()

    app.aboutToQuit.connect(shutdown)

    def quit_app() -> None:
        # Qt 6 asks the windows to close before quitting; the locked-down window refuses
        # unless told (kiosk.ui.lockdown): SIGTERM, SIGINT and staff's "Quitter" tell it.
        window.close_allowed = True
        app.quit()

    # SIGTERM/SIGINT (systemd, Ctrl+C) quit cleanly, so the demo server and sync stop too;
    # the timer lets Python run its signal handlers while Qt's loop is waiting.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: quit_app())
    heartbeat = QTimer(app)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(250)

    def start_staff() -> None:
        # Mediators and staff (issue 7): sign-in through the central API imports the HTTP
        # client; admin mode gets them through its slot.
        from kiosk.ui.controllers.staff import start_staff

        kiosk.staff, kiosk.assist = start_staff(window, controller, settings, demo, kiosk_status)
        assert kiosk.staff_slot is not None
        kiosk.staff_slot.provide((kiosk.staff, kiosk.assist))

    def start_help_calls() -> None:
        # Its thread imports the HTTP client: after the first paint.
        kiosk.help_calls = _help_calls(controller, settings, sync, kiosk_status)

    def purged(count: int) -> None:
        if count:
            log.info("%d interrupted draft(s) deleted", count)

    def open_store_and_purge() -> None:
        store.start()  # SQLAlchemy and Alembic are imported on the store's own thread
        # A draft not saved for later belonged to a session that a crash ended: forget it
        # before the first applicant (the task runner's worker is serial). Queued once the
        # store is opening in its own thread (a call before would open it a second time).
        controller.tasks.run(
            store.drafts.purge_unsaved,
            on_done=purged,
            on_error=lambda exc: log.error("purging drafts failed: %s", type(exc).__name__),
        )

    # Everything the welcome screen does not need starts once it is painted, one slice per
    # turn of the event loop (a touch in between is handled at once). Started any earlier,
    # their imports contend with the GUI thread's for the GIL and the import lock, on the
    # path to the first paint (benchmarks/startup.py).
    background_work = [
        open_store_and_purge,
        speech.start,  # the voice's engine process
        sync.start,  # the sync thread
        lambda: _start_scanner(controller, settings),  # OpenCV, the OCR model: on the pool
        start_staff,
        start_help_calls,
    ]

    def start_background_work() -> None:
        if background_work:
            background_work.pop(0)()
            QTimer.singleShot(0, start_background_work)

    first_paint = FirstPaint(
        window.welcome,
        report=args.exit_after_shown,
        then=quit_app if args.exit_after_shown else start_background_work,
    )
    if not args.exit_after_shown:
        # A screen that is never painted (no output, a compositor that never shows the
        # window) must not keep the kiosk from syncing its outbox.
        QTimer.singleShot(BACKGROUND_START_FALLBACK_MS, first_paint.fire)
    if demo:
        print(
            f"kiosk: demo central API on {demo.url}\n"
            f"kiosk: demo data (settings, logs, receipts, central API): {settings.data_dir}\n"
            f"kiosk: applications received: curl -H 'Authorization: Bearer {demo.admin_token}' "
            f"{demo.url}/v1/admin/applications\n"
            # The desk runs on its own token, which cannot read applications.
            f"kiosk: reception desk: KIOSK_DESK_TOKEN={demo.desk_token} kiosk --desk "
            f"--central-url {demo.url}",
            flush=True,
        )

    if settings.fullscreen:
        # Lockdown: no window decorations, above other windows, no closing but by staff.
        window.setWindowFlags(
            window.windowFlags()
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        window.close_allowed = False
        if not app.platformName().startswith("wayland"):
            # X without a window manager (Xvfb) negotiates no full screen: take the whole
            # screen ourselves, then ask for full screen where a WM exists. Never under
            # Wayland (cage): a client cannot place itself, and a geometry set before
            # showFullScreen() left the window maximized and never drawn (a black screen).
            window.setGeometry(app.primaryScreen().geometry())
        window.showFullScreen()
    else:
        window.resize(1280, 960)
        window.show()
    return int(app.exec())
