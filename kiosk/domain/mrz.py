"""Machine-readable zones (MRZ) of travel documents: parse, check, correct, format.

Formats (ICAO Doc 9303, 8th edition, parts 3 to 7):

========  =======  ==========================================================
format    lines    documents
========  =======  ==========================================================
TD1       3 x 30   identity cards, residence permits (part 5)
TD2       2 x 36   older identity cards and official travel documents (part 6)
TD3       2 x 44   passports (part 4)
MRV-A     2 x 44   full-size visas (part 7), no composite check digit
MRV-B     2 x 36   smaller visas (part 7), no composite check digit
FR-ID     2 x 36   French national identity card issued until 2021 (not ICAO)
========  =======  ==========================================================

Check digits use the 7-3-1 weights modulo 10 (part 3, 4.9): digits count their value,
letters A-Z 10-35, the filler ``<`` 0. ICAO traps handled here:

* TD1 and TD2 document numbers longer than 9 characters continue in the optional data;
  the check-digit position holds ``<`` and the check digit follows the overflow;
* some issuers write ``<`` (others ``0``) as the check digit of an empty personal number;
* the French identity card has its own layout: the card number (12 characters) and the
  birth date are checked, and a final check digit covers both lines;
* Belgium's cards (identity cards and residence cards, e.g. the PRADO specimen BEL-BO-03003:
  ``IDBEL000590240<6013<<<<<<<<<<<``) write a 12-digit number as an overflow but compute
  its check digit over the 13 characters as printed, the filler included
  (``000590240<601`` -> 3; Doc 9303 says ``000590240601`` -> 1).

The Belgian variant is **accepted, for issuer BEL only, in the overflow layout only, and
only when the standard digit fails** (the result lists it in ``variants``). Why:

* it is how every Belgian card with a 12-digit number is issued (an official specimen
  shows it); refusing it means no Belgian-issued card is ever read, for good;
* it adds little risk. A misread number must still pass the composite check digit, which
  covers those same characters, and the birth and expiry digits; the variant only lets a
  second computation of one digit agree, for cards that say BEL, where the layout already
  puts a filler in the check-digit position. The chance that a misread of such a number
  passes rises from about 1 in 100 (own digit and composite) to about 2 in 100, only on
  Belgian cards; everywhere else nothing changes;
* the applicant confirms every prefilled answer, and the names (which no check digit
  covers at all) are the larger risk. Still, a read is only ever accepted whole: no other
  deviation (a missing digit, a wrong position) is tolerated, for any issuer.

:func:`parse` returns a :class:`MrzResult` whose ``valid`` says whether every check digit
passed; :func:`parse_valid` raises :class:`MrzError` instead of returning a read that
fails. Both correct OCR confusions only where the layout leaves no choice: a letter in a
numeric-only position (dates, check digits) becomes the digit it resembles, a digit in a
letter-only position (names, country codes) the letter it resembles; document numbers and
optional data (letters and digits both possible) are never changed. A corrected read is
accepted only if its check digits then pass.

Known limit of the 7-3-1 scheme (not of this code): characters whose values differ by a
multiple of 10 (``0 A K U <``, ``1 B L V``, ``6 G Q``, ``8 I S``, ``5 F P Z``...) are
interchangeable in an alphanumeric field without any check digit noticing. Names,
nationality and sex carry no check digit at all. The applicant must confirm what is read.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

FILLER = "<"
ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
_WEIGHTS = (7, 3, 1)


class Format(StrEnum):
    TD1 = "TD1"
    TD2 = "TD2"
    TD3 = "TD3"
    MRV_A = "MRV-A"
    MRV_B = "MRV-B"
    FRENCH_ID = "FR-ID"


#: Number of lines and characters per line of each format.
SHAPES: dict[Format, tuple[int, int]] = {
    Format.TD1: (3, 30),
    Format.TD2: (2, 36),
    Format.TD3: (2, 44),
    Format.MRV_A: (2, 44),
    Format.MRV_B: (2, 36),
    Format.FRENCH_ID: (2, 36),
}


class Reason(StrEnum):
    """Why a read is rejected."""

    WRONG_LENGTH = "wrong_length"
    BAD_CHARACTERS = "bad_characters"
    UNKNOWN_FORMAT = "unknown_format"
    CHECK_DIGIT = "check_digit"
    BAD_FIELD = "bad_field"  # a character the field cannot hold, an impossible date


class MrzError(ValueError):
    """A rejected MRZ: ``reason`` says why, ``field`` names the field when there is one."""

    def __init__(self, reason: Reason, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Check:
    """One check digit: the field it covers, the digit printed and the digit computed."""

    field: str
    found: str
    expected: str
    ok: bool


@dataclass(frozen=True)
class Correction:
    """One character changed by :func:`parse` (0-based line and column)."""

    line: int
    column: int
    found: str
    corrected: str


@dataclass(frozen=True)
class MrzResult:
    format: Format
    document_code: str  # "P", "ID", "V", "AC"... without trailing filler
    issuing_state: str  # "UTO", "D" (Germany)...
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: dt.date | None  # None when the MRZ leaves it (partly) unknown
    sex: str  # "M", "F" or "X" (unspecified, printed "<")
    expiry_date: dt.date | None  # None for the French card (its MRZ has no expiry)
    optional_data: str
    optional_data_2: str = ""  # TD1 line 2 optional data
    issue_date: dt.date | None = None  # French card only: first day of the issue month
    checks: tuple[Check, ...] = ()
    problems: tuple[str, ...] = ()  # fields that cannot be right, e.g. "birth_date"
    corrections: tuple[Correction, ...] = ()
    variants: tuple[str, ...] = ()  # national deviations from Doc 9303 accepted in this read
    lines: tuple[str, ...] = ()
    birth_date_text: str = ""
    expiry_date_text: str = ""

    @property
    def valid(self) -> bool:
        """Every check digit passes and every checked field holds a possible value."""
        return all(c.ok for c in self.checks) and not self.problems

    @property
    def failed_fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.checks if not c.ok) + self.problems

    def expired(self, today: dt.date | None = None) -> bool | None:
        """True if the document expired before ``today``; None when the MRZ cannot say."""
        if self.expiry_date is None:
            return None
        return self.expiry_date < (today or dt.date.today())

    def identity(self) -> tuple[object, ...]:
        """The fields a read is judged by (what the tracker compares across frames)."""
        return (
            self.format,
            self.document_code,
            self.issuing_state,
            self.surname,
            self.given_names,
            self.document_number,
            self.nationality,
            self.birth_date_text,
            self.sex,
            self.expiry_date_text,
            self.optional_data,
            self.optional_data_2,
        )


# ---------------------------------------------------------------------------- check digits


def char_value(char: str) -> int:
    if char.isdigit():
        return ord(char) - 48
    if "A" <= char <= "Z":
        return ord(char) - 55
    if char == FILLER:
        return 0
    raise ValueError(f"{char!r} is not an MRZ character")


def check_digit(data: str) -> str:
    """The ICAO 9303 check digit of ``data`` (7-3-1 weights, modulo 10)."""
    total = sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(data))
    return str(total % 10)


# ---------------------------------------------------------------------------- layouts

# Position kinds: A letter or filler, N digit or filler (dates may be partly unknown),
# C check digit (digit or filler), D digit, S sex, X anything.
_KINDS: dict[Format, tuple[str, ...]] = {
    Format.TD3: (
        "A" * 44,
        "X" * 9 + "C" + "AAA" + "N" * 6 + "CS" + "N" * 6 + "C" + "X" * 14 + "CC",
    ),
    Format.MRV_A: ("A" * 44, "X" * 9 + "C" + "AAA" + "N" * 6 + "CS" + "N" * 6 + "C" + "X" * 16),
    Format.TD2: ("A" * 36, "X" * 9 + "C" + "AAA" + "N" * 6 + "CS" + "N" * 6 + "C" + "X" * 7 + "C"),
    Format.MRV_B: ("A" * 36, "X" * 9 + "C" + "AAA" + "N" * 6 + "CS" + "N" * 6 + "C" + "X" * 8),
    Format.TD1: (
        "AAAAA" + "X" * 9 + "C" + "X" * 15,
        "N" * 6 + "CS" + "N" * 6 + "C" + "AAA" + "X" * 11 + "C",
        "A" * 30,
    ),
    Format.FRENCH_ID: (
        "A" * 30 + "X" * 6,
        "DDDD" + "XXX" + "DDDDD" + "C" + "A" * 14 + "N" * 6 + "CSC",
    ),
}

# Shapes a letter takes when it should be a digit, and the reverse. Each maps one way
# only, so a correction never has to choose.
_TO_DIGIT = {"O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "Z": "2",
             "A": "4", "S": "5", "G": "6", "T": "7", "B": "8"}  # fmt: skip
_TO_LETTER = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B"}
_SEXES = frozenset("MFX<")


def position_kinds(fmt: Format) -> tuple[str, ...]:
    """Per line, the kind of each position (``A`` letter or filler, ``N`` digit or filler,
    ``C`` check digit, ``D`` digit, ``S`` sex, ``X`` anything)."""
    return _KINDS[fmt]


def allowed(kind: str, char: str) -> bool:
    """Whether a position of ``kind`` (see :func:`position_kinds`) may hold ``char``."""
    return _allowed(kind, char)


def _allowed(kind: str, char: str) -> bool:
    if kind == "D":
        return char.isdigit()
    if kind in "NC":
        return char.isdigit() or char == FILLER
    if kind == "A":
        return char.isalpha() or char == FILLER
    if kind == "S":
        return char in _SEXES
    return True


def _fix(kind: str, char: str) -> str | None:
    if kind in "NCD":
        return _TO_DIGIT.get(char)
    if kind == "A":
        return _TO_LETTER.get(char)
    return None


# ---------------------------------------------------------------------------- parsing


def split_lines(text: str | Sequence[str]) -> list[str]:
    """Lines of an MRZ given as one string (newline-separated, or the lines run together)
    or as a sequence of lines; surrounding white space is dropped."""
    if isinstance(text, str):
        lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
        if len(lines) == 1:
            one = lines[0]
            for count, width in ((3, 30), (2, 36), (2, 44)):
                if len(one) == count * width:
                    return [one[i * width : (i + 1) * width] for i in range(count)]
        return lines
    return [line.strip() for line in text]


def detect_format(lines: Sequence[str]) -> Format:
    """The format of lines already known to have one of the MRZ shapes."""
    count, width = len(lines), len(lines[0])
    code = lines[0][:1]
    if (count, width) == (3, 30):
        if code in "ACI":
            return Format.TD1
    elif (count, width) == (2, 44):
        if code == "P":
            return Format.TD3
        if code == "V":
            return Format.MRV_A
    elif (count, width) == (2, 36):
        if code == "V":
            return Format.MRV_B
        if lines[0].startswith("IDFRA"):
            return Format.FRENCH_ID
        if code in "ACIP":
            return Format.TD2
    raise MrzError(
        Reason.UNKNOWN_FORMAT,
        f"document code {lines[0][:2]!r} does not fit a {count} x {width} MRZ",
        "document_code",
    )


def _check_shape(lines: Sequence[str]) -> None:
    if len(lines) not in (2, 3):
        raise MrzError(Reason.UNKNOWN_FORMAT, f"an MRZ has 2 or 3 lines, not {len(lines)}")
    widths = (30,) if len(lines) == 3 else (36, 44)
    target = min(widths, key=lambda width: abs(width - len(lines[0])))
    for number, line in enumerate(lines, 1):
        if len(line) != target:
            raise MrzError(
                Reason.WRONG_LENGTH,
                f"line {number} has {len(line)} characters, expected {target}",
            )
    bad = sorted({c for line in lines for c in line if c not in ALPHABET})
    if bad:
        raise MrzError(
            Reason.BAD_CHARACTERS, f"characters outside the MRZ alphabet: {''.join(bad)!r}"
        )


def _apply_kinds(
    lines: list[str],
    kinds: Sequence[str],
    correct: bool,
    corrections: list[Correction],
    fmt: Format | None,
) -> None:
    for row, (line, kind_row) in enumerate(zip(lines, kinds, strict=True)):
        chars = list(line)
        for col, (char, kind) in enumerate(zip(chars, kind_row, strict=True)):
            if _allowed(kind, char):
                continue
            fixed = _fix(kind, char) if correct else None
            if fixed is None:
                what = {
                    "N": "a digit",
                    "D": "a digit",
                    "C": "a check digit",
                    "A": "a letter",
                    "S": "M, F or <",
                }
                raise MrzError(
                    Reason.BAD_FIELD,
                    f"line {row + 1}, column {col + 1}: {char!r} where {what[kind]} belongs",
                    _field_at(fmt, lines, row, col),
                )
            chars[col] = fixed
            corrections.append(Correction(row, col, char, fixed))
        lines[row] = "".join(chars)


def _field_at(fmt: Format | None, lines: Sequence[str], row: int, col: int) -> str | None:
    if fmt is None:  # the first five characters, before the format is known
        return "document_code" if col < 2 else "issuing_state"
    offset = sum(len(line) for line in lines[:row]) + col
    for name, start, end in _FIELD_SPANS[fmt]:
        if start <= offset < end:
            return name
    return None


_FIELD_SPANS: dict[Format, tuple[tuple[str, int, int], ...]] = {
    Format.TD3: (("document_code", 0, 2), ("issuing_state", 2, 5), ("name", 5, 44),
                 ("document_number", 44, 54), ("nationality", 54, 57), ("birth_date", 57, 64),
                 ("sex", 64, 65), ("expiry_date", 65, 72), ("optional_data", 72, 87),
                 ("composite", 87, 88)),
    Format.MRV_A: (("document_code", 0, 2), ("issuing_state", 2, 5), ("name", 5, 44),
                   ("document_number", 44, 54), ("nationality", 54, 57), ("birth_date", 57, 64),
                   ("sex", 64, 65), ("expiry_date", 65, 72), ("optional_data", 72, 88)),
    Format.TD2: (("document_code", 0, 2), ("issuing_state", 2, 5), ("name", 5, 36),
                 ("document_number", 36, 46), ("nationality", 46, 49), ("birth_date", 49, 56),
                 ("sex", 56, 57), ("expiry_date", 57, 64), ("optional_data", 64, 71),
                 ("composite", 71, 72)),
    Format.MRV_B: (("document_code", 0, 2), ("issuing_state", 2, 5), ("name", 5, 36),
                   ("document_number", 36, 46), ("nationality", 46, 49), ("birth_date", 49, 56),
                   ("sex", 56, 57), ("expiry_date", 57, 64), ("optional_data", 64, 72)),
    Format.TD1: (("document_code", 0, 2), ("issuing_state", 2, 5), ("document_number", 5, 15),
                 ("optional_data", 15, 30), ("birth_date", 30, 37), ("sex", 37, 38),
                 ("expiry_date", 38, 45), ("nationality", 45, 48), ("optional_data_2", 48, 59),
                 ("composite", 59, 60), ("name", 60, 90)),
    Format.FRENCH_ID: (("document_code", 0, 2), ("issuing_state", 2, 5), ("surname", 5, 30),
                       ("optional_data", 30, 36), ("document_number", 36, 49),
                       ("given_names", 49, 63), ("birth_date", 63, 70), ("sex", 70, 71),
                       ("composite", 71, 72)),
}  # fmt: skip


# Fields no check digit covers (a misread there passes every check).
_UNCHECKED = frozenset({"document_code", "issuing_state", "name", "surname", "given_names",
                        "nationality", "sex"})  # fmt: skip


def unchecked_positions(fmt: Format, lines: Sequence[str]) -> list[tuple[int, int]]:
    """(line, column) of every character of ``lines`` that no check digit covers: codes,
    names, nationality, sex, and the optional data of visas (they have no composite)."""
    widths = [len(line) for line in lines]
    out = []
    for name, start, end in _FIELD_SPANS[fmt]:
        if name in _UNCHECKED or (name == "optional_data" and fmt in (Format.MRV_A, Format.MRV_B)):
            for offset in range(start, end):
                row, col = 0, offset
                while row < len(widths) and col >= widths[row]:
                    col -= widths[row]
                    row += 1
                out.append((row, col))
    return out


# Issuers whose long (overflowing) document numbers carry a check digit computed over the
# printed characters with the filler at position 15 included (see the module docstring).
FILLER_IN_CHECK_ISSUERS = frozenset({"BEL"})


def blind_positions(fmt: Format, lines: Sequence[str]) -> list[tuple[int, int]]:
    """(line, column) of every character of the letters-and-digits fields (document
    number, optional data): a check digit covers them, but cannot tell apart characters
    whose values differ by a multiple of 10 (``0 A K U <``, ``1 B L V``...)."""
    kinds = _KINDS[fmt]
    unchecked = set(unchecked_positions(fmt, lines))
    return [
        (row, col)
        for row, kind_row in enumerate(kinds)
        for col, kind in enumerate(kind_row)
        if kind == "X" and (row, col) not in unchecked and col < len(lines[row])
    ]


def _check(name: str, data: str, digit: str, *, filler_ok: bool = False) -> Check:
    expected = check_digit(data)
    if digit == FILLER:
        ok = filler_ok and set(data) <= {FILLER}
        return Check(name, digit, FILLER if ok else expected, ok)
    if filler_ok and set(data) <= {FILLER} and digit == "0":
        return Check(name, digit, "0", True)
    return Check(name, digit, expected, digit == expected)


def _strip(text: str) -> str:
    return text.rstrip(FILLER)


def _plausible_name(field_text: str) -> bool:
    """Part 3: name parts are separated by one filler, surname and given names by two;
    the rest of the zone is filler. So a name starts with a letter, and once three
    fillers meet, nothing but filler follows (a misaligned read often breaks this)."""
    _, sep, tail = field_text.partition("<<<")
    return field_text[:1].isalpha() and (not sep or set(tail) <= {FILLER})


def _names(field_text: str) -> tuple[str, str]:
    surname, _, given = field_text.partition("<<")
    return _words(surname), _words(given)


def _words(text: str) -> str:
    return " ".join(part for part in text.split(FILLER) if part)


def _date(
    text: str, problems: list[str], name: str, *, birth: bool, today: dt.date
) -> dt.date | None:
    if FILLER in text:
        # Unknown day, month and day, or whole date: fillers in whole pairs from the end.
        known = 4 if text[4:] == "<<" and FILLER not in text[:4] else 2
        if text[known:] == FILLER * (6 - known) and (text[:known].isdigit() or text == "<<<<<<"):
            return None
        problems.append(name)
        return None
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:6])
    if birth:
        century = 2000 if (2000 + yy, mm, dd) <= (today.year, today.month, today.day) else 1900
    else:
        century = 1900 if 2000 + yy > today.year + 50 else 2000
    try:
        return dt.date(century + yy, mm, dd)
    except ValueError:
        problems.append(name)
        return None


def _overflow(number: str, digit: str, optional: str) -> tuple[str, str, str] | None:
    """TD1/TD2 document number overflowing into the optional data: (number, check digit,
    rest of optional data), or None if the check-digit position is not a filler."""
    if digit != FILLER or number.endswith(FILLER):
        return None
    run = optional.split(FILLER, 1)[0]
    if not run:
        return None
    return number + run[:-1], run[-1], optional[len(run) :].lstrip(FILLER)


def parse(
    text: str | Sequence[str], *, today: dt.date | None = None, correct: bool = True
) -> MrzResult:
    """Parse an MRZ. Raises :class:`MrzError` when it cannot be read at all (wrong length,
    bad characters, unknown format, a character a field cannot hold); failed check digits
    and impossible dates are reported in the result (``valid`` is then False)."""
    today = today or dt.date.today()
    lines = split_lines(text)
    _check_shape(lines)
    corrections: list[Correction] = []
    head = [lines[0][:5]]
    _apply_kinds(head, ["AAAAA"], correct, corrections, None)  # document code and state
    lines[0] = head[0] + lines[0][5:]
    fmt = detect_format(lines)
    if fmt is Format.FRENCH_ID:
        # France issues no TD2 documents, but "IDFRA" could still open one: take the
        # reading whose check digits pass, the French one if both or neither do.
        try:
            french = _parse(Format.FRENCH_ID, list(lines), today, list(corrections), correct)
        except MrzError:
            french = None
        if french is None or not french.valid:
            try:
                td2 = _parse(Format.TD2, list(lines), today, list(corrections), correct)
            except MrzError:
                td2 = None
            if td2 is not None and td2.valid:
                return td2
        if french is None:
            return _parse(Format.FRENCH_ID, lines, today, corrections, correct)
        return french
    return _parse(fmt, lines, today, corrections, correct)


def _parse(
    fmt: Format, lines: list[str], today: dt.date, corrections: list[Correction], correct: bool
) -> MrzResult:
    _apply_kinds(lines, _KINDS[fmt], correct, corrections, fmt)
    if correct and fmt in (Format.TD1, Format.TD2):
        _fix_overflow_digit(fmt, lines, corrections)
    if fmt is Format.FRENCH_ID:
        return _parse_french(lines, today, corrections)
    return _parse_icao(fmt, lines, today, corrections)


def _fix_overflow_digit(fmt: Format, lines: list[str], corrections: list[Correction]) -> None:
    """The check digit after an overflowing document number is a digit: correct it too."""
    row, number_at, optional_at = (0, 5, 15) if fmt is Format.TD1 else (1, 0, 28)
    line = lines[row]
    if line[number_at + 9] != FILLER or line[number_at + 8] == FILLER:
        return
    run = line[optional_at:].split(FILLER, 1)[0]
    col = optional_at + len(run) - 1
    if len(run) >= 2 and run[-1] in _TO_DIGIT:
        fixed = _TO_DIGIT[run[-1]]
        lines[row] = line[:col] + fixed + line[col + 1 :]
        corrections.append(Correction(row, col, run[-1], fixed))


def _parse_icao(
    fmt: Format, lines: list[str], today: dt.date, corrections: list[Correction]
) -> MrzResult:
    joined = "".join(lines)
    checks: list[Check] = []
    problems: list[str] = []
    spans = {name: (start, end) for name, start, end in _FIELD_SPANS[fmt]}

    def span(name: str) -> str:
        start, end = spans[name]
        return joined[start:end]

    if fmt is Format.TD1:
        number_field = span("document_number")
        optional = span("optional_data")
        birth, expiry = span("birth_date"), span("expiry_date")
        sex = joined[37]
        nationality = span("nationality")
        optional2 = span("optional_data_2")
        surname, given = _names(span("name"))
    else:
        number_field = span("document_number")
        optional = span("optional_data")
        birth, expiry = span("birth_date"), span("expiry_date")
        sex = span("sex")
        nationality = span("nationality")
        optional2 = ""
        surname, given = _names(span("name"))
    if not _plausible_name(span("name")):
        problems.append("name")
    optional_digit = ""
    if fmt is Format.TD3:
        optional, optional_digit = optional[:-1], optional[-1]
    number, number_digit = number_field[:-1], number_field[-1]
    over = _overflow(number, number_digit, optional) if fmt in (Format.TD1, Format.TD2) else None
    variants: list[str] = []
    if over is not None:
        check = _check("document_number", over[0], over[1])
        if not check.ok and _strip(joined[2:5]) in FILLER_IN_CHECK_ISSUERS:
            # Belgium: the digit covers the characters as printed, the filler included.
            alt = _check("document_number", number_field + over[0][9:], over[1])
            if alt.ok:
                check = alt
                variants.append("document_number_check_over_filler")
        checks.append(check)
        number, optional = over[0], over[2]
    else:
        checks.append(_check("document_number", number, number_digit))
    checks.append(_check("birth_date", birth[:-1], birth[-1]))
    checks.append(_check("expiry_date", expiry[:-1], expiry[-1]))
    if fmt is Format.TD3:
        checks.append(_check("optional_data", optional, optional_digit, filler_ok=True))
        composite = joined[44:54] + joined[57:64] + joined[65:87]
        checks.append(_check("composite", composite, joined[87]))
    elif fmt is Format.TD2:
        composite = joined[36:46] + joined[49:56] + joined[57:71]
        checks.append(_check("composite", composite, joined[71]))
    elif fmt is Format.TD1:
        composite = joined[5:30] + joined[30:37] + joined[38:45] + joined[48:59]
        checks.append(_check("composite", composite, joined[59]))
    return MrzResult(
        format=fmt,
        document_code=_strip(joined[0:2]),
        issuing_state=_strip(joined[2:5]),
        surname=surname,
        given_names=given,
        document_number=_strip(number),
        nationality=_strip(nationality),
        birth_date=_date(birth[:-1], problems, "birth_date", birth=True, today=today),
        sex="X" if sex == FILLER else sex,
        expiry_date=_date(expiry[:-1], problems, "expiry_date", birth=False, today=today),
        optional_data=_strip(optional),
        optional_data_2=_strip(optional2),
        checks=tuple(checks),
        problems=tuple(problems),
        corrections=tuple(corrections),
        lines=tuple(lines),
        birth_date_text=birth[:-1],
        expiry_date_text=expiry[:-1],
        variants=tuple(variants),
    )


def _parse_french(lines: list[str], today: dt.date, corrections: list[Correction]) -> MrzResult:
    l1, l2 = lines
    problems: list[str] = []
    checks = (
        _check("document_number", l2[0:12], l2[12]),
        _check("birth_date", l2[27:33], l2[33]),
        _check("composite", l1 + l2[:35], l2[35]),
    )
    if not _plausible_name(l1[5:30]):
        problems.append("surname")
    issue: dt.date | None = None
    if FILLER not in l2[0:4]:
        try:
            year = 2000 + int(l2[0:2])
            issue = dt.date(year if year <= today.year else year - 100, int(l2[2:4]), 1)
        except ValueError:
            problems.append("document_number")
    return MrzResult(
        format=Format.FRENCH_ID,
        document_code="ID",
        issuing_state="FRA",
        surname=_words(l1[5:30]),
        given_names=_words(l2[13:27]),
        document_number=_strip(l2[0:12]),
        nationality="FRA",
        birth_date=_date(l2[27:33], problems, "birth_date", birth=True, today=today),
        sex="X" if l2[34] == FILLER else l2[34],
        expiry_date=None,
        optional_data=_strip(l1[30:36]),
        issue_date=issue,
        checks=checks,
        problems=tuple(problems),
        corrections=tuple(corrections),
        lines=tuple(lines),
        birth_date_text=l2[27:33],
    )


def parse_valid(
    text: str | Sequence[str], *, today: dt.date | None = None, correct: bool = True
) -> MrzResult:
    """Like :func:`parse`, but a read whose check digits fail (or whose dates cannot
    exist) is rejected with :class:`MrzError` naming the first failing field."""
    result = parse(text, today=today, correct=correct)
    for check in result.checks:
        if not check.ok:
            raise MrzError(
                Reason.CHECK_DIGIT,
                f"check digit of {check.field.replace('_', ' ')} is {check.found!r}, "
                f"expected {check.expected!r}",
                check.field,
            )
    if result.problems:
        name = result.problems[0]
        raise MrzError(Reason.BAD_FIELD, f"{name.replace('_', ' ')} is not a possible value", name)
    return result


# ---------------------------------------------------------------------------- formatting

# ICAO 9303 part 3, section 6: recommended transliterations of Latin characters.
_TRANSLIT = {
    "Ä": "AE", "Å": "AA", "Æ": "AE", "Ĳ": "IJ", "Ñ": "N", "Ö": "OE", "Ø": "OE", "Œ": "OE",
    "Ü": "UE", "ß": "SS", "Þ": "TH", "Ð": "D", "Đ": "D", "Ħ": "H", "Ł": "L",
    "Ŋ": "N", "Ŧ": "T", "ẞ": "SS",
}  # fmt: skip


def transliterate(text: str) -> str:
    """A Latin-script name as the MRZ writes it: upper case, diacritics dropped or
    transliterated (Ä -> AE, ß -> SS...), apostrophes removed, spaces and hyphens -> '<'.
    Characters of other scripts are dropped (transliterate them before, e.g. per part 3)."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text.upper()):
        if char in _TRANSLIT:
            out.append(_TRANSLIT[char])
        elif char in "'’`":
            continue
        elif char in " -‐,.":
            out.append(FILLER)
        else:
            base = unicodedata.normalize("NFKD", char)[0]
            if base in ALPHABET:
                out.append(base)
    return "".join(out)


