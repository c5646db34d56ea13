"""The reception desk's window (``kiosk --desk``), for mediators and prefecture staff.

Two tabs: "Bornes" lists the site's kiosks, calls for help first (the longest waiting
first) with an "J'arrive" button each, then the others with their state; "Parc" is the
fleet view for staff (version, last contact with its date, last successful sync, backlog,
device faults, the out-of-service message and who set it, who assists, applications today),
the kiosks needing attention first, with the desk's remote actions (issue 16: out of service
with a message template and back, sync now, end a stuck session; their outcome shown). Both
refresh every few seconds on a worker (the :class:`kiosk.ui.tasks.TaskRunner`): the window
never waits for the network. A new call rings (a sound and the taskbar) and a badge counts
the calls; the window's title shows their number. When the central API stops answering,
what is shown says how old it is, and the actions wait.

Accessible like the kiosk: every control named, 44 px targets, the kiosk's theme and
focus ring, keyboard only (Tab, Space/Enter), texts through the translation catalogue.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from contract.commands import (
    OUT_OF_SERVICE_MESSAGES,
    CommandState,
    KioskAction,
    KioskCommand,
    KioskStateChange,
    OutOfServiceReason,
)
from contract.protocol import DeskKiosk, DeskState, FleetKiosk
from kiosk.desk.client import DeskClient, DeskError
from kiosk.i18n import LANGUAGES, N_, NP_, Translator
from kiosk.ui.tasks import TaskRunner
from kiosk.ui.theme import SPACE_L, SPACE_M, SPACE_S, Theme
from kiosk.ui.widgets import FocusRing, apply_language, button, label, set_role

log = logging.getLogger(__name__)

REFRESH_MS = 3000

TITLE = N_("Accueil : bornes")
TAB_KIOSKS = N_("Bornes")
TAB_FLEET = N_("Parc")
CALLS_TITLE = NP_("{count} appel à l'aide", "{count} appels à l'aide")
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
    "before": N_("avant de commencer"),
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
BACKLOG = NP_("{count} demande pas encore envoyée", "{count} demandes pas encore envoyées")
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
    N_("Dernier envoi réussi"),
    N_("Version"),
    N_("En attente d'envoi"),
    N_("Appareils en panne"),
    N_("Demandes aujourd'hui"),
)
OK = N_("aucun")
# The heartbeat's device names (kiosk.health.heartbeat), as the desk says them.
DEVICE_NAMES = {
    "printer": N_("imprimante"),
    "camera": N_("caméra"),
    "speech": N_("voix"),
    "ocr": N_("lecture des documents"),
    "disk": N_("disque"),
    "clock": N_("horloge"),
}
ASSISTED_BY = N_("Session accompagnée par {name}")
OUT_OF_SERVICE_BY = N_("Hors service : « {message} » (mis par {by})")
HELP_ON_WAY = NP_(
    "Aucun appel en attente. Aide en route pour {count} borne.",
    "Aucun appel en attente. Aide en route pour {count} bornes.",
)
NEW_CALLS = NP_("{count} appel en attente", "{count} appels en attente")
STALE = N_("Le serveur central ne répond pas : ces informations datent de {time} (il y a {age}).")
STALE_HEADING = N_("Appels à l'aide inconnus : le serveur central ne répond pas.")
AGE_S = N_("{seconds} s")
AGE_MIN = N_("{minutes} min")
# Remote actions (issue 16)
ACTIONS_TITLE = N_("Actions à distance")
ACTION = N_("Action demandée")
ACTION_NAMES = {
    KioskAction.OUT_OF_SERVICE: N_("Mettre hors service"),
    KioskAction.IN_SERVICE: N_("Remettre en service"),
    KioskAction.SYNC_NOW: N_("Envoyer les demandes maintenant"),
    KioskAction.END_SESSION: N_("Terminer la session en cours"),
}
MESSAGE = N_("Message affiché sur la borne")
YOUR_NAME = N_("Votre nom (pour le journal)")
SEND = N_("Envoyer")
CONFIRM_END = N_("Confirmer : terminer la session de {kiosk}")
RESULTS = {
    CommandState.PENDING: N_("En attente de {kiosk} : {action}."),
    CommandState.SENT: N_("En attente de {kiosk} : {action}."),
    CommandState.DONE: N_("Fait par {kiosk} : {action}. {detail}"),
    CommandState.FAILED: N_("Refusé par {kiosk} : {action}. {detail}"),
    CommandState.EXPIRED: N_("{kiosk} n'a pas répondu à temps : {action} annulée."),
    CommandState.SUPERSEDED: N_("Remplacée par une action plus récente : {action}."),
}
HISTORY = N_("Historique de la journée")
HISTORY_OF = N_("Historique de la journée : {kiosk}")
NO_HISTORY = N_("Aucun changement d'état depuis 24 heures.")
CLOSE = N_("Fermer")
KIOSK_STATES = {  # the kiosk's own words for its state, as the history lists them
    "idle": DeskState.IDLE,
    "in_use": DeskState.IN_USE,
    "help_requested": DeskState.HELP_REQUESTED,
    "assisted": DeskState.ASSISTED,
    "out_of_service": DeskState.OUT_OF_SERVICE,
}
Box = TypeVar("Box", QHBoxLayout, QVBoxLayout)
BELL = Path("/usr/share/sounds/freedesktop/stereo/bell.oga")


def ring_bell() -> None:
    """The desk's alert sound (the freedesktop bell through PulseAudio/PipeWire when there,
    else the system beep); never waits."""
    player = shutil.which("paplay")
    if player and BELL.exists():
        command = [player, str(BELL)]
        threading.Thread(  # waited for off the GUI thread: no zombie left behind
            target=subprocess.run,
            args=(command,),
            kwargs={"capture_output": True, "timeout": 10, "check": False},
            daemon=True,
        ).start()
        return
    QApplication.beep()


def waiting_words(tr: Translator, seconds: float | None) -> str:
    minutes = int((seconds or 0) // 60)
    if minutes < 1:
        return tr(WAITING_LESS)
    return tr(WAITING_MINUTES).format(minutes=minutes)


def _fault_words(tr: Translator, name: str, said: str | None) -> str:
    """A device at fault, named in the desk's language, with what the kiosk said of it
    ("imprimante (plus de papier)"; the heartbeat's "fault: " prefix dropped: the line
    already says these are faults)."""
    named = tr(DEVICE_NAMES[name]) if name in DEVICE_NAMES else name
    detail = (said or "").removeprefix("fault").lstrip(": ").strip()
    return f"{named} ({detail})" if detail else named


def _sentence(text: str) -> str:
    """``text`` ended as a sentence, so that the next does not run on from its last word
    ("Dernier contact : 15:36:24 3 demandes...")."""
    return text if not text or text[-1] in ".!?。؟" else f"{text}."


def _time(tr: Translator, when: dt.datetime | None) -> str:
    """With its date: "12:03" alone did not say which day (issue 16)."""
    if when is None:
        return tr(NEVER)
    return when.astimezone().strftime("%d/%m/%Y %H:%M:%S")


def age_words(tr: Translator, seconds: float) -> str:
    if seconds < 90:
        return tr(AGE_S).format(seconds=int(seconds))
    return tr(AGE_MIN).format(minutes=int(seconds // 60))


def _out_of_service_words(tr: Translator, kiosk: DeskKiosk | FleetKiosk) -> str:
    """The out-of-service message and who set it ("" without a message)."""
    if not kiosk.out_of_service_message:
        return ""
    return tr(OUT_OF_SERVICE_BY).format(
        message=kiosk.out_of_service_message, by=kiosk.out_of_service_by or "?"
    )


def _button(text: str, name: str | None = None, variant: str = "secondary") -> QPushButton:
    """A button (secondary unless told) with its (translated) text, its accessible name,
    at least 44 px high."""
    widget = button(variant)
    widget.setText(text)
    if name is not None:
        widget.setAccessibleName(name)
    widget.setMinimumHeight(44)
    return widget


def _scroll_area(host: QWidget, *, sideways: bool = True) -> QScrollArea:
    """``host`` in a frameless scroll area that takes no focus (its cards do)."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if not sideways:
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(host)
    return scroll


