"""The kiosk's staff directory and audit log over the central API (Qt-free, blocking).

:class:`CentralStaffDirectory` signs in through ``POST /v1/staff/sign-in`` with the kiosk's
token; the central API checks the Argon2 hash, applies the lockout, writes the sign-in (ok
or failed) to its audit log itself and answers with a staff session for that person on this
kiosk. :class:`CentralAuditLog` reports the person's other events (sign-out, assisted
sessions, admin actions) to ``POST /v1/staff/audit`` with that session
(``X-Staff-Session``): the server writes who and when. ``record`` only appends to a spool
file (staff identifiers and actions, never applicant data; the session token too, in this
0600 file, until delivered) and ``flush`` delivers it, on a worker, now or later. Entries
the server refuses for good (their session ended, an admin action from a mediator) are moved
to ``<spool>.undelivered`` (kept on the kiosk, 0600), never retried.
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
from kiosk.staff import SIGN_OUT, AuditEntry, Role, SignInRefused, StaffMember, utcnow
from sync.client import AuthError, CentralClient, CentralError, RejectedError, _retry_after

log = logging.getLogger("kiosk.staff")

DEFAULT_SESSION_TIMEOUT_S = 15 * 60
STAFF_SESSION_HEADER = "X-Staff-Session"


class CentralStaffDirectory:
    """``client_factory`` builds a :class:`CentralClient` holding the kiosk's token (or
    raises: the kiosk is not enrolled), for each sign-in."""

    def __init__(
        self,
        client_factory: Callable[[], CentralClient],
        on_session: Callable[[str, str], None] | None = None,
    ) -> None:
        """``on_session(identifier, token)`` is told each staff session (the audit log)."""
        self._client_factory = client_factory
        self._on_session = on_session
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
            if self._on_session is not None:
                self._on_session(answer.identifier, answer.session_token)
            return StaffMember(
                answer.identifier, answer.display_name, Role(answer.role), answer.session_token
            )
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
        self.undelivered = spool.with_name(spool.name + ".undelivered")
        self._client_factory = client_factory
        self.clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, str] = {}  # identifier -> its staff session token

    def bind(self, identifier: str, session: str) -> None:
        """The staff session of a person signed in now (CentralStaffDirectory tells it)."""
        with self._lock:
            self._sessions[identifier] = session

    def record(self, actor: str, action: str, *, detail: str = "") -> None:
        with self._lock:
            session = self._sessions.get(actor, "")
            if action in (SIGN_OUT, "sign_in_refused_role"):
                self._sessions.pop(actor, None)  # the server ends it on delivery
            line = json.dumps(
                {
                    "actor": actor,
                    "action": action,
                    "at": self.clock().isoformat(),
                    "detail": detail,
                    "session": session,
                }
            )
            self._append(self.spool, [line])

    @staticmethod
    def _append(path: Path, lines: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, "".join(line + "\n" for line in lines).encode("utf-8"))
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
        """Deliver what waits, each person's entries with their session; returns how many
        were delivered (0 if the network is down). Blocking: call it on a worker."""
        with self._lock:
            items = self._read()
            if not items:
                return 0
            done = 0
            delivered: list[dict[str, Any]] = []
            refused: list[dict[str, Any]] = []
            rest = list(items)
            while rest:
                session = str(rest[0].get("session") or "")
                group: list[dict[str, Any]] = []
                while rest and str(rest[0].get("session") or "") == session and len(group) < 500:
                    group.append(rest.pop(0))
                try:
                    self._deliver(session, group)
                except (AuthError, RejectedError) as exc:
                    log.warning(
                        "%d audit entries refused by the central API: %s", len(group), exc.detail
                    )
                    refused += group
                except Exception as exc:
                    log.info("audit entries kept for later: %s", exc)
                    rest = group + rest
                    break
                else:
                    done += len(group)
                    delivered += [{k: v for k, v in d.items() if k != "session"} for d in group]
            if refused:
                self._append(self.undelivered, [json.dumps({**d, "session": ""}) for d in refused])
            if delivered:
                self._write(self.sent_file, (self._read(self.sent_file) + delivered)[-SENT_KEPT:])
            self._write(self.spool, rest)
            return done

    def _deliver(self, session: str, group: list[dict[str, Any]]) -> None:
        if not session:
            raise AuthError("no staff session: signed in before this version, or by the fake")
        records = []
        for d in group:
            try:
                records.append(
                    StaffAuditRecord(action=d.get("action", ""), detail=d.get("detail", ""))
                )
            except ValueError:
                log.warning("an invalid audit entry was dropped (%s)", d.get("action"))
        client = self._client_factory()
        try:
            client._request(
                "POST",
                "/staff/audit",
                body=StaffAuditBatch(entries=records),
                headers={STAFF_SESSION_HEADER: session},
            )
        finally:
            client.close()

    @staticmethod
    def _write(path: Path, items: list[dict[str, Any]]) -> None:
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(d) + "\n" for d in items)
        os.replace(tmp, path)
