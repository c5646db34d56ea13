"""The ten kiosk languages: metadata, catalogue headers, country names, scripts, and the
update/check commands following LANGUAGES (no hard-coded list)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from contract.countries import COUNTRY_CODES, country_names
from kiosk.config import Settings
from kiosk.i18n import LANGUAGES, SOURCE_LANGUAGE, Language, Translator, po_path
from tests.unit.i18n.script import i18n_script

# code -> (native name, rtl, Qt locale, espeak-ng voice, gettext locale)
EXPECTED = {
    "fr": ("Français", False, "fr_FR", "roa/fr", "fr"),
    "en": ("English", False, "en_GB", "gmw/en", "en"),
    "ar": ("العربية", True, "ar_SA", "sem/ar", "ar"),
    "fa": ("دری / فارسی", True, "fa_AF", "ira/fa", "fa"),
    "es": ("Español", False, "es_ES", "roa/es", "es"),
    "pt": ("Português", False, "pt_PT", "roa/pt", "pt"),
    "ru": ("Русский", False, "ru_RU", "zle/ru", "ru"),
    "uk": ("Українська", False, "uk_UA", "zle/uk", "uk"),
    "zh": ("中文（简体）", False, "zh_CN", "sit/cmn", "zh_Hans"),
    "tr": ("Türkçe", False, "tr_TR", "trk/tr", "tr"),
}

# The script each language's translations are written in (Latin ones are not checked).
SCRIPT_OF = {"ar": "ARABIC", "fa": "ARABIC", "ru": "CYRILLIC", "uk": "CYRILLIC", "zh": "CJK"}
_PLACEHOLDER = re.compile(r"\{[a-zA-Z_][a-zA-Z0-9_]*\}")


def _catalog(code: str) -> Catalog:
    with po_path(code).open("rb") as fh:
        return read_po(fh, locale=LANGUAGES[code].catalogue_locale)


def _translations(catalog: Catalog) -> list[str]:
    """Every translated text: a message's, or each plural form of a counted one."""
    out: list[str] = []
    for message in catalog:
        if message.id and message.string:
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            out.extend(form for form in forms if form)
    return out


def test_the_ten_languages_and_their_metadata() -> None:
    assert list(LANGUAGES)[:3] == ["fr", "en", "ar"]
    got = {
        code: (lang.native_name, lang.rtl, lang.qt_locale, lang.espeak_voice, lang.catalogue_locale)
        for code, lang in LANGUAGES.items()
    }
    assert got == EXPECTED


def test_the_default_settings_offer_every_language() -> None:
    assert Settings().languages == tuple(LANGUAGES)


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_babel_knows_the_language_and_its_direction(code: str) -> None:
    lang = LANGUAGES[code]
    for name in (lang.code, lang.catalogue_locale, lang.qt_locale):
        locale = Locale.parse(name)
        assert locale.language == code
        assert (locale.character_order == "right-to-left") == lang.rtl, name


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_country_names_in_every_language(code: str) -> None:
    names = country_names(code)
    assert set(names) == COUNTRY_CODES
    # Named in the language, not left as ISO codes.
    assert sum(name == iso for iso, name in names.items()) < 5
    if code != "en":
        assert names["FR"] != country_names("en")["FR"] or code in {"fr"}


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_catalogue_headers(code: str) -> None:
    catalog = _catalog(code)
    lang: Language = LANGUAGES[code]
    assert catalog.locale_identifier == lang.catalogue_locale
    assert catalog.charset.lower() == "utf-8"
    headers = dict(catalog.mime_headers)
    assert headers["Language"] == lang.catalogue_locale
    assert headers["Content-Type"].lower() == "text/plain; charset=utf-8"
    plural = get_plural(lang.catalogue_locale)
    assert headers["Plural-Forms"] == plural.plural_forms


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c in SCRIPT_OF])
def test_translations_are_written_in_the_language_script(code: str) -> None:
    script = SCRIPT_OF[code]
    wrong = []
    for text in _translations(_catalog(code)):
        letters = [ch for ch in _PLACEHOLDER.sub("", text) if ch.isalpha()]
        if letters and not any(unicodedata.name(ch, "").startswith(script) for ch in letters):
            wrong.append(text)
    assert wrong == []


