"""The application's one Python event filter, shared by whoever needs to see every event.

Every event of a Qt application passes through each application-wide event filter. One
written in Python costs a call from C++ into Python per event (wrapping the object and the
event, and reading the event's type as a Python enum): with two of them (the window's and
the wheel guard) that was 10-14 % of the GUI thread's CPU each. ``AppEvents`` is installed
once; the window and the wheel guard register a handler with it, so an event crosses into
Python once and its type is read once.

A handler is a method ``(obj, watched, event, kind) -> bool`` of a QObject ``obj``, called
with ``kind = event.type()``; True stops the event (nor the other handlers, nor its
receiver see it). Handlers are called newest first, as Qt calls application filters. A
handler whose object has been deleted (or is being deleted) is dropped and never called
again, as Qt does with a deleted filter; the hub keeps no object alive.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

Handler = Callable[[Any, QObject, QEvent, QEvent.Type], bool]


class AppEvents(QObject):
    """Install with ``AppEvents.install()``; then ``add(obj, Class.method)``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._handlers: list[tuple[weakref.ref[QObject], Handler]] = []  # newest first

    @classmethod
    def install(cls) -> AppEvents | None:
        """The application's hub (made and installed on first use); None without one."""
        app = QApplication.instance()
        if app is None:
            return None
        hub = app.findChild(AppEvents)
        if hub is None:
            hub = cls(app)
            app.installEventFilter(hub)
        return hub

    def add(self, obj: QObject, handler: Handler) -> None:
        """``handler(obj, watched, event, kind)`` sees every event from now on, before the
        handlers added earlier. ``handler`` is the plain function (``Class.method``): the
        hub holds ``obj`` weakly."""
        self.remove(obj, handler)
        self._handlers.insert(0, (weakref.ref(obj), handler))

    def remove(self, obj: QObject, handler: Handler) -> None:
        self._handlers = [
            (ref, h) for ref, h in self._handlers if not (ref() is obj and h is handler)
        ]

    def has(self, obj: QObject, handler: Handler) -> bool:
        return any(ref() is obj and h is handler for ref, h in self._handlers)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        dropped = False
        for ref, handler in self._handlers:
            obj = ref()
            if obj is None or not shiboken6.isValid(obj):
                dropped = True
                continue
            if handler(obj, watched, event, kind):
                self._drop_dead(dropped)
                return True
        self._drop_dead(dropped)
        return False

    def _drop_dead(self, dropped: bool) -> None:
        if dropped:
            self._handlers = [
                (ref, h)
                for ref, h in self._handlers
                if (obj := ref()) is not None and shiboken6.isValid(obj)
            ]
