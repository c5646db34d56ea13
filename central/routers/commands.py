"""Remote actions from the reception desk (issue 16; models in ``contract.commands``).

The desk (``Authorization: Bearer <desk token>``, its own site's kiosks only; the admin token
for every site):

* ``POST /v1/desk/kiosks/{kiosk_id}/commands`` — out of service (with a message template)
  and back, sync now, end a stuck session. A newer action replaces one the kiosk has not
  fetched yet. Audited (staff audit: who at the desk, which desk site).
* ``GET /v1/desk/kiosks/{kiosk_id}/commands`` — the latest actions and their outcome.
* ``GET /v1/desk/kiosks/{kiosk_id}/history?hours=24`` — each change of its state (the fleet
  view's history of the day; kept a week).

The kiosk (its own token), after each heartbeat:

* ``GET /v1/heartbeat/commands`` — what is pending for it (then marked sent); an action not
  fetched within ``COMMAND_TTL_S`` has expired (the kiosk was off: acting later would
  surprise whoever is at the kiosk by then).
* ``POST /v1/heartbeat/commands/{command_id}/result`` — done or failed, with a short reason
  (audited).
"""

# No `from __future__ import annotations`: FastAPI evaluates the handlers' annotations.

import datetime as dt
import logging
import uuid as uuidlib
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.db import Kiosk, KioskCommandRow, KioskSite, KioskStateLog, StaffAuditRow
from central.deps import CentralDep, DeskScope, DeskScopeDep, KioskId
from central.problems import AUTH_RESPONSES, ProblemError
from contract.commands import (
    OUT_OF_SERVICE_MESSAGES,
    CommandResult,
    CommandState,
    DeskCommandRequest,
    KioskAction,
    KioskCommand,
    KioskStateChange,
    OutOfServiceReason,
    expired,
)
from contract.protocol import API_PREFIX, Problem

log = logging.getLogger("kiosk.central.commands")
router = APIRouter()
_P = {"model": Problem}
_DESK: dict[int | str, dict[str, Any]] = {
    401: {**_P, "description": "Missing or wrong token"},
    404: {**_P, "description": "No such kiosk on this desk's site"},
    422: {**_P, "description": "The request is not valid; `errors` names each faulty field"},
}
HISTORY = 20  # actions the desk sees per kiosk


def _view(row: KioskCommandRow) -> KioskCommand:
    reason = OutOfServiceReason(row.reason) if row.reason else None
    return KioskCommand(
        command_id=uuidlib.UUID(row.id),
        kiosk_id=row.kiosk_id,
        action=KioskAction(row.action),
        reason=reason,
        message=OUT_OF_SERVICE_MESSAGES[reason] if reason else None,
        by=row.requested_by,
        requested_at=row.requested_at,
        state=CommandState(row.state),
        done_at=row.done_at,
        outcome=row.outcome,
    )


def _desk_kiosk(s: Session, kiosk_id: str, scope: DeskScope) -> Kiosk:
    """A kiosk this desk may act on (another site's is as if it did not exist)."""
    kiosk = s.get(Kiosk, kiosk_id)
    if kiosk is not None and scope.site is not None:
        where = s.get(KioskSite, kiosk_id)
        if where is None or where.site != scope.site:
            kiosk = None
    if kiosk is None or kiosk.revoked:
        raise ProblemError(404, f"no kiosk {kiosk_id} on this desk's site")
    return kiosk


def _audit(s: Session, c: Any, actor: str, action: str, kiosk_id: str, detail: str) -> None:
    now = c.now()
    s.add(
        StaffAuditRow(
            at=now,
            recorded_at=now,
            actor=actor[:64],
            action=action[:40],
            kiosk_id=kiosk_id,
            detail=detail[:200],
        )
    )


@router.post(
    f"{API_PREFIX}/desk/kiosks/{{kiosk_id}}/commands",
    tags=["desk"],
    status_code=201,
    responses=_DESK,
)
def ask(
    kiosk_id: str, body: DeskCommandRequest, c: CentralDep, scope: DeskScopeDep
) -> KioskCommand:
    """The desk asks a kiosk of its site for an action (see the module's description)."""
    if body.action is KioskAction.OUT_OF_SERVICE and body.reason is None:
        raise ProblemError(422, "out of service needs a reason (the applicant's message)")
    if body.action is not KioskAction.OUT_OF_SERVICE and body.reason is not None:
        raise ProblemError(422, "only out of service takes a reason")
    with Session(c.engine) as s, s.begin():
        _desk_kiosk(s, kiosk_id, scope)
        now = c.now()
        # Out of service and back replace each other; sync and end-session their own kind.
        kinds = (
            {KioskAction.OUT_OF_SERVICE.value, KioskAction.IN_SERVICE.value}
            if body.action in (KioskAction.OUT_OF_SERVICE, KioskAction.IN_SERVICE)
            else {body.action.value}
        )
        for older in s.scalars(
            select(KioskCommandRow).where(
                KioskCommandRow.kiosk_id == kiosk_id,
                KioskCommandRow.state == CommandState.PENDING.value,
                KioskCommandRow.action.in_(kinds),
            )
        ):
            older.state = CommandState.SUPERSEDED.value
        row = KioskCommandRow(
            id=str(uuidlib.uuid4()),
            kiosk_id=kiosk_id,
            action=body.action.value,
            reason=body.reason.value if body.reason else None,
            requested_by=body.by,
            requested_at=now,
            state=CommandState.PENDING.value,
        )
        s.add(row)
        where = f"desk of {scope.site}" if scope.site else "admin token"
        reason = f", {body.reason.value}" if body.reason else ""
        _audit(s, c, body.by, f"desk_{body.action.value}", kiosk_id, f"{where}{reason}")
        log.info("desk asked kiosk %s: %s", kiosk_id, body.action.value)
        return _view(row)


