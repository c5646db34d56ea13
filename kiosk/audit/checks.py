"""Checks that look at one rendered window (no key presses): 1-9 and 12.

Each check takes a ``Context`` and returns an ``Outcome``; it works on any widget tree,
so the tests can hand it small, deliberately broken windows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QScrollArea,
    QScrollBar,
    QWidget,
)

from kiosk.audit.context import (
    INPUT_TYPES,
    INTERACTIVE_TYPES,
    Context,
    accessible_name,
    button_text,
    clean,
    drawn_text,
    fold,
    font_px,
    inner_line_edit,
    is_bold,
    language_of,
    settle,
)
from kiosk.audit.model import Outcome
from kiosk.audit.pixels import dominant_colour, edge_contrast, ink_span, text_colours
from kiosk.i18n import LANGUAGES, SOURCE_LANGUAGE, Translator, po_path

if TYPE_CHECKING:
    from kiosk.ui.theme import Theme

MIN_TARGET = 44
MIN_TEXT_PX = 16.0
TOLERANCE = 1  # px, rounding in layouts


# --- 1 accessible name ------------------------------------------------------------------
def check_accessible_name(ctx: Context) -> Outcome:
    out = Outcome()
    for w in ctx.widgets:
        if w.focusPolicy() == Qt.FocusPolicy.NoFocus or not w.isEnabled() or inner_line_edit(w):
            continue
        if w is ctx.root and not isinstance(w, INTERACTIVE_TYPES):
            continue
        out.checked += 1
        if not clean(accessible_name(w)):
            out.fail(
                "accessible-name", "focusable widget without an accessible name", "“”", ctx.info(w)
            )
    return out


# --- 2 labels ---------------------------------------------------------------------------
def _labels_of(widget: QWidget) -> list[QWidget]:
    iface = QAccessible.queryAccessibleInterface(widget)
    if iface is None:
        return []
    labels = []
    for other, relation in iface.relations():
        if relation & QAccessible.RelationFlag.Label and other is not None:
            obj = other.object()
            if isinstance(obj, QWidget):
                labels.append(obj)
    return labels


def check_input_labels(ctx: Context) -> Outcome:
    out = Outcome()
    for w in ctx.of_type(INPUT_TYPES):
        if not w.isEnabled() or inner_line_edit(w) or isinstance(w, QScrollBar):
            continue
        out.checked += 1
        name = fold(accessible_name(w))
        labels = [lab for lab in _labels_of(w) if isinstance(lab, QLabel) and lab.isVisible()]
        if labels:
            text = fold(labels[0].text())
            if text and text not in name:
                out.fail(
                    "input-label",
                    "the accessible name does not contain the visible label (2.5.3)",
                    f"label “{clean(labels[0].text())}”, name “{clean(accessible_name(w))}”",
                    ctx.info(w),
                )
            continue
        own = button_text(w) if isinstance(w, QCheckBox | QRadioButton) else ""
        if own:
            if fold(own) not in name:
                out.fail(
                    "input-label",
                    "the accessible name does not contain the check box's text",
                    f"text “{clean(own)}”, name “{clean(accessible_name(w))}”",
                    ctx.info(w),
                )
            continue
        parent = w.parentWidget()
        siblings = [
            c
            for c in (parent.findChildren(QLabel) if parent is not None else [])
            if c.isVisible() and fold(c.text())
        ]
        if name and any(fold(s.text()) in name for s in siblings):
            out.notes.append(f"{ctx.info(w).label()}: labelled by name only (no buddy relation)")
            continue
        out.fail(
            "input-label",
            "input without a label relation (QLabel.setBuddy) nor a visible label in its name",
            f"name “{clean(accessible_name(w))}”",
            ctx.info(w),
        )
    return out


# --- 3 language -------------------------------------------------------------------------
def _own_language_name(widget: QWidget, language: str) -> bool:
    """A language's own name may be marked in that language (WCAG 3.1.2)."""
    texts = {clean(accessible_name(widget)), clean(drawn_text(widget))}
    return any(
        language_of(lang.qt_locale) == language and lang.native_name in texts
        for lang in LANGUAGES.values()
    )


