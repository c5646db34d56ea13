"""Save for later and resume.

``SavedScreen`` shows the resume code, big and grouped (and spells it when spoken), with
the date the draft will be deleted. ``ResumeScreen`` asks for the code and the date of
birth; a wrong code or a wrong date get the same message (it must not tell which)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal

from kiosk.domain.resume import (
    RESUME_BIRTH_DATE_FIELD,
    RESUME_CODE_FIELD,
    format_resume_code,
    spoken_resume_code,
)
from kiosk.domain.session import Screen
from kiosk.i18n import N_, Translator
from kiosk.ui.display import format_date
from kiosk.ui.screens.lookup_form import LookupFormScreen
from kiosk.ui.widgets import (
    LEADING,
    BaseScreen,
    FieldRow,
    action_button,
    bidi,
    change_role,
    label,
)

RESUME_FAILED = N_(
    "Ce code et cette date de naissance ne correspondent à aucune demande. "
    "Vérifiez les deux et réessayez."
)
RESUME_THROTTLED = N_(
    "Trop d'essais. Attendez quelques minutes, puis réessayez. "
    "Vous pouvez aussi demander de l'aide à l'accueil."
)
RESUME_UNAVAILABLE = N_(
    "La borne ne peut pas reprendre votre demande. Demandez de l'aide à l'accueil."
)


PRINT_CODE = N_("Imprimer le code")
CODE_PRINTED = N_("Le code est imprimé. Prenez-le sous l'écran.")
CODE_NOT_PRINTED = N_("Impression impossible. Notez le code ou prenez-le en photo.")
CODE_PRINTING = N_("Impression en cours. Attendez un instant.")


class SavedScreen(BaseScreen):
    screen_id = Screen.SAVED
    finished = Signal()
    print_requested = Signal()  # "Imprimer le code": the kiosk has a printer

    def __init__(self) -> None:
        super().__init__(
            N_("Votre demande est sauvegardée"),
            N_(
                "Imprimez ce code, notez-le ou prenez-le en photo. Il sert à reprendre votre demande."
            ),
        )
        self.code_caption = self.body_label("label")
        self.code = label("", "reference", wrap=False)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.code.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # so it can be read on its own
        self.body.addWidget(self.code, 0, LEADING)
        self.print_button = action_button(self.print_requested, "secondary")
        self.body.addWidget(self.print_button, 0, LEADING)
        self.print_status = label("", "lead")
        self.print_status.hide()
        self.body.addWidget(self.print_status)
        self._print_status_id = ""
        self.how = self.body_label("lead")
        self.until = self.body_label("lead")
        self.continue_button = action_button(self.back_requested, "secondary")
        self.finish_button = action_button(self.finished)
        self.action_row.addWidget(self.finish_button, 0, LEADING)
        self.action_row.addWidget(self.continue_button, 0, LEADING)
        self.action_row.addStretch(1)
        self._code = ""
        self._until: dt.date | None = None

    def show_code(self, code: str, until: dt.date) -> None:
        self._code, self._until = code, until
        self.show_print_status("")
        self.retranslate_body(self.tr_)

    def set_print_busy(self, busy: bool) -> None:
        self.print_button.setEnabled(not busy)
        if busy:
            self.show_print_status(CODE_PRINTING)

    def show_print_status(self, message_id: str, *, error: bool = False) -> None:
        """What the printer did (msgid; "" hides it), said in words, not only by colour."""
        self._print_status_id = message_id
        self.print_status.setText(self.tr_(message_id) if message_id else "")
        change_role(self.print_status, "error" if error else "lead")
        self.print_status.setVisible(bool(message_id))
        if message_id:
            self.focus_and_show(self.print_status)

    def retranslate_body(self, tr: Translator) -> None:
        self.code_caption.setText(tr(N_("Votre code de reprise :")))
        self.code.setText(bidi(format_resume_code(self._code), tr) if self._code else "")
        self.code.setAccessibleName(
            tr(N_("Votre code de reprise : {code}")).format(code=spoken_resume_code(self._code))
        )
        self.how.setText(
            tr(
                N_(
                    "Pour reprendre, revenez à une borne de cette préfecture. Touchez "
                    "« Reprendre une demande », puis écrivez ce code et votre date de naissance."
                )
            )
        )
        self.until.setText(
            tr(N_("Votre demande est gardée jusqu'au {date}. Ensuite, elle est effacée.")).format(
                date=format_date(self._until)
            )
            if self._until
            else ""
        )
        self.print_button.setText(tr(PRINT_CODE))
        self.print_button.setAccessibleName(tr(PRINT_CODE))
        self.print_status.setText(tr(self._print_status_id) if self._print_status_id else "")
        self.finish_button.setText(tr(N_("Terminer")))
        self.finish_button.setAccessibleName(tr(N_("Terminer : la borne efface l'écran")))
        self.continue_button.setText(tr(N_("Continuer ma demande")))
        self.continue_button.setAccessibleName(self.continue_button.text())

    def spoken_text(self) -> str:
        return " ".join(
            [
                super().spoken_text(),
                self.code_caption.text(),
                spoken_resume_code(self._code),
                self.how.text(),
                self.until.text(),
            ]
        )

    def wipe(self) -> None:
        self._code, self._until = "", None
        self.print_button.setEnabled(True)
        self.show_print_status("")
        self.retranslate_body(self.tr_)


class ResumeScreen(LookupFormScreen):
    screen_id = Screen.RESUME
    resume_requested = Signal(str, str)  # code, date of birth, as typed

    def __init__(self) -> None:
        super().__init__(
            N_("Reprendre une demande"),
            N_("Écrivez le code de reprise et votre date de naissance."),
        )
        self._build_form([RESUME_CODE_FIELD, RESUME_BIRTH_DATE_FIELD], self.action_row)
        self.resume_button = self.submit_button
        self.action_row.addStretch(1)
        self._chain_tab_order()

    @property
    def code_row(self) -> FieldRow:
        return self.rows[0]

    def submit(self, values: list[str]) -> None:
        self.resume_requested.emit(*values)

    def retranslate_body(self, tr: Translator) -> None:
        self.retranslate_form(tr, tr(N_("Reprendre ma demande")))

    def wipe(self) -> None:
        self.wipe_form()
        self.title.setText(self.title_text())
