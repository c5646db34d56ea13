"""Identity prefill: what a passport's machine-readable zone says, as answers to the
procedure's identity questions, and where the applicant's answers differ from it.

Driven by data: :data:`MRZ_SOURCES` names, for each catalogue field id, the MRZ field it
is read from. Only the fields the procedure asks are filled, and only with a value the
field's own validator accepts (a country the MRZ codes as "UTO" or "XXA" stays empty).
Adding a field to the catalogue with one of these ids (``sex``, ``passport_expiry``...)
is enough for it to be prefilled.

The MRZ protects the document number, the birth date and the expiry date with check
digits (a read whose digits fail is never accepted), but not the names, the nationality
or the sex: those may be misread, so the applicant is told to check them (:data:`UNCHECKED`).

Qt-free.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from contract.catalogue import FieldSpec, FieldType
from contract.validation import FieldError, validate_field
from kiosk.domain.mrz import FILLER, MrzResult, transliterate
from kiosk.i18n import N_

# Catalogue field id -> MrzResult attribute it is filled from.
MRZ_SOURCES: dict[str, str] = {
    "surname": "surname",
    "given_names": "given_names",
    "birth_date": "birth_date",
    "sex": "sex",
    "nationality": "nationality",
    "passport_number": "document_number",
    "passport_expiry": "expiry_date",
}
# MRZ fields covered by a check digit: a value read there is what is printed.
CHECKED_SOURCES = frozenset({"document_number", "birth_date", "expiry_date"})
UNCHECKED = frozenset(f for f, source in MRZ_SOURCES.items() if source not in CHECKED_SOURCES)
# The catalogue's document whose pages the MRZ is read from (its first page: the photo page).
MRZ_DOCUMENT = "passport"

# --- what the applicant is told (French msgids) -------------------------------------------
PASSPORT_READ = N_(
    "Nous avons lu votre passeport. Vérifiez chaque réponse. "
    "Le nom, les prénoms et la nationalité ne sont pas contrôlés par le passeport : "
    "corrigez-les s'il le faut."
)
PASSPORT_NOT_READ = N_("La borne n'a pas pu lire votre passeport. Écrivez vos informations.")
PASSPORT_EXPIRED = N_(
    "Votre passeport n'est plus valable depuis le {date}. Vous pouvez continuer. "
    "La préfecture peut vous demander un passeport valable."
)
MISMATCH_INTRO = N_(
    "Certaines réponses ne sont pas comme sur votre passeport. Vérifiez-les. "
    "Si elles sont justes, touchez encore « Continuer »."
)
MISMATCH_LINE = N_("{field} : sur le passeport, « {value} ».")


@dataclass(frozen=True)
class Prefill:
    """What an accepted MRZ read fills in."""

    answers: dict[str, str]  # field id -> answer, in the validated (stored) form
    expiry_date: dt.date | None = None  # of the document, when the MRZ has one
    expired: bool = False  # the document's expiry date is before today
    skipped: tuple[str, ...] = ()  # asked fields the MRZ could not fill

    @property
    def unchecked(self) -> tuple[str, ...]:
        """Filled fields the MRZ does not protect with a check digit."""
        return tuple(f for f in self.answers if f in UNCHECKED)


@dataclass(frozen=True)
class Mismatch:
    field_id: str
    label: str  # msgid of the field's label
    mrz_value: str  # the passport's value, in the stored form (format it to show it)
    checked: bool  # the MRZ protects this field with a check digit


@dataclass
class MismatchGate:
    """Warn once about a set of differences: the same answers again go through (the
    applicant may be right: a passport renewed since, a name misread)."""

    warned: dict[str, str] = field(default_factory=dict)

    def needs_warning(self, mismatches: Iterable[Mismatch], values: Mapping[str, str]) -> bool:
        current = {m.field_id: values.get(m.field_id, "").strip() for m in mismatches}
        if not current:
            return False
        if all(self.warned.get(k) == v for k, v in current.items()):
            return False
        self.warned.update(current)
        return True

    def clear(self) -> None:
        self.warned.clear()


def alpha2(code: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of an MRZ state code (alpha-3, or "D" for Germany);
    None for codes that name no country (UTO, XXA stateless, UNO...)."""
    from babel.core import get_global

    from contract.countries import COUNTRY_CODES

    code = code.strip(FILLER).upper()
    if code == "D":
        return "DE"
    if code in {"GBD", "GBN", "GBO", "GBP", "GBS"}:  # British nationals of other kinds
        return "GB"
    if code == "RKS":  # Kosovo, as ICAO codes it
        return "XK" if "XK" in COUNTRY_CODES else None
    targets = get_global("territory_aliases").get(code)
    if targets and len(targets) == 1 and targets[0] in COUNTRY_CODES:
        return str(targets[0])
    return None


