"""What it costs to hand a call from a Python thread to the GUI thread (issue 14).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_inbox.py [--items 20000] [--quick]

Compares the Qt signal the task runner and the camera used to emit from their threads (a
queued ``Signal(object)``) with :class:`kiosk.render.jobs.GuiInbox` (a queue and a pipe),
in two shapes: a burst (a thread posts as fast as it can: store writes in a row) and one at
a time (each item waits until the GUI thread has run the previous one: the camera, whose
next frame comes once the last one is collected; every item then costs a wake-up). CPU is
the process's (all threads), per item delivered; wall time too. Then the camera preview:
the RGB pixels made on the camera thread, and the QImage copy the GUI thread now makes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, Signal

from kiosk.render.jobs import GuiInbox
from kiosk.ui.camera_view import preview_rgb, rgb_to_qimage


class SignalPost(QObject):
    """The old way: emit a callable from the thread, Qt queues it to the GUI thread."""

    delivered = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.delivered.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def _run(self, fn: Callable[[], None]) -> None:
        fn()

    def poster(self) -> Callable[[Callable[[], None]], Any]:
        return self.delivered.emit


class InboxPost:
    def __init__(self) -> None:
        self.inbox = GuiInbox()

    def poster(self) -> Callable[[Callable[[], None]], Any]:
        return self.inbox.post


def run(app: QCoreApplication, how: Any, items: int, paced: bool) -> tuple[float, float]:
    """CPU µs and wall µs per item delivered."""
    post = how.poster()
    done = [0]
    ready = threading.Event()

    def item() -> None:
        done[0] += 1
        if paced:
            ready.set()

    def worker() -> None:
        for _ in range(items):
            if paced:
                ready.clear()
            post(item)
            if paced:
                ready.wait(10)

    cpu0, wall0 = time.process_time(), time.perf_counter()
    thread = threading.Thread(target=worker, name="bench-poster")
    thread.start()
    while done[0] < items:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    thread.join()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return cpu / items * 1e6, wall / items * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="2,000 items, once (CI)")
    args = parser.parse_args()
    items, repeats = (2_000, 1) if args.quick else (args.items, args.repeats)
    app = QCoreApplication.instance() or QCoreApplication([])
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{items} items per run, median of {repeats} runs")
    print(f"{'shape':<14}{'way':<10}{'CPU µs/item':>14}{'wall µs/item':>15}")
    for paced in (False, True):
        for name, make in (("signal", SignalPost), ("inbox", InboxPost)):
            cpus, walls = [], []
            for _ in range(repeats):
                how = make()
                n = items // 10 if paced else items
                cpu, wall = run(app, how, n, paced)
                cpus.append(cpu)
                walls.append(wall)
                if isinstance(how, InboxPost):
                    how.inbox.close()
            shape = "one at a time" if paced else "burst"
            print(
                f"{shape:<14}{name:<10}{statistics.median(cpus):>14.1f}"
                f"{statistics.median(walls):>15.1f}"
            )
    # What an idle inbox costs each turn of the event loop (its ``awake`` check).
    turns = 2_000 if args.quick else 20_000
    for count in (0, 8):
        inboxes = [GuiInbox() for _ in range(count)]
        t0 = time.process_time()
        for _ in range(turns):
            app.processEvents()
        per_turn = (time.process_time() - t0) / turns * 1e6
        print(f"event-loop turn with {count} idle inboxes: {per_turn:.1f} µs CPU")
        for inbox in inboxes:
            inbox.close()
            inbox.deleteLater()
        app.processEvents()
    # The camera's preview: 1280×960 BGR scaled to 960 wide (the scan screen's feed).
    frame = np.random.default_rng(1).integers(0, 255, (960, 1280, 3), dtype=np.uint8)
    runs = 20 if args.quick else 200
    t0 = time.perf_counter()
    for _ in range(runs):
        rgb = preview_rgb(frame, 960)
    camera = (time.perf_counter() - t0) / runs * 1e3
    t0 = time.perf_counter()
    for _ in range(runs):
        rgb_to_qimage(rgb)
    gui = (time.perf_counter() - t0) / runs * 1e3
    print(f"preview {rgb.shape[1]}×{rgb.shape[0]}: camera thread (resize, RGB) {camera:.2f} ms;")
    print(f"  GUI thread (QImage copy, now made there) {gui:.3f} ms per frame shown")


if __name__ == "__main__":
    main()
