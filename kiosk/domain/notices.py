"""Notices: the kind of each message shown in a notice box (Qt-free metadata).

"Votre demande est en retard … 180 € en plus" was shown in the same green box as "Nous
avons lu votre passeport": a warning looked like a success. A notice now has a kind —
success, information, warning or error — with its own colour token, icon and spoken
prefix (``kiosk.ui.widgets.Notice``), and each message that goes into one says here what
it means. A notice showing several messages takes the most serious kind among them; the
audit (``kiosk.audit.path_checks``, check "notice-kind") compares the kind shown with the
one declared for its messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from kiosk.domain.deadlines import FILED_MESSAGES, DeadlineStatus
from kiosk.domain.deadlines import MESSAGES as DEADLINE_MESSAGES
from kiosk.domain.identity_prefill import (
    MISMATCH_INTRO,
    MISMATCH_LINE,
    PASSPORT_EXPIRED,
    PASSPORT_NOT_READ,
    PASSPORT_READ,
)
from kiosk.i18n import N_


class NoticeKind(StrEnum):
    SUCCESS = "success"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


SEVERITY = (NoticeKind.SUCCESS, NoticeKind.INFO, NoticeKind.WARNING, NoticeKind.ERROR)

# Said before the message (and read by screen readers as part of the notice's name): the
# colour and the icon are not seen by everyone (WCAG 1.4.1).
SPOKEN_PREFIX: dict[NoticeKind, str] = {
    NoticeKind.SUCCESS: N_("C'est bon :"),
    NoticeKind.INFO: N_("Information :"),
    NoticeKind.WARNING: N_("Attention :"),
    NoticeKind.ERROR: N_("Erreur :"),
}

_DEADLINE_KINDS = {
    DeadlineStatus.EARLY: NoticeKind.INFO,
    DeadlineStatus.WINDOW: NoticeKind.SUCCESS,
    DeadlineStatus.LATE: NoticeKind.WARNING,
    DeadlineStatus.EXPIRED: NoticeKind.WARNING,
}

# What each message means (msgid -> kind).
INTENT: dict[str, NoticeKind] = {
    PASSPORT_READ: NoticeKind.SUCCESS,
    PASSPORT_NOT_READ: NoticeKind.INFO,
    PASSPORT_EXPIRED: NoticeKind.WARNING,
    MISMATCH_INTRO: NoticeKind.WARNING,
    MISMATCH_LINE: NoticeKind.WARNING,
    **{DEADLINE_MESSAGES[s]: kind for s, kind in _DEADLINE_KINDS.items()},
    **{FILED_MESSAGES[s]: kind for s, kind in _DEADLINE_KINDS.items()},
}


def deadline_kind(status: DeadlineStatus) -> NoticeKind:
    return _DEADLINE_KINDS[status]


def intended(msgid: str) -> NoticeKind | None:
    """The kind declared for ``msgid``; None for a message not meant for a notice."""
    return INTENT.get(msgid)


def kind_of(msgids: Iterable[str]) -> NoticeKind:
    """The kind of a notice showing ``msgids``: the most serious declared (information
    when none is declared)."""
    kinds = [k for k in (intended(m) for m in msgids) if k is not None]
    return max(kinds, key=SEVERITY.index) if kinds else NoticeKind.INFO
