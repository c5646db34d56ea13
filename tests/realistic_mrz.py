"""A realistic MRZ test set, generated: document pages that look like real ones, captured
the ways real ones are (flatbed scans, the kiosk's camera, a still photo), and negatives
that carry no MRZ at all. Used by the locator's regression tests
(``tests/unit/devices/test_mrz_realistic.py``) and by ``benchmarks/mrz.py``.

It extends the project's sample generator (``kiosk.devices.samples.documents``: invented
identities, OCR-B at the ICAO pitch, security-print backgrounds) and lives outside the
runtime package: the kiosk never needs it.

Pages (:func:`render_page`), one design per ICAO format, at any resolution:

* TD3 passport data page (125 x 88 mm, 2 x 44), TD2 card (105 x 74 mm, 2 x 36), TD1 card
  back (85.6 x 54 mm, 3 x 30), MRV-A visa (120 x 80 mm, 2 x 44) and MRV-B visa
  (105 x 74 mm, 2 x 36), the MRZ in OCR-B at its place for the format;
* security print: a two-colour gradient, guilloche waves and rosettes, microprint rules,
  a faint emblem, continuing (lighter) under the MRZ on some designs;
* a portrait (backdrop, hair, face, clothes, texture) and on some a ghost portrait;
* printed fields in several fonts and sizes (DejaVu Sans/Serif/Mono, Noto Sans/Serif,
  condensed, bold, OCR-B document numbers), bilingual labels, and on purpose lines that
  look like an MRZ band to a naive locator: "PASSPORT OFFICE ..." authority lines, long
  upper-case headers, a perforated number, two-line address blocks of equal length;
* a laminate: a holographic pattern and a sheen over everything, the MRZ included.

Captures (:func:`capture`), each a ``Capture`` with its truth:

* ``scan``: a flatbed scan at 150-300 dpi, cropped near the document, 0/90/180/270 degrees
  plus up to 3 degrees of skew, downscaled to 250-1000 px wide (never under 7 px per MRZ
  character: below that see ``tiny``), JPEG 30-95; some TD3 scans hold the facing page;
* ``tiny``: the same, 5-7 px per character (reported apart; reading there is a bonus);
* ``camera``: the kiosk's camera (1920 x 1080 or 1280 x 720), the document on the tray,
  perspective up to 30 degrees, 0/90/180/270 plus +-15 degrees, 8-30 px per character,
  edges cut off (never the MRZ), a finger over a corner, glare on the laminate, a
  shadow, motion blur, sensor noise, JPEG 30-95;
* ``photo``: a still photo of the data page up close (25-60 px per character), any
  rotation, mild perspective and blur;
* negatives (``truth`` None), captured the same ways: payment cards, letters, photos of
  scenes, identity-card fronts (no MRZ) and payment slips with an OCR-B code line.

Everything is seeded: ``capture(kind, index, seed)`` gives the same image every time.
"""

from __future__ import annotations

import datetime as dt
import glob
import math
import os
from dataclasses import dataclass, field, replace
from functools import cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from kiosk.devices.samples.documents import (
    _STATE_NAMES,
    MRZ_PITCH_MM,
    Degradation,
    _add_noise,
    _fmt_date,
    ocrb_font_path,
    place,
    random_identity,
    random_person,
    table,
)
from kiosk.domain.mrz import Format, Identity, format_mrz

TODAY = dt.date(2026, 11, 26)
_OCRB_ADVANCE_EM = 0.723

# Page size (mm) and MRZ layout: left margin and bottom baseline (mm), line distance (mm).
_PAGES: dict[Format, tuple[float, float]] = {
    Format.TD3: (125.0, 88.0),
    Format.TD2: (105.0, 74.0),
    Format.TD1: (85.6, 54.0),
    Format.MRV_A: (120.0, 80.0),
    Format.MRV_B: (105.0, 74.0),
}
_MRZ_LINE_MM = {Format.TD1: 4.3, Format.TD2: 4.4, Format.TD3: 4.4, Format.MRV_A: 4.4,
                Format.MRV_B: 4.4}  # fmt: skip
FORMATS = (Format.TD3, Format.TD1, Format.TD2, Format.MRV_A, Format.MRV_B)
KINDS = ("scan", "camera", "photo", "tiny")
NEGATIVES = ("payment_card", "letter", "scene", "id_front", "payment_slip")


# --------------------------------------------------------------------------- fonts


@cache
def _font_files() -> dict[str, str]:
    """Text fonts by style (DejaVu is on every Debian; Noto when fonts-noto-core is)."""
    candidates = {
        "sans": "dejavu/DejaVuSans.ttf",
        "sans_bold": "dejavu/DejaVuSans-Bold.ttf",
        "sans_cond": "dejavu/DejaVuSansCondensed.ttf",
        "sans_oblique": "dejavu/DejaVuSans-Oblique.ttf",
        "serif": "dejavu/DejaVuSerif.ttf",
        "serif_bold": "dejavu/DejaVuSerif-Bold.ttf",
        "mono": "dejavu/DejaVuSansMono.ttf",
        "mono_bold": "dejavu/DejaVuSansMono-Bold.ttf",
        "noto_sans": "noto/NotoSans-Regular.ttf",
        "noto_bold": "noto/NotoSans-Bold.ttf",
        "noto_serif": "noto/NotoSerif-Regular.ttf",
        "noto_italic": "noto/NotoSerif-Italic.ttf",
    }
    out = {}
    for style, rel in candidates.items():
        path = f"/usr/share/fonts/truetype/{rel}"
        if os.path.exists(path):
            out[style] = path
    if not out:
        found = sorted(glob.glob("/usr/share/fonts/**/*.ttf", recursive=True))
        out = {"sans": found[0]} if found else {}
    out["ocrb"] = ocrb_font_path()
    return out


@cache
def font(style: str, size_px: int) -> ImageFont.FreeTypeFont:
    files = _font_files()
    return ImageFont.truetype(files.get(style, files.get("sans", files["ocrb"])), max(5, size_px))


