"""Building blocks shared by the screens: header, field rows, error summary, dialogs,
the screen scaffold and the focus ring. No colour or size here: see ``theme.py``."""

from __future__ import annotations

import contextlib
import functools
import html
import itertools
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

import shiboken6
from PySide6.QtCore import (
    QCollator,
    QEvent,
    QLocale,
    QObject,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from contract.catalogue import FieldSpec, FieldType, InputScript
from contract.countries import country_names
from contract.validation import FieldError
from kiosk.i18n import LANGUAGES, N_, NP_, Translator
from kiosk.i18n.bidi import FSI, PDI, RLM, ltr_sequence
from kiosk.ui.a11y import as_radio, as_radio_group
from kiosk.ui.theme import (
    CHECKED_OUTLINE_MAX,
    SPACE_L,
    SPACE_M,
    SPACE_S,
    SPACE_XL,
    SPACE_XS,
    Theme,
)

LEADING = Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter
TOP_LEADING = Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignTop


# --- small helpers -------------------------------------------------------------------
def set_role(widget: QWidget, role: str) -> None:
    widget.setProperty("role", role)


def change_role(widget: QWidget, role: str) -> None:
    """Give a widget already styled another role, and re-polish it: the stylesheet reads
    the role only when it polishes."""
    set_role(widget, role)
    repolish(widget)


def repolish(widget: QWidget) -> None:
    """Apply the stylesheet again after a property it selects on changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def set_variant(button: QPushButton, variant: str) -> None:
    button.setProperty("variant", variant)


def set_error_state(widget: QWidget, on: bool) -> None:
    """Flag an input as in error for the stylesheet (red border) and re-polish it."""
    if bool(widget.property("error")) == on:
        return
    widget.setProperty("error", on)
    repolish(widget)


def label(
    text: str = "", role: str = "", *, wrap: bool = True, parent: QWidget | None = None
) -> QLabel:
    lab = QLabel(text, parent)
    lab.setWordWrap(wrap)
    lab.setAlignment(TOP_LEADING)
    lab.setTextFormat(Qt.TextFormat.PlainText)
    if role:
        set_role(lab, role)
    return lab


def card_layout(
    frame: QFrame, spacing: int, role: str = "card", *, bottom: int = SPACE_L
) -> QVBoxLayout:
    """Give ``frame`` the look of ``role`` ("card", "notice") and a column inside the
    card's padding (``bottom``: the bottom margin); the column, to fill."""
    set_role(frame, role)
    box = QVBoxLayout(frame)
    box.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, bottom)
    box.setSpacing(spacing)
    return box


def label_pair(second_role: str) -> tuple[QVBoxLayout, QLabel, QLabel]:
    """A name ("label") over a second line (``second_role``: "answer", "help"), close
    together: the column and its two labels."""
    pair = QVBoxLayout()
    pair.setSpacing(SPACE_XS)
    name, second = label("", "label"), label("", second_role)
    pair.addWidget(name)
    pair.addWidget(second)
    return pair, name, second


def button(variant: str = "", parent: QWidget | None = None) -> QPushButton:
    btn = QPushButton(parent)
    if variant:
        set_variant(btn, variant)
    btn.setAutoDefault(True)  # Enter activates the focused button, like Space (WCAG 2.1.1)
    btn.setCursor(Qt.CursorShape.PointingHandCursor)
    return btn


def action_button(
    on_click: Callable[..., object] | SignalInstance, variant: str = ""
) -> QPushButton:
    """A screen's action: a :func:`button` as wide as its text (not stretched across its
    row) whose click calls ``on_click`` (a slot, or a signal to re-emit)."""
    btn = button(variant)
    btn.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
    btn.clicked.connect(on_click)
    return btn