def _card_box(card: QFrame, layout: type[Box]) -> Box:
    """``card``'s layout, with a card's role and margins."""
    set_role(card, "card")
    box = layout(card)
    box.setContentsMargins(SPACE_M, SPACE_S, SPACE_M, SPACE_S)
    return box


def _drop(box: QLayout, widgets: list[Any]) -> None:
    """Take ``widgets`` out of ``box`` and delete them (a list redrawn)."""
    for widget in widgets:
        box.removeWidget(widget)
        widget.hide()
        widget.deleteLater()


class KioskRow(QFrame):
    """One kiosk: its name and state; "J'arrive" and "Terminé" for a call."""

    acknowledge_requested = Signal(str)  # call id
    close_requested = Signal(str)  # call id

    def __init__(self, kiosk: DeskKiosk, tr: Translator) -> None:
        super().__init__()
        self.kiosk = kiosk
        box = _card_box(self, QHBoxLayout)
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
                self.coming_button = _button(
                    tr(COMING), tr(COMING_NAME).format(kiosk=kiosk.name), variant=""
                )
                self.coming_button.clicked.connect(
                    lambda: self.acknowledge_requested.emit(str(call.call_id))
                )
                box.addWidget(self.coming_button, 0, Qt.AlignmentFlag.AlignVCenter)
            self.close_button = _button(
                tr(CLOSE_CALL), tr(CLOSE_CALL_NAME).format(kiosk=kiosk.name)
            )
            self.close_button.clicked.connect(lambda: self.close_requested.emit(str(call.call_id)))
            box.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.setAccessibleName(f"{kiosk.name}. {self.state.text()}. {self.detail.text()}")

    def _state_text(self, tr: Translator) -> str:
        k = self.kiosk
        text = tr(STATE_TEXT[k.state])
        if k.state is DeskState.ASSISTED and k.assisted_by:
            text = tr(ASSISTED_BY).format(name=k.assisted_by)
        if k.state is DeskState.OUT_OF_SERVICE and k.out_of_service_message:
            text = _out_of_service_words(tr, k)
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
            parts.append(tr.plural(BACKLOG, k.backlog).format(count=k.backlog))
        return " ".join(_sentence(p) for p in parts)


