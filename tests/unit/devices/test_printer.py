"""The receipt printer: CUPS states from lpstat, the CUPS backend without a printer, and the
fake printer (receipts as PDF files, attestations in memory only)."""

from __future__ import annotations

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
from tests.fixtures.receipts import RECEIPT
from tests.fixtures.receipts import attestation as sample_attestation


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


def _tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lpstat: str, lp: str = "") -> Path:
    """Fake ``lpstat`` and ``lp`` (shell scripts) found by the backend; ``lp`` records its
    arguments and what it was given on stdin in ``tmp_path``."""
    tools = {"lpstat": lpstat, "lp": lp or 'echo "$@" > "$(dirname "$0")/lp.args"\n'
             'cat > "$(dirname "$0")/lp.stdin"\necho "request id is kiosk-1 (1 file(s))"\n'}  # fmt: skip
    for name, body in tools.items():
        script = tmp_path / name
        script.write_text("#!/bin/sh\n" + body)
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(printer_module.shutil, "which", lambda name: str(tmp_path / name))
    return tmp_path


IDLE = 'echo "printer $3 is idle.  enabled since today"\n'


def test_cups_backend_asks_lpstat_for_its_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tools(tmp_path, monkeypatch, IDLE + 'echo "	Alerts: media-empty-error"\n')
    cups = CupsPrinter("kiosk")
    assert cups.check() is PrinterState.NO_PAPER
    with pytest.raises(PrintError) as caught:
        cups.print_pdf(RECEIPT, b"%PDF-1.4 receipt")
    assert caught.value.state is PrinterState.NO_PAPER
    assert not (tmp_path / "lp.stdin").exists()  # nothing spooled


def test_cups_backend_spools_the_pdf_with_lp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PDF painted on the GUI thread goes to ``lp`` on stdin, to the queue checked;
    the job's title names no reference (CUPS logs titles)."""
    _tools(tmp_path, monkeypatch, IDLE)
    CupsPrinter("kiosk").print_pdf(RECEIPT, b"%PDF-1.4 receipt")
    assert (tmp_path / "lp.stdin").read_bytes() == b"%PDF-1.4 receipt"
    args = (tmp_path / "lp.args").read_text().split()
    assert args[:2] == ["-d", "kiosk"] and args[-1] == "-"
    assert "K-7K3M-9QXD" not in " ".join(args)


def test_cups_backend_prints_to_the_default_destination(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = 'if [ "$1" = -d ]; then echo "system default destination: accueil"; exit 0; fi\n'
    _tools(tmp_path, monkeypatch, default + IDLE)
    cups = CupsPrinter("")
    assert cups.check() is PrinterState.READY
    cups.print_pdf(RECEIPT, b"%PDF-1.4")
    assert (tmp_path / "lp.args").read_text().split()[:2] == ["-d", "accueil"]
    none = 'if [ "$1" = -d ]; then echo "no system default destination"; exit 0; fi\n'
    _tools(tmp_path, monkeypatch, none + IDLE)
    assert cups.check() is PrinterState.ABSENT


@pytest.mark.parametrize(
    ("lpstat", "state"),
    [
        ('echo "lpstat: Unable to connect to server: No such file or directory" >&2; exit 1\n',
         PrinterState.ABSENT),
        ('echo "lpstat: Invalid destination name in list \\"kiosk\\"." >&2; exit 1\n',
         PrinterState.ABSENT),
        ("sleep 10\n", PrinterState.ERROR),
    ],
    ids=["no-scheduler", "no-queue", "lpstat-hangs"],
)  # fmt: skip
def test_cups_backend_when_lpstat_cannot_tell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lpstat: str, state: PrinterState
) -> None:
    _tools(tmp_path, monkeypatch, lpstat)
    assert CupsPrinter("kiosk", timeout_s=0.5).check() is state


@pytest.mark.parametrize(
    ("lp", "state"),
    [
        ('echo "lp: The printer or class does not exist." >&2; exit 1\n', PrinterState.ABSENT),
        ('echo "lp: Destination \\"kiosk\\" is not accepting jobs." >&2; exit 1\n',
         PrinterState.ERROR),
    ],
    ids=["queue-gone", "not-accepting"],
)  # fmt: skip
def test_cups_backend_when_lp_refuses_the_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lp: str, state: PrinterState
) -> None:
    _tools(tmp_path, monkeypatch, IDLE, lp)
    with pytest.raises(PrintError) as caught:
        CupsPrinter("kiosk").print_pdf(RECEIPT, b"%PDF-1.4")
    assert caught.value.state is state


def test_cups_backend_without_cups_client_is_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(printer_module.shutil, "which", lambda _name: None)
    cups = CupsPrinter("kiosk")
    assert cups.check() is PrinterState.ABSENT
    with pytest.raises(PrintError) as caught:
        cups.print_pdf(RECEIPT, b"%PDF-1.4")
    assert caught.value.state is PrinterState.ABSENT


def test_cups_backend_without_a_printer_says_absent() -> None:
    cups = CupsPrinter("no-such-queue-here")
    assert cups.check() is PrinterState.ABSENT
    assert cups.health() == (
        False,
        "file CUPS no-such-queue-here : absente ou éteinte (CUPS ne la voit pas)",
    )
    with pytest.raises(PrintError) as caught:
        cups.print_receipt(RECEIPT)
    assert caught.value.state is PrinterState.ABSENT


def test_fake_printer_writes_receipts_and_keeps_attestations_in_memory(
    qapp: Any, tmp_path: Path
) -> None:
    fake = FakePrinter(tmp_path / "receipts")
    assert fake.last_image is None  # nothing printed yet
    fake.print_receipt(RECEIPT)  # painted here, on the GUI thread, then printed
    path = tmp_path / "receipts" / "receipt-K-7K3M-9QXD.pdf"
    assert fake.last_printed() == path and path.read_bytes().startswith(b"%PDF-")
    image = fake.last_image  # the first page, painted when first asked
    assert image is not None and not image.isNull() and fake.last_image is image
    assert FakePrinter(tmp_path / "receipts", keep_image=False).last_image is None
    attestation = sample_attestation()
    fake.print_receipt(attestation)
    assert len(fake.in_memory) == 1 and fake.in_memory[0].startswith(b"%PDF-")
    assert sorted(p.name for p in (tmp_path / "receipts").iterdir()) == [path.name]


@pytest.mark.parametrize("state", [PrinterState.ABSENT, PrinterState.NO_PAPER, PrinterState.ERROR])
def test_fake_printer_trouble(tmp_path: Path, state: PrinterState) -> None:
    fake = FakePrinter(tmp_path, state=state)
    assert fake.check() is state
    with pytest.raises(PrintError) as caught:
        fake.print_receipt(RECEIPT)
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
