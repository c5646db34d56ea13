"""Admin mode's device self-tests, Qt-free: the checks of :mod:`kiosk.health.checks` that
staff run on demand, in the order the admin page lists them.

Each check may block (a camera being looked for, an OCR model being built, a test phrase
spoken): run them on a worker. They never raise (a failing check is a result) and carry no
personal data. With fake devices (the demo, CI) the device checks test the fakes; disk space
and the clock are always real, and an unsynchronised clock (NTP) is a failure here, where
staff can act on it (``kiosk-health`` only warns).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.health import checks as health_checks
from kiosk.health.registry import Check, Registry, Result

CheckResult = Result  # what the admin page shows: ``ok`` and ``detail``

# The checks, in the order the admin page lists them.
NAMES: tuple[str, ...] = ("camera", "ocr", "speech", "printer", "disk", "clock")
LABELS = {
    "camera": "Caméra",
    "ocr": "Lecture des documents (OCR)",
    "speech": "Voix",
    "printer": "Imprimante",
    "disk": "Espace disque",
    "clock": "Horloge",
}


class SelfTests:
    """The checks of one kiosk (``checks``: a :class:`Registry`, by name). ``run(name)``
    never raises: a failing check is a result. ``overrides`` replace checks by name (tests:
    an OCR engine that needs no model)."""

    def __init__(
        self,
        settings: Any,
        speech: Any = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        checks: dict[str, Callable[[], Result]] | None = None,
        printer: Any = None,
    ) -> None:
        fake = bool(settings.fake_devices)
        ntp = None if fake else health_checks.ntp_synchronized
        self.checks = Registry(
            [
                Check("camera", lambda: health_checks.camera(settings)),
                Check("ocr", health_checks.ocr_specimen),
                Check("speech", lambda: health_checks.speech_spoken(speech, fake)),
                Check("printer", lambda: health_checks.printer(printer)),
                Check("disk", lambda: health_checks.disk(Path(settings.data_dir))),
                Check(
                    "clock",
                    lambda: health_checks.clock(clock(), ntp=ntp, unsynchronised="fail"),
                ),
            ]
        )
        for name, run in (checks or {}).items():
            self.checks.add(Check(name, run))
        self.last: dict[str, Result] = {}

    def run(self, name: str) -> Result:
        result = self.checks.run(name)
        self.last[name] = result
        return result

    def run_all(self) -> dict[str, Result]:
        return {name: self.run(name) for name in self.checks}

    def health(self) -> dict[str, dict[str, Any]]:
        """The last results, for the heartbeat (``KioskStatus.set_device_health``)."""
        return {name: result.as_health() for name, result in self.last.items()}
