"""One way to run a check, for every user of them: ``kiosk-health`` (the IT team), admin
mode's self-tests (staff) and each heartbeat (the desk's fleet view).

A check is a name and a ``run()`` that returns a :class:`Result`: ``ok``, ``warn``
(works, with a remark), ``fail`` or ``skipped``, and what was found. A :class:`Registry`
runs its checks in order and never raises: a check that raises is a failure, not a crash.
Qt-free; never personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

log = logging.getLogger(__name__)

Status = Literal["ok", "warn", "fail", "skipped"]


@dataclass(frozen=True)
class Result:
    status: Status
    detail: str

    @property
    def ok(self) -> bool:
        """Whether the thing works: a warning still works (admin mode and the heartbeat only
        say working or not)."""
        return self.status != "fail"

    def as_health(self) -> dict[str, Any]:
        """``{"ok": bool, "detail": str}``: the form ``KioskStatus.set_device_health`` takes."""
        return {"ok": self.ok, "detail": self.detail}


def verdict(ok: bool, detail: str) -> Result:
    return Result("ok" if ok else "fail", detail)


def crashed(name: str, exc: BaseException) -> Result:
    """A check that raised (a device gone, a file unreadable): its type only, no details
    that could carry a path or personal data."""
    log.info("check %s failed: %s", name, type(exc).__name__)
    return Result("fail", f"échec : {type(exc).__name__}")


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], Result]


class Registry:
    """Checks by name, in the order they were added (the order they are shown in).
    Iterating gives the names; adding a check under a name already there replaces it."""

    def __init__(
        self,
        checks: Iterable[Check] = (),
        on_error: Callable[[str, BaseException], Result] = crashed,
    ) -> None:
        self._checks: dict[str, Check] = {}
        self.on_error = on_error
        for check in checks:
            self.add(check)

    def add(self, check: Check) -> None:
        self._checks[check.name] = check

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._checks))

    def __contains__(self, name: object) -> bool:
        return name in self._checks

    def __len__(self) -> int:
        return len(self._checks)

    def run(self, name: str) -> Result:
        """The check's result; never raises but for an unknown name (KeyError)."""
        check = self._checks[name]
        try:
            return check.run()
        except Exception as exc:  # a broken device is a result, not a crash
            return self.on_error(name, exc)

    def run_all(self, skip: Iterable[str] = ()) -> dict[str, Result]:
        """Every check in order; one in ``skip`` is ``skipped`` (not run)."""
        left_out = set(skip)
        return {
            name: Result("skipped", "--skip") if name in left_out else self.run(name)
            for name in self
        }
