"""The end-to-end tests' kiosk: enrolled on the real central API (``central_server``), on
the real encrypted store, sealing with the key the central API gave at enrolment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contract.catalogue import load_catalogue
from kiosk.devices.speech import RecordingSpeech
from kiosk.link.connection import utcnow
from kiosk.link.sealer import Sealer
from kiosk.store import Store
from kiosk.ui.controllers.session import SessionController
from kiosk.ui.main_window import MainWindow
from sync.enrolment import Enrolment
from tests.gui.conftest import session_window


@pytest.fixture
def kiosk_env(tmp_path: Path, central_server: Any, request: Any) -> Iterator[Any]:
    """(settings, store, enrolment) of a kiosk enrolled under the test module's
    ``KIOSK_NAME``."""
    name = getattr(request.module, "KIOSK_NAME", "kiosk-e2e")
    settings, enrolment = central_server.enrolled_kiosk(tmp_path / "kiosk", name)
    store = Store.open(settings.db_dir)
    yield settings, store, enrolment
    store.close()


def enrolled_window(
    qtbot: Any, settings: Any, store: Any, speech: RecordingSpeech | None = None
) -> tuple[SessionController, MainWindow]:
    """The session controller and its window, shown, on ``store``, sealing for the central
    API the kiosk is enrolled on (``settings.enrolment_file``), speaking to ``speech``."""
    controller, window = session_window(
        catalogue=load_catalogue(),
        store=store,
        sealer=Sealer(settings.enrolment_file),
        kiosk_id=lambda: Enrolment.load(settings.enrolment_file).kiosk_id,
        speech=speech or RecordingSpeech(),
        clock=utcnow,
    )
    qtbot.addWidget(window)
    window.resize(1280, 1024)
    window.show()
    return controller, window
