"""Languages and gettext catalogues (Qt-free).

Message ids are the French source text. Catalogues live beside this file as
``<lang>/LC_MESSAGES/kiosk.po`` so that a translator edits them with any PO editor;
they are parsed at start-up with Babel, so there is no compiled ``.mo`` to go stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from kiosk.i18n.bidi import RtlText, isolate_runs

I18N_DIR = Path(__file__).parent
DOMAIN = "kiosk"
SOURCE_LANGUAGE = "fr"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (translated where shown)."""
    return message


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47 / gettext code, e.g. "fr", "ar"
    native_name: str  # the language's name in itself, shown on the language picker
    rtl: bool
    qt_locale: str  # e.g. "fr_FR", used for widget locales and number/date formats
    espeak_voice: str  # exact espeak-ng voice id (prefix matching picks regional variants)
    # Locale of the gettext catalogue (its "Language:" header), when the bare code is not
    # precise enough: "zh_Hans" says Simplified characters. The folder stays ``code``.
    gettext_locale: str = ""

    @property
    def catalogue_locale(self) -> str:
        return self.gettext_locale or self.code


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("fr", "Français", False, "fr_FR", "roa/fr"),
        Language("en", "English", False, "en_GB", "gmw/en"),
        Language("ar", "العربية", True, "ar_SA", "sem/ar"),
        # Dari first: most Persian-speaking applicants come from Afghanistan. Qt's fa_AF
        # is Dari (nativeLanguageName "دری", Afghan month names); fa_IR is Iranian Persian.
        Language("fa", "دری / فارسی", True, "fa_AF", "ira/fa"),
        Language("es", "Español", False, "es_ES", "roa/es"),
        Language("pt", "Português", False, "pt_PT", "roa/pt"),
        Language("ru", "Русский", False, "ru_RU", "zle/ru"),
        Language("uk", "Українська", False, "uk_UA", "zle/uk"),
        Language("zh", "中文（简体）", False, "zh_CN", "sit/cmn", gettext_locale="zh_Hans"),
        Language("tr", "Türkçe", False, "tr_TR", "trk/tr"),
    )
}


def language(code: str) -> Language:
    try:
        return LANGUAGES[code]
    except KeyError:
        raise KeyError(f"unsupported language {code!r}; known: {sorted(LANGUAGES)}") from None


def po_path(code: str) -> Path:
    return I18N_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _messages(code: str) -> dict[str, str]:
    path = po_path(code)
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language(code).catalogue_locale.replace("-", "_"))
    out: dict[str, str] = {}
    for msg in catalog:
        if isinstance(msg.id, str) and msg.id and isinstance(msg.string, str) and msg.string:
            if not msg.fuzzy:  # a fuzzy entry is a guess awaiting review: show the source
                out[msg.id] = msg.string
    return out


class Translator:
    """Translates French source strings into one language; falls back to the source."""

    def __init__(self, code: str) -> None:
        self.language = language(code)
        self._table = {} if code == SOURCE_LANGUAGE else _messages(code)

    @property
    def code(self) -> str:
        return self.language.code

    def gettext(self, message: str) -> str:
        text = self._table.get(message, message)
        # Right to left: numbers, dates and codes isolated, before and after .format()
        # (kiosk.i18n.bidi: "06 12 34 56 78" must not show as "78 56 34 12 06").
        return RtlText(text) if self.language.rtl else text

    __call__ = gettext

    def isolate(self, text: str) -> str:
        """Text put together outside the catalogue (a numbered line, an amount): in a
        right-to-left language, its numbers and codes isolated like a translation's."""
        return isolate_runs(text) if self.language.rtl else text

    def has(self, message: str) -> bool:
        return self.language.code == SOURCE_LANGUAGE or message in self._table


def reload_catalogues() -> None:
    """Forget parsed catalogues (tests and the audit edit them)."""
    _messages.cache_clear()
