"""Scanned pages of a draft, encrypted with the kiosk key, each bound to its application,
document and page number (a page moved to another place fails to decrypt).

A page is personal data: its bytes never appear in a ``repr``, an error or a log. They are
sealed with the application and wiped with the draft (:meth:`Outbox.enqueue`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kiosk.store.database import Repository
from kiosk.store.models import Page
from kiosk.store.records import PageData, aware, check_page, page_context
from kiosk.store.rows import rekey_in, rowcount, save_unless_queued


class Pages(Repository):
    """The scanned pages of one kiosk's store (``store.pages``)."""

    def add(
        self,
        app_uuid: str,
        document_id: str,
        page_no: int,
        data: bytes,
        now: dt.datetime,
        *,
        content_type: str | None = None,
    ) -> bool:
        """Store (or replace) page ``page_no`` of document ``document_id`` of the draft
        ``app_uuid``, encrypted with the current kiosk key. ``content_type`` defaults to
        what the bytes look like (:func:`sniff_content_type`).

        Returns False, storing nothing, if the application is already in the outbox (a
        late scan must not leave a copy of a submitted document behind)."""
        content_type = check_page(app_uuid, document_id, page_no, data, content_type)
        now = aware("now", now)
        keyring = self._db.keyring
        key = {"app_uuid": app_uuid, "document_id": document_id, "page_no": page_no}
        values = {
            "content_type": content_type,
            "ciphertext": keyring.encrypt(data, page_context(app_uuid, document_id, page_no)),
            "key_id": keyring.current_id,
            "created_at": now,
        }
        return save_unless_queued(self._db, app_uuid, Page, key, values)

    def of(self, app_uuid: str) -> list[PageData]:
        """The decrypted pages of a draft, by document then page number.
        Raises TamperedDataError if one was altered or moved."""
        with self._db.tx() as session:
            rows = session.execute(
                select(
                    Page.document_id,
                    Page.page_no,
                    Page.content_type,
                    Page.ciphertext,
                    Page.created_at,
                )
                .where(Page.app_uuid == app_uuid)
                .order_by(Page.document_id, Page.page_no)
            ).all()
        keyring = self._db.keyring
        return [
            PageData(
                app_uuid=app_uuid,
                document_id=document_id,
                page_no=page_no,
                content_type=content_type,
                data=keyring.decrypt(ciphertext, page_context(app_uuid, document_id, page_no)),
                created_at=created_at,
            )
            for document_id, page_no, content_type, ciphertext, created_at in rows
        ]

    def delete(
        self, app_uuid: str, document_id: str | None = None, page_no: int | None = None
    ) -> int:
        """Delete the pages of a draft (of one document, or one page); returns how many."""
        conditions = [Page.app_uuid == app_uuid]
        if document_id is not None:
            conditions.append(Page.document_id == document_id)
        if page_no is not None:
            if document_id is None:
                raise ValueError("page_no needs document_id")
            conditions.append(Page.page_no == page_no)
        with self._db.tx() as session:
            result = session.execute(delete(Page).where(*conditions))
            return rowcount(result)

    def rekey_in(self, session: Session) -> int:
        """Re-encrypt, within ``session``, the pages not under the current key; returns
        how many (see :meth:`kiosk.store.Store.rekey`)."""
        return rekey_in(
            session,
            self._db.keyring,
            Page,
            lambda page: page_context(page.app_uuid, page.document_id, page.page_no),
        )
