"""Receipt: the local reference, big and clear; the date; what happens next; "Terminer".

"Imprimer mon reçu" prints it again, a secondary action (the controller prints once by
itself when a printer is there; "Terminer" is the screen's one primary action); "Voir mon
reçu à l'écran" shows the same pages as images here, to photograph when the printer is
absent or out of paper. The printer's state is shown and spoken.

There is no back button: the application is sent, there is nothing to go back to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QVBoxLayout

from kiosk.domain.deadlines import Deadline
from kiosk.domain.session import Screen
from kiosk.i18n import N_, Translator
from kiosk.ui.display import format_date, format_time
from kiosk.ui.screens.guide import AnswerCard
from kiosk.ui.theme import SPACE_S
from kiosk.ui.widgets import (
    LEADING,
    BaseScreen,
    Notice,
    action_button,
    bidi,
    change_role,
    label,
    set_role,
)

NEXT_STEPS = (
    N_("Notez ce numéro ou prenez-le en photo."),
    N_("La préfecture étudie votre demande."),
    N_("La préfecture vous écrit ou vous appelle."),
    N_("Gardez vos documents. La préfecture peut les demander."),
)


class ReceiptScreen(BaseScreen):
    screen_id = Screen.RECEIPT
    finished = Signal()
    another_requested = Signal()  # another application, for a member of the family
    print_requested = Signal()
    show_requested = Signal()  # the receipt on screen instead of (or as well as) paper

    def __init__(self) -> None:
        super().__init__(
            N_("Votre demande est enregistrée"),
            N_("Merci. Votre demande part à la préfecture."),
            has_back=False,
        )
        self.reference_caption = self.body_label("label")
        self.reference = label("", "reference", wrap=False)
        self.reference.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.body.addWidget(self.reference, 0, LEADING)
        self.date = self.body_label("lead")
        self.next_heading = self.body_label("h2")
        steps = QVBoxLayout()
        steps.setSpacing(SPACE_S)
        self.next_lines = [label("", "lead") for _ in NEXT_STEPS]
        for line in self.next_lines:
            steps.addWidget(line)
        self.body.addLayout(steps)
        # The documents as the paper receipt lists them (kiosk.domain.receipt): those
        # photographed here, then those to bring (a skipped document among them).
        self.given_heading = self.body_label("h2")
        self.given = self.body_label("lead")
        self.documents_heading = self.body_label("h2")
        self.documents = self.body_label("lead")
        # Where the application stands against the renewal deadline, said as done.
        self.deadline = Notice()
        self.body.addWidget(self.deadline)
        self._deadline: Deadline | None = None

        # Paper or screen: the printer's state said in words, never only by colour. One
        # button under the other: side by side they do not fit at 200 % in Russian,
        # Ukrainian or Dari (kiosk-audit, reflow).
        # One primary action on the screen, "Terminer": the receipt prints once by itself,
        # "Imprimer mon reçu" prints it again (issue 15: two primary-looking buttons).
        paper = QVBoxLayout()
        paper.setSpacing(SPACE_S)
        self.print_button = action_button(self.print_requested, "secondary")
        self.show_button = action_button(self.show_requested, "secondary")
        paper.addWidget(self.print_button, 0, LEADING)
        paper.addWidget(self.show_button, 0, LEADING)
        # Under the number and its date, not above them: the number is what the applicant
        # leaves with, and above the fold at 200 % on a 4:3 screen only what comes first is
        # (in Arabic in high contrast the number's box was cut off under the two buttons).
        at = self.body.indexOf(self.date) + 1
        self.body.insertLayout(at, paper)
        self.print_status = label("", "lead")
        self.print_status.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # read on its own
        self.print_status.hide()
        self.body.insertWidget(at + 1, self.print_status)
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        set_role(self.preview, "receipt-preview")
        self.preview.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.preview.hide()
        self.body.insertWidget(at + 2, self.preview)
        self._print_status_id = ""
        self._print_error = False
        self._pages: list[QImage] = []

        self.finish_button = action_button(self.finished)
        self.action_row.addWidget(self.finish_button, 0, LEADING)
        self.action_row.addStretch(1)
        # A large card whose text wraps (a long sentence in every language, at 200 %).
        self.another_button = AnswerCard(N_("Faire une autre demande pour un membre de ma famille"))
        self.another_button.clicked.connect(self.another_requested)
        self.body.addWidget(self.another_button)
        self.setTabOrder(self.print_button, self.show_button)
        self.setTabOrder(self.another_button, self.finish_button)  # reading order
        self._reference = ""
        self._when: dt.datetime | None = None
        self._given: list[str] = []
        self._documents: list[str] = []

    def show_receipt(
        self,
        reference: str,
        submitted_at: dt.datetime,
        documents: Sequence[str],
        given: Sequence[str] = (),
        deadline: Deadline | None = None,
    ) -> None:
        """``submitted_at`` is shown in the kiosk's local time; ``documents``: the msgids
        of those to bring (not photographed, or skipped), ``given``: those photographed;
        ``deadline``: the renewal deadline, said as done."""
        self._reference = reference
        self._when = submitted_at.astimezone()
        self._given = list(given)
        self._documents = list(documents)
        self._deadline = deadline
        self.retranslate_body(self.tr_)

    # --- paper or screen ------------------------------------------------------------------
    def set_print_busy(self, busy: bool) -> None:
        self.print_button.setEnabled(not busy)
        if busy:
            self.show_print_status(N_("Impression en cours. Attendez un instant."))

    def show_print_status(self, message_id: str, *, error: bool = False) -> None:
        """A printer message (msgid); an error offers the screen instead, focused."""
        self._print_status_id, self._print_error = message_id, error
        self.print_status.setText(self.tr_(message_id) if message_id else "")
        change_role(self.print_status, "error" if error else "lead")
        self.print_status.setVisible(bool(message_id))
        if error:
            self.focus_and_show(self.show_button)

    def show_pages(self, pages: list[QImage]) -> None:
        """The receipt's pages, one under the other, scaled to the column."""
        self._pages = list(pages)
        self._fit_preview()
        self.preview.setVisible(bool(self._pages))
        if self._pages:
            self.focus_and_show(self.preview)

    def _fit_preview(self) -> None:
        if not self._pages:
            self.preview.clear()
            return
        width = max(320, min(self.column.width(), 900))
        scaled = [
            p.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation) for p in self._pages
        ]
        canvas = QImage(
            width,
            sum(p.height() for p in scaled) + 16 * (len(scaled) - 1),
            QImage.Format.Format_RGB32,
        )
        canvas.fill(Qt.GlobalColor.gray)

        painter = QPainter(canvas)
        y = 0
        for page in scaled:
            painter.drawImage(0, y, page)
            y += page.height() + 16
        painter.end()
        self.preview.setPixmap(QPixmap.fromImage(canvas))

    def retranslate_body(self, tr: Translator) -> None:
        self.print_button.setText(tr(N_("Imprimer mon reçu")))
        self.print_button.setAccessibleName(self.print_button.text())
        self.show_button.setText(tr(N_("Voir mon reçu à l'écran")))
        self.show_button.setAccessibleName(self.show_button.text())
        self.print_status.setText(tr(self._print_status_id) if self._print_status_id else "")
        self.print_status.setAccessibleName(self.print_status.text())
        self.preview.setAccessibleName(
            tr(N_("Votre reçu, à prendre en photo. Numéro de demande : {reference}")).format(
                reference=self._reference
            )
        )
        self.reference_caption.setText(tr(N_("Votre numéro de demande :")))
        self.reference.setText(bidi(self._reference, tr))
        self.reference.setVisible(bool(self._reference))
        self.reference.setAccessibleName(
            tr(N_("Votre numéro de demande : {reference}")).format(reference=self._reference)
        )
        if self._when is not None:
            self.date.setText(
                tr(N_("Date : le {date} à {time}")).format(
                    date=format_date(self._when.date()), time=format_time(self._when)
                )
            )
        else:
            self.date.setText("")
        self.next_heading.setText(tr(N_("Et maintenant ?")))
        for i, (line, text) in enumerate(zip(self.next_lines, NEXT_STEPS, strict=True), 1):
            line.setText(bidi(f"{i}. {tr(text)}", tr))
        self.given_heading.setText(tr(N_("Documents donnés à la borne")))
        self.given.setText("\n".join(tr.isolate(f"• {tr(d)}") for d in self._given))
        for w in (self.given_heading, self.given):
            w.setVisible(bool(self._given))
        self.documents_heading.setText(tr(N_("Documents à apporter à la préfecture")))
        self.documents.setText("\n".join(tr.isolate(f"• {tr(d)}") for d in self._documents))
        for w in (self.documents_heading, self.documents):
            w.setVisible(bool(self._documents))
        deadline = self._deadline
        self.deadline.retranslate(tr)
        if deadline is None:
            self.deadline.show_message("")
        else:
            message = deadline.message_for(filed=True)
            self.deadline.show_message(
                tr(message).format(date=format_date(deadline.date), fee=deadline.late_fee_eur),
                [message],
            )
        self.finish_button.setText(tr(N_("Terminer")))
        self.finish_button.setAccessibleName(tr(N_("Terminer et effacer mes réponses")))
        self.another_button.retranslate(tr)

    def spoken_text(self) -> str:
        return " ".join(
            [super().spoken_text(), self.reference_caption.text(), " ".join(self._reference)]
            + [line.text() for line in self.next_lines]
        )

    def wipe(self) -> None:
        self._print_status_id, self._print_error = "", False
        self.print_status.hide()
        self._pages = []
        self.preview.clear()
        self.preview.hide()
        self.print_button.setEnabled(True)
        self._reference = ""
        self._when = None
        self._given, self._documents, self._deadline = [], [], None
        self.retranslate_body(self.tr_)
