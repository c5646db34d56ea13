"""Checks for what walking the kiosk as new users would found (issue 15), cheap enough to
run on every state: a wheel over each input, digit runs in right-to-left text, the
on-screen keyboard's script per field, notice kinds, headings and radio groups, and what
is in view after each action on both screen shapes (``kiosk.audit.shape_checks``).

Each check takes a ``Context`` (and, where it needs the kiosk, the ``Visit``) and returns
an ``Outcome``; ``VISIT_CHECKS`` lists them for the driver. They work on any widget tree,
so the tests hand them small, deliberately broken windows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QFrame,
    QLineEdit,
    QScrollBar,
    QWidget,
)

from kiosk.audit.context import (
    Context,
    accessible_name,
    clean,
    drawn_text,
    inner_line_edit,
    owner,
    settle,
)
from kiosk.audit.kiosk_checks import Visit
from kiosk.audit.model import Outcome
from kiosk.audit.shape_checks import check_in_view, check_popups, check_screen_shape
from kiosk.i18n.bidi import DIGIT, LRM, unisolated_runs

RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")

WHEEL_TYPES = (QComboBox, QAbstractSpinBox, QAbstractSlider, QLineEdit, QCheckBox)


# --- 17 wheel ---------------------------------------------------------------------------
def _value(widget: QWidget) -> object:
    if isinstance(widget, QComboBox):
        return (widget.currentIndex(), widget.currentText())
    if isinstance(widget, QAbstractSpinBox):
        return widget.text()
    if isinstance(widget, QAbstractSlider):
        return widget.value()
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    return None


def _restore(widget: QWidget, value: object) -> None:
    if isinstance(widget, QComboBox) and isinstance(value, tuple):
        widget.setCurrentIndex(value[0])
        if widget.isEditable():
            widget.setEditText(value[1])
    elif isinstance(widget, QAbstractSlider) and isinstance(value, int):
        widget.setValue(value)
    elif isinstance(widget, QLineEdit) and isinstance(value, str):
        widget.setText(value)
    elif isinstance(widget, QCheckBox) and isinstance(value, bool):
        widget.setChecked(value)


def send_wheel(widget: QWidget, notches: int = -1) -> None:
    """One notch of the wheel over ``widget``'s centre (down by default)."""
    centre = QPointF(widget.rect().center())
    QApplication.sendEvent(
        widget,
        QWheelEvent(
            centre,
            QPointF(widget.mapToGlobal(centre.toPoint())),
            QPoint(0, 0),
            QPoint(0, 120 * notches),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        ),
    )


def _scroll_positions(root: QWidget) -> list[tuple[QScrollBar, int]]:
    return [
        (bar, bar.value())
        for area in root.findChildren(QAbstractScrollArea)
        for bar in (area.verticalScrollBar(), area.horizontalScrollBar())
    ]


def check_wheel(ctx: Context) -> Outcome:
    """A wheel over an input the person has not focused changes nothing: not its value,
    not the focus, not the on-screen keyboard (a wheel would scroll the page)."""
    out = Outcome()
    inputs = [
        w
        for w in ctx.of_type(WHEEL_TYPES)
        if w.isEnabled() and not inner_line_edit(w) and not isinstance(w, QScrollBar)
    ]
    if not inputs:
        out.not_applicable = "no input on this state"
        return out
    osk = getattr(ctx.root, "osk", None)
    positions = _scroll_positions(ctx.root)
    focus = QApplication.focusWidget()
    for w in inputs:
        out.checked += 1
        if w.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            out.fail(
                "wheel",
                "a wheel over it would give it the focus (focus policy WheelFocus)",
                "WheelFocus",
                ctx.info(w),
            )
        osk_before = osk.isVisible() if osk is not None else False
        before = _value(w)
        if focus is not None and (focus is w or w.isAncestorOf(focus)):
            ctx.root.setFocus(Qt.FocusReason.OtherFocusReason)  # the pointer, not the person
        send_wheel(w)
        after = _value(w)
        if after != before:
            out.fail(
                "wheel", "a wheel over it changed its value", f"{before} → {after}", ctx.info(w)
            )
            _restore(w, before)
        now = QApplication.focusWidget()
        if now is not None and (now is w or w.isAncestorOf(now)):
            out.fail("wheel", "a wheel over it gave it the focus", "", ctx.info(w))
        if osk is not None and osk.isVisible() and not osk_before:
            out.fail("wheel", "a wheel over it opened the on-screen keyboard", "", ctx.info(w))
            osk.hide()
    for bar, value in positions:
        bar.setValue(value)
    if focus is not None:
        focus.setFocus(Qt.FocusReason.OtherFocusReason)
    settle(1)
    return out


# --- 18 bidi isolation ------------------------------------------------------------------
def _direction(widget: QWidget) -> Qt.LayoutDirection:
    return widget.layoutDirection()


