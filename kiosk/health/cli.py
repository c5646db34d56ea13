"""``kiosk-health``: what works on this kiosk and what does not, for the IT team.

Prints one line per check (``ok``, ``warn`` or ``FAIL``, then what was found and, when it
fails, what to do) and exits 1 if any check failed, else 0; ``--json`` prints the same as
JSON. The checks: configuration, data directory (owner and mode 0700), store (opens, not
damaged, schema at the current migration, key file private), enrolment, central API
(reachable within ``--timeout`` seconds), Qt's platform plugins, speech engine, camera,
OCR model, printer, fonts (Arabic, Chinese, OCR-B), disk space and clock.

Nothing here changes anything: the store is read through a read-only connection (never
migrated: ``kiosk-migrate`` does that), no device is opened for long, nothing is printed or
spoken. Qt is optional: without PySide6 the Qt and printer checks fail and the others run.
Run as root, the checks run as the owner of the data directory (the ``kiosk`` user), as the
kiosk itself does, so that nothing is created there with root as its owner.
"""

from __future__ import annotations

import argparse
import ctypes
import dataclasses
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.config import SYSTEM_CONFIG, ConfigError, Settings, load_settings
from kiosk.health import checks
from kiosk.health.registry import Check, Registry, Result, Status
from kiosk.health.store import DB_FILENAME, head_revision, store_revision
from kiosk.i18n import counted

__all__ = [
    "CHECKS",
    "Finding",
    "Probes",
    "Report",
    "head_revision",
    "main",
    "run_checks",
    "store_revision",
]

# The checks, in the order they are printed.
CHECKS: tuple[str, ...] = (
    "config",
    "data_dir",
    "store",
    "enrolment",
    "central",
    "service",
    "sync",
    "qt",
    "speech",
    "camera",
    "ocr",
    "printer",
    "fonts",
    "disk",
    "clock",
)
SCHEMA = "kiosk-health/1"  # the JSON's shape: schemas/kiosk-health.schema.json
SYNC_LATE = dt.timedelta(hours=1)  # an application waiting longer, no sync since: warn
SYNC_STUCK = dt.timedelta(hours=24)  # an application waiting longer: fail
PENDING_STATES = ("sealed", "uploading", "delivered", "failed")  # not yet acknowledged


_LANG = ["fr"]  # the text's language, set by run_checks (a command-line tool: one at a time)


def _t(french: str, english: str) -> str:
    """A check's words in the report's language (French for the kiosk's staff)."""
    return english if _LANG[0] == "en" else french


@dataclass(frozen=True)
class Finding:
    """One line of the report: a check's name and its result."""

    name: str
    status: Status
    detail: str

    @classmethod
    def of(cls, name: str, result: Result) -> Finding:
        return cls(name, result.status, result.detail)

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


def _fc_list(pattern: str) -> list[str]:
    out = subprocess.run(
        ["fc-list", pattern, "family"], capture_output=True, text=True, timeout=20, check=True
    )
    return [line.split(",")[0].strip() for line in out.stdout.splitlines() if line.strip()]


def _central_version(settings: Settings, url: str, timeout: float) -> str:
    from kiosk.link.connection import central_client

    with central_client(
        settings,
        url,
        None,
        connect_timeout=min(timeout, settings.connect_timeout_s),
        read_timeout=timeout,
    ) as client:
        return client.health().version


def _ocr_probe() -> str:
    """Builds the default MRZ engine (ours trains on the OCR-B font: a few seconds) and
    runs it once on a blank band."""
    import numpy as np

    from kiosk.devices.mrz_reader import default_engine

    engine = default_engine()
    try:
        engine.read_lines(np.full((60, 600), 255, dtype=np.uint8))
    finally:
        engine.close()
    return type(engine).__name__


def _ocrb_font() -> str:
    from kiosk.devices.samples.documents import ocrb_font_path

    return ocrb_font_path()


def _printer_state(settings: Settings) -> str:
    """The configured printer's state, as the kiosk sees it (``lpstat``: no Qt)."""
    from kiosk.devices.printer import printer_from_settings

    return str(printer_from_settings(settings).check().value)