def _styles(rng: np.random.Generator) -> tuple[str, str, str]:
    """(label, value, header) fonts of one document design."""
    text = [s for s in _font_files() if s != "ocrb"]
    label = str(rng.choice([s for s in text if "bold" not in s] or text))
    value = str(rng.choice([*text, "ocrb"]))  # some issuers print the fields in OCR-B
    header = str(rng.choice([s for s in text if "bold" in s or "serif" in s] or text))
    return label, value, header


# --------------------------------------------------------------------------- security print


def _axes(w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column coordinates as a column and a row (they broadcast to the image)."""
    return (
        np.arange(h, dtype=np.float32)[:, None],
        np.arange(w, dtype=np.float32)[None, :],
    )


def _gradient(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    a = rng.integers(175, 245, 3).astype(np.float32)
    b = rng.integers(175, 245, 3).astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    y, x = _axes(w, h)
    t = (math.cos(angle) * x / w + math.sin(angle) * y / h + 1) / 2
    t = np.clip(t + 0.15 * np.sin(x / w * rng.uniform(2, 6) + y / h * rng.uniform(1, 4)), 0, 1)
    return a[None, None, :] * (1 - t[..., None]) + b[None, None, :] * t[..., None]


def security_background(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """A light, busy background: gradient, guilloche waves, a rosette, microprint rules."""
    base = _gradient(w, h, rng)
    y, x = _axes(w, h)
    s = 2 * math.pi / max(w, h)
    ink = np.zeros((h, w), np.float32)
    # Guilloche: families of interleaved sine waves, thin lines.
    for _ in range(int(rng.integers(1, 4))):
        f1, f2 = rng.uniform(2, 9), rng.uniform(12, 40)
        amp = rng.uniform(0.5, 3)
        ph = rng.uniform(0, 2 * math.pi)
        wave = np.sin(f2 * s * y + amp * np.sin(f1 * s * x + ph))
        ink += (np.abs(wave) < rng.uniform(0.05, 0.14)).astype(np.float32) * rng.uniform(0.4, 1)
    # A rosette around a random centre.
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    r = np.hypot(x - cx, y - cy) + 1e-3
    th = np.arctan2(y - cy, x - cx)
    k = int(rng.integers(8, 24))
    ros = np.sin(r * s * rng.uniform(20, 60) + 3 * np.sin(k * th))
    ink += (np.abs(ros) < 0.08).astype(np.float32) * (r < 0.35 * max(w, h)) * rng.uniform(0.3, 0.9)
    # Microprint rules (rows of tiny dashes).
    if rng.random() < 0.5:
        period = max(3, int(rng.integers(6, 14) * max(w, h) / 1200))
        rows = ((y.astype(np.int32) % (period * 4)) == 0) & ((x.astype(np.int32) // 2) % 3 != 0)
        ink += rows.astype(np.float32) * 0.5
    colour = rng.integers(60, 200, 3).astype(np.float32)
    strength = rng.uniform(0.25, 0.6)
    ink = np.clip(ink, 0, 1) * strength
    out = base * (1 - ink[..., None]) + colour[None, None, :] * ink[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def _portrait(w: int, h: int, rng: np.random.Generator, ghost: bool = False) -> Image.Image:
    """A passport-style portrait: plain backdrop, shoulders, face, hair, some texture."""
    back = tuple(int(v) for v in rng.integers(170, 235, 3))
    img = Image.new("RGB", (w, h), back)  # type: ignore[arg-type]
    d = ImageDraw.Draw(img)
    cloth = tuple(int(v) for v in rng.integers(10, 120, 3))
    skin_base = rng.choice([(224, 188, 160), (198, 150, 110), (150, 105, 75), (95, 65, 45)])
    skin = tuple(int(v + rng.integers(-15, 15)) for v in skin_base)
    hair = tuple(int(v) for v in rng.integers(5, 90, 3))
    d.ellipse((w * -0.05, h * 0.72, w * 1.05, h * 1.45), fill=cloth)  # type: ignore[arg-type]
    d.rectangle((w * 0.4, h * 0.55, w * 0.6, h * 0.8), fill=skin)  # type: ignore[arg-type]
    d.ellipse((w * 0.22, h * 0.1, w * 0.78, h * 0.5), fill=hair)  # type: ignore[arg-type]
    d.ellipse((w * 0.27, h * 0.18, w * 0.73, h * 0.66), fill=skin)  # type: ignore[arg-type]
    for ex in (0.4, 0.6):  # eyes, brows, mouth
        d.ellipse((w * (ex - 0.04), h * 0.37, w * (ex + 0.04), h * 0.41), fill=(40, 30, 30))
        d.line(
            (w * (ex - 0.06), h * 0.34, w * (ex + 0.06), h * 0.335),
            fill=hair,
            width=max(1, w // 40),
        )  # type: ignore[arg-type]
    d.line((w * 0.42, h * 0.55, w * 0.58, h * 0.55), fill=(120, 50, 50), width=max(1, w // 40))
    arr = np.asarray(img).astype(np.float32)
    arr = cv2.GaussianBlur(arr, (0, 0), max(0.5, w / 150))
    arr += rng.normal(0, 6, arr.shape).astype(np.float32)
    if ghost:
        g = arr.mean(axis=2, keepdims=True)
        arr = 255 - (255 - np.repeat(g, 3, axis=2)) * 0.35
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _laminate(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A holographic overlay (rainbow curves, emblems) and a faint sheen, over everything."""
    h, w = img.shape[:2]
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    s = 2 * math.pi / max(w, h)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    r = np.hypot(x - cx, y - cy)
    rings = (np.abs(np.sin(r * s * rng.uniform(8, 20))) < 0.06).astype(np.float32)
    waves = np.abs(np.sin(y * s * rng.uniform(10, 30) + 2 * np.sin(x * s * 4))) < 0.04
    pattern = np.clip(rings + waves.astype(np.float32), 0, 1)
    hue = (x / w * 180 + y / h * 90 + rng.uniform(0, 180)) % 180
    hsv = np.stack([hue, np.full_like(hue, 160), np.full_like(hue, 230)], axis=2).astype(np.uint8)
    rainbow = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR).astype(np.float32)
    alpha = pattern[..., None] * rng.uniform(0.06, 0.18)
    out = img.astype(np.float32) * (1 - alpha) + rainbow * alpha
    sheen = 1 + rng.uniform(0.0, 0.06) * np.sin(x / w * math.pi * rng.uniform(0.5, 2))[..., None]
    return np.clip(out * sheen, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Page:
    """A flat page and its truth: the MRZ lines (empty for a negative) and their box."""

    image: np.ndarray  # BGR
    px_per_mm: float
    fmt: Format | None
    mrz_lines: tuple[str, ...] = ()
    mrz_box: tuple[float, float, float, float] | None = None  # x0, y0, x1, y1
    kind: str = "document"


def draw_mrz(
    draw: ImageDraw.ImageDraw,
    lines: tuple[str, ...],
    x0: float,
    y_bottom: float,
    mm: float,
    line_mm: float,
    ink: tuple[int, int, int] = (22, 22, 26),
) -> tuple[float, float, float, float]:
    """The MRZ in OCR-B at 2.54 mm a character, each character placed at its pitch."""
    pitch = mm * MRZ_PITCH_MM
    size = round(pitch / _OCRB_ADVANCE_EM * 1.0)
    f = font("ocrb", size)
    gap = mm * line_mm
    for i, line in enumerate(lines):
        y = y_bottom - gap * (len(lines) - 1 - i)
        for k, ch in enumerate(line):
            draw.text((x0 + k * pitch, y), ch, font=f, fill=ink, anchor="ls")
    top = y_bottom - gap * (len(lines) - 1) - size * 0.72
    return (x0, top, x0 + pitch * len(lines[0]), y_bottom + size * 0.04)


_AUTHORITIES = ("PASSPORT OFFICE", "MINISTRY OF INTERIOR", "MINISTERE DE L'INTERIEUR",
                "DIRECTION GENERALE DE LA SURETE", "CONSULATE GENERAL", "HOME OFFICE",
                "IMMIGRATION DEPARTMENT", "REGISTRO CIVIL")  # fmt: skip
_CITIES = ("LONDON", "DAKAR", "ALGER", "KYIV", "BEIJING", "KABUL", "BOGOTA", "LUANDA",
           "TBILISI", "DHAKA", "PORT-AU-PRINCE", "HANOI", "ISTANBUL", "BAMAKO")  # fmt: skip
_TITLES = {
    Format.TD3: ("PASSPORT", "PASSEPORT", "PASAPORTE", "REISEPASS"),
    Format.TD2: ("IDENTITY CARD", "CARTE D'IDENTITE", "TRAVEL DOCUMENT"),
    Format.TD1: ("RESIDENCE PERMIT", "IDENTITY CARD", "TITRE DE SEJOUR", "DOCUMENTO DE IDENTIDAD"),
    Format.MRV_A: ("VISA", "SCHENGEN VISA", "ENTRY VISA"),
    Format.MRV_B: ("VISA", "VISA DE SEJOUR", "TRANSIT VISA"),
}


def identity_for(fmt: Format, rng: np.random.Generator) -> Identity:
    """An invented identity for ``fmt`` (the project's generator, visas and TD2 too)."""
    ident = random_identity(rng, fmt, TODAY)
    if fmt in (Format.MRV_A, Format.MRV_B):
        code = str(rng.choice(["V", "VC", "VD"]))
        width = 16 if fmt is Format.MRV_A else 8
        optional = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(0, width))))
        ident = replace(ident, document_code=code, optional_data=optional,
                        issuing_state=str(rng.choice(["FRA", "D", "ITA", "ESP", "BEL", "GBR"])))  # fmt: skip
    elif fmt is Format.TD2:
        code = str(rng.choice(["I", "ID", "AC", "IR"]))
        ident = replace(ident, document_code=code)
    return ident


