"""Renders the staff's screens (offscreen, fake devices, realistic data) to look at them, and
copies them to docs/screenshots/ for the README (issue 16):

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/staff_screenshots.py [--out DIR]

- the desk (``kiosk --desk``): its calls list and its fleet view with the remote actions, at
  1280 x 960 and 1920 x 1080 (a desk's answers from a central API stand-in: five kiosks in
  every state the desk shows);
- admin mode's Réglages at 150 % text, on the kiosk's 4:3 screen (1280 x 1024);
- a mediator joining an application in progress: the applicant's consent, in Arabic.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication
from screenshots import DOCS, OUT, settle  # the applicant's screens' script, beside this one

from contract.catalogue import load_catalogue
from contract.protocol import DeskKiosk, DeskState, FleetKiosk, HelpCallState
from kiosk.config import Settings
from kiosk.desk.window import DeskWindow
from kiosk.devices.speech import RecordingSpeech
from kiosk.domain.session import Screen
from kiosk.staff import MemoryAuditLog, Role, StaffMember
from kiosk.testing import FakeSealer, MemoryStore
from kiosk.ui.compose import AdminParts, Overrides, StaffParts, build_kiosk
from kiosk.ui.controllers.session import SessionController

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
README = (
    "desk-calls--fr--1280x960.png",
    "desk-fleet--fr--1920x1080.png",
    "admin-settings--fr-150--1280x1024.png",
    "join-consent--ar--1280x1024.png",
)


def ago(**delta: float) -> dt.datetime:
    return NOW - dt.timedelta(**delta)


def desk_data() -> tuple[list[DeskKiosk], list[FleetKiosk]]:
    """Five kiosks of a prefecture's hall, as the central API would answer the desk."""
    call = HelpCallState.model_validate(
        {"call_id": "6f1c3a52-9a3e-4d1b-8f0e-1a2b3c4d5e6f", "kiosk_id": "k-hall-a",
         "status": "waiting", "screen": "documents", "language": "uk",
         "waiting_since": ago(minutes=4).isoformat()}
    )  # fmt: skip
    coming = HelpCallState.model_validate(
        {"call_id": "0b7e2f41-5c6d-4e8f-9a0b-1c2d3e4f5a6b", "kiosk_id": "k-hall-b",
         "status": "acknowledged", "screen": "step", "language": "ar",
         "waiting_since": ago(minutes=2).isoformat(), "acknowledged_by": "accueil-2",
         "acknowledged_at": ago(minutes=1).isoformat()}
    )  # fmt: skip
    kiosks = [
        DeskKiosk(kiosk_id="k-hall-a", name="Hall A — borne 1", state=DeskState.HELP_REQUESTED,
                  online=True, screen="documents", language="uk", last_contact=ago(seconds=8),
                  call=call, waiting_s=245.0),
        DeskKiosk(kiosk_id="k-hall-b", name="Hall A — borne 2", state=DeskState.HELP_COMING,
                  online=True, screen="step", language="ar", last_contact=ago(seconds=12),
                  call=coming, waiting_s=130.0),
        DeskKiosk(kiosk_id="k-hall-c", name="Hall B — borne 3", state=DeskState.ASSISTED,
                  online=True, screen="check", language="fa", last_contact=ago(seconds=20),
                  assisted_by="Karim Haddad"),
        DeskKiosk(kiosk_id="k-hall-d", name="Hall B — borne 4", state=DeskState.OUT_OF_SERVICE,
                  online=True, last_contact=ago(seconds=25),
                  out_of_service_message="L'imprimante de la borne est en panne. Merci de vous "
                  "adresser à l'accueil.", out_of_service_by="accueil : Claire Martin"),
        DeskKiosk(kiosk_id="k-annexe", name="Annexe — borne 5", state=DeskState.OFFLINE,
                  online=False, last_contact=ago(hours=3, minutes=12), backlog=3),
    ]  # fmt: skip
    fleet = [
        FleetKiosk(kiosk_id="k-hall-a", name="Hall A — borne 1", revoked=False,
                   software_version="0.1.0", state=DeskState.HELP_REQUESTED, online=True,
                   last_contact=ago(seconds=8), last_sync_ok_at=ago(seconds=38),
                   applications_today=14, attention=["help_requested"]),
        FleetKiosk(kiosk_id="k-annexe", name="Annexe — borne 5", revoked=False,
                   software_version="0.0.9", state=DeskState.OFFLINE, online=False,
                   last_contact=ago(hours=3, minutes=12), last_sync_ok_at=ago(hours=3, minutes=14),
                   backlog={"sealed": 3}, backlog_pending=3, applications_today=3,
                   attention=["offline"]),
        FleetKiosk(kiosk_id="k-hall-d", name="Hall B — borne 4", revoked=False,
                   software_version="0.1.0", state=DeskState.OUT_OF_SERVICE, online=True,
                   last_contact=ago(seconds=25), last_sync_ok_at=ago(minutes=1),
                   device_health={"printer": "fault: file CUPS kiosk : plus de papier", "camera": "ok"},
                   device_faults=["printer"], applications_today=9,
                   out_of_service_message="L'imprimante de la borne est en panne. Merci de vous "
                   "adresser à l'accueil.", out_of_service_by="accueil : Claire Martin",
                   attention=["out_of_service", "device_fault"]),
        FleetKiosk(kiosk_id="k-hall-c", name="Hall B — borne 3", revoked=False,
                   software_version="0.1.0", state=DeskState.ASSISTED, online=True,
                   last_contact=ago(seconds=20), last_sync_ok_at=ago(seconds=50),
                   applications_today=11, assisted_by="Karim Haddad"),
    ]  # fmt: skip
    return kiosks, fleet


