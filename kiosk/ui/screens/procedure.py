"""Choose a procedure: first the guide ("Je ne sais pas quelle démarche choisir"), then
one large card per procedure of the catalogue (title + summary) to choose directly."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from contract.catalogue import Procedure
from kiosk.domain.session import Screen
from kiosk.i18n import N_, Translator
from kiosk.ui.theme import SPACE_L, SPACE_M, SPACE_XS
from kiosk.ui.widgets import BaseScreen, LayoutButton, forward_arrow


class _Card(LayoutButton):
    """A large button: a title and a summary, an arrow at the end."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("card", parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_M)
        row.setSpacing(SPACE_M)
        texts = QVBoxLayout()
        texts.setSpacing(SPACE_XS)
        row.addLayout(texts, 1)
        self.title = self.add_label(texts, "card-title")
        self.summary = self.add_label(texts, "card-text")
        self.arrow = self.add_label(row, "card-title")
        self.arrow.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def show_texts(self, title: str, summary: str, tr: Translator) -> None:
        """The title (its accessible name), the summary (its description), the arrow."""
        self.title.setText(title)
        self.summary.setText(summary)
        self.arrow.setText(forward_arrow(tr))
        self.setAccessibleName(self.title.text())
        self.setAccessibleDescription(self.summary.text())
        self.updateGeometry()


class ProcedureCard(_Card):
    """A procedure's card: its title and its summary."""

    def __init__(self, procedure: Procedure, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.procedure = procedure

    def retranslate(self, tr: Translator) -> None:
        self.show_texts(tr(self.procedure.title), tr(self.procedure.summary), tr)


class GuideCard(_Card):
    """The first card: answer a few questions to find the procedure."""

    def retranslate(self, tr: Translator) -> None:
        self.show_texts(
            tr(N_("Je ne sais pas quelle démarche choisir")),
            tr(N_("Répondez à quelques questions simples.")),
            tr,
        )


class ProcedureScreen(BaseScreen):
    screen_id = Screen.PROCEDURE
    procedure_chosen = Signal(str)
    guide_requested = Signal()

    def __init__(self) -> None:
        super().__init__(N_("Que voulez-vous faire ?"), N_("Touchez votre démarche."))
        self.cards: list[ProcedureCard] = []
        self.guide_card = GuideCard()
        self.guide_card.clicked.connect(self.guide_requested)
        self.body.addWidget(self.guide_card)
        self.list_heading = self.body_label("h2")

    def show_procedures(self, procedures: Sequence[Procedure], guide: bool = True) -> None:
        self.guide_card.setVisible(guide)
        self.list_heading.setVisible(guide)
        if [c.procedure.id for c in self.cards] == [p.id for p in procedures]:
            return
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []
        for procedure in procedures:
            card = ProcedureCard(procedure)
            card.clicked.connect(lambda _=False, p=procedure.id: self.procedure_chosen.emit(p))
            self.body.addWidget(card)
            self.cards.append(card)
        self.retranslate_body(self.tr_)

    def card(self, procedure_id: str) -> ProcedureCard:
        return next(c for c in self.cards if c.procedure.id == procedure_id)

    def retranslate_body(self, tr: Translator) -> None:
        self.guide_card.retranslate(tr)
        self.list_heading.setText(tr(N_("Ou choisissez directement votre démarche :")))
        for card in self.cards:
            card.retranslate(tr)
