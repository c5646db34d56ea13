"""The camera on the Qt side: frames from the camera's worker thread to the GUI thread.

``CameraFeed`` receives each frame on the camera thread, makes the preview there (scaled
down, RGB, ``QImage(...).copy()``: Qt never shares the NumPy buffer) and keeps only the
latest frame: if the GUI thread has not collected the previous one yet, it is replaced,
so a busy GUI drops frames instead of queueing them (latest frame wins). On the GUI
thread it emits ``frame_ready(QImage)`` for the preview and ``frame_arrived`` for whoever
analyses the full-resolution frame (``take_frame()``).

The preview widget, ``ImageView``, lives in ``kiosk.ui.image_view`` (no OpenCV there: the
window imports it at start-up) and is re-exported here.
"""

from __future__ import annotations

import contextlib
import threading

import cv2
import numpy as np
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QImage

from kiosk.devices.camera import Camera, CameraEvent
from kiosk.ui.image_view import ImageView

__all__ = ["CameraFeed", "ImageView", "bgr_to_qimage"]


def bgr_to_qimage(frame: np.ndarray, max_width: int | None = None) -> QImage:
    """A deep copy of ``frame`` (BGR or grey ``uint8``) as an RGB QImage, scaled down to
    ``max_width`` if wider. Safe to call off the GUI thread."""
    if max_width is not None and frame.shape[1] > max_width:
        h = max(1, round(frame.shape[0] * max_width / frame.shape[1]))
        frame = cv2.resize(frame, (max_width, h), interpolation=cv2.INTER_AREA)
    if frame.ndim == 2:
        rgb = cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    else:
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    image = QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888)
    return image.copy()  # owns its pixels: the NumPy buffer may go away


class CameraFeed(QObject):
    """Frames from a ``Camera`` worker thread, delivered on the GUI thread."""

    frame_ready = Signal(QImage)  # the preview of the newest frame
    frame_arrived = Signal()  # a new full frame is ready: take_frame()
    camera_event = Signal(str)  # a CameraEvent value
    _wake = Signal()
    _event = Signal(str)

    def __init__(
        self, camera: Camera, *, preview_width: int = 960, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.camera = camera
        self.preview_width = preview_width
        self._lock = threading.Lock()
        self._slot: tuple[np.ndarray, QImage] | None = None  # newest, not yet collected
        self._frame: np.ndarray | None = None  # newest collected, not yet taken
        self._last: np.ndarray | None = None  # the last collected, kept for a manual capture
        self._frame_size: tuple[int, int] | None = None
        self._notified = False
        self._stopped = True  # until start(); set by stop(): the camera thread's emits are over
        self.dropped = 0  # frames replaced by a newer one before anyone used them
        self._wake.connect(self._collect, Qt.ConnectionType.QueuedConnection)
        # A feed deleted with its window stops its camera thread.
        self.destroyed.connect(lambda *_: camera.stop(timeout=1.0))
        self._event.connect(self.camera_event, Qt.ConnectionType.QueuedConnection)

    # --- control (GUI thread) -------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            self._stopped = False
        self.camera.start(self._on_frame, self._on_event)

    def stop(self) -> None:
        # Once this returns the camera thread emits nothing more, even if it outlives the
        # join below (a feed is often deleteLater()'d next: a signal emitted from another
        # thread into a deleted QObject crashes the process).
        with self._lock:
            was_running, self._stopped = not self._stopped, True
        self.camera.stop()
        if was_running:  # what the camera thread's own "stopped" would have said
            self._event.emit(CameraEvent.STOPPED.value)

    @property
    def running(self) -> bool:
        return self.camera.running

    def take_frame(self) -> np.ndarray | None:
        """The newest full-resolution frame not taken yet (the caller owns it), or None."""
        frame, self._frame = self._frame, None
        return frame

    def peek_frame(self) -> np.ndarray | None:
        """The newest full-resolution frame, taken or not (manual capture)."""
        return self._frame if self._frame is not None else self._last

    @property
    def frame_size(self) -> tuple[int, int] | None:
        """(width, height) of the camera's frames."""
        return self._frame_size

    def clear(self) -> None:
        """Stop and forget every frame (privacy: the pixels are overwritten)."""
        self.stop()
        with self._lock:
            slot, self._slot = self._slot, None
            self._notified = False
        for frame in (slot[0] if slot else None, self._frame, self._last):
            if frame is not None:
                frame.fill(0)
        self._frame = None
        self._last = None

    # --- the camera thread ----------------------------------------------------------------
    def _on_frame(self, frame: np.ndarray) -> None:
        preview = bgr_to_qimage(frame, self.preview_width)
        with self._lock:
            if self._stopped:
                return
            if self._slot is not None:
                self.dropped += 1
            self._slot = (frame, preview)
            notify = not self._notified
            self._notified = True
            if notify:  # under the lock: stop() waits for an emit in progress
                with contextlib.suppress(RuntimeError):  # the feed is gone (shutting down)
                    self._wake.emit()

    def _on_event(self, event: CameraEvent) -> None:
        with self._lock:
            if self._stopped:
                return
            with contextlib.suppress(RuntimeError):
                self._event.emit(event.value)

    # --- back on the GUI thread -----------------------------------------------------------
    @Slot()
    def _collect(self) -> None:
        with self._lock:
            slot, self._slot = self._slot, None
            self._notified = False
        if slot is None:
            return
        frame, preview = slot
        if self._frame is not None:
            self.dropped += 1  # the analysis was busy: the newer frame replaces it
        self._frame = self._last = frame
        self._frame_size = (int(frame.shape[1]), int(frame.shape[0]))
        self.frame_ready.emit(preview)
        self.frame_arrived.emit()
