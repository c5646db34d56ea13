"""The receipt printer: the interface the UI talks to, a CUPS backend through Qt's print
support, and a fake that writes the PDF to a directory (demo, tests).

``check()`` says whether printing can work now; ``print_receipt()`` prints or raises
:class:`PrintError` with a :class:`PrinterState` the UI turns into a translated message
(``MESSAGES``), with the offer to show the receipt on screen instead. Both may block (CUPS,
files): call them on a worker (``kiosk.render.receipt_pdf.RenderWorker``).

What CUPS can tell, and what it cannot: ``QPrinter`` reports almost nothing about the device
(no paper, cover open), so the CUPS backend asks ``lpstat -l -p <printer>`` for the queue's
state and its reasons (``media-empty``, ``media-needed``, ``offline-report``, ``paused``).
Those reasons are only as good as the printer's driver: many USB receipt printers report
nothing, and a job then waits in the queue. Without ``lpstat`` (no ``cups-client``) the
backend only knows whether Qt sees a printer of that name.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
from abc import ABC, abstractmethod
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk.domain.receipt import Printable, ReceiptContent
from kiosk.i18n import N_

log = logging.getLogger(__name__)


class PrinterState(StrEnum):
    READY = "ready"
    ABSENT = "absent"  # no printer configured, unplugged or switched off
    NO_PAPER = "no_paper"
    ERROR = "error"  # anything else (jammed, paused by staff, job refused)


MESSAGES: dict[PrinterState, str] = {
    PrinterState.READY: N_("Votre reçu est imprimé. Prenez-le sous l'écran."),
    PrinterState.ABSENT: N_(
        "L'imprimante ne répond pas. Vous pouvez voir votre reçu à l'écran et le prendre en photo."
    ),
    PrinterState.NO_PAPER: N_(
        "L'imprimante n'a plus de papier. Vous pouvez voir votre reçu à l'écran et le prendre "
        "en photo. L'accueil peut aussi l'imprimer."
    ),
    PrinterState.ERROR: N_(
        "L'imprimante a un problème. Vous pouvez voir votre reçu à l'écran et le prendre en photo."
    ),
}


# For staff (admin self-test, the heartbeat's device health, the fleet view): French, no
# personal data. The applicant hears MESSAGES instead.
STAFF_TEXT: dict[PrinterState, str] = {
    PrinterState.READY: "prête",
    PrinterState.ABSENT: "absente ou éteinte (CUPS ne la voit pas)",
    PrinterState.NO_PAPER: "plus de papier",
    PrinterState.ERROR: "en erreur ou arrêtée (file CUPS désactivée ?)",
}


class PrintError(RuntimeError):
    def __init__(self, state: PrinterState, detail: str = "") -> None:
        super().__init__(detail or state.value)
        self.state = state


class Printer(ABC):
    @abstractmethod
    def check(self) -> PrinterState:
        """The printer's state now (may block briefly: a worker calls it)."""

    @abstractmethod
    def print_receipt(self, receipt: Printable) -> None:
        """Print one copy; PrintError if it cannot. Runs on the render worker."""

    def describe(self) -> str:
        """Which printer this is, for staff."""
        return type(self).__name__

    def health(self) -> tuple[bool, str]:
        """For the heartbeat and the admin self-test: ready or not, and a detail for staff
        (no personal data). Never raises: a failing check is a fault."""
        try:
            state = self.check()
        except Exception as exc:  # health must never fail the sync round
            return False, f"{self.describe()} : échec ({type(exc).__name__})"
        return state is PrinterState.READY, f"{self.describe()} : {STAFF_TEXT[state]}"


class FakePrinter(Printer):
    """Writes each receipt as ``receipt-<reference>.pdf`` in ``directory`` (a receipt holds
    no identity). The attestation de dépôt names the applicant: its PDF stays in memory
    (``in_memory``). ``state`` can be set to ABSENT, NO_PAPER or ERROR to test the messages."""

    def __init__(
        self, directory: Path, state: PrinterState = PrinterState.READY, *, keep_image: bool = True
    ) -> None:
        self.directory = Path(directory)
        self.state = state
        self.printed: list[Path] = []
        self._lock = threading.Lock()
        # The first page of the last receipt, as the demo's camera shows it back.
        self.keep_image = keep_image
        self.last_image: Any = None  # QImage
        self.in_memory: list[bytes] = []  # documents with personal data (attestations)

    def check(self) -> PrinterState:
        return self.state

    def describe(self) -> str:
        return "imprimante simulée (PDF)"

    def print_receipt(self, receipt: Printable) -> None:
        from kiosk.render.receipt_pdf import pdf_bytes, render_images, write_pdf

        if self.state is not PrinterState.READY:
            raise PrintError(self.state)
        if not isinstance(receipt, ReceiptContent):
            # The attestation de dépôt names the applicant: kept in memory, never on disk.
            data = pdf_bytes(receipt)
            with self._lock:
                self.in_memory.append(data)
            return
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.directory / f"receipt-{receipt.local_reference}.pdf"
        write_pdf(receipt, path)
        image = render_images(receipt, dpi=100)[0] if self.keep_image else None
        with self._lock:
            self.printed.append(path)
            if image is not None:
                self.last_image = image

    def last_printed(self) -> Path | None:
        with self._lock:
            return self.printed[-1] if self.printed else None


