"""Synthetic document images: passports (TD3 data page), identity cards (TD1) and letters
(A4 text), with invented identities, laid on a table and degraded like a camera sees them.

Used by the MRZ reader's tests and benchmark, by ``scripts/make_samples.py`` (the files the
fake camera plays) and by anyone who needs a document picture with its ground truth. The
MRZ is set in OCR-B (Debian's public-domain ``fonts-ocr-b``) at the ICAO pitch of 2.54 mm;
every identity is drawn at random from invented name lists of several cultures, written as
their passports would transliterate them. Everything is seeded: the same seed and
parameters give the same image.

Qt-free: NumPy, OpenCV, and Pillow for the TrueType text.
"""

from __future__ import annotations

import datetime as dt
import glob
import math
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from kiosk.domain.mrz import Format, Identity, format_mrz, transliterate

MRZ_PITCH_MM = 2.54  # ICAO 9303 part 3: 10 characters per inch
_OCRB_ADVANCE_EM = 0.723  # OCR-B's advance width (every glyph) as a fraction of its size


# --------------------------------------------------------------------------- fonts


@cache
def ocrb_font_path() -> str:
    """The OCR-B font file (Debian ``fonts-ocr-b``); ``KIOSK_OCRB_FONT`` overrides."""
    env = os.environ.get("KIOSK_OCRB_FONT")
    if env and os.path.exists(env):
        return env
    for pattern in ("/usr/share/fonts/opentype/ocr-b/OCRB.otf", "/usr/share/fonts/**/OCRB.otf"):
        found = sorted(glob.glob(pattern, recursive=True))
        if found:
            return found[0]
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", "OCR B:style=Regular"],
            capture_output=True, text=True, timeout=5, check=False,
        ).stdout  # fmt: skip
    except OSError:
        out = ""
    if out and "ocr" in out.lower() and os.path.exists(out):
        return out
    raise FileNotFoundError("OCR-B font not found: install Debian's fonts-ocr-b")


@cache
def _text_font_path(bold: bool = False) -> str | None:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for path in (f"/usr/share/fonts/truetype/dejavu/{name}",):
        if os.path.exists(path):
            return path
    return None


@cache
def _font(size_px: int, kind: str = "text") -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = ocrb_font_path() if kind == "ocrb" else _text_font_path(kind == "bold")
    if path is None:
        path = ocrb_font_path()
    return ImageFont.truetype(path, max(4, size_px))


# --------------------------------------------------------------------------- identities

