"""``kiosk-central``: run the reference central API with uvicorn.

    kiosk-central --data-dir DIR [--host 127.0.0.1] [--port 8765] [--workers N]
                  [--admin-token-file F] [--desk-tokens-file F] [--enrolment-codes-file F]
                  [--database-url URL] [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]
                  [--header-timeout S] [--body-timeout S] [--keep-alive-timeout S]
                  [--max-connections N] [--forwarded-allow-ips IPS] [--docs]
    kiosk-central staff add --data-dir DIR --identifier ID --name NAME [--role mediator|staff]
                  [--pin-stdin] [--badge FILE.png]
    kiosk-central staff list --data-dir DIR
    kiosk-central migrate --data-dir DIR      # the database to the latest schema, then exit
    kiosk-central retention --data-dir DIR    # the retention job once (it also runs hourly)
    kiosk-central nginx-config --server-name NAME --tls-cert F --tls-key F [--client-ca F] ...

Prints exactly one line ``kiosk-central listening on http(s)://HOST:PORT`` on stdout once the
socket accepts connections (``--port 0`` picks a free port and prints it).

Secrets never come from the command line (``ps`` shows it to every user): the admin token,
the desk tokens and the enrolment codes are read from files readable by their owner only
(``--*-file``), or from the environment: ``KIOSK_CENTRAL_ADMIN_TOKEN``,
``KIOSK_CENTRAL_DESK_TOKENS`` and ``KIOSK_CENTRAL_ENROLMENT_CODES`` (same format as the
files), ``KIOSK_CENTRAL_DATABASE_URL`` for a URL with a password. A desk tokens file holds
one ``TOKEN SITE NAME`` per line: each token sees the kiosks of its site only.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import ssl
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import uvicorn

from central.settings import Limits, Settings
from contract import __version__
from contract.sealing import KeyFileError

ADMIN_TOKEN_ENV = "KIOSK_CENTRAL_ADMIN_TOKEN"  # noqa: S105 - a variable name
DESK_TOKENS_ENV = "KIOSK_CENTRAL_DESK_TOKENS"
ENROLMENT_CODES_ENV = "KIOSK_CENTRAL_ENROLMENT_CODES"
DATABASE_URL_ENV = "KIOSK_CENTRAL_DATABASE_URL"
# Options older versions took: refused, naming what to use instead.
_REFUSED = {
    "--admin-token": ("--admin-token-file", ADMIN_TOKEN_ENV),
    "--desk-token": ("--desk-tokens-file", DESK_TOKENS_ENV),
    "--enrolment-code": ("--enrolment-codes-file", ENROLMENT_CODES_ENV),
}
MIN_TOKEN_CHARS = 16


class _Server(uvicorn.Server):
    """Announces the bound address once it is listening."""

    scheme = "http"

    async def startup(self, sockets: list | None = None) -> None:
        await super().startup(sockets)
        if self.should_exit or not self.servers:
            return
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        _announce(self.scheme, host, port)


def _announce(scheme: str, host: str, port: int) -> None:
    shown = f"[{host}]" if ":" in host else host
    print(f"kiosk-central listening on {scheme}://{shown}:{port}", flush=True)


def _refuse_secrets_in_argv(argv: list[str], p: argparse.ArgumentParser) -> None:
    for arg in argv:
        name = arg.split("=", 1)[0]
        if name in _REFUSED:
            option, env = _REFUSED[name]
            p.error(
                f"{name} is no longer accepted: a secret on the command line is shown by ps to "
                f"every user of the machine; put it in a file readable by you only and give "
                f"{option} FILE, or set ${env}"
            )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="kiosk-central", description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--data-dir", type=Path, required=True, help="database and private key")
    p.add_argument(
        "--admin-token-file",
        type=Path,
        help=f"the admin API's token (or ${ADMIN_TOKEN_ENV}; none: disabled)",
    )
    p.add_argument(
        "--desk-tokens-file", type=Path, help=f"'TOKEN SITE NAME' per line (or ${DESK_TOKENS_ENV})"
    )
    p.add_argument(
        "--enrolment-codes-file",
        type=Path,
        help=f"one-time enrolment codes to register, one per line (or ${ENROLMENT_CODES_ENV})",
    )
    p.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL without a password, e.g. postgresql://central@/central (a URL with "
        f"a password goes in ${DATABASE_URL_ENV}); default: SQLite in --data-dir",
    )
    p.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (PEM chain)")
    p.add_argument("--tls-key", type=Path, help="the private key of --tls-cert (PEM)")
    p.add_argument(
        "--tls-client-ca",
        type=Path,
        help="require kiosks to present a client certificate signed by these CAs (PEM)",
    )
    p.add_argument("--catalogue", type=Path, help="procedure catalogue (default: the shipped one)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    p.add_argument(
        "--header-timeout", type=float, default=10.0, help="seconds for a request's head"
    )
    p.add_argument(
        "--body-timeout",
        type=float,
        default=Limits.body_timeout_s,
        help="seconds for a request's whole body",
    )
    p.add_argument(
        "--keep-alive-timeout", type=float, default=5.0, help="seconds an idle connection is kept"
    )
    p.add_argument(
        "--max-connections",
        type=int,
        default=1000,
        help="connections and requests at once (503 beyond)",
    )
    p.add_argument(
        "--forwarded-allow-ips",
        help="the reverse proxy's addresses: X-Forwarded-For from them is trusted",
    )
    p.add_argument("--docs", action="store_true", help="serve /docs, /redoc and /openapi.json")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.add_argument("--version", action="version", version=f"kiosk-central {__version__}")
    raw = sys.argv[1:] if argv is None else argv
    _refuse_secrets_in_argv(raw, p)
    args = p.parse_args(raw)
    args.parser = p
    if (args.tls_cert is None) != (args.tls_key is None):
        p.error("--tls-cert and --tls-key go together")
    if args.tls_client_ca is not None and args.tls_cert is None:
        p.error("--tls-client-ca needs --tls-cert and --tls-key")
    if args.workers < 1:
        p.error("--workers must be 1 or more")
    if args.database_url and _has_password(args.database_url):
        p.error(f"--database-url holds a password: set ${DATABASE_URL_ENV} instead")
    return args


def _has_password(url: str) -> bool:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).password is not None
    except Exception:
        return ":" in url.split("@", 1)[0].split("//", 1)[-1] and "@" in url


def _secret_file(p: argparse.ArgumentParser, path: Path) -> str:
    try:
        mode = path.stat().st_mode
        text = path.read_text("utf-8")
    except OSError as exc:
        p.error(f"cannot read {path}: {exc.strerror}")
    if mode & 0o077:
        p.error(f"{path} can be read by others (mode {oct(mode & 0o777)}): chmod 600 {path}")
    return text


def _desk_tokens(text: str, p: argparse.ArgumentParser) -> dict[str, str]:
    tokens: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        token, _, site = line.partition(" ")
        if len(token) < MIN_TOKEN_CHARS or not site.strip():
            p.error(
                f"desk tokens, line {n}: 'TOKEN SITE NAME', a token of {MIN_TOKEN_CHARS} characters at least"
            )
        tokens[token] = site.strip()
    return tokens


def settings_from(args: argparse.Namespace, env: Mapping[str, str]) -> Settings:
    p: argparse.ArgumentParser = args.parser
    admin = (
        _secret_file(p, args.admin_token_file)
        if args.admin_token_file
        else env.get(ADMIN_TOKEN_ENV)
    )
    admin = (admin or "").strip() or None
    if admin is not None and len(admin) < MIN_TOKEN_CHARS:
        p.error(f"the admin token must have {MIN_TOKEN_CHARS} characters at least")
    desks = (
        _secret_file(p, args.desk_tokens_file)
        if args.desk_tokens_file
        else env.get(DESK_TOKENS_ENV, "")
    )
    codes = (
        _secret_file(p, args.enrolment_codes_file)
        if args.enrolment_codes_file
        else env.get(ENROLMENT_CODES_ENV, "")
    )
    limits = dataclasses.replace(Limits(), body_timeout_s=args.body_timeout)
    return Settings(
        data_dir=args.data_dir,
        database_url=args.database_url or env.get(DATABASE_URL_ENV) or None,
        admin_token=admin,
        desk_tokens=_desk_tokens(desks, p),
        enrolment_codes=[c for c in codes.split() if not c.startswith("#")],
        catalogue_path=args.catalogue,
        docs=args.docs,
        limits=limits,
    )


def settings_from_args(argv: list[str], env: Mapping[str, str]) -> Settings:
    return settings_from(parse_args(argv), env)


# --- worker processes: settings through the environment -------------------------------------


def _worker_environment(settings: Settings) -> None:
    from central.asgi import SETTINGS_ENV

    os.environ[SETTINGS_ENV] = json.dumps(
        {
            "data_dir": str(settings.data_dir),
            "catalogue_path": str(settings.catalogue_path) if settings.catalogue_path else None,
            "docs": settings.docs,
            "body_timeout_s": settings.limits.body_timeout_s,
        }
    )
    if settings.admin_token:
        os.environ[ADMIN_TOKEN_ENV] = settings.admin_token
    os.environ[DESK_TOKENS_ENV] = "\n".join(f"{t} {s}" for t, s in settings.desk_tokens.items())
    if settings.database_url:
        os.environ[DATABASE_URL_ENV] = settings.database_url
    os.environ.pop(ENROLMENT_CODES_ENV, None)  # registered by this process already


def settings_from_json(data: Mapping[str, Any], env: Mapping[str, str]) -> Settings:
    desks = {}
    for line in env.get(DESK_TOKENS_ENV, "").splitlines():
        token, _, site = line.strip().partition(" ")
        if token and site:
            desks[token] = site
    return Settings(
        data_dir=Path(data["data_dir"]),
        database_url=env.get(DATABASE_URL_ENV) or None,
        admin_token=env.get(ADMIN_TOKEN_ENV) or None,
        desk_tokens=desks,
        catalogue_path=Path(data["catalogue_path"]) if data.get("catalogue_path") else None,
        docs=bool(data.get("docs")),
        limits=dataclasses.replace(Limits(), body_timeout_s=float(data["body_timeout_s"])),
    )


# --- commands --------------------------------------------------------------------------------


def _maintenance(command: str, argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog=f"kiosk-central {command}")
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument(
        "--database-url", default=None, help=f"default: ${DATABASE_URL_ENV}, else SQLite"
    )
    args = p.parse_args(argv)
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from central.app import create_app

    settings = Settings(
        data_dir=args.data_dir, database_url=args.database_url or os.environ.get(DATABASE_URL_ENV)
    )
    app = create_app(settings)
    try:
        if command == "retention":
            from central.retention import run_retention

            report = run_retention(app.state.central)
            print(f"retention: deleted {report}")
        else:
            print("kiosk-central: the database is at the latest schema")
    finally:
        app.state.engine.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    if raw[:1] == ["staff"]:  # kiosk-central staff add|list (mediator and staff accounts)
        from central.routers.staff import cli

        return cli(raw[1:])
    if raw[:1] in (["retention"], ["migrate"]):
        return _maintenance(raw[0], raw[1:])
    if raw[:1] == ["nginx-config"]:  # the reverse proxy's configuration (central/README.md)
        from central.nginx import main as nginx_config

        return nginx_config(raw[1:])
    os.umask(0o077)  # the database, its journal and the key: the service's user only
    args = parse_args(raw)
    settings = settings_from(args, os.environ)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from central.app import create_app
    from central.server import uvicorn_options

    try:
        app = create_app(settings)  # migrates, registers the codes; checks the settings
    except (KeyFileError, ValueError, OSError) as exc:
        print(f"kiosk-central: {exc}", file=sys.stderr)
        return 2
    if settings.admin_token is None:
        logging.getLogger("kiosk.central").warning("no admin token: the admin API is disabled")
    tls: dict[str, Any] = {}
    if args.tls_cert is not None:
        tls = {"ssl_certfile": str(args.tls_cert), "ssl_keyfile": str(args.tls_key)}
        if args.tls_client_ca is not None:
            tls["ssl_ca_certs"] = str(args.tls_client_ca)
            tls["ssl_cert_reqs"] = ssl.CERT_REQUIRED
    options = uvicorn_options(
        header_timeout_s=args.header_timeout,
        keep_alive_timeout_s=args.keep_alive_timeout,
        max_connections=args.max_connections,
        forwarded_allow_ips=args.forwarded_allow_ips,
    )
    scheme = "https" if tls else "http"
    common = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "access_log": False,
    }
    if args.workers > 1:
        app.state.engine.dispose()
        _worker_environment(settings)
        config = uvicorn.Config(
            "central.asgi:app_from_environment", factory=True, workers=args.workers,
            **common, **options, **tls,
        )  # fmt: skip
        return _run_workers(config, scheme)
    config = uvicorn.Config(app, **common, **options, **tls)
    try:
        config.load()  # reads the TLS files now: a bad one is a clear error, not a traceback
    except (OSError, ssl.SSLError) as exc:
        print(f"kiosk-central: cannot load the TLS certificate or key: {exc}", file=sys.stderr)
        return 2
    server = _Server(config)
    server.scheme = scheme
    server.run()
    return 0 if server.started else 1


def _run_workers(config: uvicorn.Config, scheme: str) -> int:
    from uvicorn.supervisors import Multiprocess

    try:
        sock = config.bind_socket()
    except OSError as exc:
        print(f"kiosk-central: cannot listen: {exc}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    _announce(scheme, host, port)
    Multiprocess(config, sockets=[sock]).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
