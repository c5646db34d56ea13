"""The desk's HTTP client of the central API (``/v1/desk``), Qt-free and blocking: the
window calls it on a worker. Authenticated with the desk token (``desk_token`` setting,
a desk token of the server, which sees one site: ``--desk-tokens-file``)."""

from __future__ import annotations

import uuid as uuidlib
from pathlib import Path
from typing import Any, TypeVar

import requests
from pydantic import TypeAdapter, ValidationError

from contract.commands import KioskAction, KioskCommand, KioskStateChange, OutOfServiceReason
from contract.protocol import API_PREFIX, DeskKiosk, FleetKiosk, HelpCallState

T = TypeVar("T")
_KIOSKS = TypeAdapter(list[DeskKiosk])
_FLEET = TypeAdapter(list[FleetKiosk])
_COMMAND = TypeAdapter(KioskCommand)
_COMMANDS = TypeAdapter(list[KioskCommand])
_HISTORY = TypeAdapter(list[KioskStateChange])


class DeskError(Exception):
    """The central API could not be asked (``auth``: the desk token is refused)."""

    def __init__(self, message: str, *, auth: bool = False) -> None:
        super().__init__(message)
        self.auth = auth


def _parsed(adapter: TypeAdapter[T], data: Any, what: str) -> T:
    """``data`` read as ``adapter`` says; DeskError if it is not valid (``what``: what the
    answer should have been, for the message)."""
    try:
        return adapter.validate_python(data)
    except ValidationError:
        raise DeskError(f"the central API's {what} is not valid") from None


class DeskClient:
    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        ca_bundle: str | Path | None = None,
        timeout: tuple[float, float] = (5.0, 15.0),
        desk_name: str = "accueil",
        site: str | None = None,
    ) -> None:
        """``site``: list only the kiosks of this site (their ``site_name``); None: all."""
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.desk_name = desk_name
        self.site = site
        self.session = requests.Session()
        self.session.verify = str(ca_bundle) if ca_bundle else True

    def close(self) -> None:
        self.session.close()

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        if not self.token:
            raise DeskError("no desk token configured (desk_token)", auth=True)
        try:
            resp = self.session.request(
                method,
                f"{self.base_url}{API_PREFIX}{path}",
                json=body,
                params=params,
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=self.timeout,
                verify=self.session.verify,
            )
        except requests.RequestException as exc:
            raise DeskError(f"cannot reach the central API: {type(exc).__name__}") from None
        if resp.status_code in (401, 403):
            raise DeskError("the central API refuses the desk token", auth=True)
        if resp.status_code >= 400:
            raise DeskError(f"the central API answered HTTP {resp.status_code}")
        try:
            return resp.json()
        except ValueError:
            raise DeskError("the central API's answer is not JSON") from None

    def kiosks(self) -> list[DeskKiosk]:
        data = self._call("GET", "/desk/kiosks", params=self._site())
        return _parsed(_KIOSKS, data, "list of kiosks")

    def fleet(self) -> list[FleetKiosk]:
        return _parsed(_FLEET, self._call("GET", "/desk/fleet", params=self._site()), "fleet view")

    def _site(self) -> dict[str, str] | None:
        return {"site": self.site} if self.site else None

    def acknowledge(self, call_id: str | uuidlib.UUID) -> HelpCallState:
        data = self._call(
            "POST",
            f"/desk/help-calls/{uuidlib.UUID(str(call_id))}/acknowledge",
            {"by": self.desk_name},
        )
        return HelpCallState.model_validate(data)

    def close_call(self, call_id: str | uuidlib.UUID) -> HelpCallState:
        data = self._call("POST", f"/desk/help-calls/{uuidlib.UUID(str(call_id))}/close")
        return HelpCallState.model_validate(data)

    # --- remote actions (issue 16; central.routers.commands) ------------------------------
    def ask(
        self,
        kiosk_id: str,
        action: KioskAction,
        reason: OutOfServiceReason | None = None,
        by: str | None = None,
    ) -> KioskCommand:
        """Ask a kiosk of the site for an action, in the name of ``by`` (who at the desk)."""
        body: dict[str, Any] = {"action": action.value, "by": (by or self.desk_name)[:64]}
        if reason is not None:
            body["reason"] = reason.value
        data = self._call("POST", f"/desk/kiosks/{kiosk_id}/commands", body)
        return _parsed(_COMMAND, data, "answer to the action")

    def commands(self, kiosk_id: str) -> list[KioskCommand]:
        """The latest actions asked of a kiosk, newest first, with their outcome."""
        data = self._call("GET", f"/desk/kiosks/{kiosk_id}/commands")
        return _parsed(_COMMANDS, data, "list of actions")

    def history(self, kiosk_id: str, hours: int = 24) -> list[KioskStateChange]:
        """Each change of the kiosk's state over the last ``hours``, oldest first."""
        data = self._call("GET", f"/desk/kiosks/{kiosk_id}/history", params={"hours": str(hours)})
        return _parsed(_HISTORY, data, "history")
