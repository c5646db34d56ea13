"""Receipt: the local reference, big and clear; the date; what happens next; "Terminer".

There is no back button: the application is sent, there is nothing to go back to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout

from kiosk.domain.session import Screen
from kiosk.i18n import N_, Translator
from kiosk.ui.display import format_date, format_time
from kiosk.ui.screens.guide import AnswerCard
from kiosk.ui.theme import SPACE_S
from kiosk.ui.widgets import LEADING, BaseScreen, button, label

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

    def __init__(self) -> None:
        super().__init__(
            N_("Votre demande est enregistrée"),
            N_("Merci. Votre demande part à la préfecture."),
            has_back=False,
        )
        self.reference_caption = label("", "label")
        self.body.addWidget(self.reference_caption)
        self.reference = label("", "reference", wrap=False)
        self.reference.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.body.addWidget(self.reference, 0, LEADING)
        self.date = label("", "lead")
        self.body.addWidget(self.date)
        self.next_heading = label("", "h2")
        self.body.addWidget(self.next_heading)
        steps = QVBoxLayout()
        steps.setSpacing(SPACE_S)
        self.next_lines = [label("", "lead") for _ in NEXT_STEPS]
        for line in self.next_lines:
            steps.addWidget(line)
        self.body.addLayout(steps)
        self.documents_heading = label("", "h2")
        self.body.addWidget(self.documents_heading)
        self.documents = label("", "lead")
        self.body.addWidget(self.documents)

        self.finish_button = button()
        self.finish_button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.finish_button.clicked.connect(self.finished)
        self.actions.addWidget(self.finish_button, 0, LEADING)
        self.actions.addStretch(1)
        # A large card whose text wraps (a long sentence in every language, at 200 %).
        self.another_button = AnswerCard(N_("Faire une autre demande pour un membre de ma famille"))
        self.another_button.clicked.connect(self.another_requested)
        self.body.addWidget(self.another_button)
        self.setTabOrder(self.another_button, self.finish_button)  # reading order
        self._reference = ""
        self._when: dt.datetime | None = None
        self._documents: list[str] = []

    def show_receipt(
        self, reference: str, submitted_at: dt.datetime, documents: Sequence[str]
    ) -> None:
        """``submitted_at`` is shown in the kiosk's local time; ``documents`` are msgids."""
        self._reference = reference
        self._when = submitted_at.astimezone()
        self._documents = list(documents)
        self.retranslate_body(self.tr_)

    def retranslate_body(self, tr: Translator) -> None:
        self.reference_caption.setText(tr(N_("Votre numéro de demande :")))
        self.reference.setText(self._reference)
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
            line.setText(f"{i}. {tr(text)}")
        self.documents_heading.setText(tr(N_("Les documents de cette démarche")))
        self.documents_heading.setVisible(bool(self._documents))
        self.documents.setText("\n".join(f"• {tr(d)}" for d in self._documents))
        self.documents.setVisible(bool(self._documents))
        self.finish_button.setText(tr(N_("Terminer")))
        self.finish_button.setAccessibleName(tr(N_("Terminer et effacer mes réponses")))
        self.another_button.retranslate(tr)

    def spoken_text(self) -> str:
        return " ".join(
            [super().spoken_text(), self.reference_caption.text(), " ".join(self._reference)]
            + [line.text() for line in self.next_lines]
        )

    def wipe(self) -> None:
        self._reference = ""
        self._when = None
        self._documents = []
        self.retranslate_body(self.tr_)
