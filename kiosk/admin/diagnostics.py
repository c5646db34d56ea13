"""Diagnostics export for staff: logs, versions, configuration, backlog counts, device
health — and no personal data.

What goes in is chosen, never swept up: the kiosk's own log files (which carry ids and
states only, see ``kiosk.logs``), the settings, the enrolment *without its token*, outbox
counts and the last error of each failed entry (error classes and HTTP statuses, see
``Store.mark_failed``), the store's audit events (non-personal by contract), the device
self-tests. Never the database, drafts, pages, sealed packages or key files.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import platform
import sys
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

PACKAGES = ("kiosk-titre-sejour", "PySide6", "SQLAlchemy", "alembic", "cryptography", "pydantic")
# A name as the kiosk knows it -> the distributions that may provide it (PySide6 comes as
# its Essentials and Addons wheels, never the meta package: "PySide6" alone is "absent").
DISTRIBUTIONS = {"PySide6": ("PySide6-Essentials", "PySide6")}


def removable_dirs(
    roots: tuple[str, ...] = ("/media", "/run/media", "/mnt"),
    is_mount: Callable[[Path], bool] | None = None,
) -> list[Path]:
    """Mounted removable drives where staff may write the export (``/media/<user>/<label>``,
    ``/run/media/<user>/<label>``, ``/mnt/<label>``), writable ones only."""
    import os

    is_mount = is_mount or os.path.ismount
    found: list[Path] = []
    for root in map(Path, roots):
        if not root.is_dir():
            continue
        try:
            for child in sorted(root.iterdir()):
                candidates = [child] if root.name == "mnt" else [child, *sorted(child.iterdir())]
                for path in candidates:
                    if path.is_dir() and is_mount(path) and os.access(path, os.W_OK):
                        found.append(path)
        except OSError:
            continue
    return found


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in PACKAGES:
        out[name] = "absent"
        for dist in DISTRIBUTIONS.get(name, (name,)):
            try:
                out[name] = importlib.metadata.version(dist)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
    return out


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str) + "\n"


def enrolment_summary(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"enrolled": False}
    try:
        from sync.enrolment import Enrolment

        enrolment = Enrolment.load(path)
    except Exception as exc:
        return {"enrolled": False, "error": type(exc).__name__}
    return {  # never the token
        "enrolled": True,
        "kiosk_id": enrolment.kiosk_id,
        "server_url": enrolment.server_url,
        "sealing_format": enrolment.sealing_format,
    }


def export(
    dest_dir: Path,
    *,
    settings: Any,
    now: dt.datetime,
    backlog: Mapping[str, int] | None = None,
    failures: list[dict[str, Any]] | None = None,
    health: Mapping[str, Any] | None = None,
    audit: list[dict[str, Any]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``kiosk-diagnostics-<name>-<time>.zip`` into ``dest_dir``; return its path."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = dest_dir / f"kiosk-diagnostics-{settings.kiosk_name}-{stamp}.zip"
    tmp = target.with_name(f".{target.name}.tmp")
    config = settings.model_dump(mode="json")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("versions.json", _json(versions()))
        zf.writestr("config.json", _json(config))
        zf.writestr("enrolment.json", _json(enrolment_summary(settings.enrolment_file)))
        zf.writestr(
            "backlog.json", _json({"counts": dict(backlog or {}), "failed": failures or []})
        )
        zf.writestr("device_health.json", _json(dict(health or {})))
        zf.writestr("audit.json", _json(audit or []))
        zf.writestr("kiosk.json", _json({"exported_at": now.isoformat(), **dict(extra or {})}))
        log_dir = Path(settings.log_dir)
        if log_dir.is_dir():
            for log_file in sorted(log_dir.glob("*.log*")):
                if log_file.is_file():
                    zf.write(log_file, f"logs/{log_file.name}")
    tmp.replace(target)
    return target
