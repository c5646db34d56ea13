"""Sign-in for mediators and prefecture staff: an identifier and a PIN, or a badge shown to
the camera. Dumb: it emits what was typed; ``kiosk.ui.controllers.staff`` checks it. The PIN
is a masked field: never spoken, never kept after the screen is left."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QBoxLayout, QLabel, QLineEdit, QSizePolicy, QWidget

from contract.catalogue import FieldSpec, FieldType
from kiosk.i18n import N_, NP_, Plural, Translator
from kiosk.ui.widgets import LEADING, BaseScreen, FieldRow, button, label

IDENTIFIER_FIELD = FieldSpec(
    id="staff_identifier",
    type=FieldType.TEXT,
    label=N_("Identifiant"),
    help=N_("Exemple : med-0042."),
    max_length=64,
)
PIN_FIELD = FieldSpec(
    id="staff_pin",
    type=FieldType.TEXT,
    label=N_("Code personnel"),
    help=N_("6 chiffres ou plus. Personne ne doit le voir."),
    max_length=12,
)

SIGNIN_WRONG = N_("Identifiant ou code faux. Réessayez.")
# Before the delays start: said, so that nobody is surprised by them.
SIGNIN_WRONG_WARN = NP_(
    "Identifiant ou code faux. Après {count} essai faux, il faut attendre avant chaque essai.",
    "Identifiant ou code faux. Après {count} essais faux, il faut attendre avant chaque essai.",
)
SIGNIN_WRONG_WAIT = N_("Identifiant ou code faux. Attendez {time} avant de réessayer.")
SIGNIN_LOCKED = N_("Trop d'essais faux. Attendez {time}, puis réessayez.")
SIGNIN_WAIT_OVER = N_("Vous pouvez réessayer.")
WAIT_SECONDS = N_("{seconds} s")
WAIT_MINUTES = N_("{minutes} min")
WAIT_MINUTES_SECONDS = N_("{minutes} min {seconds} s")


def wait_words(tr: Translator, seconds: float) -> str:
    """ "30 s", "1 min 30 s", "2 min": the time left, rounded up to the second."""
    left = max(0, math.ceil(seconds))
    minutes, secs = divmod(left, 60)
    if not minutes:
        return tr(WAIT_SECONDS).format(seconds=secs)
    if not secs:
        return tr(WAIT_MINUTES).format(minutes=minutes)
    return tr(WAIT_MINUTES_SECONDS).format(minutes=minutes, seconds=secs)


SIGNIN_UNAVAILABLE = N_(
    "La connexion est impossible : la borne ne joint pas le serveur. Réessayez plus tard."
)
SIGNIN_ROLE = N_("Ce compte ne peut pas ouvrir ce mode.")
SIGNIN_EMPTY = N_("Écrivez votre identifiant et votre code (6 chiffres ou plus).")
BADGE_HINT = N_("Montrez votre badge à la caméra.")
BADGE_NO_CAMERA = N_("Pas de caméra. Utilisez votre identifiant et votre code.")


class SignInScreen(BaseScreen):
    sign_in_requested = Signal(str, str)  # identifier, PIN
    badge_requested = Signal()
    cancel_requested = Signal()
    keyboard_requested = Signal(QWidget)

    def __init__(self) -> None:
        super().__init__(
            N_("Connexion du personnel"),
            N_("Pour les médiateurs et les agents de la préfecture."),
            has_back=False,
        )
        self.error = label("", "error")
        self.error.hide()
        self.body.addWidget(self.error)
        self.identifier_row = FieldRow(IDENTIFIER_FIELD)
        self.pin_row = FieldRow(PIN_FIELD)
        pin = self.pin_row.editor
        pin.setEchoMode(QLineEdit.EchoMode.Password)
        pin.setInputMethodHints(
            Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhSensitiveData
        )
        for row in (self.identifier_row, self.pin_row):
            row.keyboard_requested.connect(self.keyboard_requested)
            self.body.addWidget(row)
        self.pin_row.editor.returnPressed.connect(self._submit)
        self.identifier_row.editor.returnPressed.connect(self.pin_row.editor.setFocus)
        self.status = label("", "status")
        self.status.hide()
        self.body.addWidget(self.status)
        self.badge_hint = label("", "lead")
        self.badge_hint.hide()
        self.body.addWidget(self.badge_hint)
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.hide()
        self.body.addWidget(self.preview, 0, LEADING)

        self.sign_in_button = button()
        self.badge_button = button("secondary")
        self.cancel_button = button("secondary")
        for b, slot in (
            (self.sign_in_button, self._submit),
            (self.badge_button, self.badge_requested.emit),
            (self.cancel_button, self.cancel_requested.emit),
        ):
            b.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            b.clicked.connect(slot)
            if b is not self.cancel_button:
                self.action_row.addWidget(b, 0, LEADING)
        # Cancel on a row of its own under the two actions: three buttons do not fit one
        # row at 200 % (kiosk-audit, reflow); the column's last item is its stretch.
        column = self.column.layout()
        assert isinstance(column, QBoxLayout)
        column.insertWidget(column.count() - 1, self.cancel_button, 0, LEADING)
        self.action_row.addStretch(1)
        self.busy = False
        self._message: tuple[str | Plural, dict[str, object]] | None = None
        self._badge_text: str | None = None
        chain: list[QWidget] = [
            *self.header_chain(),
            self.identifier_row.input,
            self.pin_row.input,
            self.sign_in_button,
            self.badge_button,
            self.cancel_button,
        ]
        self.set_reading_order(chain)

    # --- what the controller drives ---------------------------------------------------
    def _submit(self) -> None:
        if not self.busy:
            self.sign_in_requested.emit(self.identifier_row.value(), self.pin_row.value())

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        for w in (self.sign_in_button, self.badge_button):
            w.setEnabled(not busy)
        self.status.setVisible(busy)

    def show_message(self, message_id: str | Plural | None, **values: object) -> None:
        """An error (translated, shown above the fields and focused), or None."""
        self._message = (message_id, values) if message_id else None
        self._render_message(self.tr_)
        self.pin_row.set_value("")  # a PIN is typed again after any refusal
        if message_id:
            self.focus_and_show(self.error)

    def show_wait(self, seconds_left: float | None) -> None:
        """The countdown of a wait (``seconds_left``), live: the message says the time
        left and no try can be made; None: the wait is over."""
        waiting = seconds_left is not None and seconds_left > 0
        for w in (self.sign_in_button, self.badge_button):
            w.setEnabled(not waiting and not self.busy)
        if self._message is None:
            return
        message_id, values = self._message
        if waiting:
            self._message = (message_id, {**values, "seconds_left": seconds_left})
        elif "seconds_left" in values:
            self._message = (SIGNIN_WAIT_OVER, {})
        self._render_message(self.tr_)

    def show_badge(self, hint_id: str | None) -> None:
        self._badge_text = hint_id
        self.badge_hint.setVisible(hint_id is not None)
        self.badge_hint.setText(self.tr_(hint_id) if hint_id else "")
        if hint_id is None:
            self.preview.clear()
            self.preview.hide()

    def show_frame(self, image: QImage) -> None:
        if self._badge_text is None:
            return
        self.preview.setPixmap(QPixmap.fromImage(image).scaledToWidth(320))
        self.preview.show()

    def _render_message(self, tr: Translator) -> None:
        if self._message is None:
            self.error.setText("")
            self.error.hide()
            return
        message_id, values = self._message
        values = dict(values)
        if "seconds_left" in values:  # a wait, said in this language's units
            left = values.pop("seconds_left")
            assert isinstance(left, int | float)  # show_wait's seconds_left
            values["time"] = wait_words(tr, float(left))
        if isinstance(message_id, tuple):  # counted: the form for its count
            count = values["count"]
            assert isinstance(count, int)  # a counted message comes with its count
            text = tr.plural(message_id, count).format(**values)
        else:
            text = tr(message_id).format(**values)
        self.error.setText(tr(N_("Erreur : {message}")).format(message=text))
        self.error.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.error.show()

    def retranslate_body(self, tr: Translator) -> None:
        for row in (self.identifier_row, self.pin_row):
            row.retranslate(tr)
        self.sign_in_button.setText(tr(N_("Se connecter")))
        self.badge_button.setText(tr(N_("Utiliser mon badge")))
        self.cancel_button.setText(tr(N_("Annuler la connexion")))
        for b in (self.sign_in_button, self.badge_button, self.cancel_button):
            b.setAccessibleName(b.text())
        self.status.setText(tr(N_("Vérification en cours. Attendez, s'il vous plaît.")))
        if self._badge_text:
            self.badge_hint.setText(tr(self._badge_text))
        self._render_message(tr)

    def spoken_text(self) -> str:
        parts = [super().spoken_text(), self.error.text() if self._message else ""]
        return " ".join(p for p in parts if p)

    def entered(self) -> None:
        super().entered()
        self.identifier_row.input.setFocus(Qt.FocusReason.OtherFocusReason)

    def wipe(self) -> None:
        for row in (self.identifier_row, self.pin_row):
            row.wipe()
            row.set_error(None)
        self._message = None
        self._render_message(self.tr_)
        self.show_badge(None)
        self.set_busy(False)
