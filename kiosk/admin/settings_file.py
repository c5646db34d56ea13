"""The settings staff may change from admin mode, validated by ``kiosk.config.Settings``
before they are written to the kiosk's TOML configuration file.

Only the keys in :data:`EDITABLE` are written; the others of the file are kept as they were.
A change takes effect at the next start of the kiosk (the admin screen says so), except the
languages and procedures offered, which the running kiosk applies at once.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kiosk.config import Settings

# The settings of the admin page, in the order it shows them.
EDITABLE: tuple[str, ...] = (
    "languages",
    "procedures",
    "inactivity_timeout_s",
    "inactivity_warning_s",
    "text_scale",
    "high_contrast",
    "voice",
    "on_screen_keyboard",
    "central_url",
    "ca_bundle",
    "draft_retention_days",
    "acknowledged_retention_days",
    "admin_timeout_s",
)


@dataclass(frozen=True)
class SettingsRefused(Exception):
    """The changes are invalid: one message per faulty setting, naming it."""

    problems: tuple[tuple[str, str], ...]  # (setting, message in plain French)

    def __str__(self) -> str:
        return "; ".join(f"{name}: {message}" for name, message in self.problems)


def _parse(name: str, raw: Any) -> Any:
    """Text typed on the admin page -> the value Settings expects."""
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    if name in ("languages", "procedures"):
        return tuple(x.strip() for x in text.replace(";", ",").split(",") if x.strip())
    if name == "ca_bundle":
        return Path(text) if text else None
    return text


def read_file(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


def validate(
    current: Settings,
    changes: Mapping[str, Any],
    *,
    procedure_ids: Iterable[str] | None = None,
) -> Settings:
    """The settings ``current`` with ``changes`` applied, or :class:`SettingsRefused`."""
    problems: list[tuple[str, str]] = []
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        problems.extend((name, "ce réglage ne se change pas ici") for name in unknown)
    values = current.model_dump()
    values.update({k: _parse(k, v) for k, v in changes.items() if k in EDITABLE})
    settings: Settings | None = None
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"] if not isinstance(p, int))
            problems.append((where or "réglages", str(err["msg"])))
    if settings is not None:
        if procedure_ids is not None:
            known = set(procedure_ids)
            missing = [p for p in settings.procedures if p not in known]
            if missing:
                problems.append(
                    ("procedures", f"procédures inconnues {missing}; connues : {sorted(known)}")
                )
        if settings.ca_bundle is not None and not settings.ca_bundle.is_file():
            problems.append(("ca_bundle", f"fichier introuvable : {settings.ca_bundle}"))
        if not settings.central_url.startswith(("http://", "https://")):
            problems.append(("central_url", "l'adresse doit commencer par https:// ou http://"))
    if problems:
        raise SettingsRefused(tuple(problems))
    assert settings is not None
    return settings


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Path):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dumps(values: Mapping[str, Any]) -> str:
    lines = ["# Kiosk settings (kiosk/config.py). Written by the admin mode."]
    for name, value in values.items():
        if value is None:
            continue  # unset: the default
        lines.append(f"{name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def save(path: Path, settings: Settings, changed: Iterable[str]) -> None:
    """Write the ``changed`` settings of ``settings`` into ``path`` (atomically), keeping
    the file's other keys. Reads back what it wrote and checks it validates."""
    values = read_file(path)
    for name in changed:
        value = getattr(settings, name)
        if value is None:
            values.pop(name, None)
        else:
            values[name] = list(value) if isinstance(value, tuple) else value
    text = dumps(values)
    Settings.model_validate({**tomllib.loads(text)})  # never write a file the kiosk refuses
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