def test_persian_uses_persian_letters() -> None:
    """Persian yeh and keheh (ی ک), not the Arabic ones (ي ك); a zero-width non-joiner
    in "می‌" forms, as a Persian keyboard types them."""
    strings = _translations(_catalog("fa"))
    assert not [s for s in strings if re.search("[\u064a\u0643]", s)]
    assert Translator("fa")("Que voulez-vous faire ?") == "چه کاری می\u200cخواهید انجام دهید؟"


def test_the_translator_reads_every_new_catalogue() -> None:
    expected = {
        "fa": "شروع",
        "es": "Empezar",
        "pt": "Começar",
        "ru": "Начать",
        "uk": "Почати",
        "zh": "开始",
        "tr": "Başla",
    }
    assert {code: Translator(code)("Commencer") for code in expected} == expected
    assert Translator("zh")("Renouvellement — étudiant") == "续签 — 学生"
    assert Translator("es")("Renouvellement — étudiant") == "Renovación — estudiante"


def test_update_and_check_follow_languages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A language added to LANGUAGES gets a catalogue from ``update`` (with its own
    plural forms), and ``check`` reports its messages until they are translated."""
    script = i18n_script()
    german = Language("de", "Deutsch", False, "de_DE", "gmw/de")
    languages = {"fr": LANGUAGES["fr"], "de": german}
    monkeypatch.setattr(script, "LANGUAGES", languages)
    monkeypatch.setattr(script, "po_path", lambda code: tmp_path / code / "kiosk.po")
    monkeypatch.setattr(script, "POT_PATH", tmp_path / "kiosk.pot")
    monkeypatch.setattr(script, "extract_messages", lambda: {"Bonjour": [("x.py", 1)]})

    written = script.update()
    assert written == [tmp_path / "fr" / "kiosk.po", tmp_path / "de" / "kiosk.po"]
    with (tmp_path / "de" / "kiosk.po").open("rb") as fh:
        german_po = read_po(fh)
    assert german_po.locale_identifier == "de"
    assert dict(german_po.mime_headers)["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert [(p.language, p.msgid, p.reason) for p in script.check()] == [
        ("de", "Bonjour", "untranslated")
    ]
    assert script.main(["check"]) == 1

    german_po["Bonjour"].string = "Guten Tag"
    script._write(german_po, tmp_path / "de" / "kiosk.po")
    assert script.check() == []


def test_check_fails_for_an_untranslated_message_in_any_language(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    script = i18n_script()
    for code in LANGUAGES:
        if code == SOURCE_LANGUAGE:
            continue
        catalog = _catalog(code)
        msgid = "Commencer"
        catalog[msgid].string = ""
        monkeypatch.setattr(script, "po_path", lambda c, bad=code: _po_or_copy(c, bad, tmp_path))
        script._write(catalog, tmp_path / f"{code}.po")
        problems = script.check([msgid])
        assert [(p.language, p.reason) for p in problems] == [(code, "untranslated")]


def _po_or_copy(code: str, bad: str, tmp_path: Path) -> Path:
    return tmp_path / f"{code}.po" if code == bad else po_path(code)


def test_update_never_leaves_a_fuzzy_guess_in_the_source_language(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    script = i18n_script()
    monkeypatch.setattr(script, "LANGUAGES", {"fr": LANGUAGES["fr"]})
    monkeypatch.setattr(script, "po_path", lambda code: tmp_path / code / "kiosk.po")
    monkeypatch.setattr(script, "POT_PATH", tmp_path / "kiosk.pot")
    monkeypatch.setattr(script, "extract_messages", lambda: {"Masquer": [("x.py", 1)]})
    script.update()
    # A new message close to a removed one: Babel guesses a fuzzy translation from it.
    monkeypatch.setattr(script, "extract_messages", lambda: {"Masquer le clavier": [("x.py", 1)]})
    script.update()
    with (tmp_path / "fr" / "kiosk.po").open("rb") as fh:
        message = read_po(fh)["Masquer le clavier"]
    assert message.string == "Masquer le clavier"
    assert not message.fuzzy
