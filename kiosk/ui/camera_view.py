"""The camera on the Qt side: frames from the camera's worker thread to the GUI thread.

``CameraFeed`` receives each frame on the camera thread, makes the preview there (scaled
down, RGB, ``QImage(...).copy()``: Qt never shares the NumPy buffer) and keeps only the
latest frame: if the GUI thread has not collected the previous one yet, it is replaced,
so a busy GUI drops frames instead of queueing them (latest frame wins). On the GUI
thread it emits ``frame_ready(QImage)`` for the preview and ``frame_arrived`` for whoever
analyses the full-resolution frame (``take_frame()``).

The camera thread makes no call into Qt's object system: it wakes the GUI thread through a
:class:`kiosk.render.jobs.GuiInbox` (a byte on a pipe), never by emitting a signal (an
emission across threads locks one of Qt's signal-slot mutexes while it holds the GIL: the
soak test's deadlock), and it makes no QImage either: it scales and converts the preview's
pixels (NumPy, OpenCV), and ``_collect`` copies them into a QImage on the GUI thread. (A
QImage is not a QObject: no thread affinity, no signal-slot lock, so making one elsewhere
could not close the soak test's loop; it is made here all the same, so that the camera
thread stays free of Qt as a whole, which a test checks, and so that no QImage is freed on
that thread when a newer frame replaces one. The copy costs the GUI thread 0.7 to 1.2 ms
per 960 × 720 frame shown, measured at a load of 9 on 2 cores: benchmarks/gui_inbox.py.)

The preview widget, ``ImageView``, lives in ``kiosk.ui.image_view`` (no OpenCV there: the
window imports it at start-up) and is re-exported here.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from kiosk.devices.camera import Camera, CameraEvent
from kiosk.render.jobs import GuiInbox
from kiosk.ui.image_view import ImageView

__all__ = ["CameraFeed", "ImageView", "bgr_to_qimage", "preview_rgb", "rgb_to_qimage"]


def preview_rgb(frame: np.ndarray, max_width: int | None = None) -> np.ndarray:
    """``frame`` (BGR or grey ``uint8``) as a new contiguous RGB array, scaled down to
    ``max_width`` if wider. Qt-free: the camera thread makes the preview's pixels."""
    if max_width is not None and frame.shape[1] > max_width:
        h = max(1, round(frame.shape[0] * max_width / frame.shape[1]))
        frame = cv2.resize(frame, (max_width, h), interpolation=cv2.INTER_AREA)
    if frame.ndim == 2:
        rgb = cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    else:
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    return np.ascontiguousarray(rgb)


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """A deep copy of a contiguous RGB ``uint8`` array as a QImage (it owns its pixels:
    the NumPy buffer may go away)."""
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888).copy()


def bgr_to_qimage(frame: np.ndarray, max_width: int | None = None) -> QImage:
    """A deep copy of ``frame`` (BGR or grey ``uint8``) as an RGB QImage, scaled down to
    ``max_width`` if wider."""
    return rgb_to_qimage(preview_rgb(frame, max_width))


class CameraFeed(QObject):
    """Frames from a ``Camera`` worker thread, delivered on the GUI thread."""

    frame_ready = Signal(QImage)  # the preview of the newest frame
    frame_arrived = Signal()  # a new full frame is ready: take_frame()
    camera_event = Signal(str)  # a CameraEvent value

    def __init__(
        self, camera: Camera, *, preview_width: int = 960, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.camera = camera
        self.preview_width = preview_width
        self._lock = threading.Lock()
        self._slot: tuple[np.ndarray, np.ndarray] | None = None  # newest (frame, preview RGB)
        self._frame: np.ndarray | None = None  # newest collected, not yet taken
        self._last: np.ndarray | None = None  # the last collected, kept for a manual capture
        self._frame_size: tuple[int, int] | None = None
        self._notified = False
        self._stopped = True  # until start(); set by stop(): the camera thread's posts are over
        self.dropped = 0  # frames replaced by a newer one before anyone used them
        # Deleted with the feed: what is still queued then is dropped, its pipe closed.
        self._inbox = GuiInbox(self)
        self._post = self._inbox.post  # plain Python, called on the camera thread
        # A feed deleted with its window stops its camera thread.
        self.destroyed.connect(lambda *_: camera.stop(timeout=1.0))

    # --- control (GUI thread) -------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            self._stopped = False
        self.camera.start(self._on_frame, self._on_event)

    def stop(self) -> None:
        # Once this returns the camera thread posts nothing more, even if it outlives the
        # join below, and no frame is delivered any more (one posted before is dropped by
        # _collect). Events posted before come first, then "stopped".
        with self._lock:
            was_running, self._stopped = not self._stopped, True
        self.camera.stop()
        if was_running:  # what the camera thread's own "stopped" would have said
            self._post(self.camera_event.emit, CameraEvent.STOPPED.value)

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
        for frame in (*(slot or ()), self._frame, self._last):
            if frame is not None:
                frame.fill(0)
        self._frame = None
        self._last = None

    # --- the camera thread ----------------------------------------------------------------
    def _on_frame(self, frame: np.ndarray) -> None:
        preview = preview_rgb(frame, self.preview_width)  # no Qt on this thread
        with self._lock:
            if self._stopped:
                return
            if self._slot is not None:
                self.dropped += 1
            self._slot = (frame, preview)
            if not self._notified:  # under the lock: stop() waits for a post in progress
                self._notified = True
                self._post(self._collect)  # False once the feed is gone: nothing to do

    def _on_event(self, event: CameraEvent) -> None:
        with self._lock:
            if self._stopped:
                return
            self._post(self._deliver_event, event.value)

    # --- back on the GUI thread -----------------------------------------------------------
    def _collect(self) -> None:
        with self._lock:
            self._notified = False
            if self._stopped:  # nothing more is delivered; the frame is left for clear()
                return
            slot, self._slot = self._slot, None
        if slot is None:
            return
        frame, rgb = slot
        if self._frame is not None:
            self.dropped += 1  # the analysis was busy: the newer frame replaces it
        self._frame = self._last = frame
        self._frame_size = (int(frame.shape[1]), int(frame.shape[0]))
        self.frame_ready.emit(rgb_to_qimage(rgb))
        self.frame_arrived.emit()

    def _deliver_event(self, value: str) -> None:
        self.camera_event.emit(value)
