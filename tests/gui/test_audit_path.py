"""The audit checks added for issue 15 (kiosk.audit.path_checks, shape_checks): each one
fails on a small, deliberately broken window, and passes on the repaired one."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QCompleter,
    QGridLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.audit.checks import check_reflow
from kiosk.audit.kiosk_checks import Visit
from kiosk.audit.path_checks import (
    check_bidi,
    check_keyboard_script,
    check_notice_kinds,
    check_wheel,
)
from kiosk.audit.shape_checks import check_in_view, check_popups, check_screen_shape
from kiosk.domain.deadlines import MESSAGES as DEADLINE_MESSAGES
from kiosk.domain.deadlines import DeadlineStatus
from kiosk.i18n import Translator
from kiosk.i18n.bidi import LRI, PDI, ltr_sequence
from kiosk.ui.osk import OnScreenKeyboard
from kiosk.ui.theme import Theme
from kiosk.ui.wheel import WheelGuard
from kiosk.ui.widgets import Notice

from .test_audit import accessible_window, ctx, messages, named

pytestmark = pytest.mark.gui

RTL = Qt.LayoutDirection.RightToLeft


@pytest.fixture
def make_window(qtbot: Any) -> Callable[..., QWidget]:
    """A plain, accessible window holding ``widgets`` (test_audit.accessible_window)."""
    return functools.partial(accessible_window, qtbot)


@pytest.fixture
def no_wheel_guard(qapp: QApplication) -> Iterator[None]:
    """The application as Qt makes it: no WheelGuard (the kiosk's window installs one)."""
    guard = qapp.findChild(WheelGuard)
    if guard is not None:
        guard.disable()
    yield
    if guard is not None:
        guard.enable()


def countries() -> QComboBox:
    box = QComboBox()
    box.addItems(["Russie", "Rwanda", "Sénégal"])
    box.setAccessibleName("Nationalité")
    return box


# --- 17 wheel -------------------------------------------------------------------------------
def test_a_wheel_that_changes_an_answer_is_reported(
    make_window: Callable[..., QWidget], no_wheel_guard: None
) -> None:
    box = countries()
    window = make_window(box)
    outcome = check_wheel(ctx(window))
    assert set(messages(outcome)) == {
        "a wheel over it would give it the focus (focus policy WheelFocus)",
        "a wheel over it changed its value",
    }
    assert box.currentText() == "Russie"  # the check puts the answer back


def test_a_line_edit_that_reacts_to_the_wheel_is_reported(
    make_window: Callable[..., QWidget],
) -> None:
    class Counter(QLineEdit):  # not an input type the guard knows: nothing protects it
        def wheelEvent(self, event: QWheelEvent) -> None:
            self.setText(str(int(self.text() or 0) + 1))

    counter = Counter("1")
    counter.setAccessibleName("Nombre")
    outcome = check_wheel(ctx(make_window(counter)))
    assert messages(outcome) == ["a wheel over it changed its value"]


def test_the_wheel_guard_passes_the_wheel_check(make_window: Callable[..., QWidget]) -> None:
    WheelGuard.install()
    box = countries()
    window = make_window(box)
    outcome = check_wheel(ctx(window))
    assert outcome.checked == 1 and not outcome.violations
    assert box.focusPolicy() == Qt.FocusPolicy.StrongFocus


# --- 18 bidi ---------------------------------------------------------------------------------
def test_a_number_not_isolated_in_arabic_is_reported(make_window: Callable[..., QWidget]) -> None:
    bad = QLabel("مثال: 06 12 34 56 78.")
    good = QLabel(f"مثال: {LRI}06 12 34 56 78{PDI}.")
    date = QLineEdit()
    date.setAccessibleName("تاريخ الميلاد")
    date.setProperty("script", "digits")  # typed in digits: must run left to right
    date.setPlaceholderText("يوم/شهر/سنة")
    window = make_window(bad, good, date, language="ar", direction=RTL)
    outcome = check_bidi(ctx(window, "ar"))
    assert sorted(messages(outcome)) == [
        "a number, date or code in right-to-left text is not isolated",
        "an input typed in digits runs right to left",
        "the placeholder runs in another order than the text typed under it",
    ]
    assert outcome.violations[0].measured.startswith("“06 12 34 56 78” in")
    # Repaired as the kiosk does it: the input left to right, its separators marked.
    bad.setText(Translator("ar")("Exemple : 06 12 34 56 78."))
    date.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    date.setPlaceholderText(ltr_sequence("يوم/شهر/سنة"))
    outcome = check_bidi(ctx(window, "ar"))
    assert outcome.checked == 4 and not outcome.violations


def test_the_bidi_check_does_not_apply_left_to_right(make_window: Callable[..., QWidget]) -> None:
    outcome = check_bidi(ctx(make_window(QLabel("Exemple : 06 12 34 56 78."))))
    assert outcome.status == "n/a"


# --- 19 notice kinds ----------------------------------------------------------------------------
def test_a_warning_shown_as_a_success_is_reported(make_window: Callable[..., QWidget]) -> None:
    notice = Notice()
    late = DEADLINE_MESSAGES[DeadlineStatus.LATE]
    notice.show_message(late.format(date="15/12/2026", fee=180), [late])
    window = make_window(notice, language="fr")
    window.theme = Theme()  # type: ignore[attr-defined]
    window.setStyleSheet(Theme().stylesheet("fr"))
    assert check_notice_kinds(ctx(window, "fr", theme=Theme())).violations == []
    # Seeded: forced green, named as a success.
    notice.setProperty("kind", "success")
    notice.style().unpolish(notice)
    notice.style().polish(notice)
    notice.setAccessibleName("C'est bon : " + notice.text.text())
    outcome = check_notice_kinds(ctx(window, "fr", theme=Theme()))
    assert messages(outcome) == ["the notice's kind contradicts what its text means"]
    # A notice whose messages declare nothing, and one drawn in another colour.
    notice.show_message("Texte libre", ["Un message sans métadonnées"])
    notice.setStyleSheet("QFrame { border: 3px solid #ff00ff; }")
    outcome = check_notice_kinds(ctx(window, "fr", theme=Theme()))
    assert set(messages(outcome)) == {
        "a notice whose messages declare no kind (kiosk.domain.notices.INTENT)",
        "the notice is not drawn in its kind's colour",
    }


# --- 20 keyboard script -------------------------------------------------------------------------
def test_a_keyboard_in_the_wrong_script_is_reported(
    make_window: Callable[..., QWidget], monkeypatch: pytest.MonkeyPatch
) -> None:
    surname = QLineEdit()
    surname.setAccessibleName("اسم العائلة")
    surname.setProperty("script", "latin")
    country = QLineEdit()
    country.setAccessibleName("الجنسية")
    country.setProperty("script", "any")
    undeclared = QLineEdit()
    undeclared.setAccessibleName("العنوان")
    window = make_window(surname, country, undeclared, language="ar", direction=RTL)
    osk = OnScreenKeyboard(parent=window)
    window.layout().addWidget(osk)
    osk.retranslate(Translator("ar"))
    window.osk = osk  # type: ignore[attr-defined]
    outcome = check_keyboard_script(ctx(window, "ar"))
    assert messages(outcome) == ["a field that declares no script (catalogue: script)"]
    assert outcome.checked == 3
    # Seeded: the keyboard of the page's language whatever the field (as before issue 15).
    monkeypatch.setattr(OnScreenKeyboard, "layout_for", lambda self, editor: "arabic")
    osk.wipe()
    outcome = check_keyboard_script(ctx(window, "ar"))
    assert "the on-screen keyboard opens in another script than the field's" in messages(outcome)
    assert outcome.violations[0].measured == "field latin, keyboard arabic"


def test_a_field_made_again_while_fields_take_the_focus_is_checked_in_its_new_form(
    make_window: Callable[..., QWidget],
) -> None:
    """A screen may build a field again while the check focuses the others (the country
    box's line edit): the check follows the field by its name instead of skipping it."""
    country = QComboBox()

    class Surname(QLineEdit):
        def setFocus(self, *args: Any) -> None:
            super().setFocus(*args)
            # Seeded: the country box's new line edit declares no script.
            country.setLineEdit(QLineEdit())

    surname = Surname()
    surname.setAccessibleName("اسم العائلة")
    surname.setProperty("script", "latin")
    country.setObjectName("field-nationality")
    country.setEditable(True)
    country.setAccessibleName("الجنسية")
    country.lineEdit().setProperty("script", "any")
    window = make_window(surname, country, language="ar", direction=RTL)
    osk = OnScreenKeyboard(parent=window)
    window.layout().addWidget(osk)
    osk.retranslate(Translator("ar"))
    window.osk = osk  # type: ignore[attr-defined]
    first = country.lineEdit()
    outcome = check_keyboard_script(ctx(window, "ar"))
    assert country.lineEdit() is not first, "the field was not made again"
    assert outcome.checked == 2
    assert messages(outcome) == ["a field that declares no script (catalogue: script)"]


# --- 21 in view, 22 screen shapes, 23 pop-up lists ------------------------------------------------
class _Screen(QWidget):
    """A screen as the audit sees one: a header row, a scrolled page, an action."""

    def __init__(self, page_height: int = 2000) -> None:
        super().__init__()
        outer = QVBoxLayout(self)
        self.header = QWidget()
        grid = QGridLayout(self.header)
        self.header.buttons = [named(t) for t in ("Langue", "Texte", "Aide")]  # type: ignore[attr-defined]
        for i, b in enumerate(self.header.buttons):  # type: ignore[attr-defined]
            grid.addWidget(b, i // 2, i % 2)  # two rows: wrapped
        self.header.app_title = QLabel("Titre de séjour")  # type: ignore[attr-defined]
        self.header.app_title.hide()  # type: ignore[attr-defined]
        grid.addWidget(self.header.app_title, 0, 2)  # type: ignore[attr-defined]
        outer.addWidget(self.header)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        page = QWidget()
        col = QVBoxLayout(page)
        self.field = QLineEdit()
        self.field.setAccessibleName("Nom")
        self.pad = QWidget()
        self.pad.setFixedHeight(page_height)
        col.addWidget(self.pad)
        col.addWidget(self.field)
        self.action = named("Continuer")
        col.addWidget(self.action)
        self.scroll_area.setWidget(page)
        outer.addWidget(self.scroll_area, 1)

    def primary_action(self) -> QAbstractButton:
        return self.action


def test_what_is_out_of_view_after_an_action_is_reported(
    make_window: Callable[..., QWidget],
) -> None:
    screen = _Screen()
    window = make_window(screen)
    screen.field.setFocus()
    visit = Visit("step", "screen", window, screen, focus=screen.field)
    outcome = check_in_view(ctx(window), visit)
    assert set(messages(outcome)) == {
        "the focused element is not in view after the action",
        "the primary action is not in view",
        "the header's controls wrap to another row",
        "the header hides the kiosk's title",
    }
    # Repaired: the page short enough, the header on one row with its title.
    fixed = _Screen(page_height=10)
    for i, b in enumerate(fixed.header.buttons):  # type: ignore[attr-defined]
        fixed.header.layout().addWidget(b, 0, i)
    fixed.header.app_title.show()  # type: ignore[attr-defined]
    window = make_window(fixed)
    visit = Visit("step", "screen", window, fixed, focus=fixed.field)
    outcome = check_in_view(ctx(window), visit)
    assert outcome.checked == 3 and not outcome.violations


def test_a_screen_that_fails_only_at_1920_x_1080_is_reported(
    make_window: Callable[..., QWidget],
) -> None:
    class Shapely(_Screen):  # fine at 4:3; at 16:9 its action goes below the page
        def resizeEvent(self, event: Any) -> None:
            super().resizeEvent(event)
            self.pad.setFixedHeight(5000 if self.width() > 1600 else 10)

    screen = Shapely(page_height=10)
    for i, b in enumerate(screen.header.buttons):  # type: ignore[attr-defined]
        screen.header.layout().addWidget(b, 0, i)
    screen.header.app_title.show()  # type: ignore[attr-defined]
    window = make_window(screen)
    window.resize(1280, 1024)
    visit = Visit("step", "screen", window, screen, focus=None)
    assert check_in_view(ctx(window), visit).violations == []
    outcome = check_screen_shape(ctx(window), visit, check_reflow)
    assert "the primary action is not in view at 1920 x 1080" in messages(outcome)
    assert window.size().width() == 1280  # laid out back as it was
    # The welcome screen at 1280 x 960: a page taller than what it leaves is reported.
    tall = _Screen(page_height=1200)
    window = make_window(tall)
    visit = Visit("welcome", "screen", window, tall, focus=None)
    outcome = check_screen_shape(ctx(window), visit, check_reflow, welcome_short=True)
    assert "the welcome screen needs scrolling at 1280 x 960" in messages(outcome)


def test_an_unstyled_completer_list_is_reported(make_window: Callable[..., QWidget]) -> None:
    box = QComboBox()
    box.setEditable(True)
    box.addItems(["Maroc", "Mali", "Malte"])
    box.setCompleter(QCompleter(box.model(), box))
    box.setAccessibleName("Nationalité")
    window = make_window(box)
    popup = box.completer().popup()
    popup.setStyleSheet("font-size: 11px;")  # as Qt left it: its own small font
    outcome = check_popups(ctx(window))
    assert set(messages(outcome)) >= {
        "the pop-up list's text is smaller than the screen's",
        "the pop-up list's rows are smaller than a target",
    }
    popup.setStyleSheet(
        "QListView { font-size: 20px; background: white; color: #161616; }"
        "QListView::item { min-height: 48px; }"
    )
    outcome = check_popups(ctx(window))
    assert outcome.checked >= 3 and not outcome.violations
