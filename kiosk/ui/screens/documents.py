"""The document checklist, before the answers are checked: what to bring for this
procedure given the answers, what it costs (timbre fiscal), and the renewal deadline."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout

from contract.catalogue import Document, FeeItem
from kiosk.domain.deadlines import Deadline
from kiosk.domain.session import Screen
from kiosk.i18n import N_, NP_, Translator
from kiosk.ui.display import format_date
from kiosk.ui.theme import SPACE_M, SPACE_XS
from kiosk.ui.widgets import (
    LEADING,
    BaseScreen,
    Notice,
    action_button,
    change_role,
    forward_arrow,
    label,
    label_pair,
)

SCAN_NEXT = N_("Ensuite, vous allez photographier chaque document avec la caméra.")
PHOTOGRAPHED = N_("Photo prise")
PHOTOGRAPHED_PAGES = NP_("Photo prise : {count} page", "Photo prise : {count} pages")
MISSING = N_("Pas de photo : apportez ce document à la préfecture.")
SCAN_MISSING = N_("Photographier les documents qui manquent")
FEE_HOW = N_(
    "Vous payez avec un timbre fiscal électronique : sur timbres.impots.gouv.fr "
    "ou dans un bureau de tabac."
)


def deadline_text(deadline: Deadline, tr: Translator) -> str:
    return tr(deadline.message).format(date=format_date(deadline.date), fee=deadline.late_fee_eur)


class DocumentsScreen(BaseScreen):
    screen_id = Screen.DOCUMENTS
    documents_confirmed = Signal()
    scan_requested = Signal()  # "Photographier les documents qui manquent"

    def __init__(self) -> None:
        super().__init__(
            N_("Les documents à préparer"),
            N_("Préparez ces documents pour la préfecture. Gardez les originaux."),
        )
        self.deadline_box = Notice()  # its kind by the deadline's status
        self.deadline_label = self.deadline_box.text
        self.body.addWidget(self.deadline_box)

        self.list_heading = self.body_label("h2")
        self.scan_note = label("", "lead")  # with a camera: what comes next
        self.scan_note.hide()
        self.body.addWidget(self.scan_note)
        self.items = QVBoxLayout()
        self.items.setSpacing(SPACE_M)
        self.body.addLayout(self.items)
        self.fee_heading = self.body_label("h2")
        self.fee_lines = QVBoxLayout()
        self.fee_lines.setSpacing(SPACE_XS)
        self.body.addLayout(self.fee_lines)
        self.fee_total = self.body_label("lead")
        self.late_fee = self.body_label("lead")
        self.fee_how = self.body_label("help")

        self.continue_button = action_button(self.documents_confirmed)
        self.action_row.addWidget(self.continue_button, 0, LEADING)
        self.action_row.addStretch(1)
        # Beside "Continuer" when both fit, else at the end of the page (200 %).
        self.scan_button = action_button(self.scan_requested, "secondary")
        self.scan_button.hide()
        self.add_action(self.scan_button, overflow=True)

        # Photos: None before the photo session; then the pages taken per document id.
        self._scanned: dict[str, int] | None = None
        self._scanning = False
        self._documents: list[Document] = []
        self._fees: list[FeeItem] = []
        self._deadline: Deadline | None = None
        self.document_labels: list[tuple[Document, QLabel, QLabel]] = []

    def show_documents(
        self, documents: Sequence[Document], fees: Sequence[FeeItem], deadline: Deadline | None
    ) -> None:
        self._clear()
        self._documents = list(documents)
        self._fees = list(fees)
        self._deadline = deadline
        for doc in self._documents:
            pair, name, help_ = label_pair("help")
            self.items.addLayout(pair)
            self.document_labels.append((doc, name, help_))
        for _fee in self._fees:
            self.fee_lines.addWidget(label("", "lead"))
        self.retranslate_body(self.tr_)

    def show_scans(self, scanned: dict[str, int] | None, *, scanning: bool) -> None:
        """``scanned``: pages photographed per document id (None: no photo session yet);
        ``scanning``: a camera photographs the documents (the screen says so)."""
        self._scanned = None if scanned is None else dict(scanned)
        self._scanning = scanning
        self.retranslate_body(self.tr_)

    def missing(self) -> list[Document]:
        """Documents without a photo, after the photo session."""
        if self._scanned is None:
            return []
        return [d for d in self._documents if d.required and not self._scanned.get(d.id)]

    def _clear(self) -> None:
        for layout in (self.items, self.fee_lines):
            while (item := layout.takeAt(0)) is not None:
                inner = item.layout()
                widget = item.widget()
                widgets = [widget] if widget is not None else []
                while inner is not None and (sub := inner.takeAt(0)) is not None:
                    if (widget := sub.widget()) is not None:
                        widgets.append(widget)
                for w in widgets:
                    w.hide()  # see StepScreen._remove_rows
                    w.setParent(None)
                    w.deleteLater()
        self.document_labels = []

    @property
    def document_texts(self) -> list[str]:
        return [name.text() for _doc, name, _help in self.document_labels]

    def retranslate_body(self, tr: Translator) -> None:
        self.list_heading.setText(tr(N_("Vos documents")))
        for doc, name, help_ in self.document_labels:
            text = tr(doc.label)
            if not doc.required:
                text = tr(N_("{document} (si vous l'avez)")).format(document=text)
            name.setText(f"• {text}")
            status = self._status(doc, tr)
            help_text = tr(doc.help) if doc.help and status is None else ""
            help_.setText(status or help_text)
            help_.setVisible(bool(status or help_text))
            change_role(help_, "error" if status == tr(MISSING) else "help")
        self.scan_note.setText(tr(SCAN_NEXT))
        self.scan_note.setVisible(self._scanning and self._scanned is None)
        self.scan_button.setText(tr(SCAN_MISSING))
        self.scan_button.setAccessibleName(tr(SCAN_MISSING))
        self.scan_button.setVisible(self._scanning and bool(self.missing()))
        self.fit_actions()
        self.fee_heading.setText(tr(N_("Le prix")))
        for i, fee in enumerate(self._fees):
            item = self.fee_lines.itemAt(i)
            line = item.widget() if item is not None else None
            assert isinstance(line, QLabel)
            line.setText(
                tr(N_("{item} : {amount} €")).format(item=tr(fee.label), amount=fee.amount_eur)
            )
        total = sum(f.amount_eur for f in self._fees)
        self.fee_total.setText(tr(N_("Total : {amount} € en timbre fiscal")).format(amount=total))
        self.fee_how.setText(tr(FEE_HOW))
        deadline = self._deadline
        self.deadline_box.retranslate(tr)
        self.deadline_box.show_message(
            deadline_text(deadline, tr) if deadline else "",
            [deadline.message] if deadline else [],
        )
        late = deadline is not None and deadline.late_fee_due
        self.late_fee.setVisible(late)
        self.late_fee.setText(
            tr(N_("En retard : {fee} € de plus peuvent être demandés.")).format(
                fee=deadline.late_fee_eur if deadline else 0
            )
        )
        text = tr(N_("Continuer"))
        self.continue_button.setText(f"{text} {forward_arrow(tr)}")
        self.continue_button.setAccessibleName(text)

    def _status(self, doc: Document, tr: Translator) -> str | None:
        if self._scanned is None:
            return None
        pages = self._scanned.get(doc.id, 0)
        if pages > 1:
            return tr.plural(PHOTOGRAPHED_PAGES, pages).format(count=pages)
        if pages == 1:
            return tr(PHOTOGRAPHED)
        return tr(MISSING) if doc.required else None

    def spoken_text(self) -> str:
        parts = [super().spoken_text()]
        if self._deadline is not None:
            parts.append(self.deadline_box.spoken_text())
        parts.append(self.list_heading.text())
        if self.scan_note.isVisibleTo(self):
            parts.append(self.scan_note.text())
        for doc, name, _help in self.document_labels:
            parts.append(name.text())
            status = self._status(doc, self.tr_)
            if status:
                parts.append(status)
        parts += [self.fee_heading.text(), self.fee_total.text()]
        return " ".join(p.lstrip("• ") for p in parts if p)

    def wipe(self) -> None:
        self._clear()
        self._documents, self._fees, self._deadline = [], [], None
        self._scanned, self._scanning = None, False
        self.retranslate_body(self.tr_)