@router.get(f"{API_PREFIX}/desk/kiosks/{{kiosk_id}}/commands", tags=["desk"], responses=_DESK)
def history(kiosk_id: str, c: CentralDep, scope: DeskScopeDep) -> list[KioskCommand]:
    """The latest actions asked of a kiosk, newest first, with their outcome."""
    with Session(c.engine) as s, s.begin():
        _desk_kiosk(s, kiosk_id, scope)
        _expire(s, kiosk_id, c.now())
        rows = s.scalars(
            select(KioskCommandRow)
            .where(KioskCommandRow.kiosk_id == kiosk_id)
            .order_by(KioskCommandRow.requested_at.desc())
            .limit(HISTORY)
        )
        return [_view(r) for r in rows]


@router.get(f"{API_PREFIX}/desk/kiosks/{{kiosk_id}}/history", tags=["desk"], responses=_DESK)
def state_history(
    kiosk_id: str,
    c: CentralDep,
    scope: DeskScopeDep,
    hours: Annotated[int, Query(ge=1, le=168, description="how far back")] = 24,
) -> list[KioskStateChange]:
    """Each change of the kiosk's state over the last ``hours``, oldest first; the first
    line is the state it was in when the period began, if known."""
    with Session(c.reader) as s:
        _desk_kiosk(s, kiosk_id, scope)
        since = c.now() - dt.timedelta(hours=hours)
        before = s.scalars(
            select(KioskStateLog)
            .where(KioskStateLog.kiosk_id == kiosk_id, KioskStateLog.at < since)
            .order_by(KioskStateLog.at.desc(), KioskStateLog.id.desc())
            .limit(1)
        ).first()
        rows = list(
            s.scalars(
                select(KioskStateLog)
                .where(KioskStateLog.kiosk_id == kiosk_id, KioskStateLog.at >= since)
                .order_by(KioskStateLog.at, KioskStateLog.id)
            )
        )
        lines = [before, *rows] if before is not None else rows
        return [KioskStateChange(at=r.at, state=r.state, detail=r.detail) for r in lines]


def _expire(s: Session, kiosk_id: str, now: Any) -> None:
    for row in s.scalars(
        select(KioskCommandRow).where(
            KioskCommandRow.kiosk_id == kiosk_id,
            KioskCommandRow.state == CommandState.PENDING.value,
        )
    ):
        if expired(row.requested_at, now):
            row.state = CommandState.EXPIRED.value


@router.get(f"{API_PREFIX}/heartbeat/commands", tags=["kiosks"], responses=AUTH_RESPONSES)
def pending(kiosk_id: KioskId, c: CentralDep) -> list[KioskCommand]:
    """What the desk asked of this kiosk and it has not fetched yet, oldest first."""
    with Session(c.engine) as s, s.begin():
        now = c.now()
        _expire(s, kiosk_id, now)
        rows = list(
            s.scalars(
                select(KioskCommandRow)
                .where(
                    KioskCommandRow.kiosk_id == kiosk_id,
                    KioskCommandRow.state == CommandState.PENDING.value,
                )
                .order_by(KioskCommandRow.requested_at)
                .with_for_update()
            )
        )
        for row in rows:
            row.state = CommandState.SENT.value
            row.sent_at = now
        return [_view(r) for r in rows]


@router.post(
    f"{API_PREFIX}/heartbeat/commands/{{command_id}}/result",
    tags=["kiosks"],
    responses={**AUTH_RESPONSES, 404: {**_P, "description": "No such action for this kiosk"}},
)
def result(
    command_id: uuidlib.UUID, body: CommandResult, kiosk_id: KioskId, c: CentralDep
) -> KioskCommand:
    """The kiosk reports how an action went (a repeat keeps the first report)."""
    with Session(c.engine) as s, s.begin():
        row = s.get(KioskCommandRow, str(command_id), with_for_update=True)
        if row is None or row.kiosk_id != kiosk_id:
            raise ProblemError(404, f"no action {command_id} for this kiosk")
        if row.state in (CommandState.SENT.value, CommandState.PENDING.value):
            row.state = (CommandState.DONE if body.ok else CommandState.FAILED).value
            row.done_at = c.now()
            row.outcome = body.detail or None
            _audit(
                s, c, f"kiosk:{kiosk_id}", f"kiosk_{row.action}_{row.state}", kiosk_id,
                f"asked by {row.requested_by}" + (f": {body.detail}" if body.detail else ""),
            )  # fmt: skip
        return _view(row)
