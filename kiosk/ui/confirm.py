"""A question with two answers, asked before something the applicant cannot undo at once
(issue 15: "Passer ce document" skipped a document with one tap, no question asked)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.i18n import Translator
from kiosk.ui.widgets import NoticeDialog, button


class ConfirmDialog(NoticeDialog):
    """``title``, ``text``, then two buttons: ``keep`` (what the applicant was doing: the
    first, focused, what Escape and Enter choose) and ``confirm`` (the action asked
    about). ``accepted`` means confirmed."""

    def __init__(
        self,
        parent: QWidget,
        tr: Translator,
        title: str,
        text: str,
        *,
        confirm: str,
        keep: str,
    ) -> None:
        super().__init__(parent, tr, title, text)
        self.setObjectName("confirm-dialog")
        self.keep_button = self.ok_button  # "J'ai compris" becomes the safe answer
        self.keep_button.setText(keep)
        self.keep_button.setAccessibleName(keep)
        self.keep_button.setDefault(True)
        self.keep_button.clicked.disconnect()
        self.keep_button.clicked.connect(self.reject)
        self.confirm_button = button("secondary")
        self.confirm_button.setText(confirm)
        self.confirm_button.setAccessibleName(confirm)
        self.confirm_button.setAutoDefault(False)
        self.confirm_button.clicked.connect(self.accept)
        for btn in (self.keep_button, self.confirm_button):
            btn.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.box.addWidget(self.confirm_button)
        self.setTabOrder(self.keep_button, self.confirm_button)
        self.finished.connect(parent.window().activateWindow)

    def open(self) -> None:
        parent = self.parentWidget()
        super().open()
        if parent is not None:  # centred on the kiosk window
            centre = parent.window().mapToGlobal(parent.window().rect().center())
            self.move(centre - self.rect().center())
        self.keep_button.setFocus(Qt.FocusReason.OtherFocusReason)
