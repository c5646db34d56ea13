"""The receipt on paper: rendered for every language on the GUI thread, one step per turn
of the event loop (as the kiosk does; never on another thread), then read back as a prefecture agent or a kiosk would — the text with
pdftotext, the fonts with pdffonts, the QR code decoded from the page rasterised by
pdftoppm — and the attestation de dépôt."""

from __future__ import annotations

import datetime as dt
import gc
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import cv2
import pytest
import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtGui import QImage, QPdfWriter

from contract.catalogue import load_catalogue
from kiosk.domain.receipt import (
    ReceiptContent,
    parse_qr,
)
from kiosk.i18n import LANGUAGES, Translator
from kiosk.render.jobs import run_in_slices
from kiosk.render.receipt_pdf import (
    image_steps,
    pdf_steps,
    write_pdf,
)
from kiosk.ui.controllers.receipt import decode_qr, qimage_to_bgr
from tests.fixtures.receipts import NOW, REFERENCE, SECRET, full_receipt_of
from tests.fixtures.receipts import attestation as sample_attestation

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(
        shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
        reason="poppler-utils (pdftotext, pdftoppm, pdffonts) is needed: scripts/bootstrap.sh test",
    ),
]


def make_receipt(language: str, reference: str = REFERENCE) -> ReceiptContent:
    procedure = load_catalogue().procedure("renewal-student")
    return full_receipt_of(procedure, language, local_reference=reference)


def _in_slices(qtbot: Any, steps: Any) -> Any:
    """Run painting steps as the kiosk does: one per turn of the GUI thread's event loop
    (kiosk.render.jobs.run_in_slices); return the result."""
    context = QObject()
    out: list[Any] = []
    run_in_slices(steps, context, out.append, out.append)
    qtbot.waitUntil(lambda: bool(out), timeout=30_000)
    assert not isinstance(out[0], BaseException), out
    return out[0]


def _letters(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalpha())


COLUMN_X = 297  # points: the middle of an A4 page's text area (two columns)


def _pdftotext(path: Path, x: int = 0, width: int = 0) -> str:
    """The text of a PDF, or of a vertical band of it (``x``, ``width`` in points)."""
    crop = ["-x", str(x), "-y", "0", "-W", str(width), "-H", "900"] if width else []
    return subprocess.run(
        ["pdftotext", *crop, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _squash(text: str) -> str:
    """pdftotext output without line breaks and with single spaces (long lines wrap), its
    ligatures ("ﬁ") and Arabic presentation forms undone, no bidi control characters."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")  # bidi embeddings
    return " ".join(text.split())


def live_devices() -> int:
    """Paint devices (page images, PDF writers) alive on the Python side."""
    gc.collect()
    return sum(isinstance(w, QImage | QPdfWriter) for w in shiboken6.getAllValidWrappers())


def test_no_device_outlives_its_receipt(qtbot: Any, tmp_path: Path) -> None:
    """PySide keeps whatever a QTextDocument was laid out on alive for good unless it is
    destroyed (receipt_pdf.laid_out_on): a page image, a PDF writer or a printer lost per
    receipt, 1.7 MB an applicant in the soak test (tests/soak) before."""
    receipt = make_receipt("fr")
    before = live_devices()
    for i in range(3):
        write_pdf(receipt, tmp_path / f"receipt-{i}.pdf")
        assert _in_slices(qtbot, pdf_steps(receipt)).startswith(b"%PDF")
        pages = _in_slices(qtbot, image_steps(receipt))
    assert live_devices() == before + len(pages)  # only the images handed back
    assert not pages[0].isNull() and pages[0].pixelColor(0, 0).name() == "#ffffff"
    del pages
    assert live_devices() == before
    # The PDF file is complete and closed once written (the writer destroyed).
    assert (tmp_path / "receipt-2.pdf").read_bytes().rstrip().endswith(b"%%EOF")


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_receipt_in_every_language_reads_back(qtbot: Any, tmp_path: Path, code: str) -> None:
    receipt = make_receipt(code)
    path = tmp_path / f"receipt-{code}.pdf"
    pages = write_pdf(receipt, path)
    assert pages >= 1 and path.stat().st_size > 1000

    flat = _squash(_pdftotext(path))
    # Bilingual: French in the left column; alone, it takes the whole width.
    french = _squash(_pdftotext(path, 0, COLUMN_X)) if code != "fr" else flat
    other = _squash(_pdftotext(path, COLUMN_X, 600))  # the right one: the applicant's
    fr, tr = Translator("fr"), Translator(code)
    procedure = load_catalogue().procedure("renewal-student")
    assert "K-7K3M-9QXD" in flat
    assert "26/11/2026" in flat
    labels = [fr(d.label) for d in procedure.documents_for({})]
    for expected in (fr(procedure.title), *labels):
        assert _squash(expected) in french
    if code != "fr":
        # Right to left: pdftotext may move digits and punctuation about; the letters stay.
        key = _letters if LANGUAGES[code].rtl else _squash
        for expected in (procedure.title, *[d.label for d in procedure.documents_for({})]):
            assert key(tr(expected)) in key(other), (code, expected)
        assert _squash(tr(receipt.title)) in flat
    # No identity and no secret in the text.
    assert SECRET not in flat

    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts, "no font in the PDF"
    for line in fonts:  # columns from the right: emb sub uni object ID
        assert line.split()[-5] == "yes", line

    # The page as a printer would put it on paper (150 dpi), then the QR code read back.
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
    )
    image = cv2.imread(str(next(tmp_path.glob("page*.png"))))
    assert parse_qr(decode_qr(image)) == ("K-7K3M-9QXD", SECRET)


def test_fonts_are_embedded_for_arabic_and_chinese(qtbot: Any, tmp_path: Path) -> None:
    for code in ("ar", "fa", "zh"):
        path = tmp_path / f"{code}.pdf"
        write_pdf(make_receipt(code), path)
        out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
        rows = [line.split() for line in out.stdout.splitlines()[2:]]
        assert len(rows) >= (1 if code == "zh" else 2), out.stdout  # Latin, then the script's
        # Columns from the right: ... emb sub uni object ID
        assert all(row[-5] == "yes" for row in rows), out.stdout


def test_images_for_the_screen_carry_the_same_qr(qtbot: Any) -> None:
    pages = _in_slices(qtbot, image_steps(make_receipt("ar", "K-2345-6789")))
    assert pages and not pages[0].isNull()
    assert parse_qr(decode_qr(qimage_to_bgr(pages[0]))) == ("K-2345-6789", SECRET)


def test_attestation_names_the_applicant_and_has_no_qr(qtbot: Any, tmp_path: Path) -> None:
    procedure = load_catalogue().procedure("renewal-student")
    attestation = sample_attestation(
        central_reference="PREF-2026-000042",
        procedure_label=procedure.title,
        examined_since=NOW + dt.timedelta(days=3),
        issued_at=NOW + dt.timedelta(days=10),
        language="fa",
    )
    data = _in_slices(qtbot, pdf_steps(attestation))
    path = tmp_path / "attestation.pdf"
    path.write_bytes(data)
    flat = _squash(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    )
    for expected in ("PREF-2026-000042", "Haddad", "Nour", "14/03/2001", "29/11/2026"):
        assert expected in flat
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(path), str(tmp_path / "a")], check=True)
    image = cv2.imread(str(next(tmp_path.glob("a*.png"))))
    assert decode_qr(image) == ""
