"""The central API's settings: one place, typed, with defaults.

``kiosk-central`` builds them from its options, the environment and secret files
(:mod:`central.__main__`); tests build them directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PRIVATE_KEY_FILE = "central_private_key.pem"
DATABASE_FILE = "central.db"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Settings:
    data_dir: Path
    database_url: str | None = None  # default: SQLite in data_dir
    admin_token: str | None = None  # None: the admin API answers 401
    desk_token: str | None = None  # reception desk and fleet view (central.routers.desk)
    offline_after_s: float = 90.0  # a kiosk without a heartbeat for longer is offline
    enrolment_codes: Sequence[str] = ()
    catalogue_path: Path | None = None  # default: the catalogue shipped in contract/data
    reference_prefix: str = "PREF"
    clock: Callable[[], dt.datetime] = field(default=utcnow)
    staff_hasher: Any = None  # argon2.PasswordHasher for staff PINs; None: argon2's defaults

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{Path(self.data_dir) / DATABASE_FILE}"
