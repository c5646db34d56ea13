"""Checks for what walking the kiosk as new users would found (issue 15), cheap enough to
run on every state: a wheel over each input, digit runs in right-to-left text, the
on-screen keyboard's script per field, notice kinds, headings and radio groups, and what
is in view after each action on both screen shapes (``kiosk.audit.shape_checks``).

Each check takes a ``Context`` (and, where it needs the kiosk, the ``Visit``) and returns
an ``Outcome``; ``VISIT_CHECKS`` lists them for the driver. They work on any widget tree,
so the tests hand them small, deliberately broken windows.
"""

from __future__ import annotations

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

from kiosk.audit.context import Context, inner_line_edit, settle
from kiosk.audit.kiosk_checks import Visit
from kiosk.audit.model import Outcome

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


# --- the registry ---------------------------------------------------------------------------
@dataclass(frozen=True)
class VisitCheck:
    id: str
    run: Callable[[Context, Visit], Outcome]


VISIT_CHECKS: tuple[VisitCheck, ...] = (VisitCheck("wheel", lambda ctx, _visit: check_wheel(ctx)),)
