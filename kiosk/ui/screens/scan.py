"""Photograph a document, page by page: the camera's view, what to do now (big), a button to
take the photo by hand; then the straightened page to check, "Refaire la photo" or "Valider".

A dumb screen: ``ScanController`` feeds it images and message ids and listens to its
signals. Two states share the column: *live* (preview, guidance, "Prendre la photo",
"Passer ce document") and *review* (the page, "Valider", "Refaire la photo").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QResizeEvent
from PySide6.QtWidgets import QApplication, QSizePolicy, QWidget

from kiosk.i18n import N_, Translator
from kiosk.scan.guidance import Guidance, message_id
from kiosk.ui.image_view import ImageView
from kiosk.ui.theme import NORMAL, SPACE_L, SPACE_M, SPACE_S
from kiosk.ui.widgets import (
    LEADING,
    BaseScreen,
    action_button,
    button,
    change_role,
    label,
)

if TYPE_CHECKING:
    from kiosk.ui.confirm import ConfirmDialog

TITLE = N_("Photo du document")
INTRO_LIVE = N_("Posez la page sous la caméra. La photo se prend toute seule.")
INTRO_REVIEW = N_("Regardez la photo. Le texte doit être net et facile à lire.")
PREVIEW_NAME = N_("Aperçu de la caméra")
PAGE_NAME = N_("Photo de la page {number}")
DOCUMENT_COUNTER = N_("Document {number} sur {total}")
PAGE_COUNTER = N_("Page {number} sur {total}")
CAPTURE = N_("Prendre la photo")
SKIP = N_("Passer ce document")
SKIP_NAME = N_("Passer ce document, sans photo")
ACCEPT = N_("Valider")
ACCEPT_NAME = N_("Valider la photo de cette page")
# Not "Reprendre": that is resuming an application ("Reprendre une demande").
RETAKE = N_("Refaire la photo")
RETAKE_NAME = N_("Refaire la photo de cette page")
MORE = N_("Valider et ajouter une page")
MORE_NAME = N_("Valider cette page et photographier une autre page du même document")
NO_MORE = N_("Il n'y a pas d'autre page")
PREPARING = N_("Préparation de la photo. Attendez un peu.")
CAMERA_STARTING = N_("La caméra démarre.")
# Asked before a document is skipped (one tap skipped it: issue 15).
SKIP_TITLE = N_("Passer ce document ?")
SKIP_TEXT = N_("Sans photo, vous devrez apporter « {document} » à la préfecture.")
SKIP_CONFIRM = N_("Oui, passer ce document")
SKIP_KEEP = N_("Non, prendre la photo")

# Share of the window's height the camera's view and the page under review take (the
# page at least half the screen: the applicant must be able to check it), within the
# page's viewport; the buttons are in the action bar, always in view.
PREVIEW_HEIGHT_SHARE = 0.45
REVIEW_HEIGHT_SHARE = 0.55
PREVIEW_LEAST_SHARE = 0.3  # kiosk.audit.shape_checks: never a thin strip
REVIEW_LEAST_SHARE = 0.5  # the page under review: at least half the window
MIN_VIEW_HEIGHT = 160


class ScanScreen(BaseScreen):
    capture_requested = Signal()  # "Prendre la photo"
    retake_requested = Signal()  # "Refaire la photo"
    page_accepted = Signal()  # "Valider"
    skip_requested = Signal()  # "Passer ce document" (or, on a page added: no more pages)
    more_requested = Signal()  # "Valider et ajouter une page"

    def __init__(self) -> None:
        super().__init__(TITLE, INTRO_LIVE)
        self._document_id = ""  # label msgid of the document being photographed
        self._document = (0, 0)  # (number, total)
        self._page = (0, 0)
        self._guidance_id = CAMERA_STARTING
        self._guidance_is_error = False
        self._reviewing = False
        self._preparing = False
        self._live_intro = INTRO_LIVE

        self.preview = ImageView()
        self.preview.setObjectName("camera-preview")
        self.preview.background = QColor(NORMAL.text)  # a dark viewfinder, lit or not
        self.body.addWidget(self.preview)
        self.guidance = label("", "h2")
        self.guidance.setObjectName("scan-guidance")
        # A polite live region would be ideal; Qt has none: the controller speaks changes.
        self.body.addWidget(self.guidance)

        self.page_view = ImageView(aspect=1 / 1.414)
        self.page_view.setObjectName("page-review")
        self.page_view.hide()
        self.body.addWidget(self.page_view)

        self.capture_button = button()
        self.skip_button = button("secondary")
        self.accept_button = button()
        self.retake_button = button("secondary")
        for btn, signal in (
            (self.capture_button, self.capture_requested),
            (self.skip_button, self._skip_touched),
            (self.accept_button, self.page_accepted),
            (self.retake_button, self.retake_requested),
        ):
            btn.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            btn.clicked.connect(signal)
            self.action_row.addWidget(btn, 0, LEADING)
        self.action_row.addStretch(1)
        self.accept_button.hide()
        self.retake_button.hide()
        self.skip_dialog: ConfirmDialog | None = None
        # Beside the two others when they fit, else at the end of the page (200 %).
        self.more_button = action_button(self.more_requested, "secondary")
        self.more_button.hide()
        self.add_action(self.more_button, overflow=True)
        self._more_pages = False  # the document may have more pages than asked
        self._extra = False  # this page is one the applicant added
        self._chain_tab_order()

    # --- what the controller shows ----------------------------------------------------------
    def show_document(
        self,
        label_id: str,
        number: int,
        total: int,
        page: int,
        pages: int,
        *,
        intro: str = "",
        more_pages: bool = False,
        extra: bool = False,
    ) -> None:
        """Document ``number`` of ``total`` (``label_id``: its msgid), page ``page`` of
        ``pages``; ``intro``: what to do (msgid), if not the usual instruction;
        ``more_pages``: a page can be added; ``extra``: this page was added."""
        self._document_id = label_id
        self._document = (number, total)
        self._page = (page, pages)
        self._more_pages = more_pages
        self._extra = extra
        self._live_intro = intro or INTRO_LIVE
        if not self._reviewing:
            self._intro_id = self._live_intro
        self.retranslate(self.tr_)

    def show_frame(self, image: QImage) -> None:
        self.preview.set_image(image)

    def show_outline(
        self, corners: Sequence[Sequence[float]] | None, frame_size: tuple[int, int] | None
    ) -> None:
        self.preview.set_outline(corners, frame_size)

    def show_guidance(self, message: str | Guidance, *, error: bool = False) -> None:
        """``message``: a msgid, or a guidance code (its message)."""
        msgid = message_id(message) if isinstance(message, Guidance) else message
        if msgid == self._guidance_id and error == self._guidance_is_error:
            return
        self._guidance_id = msgid
        self._guidance_is_error = error
        self._render_guidance(self.tr_)

    def set_camera_ready(self, ready: bool) -> None:
        """No frame (camera missing or unplugged): the photo button cannot work."""
        self.capture_button.setEnabled(ready)

    def show_review(self, image: QImage | None) -> None:
        """The straightened page to check; ``None`` while it is being prepared."""
        self._reviewing = True
        self._preparing = image is None
        self.preview.hide()
        self.guidance.hide()
        self.page_view.set_image(image)
        self.page_view.show()
        for btn in (self.capture_button, self.skip_button):
            btn.hide()
        self.accept_button.show()
        self.retake_button.show()
        self.more_button.setVisible(self._more_pages)
        self.accept_button.setEnabled(image is not None)
        self.more_button.setEnabled(image is not None)
        self._intro_id = PREPARING if image is None else INTRO_REVIEW
        self.retranslate(self.tr_)
        self._chain_tab_order()
        self.fit_actions()
        self._fit_views()
        self.accept_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_live(self) -> None:
        """Back to the camera (after "Refaire la photo", or for the next page)."""
        self._reviewing = False
        self._preparing = False
        self.page_view.clear()
        self.page_view.hide()
        self.preview.show()
        self.guidance.show()
        self.accept_button.hide()
        self.retake_button.hide()
        self.more_button.hide()
        self.capture_button.show()
        self.skip_button.show()
        self._intro_id = self._live_intro
        self.retranslate(self.tr_)
        self._chain_tab_order()
        self.fit_actions()
        self._fit_views()

    @property
    def reviewing(self) -> bool:
        return self._reviewing

    def guidance_text(self) -> str:
        return self.guidance.text()

    # --- rendering --------------------------------------------------------------------------
    def title_text(self) -> str:
        return self.tr_(self._document_id) if self._document_id else self.tr_(TITLE)

    def retranslate_body(self, tr: Translator) -> None:
        parts = []
        if self._document[1] > 1:
            number, total = self._document
            parts.append(tr(DOCUMENT_COUNTER).format(number=number, total=total))
        if self._page[1] > 1:  # "Page 1 sur 1" was read as a step count (issue 15)
            number, total = self._page
            parts.append(tr(PAGE_COUNTER).format(number=number, total=total))
        self.caption.setText(" · ".join(parts))
        self.caption.setVisible(bool(parts))
        self.capture_button.setText(tr(CAPTURE))
        self.capture_button.setAccessibleName(tr(CAPTURE))
        self.skip_button.setText(tr(NO_MORE if self._extra else SKIP))
        self.skip_button.setAccessibleName(tr(NO_MORE if self._extra else SKIP_NAME))
        self.more_button.setText(tr(MORE))
        self.more_button.setAccessibleName(tr(MORE_NAME))
        self.accept_button.setText(tr(ACCEPT))
        self.accept_button.setAccessibleName(tr(ACCEPT_NAME))
        self.retake_button.setText(tr(RETAKE))
        self.retake_button.setAccessibleName(tr(RETAKE_NAME))
        self.preview.setAccessibleName(tr(PREVIEW_NAME))
        self.page_view.setAccessibleName(tr(PAGE_NAME).format(number=self._page[0] or 1))
        self.page_view.setAccessibleDescription(tr(INTRO_REVIEW))
        self._render_guidance(tr)
        self._fit_views()  # another language, another height of text

    def _render_guidance(self, tr: Translator) -> None:
        text = tr(self._guidance_id) if self._guidance_id else ""
        self.guidance.setText(text)
        change_role(self.guidance, "error" if self._guidance_is_error else "h2")
        self.preview.setAccessibleDescription(text)
        # No frame yet (starting, or no camera): the box says so in the guidance's words
        # (its size: the theme's #camera-preview), instead of staying black.
        self.preview.set_placeholder(text)

    def spoken_text(self) -> str:
        parts = [self.caption.text(), super().spoken_text()]
        if not self._reviewing:
            parts.append(self.guidance.text())
        return " ".join(p for p in parts if p)

    def _chain_tab_order(self) -> None:
        chain: list[QWidget] = self.header_chain()
        if self.back_button is not None:
            chain.append(self.back_button)
        if self._reviewing:
            if self.more_button.isVisibleTo(self):
                chain.append(self.more_button)  # at the end of the page
            chain += [self.accept_button, self.retake_button]  # the action bar
        else:
            chain += [self.capture_button, self.skip_button]
        self.set_reading_order(chain)

    # --- size -------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_views()

    def entered(self) -> None:
        super().entered()
        self._fit_views()

    def _fit_views(self) -> None:
        """Once the events in hand are processed: fit the view to the screen."""
        QTimer.singleShot(0, self, self._fit_to_fold)

    def _fit_to_fold(self) -> None:
        """The view at its share of the window's height (never a thin strip at 1080p), as
        far as the page's viewport allows, then scrolled into view (with the guidance
        under the camera's view): nothing needed is below the fold at any text size."""
        view = self.page_view if self._reviewing else self.preview
        if not view.isVisible():
            return
        page = self.scroll_page
        page.setMinimumHeight(0)  # the room added below for the last fit (see the end)
        window = self.window()
        screen_h = window.height() if window is not None else self.height()
        share = REVIEW_HEIGHT_SHARE if self._reviewing else PREVIEW_HEIGHT_SHARE
        room = self.scroll_area.viewport().height() - SPACE_M
        if not self._reviewing:
            room -= self.guidance.heightForWidth(self.column.width()) + SPACE_L
        view.max_height = max(MIN_VIEW_HEIGHT, min(round(screen_h * share), room))
        self._relayout(view)
        # What the rest of the page pushes below the fold is taken from the view, down to
        # its least share (the page under review half the window, the camera's view 30 %):
        # at 100 % nothing scrolls; at 200 % the view keeps its size and the page scrolls.
        overflow = self.scroll_area.verticalScrollBar().maximum()
        least = round(screen_h * (REVIEW_LEAST_SHARE if self._reviewing else PREVIEW_LEAST_SHARE))
        if overflow > 0 and view.max_height > least:
            view.max_height = max(least, MIN_VIEW_HEIGHT, view.max_height - overflow)
            self._relayout(view)
        # As much of the page above as fits with the whole view (and the guidance under
        # the camera's view): from the top if it all fits, else from the caption, the
        # title or the instruction, else from the view itself.
        last = view if self._reviewing else self.guidance
        bottom = last.mapTo(page, last.rect().bottomLeft()).y() + SPACE_M
        viewport = self.scroll_area.viewport().height()
        tops = [0] + [
            w.mapTo(page, w.rect().topLeft()).y() - SPACE_S
            for w in (self.caption, self.title, self.intro, view)
            if w.isVisibleTo(self)
        ]
        top = max(0, next((t for t in tops if bottom - t <= viewport), tops[-1]))
        bar = self.scroll_area.verticalScrollBar()
        if top > bar.maximum():
            # The page ended before that top: the scroll stopped at its end, and the top
            # edge cut the title's last line (Arabic at 200 % on 4:3, issue 15). Room under
            # the page, so that the view starts just above a whole widget.
            page.setMinimumHeight(page.height() + top - bar.maximum())
            self._relayout(page)
        bar.setValue(top)

    @staticmethod
    def _relayout(view: QWidget) -> None:
        view.updateGeometry()
        for _ in range(3):  # the column, the page, the scroll area: one level each
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)

    # --- skipping -----------------------------------------------------------------------------
    def _skip_touched(self) -> None:
        """ "Passer ce document": asked first (the document must then be brought to the
        prefecture). "Il n'y a pas d'autre page" (a page added) is not asked."""
        if self._extra:
            self.skip_requested.emit()
            return
        from kiosk.ui.confirm import ConfirmDialog

        self.close_skip_dialog()
        tr = self.tr_
        dialog = ConfirmDialog(
            self.window(),
            tr,
            tr(SKIP_TITLE),
            tr(SKIP_TEXT).format(document=tr(self._document_id)),
            confirm=tr(SKIP_CONFIRM),
            keep=tr(SKIP_KEEP),
        )
        dialog.accepted.connect(self.skip_requested)
        dialog.finished.connect(lambda _result, d=dialog: self._skip_dialog_closed(d))
        self.skip_dialog = dialog
        dialog.open()

    def _skip_dialog_closed(self, dialog: QWidget) -> None:
        if self.skip_dialog is dialog:
            self.skip_dialog = None
        dialog.deleteLater()

    def close_skip_dialog(self) -> None:
        """Closed without skipping (the screen is left or wiped)."""
        dialog, self.skip_dialog = self.skip_dialog, None
        if dialog is not None:
            dialog.reject()

    # --- forgetting -------------------------------------------------------------------------
    def wipe(self) -> None:
        self.close_skip_dialog()
        self.preview.clear()
        self.page_view.clear()
        self._document_id = ""
        self._document = self._page = (0, 0)
        self._guidance_id = CAMERA_STARTING
        self._guidance_is_error = False
        self._live_intro = INTRO_LIVE
        self._more_pages = self._extra = False
        self.set_camera_ready(True)
        self.show_live()