# Invented people: surnames and given names common in each group, as printed on a passport
# in Latin letters (the national spelling; the MRZ transliterates it).
_CULTURES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # name: (surnames, female given names, male given names, nationalities)
    "maghreb": (("Benali", "El Amrani", "Bouzid", "Haddad", "Belkacem", "Ouali", "Chaoui",
                 "Mansouri", "Ben Youssef", "Tazi"),
                ("Fatima Zohra", "Khadija", "Amina", "Nour", "Yasmine", "Salma", "Meriem"),
                ("Mohamed", "Youssef", "Amine", "Karim", "Rachid", "Mehdi", "Walid Ahmed"),
                ("DZA", "MAR", "TUN")),
    "west_africa": (("Diallo", "Traoré", "Ndiaye", "Koné", "Ouédraogo", "Mbaye", "Camara",
                     "Sow", "Coulibaly", "Diop"),
                    ("Aminata", "Fatoumata", "Awa", "Mariam", "Kadiatou", "Aïssatou"),
                    ("Mamadou", "Ousmane", "Ibrahima", "Moussa", "Seydou", "Abdoulaye"),
                    ("SEN", "MLI", "CIV", "GIN", "BFA")),
    "central_africa": (("Mukendi", "Ilunga", "Mbuyi", "Kabongo", "Nkoulou", "Essomba"),
                       ("Grâce", "Chancelle", "Merveille", "Divine"),
                       ("Glodi", "Patrick", "Junior Exaucé", "Christian"),
                       ("COD", "COG", "CMR")),
    "turkish": (("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın"),
                ("Ayşe", "Zeynep", "Elif", "Gül"), ("Mehmet", "Emre", "Mustafa", "Barış"),
                ("TUR",)),
    "slavic": (("Shevchenko", "Kovalenko", "Bondarenko", "Ivanov", "Kuznetsova", "Melnyk",
                "Tkachenko"),
               ("Iryna", "Nataliia", "Olena", "Anastasiia", "Yuliia"),
               ("Oleksandr", "Dmytro", "Andrii", "Serhii", "Mykola"), ("UKR", "RUS", "MDA")),
    "chinese": (("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao"),
                ("Mei", "Xiaoling", "Lihua", "Yan"), ("Jianguo", "Wei", "Xiaoming", "Hao"),
                ("CHN",)),
    "vietnamese": (("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng"), ("Thị Hoa", "Thị Lan", "Mai"),
                   ("Văn An", "Minh", "Đức Anh"), ("VNM",)),
    "persian": (("Ahmadi", "Hosseini", "Mohammadi", "Rahimi", "Karimi", "Sultani"),
                ("Zahra", "Maryam", "Fatemeh", "Nilofar"), ("Ali Reza", "Farid", "Hamid", "Mustafa"),
                ("AFG", "IRN")),
    "lusophone": (("da Silva", "Santos", "Oliveira", "Pereira", "Gonçalves", "Ferreira"),
                  ("Maria Eduarda", "Ana Luíza", "Beatriz"), ("João Pedro", "Lucas", "Antônio"),
                  ("BRA", "PRT", "AGO", "CPV")),
    "hispanic": (("García", "Rodríguez", "Martínez López", "Hernández", "Pérez"),
                 ("Carmen", "María José", "Valentina"), ("José Luis", "Andrés", "Santiago"),
                 ("COL", "VEN", "PER")),
    "south_asian": (("Kumar", "Singh", "Patel", "Rahman", "Hossain", "Sivakumar"),
                    ("Priya", "Nusrat", "Anjali", "Tahmina"), ("Rajesh", "Arjun", "Imran", "Rafiq"),
                    ("IND", "BGD", "PAK", "LKA")),
    "caucasus": (("Beridze", "Kapanadze", "Grigoryan", "Hakobyan", "Aliyev"),
                 ("Nino", "Ani", "Leyla"), ("Giorgi", "Armen", "Rashad"), ("GEO", "ARM", "AZE")),
    "haitian": (("Jean-Baptiste", "Pierre-Louis", "Joseph", "Saint-Fleur"),
                ("Marie-Ange", "Nadège", "Rose-Mina"), ("Jean-Robert", "Wilner", "Frantz"),
                ("HTI",)),
}  # fmt: skip

_STATE_NAMES = {"DZA": "ALGERIA", "MAR": "MOROCCO", "TUN": "TUNISIA", "SEN": "SENEGAL",
                "MLI": "MALI", "CIV": "COTE D'IVOIRE", "GIN": "GUINEA", "BFA": "BURKINA FASO",
                "COD": "CONGO (DRC)", "COG": "CONGO", "CMR": "CAMEROON", "TUR": "TÜRKIYE",
                "UKR": "UKRAINE", "RUS": "RUSSIA", "MDA": "MOLDOVA", "CHN": "CHINA",
                "VNM": "VIET NAM", "AFG": "AFGHANISTAN", "IRN": "IRAN", "BRA": "BRAZIL",
                "PRT": "PORTUGAL", "AGO": "ANGOLA", "CPV": "CABO VERDE", "COL": "COLOMBIA",
                "VEN": "VENEZUELA", "PER": "PERU", "IND": "INDIA", "BGD": "BANGLADESH",
                "PAK": "PAKISTAN", "LKA": "SRI LANKA", "GEO": "GEORGIA", "ARM": "ARMENIA",
                "AZE": "AZERBAIJAN", "HTI": "HAITI", "UTO": "UTOPIA"}  # fmt: skip


@dataclass(frozen=True)
class Person:
    """An invented holder: names as printed (national Latin spelling) and in the MRZ."""

    surname: str
    given_names: str
    sex: str
    birth_date: dt.date
    nationality: str
    culture: str


def random_person(rng: np.random.Generator, today: dt.date | None = None) -> Person:
    today = today or dt.date.today()
    culture = str(rng.choice(sorted(_CULTURES)))
    surnames, female, male, states = _CULTURES[culture]
    sex = str(rng.choice(["F", "M"]))
    given = str(rng.choice(female if sex == "F" else male))
    age_days = int(rng.integers(18 * 365, 80 * 365))
    return Person(
        surname=str(rng.choice(surnames)),
        given_names=given,
        sex=sex,
        birth_date=today - dt.timedelta(days=age_days),
        nationality=str(rng.choice(states)),
        culture=culture,
    )


