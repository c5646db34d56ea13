"""The central API's settings: one place, typed, with defaults.

``kiosk-central`` builds them from its options, the environment and secret files
(:mod:`central.__main__`); tests build them directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PRIVATE_KEY_FILE = "central_private_key.pem"
DATABASE_FILE = "central.db"
KIB = 1024
MIB = 1024 * 1024


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Limits:
    """Limits applied before any work (:mod:`central.limits`), and quotas.

    Rates are token buckets kept by each worker process: with N workers a client may get up
    to N times the rate (the reverse proxy's own per-address limit bounds the total)."""

    kiosk_rate_per_s: float = 50.0  # requests of one kiosk token (a backlog drains at this)
    kiosk_burst: int = 600
    address_rate_per_s: float = 100.0  # requests from one client address (kiosks behind NAT)
    address_burst: int = 1000
    # Staff sign in at a human pace: a kiosk token's sign-ins beyond this are refused before
    # any work (a flood of them cost the other kiosks their CPU).
    sign_in_rate_per_s: float = 1.0
    sign_in_burst: int = 30
    # A request refused by a rate limit is answered after this: a client that floods as fast
    # as it is answered (one request after another) is slowed to one request a second per
    # connection instead of costing the server a request every millisecond. Shorter than the
    # header timeout: it lets no client hold a connection longer than it already could.
    refusal_delay_s: float = 1.0
    # PIN and badge checks (Argon2: 64 MiB and four threads each) at once in one worker, on
    # threads of lower priority: a burst of sign-ins waits its turn instead of taking every
    # core from the other requests (central.deps.PinChecks).
    concurrent_pin_checks: int = 1
    body_timeout_s: float = 60.0  # a request's whole body must arrive within this
    json_body_bytes: int = 64 * KIB  # most routes
    unfinished_uploads_per_kiosk: int = 16  # attachments begun and not complete
    unfinished_bytes_per_kiosk: int = 256 * MIB


@dataclass(frozen=True)
class Throttles:
    """Guessing throttles, kept in the database (shared by every worker)."""

    sign_in_failures_per_kiosk: int = 10  # failed sign-ins, any account, per window
    sign_in_failures_per_address: int = 20
    sign_in_window_s: float = 3600.0
    sign_in_decay_s: float = 24 * 3600.0  # an account's failures are forgotten after this
    enrol_failures_per_address: int = 10  # wrong enrolment codes
    enrol_failures_total: int = 100  # from everywhere: guesses spread over many addresses
    enrol_window_s: float = 3600.0


@dataclass(frozen=True)
class Retention:
    """What the retention job (:mod:`central.retention`) deletes, and when."""

    unfinished_upload_hours: float = 48.0  # an upload nobody finished
    unreferenced_upload_days: float = 14.0  # a complete page no application lists
    help_call_days: float = 30.0
    heartbeat_days: float = 90.0  # the last heartbeat of a kiosk silent that long
    audit_days: float = 365.0  # the staff audit log
    throttle_days: float = 2.0  # failed sign-ins, lookups, enrolments; ended staff sessions
    interval_s: float = 3600.0  # how often the job runs in the server (0: never)


@dataclass
class Settings:
    data_dir: Path
    database_url: str | None = None  # default: SQLite in data_dir
    admin_token: str | None = None  # None: the admin API answers 401
    desk_tokens: Mapping[str, str] = field(default_factory=dict)  # token -> the site it sees
    offline_after_s: float = 90.0  # a kiosk without a heartbeat for longer is offline
    enrolment_codes: Sequence[str] = ()
    catalogue_path: Path | None = None  # default: the catalogue shipped in contract/data
    reference_prefix: str = "PREF"
    clock: Callable[[], dt.datetime] = field(default=utcnow)
    staff_hasher: Any = None  # argon2.PasswordHasher for staff PINs; None: argon2's defaults
    # False for throwaway test databases only: SQLite commits without syncing to disk (a
    # test's thousand sign-ins then take seconds, not a minute); the server always syncs.
    sqlite_durable: bool = True
    staff_session_timeout_s: int = 15 * 60  # the kiosk signs a person out after this idle
    staff_session_max_s: int = 12 * 3600  # a staff session never lasts longer
    docs: bool = False  # serve /docs, /redoc and /openapi.json
    limits: Limits = field(default_factory=Limits)
    throttles: Throttles = field(default_factory=Throttles)
    retention: Retention = field(default_factory=Retention)
    last_seen_every_s: float = 60.0  # a kiosk's last_seen is written at most this often

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{Path(self.data_dir) / DATABASE_FILE}"

    @property
    def staff_session_idle_s(self) -> int:
        """The server's own idle limit: twice the kiosk's (the kiosk signs out first)."""
        return 2 * self.staff_session_timeout_s
