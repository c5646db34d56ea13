""" "Avant de commencer": once a procedure is chosen, before its first question (or the
camera): what the applicant will need, about how long it takes, that the camera will be
used, and that they can stop and resume with a code. Without it the first thing shown was
a camera box, black for up to 30 s (issue 15, problem 11).

Everything shown comes from the catalogue (the procedure's documents, its questions'
count) and from the controller (is there a camera); the screen only renders it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout

from kiosk.domain.session import Screen
from kiosk.i18n import N_, NP_, Translator
from kiosk.ui.theme import SPACE_S, SPACE_XS
from kiosk.ui.widgets import LEADING, BaseScreen, button, forward_arrow, label

TITLE = N_("Avant de commencer")
INTRO = N_("Voici ce qu'il vous faut et comment cela se passe.")
NEEDED = N_("Ce qu'il vous faut")
MORE_DOCUMENTS = N_("Selon vos réponses, d'autres documents peuvent être demandés.")
HOW = N_("Comment cela se passe")
DURATION = NP_("Cela prend environ {minutes} minute.", "Cela prend environ {minutes} minutes.")
CAMERA = N_(
    "La borne photographie votre passeport et vos documents avec sa caméra : "
    "vous posez chaque page sous la caméra."
)
RESUME = N_("Vous pouvez arrêter et reprendre plus tard avec un code que la borne vous donne.")
START = N_("Commencer")
BULLET = "•"


class BeforeScreen(BaseScreen):
    screen_id = Screen.BEFORE
    begin_requested = Signal()  # "Commencer"

    def __init__(self) -> None:
        super().__init__(TITLE, INTRO)
        self._procedure_title = ""  # msgid
        self._documents: list[str] = []  # msgids of the documents' names
        self._minutes = 0
        self._camera = False

        self.needed_heading = self.body_label("h2")
        self.items = QVBoxLayout()
        self.items.setSpacing(SPACE_S)
        self.body.addLayout(self.items)
        self.document_labels: list[QLabel] = []
        self.more_documents = self.body_label("help")

        self.how_heading = self.body_label("h2")
        how = QVBoxLayout()
        how.setSpacing(SPACE_XS)
        self.duration = label("", "lead")
        self.camera = label("", "lead")
        self.resume = label("", "lead")
        for w in (self.duration, self.camera, self.resume):
            how.addWidget(w)
        self.body.addLayout(how)

        self.start_button = button()
        self.start_button.setObjectName("before-start")
        self.start_button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.start_button.clicked.connect(self.begin_requested)
        self.action_row.addWidget(self.start_button, 0, LEADING)
        self.action_row.addStretch(1)

    def show_procedure(
        self, title_id: str, documents: Sequence[str], minutes: int, *, camera: bool
    ) -> None:
        """``title_id``: the procedure's title (msgid); ``documents``: the names (msgids)
        of the documents asked so far; ``minutes``: about how long; ``camera``: the
        documents are photographed here."""
        self._procedure_title = title_id
        self._minutes = minutes
        self._camera = camera
        if list(documents) != self._documents:
            self._documents = list(documents)
            for old in self.document_labels:
                self.items.removeWidget(old)
                old.setParent(None)
                old.deleteLater()
            self.document_labels = []
            for _ in self._documents:
                item = label("", "label")
                self.items.addWidget(item)
                self.document_labels.append(item)
        self.retranslate(self.tr_)

    def retranslate_body(self, tr: Translator) -> None:
        self.caption.setText(tr(self._procedure_title) if self._procedure_title else "")
        self.caption.setVisible(bool(self._procedure_title))
        self.needed_heading.setText(tr(NEEDED))
        for item, name in zip(self.document_labels, self._documents, strict=True):
            item.setText(f"{BULLET} {tr(name)}")
            item.setAccessibleName(tr(name))
        self.more_documents.setText(tr(MORE_DOCUMENTS))
        self.how_heading.setText(tr(HOW))
        self.duration.setText(tr.plural(DURATION, self._minutes).format(minutes=self._minutes))
        self.camera.setText(tr(CAMERA))
        self.camera.setVisible(self._camera)
        self.resume.setText(tr(RESUME))
        text = tr(START)
        self.start_button.setText(f"{text} {forward_arrow(tr)}")
        self.start_button.setAccessibleName(text)

    def spoken_text(self) -> str:
        parts = [self.caption.text(), super().spoken_text(), self.needed_heading.text()]
        parts += [item.accessibleName() for item in self.document_labels]
        parts += [self.more_documents.text(), self.how_heading.text(), self.duration.text()]
        if self._camera:
            parts.append(self.camera.text())
        parts.append(self.resume.text())
        return " ".join(p for p in parts if p)
