"""The procedure catalogue: data, validated by a schema at start-up.

Every user-facing string in the catalogue is French source text, translated through
the gettext catalogues like any other UI string (``scripts/i18n.py`` extracts them).
Adding a procedure changes the YAML file, not the code.
"""

from __future__ import annotations

import datetime as dt
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

DEFAULT_CATALOGUE = Path(__file__).parent / "data" / "catalogue.yaml"

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=600)]


class CatalogueError(ValueError):
    """The catalogue file is missing or malformed; the message names the faulty entry."""


class FieldType(StrEnum):
    TEXT = "text"
    NAME = "name"
    DATE = "date"
    COUNTRY = "country"
    PASSPORT_NUMBER = "passport_number"
    POSTAL_CODE = "postal_code"
    PHONE = "phone"
    EMAIL = "email"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Model):
    id: Ident
    type: FieldType
    label: Text
    help: Text
    required: bool = True
    # Dates: "past" forbids the future; ages are in whole years at the day of filing.
    past: bool = False
    min_age: int | None = Field(default=None, ge=0, le=130)
    max_age: int | None = Field(default=None, ge=0, le=130)
    max_length: int = Field(default=80, ge=1, le=500)


class Step(_Model):
    id: Ident
    title: Text
    intro: Text
    fields: tuple[FieldSpec, ...] = Field(min_length=1)


class Document(_Model):
    id: Ident
    label: Text
    required: bool = True


class Procedure(_Model):
    id: Ident
    title: Text
    summary: Text
    kind: Annotated[str, StringConstraints(pattern=r"^(first|renewal|duplicate|change)$")]
    fee_eur: int = Field(ge=0, le=10_000)
    steps: tuple[Step, ...] = Field(min_length=1)
    documents: tuple[Document, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> Procedure:
        seen: set[str] = set()
        for step in self.steps:
            for f in step.fields:
                if f.id in seen:
                    raise ValueError(f"field id {f.id!r} is used twice")
                seen.add(f.id)
        if len({s.id for s in self.steps}) != len(self.steps):
            raise ValueError("two steps share an id")
        return self

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

    @property
    def field_ids(self) -> tuple[str, ...]:
        return tuple(f.id for s in self.steps for f in s.fields)


class LegalReference(_Model):
    title: Text
    url: Text


class Catalogue(_Model):
    schema_version: int = Field(ge=1, le=1)
    checked_on: dt.date
    legal_references: tuple[LegalReference, ...] = ()
    procedures: tuple[Procedure, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_procedures(self) -> Catalogue:
        ids = [p.id for p in self.procedures]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"procedure ids used twice: {', '.join(dupes)}")
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
            out += [d.label for d in p.documents]
        return list(dict.fromkeys(out))


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


def parse_catalogue(data: Any, source: str = "catalogue") -> Catalogue:
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
            lines.append(f"  - {_where(data, loc)}: {err['msg']}")
        raise CatalogueError("\n".join(lines)) from None


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    path = Path(path) if path else DEFAULT_CATALOGUE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read the procedure catalogue: {exc}") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: the procedure catalogue is not valid YAML: {exc}") from None
    return parse_catalogue(data, str(path))
