"""Realistic captures (``tests/realistic_mrz.py``) kept on disk once drawn: a capture costs
0.2-0.6 s of CPU to draw and 0.05 s to read, so benchmark and training runs after the first
read them back. The cache lives under /tmp (``KIOSK_MRZ_CACHE``), never in the repository,
keyed by the generator's source (any change to it starts a new cache) and the seed. Tests
do not use it: they draw their own images."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

import cv2
import numpy as np

from tests.realistic_mrz import Capture, capture

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("KIOSK_MRZ_CACHE", "/tmp/kiosk-mrz-cache"))


@functools.cache
def _generator_key() -> str:
    digest = hashlib.sha256()
    for rel in ("tests/realistic_mrz.py", "kiosk/devices/samples/documents.py"):
        digest.update((ROOT / rel).read_bytes())
    return digest.hexdigest()[:12]


def cached_capture(kind: str, index: int, seed: int, *, cache: bool = True) -> Capture:
    """``capture(kind, index, seed)``, read back from the cache when it was drawn before
    (the same pixels: PNG is lossless)."""
    if not cache:
        return capture(kind, index, seed)
    path = CACHE / _generator_key() / str(seed) / f"{kind}-{index}.npz"
    try:
        with np.load(path) as data:
            image = cv2.imdecode(data["png"], cv2.IMREAD_COLOR)
            info = json.loads(str(data["info"]))
            quad = data["quad"] if data["quad"].size else None
        truth = tuple(info["truth"]) if info["truth"] is not None else None
        return Capture(image, info["kind"], info["fmt"], truth, info["char_px"], quad, info["meta"])
    except (OSError, KeyError, ValueError):
        pass
    shot = capture(kind, index, seed)
    ok, png = cv2.imencode(".png", shot.image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    info = {"kind": shot.kind, "fmt": shot.fmt, "truth": shot.truth, "char_px": shot.char_px,
            "meta": shot.meta}  # fmt: skip
    quad = shot.mrz_quad if shot.mrz_quad is not None else np.zeros((0, 2), np.float32)
    if ok:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, png=png, info=np.array(json.dumps(info, default=float)), quad=quad)
        os.replace(tmp, path)  # whole files only: parallel runs share the cache
    return shot
