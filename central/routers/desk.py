"""Help calls and the reception desk (the desk view and the staff's fleet view).

Kiosks (with their own token):

* ``POST /v1/help-calls`` — an applicant called for help: the kiosk's id (from its token),
  the screen, the language and how long they have waited. Never personal data. A repeat of
  the same ``call_id`` is the same call; a kiosk has at most one open call (a new one
  closes the older).
* ``GET /v1/help-calls/{call_id}`` — the kiosk polls it: ``acknowledged`` = a person is
  coming.
* ``POST /v1/help-calls/{call_id}/close`` — cancelled by the applicant, or closed when the
  session ends.

The reception desk and staff (``Authorization: Bearer <desk token>``). Each desk token of
the server (``--desk-tokens-file``: a token and its site per line) sees the kiosks and calls
of its own site only; the admin token sees every site. A desk token opens only these pages:
it cannot read applications, unlike the admin token, so it is the one to install on a
reception PC.

To add a desk action: a route here with a ``scope: DeskScopeDep`` parameter (who asks, and
which site they see) and a ``CentralDep``; check the kiosk's site with ``scope.allows``.

* ``GET /v1/desk/kiosks`` — every kiosk of the site with its state (calls first, the longest
  waiting first), its screen, language, last contact and backlog;
* ``POST /v1/desk/help-calls/{call_id}/acknowledge`` — "I'm coming";
* ``POST /v1/desk/help-calls/{call_id}/close`` — the desk closes a call (helped);
* ``GET /v1/desk/fleet`` — every kiosk from its heartbeats: version, last contact,
  backlog, device faults, applications today, the ones needing attention first.

A kiosk is *offline* when its last heartbeat is older than ``offline_after_s`` (the
server's setting, 90 s by default: three sync rounds of a kiosk).
"""

# No `from __future__ import annotations`: FastAPI evaluates the handlers' annotations.

import datetime as dt
import json
import logging
import uuid as uuidlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from central.db import (
    Application,
    HelpCall,
    Kiosk,
    KioskHeartbeat,
    KioskPresence,
    KioskSite,
    KioskStateLog,
)
from central.deps import Central, CentralDep, DeskScope, DeskScopeDep, KioskId
from central.problems import ProblemError
from contract.protocol import (
    API_PREFIX,
    DeskAcknowledge,
    DeskKiosk,
    DeskState,
    FleetKiosk,
    Heartbeat,
    HelpCallClose,
    HelpCallRequest,
    HelpCallState,
    HelpCallStatus,
    Problem,
    health_ok,
)
from contract.states import DONE_OUTBOX_STATES, OutboxState

log = logging.getLogger("kiosk.central.desk")

OPEN = (HelpCallStatus.WAITING.value, HelpCallStatus.ACKNOWLEDGED.value)
# Outbox states that are not yet safely at the central API.
DONE_STATES = DONE_OUTBOX_STATES
BACKLOG_ATTENTION = 5  # pending applications from which staff should look
_P = {"model": Problem}
_UNAUTHORISED: dict[int | str, dict[str, Any]] = {
    401: {**_P, "description": "Missing or wrong token"},
    422: {**_P, "description": "The request is not valid; `errors` names each faulty field"},
}
_NO_CALL: dict[int | str, dict[str, Any]] = {404: {**_P, "description": "No such help call"}}