def render_page(
    fmt: Format,
    rng: np.random.Generator,
    px_per_mm: float = 12.0,
    *,
    identity: Identity | None = None,
    laminate: bool | None = None,
) -> Page:
    """A realistic page of ``fmt`` with an invented identity."""
    ident = identity or identity_for(fmt, rng)
    wmm, hmm = _PAGES[fmt]
    mm = px_per_mm
    w, h = round(wmm * mm), round(hmm * mm)
    bg = security_background(w, h, rng)
    mrz_zone = {Format.TD1: 18.5}.get(fmt, 23.0)
    # Under the MRZ: plain (lighter) on some designs, the security print faded on others.
    zone_top = round(h - mrz_zone * mm)
    fade = rng.uniform(0.35, 1.0)
    light = np.full_like(bg[zone_top:], 245) * np.array(rng.integers(232, 252, 3) / 245)
    bg[zone_top:] = np.clip(bg[zone_top:] * (1 - fade) + light * fade, 0, 255).astype(np.uint8)
    img = Image.fromarray(cv2.cvtColor(bg, cv2.COLOR_BGR2RGB))
    draw = ImageDraw.Draw(img)
    label_f, value_f, head_f = _styles(rng)
    dark = tuple(int(v) for v in rng.integers(5, 60, 3))
    label_ink = tuple(int(v) for v in rng.integers(40, 120, 3))
    state = ident.issuing_state
    title = str(rng.choice(_TITLES[fmt]))
    scale = wmm / 125
    # Header: state name and title, sometimes with a second language, long and upper-case.
    hsize = round(mm * rng.uniform(2.8, 4.2) * scale)
    header = _STATE_NAMES.get(state, state)
    if rng.random() < 0.5:
        header = f"{header}  {title}  {title}"
    draw.text((mm * 5 * scale, mm * 3), header, font=font(head_f, hsize), fill=label_ink)
    if rng.random() < 0.6:
        sub = " / ".join(str(t) for t in rng.choice(_TITLES[fmt], 2, replace=False))
        draw.text((mm * 5 * scale, mm * 3 + hsize * 1.25), sub.upper(),
                  font=font(label_f, round(hsize * 0.6)), fill=label_ink)  # fmt: skip
    # Portrait at the left (cards: left or right), a ghost image on some.
    photo_w = mm * {Format.TD1: 22, Format.TD2: 26}.get(fmt, 30)
    photo_h = photo_w * 1.28
    photo_x = mm * 4 if fmt is not Format.TD1 or rng.random() < 0.5 else w - photo_w - mm * 4
    photo_y = mm * (12 if fmt is not Format.TD1 else 5)
    if fmt is Format.TD1:  # the back of the card: small photo, address block
        photo_w, photo_h = mm * 13, mm * 17
        photo_x, photo_y = w - photo_w - mm * 4, mm * 4
    if photo_y + photo_h < zone_top - mm:
        img.paste(_portrait(round(photo_w), round(photo_h), rng), (round(photo_x), round(photo_y)))
    if rng.random() < 0.4 and fmt is not Format.TD1:
        gw = round(photo_w * 0.45)
        img.paste(_portrait(gw, round(gw * 1.28), rng, ghost=True),
                  (round(w - gw - mm * 5), round(zone_top - gw * 1.28 - mm * 2)))  # fmt: skip
    # Printed fields.
    lsize = round(mm * rng.uniform(1.5, 2.2) * max(scale, 0.75))
    vsize = round(mm * rng.uniform(2.3, 3.4) * max(scale, 0.75))
    x = mm * 4 if fmt is Format.TD1 else photo_x + photo_w + mm * 4 if photo_x < w / 2 else mm * 5
    extra = ident.extra
    expiry = ident.expiry_date if isinstance(ident.expiry_date, dt.date) else TODAY
    issued = (
        expiry.replace(year=expiry.year - 10)
        if expiry.month != 2
        else expiry.replace(year=expiry.year - 10, day=1)
    )
    rows: list[list[tuple[str, str]]] = [
        [("Surname / Nom", extra.get("surname_print", ident.surname).upper())],
        [("Given names / Prénoms", extra.get("given_print", ident.given_names).upper())],
        [("Nationality / Nationalité", _STATE_NAMES.get(ident.nationality, ident.nationality)),
         ("Sex / Sexe", ident.sex)],
        [("Date of birth / Date de naissance", _fmt_date(ident.birth_date)),
         ("Place of birth", str(rng.choice(_CITIES)))],
        [("Date of issue / Date de délivrance", _fmt_date(issued)),
         ("Date of expiry / Date d'expiration", _fmt_date(expiry))],
        [("Authority / Autorité", f"{rng.choice(_AUTHORITIES)} {rng.choice(_CITIES)}")],
    ]  # fmt: skip
    if fmt is Format.TD1:
        rows = [
            [("Address / Adresse", f"{int(rng.integers(1, 200))} RUE DES LILAS")],
            [("", f"{int(rng.integers(10000, 99999))} {rng.choice(_CITIES)}")],
            [("Remarks / Mentions", str(rng.choice(["AUTORISE A TRAVAILLER", "VIE PRIVEE ET FAMILIALE", "ETUDIANT"])))],
            [("Date of issue", _fmt_date(issued)), ("Authority", str(rng.choice(_AUTHORITIES)))],
        ]  # fmt: skip
    y = mm * (12 if fmt is not Format.TD1 else 5)
    rowgap = (zone_top - y - mm * 4) / (len(rows) + 0.5)
    for row in rows:
        xx = x
        for name, text in row:
            if y + lsize + vsize > zone_top - mm * 1.5:
                break
            if name:
                draw.text((xx, y), name, font=font(label_f, lsize), fill=label_ink)
            draw.text((xx, y + lsize * 1.15), text, font=font(value_f, vsize), fill=dark)
            xx += max(mm * 30 * scale, font(value_f, vsize).getlength(text) + mm * 5)
        y += rowgap
    # The document number, in OCR-B or bold, top right; perforated on some passports.
    number = ident.document_number
    nfont = font(str(rng.choice(["ocrb", label_f, head_f])), round(vsize * 1.1))
    draw.text(
        (w - mm * 5 - nfont.getlength(number), mm * 3),
        number,
        font=nfont,
        fill=(160, 20, 30) if rng.random() < 0.3 else dark,
    )
    if fmt is Format.TD3 and rng.random() < 0.4:
        r = max(1, round(mm * 0.25))
        for k, _ch in enumerate(number):
            cy = mm * 20 + k * mm * 4
            if cy > zone_top - mm * 4:
                break
            draw.ellipse((w - mm * 3 - r, cy - r, w - mm * 3 + r, cy + r), fill=(90, 80, 70))
    # A signature.
    if fmt is not Format.TD1:
        sx, sy = x, zone_top - mm * 5
        pts = [
            (sx + i * mm * 1.4, sy + math.sin(i * 1.3 + rng.uniform(0, 3)) * mm * 1.6)
            for i in range(18)
        ]
        draw.line(pts, fill=(30, 30, 110), width=max(1, round(0.3 * mm)))
    lines = format_mrz(ident)
    ink = tuple(int(v) for v in rng.integers(10, 45, 3))
    left = (wmm - MRZ_PITCH_MM * len(lines[0])) / 2 + rng.uniform(-0.8, 0.8)
    bottom = hmm - {Format.TD1: 3.0}.get(fmt, 4.2) + rng.uniform(-0.6, 0.6)
    box = draw_mrz(draw, lines, left * mm, bottom * mm, mm, _MRZ_LINE_MM[fmt], ink)  # type: ignore[arg-type]
    page = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    if laminate if laminate is not None else rng.random() < 0.7:
        page = _laminate(page, rng)
    return Page(page, mm, fmt, lines, box)


