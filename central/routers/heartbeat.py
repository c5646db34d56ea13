"""Heartbeats: each sync round a kiosk reports its version, backlog, device health and,
from the kiosk application, what it is doing (kept: the latest; the desk reads them)."""

# No `from __future__ import annotations`: FastAPI evaluates the handlers' annotations.

import json

from fastapi import APIRouter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.db import Kiosk, KioskHeartbeat
from central.deps import CentralDep, KioskId
from central.problems import AUTH_RESPONSES, ProblemError
from central.routers.desk import record_presence
from contract.protocol import API_PREFIX, Heartbeat, HeartbeatAck

router = APIRouter()


@router.post(f"{API_PREFIX}/heartbeat", tags=["kiosks"], responses=AUTH_RESPONSES)
def heartbeat(beat: Heartbeat, kiosk_id: KioskId, c: CentralDep) -> HeartbeatAck:
    """A kiosk reports its version, backlog and device health (kept: the latest)."""
    received = c.now()
    for _attempt in range(3):
        try:
            with Session(c.engine) as s, s.begin():
                kiosk = s.get(Kiosk, kiosk_id)
                if kiosk is not None:
                    kiosk.software_version = beat.software_version
                row = s.get(KioskHeartbeat, kiosk_id, with_for_update=True)
                if row is None:
                    row = KioskHeartbeat(kiosk_id=kiosk_id)
                    s.add(row)
                row.received_at = received
                row.sent_at = beat.sent_at
                row.software_version = beat.software_version
                row.backlog = json.dumps(beat.backlog, sort_keys=True)
                row.device_health = json.dumps(beat.device_health, sort_keys=True)
                row.last_error = beat.last_error
                record_presence(s, kiosk_id, beat, received)
        except IntegrityError:
            continue  # two heartbeats of one kiosk at once: the other created the row
        return HeartbeatAck(received_at=received)
    raise ProblemError(503, "the server is busy; try again later")
