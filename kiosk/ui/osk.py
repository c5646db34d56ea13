"""On-screen keyboard for touch-only terminals.

A panel docked at the bottom of the window. It shows itself when a text field of a step
screen gets the focus (unless the applicant hid it with "Masquer le clavier"; the
"Clavier" button of each question brings it back) and types into that field without ever
taking the focus: every key is a ``QPushButton`` with ``Qt.FocusPolicy.NoFocus`` that sends
key events to the focused ``QLineEdit``, so its validator, length limit and completer all
apply as with a real keyboard.

Layouts: AZERTY (French), QWERTY (English and the other Latin languages), Arabic, Persian
and Cyrillic (Russian and Ukrainian). Each field says what script its answer is typed in
(catalogue metadata, ``FieldSpec.input_script``, carried by the editor's ``script``
property): names as in the passport, the passport number and the e-photo code are Latin,
so the keyboard opens in Latin letters (AZERTY, or the UI language's own Latin layout) even
on an Arabic page; a country named in the applicant's language opens in their script. The
layout key ("Claviers") never changes its text or place: it lists the layouts by name, and
one touch picks one. Arabic and Persian rows are laid out right to left, in reading order.
Every layout has a row of digits with the hyphen and the apostrophe, "@" and "." for
e-mail addresses, space, backspace, shift (where letters have a case), "Suivant" (the next
field) and "Masquer le clavier".

The keyboard is itself accessible: each key has an accessible name (the character, or the
translated name of a special key) and is at least 44 x 44 px; ``key_spoken`` carries what to
read aloud for the key just pressed (never a character typed into a masked field).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import N_, Translator
from kiosk.ui.theme import ARABIC_TEXT_FACTOR, SPACE_S, KeyMetrics, Theme
from kiosk.ui.widgets import forward_arrow, set_role, set_variant

# --- layouts -------------------------------------------------------------------------
DIGITS = (*"1234567890", "-", "'")

# Latin letters with diacritics, one row per language (French by default: French
# addresses need them whatever the applicant's language).
LATIN_EXTRA: dict[str, str] = {
    "fr": "é è ê ë à â ç ù û ô î ï",
    "es": "á é í ó ú ñ ü ç à è ê ô",
    "pt": "á â ã à ç é ê í ó ô õ ú",
    "tr": "ç ğ ı ö ş ü é è à â ê ô",
}


@dataclass(frozen=True)
class KeyboardLayout:
    id: str
    name: str  # on the layout key, in its own script
    description: str  # msgid, for the layout key's accessible name and the voice
    rows: tuple[tuple[str, ...], ...]  # letter rows, each in reading order
    rtl: bool = False
    cased: bool = True  # has upper case: shows the shift key


def _rows(*rows: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(row.split()) for row in rows)


def _rtl_rows(*rows: str) -> tuple[tuple[str, ...], ...]:
    """Rows written as they look on a physical keyboard (left to right), stored in
    reading order (right to left): laid out right to left they look the same."""
    return tuple(tuple(reversed(row.split())) for row in rows)


def layouts_for(language: str) -> dict[str, KeyboardLayout]:
    """Every layout, in the order of the layout key's cycle, for UI ``language``."""
    extra = LATIN_EXTRA.get(language, LATIN_EXTRA["fr"])
    layouts = (
        KeyboardLayout(
            "azerty",
            "AZERTY",
            N_("clavier français AZERTY"),
            _rows(extra, "a z e r t y u i o p", "q s d f g h j k l m", "w x c v b n @ ."),
        ),
        KeyboardLayout(
            "qwerty",
            "QWERTY",
            N_("clavier anglais QWERTY"),
            _rows(extra, "q w e r t y u i o p", "a s d f g h j k l", "z x c v b n m @ ."),
        ),
        KeyboardLayout(
            "arabic",
            "عربي",
            N_("clavier arabe"),
            _rtl_rows(
                "ض ص ث ق ف غ ع ه خ ح ج د",
                "ش س ي ب ل ا ت ن م ك ط",
                "ئ ء ؤ ر لا ى ة و ز ظ",
                "@ . آ إ أ ذ",
            ),
            rtl=True,
            cased=False,
        ),
        KeyboardLayout(
            "persian",
            "فارسی",
            N_("clavier persan"),
            _rtl_rows(
                "ض ص ث ق ف غ ع ه خ ح ج چ",
                "ش س ی ب ل ا ت ن م ک گ",
                "ظ ط ز ر ذ د پ و",
                "@ . ء ئ آ ژ",
            ),
            rtl=True,
            cased=False,
        ),
        KeyboardLayout(
            "cyrillic",
            "АБВ",
            N_("clavier cyrillique"),
            _rows(
                "й ц у к е н г ш щ з х ъ",
                "ф ы в а п р о л д ж э ё",
                "я ч с м и т ь б ю",
                "і ї є ґ @ .",
            ),
        ),
    )
    return {layout.id: layout for layout in layouts}


