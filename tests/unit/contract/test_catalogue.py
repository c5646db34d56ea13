import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml

from contract.catalogue import (
    DEFAULT_CATALOGUE,
    CatalogueError,
    FieldType,
    load_catalogue,
    parse_catalogue,
)
from contract.validation import validate_field
from kiosk.domain.samples import sample_answers

V1_CATALOGUE = Path(__file__).parent / "data" / "catalogue_v1.yaml"
TODAY = dt.date(2026, 11, 26)

# What the issue asks for: each first application and renewal, duplicata, change of address.
EXPECTED_PROCEDURES = {
    "first-student",
    "renewal-student",
    "first-worker",
    "renewal-worker",
    "first-spouse-of-french",
    "renewal-spouse-of-french",
    "first-parent-of-french-child",
    "renewal-parent-of-french-child",
    "first-visitor",
    "renewal-visitor",
    "first-talent",
    "renewal-talent",
    "duplicate",
    "change-of-address",
}


@pytest.fixture
def raw():
    return yaml.safe_load(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))


def index(raw, procedure_id):
    return next(i for i, p in enumerate(raw["procedures"]) if p["id"] == procedure_id)


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def test_shipped_catalogue_is_valid_and_has_the_student_renewal(cat):
    proc = cat.procedure("renewal-student")
    assert proc.kind == "renewal"
    assert proc.field_ids[:5] == (
        "surname",
        "given_names",
        "birth_date",
        "nationality",
        "passport_number",
    )
    assert not proc.field("email").required
    assert proc.fee_total({}) == 75


def test_every_procedure_of_the_issue_is_there(cat):
    assert {p.id for p in cat.procedures} == EXPECTED_PROCEDURES
    renewals = [p for p in cat.procedures if p.kind == "renewal"]
    assert renewals and all(p.expiry_field == "permit_expiry" for p in renewals)
    assert all(any(d.id == "residence_permit" for d in p.documents) for p in renewals)


def test_identity_and_contact_are_defined_once_and_shared(cat):
    surnames = {p.field("surname") for p in cat.procedures}
    assert len(surnames) == 1  # the same (frozen, equal) definition everywhere
    contact = {p.step("contact").fields for p in cat.procedures if p.id != "change-of-address"}
    assert len(contact) == 1
    assert cat.procedure("change-of-address").step("contact").title.startswith("Votre nouvelle")


def test_renewal_student_stays_compatible_with_schema_1():
    """Applications sent by kiosks of the schema 1 catalogue keep their field ids and
    documents; the old file itself still loads."""
    old = load_catalogue(V1_CATALOGUE).procedure("renewal-student")
    new = load_catalogue().procedure("renewal-student")
    assert new.field_ids[: len(old.field_ids)] == old.field_ids
    assert [s.id for s in new.steps[:2]] == [s.id for s in old.steps]
    assert [d.id for d in new.documents[:6]] == [d.id for d in old.documents]
    assert old.fee_total({}) == 225  # schema 1: one amount, ``fee_eur``
    assert old.fee_items[0].label


def test_every_sample_answer_is_valid(cat):
    for p in cat.procedures:
        answers = sample_answers(p, TODAY)
        for spec in p.fields:
            validate_field(spec, answers[spec.id], TODAY)


def test_documents_and_fees_follow_the_answers(cat):
    dup = cat.procedure("duplicate")
    stolen = [d.id for d in dup.documents_for({"lost_or_stolen": "stolen", "housing": "own"})]
    lost = [d.id for d in dup.documents_for({"lost_or_stolen": "lost", "housing": "hosted"})]
    assert "police_report" in stolen and "loss_statement" not in stolen
    assert "loss_statement" in lost and "police_report" not in lost
    assert "proof_of_address" in stolen and "hosting_certificate" not in stolen
    assert "hosting_certificate" in lost and "proof_of_address" not in lost
    assert dup.fee_total({"card_type": "student"}) == 75
    assert dup.fee_total({"card_type": "other"}) == 225
    student = cat.procedure("first-student")
    assert student.fee_total({"long_stay_visa": "yes"}) == 75
    assert student.fee_total({"long_stay_visa": "no"}) == 275
    assert "visa" in [d.id for d in student.documents_for({"long_stay_visa": "yes"})]
    assert "visa" not in [d.id for d in student.documents_for({"long_stay_visa": "no"})]
    assert cat.procedure("change-of-address").fee_total({}) == 25


