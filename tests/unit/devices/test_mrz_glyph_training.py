"""The shipped glyph classifier comes from scripts/train_mrz_glyphs.py, and training is
deterministic. Re-training the whole model takes minutes (it cuts cells out of 640 realistic
captures): ``scripts/train_mrz_glyphs.py --check`` does it and compares every array with the
shipped file; here, what can be checked in a second."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from kiosk.devices.mrz_reader import (
    GLYPH_MODEL_PATH,
    MRZ_CHARS,
    fit_glyph_model,
    load_glyph_model,
    training_set,
)

ROOT = Path(__file__).resolve().parents[3]


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "train_mrz_glyphs", ROOT / "scripts/train_mrz_glyphs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_model_was_made_by_the_script_with_its_defaults() -> None:
    model = load_glyph_model(GLYPH_MODEL_PATH)
    assert model.meta["script"] == "scripts/train_mrz_glyphs.py"
    assert model.meta["args"] == _script().DEFAULTS
    assert len(str(model.meta["data_sha256"])) == 64
    assert model.w2.shape[1] == len(MRZ_CHARS)


def test_training_is_deterministic() -> None:
    x, y = training_set(3, 8)
    a = fit_glyph_model(x, y, seed=5, hidden=32, epochs=2)
    b = fit_glyph_model(x, y, seed=5, hidden=32, epochs=2)
    c = fit_glyph_model(x, y, seed=6, hidden=32, epochs=2)
    for name in ("mu", "scale", "w1", "b1", "w2", "b2"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert not np.array_equal(a.w1, c.w1)


def test_the_shipped_model_reads_rendered_characters() -> None:
    x, y = training_set(12345, 6)  # a seed the script never uses
    model = load_glyph_model(GLYPH_MODEL_PATH)
    assert float((model.classify(x) == y).mean()) >= 0.97
