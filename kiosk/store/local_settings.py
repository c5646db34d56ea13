"""Small, non-secret kiosk state kept in the store (e.g. the sync agent's alert for staff:
``sync_alert``). Secrets belong in key files, settings in ``kiosk.config``."""

from __future__ import annotations

from kiosk.store.database import Repository
from kiosk.store.models import Setting
from kiosk.store.records import bounded_text


class LocalSettings(Repository):
    """Key-value pairs of one kiosk's store (``store.settings``)."""

    def get(self, key: str) -> str | None:
        with self._db.tx() as session:
            setting = session.get(Setting, key)
            return None if setting is None else setting.value

    def set(self, key: str, value: str) -> None:
        bounded_text("key", key, 64)
        if not isinstance(value, str):
            raise TypeError("value must be a string")
        with self._db.tx() as session:
            setting = session.get(Setting, key)
            if setting is None:
                session.add(Setting(key=key, value=value))
            else:
                setting.value = value
