"""Cheap device checks for each heartbeat (the desk's fleet view), Qt-free.

Called on the sync thread every round, so nothing here opens a device, speaks or runs OCR
(the admin mode's self-tests, ``kiosk.admin.selftest``, do that on demand): is a camera
there, is the printer's CUPS queue ready, is the voice's engine process alive, is the document reader loaded, is there disk
space, is the clock plausible. Never personal data.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

Health = dict[str, dict[str, Any]]  # name -> {"ok": bool, "detail": str}
MIN_FREE_BYTES = 1 << 30  # 1 GiB
EARLIEST = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def _item(ok: bool, detail: str) -> dict[str, Any]:
    return {"ok": ok, "detail": detail}


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def camera_health(settings: Any) -> dict[str, Any]:
    from kiosk.devices.camera import camera_from_settings

    kind = "caméra simulée" if settings.fake_devices else f"caméra {settings.camera}"
    available = camera_from_settings(settings).available()  # does not open it
    return _item(available, f"{kind} {'disponible' if available else 'introuvable'}")


def disk_health(path: Path) -> dict[str, Any]:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    usage = shutil.disk_usage(probe)
    detail = f"{usage.free / (1 << 30):.1f} Go libres sur {usage.total / (1 << 30):.1f} Go"
    return _item(usage.free >= MIN_FREE_BYTES, detail)


def clock_health(now: dt.datetime) -> dict[str, Any]:
    if now.tzinfo is None or not EARLIEST <= now <= LATEST:
        return _item(False, f"date invraisemblable : {now:%Y-%m-%d %H:%M}")
    return _item(True, f"{now.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC")


def speech_health(speech: Any, fake: bool) -> dict[str, Any]:
    from kiosk.devices.speech import NullSpeech, RecordingSpeech

    if isinstance(speech, RecordingSpeech):
        return _item(True, "voix simulée")
    if isinstance(speech, NullSpeech):
        return _item(fake, "voix simulée" if fake else "aucune voix")
    started = getattr(speech, "engines_started", 0)
    if not started:
        return _item(True, "moteur pas encore démarré")
    if _pid_alive(getattr(speech, "engine_pid", None)):
        return _item(True, "moteur espeak-ng actif")
    return _item(False, "moteur espeak-ng arrêté (relancé à la prochaine phrase)")


def printer_health(printer: Any) -> dict[str, Any]:
    """The receipt printer as CUPS sees it (``Printer.health``: the queue's state from Qt
    and ``lpstat``, a few milliseconds): absent, out of paper, stopped or ready."""
    if printer is None:
        return _item(False, "aucune imprimante configurée")
    ok, detail = printer.health()
    return _item(ok, detail)


def collect(
    settings: Any,
    speech: Any = None,
    scanner_ready: Callable[[], bool] | None = None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    printer: Any = None,
) -> Health:
    """Each check on its own: one that fails is a fault, not a crash. ``printer``: the
    kiosk's :class:`kiosk.devices.printer.Printer` (its health is in every heartbeat)."""
    checks: dict[str, Callable[[], dict[str, Any]]] = {
        "printer": lambda: printer_health(printer),
        "camera": lambda: camera_health(settings),
        "speech": lambda: speech_health(speech, bool(settings.fake_devices)),
        "ocr": lambda: (
            _item(True, "lecteur de documents chargé")
            if scanner_ready is None or scanner_ready()
            else _item(False, "lecteur de documents pas encore chargé")
        ),
        "disk": lambda: disk_health(Path(settings.data_dir)),
        "clock": lambda: clock_health(clock()),
    }
    out: Health = {}
    for name, check in checks.items():
        try:
            out[name] = check()
        except Exception as exc:
            log.info("device check %s failed: %s", name, type(exc).__name__)
            out[name] = _item(False, f"échec : {type(exc).__name__}")
    return out


def to_wire(health: Health) -> dict[str, str]:
    """The heartbeat's convention: "ok" / "ok: detail", or "fault: detail"."""
    from kiosk.link.status import StatusSnapshot

    return StatusSnapshot("idle", None, None, None, health).health_for_wire()
