"""A store that opens in the background.

Opening the store imports SQLAlchemy and Alembic, checks the database's integrity and
migrates it: about a second that the welcome screen should not wait for. The first
store call (a draft saved after the first answered question, seconds later) waits for
the opening to finish; it runs on a worker thread, never the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class DeferredStore:
    def __init__(
        self, opener: Callable[[], Any], on_error: Callable[[BaseException], None] | None = None
    ) -> None:
        self._opener = opener
        self._on_error = on_error
        self._ready = threading.Event()
        self._store: Any = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._open, name="store-open", daemon=True)
        self._thread.start()

    def _open(self) -> None:
        try:
            self._store = self._opener()
        except BaseException as exc:  # reported to the caller and to every later use
            self._error = exc
            if self._on_error:
                self._on_error(exc)
        finally:
            self._ready.set()

    def wait(self, timeout: float | None = 120.0) -> Any:
        """The opened store; raises the opening error, or TimeoutError."""
        if self._thread is None:
            self._open()
        if not self._ready.wait(timeout):
            raise TimeoutError("the kiosk's store did not open in time")
        if self._error is not None:
            raise self._error
        return self._store

    @property
    def is_ready(self) -> bool:
        return self._ready.is_set() and self._error is None

    def close(self) -> None:
        if self._ready.is_set() and self._store is not None:
            self._store.close()

    def __getattr__(self, name: str) -> Any:
        """The store's attribute once it is open. Before that, a method is looked up
        without waiting: what comes back waits for the store when it is called (on a
        worker), so that merely naming a method on the GUI thread (``getattr(store,
        "delete_pages", None)``) never opens the store there."""
        if name.startswith("_"):
            raise AttributeError(name)
        if self._ready.is_set() or name in _DATA_ATTRIBUTES:
            return getattr(self.wait(), name)

        def deferred_call(*args: Any, **kwargs: Any) -> Any:
            return getattr(self.wait(), name)(*args, **kwargs)

        deferred_call.__name__ = name
        return deferred_call


# The store's attributes that are not methods (kiosk.store.Store): reading them waits.
_DATA_ATTRIBUTES = frozenset({"db_path", "keyring"})
