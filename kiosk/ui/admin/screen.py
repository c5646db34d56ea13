"""Admin mode's pages, for prefecture staff (in French: staff are French civil servants;
the applicant-facing screens are the translated ones). Dumb: every button emits a signal,
``AdminController`` acts and calls the ``show_*`` methods back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal, SignalInstance
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from contract.states import OutboxState
from kiosk.admin.selftest import LABELS, CheckResult
from kiosk.ui.admin.settings_form import SettingsForm

STATE_LABELS: dict[str, str] = {
    OutboxState.SEALED: "scellées",
    OutboxState.UPLOADING: "en envoi",
    OutboxState.DELIVERED: "livrées",
    OutboxState.ACKNOWLEDGED: "reçues",
    OutboxState.FAILED: "en échec",
}


def _button(text: str, variant: str = "") -> QPushButton:
    btn = QPushButton(text)
    btn.setAccessibleName(text)
    btn.setMinimumHeight(44)
    if variant:
        btn.setProperty("variant", variant)
    return btn


def _sending(text: str, edit: QLineEdit, signal: SignalInstance) -> QPushButton:
    """A button that sends what ``edit`` holds, trimmed, through ``signal``."""
    btn = _button(text)
    btn.clicked.connect(lambda: signal.emit(edit.text().strip()))
    return btn


def _text(text: str = "", role: str = "") -> QLabel:
    lab = QLabel(text)
    lab.setWordWrap(True)
    lab.setTextFormat(Qt.TextFormat.PlainText)
    if role:
        lab.setProperty("role", role)
    return lab


def _text_line(box: QVBoxLayout, text: str = "") -> QLabel:
    """A line of plain text (a state, a result) added under what ``box`` holds."""
    lab = _text(text)
    box.addWidget(lab)
    return lab


class WrapRow(QWidget):
    """Buttons side by side while they fit the width, else on as many rows as needed, each
    at its full width (never cut)."""

    def __init__(self, buttons: Sequence[QPushButton], spacing: int = 8) -> None:
        super().__init__()
        self.buttons = list(buttons)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(spacing)
        self._columns = 0
        for b in self.buttons:
            hidden = b.isHidden() and b.testAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide)
            b.setParent(self)
            b.setVisible(not hidden)
            b.installEventFilter(self)
        self._relayout(len(self.buttons))

    def _visible(self) -> list[QPushButton]:
        return [b for b in self.buttons if not b.isHidden()]

    def _fitting_columns(self, width: int) -> int:
        visible = self._visible()
        spacing = self.grid.horizontalSpacing()
        for columns in range(len(visible), 0, -1):
            rows = [visible[i : i + columns] for i in range(0, len(visible), columns)]
            if all(
                sum(b.sizeHint().width() for b in row) + spacing * (len(row) - 1) <= width
                for row in rows
            ):
                return columns
        return 1

    def _relayout(self, columns: int) -> None:
        self._columns = columns
        for b in self.buttons:
            self.grid.removeWidget(b)
        for i, b in enumerate(self._visible()):
            self.grid.addWidget(b, *divmod(i, columns), Qt.AlignmentFlag.AlignLeading)
        self.grid.setColumnStretch(columns, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        columns = self._fitting_columns(event.size().width())
        if columns != self._columns:
            self._relayout(columns)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.ShowToParent, QEvent.Type.HideToParent):
            self._relayout(self._fitting_columns(self.width()) if self.width() else 1)
        return False


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class AdminScreen(QWidget):
    close_requested = Signal()
    quit_requested = Signal()
    refresh_requested = Signal()
    retry_requested = Signal(str)  # outbox uuid
    sync_requested = Signal()
    selftest_requested = Signal(str)  # check name, or "" for all
    settings_submitted = Signal(dict)  # name -> typed value, the changed settings only
    enrol_requested = Signal(str)  # one-time code
    out_of_service_requested = Signal(str)  # message
    in_service_requested = Signal()
    export_requested = Signal(str)  # directory
    purge_preview_requested = Signal()
    purge_requested = Signal()
    assist_requested = Signal()  # help the applicant beside them (assisted session)
    keyboard_requested = Signal(QWidget)  # the on-screen keyboard, for this field

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("admin")
        self.setAccessibleName("Mode administration")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        self.heading = _text("Mode administration", "h1")
        outer.addWidget(self.heading)
        # The header's buttons wrap onto more rows rather than being cut ("ermer le mode
        # administratio" at 150 %).
        self.close_button = _button("Fermer le mode administration")
        self.close_button.clicked.connect(self.close_requested)
        self.assist_button = _button("Accompagner un usager", "secondary")
        self.assist_button.clicked.connect(self.assist_requested)
        self.assist_button.hide()
        self.quit_button = _button("Quitter l'application", "secondary")
        self.quit_button.clicked.connect(self._quit_clicked)
        self.keyboard_button = _button("Clavier", "secondary")
        self.keyboard_button.setAccessibleName("Afficher le clavier à l'écran")
        self.keyboard_button.clicked.connect(self._keyboard_clicked)
        self.top_buttons = WrapRow(
            [self.close_button, self.assist_button, self.quit_button, self.keyboard_button]
        )
        outer.addWidget(self.top_buttons)
        # Quitting leaves the kiosk unusable until it is started again: asked first.
        self.quit_confirm = QFrame()
        self.quit_confirm.setProperty("role", "card")
        confirm = QVBoxLayout(self.quit_confirm)
        self.quit_question = _text(
            "Quitter l'application ? Les usagers ne pourront plus se servir de la borne "
            "jusqu'à son redémarrage.",
            "error",
        )
        confirm.addWidget(self.quit_question)
        self.quit_yes = _button("Oui, quitter l'application")
        self.quit_yes.clicked.connect(self._quit_confirmed)
        self.quit_no = _button("Non, rester", "secondary")
        self.quit_no.clicked.connect(self._quit_cancelled)
        confirm.addWidget(WrapRow([self.quit_no, self.quit_yes]))
        self.quit_confirm.hide()
        outer.addWidget(self.quit_confirm)
        self._last_edit: QLineEdit | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.tabs = QTabWidget()
        self.tabs.setStyleSheet("QTabBar::tab { min-height: 44px; padding: 0 16px; }")
        self.tabs.setAccessibleName("Pages du mode administration")
        outer.addWidget(self.tabs, 1)
        self._build_backlog()
        self._build_devices()
        self._build_settings()
        self._build_enrolment()
        self._build_service()
        self._build_diagnostics()
        self._build_purge()

    # --- pages ------------------------------------------------------------------------
    def _page(self, title: str) -> QVBoxLayout:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setSpacing(12)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(page)
        self.tabs.addTab(scroll, title)
        return box

    @staticmethod
    def _form() -> QFormLayout:
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # label above field
        form.setVerticalSpacing(8)
        return form

    def _line_edit(self, box: QVBoxLayout, name: str) -> QLineEdit:
        """A line edit under its caption ``name`` (its accessible name too), added to ``box``."""
        form = self._form()
        edit = QLineEdit()
        edit.setAccessibleName(name)
        caption = _text(name)
        caption.setBuddy(edit)
        form.addRow(caption, edit)
        box.addLayout(form)
        return edit

    def _build_backlog(self) -> None:
        box = self._page("File d'envoi")
        self.last_sync = _text_line(
            box, "Dernière synchronisation réussie : aucune depuis le démarrage."
        )
        self.backlog_counts = _text_line(box)
        self.backlog_empty = _text_line(box, "Aucune demande en attente d'envoi.")
        self.backlog_empty.hide()
        self.backlog_table = QTableWidget(0, 5)
        self.backlog_table.setHorizontalHeaderLabels(
            ["Référence", "État", "Essais", "Dernière erreur", "Créée le"]
        )
        self.backlog_table.setAccessibleName("Demandes pas encore reçues par l'API centrale")
        self.backlog_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.backlog_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.backlog_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.backlog_table.horizontalHeader().setSectionResizeMode(
            3, QHeaderView.ResizeMode.Stretch
        )
        box.addWidget(self.backlog_table, 1)
        self.retry_button = _button("Réessayer la demande choisie")
        self.retry_button.clicked.connect(self._retry_clicked)
        self.sync_button = _button("Synchroniser maintenant")
        self.sync_button.clicked.connect(self.sync_requested)
        self.refresh_button = _button("Actualiser", "secondary")
        self.refresh_button.clicked.connect(self.refresh_requested)
        box.addWidget(WrapRow([self.retry_button, self.sync_button, self.refresh_button]))
        self.backlog_status = _text_line(box)
        self._uuids: list[str] = []

    def _build_devices(self) -> None:
        box = self._page("Appareils")
        form = self._form()
        self.device_status: dict[str, QLabel] = {}
        self.device_buttons: dict[str, QPushButton] = {}
        for name, title in LABELS.items():
            row = QHBoxLayout()
            status = _text("pas encore testé")
            btn = _button(f"Tester : {title}", "secondary")
            btn.clicked.connect(lambda _=False, n=name: self.selftest_requested.emit(n))
            row.addWidget(status, 1)
            row.addWidget(btn)
            caption = _text(title)
            caption.setBuddy(btn)
            form.addRow(caption, row)
            self.device_status[name] = status
            self.device_buttons[name] = btn
        box.addLayout(form)
        self.test_all_button = _button("Tout tester")
        self.test_all_button.clicked.connect(lambda: self.selftest_requested.emit(""))
        box.addWidget(self.test_all_button, 0, Qt.AlignmentFlag.AlignLeading)
        box.addStretch(1)

    def _build_settings(self) -> None:
        box = self._page("Réglages")
        _text_line(
            box,
            "Les langues et démarches proposées changent tout de suite ; "
            "les autres réglages au prochain démarrage de la borne.",
        )
        self.settings_form = SettingsForm()
        box.addWidget(self.settings_form)
        self.save_button = _button("Enregistrer les réglages")
        self.save_button.clicked.connect(self._save_clicked)
        box.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeading)
        self.settings_status = _text_line(box)
        self.settings_status.setAccessibleName("Résultat de l'enregistrement")
        box.addStretch(1)

    def _build_enrolment(self) -> None:
        box = self._page("Enrôlement")
        self.enrolment_status = _text_line(box)
        self.enrolment_address = _text_line(box)  # where the code will be sent (Réglages' address)
        self.enrol_code = self._line_edit(box, "Code d'enrôlement à usage unique")
        self.enrol_button = _sending("Enrôler la borne", self.enrol_code, self.enrol_requested)
        box.addWidget(self.enrol_button, 0, Qt.AlignmentFlag.AlignLeading)
        self.enrol_result = _text_line(box)
        box.addStretch(1)

    def _build_service(self) -> None:
        box = self._page("Hors service")
        self.service_status = _text_line(box)
        self.service_message = self._line_edit(box, "Message affiché aux usagers")
        self.service_message.setMaxLength(300)
        row = QHBoxLayout()
        self.out_of_service_button = _sending(
            "Mettre la borne hors service", self.service_message, self.out_of_service_requested
        )
        self.in_service_button = _button("Remettre la borne en service")
        self.in_service_button.clicked.connect(self.in_service_requested)
        row.addWidget(self.out_of_service_button)
        row.addWidget(self.in_service_button)
        row.addStretch(1)
        box.addLayout(row)
        box.addStretch(1)

    def _build_diagnostics(self) -> None:
        box = self._page("Diagnostic")
        _text_line(
            box,
            "Exporte les journaux, les versions, la configuration et l'état de la file "
            "d'envoi dans un fichier zip. Aucune donnée personnelle n'y figure.",
        )
        self.export_dir = self._line_edit(box, "Dossier de destination (clé USB)")
        self.export_hint = _text_line(box)
        self.export_button = _sending(
            "Exporter le diagnostic", self.export_dir, self.export_requested
        )
        box.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignLeading)
        self.export_result = _text_line(box)
        box.addStretch(1)

    def _build_purge(self) -> None:
        box = self._page("Purge")
        self.purge_text = _text_line(box)
        # First what would go, then staff confirm: a purge cannot be undone.
        self.preview_button = _button("Voir ce qui serait effacé")
        self.preview_button.clicked.connect(self.purge_preview_requested)
        box.addWidget(self.preview_button, 0, Qt.AlignmentFlag.AlignLeading)
        self.purge_preview = _text_line(box)
        self.purge_button = _button("Effacer maintenant", "secondary")
        self.purge_button.clicked.connect(self.purge_requested)
        self.purge_button.setEnabled(False)
        box.addWidget(self.purge_button, 0, Qt.AlignmentFlag.AlignLeading)
        self.purge_result = _text_line(box)
        box.addStretch(1)

    # --- quitting --------------------------------------------------------------------
    def _quit_clicked(self) -> None:
        self.quit_confirm.show()
        self.quit_no.setFocus(Qt.FocusReason.OtherFocusReason)

    def _quit_confirmed(self) -> None:
        self.quit_confirm.hide()
        self.quit_requested.emit()

    def _quit_cancelled(self) -> None:
        self.quit_confirm.hide()
        self.quit_button.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- the on-screen keyboard (touch-only kiosks) ----------------------------------
    @property
    def scroll_area(self) -> QScrollArea | None:
        """The current page's scroll area (the window keeps the typed field in view)."""
        page = self.tabs.currentWidget()
        return page if isinstance(page, QScrollArea) else None

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if isinstance(new, QLineEdit) and self.isAncestorOf(new):
            self._last_edit = new

    def _keyboard_clicked(self) -> None:
        page = self.tabs.currentWidget()
        edit = self._last_edit
        if edit is None or page is None or not page.isAncestorOf(edit):
            edits = page.findChildren(QLineEdit) if page is not None else []
            edit = edits[0] if edits else None
        if edit is not None:
            self.keyboard_requested.emit(edit)

    # --- what the controller shows ----------------------------------------------------
    def show_member(self, display_name: str) -> None:
        self.heading.setText(f"Mode administration — {display_name}")

    def show_backlog(
        self, counts: Mapping[str, int], entries: Sequence[Any], *, kept_days: int | None = None
    ) -> None:
        """The counts say what the table lists (not yet received by the central API) and
        what it does not (received, kept a while after)."""
        waiting = {k: v for k, v in counts.items() if k != "acknowledged"}
        received = counts.get("acknowledged", 0)
        detail = ", ".join(f"{STATE_LABELS.get(k, k)} : {v}" for k, v in waiting.items())
        kept = f", gardées {kept_days} jours" if kept_days is not None else ""
        self.backlog_counts.setText(
            f"Pas encore reçues par l'API centrale : {sum(waiting.values())} ({detail}).\n"
            f"Reçues par l'API centrale{kept} : {received} (pas dans la liste)."
        )
        self.backlog_empty.setVisible(not entries)
        table = self.backlog_table
        table.setRowCount(len(entries))
        self._uuids = []
        for i, entry in enumerate(entries):
            cells = (
                entry.local_reference,
                STATE_LABELS.get(entry.state, entry.state),
                str(entry.attempts),
                entry.last_error or "",
                f"{entry.created_at:%d/%m/%Y %H:%M}",
            )
            for j, text in enumerate(cells):
                table.setItem(i, j, QTableWidgetItem(text))
            self._uuids.append(entry.uuid)
        self.retry_button.setEnabled(bool(entries))

    def show_backlog_status(self, text: str) -> None:
        self.backlog_status.setText(text)

    def show_last_sync(self, when: Any) -> None:
        """The last sync round that reached the central API (a datetime, or None)."""
        if when is None:
            self.last_sync.setText("Dernière synchronisation réussie : aucune depuis le démarrage.")
        else:
            local = when.astimezone()
            self.last_sync.setText(
                f"Dernière synchronisation réussie : le {local:%d/%m/%Y} à {local:%H:%M:%S}."
            )

    def select_entry(self, uuid: str) -> None:
        self.backlog_table.selectRow(self._uuids.index(uuid))

    def _retry_clicked(self) -> None:
        rows = self.backlog_table.selectionModel().selectedRows()
        if not rows:
            self.backlog_status.setText("Choisissez d'abord une demande dans la liste.")
            return
        self.retry_requested.emit(self._uuids[rows[0].row()])

    def show_check(self, name: str, result: CheckResult | None) -> None:
        label = self.device_status[name]
        if result is None:
            label.setText("test en cours…")
            return
        label.setText(("✓ " if result.ok else "✗ ") + result.detail)
        label.setProperty("role", "" if result.ok else "error")

    def show_settings(self, values: Mapping[str, Any]) -> None:
        self.settings_form.show_values(values)

    def show_procedures(self, procedures: Sequence[tuple[str, str]]) -> None:
        """The catalogue's procedures (id, French title), offered as check boxes."""
        self.settings_form.set_procedures(procedures)

    def _save_clicked(self) -> None:
        self.settings_submitted.emit(self.settings_form.changes())

    def show_setting_errors(self, problems: Mapping[str, str]) -> None:
        """Each problem beside its field (French), the first field focused."""
        if problems:
            self._show_page_of(self.settings_form)
        self.settings_form.show_errors(problems)

    def _show_page_of(self, widget: QWidget) -> None:
        for i in range(self.tabs.count()):
            page = self.tabs.widget(i)
            if page is not None and page.isAncestorOf(widget):
                self.tabs.setCurrentIndex(i)
                return

    def show_settings_result(self, ok: bool, lines: Sequence[str]) -> None:
        self.settings_status.setText("\n".join(lines))
        self.settings_status.setProperty("role", "" if ok else "error")
        self.settings_status.style().polish(self.settings_status)

    def show_enrolment(self, text: str, address: str = "") -> None:
        self.enrolment_status.setText(text)
        self.enrolment_address.setText(
            f"Le code sera envoyé à : {address} (l'adresse se change dans Réglages)."
            if address
            else ""
        )

    def show_enrol_result(self, text: str) -> None:
        self.enrol_result.setText(text)

    def show_service(self, message: str | None) -> None:
        if message is None:
            self.service_status.setText("La borne est en service.")
        else:
            self.service_status.setText(f"La borne est hors service. Message : « {message} »")
        self.out_of_service_button.setEnabled(message is None)
        self.in_service_button.setEnabled(message is not None)

    def show_removable(self, paths: Sequence[str]) -> None:
        """USB drives found mounted: the first is proposed."""
        if paths and not self.export_dir.text():
            self.export_dir.setText(paths[0])
        self.export_hint.setText(
            "Clés USB trouvées : " + ", ".join(paths)
            if paths
            else "Aucune clé USB trouvée : branchez-en une, ou indiquez un dossier."
        )

    def show_export_result(self, text: str) -> None:
        self.export_result.setText(text)

    def show_purge(self, text: str) -> None:
        self.purge_text.setText(text)

    def show_purge_preview(self, text: str | None) -> None:
        """What a purge would delete (None: not looked at yet); the purge is possible
        once staff have seen it."""
        self.purge_preview.setText(text or "")
        self.purge_button.setEnabled(text is not None)

    def show_purge_result(self, text: str) -> None:
        self.purge_result.setText(text)
        self.show_purge_preview(None)

    def wipe(self) -> None:
        """Forget what the last staff member typed (enrolment code above all)."""
        self.enrol_code.clear()
        self.enrol_result.clear()
        self.settings_status.clear()
        self.export_result.clear()
        self.purge_result.clear()
        self.show_purge_preview(None)
        self.backlog_status.clear()
        self.heading.setText("Mode administration")
        self.quit_confirm.hide()
        self.tabs.setCurrentIndex(0)
