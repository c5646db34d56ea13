import copy

import pytest
import yaml

from kiosk.domain.catalogue import (
    DEFAULT_CATALOGUE,
    CatalogueError,
    load_catalogue,
    parse_catalogue,
)


@pytest.fixture
def raw():
    return yaml.safe_load(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))


def test_shipped_catalogue_is_valid_and_has_the_student_renewal():
    cat = load_catalogue()
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
    assert proc.fee_eur > 0


def test_bad_field_type_is_named_with_its_path(raw):
    bad = copy.deepcopy(raw)
    bad["procedures"][0]["steps"][1]["fields"][2]["type"] = "colour"
    with pytest.raises(CatalogueError) as exc:
        parse_catalogue(bad, "test.yaml")
    msg = str(exc.value)
    assert "test.yaml" in msg
    assert "procedures[0] (renewal-student) > steps[1] (contact) > fields[2] (city) > type" in msg
    # Only the cause, not the consequential "too short" list errors.
    assert "at least 1 item" not in msg


def test_duplicate_field_ids_rejected(raw):
    bad = copy.deepcopy(raw)
    bad["procedures"][0]["steps"][1]["fields"][0]["id"] = "surname"
    with pytest.raises(CatalogueError, match="surname"):
        parse_catalogue(bad)


def test_unknown_key_rejected(raw):
    bad = copy.deepcopy(raw)
    bad["procedures"][0]["fees"] = 3
    with pytest.raises(CatalogueError, match=r"renewal-student.*fees"):
        parse_catalogue(bad)


def test_unreadable_and_invalid_yaml_files(tmp_path):
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("procedures: [\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(broken)


def test_strings_lists_every_user_facing_text():
    cat = load_catalogue()
    strings = cat.strings()
    assert "Renouvellement — étudiant" in strings
    assert "Code postal" in strings
    assert len(strings) == len(set(strings))
