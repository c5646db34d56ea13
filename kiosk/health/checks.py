"""The checks themselves, one implementation each, Qt-free and never personal data.

Disk space, the clock and the camera serve all three users (``kiosk-health``, admin mode's
self-tests and the heartbeat); the printer (the kiosk's own printer object) serves admin
mode and the heartbeat. The voice and the document reader are checked at three depths:
the heartbeat's every round must cost nothing (is the engine process alive, is the reader
loaded), admin mode's self-test really uses them on demand (a test phrase, the ICAO
specimen read back), and ``kiosk-health`` asks whether they can load at all
(:mod:`kiosk.health.cli`). Texts are in French (the staff's language), or English for
``kiosk-health --lang en``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.health.registry import Result, Status, verdict
from kiosk.i18n import counted

MIN_FREE_BYTES = 1 << 30  # below: fail (a day of scanned pages with room to spare)
LOW_FREE_BYTES = 5 << 30  # below: warn
EARLIEST_PLAUSIBLE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
LATEST_PLAUSIBLE = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def _t(lang: str, french: str, english: str) -> str:
    return english if lang == "en" else french


# --- disk, clock, camera: every user ----------------------------------------------------------


def disk(
    path: Path,
    *,
    usage: Callable[[Path], Any] = shutil.disk_usage,
    minimum: int = MIN_FREE_BYTES,
    low: int = LOW_FREE_BYTES,
    lang: str = "fr",
) -> Result:
    """Free space where the kiosk keeps its data (the nearest existing parent of ``path``):
    a failure below ``minimum``, a warning below ``low``."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    found = usage(probe)
    free, total = found.free / (1 << 30), found.total / (1 << 30)
    detail = _t(
        lang,
        f"{free:.1f} Gio libres sur {total:.1f} Gio sur {probe}",
        f"{free:.1f} GiB free of {total:.1f} GiB on {probe}",
    )
    if found.free < minimum:
        limit = f"{minimum / (1 << 30):g}"
        return Result(
            "fail", _t(lang, f"{detail} : moins de {limit} Gio", f"{detail}: less than {limit} GiB")
        )
    if found.free < low:
        limit = f"{low / (1 << 30):g}"
        return Result(
            "warn", _t(lang, f"{detail} : moins de {limit} Gio", f"{detail}: less than {limit} GiB")
        )
    return Result("ok", detail)


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


def clock(
    now: dt.datetime,
    *,
    ntp: Callable[[], bool | None] | None = None,
    unsynchronised: Status = "warn",
    lang: str = "fr",
) -> Result:
    """A plausible date with its time zone (receipts and deadlines depend on it) and, when
    ``ntp`` is given, whether NTP keeps it right: not synchronised is ``unsynchronised``
    (a warning for the IT team; admin mode, which acts on it, makes it a failure)."""
    if now.tzinfo is None:
        return Result("fail", _t(lang, "horloge sans fuseau horaire", "clock without a time zone"))
    if not EARLIEST_PLAUSIBLE <= now <= LATEST_PLAUSIBLE:
        return Result(
            "fail",
            _t(
                lang,
                f"la date est {now:%Y-%m-%d %H:%M} UTC : réglez l'horloge",
                f"the date is {now:%Y-%m-%d %H:%M} UTC: set the clock",
            ),
        )
    synced = ntp() if ntp is not None else None
    stamp = f"{now.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
    if synced is False:
        return Result(
            unsynchronised,
            _t(
                lang,
                f"{stamp}, non synchronisée (NTP : timedatectl)",
                f"{stamp}, not synchronised (NTP: timedatectl)",
            ),
        )
    return Result(
        "ok", stamp + (_t(lang, ", synchronisée (NTP)", ", synchronised (NTP)") if synced else "")
    )


def camera_available(settings: Any) -> bool:
    from kiosk.devices.camera import camera_from_settings

    return camera_from_settings(settings).available()  # looks for the device, does not open it


def camera(
    settings: Any, *, available: Callable[[Any], bool] = camera_available, lang: str = "fr"
) -> Result:
    """Is the configured camera there (not opened). Fake devices: a warning, not for a real
    kiosk."""
    if settings.fake_devices:
        return Result(
            "warn",
            _t(
                lang,
                "appareils simulés : une caméra simulée",
                "fake devices configured: a simulated camera",
            ),
        )
    if available(settings):
        return Result(
            "ok",
            _t(lang, f"caméra {settings.camera} présente", f"camera {settings.camera} is there"),
        )
    return Result(
        "fail",
        _t(
            lang,
            f"caméra {settings.camera} introuvable (branchée ? réglage camera)",
            f"camera {settings.camera} not found (plugged in? setting camera)",
        ),
    )


# --- the kiosk's own devices: admin mode and the heartbeat ------------------------------------


def printer(device: Any) -> Result:
    """The kiosk's printer object (``kiosk.devices.printer``): for CUPS, the queue's state as
    the kiosk sees it before printing (``lpstat``, a few milliseconds; no Qt, whatever thread):
    absent, out of paper, stopped or ready."""
    if device is None:
        return Result("fail", "aucune imprimante configurée")
    ok, detail = device.health()
    return verdict(ok, detail)


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def speech_engine(speech: Any, fake: bool) -> Result:
    """The heartbeat's: is the voice's engine process alive (nothing spoken)."""
    from kiosk.devices.speech import NullSpeech, RecordingSpeech

    if isinstance(speech, RecordingSpeech):
        return Result("ok", "voix simulée")
    if isinstance(speech, NullSpeech):
        return verdict(fake, "voix simulée" if fake else "aucune voix")
    if not getattr(speech, "engines_started", 0):
        return Result("ok", "moteur pas encore démarré")
    if pid_alive(getattr(speech, "engine_pid", None)):
        return Result("ok", "moteur espeak-ng actif")
    return Result("fail", "moteur espeak-ng arrêté (relancé à la prochaine phrase)")


def speech_spoken(speech: Any, fake: bool) -> Result:
    """Admin mode's: a test phrase is sent to the voice."""
    from kiosk.devices.speech import NullSpeech

    if isinstance(speech, NullSpeech):
        if fake:
            return Result("ok", "voix simulée")
        from kiosk.devices.speech_espeak import unavailable_reason

        return Result("fail", unavailable_reason() or "aucune voix")
    speech.say("Test de la voix de la borne.", "fr")
    kind = "voix simulée (enregistrée)" if fake else "voix espeak-ng"
    return Result("ok", f"{kind} : phrase de test envoyée")


def reader_loaded(ready: Callable[[], bool] | None) -> Result:
    """The heartbeat's: is the document reader loaded (it loads after the first screen)."""
    if ready is None or ready():
        return Result("ok", "lecteur de documents chargé")
    return Result("fail", "lecteur de documents pas encore chargé")


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


def ocr_specimen(engine_factory: Callable[[], Any] | None = None) -> Result:
    """Admin mode's: the MRZ engine reads the ICAO specimen back (a blank band, read as
    "0 lines", proved nothing: an engine that reads nothing passed). Builds the engine:
    seconds, on a worker."""
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
        return Result(
            "fail",
            f"moteur {name} : le spécimen de passeport est mal lu "
            f"({score:.0%} des caractères justes, "
            f"{counted(len(lines), 'ligne lue', 'lignes lues')})",
        )
    return Result("ok", f"moteur {name} prêt : spécimen lu à {score:.0%}")
