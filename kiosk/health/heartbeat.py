"""The cheap checks that go with each heartbeat (the desk's fleet view).

Called on the sync thread every round, so nothing here opens a device, speaks or runs OCR
(admin mode's self-tests, :mod:`kiosk.admin.selftest`, do that on demand): is the printer's
CUPS queue ready, is a camera there, is the voice's engine process alive, is the document
reader loaded, is there disk space, is the clock plausible. Never personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.health import checks
from kiosk.health.registry import Check, Registry

Health = dict[str, dict[str, Any]]  # name -> {"ok": bool, "detail": str}


def collect(
    settings: Any,
    speech: Any = None,
    scanner_ready: Callable[[], bool] | None = None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    printer: Any = None,
) -> Health:
    """The heartbeat's checks, each on its own: one that fails is a fault, not a crash.
    ``printer``: the kiosk's :class:`kiosk.devices.printer.Printer` (its health is in every
    heartbeat)."""
    found = Registry(
        [
            Check("printer", lambda: checks.printer(printer)),
            Check("camera", lambda: checks.camera(settings)),
            Check("speech", lambda: checks.speech_engine(speech, bool(settings.fake_devices))),
            Check("ocr", lambda: checks.reader_loaded(scanner_ready)),
            Check("disk", lambda: checks.disk(Path(settings.data_dir))),
            Check("clock", lambda: checks.clock(clock())),
        ]
    ).run_all()
    return {name: result.as_health() for name, result in found.items()}


def to_wire(health: Health) -> dict[str, str]:
    """The heartbeat's convention: "ok" / "ok: detail", or "fault: detail"."""
    from kiosk.link.status import StatusSnapshot

    return StatusSnapshot("idle", None, None, None, health).health_for_wire()
