"""The procedure catalogue: data, validated by a schema at start-up.

Every user-facing string in the catalogue is French source text, translated through
the gettext catalogues like any other UI string (``scripts/i18n.py`` extracts them).
Adding a procedure changes the YAML file, not the code.

Shape of the file (``schema_version: 2``; a version 1 file, with every field written out
in each procedure, is still read)::

    fields:            shared field definitions, by id (identity and contact once)
    steps:             shared steps, by id; their ``fields`` may name shared fields
    documents:         shared document definitions, by id
    household_fields:  fields a family shares (prefilled for the next member)
    renewal_deadlines: when a renewal may and should be filed, and the late fee
    guide:             the "which procedure?" decision tree
    procedures:        each with steps, documents and fees; a step may be the id of a
                       shared step, a field or document the id of a shared one, or
                       ``{use: <id>, <key>: <override>}`` to adapt a shared one

Documents and fee items may carry a condition on the answers, written as data::

    when: {answer: lost_or_stolen, equals: stolen}
    when: {answer: situation, in: [a, b]}
    when: {all: [{...}, {...}]}      # or any: [...]
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from contract import N_

DEFAULT_CATALOGUE = Path(__file__).parent / "data" / "catalogue.yaml"

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=600)]

YES, NO = "yes", "no"
# Label of the single fee item of a version 1 procedure (``fee_eur``).
DEFAULT_FEE_LABEL = N_("Taxe et droit de timbre (timbre fiscal)")


class CatalogueError(ValueError):
    """The catalogue file is missing or malformed; the message names the faulty entry."""


class FieldType(StrEnum):
    TEXT = "text"
    NAME = "name"
    DATE = "date"
    COUNTRY = "country"
    PASSPORT_NUMBER = "passport_number"
    POSTAL_CODE = "postal_code"
    COMMUNE = "commune"
    PHONE = "phone"
    EMAIL = "email"
    YES_NO = "yes_no"
    CHOICE = "choice"
    EPHOTO_CODE = "ephoto_code"
    TAX_STAMP = "tax_stamp"
    FOREIGNER_NUMBER = "foreigner_number"


# Types answered by touching one of a few buttons rather than by typing.
CHOICE_TYPES = frozenset({FieldType.YES_NO, FieldType.CHOICE})


class InputScript(StrEnum):
    """What a typed answer is written in: the on-screen keyboard opens in it, and an
    answer in Latin letters or digits runs left to right even on an Arabic page."""

    LATIN = "latin"  # names as in the passport (its MRZ is Latin), French addresses, codes
    DIGITS = "digits"  # dates, phone numbers, postal codes, numbers on cards and stamps
    ANY = "any"  # the applicant's own script (a country named in their language)


# A field's script when the catalogue does not say (``script:`` in a field overrides it).
DEFAULT_SCRIPTS: dict[FieldType, InputScript] = {
    FieldType.TEXT: InputScript.LATIN,
    FieldType.NAME: InputScript.LATIN,
    FieldType.PASSPORT_NUMBER: InputScript.LATIN,
    FieldType.COMMUNE: InputScript.LATIN,
    FieldType.EMAIL: InputScript.LATIN,
    FieldType.EPHOTO_CODE: InputScript.LATIN,
    FieldType.DATE: InputScript.DIGITS,
    FieldType.POSTAL_CODE: InputScript.DIGITS,
    FieldType.PHONE: InputScript.DIGITS,
    FieldType.TAX_STAMP: InputScript.DIGITS,
    FieldType.FOREIGNER_NUMBER: InputScript.DIGITS,
    FieldType.COUNTRY: InputScript.ANY,
}


def _unique_ids(ids: list[str], what: str) -> list[str]:
    """``ids``, checked: ValueError naming those used twice (``what``: whose ids)."""
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"{what} ids used twice: {', '.join(dupes)}")
    return ids


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Option(_Model):
    value: Ident
    label: Text


class Condition(_Model):
    """A test on the answers: ``answer`` with one of ``equals``, ``not_equals`` or
    ``in``; or ``all`` / ``any`` of other conditions."""

    answer: Ident | None = None
    equals: str | None = None
    not_equals: str | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in", min_length=1)
    all: tuple[Condition, ...] | None = Field(default=None, min_length=1)
    any: tuple[Condition, ...] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        tests = [t for t in (self.equals, self.not_equals, self.in_) if t is not None]
        if self.answer is not None:
            if len(tests) != 1 or self.all is not None or self.any is not None:
                raise ValueError(
                    "a condition on an answer needs exactly one of equals, not_equals or in"
                )
        elif tests or (self.all is None) == (self.any is None):
            raise ValueError(
                "a condition is {answer: ..., equals: ...}, {all: [...]} or {any: [...]}"
            )
        return self

    def holds(self, answers: Mapping[str, str]) -> bool:
        if self.all is not None:
            return all(c.holds(answers) for c in self.all)
        if self.any is not None:
            return any(c.holds(answers) for c in self.any)
        assert self.answer is not None
        value = answers.get(self.answer, "")
        if self.equals is not None:
            return value == self.equals
        if self.not_equals is not None:
            return value != self.not_equals
        assert self.in_ is not None
        return value in self.in_

    def tests(self) -> Iterable[tuple[str, tuple[str, ...]]]:
        """(answer id, values compared with) for every leaf of the condition."""
        if self.all is not None or self.any is not None:
            for c in self.all or self.any or ():
                yield from c.tests()
            return
        assert self.answer is not None
        values: tuple[str, ...] = (self.equals,) if self.equals is not None else ()
        values += (self.not_equals,) if self.not_equals is not None else ()
        values += self.in_ or ()
        yield self.answer, values


class FieldSpec(_Model):
    id: Ident
    type: FieldType
    label: Text
    help: Text
    required: bool = True
    # Dates: "past" forbids the future; ages are in whole years at the day of filing;
    # max_years_ago / max_years_ahead bound a date that may be on either side of today
    # (the expiry date of the current permit).
    past: bool = False
    min_age: int | None = Field(default=None, ge=0, le=130)
    max_age: int | None = Field(default=None, ge=0, le=130)
    max_years_ago: int | None = Field(default=None, ge=0, le=130)
    max_years_ahead: int | None = Field(default=None, ge=0, le=130)
    max_length: int = Field(default=80, ge=1, le=500)
    # Typed questions: the script the answer is written in (default: by type).
    script: InputScript | None = None
    # Choice questions: the answers offered (yes/no questions have their own two).
    options: tuple[Option, ...] = ()
    # Eligibility questions: only these answers let the applicant go on; any other gets
    # ``ineligible_message`` (which should say what to do instead).
    eligible: tuple[str, ...] | None = Field(default=None, min_length=1)
    ineligible_message: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        if self.type is FieldType.CHOICE:
            if len(self.options) < 2:
                raise ValueError("a choice question needs at least 2 options")
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise ValueError("two options share a value")
        elif self.options:
            raise ValueError(f"options are only for choice questions, not {self.type.value}")
        if (self.eligible is None) != (self.ineligible_message is None):
            raise ValueError("eligible and ineligible_message go together")
        if self.eligible is not None:
            if self.type not in CHOICE_TYPES:
                raise ValueError("only yes/no and choice questions can decide eligibility")
            unknown = [v for v in self.eligible if v not in self.values]
            if unknown:
                raise ValueError(f"eligible lists unknown answers: {', '.join(unknown)}")
        date_only = (
            self.past,
            self.min_age,
            self.max_age,
            self.max_years_ago,
            self.max_years_ahead,
        )
        if self.type is not FieldType.DATE and any(v not in (None, False) for v in date_only):
            raise ValueError("past, min_age, max_age, max_years_ago, max_years_ahead are for dates")
        if self.script is not None and self.type in CHOICE_TYPES:
            raise ValueError("script is for typed questions, not yes/no or choice ones")
        return self

    @property
    def input_script(self) -> InputScript | None:
        """The script the answer is typed in (None for yes/no and choice questions)."""
        if self.type in CHOICE_TYPES:
            return None
        return self.script or DEFAULT_SCRIPTS[self.type]

    @property
    def values(self) -> tuple[str, ...]:
        """The accepted answers of a yes/no or choice question ("" for others)."""
        if self.type is FieldType.YES_NO:
            return (YES, NO)
        return tuple(o.value for o in self.options)

    def option_label(self, value: str) -> str | None:
        """The French label of a choice answer (yes/no labels are the UI's)."""
        if self.type is FieldType.YES_NO:
            return {YES: N_("Oui"), NO: N_("Non")}.get(value)
        return next((o.label for o in self.options if o.value == value), None)


class Step(_Model):
    id: Ident
    title: Text
    intro: Text
    fields: tuple[FieldSpec, ...] = Field(min_length=1)


class Document(_Model):
    id: Ident
    label: Text
    help: Text | None = None
    required: bool = True
    when: Condition | None = None


class FeeItem(_Model):
    label: Text
    amount_eur: int = Field(ge=0, le=10_000)
    when: Condition | None = None


class LegalReference(_Model):
    title: Text
    url: Text
    checked_on: dt.date | None = None
    # For the operator (not shown to applicants): what was read there.
    note: str | None = Field(default=None, max_length=2000)


class RenewalDeadlines(_Model):
    """When a renewal is filed (days before the current permit's expiry date): the window
    opens ``window_opens_days`` before; under ``late_within_days`` it is late and a
    ``late_fee_eur`` regularisation fee may be due."""

    window_opens_days: int = Field(default=120, ge=1, le=365)
    late_within_days: int = Field(default=60, ge=0, le=365)
    late_fee_eur: int = Field(default=180, ge=0, le=10_000)

    @model_validator(mode="after")
    def _order(self) -> RenewalDeadlines:
        if self.late_within_days >= self.window_opens_days:
            raise ValueError("late_within_days must be smaller than window_opens_days")
        return self


class Procedure(_Model):
    id: Ident
    title: Text
    summary: Text
    kind: Annotated[str, StringConstraints(pattern=r"^(first|renewal|duplicate|change)$")]
    fee_eur: int | None = Field(default=None, ge=0, le=10_000)  # schema 1: one amount
    fees: tuple[FeeItem, ...] = ()
    steps: tuple[Step, ...] = Field(min_length=1)
    documents: tuple[Document, ...] = ()
    # The date field holding the current permit's expiry date (renewal deadlines).
    expiry_field: Ident | None = None
    references: tuple[LegalReference, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Procedure:
        seen: set[str] = set()
        for step in self.steps:
            for f in step.fields:
                if f.id in seen:
                    raise ValueError(f"field id {f.id!r} is used twice")
                seen.add(f.id)
        if len({s.id for s in self.steps}) != len(self.steps):
            raise ValueError("two steps share an id")
        _unique_ids([d.id for d in self.documents], "document")
        if self.fee_eur is None and not self.fees:
            raise ValueError("a procedure needs its fee: fees (or fee_eur)")
        if self.fee_eur is not None and self.fees:
            raise ValueError("give either fee_eur or fees, not both")
        if self.expiry_field is not None:
            try:
                spec = self.field(self.expiry_field)
            except KeyError:
                raise ValueError(f"expiry_field {self.expiry_field!r} is not a field") from None
            if spec.type is not FieldType.DATE:
                raise ValueError(f"expiry_field {self.expiry_field!r} is not a date")
        conditions = [(f"documents ({d.id})", d.when) for d in self.documents]
        conditions += [(f"fees ({f.label})", f.when) for f in self.fees]
        for where, cond in conditions:
            if cond is not None:
                self._check_condition(where, cond)
        return self

    def _check_condition(self, where: str, cond: Condition) -> None:
        for answer, values in cond.tests():
            try:
                spec = self.field(answer)
            except KeyError:
                raise ValueError(f"{where}: the condition tests {answer!r}, not a field") from None
            if spec.type in CHOICE_TYPES:
                bad = [v for v in values if v not in spec.values]
                if bad:
                    raise ValueError(
                        f"{where}: {answer!r} is never {', '.join(map(repr, bad))} "
                        f"(its answers: {', '.join(spec.values)})"
                    )

    # --- lookups ------------------------------------------------------------------
    def field(self, field_id: str) -> FieldSpec:
        for step in self.steps:
            for f in step.fields:
                if f.id == field_id:
                    return f
        raise KeyError(field_id)

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def step_of(self, field_id: str) -> Step:
        for s in self.steps:
            if any(f.id == field_id for f in s.fields):
                return s
        raise KeyError(field_id)

    @property
    def field_ids(self) -> tuple[str, ...]:
        return tuple(f.id for s in self.steps for f in s.fields)

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for s in self.steps for f in s.fields)

    # --- what depends on the answers ----------------------------------------------
    def documents_for(self, answers: Mapping[str, str]) -> tuple[Document, ...]:
        """The documents this applicant brings, given their answers."""
        return tuple(d for d in self.documents if d.when is None or d.when.holds(answers))

    @property
    def fee_items(self) -> tuple[FeeItem, ...]:
        if self.fees:
            return self.fees
        return (FeeItem(label=DEFAULT_FEE_LABEL, amount_eur=self.fee_eur or 0),)

    def fees_for(self, answers: Mapping[str, str]) -> tuple[FeeItem, ...]:
        return tuple(f for f in self.fee_items if f.when is None or f.when.holds(answers))

    def fee_total(self, answers: Mapping[str, str]) -> int:
        """The timbre fiscal amount due, in euros (without a late-filing fee)."""
        return sum(f.amount_eur for f in self.fees_for(answers))


# --- the decision tree ------------------------------------------------------------
class GuideAnswer(_Model):
    label: Text
    next: Ident | None = None  # the next question...
    procedure: Ident | None = None  # ...or the procedure this answer leads to

    @model_validator(mode="after")
    def _one_target(self) -> GuideAnswer:
        if (self.next is None) == (self.procedure is None):
            raise ValueError("an answer leads to exactly one of: next (a question), procedure")
        return self


class GuideQuestion(_Model):
    id: Ident
    text: Text
    help: Text | None = None
    answers: tuple[GuideAnswer, ...] = Field(min_length=2)


class GuideSpec(_Model):
    start: Ident
    questions: tuple[GuideQuestion, ...] = Field(min_length=1)

    def question(self, question_id: str) -> GuideQuestion:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    @model_validator(mode="after")
    def _tree(self) -> GuideSpec:
        ids = _unique_ids([q.id for q in self.questions], "guide question")
        if self.start not in ids:
            raise ValueError(f"guide start {self.start!r} is not a question")
        for q in self.questions:
            for i, a in enumerate(q.answers):
                if a.next is not None and a.next not in ids:
                    raise ValueError(
                        f"guide question {q.id!r}, answer {i} ({a.label}): "
                        f"next {a.next!r} is not a question"
                    )
        # Every question reachable from the start, and no way to go round in circles.
        reached: set[str] = set()

        def visit(qid: str, path: tuple[str, ...]) -> None:
            if qid in path:
                raise ValueError(f"the guide loops: {' > '.join((*path, qid))}")
            reached.add(qid)
            for a in self.question(qid).answers:
                if a.next is not None:
                    visit(a.next, (*path, qid))

        visit(self.start, ())
        unreachable = [i for i in ids if i not in reached]
        if unreachable:
            raise ValueError(f"guide questions never reached: {', '.join(unreachable)}")
        return self


class Catalogue(_Model):
    schema_version: int = Field(ge=1, le=2)
    checked_on: dt.date
    legal_references: tuple[LegalReference, ...] = ()
    household_fields: tuple[Ident, ...] = ()
    renewal_deadlines: RenewalDeadlines = RenewalDeadlines()
    guide: GuideSpec | None = None
    procedures: tuple[Procedure, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Catalogue:
        ids = _unique_ids([p.id for p in self.procedures], "procedure")
        if self.guide is not None:
            for q in self.guide.questions:
                for a in q.answers:
                    if a.procedure is not None and a.procedure not in ids:
                        raise ValueError(
                            f"guide question {q.id!r}, answer {a.label!r}: "
                            f"unknown procedure {a.procedure!r}"
                        )
        asked = {f for p in self.procedures for f in p.field_ids}
        unknown = [f for f in self.household_fields if f not in asked]
        if unknown:
            raise ValueError(f"household_fields not asked by any procedure: {', '.join(unknown)}")
        return self

    def procedure(self, procedure_id: str) -> Procedure:
        for p in self.procedures:
            if p.id == procedure_id:
                return p
        raise KeyError(procedure_id)

    def strings(self) -> list[str]:
        """Every user-facing string, for extraction into the gettext catalogues."""
        out: list[str] = []
        for p in self.procedures:
            out += [p.title, p.summary]
            for s in p.steps:
                out += [s.title, s.intro]
                for f in s.fields:
                    out += [f.label, f.help]
                    out += [o.label for o in f.options]
                    if f.ineligible_message:
                        out.append(f.ineligible_message)
            for d in p.documents:
                out.append(d.label)
                if d.help:
                    out.append(d.help)
            out += [f.label for f in p.fee_items]
        if self.guide is not None:
            for q in self.guide.questions:
                out.append(q.text)
                if q.help:
                    out.append(q.help)
                out += [a.label for a in q.answers]
        return list(dict.fromkeys(out))


# --- reading the file -------------------------------------------------------------
def _where(data: Any, loc: tuple[Any, ...]) -> str:
    """Turn a pydantic location into a readable path naming the entry, e.g.
    ``procedures[0] (renewal-student) > steps[1] (contact) > fields[2].type``."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            try:
                node = node[item]
                if isinstance(node, dict) and "id" in node:
                    label += f" ({node['id']})"
            except (IndexError, KeyError, TypeError):
                node = None
            if parts:
                parts[-1] += label
            else:
                parts.append(label)
        else:
            parts.append(str(item))
            try:
                node = node[item] if isinstance(node, dict) else None
            except (KeyError, TypeError):
                node = None
    return " > ".join(parts) or "(top level)"


def _use(item: Any, library: Mapping[str, Any], kind: str, where: str, problems: list[str]) -> Any:
    """Resolve a reference to a shared definition: "id" or {use: id, ...overrides}."""
    if isinstance(item, str):
        name, overrides = item, {}
    elif isinstance(item, dict) and "use" in item:
        overrides = {k: v for k, v in item.items() if k != "use"}
        name = item["use"]
    else:
        return item
    if not isinstance(name, str) or name not in library:
        known = ", ".join(sorted(library)) or "none"
        problems.append(f"  - {where}: unknown shared {kind} {name!r} (shared {kind}s: {known})")
        return None
    resolved = copy.deepcopy(library[name])
    if isinstance(resolved, dict):
        resolved.setdefault("id", name)
        resolved.update(copy.deepcopy(overrides))
    return resolved


def expand(data: Any, source: str = "catalogue") -> Any:
    """The catalogue with every shared field and step written out in place (schema 2 ->
    the shape the models read). Unknown references raise CatalogueError naming them."""
    if not isinstance(data, dict):
        return data
    data = copy.deepcopy(data)
    problems: list[str] = []
    fields = data.pop("fields", None) or {}
    steps = data.pop("steps", None) or {}
    documents = data.pop("documents", None) or {}
    if not all(isinstance(lib, dict) for lib in (fields, steps, documents)):
        raise CatalogueError(
            f"{source}: the procedure catalogue is invalid:\n  - fields, steps and "
            "documents (shared definitions) must be mappings of id to definition"
        )
    for kind, library in (("fields", fields), ("steps", steps), ("documents", documents)):
        for name, spec in library.items():
            if isinstance(spec, dict) and spec.get("id", name) != name:
                problems.append(f"  - {kind} > {name}: its id is {spec['id']!r}, not {name!r}")

    def expand_fields(step: Any, where: str) -> Any:
        if isinstance(step, dict) and isinstance(step.get("fields"), list):
            step["fields"] = [
                _use(f, fields, "field", f"{where} > fields[{i}]", problems)
                for i, f in enumerate(step["fields"])
            ]
        return step

    for name, step in steps.items():
        if isinstance(step, dict):
            step.setdefault("id", name)
            expand_fields(step, f"steps > {name}")
    for p_index, proc in enumerate(data.get("procedures") or []):
        if not isinstance(proc, dict):
            continue
        p_where = f"procedures[{p_index}] ({proc.get('id', '?')})"
        if isinstance(proc.get("documents"), list):
            proc["documents"] = [
                _use(d, documents, "document", f"{p_where} > documents[{i}]", problems)
                for i, d in enumerate(proc["documents"])
            ]
        if not isinstance(proc.get("steps"), list):
            continue
        proc["steps"] = [
            expand_fields(
                _use(s, steps, "step", f"{p_where} > steps[{i}]", problems),
                f"{p_where} > steps[{i}]",
            )
            for i, s in enumerate(proc["steps"])
        ]
    if problems:
        raise CatalogueError(
            "\n".join([f"{source}: the procedure catalogue is invalid:", *problems])
        )
    return data


def parse_catalogue(data: Any, source: str = "catalogue") -> Catalogue:
    data = expand(data, source)
    try:
        return Catalogue.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source}: the procedure catalogue is invalid:"]
        errors = exc.errors()
        for err in errors:
            loc = tuple(err["loc"])
            # A list whose items failed also reports itself "too short": say only the cause.
            if err["type"] == "too_short" and any(
                tuple(o["loc"])[: len(loc)] == loc and len(o["loc"]) > len(loc) for o in errors
            ):
                continue
            message = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"  - {_where(data, loc)}: {message}")
        raise CatalogueError("\n".join(lines)) from None


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    path = Path(path) if path else DEFAULT_CATALOGUE
    try:
        # libyaml's loader when PyYAML has it: 7x faster, on the path to the first paint.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read the procedure catalogue: {exc}") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: the procedure catalogue is not valid YAML: {exc}") from None
    return parse_catalogue(data, str(path))
