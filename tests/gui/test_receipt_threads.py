"""Which thread does what when a receipt is printed (the soak test's deadlock, tests/soak).

The soak test hung twice at a receipt: the render thread (a QThread then), holding Python's
GIL, waited in ``QObject::connectImpl`` (a ``QTextDocument`` being laid out) for one of Qt's
signal-slot mutexes that the GUI thread held while it waited for the GIL. No test could
reproduce it on demand (417 receipts did not), so these tests pin the cause down instead:

* the receipt, the attestation and the resume code are painted on the GUI thread only, one
  page per turn of the event loop, and painting refuses any other thread;
* the print thread (``kiosk-print``) calls no Qt function and no painting code: a profile
  hook installed on it records every call into PySide6 (a canary job proves the hook sees them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from PySide6.QtGui import QColor

from kiosk.devices.printer import MESSAGES, FakePrinter, PrinterState
from kiosk.i18n import Translator
from kiosk.render import receipt_pdf
from kiosk.render.jobs import PrintWorker
from kiosk.ui.compose import ReceiptDevices
from tests.fixtures.qt_calls import is_qt
from tests.fixtures.receipts import RECEIPT, receipt_of
from tests.fixtures.receipts import attestation as sample_attestation
from tests.gui.conftest import Kiosk

pytestmark = pytest.mark.gui

NOW = dt.datetime(2026, 11, 26, 13, 5, tzinfo=dt.UTC)


@contextlib.contextmanager
def print_thread_calls(worker: PrintWorker, qtbot: Any) -> Iterator[list[str]]:
    """Every Qt function called, and every painting function entered, on ``worker``'s
    print thread (a profile hook installed there by a job of its own, removed at the end)."""
    seen: list[str] = []

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "c_call" and is_qt(arg):
            seen.append(f"Qt: {getattr(arg, '__qualname__', arg)}")
        elif event == "call" and frame.f_globals.get("__name__") == receipt_pdf.__name__:
            seen.append(f"painting: {frame.f_code.co_name}")

    with qtbot.waitSignal(worker.idle, timeout=10_000):
        worker.run(sys.setprofile, profile)
    try:
        yield seen
    finally:
        with qtbot.waitSignal(worker.idle, timeout=10_000):
            worker.run(sys.setprofile, None)


@pytest.fixture
def painted_on(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The thread of every page painted (receipt_pdf._paint_page)."""
    threads: list[str] = []
    paint_page = receipt_pdf._paint_page

    def recording(*args: Any) -> None:
        threads.append(threading.current_thread().name)
        paint_page(*args)

    monkeypatch.setattr(receipt_pdf, "_paint_page", recording)
    return threads


def test_a_receipt_is_painted_on_the_gui_thread_and_printed_without_qt(
    make_kiosk: Callable[..., Kiosk], tmp_path: Path, painted_on: list[str]
) -> None:
    printer = FakePrinter(tmp_path / "receipts")
    kiosk = make_kiosk(receipt=ReceiptDevices(printer), auto_print=True)
    worker: PrintWorker = kiosk.controller.receipt.print_worker
    with print_thread_calls(worker, kiosk.qtbot) as calls:
        _print_and_show(kiosk, printer, painted_on, calls)


def _print_and_show(
    kiosk: Kiosk, printer: FakePrinter, painted_on: list[str], print_thread_calls: list[str]
) -> None:
    kiosk.to_receipt()
    screen = kiosk.window.receipt
    done = Translator("fr")(MESSAGES[PrinterState.READY])
    kiosk.qtbot.waitUntil(lambda: screen.print_status.text() == done, timeout=20_000)
    assert len(printer.printed) == 1 and printer.printed[0].read_bytes().startswith(b"%PDF-")
    main = threading.main_thread().name
    assert painted_on and set(painted_on) == {main}
    # The receipt on screen: painted on the GUI thread too.
    pages_before = len(painted_on)
    kiosk.click(screen.show_button)
    kiosk.qtbot.waitUntil(screen.preview.isVisible, timeout=20_000)
    assert len(painted_on) > pages_before and set(painted_on) == {main}
    # The demo's camera picture of the last receipt: painted when asked, here.
    assert printer.last_image is not None and not printer.last_image.isNull()
    assert set(painted_on) == {main}
    assert print_thread_calls == []  # the print thread ran, and touched no Qt
    # The hook does see Qt on that thread: a canary job on the kiosk's own print worker.
    worker = kiosk.controller.receipt.print_worker
    with kiosk.qtbot.waitSignal(worker.idle, timeout=10_000):
        worker.run(lambda: QColor("#161616").name())
    assert print_thread_calls == ["Qt: QColor.name"]


