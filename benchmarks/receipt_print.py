"""How long printing a receipt holds the GUI thread: the longest gap between two ticks of a
1 ms heartbeat timer while a receipt is painted (on the GUI thread, one step per turn of the
event loop: ``kiosk.render.jobs.run_in_slices``, as ``ReceiptController.print_document``
does) and spooled (``FakePrinter.print_pdf`` on the print thread), and while it is painted
for the screen (``image_steps``, "Voir mon reçu à l'écran"). For comparison, the same PDF
painted at once (``pdf_bytes``: one slice). The receipt is the procedure with the most
documents, in French and in Arabic (two columns), at 100 % and 200 % text.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/receipt_print.py [--runs 5] [--quick]

Prints, per case, the pages and the worst and median stall over the runs after the first
(the first, which loads the fonts, is shown apart), the CPU time of the longest step (the
stall on an idle machine: on a busy one the wall clock also counts the other processes'
turns), and the machine's load; first, the
same heartbeat over an idle event loop: what the machine's other load alone costs.

The longest step left is the PDF's end (``QPainter.end`` on the ``QPdfWriter``: Qt writes
the font subsets and compresses), which cannot be cut; then a page's layout or painting.

Measured on the 2-core development machine on 2026-12-07 at load 14 (other test runs
beside it: the wall-clock stalls are inflated several times; an idle event loop's own worst
gap was 17 ms), 5 runs, the procedure with the most documents (first-student, 11):

=============  =====  ======================  ======================  ========================
receipt        pages  print, sliced: median   screen, sliced: median  PDF at once (before):
                      stall / longest step    stall / longest step    median stall / its CPU
                      CPU (ms)                CPU (ms)                (ms)
=============  =====  ======================  ======================  ========================
fr 100 %       1      40 / 13                 33 / 8                  103 / 30
fr 200 %       2      36 / 11                 52 / 10                 132 / 46
ar 100 %       2      70 / 19                 34 / 7                  173 / 77
ar 200 %       6      48 / 18                 69 / 11                 214 / 84
=============  =====  ======================  ======================  ========================

Before the slices the PDF was painted on a render ``QThread`` (no stall, but the deadlock
``kiosk.render.receipt_pdf`` tells of); painted at once on the GUI thread it would stall the
screen 30-84 ms of CPU; in slices the longest step is 7-19 ms of CPU.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 runs, French only (CI)")
    args = parser.parse_args()
    runs = 2 if args.quick else max(2, args.runs)

    from PySide6.QtCore import QObject, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from contract.catalogue import load_catalogue
    from kiosk.devices.printer import FakePrinter
    from kiosk.domain.receipt import build_receipt
    from kiosk.render.jobs import PrintWorker, run_in_slices
    from kiosk.render.receipt_pdf import image_steps, pdf_bytes, pdf_steps

    app = QApplication.instance() or QApplication([])
    catalogue = load_catalogue()
    procedure = max(catalogue.procedures, key=lambda p: len(p.documents))
    documents = [(d.id, d.label) for d in procedure.documents]
    context = QObject()
    worker = PrintWorker()
    printer = FakePrinter(Path(tempfile.mkdtemp(prefix="kiosk-bench-")), keep_image=False)

    def receipt(language: str, scale: float) -> Any:
        return build_receipt(
            local_reference="K-7K3M-9QXD",
            submitted_at=dt.datetime(2026, 11, 26, 13, 5, tzinfo=dt.UTC),
            site="Préfecture de la Seine-Saint-Denis — Bobigny",
            procedure_label=procedure.title,
            language=language,
            documents=documents,
            provided=[documents[0][0]],
            fees=[(f.label, f.amount_eur) for f in procedure.fees_for({})],
            lookup_secret="7K3M9QXD2345ABCD",
            text_scale=scale,
        )

    def longest_stall(start: Callable[[Callable[[Any], None]], None]) -> tuple[float, Any]:
        """Run ``start(done)`` from the event loop with a 1 ms heartbeat beside it; the
        longest gap between two heartbeats (ms) until ``done(result)`` is called."""
        ticks: list[float] = []
        out: list[Any] = []
        beat = QTimer()
        beat.setTimerType(Qt.TimerType.PreciseTimer)
        beat.setInterval(1)
        beat.timeout.connect(lambda: ticks.append(time.perf_counter()))
        beat.start()

        def spin(until: Callable[[], bool], seconds: float) -> None:
            deadline = time.monotonic() + seconds
            while not until() and time.monotonic() < deadline:
                app.processEvents()

        spin(lambda: False, 0.02)  # the heartbeat going before the job starts
        QTimer.singleShot(0, context, lambda: start(out.append))
        spin(lambda: bool(out), 60)
        spin(lambda: False, 0.02)  # and after it ends
        beat.stop()
        if not out or isinstance(out[0], BaseException):
            raise RuntimeError(f"the job failed: {out!r}")
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        return (max(gaps) * 1000 if gaps else 0.0), out[0]

    step_cpu: list[float] = []  # CPU time of each step (the GUI thread's), this run

    def timed(steps: Generator[None, None, Any]) -> Generator[None, None, Any]:
        """``steps``, recording each one's CPU time: what the stall would be on an idle
        machine (the wall-clock stall also counts the other processes' turns)."""
        while True:
            t = time.thread_time()
            try:
                next(steps)
            except StopIteration as stop:
                step_cpu.append(time.thread_time() - t)
                return stop.value
            step_cpu.append(time.thread_time() - t)
            yield

    def sliced_print(document: Any) -> Callable[[Callable[[Any], None]], None]:
        def start(done: Callable[[Any], None]) -> None:
            def painted(pdf: bytes) -> None:
                worker.run(printer.print_pdf, document, pdf, on_done=done, on_error=done)

            run_in_slices(timed(pdf_steps(document)), context, painted, done)

        return start

    def sliced(steps: Callable[[], Generator[None, None, Any]]) -> Any:
        return lambda done: run_in_slices(timed(steps()), context, done, done)

    def at_once(document: Any) -> Callable[[Callable[[Any], None]], None]:
        def start(done: Callable[[Any], None]) -> None:
            t = time.thread_time()
            pdf = pdf_bytes(document)
            step_cpu.append(time.thread_time() - t)
            done(pdf)

        return start

    def idle(done: Callable[[Any], None]) -> None:
        QTimer.singleShot(100, context, lambda: done(None))  # nothing to do for 100 ms

    languages = ("fr",) if args.quick else ("fr", "ar")
    print(f"procedure {procedure.id} ({len(documents)} documents), {runs} runs each")
    print(
        f"{'case':44} {'pages':>5} {'first':>7} {'worst':>7} {'median':>7}  (ms of stall)"
        f" {'step CPU':>9}"
    )
    baseline = [longest_stall(idle)[0] for _ in range(runs)]
    label = "idle event loop, 100 ms (the machine's noise)"
    print(f"{label:44} {'':>5} {baseline[0]:7.1f} {max(baseline[1:]):7.1f} "
          f"{statistics.median(baseline[1:]):7.1f}")  # fmt: skip
    for language in languages:
        for scale in (1.0, 2.0):
            document = receipt(language, scale)
            cases: list[tuple[str, Callable[[Callable[[Any], None]], None]]] = [
                ("print, sliced (the kiosk)", sliced_print(document)),
                ("screen images, sliced (the kiosk)", sliced(lambda d=document: image_steps(d))),
                ("PDF painted at once (before)", at_once(document)),
            ]
            for name, start in cases:
                stalls = []
                worst_step = 0.0
                pages = 0
                for run in range(runs):
                    step_cpu.clear()
                    stall, result = longest_stall(start)
                    stalls.append(stall)
                    if run:  # after the first (fonts loaded)
                        worst_step = max(worst_step, max(step_cpu) * 1000)
                    if isinstance(result, list):
                        pages = len(result)
                label = f"{language} {scale:.0%} {name}"
                rest = stalls[1:]
                print(
                    f"{label:44} {pages or '':>5} {stalls[0]:7.1f} {max(rest):7.1f} "
                    f"{statistics.median(rest):7.1f}  {worst_step:20.1f}",
                    flush=True,
                )
    worker.shutdown()
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
