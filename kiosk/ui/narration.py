"""Narration of the focused control, for applicants who cannot see the screen.

When the voice is on, the ``Narrator`` says what has the keyboard focus: its accessible
name, its role and state in the screen's language ("Nom de famille, zone de texte,
obligatoire, vide, Écrivez comme dans votre passeport."), its value (never the content of a
masked field) and its accessible description (help, or the error). It also says the new
state of a focused check box or toggle when it changes.

Rules (EN 301 549 5.1.3.1, 5.1.3.4, 5.1.3.5; WCAG 4.1.2):

- rapid focus changes (Tab held down) are debounced: only the last one, 50 ms later, speaks;
- a focus change that follows a key press, click or touch (``MainWindow.user_active``, which
  has already stopped the old speech) is narrated; a focus change made by the program while
  the screen is being read (a new screen focusing its title) does not cut that reading;
- if the action that moved the focus spoke itself (a screen change, the error summary,
  "Écouter"), the narration gives way;
- only controls that Tab can reach are narrated (labels and the error summary, which takes
  the focus after a failed step and is read by the controller, are not).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTextEdit,
    QWidget,
)

from kiosk.i18n import N_, Translator

if TYPE_CHECKING:
    from kiosk.ui.controllers.session import SessionController
    from kiosk.ui.main_window import MainWindow

# Roles, states and values, as a screen reader says them (translated where spoken).
ROLE_BUTTON = N_("bouton")
ROLE_LINK = N_("lien")
ROLE_CHECK_BOX = N_("case à cocher")
ROLE_RADIO = N_("bouton radio")
ROLE_TEXT = N_("zone de texte")
ROLE_SECRET = N_("zone de texte masquée")
ROLE_COMBO = N_("liste déroulante")
STATE_CHECKED = N_("cochée")
STATE_UNCHECKED = N_("non cochée")
STATE_SELECTED = N_("sélectionné")
STATE_NOT_SELECTED = N_("non sélectionné")
STATE_UNAVAILABLE = N_("indisponible")
STATE_REQUIRED = N_("obligatoire")
VALUE_EMPTY = N_("vide")

DEBOUNCE_MS = 50
# A focus change this soon after a key press, click or touch is the applicant's doing.
USER_ACTION_S = 0.5
# ... or this much of the GUI thread's CPU time after it, within USER_ACTION_MAX_S: on a
# loaded machine, building what the press opens (a dialog) can take several times 0.5 s
# of wall time for well under 0.5 s of CPU, and the dialog's name was then not spoken.
USER_ACTION_MAX_S = 5.0


def is_masked(widget: QWidget) -> bool:
    """A secret field (password, PIN): its content is never spoken."""
    return isinstance(widget, QLineEdit) and widget.echoMode() != QLineEdit.EchoMode.Normal


def accessible_name(widget: QWidget) -> str:
    name = widget.accessibleName()
    if not name:
        iface = QAccessible.queryAccessibleInterface(widget)
        if iface is not None and iface.isValid():
            name = iface.text(QAccessible.Text.Name)
    if not name and isinstance(widget, QAbstractButton):
        name = widget.text().replace("&", "")
    return name.strip()


def _required(widget: QWidget) -> bool | None:
    """Whether the question this input answers must be answered (None: not a question)."""
    from kiosk.ui.widgets import FieldRow  # here: widgets imports much

    parent = widget.parentWidget()
    for _ in range(3):
        if parent is None:
            return None
        if isinstance(parent, FieldRow):
            return bool(parent.spec.required)
        parent = parent.parentWidget()
    prop = widget.property("required")
    return None if prop is None else bool(prop)


def _combo_of(widget: QWidget) -> QComboBox | None:
    """The combo box an editable combo's line edit belongs to."""
    parent = widget.parentWidget()
    if isinstance(widget, QLineEdit) and isinstance(parent, QComboBox):
        return parent
    return widget if isinstance(widget, QComboBox) else None


def describe(widget: QWidget, tr: Translator) -> str:
    """What to say for ``widget`` in ``tr``'s language: name, role, states, value,
    description. A masked field's content is never included."""
    combo = _combo_of(widget)
    target: QWidget = combo or widget
    name = accessible_name(widget) or accessible_name(target)
    role = ""
    states: list[str] = []
    value: str | None = None
    if combo is not None:
        role = tr(ROLE_COMBO)
        value = combo.currentText().strip()
    elif isinstance(widget, QLineEdit):
        if is_masked(widget):
            role = tr(ROLE_SECRET)  # no value, no length: nothing of the secret
        else:
            role = tr(ROLE_TEXT)
            value = widget.text().strip()
    elif isinstance(widget, QTextEdit | QPlainTextEdit):
        role = tr(ROLE_TEXT)
        value = widget.toPlainText().strip()
    elif isinstance(widget, QAbstractSpinBox):
        role = tr(ROLE_TEXT)
        value = widget.text().strip()
    elif isinstance(widget, QCheckBox):
        role = tr(ROLE_CHECK_BOX)
        states.append(tr(STATE_CHECKED) if widget.isChecked() else tr(STATE_UNCHECKED))
    elif isinstance(widget, QRadioButton):
        role = tr(ROLE_RADIO)
        states.append(tr(STATE_SELECTED) if widget.isChecked() else tr(STATE_NOT_SELECTED))
    elif isinstance(widget, QAbstractButton):
        variant = widget.property("variant") if isinstance(widget, QPushButton) else None
        role = tr(ROLE_LINK) if variant in ("link", "error-link") else tr(ROLE_BUTTON)
        if widget.isCheckable():
            states.append(tr(STATE_SELECTED) if widget.isChecked() else tr(STATE_NOT_SELECTED))
    if not target.isEnabled():
        states.append(tr(STATE_UNAVAILABLE))
    if value is not None and _required(target):
        states.append(tr(STATE_REQUIRED))
    parts = [name, role, *states]
    if value is not None:
        parts.append(value or tr(VALUE_EMPTY))
    description = widget.accessibleDescription() or target.accessibleDescription()
    if description and description != name:
        parts.append(description)
    separator = "، " if tr.language.rtl else ", "
    return separator.join(p for p in parts if p)