def facing_page(w: int, h: int, rng: np.random.Generator, mm: float) -> np.ndarray:
    """The passport's facing page (above the data page in an open booklet): security print,
    observations in several fonts, sometimes a stamp."""
    img = Image.fromarray(cv2.cvtColor(security_background(w, h, rng), cv2.COLOR_BGR2RGB))
    d = ImageDraw.Draw(img)
    _label_f, value_f, head_f = _styles(rng)
    y = mm * 8
    d.text(
        (mm * 8, y),
        "OBSERVATIONS / OBSERVATIONS",
        font=font(head_f, round(mm * 3)),
        fill=(40, 40, 80),
    )
    y += mm * 8
    words = ["THE", "BEARER", "IS", "AUTHORIZED", "TO", "TRAVEL", "VALID", "FOR", "ALL", "COUNTRIES",
             "EXCEPT", "SEE", "PAGE", "RENEWED", "UNTIL", "REQUESTS", "ALL", "WHOM", "IT", "MAY", "CONCERN"]  # fmt: skip
    while y < h - mm * 10:
        text = " ".join(str(x) for x in rng.choice(words, int(rng.integers(5, 10))))
        d.text((mm * 8, y), text, font=font(value_f, round(mm * 2.6)), fill=(30, 30, 40))
        y += mm * rng.uniform(4.5, 7)
    if rng.random() < 0.6:
        cx, cy, r = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h, mm * 12
        d.ellipse(
            (cx - r, cy - r, cx + r, cy + r), outline=(120, 40, 140), width=max(1, round(mm * 0.6))
        )
        d.text(
            (cx - r * 0.7, cy - mm * 2),
            "ENTRY 12.03",
            font=font(head_f, round(mm * 3)),
            fill=(120, 40, 140),
        )
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


