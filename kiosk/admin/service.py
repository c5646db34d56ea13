"""The out-of-service state, kept in a small file so that a restart stays out of service.

The message is written by staff for applicants (e.g. "Borne en maintenance jusqu'à 14 h");
it is shown under the translated "out of service" text and reported to the desk through the
heartbeat. Never personal data.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "out_of_service.json"
MAX_MESSAGE = 300


@dataclass(frozen=True)
class OutOfService:
    message: str
    since: dt.datetime
    by: str  # the staff identifier


def path_in(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


def load(path: Path) -> OutOfService | None:
    """The state in ``path``; None when in service. An unreadable file counts as out of
    service (safer than opening a kiosk staff closed)."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return OutOfService(
            str(data["message"])[:MAX_MESSAGE],
            dt.datetime.fromisoformat(data["since"]),
            str(data["by"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return OutOfService("", dt.datetime.now(dt.UTC), "?")


def save(path: Path, state: OutOfService | None) -> None:
    """Write (atomically) or, with None, remove the state."""
    if state is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "message": state.message[:MAX_MESSAGE],
        "since": state.since.isoformat(),
        "by": state.by,
    }
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