def check_bidi(ctx: Context) -> Outcome:
    """On a right-to-left screen, every run holding a digit (a number, date, amount, code,
    reference) in right-to-left text sits in a left-to-right isolate (LRI/FSI … PDI), or
    the widget itself runs left to right; inputs typed in Latin letters or digits run left
    to right, and a date's placeholder in the same order as the date typed under it."""
    out = Outcome()
    if not ctx.rtl:
        out.not_applicable = "left-to-right language"
        return out
    for w in ctx.widgets:
        if isinstance(w, QLineEdit):
            script = w.property("script") or ""
            target = owner(w)
            if script in ("latin", "digits"):
                out.checked += 1
                if _direction(target) != Qt.LayoutDirection.LeftToRight:
                    out.fail(
                        "bidi",
                        f"an input typed in {script} runs right to left",
                        "layoutDirection RightToLeft",
                        ctx.info(w),
                    )
                placeholder = w.placeholderText()
                if RTL_LETTER.search(placeholder) and "/" in placeholder:
                    out.checked += 1
                    if f"{LRM}/{LRM}" not in placeholder:
                        out.fail(
                            "bidi",
                            "the placeholder runs in another order than the text typed under it",
                            f"“{placeholder}”",
                            ctx.info(w),
                        )
            texts = [w.text(), w.placeholderText()]
        else:
            drawn = drawn_text(w)
            texts = [drawn] if drawn else []
        if not texts or _direction(w) == Qt.LayoutDirection.LeftToRight:
            continue
        for text in texts:
            if not DIGIT.search(text):
                continue
            out.checked += 1
            runs = unisolated_runs(text)
            if runs:
                out.fail(
                    "bidi",
                    "a number, date or code in right-to-left text is not isolated",
                    f"“{runs[0]}” in “{clean(text)[:60]}”",
                    ctx.info(w),
                )
    if not out.checked:
        out.not_applicable = "no digit in the texts shown"
    return out


# --- 19 notice kinds --------------------------------------------------------------------
NOTICE_KINDS = ("success", "info", "warning", "error")


def _colour_distance(a: tuple[int, int, int], b: QColor) -> int:
    return max(abs(a[0] - b.red()), abs(a[1] - b.green()), abs(a[2] - b.blue()))


