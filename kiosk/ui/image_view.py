"""A custom-painted image that scales to fit: the camera's preview and the page to review.

``ImageView`` paints an image scaled to fit, keeping its aspect ratio, with an optional
outline drawn over it (the page the scanner found). Being painted, it exposes nothing to
assistive technologies but its accessible name and description, which its screen sets.
No OpenCV here: the main window imports this at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.ui.theme import NORMAL


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
        # Said in the box while there is no image (the camera starting or missing): an
        # empty dark box for up to 30 s read as a broken kiosk (issue 15, problem 11).
        self.placeholder = ""
        self.placeholder_colour = QColor(NORMAL.background)
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

    def set_placeholder(self, text: str) -> None:
        if text != self.placeholder:
            self.placeholder = text
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
        elif self.placeholder:
            painter.setPen(self.placeholder_colour)
            painter.setFont(self.font())
            margin = self.fontMetrics().height()
            painter.drawText(
                self.rect().adjusted(margin, margin, -margin, -margin),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                self.placeholder,
            )
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
