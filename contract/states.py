"""The states of an application at the prefecture and of an entry of a kiosk's outbox.

They travel on the wire (heartbeat backlogs are counted by outbox state; statuses are shown
at a kiosk) and are stored as their string values on both sides.
"""

from __future__ import annotations

from enum import StrEnum


class ApplicationStatus(StrEnum):
    """Where an application stands at the prefecture (set by staff, shown by the kiosk)."""

    RECEIVED = "received"  # reçue
    BEING_EXAMINED = "being_examined"  # en instruction
    DOCUMENTS_REQUESTED = "documents_requested"  # pièces complémentaires demandées
    DECISION_AVAILABLE = "decision_available"  # décision disponible
    CARD_READY = "card_ready"  # titre disponible (à retirer)


class ApplicationValidity(StrEnum):
    """What the central API found once it unsealed an application. An invalid one is kept
    (never dropped: the applicant's receipt stays valid) with its reasons, for staff."""

    VALID = "valid"
    REJECTED_INVALID = "rejected_invalid"


class OutboxState(StrEnum):
    """Where a sealed application stands in a kiosk's outbox.

    ``SEALED`` -> ``UPLOADING`` (pages going up) -> ``DELIVERED`` (every page complete; the
    application is next) -> ``ACKNOWLEDGED`` (central reference recorded); ``FAILED`` with a
    reason and a retry time."""

    SEALED = "sealed"
    UPLOADING = "uploading"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"


# Entries the sync agent works on (``FAILED`` only once its retry time has come).
ACTIVE_OUTBOX_STATES = (OutboxState.SEALED, OutboxState.UPLOADING, OutboxState.DELIVERED)
# Entries safely at the central API.
DONE_OUTBOX_STATES = frozenset({OutboxState.ACKNOWLEDGED})