def test_the_attestation_and_the_resume_code_go_the_same_way(
    make_kiosk: Callable[..., Kiosk], tmp_path: Path, painted_on: list[str]
) -> None:
    from kiosk.domain.resume import ResumeSlip

    printer = FakePrinter(tmp_path)
    kiosk = make_kiosk(receipt=ReceiptDevices(printer))
    controller = kiosk.controller.receipt
    outcomes: list[Any] = []
    attestation = sample_attestation(language="ar")
    slip = ResumeSlip("ABCD2345", NOW.date(), "fr", 2.0)
    with print_thread_calls(controller.print_worker, kiosk.qtbot) as calls:
        for document in (attestation, slip):
            controller.print_document(document, outcomes.append, outcomes.append)
        kiosk.qtbot.waitUntil(lambda: len(outcomes) == 2, timeout=20_000)
    assert outcomes == [None, None] and len(printer.in_memory) == 2
    assert painted_on and set(painted_on) == {threading.main_thread().name}
    assert calls == []


def test_painting_refuses_any_other_thread(qapp: Any) -> None:
    receipt = RECEIPT
    refused: list[BaseException] = []

    def elsewhere() -> None:
        for paint in (receipt_pdf.pdf_bytes, receipt_pdf.render_images):
            try:
                paint(receipt)
            except RuntimeError as exc:
                refused.append(exc)
        try:
            receipt_pdf.write_pdf(receipt, Path("/nonexistent/never-written.pdf"))
        except RuntimeError as exc:
            refused.append(exc)

    thread = threading.Thread(target=elsewhere, name="not-the-gui")
    thread.start()
    thread.join(30)
    assert len(refused) == 3 and all("GUI thread" in str(e) for e in refused)
    # On the GUI thread the same calls paint.
    assert receipt_pdf.pdf_bytes(receipt).startswith(b"%PDF-")


def test_a_long_receipt_is_painted_in_small_steps(qapp: Any) -> None:
    """At 200 % in Arabic the receipt of the procedure with the most documents takes
    several pages: the QR code, each row group measured, each page laid out and each
    page painted is a step of its own (one turn of the event loop in the kiosk)."""
    from contract.catalogue import load_catalogue

    procedure = load_catalogue().procedure("first-student")
    documents = [(d.id, d.label) for d in procedure.documents]
    receipt = receipt_of(procedure, "ar", documents, text_scale=2.0)
    steps = receipt_pdf.pdf_steps(receipt)
    count = 0
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            data = stop.value
            break
        count += 1
    assert data.startswith(b"%PDF-")
    pages = len(receipt_pdf.render_images(receipt, dpi=50))
    groups = len(receipt_pdf._row_groups(receipt))
    assert pages >= 3 and count == 1 + groups + 2 * pages


def test_the_print_worker_reports_on_the_gui_thread_and_leaves_nothing(qtbot: Any) -> None:
    """Results and errors come back on the GUI thread, in order; shut down, the worker
    has no thread and no descriptor left, and refuses work."""
    before = {t.ident for t in threading.enumerate()}
    worker = PrintWorker()
    got: list[tuple[str, Any, str]] = []

    def failing() -> None:
        raise OSError("lp failed")

    with qtbot.waitSignal(worker.idle, timeout=10_000):
        worker.run(
            lambda: threading.current_thread().name,
            on_done=lambda r: got.append(("done", r, threading.current_thread().name)),
        )
        worker.run(
            failing,
            on_error=lambda e: got.append(("error", str(e), threading.current_thread().name)),
        )
    main = threading.main_thread().name
    assert got[0][0] == "done" and got[0][1].startswith("kiosk-print") and got[0][2] == main
    assert got[1] == ("error", "lp failed", main) and worker.pending == 0
    fds = worker._inbox._mailbox.read_fd, worker._inbox._mailbox._write_fd
    worker.shutdown()
    assert {t.ident for t in threading.enumerate()} == before
    for fd in fds:
        with pytest.raises(OSError):
            os.fstat(fd)
    with pytest.raises(RuntimeError):
        worker.run(print)
    worker.deleteLater()
