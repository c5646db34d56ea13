"""Renewal deadlines at every boundary: 120, 60 and 0 days before the expiry date."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract.catalogue import RenewalDeadlines
from kiosk.domain.deadlines import MESSAGES, DeadlineStatus, renewal_deadline

EXPIRY = dt.date(2027, 6, 30)
E, W, L, X = (
    DeadlineStatus.EARLY,
    DeadlineStatus.WINDOW,
    DeadlineStatus.LATE,
    DeadlineStatus.EXPIRED,
)


@pytest.mark.parametrize(
    ("days_before", "status"),
    [
        (365, E),
        (121, E),
        (120, W),  # the window opens on day 120 (included)
        (119, W),
        (61, W),
        (60, W),  # ... and closes on day 60 (included)
        (59, L),
        (1, L),
        (0, L),  # the expiry date itself: the card is still valid, the filing is late
        (-1, X),
        (-400, X),
    ],
)
def test_boundaries(days_before, status):
    d = renewal_deadline(EXPIRY, EXPIRY - dt.timedelta(days=days_before))
    assert d.status is status
    assert d.days_left == days_before
    assert d.late_fee_due is (status in (L, X))


def test_dates_in_the_messages():
    early = renewal_deadline(EXPIRY, EXPIRY - dt.timedelta(days=200))
    assert early.date == dt.date(2027, 3, 2)  # 120 days before 30 June 2027
    window = renewal_deadline(EXPIRY, EXPIRY - dt.timedelta(days=90))
    assert window.date == dt.date(2027, 5, 1)  # last day of the window
    late = renewal_deadline(EXPIRY, EXPIRY - dt.timedelta(days=10))
    assert late.date == EXPIRY and late.late_fee_eur == 180
    assert "{fee}" in late.message and "{date}" in late.message
    assert set(MESSAGES) == set(DeadlineStatus)


def test_rules_come_from_the_catalogue():
    rules = RenewalDeadlines(window_opens_days=90, late_within_days=30, late_fee_eur=200)
    assert renewal_deadline(EXPIRY, EXPIRY - dt.timedelta(days=91), rules).status is E
    assert renewal_deadline(EXPIRY, EXPIRY - dt.timedelta(days=30), rules).status is W
    assert renewal_deadline(EXPIRY, EXPIRY - dt.timedelta(days=29), rules).late_fee_eur == 200


@given(st.integers(-1000, 1000))
def test_status_is_monotonic_in_time(days):
    today = EXPIRY - dt.timedelta(days=days)
    tomorrow = today + dt.timedelta(days=1)
    order = [E, W, L, X]
    assert order.index(renewal_deadline(EXPIRY, tomorrow).status) >= order.index(
        renewal_deadline(EXPIRY, today).status
    )
