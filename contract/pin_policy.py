"""The sign-in throttle's delays: growing waits after failed tries (Qt-free, pure).

After ``free_tries`` consecutive failures, each further try must wait: 30 s, 1 min, 2 min,
4 min, 8 min, then 15 min for every try after that. A try made while waiting is refused
without looking at the PIN (it neither counts nor tells anything). With 15 minutes a try,
guessing a 6-digit PIN (10^6 possibilities, half of them on average) takes about 14 years; a
mediator who mistypes twice loses no time.

The central API (central/routers/staff.py) applies it to the failures of the last 24 hours
since the last success (so they decay), counted by identifier whether the account exists or
not, and adds limits across accounts per kiosk and per address; the fake directory
(kiosk.staff.fake) applies the delays alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottlePolicy:
    free_tries: int = 3
    first_delay_s: float = 30.0
    factor: float = 2.0
    max_delay_s: float = 15 * 60.0

    def delay_after(self, failures: int) -> float:
        """Seconds to wait before the next try, after ``failures`` consecutive failures."""
        if failures < self.free_tries:
            return 0.0
        steps = failures - self.free_tries
        if steps > 64:
            return self.max_delay_s
        return min(self.first_delay_s * self.factor**steps, self.max_delay_s)

    def retry_after(
        self, failures: int, last_failure: dt.datetime | None, now: dt.datetime
    ) -> float:
        """Seconds left before a try is allowed (0: allowed now)."""
        if last_failure is None:
            return 0.0
        wait = self.delay_after(failures) - (now - last_failure).total_seconds()
        return max(0.0, wait)

    def time_to_try(self, guesses: int) -> float:
        """Seconds an attacker needs, waiting each delay, to make ``guesses`` tries that
        all fail (the first try is at time 0)."""
        total = 0.0
        capped_from = None
        for f in range(1, guesses):
            delay = self.delay_after(f)
            if delay >= self.max_delay_s:
                capped_from = f
                break
            total += delay
        if capped_from is not None:
            total += (guesses - capped_from) * self.max_delay_s
        return total

    def expected_seconds_to_guess(self, space: int = 10**6) -> float:
        """Expected time to find a PIN drawn uniformly among ``space``, trying each once:
        the right PIN is the k-th try with probability 1/space, reached after
        ``time_to_try(k)``; sum_k time_to_try(k) = sum_f delay_after(f) * (space - f)."""
        total = 0.0
        f = 1
        while f < space and self.delay_after(f) < self.max_delay_s:
            total += self.delay_after(f) * (space - f)
            f += 1
        n = space - f  # the tries still to come, each at max_delay_s: sum of (space - f) ...
        total += self.max_delay_s * n * (n + 1) / 2
        return total / space


DEFAULT_POLICY = ThrottlePolicy()
