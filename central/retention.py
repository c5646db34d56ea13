"""Retention on the central API: what is past its time is deleted, by a job that runs in the
server every ``Retention.interval_s`` (and ``kiosk-central retention`` once, for cron), and
logs its figures.

* uploads nobody finished, after ``unfinished_upload_hours``;
* complete pages no application lists, after ``unreferenced_upload_days``;
* help calls, after ``help_call_days``;
* the last heartbeat (and reported state) of a kiosk silent for ``heartbeat_days``;
* staff audit rows, after ``audit_days``;
* the throttles' rows (failed sign-ins, lookups, enrolments) and ended staff sessions, after
  ``throttle_days``.

Applications are never deleted here: that is the prefecture's records policy, not this job's.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass

import anyio
from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from central.db import (
    ApplicationAttachment,
    AssistedSessionRow,
    Attachment,
    AttachmentChunk,
    EnrolFailure,
    HelpCall,
    KioskHeartbeat,
    KioskPresence,
    SignInAttempt,
    StaffAuditRow,
    StaffSession,
    StatusLookupFailure,
)
from central.deps import Central

log = logging.getLogger("kiosk.central.retention")
BATCH = 500  # rows per transaction: the job never holds the write lock long


@dataclass
class RetentionReport:
    unfinished_uploads: int = 0
    unreferenced_uploads: int = 0
    help_calls: int = 0
    heartbeats: int = 0
    audit_rows: int = 0
    throttle_rows: int = 0

    @property
    def total(self) -> int:
        return sum(asdict(self).values())

    def __str__(self) -> str:
        return (
            f"unfinished uploads {self.unfinished_uploads}, unreferenced uploads "
            f"{self.unreferenced_uploads}, help calls {self.help_calls}, heartbeats "
            f"{self.heartbeats}, audit rows {self.audit_rows}, throttle rows {self.throttle_rows}"
        )


def _delete_attachments(c: Central, where: object) -> int:
    """Delete attachments matching ``where`` (and their chunks), a batch at a time."""
    total = 0
    while True:
        with Session(c.engine) as s, s.begin():
            keys = s.execute(
                select(Attachment.kiosk_id, Attachment.sha256).where(where).limit(BATCH)  # type: ignore[arg-type]
            ).all()
            for kiosk_id, sha256 in keys:
                s.execute(
                    delete(AttachmentChunk).where(
                        AttachmentChunk.kiosk_id == kiosk_id, AttachmentChunk.sha256 == sha256
                    )
                )
                s.execute(
                    delete(Attachment).where(
                        Attachment.kiosk_id == kiosk_id, Attachment.sha256 == sha256
                    )
                )
        total += len(keys)
        if len(keys) < BATCH:
            return total


def _delete(c: Central, statement: object) -> int:
    with Session(c.engine) as s, s.begin():
        result = s.execute(statement)  # type: ignore[call-overload]
        return int(getattr(result, "rowcount", 0) or 0)


def run_retention(c: Central, now: dt.datetime | None = None) -> RetentionReport:
    now = now or c.now()
    r = c.settings.retention
    report = RetentionReport()
    report.unfinished_uploads = _delete_attachments(
        c,
        (Attachment.complete.is_(False))
        & (Attachment.created_at < now - dt.timedelta(hours=r.unfinished_upload_hours)),
    )
    listed = exists().where(
        ApplicationAttachment.kiosk_id == Attachment.kiosk_id,
        ApplicationAttachment.sha256 == Attachment.sha256,
    )
    report.unreferenced_uploads = _delete_attachments(
        c,
        (Attachment.complete.is_(True))
        & (Attachment.created_at < now - dt.timedelta(days=r.unreferenced_upload_days))
        & ~listed,
    )
    report.help_calls = _delete(
        c, delete(HelpCall).where(HelpCall.received_at < now - dt.timedelta(days=r.help_call_days))
    )
    silent = now - dt.timedelta(days=r.heartbeat_days)
    report.heartbeats = _delete(
        c, delete(KioskHeartbeat).where(KioskHeartbeat.received_at < silent)
    )
    _delete(c, delete(KioskPresence).where(KioskPresence.updated_at < silent))
    report.audit_rows = _delete(
        c, delete(StaffAuditRow).where(StaffAuditRow.at < now - dt.timedelta(days=r.audit_days))
    )
    old = now - dt.timedelta(days=r.throttle_days)
    report.throttle_rows = sum(
        _delete(c, statement)
        for statement in (
            delete(SignInAttempt).where(SignInAttempt.at < old),
            delete(StatusLookupFailure).where(StatusLookupFailure.at < old),
            delete(EnrolFailure).where(EnrolFailure.at < old),
            delete(AssistedSessionRow).where(AssistedSessionRow.ended_at < old),
            delete(StaffSession).where(StaffSession.last_used_at < old),
        )
    )
    log.info("retention: deleted %s", report)
    return report


async def every(c: Central, interval_s: float) -> None:
    """Run the job every ``interval_s`` (the server's lifespan runs it)."""
    while True:
        await anyio.sleep(interval_s)
        try:
            await anyio.to_thread.run_sync(run_retention, c)
        except Exception:  # keep serving: the next run tries again
            log.exception("the retention job failed")