def record_presence(s: Session, kiosk_id: str, beat: Heartbeat, received: dt.datetime) -> None:
    """Keep what a heartbeat says the kiosk is doing (called by the heartbeat handler)."""
    if beat.site is not None:
        where = s.get(KioskSite, kiosk_id, with_for_update=True)
        if where is None:
            s.add(KioskSite(kiosk_id=kiosk_id, site=beat.site))
        else:
            where.site = beat.site
    if beat.state is None and beat.screen is None and beat.language is None:
        return  # the sync service (kiosk-sync): it does not know the screen
    row = s.get(KioskPresence, kiosk_id, with_for_update=True)
    log_state_change(s, kiosk_id, row, beat, received)
    if row is None:
        row = KioskPresence(kiosk_id=kiosk_id, updated_at=received)
        s.add(row)
    row.updated_at = received
    row.state = beat.state.value if beat.state is not None else None
    row.screen = beat.screen
    row.language = beat.language
    row.out_of_service_message = beat.out_of_service_message
    row.out_of_service_by = beat.out_of_service_by
    row.assisted_by = beat.assisted_by
    if beat.last_sync_ok_at is not None:
        row.last_sync_ok_at = beat.last_sync_ok_at


STATE_LOG_DAYS = 7


def log_state_change(
    s: Session, kiosk_id: str, row: KioskPresence | None, beat: Heartbeat, at: dt.datetime
) -> None:
    """A line of the kiosk's history when its state (or who assists, or the out-of-service
    message) changes; lines older than a week go."""
    state = beat.state.value if beat.state is not None else "unknown"
    detail = beat.assisted_by or beat.out_of_service_message
    if state not in ("assisted", "out_of_service"):
        detail = None
    if row is not None and row.state == state:
        before = row.assisted_by if state == "assisted" else row.out_of_service_message
        if state not in ("assisted", "out_of_service") or before == detail:
            return
    s.add(KioskStateLog(kiosk_id=kiosk_id, at=at, state=state, detail=detail))
    s.execute(
        delete(KioskStateLog).where(
            KioskStateLog.kiosk_id == kiosk_id,
            KioskStateLog.at < at - dt.timedelta(days=STATE_LOG_DAYS),
        )
    )


def _oos(presence: KioskPresence | None, what: str) -> str | None:
    """The out-of-service message or who set it, while the kiosk says it is out of service."""
    if presence is None or presence.state != "out_of_service":
        return None
    return presence.out_of_service_message if what == "message" else presence.out_of_service_by


def _call_state(row: HelpCall) -> HelpCallState:
    return HelpCallState(
        call_id=uuidlib.UUID(row.id),
        kiosk_id=row.kiosk_id,
        status=HelpCallStatus(row.status),
        screen=row.screen,
        language=row.language,
        waiting_since=row.waiting_since,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        closed_at=row.closed_at,
    )


def _pending(backlog: dict[str, int]) -> int:
    return sum(n for state, n in backlog.items() if state not in DONE_STATES)


def _state(presence: KioskPresence | None, call: HelpCall | None, online: bool) -> DeskState:
    reported = presence.state if presence is not None else None
    if call is not None and reported != "assisted":
        return (
            DeskState.HELP_REQUESTED
            if call.status == HelpCallStatus.WAITING.value
            else DeskState.HELP_COMING
        )
    if not online:
        return DeskState.OFFLINE
    if reported == "out_of_service":
        return DeskState.OUT_OF_SERVICE
    if reported == "assisted":
        return DeskState.ASSISTED
    if reported in ("in_use", "help_requested"):
        return DeskState.IN_USE
    return DeskState.IDLE


_DESK_ORDER = {
    DeskState.HELP_REQUESTED: 0,
    DeskState.HELP_COMING: 1,
    DeskState.OUT_OF_SERVICE: 2,
    DeskState.OFFLINE: 3,
    DeskState.ASSISTED: 4,
    DeskState.IN_USE: 5,
    DeskState.IDLE: 6,
}
_ATTENTION_WEIGHT = {
    "help_requested": 100,
    "offline": 50,
    "out_of_service": 40,
    "device_fault": 30,
    "sync_error": 20,
    "backlog": 10,
}


router = APIRouter()

SiteFilter = Annotated[
    str | None,
    Query(max_length=120, description="only the kiosks of this site (their site_name)"),
]


def _sites(s: Session) -> dict[str, str]:
    return {row.kiosk_id: row.site for row in s.scalars(select(KioskSite))}