# --------------------------------------------------------------------------- negatives


def render_negative(kind: str, rng: np.random.Generator, px_per_mm: float = 8.0) -> Page:
    """A page with no MRZ: ``payment_card``, ``letter``, ``scene``, ``id_front``,
    ``payment_slip``."""
    mm = px_per_mm
    if kind == "payment_card":
        w, h = round(85.6 * mm), round(54 * mm)
        img = Image.fromarray(
            cv2.cvtColor(_gradient(w, h, rng).astype(np.uint8), cv2.COLOR_RGB2BGR)
        )
        d = ImageDraw.Draw(img)
        d.rounded_rectangle((mm * 8, mm * 16, mm * 20, mm * 25), radius=mm, fill=(200, 170, 90))
        digits = " ".join("".join(str(x) for x in rng.integers(0, 10, 4)) for _ in range(4))
        d.text((mm * 7, mm * 33), digits, font=font("ocrb", round(mm * 4.2)), fill=(30, 30, 30))
        person = random_person(rng, TODAY)
        d.text((mm * 7, mm * 44), f"{person.given_names} {person.surname}".upper(),
               font=font("ocrb", round(mm * 3.2)), fill=(30, 30, 30))  # fmt: skip
        d.text((mm * 45, mm * 39), f"VALID THRU {rng.integers(1, 13):02d}/{rng.integers(27, 33)}",
               font=font("mono", round(mm * 2.4)), fill=(30, 30, 30))  # fmt: skip
        d.text((mm * 7, mm * 5), str(rng.choice(["BANQUE POPULAIRE", "DEBIT CARD", "CREDIT MUTUEL"])),
               font=font("sans_bold", round(mm * 4)), fill=(250, 250, 250))  # fmt: skip
        return Page(cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR), mm, None, kind=kind)
    if kind == "letter":
        from kiosk.devices.samples.documents import render_letter

        doc = render_letter(rng, px_per_mm=mm * 0.5)
        return Page(doc.image, mm * 0.5, None, kind=kind)
    if kind == "scene":
        w, h = round(120 * mm), round(90 * mm)
        img = _gradient(w, h, rng)
        out = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
        d = ImageDraw.Draw(out)
        for _ in range(int(rng.integers(10, 40))):
            x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
            x1, y1 = x0 + rng.uniform(5, w / 3), y0 + rng.uniform(5, h / 3)
            c = tuple(int(v) for v in rng.integers(0, 255, 3))
            if rng.random() < 0.5:
                d.ellipse((x0, y0, x1, y1), fill=c)
            else:
                d.rectangle((x0, y0, x1, y1), fill=c)
        for _ in range(int(rng.integers(0, 6))):  # a sign, a shop front
            d.text((rng.uniform(0, w * 0.6), rng.uniform(0, h * 0.9)),
                   str(rng.choice(["BOULANGERIE", "SORTIE", "PHARMACIE", "BUS 38", "HOTEL DE VILLE"])),
                   font=font("sans_bold", round(mm * rng.uniform(3, 8))), fill=(20, 20, 20))  # fmt: skip
        arr = cv2.GaussianBlur(np.asarray(out).astype(np.float32), (0, 0), 1.0)
        arr = arr + rng.normal(0, 8, arr.shape)
        return Page(np.clip(arr, 0, 255).astype(np.uint8), mm, None, kind=kind)
    if kind == "id_front":
        ident = identity_for(Format.TD1, rng)
        page = render_page(Format.TD1, rng, mm, identity=ident)
        # The front: the same design with the MRZ zone given to more printed fields.
        img = Image.fromarray(cv2.cvtColor(page.image, cv2.COLOR_BGR2RGB))
        d = ImageDraw.Draw(img)
        w, h = img.size
        d.rectangle((0, h - 19 * mm, w, h), fill=tuple(int(v) for v in rng.integers(215, 245, 3)))
        f = font(str(rng.choice(["sans", "mono", "serif", "noto_sans"])), round(mm * 2.8))
        d.text(
            (mm * 4, h - 16 * mm),
            f"{ident.surname}  {ident.given_names}".upper(),
            font=f,
            fill=(20, 20, 20),
        )
        d.text(
            (mm * 4, h - 10 * mm),
            f"{ident.document_number}  {_fmt_date(ident.birth_date)}  {ident.nationality}",
            font=f,
            fill=(20, 20, 20),
        )
        return Page(cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR), mm, None, kind=kind)
    if kind == "payment_slip":
        # A payment slip whose code line is OCR-B, like an MRZ line but not one.
        w, h = round(210 * mm * 0.6), round(106 * mm * 0.6)
        img = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(235, 255, 3)))
        d = ImageDraw.Draw(img)
        small = mm * 0.6
        d.text(
            (small * 5, small * 5),
            "RECEIPT / RECEPISSE",
            font=font("sans_bold", round(small * 4)),
            fill=(20, 20, 20),
        )
        for k in range(5):
            d.text((small * 5, small * (16 + 7 * k)), " ".join(str(x) for x in rng.choice(["ACCOUNT", "PAYABLE", "BY", "REFERENCE", "AMOUNT", "CHF", "EUR"], 4)),
                   font=font("sans", round(small * 3)), fill=(30, 30, 30))  # fmt: skip
        for k in range(int(rng.integers(1, 3))):
            code = (
                "".join(str(x) for x in rng.integers(0, 10, 13))
                + ">"
                + "".join(str(x) for x in rng.integers(0, 10, 27))
                + "+"
            )
            code = code.replace(">", "<") if rng.random() < 0.5 else code
            draw_mrz(d, (code,), small * 5, h - small * (8 + 6 * k), small, 4.4)
        return Page(cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR), small, None, kind=kind)
    raise ValueError(kind)


