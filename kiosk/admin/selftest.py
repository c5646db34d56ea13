"""Device self-tests for admin mode and the heartbeat's device health, Qt-free.

Each check returns a :class:`CheckResult` (never raises, never personal data) and may block
(a camera being opened, an OCR model being built): run them on a worker. With fake devices
(the demo, CI) the device checks test the fakes; disk space and the clock are always real.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
MIN_FREE_BYTES = 1 << 30  # 1 GiB: a day of scanned pages with room to spare
EARLIEST_PLAUSIBLE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str

    def as_health(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail}


def check_disk(path: Path, minimum: int = MIN_FREE_BYTES) -> CheckResult:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    usage = shutil.disk_usage(probe)
    free_gb = usage.free / (1 << 30)
    detail = f"{free_gb:.1f} Go libres sur {usage.total / (1 << 30):.1f} Go"
    return CheckResult(usage.free >= minimum, detail)


def check_clock(now: dt.datetime, ntp: Callable[[], bool | None] | None = None) -> CheckResult:
    if now.tzinfo is None:
        return CheckResult(False, "horloge sans fuseau horaire")
    if now < EARLIEST_PLAUSIBLE:
        return CheckResult(False, f"date invraisemblable : {now:%Y-%m-%d %H:%M}")
    synced = ntp() if ntp is not None else None
    if synced is False:
        return CheckResult(False, f"{now:%Y-%m-%d %H:%M} UTC, non synchronisée (NTP)")
    suffix = ", synchronisée (NTP)" if synced else ""
    return CheckResult(True, f"{now.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC{suffix}")


def ntp_synchronized() -> bool | None:
    """systemd's view of clock synchronisation; None where it cannot be asked."""
    if shutil.which("timedatectl") is None:
        return None
    try:
        out = subprocess.run(
            ["timedatectl", "show", "-p", "NTPSynchronized", "--value"],
            capture_output=True, text=True, timeout=3, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    value = out.stdout.strip()
    return {"yes": True, "no": False}.get(value)


def check_camera(settings: Any) -> CheckResult:
    from kiosk.devices.camera import camera_from_settings

    camera = camera_from_settings(settings)
    kind = "caméra simulée" if settings.fake_devices else f"caméra {settings.camera}"
    if camera.available():
        return CheckResult(True, f"{kind} disponible")
    return CheckResult(False, f"{kind} introuvable")


# ICAO 9303's specimen passport (part 4, appendix): what the OCR self-test must read back.
SPECIMEN_MRZ = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
OCR_MIN_RIGHT = 0.95  # share of the specimen's 88 characters read right


def specimen_band(px_per_char: int = 24) -> Any:
    """The specimen's two MRZ lines set in OCR-B on white (grey ``uint8``), as a
    straightened band reaches the engine."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from kiosk.devices.samples.documents import ocrb_font_path

    font = ImageFont.truetype(ocrb_font_path(), round(px_per_char / 0.6))
    advance = font.getlength("<")
    size = font.size
    width = int(advance * len(SPECIMEN_MRZ[0]) + 2 * size)
    image = Image.new("L", (width, int(size * 3.4)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(SPECIMEN_MRZ):
        draw.text((size, size * (1.3 + 1.4 * i)), line, font=font, fill=20, anchor="ls")
    return np.array(image)


def ocr_score(lines: list[str]) -> float:
    """Share of the specimen's characters read right, line by line in place."""
    total = sum(len(line) for line in SPECIMEN_MRZ)
    right = sum(
        a == b
        for want, got in zip(SPECIMEN_MRZ, lines, strict=False)
        for a, b in zip(want, got, strict=False)
    )
    return right / total


def check_ocr(engine_factory: Callable[[], Any] | None = None) -> CheckResult:
    """The MRZ engine reads the ICAO specimen back (a blank band, read as "0 lines",
    proved nothing: an engine that reads nothing passed)."""
    if engine_factory is None:
        from kiosk.devices.mrz_reader import default_engine

        engine_factory = default_engine
    engine = engine_factory()
    try:
        lines = engine.read_lines(specimen_band())
    finally:
        engine.close()
    score = ocr_score(list(lines))
    name = type(engine).__name__
    if score < OCR_MIN_RIGHT:
        return CheckResult(
            False,
            f"moteur {name} : le spécimen de passeport est mal lu "
            f"({score:.0%} des caractères justes, {len(lines)} ligne(s) lue(s))",
        )
    return CheckResult(True, f"moteur {name} prêt : spécimen lu à {score:.0%}")


def check_speech(speech: Any, fake: bool) -> CheckResult:
    from kiosk.devices.speech import NullSpeech

    if isinstance(speech, NullSpeech):
        if fake:
            return CheckResult(True, "voix simulée")
        from kiosk.devices.speech_espeak import unavailable_reason

        return CheckResult(False, unavailable_reason() or "aucune voix")
    speech.say("Test de la voix de la borne.", "fr")
    kind = "voix simulée (enregistrée)" if fake else "voix espeak-ng"
    return CheckResult(True, f"{kind} : phrase de test envoyée")


def check_printer(printer: Any) -> CheckResult:
    """The kiosk's own printer object (``kiosk.devices.printer``): for CUPS, the queue's
    state as the kiosk sees it before printing (Qt's printer list and ``lpstat``)."""
    if printer is None:
        return CheckResult(False, "aucune imprimante configurée")
    ok, detail = printer.health()
    return CheckResult(ok, detail)


class SelfTests:
    """The checks of one kiosk. ``run(name)`` never raises: a failing check is a result."""

    def __init__(
        self,
        settings: Any,
        speech: Any = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        checks: dict[str, Callable[[], CheckResult]] | None = None,
        printer: Any = None,
    ) -> None:
        fake = bool(settings.fake_devices)
        self.checks: dict[str, Callable[[], CheckResult]] = {
            "camera": lambda: check_camera(settings),
            "ocr": check_ocr,
            "speech": lambda: check_speech(speech, fake),
            "printer": lambda: check_printer(printer),
            "disk": lambda: check_disk(settings.data_dir),
            "clock": lambda: check_clock(clock(), None if fake else ntp_synchronized),
        }
        self.checks.update(checks or {})
        self.last: dict[str, CheckResult] = {}

    def run(self, name: str) -> CheckResult:
        try:
            result = self.checks[name]()
        except Exception as exc:  # a broken device is a result, not a crash
            result = CheckResult(False, f"échec : {type(exc).__name__}")
        self.last[name] = result
        return result

    def run_all(self) -> dict[str, CheckResult]:
        return {name: self.run(name) for name in self.checks}

    def health(self) -> dict[str, dict[str, Any]]:
        """The last results, for the heartbeat (``KioskStatus.set_device_health``)."""
        return {name: result.as_health() for name, result in self.last.items()}
