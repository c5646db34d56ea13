"""The kiosk's staff directory and audit log over the central API (Qt-free, blocking).

:class:`CentralStaffDirectory` signs in through ``POST /v1/staff/sign-in`` with the kiosk's
token; the central API checks the Argon2 hash, applies the lockout and writes the sign-in
(ok or failed) to its audit log itself. :class:`CentralAuditLog` reports the other events
(sign-out, assisted sessions, admin actions) to ``POST /v1/staff/audit``: ``record`` only
appends to a spool file (staff identifiers and actions, never applicant data) and
``flush`` delivers it, on a worker, now or later.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from contract.badge import parse_badge_code
from contract.protocol import StaffAuditBatch, StaffAuditRecord, StaffSignedIn, StaffSignIn
from kiosk.staff import AuditEntry, Role, SignInRefused, StaffMember, utcnow
from sync.client import CentralClient, CentralError, _retry_after

log = logging.getLogger("kiosk.staff")

DEFAULT_SESSION_TIMEOUT_S = 15 * 60


class CentralStaffDirectory:
    """``client_factory`` builds a :class:`CentralClient` holding the kiosk's token (or
    raises: the kiosk is not enrolled), for each sign-in."""

    def __init__(self, client_factory: Callable[[], CentralClient]) -> None:
        self._client_factory = client_factory
        self.session_timeout_s = DEFAULT_SESSION_TIMEOUT_S

    def sign_in(self, identifier: str, pin: str) -> StaffMember:
        return self._post(StaffSignIn(identifier=identifier.strip()[:64], pin=pin[:64]))

    def sign_in_badge(self, code: str) -> StaffMember:
        if parse_badge_code(code) is None:
            raise SignInRefused("wrong", detail="not a staff badge")
        return self._post(StaffSignIn(badge=code[:200]))

    def _post(self, body: StaffSignIn) -> StaffMember:
        try:
            client = self._client_factory()
        except Exception as exc:
            raise SignInRefused("unavailable", detail=f"no central API: {exc}") from None
        try:
            resp = client._request("POST", "/staff/sign-in", body=body, check=False)
        except CentralError as exc:
            raise SignInRefused("unavailable", detail=exc.detail) from None
        finally:
            client.close()
        if resp.status_code == 200:
            answer = CentralClient._parse(resp, StaffSignedIn)
            self.session_timeout_s = answer.session_timeout_s
            return StaffMember(answer.identifier, answer.display_name, Role(answer.role))
        if resp.status_code == 429:
            wait = _retry_after(resp.headers.get("Retry-After"))
            raise SignInRefused("locked", retry_after_s=wait)
        if resp.status_code in (403, 422):
            wait = _retry_after(resp.headers.get("Retry-After"))
            raise SignInRefused("wrong", retry_after_s=wait or None)
        # 401 (the kiosk's token is refused), 5xx: not the person's fault.
        raise SignInRefused("unavailable", detail=f"HTTP {resp.status_code}")


SENT_KEPT = 500  # entries kept on the kiosk once delivered (the diagnostics export)


class CentralAuditLog:
    """Audit entries wait in ``spool`` (JSON lines, 0600) until the central API has them;
    the last ``SENT_KEPT`` delivered ones stay in ``<spool>.sent`` for the diagnostics
    export (staff identifiers and actions only, as in the spool)."""

    def __init__(
        self,
        spool: Path,
        client_factory: Callable[[], CentralClient],
        *,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.spool = spool
        self._client_factory = client_factory
        self.clock = clock
        self._lock = threading.Lock()

    def record(self, actor: str, action: str, *, detail: str = "") -> None:
        line = json.dumps(
            {"actor": actor, "action": action, "at": self.clock().isoformat(), "detail": detail}
        )
        with self._lock:
            self.spool.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.spool, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)

    @property
    def sent_file(self) -> Path:
        return self.spool.with_name(self.spool.name + ".sent")

    def recent(self, limit: int = 200) -> list[AuditEntry]:
        """The newest entries first, delivered or not (the diagnostics export)."""
        with self._lock:
            items = self._read(self.sent_file) + self._read()
        out = []
        for d in items[-limit:]:
            try:
                at = dt.datetime.fromisoformat(d["at"])
                out.append(AuditEntry(at, d["actor"], d["action"], d.get("detail", "")))
            except (KeyError, TypeError, ValueError):
                continue
        return list(reversed(out))

    def pending(self) -> list[AuditEntry]:
        return [
            AuditEntry(dt.datetime.fromisoformat(d["at"]), d["actor"], d["action"], d["detail"])
            for d in self._read()
        ]

    def _read(self, path: Path | None = None) -> list[dict[str, Any]]:
        try:
            text = (path or self.spool).read_text("utf-8")
        except FileNotFoundError:
            return []
        out = []
        for line in text.splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                log.warning("an unreadable audit line was skipped")
        return out

    def flush(self) -> int:
        """Deliver what waits; returns how many were delivered (0 if the network is down).
        Blocking: call it on a worker."""
        with self._lock:
            items = self._read()
            if not items:
                return 0
            records = []
            for d in items[:500]:
                try:
                    records.append(StaffAuditRecord.model_validate(d))
                except ValueError:
                    log.warning("an invalid audit entry was dropped (%s)", d.get("action"))
            try:
                batch = StaffAuditBatch(entries=records)
                client = self._client_factory()
                try:
                    client._request("POST", "/staff/audit", body=batch)
                finally:
                    client.close()
            except Exception as exc:
                log.info("audit entries kept for later: %s", exc)
                return 0
            rest = items[500:]
            kept = (self._read(self.sent_file) + items[:500])[-SENT_KEPT:]
            self._write(self.sent_file, kept)
            self._write(self.spool, rest)
            return len(items) - len(rest)

    @staticmethod
    def _write(path: Path, items: list[dict[str, Any]]) -> None:
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(d) + "\n" for d in items)
        os.replace(tmp, path)
