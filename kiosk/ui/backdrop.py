"""What shows behind a dialog (issue 15: dialogs had no dimmed backdrop, and the
applicant's answers stayed readable behind the inactivity warning, to whoever walked up).

One overlay over the window's content while a dialog of the window is open: the page
dimmed behind an ordinary dialog, hidden entirely (an opaque backdrop) behind the
inactivity warning. It takes the clicks that miss the dialog.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QDialog, QWidget
from shiboken6 import isValid

DIM_ALPHA = 150  # of 255: the page still recognisable, clearly behind
OPAQUE_DIALOGS = frozenset({"inactivity-warning"})  # object names: nothing shows behind


class Backdrop(QWidget):
    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self._host = host
        self.setObjectName("dialog-backdrop")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self._dialogs: list[QDialog] = []
        self._names: list[str] = []  # their object names (read while they exist)
        host.installEventFilter(self)
        self.setGeometry(host.rect())
        self.hide()

    @property
    def opaque(self) -> bool:
        return any(name in OPAQUE_DIALOGS for name in self._names)

    def dialog_shown(self, dialog: QDialog) -> None:
        if not any(d is dialog for d in self._dialogs):
            self._dialogs.append(dialog)
            self._names.append(dialog.objectName())
            # Deleted while shown (no Hide event): forgotten all the same (a slot of the
            # backdrop: no call once the backdrop itself is gone).
            dialog.destroyed.connect(self._dialog_destroyed)
        self.setGeometry(self._host.rect())
        self.raise_()
        self.show()
        self.update()

    def dialog_hidden(self, dialog: QDialog) -> None:
        kept = [(d, n) for d, n in zip(self._dialogs, self._names, strict=True) if d is not dialog]
        self._dialogs = [d for d, _ in kept]
        self._names = [n for _, n in kept]
        if not self._dialogs:
            self.hide()
        self.update()

    def _dialog_destroyed(self) -> None:
        kept = [(d, n) for d, n in zip(self._dialogs, self._names, strict=True) if isValid(d)]
        self._dialogs = [d for d, _ in kept]
        self._names = [n for _, n in kept]
        if not self._dialogs:
            self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._host.rect())
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        colour = QColor(0, 0, 0, 255 if self.opaque else DIM_ALPHA)
        painter.fillRect(self.rect(), colour)
        painter.end()