# --- kiosks ----------------------------------------------------------------------------


@router.post(
    f"{API_PREFIX}/help-calls",
    tags=["help"],
    status_code=201,
    responses=_UNAUTHORISED,
)
def post_help_call(body: HelpCallRequest, kiosk_id: KioskId, c: CentralDep) -> HelpCallState:
    """An applicant asks for help (a repeat of the same ``call_id`` changes nothing)."""
    received = c.now()
    call_id = str(body.call_id)
    with Session(c.engine) as s, s.begin():
        row = s.get(HelpCall, call_id)
        if row is not None:
            if row.kiosk_id != kiosk_id:
                raise ProblemError(409, "this call id belongs to another kiosk")
            return _call_state(row)
        for older in s.scalars(
            select(HelpCall).where(HelpCall.kiosk_id == kiosk_id, HelpCall.status.in_(OPEN))
        ):
            older.status = HelpCallStatus.CLOSED.value
            older.closed_at = received
        row = HelpCall(
            id=call_id,
            kiosk_id=kiosk_id,
            status=HelpCallStatus.WAITING.value,
            screen=body.screen,
            language=body.language,
            waiting_since=received - dt.timedelta(seconds=body.waiting_s),
            received_at=received,
        )
        s.add(row)
        s.flush()
        log.info("help call from kiosk %s", kiosk_id)
        return _call_state(row)


def _own_call(s: Session, call_id: uuidlib.UUID, kiosk_id: str) -> HelpCall:
    row = s.get(HelpCall, str(call_id))
    if row is None or row.kiosk_id != kiosk_id:
        raise ProblemError(404, f"no help call {call_id} from this kiosk")
    return row


@router.get(
    f"{API_PREFIX}/help-calls/{{call_id}}",
    tags=["help"],
    responses={**_UNAUTHORISED, **_NO_CALL},
)
def get_help_call(call_id: uuidlib.UUID, kiosk_id: KioskId, c: CentralDep) -> HelpCallState:
    """Where a call stands: ``acknowledged`` means a person is coming."""
    with Session(c.reader) as s:
        return _call_state(_own_call(s, call_id, kiosk_id))


@router.post(
    f"{API_PREFIX}/help-calls/{{call_id}}/close",
    tags=["help"],
    responses={**_UNAUTHORISED, **_NO_CALL},
)
def close_help_call(
    call_id: uuidlib.UUID, body: HelpCallClose, kiosk_id: KioskId, c: CentralDep
) -> HelpCallState:
    """The applicant cancelled, or the session ended. Closing a closed call is a no-op."""
    with Session(c.engine) as s, s.begin():
        row = _own_call(s, call_id, kiosk_id)
        if row.status in OPEN:
            row.status = body.reason
            row.closed_at = c.now()
        return _call_state(row)


# --- the desk --------------------------------------------------------------------------


def _open_calls(s: Session) -> dict[str, HelpCall]:
    out: dict[str, HelpCall] = {}
    for row in s.scalars(
        select(HelpCall).where(HelpCall.status.in_(OPEN)).order_by(HelpCall.waiting_since)
    ):
        out.setdefault(row.kiosk_id, row)
    return out


def _is_online(beat: KioskHeartbeat | None, at: dt.datetime, offline_after_s: float) -> bool:
    return beat is not None and (at - beat.received_at).total_seconds() <= offline_after_s


