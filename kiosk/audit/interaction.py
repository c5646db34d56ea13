"""Checks that press keys: focus order (10) with the focus ring measured at each stop
(6), and keyboard activation (11)."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QButtonGroup,
    QWidget,
)

from kiosk.audit.context import Context, grab, owner, settle
from kiosk.audit.model import Outcome
from kiosk.audit.pixels import (
    OUTLINE_RATIO,
    changed_contrast,
    outline,
    pixel_change,
    to_keys,
)

READING_TOLERANCE = 8  # px
RING_BAND = 10  # px around a widget grabbed for the focus ring


class AuditTimeout(RuntimeError):
    pass


def wait_until(predicate: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    """Process events until ``predicate()`` holds (True) or the time is up (False)."""
    deadline = time.monotonic() + timeout_s
    while True:
        settle(1)
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        QTest.qWait(2)


# --- reading order ----------------------------------------------------------------------
def _same_line(a: QRect, b: QRect) -> bool:
    overlap = min(a.bottom(), b.bottom()) - max(a.top(), b.top())
    return overlap > 0.5 * min(a.height(), b.height())


def reading_order(ctx: Context, widgets: list[QWidget]) -> list[QWidget]:
    """Top to bottom; on one line, start to end in the language's direction."""
    rects = {id(w): ctx.doc_rect(w) for w in widgets}
    lines: list[list[QWidget]] = []
    for w in sorted(widgets, key=lambda w: (rects[id(w)].top(), rects[id(w)].left())):
        r = rects[id(w)]
        if lines:
            head = rects[id(lines[-1][0])]
            if head.top() <= r.center().y() <= head.bottom() or _same_line(head, r):
                lines[-1].append(w)
                continue
        lines.append([w])
    ordered: list[QWidget] = []
    for line in lines:
        if ctx.rtl:
            line.sort(key=lambda w: -(rects[id(w)].left() + rects[id(w)].width()))
        else:
            line.sort(key=lambda w: rects[id(w)].left())
        ordered += line
    return ordered


def _areas(widget: QWidget) -> list[QAbstractScrollArea]:
    """The scroll areas holding ``widget``, outermost first."""
    out = []
    w = widget.parentWidget()
    while w is not None:
        if isinstance(w, QAbstractScrollArea) and w.viewport().isAncestorOf(widget):
            out.append(w)
        w = w.parentWidget()
    return out[::-1]


def comes_before(ctx: Context, b: QWidget, a: QWidget, tol: int = READING_TOLERANCE) -> bool:
    """True if ``b`` is read before ``a`` (so reaching it after ``a`` is out of order).

    A scrolling list is one block of the page: a widget inside it is compared with a
    widget outside it by the list's place, not by its own place in the scrolled content."""
    pa, pb = _areas(a), _areas(b)
    i = 0
    while i < min(len(pa), len(pb)) and pa[i] is pb[i]:
        i += 1
    ra = ctx.doc_rect(pa[i]) if len(pa) > i else ctx.doc_rect(a)
    rb = ctx.doc_rect(pb[i]) if len(pb) > i else ctx.doc_rect(b)
    if _same_line(ra, rb):
        if ctx.rtl:
            return rb.left() + rb.width() > ra.left() + ra.width() + tol
        return rb.left() < ra.left() - tol
    return rb.center().y() < ra.top() - tol


