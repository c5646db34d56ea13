"""The reception desk's window (``kiosk --desk``), for mediators and prefecture staff.

Two tabs: "Bornes" lists the site's kiosks, calls for help first (the longest waiting
first) with an "J'arrive" button each, then the others with their state; "Parc" is the
fleet view for staff (version, last contact, backlog, device faults, applications today),
the kiosks needing attention first. Both refresh every few seconds on a worker (the
:class:`kiosk.ui.tasks.TaskRunner`): the window never waits for the network. A new call
rings the desk's attention: the window's title shows the number of calls.

Accessible like the kiosk: every control named, 44 px targets, the kiosk's theme and
focus ring, keyboard only (Tab, Space/Enter), texts through the translation catalogue.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from contract.protocol import DeskKiosk, DeskState, FleetKiosk
from kiosk.desk.client import DeskClient, DeskError
from kiosk.i18n import LANGUAGES, N_, Translator
from kiosk.ui.tasks import TaskRunner
from kiosk.ui.theme import SPACE_L, SPACE_M, SPACE_S, Theme
from kiosk.ui.widgets import FocusRing, apply_language, button, label, set_role

log = logging.getLogger(__name__)

REFRESH_MS = 3000

TITLE = N_("Accueil : bornes")
TAB_KIOSKS = N_("Bornes")
TAB_FLEET = N_("Parc")
CALLS_TITLE = N_("{count} appel(s) à l'aide")
NO_CALL = N_("Aucun appel à l'aide.")
COMING = N_("J'arrive")
COMING_NAME = N_("J'arrive : répondre à l'appel de {kiosk}")
CLOSE_CALL = N_("Terminé")
CLOSE_CALL_NAME = N_("Terminé : fermer l'appel de {kiosk}")
UNREACHABLE = N_("Le serveur central ne répond pas. Nouvel essai dans quelques secondes.")
REFUSED = N_("Le serveur central refuse ce poste. Vérifiez le jeton de l'accueil.")
UPDATED = N_("Mis à jour à {time}.")
NEVER = N_("jamais")
STATE_TEXT = {
    DeskState.HELP_REQUESTED: N_("Demande de l'aide"),
    DeskState.HELP_COMING: N_("Aide en route"),
    DeskState.OUT_OF_SERVICE: N_("Hors service"),
    DeskState.OFFLINE: N_("Hors ligne"),
    DeskState.ASSISTED: N_("Session accompagnée"),
    DeskState.IN_USE: N_("En cours d'utilisation"),
    DeskState.IDLE: N_("Libre"),
}
WAITING_MINUTES = N_("attend depuis {minutes} min")
WAITING_LESS = N_("attend depuis moins d'une minute")
SCREEN_LANGUAGE = N_("Écran : {screen}. Langue : {language}.")
SCREEN_NAMES = {
    "welcome": N_("accueil"),
    "procedure": N_("choix de la démarche"),
    "guide": N_("aide au choix"),
    "step": N_("questions"),
    "documents": N_("liste des documents"),
    "scan": N_("photo des documents"),
    "check": N_("vérification des réponses"),
    "consent": N_("déclaration et envoi"),
    "receipt": N_("reçu"),
    "resume": N_("reprise d'une demande"),
    "saved": N_("demande sauvegardée"),
    "status": N_("suivi d'une demande"),
}
BACKLOG = N_("{count} demande(s) pas encore envoyée(s)")
LAST_CONTACT = N_("Dernier contact : {time}")
ATTENTION_TEXT = {
    "help_requested": N_("appel à l'aide"),
    "offline": N_("hors ligne"),
    "out_of_service": N_("hors service"),
    "device_fault": N_("appareil en panne"),
    "sync_error": N_("erreur d'envoi"),
    "backlog": N_("demandes en attente"),
}
FLEET_COLUMNS = (
    N_("Borne"),
    N_("À regarder"),
    N_("État"),
    N_("Dernier contact"),
    N_("Version"),
    N_("En attente d'envoi"),
    N_("Appareils en panne"),
    N_("Demandes aujourd'hui"),
)
OK = N_("aucun")


def waiting_words(tr: Translator, seconds: float | None) -> str:
    minutes = int((seconds or 0) // 60)
    if minutes < 1:
        return tr(WAITING_LESS)
    return tr(WAITING_MINUTES).format(minutes=minutes)


def _time(tr: Translator, when: dt.datetime | None) -> str:
    if when is None:
        return tr(NEVER)
    return when.astimezone().strftime("%H:%M:%S")


class KioskRow(QFrame):
    """One kiosk: its name and state; "J'arrive" and "Terminé" for a call."""

    acknowledge_requested = Signal(str)  # call id
    close_requested = Signal(str)  # call id

    def __init__(self, kiosk: DeskKiosk, tr: Translator) -> None:
        super().__init__()
        set_role(self, "card")
        self.kiosk = kiosk
        box = QHBoxLayout(self)
        box.setContentsMargins(SPACE_M, SPACE_S, SPACE_M, SPACE_S)
        box.setSpacing(SPACE_M)
        texts = QVBoxLayout()
        self.name = label(kiosk.name, "h2")
        self.state = label(self._state_text(tr), "lead")
        self.detail = label(self._detail_text(tr), "help")
        for w in (self.name, self.state, self.detail):
            texts.addWidget(w)
        box.addLayout(texts, 1)
        self.coming_button: QPushButton | None = None
        self.close_button: QPushButton | None = None
        call = kiosk.call
        if call is not None:
            if kiosk.state is DeskState.HELP_REQUESTED:
                self.coming_button = button()
                self.coming_button.setText(tr(COMING))
                self.coming_button.setAccessibleName(tr(COMING_NAME).format(kiosk=kiosk.name))
                self.coming_button.clicked.connect(
                    lambda: self.acknowledge_requested.emit(str(call.call_id))
                )
                box.addWidget(self.coming_button, 0, Qt.AlignmentFlag.AlignVCenter)
            self.close_button = button("secondary")
            self.close_button.setText(tr(CLOSE_CALL))
            self.close_button.setAccessibleName(tr(CLOSE_CALL_NAME).format(kiosk=kiosk.name))
            self.close_button.clicked.connect(lambda: self.close_requested.emit(str(call.call_id)))
            box.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.setAccessibleName(f"{kiosk.name}. {self.state.text()}. {self.detail.text()}")

    def _state_text(self, tr: Translator) -> str:
        k = self.kiosk
        text = tr(STATE_TEXT[k.state])
        if k.state in (DeskState.HELP_REQUESTED, DeskState.HELP_COMING):
            text = f"{text} : {waiting_words(tr, k.waiting_s)}"
            if k.call is not None and k.call.acknowledged_by:
                text = f"{text} ({k.call.acknowledged_by})"  # which desk answered
            if not k.online:
                text = f"{text} ({tr(STATE_TEXT[DeskState.OFFLINE])})"
        return text

    def _detail_text(self, tr: Translator) -> str:
        k = self.kiosk
        parts = []
        if k.screen or k.language:
            screen = tr(SCREEN_NAMES[k.screen]) if k.screen in SCREEN_NAMES else k.screen
            language = LANGUAGES[k.language].native_name if k.language in LANGUAGES else k.language
            parts.append(tr(SCREEN_LANGUAGE).format(screen=screen or "-", language=language or "-"))
        parts.append(tr(LAST_CONTACT).format(time=_time(tr, k.last_contact)))
        if k.backlog:
            parts.append(tr(BACKLOG).format(count=k.backlog))
        return " ".join(parts)


class FleetCard(QFrame):
    """One kiosk of the fleet: what needs attention, then its figures, one per line."""

    def __init__(self, kiosk: FleetKiosk, tr: Translator) -> None:
        super().__init__()
        set_role(self, "card")
        self.kiosk = kiosk
        box = QVBoxLayout(self)
        box.setContentsMargins(SPACE_M, SPACE_S, SPACE_M, SPACE_S)
        box.setSpacing(SPACE_S // 2)
        self.name = label(kiosk.name, "h2")
        box.addWidget(self.name)
        attention = ", ".join(tr(ATTENTION_TEXT.get(a, a)) for a in kiosk.attention)
        self.attention = label(f"{tr(FLEET_COLUMNS[1])} : {attention}", "error")
        self.attention.setVisible(bool(attention))
        box.addWidget(self.attention)
        values = (
            tr(STATE_TEXT[kiosk.state]),
            _time(tr, kiosk.last_contact),
            kiosk.software_version or "-",
            str(kiosk.backlog_pending),
            ", ".join(kiosk.device_faults) or tr(OK),
            str(kiosk.applications_today),
        )
        self.lines = {}
        for column, value in zip(FLEET_COLUMNS[2:], values, strict=True):
            line = label(f"{tr(column)} : {value}", "lead")
            box.addWidget(line)
            self.lines[column] = line
        parts = [self.name.text()] + [w.text() for w in (self.attention, *self.lines.values())]
        self.setAccessibleName(". ".join(p for p in parts if p and p.strip()))

    def value(self, column: str) -> str:
        """The text shown for ``column`` (one of FLEET_COLUMNS, French), without its name."""
        return self.lines[column].text().split(" : ", 1)[1]


class DeskWindow(QMainWindow):
    """The desk: "Bornes" and "Parc" tabs, refreshed on a worker every few seconds."""

    refreshed = Signal()  # the lists were redrawn from a fresh answer
    failed = Signal(str)  # a refresh failed (the message shown)

    def __init__(
        self,
        client: DeskClient,
        *,
        language: str = "fr",
        theme: Theme | None = None,
        refresh_ms: int = REFRESH_MS,
        tasks: TaskRunner | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("desk-window")
        self.client = client
        self.tr_ = Translator(language)
        self.theme = theme or Theme()
        self.tasks = tasks or TaskRunner(self)
        self.kiosks: list[DeskKiosk] = []
        self.fleet: list[FleetKiosk] = []
        self.rows: list[KioskRow] = []
        self._busy = False
        tr = self.tr_
        apply_language(self, tr)
        self.setLayoutDirection(
            Qt.LayoutDirection.RightToLeft if tr.language.rtl else Qt.LayoutDirection.LeftToRight
        )

        host = QWidget()
        outer = QVBoxLayout(host)
        outer.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_M)
        outer.setSpacing(SPACE_M)
        self.heading = label("", "h1")
        outer.addWidget(self.heading)
        self.message = label("", "error")
        self.message.hide()
        outer.addWidget(self.message)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(tr(TITLE))
        outer.addWidget(self.tabs, 1)

        # --- kiosks tab
        self.list_host = QWidget()
        self.list_box = QVBoxLayout(self.list_host)
        self.list_box.setSpacing(SPACE_S)
        self.list_box.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(self.list_host)
        self.tabs.addTab(scroll, tr(TAB_KIOSKS))

        # --- fleet tab: one card per kiosk (readable at 200 %, no sideways scrolling)
        self.fleet_host = QWidget()
        self.fleet_box = QVBoxLayout(self.fleet_host)
        self.fleet_box.setSpacing(SPACE_S)
        self.fleet_box.addStretch(1)
        fleet_scroll = QScrollArea()
        fleet_scroll.setWidgetResizable(True)
        fleet_scroll.setFrameShape(QFrame.Shape.NoFrame)
        fleet_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        fleet_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        fleet_scroll.setWidget(self.fleet_host)
        self.tabs.addTab(fleet_scroll, tr(TAB_FLEET))
        self.fleet_cards: list[FleetCard] = []

        self.updated = label("", "help")
        outer.addWidget(self.updated)
        self.setCentralWidget(host)
        self.focus_ring = FocusRing(host, lambda: self.theme)
        self.setStyleSheet(self.theme.stylesheet(tr.code))
        self.setFont(self.theme.font(tr.code))
        self.tabs.tabBar().setMinimumHeight(44)
        self._set_heading()

        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self.refresh)

    # --- refreshing ------------------------------------------------------------------
    def start(self) -> None:
        self.refresh()
        self.timer.start()

    def refresh(self) -> None:
        """Ask the central API on the worker (one request at a time)."""
        if self._busy:
            return
        self._busy = True
        self.tasks.run(self._fetch, on_done=self._show, on_error=self._failed)

    def _fetch(self) -> tuple[list[DeskKiosk], list[FleetKiosk]]:
        return self.client.kiosks(), self.client.fleet()

    def _show(self, result: tuple[list[DeskKiosk], list[FleetKiosk]]) -> None:
        self._busy = False
        known = {str(k.call.call_id) for k in self.calls() if k.call is not None}
        self.kiosks, self.fleet = result
        fresh = [k for k in self.calls() if k.call is not None and str(k.call.call_id) not in known]
        if fresh:
            QApplication.alert(self)  # a new call: the taskbar flashes on the reception PC
        self.message.hide()
        self._render_kiosks()
        self._render_fleet()
        self._set_heading()
        self.updated.setText(self.tr_(UPDATED).format(time=dt.datetime.now().strftime("%H:%M:%S")))
        self.refreshed.emit()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        auth = isinstance(exc, DeskError) and exc.auth
        text = self.tr_(REFUSED if auth else UNREACHABLE)
        if not isinstance(exc, DeskError):
            log.error("desk refresh failed: %s", type(exc).__name__)
        self.message.setText(text)
        self.message.show()
        self.failed.emit(text)

    # --- actions ---------------------------------------------------------------------
    def acknowledge(self, call_id: str) -> None:
        """ "J'arrive": tell the kiosk (on the worker), then refresh."""
        self._act(self.client.acknowledge, call_id)

    def close_call(self, call_id: str) -> None:
        self._act(self.client.close_call, call_id)

    def _act(self, fn: Callable[[str], Any], call_id: str) -> None:
        self.tasks.run(fn, call_id, on_done=lambda _r: self._after_action(), on_error=self._failed)

    def _after_action(self) -> None:
        self._busy = False  # an answer is on its way anyway: ask again now
        self.refresh()

    # --- rendering -------------------------------------------------------------------
    def calls(self) -> list[DeskKiosk]:
        return [k for k in self.kiosks if k.state is DeskState.HELP_REQUESTED]

    def _set_heading(self) -> None:
        tr = self.tr_
        count = len(self.calls())
        text = tr(CALLS_TITLE).format(count=count) if count else tr(NO_CALL)
        self.heading.setText(text)
        self.setWindowTitle(f"{tr(TITLE)} — {text}")

    def _render_kiosks(self) -> None:
        focused = self.focusWidget()
        refocus: tuple[str, str] | None = None
        for row in self.rows:
            for kind, btn in (("coming", row.coming_button), ("close", row.close_button)):
                if btn is not None and btn is focused:
                    refocus = (row.kiosk.kiosk_id, kind)
        for row in self.rows:
            self.list_box.removeWidget(row)
            row.hide()
            row.deleteLater()
        self.rows = []
        for i, kiosk in enumerate(self.kiosks):
            row = KioskRow(kiosk, self.tr_)
            row.acknowledge_requested.connect(self.acknowledge)
            row.close_requested.connect(self.close_call)
            self.list_box.insertWidget(i, row)
            self.rows.append(row)
            if refocus is not None and refocus[0] == kiosk.kiosk_id:
                btn = row.coming_button if refocus[1] == "coming" else row.close_button
                (btn or row.close_button or self.tabs).setFocus()

    def _render_fleet(self) -> None:
        for card in self.fleet_cards:
            self.fleet_box.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.fleet_cards = []
        for i, kiosk in enumerate(self.fleet):
            card = FleetCard(kiosk, self.tr_)
            self.fleet_box.insertWidget(i, card)
            self.fleet_cards.append(card)

    def row_for(self, kiosk_id: str) -> KioskRow | None:
        return next((r for r in self.rows if r.kiosk.kiosk_id == kiosk_id), None)

    def shutdown(self) -> None:
        self.timer.stop()
        self.tasks.shutdown(wait=True)
        self.client.close()