def _number(rng: np.random.Generator, pattern: str) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return "".join(
        str(rng.integers(0, 10)) if ch == "9" else str(rng.choice(list(letters))) for ch in pattern
    )


def random_identity(
    rng: np.random.Generator,
    fmt: Format = Format.TD3,
    today: dt.date | None = None,
    person: Person | None = None,
) -> Identity:
    """An invented identity for a document of format ``fmt`` (TD3 passport, TD1 card...)."""
    today = today or dt.date.today()
    person = person or random_person(rng, today)
    expiry = today + dt.timedelta(days=int(rng.integers(-400, 3650)))
    pattern = str(rng.choice(["A9999999", "AA9999999", "999999999", "A99A99999", "AA999999"]))
    number = _number(rng, pattern)
    optional = ""
    if rng.random() < 0.4:
        optional = _number(rng, "9" * int(rng.integers(6, 12)))
    if fmt is Format.TD1:
        code = str(rng.choice(["ID", "I<", "IR", "AC"])).rstrip("<")
        optional = optional[:15]
        if rng.random() < 0.15:  # a long document number: overflows into the optional data
            number = _number(rng, "AA9999999999")
            optional = ""
    elif fmt is Format.TD3:
        code = "P"
        optional = optional[:14]
    else:
        code = "V" if fmt in (Format.MRV_A, Format.MRV_B) else "I"
        optional = optional[:7]
    state = person.nationality if rng.random() < 0.9 else "UTO"
    return Identity(
        format=fmt,
        document_code=code,
        issuing_state=state,
        surname=_mrz_words(person.surname),
        given_names=_mrz_words(person.given_names),
        document_number=number,
        nationality=person.nationality,
        birth_date=person.birth_date,
        sex=person.sex,
        expiry_date=expiry,
        optional_data=optional,
        extra={"surname_print": person.surname, "given_print": person.given_names,
               "culture": person.culture},
    )  # fmt: skip


def _mrz_words(name: str) -> str:
    return " ".join(p for p in transliterate(name).split("<") if p)


# --------------------------------------------------------------------------- flat documents


@dataclass(frozen=True)
class Document:
    """A flat, straight document image and what it shows."""

    kind: str  # "passport", "id_card", "letter"
    image: np.ndarray  # BGR uint8
    px_per_mm: float
    identity: Identity | None = None
    mrz_lines: tuple[str, ...] = ()
    mrz_box: tuple[int, int, int, int] | None = None  # x0, y0, x1, y1 in image pixels

    @property
    def char_px(self) -> float:
        """MRZ character pitch in pixels."""
        return self.px_per_mm * MRZ_PITCH_MM


