"""The demo's own central API: the reference server, started on loopback beside the kiosk.

It runs as a child process (so the kiosk's start-up does not pay for FastAPI's import)
with its data under the kiosk's data directory, and is stopped with the kiosk.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: ask Linux to end the demo server if the kiosk dies without cleaning up."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class DemoCentral:
    def __init__(
        self,
        data_dir: Path,
        host: str = "127.0.0.1",
        port: int | None = None,
        site: str = "Préfecture",
    ) -> None:
        self.data_dir = data_dir
        self.host = host
        self.port = port or free_port(host)
        raw = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(16))
        self.enrolment_code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))  # 80 bits
        self.admin_token = secrets.token_urlsafe(24)
        # The reception desk's own token: the desk and fleet pages, never the applications.
        self.desk_token = secrets.token_urlsafe(24)
        self.site = site
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        logfile = (self.data_dir / "central.log").open("ab")
        cmd = [
            sys.executable, "-m", "central",
            "--host", self.host, "--port", str(self.port),
            "--data-dir", str(self.data_dir),
        ]  # fmt: skip
        # Secrets through the environment: the command line is shown to every user by ps.
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_CENTRAL_")}
        env["KIOSK_CENTRAL_ENROLMENT_CODES"] = self.enrolment_code
        env["KIOSK_CENTRAL_ADMIN_TOKEN"] = self.admin_token
        # The reception desk's own token ("TOKEN SITE" lines: a desk token sees one site).
        env["KIOSK_CENTRAL_DESK_TOKENS"] = f"{self.desk_token} {self.site}"
        self._proc = subprocess.Popen(
            cmd, stdout=logfile, stderr=subprocess.STDOUT, env=env, preexec_fn=_die_with_parent
        )
        logfile.close()
        log.info("demo central API starting on %s", self.url)

    def wait_ready(self, timeout: float = 30.0) -> bool:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                log.error("demo central API exited with code %s", self._proc.returncode)
                return False
            try:
                if requests.get(f"{self.url}/v1/health", timeout=1).ok:
                    self._add_demo_staff()
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return False

    # Accounts for trying the staff sign-in and the assisted session (issue 7); demo only.
    DEMO_STAFF = (
        ("med-demo", "Médiatrice de démonstration", "mediator", "246810"),
        ("adm-demo", "Agent de démonstration", "staff", "135790"),
    )

    def _add_demo_staff(self) -> None:
        import requests

        for identifier, name, role, pin in self.DEMO_STAFF:
            body = {"identifier": identifier, "display_name": name, "role": role, "pin": pin}
            try:
                requests.post(
                    f"{self.url}/v1/admin/staff",
                    json=body,
                    headers={"Authorization": f"Bearer {self.admin_token}"},
                    timeout=10,
                )  # 409 when it exists already
            except requests.RequestException:
                log.warning("demo staff account %s not created", identifier)
        log.info("demo staff accounts: med-demo (PIN 246810), adm-demo (PIN 135790)")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
