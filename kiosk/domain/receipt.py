"""What the applicant takes home: the receipt's content, Qt-free.

The receipt says what a prefecture agent needs to find the application, and nothing more:
the kiosk reference (and the central reference once known), the date and time, the site,
the procedure, the documents given at the kiosk and those still to bring, the fee, the next
steps and deadlines. It carries **no identity**: no name, no date of birth, no address, no
nationality. A lost receipt then tells nobody who applied.

The QR code holds ``KTS1:<kiosk reference>:<lookup secret>``: a kiosk reads it back to show
where the application stands. The secret (16 characters, about 79 bits) is random, made
when the application is sealed, and travels inside the sealed payload (``receipt_secret``),
so only the central API can check it. Typed by hand, the reference goes with the date of
birth instead.

:func:`receipt_sections` gives the text of the receipt in one language (title, then
``(heading, lines)`` sections); the renderer (``kiosk.render.receipt_pdf``) sets the
applicant's language beside French.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from kiosk.domain.deadlines import Deadline
from kiosk.domain.lookup_form import LookupForm, birth_date_field, code_field
from kiosk.i18n import N_, Translator

QR_PREFIX = "KTS1"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no look-alikes; QR alphanumeric mode
SECRET_LENGTH = 16
REFERENCE_RE = re.compile(rf"^K-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")
CENTRAL_REFERENCE_RE = re.compile(r"^[A-Z]{2,10}-\d{4}-\d{6}$")
_QR_RE = re.compile(
    rf"^{QR_PREFIX}:(K-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}):"
    rf"([{ALPHABET}]{{{SECRET_LENGTH}}})$"
)
_NOISE = re.compile(r"[\s.]+")

TITLE = N_("Reçu de dépôt de demande de titre de séjour")
NEXT_STEPS = (
    N_("Gardez ce reçu. Il prouve que vous avez fait votre demande à la borne."),
    N_("La préfecture étudie votre demande."),
    N_("La préfecture vous écrit ou vous appelle."),
    N_("Apportez les documents manquants quand la préfecture vous le demande."),
    N_("Pour suivre votre demande, montrez ce code QR à une borne."),
)
NO_PERSONAL_DATA = N_("Ce reçu ne contient ni votre nom ni votre adresse.")


# The two questions of the status screen when the QR code cannot be read.
STATUS_REFERENCE_FIELD = code_field(
    "status_reference",
    N_("Numéro de demande"),
    N_("Il est sur votre reçu. Exemple : K-7K3M-9QXD."),
    max_length=24,
)
STATUS_BIRTH_DATE_FIELD = birth_date_field("status_birth_date")
MSG_REFERENCE = N_("Le numéro commence par K et a 8 lettres ou chiffres. Exemple : K-7K3M-9QXD.")


def new_lookup_secret() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))


def qr_payload(reference: str, secret: str) -> str:
    return f"{QR_PREFIX}:{reference}:{secret}"


def parse_qr(text: str) -> tuple[str, str] | None:
    """(kiosk reference, secret) from a receipt's QR code, or None if it is not one."""
    match = _QR_RE.match(text.strip())
    return (match.group(1), match.group(2)) if match else None


def normalise_reference(typed: str) -> str | None:
    """A kiosk reference (``K-XXXX-XXXX``) or a central one (``PREF-2026-000123``), in
    canonical form, from what was typed (case, spaces and missing dashes forgiven)."""
    text = _NOISE.sub("", typed).upper()
    if CENTRAL_REFERENCE_RE.match(text):
        return text
    compact = text.replace("-", "")
    if len(compact) == 9 and compact.startswith("K"):
        candidate = f"K-{compact[1:5]}-{compact[5:]}"
        if REFERENCE_RE.match(candidate):
            return candidate
    return None


STATUS_FORM = LookupForm(
    STATUS_REFERENCE_FIELD, normalise_reference, MSG_REFERENCE, STATUS_BIRTH_DATE_FIELD
)
# (reference, ISO birth date) if both are well formed, else the errors to show.
check_status_form = STATUS_FORM.check


