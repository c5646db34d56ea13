"""The receipt on paper, in a PDF, or as images for the screen (Qt, no widgets).

One paint routine serves every device: ``QPdfWriter`` (the PDF every printer is given) and
``QImage`` (shown on screen). Each page has a header painted directly — the QR code, the
reference in large type and the title in French and in the applicant's language — then the
body, a ``QTextDocument`` laid out for the device: one row per line, French in the first
column and the applicant's language beside it (right to left for Arabic and Dari). Qt embeds
the fonts it used (subsets) in the PDF.

Threads: everything here runs on the GUI thread, and refuses to run elsewhere
(:func:`require_gui_thread`). It used to run on a ``QThread`` of its own, and the soak test
hung twice: the render thread, holding Python's GIL, waited in ``QObject::connectImpl``
(``QTextDocument::documentLayout``) for one of Qt's signal-slot mutexes — a pool of 131
chosen by object address, so unrelated objects share one — which the GUI thread held while it
waited for the GIL (a PySide override lookup in ``QObject::disconnect``). Any QObject made or
used off the GUI thread by Python code can close that loop. The work is cut into steps
instead (:func:`pdf_steps`, :func:`image_steps`: the layout, then one page at a time) that
:func:`kiosk.render.jobs.run_in_slices` runs one per turn of the event loop, and only the
finished PDF's bytes go to a worker thread, which spools them without Qt
(``kiosk.devices.printer``, ``kiosk.render.jobs.PrintWorker``).

Every device a receipt is laid out on is destroyed explicitly once painted
(:func:`laid_out_on`): PySide keeps the device given to
``QAbstractTextDocumentLayout.setPaintDevice`` alive for good otherwise (its binding makes
the layout the device's parent and nothing drops that reference). A kiosk lost a whole
page image, or a ``QPdfWriter`` or ``QPrinter``, with every receipt that way: 1.7 MB an
applicant in the day-long soak test.
"""

from __future__ import annotations

import contextlib
import html
import logging
import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TypeVar

import qrcode
import shiboken6
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMarginsF,
    QPointF,
    QRectF,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
    QTextDocument,
    QTextOption,
)

from kiosk.domain.receipt import Printable
from kiosk.i18n import SOURCE_LANGUAGE, Translator, language
from kiosk.render.fonts import font_families

log = logging.getLogger(__name__)

MARGIN_MM = 15.0
PDF_DPI = 300
INK = QColor("#161616")
RULE = QColor("#6a6a6a")

_Device = TypeVar("_Device", bound=QPaintDevice)


@contextlib.contextmanager
def laid_out_on(device: _Device) -> Iterator[_Device]:
    """Hands ``device`` (created by the caller, for this receipt only) to the painting,
    then destroys it: the only way to free a device a ``QTextDocument`` was laid out on
    (see the module's docstring). Destroying a ``QPdfWriter`` also closes its file, or
    completes the PDF in its buffer."""
    try:
        yield device
    finally:
        shiboken6.delete(device)


def _families(code: str) -> list[str]:
    # French first: the French column and the numbers; the applicant's script next.
    out = font_families(SOURCE_LANGUAGE)
    return [f for f in font_families(code) if f not in out] + out if code != "fr" else out


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code's modules (no quiet zone: the page margin is one); [] for no text."""
    if not text:
        return []
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def _row_groups(receipt: Printable) -> list[list[str]]:
    """The body's table rows (French beside the applicant's language), grouped so that a
    group never breaks across pages: a section's heading with its first line, every
    other line alone (a row is never cut in two either)."""
    fr = Translator(SOURCE_LANGUAGE)
    fr_sections = receipt.sections(fr)
    bilingual = receipt.language != SOURCE_LANGUAGE
    other = Translator(receipt.language) if bilingual else fr
    sections = receipt.sections(other)
    rtl = language(receipt.language).rtl
    other_attrs = ' dir="rtl" align="right"' if rtl else ""
    scale = float(getattr(receipt, "text_scale", 1.0) or 1.0)
    heading_pt = 12.5 * scale
    groups: list[list[str]] = []
    for fr_sec, sec in zip(fr_sections, sections, strict=True):
        cells = [(fr_sec.heading, sec.heading, True)]
        cells += [(a, b, False) for a, b in zip(fr_sec.lines, sec.lines, strict=True)]
        keep_with_next = False
        for a, b, heading in cells:
            if not a and not b:
                continue
            style = (
                f' style="margin:0; font-weight:bold; font-size:{heading_pt:g}pt"'
                if heading
                else ' style="margin:0"'
            )
            pad = "padding-top:10px;" if heading else ""
            left = f'<td width="50%" style="{pad}"><p{style}>{html.escape(a)}</p></td>'
            if bilingual:
                right = (
                    f'<td width="50%" style="{pad}"><p{other_attrs}{style}>'
                    f"{html.escape(b)}</p></td>"
                )
                row = f"<tr>{left}{right}</tr>"
            else:
                row = f"<tr>{left.replace('50%', '100%')}</tr>"
            if keep_with_next:
                groups[-1].append(row)
            else:
                groups.append([row])
            keep_with_next = heading
    return groups


