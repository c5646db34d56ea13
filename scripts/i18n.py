"""Gettext catalogues of the kiosk: extract, update, check.

    python scripts/i18n.py extract   # kiosk/i18n/kiosk.pot from the code and the catalogue
    python scripts/i18n.py update    # merge the .pot into kiosk/i18n/<lang>/LC_MESSAGES/kiosk.po
    python scripts/i18n.py check     # exit 1, listing every message missing or untranslated
    python scripts/i18n.py add FILE.json
        # extract + update, then set the translations of FILE.json:
        # {"French msgid": {"en": "...", "ar": "...", ...}, ...}

Every command holds a lock on the catalogues, so several people (or agents) working in one
tree never interleave their rewrites.

Message ids are the French source text: in the code, ``N_("...")``, ``_("...")`` or
``tr("...")``; in the procedure catalogue, every title, summary, label and help text. A
counted message is ``NP_("singular", "plural")``: its id is the pair, its translation has
the language's number of forms (``Plural-Forms``), and ``add`` takes a list of them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from contract.catalogue import DEFAULT_CATALOGUE, load_catalogue  # noqa: E402
from kiosk.i18n import DOMAIN, I18N_DIR, LANGUAGES, SOURCE_LANGUAGE, po_path  # noqa: E402

POT_PATH = I18N_DIR / f"{DOMAIN}.pot"
KEYWORDS = {"_": None, "N_": None, "tr": None, "NP_": (1, 2)}
MsgId = str | tuple[str, str]  # a message, or a counted message's (singular, plural)
# Fixed, so that re-extracting an unchanged tree rewrites identical files.
_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_PLACEHOLDER = re.compile(r"\{[a-zA-Z_][a-zA-Z0-9_]*\}")

# Same text in French and in a translation, on purpose (proper names, international words).
# Every language of LANGUAGES has an entry, empty unless listed here.
# Units written the same way (SI seconds, minutes).
_UNITS = frozenset({"{seconds} s", "{minutes} min", "{minutes} min {seconds} s"})
SAME_AS_FRENCH: dict[str, frozenset[str]] = {code: frozenset() for code in LANGUAGES} | {
    "en": frozenset({"Passeport"}) | _UNITS,
    "es": frozenset({"Contraste"}) | _UNITS,
    "pt": frozenset({"Contraste"}) | _UNITS,
}


def _source_dirs() -> Iterable[Path]:
    yield ROOT / "kiosk"
    yield ROOT / "contract"  # the catalogue's and the validators' messages


def extract_messages() -> dict[MsgId, list[tuple[str, int]]]:
    """msgid -> locations, from the Python sources and the procedure catalogue."""
    found: dict[MsgId, list[tuple[str, int]]] = {}
    for base in _source_dirs():
        for filename, lineno, message, _comments, _context in extract_from_dir(
            base,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            directory_filter=lambda d: Path(d).name not in {"__pycache__", "tests"},
        ):
            key: MsgId | None = None
            if isinstance(message, str) and message:
                key = message
            elif isinstance(message, tuple) and len(message) == 2 and all(message):
                key = (str(message[0]), str(message[1]))
            if key is not None:
                rel = (base / filename).relative_to(ROOT).as_posix()
                found.setdefault(key, []).append((rel, lineno))
    catalogue_rel = DEFAULT_CATALOGUE.relative_to(ROOT).as_posix()
    for text in load_catalogue().strings():
        found.setdefault(text, []).append((catalogue_rel, 0))
    return found


def build_template() -> Catalog:
    template = Catalog(
        project="kiosk-titre-sejour",
        domain=DOMAIN,
        locale=None,
        creation_date=_EPOCH,
        revision_date=_EPOCH,
        fuzzy=False,
    )
    for msgid, locations in extract_messages().items():
        template.add(msgid, locations=[(path, line or None) for path, line in locations])
    return template


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, include_lineno=False, ignore_obsolete=True)


def _read(path: Path, locale: str | None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _catalogue_locale(code: str) -> str:
    """The gettext locale of ``code``'s catalogue, e.g. "zh_Hans" for "zh"."""
    return LANGUAGES[code].catalogue_locale


def extract() -> Path:
    _write(build_template(), POT_PATH)
    return POT_PATH


def update() -> list[Path]:
    """Merge the template into the catalogue of every language of LANGUAGES (a new
    language gets a new catalogue, with its plural forms), keeping translations."""
    written = []
    for code in LANGUAGES:
        # A fresh template each time: Catalog.update() adopts the template's messages.
        template = _read(POT_PATH, None) if POT_PATH.exists() else build_template()
        path = po_path(code)
        locale = _catalogue_locale(code)
        if path.exists():
            catalog = _read(path, locale)
        else:
            catalog = Catalog(
                locale=locale,
                domain=DOMAIN,
                project="kiosk-titre-sejour",
                creation_date=_EPOCH,
                revision_date=_EPOCH,
                fuzzy=False,
            )
        catalog.update(template, update_creation_date=False)
        if code == SOURCE_LANGUAGE:
            # The source language: the text is its own translation (never a fuzzy guess
            # that update() took from a similar message).
            for message in catalog:
                if isinstance(message.id, tuple):
                    forms = _french_forms(message.id, catalog.num_plurals)
                    if message.string != forms:
                        message.string = forms
                        message.flags.discard("fuzzy")
                elif message.id and (not message.string or message.fuzzy):
                    message.string = message.id
                    message.flags.discard("fuzzy")
        catalog.revision_date = _EPOCH
        _write(catalog, path)
        written.append(path)
    return written


