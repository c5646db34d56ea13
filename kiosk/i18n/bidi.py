"""Numbers, codes, dates and references inside right-to-left text (Qt-free).

The Unicode bidirectional algorithm lays a digit run out left to right, but the spaces,
slashes and full stops around and between digits are *neutral*: in an Arabic sentence
they take the sentence's direction. "مثال: 06 12 34 56 78." then shows the groups of the
phone number in reverse order (".78 56 34 12 06"), a full stop jumps to the other end of a
postal code, and "200 %" becomes "% 200". Wrapping each run in a *left-to-right isolate*
(LRI … PDI, Unicode 6.3) makes it one left-to-right unit whose inside nothing outside can
reorder: Qt, browsers and PDF viewers all honour it, and speech engines ignore the marks.

``isolate_runs`` wraps every run that holds a digit (numbers, dates, times, amounts,
phone numbers, codes such as ``K-7K3M-9QXD``); text already inside an isolate is left as
it is. ``kiosk.i18n.Translator`` applies it to every translation into a right-to-left
language, and again after ``.format()`` fills in the values, so no screen, spoken text or
receipt has to remember it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
LRM, RLM = "\u200e", "\u200f"
OPENERS = frozenset({LRI, RLI, FSI})
CONTROLS = re.compile("[\u200e\u200f\u2066-\u2069\u202a-\u202e]")

_SPACE = "[ \u00a0\u202f]"
# A run: Latin letters or digits, joined by one space or by the punctuation that numbers,
# dates, times, amounts and references carry inside them; "%" or "€" may end it.
RUN = re.compile(
    rf"\+?[0-9A-Za-z]+(?:(?:{_SPACE}?[-–/.:,·@_+×]{_SPACE}?|{_SPACE})[0-9A-Za-z]+)*"
    rf"(?:{_SPACE}?[%€])?"
)
DIGIT = re.compile("[0-9]")


def _segments(text: str) -> Iterator[tuple[str, bool]]:
    """``text`` cut into (piece, inside an isolate already)."""
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch in OPENERS:
            if depth == 0 and i > start:
                yield text[start:i], False
                start = i
            depth += 1
        elif ch == PDI and depth:
            depth -= 1
            if depth == 0:
                yield text[start : i + 1], True
                start = i + 1
    if start < len(text):
        yield text[start:], depth > 0


def unisolated_runs(text: str) -> list[str]:
    """The runs holding a digit that are not inside an isolate (what the audit reports)."""
    return [
        m.group(0)
        for piece, isolated in _segments(text)
        if not isolated
        for m in RUN.finditer(piece)
        if DIGIT.search(m.group(0))
    ]


def isolate_runs(text: str) -> str:
    """``text`` with each run holding a digit wrapped in LRI … PDI (see the module)."""
    if not DIGIT.search(text):
        return text
    out = []
    for piece, isolated in _segments(text):
        if isolated:
            out.append(piece)
        else:
            out.append(
                RUN.sub(
                    lambda m: f"{LRI}{m.group(0)}{PDI}" if DIGIT.search(m.group(0)) else m.group(0),
                    piece,
                )
            )
    return "".join(out)


def strip_controls(text: str) -> str:
    """``text`` without bidi marks and isolates (for comparisons and plain-text logs)."""
    return CONTROLS.sub("", text)


def ltr_sequence(text: str, separator: str = "/") -> str:
    """A pattern such as a translated "JJ/MM/AAAA" ("يوم/شهر/سنة") kept in the order of what
    is typed under it, day first on the left: each separator between left-to-right marks."""
    return f"{LRM}{separator}{LRM}".join(text.split(separator))


class RtlText(str):
    """A translation into a right-to-left language, its runs isolated; ``format`` isolates
    the values it puts in as well (a date, an amount, a reference)."""

    template: str

    def __new__(cls, template: str) -> RtlText:
        obj = super().__new__(cls, isolate_runs(template))
        obj.template = template
        return obj

    def format(self, *args: Any, **kwargs: Any) -> str:
        return isolate_runs(self.template.format(*args, **kwargs))