def declared_language(widget: QWidget) -> str:
    """The language a widget's content is declared in when it is not the screen's (WCAG
    3.1.2 language of parts): its ``content_language`` property (e.g. "fr" on a message
    staff typed in French), "" if none."""
    value = widget.property("content_language")
    return str(value) if value else ""


def check_language(ctx: Context, spoken: list[tuple[str, str]] | None = None) -> Outcome:
    out = Outcome()
    want = ctx.locale_language
    for w in ctx.widgets:
        out.checked += 1
        have = language_of(w.locale().name())
        if have == declared_language(w):
            continue  # a part in another language, declared as such
        if have != want and not _own_language_name(w, have):
            parent = w.parentWidget()
            if (
                parent is not None
                and parent in ctx.widgets
                and language_of(parent.locale().name()) == have
            ):
                continue  # reported on the parent
            out.fail(
                "language",
                "widget locale is not the screen's language",
                f"{have} ≠ {want}",
                ctx.info(w),
            )
            continue
        if w.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        iface = QAccessible.queryAccessibleInterface(w)
        attrs = iface.attributesInterface() if iface is not None else None
        if attrs is not None and QAccessible.Attribute.Locale in attrs.attributeKeys():
            loc = attrs.attributeValue(QAccessible.Attribute.Locale)
            name = language_of(loc.name()) if hasattr(loc, "name") else want
            if name != want and not _own_language_name(w, name):
                out.fail(
                    "language",
                    "accessible Locale attribute is not the screen's language",
                    f"{name} ≠ {want}",
                    ctx.info(w),
                )
    for text, lang in spoken or []:
        out.checked += 1
        if lang != ctx.language:
            out.fail(
                "language",
                "speech in another language than the screen",
                f"voice {lang} ≠ {ctx.language}: “{text[:60]}”",
            )
    return out


# --- 4 translation ----------------------------------------------------------------------
_PLACEHOLDER = re.compile(r"\{[a-zA-Z_][a-zA-Z0-9_]*\}")
_DECORATION = re.compile(r"^(?:[•\-–]\s*|\d+\.\s+|[←→]\s*)+|(?:\s*[←→])+$")


@dataclass(frozen=True)
class _Msgids:
    exact: frozenset[str]
    templates: tuple[tuple[re.Pattern[str], str, re.Pattern[str] | None], ...]


@cache
def all_msgids() -> tuple[str, ...]:
    """Every French source string: the .pot template, the catalogues and the procedure
    catalogue."""
    from babel.messages.pofile import read_po

    from contract.catalogue import load_catalogue
    from kiosk.i18n import I18N_DIR

    ids: dict[str, None] = {}
    sources = [I18N_DIR / "kiosk.pot", *(po_path(code) for code in LANGUAGES)]
    for path in sources:
        if path.exists():
            with path.open("rb") as fh:
                for msg in read_po(fh):
                    if isinstance(msg.id, str) and msg.id:
                        ids[msg.id] = None
                    elif isinstance(msg.id, tuple):  # a counted message: both French forms
                        ids.update(dict.fromkeys(f for f in msg.id if f))
    for text in load_catalogue().strings():
        ids[text] = None
    return tuple(ids)


def _template(text: str) -> re.Pattern[str]:
    """A regular expression matching ``text`` with its placeholders filled in."""
    parts = _PLACEHOLDER.split(text)
    pattern = "(.+?)".join(re.escape(clean(p)) if p.strip() else re.escape(p) for p in parts)
    return re.compile(f"^{pattern}$")


@cache
def _untranslated_forms(language: str) -> _Msgids:
    """French strings that must not be seen in ``language``: those with a different
    translation, and those with none (the Translator falls back to the French)."""
    tr = Translator(language)
    exact, templates = set(), []
    for msgid in all_msgids():
        if tr.has(msgid) and tr(msgid) == msgid:
            continue  # deliberately the same (a proper name, an international word)
        if _PLACEHOLDER.search(msgid):
            literal = _PLACEHOLDER.sub("", msgid)
            if sum(ch.isalpha() for ch in literal) >= 3:
                translated = _template(tr(msgid)) if tr.has(msgid) else None
                templates.append((_template(msgid), msgid, translated))
        else:
            exact.add(clean(msgid))
    return _Msgids(frozenset(exact), tuple(templates))