# --- focus ring -------------------------------------------------------------------------
def measure_ring(ctx: Context, w: QWidget, neutral: Callable[[], None], out: Outcome) -> None:
    """Grab ``w`` focused and unfocused; the difference must be a >= 2 px outline at
    >= 3:1 on every side that is not scrolled out of view."""
    root = ctx.root
    r = ctx.rect_in_root(w)
    clip = ctx.clip_rect(w)
    region = r.adjusted(-RING_BAND, -RING_BAND, RING_BAND, RING_BAND).intersected(root.rect())
    if region.isEmpty():
        return
    # Colour keys (one integer per pixel, no RGB conversion): only the pixels that
    # differ are looked at, and only their luminance is computed.
    focused = to_keys(grab(root, region))
    neutral()
    settle(1)
    unfocused = to_keys(grab(root, region))
    w.setFocus(Qt.FocusReason.TabFocusReason)
    settle(1)
    band = 6
    x0, y0 = r.left() - region.left(), r.top() - region.top()
    x1, y1 = x0 + r.width(), y0 + r.height()
    vis_x0 = max(r.left(), clip.left()) - region.left()
    vis_x1 = min(r.left() + r.width(), clip.left() + clip.width()) - region.left()
    vis_y0 = max(r.top(), clip.top()) - region.top()
    vis_y1 = min(r.top() + r.height(), clip.top() + clip.height()) - region.top()
    if vis_x1 - vis_x0 < 20 or vis_y1 - vis_y0 < 12:
        return  # (almost) scrolled out of view
    sides: dict[str, tuple[int, int, int, int]] = {}
    if r.top() - band >= clip.top() and r.top() >= region.top() + band:
        sides["top"] = (vis_x0, y0, vis_x1, y1)
    if r.bottom() + band <= clip.bottom() and r.bottom() + band <= region.bottom():
        sides["bottom"] = (vis_x0, y0, vis_x1, y1)
    if r.left() - band >= clip.left() and r.left() - band >= region.left():
        sides["left"] = (x0, vis_y0, x1, vis_y1)
    if r.right() + band <= clip.right() and r.right() + band <= region.right():
        sides["right"] = (x0, vis_y0, x1, vis_y1)
    if not sides:
        return
    shares: dict[str, float] = {}
    thickness, contrast = [], []
    # Once for the four sides: the change, the changed pixels and their median contrast.
    change = pixel_change(focused, unfocused)
    changed = change >= OUTLINE_RATIO
    median = changed_contrast(change, changed)
    for side, rect in sides.items():
        o = outline(
            focused, unfocused, rect, (side,), change=change, changed=changed, contrast=median
        )
        shares.update(o.sides)
        thickness.append(o.thickness)
        contrast.append(o.contrast)
    out.checked += 1
    if not shares or min(shares.values()) < 0.8:
        measured = ", ".join(f"{s} {v:.0%}" for s, v in shares.items())
        out.fail(
            "non-text-contrast",
            "focus indicator: no >= 2 px outline at >= 3:1 around the focused control",
            f"share of each side outlined: {measured or 'none'}; "
            f"thinnest {min(thickness, default=0)} px; contrast {max(contrast, default=1):.1f}:1",
            ctx.info(w),
        )


def measure_rings(ctx: Context, neutral: Callable[[], None], out: Outcome) -> Outcome:
    """The focus ring of one control of each kind (class and variant), focused directly
    (no key press)."""
    ensure_active(ctx.root)
    seen: set[tuple[str, str]] = set()
    for w in ctx.tab_stops():
        if _kind(w) in seen:
            continue
        seen.add(_kind(w))
        neutral()
        w.setFocus(Qt.FocusReason.TabFocusReason)
        settle(1)
        if _focus() is w:
            measure_ring(ctx, w, neutral, out)
    neutral()
    return out


# --- 10 focus order ---------------------------------------------------------------------
def _focus() -> QWidget | None:
    return owner(QApplication.focusWidget())


def _press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    target = QApplication.focusWidget()
    if target is None:
        return
    QTest.keyClick(target, key, modifier)
    settle(1)


def ensure_active(root: QWidget) -> None:
    """Key presses and focus only work in the active window (a dialog may just have
    closed)."""
    top = root.window()
    if QApplication.activeWindow() is not top:
        top.activateWindow()
        top.raise_()
        wait_until(lambda: QApplication.activeWindow() is top, 1.0)


def stop_key(widget: QWidget) -> object:
    """What one Tab stop is: a button group (Qt's radio-group model: Tab enters the
    group, the arrow keys move inside it) or the widget itself."""
    group = widget.group() if isinstance(widget, QAbstractButton) else None
    return group if group is not None else widget


def _kind(widget: QWidget) -> tuple[str, str]:
    return type(widget).__name__, str(widget.property("variant") or "")


