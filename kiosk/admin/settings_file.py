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


def _french(err: Mapping[str, Any]) -> str:
    """pydantic's error, said in French for staff."""
    kind, ctx = str(err.get("type", "")), err.get("ctx") or {}
    if kind == "greater_than_equal":
        return f"doit valoir au moins {ctx.get('ge')}"
    if kind == "greater_than":
        return f"doit valoir plus de {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"doit valoir au plus {ctx.get('le')}"
    if kind == "less_than":
        return f"doit valoir moins de {ctx.get('lt')}"
    if kind.startswith("int_"):
        return "doit être un nombre entier, par exemple 120"
    if kind.startswith("float_"):
        return "doit être un nombre, par exemple 1.5"
    if kind.startswith("bool_"):
        return "doit être oui ou non"
    if kind in ("string_too_short", "too_short"):
        return "ne peut pas être vide"
    if kind in ("string_too_long", "too_long"):
        return "est trop long"
    return "valeur refusée"


def check_url(url: str) -> str | None:
    """Why ``url`` cannot be the central API's address (in French), or None."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "l'adresse n'est pas valide (par exemple https://api.prefecture.example)"
    if parts.scheme not in ("http", "https"):
        return "l'adresse doit commencer par https:// (ou http:// sur la borne elle-même)"
    if not parts.hostname:
        return "il manque le nom du serveur (par exemple https://api.prefecture.example)"
    if port == 0:
        return "le port ne peut pas être 0"
    if parts.query or parts.fragment or parts.username or parts.password:
        return "l'adresse ne doit contenir ni identifiant, ni « ? », ni « # »"
    return None


def validate(
    current: Settings,
    changes: Mapping[str, Any],
    *,
    procedure_ids: Iterable[str] | None = None,
) -> Settings:
    """The settings ``current`` with ``changes`` applied, or :class:`SettingsRefused` with
    one French message per faulty setting."""
    problems: list[tuple[str, str]] = []
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        problems.extend((name, "ce réglage ne se change pas ici") for name in unknown)
    values = current.model_dump()
    values.update({k: _parse(k, v) for k, v in changes.items() if k in EDITABLE})
    # Said in French first, field by field (the model's own checks speak English).
    languages = values.get("languages") or ()
    from kiosk.i18n import LANGUAGES

    bad = [c for c in languages if c not in LANGUAGES]
    if bad:
        problems.append(("languages", f"langues inconnues : {', '.join(bad)}"))
    elif "fr" not in languages:
        problems.append(("languages", "le français doit rester proposé (premier écran)"))
    elif len(set(languages)) != len(languages):
        problems.append(("languages", "une langue est proposée deux fois"))
    procedures = tuple(values.get("procedures") or ())
    if any(not str(p).strip() for p in procedures):
        problems.append(("procedures", "cochez au moins une démarche"))
    elif procedure_ids is not None:
        known = set(procedure_ids)
        missing = [p for p in procedures if p not in known]
        if missing:
            problems.append(("procedures", f"démarches inconnues : {', '.join(missing)}"))
    try:
        scale = float(values.get("text_scale", 1.0))
    except (TypeError, ValueError):
        scale = 0.0
    if scale not in (1.0, 1.5, 2.0):
        problems.append(("text_scale", "choisissez 100 %, 150 % ou 200 %"))
    try:
        warning, timeout = int(values["inactivity_warning_s"]), int(values["inactivity_timeout_s"])
    except (KeyError, TypeError, ValueError):
        warning = timeout = 0
    if warning and timeout and warning >= timeout:
        problems.append(
            (
                "inactivity_warning_s",
                f"doit être plus court que l'effacement après inactivité ({timeout} secondes)",
            )
        )
    url_problem = check_url(str(values.get("central_url", "")))
    if url_problem:
        problems.append(("central_url", url_problem))
    ca = values.get("ca_bundle")
    if ca is not None and not Path(ca).is_file():
        problems.append(("ca_bundle", f"fichier introuvable : {ca}"))
    settings: Settings | None = None
    if not problems:
        try:
            settings = Settings.model_validate(values)
        except ValidationError as exc:
            for err in exc.errors():
                where = next((str(p) for p in err["loc"] if isinstance(p, str)), "")
                problems.append((where or "réglages", _french(dict(err))))
    if problems:
        seen: dict[str, str] = {}
        for name, message in problems:
            seen.setdefault(name, message)  # one message per field, the first
        raise SettingsRefused(tuple(seen.items()))
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
