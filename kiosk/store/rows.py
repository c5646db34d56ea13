"""What the repositories of encrypted rows (drafts, pages) share: saving an application's
row unless the application is already in the outbox, re-encrypting rows under the current
kiosk key, and the count of rows a statement changed.

The rows' clear content never passes through here in a ``repr``, an error or a log.
Threading: as :mod:`kiosk.store.database` (any thread, one transaction at a time).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, select
from sqlalchemy.orm import Session

from kiosk.store.crypto import KeyRing
from kiosk.store.database import Transactions
from kiosk.store.models import OutboxItem


def rowcount(result: Any) -> int:
    """How many rows an executed DELETE or UPDATE changed."""
    return int(cast(CursorResult[Any], result).rowcount)


def save_unless_queued(
    db: Transactions,
    app_uuid: str,
    model: type[Any],
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    created: Mapping[str, Any] | None = None,
) -> bool:
    """In one transaction: the row of ``model`` with primary ``key`` (its columns' values)
    created with ``values`` and ``created``, or updated to ``values``. Nothing is written,
    and False returned, if the application ``app_uuid`` is already in the outbox (a late
    autosave or scan must not leave a copy of what was submitted behind)."""
    with db.tx() as session:
        if session.get(OutboxItem, app_uuid) is not None:
            return False
        row = session.get(model, tuple(key.values()))
        if row is None:
            session.add(model(**key, **values, **(created or {})))
        else:
            for name, value in values.items():
                setattr(row, name, value)
        return True


def rekey_in(
    session: Session, keyring: KeyRing, model: type[Any], context: Callable[[Any], bytes]
) -> int:
    """Re-encrypt, within ``session``, the rows of ``model`` not under the current key
    (each bound to its ``context(row)``); returns how many."""
    rows: Sequence[Any] = session.scalars(
        select(model).where(model.key_id != keyring.current_id)
    ).all()
    for row in rows:
        bound = context(row)
        row.ciphertext = keyring.encrypt(keyring.decrypt(row.ciphertext, bound), bound)
        row.key_id = keyring.current_id
    return len(rows)
