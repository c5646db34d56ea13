"""Countries (ISO 3166-1 alpha-2 codes) with names localised by CLDR through Babel."""

from __future__ import annotations

from functools import cache

from babel import Locale

# CLDR lists some groupings and private-use codes as "territories": they are not countries.
_NOT_COUNTRIES = frozenset(
    {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "AC", "CP", "DG", "EA", "IC", "TA", "CQ"}
)


def _codes() -> frozenset[str]:
    names: dict[str, str] = dict(Locale("en").territories)
    return frozenset(
        code
        for code in names
        if isinstance(code, str)
        and len(code) == 2
        and code.isalpha()
        and code not in _NOT_COUNTRIES
    )


COUNTRY_CODES: frozenset[str] = _codes()


@cache
def country_names(language: str) -> dict[str, str]:
    """code -> localised name, sorted by the language's collation order."""
    locale = Locale.parse(language)
    names = {code: locale.territories.get(code, code) for code in COUNTRY_CODES}
    return dict(sorted(names.items(), key=lambda item: item[1].casefold()))


def country_name(code: str, language: str) -> str:
    return country_names(language).get(code, code)
