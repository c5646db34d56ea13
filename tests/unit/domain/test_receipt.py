"""The receipt's content (kiosk.domain.receipt): the QR text, references typed by hand, what
is printed and what is not (no identity)."""

from __future__ import annotations

import datetime as dt

import pytest

from contract.catalogue import load_catalogue
from kiosk.domain.receipt import (
    ALPHABET,
    SECRET_LENGTH,
    STATUS_BIRTH_DATE_FIELD,
    STATUS_REFERENCE_FIELD,
    build_receipt,
    check_status_form,
    new_lookup_secret,
    normalise_reference,
    parse_qr,
    qr_payload,
    receipt_text,
)
from kiosk.domain.session import ApplicantSession
from kiosk.i18n import LANGUAGES, Translator
from tests.fixtures.receipts import attestation as sample_attestation

NOW = dt.datetime(2026, 11, 26, 13, 5, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 26)


def test_secret_and_qr_round_trip() -> None:
    secrets = {new_lookup_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert len(secret) == SECRET_LENGTH and set(secret) <= set(ALPHABET)
        assert parse_qr(qr_payload("K-7K3M-9QXD", secret)) == ("K-7K3M-9QXD", secret)


@pytest.mark.parametrize(
    "text",
    ["", "hello", "KTS1:K-7K3M-9QXD", "KTS1:K-7K3M-9QXD:SHORT", "KTS2:K-7K3M-9QXD:" + "2" * 16,
     "KTS1:K-7K3M-9QXO:" + "2" * 16, "https://example.org/?q=KTS1"],
)  # fmt: skip
def test_other_qr_codes_are_not_receipts(text: str) -> None:
    assert parse_qr(text) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("K-7K3M-9QXD", "K-7K3M-9QXD"),
        (" k 7k3m 9qxd ", "K-7K3M-9QXD"),
        ("K7K3M9QXD", "K-7K3M-9QXD"),
        ("pref-2026-000123", "PREF-2026-000123"),
        ("K-7K3M-9QX", None),
        ("K-7K3M-9QXO", None),  # O is not in the alphabet
        ("7K3M9QXD", None),
    ],
)
def test_references_typed_by_hand(typed: str, expected: str | None) -> None:
    assert normalise_reference(typed) == expected


def test_status_form_errors_name_their_field() -> None:
    assert check_status_form("k-7k3m-9qxd", "14/03/2001", TODAY) == ("K-7K3M-9QXD", "2001-03-14")
    errors = check_status_form("nope", "", TODAY)
    assert isinstance(errors, list)
    assert {e.field_id for e in errors} == {STATUS_REFERENCE_FIELD.id, STATUS_BIRTH_DATE_FIELD.id}


def _session() -> ApplicantSession:
    session = ApplicantSession(load_catalogue(), language="ar")
    session.choose_procedure("renewal-student")
    session.answers = {
        "surname": "Benkirane",
        "given_names": "Amina",
        "birth_date": "2001-12-31",
        "address_line": "12 rue de la Paix",
        "permit_expiry": "2027-02-28",
    }
    return session


def test_receipt_lists_documents_fees_deadline_and_no_identity() -> None:
    session = _session()
    procedure = session.procedure
    assert procedure is not None
    docs = [(d.id, d.label) for d in session.documents()]
    receipt = build_receipt(
        local_reference="K-7K3M-9QXD",
        submitted_at=NOW,
        site="Préfecture de Seine-Saint-Denis",
        procedure_label=procedure.title,
        language="ar",
        documents=docs,
        provided=[docs[0][0]],
        fees=[(f.label, f.amount_eur) for f in session.fees()],
        deadline=session.deadline(TODAY),
        lookup_secret=session.receipt_secret,
    )
    assert receipt.documents_provided == (docs[0][1],)
    assert receipt.documents_missing == tuple(label for _id, label in docs[1:])
    text = receipt_text(receipt, Translator("fr"))
    for expected in ("K-7K3M-9QXD", "26/11/2026", procedure.title, docs[0][1], docs[1][1]):
        assert expected in text
    assert f"{receipt.fee_total} €" in text
    deadline = session.deadline(TODAY)
    # Said as done, after filing (issue 15): never "faites votre demande au plus tard".
    assert deadline is not None
    assert Translator("fr")(deadline.message_for(filed=True)) in text
    assert "au plus tard" not in text
    for personal in ("Benkirane", "Amina", "2001", "31/12", "rue de la Paix"):
        assert personal not in text
    assert session.receipt_secret not in text  # only in the QR code
    assert parse_qr(receipt.qr_text) == ("K-7K3M-9QXD", session.receipt_secret)


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_receipt_and_attestation_text_in_every_language(code: str) -> None:
    session = _session()
    procedure = session.procedure
    assert procedure is not None
    receipt = build_receipt(
        local_reference="K-7K3M-9QXD",
        submitted_at=NOW,
        site="Préfecture",
        procedure_label=procedure.title,
        language=code,
        documents=[(d.id, d.label) for d in session.documents()],
        lookup_secret=new_lookup_secret(),
    )
    tr = Translator(code)
    assert tr(procedure.title) in receipt_text(receipt, tr)
    attestation = sample_attestation(
        procedure_label=procedure.title,
        surname="Benkirane",
        given_names="Amina",
        birth_date="2001-12-31",
        nationality="MA",
        language=code,
    )
    lines = [line for section in attestation.sections(tr) for line in section.lines]
    assert any("31/12/2001" in line for line in lines)
    assert any("PREF-2026-000001" in line for line in lines)


def test_the_session_seals_a_new_secret_for_each_application() -> None:
    session = _session()
    session.consent_given = True
    first = session.payload("k", NOW)["receipt_secret"]
    assert first == session.receipt_secret
    session.wipe()
    assert session.receipt_secret != first