def test_legal_references_say_when_they_were_checked(cat):
    assert cat.legal_references
    for ref in cat.legal_references:
        assert ref.checked_on is not None and ref.note
    assert cat.renewal_deadlines.late_fee_eur == 180


def test_bad_field_type_is_named_with_its_path(raw):
    bad = copy.deepcopy(raw)
    student = next(i for i, p in enumerate(bad["procedures"]) if p["id"] == "renewal-student")
    step = next(i for i, s in enumerate(bad["procedures"][student]["steps"]) if isinstance(s, dict))
    bad["procedures"][student]["steps"][step]["fields"][1]["type"] = "colour"
    with pytest.raises(CatalogueError) as exc:
        parse_catalogue(bad, "test.yaml")
    msg = str(exc.value)
    assert "test.yaml" in msg
    assert (
        f"procedures[{student}] (renewal-student) > steps[{step}] (studies) > "
        "fields[1] (changed_course) > type" in msg
    )
    # Only the cause, not the consequential "too short" list errors.
    assert "at least 1 item" not in msg


def test_a_bad_shared_field_is_named_where_it_is_used(raw):
    bad = copy.deepcopy(raw)
    bad["fields"]["postal_code"]["type"] = "zip"
    with pytest.raises(CatalogueError) as exc:
        parse_catalogue(bad)
    assert "(contact) > fields[1] (postal_code) > type" in str(exc.value)


def test_unknown_shared_references_are_named(raw):
    bad = copy.deepcopy(raw)
    i = index(bad, "first-student")
    bad["procedures"][i]["steps"].append("payment")
    bad["procedures"][i]["documents"].append("selfie")
    with pytest.raises(CatalogueError) as exc:
        parse_catalogue(bad)
    msg = str(exc.value)
    assert f"procedures[{i}] (first-student) > steps[4]: unknown shared step 'payment'" in msg
    assert (
        f"procedures[{i}] (first-student) > documents[11]: unknown shared document 'selfie'" in msg
    )


def test_duplicate_field_ids_rejected(raw):
    bad = copy.deepcopy(raw)
    bad["procedures"][index(bad, "first-student")]["steps"].append(
        {"use": "identity", "id": "identity2"}
    )
    with pytest.raises(CatalogueError, match=r"first-student.*surname.*used twice"):
        parse_catalogue(bad)


def test_unknown_key_rejected(raw):
    bad = copy.deepcopy(raw)
    bad["procedures"][index(bad, "renewal-student")]["fees_total"] = 3
    with pytest.raises(CatalogueError, match=r"renewal-student.*fees_total"):
        parse_catalogue(bad)


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        ({"answer": "lost_or_stolen", "equals": "burnt"}, "'lost_or_stolen' is never 'burnt'"),
        ({"answer": "colour", "equals": "red"}, "tests 'colour', not a field"),
        ({"answer": "lost_or_stolen"}, "exactly one of equals, not_equals or in"),
        ({"all": []}, "at least 1 item"),
    ],
)
def test_malformed_conditions_are_rejected_naming_the_document(raw, condition, fragment):
    bad = copy.deepcopy(raw)
    dup = next(p for p in bad["procedures"] if p["id"] == "duplicate")
    police = next(
        d for d in dup["documents"] if isinstance(d, dict) and d.get("id") == "police_report"
    )
    police["when"] = condition
    with pytest.raises(CatalogueError) as exc:
        parse_catalogue(bad)
    msg = str(exc.value)
    assert "(duplicate)" in msg
    assert fragment in msg


