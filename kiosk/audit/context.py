"""What a check looks at: one top-level widget (the kiosk window or a dialog) in one
language, text size and theme, with cached renderings of it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar, overload

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, Qt
from PySide6.QtGui import QAccessible, QFontInfo, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QTextEdit,
    QWidget,
)

from kiosk.audit.model import WidgetInfo
from kiosk.audit.pixels import to_array_and_keys
from kiosk.i18n import LANGUAGES

if TYPE_CHECKING:
    from kiosk.ui.theme import Theme

W = TypeVar("W", bound=QWidget)

INPUT_TYPES = (
    QLineEdit,
    QComboBox,
    QCheckBox,
    QRadioButton,
    QAbstractSpinBox,
    QAbstractSlider,
    QTextEdit,
    QPlainTextEdit,
)
INTERACTIVE_TYPES = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractSlider)
_MARKS = re.compile("[\u200e\u200f\u2066-\u2069\u202a-\u202e]")


def clean(text: str) -> str:
    """Text without bidi marks, whitespace collapsed."""
    return " ".join(_MARKS.sub("", text).split())


def fold(text: str) -> str:
    return clean(text).casefold().rstrip(" :*")


def accessible_name(widget: QWidget) -> str:
    iface = QAccessible.queryAccessibleInterface(widget)
    if iface is None or not iface.isValid():
        return ""
    return iface.text(QAccessible.Text.Name) or ""


def button_text(widget: QAbstractButton) -> str:
    """The text the button itself draws (not a Python override reading child labels)."""
    return QAbstractButton.text(widget)


def drawn_text(widget: QWidget) -> str:
    """The text a widget draws itself, "" if none."""
    if isinstance(widget, QLabel):
        return "" if widget.pixmap() is not None and not widget.pixmap().isNull() else widget.text()
    if isinstance(widget, QAbstractButton):
        return button_text(widget)
    if isinstance(widget, QLineEdit):
        return widget.text() or widget.placeholderText()
    if isinstance(widget, QComboBox) and not widget.isEditable():
        return widget.currentText()
    return ""


def inner_line_edit(widget: QWidget) -> bool:
    """The line edit of an editable combo box or spin box: part of its parent."""
    parent = widget.parentWidget()
    return isinstance(widget, QLineEdit) and isinstance(parent, QComboBox | QAbstractSpinBox)


@overload
def owner(widget: QWidget) -> QWidget: ...
@overload
def owner(widget: None) -> None: ...
def owner(widget: QWidget | None) -> QWidget | None:
    """The control a focused sub-widget belongs to (combo box for its line edit)."""
    if widget is None:
        return None
    parent = widget.parentWidget()
    if isinstance(widget, QLineEdit) and isinstance(parent, QComboBox | QAbstractSpinBox):
        return parent  # inner_line_edit(widget)
    return widget


def font_px(widget: QWidget) -> float:
    """The widget's text size in pixels (points converted at the widget's DPI)."""
    font = widget.font()
    if font.pixelSize() > 0:
        return float(QFontInfo(font).pixelSize() or font.pixelSize())
    return font.pointSizeF() * widget.logicalDpiY() / 72.0


def is_bold(widget: QWidget) -> bool:
    return widget.font().weight().value >= 600


def info(widget: QWidget, root: QWidget | None = None) -> WidgetInfo:
    path = []
    w: QWidget | None = widget
    while w is not None and w is not root:
        parent = w.parentWidget()
        if parent is None:
            break
        kids = [c for c in parent.children() if isinstance(c, QWidget)]
        path.append(f"{type(w).__name__}[{kids.index(w) if w in kids else '?'}]")
        w = parent
    return WidgetInfo(
        object_name=widget.objectName(),
        cls=type(widget).__name__,
        name=clean(accessible_name(widget)),
        text=clean(drawn_text(widget))[:80],
        path=" > ".join(reversed(path[-6:])),
    )


def language_of(locale_name: str) -> str:
    return locale_name.replace("-", "_").split("_")[0]


class Context:
    """One audited top-level widget in a language, scale and theme.

    ``theme`` (a ``kiosk.ui.theme.Theme``) is optional: checks that need tokens skip
    them without it. ``container`` is the rectangle (global coordinates) a dialog must
    fit in, usually the kiosk window's.
    """

    def __init__(
        self,
        root: QWidget,
        language: str,
        *,
        scale: float = 1.0,
        high_contrast: bool = False,
        state: str = "",
        theme: Theme | None = None,
        container: QRect | None = None,
        reference_sizes: dict[str, tuple[int, int]] | None = None,
        mirror: bool = True,
        mirror_root: QWidget | None = None,
    ) -> None:
        self.root = root
        self.language = language
        self.scale = scale
        self.high_contrast = high_contrast
        self.state = state
        self.theme = theme
        self.container = container
        self.reference_sizes = reference_sizes
        self.mirror = mirror  # lay out left to right once to compare (right-to-left only)
        self.mirror_root = mirror_root  # what to lay out again (default: the root)
        self._widgets: list[QWidget] | None = None
        self._grabs: dict[int, np.ndarray] = {}
        self._keys: dict[int, np.ndarray] = {}
        self._pages: dict[QWidget, tuple[QScrollArea, QWidget] | None] = {}

    # --- language -------------------------------------------------------------------
    @property
    def rtl(self) -> bool:
        lang = LANGUAGES.get(self.language)
        return bool(lang and lang.rtl)

    @property
    def locale_language(self) -> str:
        lang = LANGUAGES.get(self.language)
        return language_of(lang.qt_locale) if lang else language_of(self.language)

    # --- widgets --------------------------------------------------------------------
    @property
    def widgets(self) -> list[QWidget]:
        """Visible widgets of the audited window (not those of other windows), in
        ``findChildren``'s order (depth first, each parent before its children)."""
        if self._widgets is None:
            self._widgets = visible_widgets(self.root)
        return self._widgets

    @overload
    def of_type(self, types: type[W]) -> list[W]: ...
    @overload
    def of_type(self, types: tuple[type[QWidget], ...]) -> list[QWidget]: ...
    def of_type(self, types: type[QWidget] | tuple[type[QWidget], ...]) -> list[Any]:
        """The widgets of that type (typed as such when one type is asked for)."""
        return [w for w in self.widgets if isinstance(w, types)]

    def info(self, widget: QWidget) -> WidgetInfo:
        return info(widget, self.root)

    def key(self, widget: QWidget) -> str:
        """The same widget of the same state in another text size (its place in the tree)."""
        path = []
        w: QWidget | None = widget
        while w is not None and w is not self.root:
            parent = w.parentWidget()
            if parent is None:
                break
            kids = [c for c in parent.children() if isinstance(c, QWidget)]
            path.append(f"{type(w).__name__}{kids.index(w) if w in kids else '?'}")
            w = parent
        return f"{self.state}|{'/'.join(reversed(path))}"

    def tab_stops(self) -> list[QWidget]:
        return [
            w
            for w in self.widgets
            if w.isEnabled()
            and bool(w.focusPolicy() & Qt.FocusPolicy.TabFocus)
            and not inner_line_edit(w)
        ]

    # --- geometry -------------------------------------------------------------------
    def scroll_page(self, widget: QWidget) -> tuple[QScrollArea, QWidget] | None:
        """The nearest scroll area holding ``widget`` and its content widget (looked up
        once per widget until ``invalidate``: the checks of one state ask again for the
        same widgets: ~60 000 times a language)."""
        try:
            return self._pages[widget]
        except KeyError:
            found = self._pages[widget] = _scroll_page(widget)
            return found

    def rect_in_root(self, widget: QWidget) -> QRect:
        return QRect(widget.mapTo(self.root, QPoint(0, 0)), widget.size())

    def doc_rect(self, widget: QWidget) -> QRect:
        """Rectangle in root coordinates as if every scroll area were at its top."""
        found = self.scroll_page(widget)
        if found is None or widget is self.root:
            return self.rect_in_root(widget)
        area, page = found
        origin = area.viewport().mapTo(self.root, QPoint(0, 0)) + widget.mapTo(page, QPoint(0, 0))
        return QRect(origin, widget.size())

    def clip_rect(self, widget: QWidget) -> QRect:
        """What of the root is visible around ``widget``: the root, cut by the viewports
        of the scroll areas holding it (root coordinates)."""
        clip = self.root.rect()
        w = widget.parentWidget()
        while w is not None and w is not self.root:
            if isinstance(w, QAbstractScrollArea):
                vp = w.viewport()
                clip = clip.intersected(QRect(vp.mapTo(self.root, QPoint(0, 0)), vp.size()))
            w = w.parentWidget()
        return clip

    # --- pixels ---------------------------------------------------------------------
    def invalidate(self) -> None:
        """Forget renderings and the widget list (after the screen changed)."""
        self._grabs.clear()
        self._keys.clear()
        self._pages.clear()
        self._widgets = None

    def _grab(self, widget: QWidget) -> np.ndarray:
        key = id(widget)
        if key not in self._grabs:
            self.seed(widget, grab(widget))
        return self._grabs[key]

    def seed(self, widget: QWidget, image: QImage) -> None:
        """Use ``image`` as the rendering of the whole of ``widget`` (one taken for
        another purpose, e.g. the screenshot, in the same state): not grabbed again."""
        key = id(widget)
        self._grabs[key], self._keys[key] = to_array_and_keys(image)

    def root_image(self) -> np.ndarray:
        return self._grab(self.root)

    def _slice(
        self, widget: QWidget, rect: QRect | None, margin: int
    ) -> tuple[QWidget, slice, slice]:
        r = (rect or widget.rect()).adjusted(-margin, -margin, margin, margin)
        found = self.scroll_page(widget)
        base = found[1] if found is not None and widget is not found[1] else self.root
        image = self._grab(base)
        top_left = widget.mapTo(base, r.topLeft())
        x0, y0 = max(top_left.x(), 0), max(top_left.y(), 0)
        x1 = max(min(top_left.x() + r.width(), image.shape[1]), x0)
        y1 = max(min(top_left.y() + r.height(), image.shape[0]), y0)
        return base, slice(y0, y1), slice(x0, x1)

    def crop(self, widget: QWidget, rect: QRect | None = None, margin: int = 0) -> np.ndarray:
        """Pixels of ``rect`` (widget coordinates; default the whole widget) grown by
        ``margin``, from a rendering of its whole scroll page if it sits in one (so that
        nothing scrolled out of view is missed), else of the root."""
        base, ys, xs = self._slice(widget, rect, margin)
        return self._grab(base)[ys, xs]

    def crop_keys(
        self, widget: QWidget, rect: QRect | None = None, margin: int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        """``crop()`` and the colour key of each of its pixels (``pixels.colour_keys``),
        computed once per rendering."""
        base, ys, xs = self._slice(widget, rect, margin)
        return self._grab(base)[ys, xs], self._keys[id(base)][ys, xs]


def _scroll_page(widget: QWidget) -> tuple[QScrollArea, QWidget] | None:
    """The nearest scroll area holding ``widget`` and its content widget."""
    w: QWidget | None = widget
    while w is not None:
        parent = w.parentWidget()
        area = parent.parentWidget() if parent is not None else None
        if isinstance(area, QScrollArea) and area.widget() is w:
            return area, w
        w = parent
    return None


def visible_widgets(root: QWidget) -> list[QWidget]:
    """``root`` and its descendants that are visible in ``root``'s window: what
    ``[root, *root.findChildren(QWidget)]`` filtered on ``isVisible()`` and ``window()``
    gives, in the same order, without walking hidden subtrees (a hidden widget's children
    are hidden too, and a child window's are another window's): the stack's hidden screens
    are most of the window's widgets, and ``findChildren`` wrapped every one of them in
    Python, for each state of the audit."""
    top = root.window()
    found: list[QWidget] = []

    def walk(widget: QWidget) -> None:
        for child in widget.children():
            if isinstance(child, QWidget) and not child.isWindow() and child.isVisible():
                found.append(child)
                walk(child)

    if root.isVisible():
        found.append(root)
    walk(root)
    return [w for w in found if w.window() is top]


def grab(widget: QWidget, rect: QRect | None = None) -> QImage:
    """A rendering of ``widget`` (or of ``rect`` in it), even while the audit keeps the
    window's updates off (painting the whole window to its backing store after every key
    press would cost ten times what the checks cost)."""
    top = widget.window()
    off = not top.updatesEnabled()
    if off:
        top.setUpdatesEnabled(True)
    try:
        pixmap = widget.grab(rect) if rect is not None else widget.grab()
    finally:
        if off:
            top.setUpdatesEnabled(False)
    return pixmap.toImage()


def settle(rounds: int = 3) -> None:
    """Let posted events (layout requests, deferred deletes) run.

    Deferred deletes explicitly: the audit never enters the event loop (``exec``), and
    neither ``processEvents`` nor ``sendPostedEvents()`` deletes what ``deleteLater``
    left without it. Every dialog closed and every screen row replaced stayed alive
    (hidden) for the whole run otherwise, each one more widget for every later
    ``findChildren``, event filter and focus change to go through: the run slowed down
    as it went."""
    app = QApplication.instance()
    if app is None:
        return
    for _ in range(rounds):
        QApplication.sendPostedEvents()
        app.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def unique(widgets: Iterable[QWidget]) -> list[QWidget]:
    seen: set[int] = set()
    out = []
    for w in widgets:
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out
