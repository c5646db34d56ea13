"""Yes/no and choice questions: one big toggle button per answer instead of a text box.

A ``ChoiceRow`` has the interface of ``FieldRow`` (value, set_value, set_error, retranslate,
wipe, ``input`` to focus) so the step screen treats both alike. The answers form an
exclusive group; each button is named by its answer and described by the question (and
the error, if any), and shows its state with a mark as well as a colour (WCAG 1.4.1).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QVBoxLayout, QWidget

from contract.catalogue import FieldSpec
from kiosk.ui.theme import SPACE_S
from kiosk.ui.widgets import (
    OptionGroup,
    QuestionWidget,
    WrapButton,
    set_error_state,
    show_inline_error,
)

CHECKED_MARK, UNCHECKED_MARK = "◉", "○"


class _NoKeyboard:
    """Choice questions need no keyboard: the step screen may still show or hide "its"
    keyboard button like a text field's."""

    def setVisible(self, visible: bool) -> None:
        pass

    def isVisible(self) -> bool:
        return False


class OptionButton(WrapButton):
    """One answer: a large checkable button whose text wraps."""

    def __init__(self, value: str, parent: QWidget | None = None) -> None:
        super().__init__("choice", parent)
        self.value = value
        self.setCheckable(True)
        self._text = ""
        self.toggled.connect(self._render)

    def set_answer_text(self, text: str) -> None:
        self._text = text
        self.setAccessibleName(text)
        self._render()

    def _render(self, *_: object) -> None:
        mark = CHECKED_MARK if self.isChecked() else UNCHECKED_MARK
        self.setText(f"{mark}  {self._text}")


class ChoiceRow(QuestionWidget):
    """A yes/no or choice question: label, help, inline error, then the answers."""

    keyboard_requested = Signal(QWidget)  # never emitted: here for the FieldRow interface
    changed = Signal(str)  # the value chosen

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        # One radio group named by the question (kiosk.ui.a11y); arrows move between them.
        self.options = OptionGroup()
        answers = QVBoxLayout(self.options)
        answers.setContentsMargins(0, 0, 0, 0)
        answers.setSpacing(SPACE_S)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: list[OptionButton] = []
        for value in spec.values:
            btn = OptionButton(value)
            btn.setObjectName(f"field-{spec.id}-{value}")
            btn.clicked.connect(lambda _=False, v=value: self.changed.emit(v))
            self.group.addButton(btn)
            answers.addWidget(btn)
            self.options.add_option(btn)
            self.buttons.append(btn)
        self._column.addWidget(self.options)
        self.input: QWidget = self.buttons[0]  # what the error summary focuses
        self.label.setBuddy(self.buttons[0])
        self.keyboard_button = _NoKeyboard()

    # --- the FieldRow interface ----------------------------------------------------
    def value(self) -> str:
        checked = self.group.checkedButton()
        return checked.value if isinstance(checked, OptionButton) else ""

    def set_value(self, value: str) -> None:
        self.group.setExclusive(False)  # an exclusive group cannot be emptied
        for btn in self.buttons:
            btn.setChecked(btn.value == value)
        self.group.setExclusive(True)
        self.input = self.button(value) or self.buttons[0]

    def button(self, value: str) -> OptionButton | None:
        return next((b for b in self.buttons if b.value == value), None)

    def _render(self) -> None:
        tr = self._tr
        question = tr(self.spec.label)
        self.label.setText(question)
        self.options.setAccessibleName(question)
        self.help.setText(tr(self.spec.help))
        description = f"{question} {tr(self.spec.help)}"
        if message := show_inline_error(self.error, tr, self._error_id):
            description = f"{message} {description}"
        for btn in self.buttons:
            btn.set_answer_text(tr(self.spec.option_label(btn.value) or btn.value))
            btn.setAccessibleDescription(description)
            set_error_state(btn, bool(self._error_id))

    def wipe(self) -> None:
        self.set_value("")

    def focus_widget(self) -> QWidget:
        checked = self.group.checkedButton()
        return checked if checked is not None else self.buttons[0]