@dataclass(frozen=True)
class Section:
    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class FeeLine:
    label: str  # msgid
    amount_eur: int


class Printable(Protocol):
    """What ``kiosk.render.receipt_pdf`` renders: the receipt or the attestation de dépôt."""

    @property
    def language(self) -> str: ...  # read-only: the documents are frozen dataclasses
    @property
    def title(self) -> str: ...  # msgid
    @property
    def headline(self) -> str: ...
    @property
    def qr_text(self) -> str: ...  # "" for none
    def sections(self, tr: Translator) -> list[Section]: ...


@dataclass(frozen=True)
class ReceiptContent:
    """Everything printed on a receipt. ``lookup_secret`` is only ever in the QR code."""

    local_reference: str
    submitted_at: dt.datetime  # aware
    site: str  # the kiosk's place, e.g. "Préfecture de police — Paris"
    procedure_label: str  # msgid
    language: str
    documents_provided: tuple[str, ...] = ()  # msgids: photographed at the kiosk
    documents_missing: tuple[str, ...] = ()  # msgids: to bring to the prefecture
    fees: tuple[FeeLine, ...] = ()
    deadline: Deadline | None = None
    central_reference: str | None = None
    lookup_secret: str = field(default="", repr=False)
    text_scale: float = 1.0  # the applicant's text size: the paper follows it

    @property
    def fee_total(self) -> int:
        return sum(f.amount_eur for f in self.fees)

    @property
    def qr_text(self) -> str:
        return qr_payload(self.local_reference, self.lookup_secret)

    @property
    def title(self) -> str:
        return TITLE

    @property
    def headline(self) -> str:
        """Printed large at the top of each page."""
        return self.local_reference

    def sections(self, tr: Translator) -> list[Section]:
        return receipt_sections(self, tr)[1]


def build_receipt(
    *,
    local_reference: str,
    submitted_at: dt.datetime,
    site: str,
    procedure_label: str,
    language: str,
    documents: Iterable[tuple[str, str]],  # (id, msgid) of every document of the procedure
    provided: Iterable[str] = (),  # ids of the documents photographed at the kiosk
    fees: Iterable[tuple[str, int]] = (),
    deadline: Deadline | None = None,
    central_reference: str | None = None,
    lookup_secret: str,
    text_scale: float = 1.0,
) -> ReceiptContent:
    given = set(provided)
    docs = list(documents)
    return ReceiptContent(
        local_reference=local_reference,
        submitted_at=submitted_at,
        site=site,
        procedure_label=procedure_label,
        language=language,
        documents_provided=tuple(label for doc_id, label in docs if doc_id in given),
        documents_missing=tuple(label for doc_id, label in docs if doc_id not in given),
        fees=tuple(FeeLine(label, amount) for label, amount in fees),
        deadline=deadline,
        central_reference=central_reference,
        lookup_secret=lookup_secret,
        text_scale=text_scale,
    )