class LayoutButton(QPushButton):
    """A push button whose content is a layout of labels, so its text can wrap."""

    def __init__(self, variant: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_variant(self, variant)
        self.setAutoDefault(True)  # Enter activates it, like Space
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def add_label(self, layout: QBoxLayout, role: str, stretch: int = 0) -> QLabel:
        lab = label("", role)
        lab.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout.addWidget(lab, stretch)
        return lab

    def _content(self) -> QLayout:
        """The layout of its labels (each subclass sets one when it is built)."""
        box = self.layout()
        assert box is not None, "a LayoutButton lays out its labels"
        return box

    def sizeHint(self) -> QSize:
        return self._content().sizeHint().expandedTo(self.minimumSize())

    def minimumSizeHint(self) -> QSize:
        return self._content().minimumSize().expandedTo(self.minimumSize())

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max(self._content().totalHeightForWidth(width), self.minimumHeight())


class WrapButton(LayoutButton):
    """A button with one wrapping line of text (error-summary links, long choices)."""

    def __init__(self, variant: str, parent: QWidget | None = None) -> None:
        super().__init__(variant, parent)
        box = QVBoxLayout(self)
        box.setContentsMargins(SPACE_S, SPACE_XS, SPACE_S, SPACE_XS)
        self.label = self.add_label(box, f"{variant}-text")
        self.label.setAlignment(LEADING)
        # Qt's plain-text painting of a wrapped right-to-left label keeps each line's
        # line-end space at the start of the line: every line but the last started a
        # space from the edge (underlined in an Arabic error-summary link, it looked
        # indented). Rich text is laid out by QTextDocument, which ends the line with it.
        # (Runs of spaces are kept: rich text would fold "◉  Oui" to one space.)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self._plain = ""

    def setText(self, text: str) -> None:
        self._plain = text
        shown = html.escape(text, quote=False).replace("  ", " \N{NO-BREAK SPACE}")
        self.label.setText(shown)
        self.updateGeometry()

    def text(self) -> str:
        return self._plain


def in_reading_direction(text: str, tr: Translator) -> str:
    """Text typed by the applicant (often Latin) aligned like the rest of the page.

    Qt aligns a label by its text's own direction: a Latin answer on an Arabic page would
    sit on the left. A leading right-to-left mark makes the paragraph right-to-left; the
    isolate keeps the answer's own order ("12 rue de la Paix", not "rue de la Paix 12")."""
    return f"{RLM}{FSI}{text}{PDI}" if text and tr.language.rtl else text


def bidi(text: str, tr: Translator) -> str:
    """Text put together outside the translations (a reference, a numbered line) shown
    like a translation: in a right-to-left language, its numbers and codes isolated."""
    return tr.isolate(text)


def back_arrow(tr: Translator) -> str:
    return "→" if tr.language.rtl else "←"


def forward_arrow(tr: Translator) -> str:
    return "←" if tr.language.rtl else "→"


def apply_language(widget: QWidget, tr: Translator) -> None:
    """Direction and locale for a window (they propagate to its non-window children)."""
    widget.setLayoutDirection(
        Qt.LayoutDirection.RightToLeft if tr.language.rtl else Qt.LayoutDirection.LeftToRight
    )
    widget.setLocale(QLocale(tr.language.qt_locale))


# Besides the page's own language, the word "language" is also shown in these, so that
# someone who lands on a page in a language they do not read still finds the button
# (all ten words do not fit in the header; the welcome screen and the dialog list every
# language by its own name).
LANGUAGE_WORD_ALSO_IN = ("fr", "en")


def language_words(tr: Translator) -> str:
    """ "Langue" in ``tr``'s language, then in French and English: "Язык · Langue · Language"."""
    codes = dict.fromkeys((tr.code, *LANGUAGE_WORD_ALSO_IN))
    return " · ".join(Translator(code)(N_("Langue")) for code in codes if code in LANGUAGES)


LANGUAGE_COLUMNS = 2  # ten languages in five rows: the list fits without scrolling


def language_grid() -> QGridLayout:
    """The layout of the language buttons: rows of LANGUAGE_COLUMNS, mirrored when RTL."""
    grid = QGridLayout()
    grid.setHorizontalSpacing(SPACE_M)
    grid.setVerticalSpacing(SPACE_S)
    for column in range(LANGUAGE_COLUMNS):
        grid.setColumnStretch(column, 1)
    return grid


@contextlib.contextmanager
def _signals_blocked(widget: QWidget) -> Iterator[None]:
    was = widget.blockSignals(True)
    try:
        yield
    finally:
        widget.blockSignals(was)


@contextlib.contextmanager
def _ancestor_layouts_held(widget: QWidget) -> Iterator[None]:
    """Within the block, the layouts of ``widget`` and of its ancestors are not activated;
    after it, they are, once, as Qt does when a child is shown.

    Showing a widget activates the layout of every visible ancestor up to the window, each
    time: the header's seven buttons each showing their icon laid the whole window out
    seven times (a third of kiosk-audit's screen-shape check, which lays every state out
    at 1920 x 1080 and back)."""
    held = []
    w: QWidget | None = widget
    while w is not None:
        layout = w.layout()
        if layout is not None and layout.isEnabled():
            layout.setEnabled(False)
            held.append(layout)
        if w.isWindow():
            break
        w = w.parentWidget()
    try:
        yield
    finally:
        for layout in reversed(held):
            layout.setEnabled(True)
        w = widget
        while w is not None and w.isVisible():
            layout = w.layout()
            if layout is not None:
                layout.activate()
            if w.isWindow():
                break
            w = w.parentWidget()


class OptionGroup(QWidget):
    """The options of one choice (the languages, the answers of a question): one radio
    group for screen readers (``kiosk.ui.a11y``); the arrow keys move the focus between
    its options (choosing one is Space, Enter or a touch: a language or an answer is
    never chosen by moving the focus)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        as_radio_group(self, "")

    def options(self) -> list[QAbstractButton]:
        return [
            b
            for b in self.findChildren(QAbstractButton)
            if b.property("a11y_role") == "radio" and b.isVisibleTo(self)
        ]

    def add_option(self, button: QAbstractButton) -> None:
        """Make ``button`` (checkable, a child of this group's layout) one option."""
        as_radio(button)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        keys = {
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_Left: -1,
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_Right: 1,
        }
        step = keys.get(Qt.Key(event.key()))
        options = self.options()
        focused = next((b for b in options if b.hasFocus()), None)
        if step is None or focused is None:
            super().keyPressEvent(event)
            return
        if self.layoutDirection() == Qt.LayoutDirection.RightToLeft and event.key() in (
            Qt.Key.Key_Left,
            Qt.Key.Key_Right,
        ):
            step = -step  # the arrow points where the focus goes
        index = (options.index(focused) + step) % len(options)
        options[index].setFocus(Qt.FocusReason.TabFocusReason)


# --- dialogs -------------------------------------------------------------------------
class _Dialog(QDialog):
    def __init__(self, parent: QWidget, tr: Translator) -> None:
        super().__init__(parent)
        self.setModal(True)
        apply_language(self, tr)
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(SPACE_XL, SPACE_XL, SPACE_XL, SPACE_XL)
        self.box.setSpacing(SPACE_M)
        # A dialog is a window of its own: the main window's focus ring cannot reach it.
        self.focus_ring = FocusRing(self, lambda: getattr(parent.window(), "theme", Theme()))


class LanguageDialog(_Dialog):
    """Choose a language: one big button per language, each named in its own language."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget, tr: Translator) -> None:
        super().__init__(parent, tr)
        title = label(tr(N_("Choisissez votre langue")), "h1")
        self.setAccessibleName(title.text())
        self.box.addWidget(title)
        self.buttons: dict[str, QPushButton] = {}
        grid = language_grid()
        for i, (code, lang) in enumerate(LANGUAGES.items()):
            btn = button("choice")
            btn.setText(lang.native_name)
            btn.setAccessibleName(lang.native_name)
            btn.setLocale(QLocale(lang.qt_locale))  # read in its own language (WCAG 3.1.2)
            btn.setCheckable(True)
            as_radio(btn)  # one radio group of languages for screen readers
            btn.setChecked(code == tr.code)
            btn.clicked.connect(lambda _=False, c=code: self._choose(c))
            grid.addWidget(btn, *divmod(i, LANGUAGE_COLUMNS))
            self.buttons[code] = btn
        # Ten languages at 200 % are taller than the screen: the list scrolls, the title
        # and the close button stay in view.
        names = OptionGroup()
        names.setAccessibleName(title.text())
        names.setLayout(grid)
        self.names = names
        self.grid = grid
        self.restricted = False  # to the languages the kiosk offers (MainWindow)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll_area.setWidget(names)
        self.box.addWidget(self.scroll_area, 1)
        close = button("secondary")
        close.setText(tr(N_("Fermer")))
        close.setAccessibleName(close.text())
        close.clicked.connect(self.reject)
        self.box.addSpacing(SPACE_M)
        self.box.addWidget(close)
        self.close_button = close
        self._fit_to(parent.window())

    def _fit_to(self, window: QWidget) -> None:
        """Its natural size, within the kiosk window. Left to itself, a window whose
        height depends on its width takes at most 2/3 of the screen's width, which
        squeezes two columns of language names at large text sizes."""
        self.ensurePolished()
        self.box.activate()
        room = window.size() - QSize(2 * SPACE_L, 2 * SPACE_L)
        names = self.names
        # The whole list, unless the window is too small: then the list scrolls.
        bar = QSize(self.scroll_area.verticalScrollBar().sizeHint().width(), 0)
        # Columns of equal stretch get equal widths: each as wide as the widest name
        # (the grid's own size hint adds up unequal columns: a long name got clipped).
        grid = self.grid
        margins = grid.contentsMargins()
        widest = max(b.sizeHint().width() for b in self.buttons.values())
        columns = min(LANGUAGE_COLUMNS, len(self.buttons))
        uniform = QSize(
            columns * widest
            + (columns - 1) * grid.horizontalSpacing()
            + margins.left()
            + margins.right(),
            names.sizeHint().height(),
        )
        wanted = (
            uniform.expandedTo(names.sizeHint())
            + bar
            + self.sizeHint()
            - self.scroll_area.sizeHint()
        )
        width = max(min(wanted.width(), room.width()), self.minimumSizeHint().width())
        height = max(min(wanted.height(), room.height()), self.minimumSizeHint().height())
        self.resize(width, height)

    def _choose(self, code: str) -> None:
        self.accept()
        self.chosen.emit(code)


class NoticeDialog(_Dialog):
    """A short message with one button (help, information)."""

    def __init__(self, parent: QWidget, tr: Translator, title: str, text: str) -> None:
        super().__init__(parent, tr)
        self.title = label(title, "h1")
        self.text = label(text, "lead")
        self.setAccessibleName(title)
        self.setAccessibleDescription(text)
        self.box.addWidget(self.title)
        self.box.addWidget(self.text)
        self.ok_button = button()
        self.ok_button.setText(tr(N_("J'ai compris")))
        self.ok_button.setAccessibleName(self.ok_button.text())
        self.ok_button.clicked.connect(self.accept)
        self.box.addSpacing(SPACE_M)
        self.box.addWidget(self.ok_button)

    def open_centred(self) -> None:
        """Open it (window-modal) at its size, centred on the kiosk window, its button
        focused."""
        self.adjustSize()
        parent = self.parentWidget()
        if parent is not None:
            centre = parent.mapToGlobal(parent.rect().center())
            self.move(centre - self.rect().center())
        super().open()
        self.ok_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def setVisible(self, visible: bool) -> None:
        if visible:
            self._fit_text()  # before Qt centres it over the window
        super().setVisible(visible)

    def _fit_text(self) -> None:
        """Tall enough for its wrapped text at every text size (a new window is sized
        from size hints, which guess the width of a word-wrapped label: at 200 % the last
        line was cut off)."""
        self.ensurePolished()
        self.box.activate()
        parent = self.parentWidget()
        room = (parent.window().size() if parent else self.size()) - QSize(2 * SPACE_L, 2 * SPACE_L)
        width = min(max(self.sizeHint().width(), self.minimumSizeHint().width()), room.width())
        height = min(self.box.totalHeightForWidth(width), room.height())
        self.resize(width, max(height, self.minimumSizeHint().height()))


# --- drawn icons (header controls, notices) -------------------------------------------
def icon_size(widget: QWidget, lines: float) -> QSize:
    """A square icon ``lines`` of the widget's text line high."""
    side = round(widget.fontMetrics().height() * lines)
    return QSize(side, side)


def icon_painter(
    widget: QWidget,
    colour: QColor,
    pen_width: float,
    cap: Qt.PenCapStyle = Qt.PenCapStyle.SquareCap,
) -> QPainter:
    """An antialiased painter on ``widget`` whose pen draws in ``colour``, ``pen_width``
    thick, with round joins (and ``cap`` ends)."""
    painter = QPainter(widget)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(colour)
    pen.setWidthF(pen_width)
    pen.setCapStyle(cap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    return painter


# --- header --------------------------------------------------------------------------
class HeaderIcon(QLabel):
    """A header control's icon, drawn in the label's own colour (the stylesheet's), so it
    follows the theme and the button's checked state. Kinds: language (a globe), size
    ("Aa"), contrast (a half-filled circle), voice (a speaker), listen (a play triangle),
    stop (a square), help ("?" in a circle)."""

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        set_role(self, "header-icon")

    def sizeHint(self) -> QSize:
        return icon_size(self, 1.1)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        side = min(self.width(), self.height())
        if side <= 4:
            return
        colour = self.palette().color(self.foregroundRole())
        m = max(2.0, side / 12)  # the pen's width, and the margin it needs
        painter = icon_painter(self, colour, m)
        x0, y0 = (self.width() - side) / 2, (self.height() - side) / 2
        box = QRectF(x0 + m, y0 + m, side - 2 * m, side - 2 * m)
        c = box.center()
        kind = self.kind
        if kind == "language":
            painter.drawEllipse(box)
            painter.drawEllipse(
                QRectF(c.x() - box.width() / 4, box.top(), box.width() / 2, box.height())
            )
            painter.drawLine(QPointF(box.left(), c.y()), QPointF(box.right(), c.y()))
        elif kind == "contrast":
            painter.drawEllipse(box)
            painter.setBrush(colour)
            painter.drawPie(box, 90 * 16, 180 * 16)
        elif kind == "voice":
            w = box.width()
            painter.setBrush(colour)
            painter.drawPolygon(
                QPolygonF(
                    [
                        QPointF(box.left(), c.y() - w * 0.15),
                        QPointF(box.left() + w * 0.2, c.y() - w * 0.15),
                        QPointF(box.left() + w * 0.45, c.y() - w * 0.4),
                        QPointF(box.left() + w * 0.45, c.y() + w * 0.4),
                        QPointF(box.left() + w * 0.2, c.y() + w * 0.15),
                        QPointF(box.left(), c.y() + w * 0.15),
                    ]
                )
            )
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for r in (0.25, 0.45):
                arc = QRectF(c.x() - w * r + w * 0.05, c.y() - w * r, 2 * w * r, 2 * w * r)
                painter.drawArc(arc, -50 * 16, 100 * 16)
        elif kind == "listen":
            painter.setBrush(colour)
            painter.drawPolygon(
                QPolygonF(
                    [
                        QPointF(box.left() + box.width() * 0.2, box.top()),
                        QPointF(box.right(), c.y()),
                        QPointF(box.left() + box.width() * 0.2, box.bottom()),
                    ]
                )
            )
        elif kind == "stop":
            painter.setBrush(colour)
            inset = box.width() * 0.12
            painter.drawRect(box.adjusted(inset, inset, -inset, -inset))
        else:  # "size" ("Aa") and "help" ("?"): letters, in the label's font
            if kind == "help":
                painter.drawEllipse(box)
            font = QFont(self.font())
            font.setBold(True)
            font.setPixelSize(max(8, round(box.height() * (0.7 if kind == "help" else 0.75))))
            painter.setFont(font)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "?" if kind == "help" else "Aa")
        painter.end()


class HeaderButton(LayoutButton):
    """A header control: a check mark when it is on (toggles), an icon, a label. Laid out
    in a row, or, compact (large text, narrow screens), the icon above a short label; the
    layout direction puts the check mark and the icon at the start, in every language."""

    def __init__(self, icon: str, parent: QWidget | None = None) -> None:
        super().__init__("header", parent)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setSpacing(SPACE_XS)
        self.inline = QHBoxLayout()
        self.inline.setSpacing(SPACE_XS)
        self.mark = self.add_label(self.inline, "header-text")
        self.mark.setText("✓")
        self.mark.hide()
        self.glyph = HeaderIcon(icon)
        self.glyph.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.inline.addWidget(self.glyph)
        self.box.addLayout(self.inline)
        self.label = self.add_label(self.box, "header-text")
        self.label.setWordWrap(False)  # one line: the header fits by its compact form
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._text = ""
        self._short = ""
        self._px: int | None = None  # the labels' size (None: the stylesheet's)
        self.compact = False
        self.set_compact(False)
        self.toggled.connect(self._checked_changed)

    def setText(self, text: str) -> None:
        """The full label (shown when there is room; the short one otherwise)."""
        self._text = text
        self._show_text()

    def text(self) -> str:
        return self._text

    def set_short_text(self, text: str) -> None:
        self._short = text
        self._show_text()

    def _show_text(self) -> None:
        self.label.setText(self._short or self._text if self.compact else self._text)
        self.updateGeometry()

    def set_compact(self, compact: bool) -> None:
        """Compact: the icon above a short label; else the label alone (with its mark)."""
        self.compact = compact
        self.box.setDirection(
            QBoxLayout.Direction.TopToBottom if compact else QBoxLayout.Direction.LeftToRight
        )
        if compact:
            self._restyle(self.glyph)  # before it shows: hidden, it kept its last size
        self.glyph.setVisible(compact)
        self.inline.setAlignment(Qt.AlignmentFlag.AlignHCenter if compact else LEADING)
        self._show_text()

    def set_form(self, *, compact: bool, px: int | None) -> None:
        """Compact or not, its labels' size in px (None: the stylesheet's)."""
        self._px = px  # first: the icon is sized as it is shown
        if self.compact != compact:
            self.set_compact(compact)
        self.set_text_px(px)

    def _restyle(self, widget: QWidget) -> None:
        sheet = f"font-size: {self._px}px;" if self._px else ""
        if widget.styleSheet() != sheet:
            widget.setStyleSheet(sheet)

    def set_text_px(self, px: int | None) -> None:
        """The label's size in px (None: the stylesheet's).

        Only what shows is re-styled; the icon and the check mark when they are shown
        (``set_compact``, ``_checked_changed``): each widget's stylesheet set re-polishes
        it, and the header switches form at each resize across the compact width (21
        such calls, half of kiosk-audit's screen-shape check at 150 %; now 7)."""
        self._px = px
        for w in (self.label, self.mark, self.glyph):
            if w is self.label or w.isVisibleTo(self):
                self._restyle(w)
        self.label.ensurePolished()
        # Never shorter than its text: the high-contrast theme's thicker borders left the
        # label 3 px short of its line at 100 % (kiosk-audit reflow).
        self.label.setMinimumHeight(self.label.fontMetrics().height())
        size = self.label.fontInfo().pixelSize()
        side = max(SPACE_S, round(size * (0.35 if self.compact else 0.6)))
        # Room for the thicker outline of a toggle that is on: the labels touched it (Arabic
        # at 200 %); the same when off, so that turning it on moves nothing.
        edge = CHECKED_OUTLINE_MAX + 1
        self.box.setContentsMargins(side, edge, side, edge)
        self.updateGeometry()

    def _checked_changed(self, on: bool) -> None:
        if on and self.isCheckable():
            self._restyle(self.mark)  # before it shows: hidden, it kept its last size
        self.mark.setVisible(on and self.isCheckable())
        for w in (self.label, self.mark, self.glyph):
            w.setProperty("checked", on)
            repolish(w)
        self.updateGeometry()

    def setChecked(self, checked: bool) -> None:
        super().setChecked(checked)
        # Re-polished only if it shows the other state: every wipe sets the voice toggle
        # of the 17 headers (MainWindow.show_voice), nearly always to what they show.
        if self.label.property("checked") != bool(checked):
            self._checked_changed(checked)


class Header(QFrame):
    """The same controls, in the same order, on every screen (WCAG 3.2.6), on one row with
    the kiosk's title at every text size and on every screen shape: when their labels do
    not fit, each control shows an icon above a short label (smaller, down to 16 px, if
    needed); the row never wraps, the title stays."""

    language_chosen = Signal(str)
    text_size_requested = Signal()
    high_contrast_toggled = Signal(bool)
    voice_toggled = Signal(bool)
    repeat_requested = Signal()
    stop_requested = Signal()
    help_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        row = QHBoxLayout(self)
        row.setContentsMargins(SPACE_L, SPACE_S, SPACE_L, SPACE_S)
        row.setSpacing(SPACE_S)
        self._row = row
        self.app_title = label("", "app-title", wrap=False)
        self.app_title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.app_title.setMinimumWidth(0)
        row.addWidget(self.app_title, 1, LEADING)
        self.language_button = HeaderButton("language")
        self.text_size_button = HeaderButton("size")
        self.contrast_button = HeaderButton("contrast")
        self.voice_button = HeaderButton("voice")
        for toggle in (self.contrast_button, self.voice_button):
            toggle.setCheckable(True)
        self.listen_button = HeaderButton("listen")
        self.stop_button = HeaderButton("stop")
        self.help_button = HeaderButton("help")
        for btn in self.buttons:
            btn.setAutoDefault(True)
            row.addWidget(btn, 0, Qt.AlignmentFlag.AlignVCenter)
        self.language_button.clicked.connect(self._open_languages)
        self.text_size_button.clicked.connect(self.text_size_requested)
        self.contrast_button.toggled.connect(self._contrast_toggled)
        self.voice_button.toggled.connect(self._voice_toggled)
        self.listen_button.clicked.connect(self.repeat_requested)
        self.stop_button.clicked.connect(self.stop_requested)
        self.help_button.clicked.connect(self.help_requested)
        self._tr = Translator("fr")
        self._scale = 1.0
        self._title_text = ""
        self.compact = False
        self._fitting = False
        self._fitted: tuple[object, ...] | None = None  # what the last fit was made for
        self.language_dialog: LanguageDialog | None = None

    @property
    def buttons(self) -> tuple[HeaderButton, ...]:
        return (
            self.language_button,
            self.text_size_button,
            self.contrast_button,
            self.voice_button,
            self.listen_button,
            self.stop_button,
            self.help_button,
        )

    def retranslate(self, tr: Translator) -> None:
        self._tr = tr
        self._title_text = tr(N_("Titre de séjour"))
        self.app_title.setText(self._title_text)
        self.app_title.setAccessibleName(self._title_text)
        self.language_button.setText(language_words(tr))
        self.language_button.set_short_text(tr(N_("Langue")))
        self.language_button.setAccessibleName(tr(N_("Changer de langue")))
        self.listen_button.setText(tr(N_("Écouter")))
        self.listen_button.setAccessibleName(tr(N_("Écouter cette page")))
        self.stop_button.setText(tr(N_("Arrêter")))
        self.stop_button.setAccessibleName(tr(N_("Arrêter la voix")))
        self.help_button.setText(tr(N_("Aide")))
        self.help_button.setAccessibleName(tr(N_("Demander de l'aide")))
        self.contrast_button.setText(tr(N_("Contraste")))
        self.contrast_button.setAccessibleName(tr(N_("Contraste élevé")))
        self.voice_button.setText(tr(N_("Voix")))
        self.voice_button.setAccessibleName(tr(N_("Voix : lire l'écran à voix haute")))
        self.set_text_scale(self._scale)

    # --- the two toggles: checked state shown by a filled button and a check mark -----
    def set_high_contrast(self, on: bool) -> None:
        with _signals_blocked(self.contrast_button):
            self.contrast_button.setChecked(on)
        self._fit()

    def set_voice(self, on: bool) -> None:
        with _signals_blocked(self.voice_button):
            self.voice_button.setChecked(on)
        self._fit()

    def _contrast_toggled(self, on: bool) -> None:
        self._fit()
        self.high_contrast_toggled.emit(on)

    def _voice_toggled(self, on: bool) -> None:
        self._fit()
        self.voice_toggled.emit(on)

    def set_text_scale(self, scale: float) -> None:
        self._scale = scale
        percent = round(scale * 100)
        tr = self._tr
        self.text_size_button.setText(tr(N_("Texte {percent} %")).format(percent=percent))
        self.text_size_button.set_short_text(tr.isolate(f"{percent} %"))
        self.text_size_button.setAccessibleName(
            tr(N_("Taille du texte : {percent} %. Changer la taille.")).format(percent=percent)
        )
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():  # its height follows the mode
            self._fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._fitted = None  # the sizes the stylesheet gives may have changed
            self._fit()

    # --- one row, whatever the size ---------------------------------------------------
    def _room(self) -> int:
        margins = self._row.contentsMargins()
        return self.width() - margins.left() - margins.right()

    def _needed(self) -> int:
        """Width of the controls as they are now, with the spacing, and the title's."""
        for btn in self.buttons:
            btn.ensurePolished()
            btn.box.activate()
        widths = [b.sizeHint().width() for b in self.buttons]
        return sum(widths) + SPACE_S * len(widths)

    def _fit(self) -> None:
        """Full labels if they fit beside the title; else icons above short labels, their
        text made smaller (never under 16 px) until they fit. Never a second row.

        Done again only when what it depends on changed (``_fit_inputs``; a style or font
        change forgets the last fit): every screen has a header, and each language,
        text size or theme change, and each new session, asked all of them again."""
        if self.width() <= 0 or self._fitting:
            return
        self._fitting = True
        try:
            self.app_title.ensurePolished()
            inputs = self._fit_inputs()
            if inputs != self._fitted:
                self._fit_now()
                self._fitted = inputs
        finally:
            self._fitting = False

    def _fit_inputs(self) -> tuple[object, ...]:
        return (
            self._room(),
            self._title_text,
            self.app_title.font().key(),
            self.layoutDirection(),
            tuple((b.text(), b._short, b.isChecked(), b.isHidden()) for b in self.buttons),
        )

    def _style_key(self) -> tuple[str, ...]:
        """The stylesheets that reach the header's labels (its own and its ancestors'),
        which decide their sizes with the text."""
        sheets = []
        widget: QWidget | None = self
        while widget is not None:
            sheets.append(widget.styleSheet())
            widget = widget.parentWidget()
        app = QApplication.instance()
        sheets.append(app.styleSheet() if isinstance(app, QApplication) else "")
        return tuple(sheets)

    def _fit_now(self) -> None:
        # Every screen has its own header, all alike: the first one searches for the
        # label size that fits, the others take its answer (the search re-styles every
        # label of the row several times, and was a quarter of kiosk-audit's time).
        key = (self._fit_inputs(), self._style_key())
        known = _HEADER_FITS.get(key)
        if known is not None:
            compact, px = known
            self._set_mode(compact=compact, px=px)
            self._show_title(self._room() - self._needed())
            return
        self._search_fit()
        if len(_HEADER_FITS) >= 512:  # a few per language, size and theme
            _HEADER_FITS.clear()
        label_px = self.language_button.label.fontInfo().pixelSize()
        _HEADER_FITS[key] = (self.compact, label_px if self.compact else None)

    def _search_fit(self) -> None:
        room = self._room()
        title = self.app_title.fontMetrics().horizontalAdvance(self._title_text) + SPACE_M
        self._set_mode(compact=False, px=None)
        if self._needed() + title <= room:
            self._show_title(room - self._needed())
            return
        label_px = self.language_button.label.fontInfo().pixelSize()

        def fits(px: int) -> bool:
            self._set_mode(compact=True, px=px)
            return self._needed() + title <= room

        # The largest size that fits, never under MIN_HEADER_PX: the width needed grows
        # with the size, so halving the range finds it in a few layouts (a linear search
        # took up to twenty, each re-styling every label of the row).
        if label_px > MIN_HEADER_PX and not fits(label_px):
            fitting, too_big = MIN_HEADER_PX, label_px
            if fits(fitting):
                while too_big - fitting > 1:
                    middle = (fitting + too_big) // 2
                    if fits(middle):
                        fitting = middle
                    else:
                        too_big = middle
            label_px = fitting
        self._set_mode(compact=True, px=label_px)
        self._show_title(room - self._needed())

    def _set_mode(self, *, compact: bool, px: int | None) -> None:
        self.compact = compact
        with _ancestor_layouts_held(self):
            for btn in self.buttons:
                btn.set_form(compact=compact, px=px)

    def _show_title(self, room: int) -> None:
        """The title in what room is left, shortened with "…" rather than hidden."""
        metrics = self.app_title.fontMetrics()
        text = metrics.elidedText(self._title_text, Qt.TextElideMode.ElideRight, max(room, 0))
        self.app_title.setText(text)
        self.app_title.setVisible(True)

    def _open_languages(self) -> None:
        dialog = LanguageDialog(self.window(), self._tr)
        dialog.chosen.connect(self.language_chosen)
        dialog.finished.connect(dialog.deleteLater)
        self.language_dialog = dialog
        dialog.open()


MIN_HEADER_PX = 16  # the header's labels never get smaller (body text >= 16 px)
# What Header._search_fit found (compact, label px), by what it depends on.
_HEADER_FITS: dict[tuple[object, ...], tuple[bool, int | None]] = {}


# --- inputs --------------------------------------------------------------------------
def _fold(text: str) -> str:
    """Case- and accent-insensitive form for matching what was typed to a country name."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().strip())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.cache
def sorted_country_names(code: str) -> tuple[tuple[str, str], ...]:
    """(ISO code, name) in ``code``'s language, in that language's alphabetical order
    (QCollator: Ё with Е in Russian, پ after ب in Persian, pinyin in Chinese), not by
    code point."""
    lang = LANGUAGES.get(code)
    collator = QCollator(QLocale(lang.qt_locale if lang else code))
    collator.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    collator.setNumericMode(True)
    by_name = functools.cmp_to_key(collator.compare)
    return tuple(sorted(country_names(code).items(), key=lambda item: by_name(item[1])))


class CountryBox(QComboBox):
    """A searchable list of countries in the applicant's language; the value is the ISO code."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(8)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)
        completer = QCompleter(self.model(), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self.lineEdit().setInputMethodHints(Qt.InputMethodHint.ImhNoPredictiveText)
        self._language = ""

    def lineEdit(self) -> QLineEdit:
        """Its line edit: never None, the box is editable from its construction."""
        edit = super().lineEdit()
        assert edit is not None, "a CountryBox is editable"
        return edit

    def set_language(self, code: str) -> None:
        """Fill with country names in ``code``, keeping the current choice."""
        if code == self._language:
            return
        current = self.value()
        self.blockSignals(True)
        self.clear()
        for iso, name in sorted_country_names(code):
            self.addItem(name, iso)
        self.blockSignals(False)
        self._language = code
        self.set_value(current)

    def value(self) -> str:
        """The chosen ISO code, or the text typed if it names no country."""
        text = self.currentText().strip()
        if not text:
            return ""
        i = self.currentIndex()
        if i >= 0 and self.itemText(i) == text:
            return str(self.itemData(i))
        wanted = _fold(text)
        for j in range(self.count()):
            if _fold(self.itemText(j)) == wanted:
                return str(self.itemData(j))
        # Forgiving: a country named in another kiosk language, or its ISO code.
        for code in LANGUAGES:
            for iso, name in country_names(code).items():
                if _fold(name) == wanted:
                    return iso
        return text

    def set_value(self, value: str) -> None:
        i = self.findData(value.upper()) if value else -1
        if i >= 0:
            self.setCurrentIndex(i)
        else:
            self.setCurrentIndex(-1)
            self.setEditText(value)

    def wipe(self) -> None:
        self.setCurrentIndex(-1)
        self.lineEdit().setText("")


_HINTS = {
    FieldType.TEXT: Qt.InputMethodHint.ImhNoPredictiveText,
    FieldType.NAME: Qt.InputMethodHint.ImhNoPredictiveText,
    FieldType.DATE: Qt.InputMethodHint.ImhPreferNumbers | Qt.InputMethodHint.ImhDate,
    FieldType.PASSPORT_NUMBER: Qt.InputMethodHint.ImhPreferUppercase
    | Qt.InputMethodHint.ImhNoPredictiveText
    | Qt.InputMethodHint.ImhLatinOnly,
    FieldType.POSTAL_CODE: Qt.InputMethodHint.ImhDigitsOnly,
    FieldType.PHONE: Qt.InputMethodHint.ImhDialableCharactersOnly,
    FieldType.EMAIL: Qt.InputMethodHint.ImhEmailCharactersOnly
    | Qt.InputMethodHint.ImhNoAutoUppercase
    | Qt.InputMethodHint.ImhNoPredictiveText,
    FieldType.COMMUNE: Qt.InputMethodHint.ImhNoPredictiveText,
    FieldType.EPHOTO_CODE: Qt.InputMethodHint.ImhPreferUppercase
    | Qt.InputMethodHint.ImhNoPredictiveText
    | Qt.InputMethodHint.ImhLatinOnly,
    FieldType.TAX_STAMP: Qt.InputMethodHint.ImhDigitsOnly,
    FieldType.FOREIGNER_NUMBER: Qt.InputMethodHint.ImhDigitsOnly,
}


def question_column(row: QWidget) -> tuple[QVBoxLayout, QLabel, QLabel, QLabel]:
    """A question's column on ``row``: its label, help and inline error (hidden), in the
    GOV.UK order, then a small space for the answer added after them."""
    box = QVBoxLayout(row)
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(SPACE_XS)
    name, help_, error = label("", "label"), label("", "help"), label("", "error")
    error.hide()
    for w in (name, help_, error):
        box.addWidget(w)
    box.addSpacing(SPACE_XS)
    return box, name, help_, error


def show_inline_error(error: QLabel, tr: Translator, message_id: str | None) -> str:
    """The question's inline error ("Erreur : ..."), hidden without one; its text."""
    if not message_id:
        error.setText("")
        error.hide()
        return ""
    message = tr(N_("Erreur : {message}")).format(message=tr(message_id))
    error.setText(message)
    error.show()
    return message


class QuestionWidget(QWidget):
    """What a question on a form shares (``FieldRow``, ``kiosk.ui.choice.ChoiceRow``): its
    column (label, help and inline error: ``question_column``), its error and its language,
    shown by the row's ``_render``."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._column, self.label, self.help, self.error = question_column(self)
        self._error_id: str | None = None
        self._tr = Translator("fr")

    def set_error(self, message_id: str | None) -> None:
        self._error_id = message_id
        self._render()

    @property
    def error_id(self) -> str | None:
        return self._error_id

    def retranslate(self, tr: Translator) -> None:
        self._tr = tr
        self._render()

    def _render(self) -> None:
        raise NotImplementedError


class FieldRow(QuestionWidget):
    """One question: label (the input's buddy), help, inline error, input (GOV.UK order).

    Beside the input, a "Clavier" button for touch-only terminals shows the on-screen
    keyboard for this field (``keyboard_requested``). Keyboard users do not need it: it
    takes no focus and is not in the tab order."""

    keyboard_requested = Signal(QWidget)  # the line edit to type into

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.input: QLineEdit | CountryBox
        if spec.type is FieldType.COUNTRY:
            self.input = CountryBox()
        else:
            edit = QLineEdit()
            edit.setMaxLength(spec.max_length if spec.type is not FieldType.DATE else 10)
            edit.setInputMethodHints(_HINTS.get(spec.type, Qt.InputMethodHint.ImhNone))
            edit.setClearButtonEnabled(False)
            self.input = edit
        self.input.setObjectName(f"field-{spec.id}")
        self.input.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # The script the answer is typed in (catalogue metadata): the on-screen keyboard
        # opens in it, and the audit checks it.
        script = spec.input_script
        self.input.setProperty("script", script.value if script else "")
        self.editor.setProperty("script", script.value if script else "")
        if script in (InputScript.LATIN, InputScript.DIGITS):
            # Latin letters and digits run left to right on an Arabic page too: the date
            # "31/12/2001" and its placeholder, a phone number, a passport number.
            self.input.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.label.setBuddy(self.input)
        line = QHBoxLayout()
        line.setSpacing(SPACE_S)
        line.addWidget(self.input, 1)
        self.keyboard_button = button("keyboard")
        self.keyboard_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.keyboard_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.keyboard_button.clicked.connect(lambda: self.keyboard_requested.emit(self.editor))
        line.addWidget(self.keyboard_button)
        self._column.addLayout(line)

    @property
    def editor(self) -> QLineEdit:
        """The line edit the applicant types into (the country box's own line edit)."""
        return self.input.lineEdit() if isinstance(self.input, CountryBox) else self.input

    def value(self) -> str:
        if isinstance(self.input, CountryBox):
            return self.input.value()
        return self.input.text()

    def set_value(self, value: str) -> None:
        if isinstance(self.input, CountryBox):
            self.input.set_value(value)
        else:
            self.input.setText(value)

    def retranslate(self, tr: Translator) -> None:
        if isinstance(self.input, CountryBox):
            self.input.set_language(tr.code)
            self.input.lineEdit().setPlaceholderText(tr(N_("Écrivez ou choisissez un pays")))
        elif self.spec.type is FieldType.DATE:
            # In the order the date is typed, day first on the left, in every script.
            self.input.setPlaceholderText(ltr_sequence(tr(N_("JJ/MM/AAAA"))))
        super().retranslate(tr)

    def _render(self) -> None:
        tr = self._tr
        name = tr(self.spec.label)
        self.label.setText(name)
        self.help.setText(tr(self.spec.help))
        self.input.setAccessibleName(name)
        keyboard = tr(N_("Clavier"))
        self.keyboard_button.setText(f"⌨ {keyboard}")
        self.keyboard_button.setAccessibleName(tr(N_("Clavier : {field}")).format(field=name))
        description = tr(self.spec.help)
        if message := show_inline_error(self.error, tr, self._error_id):
            description = f"{message} {description}"
        self.input.setAccessibleDescription(description)
        if isinstance(self.input, CountryBox):
            self.input.lineEdit().setAccessibleName(name)
            self.input.lineEdit().setAccessibleDescription(description)
        set_error_state(self.input, bool(self._error_id))

    def wipe(self) -> None:
        """Forget the value (setText also drops the undo history)."""
        if isinstance(self.input, CountryBox):
            self.input.wipe()
        else:
            self.input.setText("")


PROBLEMS = NP_("Il y a {count} problème.", "Il y a {count} problèmes.")


class QuestionRow(Protocol):
    """A question on a form (``FieldRow``, ``kiosk.ui.choice.ChoiceRow``)."""

    spec: FieldSpec

    def set_error(self, message_id: str | None) -> None: ...


class ErrorSummary(QFrame):
    """At the top of a form: what is wrong, one link per problem moving focus to the field."""

    field_focus_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_role(self, "error-summary")
        # Focus is given to it when validation fails; Tab does not stop on it.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_M)
        self.box.setSpacing(SPACE_XS)
        self.title = label("", "h2")
        self.box.addWidget(self.title)
        self.links: list[WrapButton] = []
        self._errors: list[tuple[str, str, str]] = []
        self._tr = Translator("fr")
        self.hide()

    def show_field_errors(self, rows: Sequence[QuestionRow], errors: Sequence[FieldError]) -> None:
        """Each row's inline error (or none), and the list of them here, in the rows' order."""
        by_field = {e.field_id: e.message for e in errors}
        for row in rows:
            row.set_error(by_field.get(row.spec.id))
        self.set_errors(
            [(r.spec.id, r.spec.label, by_field[r.spec.id]) for r in rows if r.spec.id in by_field]
        )

    def set_errors(self, errors: list[tuple[str, str, str]]) -> None:
        """``errors``: (field id, field label msgid, message msgid)."""
        self._errors = list(errors)
        for link in self.links:
            link.hide()  # a queued "show" must not pop it up as a window
            link.setParent(None)
            link.deleteLater()
        self.links = []
        for field_id, _label, _message in self._errors:
            link = WrapButton("error-link")
            link.clicked.connect(lambda _=False, f=field_id: self.field_focus_requested.emit(f))
            self.box.addWidget(link)
            self.links.append(link)
        self.setVisible(bool(self._errors))
        self.retranslate(self._tr)

    def retranslate(self, tr: Translator) -> None:
        self._tr = tr
        n = len(self._errors)
        # No problem, no title: Orca read a cleared summary that still had the focus as
        # "Il y a 0 problèmes." (tests/screenreader/test_orca.py).
        title = "" if n == 0 else tr.plural(PROBLEMS, n).format(count=n)
        self.title.setText(title)
        lines = []
        for link, (_field, label_id, message_id) in zip(self.links, self._errors, strict=True):
            text = tr(N_("{field} : {message}")).format(field=tr(label_id), message=tr(message_id))
            link.setText(text)
            link.setAccessibleName(text)
            link.setAccessibleDescription(tr(N_("Aller à la question")))
            lines.append(text)
        self.setAccessibleName(title)
        self.setAccessibleDescription(" ".join(lines))

    def spoken_text(self) -> str:
        return " ".join([self.title.text(), *(link.text() for link in self.links)])

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab from the summary (focused when a form fails) goes to its first link, as it
        is read: Orca heard the summary, then Tab went to the top of the page header,
        eight stops before the links (tests/screenreader/test_orca.py)."""
        if next and self.hasFocus() and self.links:
            self.links[0].setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().focusNextPrevChild(next)


class NoticeIcon(QWidget):
    """The kind's icon, drawn in its colour: a check (success), an "i" (information), a
    triangle with "!" (warning), a cross (error). As tall as the notice's first line."""

    def __init__(self, theme: Callable[[], Theme], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self.kind = "info"
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def set_kind(self, kind: str) -> None:
        self.kind = kind
        self.update()

    def sizeHint(self) -> QSize:
        return icon_size(self, 1.2)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        side = min(self.width(), self.height())
        if side <= 0:
            return
        colour = QColor(self._theme().notice_colour(self.kind))
        m = max(2.0, side / 10)  # the pen's width, and the margin it needs
        painter = icon_painter(self, colour, m, Qt.PenCapStyle.RoundCap)
        box = QRectF(m, m, side - 2 * m, side - 2 * m)
        if self.kind == "warning":
            painter.drawPolygon(
                QPolygonF(
                    [
                        QPointF(box.center().x(), box.top()),
                        QPointF(box.right(), box.bottom()),
                        QPointF(box.left(), box.bottom()),
                    ]
                )
            )
        else:
            painter.drawEllipse(box)
        c, u = box.center(), box.width() / 4
        if self.kind == "success":
            painter.drawPolyline(
                QPolygonF(
                    [
                        QPointF(c.x() - u * 1.1, c.y()),
                        QPointF(c.x() - u * 0.2, c.y() + u * 0.9),
                        QPointF(c.x() + u * 1.2, c.y() - u),
                    ]
                )
            )
        elif self.kind == "error":
            painter.drawLine(QPointF(c.x() - u, c.y() - u), QPointF(c.x() + u, c.y() + u))
            painter.drawLine(QPointF(c.x() + u, c.y() - u), QPointF(c.x() - u, c.y() + u))
        else:  # a bar and a dot: "!" in the triangle, "i" in the circle
            if self.kind == "warning":
                top, bottom, dot = c.y() - u * 0.4, c.y() + u * 0.9, c.y() + u * 1.6
            else:
                top, bottom, dot = c.y() - u * 0.2, c.y() + u * 1.3, c.y() - u * 1.0
            painter.drawLine(QPointF(c.x(), top), QPointF(c.x(), bottom))
            painter.setBrush(colour)
            r = m * 0.6
            painter.drawEllipse(QPointF(c.x(), dot), r, r)
        painter.end()


class Notice(QFrame):
    """A message above a form or a list, of one kind (``kiosk.domain.notices``): success,
    information, warning or error, each with its colour token, icon and spoken prefix.

    ``show_message(text, msgids)``: the kind comes from what the messages mean (the most
    serious of them), never from the caller's guess; the audit checks it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_role(self, "notice")
        self.setProperty("kind", "info")
        row = QHBoxLayout(self)
        row.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_M)
        row.setSpacing(SPACE_M)
        self.icon = NoticeIcon(lambda: getattr(self.window(), "theme", Theme()))
        row.addWidget(self.icon, 0, TOP_LEADING)
        self.text = label("", "lead")
        row.addWidget(self.text, 1)
        self.msgids: tuple[str, ...] = ()
        self._tr = Translator("fr")
        self.hide()

    @property
    def kind(self) -> str:
        return str(self.property("kind"))

    def show_message(self, text: str, msgids: Iterable[str] = ()) -> None:
        """``text`` (translated) made of ``msgids``; "" hides the notice."""
        from kiosk.domain.notices import kind_of

        self.msgids = tuple(msgids)
        kind = kind_of(self.msgids).value
        if kind != self.kind:
            self.setProperty("kind", kind)
            repolish(self)
        self.icon.set_kind(kind)
        self.text.setText(text)
        self.setVisible(bool(text))
        self._name()

    def retranslate(self, tr: Translator) -> None:
        self._tr = tr
        self._name()

    def prefix(self) -> str:
        from kiosk.domain.notices import SPOKEN_PREFIX, NoticeKind

        return self._tr(SPOKEN_PREFIX[NoticeKind(self.kind)])

    def _name(self) -> None:
        self.setAccessibleName(self.spoken_text())

    def spoken_text(self) -> str:
        """The prefix of its kind, then its text ("Attention : Votre demande est…")."""
        return f"{self.prefix()} {self.text.text()}" if self.text.text() else ""


class ClickableLabel(QLabel):
    """A wrapping label that toggles a companion check box (QCheckBox cannot wrap)."""

    clicked = Signal()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class BigCheckBox(QCheckBox):
    """A check box whose whole area (>= 48 x 48 px) toggles it, not only the indicator."""

    def hitButton(self, pos: QPoint) -> bool:
        return self.rect().contains(pos)


class WrappingCheckBox(QWidget):
    """A large check box followed by a wrapping label; both toggle it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(SPACE_M)
        self.checkbox = BigCheckBox()
        self.text = ClickableLabel()
        self.text.setWordWrap(True)
        self.text.setAlignment(LEADING)
        set_role(self.text, "label")
        self.text.setBuddy(self.checkbox)
        self.text.clicked.connect(self.checkbox.toggle)
        row.addWidget(self.checkbox, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.text, 1)

    def set_text(self, text: str) -> None:
        self.text.setText(text)
        self.checkbox.setAccessibleName(text)


# --- screen scaffold -----------------------------------------------------------------
class BaseScreen(QWidget):
    """Header, then a centred scrolling column: back link, title, intro, body, actions."""

    language_chosen = Signal(str)
    text_size_requested = Signal()
    high_contrast_toggled = Signal(bool)
    voice_toggled = Signal(bool)
    repeat_requested = Signal()
    stop_requested = Signal()
    help_requested = Signal()
    back_requested = Signal()

    def __init__(
        self, title_id: str, intro_id: str, *, has_back: bool = True, header_now: bool = False
    ) -> None:
        super().__init__()
        self._title_id = title_id
        self._intro_id = intro_id
        self.tr_ = Translator("fr")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self._outer = outer
        # The header is built when the screen is first shown or its header first asked
        # for (``header``): its 29 widgets on each of the 16 screens were a third of a
        # window, built, re-styled and re-translated whether the screen was seen or not.
        # What it shows meanwhile is kept here (``set_header_state``).
        self._header: Header | None = None
        self._header_scale = 1.0
        self._header_contrast = False
        self._header_voice = False
        if header_now:  # the screen shown first: made first, first in its Tab chain
            self._build_header(made_first=True)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer.addWidget(self.scroll_area, 1)
        page = QWidget()
        centre = QHBoxLayout(page)
        centre.setContentsMargins(SPACE_L, SPACE_L, SPACE_L, SPACE_L)
        self.column = QWidget()
        self.column.setObjectName("column")
        self.column.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        centre.addStretch(1)
        centre.addWidget(self.column, 100)
        centre.addStretch(1)
        self.scroll_area.setWidget(page)
        self.scroll_page = page  # the scroll area's widget: the page's centred column

        col = QVBoxLayout(self.column)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(SPACE_M)
        self.back_button: QPushButton | None = None
        if has_back:
            self.back_button = button("link")
            self.back_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            self.back_button.clicked.connect(self.back_requested)
            col.addWidget(self.back_button, 0, LEADING)
        self.caption = label("", "step")  # e.g. "Étape 1 sur 2", above the title
        self.caption.hide()
        col.addWidget(self.caption)
        self.title = label("", "h1")
        col.addWidget(self.title)
        self.intro = label("", "lead")
        col.addWidget(self.intro)
        col.addSpacing(SPACE_S)
        self.body = QVBoxLayout()
        self.body.setSpacing(SPACE_L)
        col.addLayout(self.body)
        col.addSpacing(SPACE_L)
        # Secondary actions that do not fit the action bar beside the primary one come
        # here, at the end of the page (add_action(button, overflow=True)).
        self.more_actions = QVBoxLayout()
        self.more_actions.setSpacing(SPACE_M)
        col.addLayout(self.more_actions)
        col.addStretch(1)  # what a screen adds "under its actions" goes before this
        # The action bar: under the page, never scrolled away, and above the on-screen
        # keyboard (which docks under the screens): the primary action is always in view,
        # at every text size, on every screen shape (issue 15).
        self.footer = QFrame()
        self.footer.setObjectName("action-bar")
        bar = QHBoxLayout(self.footer)
        bar.setContentsMargins(SPACE_L, SPACE_S, SPACE_L, SPACE_S)  # room for the page
        self._footer_bar = bar
        self.footer_column = QWidget()
        self.footer_column.setObjectName("action-column")
        self.footer_column.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addStretch(1)
        bar.addWidget(self.footer_column, 100)
        bar.addStretch(1)
        self.action_row = QBoxLayout(QBoxLayout.Direction.LeftToRight, self.footer_column)
        self.action_row.setContentsMargins(0, 0, 0, 0)
        self.action_row.setSpacing(SPACE_M)
        outer.addWidget(self.footer)
        self._overflow: list[QAbstractButton] = []

    def body_label(self, role: str) -> QLabel:
        """An empty label of ``role`` (filled when translated), added to the body."""
        lab = label("", role)
        self.body.addWidget(lab)
        return lab

    # --- the header, built on first use -------------------------------------------------
    @property
    def header(self) -> Header:
        """The screen's header (language, text size, contrast, voice, listen, stop, help)."""
        if self._header is None:
            self._build_header()
        assert self._header is not None
        return self._header

    @property
    def built_header(self) -> Header | None:
        """The header if it was built (None: the screen was never shown)."""
        return self._header

    def set_header_state(
        self,
        *,
        scale: float | None = None,
        high_contrast: bool | None = None,
        voice: bool | None = None,
    ) -> None:
        """What the header shows (text size, the contrast and voice toggles), now if it
        is built, else when it is."""
        header = self._header
        if scale is not None:
            self._header_scale = scale
            if header is not None:
                header.set_text_scale(scale)
        if high_contrast is not None:
            self._header_contrast = high_contrast
            if header is not None:
                header.set_high_contrast(high_contrast)
        if voice is not None:
            self._header_voice = voice
            if header is not None:
                header.set_voice(voice)

    def setVisible(self, visible: bool) -> None:
        if visible and self._header is None:
            self._build_header()  # before it shows: laid out and painted with the rest
        super().setVisible(visible)

    def _build_header(self, *, made_first: bool = False) -> None:
        header = Header()
        self._header = header
        header._scale = self._header_scale
        header.set_high_contrast(self._header_contrast)
        header.set_voice(self._header_voice)
        header.retranslate(self.tr_)
        for name in (
            "language_chosen",
            "text_size_requested",
            "high_contrast_toggled",
            "voice_toggled",
            "repeat_requested",
            "stop_requested",
            "help_requested",
        ):
            getattr(header, name).connect(getattr(self, name))
        self._outer.insertWidget(0, header)
        if self.isVisible():
            header.show()  # now, not on the queued event a visible parent's layout posts
        if not made_first:
            self._header_first_in_tab_order()

    def _header_first_in_tab_order(self) -> None:
        """A widget made late goes to the end of the window's Tab chain: the header's
        buttons are moved to just before the screen, after the last Tab stop that comes
        before it, so that Tab goes through the header, then the page, as when the header
        was made first. (Moving the page's widgets after the header instead left a Python
        wrapper of the window's QWindow invalid: PySide, setTabOrder.)"""
        header = self._header
        assert header is not None
        count = len(self.window().findChildren(QWidget)) + 2
        before: QWidget | None = None
        w: QWidget | None = self.previousInFocusChain()
        for _ in range(count):
            if w is None or w is self or header.isAncestorOf(w):
                break  # round the chain: nothing before the screen (it is alone in it)
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus and not w.isAncestorOf(self):
                before = w
                break
            w = w.previousInFocusChain()
        if before is not None:
            for first, second in itertools.pairwise([before, *header.buttons]):
                QWidget.setTabOrder(first, second)
        self.footer_last()

    def header_chain(self) -> list[QWidget]:
        """The header's buttons, the start of a screen's reading order; none before the
        header is built (it puts itself first then, the order given kept after it)."""
        return list(self._header.buttons) if self._header is not None else []

    # --- rendering ------------------------------------------------------------------
    def retranslate(self, tr: Translator) -> None:
        self.tr_ = tr
        if self._header is not None:
            self._header.retranslate(tr)
        if self.back_button is not None:
            back = tr(N_("Retour"))
            self.back_button.setText(f"{back_arrow(tr)} {back}")
            self.back_button.setAccessibleName(tr(N_("Retour à la page précédente")))
        self.title.setText(self.title_text())
        self.intro.setText(tr(self._intro_id) if self._intro_id else "")
        self.intro.setVisible(bool(self._intro_id))
        self.retranslate_body(tr)
        self.fit_actions()

    def title_text(self) -> str:
        return self.tr_(self._title_id)

    def retranslate_body(self, tr: Translator) -> None:
        """Subclasses translate their own widgets."""

    def set_title_ids(self, title_id: str, intro_id: str) -> None:
        self._title_id, self._intro_id = title_id, intro_id
        self.retranslate(self.tr_)

    def spoken_text(self) -> str:
        """What the voice reads when the screen appears: title and instruction."""
        return " ".join(t for t in (self.title.text(), self.intro.text()) if t)

    def wipe(self) -> None:
        """Forget every piece of the applicant's data shown by this screen."""

    def entered(self) -> None:
        """Called when the screen becomes current: scroll to the top, focus the title."""
        self.scroll_area.verticalScrollBar().setValue(0)
        self.footer_last()
        self.fit_actions()
        self.title.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- the action bar ---------------------------------------------------------------
    def add_action(self, button: QAbstractButton, *, overflow: bool = False) -> None:
        """A button of the action bar; ``overflow``: a secondary action that moves to the
        end of the page when the bar has no room for it beside the others."""
        stretch = self._stretch_index()
        self.action_row.insertWidget(stretch, button, 0, LEADING)
        if overflow:
            self._overflow.append(button)

    def _stretch_index(self) -> int:
        for i in range(self.action_row.count()):
            item = self.action_row.itemAt(i)
            if item is not None and item.spacerItem() is not None:
                return i
        return self.action_row.count()

    def action_buttons(self) -> list[QAbstractButton]:
        """The buttons of the action bar shown, in reading order (the primary first)."""
        out = []
        for i in range(self.action_row.count()):
            item = self.action_row.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QAbstractButton) and widget.isVisibleTo(self):
                out.append(widget)
        return out

    def primary_action(self) -> QAbstractButton | None:
        """The first enabled button of the action bar (what "Continuer" is here)."""
        return next((b for b in self.action_buttons() if b.isEnabled()), None)

    def fit_actions(self, *, resizing: bool = False) -> None:
        """The action bar on one row: its secondary ("overflow") actions too when there is
        room, else they go to the end of the page; the others one under the other if even
        they do not fit (large text, long words): never clipped, never off screen.
        ``resizing``: called for a new size only (walking the focus chain to put the bar
        last on every resize was 6 % of kiosk-audit's time)."""
        width = self.footer_column.width() or self.width() - 2 * SPACE_L

        def needed(buttons: list[QAbstractButton]) -> int:
            return sum(b.sizeHint().width() for b in buttons) + SPACE_M * max(len(buttons) - 1, 0)

        extra = [b for b in self._overflow if not b.isHidden()]
        main = [b for b in self.action_buttons() if b not in self._overflow]
        in_bar = needed(main + extra) <= width
        moved = False
        for b in self._overflow:
            here = self.action_row.indexOf(b) >= 0
            hidden = b.isHidden()
            if in_bar and not here:
                self.more_actions.removeWidget(b)
                self.action_row.insertWidget(self._stretch_index(), b, 0, LEADING)
            elif not in_bar and here:
                self.action_row.removeWidget(b)
                self.more_actions.addWidget(b, 0, LEADING)
            else:
                continue
            b.setVisible(not hidden)  # a re-parented widget is hidden: as it was
            moved = True
        direction = (
            QBoxLayout.Direction.TopToBottom
            if len(main) > 1 and needed(main) > width
            else QBoxLayout.Direction.LeftToRight
        )
        if self.action_row.direction() != direction:
            self.action_row.setDirection(direction)
        self._place_footer()
        if moved or not resizing:  # a new size alone leaves the tab order as it was
            self.footer_last()

    def _place_footer(self) -> None:
        """Under the page's column, centred in the window: the same margins on both sides,
        so the bar mirrors exactly in right-to-left whether the page's scroll bar shows or
        not (following the scroll bar moved it between layouts: kiosk-audit's direction
        check at 100 %). Half a scroll bar's width off the page's column when it shows."""
        self._footer_bar.setContentsMargins(SPACE_L, SPACE_S, SPACE_L, SPACE_S)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LayoutDirectionChange:
            self._place_footer()

    def set_reading_order(self, chain: Iterable[QWidget]) -> None:
        """Tab follows ``chain``, then the action bar (under the page) last."""
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.footer_last()

    def footer_last(self) -> None:
        """Tab reaches the action bar last, as it is read (the bar is under the page)."""
        footer = [b for b in self.action_buttons() if b.focusPolicy() & Qt.FocusPolicy.TabFocus]
        if not footer or self._header is None:
            return  # without a header, it is done when the header is built
        # Only what Tab stops on: setTabOrder() on the scroll area's viewport and other
        # NoFocus widgets left their Python wrappers invalid (PySide: "already deleted").
        # The screen's widgets Tab stops on, in this window (``wanted``: the list holds
        # their wrappers, so the chain below gives back these very objects): the walk ends
        # once it has met them all. It went on through the other screens' widgets, 500 of
        # them, on every call (~90 calls a GUI test: 7 % of its profile).
        descendants = self.findChildren(QWidget)
        wanted = {
            d
            for d in descendants
            if d.focusPolicy() & Qt.FocusPolicy.TabFocus and self.isAncestorOf(d)
        }
        chain: list[QWidget] = []
        seen: set[QWidget] = set()
        start = self.header.buttons[0]
        w: QWidget | None = start
        for step in range(500):  # the screen's own chain, from its first control
            if w is None or (step and w is start) or len(seen) == len(wanted):
                break
            if w in wanted and w not in seen:
                seen.add(w)
                chain.append(w)
            w = w.nextInFocusChain()
        rest = [w for w in chain if w not in footer]
        for first, second in itertools.pairwise([*rest, *footer]):
            QWidget.setTabOrder(first, second)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_actions(resizing=True)
        # Once laid out at the new size (the keyboard docked, the text larger, another
        # screen shape), the element with the focus is brought back into view.
        QTimer.singleShot(0, self, self._keep_focus_in_view)

    def _keep_focus_in_view(self) -> None:
        focus = self.focusWidget() or QApplication.focusWidget()  # the window may be inactive
        page = self.scroll_page
        if focus is None or not page.isAncestorOf(focus):
            return
        for _ in range(3):  # laid out at the new width first: column, page, scroll area
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        if focus.height() > self.scroll_area.viewport().height():
            self.scroll_area.ensureWidgetVisible(focus, 0, 0)
        else:
            self.scroll_area.ensureWidgetVisible(focus, SPACE_XL, SPACE_XL)

    def focus_and_show(self, widget: QWidget) -> None:
        self.scroll_area.ensureWidgetVisible(widget, SPACE_XL, SPACE_XL)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_summary(self, summary: QWidget) -> None:
        """An error summary just filled: from the top of the page, as much of it as the
        page's viewport holds (at 200 % it fell below the title), and the focus."""
        for _ in range(3):  # laid out with its new links: column, page, scroll area
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self.scroll_area.verticalScrollBar().setValue(0)
        self.scroll_area.ensureWidgetVisible(summary, 0, SPACE_S)
        top = summary.mapTo(self.scroll_page, QPoint(0, 0)).y()
        bar = self.scroll_area.verticalScrollBar()
        if summary.height() > self.scroll_area.viewport().height() - SPACE_S:
            bar.setValue(max(0, top))  # taller than the viewport: all it holds, from its top
        summary.setFocus(Qt.FocusReason.OtherFocusReason)


# --- focus ring ----------------------------------------------------------------------
_RESIZE = QEvent.Type.Resize
_RING_MOVES = frozenset({QEvent.Type.Move, _RESIZE, QEvent.Type.Hide, QEvent.Type.Show})


class FocusRing(QWidget):
    """Draws the DSFR focus ring (2 px, 2 px away) around the focused control.

    Qt stylesheets have no ``outline-offset``: one transparent overlay above the window's
    content draws it instead, following the focused widget as it moves or scrolls.
    """

    def __init__(self, host: QWidget, theme_getter: Callable[[], Theme]) -> None:
        super().__init__(host)
        self._host = host
        self._theme = theme_getter
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._target: QWidget | None = None
        self._watched: list[QWidget] = []
        host.installEventFilter(self)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.setGeometry(host.rect())
        self.raise_()

    @property
    def target(self) -> QWidget | None:
        return self._target

    def ring_rect(self) -> QRect | None:
        w = self._target
        if w is not None and not shiboken6.isValid(w):  # deleted while its window closes
            self._target = w = None
        if w is None or not w.isVisible() or w.window() is not self.window():
            return None
        host = self._host
        theme = self._theme()
        grow = theme.focus_ring_offset + theme.focus_ring_width
        rect = QRect(w.mapTo(host, QPoint(0, 0)), w.size()).adjusted(-grow, -grow, grow, grow)
        # Clip to the scroll area's viewport (or any ancestor) so the ring never covers
        # the header when the field is scrolled half out of view.
        ancestor = w.parentWidget()
        while ancestor is not None and ancestor is not host:
            if isinstance(ancestor, QScrollArea):
                viewport = ancestor.viewport()
                rect = rect.intersected(QRect(viewport.mapTo(host, QPoint(0, 0)), viewport.size()))
            ancestor = ancestor.parentWidget()
        return None if rect.isEmpty() else rect

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        for w in self._watched:
            with contextlib.suppress(RuntimeError):  # already deleted
                w.removeEventFilter(self)
        self._watched = []
        show = (
            new is not None
            and new.window() is self.window()
            and bool(new.focusPolicy() & Qt.FocusPolicy.TabFocus)
        )
        self._target = new if show else None
        if self._target is not None:
            watched: QWidget | None = self._target
            while watched is not None and watched is not self._host:
                watched.installEventFilter(self)
                self._watched.append(watched)
                watched = watched.parentWidget()
        self.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()  # (the enum's members read once, in _RING_MOVES: each costs)
        if kind not in _RING_MOVES:
            return False
        if kind == _RESIZE and watched is self._host:
            self.setGeometry(self._host.rect())
            self.raise_()
        self.update()
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        rect = self.ring_rect()
        if rect is None:
            return
        theme = self._theme()
        painter = QPainter(self)
        width = theme.focus_ring_width
        pen = QPen(QColor(theme.colours.focus))
        pen.setWidth(width)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        half = width // 2
        painter.drawRect(rect.adjusted(half, half, -half - (width % 2), -half - (width % 2)))
        painter.end()
