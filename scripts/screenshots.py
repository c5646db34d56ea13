"""Renders the screens used in the README (offscreen, fake devices) to docs/screenshots/.

QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication

from contract.catalogue import load_catalogue
from kiosk.devices.speech import RecordingSpeech
from kiosk.ui import SessionController, build_ui
from kiosk.ui.theme import Theme
from tests.gui.conftest import FakeStore

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    controller = SessionController(
        catalogue=load_catalogue(),
        store=FakeStore(),
        sealer=lambda uuid, payload: json.dumps(payload).encode(),
        kiosk_id=lambda: "kiosk-demo",
        speech=RecordingSpeech(),
        clock=lambda: dt.datetime.now(dt.UTC),
    )
    window = build_ui(app, controller, Theme())
    window.resize(1280, 1024)
    window.show()
    settle(app)
    window.grab().save(str(OUT / "welcome-fr.png"))

    controller.choose_language("ar")
    controller.set_theme(Theme(scale=2.0, high_contrast=True))
    controller.start()
    controller.choose_procedure("renewal-student")
    settle(app)
    controller.submit_step({})  # empty: shows the error summary
    settle(app)
    window.grab().save(str(OUT / "step-ar-200-high-contrast.png"))
    controller.shutdown()
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
