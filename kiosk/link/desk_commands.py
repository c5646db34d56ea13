"""The kiosk's side of the desk's remote actions (issue 16; ``contract.commands``): after a
heartbeat, the kiosk application fetches what the desk asked and hands each action to the
GUI (kiosk.ui.controllers.remote_actions), which reports the outcome. Qt-free: it runs on the sync
thread. Only the kiosk application fetches (``kiosk-sync`` cannot end a session)."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from contract.commands import CommandResult, KioskCommand


def fetch_commands(client: Any) -> list[KioskCommand]:
    """What the desk asked of this kiosk (a ``sync.client.CentralClient``), oldest first;
    the central API marks them sent."""
    from sync.client import TransientError

    resp = client._request("GET", "/heartbeat/commands")
    try:
        return [KioskCommand.model_validate(item) for item in resp.json()]
    except (ValueError, TypeError) as exc:  # ValidationError is a ValueError
        raise TransientError(f"the desk's actions are not readable: {type(exc).__name__}") from None


def report_command(client: Any, command_id: uuidlib.UUID, ok: bool, detail: str = "") -> None:
    body = CommandResult(ok=ok, detail=detail[:200])
    client._request("POST", f"/heartbeat/commands/{command_id}/result", body=body)