def _background(w: int, h: int, rng: np.random.Generator, tint: tuple[int, int, int]) -> np.ndarray:
    """A light security-print background: tint, soft gradient and fine guilloche lines."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.empty((h, w, 3), np.float32)
    for c in range(3):
        base[..., c] = tint[c]
    phase = rng.uniform(0, 2 * math.pi, 3)
    scale = 2 * math.pi / max(w, h)
    wave = np.zeros((h, w), np.float32)
    for k, ph in enumerate(phase):
        f = (k + 2) * 7
        wave += np.sin(f * scale * x + 3 * np.sin(scale * (k + 1) * 3 * y + ph))
    lines = (np.abs(np.sin(wave * 3)) < 0.08).astype(np.float32)
    base -= lines[..., None] * rng.uniform(12, 28)
    base *= (0.96 + 0.04 * np.sin(scale * x * 1.5 + phase[0]))[..., None]
    return np.clip(base, 0, 255).astype(np.uint8)


def _draw_mrz(
    draw: ImageDraw.ImageDraw, lines: Sequence[str], x0: float, y_bottom: float, px_per_mm: float
) -> tuple[int, int, int, int]:
    """Set the MRZ lines in OCR-B at the ICAO pitch; returns their bounding box."""
    pitch = px_per_mm * MRZ_PITCH_MM
    size = pitch / _OCRB_ADVANCE_EM
    font = _font(round(size), "ocrb")
    true_advance = font.getlength("<")
    line_gap = px_per_mm * 4.6
    top = y_bottom - line_gap * (len(lines) - 1) - size * 0.72
    for i, line in enumerate(lines):
        y = y_bottom - line_gap * (len(lines) - 1 - i)
        if abs(true_advance - pitch) < 0.05:
            draw.text((x0, y), line, font=font, fill=(20, 20, 24), anchor="ls")
        else:  # a rounded font size: keep the exact pitch by placing each character
            for k, ch in enumerate(line):
                draw.text((x0 + k * pitch, y), ch, font=font, fill=(20, 20, 24), anchor="ls")
    width = pitch * len(lines[0])
    return (int(x0), int(top), math.ceil(x0 + width), math.ceil(y_bottom + size * 0.05))


def _fmt_date(value: dt.date | str | None, bilingual: bool = True) -> str:
    if not isinstance(value, dt.date):
        return ""
    months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    return f"{value.day:02d} {months[value.month - 1]} {value.year}"


def _photo(
    img: Image.Image, box: tuple[float, float, float, float], rng: np.random.Generator
) -> None:
    """A photo placeholder: a neutral background, a head and shoulders."""
    x0, y0, x1, y1 = (round(v) for v in box)
    w, h = x1 - x0, y1 - y0
    grey = int(rng.integers(150, 200))
    photo = Image.new("RGB", (w, h), (grey, grey + 5, grey + 10))
    draw = ImageDraw.Draw(photo)
    skin = tuple(int(v) for v in rng.integers(90, 200, 3))
    draw.ellipse((w * 0.05, h * 0.66, w * 0.95, h * 1.3), fill=(60, 60, 80))
    draw.ellipse((w * 0.28, h * 0.18, w * 0.72, h * 0.62), fill=skin)
    draw.rectangle((0, 0, w - 1, h - 1), outline=(90, 90, 90), width=2)
    img.paste(photo, (x0, y0))


def _identity_page(
    width_mm: float,
    height_mm: float,
    px_per_mm: float,
    rng: np.random.Generator,
    *,
    darkest: int,
    mrz_zone_mm: float,
) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A blank identity document's page: the patterned background in a random light tint
    (each channel from ``darkest`` to 240), with a plain, lighter zone for the MRZ, the
    bottom ``mrz_zone_mm``."""
    w, h = round(width_mm * px_per_mm), round(height_mm * px_per_mm)
    tint = tuple(int(v) for v in rng.integers(darkest, 240, 3))
    img = Image.fromarray(_background(w, h, rng, tint))  # type: ignore[arg-type]
    draw = ImageDraw.Draw(img)
    draw.rectangle(
        (0, h - mrz_zone_mm * px_per_mm, w, h), fill=tuple(min(255, c + 12) for c in tint)
    )
    return img, draw


def render_passport(
    identity: Identity, rng: np.random.Generator, px_per_mm: float = 10.0
) -> Document:
    """A TD3 data page (125 x 88 mm): header, photo, printed fields and the MRZ."""
    img, draw = _identity_page(125, 88, px_per_mm, rng, darkest=200, mrz_zone_mm=23)
    h, mm = img.height, px_per_mm
    state = identity.issuing_state
    label, value, bold = (
        _font(round(2.0 * mm)),
        _font(round(3.1 * mm)),
        _font(round(3.6 * mm), "bold"),
    )
    draw.text((6 * mm, 4 * mm), f"{_STATE_NAMES.get(state, state)}", font=bold, fill=(40, 40, 90))
    draw.text((60 * mm, 4.5 * mm), "PASSPORT / PASSEPORT", font=value, fill=(40, 40, 90))
    _photo(img, (5 * mm, 12 * mm, 37 * mm, 55 * mm), rng)
    extra = identity.extra
    fields = [
        (("Type", "P"), ("Code", state), ("Passport No.", identity.document_number)),
        (("Surname / Nom", extra.get("surname_print", identity.surname).upper()),),
        (("Given names / Prénoms", extra.get("given_print", identity.given_names).upper()),),
        (("Nationality", _STATE_NAMES.get(identity.nationality, identity.nationality)),),
        (("Date of birth", _fmt_date(identity.birth_date)), ("Sex", identity.sex)),
        (("Date of issue", _fmt_date(_minus_years(identity.expiry_date, 10))),
         ("Date of expiry", _fmt_date(identity.expiry_date))),
    ]  # fmt: skip
    y = 12 * mm
    for row in fields:
        x = 42 * mm
        for name, text in row:
            draw.text((x, y), name, font=label, fill=(70, 70, 100))
            draw.text((x, y + 2.4 * mm), text, font=value, fill=(15, 15, 20))
            x += max(26 * mm, value.getlength(text) + 6 * mm)
        y += 7.0 * mm
    # Signature scribble.
    pts = [
        (40 * mm + i * 1.5 * mm, 62 * mm + math.sin(i * 1.3 + rng.uniform(0, 3)) * 2 * mm)
        for i in range(20)
    ]
    draw.line(pts, fill=(30, 30, 120), width=max(1, round(0.3 * mm)))
    lines = format_mrz(identity)
    box = _draw_mrz(draw, lines, 6.0 * mm, h - 5.5 * mm, px_per_mm)
    return Document("passport", _bgr(img), px_per_mm, identity, lines, box)