def check_group_arrows(ctx: Context, group: QButtonGroup, entered: QWidget, out: Outcome) -> None:
    """Every button of a group that Tab treats as one stop must be reachable with the
    arrow keys (WCAG 2.1.1), and moving through them must not change the screen's
    language (WCAG 3.2.2: Qt's exclusive groups select the button the arrows reach)."""
    members = [b for b in group.buttons() if b.isVisible() and b.isEnabled()]
    if len(members) < 2:
        return
    checked = group.checkedButton()
    locale = ctx.root.locale().name()
    reached: list[QWidget] = [entered]
    for key in [Qt.Key.Key_Down] * len(members) + [Qt.Key.Key_Up] * len(members):
        _press(key)
        now = _focus()
        if now is not None and now not in reached:
            reached.append(now)
    changed_language = ctx.root.locale().name() != locale
    if checked is not None and group.checkedButton() is not checked:
        checked.click()  # put the answer back as it was
        settle(1)
    entered.setFocus(Qt.FocusReason.TabFocusReason)
    settle(1)
    out.checked += 1
    missing = [m for m in members if m not in reached]
    if missing:
        out.fail(
            "focus-order",
            "a group of buttons is one Tab stop, but the arrow keys do not reach all of them",
            f"{len(missing)} of {len(members)} not reached",
            ctx.info(missing[0]),
        )
    if changed_language:
        out.fail(
            "focus-order",
            "moving through a group with the arrow keys changes the screen's language (3.2.2)",
            f"{locale} → {ctx.root.locale().name()}",
            ctx.info(entered),
        )


