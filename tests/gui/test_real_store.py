"""The controller against the real encrypted store (not a fake): one outbox entry, no draft."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contract.catalogue import Catalogue
from kiosk.devices.speech import RecordingSpeech
from kiosk.domain.session import Screen
from kiosk.store import Store
from kiosk.testing import FakeSealer, MemoryStore
from tests.gui.conftest import NOW, Kiosk, session_window

pytestmark = pytest.mark.gui


def real_store_kiosk(qtbot: Any, catalogue: Catalogue, store: Store) -> Kiosk:
    """A kiosk on ``store`` (the real one), sealing in clear JSON, shown at 1280 x 1024."""
    controller, window = session_window(
        catalogue=catalogue,
        store=store,
        sealer=lambda uuid, payload: json.dumps(payload).encode(),
        kiosk_id=lambda: "kiosk-test-01",
        speech=RecordingSpeech(),
        clock=lambda: NOW,
    )
    qtbot.addWidget(window)
    window.resize(1280, 1024)
    window.show()
    return Kiosk(window, controller, MemoryStore(), FakeSealer(), RecordingSpeech(), qtbot)


def test_submission_through_the_real_store(qtbot, tmp_path: Path, catalogue: Catalogue) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(tmp_path / "data")
    try:
        kiosk = real_store_kiosk(qtbot, catalogue, store)
        controller, window = kiosk.controller, kiosk.window
        kiosk.to_check()
        uuid = controller.session.uuid
        qtbot.waitUntil(lambda: store.drafts.load(uuid) is not None)
        kiosk.click(window.check.confirm_button)
        kiosk.click(window.consent.checkbox)
        kiosk.click(window.consent.submit_button)
        kiosk.wait_screen(Screen.RECEIPT)
        entry = store.outbox.entry(uuid)
        assert entry is not None
        assert window.receipt.reference.text() == entry.local_reference
        qtbot.waitUntil(lambda: controller.tasks.pending == 0)
        assert store.drafts.load(uuid) is None
        # A retry of the same uuid is the same entry (idempotent end to end).
        again = store.outbox.enqueue(uuid, "renewal-student", b"x", NOW)
        assert again.local_reference == entry.local_reference
        kiosk.click(window.receipt.finish_button)
        kiosk.wait_screen(Screen.WELCOME)
    finally:
        controller.shutdown()
        store.close()