@dataclass(frozen=True)
class _SeenKiosk:
    """A kiosk as the desk sees it: its heartbeat, what it reports, its open call."""

    kiosk: Kiosk
    site: str | None
    beat: KioskHeartbeat | None
    presence: KioskPresence | None
    call: HelpCall | None
    online: bool
    backlog: dict[str, int]  # outbox state -> count, from the last heartbeat

    @property
    def state(self) -> DeskState:
        return _state(self.presence, self.call, self.online)

    def shown(self) -> dict[str, Any]:
        """What the "Bornes" list and the fleet both show of the kiosk."""
        presence, beat = self.presence, self.beat
        return {
            "kiosk_id": self.kiosk.id,
            "name": self.kiosk.name,
            "site": self.site,
            "state": self.state,
            "online": self.online,
            "last_contact": beat.received_at if beat is not None else None,
            "assisted_by": presence.assisted_by if presence is not None else None,
            "out_of_service_message": _oos(presence, "message"),
            "out_of_service_by": _oos(presence, "by"),
        }


def _seen_kiosks(
    s: Session, c: Central, site: str | None, at: dt.datetime, *, revoked: bool
) -> Iterator[_SeenKiosk]:
    """The kiosks of ``site`` (None: all) in the store's order, the revoked ones too if
    ``revoked``, each with its heartbeat, presence and open call as of ``at``."""
    calls = _open_calls(s)
    sites = _sites(s)
    query = select(Kiosk) if revoked else select(Kiosk).where(Kiosk.revoked.is_(False))
    for kiosk in s.scalars(query):
        if site is not None and sites.get(kiosk.id) != site:
            continue
        beat = s.get(KioskHeartbeat, kiosk.id)
        yield _SeenKiosk(
            kiosk=kiosk,
            site=sites.get(kiosk.id),
            beat=beat,
            presence=s.get(KioskPresence, kiosk.id),
            call=calls.get(kiosk.id),
            online=_is_online(beat, at, c.settings.offline_after_s),
            backlog=json.loads(beat.backlog) if beat is not None else {},
        )


def _site_filter(scope: DeskScope, site: str | None) -> str | None:
    """The site to list: a desk token's own (another is refused), or the one asked."""
    if scope.site is None:
        return site
    if site is not None and site != scope.site:
        raise ProblemError(403, "this desk token sees its own site only")
    return scope.site


@router.get(f"{API_PREFIX}/desk/kiosks", tags=["desk"], responses=_UNAUTHORISED)
def desk_kiosks(c: CentralDep, scope: DeskScopeDep, site: SiteFilter = None) -> list[DeskKiosk]:
    """The site's kiosks: calls first (the longest waiting first), then out of
    service and offline ones, then the others by name. Revoked kiosks are left out."""
    site = _site_filter(scope, site)
    at = c.now()
    out: list[DeskKiosk] = []
    with Session(c.reader) as s:
        for seen in _seen_kiosks(s, c, site, at, revoked=False):
            presence, call = seen.presence, seen.call
            out.append(
                DeskKiosk(
                    **seen.shown(),
                    screen=(presence.screen if presence is not None else None)
                    or (call.screen if call is not None else None),
                    language=(presence.language if presence is not None else None)
                    or (call.language if call is not None else None),
                    call=_call_state(call) if call is not None else None,
                    waiting_s=(
                        max(0.0, (at - call.waiting_since).total_seconds())
                        if call is not None
                        else None
                    ),
                    backlog=_pending(seen.backlog),
                )
            )
    out.sort(key=lambda k: (_DESK_ORDER[k.state], -(k.waiting_s or 0.0), k.name, k.kiosk_id))
    return out


def _desk_call(s: Session, call_id: uuidlib.UUID, scope: DeskScope) -> HelpCall:
    """A help call this desk may answer (another site's is as if it did not exist)."""
    row = s.get(HelpCall, str(call_id))
    if row is not None and scope.site is not None:
        where = s.get(KioskSite, row.kiosk_id)
        if where is None or where.site != scope.site:
            row = None
    if row is None:
        raise ProblemError(404, f"no help call {call_id}")
    return row


