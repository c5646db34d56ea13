"""A store that opens in the background and never makes the GUI thread wait.

Opening the store imports SQLAlchemy and Alembic, checks the database's integrity and
migrates it: about a second that the welcome screen should not wait for, so the kiosk
opens it on a thread of its own once the first screen is painted (``start``, kiosk.app).

Meanwhile the repositories are there at once: ``store.drafts.save`` is looked up without
waiting. A *call* waits for the opening to finish, and the kiosk makes every call on the
store's worker (the task runner's serial worker): calls queue there, in order, until the
store is open. A call on the main (GUI) thread before the store is open would freeze the
screen: it is refused with :class:`StoreNotReadyError` instead.

This module imports nothing heavy (the store's modules are imported by the opener).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from kiosk.store.errors import StoreError

if TYPE_CHECKING:
    from kiosk.store.audit import AuditTrail
    from kiosk.store.crypto import KeyRing
    from kiosk.store.drafts import Drafts
    from kiosk.store.local_settings import LocalSettings
    from kiosk.store.outbox import Outbox
    from kiosk.store.pages import Pages
    from kiosk.store.resume import ResumeCodes
    from kiosk.store.store import Store

OPEN_TIMEOUT_S = 120.0


class StoreNotReadyError(StoreError):
    """The store is still opening, and the caller is the GUI thread, which must not wait."""


class _Later:
    """A repository of a store still opening: each method waits for the store when called."""

    def __init__(self, owner: DeferredStore, repository: str) -> None:
        self._owner = owner
        self._repository = repository

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._owner.is_ready:
            return getattr(getattr(self._owner.wait(), self._repository), name)
        repository = self._repository

        def call(*args: Any, **kwargs: Any) -> Any:
            store = self._owner.opened()
            return getattr(getattr(store, repository), name)(*args, **kwargs)

        call.__name__ = call.__qualname__ = f"{repository}.{name}"
        return call

    def __repr__(self) -> str:
        return f"<{self._repository} of a store opening in the background>"


class DeferredStore:
    """The kiosk's :class:`~kiosk.store.Store`, opened by ``opener`` on a thread of its own
    once :meth:`start` is called. ``on_error`` hears of a store that cannot open (from that
    thread); every later call raises the same error."""

    drafts: Drafts
    pages: Pages
    resume_codes: ResumeCodes
    outbox: Outbox
    audit_trail: AuditTrail
    settings: LocalSettings

    def __init__(
        self,
        opener: Callable[[], Store],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._opener = opener
        self._on_error = on_error
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        for name in ("drafts", "pages", "resume_codes", "outbox", "audit_trail", "settings"):
            setattr(self, name, cast(Any, _Later(self, name)))

    def start(self) -> None:
        """Open the store on a thread of its own (once)."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._open, name="store-open", daemon=True)
        self._thread.start()

    def _open(self) -> None:
        try:
            store = self._opener()
        except BaseException as exc:  # reported to the caller and to every later use
            self._error = exc
            if self._on_error:
                self._on_error(exc)
        else:
            with self._lock:
                closed = self._closed
                self._store = store
            if closed:  # closed while it was opening
                store.close()
        finally:
            self._ready.set()

    def wait(self, timeout: float | None = OPEN_TIMEOUT_S) -> Store:
        """The opened store (opened here if :meth:`start` was never called); raises the
        opening error, or TimeoutError."""
        if self._thread is None:
            self.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the kiosk's store did not open in time")
        if self._error is not None:
            raise self._error
        assert self._store is not None
        return self._store

    def opened(self) -> Store:
        """The store for a call: waits for it, except on the GUI (main) thread."""
        if not self._ready.is_set() and threading.current_thread() is threading.main_thread():
            raise StoreNotReadyError(
                "the kiosk's store is still opening: call it on the store worker, not the "
                "GUI thread"
            )
        return self.wait()

    @property
    def is_ready(self) -> bool:
        """Open, and without error."""
        return self._ready.is_set() and self._error is None

    @property
    def keyring(self) -> KeyRing:
        return self.opened().keyring

    @property
    def db_path(self) -> Path:
        return self.opened().db_path

    def close(self) -> None:
        """Close the store; one still opening is closed as soon as it is open. The opening
        thread is joined (it ends within the opening's own time)."""
        with self._lock:
            self._closed = True
            store, thread = self._store, self._thread
        if store is not None:
            store.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join(OPEN_TIMEOUT_S)
