"""Names typed by the applicant, written in the machine-readable zone (MRZ) alphabet.

ICAO Doc 9303 part 3 ("Specifications common to all MRTDs", 8th edition 2021, section 6
"Transliterations") allows only ``A``–``Z``, ``0``–``9`` and the filler ``<`` in the MRZ.
National characters are transliterated with its table A (multinational Latin-based
characters) and table B (Cyrillic); spaces and hyphens become ``<``, apostrophes and other
punctuation are omitted. Some Latin characters have two or three recommended forms
(``Ä`` is ``AE`` or ``A``, ``Ü`` is ``UE``, ``UXX`` or ``U``): the first one is the default
here, and :func:`mrz_variants` gives every allowed spelling so that what the applicant
typed can be compared with what their passport's MRZ says (:func:`matches_mrz`).

Arabic, Persian, Chinese and other scripts are not transliterated: each issuing state uses
its own rules, and applicants copy the Latin spelling printed in their passport. For such
input :func:`to_mrz` returns ``None``.
"""

from __future__ import annotations

import itertools
import unicodedata

FILLER = "<"
MAX_VARIANTS = 64

# Table A: characters whose transliteration is not simply "the base letter without its
# accent", with the ICAO alternatives after the recommended form.
_LATIN_SPECIAL: dict[str, tuple[str, ...]] = {
    "Ä": ("AE", "A"),
    "Å": ("AA", "A"),
    "Æ": ("AE",),
    "Ð": ("D",),
    "Ñ": ("N", "NXX"),
    "Ö": ("OE", "O"),
    "Ø": ("OE",),
    "Ü": ("UE", "UXX", "U"),
    "Þ": ("TH",),
    "ß": ("SS",),
    "ẞ": ("SS",),
    "Đ": ("D",),
    "Ħ": ("H",),
    "ı": ("I",),
    "Ĳ": ("IJ",),
    "Ŀ": ("L",),
    "Ł": ("L",),
    "Ŋ": ("N",),
    "Œ": ("OE",),
    "Ŧ": ("T",),
    "Ə": ("A",),  # Azerbaijani schwa: A in practice (not in table A)
}

# Table B: Cyrillic (Russian, Ukrainian, Belarusian, Bulgarian, Serbian, Macedonian).
# Г is G in the table; Ukrainian, Belarusian and some Serbian passports spell it H.
_CYRILLIC: dict[str, tuple[str, ...]] = {
    "А": ("A",),
    "Б": ("B",),
    "В": ("V",),
    "Г": ("G", "H"),
    "Ѓ": ("G",),
    "Ґ": ("G",),
    "Д": ("D",),
    "Ђ": ("D",),
    "Е": ("E",),
    "Ё": ("E",),
    "Є": ("IE",),
    "Ж": ("ZH",),
    "З": ("Z",),
    "Ѕ": ("DZ",),
    "И": ("I",),
    "І": ("I",),
    "Ї": ("I",),
    "Й": ("I",),
    "Ј": ("J",),
    "К": ("K",),
    "Ќ": ("K",),
    "Л": ("L",),
    "Љ": ("LJ",),
    "М": ("M",),
    "Н": ("N",),
    "Њ": ("NJ",),
    "О": ("O",),
    "П": ("P",),
    "Р": ("R",),
    "С": ("S",),
    "Т": ("T",),
    "Ћ": ("C",),
    "У": ("U",),
    "Ў": ("U",),
    "Ф": ("F",),
    "Х": ("KH",),
    "Ц": ("TS",),
    "Ч": ("CH",),
    "Џ": ("DZ",),
    "Ш": ("SH",),
    "Щ": ("SHCH",),
    "Ъ": ("IE",),
    "Ы": ("Y",),
    "Ь": ("",),
    "Э": ("E",),
    "Ю": ("IU",),
    "Я": ("IA",),
}

_SEPARATORS = frozenset(" -‐‑–—\u00a0")
_OMITTED = frozenset("'’‘ʼ`´.,")


def _letter_forms(char: str) -> tuple[str, ...] | None:
    """The MRZ spellings of one character (upper-cased), "" for omitted ones, None if
    it cannot be written in the MRZ alphabet."""
    if "A" <= char <= "Z" or "0" <= char <= "9":
        return (char,)
    if char in _SEPARATORS:
        return (FILLER,)
    if char in _OMITTED:
        return ("",)
    upper = char.upper() if char != "ß" else char
    if upper in _LATIN_SPECIAL:
        return _LATIN_SPECIAL[upper]
    if char in _LATIN_SPECIAL:
        return _LATIN_SPECIAL[char]
    if upper in _CYRILLIC:
        return _CYRILLIC[upper]
    # Every other Latin letter of table A is its base letter without the diacritic.
    base = "".join(
        c for c in unicodedata.normalize("NFD", upper) if unicodedata.category(c) != "Mn"
    )
    if base and all("A" <= c <= "Z" for c in base):
        return (base,)
    if unicodedata.category(char) == "Mn":  # a stray combining mark: nothing to write
        return ("",)
    return None


def _forms(text: str) -> list[tuple[str, ...]] | None:
    out = []
    for char in unicodedata.normalize("NFC", text.strip()):
        forms = _letter_forms(char)
        if forms is None:
            return None
        out.append(forms)
    return out


def _tidy(mrz: str) -> str:
    """Collapse runs of fillers and trim them at both ends."""
    parts = [p for p in mrz.split(FILLER) if p]
    return FILLER.join(parts)


def to_mrz(text: str) -> str | None:
    """``text`` in the MRZ alphabet with ICAO's recommended forms, e.g. "Müller-Lüdenscheidt"
    -> "MUELLER<LUEDENSCHEIDT". None if it holds a letter ICAO does not transliterate."""
    forms = _forms(text)
    if forms is None:
        return None
    return _tidy("".join(f[0] for f in forms))


def mrz_variants(text: str) -> frozenset[str]:
    """Every ICAO-allowed MRZ spelling of ``text`` (at most MAX_VARIANTS); empty if it
    cannot be transliterated."""
    forms = _forms(text)
    if forms is None:
        return frozenset()
    out: set[str] = set()
    for combo in itertools.islice(itertools.product(*forms), MAX_VARIANTS):
        out.add(_tidy("".join(combo)))
    return frozenset(out)


def matches_mrz(typed: str, mrz_field: str, *, truncated: bool = False) -> bool:
    """Whether a typed name (surname, or given names) agrees with the corresponding MRZ
    field (fillers between words; trailing fillers ignored). ``truncated``: the MRZ had
    no room for the whole name, so the field only has to be a prefix of it."""
    field = _tidy(mrz_field.strip().upper())
    if not field:
        return False
    variants = mrz_variants(typed)
    if truncated:
        return any(v.startswith(field) for v in variants)
    return field in variants
