"""Follow my application: the applicant shows their receipt's QR code to the camera, or
types its reference and their date of birth; the screen then says where the application
stands, in plain words, and offers the attestation de dépôt once it exists.

Dumb like every screen: it emits ``lookup_requested(reference, birth_date)`` and
``attestation_requested``; the controller (``kiosk.ui.controllers.receipt``) reads the QR code,
asks the central API and calls ``show_status``/``show_failure``.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFrame, QSizePolicy, QWidget

from kiosk.domain.receipt import STATUS_BIRTH_DATE_FIELD, STATUS_REFERENCE_FIELD
from kiosk.domain.session import Screen
from kiosk.i18n import N_, Translator
from kiosk.ui.display import format_date
from kiosk.ui.image_view import ImageView
from kiosk.ui.screens.lookup_form import LookupFormScreen
from kiosk.ui.theme import SPACE_M
from kiosk.ui.widgets import LEADING, FieldRow, action_button, card_layout, label

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


class StatusScreen(LookupFormScreen):
    screen_id = Screen.STATUS
    lookup_requested = Signal(str, str)  # reference, date of birth, as typed
    attestation_requested = Signal()
    finished = Signal()

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
        self.scan_hint = self.body_label("lead")
        # 2. or typed
        self.typed_heading = self.body_label("h2")
        self._build_form([STATUS_REFERENCE_FIELD, STATUS_BIRTH_DATE_FIELD], self.body)
        self.lookup_button = self.submit_button
        # 3. the answer
        self.result = QFrame()
        box = card_layout(self.result, SPACE_M, "notice", bottom=SPACE_M)
        self.status_title = label("", "h2")
        self.status_title.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # focused when it comes
        self.status_text = label("", "lead")
        self.status_reference = label("", "lead")
        self.status_date = label("", "lead")
        self.attestation_button = action_button(self.attestation_requested, "secondary")
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

        self.finish_button = action_button(self.finished, "secondary")
        self.action_row.addWidget(self.finish_button, 0, LEADING)
        self.action_row.addStretch(1)
        self._hint_id = SCAN_HINT
        self._status: tuple[str, str, str, dt.date | None, bool] | None = None
        self._attestation_id = ""
        self._chain_tab_order()

    def lead_widgets(self) -> list[QWidget]:
        """The answer comes before the form."""
        return [self.status_title, self.attestation_button]

    def trailing_widgets(self) -> list[QWidget]:
        return [self.finish_button]

    @property
    def reference_row(self) -> FieldRow:
        return self.rows[0]

    # --- what the controller drives -------------------------------------------------------
    def submit(self, values: list[str]) -> None:
        self.lookup_requested.emit(*values)

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

    def show_failure(self, message_id: str) -> None:
        """The lookup failed: one message, on the reference."""
        self.result.hide()
        self._status = None
        super().show_failure(message_id)

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

    def retranslate_body(self, tr: Translator) -> None:
        self.retranslate_form(tr, tr(N_("Voir où en est ma demande")))
        self.camera_view.setAccessibleName(tr(N_("Image de la caméra")))
        self.scan_hint.setText(tr(self._hint_id) if self._hint_id else "")
        self.typed_heading.setText(tr(N_("Ou écrivez le numéro de votre reçu")))
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
        self.wipe_form()
        self._status = None
        self._attestation_id = ""
        self.show_hint(SCAN_HINT)
        self.show_camera(True)
        self.result.hide()
        self.camera_view.clear()
        self.title.setText(self.title_text())