def _table(rows: list[str]) -> str:
    return (
        '<table width="100%" cellspacing="0" cellpadding="3" style="border-collapse:collapse">'
        + "".join(rows)
        + "</table>"
    )


class _Layout:
    """Sizes in device pixels for a device of ``dpi`` dots per inch."""

    def __init__(self, dpi: float, page: QRectF) -> None:
        self.dpi = dpi
        self.page = page  # printable area, device pixels, origin at the top-left margin
        self.qr_size = self.mm(34)
        self.header_h = self.qr_size + self.mm(6)
        self.footer_h = self.mm(6)
        self.body_h = page.height() - self.header_h - self.footer_h

    def mm(self, value: float) -> float:
        return value * self.dpi / 25.4


def _header(painter: QPainter, lay: _Layout, receipt: Printable, qr: list[list[bool]]) -> None:
    page = lay.page
    # QR code at the top left, as vector squares (crisp on any printer).
    n = max(1, len(qr))
    module = lay.qr_size / n
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#000000"))
    for r, row in enumerate(qr):
        for c, dark in enumerate(row):
            if dark:
                painter.drawRect(
                    QRectF(page.left() + c * module, page.top() + r * module, module, module)
                )
    painter.restore()
    left = float(page.left() + (lay.qr_size + lay.mm(8) if qr else 0))
    width = page.right() - left
    fr = Translator(SOURCE_LANGUAGE)
    other = Translator(receipt.language)
    title_font = QFont()
    title_font.setFamilies(_families(receipt.language))
    title_font.setPointSizeF(12)
    title_font.setBold(True)
    ref_font = QFont(title_font)
    ref_font.setPointSizeF(24)
    painter.setPen(INK)
    y = float(page.top())
    lines: list[tuple[QFont, str, bool]] = [(title_font, fr(receipt.title), False)]
    if receipt.language != SOURCE_LANGUAGE:
        lines.append((title_font, other(receipt.title), language(receipt.language).rtl))
    lines.append((ref_font, receipt.headline, False))
    for font, text, rtl in lines:
        painter.setFont(font)
        rect = QRectF(left, y, width, lay.header_h)
        option = QTextOption(Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft)
        option.setWrapMode(QTextOption.WrapMode.WordWrap)
        option.setTextDirection(
            Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight
        )
        bound = painter.boundingRect(rect, text, option)
        painter.drawText(rect, text, option)
        y += bound.height() + lay.mm(1.5)
    painter.setPen(RULE)
    rule_y = page.top() + lay.header_h - lay.mm(3)
    painter.drawLine(QPointF(page.left(), rule_y), QPointF(page.right(), rule_y))


BODY_PT = 10.5  # at 100 %; the applicant's text size scales the receipt's text too


def _new_document(
    receipt: Printable, device: QPaintDevice, lay: _Layout, rows: list[str]
) -> QTextDocument:
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(device)
    font = QFont()
    font.setFamilies(_families(receipt.language))
    font.setPointSizeF(BODY_PT * float(getattr(receipt, "text_scale", 1.0) or 1.0))
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    doc.setHtml(_table(rows))
    doc.setTextWidth(lay.page.width())
    return doc


def _pages(
    receipt: Printable, device: QPaintDevice, lay: _Layout
) -> Generator[None, None, list[QTextDocument]]:
    """The body cut into pages at whole row groups (``_row_groups``): no line of the
    receipt is ever split between two sheets. A group is measured on its own, then the
    groups are packed page by page. A step (``yield``) after each group measured and each
    page laid out: the layout is most of the work."""
    pages: list[list[str]] = [[]]
    used = 0.0
    for group in _row_groups(receipt):
        height = _new_document(receipt, device, lay, group).size().height()
        if pages[-1] and used + height > lay.body_h:
            pages.append([])
            used = 0.0
        pages[-1] += group
        used += height
        yield
    documents = []
    for rows in pages:
        documents.append(_new_document(receipt, device, lay, rows))
        yield
    return documents


def _paint_page(
    painter: QPainter,
    lay: _Layout,
    receipt: Printable,
    qr: list[list[bool]],
    pages: list[QTextDocument],
    index: int,
) -> None:
    _header(painter, lay, receipt, qr)
    painter.save()
    painter.translate(lay.page.left(), lay.page.top() + lay.header_h)
    pages[index].drawContents(painter, QRectF(0, 0, lay.page.width(), lay.body_h))
    painter.restore()
    count = len(pages)
    if count > 1:  # "1/2" at the bottom, so that an agent knows a page is missing
        font = QFont()
        font.setFamilies(_families(SOURCE_LANGUAGE))
        font.setPointSizeF(9)
        painter.setFont(font)
        painter.setPen(INK)
        footer = QRectF(
            lay.page.left(), lay.page.bottom() - lay.footer_h, lay.page.width(), lay.footer_h
        )
        painter.drawText(
            footer,
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom),
            f"{receipt.headline} — {index + 1}/{count}",
        )


