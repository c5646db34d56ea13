"""Sample answers (demos, screenshots, audits, end-to-end tests) are valid and look like
one person's."""

from __future__ import annotations

import datetime as dt

from contract.catalogue import load_catalogue
from contract.validation import validate_field
from kiosk.domain.samples import sample_answers

TODAY = dt.date(2026, 12, 7)


def test_the_sample_person_has_a_first_name_that_is_not_the_surname() -> None:
    catalogue = load_catalogue()
    procedure = next(p for p in catalogue.procedures if "given_names" in p.field_ids)
    answers = sample_answers(procedure, TODAY)
    assert answers["given_names"] != answers["surname"]


def test_every_sample_answer_is_accepted_by_its_field() -> None:
    catalogue = load_catalogue()
    for procedure in catalogue.procedures:
        for spec in procedure.fields:
            value = sample_answers(procedure, TODAY)[spec.id]
            assert validate_field(spec, value, TODAY).field_id == spec.id, (procedure.id, spec.id)