def describe_state(widget: QWidget, tr: Translator) -> str:
    """The new state of a check box or toggle that has just changed."""
    if isinstance(widget, QCheckBox):
        return tr(STATE_CHECKED) if widget.isChecked() else tr(STATE_UNCHECKED)
    if isinstance(widget, QAbstractButton) and widget.isCheckable():
        return tr(STATE_SELECTED) if widget.isChecked() else tr(STATE_NOT_SELECTED)
    return ""


class Narrator(QObject):
    """Speaks the focused control when the controller's voice is on (see the module doc).

    It speaks through ``controller.speak`` (the screen's language) and reads
    ``controller.voice_on``, ``controller.translator`` and ``controller.speech_serial``
    (which tells it whether something else spoke since the focus moved)."""

    def __init__(
        self,
        controller: SessionController,
        window: MainWindow,
        *,
        debounce_ms: int = DEBOUNCE_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent or window)
        self.controller = controller
        self.window = window
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._narrate)
        self._target: QWidget | None = None
        self._state_only = False
        self._serial = 0
        self._user_initiated = False
        self._last_user_action = float("-inf")
        self._last_user_cpu = float("-inf")
        self._toggle_source: QAbstractButton | None = None
        self.last_text = ""  # what it last said (tests, diagnostics)
        # The window (kiosk or dialog) the focus was last in, and the dialog to name
        # before the control when the focus has just entered one.
        self._focus_window: QWidget | None = None
        self._entered: QWidget | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        window.user_active.connect(self._user_active)

    # --- inputs -----------------------------------------------------------------------
    def _user_active(self) -> None:
        self._last_user_action = time.monotonic()
        self._last_user_cpu = time.thread_time()

    def _soon_after_user(self) -> bool:
        wall = time.monotonic() - self._last_user_action
        cpu = time.thread_time() - self._last_user_cpu
        return wall < USER_ACTION_S or (wall < USER_ACTION_MAX_S and cpu < USER_ACTION_S)

    def _ours(self, widget: QWidget) -> bool:
        top = widget.window()
        return top is self.window or top.parentWidget() is self.window

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        self._watch_toggles(new)
        if new is None or not self.controller.voice_on or not self._ours(new):
            self._timer.stop()
            self._target = None
            return
        top = new.window()
        if top is not self._focus_window:
            # Entering a dialog: it is named first, as a screen reader does (5.1.3.1).
            self._entered = top if top is not self.window else None
            self._focus_window = top
        self._schedule(new, state_only=False)

    def _watch_toggles(self, widget: QWidget | None) -> None:
        previous, self._toggle_source = self._toggle_source, None
        if previous is not None and shiboken6.isValid(previous):
            previous.toggled.disconnect(self._toggled)
        if isinstance(widget, QAbstractButton) and widget.isCheckable():
            widget.toggled.connect(self._toggled)
            self._toggle_source = widget

    def _toggled(self, _checked: bool) -> None:
        widget = self._toggle_source
        if widget is not None and self.controller.voice_on:
            self._schedule(widget, state_only=True)

    def _schedule(self, widget: QWidget, *, state_only: bool) -> None:
        self._target = widget
        self._state_only = state_only
        self._serial = self.controller.speech_serial
        self._user_initiated = self._soon_after_user()
        self._timer.start()

    # --- speaking ---------------------------------------------------------------------
    def narratable(self, widget: QWidget) -> bool:
        """A control Tab reaches, visible, in this window (or one of its dialogs)."""
        return (
            self._ours(widget)
            and widget.isVisible()
            and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        )

    def _narrate(self) -> None:
        widget, self._target = self._target, None
        c = self.controller
        if widget is None or not shiboken6.isValid(widget) or not c.voice_on:
            return
        if QApplication.focusWidget() is not widget or not self.narratable(widget):
            return
        if c.speech_serial != self._serial:
            return  # what moved the focus spoke for itself (new screen, errors, "Écouter")
        if not self._user_initiated and c.speech.busy:
            return  # moved by the program: do not cut what is being read
        tr = c.translator
        text = describe_state(widget, tr) if self._state_only else describe(widget, tr)
        dialog, self._entered = self._entered, None
        if text and dialog is not None and dialog is widget.window() and not self._state_only:
            name = dialog.accessibleName()
            text = f"{name}. {text}" if name else text
        if text:
            self.last_text = text
            c.speak(text)
