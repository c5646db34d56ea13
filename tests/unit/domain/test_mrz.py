"""MRZ parser: the specimens published in ICAO Doc 9303, the French identity card, invalid
reads, and properties over random identities."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kiosk.domain.mrz import (
    _KINDS,
    ALPHABET,
    Format,
    Identity,
    MrzError,
    Reason,
    char_value,
    check_digit,
    format_mrz,
    known_codes,
    name_field,
    parse,
    parse_valid,
    transliterate,
)

TODAY = dt.date(2026, 11, 26)

# ICAO Doc 9303 (8th edition), transcribed from the specimens of parts 4 to 7 and from the
# worked examples of part 11, appendix D (document numbers longer than 9 characters).
TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
TD3_P11 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C<3UTO6908061F9406236ZE184226B<<<<<14",
)
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)
TD1_LONG = (
    "I<UTOD23145890<7349<<<<<<<<<<<",
    "3407127M9507122UTO<<<<<<<<<<<2",
    "STEVENSON<<PETER<JOHN<<<<<<<<<",
)
TD2 = ("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6")
TD2_LONG = ("I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<", "D23145890<UTO3407127M95071227349<<<8")
MRVA = (
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
)
MRVB = ("V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<")
# The pre-2021 French identity card (the specimen "BERTHIER Corinne" and its reissue).
FR_ID = ("IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<", "8806923102858CORINNE<<<<<<<6512068F6")
FR_ID_2 = ("IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<", "9409923102854CORINNE<<<<<<<6512068F4")  # fmt: skip

D = dt.date

SPECIMENS = [
    (TD3, dict(format=Format.TD3, document_code="P", issuing_state="UTO", surname="ERIKSSON",
               given_names="ANNA MARIA", document_number="L898902C3", nationality="UTO",
               birth_date=D(1974, 8, 12), sex="F", expiry_date=D(2012, 4, 15),
               optional_data="ZE184226B")),
    (TD3_P11, dict(format=Format.TD3, document_number="L898902C", birth_date=D(1969, 8, 6),
                   expiry_date=D(1994, 6, 23), optional_data="ZE184226B")),
    (TD1, dict(format=Format.TD1, document_code="I", issuing_state="UTO", surname="ERIKSSON",
               given_names="ANNA MARIA", document_number="D23145890", nationality="UTO",
               birth_date=D(1974, 8, 12), sex="F", expiry_date=D(2012, 4, 15),
               optional_data="", optional_data_2="")),
    (TD1_LONG, dict(format=Format.TD1, surname="STEVENSON", given_names="PETER JOHN",
                    document_number="D23145890734", birth_date=D(1934, 7, 12), sex="M",
                    expiry_date=D(1995, 7, 12), optional_data="")),
    (TD2, dict(format=Format.TD2, document_code="I", issuing_state="UTO", surname="ERIKSSON",
               given_names="ANNA MARIA", document_number="D23145890", nationality="UTO",
               birth_date=D(1974, 8, 12), sex="F", expiry_date=D(2012, 4, 15),
               optional_data="")),
    (TD2_LONG, dict(format=Format.TD2, surname="STEVENSON", given_names="PETER JOHN",
                    document_number="D23145890734", birth_date=D(1934, 7, 12), sex="M",
                    expiry_date=D(1995, 7, 12), optional_data="")),
    (MRVA, dict(format=Format.MRV_A, document_code="V", issuing_state="UTO",
                surname="ERIKSSON", given_names="ANNA MARIA", document_number="L8988901C",
                nationality="XXX", birth_date=D(1940, 9, 7), sex="F",
                expiry_date=D(1996, 12, 10), optional_data="6ZE184226B")),
    (MRVB, dict(format=Format.MRV_B, document_code="V", document_number="L8988901C",
                nationality="XXX", birth_date=D(1940, 9, 7), sex="F",
                expiry_date=D(1996, 12, 10), optional_data="")),
    (FR_ID, dict(format=Format.FRENCH_ID, document_code="ID", issuing_state="FRA",
                 surname="BERTHIER", given_names="CORINNE", document_number="880692310285",
                 nationality="FRA", birth_date=D(1965, 12, 6), sex="F", expiry_date=None,
                 issue_date=D(1988, 6, 1), optional_data="")),
    (FR_ID_2, dict(format=Format.FRENCH_ID, document_number="940992310285",
                   issue_date=D(1994, 9, 1))),
]  # fmt: skip


@pytest.mark.parametrize(("lines", "fields"), SPECIMENS, ids=lambda v: getattr(v, "value", None))
def test_specimens_parse_to_their_fields(lines: tuple[str, ...], fields: dict) -> None:
    result = parse_valid(lines, today=TODAY)
    assert result.valid
    assert result.corrections == ()
    for name, value in fields.items():
        assert getattr(result, name) == value, name


@pytest.mark.parametrize(("lines", "_"), SPECIMENS)
def test_specimens_also_parse_as_one_string(lines: tuple[str, ...], _: dict) -> None:
    assert parse("\n".join(lines), today=TODAY) == parse("".join(lines), today=TODAY)


def test_check_digit_examples_of_part_3() -> None:
    assert check_digit("520727") == "3"
    assert check_digit("AB2134<<<") == "5"
    assert check_digit("L898902C3") == "6"


def test_td3_specimen_reports_each_check() -> None:
    result = parse(TD3, today=TODAY)
    assert [(c.field, c.found) for c in result.checks] == [
        ("document_number", "6"),
        ("birth_date", "2"),
        ("expiry_date", "9"),
        ("optional_data", "1"),
        ("composite", "0"),
    ]
    assert all(c.ok for c in result.checks)
    assert result.expired(TODAY) is True


def test_empty_personal_number_may_have_filler_or_zero_as_check_digit() -> None:
    for digit in "<0":
        line2 = "L898902C36UTO7408122F1204159" + "<" * 14 + digit
        line2 += check_digit(line2[0:10] + line2[13:20] + line2[21:43])
        assert parse_valid((TD3[0], line2), today=TODAY).optional_data == ""
    # ... but not when there is a personal number.
    line2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<<" + "0"
    with pytest.raises(MrzError) as err:
        parse_valid((TD3[0], line2), today=TODAY)
    assert err.value.reason is Reason.CHECK_DIGIT and err.value.field == "optional_data"


@pytest.mark.parametrize(("lines", "_"), SPECIMENS)
def test_formatting_the_parsed_specimens_gives_them_back(lines: tuple[str, ...], _: dict) -> None:
    r = parse(lines, today=TODAY)
    ident = Identity(
        format=r.format, document_code=lines[0][:2].rstrip("<"), issuing_state=r.issuing_state,
        surname=r.surname, given_names=r.given_names, document_number=r.document_number,
        nationality=r.nationality, birth_date=r.birth_date, sex=r.sex,
        expiry_date=r.expiry_date, optional_data=r.optional_data,
        optional_data_2=r.optional_data_2,
    )  # fmt: skip
    assert format_mrz(ident) == lines


# ------------------------------------------------------------------------------ rejections

INVALID = [
    # (lines, reason, field)
    ((TD3[0], TD3[1][:9] + "7" + TD3[1][10:]), Reason.CHECK_DIGIT, "document_number"),
    ((TD3[0], TD3[1].replace("7408122", "7408123")), Reason.CHECK_DIGIT, "birth_date"),
    ((TD3[0], TD3[1].replace("1204159", "1204158")), Reason.CHECK_DIGIT, "expiry_date"),
    ((TD3[0], TD3[1].replace("B<<<<<10", "B<<<<<20")), Reason.CHECK_DIGIT, "optional_data"),
    ((TD3[0], TD3[1][:-1] + "1"), Reason.CHECK_DIGIT, "composite"),
    ((TD3[0], TD3[1].replace("L898902C3", "L898903C3")), Reason.CHECK_DIGIT, "document_number"),
    ((TD1[0], TD1[1][:-1] + "7", TD1[2]), Reason.CHECK_DIGIT, "composite"),
    ((TD1_LONG[0].replace("7349", "7348"), *TD1_LONG[1:]), Reason.CHECK_DIGIT, "document_number"),
    ((TD2[0], TD2[1][:-1] + "5"), Reason.CHECK_DIGIT, "composite"),
    ((MRVA[0], MRVA[1].replace("4009078", "4009077")), Reason.CHECK_DIGIT, "birth_date"),
    ((MRVB[0], MRVB[1].replace("L8988901C4", "L8988901C5")), Reason.CHECK_DIGIT, "document_number"),
    ((FR_ID[0], FR_ID[1][:-1] + "7"), Reason.CHECK_DIGIT, "composite"),
    ((FR_ID[0], FR_ID[1].replace("6512068", "6512069")), Reason.CHECK_DIGIT, "birth_date"),
    ((FR_ID[0].replace("BERTHIER", "BERTHIEZ"), FR_ID[1]), Reason.CHECK_DIGIT, "composite"),
    # wrong lengths
    ((TD3[0], TD3[1][:-1]), Reason.WRONG_LENGTH, None),
    ((TD3[0] + "<", TD3[1] + "<"), Reason.WRONG_LENGTH, None),
    ((TD1[0], TD1[1], TD1[2][:-2]), Reason.WRONG_LENGTH, None),
    ((TD2[0], TD3[1]), Reason.WRONG_LENGTH, None),
    # bad characters
    ((TD3[0].replace("ANNA", "ANNa"), TD3[1]), Reason.BAD_CHARACTERS, None),
    ((TD3[0], TD3[1].replace("ZE184226B", "ZE18-226B")), Reason.BAD_CHARACTERS, None),
    ((TD2[0].replace("<<ANNA", "« ANNA"), TD2[1]), Reason.BAD_CHARACTERS, None),
    # unknown format
    ((TD3[0].replace("P<", "X<", 1), TD3[1]), Reason.UNKNOWN_FORMAT, "document_code"),
    ((TD1[0].replace("I<", "P<", 1), *TD1[1:]), Reason.UNKNOWN_FORMAT, "document_code"),
    ((TD3[0],), Reason.UNKNOWN_FORMAT, None),
    ((*TD1, TD1[2]), Reason.UNKNOWN_FORMAT, None),
    # fields that cannot hold what was read
    ((TD3[0], TD3[1].replace("7408122F", "7408122H")), Reason.BAD_FIELD, "sex"),
    ((TD3[0], TD3[1].replace("7408122", "74K8122")), Reason.BAD_FIELD, "birth_date"),
]  # fmt: skip


def _with_date(lines: tuple[str, str], birth: str) -> tuple[str, str]:
    l2 = lines[1][:13] + birth + check_digit(birth) + lines[1][20:43]
    return lines[0], l2 + check_digit(l2[0:10] + l2[13:20] + l2[21:43])


# impossible dates whose check digits are right, names no issuer writes
INVALID += [
    (("P<UTOERIKSSON<<ANNA<<<<<<<<<<<<<<<<<<<<<SSTT", TD3[1]), Reason.BAD_FIELD, "name"),
    (("P<UTO<ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<", TD3[1]), Reason.BAD_FIELD, "name"),
    ((TD1[0], TD1[1], "ERIKSSON<<ANNA<<<<<<<<<<<<<<MA"), Reason.BAD_FIELD, "name"),
    (("IDFRABERTHIER<<<<<<<<<<<<<<<<<X<<<<<", FR_ID[1]), Reason.CHECK_DIGIT, "composite"),
]
INVALID += [
    (_with_date(TD3, "741312"), Reason.BAD_FIELD, "birth_date"),
    (_with_date(TD3, "740230"), Reason.BAD_FIELD, "birth_date"),
    (_with_date(TD3, "74081<"), Reason.BAD_FIELD, "birth_date"),
]


@pytest.mark.parametrize(("lines", "reason", "field"), INVALID)
def test_invalid_reads_are_rejected_with_their_reason(
    lines: tuple[str, ...], reason: Reason, field: str | None
) -> None:
    with pytest.raises(MrzError) as err:
        parse_valid(lines, today=TODAY)
    assert err.value.reason is reason, err.value.message
    assert err.value.field == field
    assert err.value.message


def test_check_failure_is_reported_not_raised_by_parse() -> None:
    result = parse((TD3[0], TD3[1][:-1] + "1"), today=TODAY)
    assert not result.valid
    assert result.failed_fields == ("composite",)
    assert result.surname == "ERIKSSON"


def test_partly_unknown_birth_dates_are_allowed() -> None:
    for birth in ("7408<<", "74<<<<", "<<<<<<"):
        result = parse_valid(_with_date(TD3, birth), today=TODAY)
        assert result.birth_date is None
        assert result.birth_date_text == birth


# ------------------------------------------------------------------------------ correction


def test_letters_in_numeric_fields_are_corrected_then_checked() -> None:
    # dates and check digits read with letters that look like digits
    line2 = TD3[1].replace("7408122F1204159", "74O8I22F12O4I59")
    result = parse_valid((TD3[0], line2), today=TODAY)
    assert result.birth_date == D(1974, 8, 12) and result.expiry_date == D(2012, 4, 15)
    assert [(c.column, c.found, c.corrected) for c in result.corrections] == [
        (15, "O", "0"), (17, "I", "1"), (23, "O", "0"), (25, "I", "1"),
    ]  # fmt: skip


def test_digits_in_letter_fields_are_corrected() -> None:
    result = parse_valid(("P<UT0ER1KSSON<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<", TD3[1]), today=TODAY)
    assert (result.issuing_state, result.surname, result.given_names) == (
        "UTO", "ERIKSSON", "ANNA MARIA"
    )  # fmt: skip
    assert len(result.corrections) == 3


def test_the_check_digit_after_an_overflowing_number_is_corrected() -> None:
    for number in ("AB1234567890", "AB1234567891", "XY9876543210", "D23145890735"):
        ident = Identity(Format.TD1, "I", "UTO", "STEVENSON", "PETER", number, "UTO",
                         D(1934, 7, 12), "M", D(2030, 7, 12))  # fmt: skip
        lines = format_mrz(ident)
        digit = check_digit(number)
        letter = {"0": "O", "5": "S", "1": "I", "8": "B", "2": "Z"}.get(digit)
        if letter is None:
            continue
        col = 15 + len(number) - 9
        bad = lines[0][:col] + letter + lines[0][col + 1 :]
        result = parse_valid((bad, *lines[1:]), today=TODAY)
        assert result.document_number == number
        assert [(c.line, c.column, c.found) for c in result.corrections] == [(0, col, letter)]
        break
    else:
        pytest.fail("no number with a correctable check digit")


def test_a_correction_that_breaks_a_check_digit_is_not_accepted() -> None:
    # "S" in the birth date becomes 5, but the date was 740812: the check digit says no.
    with pytest.raises(MrzError) as err:
        parse_valid((TD3[0], TD3[1].replace("7408122", "74S8122")), today=TODAY)
    assert err.value.field == "birth_date"


def test_alphanumeric_fields_are_never_corrected() -> None:
    # "O" for "0" in a document number: both are possible, so no correction is tried.
    l2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10".replace("L898902C3", "L8989O2C3")
    with pytest.raises(MrzError) as err:
        parse_valid((TD3[0], l2), today=TODAY)
    assert err.value.field == "document_number"


def test_correction_can_be_turned_off() -> None:
    with pytest.raises(MrzError) as err:
        parse(("P<UT0ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", TD3[1]), correct=False)
    assert err.value.reason is Reason.BAD_FIELD and err.value.field == "issuing_state"


# ------------------------------------------------------------------------------ names


def test_transliteration_follows_part_3() -> None:
    assert transliterate("Müller-Lüdenscheidt") == "MUELLER<LUEDENSCHEIDT"
    assert transliterate("N'Guessan") == "NGUESSAN"
    assert transliterate("Ørsted Åberg") == "OERSTED<AABERG"
    assert transliterate("Ştefan Ţepeş") == "STEFAN<TEPES"
    assert transliterate("Gößmann") == "GOESSMANN"
    assert name_field("da Silva", "João Pedro", 20) == "DA<SILVA<<JOAO<PEDRO"
    assert name_field("Al-Hashimi", "Fatima", 12) == "AL<HASHIMI<<"


def test_known_codes() -> None:
    codes = known_codes()
    assert {"FRA", "UTO", "D", "SEN", "XXA", "GBR"} <= codes
    assert "ZZZ" not in codes and "AAA" not in codes


# ------------------------------------------------------------------------------ properties

_letters = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8)
_names = st.lists(_letters, min_size=1, max_size=3).map(" ".join)
_alnum = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=9)
_codes = st.sampled_from(["FRA", "UTO", "SEN", "DZA", "AFG", "UKR", "CHN", "D<<", "GBR", "XXA"])


@st.composite
def identities(draw: st.DrawFn) -> Identity:
    fmt = draw(st.sampled_from(list(Format)))
    birth = draw(st.dates(D(1927, 1, 1), TODAY - dt.timedelta(days=1)))
    expiry = draw(st.dates(TODAY - dt.timedelta(days=3650), D(2075, 12, 31)))
    sex = draw(st.sampled_from("MFX"))
    surname, given = draw(_names), draw(_names)
    width = {Format.TD1: 30, Format.TD2: 31, Format.MRV_B: 31}.get(fmt, 39)
    assume(len(name_field(surname, given, 99).rstrip("<")) <= width)
    if fmt is Format.FRENCH_ID:
        assume(len(surname) <= 25 and len(given.replace(" ", "<<")) <= 14)
        issue = draw(st.dates(D(1988, 1, 1), D(2021, 6, 30)))
        number = issue.strftime("%y%m") + draw(st.sampled_from(["750", "2A1", "931"]))
        number += draw(st.text("0123456789", min_size=5, max_size=5))
        return Identity(
            fmt, "ID", "FRA", surname, given, number, "FRA", birth, sex,
            optional_data=draw(st.sampled_from(["", "750123", "2A0041"])),
        )  # fmt: skip
    long_ok = fmt in (Format.TD1, Format.TD2)
    number = draw(_alnum if not long_ok else st.one_of(_alnum, st.text("0123456789ABCDEF", min_size=10, max_size=12)))  # fmt: skip
    opt_width = {Format.TD3: 14, Format.MRV_A: 16, Format.TD2: 7, Format.MRV_B: 8, Format.TD1: 15}[fmt]  # fmt: skip
    room = opt_width - (len(number) - 8 if len(number) > 9 else 0)
    optional = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=max(room, 0)))
    if len(number) > 9 and optional:
        optional = optional[: max(room - 1, 0)]
    code = {Format.TD3: "P", Format.MRV_A: "V", Format.MRV_B: "V"}.get(fmt) or draw(
        st.sampled_from(["I", "ID", "AC", "IR"])
    )
    state = draw(_codes).rstrip("<")
    assume(not (fmt is Format.TD2 and code == "ID" and state == "FRA"))
    return Identity(
        fmt, code, state, surname, given, number,
        draw(_codes).rstrip("<"), birth, sex, expiry, optional,
        draw(st.text("0123456789", max_size=11)) if fmt is Format.TD1 else "",
    )  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(identities())
def test_format_then_parse_round_trips(ident: Identity) -> None:
    lines = format_mrz(ident)
    result = parse_valid(lines, today=TODAY)
    assert result.format is ident.format
    assert result.surname == ident.surname and result.given_names == ident.given_names
    assert result.document_number == ident.document_number
    assert result.birth_date == ident.birth_date
    assert result.sex == ident.sex
    assert result.nationality == ident.nationality
    assert result.optional_data == ident.optional_data
    assert result.optional_data_2 == ident.optional_data_2
    if ident.format is Format.FRENCH_ID:
        assert result.expiry_date is None
    else:
        assert result.expiry_date == ident.expiry_date
    assert result.corrections == ()


def _covered_positions(lines: tuple[str, ...]) -> list[tuple[int, int]]:
    """Positions (line, column) that some check digit covers (data or digit)."""
    fmt = parse(lines, today=TODAY).format
    width = len(lines[0])
    out = []
    for offset in range(width * len(lines)):
        line2 = offset - width
        if fmt is Format.FRENCH_ID:
            covered = True  # the final check digit covers both lines
        elif fmt is Format.TD1:
            covered = 5 <= offset < 60 and offset not in (37, 45, 46, 47)
        elif fmt in (Format.TD3, Format.TD2):
            covered = line2 >= 0 and line2 not in (10, 11, 12, 20)
        else:  # visas: no composite
            covered = 0 <= line2 < 28 and line2 not in (10, 11, 12, 20)
        if covered:
            out.append(divmod(offset, width))
    return out


@settings(max_examples=400, deadline=None)
@given(identities(), st.data())
def test_one_corrupted_character_is_rejected_or_corrected_never_accepted_wrong(
    ident: Identity, data: st.DataObject
) -> None:
    lines = format_mrz(ident)
    truth = parse_valid(lines, today=TODAY)
    row, col = data.draw(st.sampled_from(_covered_positions(lines)))
    old = lines[row][col]
    new = data.draw(st.sampled_from(sorted(ALPHABET - {old})))
    corrupted = list(lines)
    corrupted[row] = lines[row][:col] + new + lines[row][col + 1 :]
    try:
        result = parse_valid(tuple(corrupted), today=TODAY)
    except MrzError:
        return  # rejected
    if result.identity() == truth.identity():
        return  # corrected, or a digit the parse does not depend on
    # Accepted with a different reading: only possible where the 7-3-1 scheme is blind,
    # i.e. between characters whose values differ by a multiple of 10 (0/A/K/U/<, 1/B/L/V...).
    # (A correction may have turned the corrupted character into another one first.)
    read = next((c.corrected for c in result.corrections if (c.line, c.column) == (row, col)), new)
    assert (char_value(read) - char_value(old)) % 10 == 0, (lines, corrupted)
    assert _KINDS[truth.format][row][col] not in "ND"


@settings(max_examples=200, deadline=None)
@given(identities(), st.data())
def test_numeric_corruptions_are_never_accepted_wrong(ident: Identity, data: st.DataObject) -> None:
    """Dates and check digits are fully protected: any single change there is caught."""
    lines = format_mrz(ident)
    truth = parse_valid(lines, today=TODAY)
    kinds = _KINDS[truth.format]
    positions = [p for p in _covered_positions(lines) if kinds[p[0]][p[1]] in "ND"]
    row, col = data.draw(st.sampled_from(positions))
    new = data.draw(st.sampled_from(sorted(ALPHABET - {lines[row][col]})))
    corrupted = list(lines)
    corrupted[row] = lines[row][:col] + new + lines[row][col + 1 :]
    try:
        result = parse_valid(tuple(corrupted), today=TODAY)
    except MrzError:
        return
    assert result.identity() == truth.identity()


# --------------------------------------------------------------------------- national variants

BEL_BO_03003 = (
    "IDBEL000590240<6013<<<<<<<<<<<",
    "8512017F1311048BEL851201002007",
    "REINARTZ<<ULRIKE<KATIA<E<<<<<<",
)


def test_belgian_card_with_its_check_digit_over_the_filler_is_accepted() -> None:
    """PRADO BEL-BO-03003: the long number's digit is computed over '000590240<601'."""
    result = parse_valid(BEL_BO_03003, today=dt.date(2012, 1, 1))
    assert result.document_number == "000590240601"
    assert result.surname == "REINARTZ" and result.given_names == "ULRIKE KATIA E"
    assert result.variants == ("document_number_check_over_filler",)
    assert check_digit("000590240<601") == "3" != check_digit("000590240601")


def test_the_belgian_variant_is_for_belgium_only() -> None:
    other = ("IDUTO" + BEL_BO_03003[0][5:], BEL_BO_03003[1].replace("BEL", "UTO"), BEL_BO_03003[2])
    with pytest.raises(MrzError) as err:
        parse_valid(other, today=dt.date(2012, 1, 1))
    assert err.value.field == "document_number"


def test_the_belgian_variant_does_not_excuse_a_wrong_digit() -> None:
    for digit in "012456789":
        line = BEL_BO_03003[0][:18] + digit + BEL_BO_03003[0][19:]
        result = parse((line, *BEL_BO_03003[1:]), today=dt.date(2012, 1, 1))
        assert not result.valid


def test_a_belgian_card_with_the_standard_digit_still_reads() -> None:
    ident = Identity(
        Format.TD1, "ID", "BEL", "PEETERS", "JAN", "592123456789", "BEL",
        dt.date(1990, 3, 4), "M", dt.date(2030, 3, 4),
    )  # fmt: skip
    result = parse_valid(format_mrz(ident), today=TODAY)
    assert result.document_number == "592123456789" and result.variants == ()
