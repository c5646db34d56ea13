"""The kiosk's audit trail: what happened (an application queued, delivered, refused;
staff actions), when, with non-personal details only; kept ``audit_retention_days``
(:meth:`AuditTrail.purge_older_than`, run with the other retention rules)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import delete, select

from kiosk.store.database import Repository
from kiosk.store.models import AuditEvent
from kiosk.store.records import AuditRecord, aware, check_event
from kiosk.store.rows import rowcount


class AuditTrail(Repository):
    """The audit events of one kiosk's store (``store.audit_trail``)."""

    def record(self, event: str, now: dt.datetime, **detail: str | int | bool) -> None:
        """Record an audit event.

        Callers must pass ONLY non-personal values: application uuids, local references,
        procedure ids, states, counts, error classes. Never names, dates of birth,
        document numbers, addresses, answers or free text typed by an applicant.
        """
        check_event(event, detail)
        now = aware("now", now)
        payload = json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        with self._db.tx() as session:
            session.add(AuditEvent(at=now, event=event, detail=payload))

    def recent(self, limit: int = 100) -> list[AuditRecord]:
        """The most recent audit events, newest first."""
        with self._db.tx() as session:
            rows = session.scalars(
                select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
            ).all()
            return [
                AuditRecord(id=row.id, at=row.at, event=row.event, detail=json.loads(row.detail))
                for row in rows
            ]

    def purge_older_than(self, older_than: dt.datetime) -> int:
        """Retention: delete the events recorded before ``older_than`` and give their
        space back (:meth:`Database.reclaim`); returns how many."""
        older_than = aware("older_than", older_than)
        with self._db.tx() as session:
            result = session.execute(delete(AuditEvent).where(AuditEvent.at < older_than))
            count = rowcount(result)
        if count:
            self._db.reclaim()
        return count
