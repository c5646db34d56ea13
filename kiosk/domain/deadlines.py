"""Renewal deadlines: is the applicant early, on time, late, or is the permit expired?

The rule (checked 2026-11-26): CESEDA art. R. 431-5 (décret n° 2021-313) has a renewal
filed "entre le cent-vingtième jour et le soixantième jour qui précède l'expiration" of
the current permit (service-public.fr says "au plus tôt 4 mois et au plus tard 2 mois
avant"); filed later, "sauf cas de force majeure ou présentation d'un visa en cours de
validité", it costs a droit de visa de régularisation of 180 € on top of the card's fee
(CESEDA art. L. 436-5). The catalogue gives these as days
(``renewal_deadlines: window_opens_days: 120, late_within_days: 60, late_fee_eur: 180``).

With ``days = expiry - today`` (whole days), the boundaries are:

============  =======================  ==========================================
status        days before expiry       e.g. with 120 / 60
============  =======================  ==========================================
EARLY         days > 120               121 days or more before
WINDOW        60 <= days <= 120        both ends included: day 120 and day 60
LATE          0 <= days < 60           59 days before ... the expiry day itself
EXPIRED       days < 0                 from the day after the expiry date
============  =======================  ==========================================

The permit is valid on its expiry date, so filing that day is late, not expired.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from contract.catalogue import RenewalDeadlines
from kiosk.i18n import N_


class DeadlineStatus(StrEnum):
    EARLY = "early"
    WINDOW = "window"
    LATE = "late"
    EXPIRED = "expired"


# Each message may use {date} (the date that matters for that status, formatted by the
# UI) and {fee} (the late-filing fee in euros).
MESSAGES: dict[DeadlineStatus, str] = {
    DeadlineStatus.EARLY: N_(
        "C'est tôt pour renouveler votre carte. Vous pouvez faire la demande à partir du {date}."
    ),
    DeadlineStatus.WINDOW: N_(
        "Vous êtes dans les temps. Faites votre demande au plus tard le {date}."
    ),
    DeadlineStatus.LATE: N_(
        "Votre demande est en retard : votre carte finit le {date}. "
        "Vous devrez peut-être payer {fee} € en plus."
    ),
    DeadlineStatus.EXPIRED: N_(
        "Votre carte est finie depuis le {date}. "
        "Vous devrez peut-être payer {fee} € en plus. Demandez conseil à l'accueil."
    ),
}


# The same statuses once the application is filed (the receipt, the screen after it):
# "Faites votre demande au plus tard le …" would contradict the receipt itself.
FILED_MESSAGES: dict[DeadlineStatus, str] = {
    DeadlineStatus.EARLY: N_(
        "Votre demande est faite tôt : la période de renouvellement commence le {date}. "
        "La préfecture peut vous demander d'attendre."
    ),
    DeadlineStatus.WINDOW: N_("Votre demande est faite dans les temps."),
    DeadlineStatus.LATE: N_(
        "Votre demande est faite en retard : votre carte finit le {date}. "
        "Vous devrez peut-être payer {fee} € en plus."
    ),
    DeadlineStatus.EXPIRED: N_(
        "Votre demande est faite après la fin de votre carte, le {date}. "
        "Vous devrez peut-être payer {fee} € en plus."
    ),
}


@dataclass(frozen=True)
class Deadline:
    status: DeadlineStatus
    days_left: int  # until the expiry date; negative once it has passed
    expiry: dt.date
    window_opens: dt.date  # first day of the window
    window_closes: dt.date  # last day of the window (later is late)
    late_fee_eur: int

    @property
    def message(self) -> str:
        """The French message id for this status (placeholders {date} and {fee})."""
        return MESSAGES[self.status]

    def message_for(self, *, filed: bool) -> str:
        """The message id before filing (what to do) or after it (what was done)."""
        return FILED_MESSAGES[self.status] if filed else MESSAGES[self.status]

    @property
    def date(self) -> dt.date:
        """The date the message speaks of."""
        if self.status is DeadlineStatus.EARLY:
            return self.window_opens
        if self.status is DeadlineStatus.WINDOW:
            return self.window_closes
        return self.expiry

    @property
    def late_fee_due(self) -> bool:
        """Whether the late-filing fee may be due (late or expired)."""
        return self.status in (DeadlineStatus.LATE, DeadlineStatus.EXPIRED)


def renewal_deadline(
    expiry: dt.date, today: dt.date, rules: RenewalDeadlines | None = None
) -> Deadline:
    """Where ``today`` falls for renewing a permit that ends on ``expiry``."""
    rules = rules or RenewalDeadlines()
    days = (expiry - today).days
    if days > rules.window_opens_days:
        status = DeadlineStatus.EARLY
    elif days >= rules.late_within_days:
        status = DeadlineStatus.WINDOW
    elif days >= 0:
        status = DeadlineStatus.LATE
    else:
        status = DeadlineStatus.EXPIRED
    return Deadline(
        status=status,
        days_left=days,
        expiry=expiry,
        window_opens=expiry - dt.timedelta(days=rules.window_opens_days),
        window_closes=expiry - dt.timedelta(days=rules.late_within_days),
        late_fee_eur=rules.late_fee_eur,
    )