def _texts(widget: QWidget) -> Iterator[tuple[str, str]]:
    """(what, text) of everything a person sees or hears from ``widget``."""
    yield (
        "text",
        drawn_text(widget) if not isinstance(widget, QLineEdit) else widget.placeholderText(),
    )
    yield "name", widget.accessibleName()
    yield "description", widget.accessibleDescription()
    yield "tooltip", widget.toolTip()
    if widget.isWindow():
        yield "window title", widget.windowTitle()


def untranslated(text: str, language: str) -> str | None:
    """The French msgid ``text`` shows untranslated in ``language``, or None."""
    forms = _untranslated_forms(language)
    for line in clean_lines(text):
        if line in forms.exact:
            return line
        for pattern, msgid, translated in forms.templates:
            # "Question number 2" is the English "Question number {number}", not the
            # French "Question {number}" left untranslated.
            if pattern.match(line) and not (translated and translated.match(line)):
                return msgid
    return None


def clean_lines(text: str) -> list[str]:
    out = []
    for raw in text.splitlines():
        line = _DECORATION.sub("", clean(raw)).strip()
        if line:
            out.append(line)
    return out


def check_translation(ctx: Context) -> Outcome:
    out = Outcome()
    if ctx.language == SOURCE_LANGUAGE:
        out.not_applicable = "French is the source language"
        return out
    for w in ctx.widgets:
        for what, text in _texts(w):
            if not text:
                continue
            out.checked += 1
            msgid = untranslated(text, ctx.language)
            if msgid is not None:
                out.fail(
                    "translation",
                    f"untranslated French {what}",
                    f"“{clean(text)[:80]}” (msgid “{msgid[:60]}”)",
                    ctx.info(w),
                )
    return out


def check_catalogues(languages: list[str]) -> Outcome:
    """scripts/i18n.py check (when the source tree is there): every message of the code
    and of the procedure catalogue translated, not fuzzy, same placeholders."""
    out = Outcome()
    problems = _i18n_problems()
    if problems is None:
        out.not_applicable = "scripts/i18n.py not found (installed package)"
        for code in languages:
            out.checked += 1
            if not po_path(code).exists() and code != SOURCE_LANGUAGE:
                out.fail("translation", "no catalogue for this language", str(po_path(code)))
        return out
    wanted = set(languages)
    out.checked = len(languages)
    for problem in problems:
        if problem.language in wanted:
            v_msg = f"catalogue {problem.language}: {problem.reason}"
            out.fail("translation", v_msg, f"“{problem.msgid[:80]}”")
            out.violations[-1].language = problem.language
    return out


def _i18n_problems() -> list | None:
    import importlib.util
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "i18n.py"
    if not script.exists():
        return None
    spec = importlib.util.spec_from_file_location("_kiosk_i18n_script", script)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        return list(module.check())
    finally:
        sys.modules.pop(spec.name, None)


# --- 5 text contrast --------------------------------------------------------------------
def _text_rect(w: QWidget) -> QRect:
    if isinstance(w, QLineEdit | QComboBox):
        return w.rect().adjusted(4, 4, -4, -4)  # inside the border
    if isinstance(w, QLabel):
        return w.contentsRect()
    return w.rect()


def text_widgets(ctx: Context) -> list[QWidget]:
    return [w for w in ctx.widgets if clean(drawn_text(w)) and w.isEnabled() and w.width() > 0]


def large_text(w: QWidget) -> bool:
    px = font_px(w)
    return px >= 24 or (is_bold(w) and px >= 18.5)


def check_text_contrast(ctx: Context) -> Outcome:
    out = Outcome()
    for w in text_widgets(ctx):
        crop, keys = ctx.crop_keys(w, _text_rect(w))
        colours = text_colours(crop, keys=keys)
        if colours is None:
            continue
        out.checked += 1
        large = large_text(w)
        need = 7.0 if ctx.high_contrast else (3.0 if large else 4.5)
        if colours.ratio + 1e-6 < need:
            what = "placeholder " if isinstance(w, QLineEdit) and not w.text() else ""
            out.fail(
                "text-contrast",
                f"{what}text contrast below {need:g}:1",
                f"{colours.ratio:.2f}:1 ({colours.foreground} on {colours.background}), "
                f"{font_px(w):g} px{' bold' if is_bold(w) else ''}{' (large)' if large else ''}",
                ctx.info(w),
            )
    return out


