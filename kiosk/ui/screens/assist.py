"""The applicant's consent to be helped by a mediator (Aidants Connect's mandate, CiviForm's
trusted intermediary, adapted to a counter): who helps, what they may see and do, then the
applicant's choice. Shown in the applicant's language and always spoken. A mediator may
join an application in progress: the applicant is told that it goes on from where they are,
with their answers kept.

When the help ends (:class:`AssistEndScreen`), the applicant chooses, in their language:
carry on alone with their answers (the default), or stop and have everything erased."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QBoxLayout, QFrame, QPushButton, QSizePolicy

from kiosk.i18n import N_, Translator
from kiosk.ui.theme import SPACE_S
from kiosk.ui.widgets import FSI, LEADING, PDI, BaseScreen, button, card_layout, label

# Bump when the text below changes: the version goes with the application.
CONSENT_TEXT_VERSION = "assist-2"
WHO = N_("{name} travaille à l'accueil. Son identifiant : {identifier}.")
WHAT = (
    N_("Cette personne voit l'écran et vos réponses."),
    N_("Elle peut vous expliquer les questions, dans votre langue ou en français."),
    N_("Elle peut toucher l'écran seulement si vous le demandez."),
    N_("Elle ne peut pas envoyer votre demande sans votre accord."),
    N_("La préfecture saura que cette personne vous a aidé."),
    N_("Vous pouvez arrêter l'aide quand vous voulez, et continuer sans aide."),
)
# Joining an application in progress: said first.
JOINING = N_("Votre demande continue là où vous êtes. Vos réponses sont gardées.")


def isolated(text: str) -> str:
    """A name or identifier inside a sentence, in its own direction ("Amina B.",
    "med-0042" in Arabic text): first-strong isolates keep its letters, dot and hyphen in
    their order, whatever the sentence's direction."""
    return f"{FSI}{text}{PDI}" if text else text


def without_marks(text: str) -> str:
    return text.replace(FSI, "").replace(PDI, "")


def answer_buttons(
    screen: BaseScreen, answered: Callable[[bool], None]
) -> tuple[QPushButton, QPushButton]:
    """A screen's two answers, each calling ``answered``: the first (True) in its action
    row, the second (False) on a row of its own under it: side by side they do not fit at
    200 % in Russian or Ukrainian (kiosk-audit, reflow); the column ends in a stretch."""
    yes, no = button(), button("secondary")
    for b, value in ((yes, True), (no, False)):
        b.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        b.clicked.connect(lambda _=False, v=value: answered(v))
    screen.action_row.addWidget(yes, 0, LEADING)
    column = screen.column.layout()
    assert isinstance(column, QBoxLayout)
    column.insertWidget(column.count() - 1, no, 0, LEADING)
    screen.action_row.addStretch(1)
    return yes, no


class AssistConsentScreen(BaseScreen):
    answered = Signal(bool)  # True: the applicant agrees to be helped

    def __init__(self) -> None:
        super().__init__(
            N_("Une personne va vous aider"),
            N_("Lisez ce texte ou écoutez-le. Puis choisissez."),
            has_back=False,
        )
        self.card = QFrame()
        box = card_layout(self.card, SPACE_S)
        self.who = label("", "h2")
        box.addWidget(self.who)
        self.joining = label("", "lead")
        self.joining.hide()
        box.addWidget(self.joining)
        self.lines = [label("", "lead") for _ in WHAT]
        for line in self.lines:
            box.addWidget(line)
        self.body.addWidget(self.card)
        self.agree_button, self.refuse_button = answer_buttons(self, self.answered.emit)
        self._name = ""
        self._identifier = ""
        self._joining = False

    def show_mediator(self, name: str, identifier: str, *, joining: bool = False) -> None:
        """``joining``: the applicant has already started (their answers are kept)."""
        self._name, self._identifier, self._joining = name, identifier, joining
        self.retranslate_body(self.tr_)

    def retranslate_body(self, tr: Translator) -> None:
        self.who.setText(
            tr(WHO).format(name=isolated(self._name), identifier=isolated(self._identifier))
        )
        self.joining.setVisible(self._joining)
        self.joining.setText(f"• {tr(JOINING)}" if self._joining else "")
        for line, text in zip(self.lines, WHAT, strict=True):
            line.setText(f"• {tr(text)}")
        self.agree_button.setText(tr(N_("J'accepte l'aide")))
        self.refuse_button.setText(tr(N_("Je refuse l'aide")))
        for b in (self.agree_button, self.refuse_button):
            b.setAccessibleName(b.text())

    def consent_text(self) -> str:
        """The whole text as shown (spoken, and what the applicant agrees to)."""
        lines = ([self.joining] if self._joining else []) + self.lines
        return without_marks(
            " ".join([self.who.text()] + [line.text().lstrip("• ") for line in lines])
        )

    def spoken_text(self) -> str:
        return " ".join(
            [super().spoken_text(), self.consent_text(), self.agree_button.text(),
             self.refuse_button.text()]
        )  # fmt: skip

    def wipe(self) -> None:
        self.show_mediator("", "")


END_TITLE = N_("L'aide est terminée")
END_INTRO = N_("Vos réponses sont gardées. Que voulez-vous faire ?")
END_CONTINUE = N_("Continuer ma demande sans aide")
END_STOP = N_("Arrêter et effacer ma demande")
END_STOP_NOTE = N_("Si vous arrêtez, tout ce que vous avez écrit est effacé.")


class AssistEndScreen(BaseScreen):
    """The mediator ended the help: the applicant carries on alone (the default, focused
    first, their answers kept) or stops and everything is erased. In their language."""

    answered = Signal(bool)  # True: carry on alone; False: stop and erase

    def __init__(self) -> None:
        super().__init__(END_TITLE, END_INTRO, has_back=False)
        self.note = self.body_label("lead")
        self.continue_button, self.stop_button = answer_buttons(self, self.answered.emit)
        self.continue_button.setDefault(True)

    def retranslate_body(self, tr: Translator) -> None:
        self.note.setText(tr(END_STOP_NOTE))
        self.continue_button.setText(tr(END_CONTINUE))
        self.stop_button.setText(tr(END_STOP))
        for b in (self.continue_button, self.stop_button):
            b.setAccessibleName(b.text())

    def spoken_text(self) -> str:
        return " ".join(
            [super().spoken_text(), self.continue_button.text(), self.note.text(),
             self.stop_button.text()]
        )  # fmt: skip
