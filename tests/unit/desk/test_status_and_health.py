"""The kiosk's state for the desk (kiosk.link.status.KioskStatus), its wire form in the heartbeat,
and the cheap device checks sent with it (kiosk.health.heartbeat)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from contract.protocol import Heartbeat, health_ok
from kiosk.config import load_settings
from kiosk.devices.printer import FakePrinter, PrinterState
from kiosk.devices.speech import NullSpeech, RecordingSpeech
from kiosk.health.checks import clock
from kiosk.health.heartbeat import collect, to_wire
from kiosk.link.status import KioskStatus


def test_states_are_layered_and_changes_reported() -> None:
    changes: list[str] = []
    status = KioskStatus(on_change=changes.append)
    status.set_state("in_use", screen="step", language="ar")
    status.set_help_requested(True)
    assert status.state == "help_requested"
    status.set_state("assisted")  # a mediator came: assisted wins over the call
    assert status.state == "assisted"
    status.set_out_of_service("Maintenance")
    snap = status.snapshot()
    assert snap.state == "out_of_service" and snap.out_of_service_message == "Maintenance"
    assert snap.screen == "step" and snap.language == "ar"
    status.set_out_of_service(None)
    status.set_state("idle", screen="welcome")
    status.set_help_requested(False)
    assert changes == [
        "in_use",
        "help_requested",
        "assisted",
        "out_of_service",
        "assisted",
        "help_requested",
        "idle",
    ]
    status.set_screen("check")  # a screen change is not a state change
    assert changes[-1] == "idle" and status.snapshot().screen == "check"
    with pytest.raises(ValueError, match="unknown kiosk state"):
        status.set_state("asleep")


def test_device_health_goes_on_the_wire_as_ok_or_fault() -> None:
    status = KioskStatus()
    status.set_device_health(
        {"camera": {"ok": True, "detail": ""}, "disk": {"ok": False, "detail": "300 Mo"}}
    )
    wire = status.snapshot().health_for_wire()
    assert wire == {"camera": "ok", "disk": "fault: 300 Mo"}
    assert health_ok(wire["camera"]) and not health_ok(wire["disk"])
    beat = Heartbeat(
        software_version="1",
        sent_at=dt.datetime.now(dt.UTC),
        device_health=wire,
        state="help_requested",
        screen="step",
        language="ar",
    )
    assert beat.state == "help_requested"


def test_cheap_checks(tmp_path: Path) -> None:
    settings = load_settings(None, {"fake_devices": True, "data_dir": tmp_path})
    printer = FakePrinter(tmp_path)
    found = collect(settings, RecordingSpeech(), scanner_ready=lambda: False, printer=printer)
    assert set(found) == {"printer", "camera", "speech", "ocr", "disk", "clock"}
    assert found["camera"]["ok"] and found["speech"]["ok"] and found["disk"]["ok"]
    assert found["printer"] == {"ok": True, "detail": "imprimante simulée (PDF) : prête"}
    printer.state = PrinterState.NO_PAPER
    wire = to_wire(collect(settings, RecordingSpeech(), printer=printer))
    assert wire["printer"] == "fault: imprimante simulée (PDF) : plus de papier"
    assert not collect(settings, RecordingSpeech())["printer"]["ok"]  # none configured
    assert not found["ocr"]["ok"]  # the document reader is not loaded yet
    assert not health_ok(to_wire(found)["ocr"])
    real = load_settings(None, {"fake_devices": False, "data_dir": tmp_path})
    assert not collect(real, NullSpeech())["speech"]["ok"]  # a kiosk without a voice
    assert not clock(dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).ok


def test_a_failing_check_is_a_fault_not_a_crash(tmp_path: Path) -> None:
    class Broken:
        fake_devices = True
        camera = "0"

        @property
        def data_dir(self) -> Any:
            raise OSError("gone")

    found = collect(Broken(), RecordingSpeech())
    assert found["disk"] == {"ok": False, "detail": "échec : OSError"}
