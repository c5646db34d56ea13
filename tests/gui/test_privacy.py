"""Issue 7: after any applicant session ends — submitted, abandoned (Back to the welcome
screen, "Terminer"), timed out, crashed and restarted — no screen, widget, model, dialog,
controller state, on-screen keyboard or scan preview holds that applicant's data, and the
store keeps no draft unless they saved a resume code; the next applicant cannot reach it by
Back or by resume."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

import tests.gui.conftest as gui
from contract.catalogue import Catalogue
from kiosk.domain.session import Screen
from kiosk.store import Store
from kiosk.ui import MainWindow
from kiosk.ui.controllers.session import SessionController
from kiosk.ui.image_view import ImageView
from tests.fixtures.walk import back_to_welcome
from tests.gui.conftest import NOW, Kiosk
from tests.gui.test_real_store import real_store_kiosk

pytestmark = pytest.mark.gui

# A test applicant whose every value is found nowhere else in the kiosk.
IDENTITY = {
    "surname": "Quorvendal",
    "given_names": "Ysolde Maribel",
    "birth_date": "14/09/1996",
    "nationality": "Maroc",
    "passport_number": "QV7319264",
}
CONTACT = {
    "address_line": "48 allee des Gentianes",
    "postal_code": "38000",
    "city": "Grenoble",
    "phone": "07 61 52 43 34",
    "email": "",
}
RENEWAL = {**gui.STUDENT_RENEWAL, "foreigner_number": "3806172534"}
DISTINCTIVE = [
    "Quorvendal",
    "QUORVENDAL",
    "Ysolde",
    "Maribel",
    "14/09/1996",
    "1996-09-14",
    "QV7319264",
    "Gentianes",
    "07 61 52 43 34",
    "0761524334",
    "3806172534",
]


@pytest.fixture(autouse=True)
def test_applicant(monkeypatch: pytest.MonkeyPatch) -> None:
    """The conftest's flows (to_check, to_receipt) type this applicant's values."""
    monkeypatch.setattr(gui, "IDENTITY", IDENTITY)
    monkeypatch.setattr(gui, "CONTACT", CONTACT)
    monkeypatch.setattr(gui, "STUDENT_RENEWAL", RENEWAL)


# --- the walk -----------------------------------------------------------------------------
def _model_texts(model: QAbstractItemModel | None, parent: QModelIndex | None = None) -> list[str]:
    if model is None:
        return []
    parent = parent or QModelIndex()
    out: list[str] = []
    for row in range(min(model.rowCount(parent), 2000)):
        for column in range(model.columnCount(parent)):
            index = model.index(row, column, parent)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
                value = model.data(index, role)
                if value is not None:
                    out.append(str(value))
            if model.hasChildren(index):
                out += _model_texts(model, index)
    return out


def _widget_texts(w: QWidget) -> list[str]:
    out = [w.accessibleName(), w.accessibleDescription(), w.toolTip(), w.windowTitle()]
    for raw in w.dynamicPropertyNames():
        name = raw.data().decode()
        with contextlib.suppress(RuntimeError):  # Qt's own, of types Python cannot read
            out.append(str(w.property(name)))
    if isinstance(w, QLineEdit):
        out += [w.text(), w.placeholderText(), w.displayText()]
        out += [w.completer().completionPrefix()] if w.completer() else []
    elif isinstance(w, QLabel):
        out.append(w.text())
    elif isinstance(w, QTextEdit | QPlainTextEdit):
        out.append(w.toPlainText())
    elif isinstance(w, QComboBox):
        # Its list is the countries (the same for everyone); what is typed or chosen is not.
        out += [w.currentText(), w.lineEdit().text() if w.lineEdit() else ""]
    elif isinstance(w, QAbstractItemView):
        out += _model_texts(w.model())
    elif hasattr(w, "text") and callable(w.text):
        with contextlib.suppress(TypeError):
            out.append(str(w.text()))
    return out


def _state_texts(obj: Any, depth: int = 0) -> list[str]:
    """The plain-data attributes of a Python object (the controller, the session, the
    keyboard): strings, numbers, containers and dataclasses, a few levels deep."""
    if depth > 3:
        return []
    if isinstance(obj, str | int | float | bytes):
        return [obj.decode("utf-8", "replace") if isinstance(obj, bytes) else str(obj)]
    if isinstance(obj, dict):
        return [t for k, v in obj.items() for t in (str(k), *_state_texts(v, depth + 1))]
    if isinstance(obj, list | tuple | set | frozenset):
        return [t for v in obj for t in _state_texts(v, depth + 1)]
    if isinstance(obj, QWidget):
        return []  # walked as widgets
    attrs = getattr(obj, "__dict__", None)
    if attrs is None or type(obj).__module__.startswith(("PySide6", "builtins")):
        return []
    return [t for v in attrs.values() for t in _state_texts(v, depth + 1)]


def applicant_traces(
    window: MainWindow, controller: SessionController, values: Iterable[str]
) -> list[str]:
    """Every place the test applicant's ``values`` are still found."""
    roots: list[QWidget] = [window]
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    roots += [
        t for t in app.topLevelWidgets() if t is not window and t.parentWidget() is window
    ]  # dialogs
    texts: list[tuple[str, str]] = []
    for root in roots:
        for w in [root, *root.findChildren(QWidget)]:
            texts += [(type(w).__name__, t) for t in _widget_texts(w)]
    texts += [("session", t) for t in _state_texts(controller.session)]
    texts += [("controller", t) for t in _state_texts(vars(controller))]
    texts += [("keyboard", t) for t in _state_texts(vars(window.osk))]
    found = [f"{where}: {text[:80]!r}" for where, text in texts for v in values if v and v in text]
    # Scan previews: no image of anyone's document is kept.
    found += [
        f"ImageView {view.objectName()!r} keeps an image"
        for view in window.findChildren(ImageView)
        if view.image() is not None
    ]
    return found


