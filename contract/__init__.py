"""What the kiosk and the central API agree on, and share: the wire protocol
(:mod:`contract.protocol`), sealing (:mod:`contract.sealing`, HPKE), the procedure catalogue's
schema and the validators of the answers (:mod:`contract.catalogue`,
:mod:`contract.validation`), staff badge codes and the PIN lockout policy, and the states of
an application and of an outbox entry (:mod:`contract.states`), and the Alembic environment
both databases migrate in (:mod:`contract.alembic_env`).

Both sides import it; it imports neither (an import-linter contract checks it), nor Qt,
nor FastAPI: the kiosk's distribution needs no server library to use it.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kiosk-titre-sejour")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (translated where shown).

    The kiosk's ``scripts/i18n.py`` extracts from this package too; the central API reports
    these French messages to staff as they are."""
    return message
