"""Declaration and consent, then "Envoyer ma demande"."""

from __future__ import annotations

import itertools

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QWidget

from kiosk.domain.session import Screen
from kiosk.i18n import N_, Translator
from kiosk.ui.theme import SPACE_S
from kiosk.ui.widgets import (
    LEADING,
    BaseScreen,
    ErrorSummary,
    WrappingCheckBox,
    action_button,
    card_layout,
    label,
    set_error_state,
)

# What happens with the applicant's data, in short plain sentences (FALC).
DATA_NOTICE = (
    N_("Vos réponses vont à la préfecture."),
    N_("La préfecture les utilise seulement pour votre demande."),
    N_("Vos réponses sont protégées. La prochaine personne ne peut pas les voir."),
    N_("Quand vous touchez « Terminer », la borne efface vos réponses."),
    N_("Vous pouvez demander à voir ou corriger vos données. Demandez à l'accueil."),
)
DECLARATION = N_("Déclaration sur l'honneur")  # the field's name in the error summary


class ConsentScreen(BaseScreen):
    screen_id = Screen.CONSENT
    submit_requested = Signal(bool)

    def __init__(self) -> None:
        super().__init__(N_("Déclaration et envoi"), N_("Lisez ce texte. Puis cochez la case."))
        # As on every form: the problem listed at the top, its link going to the box, the
        # focus on the summary (the consent error had none: issue 15).
        self.summary = ErrorSummary()
        self.summary.field_focus_requested.connect(lambda _field: self._focus_checkbox())
        self.body.addWidget(self.summary)
        self.notice = QFrame()
        box = card_layout(self.notice, SPACE_S)
        self.notice_heading = label("", "h2")
        box.addWidget(self.notice_heading)
        self.notice_lines = [label("", "lead") for _ in DATA_NOTICE]
        for line in self.notice_lines:
            box.addWidget(line)
        self.body.addWidget(self.notice)

        self.error = label("", "error")
        self.error.hide()
        self.body.addWidget(self.error)
        self.declaration = WrappingCheckBox()
        self.body.addWidget(self.declaration)
        self.checkbox = self.declaration.checkbox

        self.submit_button = action_button(self._submit)
        self.action_row.addWidget(self.submit_button, 0, LEADING)
        self.action_row.addStretch(1)
        self.status = label("", "status")
        self.status.hide()
        self.body.addWidget(self.status)
        self._error_id: str | None = None
        self._error_in_summary = False
        self._busy = False

    def _submit(self) -> None:
        if self._busy:
            return
        self.submit_requested.emit(self.checkbox.isChecked())

    def reset(self, checked: bool) -> None:
        self.checkbox.setChecked(checked)
        self.show_error(None)
        self.set_busy(False)

    def show_error(self, message_id: str | None, *, about_box: bool = True) -> None:
        """``about_box``: the error is the box not ticked (listed in the error summary,
        which gets the focus); else the submission failed (said beside the box)."""
        self._error_id = message_id
        self._error_in_summary = bool(message_id) and about_box
        self._render_error(self.tr_)
        if message_id and not about_box:
            self.focus_and_show(self.error)
            self.checkbox.setFocus()
        elif message_id:
            self.focus_summary(self.summary)

    def fields_in_error(self) -> list[str]:
        """The box not ticked, by its name, while it is in error (kiosk-audit check 13)."""
        return [self.tr_(DECLARATION)] if self._error_id and self._error_in_summary else []

    def _focus_checkbox(self) -> None:
        self.focus_and_show(self.declaration)
        self.checkbox.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_busy(self, busy: bool) -> None:
        """While the application is sealed and queued, the button cannot be pressed again."""
        self._busy = busy
        self.submit_button.setEnabled(not busy)
        self.checkbox.setEnabled(not busy)
        self.status.setVisible(busy)

    @property
    def busy(self) -> bool:
        return self._busy

    def _render_error(self, tr: Translator) -> None:
        self.summary.set_errors(
            [("declaration", DECLARATION, self._error_id)]
            if self._error_id and self._error_in_summary
            else []
        )
        self.summary.retranslate(tr)
        if self.summary.links:  # reading order: header, back, the summary's link, the box
            chain: list[QWidget] = self.header_chain()
            if self.back_button is not None:
                chain.append(self.back_button)
            for first, second in itertools.pairwise([*chain, *self.summary.links, self.checkbox]):
                self.setTabOrder(first, second)
            self.footer_last()
        if self._error_id:
            self.error.setText(tr(N_("Erreur : {message}")).format(message=tr(self._error_id)))
            self.error.show()
        else:
            self.error.setText("")
            self.error.hide()
        description = tr(N_("Obligatoire pour envoyer votre demande."))
        if self._error_id:
            description = f"{self.error.text()} {description}"
        self.checkbox.setAccessibleDescription(description)
        set_error_state(self.checkbox, bool(self._error_id))

    def retranslate_body(self, tr: Translator) -> None:
        self.notice_heading.setText(tr(N_("Vos données")))
        for line, text in zip(self.notice_lines, DATA_NOTICE, strict=True):
            line.setText(f"• {tr(text)}")
        self.declaration.set_text(tr(N_("Je déclare sur l'honneur que mes réponses sont exactes.")))
        self.submit_button.setText(tr(N_("Envoyer ma demande")))
        self.submit_button.setAccessibleName(self.submit_button.text())
        self.status.setText(tr(N_("Envoi en cours. Attendez, s'il vous plaît.")))
        self._render_error(tr)

    def spoken_text(self) -> str:
        return " ".join(
            [super().spoken_text(), self.notice_heading.text()]
            + [line.text().lstrip("• ") for line in self.notice_lines]
            + [self.declaration.text.text()]
        )

    def error_text(self) -> str:
        """What is said when the box is not ticked: the summary, as it is read."""
        return self.summary.spoken_text() if self.summary.links else self.error.text()

    def wipe(self) -> None:
        self.reset(False)
