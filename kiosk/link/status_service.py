"""Where an application stands, asked of the central API for the status screen (issue 8)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from kiosk.link.connection import NotEnrolledError, central_address, central_client

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.link.demo_central import DemoCentral


class StatusService:
    """Asks the central API where an application stands, for the status screen (issue 8).
    Blocking: the UI calls it on a worker. Uses this kiosk's enrolment token."""

    def __init__(self, settings: Settings, demo: DemoCentral | None = None) -> None:
        self.settings = settings
        self.demo = demo

    def _client(self) -> Any:
        from sync.enrolment import Enrolment

        path = self.settings.enrolment_file
        if not path.exists():
            raise NotEnrolledError("this kiosk is not enrolled with the central API yet")
        enrolment = Enrolment.load(path)
        url = self.demo.url if self.demo else central_address(self.settings, enrolment)
        return central_client(self.settings, url, enrolment.token)

    @staticmethod
    def _query(reference: str, secret: str | None, birth_date: str | None) -> Any:
        from contract.protocol import StatusLookup

        return StatusLookup(
            reference=reference,
            secret=secret,
            birth_date=dt.date.fromisoformat(birth_date) if birth_date else None,
        )

    def lookup(
        self, reference: str, secret: str | None = None, birth_date: str | None = None
    ) -> Any:
        """``contract.protocol.StatusView``, or None when nothing matches."""
        with self._client() as client:
            return client.lookup_status(self._query(reference, secret, birth_date))

    def attestation(
        self, reference: str, secret: str | None = None, birth_date: str | None = None
    ) -> Any:
        """``contract.protocol.Attestation``, or None when nothing matches."""
        with self._client() as client:
            return client.attestation(self._query(reference, secret, birth_date))