def _speech_problem() -> str | None:
    from kiosk.devices.speech_espeak import unavailable_reason

    return unavailable_reason()


def _qt_plugins() -> dict[str, str | None]:
    """Each of Qt's on-screen platform plugins (Wayland under cage, X11 as the fallback)
    loaded with its libraries: None if it loads, else why not. Nothing is shown."""
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("PySide6 is not installed")
    base = Path(next(iter(spec.submodule_search_locations)))
    out: dict[str, str | None] = {}
    for name, lib in (("wayland", "libqwayland.so"), ("xcb", "libqxcb.so")):
        path = base / "Qt" / "plugins" / "platforms" / lib
        if not path.exists():
            out[name] = "not shipped with this PySide6"
            continue
        try:
            ctypes.CDLL(str(path))
        except OSError as exc:
            out[name] = str(exc).removeprefix(f"{path}: ")
        else:
            out[name] = None
    return out


@dataclass
class Probes:
    """Everything the checks ask of the machine, replaceable by fakes in tests."""

    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    ntp_synchronized: Callable[[], bool | None] = checks.ntp_synchronized
    disk_usage: Callable[[Path], Any] = shutil.disk_usage
    fonts: Callable[[str], list[str]] = _fc_list
    ocrb_font: Callable[[], str] = _ocrb_font
    central_version: Callable[[Settings, str, float], str] = _central_version
    camera_available: Callable[[Settings], bool] = checks.camera_available
    ocr: Callable[[], str] = _ocr_probe
    printer_state: Callable[[Settings], str] = _printer_state
    speech_problem: Callable[[], str | None] = _speech_problem
    qt_plugins: Callable[[], dict[str, str | None]] = _qt_plugins
    uid: Callable[[], int | None] = lambda: os.geteuid() if hasattr(os, "geteuid") else None


@dataclass
class KioskState:
    """What monitoring asks beyond the checks: which kiosk, its outbox and its service
    state (stable fields, no personal data)."""

    kiosk_id: str | None = None
    kiosk_name: str | None = None
    backlog: dict[str, int] = field(default_factory=dict)  # outbox state -> count
    oldest_pending_at: dt.datetime | None = None
    last_sync_ok_at: dt.datetime | None = None
    out_of_service: dict[str, str] | None = None  # message, since, by

    @property
    def pending(self) -> int:
        return sum(self.backlog.get(s, 0) for s in PENDING_STATES)

    def as_dict(self) -> dict[str, Any]:
        def stamp(at: dt.datetime | None) -> str | None:
            return at.astimezone(dt.UTC).isoformat() if at else None

        return {
            "kiosk_id": self.kiosk_id,
            "kiosk_name": self.kiosk_name,
            "backlog": {
                "pending": self.pending,
                "by_state": {s: self.backlog.get(s, 0) for s in (*PENDING_STATES, "acknowledged")},
                "oldest_pending_at": stamp(self.oldest_pending_at),
            },
            "last_sync_ok_at": stamp(self.last_sync_ok_at),
            "out_of_service": self.out_of_service,
        }


# The text output in the kiosk's staff language (French), or English (--lang en); the JSON
# keeps its stable English names and codes.
TEXTS = {
    "fr": {
        "title": "kiosk-health : configuration {config}, borne {kiosk}, version {version}",
        "defaults": "(valeurs par défaut)",
        "unknown": "(non enrôlée)",
        "labels": {"ok": "ok", "warn": "alerte", "fail": "ÉCHEC", "skipped": "omis"},
        "summary": "{ok} ok, {warn}, {fail}",
        "counted": {"warn": ("alerte", "alertes"), "fail": ("échec", "échecs")},
        "skipped": ", {n} omis",
        "names": {
            "config": "configuration",
            "data_dir": "données",
            "store": "base locale",
            "enrolment": "enrôlement",
            "central": "API centrale",
            "service": "service",
            "sync": "envois",
            "qt": "affichage",
            "speech": "voix",
            "camera": "caméra",
            "ocr": "lecture MRZ",
            "printer": "imprimante",
            "fonts": "polices",
            "disk": "disque",
            "clock": "horloge",
        },
    },
    "en": {
        "title": "kiosk-health: configuration {config}, kiosk {kiosk}, version {version}",
        "defaults": "(defaults)",
        "unknown": "(not enrolled)",
        "labels": {"ok": "ok", "warn": "warn", "fail": "FAIL", "skipped": "skip"},
        "summary": "{ok} ok, {warn}, {fail}",
        "counted": {"warn": ("warning", "warnings"), "fail": ("failure", "failures")},
        "skipped": ", {n} skipped",
        "names": {},
    },
}