# --------------------------------------------------------------------------- captures


@dataclass
class Capture:
    """One image as the reader gets it, and what it should read."""

    image: np.ndarray  # BGR
    kind: str  # scan, camera, photo, tiny
    fmt: str  # TD3, TD1... or the negative's kind
    truth: tuple[str, ...] | None  # the MRZ lines, None for a negative
    char_px: float = 0.0  # MRZ pitch in the image (mean), 0 for a negative
    mrz_quad: np.ndarray | None = None
    meta: dict[str, object] = field(default_factory=dict)


def _rotate_quarter(
    img: np.ndarray, quad: np.ndarray | None, k: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """``img`` turned k quarter turns clockwise, with ``quad`` carried along."""
    k %= 4
    if k == 0:
        return img, quad
    h, w = img.shape[:2]
    rot = (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE)[k - 1]
    out = cv2.rotate(img, rot)
    if quad is not None:
        x, y = quad[:, 0], quad[:, 1]
        if k == 1:
            quad = np.stack([h - 1 - y, x], axis=1)
        elif k == 2:
            quad = np.stack([w - 1 - x, h - 1 - y], axis=1)
        else:
            quad = np.stack([y, w - 1 - x], axis=1)
    return out, None if quad is None else quad.astype(np.float32)


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else img


def _box_quad(box: tuple[float, float, float, float]) -> np.ndarray:
    x0, y0, x1, y1 = box
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def _page_for(fmt_or_neg: str, rng: np.random.Generator, mm: float) -> Page:
    if fmt_or_neg in NEGATIVES:
        return render_negative(fmt_or_neg, rng, mm)
    return render_page(Format(fmt_or_neg), rng, mm)


def scan(page: Page, rng: np.random.Generator, *, min_pitch: float = 7.0, pitch_range: tuple[float, float] | None = None,
         booklet: bool = False) -> Capture:  # fmt: skip
    """A flatbed scan of ``page`` (rendered at 150-300 dpi), cropped near the document,
    turned, downscaled to 250-1000 px wide, JPEG."""
    img = page.image
    quad = None if page.mrz_box is None else _box_quad(page.mrz_box)
    if booklet:
        h, w = img.shape[:2]
        top = facing_page(w, h, rng, page.px_per_mm)
        gutter = np.full((max(2, h // 60), w, 3), 120, np.uint8)
        img = np.vstack([top, gutter, img])
        if quad is not None:
            quad = quad + np.array([0, h + gutter.shape[0]], np.float32)
    # On the glass: a white lid around it, a small skew.
    h, w = img.shape[:2]
    margin = [int(rng.uniform(0, 0.08) * w) for _ in range(4)]
    lid = int(rng.integers(225, 256))
    img = cv2.copyMakeBorder(
        img, margin[0], margin[1], margin[2], margin[3], cv2.BORDER_CONSTANT, value=(lid, lid, lid)
    )
    if quad is not None:
        quad = quad + np.array([margin[2], margin[0]], np.float32)
    skew = rng.uniform(-3, 3)
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), skew, 1.0)
    img = cv2.warpAffine(
        img,
        m,
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(lid, lid, lid),
    )
    if quad is not None:
        quad = cv2.transform(quad[None], m)[0]
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 0.9))
    k = int(rng.integers(0, 4)) if rng.random() < 0.4 else 0
    img, quad = _rotate_quarter(img, quad, k)
    # Downscale to the width the scan is kept at.
    h, w = img.shape[:2]
    target = rng.uniform(250, 1000)
    s = target / w
    if quad is not None:
        pitch = max(
            float(np.linalg.norm(quad[1] - quad[0])), float(np.linalg.norm(quad[3] - quad[0]))
        ) / len(page.mrz_lines[0])
        if pitch_range is not None:
            s = rng.uniform(*pitch_range) / pitch
        s = min(max(s, min_pitch / pitch), 1.0)
    img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    if quad is not None:
        quad = quad * s
    img = _add_noise(img, rng.uniform(0.5, 3), rng)
    img = _jpeg(img, int(rng.integers(30, 96)))
    return _capture(img, "scan", page, quad, {"quarter_turns": k, "skew": skew, "booklet": booklet})