def _date(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def receipt_sections(receipt: ReceiptContent, tr: Translator) -> tuple[str, list[Section]]:
    """The receipt's title and sections in ``tr``'s language (local time of the kiosk)."""
    when = receipt.submitted_at.astimezone()
    about = [
        tr(N_("Numéro de demande : {reference}")).format(reference=receipt.local_reference),
    ]
    if receipt.central_reference:
        about.append(
            tr(N_("Numéro de la préfecture : {reference}")).format(
                reference=receipt.central_reference
            )
        )
    about += [
        tr(N_("Date : le {date} à {time}")).format(
            date=_date(when.date()), time=when.strftime("%H:%M")
        ),
        tr(N_("Lieu : {site}")).format(site=receipt.site),
        tr(N_("Démarche : {procedure}")).format(procedure=tr(receipt.procedure_label)),
    ]
    sections = [Section(tr(N_("Votre demande")), tuple(about))]
    if receipt.documents_provided:
        sections.append(
            Section(
                tr(N_("Documents donnés à la borne")),
                tuple(tr.isolate(f"• {tr(d)}") for d in receipt.documents_provided),
            )
        )
    if receipt.documents_missing:
        sections.append(
            Section(
                tr(N_("Documents à apporter à la préfecture")),
                tuple(tr.isolate(f"• {tr(d)}") for d in receipt.documents_missing),
            )
        )
    if receipt.fees:
        fee_lines = [tr.isolate(f"• {tr(f.label)} : {f.amount_eur} €") for f in receipt.fees]
        fee_lines.append(tr(N_("Total : {amount} €")).format(amount=receipt.fee_total))
        sections.append(Section(tr(N_("À payer")), tuple(fee_lines)))
    steps = [tr.isolate(f"{i}. {tr(text)}") for i, text in enumerate(NEXT_STEPS, 1)]
    if receipt.deadline is not None:
        # Said as done: the application is filed ("faites votre demande au plus tard le…"
        # on the receipt of a filed application contradicted it).
        steps.append(
            tr(receipt.deadline.message_for(filed=True)).format(
                date=_date(receipt.deadline.date), fee=receipt.deadline.late_fee_eur
            )
        )
    sections.append(Section(tr(N_("Et maintenant ?")), tuple(steps)))
    sections.append(Section("", (tr(NO_PERSONAL_DATA),)))
    return tr(TITLE), sections


def receipt_text(receipt: ReceiptContent, tr: Translator) -> str:
    """The whole receipt as plain text in one language (spoken, and for tests)."""
    title, sections = receipt_sections(receipt, tr)
    parts = [title]
    for section in sections:
        parts += [section.heading, *section.lines]
    return "\n".join(p for p in parts if p)


ATTESTATION_TITLE = N_("Attestation de dépôt d'une demande de titre de séjour")


@dataclass(frozen=True)
class AttestationContent:
    """The attestation de dépôt, from the central API's answer (``contract.protocol.
    Attestation``). Unlike the receipt it names the applicant: it is the paper they show.
    Printed on demand, never stored."""

    central_reference: str
    local_reference: str
    procedure_label: str  # msgid
    deposited_at: dt.datetime
    examined_since: dt.datetime
    issued_at: dt.datetime
    surname: str = field(repr=False)
    given_names: str = field(repr=False)
    birth_date: str = field(repr=False)  # ISO
    nationality: str = field(repr=False)  # ISO 3166 alpha-2 or alpha-3 code, or a name
    language: str = "fr"

    title = ATTESTATION_TITLE
    qr_text = ""

    @property
    def headline(self) -> str:
        return self.central_reference

    def sections(self, tr: Translator) -> list[Section]:
        from contract.countries import country_name

        try:
            birth = _date(dt.date.fromisoformat(self.birth_date))
        except ValueError:
            birth = self.birth_date
        try:
            nationality = country_name(self.nationality.upper(), tr.code) or self.nationality
        except (KeyError, ValueError):
            nationality = self.nationality
        return [
            Section(
                tr(N_("La demande")),
                (
                    tr(N_("Numéro de la préfecture : {reference}")).format(
                        reference=self.central_reference
                    ),
                    tr(N_("Numéro de demande : {reference}")).format(
                        reference=self.local_reference
                    ),
                    tr(N_("Démarche : {procedure}")).format(procedure=tr(self.procedure_label)),
                    tr(N_("Reçue le {date}")).format(
                        date=_date(self.deposited_at.astimezone().date())
                    ),
                    tr(N_("En cours d'étude depuis le {date}")).format(
                        date=_date(self.examined_since.astimezone().date())
                    ),
                ),
            ),
            Section(
                tr(N_("La personne")),
                (
                    tr(N_("Nom : {value}")).format(value=self.surname),
                    tr(N_("Prénoms : {value}")).format(value=self.given_names),
                    tr(N_("Date de naissance : {value}")).format(value=birth),
                    tr(N_("Nationalité : {value}")).format(value=nationality),
                ),
            ),
            Section(
                "",
                (
                    tr(
                        N_("Imprimée le {date} à une borne, d'après les données de la préfecture.")
                    ).format(date=_date(self.issued_at.astimezone().date())),
                ),
            ),
        ]