def _french_forms(msgid: tuple[str, str], count: int) -> tuple[str, ...]:
    """French's forms by its Plural-Forms: "one" (0 and 1), then the plural for the others."""
    return (msgid[0], *([msgid[1]] * (count - 1)))


@dataclass(frozen=True)
class Problem:
    language: str
    msgid: MsgId
    reason: str

    def __str__(self) -> str:
        return f"{self.language}: {self.reason}: {self.msgid!r}"


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def check(msgids: Iterable[MsgId] | None = None) -> list[Problem]:
    """Every message of the code and catalogue translated in every language."""
    wanted = list(msgids) if msgids is not None else list(extract_messages())
    problems: list[Problem] = []
    for code in LANGUAGES:
        path = po_path(code)
        if not path.exists():
            problems.append(Problem(code, str(path), "no catalogue"))
            continue
        catalog = _read(path, _catalogue_locale(code))
        for msgid in wanted:
            message = catalog.get(msgid)
            reason = None
            if message is None:
                reason = "missing"
            elif message.fuzzy:
                reason = "fuzzy"
            elif isinstance(msgid, tuple):
                reason = _plural_problem(code, msgid, message.string, catalog.num_plurals)
            elif not isinstance(message.string, str) or not message.string.strip():
                reason = "untranslated"
            elif placeholders(message.string) != placeholders(msgid):
                reason = "placeholders differ"
            elif (
                code != SOURCE_LANGUAGE
                and message.string == msgid
                and msgid not in SAME_AS_FRENCH.get(code, frozenset())
            ):
                reason = "same as the French"
            if reason:
                problems.append(Problem(code, msgid, reason))
    return problems


def _plural_problem(code: str, msgid: tuple[str, str], forms: object, count: int) -> str | None:
    if not isinstance(forms, tuple) or len(forms) != count:
        return f"needs {count} plural forms"
    if not all(isinstance(f, str) and f.strip() for f in forms):
        return "untranslated"
    # A form for one or two may say the number in words ("مشكلتان"); the last, for any
    # number, shows the count.
    wanted = placeholders(msgid[1])
    if any(not placeholders(f) <= wanted for f in forms) or placeholders(forms[-1]) != wanted:
        return "placeholders differ"
    if code != SOURCE_LANGUAGE and set(forms) <= set(msgid):
        return "same as the French"
    return None


def add(translations: dict[str, dict[str, str | list[str]]]) -> list[str]:
    """Extract, update, then write ``translations`` (msgid -> language -> text) into the
    catalogues; a counted message is keyed by its French singular, and its text is the list
    of the language's forms. Returns the msgids that the code does not use (not written)."""
    extract()
    update()
    known = {m if isinstance(m, str) else m[0] for m in extract_messages()}
    unknown = [msgid for msgid in translations if msgid not in known]
    for code in LANGUAGES:
        if code == SOURCE_LANGUAGE:
            continue
        path = po_path(code)
        catalog = _read(path, _catalogue_locale(code))
        changed = False
        for msgid, by_language in translations.items():
            text = by_language.get(code)
            message = catalog.get(msgid)
            if text and message is not None:
                message.string = tuple(text) if isinstance(text, list) else text
                message.flags.discard("fuzzy")
                changed = True
        if changed:
            _write(catalog, path)
    return unknown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("command", choices=["extract", "update", "check", "add"])
    parser.add_argument("file", nargs="?", type=Path, help="translations (add)")
    args = parser.parse_args(argv)
    lock_path = I18N_DIR / ".lock"
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    if args.command == "add":
        if args.file is None:
            print("add: give a JSON file of translations", file=sys.stderr)
            return 2
        unknown = add(json.loads(args.file.read_text(encoding="utf-8")))
        for msgid in unknown:
            print(f"not in the code (skipped): {msgid!r}", file=sys.stderr)
        print("translations added")
        return 0
    if args.command == "extract":
        path = extract()
        print(f"wrote {path.relative_to(ROOT)} ({len(extract_messages())} messages)")
        return 0
    if args.command == "update":
        for path in update():
            print(f"updated {path.relative_to(ROOT)}")
        return 0
    problems = check()
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in the translations", file=sys.stderr)
        return 1
    print(f"all {len(LANGUAGES)} languages complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