def _name(text: str) -> str:
    """An MRZ name ("EL AMRANI") as people write it ("El Amrani")."""
    return " ".join(word.capitalize() for word in text.split())


def raw_value(result: MrzResult, source: str) -> str:
    """The MRZ field ``source`` as an answer would hold it ("" when the MRZ has none)."""
    if source in ("surname", "given_names"):
        return _name(str(getattr(result, source)))
    if source in ("birth_date", "expiry_date"):
        date = getattr(result, source)
        return date.isoformat() if date is not None else ""
    if source == "nationality":
        return alpha2(result.nationality) or ""
    if source == "sex":
        return result.sex if result.sex in ("M", "F") else "X"
    if source == "document_number":
        return result.document_number.replace(FILLER, "")
    return str(getattr(result, source, "") or "")


# The sex as a choice question may spell it (option values are lower-case words).
_SEX_WORDS = {"M": ("m", "male", "homme"), "F": ("f", "female", "femme"), "X": ("x", "other")}


def _spellings(value: str, source: str) -> tuple[str, ...]:
    if source == "sex":
        return (value, *_SEX_WORDS.get(value, ()))
    return (value,)


def prefill(result: MrzResult, fields: Iterable[FieldSpec], today: dt.date) -> Prefill:
    """The answers ``result`` gives to ``fields`` (the procedure's questions)."""
    answers: dict[str, str] = {}
    skipped: list[str] = []
    for spec in fields:
        source = MRZ_SOURCES.get(spec.id)
        if source is None:
            continue
        checked = ""
        for value in _spellings(raw_value(result, source), source):
            try:
                checked = validate_field(spec, value, today).value if value else ""
            except FieldError:
                continue
            break
        if checked:
            answers[spec.id] = checked
        else:
            skipped.append(spec.id)
    expired = bool(result.expired(today))
    return Prefill(answers, result.expiry_date, expired, tuple(skipped))


def _mrz_words(name: str) -> list[str]:
    return [w for w in transliterate(" ".join(name.split())).split(FILLER) if w]


def _same(spec: FieldSpec, typed: str, read: str, today: dt.date) -> bool:
    if spec.type is FieldType.NAME:
        # As the MRZ writes names: case, accents, apostrophes and hyphens do not count.
        return _mrz_words(typed) == _mrz_words(read)
    try:
        typed = validate_field(spec, typed, today).value
    except FieldError:
        return True  # not a valid answer yet: the field's own error says so
    return typed == read


def mismatches(
    prefilled: Prefill,
    fields: Iterable[FieldSpec],
    values: Mapping[str, str],
    today: dt.date,
) -> list[Mismatch]:
    """The answers in ``values`` (as typed) that differ from what the passport says."""
    out = []
    for spec in fields:
        read = prefilled.answers.get(spec.id)
        if read is None or spec.id not in values:
            continue
        typed = values[spec.id].strip()
        if not typed or _same(spec, typed, read, today):
            continue
        out.append(Mismatch(spec.id, spec.label, read, MRZ_SOURCES[spec.id] in CHECKED_SOURCES))
    return out
