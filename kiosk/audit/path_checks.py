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

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QScrollBar,
    QWidget,
)

from kiosk.audit.context import Context, clean, drawn_text, inner_line_edit, settle
from kiosk.audit.kiosk_checks import Visit
from kiosk.audit.model import Outcome
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
            target = w.parentWidget() if inner_line_edit(w) else w
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


# --- the registry ---------------------------------------------------------------------------
@dataclass(frozen=True)
class VisitCheck:
    id: str
    run: Callable[[Context, Visit], Outcome]


VISIT_CHECKS: tuple[VisitCheck, ...] = (
    VisitCheck("wheel", lambda ctx, _visit: check_wheel(ctx)),
    VisitCheck("bidi", lambda ctx, _visit: check_bidi(ctx)),
)
