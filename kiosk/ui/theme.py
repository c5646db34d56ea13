"""The one place for colours, sizes and fonts (DSFR-like), and the stylesheet made of them.

Screens never carry a colour or a size: they tag widgets with a ``role`` (labels) or a
``variant`` (buttons) property and the stylesheet below styles them; layout gaps come from
the ``SPACE_*`` tokens. ``Theme(scale=1.5)`` makes every text and control 150 % as large;
``high_contrast=True`` swaps to a palette where every text pair reaches 7:1.

Sizes are Qt pixel sizes at 100 %: body text 20 px (>= 16 px), buttons 56 px high
(>= 48 px), every interactive target >= 48 x 48 px (>= 44 x 44 px).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QLocale
from PySide6.QtGui import QColor, QFont

from kiosk.render.fonts import font_families, script_of

SCALES: tuple[float, ...] = (1.0, 1.5, 2.0)
CHECK_MARK = (Path(__file__).parent / "assets" / "check.svg").as_posix()  # white
CHECK_MARK_DARK = (Path(__file__).parent / "assets" / "check-dark.svg").as_posix()
# The scroll bar's arrows in the theme's primary colour (Qt's own are 8 px at most, whatever
# the button's size: barely seen at 200 % or in high contrast). PNGs of ARROW_PX, rendered
# from the SVGs beside them: a style sheet's SVG image is rendered again at every paint
# (11 % of an audit unit's CPU), a PNG of the drawn size is blitted.
ARROW_PX = 29
SCROLL_ARROWS = {
    tint: tuple((Path(__file__).parent / "assets" / f"arrow-{way}-{tint}.png").as_posix()
                for way in ("up", "down"))
    for tint in ("blue", "yellow")
}  # fmt: skip

# Layout gaps in px (layouts are not scaled: text and controls are).
SPACE_XS = 4
SPACE_S = 8
SPACE_M = 16
SPACE_L = 24
SPACE_XL = 40


@dataclass(frozen=True)
class Colours:
    background: str
    surface: str  # header band, cards
    text: str
    text_secondary: str  # help texts
    primary: str  # primary buttons, links
    primary_text: str
    primary_hover: str
    primary_pressed: str
    selected: str  # fill of a chosen answer: not a primary button's (issue 15, problem 11)
    border: str  # inputs and cards (UI components: >= 3:1 on background)
    error: str
    error_background: str
    success: str  # notices: each kind its colour (kiosk.domain.notices)
    info: str
    warning: str
    focus: str  # focus ring (>= 3:1 on background and surface)
    disabled_background: str
    disabled_text: str


NORMAL = Colours(
    background="#ffffff",
    surface="#f6f6f6",
    text="#161616",  # 18.1:1 on white
    text_secondary="#3a3a3a",  # 11.4:1
    primary="#000091",  # 14.9:1
    primary_text="#ffffff",
    primary_hover="#1212ff",
    primary_pressed="#2323ff",
    selected="#e3e3fd",  # primary text on it 13.4:1
    border="#666666",  # 5.7:1
    error="#ce0500",  # 5.8:1
    error_background="#ffe9e9",
    success="#18753c",  # 5.7:1 on white
    info="#0063cb",  # 6.0:1
    warning="#b34000",  # 5.7:1
    focus="#0a76f6",  # 4.3:1: enough for a non-text indicator (3:1)
    disabled_background="#e5e5e5",
    disabled_text="#666666",  # 5.7:1: also the placeholder text (>= 4.5:1)
)

# Light text and yellow on black (the usual "high contrast" of kiosks and operating
# systems): every text pair >= 7:1 (WCAG 1.4.6), components and focus >= 3:1.
HIGH_CONTRAST = Colours(
    background="#000000",
    surface="#141414",  # header band: white text 18.6:1
    text="#ffffff",  # 21:1
    text_secondary="#ffffff",
    primary="#ffff00",  # 19.6:1 on black
    primary_text="#000000",  # 19.6:1 on yellow
    primary_hover="#ffffff",
    primary_pressed="#00ffff",
    selected="#3d3d00",  # primary (yellow) text on it 10.5:1
    border="#ffffff",
    error="#ff8080",  # 8.7:1
    error_background="#000000",
    success="#66ff66",
    info="#80d0ff",  # 12.6:1 on black
    warning="#ffb84d",  # 12.7:1
    focus="#00ffff",  # 16.7:1 on black, distinct from the white borders and yellow buttons
    disabled_background="#333333",
    disabled_text="#b3b3b3",  # 10.4:1: also the placeholder text (>= 7:1)
)


@dataclass(frozen=True)
class Sizes:
    """Pixel sizes at 100 %."""

    body: int = 20
    small: int = 18
    h1: int = 36
    h2: int = 26
    reference: int = 44
    header_text: int = 18
    button_height: int = 56
    header_button_height: int = 48
    target: int = 48  # min width and height of anything clickable
    input_height: int = 52
    checkbox_indicator: int = 32
    border: int = 2
    radius: int = 4
    column_max_width: int = 900
    focus_ring_width: int = 2
    focus_ring_offset: int = 2


# The outline of a toggle that is on (twice the theme's border, high contrast's the
# thickest): a header button keeps this much room inside for its labels.
CHECKED_OUTLINE_MAX = 2 * (Sizes.border + 1)


SIZES = Sizes()


@dataclass(frozen=True)
class KeyMetrics:
    """On-screen keyboard key sizes in px (see ``Theme.key_metrics``)."""

    font_px: int
    height: int
    min_width: int  # >= 44: a key never gets narrower, even in a narrow window
    max_width: int
    spacing: int  # between keys: shrinks as the text grows
    padding: int  # inside keys that carry a word


ARABIC_TEXT_FACTOR = 1.15


def _luminance(colour: str) -> float:
    c = QColor(colour)

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.x contrast ratio of two colours, from 1.0 to 21.0."""
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@dataclass(frozen=True)
class Theme:
    scale: float = 1.0
    high_contrast: bool = False

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"text scale {self.scale} not one of {SCALES}")

    @property
    def colours(self) -> Colours:
        return HIGH_CONTRAST if self.high_contrast else NORMAL

    def notice_colour(self, kind: str) -> str:
        """The token of a notice kind (success, info, warning, error)."""
        return str(getattr(self.colours, kind))

    @property
    def sizes(self) -> Sizes:
        return SIZES

    def px(self, base: float) -> int:
        return round(base * self.scale)

    @property
    def focus_ring_width(self) -> int:
        return SIZES.focus_ring_width + (1 if self.high_contrast else 0)

    @property
    def focus_ring_offset(self) -> int:
        return SIZES.focus_ring_offset

    def next_scale(self) -> Theme:
        """The next text size in the cycle 100 % -> 150 % -> 200 % -> 100 %."""
        i = SCALES.index(self.scale)
        return replace(self, scale=SCALES[(i + 1) % len(SCALES)])

    def with_scale(self, scale: float) -> Theme:
        return replace(self, scale=scale)

    def key_metrics(self, text_factor: float = 1.0) -> KeyMetrics:
        """Sizes of the on-screen keyboard's keys (``text_factor``: ARABIC_TEXT_FACTOR for
        Arabic script). They grow with the text, but less than it, so that the keyboard
        still fits a 1280 x 1024 screen at 200 %."""
        font_px = round(SIZES.body * self.scale * text_factor)
        height = max(SIZES.target, font_px + 22)
        return KeyMetrics(
            font_px=font_px,
            height=height,
            min_width=max(44, font_px + 8),
            max_width=round(height * 1.25),
            spacing=max(SPACE_XS, round(SPACE_S / self.scale)),
            padding=round(SPACE_S * min(self.scale, 1.5)),
        )

    def font(self, language: str = "fr") -> QFont:
        font = QFont()
        font.setFamilies(font_families(language))
        font.setPixelSize(self.px(SIZES.body))
        font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
        return font

    def stylesheet(self, language: str = "fr") -> str:
        """The QSS for ``language``: Arabic script (Arabic, Persian) reads smaller at the
        same pixel size, so its text sizes are raised by ARABIC_TEXT_FACTOR."""
        c, s = self.colours, SIZES
        arabic = script_of(language) == QLocale.Script.ArabicScript
        factor = ARABIC_TEXT_FACTOR if arabic else 1.0
        px = lambda v: round(v * self.scale * factor)  # noqa: E731
        # The header stays usable at 200 %: its controls grow at most to 150 %.
        header_scale = min(self.scale, 1.5)
        hpx = lambda v: round(v * header_scale * factor)  # noqa: E731
        border = s.border + (1 if self.high_contrast else 0)
        check_mark = CHECK_MARK if c.primary_text == "#ffffff" else CHECK_MARK_DARK
        arrow_up, arrow_down = SCROLL_ARROWS["yellow" if self.high_contrast else "blue"]
        arrow = ARROW_PX
        key = self.key_metrics(factor)
        return f"""
QWidget {{
    background-color: {c.background};
    color: {c.text};
    font-size: {px(s.body)}px;
}}
QLabel {{ background-color: transparent; }}
QLabel[role="h1"] {{ font-size: {px(s.h1)}px; font-weight: bold; }}
QLabel[role="h2"] {{ font-size: {px(s.h2)}px; font-weight: bold; }}
#camera-preview {{ font-size: {px(s.h2)}px; font-weight: bold; }}
QLabel[role="lead"] {{ font-size: {px(s.body)}px; }}
QLabel[role="label"] {{ font-weight: bold; }}
QLabel[role="help"] {{ color: {c.text_secondary}; font-size: {px(s.small)}px; }}
QLabel[role="step"] {{ color: {c.text_secondary}; font-size: {px(s.small)}px; }}
QLabel[role="error"] {{ color: {c.error}; font-weight: bold; }}
QLabel[role="answer"] {{ font-weight: normal; }}
QLabel[role="reference"] {{
    font-size: {px(s.reference)}px; font-weight: bold; color: {c.text};
    border: {border}px dashed {c.border}; border-radius: 0px;
    padding: {px(12)}px {px(24)}px; background-color: {c.surface};
}}
QLabel[role="status"] {{ color: {c.text_secondary}; font-style: normal; }}
QLabel[role="app-title"] {{ font-size: {hpx(s.header_text)}px; font-weight: bold; }}

QFrame#header {{
    background-color: {c.surface};
    border-bottom: 1px solid {c.border};
}}
QFrame#header QLabel {{ background-color: transparent; }}
QWidget#column, QWidget#action-column {{ max-width: {px(s.column_max_width)}px; }}
QFrame#action-bar {{ border-top: 1px solid {c.border}; background-color: {c.background}; }}
QScrollArea {{ border: none; }}

QFrame[role="card"] {{
    border: 1px solid {c.border}; border-radius: {s.radius}px; background-color: {c.background};
}}
QFrame[role="error-summary"] {{
    border: {border + 2}px solid {c.error}; border-radius: {s.radius}px;
    background-color: {c.background};
}}
QFrame[role="notice"] {{
    border: {border + 1}px solid {c.info}; border-radius: {s.radius}px;
    background-color: {c.background};
}}
QFrame[role="notice"][kind="success"] {{ border-color: {c.success}; }}
QFrame[role="notice"][kind="warning"] {{ border-color: {c.warning}; }}
QFrame[role="notice"][kind="error"] {{ border-color: {c.error}; }}

QPushButton {{
    min-height: {px(s.button_height) - 2 * border}px;
    min-width: {px(s.target)}px;
    padding: {px(8)}px {px(24)}px;
    font-size: {px(s.body)}px;
    font-weight: bold;
    border: {border}px solid {c.primary};
    border-radius: {s.radius}px;
    color: {c.primary_text};
    background-color: {c.primary};
}}
QPushButton:hover {{ background-color: {c.primary_hover}; border-color: {c.primary_hover}; }}
QPushButton:pressed {{ background-color: {c.primary_pressed}; }}
QPushButton:disabled {{
    color: {c.disabled_text}; background-color: {c.disabled_background};
    border-color: {c.disabled_background};
}}
QPushButton[variant="secondary"], QPushButton[variant="choice"] {{
    color: {c.primary}; background-color: {c.background};
}}
QPushButton[variant="secondary"]:hover, QPushButton[variant="choice"]:hover {{
    background-color: {c.surface}; border-color: {c.primary};
}}
QPushButton[variant="choice"]:checked {{
    color: {c.primary}; background-color: {c.selected};
    border-width: {2 * border}px; padding: {px(8) - border}px {px(24) - border}px;
}}
QPushButton[variant="choice"] QLabel {{
    color: {c.primary}; background-color: transparent; font-weight: bold;
}}
QPushButton[variant="link"] {{
    color: {c.primary}; background-color: transparent; border-color: transparent;
    text-decoration: underline; font-weight: normal; padding: {px(4)}px {px(8)}px;
    text-align: left;
}}
QPushButton[variant="link"]:hover {{ background-color: {c.surface}; }}
QPushButton[variant="error-link"] {{
    color: {c.error}; background-color: transparent; border-color: transparent;
    text-decoration: underline; font-weight: bold; padding: {px(4)}px {px(8)}px;
    text-align: left;
}}
QPushButton[variant="error-link"]:hover {{ background-color: {c.error_background}; }}
QPushButton[variant="error-link"] QLabel {{
    color: {c.error}; font-weight: bold; text-decoration: underline;
    background-color: transparent;
}}
QPushButton[variant="header"] {{
    min-height: {hpx(s.header_button_height) - 2 * border}px;
    min-width: {s.target}px;
    font-size: {hpx(s.header_text)}px;
    padding: {hpx(4)}px {hpx(14)}px;
    color: {c.primary}; background-color: {c.background};
}}
QPushButton[variant="header"]:hover {{ background-color: {c.surface}; }}
/* A toggle that is on looks chosen, like a chosen answer (its fill, a thicker outline,
   its mark), not like the primary action (issue 15). */
QPushButton[variant="header"]:checked {{
    color: {c.primary}; background-color: {c.selected};
    border-width: {2 * border}px; padding: {hpx(4) - border}px {hpx(14) - border}px;
}}
QPushButton[variant="header"]:checked:hover {{
    color: {c.primary}; background-color: {c.selected}; border-color: {c.primary};
}}
QPushButton[variant="header"] QLabel {{
    color: {c.primary}; background-color: transparent;
    font-size: {hpx(s.header_text)}px; font-weight: bold;
}}
QPushButton[variant="card"] {{
    color: {c.text}; background-color: {c.background};
    border: {border}px solid {c.primary}; padding: 0px;
}}
QPushButton[variant="card"]:hover {{
    border-color: {c.primary}; background-color: {c.surface};
}}
QPushButton[variant="card"] QLabel {{ background-color: transparent; }}
QPushButton[variant="card"] QLabel[role="card-title"] {{
    color: {c.primary}; font-size: {px(s.h2)}px; font-weight: bold;
}}
QPushButton[variant="card"] QLabel[role="card-text"] {{ color: {c.text}; font-weight: normal; }}

QLineEdit, QComboBox {{
    min-height: {px(s.input_height) - 2 * border}px;
    padding: 0px {px(12)}px;
    font-size: {px(s.body)}px;
    color: {c.text};
    background-color: {c.background};
    border: {border}px solid {c.border};
    border-radius: {s.radius}px;
}}
QLineEdit, QComboBox {{
    selection-color: {c.primary_text}; selection-background-color: {c.primary};
    /* Qt's default placeholder is the text colour at half opacity (3.5:1): too faint. */
    placeholder-text-color: {c.disabled_text};
}}
QLineEdit[error="true"], QComboBox[error="true"] {{ border-color: {c.error}; }}
QPushButton[variant="keyboard"] {{
    min-height: {px(s.input_height) - 2 * border}px;
    padding: 0px {px(12)}px;
    font-weight: normal;
    color: {c.primary}; background-color: {c.background};
}}
QPushButton[variant="keyboard"]:hover {{ background-color: {c.surface}; }}
QComboBox::drop-down {{
    subcontrol-origin: padding; subcontrol-position: center right;
    width: {px(s.target)}px; border: none;
}}
QComboBox QAbstractItemView {{
    font-size: {px(s.body)}px; border: {border}px solid {c.border};
    selection-background-color: {c.primary}; selection-color: {c.primary_text};
}}
QComboBox QAbstractItemView::item {{ min-height: {px(s.target)}px; }}
QListView {{ font-size: {px(s.body)}px; }}
QListView::item {{ min-height: {px(s.target)}px; padding: 0px {px(8)}px; }}
QListView::item:selected {{ background-color: {c.primary}; color: {c.primary_text}; }}

QCheckBox {{ spacing: 0px; min-height: {px(s.target)}px; min-width: {px(s.target)}px; }}
QCheckBox::indicator {{
    width: {px(s.checkbox_indicator)}px; height: {px(s.checkbox_indicator)}px;
    border: {border}px solid {c.border}; border-radius: {s.radius}px;
    background-color: {c.background};
}}
QCheckBox::indicator:checked {{
    background-color: {c.primary}; border-color: {c.primary}; image: url({check_mark});
}}
QCheckBox[error="true"]::indicator {{ border-color: {c.error}; }}

/* Without a mouse wheel the scroll bar is how a touch screen scrolls: a full target. */
QScrollBar:vertical {{
    width: {s.target}px; background: {c.surface}; margin: {s.target}px 0px {s.target}px 0px;
}}
QScrollBar::handle:vertical {{ background: {c.border}; min-height: {px(s.target)}px; }}
QScrollBar::sub-line:vertical, QScrollBar::add-line:vertical {{
    height: {s.target - 2 * border}px; subcontrol-origin: margin;
    background: {c.background}; border: {border}px solid {c.border};
}}
QScrollBar::sub-line:vertical {{ subcontrol-position: top; }}
QScrollBar::add-line:vertical {{ subcontrol-position: bottom; }}
QScrollBar::up-arrow:vertical {{ image: url({arrow_up}); width: {arrow}px; height: {arrow}px; }}
QScrollBar::down-arrow:vertical {{
    image: url({arrow_down}); width: {arrow}px; height: {arrow}px;
}}

QDialog {{ border: {border}px solid {c.border}; }}

QFrame#osk {{ background-color: {c.surface}; border-top: {border}px solid {c.border}; }}
QWidget[role="osk-row"] {{ background-color: {c.surface}; }}
QPushButton[variant="key"], QPushButton[variant="key-action"] {{
    min-height: 0px; min-width: 0px; padding: 0px {key.padding}px;
    font-size: {key.font_px}px; font-weight: normal;
    color: {c.text}; background-color: {c.background};
    border: {border}px solid {c.border}; border-radius: {s.radius}px;
}}
QPushButton[variant="key-action"] {{
    font-weight: bold; color: {c.primary}; border-color: {c.primary};
}}
QPushButton[variant="key"]:hover, QPushButton[variant="key-action"]:hover {{
    background-color: {c.surface};
}}
QPushButton[variant="key"]:pressed, QPushButton[variant="key-action"]:pressed,
QPushButton[variant="key-action"]:checked {{
    color: {c.primary_text}; background-color: {c.primary}; border-color: {c.primary};
}}
"""