class HistoryDialog(QDialog):
    """A kiosk's states over the day, one line per change, oldest first."""

    def __init__(
        self, parent: QWidget, name: str, lines: list[KioskStateChange], tr: Translator
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr(HISTORY_OF).format(kiosk=name))
        box = QVBoxLayout(self)
        box.addWidget(label(tr(HISTORY_OF).format(kiosk=name), "h2"))
        self.lines: list[QLabel] = []
        for line in lines:
            desk_state = KIOSK_STATES.get(line.state)
            state = tr(STATE_TEXT[desk_state]) if desk_state is not None else line.state
            if line.state == "assisted" and line.detail:
                state = tr(ASSISTED_BY).format(name=line.detail)
            elif line.detail:
                state = f"{state} : « {line.detail} »"
            when = line.at.astimezone().strftime("%d/%m %H:%M:%S")
            item = label(f"{when} — {state}", "lead")
            box.addWidget(item)
            self.lines.append(item)
        if not lines:
            self.lines.append(label(tr(NO_HISTORY), "lead"))
            box.addWidget(self.lines[0])
        self.close_button = _button(tr(CLOSE))
        self.close_button.clicked.connect(self.accept)
        box.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTrailing)


class FleetCard(QFrame):
    """One kiosk of the fleet: what needs attention, then its figures, one per line."""

    history_requested = Signal(str, str)  # kiosk id, name

    def __init__(self, kiosk: FleetKiosk, tr: Translator) -> None:
        super().__init__()
        self.kiosk = kiosk
        box = _card_box(self, QVBoxLayout)
        box.setSpacing(SPACE_S // 2)
        self.name = label(kiosk.name, "h2")
        box.addWidget(self.name)
        attention = ", ".join(tr(ATTENTION_TEXT.get(a, a)) for a in kiosk.attention)
        self.attention = label(f"{tr(FLEET_COLUMNS[1])} : {attention}", "error")
        self.attention.setVisible(bool(attention))
        box.addWidget(self.attention)
        state = tr(STATE_TEXT[kiosk.state])
        if kiosk.assisted_by:  # whatever the state (a call while assisted)
            state = tr(ASSISTED_BY).format(name=kiosk.assisted_by)
        faults = [
            _fault_words(tr, name, kiosk.device_health.get(name)) for name in kiosk.device_faults
        ]
        values = (
            state,
            _time(tr, kiosk.last_contact),
            _time(tr, kiosk.last_sync_ok_at),
            kiosk.software_version or "-",
            str(kiosk.backlog_pending),
            ", ".join(faults) or tr(OK),
            str(kiosk.applications_today),
        )
        self.lines = {}
        for column, value in zip(FLEET_COLUMNS[2:], values, strict=True):
            line = label(f"{tr(column)} : {value}", "lead")
            box.addWidget(line)
            self.lines[column] = line
        self.out_of_service = label(_out_of_service_words(tr, kiosk), "lead")
        self.out_of_service.setVisible(bool(kiosk.out_of_service_message))
        box.addWidget(self.out_of_service)
        lines = [*self.lines.values(), self.out_of_service]
        self.history_button = _button(tr(HISTORY), f"{tr(HISTORY)} : {kiosk.name}")
        self.history_button.clicked.connect(
            lambda: self.history_requested.emit(kiosk.kiosk_id, kiosk.name)
        )
        box.addWidget(self.history_button, 0, Qt.AlignmentFlag.AlignLeading)
        box.addStretch(1)  # as tall as its row's tallest: its lines stay together at the top
        parts = [self.name.text()] + [w.text() for w in (self.attention, *lines)]
        self.setAccessibleName(". ".join(p for p in parts if p and p.strip()))

    def value(self, column: str) -> str:
        """The text shown for ``column`` (one of FLEET_COLUMNS, French), without its name."""
        return self.lines[column].text().split(" : ", 1)[1]


class CardGrid(QWidget):
    """Cards side by side as the width allows (each at least ``CARD_EMS`` of the text's
    width: fewer at 200 %), in reading order row by row; one column when narrow."""

    CARD_EMS = 26

    def __init__(self) -> None:
        super().__init__()
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(SPACE_S)
        self.cards: list[QWidget] = []
        self.columns = 1

    def set_cards(self, cards: list[QWidget]) -> None:
        _drop(self.grid, self.cards)
        self.cards = list(cards)
        self._place()

    def _fitting(self) -> int:
        card = self.fontMetrics().horizontalAdvance("M") * self.CARD_EMS
        return max(1, (self.width() + SPACE_S) // (card + SPACE_S))

    def _place(self) -> None:
        self.columns = self._fitting()
        for column in range(self.grid.columnCount()):
            self.grid.setColumnStretch(column, 0)
        for i, card in enumerate(self.cards):
            self.grid.addWidget(card, i // self.columns, i % self.columns)
        for column in range(self.columns):
            self.grid.setColumnStretch(column, 1)  # equal widths, also in a short last row

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitting() != self.columns:
            for card in self.cards:
                self.grid.removeWidget(card)
            self._place()


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
        ring: Callable[[], None] = ring_bell,
    ) -> None:
        super().__init__()
        self.ring = ring
        self.last_ok: tuple[dt.datetime, float] | None = None  # wall clock, monotonic
        self.stale = False
        self.sent: tuple[str, str, KioskCommand] | None = None  # kiosk id, name, action
        self.last_outcome: KioskCommand | None = None
        self._confirming: str | None = None  # the kiosk whose session "Envoyer" would end
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
        top = QHBoxLayout()
        self.heading = label("", "h1")
        top.addWidget(self.heading, 1)
        self.badge = label("", "error")  # the calls waiting: seen across the room
        self.badge.setObjectName("desk-badge")
        self.badge.hide()
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(top)
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
        self.tabs.addTab(_scroll_area(self.list_host), tr(TAB_KIOSKS))

        # --- fleet tab: one card per kiosk, side by side as the width allows (readable
        # at 200 %, no sideways scrolling)
        self.fleet_host = QWidget()
        self.fleet_box = QVBoxLayout(self.fleet_host)
        self.fleet_box.setSpacing(SPACE_S)
        self.fleet_box.addWidget(self._build_actions())
        self.fleet_grid = CardGrid()
        self.fleet_box.addWidget(self.fleet_grid)
        self.fleet_box.addStretch(1)
        self.tabs.addTab(_scroll_area(self.fleet_host, sideways=False), tr(TAB_FLEET))
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

    def _build_actions(self) -> QFrame:
        """The remote actions: a kiosk, an action (a message template for out of service),
        who asks; the outcome below, as the kiosk reports it."""
        tr = self.tr_
        panel = QFrame()
        box = _card_box(panel, QVBoxLayout)
        box.addWidget(label(tr(ACTIONS_TITLE), "h2"))
        form = QFormLayout()
        self.action_kiosk = QComboBox()
        self.action_kiosk.setAccessibleName(tr(FLEET_COLUMNS[0]))
        self.action_choice = QComboBox()
        self.action_choice.setAccessibleName(tr(ACTION))
        for action, text in ACTION_NAMES.items():
            self.action_choice.addItem(tr(text), action.value)  # Qt keeps plain strings
        self.action_reason = QComboBox()
        self.action_reason.setAccessibleName(tr(MESSAGE))
        for reason, text in OUT_OF_SERVICE_MESSAGES.items():
            self.action_reason.addItem(tr(text), reason.value)
        self.action_by = QLineEdit()
        self.action_by.setAccessibleName(tr(YOUR_NAME))
        for caption, widget in (
            (FLEET_COLUMNS[0], self.action_kiosk),
            (ACTION, self.action_choice),
            (MESSAGE, self.action_reason),
            (YOUR_NAME, self.action_by),
        ):
            widget.setMinimumHeight(44)
            name = label(tr(caption), "label")
            name.setBuddy(widget)
            form.addRow(name, widget)
        box.addLayout(form)
        self.action_send = _button(tr(SEND), variant="")
        self.action_send.clicked.connect(self.send_action)
        box.addWidget(self.action_send, 0, Qt.AlignmentFlag.AlignLeading)
        self.action_result = label("", "lead")
        box.addWidget(self.action_result)
        self.action_choice.currentIndexChanged.connect(self._action_changed)
        self.action_kiosk.currentIndexChanged.connect(self._action_changed)
        self._action_changed()
        return panel

    def _action_changed(self) -> None:
        self._confirming = None
        self.action_send.setText(self.tr_(SEND))
        oos = self.action_choice.currentData() == KioskAction.OUT_OF_SERVICE.value
        self.action_reason.setEnabled(oos)
        self.action_send.setEnabled(self.action_kiosk.count() > 0 and not self.stale)

    def send_action(self) -> None:
        """Ask the chosen kiosk (on the worker); ending a session asks to confirm first."""
        kiosk_id = self.action_kiosk.currentData()
        chosen = self.action_choice.currentData()
        if not kiosk_id or not chosen or self.stale:
            return
        action = KioskAction(chosen)
        name = self.action_kiosk.currentText()
        if action is KioskAction.END_SESSION and self._confirming != kiosk_id:
            self._confirming = kiosk_id
            self.action_send.setText(self.tr_(CONFIRM_END).format(kiosk=name))
            return
        self._action_changed()
        reason = (
            OutOfServiceReason(self.action_reason.currentData())
            if action is KioskAction.OUT_OF_SERVICE
            else None
        )
        who = self.action_by.text().strip()
        by = f"{who} ({self.client.desk_name})" if who else self.client.desk_name

        def asked(command: KioskCommand) -> None:
            self.sent = (kiosk_id, name, command)
            self._show_outcome(command)
            self._after_action()

        self.tasks.run(self.client.ask, kiosk_id, action, reason, by, on_done=asked,
                       on_error=self._failed)  # fmt: skip

    def _show_outcome(self, command: KioskCommand) -> None:
        self.last_outcome = command
        name = self.sent[1] if self.sent else command.kiosk_id
        text = self.tr_(RESULTS[command.state]).format(
            kiosk=name, action=self.tr_(ACTION_NAMES[command.action]), detail=command.outcome or ""
        )
        self.action_result.setText(text.strip())

    def _refresh_action_kiosks(self) -> None:
        current = self.action_kiosk.currentData()
        self.action_kiosk.blockSignals(True)
        self.action_kiosk.clear()
        for k in sorted(self.fleet, key=lambda k: k.name):
            if not k.revoked:
                self.action_kiosk.addItem(k.name, k.kiosk_id)
        index = self.action_kiosk.findData(current)
        self.action_kiosk.setCurrentIndex(max(0, index))
        self.action_kiosk.blockSignals(False)
        if self.action_kiosk.currentData() != current:
            self._action_changed()
        self.action_send.setEnabled(self.action_kiosk.count() > 0)

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

    def _fetch(self) -> tuple[list[DeskKiosk], list[FleetKiosk], KioskCommand | None]:
        outcome = None
        sent = self.sent
        final = (CommandState.DONE, CommandState.FAILED, CommandState.EXPIRED)
        if sent is not None and (self.last_outcome is None or self.last_outcome.state not in final):
            asked = sent[2].command_id
            outcome = next(
                (c for c in self.client.commands(sent[0]) if c.command_id == asked), None
            )
        return self.client.kiosks(), self.client.fleet(), outcome

    def _show(self, result: tuple[list[DeskKiosk], list[FleetKiosk], KioskCommand | None]) -> None:
        self._busy = False
        known = {str(k.call.call_id) for k in self.calls() if k.call is not None}
        self.kiosks, self.fleet, outcome = result
        fresh = [k for k in self.calls() if k.call is not None and str(k.call.call_id) not in known]
        if fresh:
            QApplication.alert(self)  # a new call: the taskbar flashes on the reception PC
            self.ring()  # and the desk hears it
        self.last_ok = (dt.datetime.now(), time.monotonic())
        self.stale = False
        self.message.hide()
        self._render_kiosks()
        self._render_fleet()
        self._refresh_action_kiosks()
        if outcome is not None:
            self._show_outcome(outcome)
        self._set_heading()
        self.updated.setText(self.tr_(UPDATED).format(time=dt.datetime.now().strftime("%H:%M:%S")))
        self.refreshed.emit()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        tr = self.tr_
        auth = isinstance(exc, DeskError) and exc.auth
        text = tr(REFUSED if auth else UNREACHABLE)
        if not isinstance(exc, DeskError):
            log.error("desk refresh failed: %s", type(exc).__name__)
        if self.last_ok is not None and not auth:
            # What is shown is old: say how old, grey it, and hold the actions (issue 16).
            when, since = self.last_ok
            text = tr(STALE).format(
                time=when.strftime("%H:%M:%S"), age=age_words(tr, time.monotonic() - since)
            )
            self.stale = True
            for widget in (*self.rows, *self.fleet_cards):
                widget.setEnabled(False)
            self.action_send.setEnabled(False)
            self._set_heading()
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
        coming = sum(k.state is DeskState.HELP_COMING for k in self.kiosks)
        if self.stale:
            text = tr(STALE_HEADING)  # never "no call" over old cards
        elif count:
            text = tr.plural(CALLS_TITLE, count).format(count=count)
        elif coming:
            text = tr.plural(HELP_ON_WAY, coming).format(
                count=coming
            )  # not "no call": help is on its way
        else:
            text = tr(NO_CALL)
        self.heading.setText(text)
        self.badge.setText(tr.plural(NEW_CALLS, count).format(count=count))
        self.badge.setVisible(bool(count) and not self.stale)
        kiosks_tab = tr(TAB_KIOSKS)
        self.tabs.setTabText(0, f"{kiosks_tab} ({count})" if count else kiosks_tab)
        self.setWindowTitle(f"{tr(TITLE)} — {text}")

    def _render_kiosks(self) -> None:
        focused = self.focusWidget()
        refocus: tuple[str, str] | None = None
        for row in self.rows:
            for kind, btn in (("coming", row.coming_button), ("close", row.close_button)):
                if btn is not None and btn is focused:
                    refocus = (row.kiosk.kiosk_id, kind)
        _drop(self.list_box, self.rows)
        self.rows = []
        for i, kiosk in enumerate(self.kiosks):
            row = KioskRow(kiosk, self.tr_)
            row.acknowledge_requested.connect(self.acknowledge)
            row.close_requested.connect(self.close_call)
            self.list_box.insertWidget(i, row)
            # Shown now, not at the layout's queued show: a Tab pressed before that
            # would skip the new row's buttons, and the focus kept above would wait.
            row.show()
            self.rows.append(row)
            if refocus is not None and refocus[0] == kiosk.kiosk_id:
                btn = row.coming_button if refocus[1] == "coming" else row.close_button
                (btn or row.close_button or self.tabs).setFocus()

    def _render_fleet(self) -> None:
        self.fleet_cards = []
        for kiosk in self.fleet:
            card = FleetCard(kiosk, self.tr_)
            card.history_requested.connect(self.show_history)
            self.fleet_cards.append(card)
        self.fleet_grid.set_cards(list(self.fleet_cards))
        for card in self.fleet_cards:
            card.show()

    history_shown = Signal(object)  # the HistoryDialog (tests)

    def show_history(self, kiosk_id: str, name: str) -> None:
        """The kiosk's day (asked on the worker), in a dialog."""

        def shown(lines: list[KioskStateChange]) -> None:
            self.history_dialog = HistoryDialog(self, name, lines, self.tr_)
            self.history_dialog.setStyleSheet(self.theme.stylesheet(self.tr_.code))
            self.history_dialog.open()
            self.history_shown.emit(self.history_dialog)

        self.tasks.run(self.client.history, kiosk_id, on_done=shown, on_error=self._failed)

    def row_for(self, kiosk_id: str) -> KioskRow | None:
        return next((r for r in self.rows if r.kiosk.kiosk_id == kiosk_id), None)

    def shutdown(self) -> None:
        self.timer.stop()
        self.tasks.shutdown(wait=True)
        self.client.close()
