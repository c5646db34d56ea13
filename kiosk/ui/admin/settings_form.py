"""Admin mode's settings as a staff form (issue 16, problem 8): a check box for each yes/no
setting, the languages by their names and the procedures by their titles as check boxes,
numbers in spin boxes with their unit, the text size as a choice; each error in French
right under its field (named in its accessible description), never pydantic's English at
the bottom of the page. Dumb: it shows values and problems, and gives typed values back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import LANGUAGES, SOURCE_LANGUAGE

LABELS = {
    "languages": "Langues proposées aux usagers",
    "procedures": "Démarches proposées",
    "inactivity_timeout_s": "Effacement après inactivité",
    "inactivity_warning_s": "Avertissement avant l'effacement",
    "text_scale": "Taille du texte par défaut",
    "high_contrast": "Contraste élevé par défaut",
    "voice": "Voix activée par défaut",
    "on_screen_keyboard": "Clavier à l'écran",
    "central_url": "Adresse de l'API centrale",
    "ca_bundle": "Certificats de l'autorité (fichier PEM)",
    "draft_retention_days": "Conservation des brouillons",
    "acknowledged_retention_days": "Conservation des demandes reçues par l'API centrale",
    "admin_timeout_s": "Fermeture du mode administration sans action",
}
HELP = {
    "languages": "Le français est toujours proposé : c'est la langue du premier écran.",
    "procedures": "Cochez au moins une démarche.",
    "central_url": "Par exemple https://api.prefecture.example. Vérifiée à l'enregistrement.",
    "ca_bundle": "Vide : les autorités reconnues par le système.",
}
# (minimum, maximum, unit shown after the number) — the ranges of kiosk.config.Settings.
NUMBERS: dict[str, tuple[int, int, str]] = {
    "inactivity_timeout_s": (30, 3600, "secondes"),
    "inactivity_warning_s": (20, 600, "secondes"),
    "draft_retention_days": (1, 365, "jours"),
    "acknowledged_retention_days": (0, 365, "jours"),
    "admin_timeout_s": (30, 3600, "secondes"),
}
FLAGS = ("high_contrast", "voice", "on_screen_keyboard")
SCALES = ((1.0, "100 %"), (1.5, "150 %"), (2.0, "200 %"))


# Staff read French; the language's own name follows, as applicants see it.
FRENCH_NAMES = {
    "fr": "Français",
    "en": "Anglais",
    "ar": "Arabe",
    "fa": "Dari / persan",
    "es": "Espagnol",
    "pt": "Portugais",
    "ru": "Russe",
    "uk": "Ukrainien",
    "zh": "Chinois",
    "tr": "Turc",
}


def _language_name(code: str) -> str:
    native = LANGUAGES[code].native_name
    french = FRENCH_NAMES.get(code, code)
    return native if french == native else f"{french} ({native})"


class SettingsForm(QWidget):
    """``fields[name]``: the editor of a setting (for tests and the keyboard);
    ``errors[name]``: the label under it that says what is wrong."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("settings-form")
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(8)
        self.fields: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.captions: dict[str, QLabel] = {}
        self.language_boxes: dict[str, QCheckBox] = {}
        self.procedure_boxes: dict[str, QCheckBox] = {}
        self._initial: dict[str, Any] = {}
        for name in LABELS:
            self._row(name)

    # --- building ---------------------------------------------------------------------
    def _caption(self, name: str) -> QLabel:
        caption = QLabel(LABELS[name])
        caption.setWordWrap(True)
        caption.setProperty("role", "h3")
        self.captions[name] = caption
        return caption

    def _row(self, name: str) -> None:
        caption = self._caption(name)
        self.box.addWidget(caption)
        if name in HELP:
            hint = QLabel(HELP[name])
            hint.setWordWrap(True)
            hint.setProperty("role", "help")
            self.box.addWidget(hint)
        editor: QWidget
        if name == "languages":
            editor = self._checks(
                self.language_boxes, [(c, _language_name(c)) for c in LANGUAGES], columns=2
            )
            french = self.language_boxes[SOURCE_LANGUAGE]
            french.setChecked(True)
            french.setEnabled(False)
            caption.setBuddy(french)
        elif name == "procedures":
            editor = QWidget()  # filled by set_procedures (the catalogue's)
            QGridLayout(editor).setContentsMargins(0, 0, 0, 0)
        elif name in NUMBERS:
            low, high, unit = NUMBERS[name]
            spin = QSpinBox()
            spin.setRange(low, high)
            spin.setSuffix(f" {unit}")
            spin.setAccessibleName(f"{LABELS[name]} ({unit})")
            editor = spin
            caption.setBuddy(spin)
        elif name in FLAGS:
            check = QCheckBox(LABELS[name])
            check.setAccessibleName(LABELS[name])
            caption.hide()  # the box carries its own words
            editor = check
        elif name == "text_scale":
            combo = QComboBox()
            for value, text in SCALES:
                combo.addItem(text, value)
            combo.setAccessibleName(LABELS[name])
            editor = combo
            caption.setBuddy(combo)
        else:  # central_url, ca_bundle
            edit = QLineEdit()
            edit.setAccessibleName(LABELS[name])
            editor = edit
            caption.setBuddy(edit)
        editor.setObjectName(f"setting-{name}")
        for w in [editor, *editor.findChildren(QWidget)]:
            if isinstance(w, QCheckBox | QSpinBox | QComboBox | QLineEdit):
                w.setMinimumHeight(44)
        self.box.addWidget(editor)
        error = QLabel()
        error.setWordWrap(True)
        error.setProperty("role", "error")
        error.hide()
        self.box.addWidget(error)
        self.fields[name] = editor
        self.errors[name] = error

    def _checks(
        self, into: dict[str, QCheckBox], items: Iterable[tuple[str, str]], columns: int = 1
    ) -> QWidget:
        host = QWidget()
        grid = QGridLayout(host)
        grid.setContentsMargins(0, 0, 0, 0)
        for box in into.values():
            box.deleteLater()
        into.clear()
        for i, (key, text) in enumerate(items):
            box = QCheckBox(text)
            box.setAccessibleName(text)
            box.setMinimumHeight(44)
            grid.addWidget(box, *divmod(i, columns))
            into[key] = box
        return host

    def set_procedures(self, procedures: Iterable[tuple[str, str]]) -> None:
        """The catalogue's procedures, ``(id, French title)``, as check boxes."""
        old = self.fields["procedures"]
        index = self.box.indexOf(old)
        new = self._checks(self.procedure_boxes, procedures)
        new.setObjectName("setting-procedures")
        self.box.insertWidget(index, new)
        self.box.removeWidget(old)
        old.hide()  # at once: until deleted it painted over the languages
        old.deleteLater()
        self.fields["procedures"] = new
        first = next(iter(self.procedure_boxes.values()), None)
        if first is not None:
            self.captions["procedures"].setBuddy(first)

    # --- values -----------------------------------------------------------------------
    def show_values(self, values: Mapping[str, Any]) -> None:
        """The current settings (typed, as kiosk.config.Settings has them)."""
        for name, value in values.items():
            self._set(name, value)
        self._initial = self.values()
        self.show_errors({})

    def set_value(self, name: str, value: Any) -> None:
        """Set one field as staff would (tests, and the keyboard)."""
        self._set(name, value)

    def _set(self, name: str, value: Any) -> None:
        editor = self.fields.get(name)
        if editor is None:
            return
        if name == "languages":
            chosen = set(value or ())
            for code, box in self.language_boxes.items():
                box.setChecked(code == SOURCE_LANGUAGE or code in chosen)
        elif name == "procedures":
            chosen = set(value or ())
            for pid, box in self.procedure_boxes.items():
                box.setChecked(not chosen or pid in chosen)  # () = every procedure
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            index = editor.findData(float(value))
            editor.setCurrentIndex(max(0, index))
        elif isinstance(editor, QLineEdit):
            editor.setText("" if value is None else str(value))

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, editor in self.fields.items():
            if name == "languages":
                out[name] = tuple(c for c, b in self.language_boxes.items() if b.isChecked())
            elif name == "procedures":
                chosen = tuple(p for p, b in self.procedure_boxes.items() if b.isChecked())
                out[name] = () if len(chosen) == len(self.procedure_boxes) else chosen
                if not chosen and self.procedure_boxes:
                    out[name] = ("",)  # none ticked: refused by validation, said in French
            elif isinstance(editor, QSpinBox):
                out[name] = editor.value()
            elif isinstance(editor, QCheckBox):
                out[name] = editor.isChecked()
            elif isinstance(editor, QComboBox):
                out[name] = float(editor.currentData())
            elif isinstance(editor, QLineEdit):
                text = editor.text().strip()
                out[name] = (Path(text) if text else None) if name == "ca_bundle" else text
        return out

    def changes(self) -> dict[str, Any]:
        now = self.values()
        return {k: v for k, v in now.items() if v != self._initial.get(k)}

    # --- problems ---------------------------------------------------------------------
    def show_errors(self, problems: Mapping[str, str]) -> None:
        """Each problem under its field, in French; the first faulty field takes focus."""
        first: QWidget | None = None
        for name, label in self.errors.items():
            message = problems.get(name)
            label.setVisible(bool(message))
            label.setText(f"Erreur : {message}" if message else "")
            editor = self.fields[name]
            targets = [editor, *editor.findChildren(QCheckBox)]
            for w in targets:
                w.setAccessibleDescription(label.text())
            if message and first is None:
                focusable = [w for w in targets if w.focusPolicy() != Qt.FocusPolicy.NoFocus]
                first = next((w for w in focusable if w.isEnabled()), editor)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
