"""Follow my application: the applicant shows their receipt's QR code to the camera, or
types its reference and their date of birth; the screen then says where the application
stands, in plain words, and offers the attestation de dépôt once it exists.

Dumb like every screen: it emits ``lookup_requested(reference, birth_date)`` and
``attestation_requested``; the controller (``kiosk.ui.receipt_flow``) reads the QR code,
asks the central API and calls ``show_status``/``show_failure``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFrame, QSizePolicy, QVBoxLayout, QWidget

from contract.validation import FieldError
from kiosk.domain.receipt import STATUS_BIRTH_DATE_FIELD, STATUS_REFERENCE_FIELD
from kiosk.domain.session import Screen
from kiosk.i18n import N_, Translator
from kiosk.ui.display import format_date
from kiosk.ui.image_view import ImageView
from kiosk.ui.theme import SPACE_L, SPACE_M
from kiosk.ui.widgets import (
    LEADING,
    BaseScreen,
    ErrorSummary,
    FieldRow,
    button,
    forward_arrow,
    label,
    set_role,
)

# What each status means for the applicant: a title and what to do (plain language).
STATUS_TEXT: dict[str, tuple[str, str]] = {
    "received": (
        N_("Votre demande est reçue."),
        N_("La préfecture va l'étudier. Vous n'avez rien à faire pour le moment."),
    ),
    "being_examined": (
        N_("Votre demande est en cours d'étude."),
        N_("La préfecture vérifie votre dossier. Vous n'avez rien à faire pour le moment."),
    ),
    "documents_requested": (
        N_("La préfecture demande des documents."),
        N_("Regardez votre courrier. Apportez les documents demandés à la préfecture."),
    ),
    "decision_available": (
        N_("Une décision est prise."),
        N_("La préfecture vous envoie un courrier. Vous pouvez aussi demander à l'accueil."),
    ),
    "card_ready": (
        N_("Votre carte est prête."),
        N_("Venez la chercher à la préfecture. Apportez ce reçu et votre passeport."),
    ),
}
STATUS_NOT_FOUND = N_(
    "Nous ne trouvons pas cette demande. Vérifiez le numéro et la date de naissance. "
    "Une demande faite aujourd'hui peut mettre un jour à arriver."
)
STATUS_THROTTLED = N_(
    "Trop d'essais. Attendez quelques minutes, puis réessayez. "
    "Vous pouvez aussi demander de l'aide à l'accueil."
)
STATUS_UNAVAILABLE = N_(
    "La borne ne peut pas joindre la préfecture. "
    "Réessayez plus tard ou demandez de l'aide à l'accueil."
)
SCAN_HINT = N_("Mettez le code QR de votre reçu devant la caméra. Ne bougez pas.")
SCAN_READ = N_("Code lu. La borne cherche votre demande.")
SCAN_NO_CAMERA = N_("La caméra ne marche pas. Écrivez votre numéro de demande.")


class StatusScreen(BaseScreen):
    screen_id = Screen.STATUS
    lookup_requested = Signal(str, str)  # reference, date of birth, as typed
    attestation_requested = Signal()
    finished = Signal()
    keyboard_requested = Signal(QWidget)

    def __init__(self) -> None:
        super().__init__(
            N_("Suivre ma demande"),
            N_("Montrez le code QR de votre reçu à la caméra. Ou écrivez le numéro du reçu."),
        )
        # 1. the camera
        self.camera_view = ImageView(aspect=4 / 3)
        self.camera_view.setMaximumWidth(480)
        self.camera_view.max_height = 360  # the form stays in view
        self.camera_view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.body.addWidget(self.camera_view, 0, LEADING)
        self.scan_hint = label("", "lead")
        self.body.addWidget(self.scan_hint)
        # 2. or typed
        self.typed_heading = label("", "h2")
        self.body.addWidget(self.typed_heading)
        self.summary = ErrorSummary()
        self.summary.field_focus_requested.connect(self.focus_field)
        self.body.addWidget(self.summary)
        self.rows = [FieldRow(STATUS_REFERENCE_FIELD), FieldRow(STATUS_BIRTH_DATE_FIELD)]
        for row in self.rows:
            row.keyboard_requested.connect(self.keyboard_requested)
            self.body.addWidget(row)
        self.lookup_button = button()
        self.lookup_button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.lookup_button.clicked.connect(self._submit)
        self.body.addWidget(self.lookup_button, 0, LEADING)
        # 3. the answer
        self.result = QFrame()
        set_role(self.result, "notice")
        box = QVBoxLayout(self.result)
        box.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_M)
        box.setSpacing(SPACE_M)
        self.status_title = label("", "h2")
        self.status_title.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # focused when it comes
        self.status_text = label("", "lead")
        self.status_reference = label("", "lead")
        self.status_date = label("", "lead")
        self.attestation_button = button("secondary")
        self.attestation_button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.attestation_button.clicked.connect(self.attestation_requested)
        self.attestation_status = label("", "lead")
        for widget in (
            self.status_title,
            self.status_text,
            self.status_reference,
            self.status_date,
        ):
            box.addWidget(widget)
        box.addWidget(self.attestation_button, 0, LEADING)
        box.addWidget(self.attestation_status)
        self.result.hide()
        self.body.insertWidget(0, self.result)

        self.finish_button = button("secondary")
        self.finish_button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.finish_button.clicked.connect(self.finished)
        self.actions.addWidget(self.finish_button, 0, LEADING)
        self.actions.addStretch(1)
        self.busy = False
        self._hint_id = SCAN_HINT
        self._status: tuple[str, str, str, dt.date | None, bool] | None = None
        self._attestation_id = ""
        self._chain_tab_order()

    def _chain_tab_order(self) -> None:
        """Reading order: header, back, the answer, the error summary's links, the
        fields, look up, finish."""
        chain: list[QWidget] = [*self.header.buttons]
        if self.back_button is not None:
            chain.append(self.back_button)
        chain += [self.status_title, self.attestation_button, *self.summary.links]
        chain += [row.input for row in self.rows] + [self.lookup_button, self.finish_button]
        for first, second in itertools.pairwise(chain):
            self.setTabOrder(first, second)

    @property
    def reference_row(self) -> FieldRow:
        return self.rows[0]

    @property
    def birth_date_row(self) -> FieldRow:
        return self.rows[1]

    # --- what the controller drives -------------------------------------------------------
    def _submit(self) -> None:
        if not self.busy:
            self.lookup_requested.emit(self.reference_row.value(), self.birth_date_row.value())

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.lookup_button.setEnabled(not busy)

    def show_frame(self, image: QImage) -> None:
        self.camera_view.set_image(image)

    def show_hint(self, message_id: str) -> None:
        """A message about the camera (msgid; "" for none)."""
        self._hint_id = message_id
        self.scan_hint.setText(self.tr_(message_id) if message_id else "")
        self.scan_hint.setVisible(bool(message_id))

    def show_camera(self, on: bool) -> None:
        self.camera_view.setVisible(on)
        if not on:
            self.camera_view.clear()

    def show_errors(self, errors: Sequence[FieldError]) -> None:
        by_field = {e.field_id: e.message for e in errors}
        for row in self.rows:
            row.set_error(by_field.get(row.spec.id))
        self.summary.set_errors(
            [
                (r.spec.id, r.spec.label, by_field[r.spec.id])
                for r in self.rows
                if r.spec.id in by_field
            ]
        )
        self._chain_tab_order()  # the summary's links before the fields
        self.title.setText(self.title_text())
        if errors:
            self.summary.setFocus()

    def show_failure(self, message_id: str) -> None:
        """The lookup failed: one message, on the reference."""
        self.result.hide()
        self._status = None
        self.show_errors([FieldError(STATUS_REFERENCE_FIELD.id, message_id)])

    def show_status(
        self,
        status: str,
        reference: str,
        central_reference: str,
        changed_on: dt.date | None,
        attestation: bool,
    ) -> None:
        self.show_errors([])
        self._status = (status, reference, central_reference, changed_on, attestation)
        self._attestation_id = ""
        self._render_status(self.tr_)
        self.result.show()
        self.focus_and_show(self.status_title)

    def show_attestation_status(self, message_id: str) -> None:
        self._attestation_id = message_id
        self.attestation_status.setText(self.tr_(message_id) if message_id else "")
        self.attestation_status.setVisible(bool(message_id))

    def _render_status(self, tr: Translator) -> None:
        if self._status is None:
            return
        status, reference, central, changed_on, attestation = self._status
        title, text = STATUS_TEXT.get(status, STATUS_TEXT["received"])
        self.status_title.setText(tr(title))
        self.status_title.setAccessibleName(tr(title))
        self.status_text.setText(tr(text))
        self.status_reference.setText(
            tr(N_("Numéro de demande : {reference}")).format(reference=reference)
            + (
                "\n" + tr(N_("Numéro de la préfecture : {reference}")).format(reference=central)
                if central
                else ""
            )
        )
        self.status_date.setText(
            tr(N_("Depuis le {date}")).format(date=format_date(changed_on)) if changed_on else ""
        )
        self.attestation_button.setVisible(attestation)
        self.attestation_status.setText(tr(self._attestation_id) if self._attestation_id else "")
        self.attestation_status.setVisible(bool(self._attestation_id))

    def title_text(self) -> str:
        title = self.tr_(self._title_id)
        if getattr(self, "summary", None) is not None and self.summary.links:
            return self.tr_(N_("Erreur : {message}")).format(message=title)
        return title

    def focus_field(self, field_id: str) -> None:
        row = next(r for r in self.rows if r.spec.id == field_id)
        self.focus_and_show(row.input)

    def retranslate_body(self, tr: Translator) -> None:
        for row in self.rows:
            row.retranslate(tr)
        self.summary.retranslate(tr)
        self.camera_view.setAccessibleName(tr(N_("Image de la caméra")))
        self.scan_hint.setText(tr(self._hint_id) if self._hint_id else "")
        self.typed_heading.setText(tr(N_("Ou écrivez le numéro de votre reçu")))
        text = tr(N_("Voir où en est ma demande"))
        self.lookup_button.setText(f"{text} {forward_arrow(tr)}")
        self.lookup_button.setAccessibleName(text)
        self.attestation_button.setText(tr(N_("Imprimer l'attestation de dépôt")))
        self.attestation_button.setAccessibleName(self.attestation_button.text())
        self.finish_button.setText(tr(N_("Terminer")))
        self.finish_button.setAccessibleName(tr(N_("Terminer : la borne efface l'écran")))
        self._render_status(tr)

    def spoken_text(self) -> str:
        if self._status is not None and self.result.isVisibleTo(self):
            parts = [self.status_title.text(), self.status_text.text(), self.status_date.text()]
            if self.attestation_button.isVisibleTo(self):
                parts.append(self.attestation_button.text())
            return " ".join(p for p in parts if p)
        return " ".join([super().spoken_text(), self.scan_hint.text()])

    def wipe(self) -> None:
        for row in self.rows:
            row.wipe()
            row.set_error(None)
        self.summary.set_errors([])
        self.set_busy(False)
        self._status = None
        self._attestation_id = ""
        self.show_hint(SCAN_HINT)
        self.show_camera(True)
        self.result.hide()
        self.camera_view.clear()
        self.title.setText(self.title_text())
