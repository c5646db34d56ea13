"""The applicant's consent to be helped by a mediator (Aidants Connect's mandate, CiviForm's
trusted intermediary, adapted to a counter): who helps, what they may see and do, then the
applicant's choice. Shown in the applicant's language and always spoken."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QBoxLayout, QFrame, QSizePolicy, QVBoxLayout

from kiosk.i18n import N_, Translator
from kiosk.ui.theme import SPACE_L, SPACE_M, SPACE_S
from kiosk.ui.widgets import LEADING, BaseScreen, button, label, set_role

# Bump when the text below changes: the version goes with the application.
CONSENT_TEXT_VERSION = "assist-1"
WHO = N_("{name} travaille à l'accueil. Son identifiant : {identifier}.")
WHAT = (
    N_("Cette personne voit l'écran et vos réponses."),
    N_("Elle peut vous expliquer les questions, dans votre langue ou en français."),
    N_("Elle peut toucher l'écran seulement si vous le demandez."),
    N_("Elle ne peut pas envoyer votre demande sans votre accord."),
    N_("La préfecture saura que cette personne vous a aidé."),
    N_("Vous pouvez arrêter l'aide quand vous voulez."),
)


class AssistConsentScreen(BaseScreen):
    answered = Signal(bool)  # True: the applicant agrees to be helped

    def __init__(self) -> None:
        super().__init__(
            N_("Une personne va vous aider"),
            N_("Lisez ce texte ou écoutez-le. Puis choisissez."),
            has_back=False,
        )
        self.card = QFrame()
        set_role(self.card, "card")
        box = QVBoxLayout(self.card)
        box.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_L)
        box.setSpacing(SPACE_S)
        self.who = label("", "h2")
        box.addWidget(self.who)
        self.lines = [label("", "lead") for _ in WHAT]
        for line in self.lines:
            box.addWidget(line)
        self.body.addWidget(self.card)
        self.agree_button = button()
        self.refuse_button = button("secondary")
        for b, value in ((self.agree_button, True), (self.refuse_button, False)):
            b.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            b.clicked.connect(lambda _=False, v=value: self.answered.emit(v))
            if b is self.agree_button:
                self.actions.addWidget(b, 0, LEADING)
        # Refusing on a row of its own under agreeing: side by side they do not fit at
        # 200 % in Russian or Ukrainian (kiosk-audit, reflow); the column ends in a stretch.
        column = self.column.layout()
        assert isinstance(column, QBoxLayout)
        column.insertWidget(column.count() - 1, self.refuse_button, 0, LEADING)
        self.actions.addStretch(1)
        self._name = ""
        self._identifier = ""

    def show_mediator(self, name: str, identifier: str) -> None:
        self._name, self._identifier = name, identifier
        self.retranslate_body(self.tr_)

    def retranslate_body(self, tr: Translator) -> None:
        self.who.setText(tr(WHO).format(name=self._name, identifier=self._identifier))
        for line, text in zip(self.lines, WHAT, strict=True):
            line.setText(f"• {tr(text)}")
        self.agree_button.setText(tr(N_("J'accepte l'aide")))
        self.refuse_button.setText(tr(N_("Je refuse l'aide")))
        for b in (self.agree_button, self.refuse_button):
            b.setAccessibleName(b.text())

    def consent_text(self) -> str:
        """The whole text as shown (spoken, and what the applicant agrees to)."""
        return " ".join([self.who.text()] + [line.text().lstrip("• ") for line in self.lines])

    def spoken_text(self) -> str:
        return " ".join(
            [super().spoken_text(), self.consent_text(), self.agree_button.text(),
             self.refuse_button.text()]
        )  # fmt: skip

    def wipe(self) -> None:
        self.show_mediator("", "")
