"""Sealing a submission, and its scanned pages, to the central API's public key (from the
enrolment), and moving them into the outbox in one transaction. Runs on the store worker."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Protocol

from kiosk.link.connection import NotEnrolledError

__all__ = ["NotEnrolledError", "Sealer", "SubmitStore"]


class SubmitStore(Protocol):
    """What :meth:`Sealer.submit` needs from ``kiosk.store.Store``: its ``pages`` (``of``)
    and ``outbox`` (``enqueue``)."""

    @property
    def pages(self) -> Any: ...
    @property
    def outbox(self) -> Any: ...


class Sealer:
    """Seals an application payload to the central API's public key (from the enrolment)."""

    def __init__(self, enrolment_file: Path) -> None:
        self._file = enrolment_file
        self._key: bytes | None = None

    def _public_key(self) -> bytes:
        if self._key is None:
            from sync.enrolment import Enrolment

            if not self._file.exists():
                raise NotEnrolledError("this kiosk is not enrolled with the central API yet")
            self._key = Enrolment.load(self._file).public_key_raw
        return self._key

    def __call__(self, uuid: str, payload: dict[str, Any]) -> bytes:
        from contract import sealing

        return sealing.seal(self._public_key(), uuid, payload)

    def seal_attachment(self, uuid: str, document_id: str, page_no: int, data: bytes) -> bytes:
        from contract import sealing

        att_id = sealing.attachment_id(document_id, page_no)
        return sealing.seal_attachment(self._public_key(), uuid, att_id, data)

    def submit(
        self,
        store: SubmitStore,
        uuid: str,
        procedure_id: str,
        payload: dict[str, Any],
        now: dt.datetime,
    ) -> Any:
        """Seal the application *and its scanned pages* and put them in the outbox; the
        clear draft and pages are wiped in the same transaction. Runs on the store worker.

        Each page is sealed on its own (bound to the UUID, the document and the page
        number); the payload lists them (document, page, SHA-256 of the sealed bytes,
        size, content type) before it is sealed in turn. Returns the outbox entry."""
        from contract import sealing

        blobs: list[bytes] = []
        listing: list[dict[str, Any]] = []
        for page in store.pages.of(uuid):
            blob = self.seal_attachment(uuid, page.document_id, page.page_no, page.data)
            blobs.append(blob)
            listing.append(
                {
                    "document_id": page.document_id,
                    "page_no": page.page_no,
                    "sha256": sealing.sha256_hex(blob),
                    "size": len(blob),
                    "content_type": page.content_type,
                }
            )
        sealed = self(uuid, {**payload, "attachments": listing})
        return store.outbox.enqueue(uuid, procedure_id, sealed, now, attachments=blobs)

    def forget(self) -> None:
        self._key = None
