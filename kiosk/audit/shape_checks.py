"""What is in view after each action, on both screen shapes, and the pop-up lists (issue 15).

At 200 % on a 4:3 screen the content that matters fell below the fold: the header wrapped
to two rows and the title went, the error summary that had the focus was off screen,
"Valider" was cut off under a photo shrunk to a stamp, and at 1080p the camera's view
became a thin strip. These checks look at what the applicant sees, cheaply (geometry,
one grab of a pop-up):

* ``in-view`` (21): the focused element and the primary action are in view, the header is
  one row with the kiosk's title, a photographed page under review takes at least half the
  window's height, the camera's view is not a strip;
* ``screen-shape`` (22): the same, and no clipped text or horizontal scrolling, once the
  window is laid out at 1920 x 1080 (16:9) as well as at 1280 x 1024 (4:3); the welcome
  screen fits 1280 x 960 at 100 % without scrolling;
* ``popups`` (23): each completer or combo list of the state is opened and checked like a
  screen: text size, row height (its targets), contrast from its pixels.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QRect, Qt
from PySide6.QtGui import QFontInfo, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QWidget,
)

from kiosk.audit.context import Context, settle
from kiosk.audit.kiosk_checks import Visit
from kiosk.audit.model import Outcome
from kiosk.audit.pixels import text_colours, to_array

WIDE = (1920, 1080)  # 16:9, the other usual kiosk screen (the audit's window is 4:3)
SHORT_4_3 = (1280, 960)  # the welcome screen must fit it at 100 %
REVIEW_SHARE = 0.5  # a page under review: at least half the window's height
PREVIEW_SHARE = 0.3  # the camera's view: never a thin strip
TOLERANCE = 2


def visible_part(ctx: Context, widget: QWidget) -> QRect:
    """What of ``widget`` shows (root coordinates): cut by the scroll areas and the root."""
    return ctx.rect_in_root(widget).intersected(ctx.clip_rect(widget)).intersected(ctx.root.rect())


def _in_view(ctx: Context, widget: QWidget, *, whole: bool) -> bool:
    """``whole``: all of it shows; else as much as its viewport can show (its top part
    for one taller than the screen)."""
    seen = visible_part(ctx, widget)
    if seen.isEmpty():
        return False
    clip = ctx.clip_rect(widget).intersected(ctx.root.rect())
    need_h = widget.height() if whole else min(widget.height(), clip.height())
    need_w = widget.width() if whole else min(widget.width(), clip.width())
    return seen.height() >= need_h - TOLERANCE and seen.width() >= need_w - TOLERANCE


def check_in_view(ctx: Context, visit: Visit, *, where: str = "") -> Outcome:
    """The focused element, the primary action, the header, the views of the scan screen."""
    out = Outcome()
    screen = visit.screen
    if visit.kind == "dialog" or screen is None:
        out.not_applicable = "a dialog: checked by reflow (inside the window)"
        return out
    at = f" at {where}" if where else ""
    focus = visit.focus
    if focus is not None and focus.isVisible() and screen.isAncestorOf(focus):
        out.checked += 1
        if not _in_view(ctx, focus, whole=False):
            out.fail(
                "in-view",
                f"the focused element is not in view after the action{at}",
                _rect_text(ctx, focus),
                ctx.info(focus),
            )
    primary = getattr(screen, "primary_action", None)
    action = primary() if callable(primary) else None
    if isinstance(action, QAbstractButton):
        out.checked += 1
        if not _in_view(ctx, action, whole=True):
            out.fail(
                "in-view",
                f"the primary action is not in view{at}",
                _rect_text(ctx, action),
                ctx.info(action),
            )
    header = getattr(screen, "header", None)
    if header is not None and header.isVisible():
        out.checked += 1
        buttons = [b for b in getattr(header, "buttons", ()) if b.isVisible()]
        tops = {ctx.rect_in_root(b).center().y() for b in buttons}
        if tops and max(tops) - min(tops) > TOLERANCE * 4:
            out.fail(
                "in-view", f"the header's controls wrap to another row{at}", "", ctx.info(header)
            )
        title = getattr(header, "app_title", None)
        if isinstance(title, QLabel) and (not title.isVisible() or not title.text().strip("… ")):
            out.fail("in-view", f"the header hides the kiosk's title{at}", "", ctx.info(header))
    height = ctx.root.height()
    for name, share in (("page_view", REVIEW_SHARE), ("preview", PREVIEW_SHARE)):
        view = getattr(screen, name, None)
        if isinstance(view, QWidget) and view.isVisible() and hasattr(screen, "reviewing"):
            out.checked += 1
            seen = visible_part(ctx, view).height()
            if seen < share * height - TOLERANCE:
                what = "the page under review" if name == "page_view" else "the camera's view"
                out.fail(
                    "in-view",
                    f"{what} shows less than {round(share * 100)} % of the window's height{at}",
                    f"{seen} px of {height} px",
                    ctx.info(view),
                )
    return out


def _rect_text(ctx: Context, widget: QWidget) -> str:
    r, seen = ctx.rect_in_root(widget), visible_part(ctx, widget)
    return (
        f"{r.width()}x{r.height()} at ({r.x()},{r.y()}); shown {seen.width()}x{seen.height()} "
        f"in a {ctx.root.width()}x{ctx.root.height()} window"
    )


def check_screen_shape(
    ctx: Context,
    visit: Visit,
    reflow: Callable[[Context], Outcome],
    *,
    welcome_short: bool = False,
) -> Outcome:
    """The state laid out again at 1920 x 1080 (16:9): what is in view and the reflow
    check there; and the welcome screen at 1280 x 960 (``welcome_short``)."""
    out = Outcome()
    window = ctx.root
    if visit.kind == "dialog" or visit.screen is None or not window.isWindow():
        out.not_applicable = "a dialog: laid out within the window"
        return out
    size = window.size()
    # The state as the action left it: the checks before this one tabbed through the
    # controls and scrolled the page. The screen must keep that focus in view once laid
    # out on the other shape.
    focus = visit.focus
    if focus is not None and shiboken6.isValid(focus) and focus.isVisible():
        focus.setFocus(Qt.FocusReason.OtherFocusReason)
        scroll = getattr(visit.screen, "scroll_area", None)
        if (
            scroll is not None
            and scroll.widget() is not None
            and scroll.widget().isAncestorOf(focus)
        ):
            scroll.ensureWidgetVisible(focus, 0, 0)
        settle(1)
    try:
        window.resize(*WIDE)
        settle(2)
        wide = Context(
            window,
            ctx.language,
            scale=ctx.scale,
            high_contrast=ctx.high_contrast,
            state=ctx.state,
            theme=ctx.theme,
            reference_sizes=None,
            mirror=False,
        )
        _merge(out, check_in_view(wide, visit, where="1920 x 1080"))
        _merge(out, reflow(wide), prefix="at 1920 x 1080: ")
        if welcome_short:
            window.resize(*SHORT_4_3)
            settle(2)
            scroll = getattr(visit.screen, "scroll_area", None)
            out.checked += 1
            if scroll is not None and scroll.verticalScrollBar().maximum() > 0:
                out.fail(
                    "screen-shape",
                    "the welcome screen needs scrolling at 1280 x 960",
                    f"{scroll.verticalScrollBar().maximum()} px below the fold",
                    ctx.info(visit.screen),
                )
    finally:
        window.resize(size)
        settle(2)
        ctx.invalidate()
    return out


def _merge(out: Outcome, other: Outcome, prefix: str = "") -> None:
    out.checked += other.checked
    for v in other.violations:
        out.fail("screen-shape", prefix + v.message, v.measured, v.widget)


# --- 23 pop-up lists -----------------------------------------------------------------------
MIN_TEXT_PX = 16.0
MIN_ROW = 44


def _type_into(box: QComboBox, text: str) -> None:
    edit = box.lineEdit()
    if edit is None:
        return
    box.setFocus(Qt.FocusReason.OtherFocusReason)
    edit.clear()
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(edit, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def open_popup(box: QComboBox) -> QAbstractItemView | None:
    """Open ``box``'s list as the applicant does: type the first letter of its first item
    (an editable box with a completer), or open it (any other)."""
    completer = box.completer() if box.isEditable() else None
    if completer is not None and box.count():
        _type_into(box, box.itemText(0)[:1])
        popup = completer.popup()
    else:
        box.showPopup()
        popup = box.view()
    settle(2)
    return popup if popup is not None and popup.isVisible() else None


def close_popup(box: QComboBox, popup: QAbstractItemView, text: str) -> None:
    popup.hide()
    box.hidePopup()
    edit = box.lineEdit() if box.isEditable() else None
    if edit is not None:
        edit.setText(text)
    settle(1)


def check_popup(ctx: Context, popup: QAbstractItemView, owner: QWidget) -> Outcome:
    """A pop-up list checked like a screen: its text size (scaled as the screen's), its
    rows as targets, and its text contrast measured on its first row's pixels."""
    out = Outcome()
    info = ctx.info(owner)
    px = float(QFontInfo(popup.font()).pixelSize())
    out.checked += 1
    want_px = MIN_TEXT_PX * ctx.scale * 0.95
    if px < want_px:
        out.fail(
            "popups",
            "the pop-up list's text is smaller than the screen's",
            f"{px:g} px, want >= {want_px:g} px",
            info,
        )
    model = popup.model()
    if model is None or model.rowCount() == 0:
        return out
    row = popup.visualRect(model.index(0, 0))
    out.checked += 1
    if row.height() < MIN_ROW * min(ctx.scale, 1.5) - 1:
        out.fail(
            "popups", "the pop-up list's rows are smaller than a target", f"{row.height()} px", info
        )
    image = to_array(popup.viewport().grab(row).toImage())
    colours = text_colours(image)
    if colours is not None:
        out.checked += 1
        need = 7.0 if ctx.high_contrast else 4.5
        if colours.ratio + 1e-6 < need:
            out.fail(
                "popups",
                f"the pop-up list's text contrast is below {need:g}:1",
                f"{colours.ratio:.2f}:1 ({colours.foreground} on {colours.background})",
                info,
            )
        if ctx.high_contrast and colours.background.lower() not in ("#000000", "#ffff00"):
            out.fail(
                "popups",
                "the pop-up list is not in the high-contrast theme",
                f"background {colours.background}",
                info,
            )
    if popup.layoutDirection() != (
        Qt.LayoutDirection.RightToLeft if ctx.rtl else Qt.LayoutDirection.LeftToRight
    ):
        out.fail("popups", "the pop-up list runs in the other direction", "", info)
    return out


def check_popups(ctx: Context) -> Outcome:
    """Each combo box of the state: its list opened, checked, closed."""
    out = Outcome()
    boxes = [b for b in ctx.of_type(QComboBox) if b.isEnabled() and b.count()]
    if not boxes:
        out.not_applicable = "no list on this state"
        return out
    focus = QApplication.focusWidget()
    osk = getattr(ctx.root, "osk", None)
    osk_shown = osk is not None and osk.isVisible()
    for box in boxes:
        text = box.currentText()
        popup = open_popup(box)
        out.checked += 1
        if popup is None:
            out.fail("popups", "its list did not open", "", ctx.info(box))
            continue
        try:
            found = check_popup(ctx, popup, box)
        finally:
            close_popup(box, popup, text)
        out.checked += found.checked
        out.violations += found.violations
    if QApplication.activeWindow() is None:  # offscreen: the pop-up took the activation
        ctx.root.window().activateWindow()
    if focus is not None:
        focus.setFocus(Qt.FocusReason.OtherFocusReason)
    if osk is not None and not osk_shown:
        osk.hide()
    settle(1)
    ctx.invalidate()
    return out