class StandInClient:
    desk_name = "accueil-1"

    def close(self) -> None:
        pass


def desk_shots(app: QApplication, out: Path) -> list[Path]:
    written = []
    window = DeskWindow(StandInClient(), ring=lambda: None)  # type: ignore[arg-type]
    kiosks, fleet = desk_data()
    for size in ((1280, 960), (1920, 1080)):
        window.resize(*size)
        window.show()
        window._show((kiosks, fleet, None))
        for tab, name in ((0, "desk-calls"), (1, "desk-fleet")):
            window.tabs.setCurrentIndex(tab)
            settle(app)
            path = out / f"{name}--fr--{size[0]}x{size[1]}.png"
            window.grab().save(str(path))
            written.append(path)
    window.shutdown()
    window.close()
    return written


def kiosk(
    app: QApplication,
    scale: float = 1.0,
    admin: AdminParts | None = None,
    staff: StaffParts | None = None,
) -> tuple[SessionController, Any, Any]:
    """The kiosk's window and session controller, and admin mode with ``admin`` or the
    assisted session with ``staff``."""
    built = build_kiosk(
        Settings(fullscreen=False, text_scale=scale),
        Overrides(
            catalogue=load_catalogue(),
            store=MemoryStore(),
            sealer=FakeSealer(),
            speech=RecordingSpeech(),
            clock=lambda: NOW,
            kiosk_id=lambda: "k-hall-a",
            full=False,
            admin=admin,
            staff=staff,
        ),
    )
    controller, window = built.session, built.window
    window.resize(1280, 1024)
    window.show()
    settle(app)
    return controller, window, built.assist if staff is not None else built.admin


def admin_shot(app: QApplication, out: Path, data: Path) -> Path:
    settings = Settings(data_dir=data, fake_devices=True, text_scale=1.5)
    options = {"staff": None, "audit": MemoryAuditLog(), "clock": lambda: NOW}
    controller, window, admin = kiosk(
        app, 1.5, AdminParts(settings, MemoryStore(), data / "kiosk.toml", options)
    )
    admin.open(StaffMember("adm-0007", "Claire Martin", Role.STAFF))
    tabs = window.admin.tabs
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == "Réglages"))
    settle(app)
    path = out / "admin-settings--fr-150--1280x1024.png"
    window.grab().save(str(path))
    admin.lockdown.remove()
    controller.shutdown()
    window.close()
    return path


def consent_shot(app: QApplication, out: Path) -> Path:
    from kiosk.staff.fake import FakeStaffDirectory

    audit = MemoryAuditLog()
    parts = StaffParts(FakeStaffDirectory(audit=audit), audit, assist={})
    controller, window, assist = kiosk(app, staff=parts)
    controller.choose_language("ar")
    controller.start()
    controller.choose_procedure("renewal-student")
    controller.begin()
    settle(app)
    assert window.current_screen_id is Screen.STEP
    assist.start(StaffMember("med-0042", "Karim Haddad", Role.MEDIATOR))
    settle(app)
    path = out / "join-consent--ar--1280x1024.png"
    window.grab().save(str(path))
    controller.shutdown()
    window.close()
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--no-docs", action="store_true", help="do not copy to docs/screenshots")
    args = p.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data:
        written = [
            *desk_shots(app, args.out),
            admin_shot(app, args.out, Path(data)),
            consent_shot(app, args.out),
        ]
    if not args.no_docs:
        DOCS.mkdir(parents=True, exist_ok=True)
        for name in README:
            target = DOCS / name
            shutil.copyfile(args.out / name, target)
            tool = shutil.which("optipng")
            if tool:
                subprocess.run([tool, "-quiet", "-o2", str(target)], check=False)
    print(f"{len(written)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