def check_focus_order(
    ctx: Context,
    *,
    neutral: Callable[[], None] | None = None,
    ring: Outcome | None = None,
    on_press: Callable[[], None] | None = None,
    on_stop: Callable[[QWidget], None] | None = None,
    walked: dict[str, tuple[str, ...]] | None = None,
) -> Outcome:
    """Tab from the first control in reading order through the window and back to it;
    then Shift+Tab the other way. A button group counts as one stop whose buttons the
    arrow keys must reach. ``ring`` collects focus-ring measurements (check 6), one per
    kind of control (class and variant); ``on_press`` is called before each Tab and
    ``on_stop`` with each control it reached, before anything else moves the focus
    (speech narration).

    ``walked`` (one dict for the text sizes of one language and theme): the Tab cycles
    that Shift+Tab walked back without a fault, by state (each control named by its
    place in the tree and its class, ``Context.key``). Where Tab takes the very same
    cycle again (another text size of the state), Shift+Tab is not pressed through it
    again: Qt picks the previous control from the same focus chain, with the same
    visibility, enabled states and focus policies that gave this cycle, through the key
    handlers of the same classes (the text size changes none of them)."""
    ensure_active(ctx.root)
    out = Outcome()
    stops = ctx.tab_stops()
    if not stops:
        out.not_applicable = "no control reachable with Tab"
        return out
    ordered = reading_order(ctx, stops)
    expected: list[object] = []
    for w in ordered:
        key = stop_key(w)
        if key not in expected:
            expected.append(key)
    first = ordered[0]
    if neutral is not None:
        neutral()  # so that focusing the first control is a change (focus ring, narration)
    first.setFocus(Qt.FocusReason.TabFocusReason)
    settle(1)
    if _focus() is not first:
        out.fail(
            "focus-order",
            "the first control in reading order cannot take the focus",
            "",
            ctx.info(first),
        )
        return out
    measured: set[tuple[str, str]] = set()

    def visit(w: QWidget) -> None:
        key = stop_key(w)
        if isinstance(key, QButtonGroup):
            check_group_arrows(ctx, key, w, out)
        if ring is not None and neutral is not None and _kind(w) not in measured:
            measured.add(_kind(w))
            measure_ring(ctx, w, neutral, ring)

    visit(first)
    cycle: list[object] = [stop_key(first)]
    widgets: list[QWidget] = [first]
    looped = False
    for _ in range(len(expected) + 2):
        before = _focus()
        if on_press is not None:
            on_press()
        _press(Qt.Key.Key_Tab)
        now = _focus()
        if on_stop is not None and now is not None and now is not before:
            on_stop(now)
        if now is None or now.window() is not ctx.root.window():
            out.fail(
                "focus-order",
                "Tab moves the focus out of the window",
                "",
                ctx.info(before) if before else None,
            )
            break
        if now is before and len(expected) > 1:
            out.fail(
                "focus-order",
                "keyboard trap: Tab does not leave this control",
                "focus stays",
                ctx.info(now),
            )
            break
        key = stop_key(now)
        if key is cycle[0]:
            looped = True
            break
        if key in cycle:
            out.fail(
                "focus-order", "control reached twice before the focus loops", "", ctx.info(now)
            )
            break
        if comes_before(ctx, now, widgets[-1]):
            out.fail(
                "focus-order",
                "focus order differs from the reading order",
                f"reached after {ctx.info(widgets[-1]).label()}",
                ctx.info(now),
            )
        cycle.append(key)
        widgets.append(now)
        visit(now)
    out.checked += len(expected)
    if not looped and not out.violations:
        out.fail(
            "focus-order",
            "Tab does not come back to the first control",
            f"after {len(cycle)} stops",
            ctx.info(first),
        )
    for key in expected:
        if key not in cycle:
            w = key if isinstance(key, QWidget) else key.buttons()[0]  # type: ignore[attr-defined]
            out.fail("focus-order", "control never reached with Tab", "", ctx.info(w))
    for key, w in zip(cycle, widgets, strict=True):
        if key not in expected:
            out.fail(
                "focus-order",
                "Tab reaches a control that is not visible and enabled",
                "",
                ctx.info(w),
            )
    keys = tuple(ctx.key(w) for w in widgets) if walked is not None else ()
    known = walked.get(ctx.state) if walked is not None else None
    if looped and not out.violations and known is not None and _rotated(known, keys[0]) == keys:
        return out  # walked back on this very cycle (see ``walked``)
    if looped and not out.violations:
        first.setFocus(Qt.FocusReason.BacktabFocusReason)
        settle(1)
        back: list[object] = [cycle[0]]
        for _ in range(len(cycle) - 1):
            _press(Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
            now = _focus()
            back.append(stop_key(now) if now is not None else None)
        want = [cycle[0], *reversed(cycle[1:])]
        if back != want:
            i = next(i for i, (a, b) in enumerate(zip(back, want, strict=True)) if a is not b)
            got = back[i]
            shown = widgets[cycle.index(want[i])]
            out.fail(
                "focus-order",
                "Shift+Tab does not go back through the same controls",
                f"step {i}: reached {ctx.info(got).label() if isinstance(got, QWidget) else got!r}",
                ctx.info(shown),
            )
        if walked is not None and not out.violations:
            walked[ctx.state] = keys
    return out


def _rotated(keys: tuple[str, ...], head: str) -> tuple[str, ...] | None:
    """The cycle ``keys`` started at ``head`` (None if it is not in it)."""
    if head not in keys:
        return None
    i = keys.index(head)
    return keys[i:] + keys[:i]


# --- 11 keyboard activation -------------------------------------------------------------
def check_activation(
    ctx: Context, button: QWidget, opened: Callable[[], bool], close: Callable[[], None]
) -> Outcome:
    """Space, then Enter, on the focused ``button`` must activate it (``opened()``)."""
    out = Outcome()
    ensure_active(ctx.root)
    for key, name in ((Qt.Key.Key_Space, "Space"), (Qt.Key.Key_Return, "Enter")):
        close()
        settle(1)
        button.setFocus(Qt.FocusReason.TabFocusReason)
        settle(1)
        out.checked += 1
        QTest.keyClick(button, key)
        if not wait_until(opened, 0.2):
            out.fail(
                "keyboard-activation",
                f"{name} does not activate the focused button",
                "nothing opened",
                ctx.info(button),
            )
        close()
        settle(1)
    return out
