"""Automatable accessibility checks on every screen (FIELD-NOTES checks 1, 3, 9, 13, 19)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from kiosk.domain.session import Screen
from kiosk.ui.theme import SIZES, Theme
from kiosk.ui.widgets import BaseScreen
from tests.fixtures.walk import kiosk_in
from tests.gui.conftest import CONTACT, IDENTITY, STUDENT_RENEWAL, Kiosk, all_widgets

pytestmark = pytest.mark.gui


def every_screen(kiosk: Kiosk) -> Iterator[tuple[str, BaseScreen]]:
    """Walk the procedure, yielding each screen in each state (errors included): the
    resume screen, the guide, every step of the student renewal (text and choice
    questions), the saved-for-later code, the document list, then to the receipt."""
    w = kiosk.window
    yield "welcome", w.welcome
    kiosk.click(w.welcome.resume_button)
    kiosk.wait_screen(Screen.RESUME)
    yield "resume", w.resume
    kiosk.click(w.resume.resume_button)
    yield "resume-errors", w.resume
    kiosk.click(w.resume.back_button)
    kiosk.wait_screen(Screen.WELCOME)
    kiosk.click(w.welcome.start_button)
    yield "procedure", w.procedure
    kiosk.click(w.procedure.guide_card)
    yield "guide", w.guide
    kiosk.click(w.guide.card(0))
    kiosk.click(w.guide.card(1))
    yield "guide-result", w.guide
    for _ in range(3):
        kiosk.click(w.guide.back_button)
    kiosk.wait_screen(Screen.PROCEDURE)
    kiosk.click(w.procedure.cards[0])
    yield "before", w.before
    kiosk.begin()
    yield "identity", w.step
    kiosk.click(w.step.continue_button)
    yield "identity-errors", w.step
    kiosk.fill(IDENTITY)
    kiosk.click(w.step.continue_button)
    kiosk.qtbot.waitUntil(lambda: kiosk.controller.session.step_index == 1)
    yield "contact", w.step
    kiosk.click(w.step.save_button)
    kiosk.wait_screen(Screen.SAVED)
    yield "saved", w.saved
    kiosk.click(w.saved.continue_button)
    kiosk.wait_screen(Screen.STEP)
    kiosk.fill(CONTACT)
    kiosk.click(w.step.continue_button)
    while True:
        kiosk.qtbot.waitUntil(
            lambda: (
                kiosk.controller.session.screen is not Screen.STEP
                or (w.step.step is not None and w.step.step.id != "contact")
            )
        )
        if kiosk.screen() is not Screen.STEP:
            break
        step = w.step.step
        assert step is not None
        yield f"step-{step.id}", w.step
        kiosk.fill_step(STUDENT_RENEWAL)
        kiosk.click(w.step.continue_button)
        kiosk.qtbot.waitUntil(
            lambda s=step: kiosk.screen() is not Screen.STEP or w.step.step is not s
        )
    kiosk.wait_screen(Screen.DOCUMENTS)
    yield "documents", w.documents
    kiosk.click(w.documents.continue_button)
    kiosk.wait_screen(Screen.CHECK)
    yield "check", w.check
    kiosk.click(w.check.confirm_button)
    yield "consent", w.consent
    kiosk.click(w.consent.submit_button)
    yield "consent-error", w.consent
    kiosk.click(w.consent.checkbox)
    kiosk.click(w.consent.submit_button)
    kiosk.wait_screen(Screen.RECEIPT)
    yield "receipt", w.receipt


def visible_focusable(screen: QWidget) -> list[QWidget]:
    return [
        w
        for w in all_widgets(screen)
        if w.isVisible() and w.focusPolicy() != Qt.FocusPolicy.NoFocus and w.isEnabled()
    ]


def accessible_name(widget: QWidget) -> str:
    iface = QAccessible.queryAccessibleInterface(widget)
    assert iface is not None and iface.isValid()
    return iface.text(QAccessible.Text.Name)


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_screen_meets_the_automatable_checks(
    make_kiosk: Callable[..., Kiosk], language: str
) -> None:
    kiosk = kiosk_in(make_kiosk, language)
    header_names: list[list[str]] = []
    for name, screen in every_screen(kiosk):
        assert kiosk.window.current_screen is screen, name
        for widget in visible_focusable(screen):
            # 1. every focusable widget has a non-empty accessible name
            assert accessible_name(widget).strip(), (name, widget)
            # 9. targets >= 44 x 44 px at 100 %
            if isinstance(widget, QAbstractButton | QLineEdit | QComboBox):
                assert widget.width() >= 44 and widget.height() >= 44, (name, widget, widget.size())
        # 3. every input has a label relation (QLabel buddy)
        buddies = {lab.buddy() for lab in screen.findChildren(QLabel) if lab.buddy()}
        for edit in screen.findChildren(QLineEdit) + screen.findChildren(QComboBox):
            if edit.isVisible() and not isinstance(edit.parentWidget(), QComboBox):
                assert edit in buddies, (name, edit)
        # 19. the same header controls, same names, same order, on every screen
        header_names.append([b.accessibleName() for b in screen.header.buttons])
        # A back button on every screen after welcome (the receipt has nothing to go back to)
        if name not in {"welcome", "receipt"}:
            assert screen.back_button is not None and screen.back_button.isVisible(), name
    assert all(names == header_names[0] for names in header_names)
    assert len(header_names[0]) == 7  # language, size, contrast, voice, listen, stop, help


def test_tab_order_follows_reading_order_on_a_step(kiosk: Kiosk) -> None:
    kiosk.start()
    step = kiosk.window.step
    expected = [
        *step.header.buttons,
        step.back_button,
        *(row.input for row in step.rows),
        step.continue_button,
    ]
    visited: list[QWidget] = []
    expected[0].setFocus()
    for _ in expected:
        focused = kiosk.window.focusWidget()
        visited.append(
            focused.parentWidget() if isinstance(focused.parentWidget(), QComboBox) else focused
        )
        kiosk.qtbot.keyClick(focused, Qt.Key.Key_Tab)
    assert visited == expected


def test_focus_ring_follows_the_focus(kiosk: Kiosk) -> None:
    kiosk.start()
    ring = kiosk.window.focus_ring
    edit = kiosk.window.step.row("surname").input
    edit.setFocus()
    kiosk.qtbot.waitUntil(lambda: ring.target is edit)
    rect = ring.ring_rect()
    assert rect is not None
    inner = edit.rect().translated(edit.mapTo(ring.parentWidget(), edit.rect().topLeft()))
    grow = SIZES.focus_ring_offset + SIZES.focus_ring_width
    assert rect == inner.adjusted(-grow, -grow, grow, grow)
    # Not drawn around things one cannot tab to (the title focused on screen change).
    kiosk.window.step.title.setFocus()
    kiosk.qtbot.waitUntil(lambda: ring.target is None)


def test_the_ring_is_visible_in_the_rendering(kiosk: Kiosk) -> None:
    kiosk.start()
    edit = kiosk.window.step.row("surname").input
    kiosk.window.step.title.setFocus()
    before = kiosk.window.grab().toImage()
    edit.setFocus()
    kiosk.qtbot.waitUntil(lambda: kiosk.window.focus_ring.target is edit)
    after = kiosk.window.grab().toImage()
    ring = kiosk.window.focus_ring.ring_rect()
    assert ring is not None
    top_left = kiosk.window.focus_ring.mapTo(kiosk.window, ring.topLeft())
    x, y = top_left.x() + ring.width() // 2, top_left.y()
    assert after.pixelColor(x, y).name() == Theme().colours.focus
    assert before.pixelColor(x, y).name() != Theme().colours.focus


def test_buttons_are_large_enough_at_every_text_size(kiosk: Kiosk) -> None:
    w = kiosk.window
    for _ in range(3):
        kiosk.click(w.welcome.header.text_size_button)
        buttons = [b for b in w.welcome.findChildren(QAbstractButton) if b.isVisible()]
        # 11. no clipped button text once laid out: each size hint fits its size
        kiosk.qtbot.waitUntil(
            lambda: all(b.sizeHint().width() <= b.width() for b in buttons)  # noqa: B023
        )
        for button in buttons:
            assert button.height() >= 44 and button.width() >= 44, button
    assert kiosk.controller.theme.scale == 1.0  # 100 -> 150 -> 200 -> 100


def test_help_shows_a_message_and_the_same_help_everywhere(kiosk: Kiosk) -> None:
    header = kiosk.window.welcome.header
    kiosk.click(header.help_button)
    dialog = kiosk.window.help_dialog
    assert dialog is not None
    kiosk.qtbot.waitUntil(dialog.isVisible)
    assert "allez au guichet de l'accueil" in dialog.text.text()  # where, in plain words
    assert dialog.ok_button.accessibleName()
    kiosk.click(dialog.ok_button)
    kiosk.qtbot.waitUntil(lambda: not dialog.isVisible())


def test_a_dialog_blocks_the_window_without_telling_each_of_its_widgets(kiosk: Kiosk) -> None:
    """A modal dialog's WindowBlocked/WindowUnblocked stays with the window: Qt would hand
    it to each of its ~800 widgets, each through the Python event filter (kiosk/ui/
    main_window.py). The window itself stays blocked while the dialog is up."""
    seen: list[QEvent.Type] = []
    blocking = (QEvent.Type.WindowBlocked, QEvent.Type.WindowUnblocked)

    class Spy(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() in blocking:
                seen.append(event.type())
            return False

    spy = Spy()
    button = kiosk.window.welcome.header.help_button
    button.installEventFilter(spy)
    try:
        kiosk.click(button)
        dialog = kiosk.window.help_dialog
        assert dialog is not None and dialog.isModal()
        kiosk.qtbot.waitUntil(dialog.isVisible)
        assert QApplication.activeModalWidget() is dialog
        kiosk.click(dialog.ok_button)
        kiosk.qtbot.waitUntil(lambda: not dialog.isVisible())
    finally:
        button.removeEventFilter(spy)
    assert seen == []