def test_choice_questions_need_options_and_valid_eligibility(raw):
    bad = copy.deepcopy(raw)
    bad["fields"]["housing"]["options"] = bad["fields"]["housing"]["options"][:1]
    with pytest.raises(CatalogueError, match="at least 2 options"):
        parse_catalogue(bad)
    bad = copy.deepcopy(raw)
    bad["procedures"][index(bad, "first-student")]["steps"][0]["fields"][0]["eligible"] = ["maybe"]
    with pytest.raises(CatalogueError, match=r"first-student.*enrolled.*unknown answers: maybe"):
        parse_catalogue(bad)


def test_a_fee_is_required_and_a_negative_one_refused(raw):
    i = index(raw, "first-worker")
    bad = copy.deepcopy(raw)
    del bad["procedures"][i]["fees"]
    with pytest.raises(CatalogueError, match=r"first-worker.*needs its fee"):
        parse_catalogue(bad)
    bad = copy.deepcopy(raw)
    bad["procedures"][i]["fees"][0]["amount_eur"] = -5
    with pytest.raises(CatalogueError) as exc:
        parse_catalogue(bad)
    assert f"procedures[{i}] (first-worker) > fees[0] > amount_eur" in str(exc.value)


def test_expiry_field_must_be_a_date(raw):
    bad = copy.deepcopy(raw)
    bad["procedures"][index(bad, "renewal-worker")]["expiry_field"] = "housing"
    with pytest.raises(CatalogueError, match=r"renewal-worker.*'housing' is not a date"):
        parse_catalogue(bad)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda g: g["questions"][0]["answers"][0].update(next="nowhere"), "next 'nowhere'"),
        (
            lambda g: g["questions"][1]["answers"][1].update(procedure="naturalisation"),
            "unknown procedure 'naturalisation'",
        ),
        (lambda g: g["questions"][2]["answers"][2].update(next="has_card"), "the guide loops"),
        (lambda g: g["questions"].append(dict(g["questions"][1], id="orphan")), "never reached"),
        (lambda g: g.update(start="missing"), "start 'missing'"),
        (
            lambda g: g["questions"][0]["answers"][0].update(procedure="duplicate"),
            "exactly one of",
        ),
    ],
)
def test_malformed_guide_is_rejected(raw, change, fragment):
    bad = copy.deepcopy(raw)
    change(bad["guide"])
    with pytest.raises(CatalogueError) as exc:
        parse_catalogue(bad)
    assert fragment in str(exc.value)


def test_renewal_deadline_parameters_are_checked(raw):
    bad = copy.deepcopy(raw)
    bad["renewal_deadlines"]["late_within_days"] = 150
    with pytest.raises(CatalogueError, match=r"renewal_deadlines.*smaller than window_opens_days"):
        parse_catalogue(bad)


def test_household_fields_must_be_asked_somewhere(raw):
    bad = copy.deepcopy(raw)
    bad["household_fields"].append("pet_name")
    with pytest.raises(CatalogueError, match=r"household_fields.*pet_name"):
        parse_catalogue(bad)


def test_unreadable_and_invalid_yaml_files(tmp_path):
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("procedures: [\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(broken)


def test_strings_lists_every_user_facing_text(cat):
    strings = cat.strings()
    assert "Renouvellement — étudiant" in strings
    assert "Code postal" in strings
    assert "On me l'a volée" in strings  # an option
    assert "Vous avez déjà une carte de séjour en France ?" in strings  # the guide
    assert "Récépissé de déclaration de vol (police ou gendarmerie)" in strings  # a document
    assert "Taxe et droit de timbre : duplicata" in strings  # a fee
    assert len(strings) == len(set(strings))


def test_every_choice_type_has_its_values(cat):
    for p in cat.procedures:
        for f in p.fields:
            if f.type is FieldType.YES_NO:
                assert f.values == ("yes", "no")
                assert f.option_label("yes") == "Oui"
            elif f.type is FieldType.CHOICE:
                assert all(f.option_label(v) for v in f.values)