def _capture(
    img: np.ndarray, kind: str, page: Page, quad: np.ndarray | None, meta: dict[str, object]
) -> Capture:
    truth = page.mrz_lines or None
    pitch = 0.0
    if quad is not None and truth:
        top = float(np.linalg.norm(quad[1] - quad[0]))
        bottom = float(np.linalg.norm(quad[2] - quad[3]))
        pitch = (top + bottom) / 2 / len(truth[0])
    fmt = page.fmt.value if page.fmt is not None else page.kind
    return Capture(img, kind, fmt, truth, pitch, quad, meta)


def _tilted_corners(
    w: float, h: float, rng: np.random.Generator, tilt_deg: float, spin_deg: float
) -> np.ndarray:
    """Corners of a w x h page seen by a pinhole camera after tilting it ``tilt_deg`` about
    a random axis in its plane and turning it ``spin_deg`` in the image (unit scale)."""
    pts = np.array(
        [[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]], np.float64
    )
    axis_a = rng.uniform(0, math.pi)
    axis = np.array([math.cos(axis_a), math.sin(axis_a), 0.0])
    t = math.radians(tilt_deg)
    kx = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    rot = np.eye(3) + math.sin(t) * kx + (1 - math.cos(t)) * kx @ kx
    p = pts @ rot.T
    dist = 1.6 * max(w, h)  # a wide-angle camera close to the tray
    proj = p[:, :2] * dist / (dist + p[:, 2:3])
    a = math.radians(spin_deg)
    r2 = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return (proj @ r2.T).astype(np.float32)


def _finger(
    img: np.ndarray, corner: np.ndarray, towards: np.ndarray, size: float, rng: np.random.Generator
) -> np.ndarray:
    """A finger over a document corner: a shaded skin-coloured capsule with a nail."""
    h, w = img.shape[:2]
    d = towards - corner
    d = d / max(1e-6, float(np.linalg.norm(d)))
    tip = corner + d * size * rng.uniform(0.3, 0.7)
    base = tip - d * size * 4
    mask = np.zeros((h, w), np.uint8)
    cv2.line(mask, tuple(int(v) for v in base), tuple(int(v) for v in tip), 255, max(3, int(size)))
    cv2.circle(mask, tuple(int(v) for v in tip), max(2, int(size / 2)), 255, -1)
    soft = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), max(1.0, size / 10))
    skin = np.array(
        rng.choice([(150, 175, 220), (110, 140, 190), (70, 95, 140), (50, 65, 95)]), np.float32
    )
    shade = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), max(1.0, size / 3)) / 255
    colour = skin[None, None, :] * (0.75 + 0.3 * shade[..., None])
    out = img.astype(np.float32) * (1 - soft[..., None]) + colour * soft[..., None]
    nail = np.zeros((h, w), np.uint8)
    cv2.circle(
        nail, tuple(int(v) for v in (tip - d * size * 0.25)), max(1, int(size / 3.5)), 255, -1
    )
    nf = cv2.GaussianBlur(nail.astype(np.float32) / 255, (0, 0), 1.0)[..., None] * 0.5
    out = out * (1 - nf) + np.array([200, 210, 235], np.float32) * nf
    return np.clip(out, 0, 255).astype(np.uint8)


