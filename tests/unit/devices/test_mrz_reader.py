"""MRZ reader and tracker on generated document images (fast: a handful of frames)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json

import cv2
import numpy as np
import pytest

from kiosk.devices import mrz_reader
from kiosk.devices.mrz_reader import (
    GlyphEngine,
    MrzRead,
    MrzReader,
    MrzTracker,
    OcrEngine,
    _row_groups,
    _split_runs,
    extract_band,
    fit_lines,
    locate_mrz,
    make_engine,
)
from kiosk.devices.samples import sample_path
from kiosk.devices.samples.documents import (
    Degradation,
    frame_sequence,
    make_document,
    place,
    random_identity,
    render_id_card,
    sample,
)
from kiosk.domain.mrz import Format, MrzResult, parse, parse_valid

TODAY = dt.date(2026, 11, 26)
SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)


@pytest.fixture(scope="module")
def reader() -> MrzReader:
    return MrzReader(GlyphEngine(), today=TODAY)


def truth(s) -> tuple[object, ...]:
    return parse(s.document.mrz_lines, today=TODAY).identity()


@pytest.mark.parametrize(
    ("kind", "seed", "deg"),
    [
        ("passport", 1, Degradation(rotation_deg=6, perspective=0.03, blur_sigma=1.0, noise_sigma=4, jpeg_quality=70, uneven_light=0.3)),
        ("passport", 2, Degradation(rotation_deg=-7, perspective=0.02, blur_sigma=0.5, noise_sigma=2, jpeg_quality=85, glare=0.3)),
        ("id_card", 3, Degradation(rotation_deg=4, perspective=0.03, blur_sigma=0.8, noise_sigma=3, jpeg_quality=80)),
    ],
)  # fmt: skip
def test_reads_generated_documents_with_every_field_right(
    reader: MrzReader, kind: str, seed: int, deg: Degradation
) -> None:
    s = sample(kind, seed, char_px=22, degradation=deg, today=TODAY)
    read = reader.read(s.image)
    assert read.ok, (read.error, read.lines)
    assert read.result is not None and read.result.identity() == truth(s)
    # The band was found where the generator put the MRZ.
    assert read.quad is not None and s.mrz_quad is not None
    assert np.linalg.norm(read.quad.mean(axis=0) - s.mrz_quad.mean(axis=0)) < 3 * s.char_px


def test_reads_a_td1_card_whose_number_overflows(reader: MrzReader) -> None:
    rng = np.random.default_rng(5)
    ident = random_identity(rng, Format.TD1, TODAY)
    ident = type(ident)(
        **{**ident.__dict__, "document_number": "AB1234567890", "optional_data": ""}
    )
    doc = render_id_card(ident, rng, px_per_mm=24 / 2.54)
    s = place(doc, Degradation(rotation_deg=3, blur_sigma=0.6, noise_sigma=2), rng)
    read = reader.read(s.image)
    assert read.ok and read.result is not None
    assert read.result.document_number == "AB1234567890"


def test_upside_down_document_is_read(reader: MrzReader) -> None:
    s = sample(
        "passport",
        8,
        char_px=22,
        degradation=Degradation(rotation_deg=178, noise_sigma=2),
        today=TODAY,
    )
    read = reader.read(s.image)
    assert read.ok and read.result is not None and read.result.identity() == truth(s)


def test_a_letter_gives_no_read(reader: MrzReader) -> None:
    s = sample("letter", 4, degradation=Degradation(noise_sigma=2), today=TODAY)
    read = reader.read(s.image)
    assert not read.ok and read.error is not None


def test_a_straight_band_reads_without_locating(reader: MrzReader) -> None:
    doc = make_document("passport", np.random.default_rng(9), char_px=24, today=TODAY)
    x0, y0, x1, y1 = doc.mrz_box  # type: ignore[misc]
    band = doc.image[y0 - 20 : y1 + 20, x0 - 20 : x1 + 20]
    read = reader.read_band(band)
    assert read.ok and read.lines == doc.mrz_lines


def test_locate_returns_nothing_on_a_blank_table() -> None:
    blank = np.full((720, 1280, 3), 90, np.uint8)
    assert locate_mrz(blank) == []


def test_extract_band_is_straight() -> None:
    s = sample("passport", 3, char_px=22, degradation=Degradation(rotation_deg=7), today=TODAY)
    assert s.mrz_quad is not None
    band = extract_band(s.image, s.mrz_quad)
    assert band.shape[1] > 8 * band.shape[0]


# --------------------------------------------------------------------------- line fitting


def test_fit_lines_repairs_filler_runs_and_drops_noise() -> None:
    l1, l2 = SPECIMEN
    raw = ["some words", l1[:30] + l1[32:], l2, ""]
    assert fit_lines(raw) == [l1, l2]
    assert fit_lines(["P<UTO", l2]) is None
    assert fit_lines([l1.replace("<", "«", 2), l2]) is not None


def test_engines_are_chosen_by_name() -> None:
    assert isinstance(make_engine("glyph"), GlyphEngine)
    with pytest.raises(ValueError, match="unknown OCR engine"):
        make_engine("nope")


class ScriptedEngine(OcrEngine):
    """Returns prepared lines, one set per call (a stand-in OCR engine)."""

    name = "scripted"

    def __init__(self, outputs: list[list[str]]) -> None:
        self.outputs = outputs

    def read_lines(self, image: np.ndarray) -> list[str]:
        return self.outputs.pop(0) if self.outputs else []


def test_reader_never_returns_a_read_whose_check_digits_fail() -> None:
    bad = [SPECIMEN[0], SPECIMEN[1][:-1] + "7"]
    reader = MrzReader(ScriptedEngine([bad, bad]), today=TODAY)
    read = reader.read_band(np.full((60, 600), 255, np.uint8))
    assert not read.ok and read.error is not None and read.error.field == "composite"


def test_reader_rejects_reads_that_needed_many_corrections() -> None:
    # Digits where letters belong, all over the name: the line was cut out wrong.
    shifted = ("P<UTOERIKSSON<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<", SPECIMEN[1])
    garbled = ("P<UTOERIKSSON<<ANNA<MAR1A5555<<<<<<<<<<<<<<<", SPECIMEN[1])
    engine = ScriptedEngine([list(shifted), list(garbled)])
    reader = MrzReader(engine, today=TODAY, max_corrections=3)
    blank = np.full((60, 600), 255, np.uint8)
    assert reader.read_band(blank).ok  # one correction: fine
    read = reader.read_band(blank)
    assert not read.ok and read.error is not None and "correcting" in read.error.message


# --------------------------------------------------------------------------- tracker


def _result(lines: tuple[str, str] = SPECIMEN) -> MrzResult:
    return parse_valid(lines, today=TODAY)


def test_tracker_accepts_after_two_agreeing_frames() -> None:
    tracker = MrzTracker(agree=2, window=8)
    assert tracker.push(None) is None
    assert tracker.push(_result()) is None
    assert tracker.push(MrzRead(None)) is None
    accepted = tracker.push(MrzRead(_result()))
    assert accepted is not None and accepted.surname == "ERIKSSON"
    assert tracker.push(None) is accepted  # stays accepted


def test_tracker_needs_the_same_reading() -> None:
    other = ("P<UTOERIKSSON<<ANNA<MARTA<<<<<<<<<<<<<<<<<<<", SPECIMEN[1])  # a misread name
    tracker = MrzTracker(agree=2, window=8)
    assert tracker.push(_result()) is None
    assert tracker.push(_result(other)) is None
    assert tracker.push(_result(other)).given_names == "ANNA MARTA"  # type: ignore[union-attr]


def test_tracker_forgets_frames_outside_its_window() -> None:
    tracker = MrzTracker(agree=2, window=3)
    tracker.push(_result())
    for _ in range(3):
        assert tracker.push(None) is None
    assert tracker.push(_result()) is None  # the first one slid out
    assert tracker.push(_result()) is not None


def test_tracker_ignores_invalid_results_and_resets() -> None:
    invalid = parse((SPECIMEN[0], SPECIMEN[1][:-1] + "7"), today=TODAY)
    assert not invalid.valid
    tracker = MrzTracker(agree=1, window=2)
    assert tracker.push(invalid) is None
    assert tracker.push(_result()) is not None
    tracker.reset()
    assert tracker.accepted is None
    with pytest.raises(ValueError):
        MrzTracker(agree=3, window=2)


def test_tracker_on_a_document_moving_into_place(reader: MrzReader) -> None:
    rng = np.random.default_rng(17)
    doc = make_document("passport", rng, char_px=22, today=TODAY)
    frames, last = frame_sequence(doc, rng, moving=4, still=4)
    tracker = MrzTracker(agree=2, window=8)
    accepted = None
    for frame in frames:
        accepted = tracker.push(reader.read(frame))
    assert accepted is not None
    assert accepted.identity() == parse(doc.mrz_lines, today=TODAY).identity()
    assert last.image.shape == (720, 1280, 3)


# --------------------------------------------------------------------------- shipped samples


def test_shipped_samples_read_as_their_manifest_says(reader: MrzReader) -> None:
    manifest = json.loads(sample_path("manifest.json").read_text())
    for name in ("passport.jpg", "id_card.jpg"):
        read = reader.read(cv2.imread(str(sample_path(name))))
        assert read.ok and read.result is not None, name
        assert list(read.result.lines) == manifest[name]["mrz"]
        assert read.result.surname == manifest[name]["surname"]
    cap = cv2.VideoCapture(str(sample_path("passport.avi")))
    tracker = MrzTracker()
    count = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        count += 1
        if count > manifest["passport.avi"]["moving_frames"]:
            tracker.push(reader.read(frame))
    cap.release()
    assert count == manifest["passport.avi"]["frames"]
    assert tracker.accepted is not None
    assert list(tracker.accepted.lines) == manifest["passport.avi"]["mrz"]


# --------------------------------------------------------------------------- other engines

_HAS_TESS = importlib.util.find_spec("tesserocr") or importlib.util.find_spec("pytesseract")
_HAS_RAPID = importlib.util.find_spec("rapidocr_onnxruntime")


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            "tesseract", marks=pytest.mark.skipif(not _HAS_TESS, reason="no tesseract binding")
        ),
        pytest.param("rapidocr", marks=pytest.mark.skipif(not _HAS_RAPID, reason="no rapidocr")),
    ],
)
def test_other_engines_read_a_clean_band(name: str) -> None:
    try:
        engine = make_engine(name)
    except (ImportError, RuntimeError) as err:
        pytest.skip(f"{name} unavailable: {err}")
    doc = make_document("passport", np.random.default_rng(9), char_px=24, today=TODAY)
    x0, y0, x1, y1 = doc.mrz_box  # type: ignore[misc]
    lines = fit_lines(engine.read_lines(doc.image[y0 - 20 : y1 + 20, x0 - 20 : x1 + 20]))
    assert lines is not None and len(lines) == 2
    # What they read may be wrong, but only a read whose check digits pass is ever used.
    engine.close()


def _scored(lines: tuple[str, ...], doubts: dict[tuple[int, int], tuple[str, float]]):  # type: ignore[no-untyped-def]
    """Log-probabilities of a read of ``lines``: every character sure, except at each
    position of ``doubts`` where a runner-up comes within the given margin."""
    from kiosk.devices.mrz_reader import MRZ_CHARS

    scores = []
    for row, line in enumerate(lines):
        logp = np.full((len(line), len(MRZ_CHARS)), -20.0, np.float32)
        for col, ch in enumerate(line):
            logp[col, MRZ_CHARS.index(ch)] = 0.0
            if (row, col) in doubts:
                other, margin = doubts[(row, col)]
                logp[col, MRZ_CHARS.index(other)] = -margin
        scores.append(logp)
    return scores


def test_a_doubtful_letter_of_a_state_code_counts_only_against_other_codes() -> None:
    # No check digit covers the issuing state or the nationality, but only known codes can
    # stand there: 'H' or 'M' in "HTI" is no doubt (MTI is no code), 'T' or 'S' in "AUT"
    # is (AUS is Australia): that read must still be refused.
    reader = MrzReader(make_engine("glyph"), today=TODAY)
    lines = ("P<HTIERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", SPECIMEN[1].replace("UTO", "AUT"))
    assert parse_valid(list(lines), today=TODAY)

    def read(doubts: dict[tuple[int, int], tuple[str, float]]) -> MrzRead:
        return reader._read_scored(list(lines), _scored(lines, doubts), None)

    assert read({}).ok
    assert read({(0, 2): ("M", 0.5)}).ok
    assert read({(1, 12): ("X", 0.5)}).ok
    refused = read({(1, 12): ("S", 0.5)})
    assert not refused.ok and refused.error is not None and "unsure" in refused.error.message
    # A name has no such list: a doubtful letter there is refused as before.
    assert not read({(0, 6): ("F", 0.5)}).ok


class _DissentingEngine(GlyphEngine):
    """The glyph engine, except that every read of the right lines after the first (the
    reader's confirming cut) reads ``other`` at ``(row, col)``, ``margin`` above the
    character the first read found there."""

    def __init__(self, truth: tuple[str, ...], row: int, col: int, other: str, margin: float):
        super().__init__()
        self.truth, self.row, self.col, self.other, self.margin = truth, row, col, other, margin
        self.seen = 0

    def read_lines(self, image: np.ndarray) -> list[str]:
        from kiosk.devices.mrz_reader import MRZ_CHARS

        lines = super().read_lines(image)
        scores = self.log_probs()
        if tuple(lines) != self.truth or scores is None:
            return lines
        self.seen += 1
        if self.seen >= 2:
            lp = scores[self.row][self.col]
            lp[MRZ_CHARS.index(self.other)] = lp.max() + self.margin
            lines[self.row] = (
                lines[self.row][: self.col] + self.other + lines[self.row][self.col + 1 :]
            )
        return lines


def test_a_second_cut_dissenting_with_what_the_check_digit_excludes_is_outvoted() -> None:
    # The confirming cut of a valid read must read the same wherever no check digit would
    # notice a misread. At a document number's character, only the look-alikes its check
    # digit cannot tell apart (same value mod 10: 'L', 'B', 'V', '1') are such misreads;
    # a hesitant dissent the check digit rules out ('D' read '5' under glare, camera 37
    # of seed 101) is the second cut's own error and no longer refuses the read.
    s = sample("passport", 3, char_px=16, degradation=Degradation(noise_sigma=2), today=TODAY)
    lines = tuple(s.document.mrz_lines)
    ch = lines[1][0]
    value = int(ch) if ch.isdigit() else ord(ch) - 55
    excluded = str((value + 1) % 10)  # another value mod 10: the check digit would fail
    # Same value mod 10: a digit d and the letter of value d + 10 ('1' and 'B'...).
    look_alike = str(value % 10) if ch.isalpha() else chr(ord("A") + value)

    def read(other: str, margin: float) -> MrzRead:
        engine = _DissentingEngine(lines, 1, 0, other, margin)
        return MrzReader(engine, today=TODAY).read(s.image)

    plain = MrzReader(GlyphEngine(), today=TODAY).read(s.image)
    assert plain.ok and plain.result is not None and plain.result.identity() == truth(s)
    outvoted = read(excluded, 0.5)
    assert outvoted.ok and outvoted.result is not None
    assert outvoted.result.identity() == truth(s)
    # A confident dissent, or one the check digit could not see, still refuses the read.
    assert not read(excluded, 3.0).ok
    assert not read(look_alike, 0.5).ok


def test_a_code_read_as_no_known_code_is_the_known_one_a_hesitant_letter_away() -> None:
    # "AZE" read "AZI" under glare (camera 57 of seed 1): AZI is no state code, and AZE is
    # one letter the classifier hesitated over away. The known code is read, if it beats
    # every other known code by the margin; a confident reading is kept as it was read.
    reader = MrzReader(make_engine("glyph"), today=TODAY)
    lines = (SPECIMEN[0].replace("UTO", "AZE"), SPECIMEN[1])
    assert parse_valid(list(lines), today=TODAY)

    def read(doubts: dict[tuple[int, int], tuple[str, float]]) -> MrzRead:
        return reader._read_scored(list(lines), _scored(lines, doubts), None)

    swapped = read({(0, 4): ("I", -0.5)})  # 'I' likelier than 'E' by 0.5
    assert swapped.ok and swapped.lines == lines
    sure = read({(0, 4): ("I", -3.0)})
    assert sure.lines[0][2:5] == "AZI"
    # Between two known codes ("AUT" and "AUS") nothing is swapped: the doubt refuses.
    aut = (SPECIMEN[0].replace("UTO", "AUT"), SPECIMEN[1])
    refused = reader._read_scored(list(aut), _scored(aut, {(0, 4): ("S", -0.5)}), None)
    assert not refused.ok


def test_the_document_code_is_doubted_only_against_the_codes_its_shape_allows() -> None:
    # A TD1 opens with 'I', 'A' or 'C': an 'I' the classifier nearly took for 'T' (no
    # 30-character MRZ opens with 'T') is no doubt; one it nearly took for 'A' still is.
    reader = MrzReader(make_engine("glyph"), today=TODAY)
    lines = (
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    )
    assert parse_valid(list(lines), today=TODAY)

    def read(doubts: dict[tuple[int, int], tuple[str, float]]) -> MrzRead:
        return reader._read_scored(list(lines), _scored(lines, doubts), None)

    assert read({(0, 0): ("T", 0.5)}).ok
    refused = read({(0, 0): ("A", 0.5)})
    assert not refused.ok and refused.error is not None and "unsure" in refused.error.message


def test_a_band_still_turned_a_little_reads_when_the_engine_looks_harder() -> None:
    # A block found as one merged component has its box set by blur or a page edge, not
    # by its lines: the band comes out turned a little, its two rows run into each other
    # in the profile, and no MRZ-shaped lines come out (camera 71 of seed 1, 8 px per
    # character). Looking harder (``GlyphEngine.rescue``), the band is levelled first.
    doc = make_document("passport", np.random.default_rng(9), char_px=10, today=TODAY)
    x0, y0, x1, y1 = doc.mrz_box  # type: ignore[misc]
    band = cv2.cvtColor(doc.image[y0 - 8 : y1 + 8, x0 - 8 : x1 + 8], cv2.COLOR_BGR2GRAY)
    h, w = band.shape
    turn = np.array([[1, 0, 0], [0.03, 1, -0.03 * w / 2]], np.float32)  # 1.7 degrees
    band = cv2.warpAffine(band, turn, (w, h), borderMode=cv2.BORDER_REPLICATE)
    band = cv2.GaussianBlur(band, (0, 0), 1.2)
    engine = GlyphEngine()
    reader = MrzReader(engine, today=TODAY)
    assert not reader.read_band(band).ok
    with engine.rescue():
        read = reader.read_band(band)
    assert read.ok and read.lines == tuple(doc.mrz_lines)
    assert not engine.rescuing


def test_a_run_of_ink_as_wide_as_several_characters_is_split_at_the_pitch() -> None:
    # Motion blur runs characters together: a blob 3.7 pitches wide holds 4 of them,
    # centred on it at the line's pitch; narrow blobs stay as they are.
    blobs = [[10.0, 0, 10, 7, 13], [20.0, 0, 10, 17, 23], [50.0, 0, 10, 33, 67]]
    out = _split_runs(blobs, 10.0)
    assert out[:2] == blobs[:2]
    assert [round(b[0], 1) for b in out[2:]] == [35.0, 45.0, 55.0, 65.0]


def test_a_line_whose_blobs_ran_together_is_cut_at_the_pitch() -> None:
    # A passport band at 12 px per character smeared along its lines (motion blur): the
    # digits and '<' fillers touch, so the blobs of ink are runs of several characters.
    # Split at the pitch (the other line's when this one shows too few gaps), the cells
    # fall on the characters and the band reads right; cut from the blobs as they come,
    # a line's cells drift off their characters and the read fails.
    doc = make_document("passport", np.random.default_rng(3), char_px=12, today=TODAY)
    x0, y0, x1, y1 = doc.mrz_box  # type: ignore[misc]
    band = cv2.cvtColor(doc.image[y0 - 8 : y1 + 8, x0 - 8 : x1 + 8], cv2.COLOR_BGR2GRAY)
    smear = np.full((1, 6), 1 / 6, np.float32)
    band = cv2.filter2D(band, -1, smear, borderType=cv2.BORDER_REPLICATE)
    reader = MrzReader(GlyphEngine(), today=TODAY)
    read = reader.read_band(band)
    assert read.ok and read.lines == tuple(doc.mrz_lines)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mrz_reader, "SPLIT_RUNS", False)
        mp.setattr(mrz_reader, "PITCH_HINT", False)
        assert not reader.read_band(band).ok


def test_a_line_of_mostly_fillers_still_pairs_with_a_taller_line() -> None:
    # A short name followed by '<' fillers (low, light glyphs) makes a row of the band's
    # profile 9 px high beside the 13 px of the digits line (camera 87 of seed 5, an MRV-B
    # at 8.5 px per character, no blur): still the two lines of one MRZ.
    assert _row_groups([(6, 15), (20, 33)]) == [[(6, 15), (20, 33)]]
    assert _row_groups([(6, 12), (20, 33)]) == []  # twice as tall: not one MRZ's lines


def _cuts(
    lines: tuple[str, ...], doubts: list[dict[tuple[int, int], tuple[str, float]]]
) -> list[list[np.ndarray]]:
    return [_scored(lines, d) for d in doubts]


def test_a_name_letter_every_cut_doubts_is_read_from_the_cuts_summed() -> None:
    # Camera 110 of seed 5: a name letter ('E' against 'F') read right at every size but
    # each time with a margin under ``min_margin``, so no cut passed on its own. The
    # evidence of the cuts, summed, clears ``POOL_MARGIN``; too little of it does not.
    reader = MrzReader(make_engine("glyph"), today=TODAY)
    each = mrz_reader.POOL_MARGIN / 3 + 0.1
    assert each < reader.min_margin
    doubt = {(0, 5): ("F", each)}
    single = reader._read_scored(list(SPECIMEN), _scored(SPECIMEN, doubt), None)
    assert not single.ok and single.error is not None and "unsure" in single.error.message
    pooled = reader._pooled(_cuts(SPECIMEN, [doubt] * 4), None)
    assert pooled is not None and pooled.ok and pooled.lines == SPECIMEN
    weak = {(0, 5): ("F", mrz_reader.POOL_MARGIN / 4 - 0.1)}
    assert reader._pooled(_cuts(SPECIMEN, [weak] * 4), None) is None
    # Fewer than ``POOL_MIN`` cuts: nothing to sum.
    assert reader._pooled(_cuts(SPECIMEN, [doubt] * (mrz_reader.POOL_MIN - 1)), None) is None


def test_summed_cuts_that_read_a_name_letter_otherwise_are_refused() -> None:
    # A third of the cuts may read the letter otherwise (their cells sampled across a
    # stroke): their evidence counts against the others'. More may not, whatever the sum.
    reader = MrzReader(make_engine("glyph"), today=TODAY)
    sure = {(0, 5): ("F", 3.0)}
    other = {(0, 5): ("F", -0.5)}  # this cut reads 'F', by 0.5
    assert mrz_reader.POOL_MARGIN <= 3 * 3.0 - 2 * 0.5
    assert reader._pooled(_cuts(SPECIMEN, [sure, sure, sure, other]), None) is not None
    assert reader._pooled(_cuts(SPECIMEN, [sure, sure, sure, sure, other, other]), None)
    # Two of five: the sum still says 'E' by 8, but too many cuts disagree.
    assert reader._pooled(_cuts(SPECIMEN, [sure, sure, sure, other, other]), None) is None


def test_a_cut_one_cell_off_is_left_out_of_the_sum() -> None:
    # A cut whose cells stand one place off reads another text altogether: summed with
    # the others it would blur every position. It is left out; the others decide.
    reader = MrzReader(make_engine("glyph"), today=TODAY)
    doubt = {(0, 5): ("F", mrz_reader.POOL_MARGIN / 3 + 0.1)}
    off = tuple(line[1:] + "<" for line in SPECIMEN)
    cuts = [*_cuts(SPECIMEN, [doubt] * 3), _scored(off, {})]
    pooled = reader._pooled(cuts, None)
    assert pooled is not None and pooled.lines == SPECIMEN
    # Only two cuts left standing: too few.
    assert reader._pooled(cuts[1:], None) is None


@pytest.mark.parametrize("char_px", [9, 16, 28])
def test_a_lines_cells_cut_at_once_are_the_cells_cut_one_by_one(
    monkeypatch: pytest.MonkeyPatch, char_px: int
) -> None:
    # ``_cells_at`` (prefix sums and one remap for a whole line) replaces 37-44 warps a
    # line for speed: its features must be those the classifier was trained on
    # (``_recentre`` and ``_cell_from``, one cell at a time), within interpolation rounding.
    from kiosk.devices.mrz_reader import grid_features

    doc = make_document("passport", np.random.default_rng(char_px), char_px=char_px, today=TODAY)
    x0, y0, x1, y1 = doc.mrz_box  # type: ignore[misc]
    band = cv2.cvtColor(doc.image[y0 - 12 : y1 + 12, x0 - 12 : x1 + 12], cv2.COLOR_BGR2GRAY)
    band = cv2.GaussianBlur(band, (0, 0), 0.8)
    engine = GlyphEngine()
    found = engine.line_grids(band)
    assert found is not None
    ink, grids = found
    for grid in grids:
        # A grid reaching past the band's edges too: cells there are cut from what is in.
        for g in (grid, (grid[0] - 1.5 * grid[3], grid[1] - 3, grid[2] + 3, grid[3])):
            monkeypatch.setattr(mrz_reader, "FAST_CELLS", False)
            slow = grid_features(ink, g)
            monkeypatch.setattr(mrz_reader, "FAST_CELLS", True)
            fast = grid_features(ink, g)
            assert fast.shape == slow.shape
            assert float(np.abs(fast - slow).max()) < 0.02
            assert (engine.model.classify(fast) == engine.model.classify(slow)).mean() >= 0.97


# Camera 76 of seed 3: a TD3 whose document number and optional data each hold a '0'.
_O0_LINES = (
    "P<ARMKAPANADZE<<LEYLA<<<<<<<<<<<<<<<<<<<<<<<",
    "M51R427080ARM5607057F35041072350652<<<<<<<54",
)


def _as_o(lines: tuple[str, ...], *cols: int) -> tuple[str, ...]:
    """``lines`` with the second line's characters at ``cols`` read as 'O'."""
    second = list(lines[1])
    for col in cols:
        second[col] = "O"
    return (lines[0], "".join(second))


def test_o_and_0_swapped_in_two_fields_are_mended_by_the_check_digits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # OCR-B's 'O' and '0' differ only by their width: seen at an angle, both the document
    # number's '0' and the optional data's were read 'O', each with '0' the runner-up
    # (camera 76 of seed 3). Two fields fail their check digits; one runner-up swapped
    # (``_mend``) mends one of them only.
    reader = MrzReader(make_engine("glyph"), today=TODAY)
    assert parse_valid(list(_O0_LINES), today=TODAY)
    read_as = _as_o(_O0_LINES, 7, 31)
    doubts = {(1, 7): ("0", 1.4), (1, 31): ("0", 1.1)}
    monkeypatch.setattr(mrz_reader, "LOOK_ALIKE_MENDS", False)
    before = reader._read_scored(list(read_as), _scored(read_as, doubts), None)
    assert not before.ok and before.error is not None
    monkeypatch.setattr(mrz_reader, "LOOK_ALIKE_MENDS", True)
    mended = reader._read_scored(list(read_as), _scored(read_as, doubts), None)
    assert mended.ok and mended.lines == _O0_LINES
    # Summed over several cuts, the margins add up: a swap is still tried up to 7.
    summed = reader._read_scored(
        list(read_as), _scored(read_as, {(1, 7): ("0", 6.2), (1, 31): ("0", 1.4)}), None, 3.0
    )
    assert summed.ok and summed.lines == _O0_LINES


def test_o_and_0_are_not_swapped_where_the_check_digits_cannot_judge_them_alone() -> None:
    reader = MrzReader(make_engine("glyph"), today=TODAY)
    read_as = _as_o(_O0_LINES, 7, 31)
    o_doubts = {(1, 7): ("0", 1.4), (1, 31): ("0", 1.1)}

    def read(doubts: dict[tuple[int, int], tuple[str, float]]) -> MrzRead:
        return reader._read_scored(list(read_as), _scored(read_as, {**o_doubts, **doubts}), None)

    assert read({}).ok
    # Another character a check digit covers was doubtful: the swaps could hide its misread.
    assert not read({(1, 2): ("7", 0.5)}).ok
    # The runner-up was not '0' but another letter: no look-alike swap there.
    assert not read({(1, 7): ("D", 0.5)}).ok
    # A swap far less likely than the read than ``LOOK_ALIKE_MARGIN``: no doubt to mend.
    assert not read({(1, 7): ("0", 8.0)}).ok


@pytest.mark.parametrize(("shape", "reads"), [((400, 300), 5), ((1080, 1920), 1), ((720, 1280), 1)])
def test_small_print_is_read_again_only_in_pictures_too_small_for_a_closer_view(
    monkeypatch: pytest.MonkeyPatch, shape: tuple[int, int], reads: int
) -> None:
    # A tiny scan's MRZ-shaped block at 5.5 px per character that read nothing is read
    # again at 2 other sizes and twice looking harder; in a camera frame that costs
    # letters and payment slips 2-3 times the CPU, and the guidance asks for a closer view.
    from kiosk.scan.mrz_locate import Candidate

    quad = np.array([[20, 100], [262, 100], [262, 120], [20, 120]], np.float32)
    block = Candidate(quad, 2, 5.5, 1.0)
    monkeypatch.setattr(mrz_reader, "locate", lambda image, max_candidates=4: [block])
    reader = MrzReader(GlyphEngine(), today=TODAY)
    calls: list[float | None] = []
    real = reader._read_pool

    def counted(image, pool, read_pitch, t0, t1):  # type: ignore[no-untyped-def]
        calls.append(read_pitch)
        return real(image, pool, read_pitch, t0, t1)

    monkeypatch.setattr(reader, "_read_pool", counted)
    read = reader.read(np.full(shape, 255, np.uint8))
    assert not read.ok
    assert len(calls) == reads, calls


class _ScriptedEngine(GlyphEngine):
    """The glyph engine's type, reading every band as ``lines`` with ``scores``."""

    def __init__(self, lines: tuple[str, ...], scores: list[np.ndarray]) -> None:
        super().__init__()
        self.lines, self.scores = lines, scores

    def read_lines(self, image: np.ndarray) -> list[str]:
        return list(self.lines)

    def log_probs(self) -> list[np.ndarray] | None:
        return self.scores


def test_a_confirming_cut_repeating_the_o_the_check_digits_mended_confirms(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Tiny 35 of seed 1 (5.7 px per character): the document number's '0' read 'O' at every
    # size from 8 to 16 px per character; the check digits mend it, and the confirming cut
    # read 'O' there again, surely, which refused the read. The check digits tell 'O' from
    # '0': the confirming cut's 'O' is the misread they already ruled out.
    from kiosk.scan.mrz_locate import Candidate

    read_as = _as_o(_O0_LINES, 7)
    sure_o = _scored(read_as, {})
    reader = MrzReader(_ScriptedEngine(read_as, sure_o), today=TODAY)
    first = reader._read_scored(list(read_as), _scored(read_as, {(1, 7): ("0", 1.4)}), None)
    assert first.ok and first.lines == _O0_LINES and first.mended == ((1, 7, "O"),)
    quad = np.array([[20, 100], [380, 100], [380, 120], [20, 120]], np.float32)
    cand = Candidate(quad, 2, 5.7, 1.0)
    image = np.full((300, 400), 255, np.uint8)
    monkeypatch.setattr(mrz_reader, "CONFIRM_PAST_LOOK_ALIKES", False)
    assert not reader._confirmed(image, cand, False, first, None)
    monkeypatch.setattr(mrz_reader, "CONFIRM_PAST_LOOK_ALIKES", True)
    assert reader._confirmed(image, cand, False, first, None)
    # Print of 8 px per character or more: the second cut's sure 'O' still refuses it.
    assert not reader._confirmed(image, Candidate(quad, 2, 8.2, 1.0), False, first, None)
    # A read the check digits did not mend there: the confirming cut's sure 'O' still
    # refuses it.
    plain = reader._read_scored(list(_O0_LINES), _scored(_O0_LINES, {}), None)
    assert plain.ok and plain.mended == ()
    assert not reader._confirmed(image, cand, False, plain, None)