def name_field(surname: str, given_names: str, width: int) -> str:
    """The name zone: SURNAME<<GIVEN<NAMES, truncated and padded to ``width``."""
    text = transliterate(surname).strip(FILLER)
    given = transliterate(given_names).strip(FILLER)
    if given:
        text += "<<" + given
    return text[:width].ljust(width, FILLER)


def _pad(text: str, width: int, what: str) -> str:
    if len(text) > width:
        raise ValueError(f"{what} {text!r} is longer than {width} characters")
    if not set(text) <= ALPHABET:
        raise ValueError(f"{what} {text!r} has characters outside the MRZ alphabet")
    return text.ljust(width, FILLER)


def _yymmdd(value: dt.date | str | None) -> str:
    if value is None:
        return FILLER * 6
    if isinstance(value, str):
        return _pad(value, 6, "date")
    return value.strftime("%y%m%d")


@dataclass(frozen=True)
class Identity:
    """What a document's MRZ encodes, for :func:`format_mrz` (tests, synthetic samples)."""

    format: Format
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: dt.date | str | None
    sex: str  # M, F or X
    expiry_date: dt.date | str | None = None
    optional_data: str = ""
    optional_data_2: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def format_mrz(ident: Identity) -> tuple[str, ...]:
    """The MRZ lines of ``ident`` with every check digit computed."""
    fmt = ident.format
    sex = FILLER if ident.sex in ("X", FILLER, "") else ident.sex
    code = _pad(ident.document_code, 2, "document code")
    state = _pad(ident.issuing_state, 3, "issuing state")
    nat = _pad(ident.nationality, 3, "nationality")
    birth = _yymmdd(ident.birth_date)
    if fmt is Format.FRENCH_ID:
        l1 = "IDFRA" + name_field(ident.surname, "", 25) + _pad(ident.optional_data, 6, "code")
        number = ident.document_number
        if len(number) != 12:
            raise ValueError("a French card number has 12 characters")
        given = transliterate(ident.given_names).strip(FILLER).replace(FILLER, "<<")
        l2 = number + check_digit(number) + given[:14].ljust(14, FILLER)
        l2 += birth + check_digit(birth) + sex
        return l1, l2 + check_digit(l1 + l2)
    expiry = _yymmdd(ident.expiry_date)
    width = SHAPES[fmt][1]
    number = ident.document_number
    dates = birth + check_digit(birth) + sex + expiry + check_digit(expiry)
    if fmt is Format.TD1:
        if len(number) > 9:
            head = number[:9] + FILLER
            optional = _pad(
                number[9:] + check_digit(number) + FILLER + ident.optional_data, 15, "optional data"
            )
        else:
            padded = _pad(number, 9, "document number")
            head = padded + check_digit(padded)
            optional = _pad(ident.optional_data, 15, "optional data")
        l1 = code + state + head + optional
        l2 = dates[:7] + dates[7:] + nat + _pad(ident.optional_data_2, 11, "optional data 2")
        l2 += check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
        return l1, l2, name_field(ident.surname, ident.given_names, 30)
    l1 = code + state + name_field(ident.surname, ident.given_names, width - 5)
    if fmt is Format.TD2 and len(number) > 9:
        head = number[:9] + FILLER
        optional = _pad(
            number[9:] + check_digit(number) + FILLER + ident.optional_data, 7, "optional data"
        )
    else:
        padded = _pad(number, 9, "document number")
        head = padded + check_digit(padded)
        width_opt = {Format.TD3: 14, Format.MRV_A: 16, Format.TD2: 7, Format.MRV_B: 8}[fmt]
        optional = _pad(ident.optional_data, width_opt, "optional data")
    l2 = head + nat + dates
    if fmt is Format.TD3:
        opt_digit = FILLER if not ident.optional_data else check_digit(optional)
        l2 += optional + opt_digit
        l2 += check_digit(l2[0:10] + l2[13:20] + l2[21:43])
    elif fmt is Format.TD2:
        l2 += optional
        l2 += check_digit(l2[0:10] + l2[13:20] + l2[21:35])
    else:
        l2 += optional
    return l1, l2


@cache
def known_codes() -> frozenset[str]:
    """Three-letter codes an MRZ may hold as state or nationality: ISO 3166-1 alpha-3
    (from CLDR through Babel) and the ICAO extras of Doc 9303 part 3 (D, UTO, XX?...)."""
    return frozenset(_iso_alpha3()) | _ICAO_EXTRA


def _iso_alpha3() -> Iterable[str]:
    from babel.core import get_global

    from contract.countries import COUNTRY_CODES

    aliases = get_global("territory_aliases")  # CLDR: alpha-3 (and old codes) -> alpha-2
    return (
        code
        for code, targets in aliases.items()
        if len(code) == 3 and code.isalpha() and len(targets) == 1 and targets[0] in COUNTRY_CODES
    )


_ICAO_EXTRA = frozenset(
    {"D", "UTO", "EUE", "UNO", "UNA", "UNK", "XBA", "XIM", "XCC", "XCE", "XCO", "XDC", "XEC",
     "XES", "XMP", "XOM", "XPO", "XXA", "XXB", "XXC", "XXX", "GBD", "GBN", "GBO", "GBP", "GBS",
     "RKS", "ZIM"}
)  # fmt: skip