_PAPER_REASONS = ("media-empty", "media-needed", "media-jam")
_ABSENT_REASONS = ("offline-report", "connecting-to-device", "shutdown", "timed-out")


def parse_lpstat(output: str) -> PrinterState:
    """The state of one queue from ``lpstat -l -p NAME`` (English or C locale)."""
    text = output.lower()
    if not text.strip() or "invalid destination" in text or "unknown destination" in text:
        return PrinterState.ABSENT
    if any(reason in text for reason in _PAPER_REASONS):
        return PrinterState.NO_PAPER
    if any(reason in text for reason in _ABSENT_REASONS):
        return PrinterState.ABSENT
    if " disabled" in text or "paused" in text or "-error" in text:
        return PrinterState.ERROR
    return PrinterState.READY


def _lpstat_env() -> dict[str, str]:
    """English output (parse_lpstat), and the same scheduler Qt asks: CUPS_SERVER and the
    other CUPS_* variables, HOME for ~/.cups/client.conf (dropping them made lpstat ask the
    system's scheduler about a queue that only the configured one has: "absent")."""
    env = {k: v for k, v in os.environ.items() if k.startswith("CUPS_") or k == "HOME"}
    return {**env, "LC_ALL": "C", "PATH": "/usr/bin:/bin"}


class CupsPrinter(Printer):
    """Prints through Qt's print support (``QPrinter`` -> CUPS). ``name`` is the CUPS queue
    ("" = the system's default printer)."""

    def __init__(self, name: str = "", timeout_s: float = 5.0) -> None:
        self.name = name
        self.timeout_s = timeout_s

    def describe(self) -> str:
        return f"file CUPS {self.name}" if self.name else "imprimante CUPS par défaut"

    def _queue(self) -> str | None:
        from PySide6.QtPrintSupport import QPrinterInfo

        if self.name:
            info = QPrinterInfo.printerInfo(self.name)
            return None if info.isNull() else info.printerName()
        default = QPrinterInfo.defaultPrinter()
        return None if default.isNull() else default.printerName()

    def check(self) -> PrinterState:
        queue = self._queue()
        if queue is None:
            return PrinterState.ABSENT
        lpstat = shutil.which("lpstat")
        if lpstat is None:
            return PrinterState.READY  # all Qt can tell
        try:
            out = subprocess.run(
                [lpstat, "-l", "-p", queue],
                capture_output=True,
                text=True,
                timeout=self.timeout_s,
                env=_lpstat_env(),
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return PrinterState.ERROR
        return parse_lpstat(out.stdout + out.stderr)

    def print_receipt(self, receipt: Printable) -> None:
        from PySide6.QtPrintSupport import QPrinter

        from kiosk.render.receipt_pdf import laid_out_on, paint_paged, prepare_page

        state = self.check()
        if state is not PrinterState.READY:
            raise PrintError(state)
        # Destroyed once printed, or it would be kept alive for good (laid_out_on).
        with laid_out_on(QPrinter(QPrinter.PrinterMode.HighResolution)) as printer:
            printer.setPrinterName(self._queue() or "")
            printer.setDocName(f"kiosk {receipt.headline}")
            printer.setCopyCount(1)
            prepare_page(printer)
            if not printer.isValid():
                raise PrintError(PrinterState.ABSENT)
            try:
                paint_paged(receipt, printer)
            except OSError as exc:
                raise PrintError(PrinterState.ERROR, type(exc).__name__) from None
            if printer.printerState() == QPrinter.PrinterState.Error:
                raise PrintError(PrinterState.ERROR)


def printer_from_settings(settings: object) -> Printer:
    """The fake printer (receipts as PDF in ``<data_dir>/receipts``) with fake devices,
    else CUPS (``printer``: the queue name, "" for the default printer)."""
    if getattr(settings, "fake_devices", False):
        return FakePrinter(Path(getattr(settings, "data_dir")) / "receipts")  # noqa: B009
    return CupsPrinter(str(getattr(settings, "printer", "") or ""))