@dataclass
class Report:
    config_path: Path | None
    checks: list[Finding] = field(default_factory=list)
    state: KioskState = field(default_factory=KioskState)
    generated_at: dt.datetime | None = None
    lang: str = "fr"

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        from kiosk import __version__

        at = self.generated_at or dt.datetime.now(dt.UTC)
        return {
            "schema": SCHEMA,
            "ok": self.ok,
            "generated_at": at.astimezone(dt.UTC).isoformat(),
            "version": __version__,
            "config": str(self.config_path) if self.config_path else None,
            **self.state.as_dict(),
            "checks": [c.as_dict() for c in self.checks],
        }

    def text(self) -> str:
        from kiosk import __version__

        t = TEXTS.get(self.lang, TEXTS["fr"])
        label: dict[str, str] = t["labels"]  # type: ignore[assignment]
        names: dict[str, str] = t["names"]  # type: ignore[assignment]
        lines = [
            str(t["title"]).format(
                config=self.config_path or t["defaults"],
                kiosk=self.state.kiosk_id or t["unknown"],
                version=__version__,
            )
        ]
        for c in self.checks:
            lines.append(f"  {label[c.status]:<6} {names.get(c.name, c.name):<13} {c.detail}")
        counts = {s: sum(c.status == s for c in self.checks) for s in label}
        nouns: dict[str, tuple[str, str]] = t["counted"]  # type: ignore[assignment]
        lines.append(
            str(t["summary"]).format(
                ok=counts["ok"],
                warn=counted(counts["warn"], *nouns["warn"], self.lang),
                fail=counted(counts["fail"], *nouns["fail"], self.lang),
            )
            + (str(t["skipped"]).format(n=counts["skipped"]) if counts["skipped"] else "")
        )
        return "\n".join(lines)


def config_path_for(explicit: Path | None, environ: dict[str, str] | None = None) -> Path | None:
    """The file ``load_settings`` reads, the same way it chooses it."""
    env = os.environ if environ is None else environ
    if explicit is not None:
        return explicit
    if env.get("KIOSK_CONFIG"):
        return Path(env["KIOSK_CONFIG"])
    return SYSTEM_CONFIG if SYSTEM_CONFIG.exists() else None


# --- the checks -----------------------------------------------------------------------------


def check_data_dir(settings: Settings, probes: Probes) -> Result:
    path = settings.data_dir
    if not path.is_dir():
        return Result(
            "fail",
            _t(
                f"{path} n'existe pas (le paquet le crée)",
                f"{path} does not exist (the package creates it)",
            ),
        )
    st = path.stat()
    mode = st.st_mode & 0o777
    problems = []
    if mode & 0o077 and os.name == "posix":
        problems.append(
            _t(
                f"le mode {mode:04o} laisse entrer les autres (chmod 0700 {path})",
                f"mode {mode:04o} lets others in (chmod 0700 {path})",
            )
        )
    uid = probes.uid()  # None on Windows: no POSIX owner to compare
    if uid is not None and st.st_uid != uid:
        problems.append(
            _t(
                f"appartient à l'uid {st.st_uid}, pas à cet utilisateur (uid {uid})",
                f"owned by uid {st.st_uid}, not by this user (uid {uid})",
            )
        )
    elif not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        problems.append(_t("son propriétaire ne peut pas y écrire", "not writable by its owner"))
    if problems:
        return Result("fail", f"{path}: " + "; ".join(problems))
    return Result("ok", f"{path}, mode {mode:04o}, uid {st.st_uid}")


