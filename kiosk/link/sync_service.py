"""``kiosk-sync``: the kiosk's sync loop (:class:`kiosk.link.sync_runner.SyncRunner`) as a
service, with the kiosk's own settings, for kiosks where the application does not run it."""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.link.sync_runner import SyncRunner

if TYPE_CHECKING:
    from kiosk.config import Settings

log = logging.getLogger(__name__)


def parse_sync_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """``kiosk-sync``'s command line. Every setting comes from the kiosk's configuration
    (``--config``, ``$KIOSK_CONFIG`` or /etc/kiosk-titre-sejour/kiosk.toml, then
    ``KIOSK_*`` variables), as for the kiosk itself; an option given here wins."""
    from contract.cli import join_option_values
    from contract.protocol import DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES

    p = argparse.ArgumentParser(
        prog="kiosk-sync",
        description="Deliver the kiosk's outbox to the central API, with the kiosk's settings.",
    )
    p.add_argument("--config", type=Path, help="the kiosk's configuration file (TOML)")
    p.add_argument("--data-dir", type=Path, help="the kiosk's data directory")
    p.add_argument(
        "--store-dir", type=Path, help="the kiosk store's directory (default: DATA_DIR/store)"
    )
    p.add_argument("--once", action="store_true", help="one round, then exit")
    p.add_argument("--interval", type=float, help="seconds between rounds (sync_interval_s)")
    p.add_argument("--enrol-code", help="enrol this kiosk with a one-time code first")
    p.add_argument("--server", help="central API URL (default: central_url, else the enrolment's)")
    p.add_argument(
        "--kiosk-name", help="name shown centrally (default: kiosk_name, else the host's)"
    )
    p.add_argument("--ca-bundle", type=Path, help="CA certificates to verify the server with")
    p.add_argument(
        "--client-cert",
        type=Path,
        help="this kiosk's TLS client certificate (PEM; may hold the key)",
    )
    p.add_argument("--client-key", type=Path, help="the key of --client-cert, if separate")
    p.add_argument(
        "--chunk-size-kib",
        type=int,
        default=DEFAULT_CHUNK_BYTES // 1024,
        help="attachment upload chunk size in KiB (default: %(default)s)",
    )
    p.add_argument(
        "--retention-days",
        type=int,
        help="delete acknowledged applications after this many days (acknowledged_retention_days)",
    )
    p.add_argument("--no-heartbeat", action="store_true", help="do not send heartbeats")
    p.add_argument("--connect-timeout", type=float, help="seconds (connect_timeout_s)")
    p.add_argument("--read-timeout", type=float, help="seconds (read_timeout_s)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    raw = sys.argv[1:] if argv is None else argv
    args = p.parse_args(join_option_values(raw, ("--enrol-code",)))
    if not 1 <= args.chunk_size_kib * 1024 <= MAX_CHUNK_BYTES:
        p.error(f"--chunk-size-kib must be between 1 and {MAX_CHUNK_BYTES // 1024}")
    if args.client_key is not None and args.client_cert is None:
        p.error("--client-key needs --client-cert")
    return args


def sync_settings(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Settings:
    """The kiosk's settings, with the command line's options over them (ConfigError)."""
    from kiosk.config import load_settings

    overrides = {
        "data_dir": args.data_dir,
        "sync_interval_s": args.interval,
        "kiosk_name": args.kiosk_name,
        "ca_bundle": args.ca_bundle,
        "client_cert": args.client_cert,
        "client_key": args.client_key,
        "acknowledged_retention_days": args.retention_days,
        "connect_timeout_s": args.connect_timeout,
        "read_timeout_s": args.read_timeout,
    }
    return load_settings(args.config, overrides, environ)


def sync_main(argv: Sequence[str] | None = None) -> int:
    """``kiosk-sync``. Exit status: 0 done, 2 not enrolled or bad setup, 3 refused by the
    server (authentication), 4 another agent holds the lock (with --once), 1 a failed round
    (with --once)."""
    from kiosk.config import ConfigError
    from sync.client import AuthError, RejectedError, TransientError
    from sync.enrolment import EnrolmentError, enrol

    args = parse_sync_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = sync_settings(args)
    except ConfigError as exc:
        print(f"kiosk-sync: {exc}", file=sys.stderr)
        return 2
    from kiosk.store import Store  # SQLAlchemy: only once the command line is fine

    store = Store.open(args.store_dir or settings.db_dir)
    runner = SyncRunner(
        settings,
        store,
        server=args.server,
        heartbeat=not args.no_heartbeat,
        chunk_size=args.chunk_size_kib * 1024,
    )
    try:
        if args.enrol_code:
            name = settings.kiosk_name
            if "kiosk_name" not in settings.model_fields_set:
                name = socket.gethostname()
            with runner.new_client(None) as anonymous:
                enrolment = enrol(
                    anonymous,
                    args.enrol_code,
                    name,
                    settings.enrolment_file,
                    site=getattr(settings, "site_name", None),
                )
            log.info("kiosk enrolled as %s", enrolment.kiosk_id)
        if runner.enrolment() is None:
            raise EnrolmentError(
                f"this kiosk is not enrolled ({settings.enrolment_file} is missing): "
                "run kiosk-sync --enrol-code CODE first"
            )
    except (EnrolmentError, AuthError, RejectedError, TransientError) as exc:
        print(f"kiosk-sync: {exc}", file=sys.stderr)
        runner.close()
        store.close()
        return 3 if isinstance(exc, AuthError) else 2

    stopping = threading.Event()
    previous: dict[signal.Signals, Any] = {}
    if not args.once and threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda *_: stopping.set())
    try:
        if args.once:
            outcome = runner.round()
            return {"auth": 3, "busy": 4, "error": 1, "not_enrolled": 2}.get(outcome, 0)
        runner.run(stopping)
        return 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        runner.close()
        store.close()
