"""One step of the procedure: its questions, with help, inline errors and an error summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from contract.catalogue import CHOICE_TYPES, Step
from contract.validation import FieldError
from kiosk.domain.session import Screen
from kiosk.i18n import N_, Translator
from kiosk.ui.choice import ChoiceRow
from kiosk.ui.display import edit_value
from kiosk.ui.widgets import (
    LEADING,
    BaseScreen,
    ErrorSummary,
    FieldRow,
    Notice,
    action_button,
    forward_arrow,
)


class StepScreen(BaseScreen):
    screen_id = Screen.STEP
    step_submitted = Signal(dict)
    save_requested = Signal(dict)  # "Sauvegarder et reprendre plus tard", with the values
    keyboard_requested = Signal(QWidget)  # a question's "Clavier" button: its line edit

    def __init__(self) -> None:
        super().__init__("", "")
        self.step: Step | None = None
        self._number = 0
        self._total = 0
        self.keyboard_buttons = True  # off when the kiosk has no on-screen keyboard
        # About the previous answer (the renewal deadline, the passport read), above the
        # form: a success, information, warning or error by what it says.
        self.notice = Notice()
        self.notice_label = self.notice.text
        self.body.addWidget(self.notice)
        self.summary = ErrorSummary()
        self.summary.field_focus_requested.connect(self.focus_field)
        self.body.addWidget(self.summary)
        self.rows: list[FieldRow | ChoiceRow] = []
        self.continue_button = action_button(self._submit)
        self.action_row.addWidget(self.continue_button, 0, LEADING)
        self.action_row.addStretch(1)
        # Shown once the date of birth is known (it protects the saved draft).
        self.save_button = action_button(
            lambda: self.save_requested.emit(self.values()), "secondary"
        )
        self.save_button.hide()
        # Beside "Continuer" when both fit, else at the end of the page (200 %).
        self.add_action(self.save_button, overflow=True)

    # --- rendering ------------------------------------------------------------------
    def show_step(self, step: Step, number: int, total: int, values: Mapping[str, str]) -> None:
        """Build the questions of ``step`` (``number`` of ``total``), prefilled with ``values``."""
        self._remove_rows()
        self.show_notice("")
        self.step = step
        self._number, self._total = number, total
        for spec in step.fields:
            row: FieldRow | ChoiceRow = (
                ChoiceRow(spec) if spec.type in CHOICE_TYPES else FieldRow(spec)
            )
            row.set_value(edit_value(spec, values.get(spec.id, "")))
            if isinstance(row, FieldRow):  # a question typed in: the keyboard can help
                row.keyboard_button.setVisible(self.keyboard_buttons)
                row.keyboard_requested.connect(self.keyboard_requested)
            self.body.addWidget(row)
            row.show()  # now, not on a queued event: it can be touched at once
            self.rows.append(row)
        self.summary.set_errors([])
        self._chain_tab_order()
        self.set_title_ids(step.title, step.intro)

    def _chain_tab_order(self) -> None:
        """Reading order: header, back, the questions, save, then continue (action bar)."""
        chain = self.header_chain()
        if self.back_button is not None:
            chain.append(self.back_button)
        chain += self.summary.links
        for row in self.rows:
            chain += row.buttons if isinstance(row, ChoiceRow) else [row.input]
        if self.save_button.isVisibleTo(self):
            chain.append(self.save_button)  # at the end of the page
        chain.append(self.continue_button)  # in the action bar, under the page
        self.set_reading_order(chain)

    def show_errors(self, errors: Sequence[FieldError]) -> None:
        """Mark each field in error, list them in the summary and give it the focus."""
        self.summary.show_field_errors(self.rows, errors)
        self._chain_tab_order()
        self.title.setText(self.title_text())
        if errors:
            self.focus_summary(self.summary)

    def title_text(self) -> str:
        title = self.tr_(self._title_id)
        if self.summary.links:
            return self.tr_(N_("Erreur : {message}")).format(message=title)
        return title

    def retranslate_body(self, tr: Translator) -> None:
        if self._total:
            self.caption.setText(
                tr(N_("Étape {number} sur {total}")).format(number=self._number, total=self._total)
            )
            self.caption.show()
        for row in self.rows:
            row.retranslate(tr)
        self.summary.retranslate(tr)
        self.notice.retranslate(tr)
        text = tr(N_("Continuer"))
        self.continue_button.setText(f"{text} {forward_arrow(tr)}")
        self.continue_button.setAccessibleName(text)
        self.save_button.setText(tr(N_("Sauvegarder et reprendre plus tard")))
        self.save_button.setAccessibleName(self.save_button.text())

    def show_notice(self, text: str, msgids: Sequence[str] = ()) -> None:
        """A notice above the questions ("" hides it), of the kind its messages (msgids)
        declare (kiosk.domain.notices); read with the screen, its kind first."""
        self.notice.show_message(text, msgids)

    def show_save(self, available: bool) -> None:
        """Offer "save for later" (once the date of birth that protects it is known)."""
        self.save_button.setVisible(available)
        self._chain_tab_order()
        self.fit_actions()

    def spoken_text(self) -> str:
        notice = self.notice.spoken_text() if self.notice.isVisibleTo(self) else ""
        parts = [self.caption.text(), super().spoken_text(), notice]
        return " ".join(p for p in parts if p)

    # --- input ----------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        return {row.spec.id: row.value() for row in self.rows}

    def row(self, field_id: str) -> FieldRow | ChoiceRow:
        return next(r for r in self.rows if r.spec.id == field_id)

    def focus_field(self, field_id: str) -> None:
        row = self.row(field_id)
        self.focus_and_show(row.focus_widget() if isinstance(row, ChoiceRow) else row.input)

    def _submit(self) -> None:
        self.step_submitted.emit(self.values())

    # --- forgetting -----------------------------------------------------------------
    def _remove_rows(self) -> None:
        for row in self.rows:
            row.wipe()
            # Hidden first: a row added moments ago may still have a queued "show", which
            # would otherwise pop it up as a window of its own once it has no parent.
            row.hide()
            row.setParent(None)
            row.deleteLater()
        self.rows = []

    def wipe(self) -> None:
        self._remove_rows()
        self.summary.set_errors([])
        self.step = None
        self._number = self._total = 0
        self.caption.setText("")
        self.caption.hide()
        self.save_button.hide()
        self.show_notice("")
        self._title_id = self._intro_id = ""
        self.retranslate(self.tr_)
