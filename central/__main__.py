"""``kiosk-central``: run the reference central API with uvicorn.

    kiosk-central --data-dir DIR [--host 127.0.0.1] [--port 8765]
                  [--enrolment-code CODE ...] [--admin-token TOKEN] [--database-url URL]
                  [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]
    kiosk-central staff add --data-dir DIR --identifier ID --name NAME [--role mediator|staff]
                  [--pin-stdin] [--badge FILE.png]
    kiosk-central staff list --data-dir DIR

Prints exactly one line ``kiosk-central listening on http(s)://HOST:PORT`` on stdout once the
socket accepts connections (``--port 0`` picks a free port and prints it).

The database URL can also come from ``$KIOSK_CENTRAL_DATABASE_URL`` (better than the command
line for a URL with a password: other users can read a process's arguments).
"""

from __future__ import annotations

import argparse
import logging
import os
import ssl
import sys
from pathlib import Path
from typing import Any

import uvicorn

from central.app import create_app
from central.settings import Settings
from contract import __version__
from contract.cli import join_option_values
from contract.sealing import KeyFileError

ADMIN_TOKEN_ENV = "KIOSK_CENTRAL_ADMIN_TOKEN"  # noqa: S105 - a variable name
DATABASE_URL_ENV = "KIOSK_CENTRAL_DATABASE_URL"
DESK_TOKEN_ENV = "KIOSK_CENTRAL_DESK_TOKEN"  # noqa: S105 - a variable name


class _Server(uvicorn.Server):
    """Announces the bound address once it is listening."""

    scheme = "http"

    async def startup(self, sockets: list | None = None) -> None:  # type: ignore[type-arg]
        await super().startup(sockets)
        if self.should_exit or not self.servers:
            return
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"kiosk-central listening on {self.scheme}://{shown}:{port}", flush=True)


# Secrets can start with "-": see join_option_values.
_SECRET_OPTIONS = ("--enrolment-code", "--admin-token", "--desk-token")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="kiosk-central", description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--data-dir", type=Path, required=True, help="database and private key")
    p.add_argument(
        "--enrolment-code",
        action="append",
        default=[],
        metavar="CODE",
        help="one-time enrolment code to register at start (repeatable)",
    )
    p.add_argument(
        "--admin-token",
        default=os.environ.get(ADMIN_TOKEN_ENV),
        help=f"bearer token of the admin API (default: ${ADMIN_TOKEN_ENV}; none: disabled)",
    )
    p.add_argument(
        "--desk-token",
        default=os.environ.get(DESK_TOKEN_ENV),
        help="bearer token of the reception desk and fleet pages (/v1/desk; "
        f"default: ${DESK_TOKEN_ENV}); it cannot read applications",
    )
    p.add_argument(
        "--database-url",
        default=os.environ.get(DATABASE_URL_ENV),
        help="SQLAlchemy URL, e.g. postgresql://user:pw@127.0.0.1:5432/central "
        f"(default: ${DATABASE_URL_ENV}, else SQLite in --data-dir)",
    )
    p.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (PEM chain)")
    p.add_argument("--tls-key", type=Path, help="the private key of --tls-cert (PEM)")
    p.add_argument(
        "--tls-client-ca",
        type=Path,
        help="require kiosks to present a client certificate signed by these CAs (PEM)",
    )
    p.add_argument("--catalogue", type=Path, help="procedure catalogue (default: the kiosk's)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.add_argument("--version", action="version", version=f"kiosk-central {__version__}")
    args = p.parse_args(join_option_values(sys.argv[1:] if argv is None else argv, _SECRET_OPTIONS))
    if (args.tls_cert is None) != (args.tls_key is None):
        p.error("--tls-cert and --tls-key go together")
    if args.tls_client_ca is not None and args.tls_cert is None:
        p.error("--tls-client-ca needs --tls-cert and --tls-key")
    return args


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    if raw[:1] == ["staff"]:  # kiosk-central staff add|list (mediator and staff accounts)
        from central.routers.staff import cli

        return cli(raw[1:])
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings(
        data_dir=args.data_dir,
        database_url=args.database_url,
        admin_token=args.admin_token or None,
        desk_token=args.desk_token or None,
        enrolment_codes=args.enrolment_code,
        catalogue_path=args.catalogue,
    )
    try:
        app = create_app(settings)
    except (KeyFileError, ValueError, OSError) as exc:
        print(f"kiosk-central: {exc}", file=sys.stderr)
        return 2
    if settings.admin_token is None:
        logging.getLogger("kiosk.central").warning("no --admin-token: the admin API is disabled")
    tls: dict[str, Any] = {}
    if args.tls_cert is not None:
        tls = {"ssl_certfile": str(args.tls_cert), "ssl_keyfile": str(args.tls_key)}
        if args.tls_client_ca is not None:
            tls["ssl_ca_certs"] = str(args.tls_client_ca)
            tls["ssl_cert_reqs"] = ssl.CERT_REQUIRED
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_level=args.log_level, access_log=False, **tls
    )
    try:
        config.load()  # reads the TLS files now: a bad one is a clear error, not a traceback
    except (OSError, ssl.SSLError) as exc:
        print(f"kiosk-central: cannot load the TLS certificate or key: {exc}", file=sys.stderr)
        return 2
    server = _Server(config)
    server.scheme = "https" if tls else "http"
    server.run()
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())