@router.post(
    f"{API_PREFIX}/desk/help-calls/{{call_id}}/acknowledge",
    tags=["desk"],
    responses={**_UNAUTHORISED, **_NO_CALL, 409: {**_P, "description": "The call is over"}},
)
def acknowledge(
    call_id: uuidlib.UUID, body: DeskAcknowledge, c: CentralDep, scope: DeskScopeDep
) -> HelpCallState:
    """ "I'm coming": the kiosk tells the applicant that a person is on the way.
    Acknowledging an acknowledged call keeps the first answer."""
    with Session(c.engine) as s, s.begin():
        row = _desk_call(s, call_id, scope)
        if row.status not in OPEN:
            raise ProblemError(409, f"this help call is {row.status}")
        if row.status == HelpCallStatus.WAITING.value:
            row.status = HelpCallStatus.ACKNOWLEDGED.value
            row.acknowledged_at = c.now()
            row.acknowledged_by = body.by
            log.info("help call of kiosk %s acknowledged", row.kiosk_id)
        return _call_state(row)


@router.post(
    f"{API_PREFIX}/desk/help-calls/{{call_id}}/close",
    tags=["desk"],
    responses={**_UNAUTHORISED, **_NO_CALL},
)
def desk_close(call_id: uuidlib.UUID, c: CentralDep, scope: DeskScopeDep) -> HelpCallState:
    """The desk closes a call (the applicant was helped, or left)."""
    with Session(c.engine) as s, s.begin():
        row = _desk_call(s, call_id, scope)
        if row.status in OPEN:
            row.status = HelpCallStatus.CLOSED.value
            row.closed_at = c.now()
        return _call_state(row)


@router.get(f"{API_PREFIX}/desk/fleet", tags=["desk"], responses=_UNAUTHORISED)
def fleet(c: CentralDep, scope: DeskScopeDep, site: SiteFilter = None) -> list[FleetKiosk]:
    """Every kiosk from its heartbeats, the ones needing attention first (help calls,
    offline, out of service, device faults, sync errors, a backlog), then by name."""
    site = _site_filter(scope, site)
    at = c.now()
    local = at.astimezone()
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)
    out: list[tuple[int, FleetKiosk]] = []
    with Session(c.reader) as s:
        today = dict(
            s.execute(
                select(Application.kiosk_id, func.count())
                .where(Application.received_at >= day_start)
                .group_by(Application.kiosk_id)
            ).all()
        )
        for seen in _seen_kiosks(s, c, site, at, revoked=True):
            kiosk, beat, presence, call = seen.kiosk, seen.beat, seen.presence, seen.call
            online, backlog, state = seen.online, seen.backlog, seen.state
            health: dict[str, str] = json.loads(beat.device_health) if beat is not None else {}
            faults = sorted(name for name, value in health.items() if not health_ok(value))
            pending = _pending(backlog)
            attention: list[str] = []
            if not kiosk.revoked:
                if call is not None and call.status == HelpCallStatus.WAITING.value:
                    attention.append("help_requested")
                if not online:
                    attention.append("offline")
                if state is DeskState.OUT_OF_SERVICE:
                    attention.append("out_of_service")
                if faults:
                    attention.append("device_fault")
                if (beat is not None and beat.last_error) or backlog.get(OutboxState.FAILED):
                    attention.append("sync_error")
                if pending >= BACKLOG_ATTENTION:
                    attention.append("backlog")
            score = sum(_ATTENTION_WEIGHT[a] for a in attention)
            out.append(
                (
                    score,
                    FleetKiosk(
                        **seen.shown(),
                        revoked=kiosk.revoked,
                        software_version=kiosk.software_version,
                        backlog=backlog,
                        backlog_pending=pending,
                        device_health=health,
                        device_faults=faults,
                        last_error=beat.last_error if beat is not None else None,
                        last_sync_ok_at=presence.last_sync_ok_at if presence else None,
                        applications_today=int(today.get(kiosk.id, 0)),
                        attention=attention,
                    ),
                )
            )
    out.sort(key=lambda p: (p[1].revoked, -p[0], p[1].name, p[1].kiosk_id))
    return [k for _score, k in out]
