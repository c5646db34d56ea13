"""The languages an application may be filed in: the kiosk's (``kiosk.i18n.LANGUAGES``, a
test checks they agree). The central API checks an application's ``language`` and consent
language against them."""

from __future__ import annotations

LANGUAGE_CODES: frozenset[str] = frozenset(
    {"fr", "en", "ar", "fa", "es", "pt", "ru", "uk", "zh", "tr"}
)