DEFAULT_LAYOUT: dict[str, str] = {
    "fr": "azerty",
    "ar": "arabic",
    "fa": "persian",
    "ru": "cyrillic",
    "uk": "cyrillic",
}


def default_layout(language: str) -> str:
    """The layout that follows the UI language (QWERTY for the other languages)."""
    return DEFAULT_LAYOUT.get(language, "qwerty")


LATIN_LAYOUTS = ("azerty", "qwerty")
# The scripts of a layout (what a field's ``script`` property asks for).
LAYOUT_SCRIPTS: dict[str, str] = {
    "azerty": "latin",
    "qwerty": "latin",
    "arabic": "arabic",
    "persian": "arabic",
    "cyrillic": "cyrillic",
}


def layout_for(script: str, language: str) -> str:
    """The layout a field typed in ``script`` opens with, on a page in ``language``:
    Latin letters and digits in the language's Latin layout (AZERTY, the French kiosk's,
    for languages written in another script); anything else in the language's own."""
    own = default_layout(language)
    if script in ("latin", "digits"):
        return own if own in LATIN_LAYOUTS else "azerty"
    return own


# Characters whose accessible and spoken name is a word.
CHARACTER_NAMES: dict[str, str] = {
    "-": N_("Tiret"),
    "'": N_("Apostrophe"),
    "@": N_("Arobase"),
    ".": N_("Point"),
}
SHIFT = N_("Majuscules")
BACKSPACE = N_("Effacer")
SPACE = N_("Espace")
NEXT = N_("Suivant")
HIDE = N_("Masquer le clavier")
HIDE_SHORT = N_("Masquer")  # on the key; its accessible name is HIDE
LAYOUT_NAME = N_("Clavier {layout}. Changer de clavier.")
LAYOUTS_KEY = N_("Claviers")  # the fixed key listing the layouts
LAYOUTS_CLOSE = N_("Fermer la liste des claviers")
KEYBOARD_NAME = N_("Clavier à l'écran")


# --- keys ----------------------------------------------------------------------------
class Key(QPushButton):
    """One key: a real button that never takes the focus. Its size comes from the
    keyboard (``set_key_size``), not from the style."""

    def __init__(self, variant: str, *, char: str = "", action: str = "") -> None:
        super().__init__()
        set_variant(self, variant)
        self.char = char
        self.action = action
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAutoDefault(False)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._size = QSize(48, 48)

    def set_key_size(self, size: QSize) -> None:
        self._size = size
        self.setMinimumSize(size)
        if self.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Fixed:
            self.setMaximumSize(size)
        else:
            self.setMaximumHeight(size.height())
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        return self._size

    def minimumSizeHint(self) -> QSize:
        return self._size


def _row(spacing: int) -> tuple[QWidget, QHBoxLayout]:
    widget = QWidget()
    set_role(widget, "osk-row")
    box = QHBoxLayout(widget)
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(spacing)
    return widget, box


