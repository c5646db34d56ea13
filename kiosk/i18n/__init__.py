"""Languages and gettext catalogues (Qt-free).

Message ids are the French source text. Catalogues live beside this file as
``<lang>/LC_MESSAGES/kiosk.po`` so that a translator edits them with any PO editor;
they are parsed at start-up with Babel, so there is no compiled ``.mo`` to go stale.

A message that counts something has plural forms (``NP_``, ``Translator.plural``): each
catalogue gives as many forms as its language's ``Plural-Forms`` header says (Arabic six,
Russian and Ukrainian three, Chinese one), never "appel(s)" nor a French-only singular
message beside a plural one.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
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


Plural = tuple[str, str]  # a counted message's French singular and plural forms


def NP_(singular: str, plural: str) -> Plural:
    """Mark a counted message for extraction: its French singular and plural forms, both
    with the count's placeholder (``Translator.plural`` picks a language's form)."""
    return (singular, plural)


def _french_plural(n: int) -> int:
    return 0 if n in (0, 1) else 1  # "0 appel", "1 appel", "2 appels"


def counted(count: int, one: str, other: str, language: str = "fr") -> str:
    """A count and its noun in staff text, which is French (or English for ``kiosk-health
    --lang en``) and not in the catalogues: "1 demande envoyée", "3 demandes envoyées",
    never "demande(s)"."""
    singular = _french_plural(count) == 0 if language == "fr" else count == 1
    return f"{count} {one if singular else other}"


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


@dataclass(frozen=True)
class _Catalogue:
    messages: dict[str, str]
    plurals: dict[str, tuple[str, ...]]  # singular msgid -> the language's forms
    plural_index: Callable[[int], int]  # count -> index of the form (Plural-Forms)


@cache
def _catalogue(code: str) -> _Catalogue:
    path = po_path(code)
    if not path.exists():
        return _Catalogue({}, {}, _french_plural)
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language(code).catalogue_locale.replace("-", "_"))
    out: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    for msg in catalog:
        if not msg.id or msg.fuzzy:  # a fuzzy entry is a guess awaiting review: the source
            continue
        if isinstance(msg.id, str) and isinstance(msg.string, str) and msg.string:
            out[msg.id] = msg.string
        elif isinstance(msg.id, tuple) and isinstance(msg.string, tuple):
            if msg.string and all(msg.string):
                plurals[msg.id[0]] = tuple(msg.string)
    # The header's C expression, e.g. "(n != 1)" (gettext's own parser, as GNU gettext).
    index = gettext.c2py(catalog.plural_expr) if plurals else _french_plural
    return _Catalogue(out, plurals, index)


class Translator:
    """Translates French source strings into one language; falls back to the source."""

    def __init__(self, code: str) -> None:
        self.language = language(code)
        source = code == SOURCE_LANGUAGE
        catalogue = _Catalogue({}, {}, _french_plural) if source else _catalogue(code)
        self._table = catalogue.messages
        self._plurals = catalogue.plurals
        self._plural_index = catalogue.plural_index

    @property
    def code(self) -> str:
        return self.language.code

    def gettext(self, message: str) -> str:
        text = self._table.get(message, message)
        # Right to left: numbers, dates and codes isolated, before and after .format()
        # (kiosk.i18n.bidi: "06 12 34 56 78" must not show as "78 56 34 12 06").
        return RtlText(text) if self.language.rtl else text

    __call__ = gettext

    def plural(self, message: Plural, count: int) -> str:
        """The form of ``message`` for ``count`` (not yet formatted: ``.format(count=n)``);
        the French forms where the language has no translation."""
        forms = self._plurals.get(message[0])
        if forms is None:
            text = message[_french_plural(count)]
        else:
            text = forms[min(int(self._plural_index(count)), len(forms) - 1)]
        return RtlText(text) if self.language.rtl else text

    def isolate(self, text: str) -> str:
        """Text put together outside the catalogue (a numbered line, an amount): in a
        right-to-left language, its numbers and codes isolated like a translation's."""
        return isolate_runs(text) if self.language.rtl else text

    def has(self, message: str) -> bool:
        return self.language.code == SOURCE_LANGUAGE or message in self._table


def reload_catalogues() -> None:
    """Forget parsed catalogues (tests and the audit edit them)."""
    _catalogue.cache_clear()