def prepare_page(device: QPagedPaintDevice) -> None:
    device.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    device.setPageMargins(
        QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Unit.Millimeter
    )


def require_gui_thread() -> None:
    """Raise unless called on the GUI thread (the main thread: the kiosk's QApplication
    lives there). Asked of Python, not Qt: a thread that must not touch Qt cannot ask Qt."""
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError(
            "receipt painting runs on the GUI thread only (see kiosk.render.receipt_pdf)"
        )


def paint_steps(receipt: Printable, device: QPagedPaintDevice) -> Generator[None, None, int]:
    """Paint the receipt on a PDF writer already set up, one step at a time (a ``yield``
    after the QR code, each part of the layout and each page); returns the pages."""
    require_gui_thread()
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("cannot paint on this device (file unavailable)")
    try:
        rect = device.pageLayout().paintRectPixels(device.logicalDpiX())
        lay = _Layout(device.logicalDpiX(), QRectF(0, 0, rect.width(), rect.height()))
        qr = qr_matrix(receipt.qr_text)
        yield
        pages = yield from _pages(receipt, device, lay)
        for index in range(len(pages)):
            require_gui_thread()
            if index:
                device.newPage()
            _paint_page(painter, lay, receipt, qr, pages, index)
            yield
        return len(pages)
    finally:
        painter.end()


def paint_paged(receipt: Printable, device: QPagedPaintDevice) -> int:
    """Paint the receipt on a PDF writer already set up, at once; returns the pages."""
    return run_steps(paint_steps(receipt, device))


_T = TypeVar("_T")


def run_steps(steps: Generator[None, None, _T]) -> _T:
    """Run every step at once (tests, benchmarks; the kiosk runs them in slices)."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def _new_writer(target: str | QBuffer, title: str) -> QPdfWriter:
    writer = QPdfWriter(target)
    writer.setResolution(PDF_DPI)
    writer.setTitle(title)
    writer.setCreator("kiosk-titre-sejour")
    prepare_page(writer)
    return writer


def write_pdf(receipt: Printable, path: Path) -> int:
    """Write the receipt as an A4 PDF at ``path``; returns the number of pages."""
    require_gui_thread()
    title = Translator(SOURCE_LANGUAGE)(receipt.title)
    with laid_out_on(_new_writer(str(path), title)) as writer:  # destroyed: the file is closed
        return paint_paged(receipt, writer)


def pdf_steps(receipt: Printable) -> Generator[None, None, bytes]:
    """The receipt as an A4 PDF, in steps (:func:`paint_steps`); returns the PDF's bytes.
    What every printer is given (``kiosk.devices.printer.Printer.print_pdf``)."""
    require_gui_thread()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    title = Translator(SOURCE_LANGUAGE)(receipt.title)
    try:
        with laid_out_on(_new_writer(buffer, title)) as writer:  # destroyed: the PDF is complete
            yield from paint_steps(receipt, writer)
    finally:
        buffer.close()
    return bytes(data.data())


def pdf_bytes(receipt: Printable) -> bytes:
    """The receipt as an A4 PDF, at once."""
    return run_steps(pdf_steps(receipt))


def image_steps(
    receipt: Printable, dpi: int = 120, first_only: bool = False
) -> Generator[None, None, list[QImage]]:
    """The receipt's A4 pages as white images, in steps: the layout, then each page;
    returns the images (shown on screen; the fake printer's camera; scanned by tests).
    The text is laid out once, on a small image of the same resolution destroyed at the
    end (:func:`laid_out_on`); the pages are only painted on, so they are not kept alive."""
    require_gui_thread()
    size = QPageSize(QPageSize.PageSizeId.A4).sizePoints()
    width, height = round(size.width() * dpi / 72), round(size.height() * dpi / 72)
    margin = MARGIN_MM * dpi / 25.4
    page = QRectF(margin, margin, width - 2 * margin, height - 2 * margin)
    dpm = round(dpi / 0.0254)

    def blank(w: int, h: int) -> QImage:
        image = QImage(w, h, QImage.Format.Format_RGB32)
        image.setDotsPerMeterX(dpm)
        image.setDotsPerMeterY(dpm)
        image.fill(QColor("#ffffff"))
        return image

    images: list[QImage] = []
    with laid_out_on(blank(8, 8)) as device:
        lay = _Layout(device.logicalDpiX(), page)
        qr = qr_matrix(receipt.qr_text)
        yield
        pages = yield from _pages(receipt, device, lay)
        for index in range(1 if first_only else len(pages)):
            require_gui_thread()
            image = blank(width, height)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            try:
                _paint_page(painter, lay, receipt, qr, pages, index)
            finally:
                painter.end()
            images.append(image)
            yield
    return images


def render_images(receipt: Printable, dpi: int = 120, first_only: bool = False) -> list[QImage]:
    """The receipt's pages as images, at once (:func:`image_steps`)."""
    return run_steps(image_steps(receipt, dpi, first_only))
