"""Python's cyclic garbage collector, run on the GUI thread only.

A Qt object owned by Python is destroyed when the collector frees its wrapper, and the
collector runs in whichever thread happens to allocate when a threshold is crossed: the sync
thread, the store worker, a camera thread. A QObject destroyed there cannot stop its timers
("Timers cannot be stopped from another thread") and Qt's event loop later fires a timer of
a freed object: SIGSEGV. (The staff tests died so, 2 runs in 3; with the collector forced
onto a worker thread, 3 in 3.) So automatic collection is switched off, and
:class:`GuiThreadCollector` collects on the GUI thread what the thresholds would have.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


def due_generation() -> int:
    """The oldest generation the collector's thresholds ask for now, or -1 for none."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    generation = -1
    for g in range(3):
        if counts[g] <= thresholds[g]:
            break
        generation = g
    return generation


class GuiThreadCollector(QObject):
    """Switches automatic collection off and collects every ``interval_ms`` on the thread
    it lives in (create it on the GUI thread); :meth:`stop` switches it back on."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.collections = 0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)
        gc.disable()
        self._timer.start()

    def collect(self) -> None:
        generation = due_generation()
        if generation >= 0:
            gc.collect(generation)
            self.collections += 1

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()
