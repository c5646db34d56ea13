"""Resume codes: stop now, come back later to the same kiosk site.

The applicant gets a short code (8 characters from an alphabet without look-alikes: no
0/O, 1/I/L) shown in two groups of four, and resumes with that code *and* their date of
birth. The store keeps only a slow keyed hash of them (``kiosk.store``); here are the
code's format and the checks of what the applicant types on the resume screen.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

from kiosk.domain.lookup_form import LookupForm, birth_date_field, code_field
from kiosk.domain.receipt import Section
from kiosk.i18n import N_, Translator

RESUME_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RESUME_CODE_LENGTH = 8
_NOISE = re.compile(r"[\s\-.]+")

MSG_RESUME_CODE = N_("Le code a 8 lettres ou chiffres. Exemple : 7K3M 9QXD.")

# The two questions of the resume screen, validated like catalogue fields.
RESUME_CODE_FIELD = code_field(
    "resume_code",
    N_("Code de reprise"),
    N_("8 lettres ou chiffres, donnés quand vous avez sauvegardé. Exemple : 7K3M 9QXD."),
    max_length=20,
)
RESUME_BIRTH_DATE_FIELD = birth_date_field("resume_birth_date")


def new_resume_code() -> str:
    """8 random characters of RESUME_ALPHABET (31**8 ≈ 8.5e11 codes)."""
    return "".join(secrets.choice(RESUME_ALPHABET) for _ in range(RESUME_CODE_LENGTH))


def format_resume_code(code: str) -> str:
    """ "7K3M9QXD" -> "7K3M 9QXD" (two groups of four, easier to copy and to say)."""
    half = len(code) // 2
    return f"{code[:half]} {code[half:]}"


def spoken_resume_code(code: str) -> str:
    """One character at a time, so that a speech engine spells it: "7, K, 3, M ; 9, ..."."""
    half = len(code) // 2
    return " ; ".join(", ".join(part) for part in (code[:half], code[half:]))


def normalise_resume_code(typed: str) -> str | None:
    """The code in canonical form, or None if it cannot be a resume code."""
    code = _NOISE.sub("", typed).upper()
    if len(code) != RESUME_CODE_LENGTH or any(c not in RESUME_ALPHABET for c in code):
        return None
    return code


RESUME_FORM = LookupForm(
    RESUME_CODE_FIELD, normalise_resume_code, MSG_RESUME_CODE, RESUME_BIRTH_DATE_FIELD
)
# (code, ISO birth date) if both are well formed, else the errors to show.
check_resume_form = RESUME_FORM.check


SLIP_TITLE = N_("Code de reprise de votre demande")
SLIP_CODE = N_("Votre code de reprise : {code}")
SLIP_UNTIL = N_("Votre demande est gardée jusqu'au {date}. Ensuite, elle est effacée.")
SLIP_HOW = N_(
    "Pour reprendre, revenez à une borne de cette préfecture. Touchez "
    "« Reprendre une demande », puis écrivez ce code et votre date de naissance."
)
SLIP_NO_PERSONAL_DATA = N_("Ce papier ne contient ni votre nom ni votre adresse.")


@dataclass(frozen=True)
class ResumeSlip:
    """The resume code on paper (the kiosk has a printer: "notez ce code" was not all it
    could offer). The code and the date the draft is deleted, how to resume, and nothing
    about the applicant: the code alone resumes nothing (the date of birth goes with it).
    Rendered like the receipt (``kiosk.render.receipt_pdf``: French beside the applicant's
    language)."""

    code: str = field(repr=False)
    until: dt.date
    language: str = "fr"
    text_scale: float = 1.0

    title = SLIP_TITLE
    qr_text = ""

    @property
    def headline(self) -> str:
        return format_resume_code(self.code)

    def sections(self, tr: Translator) -> list[Section]:
        return [
            Section(
                "",
                (
                    tr(SLIP_CODE).format(code=format_resume_code(self.code)),
                    tr(SLIP_UNTIL).format(date=self.until.strftime("%d/%m/%Y")),
                    tr(SLIP_HOW),
                    tr(SLIP_NO_PERSONAL_DATA),
                ),
            )
        ]
