"""Check your answers: every answer, step by step, each step with a "Modifier" button."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
)

from contract.catalogue import Procedure, Step
from kiosk.domain.session import Screen
from kiosk.i18n import N_, Translator
from kiosk.ui.display import display_value
from kiosk.ui.theme import SPACE_M
from kiosk.ui.widgets import (
    LEADING,
    BaseScreen,
    action_button,
    button,
    card_layout,
    forward_arrow,
    in_reading_direction,
    label,
    label_pair,
)


class StepCard(QFrame):
    """The answers of one step and its "Modifier" button."""

    def __init__(self, step: Step, edit: QPushButton) -> None:
        super().__init__()
        self.step = step
        box = card_layout(self, SPACE_M)
        top = QHBoxLayout()
        self.heading = label("", "h2")
        top.addWidget(self.heading, 1)
        self.edit_button = edit
        top.addWidget(edit, 0, Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignTop)
        box.addLayout(top)
        self.names: list[QLabel] = []
        self.values: list[QLabel] = []
        for _spec in step.fields:
            pair, name, value = label_pair("answer")
            box.addLayout(pair)
            self.names.append(name)
            self.values.append(value)


class CheckScreen(BaseScreen):
    screen_id = Screen.CHECK
    edit_requested = Signal(str)
    answers_confirmed = Signal()

    def __init__(self) -> None:
        super().__init__(
            N_("Vérifiez vos réponses"),
            N_("Lisez vos réponses. Pour changer une réponse, touchez « Modifier »."),
        )
        self.cards: list[StepCard] = []
        self._procedure: Procedure | None = None
        self._answers: dict[str, str] = {}
        self.confirm_button = action_button(self.answers_confirmed)
        self.action_row.addWidget(self.confirm_button, 0, LEADING)
        self.action_row.addStretch(1)
        self._edited: str | None = None  # the step "Modifier" was touched for

    def show_answers(self, procedure: Procedure, answers: Mapping[str, str]) -> None:
        self._remove_cards()
        self._procedure = procedure
        self._answers = dict(answers)
        for step in procedure.steps:
            edit = button("secondary")
            edit.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            edit.clicked.connect(lambda _=False, s=step.id: self._edit(s))
            card = StepCard(step, edit)
            self.body.addWidget(card)
            self.cards.append(card)
        chain = self.header_chain()
        if self.back_button is not None:
            chain.append(self.back_button)
        chain += [c.edit_button for c in self.cards] + [self.confirm_button]
        self.set_reading_order(chain)
        self.retranslate_body(self.tr_)

    def _edit(self, step_id: str) -> None:
        self._edited = step_id
        self.edit_requested.emit(step_id)

    def entered(self) -> None:
        """Back from "Modifier": where the applicant was, on the step they changed (the
        page went back to the top: issue 15); else from the top, as every screen."""
        super().entered()
        step_id, self._edited = self._edited, None
        card = next((c for c in self.cards if c.step.id == step_id), None)
        if card is None:
            return
        for _ in range(3):  # the new cards laid out: column, page, scroll area
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self.scroll_area.ensureWidgetVisible(card, 0, 0)
        self.focus_and_show(card.edit_button)

    def edit_button(self, step_id: str) -> QPushButton:
        return next(c.edit_button for c in self.cards if c.step.id == step_id)

    def retranslate_body(self, tr: Translator) -> None:
        for card in self.cards:
            title = tr(card.step.title)
            card.heading.setText(title)
            card.edit_button.setText(tr(N_("Modifier")))
            card.edit_button.setAccessibleName(tr(N_("Modifier : {step}")).format(step=title))
            for spec, name, value in zip(card.step.fields, card.names, card.values, strict=True):
                name.setText(tr(spec.label))
                shown = display_value(spec, self._answers.get(spec.id, ""), tr.code)
                value.setText(in_reading_direction(shown, tr) or tr(N_("Pas de réponse")))
                value.setAccessibleName(f"{name.text()} : {value.text()}")
        text = tr(N_("Continuer"))
        self.confirm_button.setText(f"{text} {forward_arrow(tr)}")
        self.confirm_button.setAccessibleName(text)

    def _remove_cards(self) -> None:
        for card in self.cards:
            for value in card.values:
                value.setText("")
            card.hide()  # a queued "show" must not pop it up as a window
            card.setParent(None)
            card.deleteLater()
        self.cards = []

    def wipe(self) -> None:
        self._remove_cards()
        self._procedure = None
        self._answers = {}
        self._edited = None
