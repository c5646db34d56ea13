"""The application's one Python event filter (kiosk.ui.app_events): order, stop, deletion."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.ui.app_events import AppEvents


class Recorder(QObject):
    def __init__(self, name: str, log: list[str], stop: bool = False) -> None:
        super().__init__()
        self.name, self.log, self.stop = name, log, stop

    def handle(self, watched: QObject, event: QEvent, kind: QEvent.Type) -> bool:
        if kind == QEvent.Type.User and watched.objectName() == "target":
            self.log.append(self.name)
            return self.stop
        return False


def send_user_event(target: QObject) -> None:
    QCoreApplication.sendEvent(target, QEvent(QEvent.Type.User))


def test_handlers_see_each_event_newest_first_and_true_stops_it(qapp: QApplication) -> None:
    hub = AppEvents.install()
    assert hub is not None and AppEvents.install() is hub  # one per application
    log: list[str] = []
    target = QObject()
    target.setObjectName("target")
    first, second = Recorder("first", log), Recorder("second", log)
    hub.add(first, Recorder.handle)
    hub.add(second, Recorder.handle)
    send_user_event(target)
    assert log == ["second", "first"]
    log.clear()
    second.stop = True  # True: the older handlers do not see it
    send_user_event(target)
    assert log == ["second"]
    hub.remove(second, Recorder.handle)
    hub.remove(first, Recorder.handle)
    log.clear()
    send_user_event(target)
    assert log == []


def test_a_deleted_object_is_dropped_and_kept_alive_by_nothing(qapp: QApplication) -> None:
    hub = AppEvents.install()
    assert hub is not None
    log: list[str] = []
    target = QObject()
    target.setObjectName("target")
    gone = Recorder("gone", log)
    hub.add(gone, Recorder.handle)
    gone.deleteLater()  # the C++ object deleted, its Python wrapper still here
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    send_user_event(target)
    assert log == []
    assert not hub.has(gone, Recorder.handle)

    collected: list[Any] = []
    widget = QWidget()
    hub.add(widget, lambda obj, *_a: collected.append(obj) or False)
    del widget  # the hub holds it weakly: it goes with its last reference
    send_user_event(target)
    assert collected == []
