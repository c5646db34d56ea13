"""All settings of the kiosk, with their defaults, in one place.

Order of precedence (last wins): defaults < config file (TOML) < environment
(``KIOSK_<NAME>``) < command-line flags. The config file is the one given by
``--config``, else ``$KIOSK_CONFIG``, else ``/etc/kiosk-titre-sejour/kiosk.toml`` if it
exists. Paths default to the user's platform directories (platformdirs).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

APP_NAME = "kiosk-titre-sejour"
SYSTEM_CONFIG = Path("/etc") / APP_NAME / "kiosk.toml"
DEMO_NAME = f"{APP_NAME}-demo"  # the demo's own data directory: never a kiosk's


def demo_data_dir() -> Path:
    """Where ``kiosk --demo`` keeps everything (data, settings, logs, its central API):
    the user's own data directory for the demo (``$XDG_DATA_HOME``), never a kiosk's."""
    return Path(user_data_dir(DEMO_NAME, appauthor=False))


class ConfigError(ValueError):
    """The configuration is invalid; the message says which setting and why."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir(APP_NAME, appauthor=False)))
    catalogue: Path | None = None  # None = the catalogue shipped with the application
    kiosk_name: str = Field(default="kiosk-demo", min_length=1, max_length=64)
    languages: tuple[str, ...] = ("fr", "en", "ar", "fa", "es", "pt", "ru", "uk", "zh", "tr")
    # Procedure ids of the catalogue offered to applicants; empty = every procedure.
    procedures: tuple[str, ...] = ()
    # Central API. The demo starts its own on loopback and overrides this.
    central_url: str = "http://127.0.0.1:8765"
    ca_bundle: Path | None = None  # CA certificates (PEM) of the prefecture's own CA
    # Optional TLS client certificate of this kiosk (PEM; its key inside or in client_key).
    client_cert: Path | None = None
    client_key: Path | None = None
    connect_timeout_s: float = Field(default=5.0, gt=0, le=120)
    read_timeout_s: float = Field(default=30.0, gt=0, le=600)
    sync_interval_s: float = Field(default=30.0, ge=1, le=86_400)
    # Reception desk (``kiosk --desk``): the central API's desk token for this site (from its
    # --desk-tokens-file; better in $KIOSK_DESK_TOKEN than in a file others can read) and
    # this desk's name, which kiosks are told when it answers a call for help.
    desk_token: str | None = Field(default=None, min_length=8, max_length=200)
    desk_name: str = Field(default="accueil", min_length=1, max_length=64)
    desk_site: str | None = None  # the site (kiosks' site_name) the desk lists; None: all
    # Presentation.
    fullscreen: bool = True
    fake_devices: bool = False
    text_scale: float = Field(default=1.0)
    high_contrast: bool = False
    voice: bool = False
    on_screen_keyboard: bool = True  # touch-only terminals; the applicant can hide it
    # Inactivity (WCAG 2.2.1): after ``inactivity_timeout_s`` without any action on an
    # applicant screen, everything is wiped; a spoken warning comes ``inactivity_warning_s``
    # before (at least 20 s, EN 301 549 11.2.2.1) and one action extends the session.
    inactivity_timeout_s: int = Field(default=120, ge=30, le=3600)
    inactivity_warning_s: int = Field(default=30, ge=20, le=600)
    # Document camera: a device index ("0") or path (/dev/video2); with fake devices, a
    # video or image-sequence pattern to play (default: synthetic pages). The resolution
    # asked of it: webcams give 1080p at 30 fps in MJPG.
    camera: str = "0"
    camera_width: int = Field(default=1920, ge=320, le=7680)
    camera_height: int = Field(default=1080, ge=240, le=4320)
    # Sharpness of a good frame on this camera (kiosk.scan.pipeline.Calibration); unset, it
    # is learned from the first good frames of each run.
    camera_sharpness_reference: float | None = Field(default=None, gt=0, lt=10)
    # Privacy: a draft not finished after this many days is deleted.
    draft_retention_days: int = Field(default=30, ge=1, le=365)
    acknowledged_retention_days: int = Field(default=7, ge=0, le=365)
    # The local audit trail (no personal data: uuids, references, states): six months, the
    # CNIL's recommendation for logs (six months to a year; three years at most).
    audit_retention_days: int = Field(default=183, ge=1, le=3 * 366)
    # Receipt (issue 8): the place printed on it; the CUPS queue ("" = the default printer);
    # printed once by itself when the application is submitted (else on request only).
    site_name: str = Field(default="Préfecture", min_length=1, max_length=120)
    printer: str = Field(default="", max_length=128)
    print_receipt_automatically: bool = True
    # Admin mode: closed (staff signed out) after this long without any action.
    admin_timeout_s: int = Field(default=300, ge=30, le=3600)
    # Mediators and staff (issue 7): signed out after this long without any action on the
    # kiosk (an assisted session ends with it).
    staff_session_timeout_s: int = Field(default=900, ge=60, le=8 * 3600)

    @field_validator("text_scale")
    @classmethod
    def _scale(cls, v: float) -> float:
        if v not in (1.0, 1.5, 2.0):
            raise ValueError("text_scale must be 1.0, 1.5 or 2.0")
        return v

    @model_validator(mode="after")
    def _inactivity(self) -> Settings:
        if self.inactivity_warning_s >= self.inactivity_timeout_s:
            raise ValueError(
                "inactivity_warning_s must be shorter than inactivity_timeout_s "
                f"({self.inactivity_warning_s} >= {self.inactivity_timeout_s})"
            )
        return self

    @field_validator("languages")
    @classmethod
    def _languages(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        from kiosk.i18n import LANGUAGES

        unknown = [code for code in v if code not in LANGUAGES]
        if unknown or not v:
            raise ValueError(f"unknown languages {unknown}; available: {sorted(LANGUAGES)}")
        if "fr" not in v:  # the first screen, and the source of every text
            raise ValueError("languages must include fr (the language of the first screen)")
        if len(set(v)) != len(v):
            raise ValueError("languages must not repeat a language")
        return v

    @field_validator("procedures")
    @classmethod
    def _procedures(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        # Checked against the catalogue by whoever has it (kiosk.admin.settings_file).
        if len(set(v)) != len(v) or any(not p.strip() for p in v):
            raise ValueError("procedures must be distinct, non-empty procedure ids")
        return v

    @property
    def db_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def enrolment_file(self) -> Path:
        return self.data_dir / "enrolment.json"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


_ENV_PREFIX = "KIOSK_"


def _from_env(environ: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, info in Settings.model_fields.items():
        raw = environ.get(_ENV_PREFIX + name.upper())
        if raw is None:
            continue
        if info.annotation in (bool,):
            out[name] = raw.strip().lower() in {"1", "true", "yes", "on"}
        elif name in ("languages", "procedures"):
            out[name] = tuple(x.strip() for x in raw.split(",") if x.strip())
        else:
            out[name] = raw
    return out


def load_settings(
    config_file: Path | None = None,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
    *,
    system_config: bool = True,
) -> Settings:
    """``system_config``: fall back on ``/etc/kiosk-titre-sejour/kiosk.toml`` (not the
    demo, which reads and writes its settings in its own data directory)."""
    environ = dict(os.environ if environ is None else environ)
    path = config_file or (Path(environ["KIOSK_CONFIG"]) if environ.get("KIOSK_CONFIG") else None)
    if path is None and system_config and SYSTEM_CONFIG.exists():
        path = SYSTEM_CONFIG
    values: dict[str, Any] = {}
    if path is not None:
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the configuration: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    values.update(_from_env(environ))
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        lines = [f"invalid configuration{f' in {path}' if path else ''}:"]
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            lines.append(f"  - {where}: {err['msg']}")
        raise ConfigError("\n".join(lines)) from None