def _settled(kiosk: Kiosk) -> None:
    kiosk.qtbot.waitUntil(lambda: kiosk.controller.tasks.pending == 0, timeout=10_000)


def _assert_forgotten(kiosk: Kiosk) -> None:
    _settled(kiosk)
    assert kiosk.screen() is Screen.WELCOME
    assert applicant_traces(kiosk.window, kiosk.controller, DISTINCTIVE) == []


def _fill_two_steps(kiosk: Kiosk) -> None:
    w = kiosk.window
    kiosk.start()
    kiosk.fill(IDENTITY)
    kiosk.click(w.step.continue_button)
    kiosk.qtbot.waitUntil(lambda: w.step.step is not None and w.step.step.id == "contact")
    kiosk.fill(CONTACT)


# --- the walk can fail ----------------------------------------------------------------------
def test_the_walk_finds_the_applicant_while_the_session_lasts(kiosk: Kiosk) -> None:
    kiosk.to_check()
    traces = applicant_traces(kiosk.window, kiosk.controller, DISTINCTIVE)
    assert any("Quorvendal" in t for t in traces)
    assert any(t.startswith("session") for t in traces)


# --- every way a session ends -----------------------------------------------------------------
def test_submitted(kiosk: Kiosk) -> None:
    kiosk.to_receipt()
    kiosk.click(kiosk.window.receipt.finish_button)
    _assert_forgotten(kiosk)
    assert kiosk.store.drafts == {}  # deleted once sealed


def test_abandoned_by_going_back_to_the_welcome_screen(kiosk: Kiosk) -> None:
    _fill_two_steps(kiosk)
    w = kiosk.window
    back_to_welcome(kiosk)
    _assert_forgotten(kiosk)
    assert kiosk.store.drafts == {}
    # The next person presses "Commencer" and chooses the same procedure: nothing of the
    # first applicant comes back, by Back or otherwise.
    kiosk.start()
    assert all(row.value() == "" for row in w.step.rows)
    kiosk.click(w.step.back_button)
    kiosk.wait_screen(Screen.BEFORE)
    assert applicant_traces(w, kiosk.controller, DISTINCTIVE) == []


def test_abandoned_with_terminer_after_saving_for_later(kiosk: Kiosk) -> None:
    _fill_two_steps(kiosk)
    w = kiosk.window
    kiosk.click(w.step.save_button)
    kiosk.wait_screen(Screen.SAVED)
    code = kiosk.controller.session.resume_code
    assert code is not None
    kiosk.click(w.saved.finish_button)
    _assert_forgotten(kiosk)
    assert len(kiosk.store.drafts) == 1  # kept: they have a resume code
    # Another applicant with the code but not the birth date reaches nothing.
    kiosk.click(w.welcome.resume_button)
    kiosk.wait_screen(Screen.RESUME)
    w.resume.code_row.input.setText(code)
    w.resume.birth_date_row.input.setText("01/01/1990")
    kiosk.click(w.resume.resume_button)
    kiosk.qtbot.waitUntil(w.resume.summary.isVisible)
    assert kiosk.screen() is Screen.RESUME
    assert applicant_traces(w, kiosk.controller, DISTINCTIVE) == []


def test_timed_out(kiosk: Kiosk) -> None:
    kiosk.to_check()
    kiosk.idle(kiosk.controller.inactivity.timeout_s + 1)
    _assert_forgotten(kiosk)
    assert kiosk.store.drafts == {}


def test_timed_out_on_the_on_screen_keyboard(kiosk: Kiosk) -> None:
    kiosk.start()
    w = kiosk.window
    row = w.step.row("surname")
    row.keyboard_button.click()
    kiosk.qtbot.waitUntil(w.osk.isVisible)
    for char in "Quorvendal":
        key = next(k for k in w.osk.char_keys if k.char.lower() == char.lower())
        key.click()
    assert row.value().lower() == "quorvendal"
    kiosk.idle(kiosk.controller.inactivity.timeout_s + 1)
    _assert_forgotten(kiosk)


def test_crashed_and_restarted(qtbot: Any, tmp_path: Path, catalogue: Catalogue) -> None:
    """The process dies mid-application (no wipe); the kiosk starts again on the same
    data: nothing on screen, and the draft (saved after each step) is gone."""
    store = Store.open(tmp_path / "data")
    # Someone else's draft, saved for later with a code: it must survive the restart.
    store.drafts.save("99999999-9999-4999-8999-999999999999", "renewal-student", "fr",
                     {"surname": "Autre"}, NOW)  # fmt: skip
    store.resume_codes.save("99999999-9999-4999-8999-999999999999", "ABCD2345", "1980-02-01",
                      NOW + dt.timedelta(days=30))  # fmt: skip
    first = real_store_kiosk(qtbot, catalogue, store)
    _fill_two_steps(first)
    first.click(first.window.step.continue_button)
    uuid = first.controller.session.uuid
    qtbot.waitUntil(lambda: (d := store.drafts.load(uuid)) is not None and "phone" in d.answers)
    # The crash: no wipe, no clean shutdown of the session.
    first.controller.tasks.shutdown(wait=True)
    first.window.hide()
    store.close()

    store = Store.open(tmp_path / "data")  # the restart
    try:
        deleted = store.drafts.purge_unsaved()  # what kiosk.app runs before the first screen
        assert deleted == 1
        assert store.drafts.load(uuid) is None
        assert store.drafts.load("99999999-9999-4999-8999-999999999999") is not None
        second = real_store_kiosk(qtbot, catalogue, store)
        _assert_forgotten(second)
        second.controller.shutdown()
    finally:
        store.close()
