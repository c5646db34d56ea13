"""Small helpers shared by the ``kiosk-sync`` and ``kiosk-central`` command lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def join_option_values(argv: Sequence[str], options: Iterable[str]) -> list[str]:
    """Rewrite ``--opt VALUE`` as ``--opt=VALUE`` for the given options.

    Secrets made by ``secrets.token_urlsafe()`` can start with "-", which argparse would
    take for another option ("expected one argument"); the ``=`` form is never ambiguous.
    """
    wanted = frozenset(options)
    out: list[str] = []
    args = iter(argv)
    for arg in args:
        value = next(args, None) if arg in wanted else None
        out.append(arg if value is None else f"{arg}={value}")
    return out
