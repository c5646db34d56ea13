"""Font families for each script: the screens (the theme) and printed receipts use the same."""

from __future__ import annotations

from PySide6.QtCore import QLocale

from kiosk.i18n import LANGUAGES

_LATIN_FAMILIES = ["Noto Sans", "DejaVu Sans"]  # Latin, Cyrillic
_ARABIC_FAMILIES = ["Noto Sans Arabic", "Noto Naskh Arabic", "Noto Sans", "DejaVu Sans"]
# Simplified Chinese: a CJK face first, so Han characters do not come from whatever
# fallback font Qt finds (often with Japanese glyph shapes); Latin answers from Noto Sans.
_HANS_FAMILIES = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "Noto Sans",
    "DejaVu Sans",
]
_FAMILIES_BY_SCRIPT = {
    QLocale.Script.ArabicScript: _ARABIC_FAMILIES,  # Arabic, Persian
    QLocale.Script.SimplifiedHanScript: _HANS_FAMILIES,
}


def script_of(language: str) -> QLocale.Script:
    lang = LANGUAGES.get(language)
    return QLocale(lang.qt_locale).script() if lang else QLocale.Script.LatinScript


def font_families(language: str) -> list[str]:
    """Font families for ``language``, by its script (from its Qt locale)."""
    return list(_FAMILIES_BY_SCRIPT.get(script_of(language), _LATIN_FAMILIES))
