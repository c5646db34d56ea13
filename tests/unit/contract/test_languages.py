"""The central API checks an application's language against the kiosks' languages."""

from __future__ import annotations

from contract.languages import LANGUAGE_CODES
from kiosk.i18n import LANGUAGES


def test_the_contract_knows_the_kiosks_languages() -> None:
    assert frozenset(LANGUAGES) == LANGUAGE_CODES
