"""The link's background threads (the sync rounds, the help call) share one shape: a
daemon thread that waits between rounds on ``_wake`` and ends when ``_stopping`` is set."""

from __future__ import annotations

import threading


class LinkThread(threading.Thread):
    """A daemon thread with a wake-up and a stop: :meth:`wake` cuts the current wait short;
    :meth:`stop` asks the thread to end and joins it (its owner calls it at exit)."""

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self.is_alive():
            self.join(timeout)
