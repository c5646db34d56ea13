"""Every message of the code and of the procedure catalogue is translated everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kiosk.i18n import LANGUAGES, SOURCE_LANGUAGE, Translator, po_path
from tests.unit.i18n.script import i18n_script, source_msgids

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def msgids() -> set[str | tuple[str, str]]:
    return set(source_msgids())


def _catalog(code: str):  # type: ignore[no-untyped-def]
    with po_path(code).open("rb") as fh:
        return read_po(fh, locale=code)


def test_extraction_finds_code_and_catalogue_strings(msgids: set[str | tuple[str, str]]) -> None:
    assert "Commencer" in msgids  # UI
    assert "Retour" in msgids  # UI, used inside an f-string's neighbour
    assert "Cette réponse est obligatoire." in msgids  # validation
    assert "Renouvellement — étudiant" in msgids  # procedure catalogue
    assert "Nom de famille" in msgids


def test_every_marked_literal_is_extracted(msgids: set[str | tuple[str, str]]) -> None:
    """A N_("...") that the extractor cannot see (e.g. inside an f-string) is a bug."""
    pattern = re.compile(r"""\bN_\(\s*(["'])((?:(?!\1).)+)\1\s*\)""")
    missed = []
    for path in (ROOT / "kiosk").rglob("*.py"):
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            if match.group(2) not in msgids:
                missed.append(f"{path.relative_to(ROOT)}: {match.group(2)}")
    assert missed == []


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_message_is_translated(code: str, msgids: set[str | tuple[str, str]]) -> None:
    catalog = _catalog(code)
    same_on_purpose = i18n_script().SAME_AS_FRENCH.get(code, frozenset())
    problems = []
    for msgid in sorted(msgids, key=str):
        message = catalog.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r}")
        elif isinstance(msgid, tuple):  # counted: the language's number of forms
            reason = i18n_script()._plural_problem(code, msgid, message.string, catalog.num_plurals)
            if reason or message.fuzzy:
                problems.append(f"{reason or 'fuzzy'}: {msgid!r}")
        elif not message.string or not str(message.string).strip():
            problems.append(f"untranslated: {msgid!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif i18n_script().placeholders(message.string) != i18n_script().placeholders(msgid):
            problems.append(f"placeholders differ: {msgid!r} -> {message.string!r}")
        elif code != SOURCE_LANGUAGE and message.string == msgid and msgid not in same_on_purpose:
            problems.append(f"same as the French: {msgid!r}")
    assert problems == []


def test_the_check_command_agrees() -> None:
    assert i18n_script().check() == []
    assert i18n_script().main(["check"]) == 0


def test_the_pot_is_up_to_date(msgids: set[str | tuple[str, str]]) -> None:
    with i18n_script().POT_PATH.open("rb") as fh:
        pot = {m.id for m in read_po(fh) if m.id}
    assert pot == msgids, "run: python scripts/i18n.py extract && python scripts/i18n.py update"


def test_arabic_uses_arabic_script_and_the_translator_reads_it() -> None:
    tr = Translator("ar")
    assert tr("Commencer") == "ابدأ"
    assert tr.language.rtl
    assert re.search(r"[\u0600-\u06FF]", tr("Vérifiez vos réponses"))
    assert Translator("en")("Continuer") == "Continue"
    assert Translator("fr")("Continuer") == "Continuer"


def test_check_reports_a_missing_translation() -> None:
    problems = i18n_script().check(["Un message que personne n'a traduit"])
    assert {p.language for p in problems} == set(LANGUAGES)
    assert all(p.reason == "missing" for p in problems)