def _glare(
    img: np.ndarray, centre: np.ndarray, radius: float, strength: float, rng: np.random.Generator
) -> np.ndarray:
    """A lamp reflected by the laminate: an elongated, saturated highlight."""
    h, w = img.shape[:2]
    a = rng.uniform(0, math.pi)
    small = 4
    sh, sw = h // small + 1, w // small + 1
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    dx, dy = xx * small - centre[0], yy * small - centre[1]
    u = dx * math.cos(a) + dy * math.sin(a)
    v = -dx * math.sin(a) + dy * math.cos(a)
    blob = np.exp(-((u / radius) ** 2 + (v / (radius * rng.uniform(0.25, 0.6))) ** 2))
    blob = cv2.resize(blob, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(img.astype(np.float32) + (strength * 255 * blob)[..., None], 0, 255).astype(
        np.uint8
    )


def _shadow(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A soft shadow (the applicant's head or hand between the lamp and the page)."""
    h, w = img.shape[:2]
    mask = np.zeros((h // 4 + 1, w // 4 + 1), np.float32)
    pts = (rng.uniform(0, 1, (5, 2)) * np.array([w // 4, h // 4])).astype(np.int32)
    cv2.fillConvexPoly(mask, cv2.convexHull(pts), 1.0)
    mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(5, 20))
    mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
    return (img.astype(np.float32) * (1 - rng.uniform(0.25, 0.55) * mask[..., None])).astype(
        np.uint8
    )


def camera(page: Page, rng: np.random.Generator, *, frame_size: tuple[int, int] | None = None,
           pitch: tuple[float, float] = (8.0, 30.0), close: bool = False) -> Capture:  # fmt: skip
    """The page on the kiosk's tray (or held up close), as a camera frame sees it."""
    fw, fh = frame_size or (1920, 1080)
    h, w = page.image.shape[:2]
    quarter = int(rng.integers(0, 4))
    spin = quarter * 90 + rng.uniform(-15, 15)
    tilt = rng.uniform(0, 30) if not close else rng.uniform(0, 12)
    unit = _tilted_corners(w, h, rng, tilt, spin)  # page px, centred
    m0 = cv2.getPerspectiveTransform(np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32), unit)
    mrz_unit = (
        cv2.perspectiveTransform(_box_quad(page.mrz_box)[None], m0)[0] if page.mrz_box else None
    )
    # Scale: the MRZ pitch wanted (negatives: a page size like a document's).
    if mrz_unit is not None:
        unit_pitch = (
            (np.linalg.norm(mrz_unit[1] - mrz_unit[0]) + np.linalg.norm(mrz_unit[2] - mrz_unit[3]))
            / 2
            / len(page.mrz_lines[0])
        )
        s = rng.uniform(*pitch) / unit_pitch
        mrz_span = np.ptp(mrz_unit, axis=0)
        s = min(s, 0.95 * min(fw / max(mrz_span[0], 1), fh / max(mrz_span[1], 1)))
    else:
        s = rng.uniform(0.35, 0.95) * min(fw, fh) / max(np.ptp(unit[:, 0]), np.ptp(unit[:, 1]))
    corners = unit * s
    # Place: wholly in the frame, or cut off on a side away from the MRZ.
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    span = hi - lo
    frame = np.array([fw, fh], np.float32)
    centre = frame / 2 + (rng.uniform(-0.5, 0.5, 2) * np.maximum(frame - span, 0) * 0.9)
    cut = False
    if rng.random() < 0.3:
        # Shift the page so part of it leaves the frame, the MRZ staying in.
        shift = rng.uniform(0.05, 0.25) * span * rng.choice([-1, 1], 2)
        corners + centre + shift
        mq = mrz_unit * s + centre + shift if mrz_unit is not None else None
        if mq is None or ((mq >= 4).all() and (mq <= frame - 4).all()):
            centre = centre + shift
            cut = True
    corners = (corners + centre).astype(np.float32)
    mq = (mrz_unit * s + centre).astype(np.float32) if mrz_unit is not None else None
    if mq is not None and not ((mq >= 2).all() and (mq <= frame - 2).all()):
        # The MRZ would leave the frame: bring the page back so it is whole.
        fix = np.clip(mq.min(axis=0), None, 2) * -1 + 2
        fix2 = np.clip(frame - 2 - mq.max(axis=0), None, 0)
        corners = corners + fix + fix2
        mq = mq + fix + fix2
    deg = Degradation(frame_size=(fw, fh), uneven_light=float(rng.uniform(0, 0.4)),
                      exposure=float(rng.uniform(0.8, 1.1)))  # fmt: skip
    doc = _as_document(page)
    background = table((fw, fh), rng)
    img = place(doc, deg, rng, background=background, corners=corners).image
    effects: list[str] = []
    if rng.random() < 0.35:
        img = _shadow(img, rng)
        effects.append("shadow")
    if rng.random() < 0.35 and not close:
        k = int(rng.integers(0, 4))
        corner = corners[k]
        towards = corners.mean(axis=0)
        size = float(np.linalg.norm(corners[1] - corners[0])) * rng.uniform(0.06, 0.1)
        if mq is None or np.min(np.linalg.norm(mq - corner, axis=1)) > size * 1.2:
            img = _finger(img, corner, towards, size, rng)
            effects.append("finger")
    if rng.random() < 0.4:
        c = corners.mean(axis=0) + rng.uniform(-0.35, 0.35, 2) * (corners.max(0) - corners.min(0))
        r = float(np.linalg.norm(corners[1] - corners[0])) * rng.uniform(0.05, 0.15)
        img = _glare(img, c, r, float(rng.uniform(0.3, 0.9)), rng)
        effects.append("glare")
    motion = rng.uniform(0, 6) if rng.random() < 0.5 else 0.0
    if motion >= 1.5:
        n = round(motion)
        kern = np.zeros((n, n), np.float32)
        kern[n // 2, :] = 1.0 / n
        rot = cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), rng.uniform(0, 180), 1.0)
        kern = cv2.warpAffine(kern, rot, (n, n))
        img = cv2.filter2D(img, -1, kern / max(kern.sum(), 1e-6))
        effects.append("motion")
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.0))
    img = _add_noise(img, rng.uniform(1, 8), rng)
    img = _jpeg(img, int(rng.integers(30, 96)))
    return _capture(img, "photo" if close else "camera", page, mq,
                    {"tilt": tilt, "spin": spin, "cut": cut, "effects": effects})  # fmt: skip


def _as_document(page: Page):  # type: ignore[no-untyped-def]
    from kiosk.devices.samples.documents import Document

    return Document("page", page.image, page.px_per_mm)


def capture(
    kind: str, index: int, seed: int = 0, *, fmt: str | None = None, small: bool = False
) -> Capture:
    """Capture ``index`` of ``kind`` (scan, camera, photo, tiny) in the set of ``seed``.
    ``fmt`` forces the document (a format such as "TD3", or a negative's kind); otherwise
    it is drawn: the five formats and, one time in five, a negative. ``small``: camera
    frames and photos of half the size, their pages rendered coarser (fast fixtures)."""
    rng = np.random.default_rng([seed, KINDS.index(kind), index])
    if fmt is None:
        if rng.random() < 0.2:
            fmt = str(rng.choice(NEGATIVES))
        else:
            fmt = str(rng.choice([f.value for f in FORMATS], p=[0.4, 0.25, 0.1, 0.15, 0.1]))
    if kind in ("scan", "tiny"):
        mm = rng.uniform(150, 300) / 25.4
        page = _page_for(fmt, rng, mm)
        booklet = fmt == "TD3" and rng.random() < 0.3
        if kind == "tiny":
            shot = scan(page, rng, min_pitch=5.0, pitch_range=(5.0, 7.0), booklet=booklet)
            return replace(shot, kind="tiny")
        return scan(page, rng, booklet=booklet)
    if kind == "camera":
        page = _page_for(fmt, rng, rng.uniform(10, 14) * (0.6 if small else 1.0))
        size = ((1920, 1080) if rng.random() < 0.7 else (1280, 720)) if not small else (960, 540)
        return camera(page, rng, frame_size=size)
    if kind == "photo":
        page = _page_for(fmt, rng, rng.uniform(14, 24) * (0.5 if small else 1.0))
        size = ((1920, 1080) if rng.random() < 0.5 else (1600, 1200)) if not small else (960, 720)
        return camera(page, rng, frame_size=size, pitch=(25.0, 60.0), close=True)
    raise ValueError(f"unknown capture kind {kind!r}")
