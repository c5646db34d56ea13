"""What the scanner tells the applicant: guidance codes, their plain French messages,
and the two filters between the per-frame verdicts and the screen and voice.

Verdicts change from frame to frame (30 a second); shown raw, the text would flicker and
the voice would never finish a sentence. ``GuidanceFilter`` shows a new code once it has
held for a few frames; ``SpeechLimiter`` lets a message be spoken only when it changes and
not more often than every ``interval_s``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

from kiosk.i18n import N_


class Guidance(StrEnum):
    """One instruction; a verdict lists every failing check, most useful first."""

    NO_PAGE = "no_page"  # nothing that looks like a page in view
    NOT_WHOLE = "not_whole"  # the page leaves the frame on one side
    MOVE_AWAY = "move_away"  # the page fills the frame, or more
    MOVE_CLOSER = "move_closer"  # the page is too small to read
    TOO_DARK = "too_dark"
    TOO_MUCH_LIGHT = "too_much_light"  # glare, or an overexposed page
    HOLD_STILL = "hold_still"  # the page moves between frames
    BLURRY = "blurry"  # still, but not sharp (out of focus)
    # The machine-readable zone (documents whose MRZ is read), when the page checks say
    # nothing more useful:
    MRZ_CUT = "mrz_cut"  # the MRZ runs off the picture
    MRZ_SMALL = "mrz_small"  # found, but its characters are too small to read
    MRZ_GLARE = "mrz_glare"  # a reflection on the MRZ
    MRZ_UPSIDE_DOWN = "mrz_upside_down"  # the page is upside down (read, but the photo too)
    OK = "ok"  # every check passes: the photo is about to be taken


# Plain French (FALC): short sentences, one idea each, common words.
MESSAGES: dict[Guidance, str] = {
    Guidance.NO_PAGE: N_("Posez la page sous la caméra."),
    Guidance.NOT_WHOLE: N_("On ne voit pas toute la page. Mettez la page au milieu."),
    Guidance.MOVE_AWAY: N_("Éloignez un peu la page de la caméra."),
    Guidance.MOVE_CLOSER: N_("Approchez la page de la caméra."),
    Guidance.TOO_DARK: N_("L'image est trop sombre. Mettez la page dans la lumière."),
    Guidance.TOO_MUCH_LIGHT: N_("Trop de lumière sur la page. Penchez un peu la page."),
    Guidance.HOLD_STILL: N_("Ne bougez plus la page."),
    Guidance.BLURRY: N_("L'image est floue. Ne bougez pas la page."),
    Guidance.MRZ_CUT: N_("Les lignes du bas sont coupées. Montrez tout le bas de la page."),
    Guidance.MRZ_SMALL: N_("Les lignes du bas sont trop petites. Approchez la page."),
    Guidance.MRZ_GLARE: N_("Un reflet cache les lignes du bas. Penchez un peu la page."),
    Guidance.MRZ_UPSIDE_DOWN: N_("La page est à l'envers. Tournez la page."),
    Guidance.OK: N_("C'est bien. Ne bougez plus : la photo va être prise."),
}

# The order in which failing checks are reported: fix the framing first, then the light,
# then the motion; blur last, because moving pages are blurry too.
PRIORITY: tuple[Guidance, ...] = (
    Guidance.NO_PAGE,
    Guidance.NOT_WHOLE,
    Guidance.MOVE_AWAY,
    Guidance.MOVE_CLOSER,
    Guidance.TOO_DARK,
    Guidance.TOO_MUCH_LIGHT,
    Guidance.HOLD_STILL,
    Guidance.BLURRY,
    Guidance.MRZ_CUT,
    Guidance.MRZ_SMALL,
    Guidance.MRZ_GLARE,
    Guidance.MRZ_UPSIDE_DOWN,
    Guidance.OK,
)

# Page codes that the MRZ's own advice replaces: it says the same thing more precisely
# (cut off, too small, glare), or the page looks right but its MRZ is not (upside down).
# Darkness and motion stay first: nothing is readable until they are fixed.
_MRZ_OVERRIDES = frozenset(
    {Guidance.NO_PAGE, Guidance.NOT_WHOLE, Guidance.MOVE_CLOSER, Guidance.MOVE_AWAY,
     Guidance.TOO_MUCH_LIGHT, Guidance.OK}
)  # fmt: skip


def with_mrz(page: Guidance, mrz: Guidance | None) -> Guidance:
    """What to say for a document whose MRZ is read: the page's code, unless the MRZ's
    advice (``MrzRead.advice``) is more useful."""
    if mrz is None or page not in _MRZ_OVERRIDES:
        return page
    return mrz


def message_id(code: Guidance) -> str:
    """The French message (a msgid: translate it where it is shown)."""
    return MESSAGES[code]


class GuidanceFilter:
    """Holds the displayed code until a new one has been seen ``frames`` times in a row.

    ``OK`` shows at once (the capture follows within a few frames), and so does the first
    code after a ``reset()``.
    """

    def __init__(self, frames: int = 3) -> None:
        if frames < 1:
            raise ValueError("frames must be >= 1")
        self.frames = frames
        self.shown: Guidance | None = None
        self._candidate: Guidance | None = None
        self._count = 0

    def update(self, code: Guidance) -> Guidance:
        if code == self._candidate:
            self._count += 1
        else:
            self._candidate, self._count = code, 1
        if self.shown is None or code is Guidance.OK or self._count >= self.frames:
            self.shown = code
        return self.shown

    def reset(self) -> None:
        self.shown = self._candidate = None
        self._count = 0


class SpeechLimiter:
    """Says whether a message may be spoken now: only when it differs from the last one
    spoken, and at least ``interval_s`` after it."""

    def __init__(self, interval_s: float = 2.0, clock: Callable[[], float] = time.monotonic):
        self.interval_s = interval_s
        self._clock = clock
        self._last: str | None = None
        self._at = float("-inf")

    def allow(self, message: str) -> bool:
        now = self._clock()
        if message == self._last or now - self._at < self.interval_s:
            return False
        self._last, self._at = message, now
        return True

    def reset(self) -> None:
        self._last = None
        self._at = float("-inf")