def check_store(settings: Settings) -> Result:
    from kiosk.store.errors import StoreError
    from kiosk.store.store import check_integrity

    db_path = settings.db_dir / DB_FILENAME
    if not db_path.exists():
        return Result(
            "fail",
            _t(
                f"pas de base à {db_path} : la borne la crée à son premier démarrage "
                "(ou lancez /usr/libexec/kiosk-titre-sejour/kiosk-migrate en tant que kiosk)",
                f"no database at {db_path}: the kiosk creates it at its first start "
                "(or run /usr/libexec/kiosk-titre-sejour/kiosk-migrate as the kiosk user)",
            ),
        )
    try:
        check_integrity(db_path)
        current, head = store_revision(db_path), head_revision()
    except (StoreError, sqlite3.Error, OSError) as exc:
        return Result("fail", f"{db_path}: {exc}")
    key = settings.db_dir / "keys" / "kiosk.key"
    if not key.exists():
        return Result(
            "fail",
            _t(f"la clé de la base {key} manque", f"the store's key file {key} is missing"),
        )
    if key.stat().st_mode & 0o077:
        return Result(
            "fail",
            _t(
                f"la clé {key} est lisible par les autres (chmod 0600)",
                f"the key file {key} is readable by others (chmod 0600)",
            ),
        )
    if current != head:
        return Result(
            "fail",
            _t(
                f"schéma {current or 'aucun'}, cette version demande {head} : lancez "
                "kiosk-migrate (la borne migre aussi à son démarrage)",
                f"schema at {current or 'none'}, this version needs {head}: run kiosk-migrate "
                "(the kiosk also migrates when it starts)",
            ),
        )
    return Result(
        "ok",
        _t(
            f"{db_path} s'ouvre, intacte, schéma {head} (à jour)",
            f"{db_path} opens, not damaged, schema {head} (current)",
        ),
    )


def check_enrolment(settings: Settings) -> tuple[Result, Any]:
    from sync.enrolment import Enrolment

    path = settings.enrolment_file
    if not path.exists():
        return (
            Result(
                "fail",
                _t(
                    "borne non enrôlée : kiosk-sync --enrol-code CODE en tant que kiosk "
                    "(installer/README.md), ou enrôlez-la en mode administration",
                    "not enrolled: run kiosk-sync --enrol-code CODE as the kiosk user "
                    "(installer/README.md), or enrol from admin mode",
                ),
            ),
            None,
        )
    try:
        enrolment = Enrolment.load(path)
    except Exception as exc:
        return Result(
            "fail",
            _t(f"enrôlement inutilisable : {exc}", f"unusable enrolment: {exc}"),
        ), None
    return Result(
        "ok",
        _t(
            f"borne {enrolment.kiosk_id} auprès de {enrolment.server_url}",
            f"kiosk {enrolment.kiosk_id} on {enrolment.server_url}",
        ),
    ), enrolment


def check_central(settings: Settings, enrolment: Any, timeout: float, probes: Probes) -> Result:
    from kiosk.link.connection import central_address

    url = central_address(settings, enrolment)  # the address the kiosk itself uses
    try:
        version = probes.central_version(settings, url, timeout)
    except Exception as exc:
        return Result(
            "fail",
            _t(
                f"{url} ne répond pas en {timeout:g} s : {exc}",
                f"{url} does not answer within {timeout:g} s: {exc}",
            ),
        )
    detail = _t(f"{url} répond (API centrale {version})", f"{url} answers (central API {version})")
    if enrolment is not None and enrolment.server_url.rstrip("/") != url.rstrip("/"):
        return Result(
            "warn",
            _t(
                f"{detail}, mais la borne est enrôlée auprès de {enrolment.server_url} : "
                "mettez-y central_url ou enrôlez-la de nouveau",
                f"{detail}, but the kiosk was enrolled on {enrolment.server_url}: "
                "set central_url to it or enrol again",
            ),
        )
    return Result("ok", detail)


