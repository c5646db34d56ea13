"""The banner above every screen during an assisted session: who is helping, a button for
the mediator to switch the kiosk to French and back, and one to end the help.

It is the mediator's: written in their language (French), whatever the applicant's, and
declared as such for assistive technologies (WCAG 3.1.2, language of parts)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QSizePolicy

from kiosk.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, Translator
from kiosk.ui.theme import SPACE_M, SPACE_S
from kiosk.ui.widgets import apply_language, button, label, set_role


class AssistBanner(QFrame):
    language_toggled = Signal()
    end_requested = Signal()

    def __init__(self, mediator_language: str = SOURCE_LANGUAGE) -> None:
        super().__init__()
        self.mediator_tr = Translator(mediator_language)
        self.setObjectName("assist-banner")
        set_role(self, "notice")
        box = QHBoxLayout(self)
        box.setContentsMargins(SPACE_M, SPACE_S, SPACE_M, SPACE_S)
        box.setSpacing(SPACE_M)
        self.text = label("", "label")
        self.text.setAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        self.text.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # read on its own by AT
        box.addWidget(self.text, 1)
        self.language_button = button("secondary")
        self.end_button = button("secondary")
        for b in (self.language_button, self.end_button):
            b.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            box.addWidget(b)
        self.language_button.clicked.connect(self.language_toggled)
        self.end_button.clicked.connect(self.end_requested)
        self._name = ""
        self._languages: tuple[str, str] | None = None  # (applicant's, mediator's)
        self._tr = Translator("fr")
        for w in (self, self.text, self.language_button, self.end_button):
            w.setProperty("content_language", self.mediator_tr.code)
        self.hide()

    def show_assisted(self, name: str) -> None:
        self._name = name
        self.retranslate(self._tr)
        self.show()

    def set_languages(self, applicant: str, mediator: str) -> None:
        """The button switches between these two (hidden if they are the same)."""
        self._languages = (applicant, mediator) if applicant != mediator else None
        self.retranslate(self._tr)

    def retranslate(self, tr: Translator) -> None:
        """``tr``: the screens' language, which says which language the switch offers;
        the banner's own words stay in the mediator's language."""
        self._tr = tr
        own = self.mediator_tr
        apply_language(self, own)
        self.text.setText(own(N_("Session aidée par {name}")).format(name=self._name))
        self.text.setAccessibleName(self.text.text())
        other = None
        if self._languages is not None:
            applicant, mediator = self._languages
            other = applicant if tr.code == mediator else mediator
        self.language_button.setVisible(other is not None)
        if other is not None:
            native = LANGUAGES[other].native_name if other in LANGUAGES else other
            self.language_button.setText(f"⇄ {native}")
            self.language_button.setAccessibleName(
                own(N_("Passer en : {language}")).format(language=native)
            )
        self.end_button.setText(own(N_("Terminer l'aide")))
        self.end_button.setAccessibleName(self.end_button.text())

    def wipe(self) -> None:
        self._name = ""
        self._languages = None
        self.hide()
