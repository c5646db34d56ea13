"""Welcome: choose a language, turn the voice on or off, start."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QLocale, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QPushButton, QSizePolicy

from kiosk.domain.session import Screen
from kiosk.i18n import LANGUAGES, N_, Translator
from kiosk.ui.widgets import (
    LANGUAGE_COLUMNS,
    LEADING,
    BaseScreen,
    OptionGroup,
    action_button,
    button,
    forward_arrow,
    language_grid,
)


class WelcomeScreen(BaseScreen):
    screen_id = Screen.WELCOME
    start_requested = Signal()
    resume_requested = Signal()  # "Reprendre une demande" saved earlier
    status_requested = Signal()  # "Suivre ma demande": where an application stands

    def __init__(self) -> None:
        super().__init__(
            N_("Bienvenue"),
            N_("Cette borne sert à demander ou à renouveler un titre de séjour."),
            has_back=False,
            header_now=True,  # shown first, always
        )
        self.language_heading = self.body_label("h2")
        # One radio group for screen readers (kiosk.ui.a11y), but no QButtonGroup: Qt
        # would make the languages one Tab stop whose arrow keys select, switching the
        # whole screen's language at each key press (WCAG 2.4.3, 3.2.2). Each language is
        # a Tab stop of its own, arrows move between them; show_state keeps one checked.
        self.language_buttons: dict[str, QPushButton] = {}
        self.languages = OptionGroup()
        self.language_grid = language_grid()
        self.language_grid.setContentsMargins(0, 0, 0, 0)
        self.languages.setLayout(self.language_grid)
        for i, (code, lang) in enumerate(LANGUAGES.items()):
            btn = button("choice")
            btn.setCheckable(True)
            self.languages.add_option(btn)
            btn.setText(lang.native_name)
            btn.setAccessibleName(lang.native_name)
            btn.setLocale(QLocale(lang.qt_locale))  # each name read in its own language
            btn.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            btn.clicked.connect(lambda _=False, c=code: self.language_chosen.emit(c))
            self.language_grid.addWidget(btn, *divmod(i, LANGUAGE_COLUMNS))
            self.language_buttons[code] = btn
        self.body.addWidget(self.languages)
        self._offered: tuple[str, ...] = tuple(LANGUAGES)
        self._columns = LANGUAGE_COLUMNS

        # The voice: one big toggle that says what it does (no heading of its own: the
        # welcome screen fits a 1280 x 960 screen at 100 % without scrolling).
        self.voice_button = button("choice")
        self.voice_button.setCheckable(True)
        self.voice_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.voice_button.toggled.connect(self._voice_toggled)
        self.body.addWidget(self.voice_button)

        self.start_button = action_button(self.start_requested)
        self.action_row.addWidget(self.start_button, 0, LEADING)
        self.resume_button = action_button(self.resume_requested, "secondary")
        self.action_row.addWidget(self.resume_button, 0, LEADING)
        self.status_button = action_button(self.status_requested, "secondary")
        self.action_row.addStretch(1)
        # Beside the two others when they fit (100 %), else at the end of the page: three
        # buttons do not fit one row at 200 % in every language.
        self.add_action(self.status_button, overflow=True)

    def show_languages(self, codes: tuple[str, ...]) -> None:
        """Only the languages this kiosk offers (``Settings.languages``)."""
        self._offered = tuple(codes)
        self._relayout_languages(force=True)

    def _relayout_languages(self, *, force: bool = False) -> None:
        """Three columns when the longest name fits a third of the column (the welcome
        screen then fits a 1280 x 960 screen at 100 %), else two."""
        from kiosk.ui.screens.out_of_service import relayout_languages

        widest = max(b.sizeHint().width() for b in self.language_buttons.values())
        room = self.column.width() or self.width()
        columns = 3 if 3 * widest + 2 * self.language_grid.horizontalSpacing() <= room else 2
        if force or columns != self._columns:
            self._columns = columns
            relayout_languages(self.language_grid, self.language_buttons, self._offered, columns)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout_languages()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._relayout_languages()

    def show_state(self, language: str, voice_on: bool) -> None:
        for code, btn in self.language_buttons.items():
            btn.setChecked(code == language)
        self.show_voice(voice_on)

    def show_voice(self, voice_on: bool) -> None:
        self.voice_button.blockSignals(True)
        self.voice_button.setChecked(voice_on)
        self.voice_button.blockSignals(False)
        self._render_voice()

    def _voice_toggled(self, on: bool) -> None:
        self._render_voice()
        self.voice_toggled.emit(on)

    def _render_voice(self) -> None:
        tr = self.tr_
        on = self.voice_button.isChecked()
        self.voice_button.setText(
            tr(N_("Voix activée : la borne lit l'écran"))
            if on
            else tr(N_("Voix désactivée : touchez pour l'activer"))
        )
        self.voice_button.setAccessibleName(tr(N_("Lire l'écran à voix haute")))
        self.voice_button.setAccessibleDescription(
            tr(N_("Activée")) if on else tr(N_("Désactivée"))
        )

    def retranslate_body(self, tr: Translator) -> None:
        self.language_heading.setText(tr(N_("Choisissez votre langue")))
        self.languages.setAccessibleName(self.language_heading.text())
        self._render_voice()
        text = tr(N_("Commencer"))
        self.start_button.setText(f"{text} {forward_arrow(tr)}")
        self.start_button.setAccessibleName(text)
        self.resume_button.setText(tr(N_("Reprendre une demande")))
        self.resume_button.setAccessibleName(tr(N_("Reprendre une demande sauvegardée")))
        self.status_button.setText(tr(N_("Suivre ma demande")))
        self.status_button.setAccessibleName(tr(N_("Suivre ma demande : voir où elle en est")))