def read_state(settings: Settings, state: KioskState) -> None:
    """The outbox's counts (read-only), the last sync and the out-of-service state."""
    from kiosk.admin import service
    from kiosk.link.sync_runner import read_last_sync

    state.kiosk_name = settings.kiosk_name
    state.last_sync_ok_at = read_last_sync(settings.data_dir)
    oos = service.load(service.path_in(settings.data_dir))
    if oos is not None:
        state.out_of_service = {
            "message": oos.message,
            "since": oos.since.astimezone(dt.UTC).isoformat(),
            "by": oos.by,
        }
    db_path = settings.db_dir / DB_FILENAME
    if not db_path.exists():
        return
    conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        rows = conn.execute(
            "SELECT state, count(*), min(created_at) FROM outbox GROUP BY state"
        ).fetchall()
    finally:
        conn.close()
    state.backlog = {str(k): int(n) for k, n, _ in rows}
    oldest = [dt.datetime.fromisoformat(at) for k, _, at in rows if k in PENDING_STATES and at]
    state.oldest_pending_at = min(oldest) if oldest else None  # ISO text with its offset


def _age(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 90:
        return f"{max(minutes, 0)} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} " + _t("j", "d")


def check_service(state: KioskState) -> Result:
    oos = state.out_of_service
    if oos is None:
        return Result("ok", _t("en service", "in service"))
    return Result(
        "warn",
        _t(
            f"hors service depuis {oos['since'][:16].replace('T', ' ')} UTC, mis par "
            f"{oos['by']} : « {oos['message']} »",
            f"out of service since {oos['since'][:16].replace('T', ' ')} UTC, set by "
            f"{oos['by']}: “{oos['message']}”",
        ),
    )


def check_sync(state: KioskState, probes: Probes, unreadable: str | None = None) -> Result:
    if unreadable:
        return Result(
            "fail",
            _t(
                f"l'état des envois est illisible ({unreadable})",
                f"the sync state cannot be read ({unreadable})",
            ),
        )
    now = probes.now()
    last = state.last_sync_ok_at
    since = (
        _t(
            f"dernier envoi réussi il y a {_age(now - last)}",
            f"last successful sync {_age(now - last)} ago",
        )
        if last
        else _t("aucun envoi réussi", "no successful sync")
    )
    if not state.pending:
        return Result(
            "ok",
            _t(f"aucune demande en attente ; {since}", f"no application waiting; {since}"),
        )
    waited = now - state.oldest_pending_at if state.oldest_pending_at else dt.timedelta(0)
    detail = _t(
        f"{counted(state.pending, 'demande', 'demandes')} en attente, "
        f"la plus ancienne depuis {_age(waited)} ; {since}",
        f"{counted(state.pending, 'application', 'applications', 'en')} waiting, "
        f"the oldest for {_age(waited)}; {since}",
    )
    if waited > SYNC_STUCK:
        return Result(
            "fail",
            _t(
                f"{detail} (voir kiosk-sync et l'API centrale)",
                f"{detail} (see kiosk-sync and the central API)",
            ),
        )
    if waited > SYNC_LATE and (last is None or now - last > SYNC_LATE):
        return Result("warn", detail)
    return Result("ok", detail)


def check_qt(probes: Probes) -> Result:
    try:
        plugins = probes.qt_plugins()
    except Exception as exc:
        return Result("fail", _t(f"Qt ne se charge pas : {exc}", f"Qt cannot be loaded: {exc}"))
    loaded = [name for name, problem in plugins.items() if problem is None]
    missing = {name: problem for name, problem in plugins.items() if problem is not None}
    if not loaded:
        why = "; ".join(f"{n}: {p}" for n, p in missing.items())
        return Result(
            "fail",
            _t(
                f"aucun greffon d'affichage ne se charge ({why})",
                f"no on-screen platform plugin loads ({why})",
            ),
        )
    detail = _t("greffons d'affichage chargés : ", "platform plugins load: ") + ", ".join(loaded)
    if "wayland" in missing:
        return Result(
            "warn",
            _t(
                f"{detail} ; wayland (celui de cage) non : {missing['wayland']}",
                f"{detail}; wayland (cage's) does not: {missing['wayland']}",
            ),
        )
    return Result("ok", detail)


def check_speech(settings: Settings, probes: Probes) -> Result:
    if settings.fake_devices:
        return Result(
            "warn",
            _t(
                "appareils simulés : la voix est seulement enregistrée",
                "fake devices configured: the voice is only recorded",
            ),
        )
    problem = probes.speech_problem()
    if problem:
        return Result("fail", problem)
    return Result("ok", _t("espeak-ng se charge (pyttsx3)", "espeak-ng loads (pyttsx3)"))


def check_camera(settings: Settings, probes: Probes) -> Result:
    return checks.camera(settings, available=probes.camera_available, lang=_LANG[0])


def check_ocr(probes: Probes) -> Result:
    try:
        engine = probes.ocr()
    except Exception as exc:
        return Result(
            "fail",
            _t(
                f"le lecteur MRZ ne se construit pas : {exc}",
                f"the MRZ reader cannot be built: {exc}",
            ),
        )
    return Result("ok", _t(f"lecteur MRZ prêt ({engine})", f"MRZ reader ready ({engine})"))


def check_printer(settings: Settings, probes: Probes) -> Result:
    if settings.fake_devices:
        return Result(
            "warn",
            _t(
                "appareils simulés : les reçus sont des fichiers PDF",
                "fake devices configured: receipts are PDF files",
            ),
        )
    queue = settings.printer or _t("l'imprimante par défaut", "the default printer")
    try:
        state = probes.printer_state(settings)
    except Exception as exc:
        return Result(
            "fail",
            _t(
                f"{queue} : impossible de demander ({type(exc).__name__} : {exc})",
                f"{queue}: cannot ask ({type(exc).__name__}: {exc})",
            ),
        )
    if state == "ready":
        return Result("ok", _t(f"{queue} est prête", f"{queue} is ready"))
    return Result(
        "fail",
        _t(
            f"{queue} : {state.replace('_', ' ')} (CUPS : lpstat -l -p)",
            f"{queue}: {state.replace('_', ' ')} (CUPS: lpstat -l -p)",
        ),
    )


def check_fonts(probes: Probes) -> Result:
    found: dict[str, str] = {}
    missing = []
    for label, pattern, package in (
        ("Arabic", ":lang=ar", "fonts-noto-core"),
        ("Chinese", ":lang=zh-cn", "fonts-wqy-microhei"),
    ):
        try:
            families = probes.fonts(pattern)
        except (OSError, subprocess.SubprocessError) as exc:
            return Result(
                "fail",
                _t(f"fontconfig ne répond pas ({exc})", f"fontconfig cannot be asked ({exc})"),
            )
        if families:
            found[label] = sorted(families, key=lambda f: ("Noto" not in f, f))[0]
        else:
            missing.append(f"{label} ({package})")
    try:
        found["OCR-B"] = Path(probes.ocrb_font()).name
    except (OSError, FileNotFoundError):
        missing.append("OCR-B (fonts-ocr-b)")
    if missing:
        return Result("fail", _t("manquent : ", "missing: ") + ", ".join(missing))
    return Result("ok", ", ".join(f"{k}: {v}" for k, v in found.items()))


def check_disk(settings: Settings, probes: Probes) -> Result:
    return checks.disk(settings.data_dir, usage=probes.disk_usage, lang=_LANG[0])


def check_clock(probes: Probes) -> Result:
    return checks.clock(probes.now(), ntp=probes.ntp_synchronized, lang=_LANG[0])


def _crashed(_name: str, exc: BaseException) -> Result:
    return Result(
        "fail",
        _t(
            f"la vérification a échoué : {type(exc).__name__} : {exc}",
            f"the check failed: {type(exc).__name__}: {exc}",
        ),
    )


def registry(settings: Settings, report: Report, probes: Probes, timeout: float) -> Registry:
    """kiosk-health's checks after the configuration, in the order they are printed; the
    enrolment's fills in the report's kiosk, the central API's then uses it."""
    enrolment: Any = None

    def enrol() -> Result:
        nonlocal enrolment
        result, enrolment = check_enrolment(settings)
        if enrolment is not None:
            report.state.kiosk_id = str(enrolment.kiosk_id)
        return result

    unreadable: str | None = None
    try:
        read_state(settings, report.state)
    except Exception as exc:  # the store check says more
        unreadable = f"{type(exc).__name__}: {exc}"

    steps: dict[str, Callable[[], Result]] = {
        "data_dir": lambda: check_data_dir(settings, probes),
        "store": lambda: check_store(settings),
        "enrolment": enrol,
        "central": lambda: check_central(settings, enrolment, timeout, probes),
        "service": lambda: check_service(report.state),
        "sync": lambda: check_sync(report.state, probes, unreadable),
        "qt": lambda: check_qt(probes),
        "speech": lambda: check_speech(settings, probes),
        "camera": lambda: check_camera(settings, probes),
        "ocr": lambda: check_ocr(probes),
        "printer": lambda: check_printer(settings, probes),
        "fonts": lambda: check_fonts(probes),
        "disk": lambda: check_disk(settings, probes),
        "clock": lambda: check_clock(probes),
    }
    return Registry((Check(name, run) for name, run in steps.items()), on_error=_crashed)


def run_checks(
    config_file: Path | None = None,
    *,
    skip: Sequence[str] = (),
    timeout: float = 5.0,
    probes: Probes | None = None,
    environ: dict[str, str] | None = None,
    settings: Settings | None = None,
    data_dir: Path | None = None,
    lang: str = "fr",
) -> Report:
    """Every check not in ``skip``; a check that raises is a failure, never a crash."""
    probes = probes or Probes()
    _LANG[0] = lang
    report = Report(config_path_for(config_file, environ), lang=lang)
    report.generated_at = probes.now()
    if settings is None:
        try:
            overrides = {"data_dir": data_dir} if data_dir is not None else None
            settings = load_settings(config_file, overrides, environ=environ)
        except ConfigError as exc:
            report.checks.append(Finding("config", "fail", str(exc).replace("\n", " ")))
            report.checks.extend(
                Finding(
                    name,
                    "skipped",
                    _t("la configuration n'est pas valide", "the configuration is invalid"),
                )
                for name in CHECKS
                if name != "config"
            )
            return report
    report.checks.append(
        Finding(
            "config",
            "ok",
            _t(
                f"valide ({report.config_path or 'valeurs par défaut'})",
                f"valid ({report.config_path or 'defaults'})",
            ),
        )
        if not settings.fake_devices
        else Finding(
            "config",
            "warn",
            _t(
                "valide, mais fake_devices est activé : pas pour une vraie borne",
                "valid, but fake_devices is on: not for a real kiosk",
            ),
        )
    )
    found = registry(settings, report, probes, timeout).run_all(skip)
    report.checks.extend(Finding.of(name, result) for name, result in found.items())
    return report


def drop_privileges(data_dir: Path) -> str | None:
    """As root, become the owner of ``data_dir`` (the kiosk user); returns its name."""
    import pwd

    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not data_dir.exists():
        return None
    uid = data_dir.stat().st_uid
    if uid == 0:
        return None
    user = pwd.getpwuid(uid)
    os.initgroups(user.pw_name, user.pw_gid)
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)
    os.environ["HOME"] = user.pw_dir
    os.environ["USER"] = os.environ["LOGNAME"] = user.pw_name
    return user.pw_name


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="kiosk-health", description="Check what works on this kiosk and what does not."
    )
    p.add_argument("--config", type=Path, help="configuration file (default: as the kiosk)")
    p.add_argument(
        "--data-dir", type=Path, help="the kiosk's data directory (default: the configuration's)"
    )
    p.add_argument(
        "--lang",
        choices=sorted(TEXTS),
        default="fr",
        help="language of the text output (default: fr, the kiosk staff's; JSON is the same)",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=[c for c in CHECKS if c != "config"],
        metavar="CHECK",
        help=f"leave a check out (repeatable): {', '.join(CHECKS[1:])}",
    )
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the central API")
    p.add_argument(
        "--as-root",
        action="store_true",
        help="as root, do not run the checks as the data directory's owner",
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = None
    if not args.as_root and hasattr(os, "geteuid") and os.geteuid() == 0:
        try:
            overrides = {"data_dir": args.data_dir} if args.data_dir is not None else None
            settings = load_settings(args.config, overrides)
        except ConfigError:
            settings = None  # reported by run_checks
        if settings is not None:
            drop_privileges(settings.data_dir)
    report = run_checks(
        args.config,
        skip=args.skip,
        timeout=args.timeout,
        settings=settings,
        data_dir=args.data_dir,
        lang=args.lang,
    )
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(report.text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
