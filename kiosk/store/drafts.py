"""Drafts: the answers of an application being filled in, encrypted with the kiosk key.

A draft is saved after each answered step, deleted when the applicant leaves and wiped when
the application goes into the outbox (:meth:`kiosk.store.outbox.Outbox.enqueue`, same
transaction). Drafts saved for later carry a resume code (:mod:`kiosk.store.resume`) and an
expiry; the others do not outlive their session (``purge_unsaved`` at start-up).

``answers`` is personal data: it never appears in a ``repr``, an error or a log.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kiosk.store.database import Repository
from kiosk.store.errors import TamperedDataError
from kiosk.store.models import Draft, Page
from kiosk.store.records import DraftData, aware, check_draft, is_answers
from kiosk.store.rows import rekey_in, rowcount, save_unless_queued


class Drafts(Repository):
    """The drafts of one kiosk's store (``store.drafts``)."""

    def save(
        self,
        uuid: str,
        procedure_id: str | None,
        language: str,
        answers: dict[str, str],
        now: dt.datetime,
    ) -> None:
        """Create or replace the draft ``uuid``, encrypted with the current kiosk key.

        An application already in the outbox is not saved again as a draft (a late
        autosave must not leave a copy of submitted answers behind)."""
        now = check_draft(uuid, procedure_id, language, answers, now)
        plaintext = json.dumps(answers, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        keyring = self._db.keyring
        values = {
            "procedure_id": procedure_id,
            "language": language,
            "ciphertext": keyring.encrypt(plaintext.encode("utf-8"), uuid.encode("utf-8")),
            "key_id": keyring.current_id,
            "updated_at": now,
        }
        save_unless_queued(
            self._db, uuid, Draft, {"uuid": uuid}, values, created={"created_at": now}
        )

    def load(self, uuid: str) -> DraftData | None:
        """The decrypted draft, or None. Raises TamperedDataError if it was altered."""
        with self._db.tx() as session:
            draft = session.get(Draft, uuid)
            if draft is None:
                return None
            procedure_id, language = draft.procedure_id, draft.language
            ciphertext, updated_at = draft.ciphertext, draft.updated_at
        plaintext = self._db.keyring.decrypt(ciphertext, uuid.encode("utf-8"))
        try:
            answers = json.loads(plaintext.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise TamperedDataError("a draft decrypted to malformed data") from None
        if not is_answers(answers):
            raise TamperedDataError("a draft decrypted to malformed data")
        return DraftData(
            uuid=uuid,
            procedure_id=procedure_id,
            language=language,
            answers=answers,
            updated_at=updated_at,
        )

    def delete(self, uuid: str) -> None:
        """Forget a draft and its scanned pages (the applicant left, or it was submitted)."""
        with self._db.tx() as session:
            self.delete_in(session, uuid)

    @staticmethod
    def delete_in(session: Session, uuid: str) -> None:
        """:meth:`delete` within a transaction already open."""
        session.execute(delete(Draft).where(Draft.uuid == uuid))
        session.execute(delete(Page).where(Page.app_uuid == uuid))

    def count_purgeable(self, now: dt.datetime, older_than: dt.datetime) -> int:
        """How many drafts :meth:`purge_expired` (at ``now``) and :meth:`purge_older_than`
        would delete (the purge's preview)."""
        now, older_than = aware("now", now), aware("older_than", older_than)
        with self._db.tx() as session:
            return int(
                session.scalar(
                    select(func.count()).where(
                        (Draft.updated_at < older_than)
                        | (Draft.expires_at.is_not(None) & (Draft.expires_at <= now))
                    )
                )
                or 0
            )

    def purge_older_than(self, older_than: dt.datetime) -> int:
        """Delete drafts last saved before ``older_than``, with their pages, and pages
        older than that with no draft; returns how many drafts."""
        older_than = aware("older_than", older_than)
        with self._db.tx() as session:
            stale = select(Draft.uuid).where(Draft.updated_at < older_than)
            pages = rowcount(session.execute(delete(Page).where(Page.app_uuid.in_(stale))))
            result = session.execute(delete(Draft).where(Draft.updated_at < older_than))
            pages += rowcount(
                session.execute(
                    delete(Page).where(
                        Page.created_at < older_than, Page.app_uuid.not_in(select(Draft.uuid))
                    )
                )
            )
            count = rowcount(result)
        if count or pages:
            self._db.reclaim()  # the file back to what is kept (retention)
        return count

    def purge_unsaved(self) -> int:
        """Delete every draft not saved for later (no resume code), with its pages; returns
        how many. At start-up: the kiosk has one session at a time, so such a draft belongs
        to a session that ended in a crash and must not outlive it."""
        with self._db.tx() as session:
            unsaved = select(Draft.uuid).where(Draft.expires_at.is_(None))
            session.execute(delete(Page).where(Page.app_uuid.in_(unsaved)))
            result = session.execute(delete(Draft).where(Draft.expires_at.is_(None)))
            session.execute(delete(Page).where(Page.app_uuid.not_in(select(Draft.uuid))))
            return rowcount(result)

    def purge_expired(self, now: dt.datetime) -> int:
        """Delete drafts saved for later whose time is up (with their scanned pages);
        returns how many."""
        now = aware("now", now)
        with self._db.tx() as session:
            expired = select(Draft.uuid).where(
                Draft.expires_at.is_not(None), Draft.expires_at <= now
            )
            session.execute(delete(Page).where(Page.app_uuid.in_(expired)))
            result = session.execute(
                delete(Draft).where(Draft.expires_at.is_not(None), Draft.expires_at <= now)
            )
            count = rowcount(result)
        if count:
            self._db.reclaim()  # the file back to what is kept (retention)
        return count

    def rekey_in(self, session: Session) -> int:
        """Re-encrypt, within ``session``, the drafts not under the current key; returns
        how many (see :meth:`kiosk.store.Store.rekey`)."""
        return rekey_in(session, self._db.keyring, Draft, lambda draft: draft.uuid.encode("utf-8"))