# --- the keyboard --------------------------------------------------------------------
class OnScreenKeyboard(QFrame):
    """The docked keyboard. ``accepts(widget)`` says which focused line edits it serves
    (the main window: those of the step screen)."""

    key_spoken = Signal(str)  # what to read aloud for the key just pressed
    visibility_changed = Signal(bool)

    def __init__(
        self,
        accepts: Callable[[QWidget], bool] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("osk")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._accepts = accepts or (lambda _w: True)
        self.available = True
        self._user_hidden = False
        self._tr = Translator("fr")
        self._theme = Theme()
        self._layouts = layouts_for("fr")
        self.layout_id = default_layout("fr")
        self.shift = False
        self._char_keys: list[Key] = []
        self._layout_keys: dict[str, Key] = {}  # the list the layout key opens
        self.listing = False  # the list of layouts shows instead of the letters
        self._served: QLineEdit | None = None  # the field the layout was chosen for
        self._rows: list[QWidget] = []
        # Rows to remake when next shown: a hidden keyboard is not rebuilt at each change
        # of language or text size (``_build``), only when the applicant can see it.
        self._stale = False
        self._action_rows: list[tuple[QWidget, QHBoxLayout]] = []
        self._wrapped = False
        self.box = QVBoxLayout(self)
        # The keys are sized for the width the window gives (``_fit``): never the reverse.
        self.box.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._build_actions()
        self._build()
        self.hide()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    # --- layouts --------------------------------------------------------------------
    @property
    def layout_(self) -> KeyboardLayout:
        return self._layouts[self.layout_id]

    @property
    def layout_ids(self) -> list[str]:
        return list(self._layouts)

    def set_layout(self, layout_id: str) -> None:
        if layout_id not in self._layouts:
            raise KeyError(f"unknown keyboard layout {layout_id!r}; known: {self.layout_ids}")
        self.layout_id = layout_id
        self.shift = False
        self.listing = False
        self._build()

    def layout_for(self, editor: QWidget | None) -> str:
        """The layout ``editor`` asks for by its script (catalogue metadata)."""
        script = str(editor.property("script") or "") if editor is not None else ""
        return layout_for(script, self._tr.code)

    def _follow_field(self, editor: QLineEdit | None) -> None:
        """A new field: the keyboard of its script (a manual choice lasts for one field)."""
        if editor is None or editor is self._served:
            return
        self._served = editor
        wanted = self.layout_for(editor)
        if wanted != self.layout_id or self.listing:
            self.set_layout(wanted)

    def next_layout(self) -> None:
        ids = self.layout_ids
        self.set_layout(ids[(ids.index(self.layout_id) + 1) % len(ids)])

    # --- building -------------------------------------------------------------------
    def _build_actions(self) -> None:
        """The special keys, made once; ``_build`` places them."""
        self.shift_key = Key("key-action", action="shift")
        self.shift_key.setCheckable(True)
        self.shift_key.setText("⇧")
        self.shift_key.toggled.connect(self._shift_toggled)
        # Hidden for scripts without capitals, its place kept: no key moves with the layout.
        policy = self.shift_key.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.shift_key.setSizePolicy(policy)
        self.layout_key = Key("key-action", action="layout")
        self.layout_key.setCheckable(True)  # checked while the list of layouts shows
        self.layout_key.clicked.connect(self._layout_pressed)
        self.space_key = Key("key", action="space")
        self.space_key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.space_key.clicked.connect(self._space_pressed)
        self.backspace_key = Key("key-action", action="backspace")
        self.backspace_key.setAutoRepeat(True)  # hold to erase more
        self.backspace_key.clicked.connect(self._backspace_pressed)
        self.next_key = Key("key-action", action="next")
        self.next_key.clicked.connect(self._next_pressed)
        self.hide_key = Key("key-action", action="hide")
        self.hide_key.clicked.connect(self._hide_pressed)

    @property
    def action_keys(self) -> tuple[Key, ...]:
        return (
            self.shift_key,
            self.layout_key,
            self.space_key,
            self.backspace_key,
            self.next_key,
            self.hide_key,
        )

    @property
    def char_keys(self) -> list[Key]:
        """The character keys of the current layout, in reading order."""
        self._ensure_built()
        return self._char_keys

    @property
    def layout_keys(self) -> dict[str, Key]:
        """The keys of the list of layouts (while ``listing``), by layout id."""
        self._ensure_built()
        return self._layout_keys

    @property
    def rows(self) -> list[QWidget]:
        self._ensure_built()
        return self._rows

    @property
    def keys(self) -> list[Key]:
        """Every key shown, in reading order."""
        self._ensure_built()
        return [*self._char_keys, *(k for k in self.action_keys if not k.isHidden())]

    def _build(self) -> None:
        """(Re)make the rows of the current layout; while hidden, when next shown (a
        language or text size chosen on a screen without typing costs no keys)."""
        if self.isHidden():
            self._stale = True
            return
        self._make_rows()

    def _ensure_built(self) -> None:
        """The rows the current layout, language and theme ask, made now if pending."""
        if self._stale:
            self._make_rows()

    def _make_rows(self) -> None:
        self._stale = False
        for key in self.action_keys:
            key.setParent(self)  # out of the old rows (never a parentless, top-level key)
        for row in self._rows:
            self.box.removeWidget(row)
            row.hide()
            row.deleteLater()
        self._rows, self._char_keys, self._action_rows = [], [], []
        layout, metrics = self.layout_, self._metrics()
        self.box.setContentsMargins(SPACE_S, SPACE_S, SPACE_S, SPACE_S)
        self.box.setSpacing(metrics.spacing)
        # Rows are in reading order for their script; the page lays them out in its own
        # direction, so a row of the other direction goes in reversed: digits and Latin
        # letters always run left to right, Arabic letters right to left.
        page_rtl = self.layoutDirection() == Qt.LayoutDirection.RightToLeft
        self._layout_keys = {}
        if self.listing:  # the layouts by name, one touch each, instead of the letters
            widget, box = _row(metrics.spacing)
            box.addStretch(1)
            for layout_id in self._layouts:
                key = Key("key-action", action=f"layout:{layout_id}")
                key.setCheckable(True)
                key.setChecked(layout_id == self.layout_id)
                key.clicked.connect(lambda _=False, i=layout_id: self._layout_chosen(i))
                box.addWidget(key)
                self._layout_keys[layout_id] = key
            box.addStretch(1)
            self.box.addWidget(widget)
            widget.show()
            self._rows.append(widget)
        for chars, rtl in (
            () if self.listing else ((DIGITS, False), *((r, layout.rtl) for r in layout.rows))
        ):
            widget, box = _row(metrics.spacing)
            box.addStretch(1)
            for ch in reversed(chars) if rtl != page_rtl else chars:
                key = Key("key", char=ch)
                key.clicked.connect(lambda _=False, k=key: self._char_pressed(k))
                box.addWidget(key)
                self._char_keys.append(key)
            box.addStretch(1)
            self.box.addWidget(widget)
            widget.show()
            self._rows.append(widget)
        for _ in range(2):  # special keys: one row, or two when they do not fit
            widget, box = _row(metrics.spacing)
            self.box.addWidget(widget)
            self._rows.append(widget)
            self._action_rows.append((widget, box))
        self._wrapped = False
        self._place_actions(wrap=False)
        self.shift_key.setChecked(False)
        self.layout_key.setChecked(self.listing)
        if not self.listing:
            self.setMinimumHeight(0)
        self._retranslate_keys()
        self._fit()

    def _place_actions(self, *, wrap: bool) -> None:
        (first, first_box), (second, second_box) = self._action_rows
        for box in (first_box, second_box):
            while box.count():
                box.takeAt(0)
        keys = self.action_keys
        split = 3 if wrap else len(keys)  # shift, layout, space | backspace, next, hide
        for key in keys[:split]:
            first_box.addWidget(key)
        for key in keys[split:]:
            second_box.addWidget(key)
        if wrap:
            second_box.insertStretch(0, 1)
        first.show()
        second.setVisible(wrap)
        # Shown now (moving a key to another row hides it until the next event loop turn).
        for key in keys:
            key.setVisible(key is not self.shift_key or self.layout_.cased)
        self._wrapped = wrap

    # --- language and theme ---------------------------------------------------------
    def retranslate(self, tr: Translator) -> None:
        """Translate the special keys; a new language brings the layout its fields ask."""
        changed = tr.code != self._tr.code
        self._tr = tr
        self.setAccessibleName(tr(KEYBOARD_NAME))
        if changed:
            self._layouts = layouts_for(tr.code)
            target = self.target()
            self.set_layout(self.layout_for(target) if target else default_layout(tr.code))
        elif self.isHidden():
            self._stale = True  # the keys' names when next shown
        else:
            self._retranslate_keys()
            self._fit()

    def _retranslate_keys(self) -> None:
        tr = self._tr
        for key in self._char_keys:
            ch = key.char.upper() if self.shift and self.layout_.cased else key.char
            key.setText(ch)
            key.setAccessibleName(tr(CHARACTER_NAMES[ch]) if ch in CHARACTER_NAMES else ch)
        self.shift_key.setAccessibleName(tr(SHIFT))
        # Always the same text and place: it lists the layouts (they are named there).
        self.layout_key.setText(f"⌨ {tr(LAYOUTS_KEY)}")
        self.layout_key.setAccessibleName(
            tr(LAYOUTS_CLOSE) if self.listing else tr(LAYOUT_NAME).format(layout=self.layout_.name)
        )
        self.layout_key.setAccessibleDescription(tr(self.layout_.description))
        for layout_id, key in self._layout_keys.items():
            choice = self._layouts[layout_id]
            key.setText(choice.name)
            key.setAccessibleName(tr(choice.description))
            key.setLocale(self.locale())
        self.space_key.setText(tr(SPACE))
        self.space_key.setAccessibleName(tr(SPACE))
        # Backspace erases towards the start of the line: leftwards, or rightwards in RTL.
        rtl = self.layoutDirection() == Qt.LayoutDirection.RightToLeft
        self.backspace_key.setText(f"{'⌦' if rtl else '⌫'} {tr(BACKSPACE)}")
        self.backspace_key.setAccessibleName(tr(BACKSPACE))
        self.next_key.setText(f"{tr(NEXT)} {forward_arrow(tr)}")
        self.next_key.setAccessibleName(tr(NEXT))
        self.hide_key.setText(f"{tr(HIDE_SHORT)} ▼")
        self.hide_key.setAccessibleName(tr(HIDE))

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._build()

    def _metrics(self) -> KeyMetrics:
        return self._theme.key_metrics(ARABIC_TEXT_FACTOR if self._tr.language.rtl else 1.0)

    def _fit(self) -> None:
        """Size the keys for the width available: as wide as the style wants, narrower
        (never under 44 px) when a row would not fit, special keys on two rows if needed."""
        metrics = self._metrics()
        margins = self.box.contentsMargins()
        parent = self.parentWidget()
        width = self.width() if self.isVisible() or parent is None else parent.width()
        avail = width - margins.left() - margins.right()
        per_row = max(len(DIGITS), *(len(r) for r in self.layout_.rows))
        key_w = (avail - (per_row - 1) * metrics.spacing) // per_row
        key_w = max(metrics.min_width, min(metrics.max_width, key_w))
        size = QSize(key_w, metrics.height)
        for key in self._char_keys:
            key.set_key_size(size)
        for key in self._layout_keys.values():
            key.ensurePolished()
            text_w = key.fontMetrics().horizontalAdvance(key.text()) + 2 * metrics.padding + 12
            key.set_key_size(QSize(max(2 * key_w, text_w), metrics.height))
        total = -metrics.spacing
        for key in self.action_keys:
            key.ensurePolished()  # the style sheet's font, as it will be drawn
            text_w = key.fontMetrics().horizontalAdvance(key.text()) + 2 * metrics.padding + 12
            # Space is wide; the other special keys at least one key and a half.
            w = max(2 * key_w if key is self.space_key else round(1.5 * key_w), text_w)
            if key is self.layout_key:  # the widest it is ever drawn: it never moves
                w = max(w, self._layout_key_width(key, metrics))
            key.set_key_size(QSize(w, metrics.height))
            total += w + metrics.spacing  # shift too: its place is kept when hidden
        wrap = total > avail
        if wrap != self._wrapped:
            self._place_actions(wrap=wrap)
        self.updateGeometry()

    def _layout_key_width(self, key: Key, metrics: KeyMetrics) -> int:
        fm = key.fontMetrics()
        return fm.horizontalAdvance(f"⌨ {self._tr(LAYOUTS_KEY)}") + 2 * metrics.padding + 12

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LayoutDirectionChange and (self._char_keys or self._stale):
            self._build()  # rows are placed for the page's direction

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width() and not self._stale:
            self._fit()

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def setVisible(self, visible: bool) -> None:
        if visible and self.isHidden():
            # Pending rows made before it shows, as they were at each change while it was
            # hidden: sized for the window's width, not for a frame not yet laid out.
            self._ensure_built()
        super().setVisible(visible)

    # --- showing and hiding ---------------------------------------------------------
    @staticmethod
    def editor_of(widget: QWidget | None) -> QLineEdit | None:
        """The line edit typed into when ``widget`` has the focus (an editable combo box,
        such as the country list, has the focus itself and passes keys to its line edit)."""
        if isinstance(widget, QComboBox) and widget.isEditable():
            return widget.lineEdit()
        return widget if isinstance(widget, QLineEdit) else None

    def is_target(self, widget: QWidget | None) -> bool:
        """A field this keyboard types into."""
        editor = self.editor_of(widget)
        return (
            editor is not None
            and editor.isEnabled()
            and not editor.isReadOnly()
            and editor.window() is self.window()
            and self._accepts(editor)
        )

    def target(self) -> QLineEdit | None:
        """The line edit that has the focus, if this keyboard serves it."""
        widget = QApplication.focusWidget()
        return self.editor_of(widget) if self.is_target(widget) else None

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None or new.window() is not self.window() or self.isAncestorOf(new):
            return  # a dialog or a pop-up list on top: the keyboard stays as it is
        if self.is_target(new):
            self._follow_field(self.editor_of(new))
            if self.available and not self._user_hidden:
                self._set_shown(True)
        else:
            self._set_shown(False)

    def show_for(self, editor: QWidget) -> None:
        """The "Clavier" button of a question: focus its field and show the keyboard."""
        if not self.available:
            return
        self._user_hidden = False
        editor.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.is_target(editor):
            self._follow_field(self.editor_of(editor))
            self._set_shown(True)

    def _set_shown(self, shown: bool) -> None:
        if shown == (not self.isHidden()):
            return
        self.setVisible(shown)
        if shown:
            self._fit()
        self.visibility_changed.emit(shown)

    def wipe(self) -> None:
        """The next applicant gets the keyboard of the language, shown, in lower case."""
        self._user_hidden = False
        self._served = None
        self._set_shown(False)
        if self.layout_id != default_layout(self._tr.code) or self.shift or self.listing:
            self.set_layout(default_layout(self._tr.code))

    # --- typing ---------------------------------------------------------------------
    def _send(self, editor: QLineEdit, key: int, text: str = "") -> None:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                editor, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text)
            )

    def _speak(self, editor: QLineEdit, text: str, *, secret: bool = False) -> None:
        masked = editor.echoMode() != QLineEdit.EchoMode.Normal
        if text and not (secret and masked):
            self.key_spoken.emit(text)

    def _char_pressed(self, key: Key) -> None:
        editor = self.target()
        if editor is None:
            return
        text = key.text()
        self._send(editor, 0, text)
        self._speak(editor, key.accessibleName(), secret=True)
        if self.shift:
            self.shift_key.setChecked(False)  # one capital letter, as on a phone

    def type_text(self, text: str) -> None:
        """Type ``text`` into the focused field as the keys would (tests, demos)."""
        editor = self.target()
        if editor is not None:
            for ch in text:
                self._send(editor, 0, ch)

    def _space_pressed(self) -> None:
        editor = self.target()
        if editor is not None:
            self._send(editor, Qt.Key.Key_Space, " ")
            self._speak(editor, self._tr(SPACE), secret=True)

    def _backspace_pressed(self) -> None:
        editor = self.target()
        if editor is not None:
            self._send(editor, Qt.Key.Key_Backspace)
            self._speak(editor, self._tr(BACKSPACE))

    def _next_pressed(self) -> None:
        editor = self.target()
        if editor is None:
            return
        completer = editor.completer()
        popup = completer.popup() if completer is not None else None
        if popup is not None and popup.isVisible():
            popup.hide()  # the country list: Suivant leaves it as typed
        self._speak(editor, self._tr(NEXT))
        self._send(editor, Qt.Key.Key_Tab)

    def _hide_pressed(self) -> None:
        self._user_hidden = True
        self._set_shown(False)

    def _shift_toggled(self, on: bool) -> None:
        self.shift = on
        self._retranslate_keys()
        editor = self.target()
        if on and editor is not None:
            self._speak(editor, self._tr(SHIFT))

    def _layout_pressed(self) -> None:
        """The fixed layout key: show (or close) the list of layouts by name."""
        if not self.listing:
            # The list takes the letters' place, not less: the page above does not jump.
            self.setMinimumHeight(self.height())
        self.listing = not self.listing
        self._build()
        editor = self.target()
        if editor is not None and self.listing:
            names = ", ".join(self._tr(lay.description) for lay in self._layouts.values())
            self._speak(editor, names)

    def _layout_chosen(self, layout_id: str) -> None:
        """One touch on a layout's name in the list: that layout."""
        self.set_layout(layout_id)
        editor = self.target()
        if editor is not None:
            self._speak(editor, self._tr(self.layout_.description))

    # --- for tests and the audit ----------------------------------------------------
    def key_for(self, char: str) -> Key:
        """The key that types ``char`` in the current layout (lower case)."""
        for key in self.char_keys:  # made now if a hidden keyboard's rows are pending
            if key.char == char:
                return key
        raise KeyError(f"no key {char!r} in layout {self.layout_id}")

    def chars(self) -> Sequence[str]:
        return [key.char for key in self.char_keys]
