"""What the resume and follow-my-application screens share: a couple of fields checked
together (a code or reference, and the date of birth), an error summary whose links lead
to them, and one button that sends what was typed. Each screen says where the button goes,
what it emits, and what else it shows."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QBoxLayout, QPushButton, QWidget

from contract.catalogue import FieldSpec
from contract.validation import FieldError
from kiosk.i18n import N_, Translator
from kiosk.ui.widgets import (
    LEADING,
    BaseScreen,
    ErrorSummary,
    FieldRow,
    action_button,
    forward_arrow,
)


class LookupFormScreen(BaseScreen):
    """Subclasses call :meth:`_build_form`, define their own signals and :meth:`submit`."""

    keyboard_requested = Signal(QWidget)

    summary: ErrorSummary
    rows: list[FieldRow]
    submit_button: QPushButton

    def _build_form(self, fields: Sequence[FieldSpec], button_box: QBoxLayout) -> None:
        self.summary = ErrorSummary()
        self.summary.field_focus_requested.connect(self.focus_field)
        self.body.addWidget(self.summary)
        self.rows = [FieldRow(spec) for spec in fields]
        for row in self.rows:
            row.keyboard_requested.connect(self.keyboard_requested)
            self.body.addWidget(row)
        self.submit_button = action_button(self._submit)
        button_box.addWidget(self.submit_button, 0, LEADING)
        self.busy = False

    @property
    def birth_date_row(self) -> FieldRow:
        """The second question of both forms."""
        return self.rows[1]

    def submit(self, values: list[str]) -> None:
        """Emit the screen's request with the values typed, in the fields' order."""
        raise NotImplementedError

    def _submit(self) -> None:
        if not self.busy:
            self.submit([row.value() for row in self.rows])

    def tab_chain(self) -> list[QWidget]:
        """Reading order: header, back, what the screen shows first (``lead_widgets``), the
        error summary's links, the fields, the button, then ``trailing_widgets``."""
        chain: list[QWidget] = self.header_chain()
        if self.back_button is not None:
            chain.append(self.back_button)
        chain += self.lead_widgets()
        chain += self.summary.links
        chain += [row.input for row in self.rows] + [self.submit_button]
        return chain + self.trailing_widgets()

    def lead_widgets(self) -> list[QWidget]:
        return []

    def trailing_widgets(self) -> list[QWidget]:
        return []

    def _chain_tab_order(self) -> None:
        self.set_reading_order(self.tab_chain())

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.submit_button.setEnabled(not busy)

    def show_errors(self, errors: Sequence[FieldError]) -> None:
        self.summary.show_field_errors(self.rows, errors)
        self._chain_tab_order()  # the summary's links before the fields
        self.title.setText(self.title_text())
        if errors:  # the summary in view (at 200 % it fell below the fold), with the focus
            self.focus_summary(self.summary)

    def show_failure(self, message_id: str) -> None:
        """The request failed: one message whatever was wrong, on the first field (it must
        not tell which of the two was wrong)."""
        self.show_errors([FieldError(self.rows[0].spec.id, message_id)])

    def title_text(self) -> str:
        title = self.tr_(self._title_id)
        if getattr(self, "summary", None) is not None and self.summary.links:
            return self.tr_(N_("Erreur : {message}")).format(message=title)
        return title

    def focus_field(self, field_id: str) -> None:
        row = next(r for r in self.rows if r.spec.id == field_id)
        self.focus_and_show(row.input)

    def retranslate_form(self, tr: Translator, button_text: str) -> None:
        """The rows, the summary and the button (``button_text``: translated)."""
        for row in self.rows:
            row.retranslate(tr)
        self.summary.retranslate(tr)
        self.submit_button.setText(f"{button_text} {forward_arrow(tr)}")
        self.submit_button.setAccessibleName(button_text)

    def wipe_form(self) -> None:
        for row in self.rows:
            row.wipe()
            row.set_error(None)
        self.summary.set_errors([])
        self.set_busy(False)
