"""The diagnostics export (admin mode) holds no personal data of the applicants who used
the kiosk: an application with distinctive values is filed first (into the real store, with
the kiosk's logging on), then the export is searched for them."""

from __future__ import annotations

import logging
import logging.handlers
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import tests.gui.conftest as gui
from kiosk.logs import setup_logging
from tests.gui.admin_fixtures import Admin
from tests.gui.test_privacy import CONTACT, DISTINCTIVE, IDENTITY, RENEWAL

pytestmark = pytest.mark.gui


@pytest.fixture
def kiosk_logging(tmp_path: Path) -> Iterator[Path]:
    log_dir = tmp_path / "data" / "logs"
    root = logging.getLogger()
    level = root.level
    setup_logging(log_dir)
    yield log_dir
    for handler in [
        h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)
    ]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


def test_the_diagnostics_export_holds_no_personal_data(
    make_admin: Callable[..., Admin],
    kiosk_logging: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gui, "IDENTITY", IDENTITY)
    monkeypatch.setattr(gui, "CONTACT", CONTACT)
    monkeypatch.setattr(gui, "STUDENT_RENEWAL", RENEWAL)
    admin = make_admin(on_store=True)  # the real store: drafts, outbox, audit events
    kiosk = admin.kiosk
    kiosk.to_receipt()
    uuid = kiosk.controller.session.uuid
    kiosk.click(kiosk.window.receipt.finish_button)
    kiosk.qtbot.waitUntil(lambda: kiosk.controller.tasks.pending == 0)
    # The applicant's data is on this kiosk (the fake sealer does not encrypt)...
    entry = admin.store.outbox.entry(uuid)
    assert entry is not None and b"Quorvendal" in entry.sealed
    admin.store.outbox.mark_failed(uuid, "HTTP 503", gui.NOW, None)
    admin.store.audit_trail.record("submitted", gui.NOW, uuid=uuid, procedure="renewal-student")

    # ...and not in the export.
    admin.open()
    usb = tmp_path / "usb"
    admin.screen.export_dir.setText(str(usb))
    admin.act("admin_export", admin.screen.export_button.click)
    [archive] = list(usb.glob("kiosk-diagnostics-*.zip"))
    assert str(archive) in admin.screen.export_result.text()
    with zipfile.ZipFile(archive) as zf:
        contents: dict[str, str] = {
            name: zf.read(name).decode("utf-8", "replace") for name in zf.namelist()
        }
    assert {"versions.json", "config.json", "backlog.json", "enrolment.json"} <= set(contents)
    assert any(name.startswith("logs/") for name in contents)
    assert '"failed": 1' in contents["backlog.json"] and "HTTP 503" in contents["backlog.json"]
    leaks = [
        (name, value)
        for name, text in contents.items()
        for value in DISTINCTIVE
        if value.lower() in text.lower()
    ]
    assert leaks == []
    # The export carries the kiosk's live log (written during the application above).
    log_text = "".join(t for n, t in contents.items() if n.startswith("logs/"))
    assert "admin_open" in log_text
    assert "token" not in contents["enrolment.json"]
