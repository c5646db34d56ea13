"""The camera on the Qt side: frames from the camera's worker thread to the GUI thread, and
the widgets that show them.

``CameraFeed`` receives each frame on the camera thread, makes the preview there (scaled
down, RGB, ``QImage(...).copy()``: Qt never shares the NumPy buffer) and keeps only the
latest frame: if the GUI thread has not collected the previous one yet, it is replaced,
so a busy GUI drops frames instead of queueing them (latest frame wins). On the GUI
thread it emits ``frame_ready(QImage)`` for the preview and ``frame_arrived`` for whoever
analyses the full-resolution frame (``take_frame()``).

``ImageView`` paints an image scaled to fit, keeping its aspect ratio, with an optional
outline (the page the scanner found); it carries its own accessible name and description.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import cv2
import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.devices.camera import Camera, CameraEvent
from kiosk.ui.theme import NORMAL


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
        self.dropped = 0  # frames replaced before the GUI thread collected them
        self._wake.connect(self._collect, Qt.ConnectionType.QueuedConnection)
        self._event.connect(self.camera_event, Qt.ConnectionType.QueuedConnection)

    # --- control (GUI thread) -------------------------------------------------------------
    def start(self) -> None:
        self.camera.start(self._on_frame, self._on_event)

    def stop(self) -> None:
        self.camera.stop()

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
            if self._slot is not None:
                self.dropped += 1
            self._slot = (frame, preview)
            notify = not self._notified
            self._notified = True
        if notify:
            self._wake.emit()

    def _on_event(self, event: CameraEvent) -> None:
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
        self._frame = self._last = frame
        self._frame_size = (int(frame.shape[1]), int(frame.shape[0]))
        self.frame_ready.emit(preview)
        self.frame_arrived.emit()


class ImageView(QWidget):
    """An image scaled to fit (aspect kept, centred), with an optional outline drawn over it.

    Custom painted: what it shows is told by its accessible name and description, which
    the screen sets (Qt exposes nothing else of a painted widget)."""

    def __init__(self, aspect: float = 16 / 9, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._aspect = aspect
        self._outline: list[QPointF] = []
        self._source_size: tuple[int, int] | None = None
        self.outline_colour = QColor(NORMAL.success)
        self.background: QColor | None = None  # None: the page's background (theme)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.max_height = 10_000  # the screen limits it so the buttons stay in view

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        if image is not None and not image.isNull() and image.height() > 0:
            aspect = image.width() / image.height()
            if abs(aspect - self._aspect) > 0.01:
                self._aspect = aspect
                self.updateGeometry()
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def set_outline(
        self, corners: Sequence[Sequence[float]] | None, source_size: tuple[int, int] | None
    ) -> None:
        """``corners`` in the source frame's px (``source_size`` = its width, height)."""
        self._outline = [QPointF(float(x), float(y)) for x, y in corners] if corners else []
        self._source_size = source_size
        self.update()

    @property
    def outline(self) -> list[QPointF]:
        return list(self._outline)

    def clear(self) -> None:
        self._image = None
        self._outline = []
        self.update()

    # --- geometry -------------------------------------------------------------------------
    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return min(self.max_height, round(width / self._aspect))

    def sizeHint(self) -> QSize:
        return QSize(640, self.heightForWidth(640))

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 90)

    def image_rect(self) -> QRectF:
        """Where the image is drawn, in widget px."""
        w, h = self.width(), self.height()
        if w <= 0 or h <= 0:
            return QRectF()
        aspect = self._aspect
        if w / h > aspect:
            dw, dh = h * aspect, float(h)
        else:
            dw, dh = float(w), w / aspect
        return QRectF((w - dw) / 2, (h - dh) / 2, dw, dh)

    # --- painting -------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        background = self.background or self.palette().color(QPalette.ColorRole.Window)
        painter.fillRect(self.rect(), background)
        target = self.image_rect()
        if self._image is not None and not self._image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self._image)
        if self._outline and self._source_size:
            sw, sh = self._source_size
            kx, ky = target.width() / sw, target.height() / sh
            polygon = QPolygonF(
                [QPointF(target.x() + p.x() * kx, target.y() + p.y() * ky) for p in self._outline]
            )
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            pen = QPen(self.outline_colour)
            pen.setWidth(4)
            painter.setPen(pen)
            painter.drawPolygon(polygon)
        painter.end()
