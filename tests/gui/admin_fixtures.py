"""Admin mode's fixture for the GUI tests (issue 7; shared by the staff tests of issue 16):
the real window and controller, a real store, a fake staff directory and audit log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kiosk.admin.selftest import SelfTests
from kiosk.config import Settings
from kiosk.devices.printer import FakePrinter
from kiosk.devices.speech import RecordingSpeech
from kiosk.health.registry import Result
from kiosk.link.status import KioskStatus
from kiosk.link.sync_runner import PurgePreview
from kiosk.staff import MemoryAuditLog, Role, StaffMember
from kiosk.staff.fake import FakeStaffDirectory
from kiosk.store import Store
from kiosk.ui.compose import AdminParts, StaffParts
from kiosk.ui.controllers.admin import AdminController
from kiosk.ui.controllers.staff import StaffController
from tests.gui.conftest import NOW, Kiosk

STAFF = StaffMember("adm-0007", "Claire Martin", Role.STAFF)
PIN = "482913"


class FakeSync:
    """The sync thread as admin mode sees it: woken, it runs ``on_wake`` (a test's round)."""

    def __init__(self) -> None:
        self.wakes = 0
        self.on_wake: Callable[[], None] | None = None

    def wake(self) -> None:
        self.wakes += 1
        if self.on_wake is not None:
            self.on_wake()


@dataclass
class Admin:
    kiosk: Kiosk
    controller: AdminController
    staff: StaffController
    audit: MemoryAuditLog
    store: Store
    sync: FakeSync
    status: KioskStatus
    settings: Settings
    config: Path
    quits: list[int] = field(default_factory=list)

    @property
    def screen(self) -> Any:
        return self.controller.screen

    def sign_in(self, identifier: str = STAFF.identifier, pin: str = PIN) -> None:
        """On the staff helper's real sign-in screen."""
        signin = self.kiosk.window.signin
        assert self.kiosk.window.stack.currentWidget() is signin
        signin.identifier_row.input.setText(identifier)
        signin.pin_row.input.setText(pin)
        signin.sign_in_button.click()

    def open(self) -> None:
        self.controller.request()
        with self.kiosk.qtbot.waitSignal(self.controller.opened, timeout=10_000):
            self.sign_in()
        assert self.kiosk.window.stack.currentWidget() is self.screen
        self.settle()

    def settle(self) -> None:
        """Let background work (the backlog read on opening, after a purge…) deliver: pytest-qt
        closes the window before fixtures tear down, and a late result found it deleted."""
        tasks = self.controller.tasks
        self.kiosk.qtbot.waitUntil(lambda: tasks.pending == 0, timeout=10_000)

    def admin_actions(self) -> list[str]:
        return [a for a in self.audit.actions() if a.startswith("admin_")]

    def act(self, action: str, click: Callable[[], None]) -> None:
        with self.kiosk.qtbot.waitSignal(
            self.controller.action_done, timeout=10_000, check_params_cb=lambda a: a == action
        ):
            click()
        self.settle()


@pytest.fixture
def make_admin(make_kiosk: Callable[..., Kiosk], tmp_path: Path) -> Iterator[Callable[..., Admin]]:
    made: list[Admin] = []
    store = Store.open(tmp_path / "store")

    def make(
        *,
        assisted: bool = False,
        on_store: bool = False,
        enrol: Callable[[Any, str], str] | None = None,
        settings: Settings | None = None,
        config: Path | None = None,
        **settings_values: Any,
    ) -> Admin:
        """``assisted``: with the mediators' assisted session (admin mode offers it);
        ``on_store``: the applicant's side on the same real store as admin mode;
        ``enrol``: the enrolment (a code accepted, "GOOD-CODE", else refused); ``settings``
        and ``config``: admin mode's settings and the file it saves them to (else the
        test's own, with ``settings_values``)."""
        if settings is None:
            settings = Settings(data_dir=tmp_path / "data", fake_devices=True, **settings_values)
        config = config or tmp_path / "kiosk.toml"
        audit, sync, status = MemoryAuditLog(), FakeSync(), KioskStatus()
        directory = FakeStaffDirectory(audit=audit)
        directory.add(STAFF.identifier, PIN, STAFF.display_name, Role.STAFF)
        directory.add("med-0042", "735184", "Karim Haddad", Role.MEDIATOR)
        speech = RecordingSpeech()
        selftests = SelfTests(
            settings,
            speech,
            clock=lambda: NOW,
            checks={"ocr": lambda: Result("ok", "moteur simulé prêt")},
            printer=FakePrinter(tmp_path / "receipts"),  # as kiosk.app gives the kiosk's own
        )
        quits: list[int] = []
        options: dict[str, Any] = {
            "sync": sync,
            "purge": lambda: 3,
            "purge_preview": lambda: PurgePreview(2, NOW, 1, NOW),
            "status": status,
            "selftests": selftests,
            "enrol": enrol or _enrol,
            "clock": lambda: NOW,
            "quit_app": lambda: quits.append(1),
        }
        kiosk = make_kiosk(
            store=store if on_store else None,
            speech=speech,
            staff_parts=StaffParts(
                directory, audit, assist={"status": status} if assisted else None
            ),
            admin_parts=AdminParts(settings, store, config, options),
        )
        # The gesture's three seconds are on the kiosk's fake monotonic clock (a loaded
        # machine must not stretch five quick taps past them); tests that care move it.
        controller, staff = kiosk.admin, kiosk.staff
        admin = Admin(
            kiosk, controller, staff, audit, store, sync, status, settings, config, quits,
        )  # fmt: skip
        made.append(admin)
        return admin

    yield make
    for admin in made:
        admin.controller.lockdown.remove()
        admin.staff.timer.stop()
        admin.staff.sign_in_timer.stop()
        admin.controller.timer.stop()
        admin.controller.refresh_later.stop()
    store.close()


def _enrol(_settings: Any, code: str) -> str:
    from sync.client import AuthError

    if code == "GOOD-CODE":
        return "kiosk-0042"
    raise AuthError("code refused", status=401)


@pytest.fixture
def admin(make_admin: Callable[..., Admin]) -> Admin:
    return make_admin()
