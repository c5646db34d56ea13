"""``kiosk-central``: run the reference central API with uvicorn.

    kiosk-central --data-dir DIR [--host 127.0.0.1] [--port 8765]
                  [--enrolment-code CODE ...] [--admin-token TOKEN] [--database-url URL]

Prints exactly one line ``kiosk-central listening on http://HOST:PORT`` on stdout once the
socket accepts connections (``--port 0`` picks a free port and prints it).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import uvicorn

from sync import __version__
from sync.cli import join_option_values
from sync.sealing import KeyFileError
from sync.server.app import Settings, create_app

ADMIN_TOKEN_ENV = "KIOSK_CENTRAL_ADMIN_TOKEN"  # noqa: S105 - a variable name


class _Server(uvicorn.Server):
    """Announces the bound address once it is listening."""

    async def startup(self, sockets: list | None = None) -> None:  # type: ignore[type-arg]
        await super().startup(sockets)
        if self.should_exit or not self.servers:
            return
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"kiosk-central listening on http://{shown}:{port}", flush=True)


# Secrets can start with "-": see join_option_values.
_SECRET_OPTIONS = ("--enrolment-code", "--admin-token")


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
    p.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in --data-dir)")
    p.add_argument("--catalogue", type=Path, help="procedure catalogue (default: the kiosk's)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.add_argument("--version", action="version", version=f"kiosk-central {__version__}")
    return p.parse_args(join_option_values(sys.argv[1:] if argv is None else argv, _SECRET_OPTIONS))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings(
        data_dir=args.data_dir,
        database_url=args.database_url,
        admin_token=args.admin_token or None,
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
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_level=args.log_level, access_log=False
    )
    server = _Server(config)
    server.run()
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())
