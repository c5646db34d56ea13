"""Counted messages: each language's own plural forms, chosen by its Plural-Forms rule,
checked by ``scripts/i18n.py check`` (never "appel(s)", never one form for every count)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kiosk.i18n import LANGUAGES, NP_, SOURCE_LANGUAGE, Language, Translator
from kiosk.ui.inactivity import WARNING_TEXT
from kiosk.ui.widgets import PROBLEMS
from tests.unit.i18n.script import i18n_script, source_msgids

BIDI_ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))


def _say(code: str, message: tuple[str, str], n: int, key: str = "count") -> str:
    return Translator(code).plural(message, n).format(**{key: n}).translate(BIDI_ISOLATES)


def test_french_counts_zero_and_one_as_singular() -> None:
    assert _say("fr", PROBLEMS, 0) == "Il y a 0 problème."
    assert _say("fr", PROBLEMS, 1) == "Il y a 1 problème."
    assert _say("fr", PROBLEMS, 2) == "Il y a 2 problèmes."


def test_russian_has_one_few_and_many() -> None:
    said = {n: _say("ru", WARNING_TEXT, n, "seconds") for n in (1, 3, 5, 11, 21, 22, 25)}
    assert said[1] == said[21].replace("21", "1")
    assert "секунду" in said[1] and "секунду" in said[21]
    assert "секунды" in said[3] and "секунды" in said[22]
    assert "секунд " in said[5] and "секунд " in said[11] and "секунд " in said[25]


def test_arabic_has_its_dual_and_its_counted_forms() -> None:
    assert _say("ar", PROBLEMS, 1) == "توجد مشكلة واحدة."
    assert _say("ar", PROBLEMS, 2) == "توجد مشكلتان."  # the dual: no number written
    assert _say("ar", PROBLEMS, 3) == "توجد 3 مشاكل."  # 3 to 10: plural
    assert _say("ar", PROBLEMS, 11) == "توجد 11 مشكلة."  # 11 to 99: singular


def test_chinese_has_one_form() -> None:
    assert _say("zh", PROBLEMS, 1) == "有 1 个问题。"
    assert _say("zh", PROBLEMS, 7) == "有 7 个问题。"


def test_a_language_without_the_translation_says_the_french_forms() -> None:
    unknown = NP_("{count} chose inconnue", "{count} choses inconnues")
    assert _say("ru", unknown, 1) == "1 chose inconnue"
    assert _say("ru", unknown, 5) == "5 choses inconnues"


def test_no_message_writes_a_plural_in_brackets() -> None:
    """ "appel(s)" reads badly aloud and in every language: a counted message has forms."""
    bracketed = [
        m
        for m in source_msgids()
        if isinstance(m, str) and any(w.endswith("(s)") for w in m.split())
    ]
    assert bracketed == []


def test_counted_messages_are_extracted_as_pairs() -> None:
    messages = source_msgids()
    assert PROBLEMS in messages and WARNING_TEXT in messages


def test_check_wants_every_plural_form_of_the_language(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    script = i18n_script()
    russian = LANGUAGES["ru"]
    monkeypatch.setattr(script, "LANGUAGES", {"fr": LANGUAGES["fr"], "ru": russian})
    monkeypatch.setattr(script, "po_path", lambda code: tmp_path / code / "kiosk.po")
    monkeypatch.setattr(script, "POT_PATH", tmp_path / "kiosk.pot")
    pair = ("{count} fichier", "{count} fichiers")
    monkeypatch.setattr(script, "extract_messages", lambda: {pair: [("x.py", 1)]})
    script.update()
    path = tmp_path / "ru" / "kiosk.po"

    def russian_forms(*forms: str) -> list[tuple[str, str]]:
        with path.open("rb") as fh:
            catalog = read_po(fh, locale="ru")
        catalog[pair].string = forms
        catalog[pair].flags.discard("fuzzy")
        script._write(catalog, path)
        return [(p.language, p.reason) for p in script.check()]

    # Two forms where Russian has three: the third is read back empty.
    assert russian_forms("{count} файл", "{count} файла") == [("ru", "untranslated")]
    assert script._plural_problem("ru", pair, ("{count} файл", "{count} файла"), 3) == (
        "needs 3 plural forms"
    )
    assert russian_forms("{count} файл", "", "{count} файлов") == [("ru", "untranslated")]
    assert russian_forms("{count} файл", "{count} файла", "файлов") == [
        ("ru", "placeholders differ")
    ]
    assert russian_forms("{count} файл", "{count} файла", "{count} файлов") == []
    with (tmp_path / SOURCE_LANGUAGE / "kiosk.po").open("rb") as fh:
        french = read_po(fh, locale="fr")
    # French's own forms: "one" for 0 and 1, the plural for the others.
    assert french[pair].string[0] == "{count} fichier"
    assert set(french[pair].string[1:]) == {"{count} fichiers"}


def test_every_catalogue_gives_its_languages_number_of_forms() -> None:
    for code in LANGUAGES:
        language: Language = LANGUAGES[code]
        with (i18n_script().po_path(code)).open("rb") as fh:
            catalog = read_po(fh, locale=language.catalogue_locale)
        counted = [m for m in catalog if isinstance(m.id, tuple)]
        assert len(counted) >= 10, code
        for message in counted:
            assert len(message.string) == catalog.num_plurals, (code, message.id)


def test_staff_text_counts_with_french_and_english_rules() -> None:
    from kiosk.i18n import counted

    assert counted(0, "demande", "demandes") == "0 demande"  # French: 0 takes the singular
    assert counted(1, "demande", "demandes") == "1 demande"
    assert counted(2, "demande", "demandes") == "2 demandes"
    assert counted(0, "warning", "warnings", "en") == "0 warnings"
    assert counted(1, "warning", "warnings", "en") == "1 warning"