def render_id_card(
    identity: Identity, rng: np.random.Generator, px_per_mm: float = 12.0
) -> Document:
    """The back of a TD1 card (85.6 x 54 mm): address block, small photo, 3-line MRZ."""
    img, draw = _identity_page(85.6, 54, px_per_mm, rng, darkest=205, mrz_zone_mm=19)
    h, mm = img.height, px_per_mm
    label, value = _font(round(1.7 * mm)), _font(round(2.5 * mm))
    extra = identity.extra
    rows = [
        ("Surname / Nom", extra.get("surname_print", identity.surname).upper()),
        ("Given names / Prénoms", extra.get("given_print", identity.given_names).upper()),
        ("Address / Adresse", f"{int(rng.integers(1, 200))} RUE DES LILAS"),
        ("Date of expiry", _fmt_date(identity.expiry_date)),
    ]
    y = 3 * mm
    for name, text in rows:
        draw.text((4 * mm, y), name, font=label, fill=(70, 70, 100))
        draw.text((4 * mm, y + 1.9 * mm), text, font=value, fill=(15, 15, 20))
        y += 5.2 * mm
    _photo(img, (66 * mm, 3 * mm, 81 * mm, 22 * mm), rng)
    lines = format_mrz(identity)
    box = _draw_mrz(draw, lines, 4.0 * mm, h - 3.2 * mm, px_per_mm)
    return Document("id_card", _bgr(img), px_per_mm, identity, lines, box)


_WORDS = ["le", "la", "les", "des", "une", "pour", "avec", "dossier", "demande", "titre", "séjour", "préfecture", "rendez-vous", "justificatif", "domicile", "ressources", "famille", "travail", "contrat", "salaire", "attestation", "madame", "monsieur", "veuillez", "trouver", "ci-joint", "pièces", "suivantes", "date", "signature", "nous", "vous", "informons", "que", "votre", "situation", "administrative", "sera", "examinée"]  # fmt: skip


def render_letter(rng: np.random.Generator, px_per_mm: float = 4.0) -> Document:
    """A plain A4 letter (210 x 297 mm) of invented French text, no MRZ."""
    w, h = round(210 * px_per_mm), round(297 * px_per_mm)
    img = Image.new("RGB", (w, h), (248, 247, 244))
    draw = ImageDraw.Draw(img)
    mm = px_per_mm
    body, head = _font(round(3.6 * mm)), _font(round(4.6 * mm), "bold")
    person = random_person(rng)
    draw.text(
        (20 * mm, 20 * mm),
        f"{person.given_names} {person.surname.upper()}",
        font=head,
        fill=(10, 10, 10),
    )
    draw.text(
        (20 * mm, 27 * mm),
        f"{int(rng.integers(1, 120))} avenue de la République",
        font=body,
        fill=(10, 10, 10),
    )
    draw.text((120 * mm, 45 * mm), "Préfecture", font=body, fill=(10, 10, 10))
    draw.text(
        (20 * mm, 70 * mm),
        "Objet : " + " ".join(rng.choice(_WORDS, 5)),
        font=head,
        fill=(10, 10, 10),
    )
    y = 85 * mm
    while y < h - 40 * mm:
        words: list[str] = []
        while body.getlength(" ".join(words)) < 160 * mm:
            words.append(str(rng.choice(_WORDS)))
        draw.text((20 * mm, y), " ".join(words[:-1]), font=body, fill=(25, 25, 25))
        y += 6.5 * mm if rng.random() > 0.12 else 13 * mm
    return Document("letter", _bgr(img), px_per_mm)


