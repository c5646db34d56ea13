""" "Which procedure?": one plain question per screen, big answer buttons, then the
procedure the answers lead to, to start (or to answer again)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QWidget

from contract.catalogue import GuideQuestion, Procedure
from kiosk.domain.session import Screen
from kiosk.i18n import N_, Translator
from kiosk.ui.theme import SPACE_L, SPACE_M, SPACE_XS
from kiosk.ui.widgets import (
    LEADING,
    BaseScreen,
    LayoutButton,
    action_button,
    card_layout,
    forward_arrow,
    label,
)


class AnswerCard(LayoutButton):
    """A large button: one answer to the guide's question, an arrow at the end."""

    def __init__(self, text_id: str, parent: QWidget | None = None) -> None:
        super().__init__("card", parent)
        self.text_id = text_id
        row = QHBoxLayout(self)
        row.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_M)
        row.setSpacing(SPACE_M)
        self.title = self.add_label(row, "card-title", 1)
        self.arrow = self.add_label(row, "card-title")
        self.arrow.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def retranslate(self, tr: Translator) -> None:
        self.title.setText(tr(self.text_id))
        self.arrow.setText(forward_arrow(tr))
        self.setAccessibleName(self.title.text())
        self.updateGeometry()


class GuideScreen(BaseScreen):
    screen_id = Screen.GUIDE
    answer_chosen = Signal(int)
    guide_accepted = Signal()
    restart_requested = Signal()

    def __init__(self) -> None:
        super().__init__("", "")
        self.question: GuideQuestion | None = None
        self.procedure: Procedure | None = None
        self._number = 0
        self.cards: list[AnswerCard] = []
        # The result: the procedure the answers lead to.
        self.result = QFrame()
        box = card_layout(self.result, SPACE_XS)
        self.result_title = label("", "h2")
        self.result_summary = label("", "lead")
        box.addWidget(self.result_title)
        box.addWidget(self.result_summary)
        self.result.hide()
        self.body.addWidget(self.result)
        self.start_button = action_button(self.guide_accepted)
        self.restart_button = action_button(self.restart_requested, "secondary")
        self.action_row.addWidget(self.start_button, 0, LEADING)
        self.action_row.addStretch(1)
        # Beside the start button when both fit, else at the end of the page (200 %).
        self.add_action(self.restart_button, overflow=True)
        self.start_button.hide()
        self.restart_button.hide()

    # --- rendering ------------------------------------------------------------------
    def show_question(self, question: GuideQuestion, number: int) -> None:
        self._remove_cards()
        self.question, self.procedure, self._number = question, None, number
        for i, answer in enumerate(question.answers):
            card = AnswerCard(answer.label)
            card.clicked.connect(lambda _=False, index=i: self.answer_chosen.emit(index))
            self.body.addWidget(card)
            card.show()  # now, not on a queued event: it can be touched at once
            self.cards.append(card)
        self.result.hide()
        self.start_button.hide()
        self.restart_button.hide()
        self._chain([*self.cards])
        self.set_title_ids(question.text, question.help or "")

    def show_result(self, procedure: Procedure) -> None:
        self._remove_cards()
        self.question, self.procedure = None, procedure
        self.result.show()
        self.start_button.show()
        self.restart_button.show()
        self._chain([self.restart_button, self.start_button])  # the action bar is last
        self.fit_actions()
        self.set_title_ids(
            N_("Votre démarche"), N_("Voici la démarche qui correspond à vos réponses.")
        )

    def _chain(self, widgets: list[QPushButton]) -> None:
        chain: list[QWidget] = self.header_chain()
        if self.back_button is not None:
            chain.append(self.back_button)
        chain += widgets
        self.set_reading_order(chain)

    def card(self, index: int) -> AnswerCard:
        return self.cards[index]

    def retranslate_body(self, tr: Translator) -> None:
        if self.question is not None:
            self.caption.setText(tr(N_("Question {number}")).format(number=self._number))
            self.caption.show()
        else:
            self.caption.hide()
        for card in self.cards:
            card.retranslate(tr)
        if self.procedure is not None:
            self.result_title.setText(tr(self.procedure.title))
            self.result_summary.setText(tr(self.procedure.summary))
        text = tr(N_("Commencer cette démarche"))
        self.start_button.setText(f"{text} {forward_arrow(tr)}")
        self.start_button.setAccessibleName(text)
        self.restart_button.setText(tr(N_("Recommencer les questions")))
        self.restart_button.setAccessibleName(self.restart_button.text())

    def spoken_text(self) -> str:
        parts = [self.caption.text() if self.question else "", super().spoken_text()]
        parts += [c.title.text() for c in self.cards]
        if self.procedure is not None:
            parts += [self.result_title.text(), self.result_summary.text()]
        return " ".join(p for p in parts if p)

    # --- forgetting -----------------------------------------------------------------
    def _remove_cards(self) -> None:
        for card in self.cards:
            card.hide()  # see StepScreen._remove_rows
            card.setParent(None)
            card.deleteLater()
        self.cards = []

    def wipe(self) -> None:
        self._remove_cards()
        self.question = self.procedure = None
        self.result.hide()
        self.start_button.hide()
        self.restart_button.hide()
        self.caption.hide()
        self._title_id = self._intro_id = ""
        self.retranslate(self.tr_)