def check_notice_kinds(ctx: Context) -> Outcome:
    """Each notice shown has a kind; the kind is the one its messages declare (catalogue
    metadata: kiosk.domain.notices), drawn with the kind's colour token, and its name (what
    screen readers and the voice say) starts with the kind's prefix."""
    from kiosk.domain.notices import INTENT, SPOKEN_PREFIX, NoticeKind, kind_of
    from kiosk.i18n import LANGUAGES, Translator

    out = Outcome()
    notices = [w for w in ctx.of_type(QFrame) if w.property("role") == "notice"]
    if not notices:
        out.not_applicable = "no notice on this state"
        return out
    tr = Translator(ctx.language if ctx.language in LANGUAGES else "fr")
    for w in notices:
        out.checked += 1
        kind = str(w.property("kind") or "")
        if kind not in NOTICE_KINDS:
            out.fail("notice-kind", "a notice without a kind", f"kind “{kind}”", ctx.info(w))
            continue
        msgids = tuple(getattr(w, "msgids", ()) or ())
        declared = [m for m in msgids if m in INTENT]
        if not declared:
            out.fail(
                "notice-kind",
                "a notice whose messages declare no kind (kiosk.domain.notices.INTENT)",
                f"msgids {list(msgids)[:2]}",
                ctx.info(w),
            )
        elif kind_of(declared).value != kind:
            out.fail(
                "notice-kind",
                "the notice's kind contradicts what its text means",
                f"shown as {kind}, its text declares {kind_of(declared).value}",
                ctx.info(w),
            )
        prefix = clean(tr(SPOKEN_PREFIX[NoticeKind(kind)]))
        if not clean(accessible_name(w)).startswith(prefix):
            out.fail(
                "notice-kind",
                "the notice's name does not start with its kind",
                f"“{clean(accessible_name(w))[:50]}”, want “{prefix} …”",
                ctx.info(w),
            )
        theme = ctx.theme
        if theme is not None and hasattr(theme, "notice_colour"):
            crop = ctx.crop(w)
            if crop.size:
                edge = tuple(int(v) for v in crop[crop.shape[0] // 2, 1][:3])
                want = QColor(theme.notice_colour(kind))
                if _colour_distance(edge, want) > 40:  # type: ignore[arg-type]
                    out.fail(
                        "notice-kind",
                        "the notice is not drawn in its kind's colour",
                        f"border {QColor(*edge).name()}, token {want.name()}",
                        ctx.info(w),
                    )
    return out


# --- 20 keyboard script ---------------------------------------------------------------------
def check_keyboard_script(ctx: Context) -> Outcome:
    """Each typed field declares its script (catalogue metadata), and the on-screen
    keyboard, when the field gets the focus, opens in that script: Latin letters for names
    as in the passport, codes and digits; the applicant's own script otherwise."""
    from kiosk.ui.osk import LAYOUT_SCRIPTS, OnScreenKeyboard, default_layout

    out = Outcome()
    osk = getattr(ctx.root, "osk", None)
    editors = [
        w
        for w in ctx.of_type(QLineEdit)
        if w.isEnabled()
        and not w.isReadOnly()
        and w.echoMode() == QLineEdit.EchoMode.Normal
        and isinstance(osk, OnScreenKeyboard)
        and osk.is_target(w)
    ]
    if not isinstance(osk, OnScreenKeyboard) or not editors:
        out.not_applicable = "no field the on-screen keyboard types into"
        return out
    focus = QApplication.focusWidget()
    shown = osk.isVisible()
    # Fields of one script after the other, those of the keyboard shown first: the
    # keyboard makes its keys again at each change of script (what each field opens in
    # does not depend on the field before it).
    editors.sort(key=lambda e: (osk.layout_for(e) != osk.layout_id, osk.layout_for(e)))
    for listed in [(e, _field_name(e)) for e in editors]:
        editor = _current_editor(ctx.root, *listed)
        if editor is None:
            continue  # gone from the window since the list was made, and not replaced
        out.checked += 1
        script = str(editor.property("script") or "")
        if script not in ("latin", "digits", "any"):
            out.fail(
                "keyboard-script",
                "a field that declares no script (catalogue: script)",
                f"script “{script}”",
                ctx.info(editor),
            )
            continue
        target = owner(editor)
        target.setFocus(Qt.FocusReason.TabFocusReason)
        settle(1)
        layout = osk.layout_id
        want = (
            "latin"
            if script in ("latin", "digits")
            else LAYOUT_SCRIPTS[default_layout(ctx.language)]
        )
        if LAYOUT_SCRIPTS.get(layout) != want:
            out.fail(
                "keyboard-script",
                "the on-screen keyboard opens in another script than the field's",
                f"field {script}, keyboard {layout}",
                ctx.info(editor),
            )
    if focus is not None and shiboken6.isValid(focus):
        focus.setFocus(Qt.FocusReason.OtherFocusReason)
    else:
        ctx.root.setFocus(Qt.FocusReason.OtherFocusReason)
    if not shown:
        osk.hide()
    settle(1)
    return out


def _field_name(editor: QLineEdit) -> str:
    """The object name of the field ``editor`` types into (a country box's, for its line
    edit): the field's replacement, if the screen builds it again, has the same."""
    return owner(editor).objectName()


def _current_editor(root: QWidget, editor: QLineEdit, name: str) -> QLineEdit | None:
    """``editor`` if it is still in the window (and still its box's), else the editor of
    the field that replaced it (a field of the same name: a row or a country box's line edit made
    again while the fields take the focus in turn), else None."""
    if shiboken6.isValid(editor) and editor.isVisible() and root.isAncestorOf(editor):
        box = editor.parentWidget()
        if not isinstance(box, QComboBox) or box.lineEdit() is editor:
            return editor
    if not name:
        return None
    for field in root.findChildren(QWidget, name):
        if not field.isVisible():
            continue
        if isinstance(field, QComboBox):
            line = field.lineEdit()
            if line is not None:
                return line
        elif isinstance(field, QLineEdit):
            return field
    return None


# --- the registry ---------------------------------------------------------------------------
@dataclass(frozen=True)
class VisitCheck:
    id: str
    run: Callable[[Context, Visit], Outcome]


# Run before any other check of the state: they look at the state as the action left it.
EARLY_VISIT_CHECKS = frozenset({"in-view"})
VISIT_CHECKS: tuple[VisitCheck, ...] = (
    VisitCheck("wheel", lambda ctx, _visit: check_wheel(ctx)),
    VisitCheck("bidi", lambda ctx, _visit: check_bidi(ctx)),
    VisitCheck("notice-kind", lambda ctx, _visit: check_notice_kinds(ctx)),
    VisitCheck("keyboard-script", lambda ctx, _visit: check_keyboard_script(ctx)),
    VisitCheck("in-view", lambda ctx, visit: check_in_view(ctx, visit)),
    VisitCheck("screen-shape", lambda ctx, visit: _screen_shape(ctx, visit)),
    VisitCheck("popups", lambda ctx, _visit: check_popups(ctx)),
)


def _screen_shape(ctx: Context, visit: Visit) -> Outcome:
    """At 1920 x 1080 as well: in the normal theme (colours move nothing; the borders of
    the high-contrast theme are 1 px thicker, its screens are audited at 1280 x 1024)."""
    from kiosk.audit.checks import check_reflow

    if ctx.high_contrast:
        return Outcome(not_applicable="laid out in the normal theme")
    welcome = ctx.state == "welcome" and ctx.scale == 1.0
    return check_screen_shape(ctx, visit, check_reflow, welcome_short=welcome)