def _minus_years(value: dt.date | str | None, years: int) -> dt.date | None:
    if not isinstance(value, dt.date):
        return None
    try:
        return value.replace(year=value.year - years)
    except ValueError:
        return value.replace(year=value.year - years, day=28)


def _bgr(img: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


def make_document(
    kind: str, rng: np.random.Generator, char_px: float = 24.0, today: dt.date | None = None
) -> Document:
    """A random document of ``kind`` whose MRZ characters are ``char_px`` pixels apart
    (letters: the same print scale)."""
    px_per_mm = char_px / MRZ_PITCH_MM
    if kind == "passport":
        return render_passport(random_identity(rng, Format.TD3, today), rng, px_per_mm)
    if kind == "id_card":
        return render_id_card(random_identity(rng, Format.TD1, today), rng, px_per_mm)
    if kind == "letter":
        return render_letter(rng, px_per_mm * 0.5)
    raise ValueError(f"unknown document kind {kind!r}")


# --------------------------------------------------------------------------- camera view


@dataclass(frozen=True)
class Degradation:
    """How the camera sees the document. Every parameter is explicit and seeded."""

    frame_size: tuple[int, int] = (1920, 1080)  # width, height
    scale: float = 1.0  # document size in the frame relative to its rendering
    rotation_deg: float = 0.0
    perspective: float = 0.0  # corner displacement, fraction of the document's size
    offset: tuple[float, float] = (0.0, 0.0)  # document centre offset, fraction of frame
    blur_sigma: float = 0.0  # Gaussian blur, px
    motion_px: float = 0.0  # linear motion blur length, px
    noise_sigma: float = 0.0  # Gaussian sensor noise, grey levels
    jpeg_quality: int | None = None  # None: no JPEG round trip
    uneven_light: float = 0.0  # 0..1: darkening gradient across the frame
    glare: float = 0.0  # 0..1: strength of a specular highlight on the document
    exposure: float = 1.0  # gain


@dataclass(frozen=True)
class Sample:
    """A camera frame and its ground truth."""

    image: np.ndarray  # BGR uint8
    document: Document
    corners: np.ndarray  # 4 x 2 float32: document corners in the frame (TL, TR, BR, BL)
    mrz_quad: np.ndarray | None  # 4 x 2 float32: MRZ box corners in the frame
    degradation: Degradation
    char_px: float = 0.0  # MRZ character pitch in the frame, px (mean)
    meta: dict[str, float] = field(default_factory=dict)


def table(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A table top: wood-like grain or a plain mat, with low-frequency shading."""
    w, h = size
    sw, sh = max(8, w // 4), max(8, h // 4)  # drawn at a quarter of the size, then enlarged
    small = rng.normal(0, 1, (max(2, h // 40), max(2, w // 40))).astype(np.float32)
    shade = cv2.resize(small, (sw, sh), interpolation=cv2.INTER_CUBIC)
    if rng.random() < 0.5:
        base = np.array(rng.integers(40, 110, 3), np.float32)
        y = np.arange(sh, dtype=np.float32)[:, None]
        grain = np.sin(y * 4 / rng.uniform(6, 14) + 2.5 * shade) * 10
        img = base[None, None, :] + grain[..., None] + shade[..., None] * 6
        img *= np.array([0.75, 0.9, 1.15], np.float32)  # warm tone (BGR)
    else:
        base = np.array([rng.integers(60, 140)] * 3, np.float32) + rng.integers(-10, 10, 3)
        img = base[None, None, :] + shade[..., None] * 8
    small_img = np.clip(img, 0, 255).astype(np.uint8)
    out = cv2.resize(small_img, (w, h), interpolation=cv2.INTER_LINEAR)
    return _add_noise(out, 2.0, rng)


@cache
def _noise_bank() -> np.ndarray:
    # Drawing millions of normal deviates per frame is the slowest step: draw them once
    # (from a fixed seed) and take a seeded window of them for each frame.
    return np.random.default_rng(12345).standard_normal(1 << 23, dtype=np.float32)


def _add_noise(img: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    bank = _noise_bank()
    n = img.size
    if n > bank.size:
        noise = rng.standard_normal(img.shape, dtype=np.float32)
    else:
        start = int(rng.integers(0, bank.size - n + 1))
        noise = bank[start : start + n].reshape(img.shape)
    return cv2.scaleAdd(noise, float(sigma), img.astype(np.float32)).clip(0, 255).astype(np.uint8)


def _doc_corners(doc: Document, deg: Degradation, rng: np.random.Generator) -> np.ndarray:
    fw, fh = deg.frame_size
    h, w = doc.image.shape[:2]
    sw, sh = w * deg.scale, h * deg.scale
    pts = np.array(
        [[-sw / 2, -sh / 2], [sw / 2, -sh / 2], [sw / 2, sh / 2], [-sw / 2, sh / 2]], np.float32
    )
    if deg.perspective:
        pts += (
            rng.uniform(-1, 1, (4, 2)).astype(np.float32)
            * deg.perspective
            * np.array([sw, sh], np.float32)
        )
    a = math.radians(deg.rotation_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], np.float32)
    pts = pts @ rot.T
    centre = np.array([fw / 2 + deg.offset[0] * fw, fh / 2 + deg.offset[1] * fh], np.float32)
    return (pts + centre).astype(np.float32)


def place(
    doc: Document,
    deg: Degradation,
    rng: np.random.Generator,
    *,
    background: np.ndarray | None = None,
    corners: np.ndarray | None = None,
) -> Sample:
    """Lay ``doc`` on a table and photograph it with the degradations of ``deg``."""
    fw, fh = deg.frame_size
    frame = (background if background is not None else table((fw, fh), rng)).copy()
    h, w = doc.image.shape[:2]
    if corners is None:
        corners = _doc_corners(doc, deg, rng)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(src, corners)
    # Lighting is computed on a grid 8 times coarser, then enlarged: it varies slowly.
    k = 8
    lw, lh = (fw + k - 1) // k, (fh + k - 1) // k
    small_m = cv2.getPerspectiveTransform(src, corners / k)
    alpha = cv2.warpPerspective(np.ones((h, w), np.float32), small_m, (lw, lh))
    shadow = cv2.GaussianBlur(np.roll(alpha, (1, 1), axis=(0, 1)), (0, 0), 1.0)
    gain = 1 - 0.35 * shadow * (1 - alpha)
    yy, xx = np.mgrid[0:lh, 0:lw].astype(np.float32)
    if deg.uneven_light:
        a = rng.uniform(0, 2 * math.pi)
        ramp = np.cos(a) * (xx / lw - 0.5) + np.sin(a) * (yy / lh - 0.5) + 0.5
        gain *= 1 - deg.uneven_light * np.clip(ramp, 0, 1)
    gain *= deg.exposure
    add = np.zeros_like(gain)
    if deg.glare:
        small_c = corners / k
        cx, cy = small_c.mean(axis=0) + rng.uniform(-0.3, 0.3, 2) * (
            small_c.max(0) - small_c.min(0)
        )
        r = rng.uniform(0.05, 0.12) * max(lw, lh)
        blob = np.exp(-(((xx - cx) ** 2) / (2 * r * r) + ((yy - cy) ** 2) / (2 * (r * 0.6) ** 2)))
        add = ((deg.glare * 255 * deg.exposure) * blob * alpha).astype(np.float32)
    cv2.warpPerspective(
        doc.image, m, (fw, fh), dst=frame, flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_TRANSPARENT,
    )  # fmt: skip
    gain3 = cv2.merge([cv2.resize(gain, (fw, fh), interpolation=cv2.INTER_LINEAR)] * 3)
    img = cv2.multiply(frame.astype(np.float32), gain3)
    if deg.glare:
        img = cv2.add(
            img, cv2.merge([cv2.resize(add, (fw, fh), interpolation=cv2.INTER_LINEAR)] * 3)
        )
    img = img.clip(0, 255).astype(np.uint8)
    if deg.motion_px >= 1:
        n = round(deg.motion_px)
        kernel = np.full((1, n), 1.0 / n, np.float32)
        img = cv2.filter2D(img, -1, kernel)
    if deg.blur_sigma > 0:
        img = cv2.GaussianBlur(img, (0, 0), deg.blur_sigma)
    if deg.noise_sigma > 0:
        img = _add_noise(img, deg.noise_sigma, rng)
    if deg.jpeg_quality is not None:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(deg.jpeg_quality)])
        decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else None
        if decoded is not None:
            img = decoded
    mrz_quad = None
    char_px = 0.0
    if doc.mrz_box is not None:
        x0, y0, x1, y1 = doc.mrz_box
        box = np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]], np.float32)
        mrz_quad = cv2.perspectiveTransform(box, m)[0]
        top = float(np.linalg.norm(mrz_quad[1] - mrz_quad[0]))
        bottom = float(np.linalg.norm(mrz_quad[2] - mrz_quad[3]))
        char_px = (top + bottom) / 2 / len(doc.mrz_lines[0])
    return Sample(img, doc, corners, mrz_quad, deg, char_px)


def random_degradation(
    rng: np.random.Generator,
    *,
    frame_size: tuple[int, int] = (1920, 1080),
    max_blur: float = 1.0,
    max_rotation: float = 8.0,
    max_perspective: float = 0.04,
    glare: bool = False,
) -> Degradation:
    """Degradations drawn within the ranges the reader is specified for."""
    return Degradation(
        frame_size=frame_size,
        rotation_deg=float(rng.uniform(-max_rotation, max_rotation)),
        perspective=float(rng.uniform(0, max_perspective)),
        offset=(float(rng.uniform(-0.05, 0.05)), float(rng.uniform(-0.05, 0.05))),
        blur_sigma=float(rng.uniform(0, max_blur)),
        noise_sigma=float(rng.uniform(0, 6)),
        jpeg_quality=int(rng.integers(60, 95)),
        uneven_light=float(rng.uniform(0, 0.35)),
        glare=float(rng.uniform(0.2, 0.6)) if glare else 0.0,
        exposure=float(rng.uniform(0.85, 1.1)),
    )


def sample(
    kind: str = "passport",
    seed: int = 0,
    *,
    char_px: float = 24.0,
    degradation: Degradation | None = None,
    today: dt.date | None = None,
) -> Sample:
    """One seeded frame of a random document of ``kind`` on a table."""
    rng = np.random.default_rng(seed)
    doc = make_document(kind, rng, char_px, today)
    deg = degradation if degradation is not None else random_degradation(rng)
    return place(doc, deg, rng)


def frame_sequence(
    doc: Document,
    rng: np.random.Generator,
    *,
    moving: int = 10,
    still: int = 20,
    degradation: Degradation | None = None,
    start_offset: tuple[float, float] = (0.55, 0.25),
) -> tuple[list[np.ndarray], Sample]:
    """Frames of ``doc`` sliding in from ``start_offset`` (fraction of the frame) to its
    place (with motion blur), then held still with a slight tremor and fresh sensor noise.
    Returns the frames and the ground truth of the last one."""
    deg = degradation or Degradation(frame_size=(1280, 720), noise_sigma=2.0, jpeg_quality=85)
    background = table(deg.frame_size, rng)
    final = _doc_corners(doc, deg, rng)
    fw, fh = deg.frame_size
    start_shift = np.array([start_offset[0] * fw, start_offset[1] * fh], np.float32)
    frames: list[np.ndarray] = []
    last: Sample | None = None
    for i in range(moving + still):
        if i < moving:
            t = i / max(1, moving)
            ease = 1 - (1 - t) ** 2
            shift = start_shift * (1 - ease)
            speed = float(np.linalg.norm(start_shift) * 2 * (1 - t) / max(1, moving))
            step = replace(deg, motion_px=min(25.0, speed * 0.5), rotation_deg=0.0)
            corners = _rotate(final, (1 - ease) * 12.0) + shift
        else:
            step = deg
            corners = final + rng.normal(0, 0.4, (1, 2)).astype(np.float32)
        last = place(doc, step, rng, background=background, corners=corners.astype(np.float32))
        frames.append(last.image)
    assert last is not None
    return frames, last


def _rotate(pts: np.ndarray, degrees: float) -> np.ndarray:
    c = pts.mean(axis=0)
    a = math.radians(degrees)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], np.float32)
    return ((pts - c) @ rot.T + c).astype(np.float32)