# --- 6 non-text contrast (borders; the focus ring is measured during the Tab walk) -----
def token_pairs(theme: Theme) -> list[tuple[str, str, str]]:
    c = theme.colours
    return [
        ("input border on background", c.border, c.background),
        ("input border on header surface", c.border, c.surface),
        ("button border on background", c.primary, c.background),
        ("button border on header surface", c.primary, c.surface),
        ("error border on background", c.error, c.background),
        ("focus ring on background", c.focus, c.background),
        ("focus ring on header surface", c.focus, c.surface),
    ]


def check_non_text_contrast(ctx: Context) -> Outcome:
    from kiosk.ui.theme import contrast_ratio

    out = Outcome()
    if ctx.theme is not None:
        for what, fg, bg in token_pairs(ctx.theme):
            out.checked += 1
            value = contrast_ratio(fg, bg)
            if value < 3.0:
                out.fail(
                    "non-text-contrast", f"token: {what} below 3:1", f"{value:.2f}:1 ({fg} on {bg})"
                )
    for w in ctx.of_type((QLineEdit, QComboBox)):
        if inner_line_edit(w) or not w.isEnabled() or w.width() < 16 or w.height() < 16:
            continue
        h, wd = w.height(), w.width()
        strips = [
            (QRect(0, h // 4, 1, h // 2), QRect(-3, h // 4, 1, h // 2)),  # left edge
            (QRect(wd // 4, 0, wd // 2, 1), QRect(wd // 4, -3, wd // 2, 1)),  # top edge
        ]
        worst: tuple[float, str, str] | None = None
        for inner, outer in strips:
            a, b = ctx.crop(w, inner), ctx.crop(w, outer)
            if a.size == 0 or b.size == 0:
                continue
            measured = edge_contrast(a, b)
            if worst is None or measured[0] < worst[0]:
                worst = measured
        if worst is None:
            continue
        out.checked += 1
        if worst[0] < 3.0:
            out.fail(
                "non-text-contrast",
                "input boundary below 3:1 against the adjacent background",
                f"{worst[0]:.2f}:1 ({worst[1]} against {worst[2]})",
                ctx.info(w),
            )
    for w in ctx.of_type(QAbstractButton):
        if not w.isEnabled() or isinstance(w, QCheckBox | QRadioButton) or w.height() < 8:
            continue
        h = w.height()
        a = ctx.crop(w, QRect(0, h // 4, 1, h // 2))
        b = ctx.crop(w, QRect(-3, h // 4, 1, h // 2))
        if a.size == 0 or b.size == 0:
            continue
        value, fg, bg = edge_contrast(a, b)
        if value < 1.1:
            continue  # no boundary drawn: a text button (its text contrast is check 5)
        out.checked += 1
        if value < 3.0:
            out.fail(
                "non-text-contrast",
                "button boundary drawn below 3:1 against the adjacent background",
                f"{value:.2f}:1 ({fg} against {bg})",
                ctx.info(w),
            )
    _chosen_answers(ctx, out)
    return out


def _fill(ctx: Context, button: QWidget) -> str:
    """A button's fill: the dominant colour inside its border."""
    inset = max(4, button.height() // 8)
    return dominant_colour(ctx.crop(button, button.rect().adjusted(inset, inset, -inset, -inset)))


# Checked, these look chosen, not like the primary action.
_CHOSEN_VARIANTS = {
    "choice": "a chosen answer is filled like the primary button",
    "header": "a header toggle that is on is filled like the primary button",
}


def _chosen_answers(ctx: Context, out: Outcome) -> None:
    """A chosen answer (a checked "choice" button) or a header toggle that is on
    ("Contraste", "Voix") must not be filled like the primary action: it read as a
    button to press (issue 15, problem 11)."""
    buttons = [
        w
        for w in ctx.of_type(QAbstractButton)
        if w.isEnabled() and not isinstance(w, QCheckBox | QRadioButton) and w.height() >= 16
    ]
    chosen = [b for b in buttons if b.property("variant") in _CHOSEN_VARIANTS and b.isChecked()]
    if not chosen:
        return
    primary_fills = {
        _fill(ctx, b) for b in buttons if not b.isCheckable() and not b.property("variant")
    }
    colours = getattr(ctx.theme, "colours", None)
    if colours is not None:
        primary_fills.add(colours.primary)
    for b in chosen:
        out.checked += 1
        fill = _fill(ctx, b)
        if fill in primary_fills:
            out.fail(
                "non-text-contrast",
                _CHOSEN_VARIANTS[b.property("variant")],
                fill,
                ctx.info(b),
            )


# --- 7 target size ----------------------------------------------------------------------
def interactive_widgets(ctx: Context) -> list[QWidget]:
    return [
        w
        for w in ctx.widgets
        if w.isEnabled()
        and not inner_line_edit(w)
        and w is not ctx.root
        and (isinstance(w, INTERACTIVE_TYPES) or bool(w.focusPolicy() & Qt.FocusPolicy.TabFocus))
        and not (isinstance(w, QScrollBar) and w.maximum() <= w.minimum())
    ]


def check_target_size(ctx: Context) -> Outcome:
    out = Outcome()
    for w in interactive_widgets(ctx):
        out.checked += 1
        size = (w.width(), w.height())
        if isinstance(w, QScrollBar):
            # On a touch-only terminal the scroll bar is the way to scroll: its thickness
            # is the target (its length is the page's).
            thickness = w.width() if w.orientation() == Qt.Orientation.Vertical else w.height()
            if thickness < MIN_TARGET:
                out.fail(
                    "target-size",
                    f"scroll bar thinner than {MIN_TARGET} px",
                    f"{thickness} px",
                    ctx.info(w),
                )
            continue
        if size[0] < MIN_TARGET or size[1] < MIN_TARGET:
            out.fail(
                "target-size",
                f"target smaller than {MIN_TARGET} x {MIN_TARGET} px",
                f"{size[0]} x {size[1]} px",
                ctx.info(w),
            )
            continue
        if ctx.reference_sizes is not None:
            key = ctx.key(w)
            if ctx.scale == 1.0:
                ctx.reference_sizes[key] = size
            elif key in ctx.reference_sizes:
                # Its smaller side must not shrink when the text grows (a full-width
                # button may get narrower when the layout reflows: not a smaller target).
                ref = ctx.reference_sizes[key]
                if min(size) < min(ref) - TOLERANCE:
                    out.fail(
                        "target-size",
                        "target smaller than at 100 %",
                        f"{size[0]} x {size[1]} px at {ctx.scale:.0%} < {ref[0]} x {ref[1]} px at 100 %",
                        ctx.info(w),
                    )
    return out


# --- 8 text size ------------------------------------------------------------------------
def check_text_size(ctx: Context) -> Outcome:
    out = Outcome()
    for w in text_widgets(ctx):
        out.checked += 1
        px = font_px(w)
        if px + 0.01 < MIN_TEXT_PX:
            out.fail(
                "text-size", f"text smaller than {MIN_TEXT_PX:g} px", f"{px:g} px", ctx.info(w)
            )
    return out


# --- 9 reflow and clipping --------------------------------------------------------------
def check_reflow(ctx: Context) -> Outcome:
    out = Outcome()
    for lab in ctx.of_type(QLabel):
        if not clean(lab.text()) or lab.width() <= 0:
            continue
        out.checked += 1
        if lab.wordWrap():
            need_w, need_h = 0, lab.heightForWidth(lab.width())
            if need_h < 0:
                need_h = lab.sizeHint().height()
        else:
            hint = lab.sizeHint()
            need_w, need_h = hint.width(), hint.height()
        if need_w > lab.width() + TOLERANCE or need_h > lab.height() + TOLERANCE:
            out.fail(
                "reflow",
                "label text clipped",
                f"needs {need_w or lab.width()} x {need_h} px, has {lab.width()} x {lab.height()} px",
                ctx.info(lab),
            )
    for btn in ctx.of_type(QAbstractButton):
        if not clean(button_text(btn)):
            continue
        out.checked += 1
        hint = btn.sizeHint()
        if hint.width() > btn.width() + TOLERANCE or hint.height() > btn.height() + TOLERANCE:
            out.fail(
                "reflow",
                "button text clipped",
                f"needs {hint.width()} x {hint.height()} px, has {btn.width()} x {btn.height()} px",
                ctx.info(btn),
            )
    for area in ctx.of_type(QAbstractScrollArea):
        out.checked += 1
        bar = area.horizontalScrollBar()
        if bar.isVisible() and bar.maximum() > 0:
            out.fail(
                "reflow", "horizontal scrolling", f"scroll range {bar.maximum()} px", ctx.info(area)
            )
            continue
        content = area.widget() if isinstance(area, QScrollArea) else None
        if content is not None:
            viewport = area.viewport().width()
            need = max(content.minimumSizeHint().width(), content.width())
            if need > viewport + TOLERANCE:
                out.fail(
                    "reflow",
                    "content wider than its scroll area (cut off or scrolled sideways)",
                    f"{need} px in {viewport} px",
                    ctx.info(content),
                )
    width = ctx.root.width()
    overflowing: set[int] = set()
    for w in ctx.widgets:
        if w is ctx.root or w.width() <= 0:
            continue
        r = ctx.doc_rect(w)
        if r.left() < -TOLERANCE or r.left() + r.width() > width + TOLERANCE:
            overflowing.add(id(w))
            if w.parentWidget() is not None and id(w.parentWidget()) in overflowing:
                continue
            out.fail(
                "reflow",
                "widget outside the window horizontally",
                f"x {r.left()}..{r.left() + r.width()} in 0..{width}",
                ctx.info(w),
            )
    out.checked += 1
    if ctx.container is not None and ctx.root.isWindow():
        frame = ctx.root.frameGeometry()
        if not ctx.container.contains(frame):
            out.fail(
                "reflow",
                "dialog does not fit in the window",
                f"{frame.width()} x {frame.height()} px at ({frame.x()}, {frame.y()}) in "
                f"{ctx.container.width()} x {ctx.container.height()} px",
                ctx.info(ctx.root),
            )
    return out


# --- 12 direction -----------------------------------------------------------------------
_H_MASK = 0x000F  # AlignLeft/Leading 1, AlignRight/Trailing 2, AlignHCenter 4, AlignJustify 8
_ABSOLUTE = 0x0010


def _flag(value: Qt.AlignmentFlag | int) -> int:
    return int(value) if isinstance(value, int) else int(value.value)


def _arrow_violation(text: str, rtl: bool) -> str | None:
    t = clean(text)
    start_ok, end_ok = ("→", "←") if rtl else ("←", "→")
    if len(t) > 1 and t[0] in "←→" and t[0] != start_ok:
        return f"arrow “{t[0]}” at the start points to the end side"
    if t and t[-1] in "←→" and t[-1] != end_ok and len(t) > 1:
        return f"arrow “{t[-1]}” at the end points to the start side"
    if t in ("←", "→") and t != end_ok:
        return f"forward arrow “{t}” points to the start side"
    return None


def _mirroring(ctx: Context, out: Outcome) -> None:
    """Lay the window out left to right for a moment: in right-to-left, every widget
    must sit where the left-to-right layout puts it, mirrored within its parent.

    (Geometry only: walking Qt's layout items from Python is avoided, PySide wrappers of
    QLayoutItem can crash the interpreter when the layout is deleted later.)"""
    flip = ctx.mirror_root or ctx.root
    placed = [
        (w, parent)
        for w in ctx.widgets
        if w is not flip
        and flip.isAncestorOf(w)
        and (parent := w.parentWidget()) is not None
        and not ltr_by_design(parent)  # laid out left to right by design
    ]
    widgets = [w for w, _parent in placed]
    rtl = {id(w): (w.x(), w.width(), parent.width()) for w, parent in placed}
    direction = flip.layoutDirection()
    explicit = flip.testAttribute(Qt.WidgetAttribute.WA_SetLayoutDirection)
    flip.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    settle()
    ltr = {id(w): (w.x(), w.width(), parent.width()) for w, parent in placed}
    if explicit:
        flip.setLayoutDirection(direction)
    else:
        flip.unsetLayoutDirection()  # inherit again, as before (the next language may be LTR)
    settle()
    ctx.invalidate()
    reported: set[int] = set()
    for w in widgets:
        (x_r, w_r, p_r), (x_l, w_l, p_l) = rtl[id(w)], ltr[id(w)]
        if w_r != w_l or p_r != p_l or w_r >= p_r - 2:
            continue  # resized by the other direction, or as wide as its parent
        out.checked += 1
        mirrored = p_l - (x_l + w_l)
        if abs(x_r - mirrored) > 2:
            parent = w.parentWidget()
            if parent is not None and id(parent) in reported:
                continue
            reported.add(id(w))
            out.fail(
                "direction",
                "not mirrored in right-to-left",
                f"x {x_r} in a {p_r} px parent; mirrored position {mirrored} (left-to-right x {x_l})",
                ctx.info(w),
            )


def ltr_by_design(widget: QWidget | None) -> bool:
    """An input typed in Latin letters or digits (its catalogue ``script``), or a part of
    one: it runs left to right on a right-to-left page too (check 18 wants it so)."""
    w = widget
    while w is not None:
        if w.property("script") in ("latin", "digits"):
            return True
        w = w.parentWidget()
    return False


def check_direction(ctx: Context) -> Outcome:
    out = Outcome()
    want = Qt.LayoutDirection.RightToLeft if ctx.rtl else Qt.LayoutDirection.LeftToRight
    wrong: set[int] = set()
    for w in ctx.widgets:
        out.checked += 1
        if w.layoutDirection() != want and not ltr_by_design(w):
            wrong.add(id(w))
            if w.parentWidget() is not None and id(w.parentWidget()) in wrong:
                continue
            out.fail(
                "direction",
                "layout direction does not follow the language",
                f"{w.layoutDirection().name}, want {want.name}",
                ctx.info(w),
            )
    for w in ctx.of_type(QLabel):
        text = clean(w.text())
        align = _flag(w.alignment())
        if not text or (align & _H_MASK) not in (0, 1) or align & _ABSOLUTE or w.width() < 40:
            continue
        declared = LANGUAGES.get(declared_language(w))
        if declared is not None and declared.rtl != ctx.rtl:
            continue  # text in a language written the other way (its own direction)
        rect = w.contentsRect()
        span = ink_span(*ctx.crop_keys(w, rect))
        if span is None or span[1] - span[0] > 0.6 * rect.width():
            continue
        out.checked += 1
        left_gap, right_gap = span[0], rect.width() - 1 - span[1]
        if (right_gap > left_gap) if ctx.rtl else (left_gap > right_gap):
            side = "right" if ctx.rtl else "left"
            out.fail(
                "direction",
                f"start-aligned text is not on the {side}",
                f"ink {span[0]}..{span[1]} in 0..{rect.width() - 1}",
                ctx.info(w),
            )
    for w in ctx.widgets:
        text = (
            button_text(w)
            if isinstance(w, QAbstractButton)
            else (w.text() if isinstance(w, QLabel) else "")
        )
        if not text or not any(ch in text for ch in "←→"):
            continue
        out.checked += 1
        problem = _arrow_violation(text, ctx.rtl)
        if problem:
            out.fail("direction", problem, f"“{clean(text)}”", ctx.info(w))
    if ctx.rtl and ctx.mirror and not wrong:
        _mirroring(ctx, out)
    return out


@dataclass(frozen=True)
class StaticCheck:
    id: str
    run: Callable[[Context], Outcome]


STATIC_CHECKS: tuple[StaticCheck, ...] = (
    StaticCheck("accessible-name", check_accessible_name),
    StaticCheck("input-label", check_input_labels),
    StaticCheck("translation", check_translation),
    StaticCheck("text-contrast", check_text_contrast),
    StaticCheck("non-text-contrast", check_non_text_contrast),
    StaticCheck("target-size", check_target_size),
    StaticCheck("text-size", check_text_size),
    StaticCheck("reflow", check_reflow),
    StaticCheck("direction", check_direction),
)
