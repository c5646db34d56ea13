"""The receipt printer: CUPS states from lpstat, the CUPS backend without a printer, and the
fake printer (receipts as PDF files, attestations in memory only)."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path
from typing import Any

import pytest

from kiosk.devices import printer as printer_module
from kiosk.devices.printer import (
    CupsPrinter,
    FakePrinter,
    PrintError,
    PrinterState,
    parse_lpstat,
    printer_from_settings,
)
from kiosk.domain.receipt import AttestationContent, ReceiptContent

NOW = dt.datetime(2026, 11, 26, 13, 5, tzinfo=dt.UTC)


def _receipt() -> ReceiptContent:
    return ReceiptContent(
        local_reference="K-7K3M-9QXD",
        submitted_at=NOW,
        site="Préfecture",
        procedure_label="Renouvellement — étudiant",
        language="fr",
        lookup_secret="7K3M9QXD2345ABCD",
    )


@pytest.mark.parametrize(
    ("output", "state"),
    [
        ("printer kiosk is idle.  enabled since Thu 26 Nov 2026 13:05:00\n", PrinterState.READY),
        (
            "printer kiosk is idle.  enabled since Thu 26 Nov 2026\n\tAlerts: media-empty-error\n",
            PrinterState.NO_PAPER,
        ),
        ("printer kiosk now printing kiosk-3.\n\tAlerts: media-needed\n", PrinterState.NO_PAPER),
        (
            "printer kiosk disabled since Thu 26 Nov 2026 -\n\tAlerts: offline-report\n",
            PrinterState.ABSENT,
        ),
        ("printer kiosk disabled since Thu 26 Nov 2026 -\n\tPaused\n", PrinterState.ERROR),
        ('lpstat: Invalid destination name in list "kiosk".\n', PrinterState.ABSENT),
        ("", PrinterState.ABSENT),
    ],
)
def test_lpstat_states(output: str, state: PrinterState) -> None:
    assert parse_lpstat(output) is state


def test_cups_backend_asks_lpstat_for_its_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "lpstat"
    script.write_text(
        '#!/bin/sh\necho "printer $3 is idle.  enabled since today"\n'
        'echo "	Alerts: media-empty-error"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(printer_module.shutil, "which", lambda _name: str(script))
    cups = CupsPrinter("kiosk")
    monkeypatch.setattr(cups, "_queue", lambda: "kiosk")
    assert cups.check() is PrinterState.NO_PAPER
    with pytest.raises(PrintError) as caught:
        cups.print_receipt(_receipt())
    assert caught.value.state is PrinterState.NO_PAPER


def test_cups_backend_without_a_printer_says_absent(qapp: Any) -> None:
    cups = CupsPrinter("no-such-queue-here")
    assert cups.check() is PrinterState.ABSENT
    assert cups.health() == (
        False,
        "file CUPS no-such-queue-here : absente ou éteinte (CUPS ne la voit pas)",
    )
    with pytest.raises(PrintError) as caught:
        cups.print_receipt(_receipt())
    assert caught.value.state is PrinterState.ABSENT


def test_fake_printer_writes_receipts_and_keeps_attestations_in_memory(
    qapp: Any, tmp_path: Path
) -> None:
    fake = FakePrinter(tmp_path / "receipts")
    fake.print_receipt(_receipt())
    path = tmp_path / "receipts" / "receipt-K-7K3M-9QXD.pdf"
    assert fake.last_printed() == path and path.read_bytes().startswith(b"%PDF-")
    assert fake.last_image is not None and not fake.last_image.isNull()
    attestation = AttestationContent(
        central_reference="PREF-2026-000001",
        local_reference="K-7K3M-9QXD",
        procedure_label="Renouvellement — étudiant",
        deposited_at=NOW,
        examined_since=NOW,
        issued_at=NOW,
        surname="Haddad",
        given_names="Nour",
        birth_date="2001-03-14",
        nationality="LB",
    )
    fake.print_receipt(attestation)
    assert len(fake.in_memory) == 1 and fake.in_memory[0].startswith(b"%PDF-")
    assert sorted(p.name for p in (tmp_path / "receipts").iterdir()) == [path.name]


@pytest.mark.parametrize("state", [PrinterState.ABSENT, PrinterState.NO_PAPER, PrinterState.ERROR])
def test_fake_printer_trouble(tmp_path: Path, state: PrinterState) -> None:
    fake = FakePrinter(tmp_path, state=state)
    assert fake.check() is state
    with pytest.raises(PrintError) as caught:
        fake.print_receipt(_receipt())
    assert caught.value.state is state
    assert not list(tmp_path.iterdir())


def test_printer_from_settings(tmp_path: Path) -> None:
    class FakeSettings:
        fake_devices = True
        data_dir = tmp_path
        printer = ""

    chosen = printer_from_settings(FakeSettings())
    assert isinstance(chosen, FakePrinter) and chosen.directory == tmp_path / "receipts"
    FakeSettings.fake_devices = False
    FakeSettings.printer = "accueil"
    real = printer_from_settings(FakeSettings())
    assert isinstance(real, CupsPrinter) and real.name == "accueil"
