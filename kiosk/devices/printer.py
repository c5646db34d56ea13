"""The receipt printer: the interface the UI talks to, a CUPS backend (``lpstat``, ``lp``)
and a fake that writes the PDF to a directory (demo, tests).

``check()`` says whether printing can work now; ``print_pdf(document, pdf)`` prints a PDF
already painted (``kiosk.render.receipt_pdf.pdf_steps``, on the GUI thread) or raises
:class:`PrintError` with a :class:`PrinterState` the UI turns into a translated message
(``MESSAGES``), with the offer to show the receipt on screen instead. Both may block (CUPS,
files): the kiosk calls them on its print thread (``kiosk.render.jobs.PrintWorker``), the
heartbeat on the sync thread. Neither touches Qt, and must not: a Qt object made off the GUI
thread deadlocked the kiosk at the receipt (``kiosk.render.receipt_pdf`` tells the story);
so the CUPS backend spools with ``lp`` rather than Qt's ``QPrinter``.

What CUPS can tell, and what it cannot: the backend asks ``lpstat -l -p <printer>`` for the
queue's state and its reasons (``media-empty``, ``media-needed``, ``offline-report``,
``paused``). Those reasons are only as good as the printer's driver: many USB receipt
printers report nothing, and a job then waits in the queue. Without ``lpstat`` and ``lp``
(no ``cups-client``) the kiosk cannot print: the printer is absent.
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
    def print_pdf(self, document: Printable, pdf: bytes) -> None:
        """Print one copy of ``pdf`` (``document`` painted); PrintError if it cannot.
        Runs on the print thread: blocking, and no Qt."""

    def print_receipt(self, receipt: Printable) -> None:
        """Paint and print at once, blocking (tests, scripts): on the GUI thread only
        (painting refuses any other). The kiosk paints in slices, then prints on its
        print thread (``kiosk.ui.controllers.receipt``)."""
        from kiosk.render.receipt_pdf import pdf_bytes

        state = self.check()
        if state is not PrinterState.READY:
            raise PrintError(state)
        self.print_pdf(receipt, pdf_bytes(receipt))

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
        self.keep_image = keep_image
        self._last: ReceiptContent | None = None  # the last receipt printed
        self._image: tuple[ReceiptContent, Any] | None = None  # and its page, once painted
        self.in_memory: list[bytes] = []  # documents with personal data (attestations)

    def check(self) -> PrinterState:
        return self.state

    def describe(self) -> str:
        return "imprimante simulée (PDF)"

    def print_pdf(self, document: Printable, pdf: bytes) -> None:
        if self.state is not PrinterState.READY:
            raise PrintError(self.state)
        if not isinstance(document, ReceiptContent):
            # The attestation de dépôt names the applicant: kept in memory, never on disk.
            with self._lock:
                self.in_memory.append(pdf)
            return
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.directory / f"receipt-{document.local_reference}.pdf"
        path.write_bytes(pdf)
        with self._lock:
            self.printed.append(path)
            self._last = document

    @property
    def last_image(self) -> Any:
        """The first page of the last receipt printed (a QImage), as the demo's camera
        shows it back; None before any (or with ``keep_image`` off). Painted when first
        asked, on the GUI thread (the print thread only keeps the receipt)."""
        with self._lock:
            last = self._last
        if last is None or not self.keep_image:
            return None
        if self._image is None or self._image[0] != last:
            from kiosk.render.receipt_pdf import render_images

            self._image = (last, render_images(last, dpi=100, first_only=True)[0])
        return self._image[1]

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
    """English output (parse_lpstat), and the scheduler configured for this process:
    CUPS_SERVER and the other CUPS_* variables, HOME for ~/.cups/client.conf and lpoptions
    (dropping them made lpstat ask the system's scheduler about a queue that only the
    configured one has: "absent")."""
    env = {k: v for k, v in os.environ.items() if k.startswith("CUPS_") or k == "HOME"}
    return {**env, "LC_ALL": "C", "PATH": "/usr/bin:/bin"}


_ABSENT_ERRORS = (
    "does not exist",
    "invalid destination",
    "unknown destination",
    "no default destination",
    "unable to connect",
    "scheduler is not running",
)


class CupsPrinter(Printer):
    """Prints through CUPS's own client: ``lpstat`` for the queue's state, ``lp`` to spool
    the PDF (CUPS's filters fit it to the printer). ``name`` is the CUPS queue ("" = the
    system's default printer). Blocking, Qt-free: the print thread and the heartbeat's
    thread call it."""

    def __init__(self, name: str = "", timeout_s: float = 5.0) -> None:
        self.name = name
        self.timeout_s = timeout_s

    def describe(self) -> str:
        return f"file CUPS {self.name}" if self.name else "imprimante CUPS par défaut"

    def _run(self, tool: str, *args: str, data: bytes | None = None) -> tuple[int, str]:
        """``tool`` (a path) with ``args``; its exit status and its output (both streams).
        OSError or subprocess.TimeoutExpired if it could not run in time."""
        out = subprocess.run(
            [tool, *args],
            input=data,
            capture_output=True,
            timeout=self.timeout_s,
            env=_lpstat_env(),
            check=False,
        )
        return out.returncode, (out.stdout + out.stderr).decode(errors="replace")

    def _queue(self, lpstat: str) -> str | None:
        """The queue's name: ``name``, or the default destination (``lpstat -d``)."""
        if self.name:
            return self.name
        _status, out = self._run(lpstat, "-d")  # "system default destination: NAME"
        if "destination:" not in out:
            return None
        return out.rsplit(":", 1)[-1].strip() or None

    def _state(self) -> tuple[PrinterState, str | None]:
        lpstat = shutil.which("lpstat")
        if lpstat is None:
            return PrinterState.ABSENT, None  # no cups-client: nothing can be printed
        try:
            queue = self._queue(lpstat)
            if queue is None:
                return PrinterState.ABSENT, None
            status, out = self._run(lpstat, "-l", "-p", queue)
        except (OSError, subprocess.TimeoutExpired):
            return PrinterState.ERROR, None
        if status != 0 and f"printer {queue.lower()} " not in out.lower():
            return PrinterState.ABSENT, queue  # no such queue, or no scheduler to ask
        return parse_lpstat(out), queue

    def check(self) -> PrinterState:
        return self._state()[0]

    def print_pdf(self, document: Printable, pdf: bytes) -> None:
        state, queue = self._state()
        if state is not PrinterState.READY or queue is None:
            raise PrintError(state)
        lp = shutil.which("lp")
        if lp is None:
            raise PrintError(PrinterState.ABSENT)
        # No reference in the job's title: CUPS logs titles (page_log), and a resume
        # code's headline is the code itself.
        title = f"kiosk {type(document).__name__}"
        try:
            status, out = self._run(
                lp, "-d", queue, "-t", title, "-n", "1", "-o", "media=A4", "-", data=pdf
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PrintError(PrinterState.ERROR, type(exc).__name__) from None
        if status != 0:
            text = out.lower()
            absent = any(reason in text for reason in _ABSENT_ERRORS)
            raise PrintError(PrinterState.ABSENT if absent else PrinterState.ERROR)
        log.info("receipt spooled to CUPS queue %s", queue)


def printer_from_settings(settings: object) -> Printer:
    """The fake printer (receipts as PDF in ``<data_dir>/receipts``) with fake devices,
    else CUPS (``printer``: the queue name, "" for the default printer)."""
    if getattr(settings, "fake_devices", False):
        return FakePrinter(Path(getattr(settings, "data_dir")) / "receipts")  # noqa: B009
    return CupsPrinter(str(getattr(settings, "printer", "") or ""))
