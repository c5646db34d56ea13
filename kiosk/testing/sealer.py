"""A sealer that does not encrypt (``json.dumps``), can be told to fail or to wait."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from typing import Any


class FakeSealer:
    """Stands for ``kiosk.link.sealer.Sealer``: JSON instead of HPKE. ``fail_next`` failures raise
    as a kiosk with no central API key would; with ``gate`` set it waits for the gate."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail_next = 0
        self.gate: threading.Event | None = None

    def __call__(self, uuid: str, payload: dict[str, Any]) -> bytes:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(timeout=10)
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("no public key configured")
        return json.dumps(payload).encode()

    def submit(
        self, store: Any, uuid: str, procedure_id: str, payload: dict[str, Any], now: dt.datetime
    ) -> Any:
        """As ``kiosk.link.sealer.Sealer.submit``: the draft's scanned pages "sealed" (tagged, not
        encrypted) and listed in the payload, then all of it put in ``store``'s outbox."""
        blobs: list[bytes] = []
        listing: list[dict[str, Any]] = []
        for page in store.pages.of(uuid):
            blob = f"sealed {uuid}/{page.document_id}/{page.page_no}:".encode() + page.data
            blobs.append(blob)
            listing.append(
                {
                    "document_id": page.document_id,
                    "page_no": page.page_no,
                    "sha256": hashlib.sha256(blob).hexdigest(),
                    "size": len(blob),
                    "content_type": page.content_type,
                }
            )
        sealed = self(uuid, {**payload, "attachments": listing})
        return store.outbox.enqueue(uuid, procedure_id, sealed, now, attachments=blobs)

    def release(self) -> None:
        """Open the gate, if one was set (a test's end: nothing stays waiting)."""
        if self.gate is not None:
            self.gate.set()
