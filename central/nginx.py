"""``kiosk-central nginx-config``: the nginx configuration that puts the central API behind
Debian's nginx (TLS, kiosk client certificates, per-route body sizes, timeouts, per-address
limits), written to ``/etc/nginx/conf.d/kiosk-central.conf`` or wherever ``--output`` says.

    kiosk-central nginx-config --server-name central.prefecture.example \\
        --tls-cert /etc/ssl/central.pem --tls-key /etc/ssl/private/central.key \\
        [--client-ca /etc/ssl/kiosk-fleet-ca.pem] [--listen 443] \\
        [--upstream 127.0.0.1:8765 ...] [--output FILE]

The file is an ``http``-level snippet (Debian's nginx includes ``conf.d/*.conf`` inside its
``http`` block). See central/README.md for the whole deployment; tests/integration/test_nginx.py
runs the API behind a real nginx with what this writes.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from central.limits import APPLICATION_BODY_BYTES, STAFF_AUDIT_BODY_BYTES
from contract.protocol import MAX_CHUNK_BYTES

KIB = 1024


def _size(n: int) -> str:
    return f"{math.ceil(n / KIB)}k"


def render(
    *,
    server_name: str,
    tls_cert: Path,
    tls_key: Path,
    client_ca: Path | None = None,
    listen: str = "443",
    upstreams: tuple[str, ...] = ("127.0.0.1:8765",),
    header_timeout_s: int = 10,
    body_timeout_s: int = 30,
    keep_alive_s: int = 15,
    requests_per_s: int = 100,
    burst: int = 400,
    connections_per_address: int = 64,
    temp_dir: Path | None = None,
) -> str:
    """The configuration (text). ``temp_dir``: where nginx spools request bodies (default:
    nginx's own)."""
    client_certs = (
        f"""    # Kiosks present a certificate of the fleet CA; nginx refuses the others.
    ssl_client_certificate {client_ca};
    ssl_verify_client on;
    ssl_verify_depth 2;
"""
        if client_ca is not None
        else "    # (no --client-ca: kiosks are not asked for a client certificate)\n"
    )
    temp = f"    client_body_temp_path {temp_dir};\n" if temp_dir is not None else ""
    servers = "\n".join(f"    server {u} max_fails=0;" for u in upstreams)
    proxy = """        proxy_pass http://kiosk_central;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        # Replaced, not appended: the central API trusts this header from nginx only
        # (kiosk-central --forwarded-allow-ips 127.0.0.1), and a client's own is discarded.
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_connect_timeout 5s;
        proxy_read_timeout 60s;
        proxy_send_timeout 60s;"""
    return f"""# The central API of the kiosks (kiosk titre de séjour), behind nginx.
# Written by `kiosk-central nginx-config`; regenerate rather than edit by hand.

limit_req_zone $binary_remote_addr zone=kiosk_central_rate:10m rate={requests_per_s}r/s;
limit_conn_zone $binary_remote_addr zone=kiosk_central_conn:10m;

upstream kiosk_central {{
{servers}
    keepalive 32;
}}

server {{
    listen {listen} ssl;
    server_name {server_name};
    server_tokens off;

    ssl_certificate {tls_cert};
    ssl_certificate_key {tls_key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:kiosk_central_tls:10m;
{client_certs}
    # Slow clients are nginx's problem, not the API's: whole request heads and bodies within
    # these times, idle connections closed, bodies spooled by nginx before they are passed on.
    client_header_timeout {header_timeout_s}s;
    client_body_timeout {body_timeout_s}s;
    send_timeout {body_timeout_s}s;
    keepalive_timeout {keep_alive_s}s;
    large_client_header_buffers 4 8k;
    client_body_buffer_size 256k;
{temp}    proxy_request_buffering on;

    limit_conn kiosk_central_conn {connections_per_address};
    limit_req zone=kiosk_central_rate burst={burst} nodelay;
    limit_req_status 429;
    limit_conn_status 429;

    # Body limits per route, as the API's own (central/limits.py).
    client_max_body_size 64k;
    location ~ "^/v1/attachments/[0-9a-f]{{64}}$" {{
        client_max_body_size {_size(MAX_CHUNK_BYTES)};
{proxy}
    }}
    location ~ "^/v1/applications/[0-9a-fA-F-]{{36}}$" {{
        client_max_body_size {_size(APPLICATION_BODY_BYTES)};
{proxy}
    }}
    location = /v1/staff/audit {{
        client_max_body_size {_size(STAFF_AUDIT_BODY_BYTES)};
{proxy}
    }}
    location /v1/ {{
{proxy}
    }}
    location / {{
        return 404;
    }}
}}
"""


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="kiosk-central nginx-config", description=__doc__.splitlines()[0]
    )
    p.add_argument("--server-name", required=True, help="the name kiosks reach the API by")
    p.add_argument("--tls-cert", type=Path, required=True, help="certificate chain (PEM)")
    p.add_argument("--tls-key", type=Path, required=True, help="its private key (PEM)")
    p.add_argument("--client-ca", type=Path, help="require kiosk certificates signed by these CAs")
    p.add_argument("--listen", default="443", help="address:port or port (default 443)")
    p.add_argument(
        "--upstream", action="append", default=[], metavar="HOST:PORT",
        help="kiosk-central (repeatable; default 127.0.0.1:8765)",
    )  # fmt: skip
    p.add_argument("--header-timeout", type=int, default=10)
    p.add_argument("--body-timeout", type=int, default=30)
    p.add_argument("--rate", type=int, default=100, help="requests a second per address")
    p.add_argument("--burst", type=int, default=400)
    p.add_argument("--connections", type=int, default=64, help="connections per address")
    p.add_argument("--output", type=Path, help="write here (default: standard output)")
    args = p.parse_args(argv)
    text = render(
        server_name=args.server_name,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        client_ca=args.client_ca,
        listen=args.listen,
        upstreams=tuple(args.upstream) or ("127.0.0.1:8765",),
        header_timeout_s=args.header_timeout,
        body_timeout_s=args.body_timeout,
        requests_per_s=args.rate,
        burst=args.burst,
        connections_per_address=args.connections,
    )
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}; check it with: nginx -t", file=sys.stderr)
    return 0
