"""Make the sample documents the fake camera plays (kiosk/devices/samples/).

Every identity is invented (kiosk.devices.samples.documents); the output is the same on
every run (fixed seeds and a fixed "today"). Keep the files small: they ship in the package.

    .venv/bin/python scripts/make_samples.py [--out kiosk/devices/samples]

Writes passport.jpg, id_card.jpg, letter.jpg (single 1280 x 960 camera frames),
passport.avi (MJPG: the passport slides in, then is held still) and manifest.json (what
each file shows, MRZ lines and identity included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from kiosk.devices.samples.documents import (
    Degradation,
    Document,
    frame_sequence,
    place,
    random_identity,
    render_id_card,
    render_letter,
    render_passport,
)
from kiosk.domain.mrz import Format, Identity, parse_valid

TODAY = dt.date(2026, 1, 15)
# 4:3, as webcams also deliver: the whole page fits at >= 20 px per MRZ character.
FRAME = (1280, 960)
FPS = 10


def _identity_json(ident: Identity, lines: tuple[str, ...]) -> dict[str, object]:
    result = parse_valid(lines, today=TODAY)
    return {
        "format": result.format.value,
        "mrz": list(lines),
        "surname": result.surname,
        "given_names": result.given_names,
        "document_number": result.document_number,
        "nationality": result.nationality,
        "issuing_state": result.issuing_state,
        "birth_date": result.birth_date.isoformat() if result.birth_date else None,
        "sex": result.sex,
        "expiry_date": result.expiry_date.isoformat() if result.expiry_date else None,
        "printed_surname": ident.extra.get("surname_print", ""),
        "printed_given_names": ident.extra.get("given_print", ""),
    }


def _doc(kind: str, seed: int, px_per_mm: float) -> Document:
    rng = np.random.default_rng(seed)
    if kind == "letter":
        return render_letter(rng, px_per_mm)
    fmt = Format.TD3 if kind == "passport" else Format.TD1
    ident = random_identity(rng, fmt, TODAY)
    ident = replace(ident, expiry_date=dt.date(2033, 5, 17), issuing_state=ident.nationality)
    render = render_passport if kind == "passport" else render_id_card
    return render(ident, rng, px_per_mm)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[1] / "kiosk/devices/samples"
    )
    args = ap.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, object]] = {}
    still = Degradation(frame_size=FRAME, rotation_deg=-2.5, perspective=0.015,
                        noise_sigma=2.0, jpeg_quality=None, uneven_light=0.15)  # fmt: skip

    passport = _doc("passport", 11, 8.7)  # 22 px per MRZ character
    card = _doc("id_card", 12, 10.2)  # 26 px per MRZ character
    letter = _doc("letter", 13, 2.1)
    for name, doc, deg in (
        ("passport.jpg", passport, still),
        ("id_card.jpg", card, replace(still, rotation_deg=3.0)),
        ("letter.jpg", letter, replace(still, rotation_deg=1.5, uneven_light=0.25)),
    ):
        sample = place(doc, deg, np.random.default_rng(len(name)))
        cv2.imwrite(str(out / name), sample.image, [cv2.IMWRITE_JPEG_QUALITY, 82])
        entry: dict[str, object] = {"kind": doc.kind, "size": list(FRAME)}
        if doc.identity is not None:
            entry.update(_identity_json(doc.identity, doc.mrz_lines))
            entry["char_px"] = round(sample.char_px, 1)
        manifest[name] = entry

    frames, last = frame_sequence(
        passport, np.random.default_rng(21), moving=5, still=9, degradation=still
    )
    writer = cv2.VideoWriter(str(out / "passport.avi"), cv2.VideoWriter.fourcc(*"MJPG"), FPS, FRAME)
    writer.set(cv2.VIDEOWRITER_PROP_QUALITY, 70)
    for frame in frames:
        writer.write(frame)
    writer.release()
    entry = {"kind": "passport", "size": list(FRAME), "frames": len(frames), "fps": FPS,
             "moving_frames": 5, "char_px": round(last.char_px, 1)}  # fmt: skip
    entry.update(_identity_json(passport.identity, passport.mrz_lines))  # type: ignore[arg-type]
    manifest["passport.avi"] = entry
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    total = sum((out / n).stat().st_size for n in manifest)
    print(f"wrote {len(manifest)} samples to {out} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
