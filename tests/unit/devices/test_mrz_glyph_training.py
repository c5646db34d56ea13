"""The shipped glyph classifier comes from scripts/train_mrz_glyphs.py, and training is
deterministic, whatever BLAS kernels the CPU would pick. Re-training the whole model takes
minutes (it cuts cells out of 640 realistic captures): ``scripts/train_mrz_glyphs.py
--check`` does it and compares every array with the shipped file; here, what can be
checked in a few seconds."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

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


# A small training in a process of its own that loads the script first, as running it does:
# the BLAS kernels it pinned and the digest of the arrays it fits.
FIT_AS_THE_SCRIPT = textwrap.dedent(
    """
    import hashlib, importlib.util
    spec = importlib.util.spec_from_file_location("t", "scripts/train_mrz_glyphs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import numpy as np
    x, y = module.training_set(3, 8)
    m = module.fit_glyph_model(x, y, seed=5, hidden=32, epochs=2)
    arrays = (getattr(m, n).astype(np.float32) for n in ("mu", "scale", "w1", "b1", "w2", "b2"))
    digest = hashlib.sha256(b"".join(a.tobytes() for a in arrays)).hexdigest()
    print(getattr(module, "BLAS_CORE", "") or "-", digest)
    """
)
# What the pinned kernels (and requirements.lock's numpy) fit: the shipped file's arithmetic.
# A numpy or OpenBLAS that rounds otherwise changes it; then --check fails and the shipped
# model can no longer be re-made: re-train it (and benchmark it) with the new libraries.
PINNED_DIGEST = "e499c25e7bbef0d5"


def _fit_as_the_script(core: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    return subprocess.run(
        [sys.executable, "-c", FIT_AS_THE_SCRIPT],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=True,
        env=env | ({"OPENBLAS_CORETYPE": core} if core else {}),
    ).stdout.split()  # fmt: skip


def _avx2() -> bool:
    try:
        info = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    flags = next((line.split() for line in info.splitlines() if line.startswith("flags")), [])
    return {"avx2", "fma"} <= set(flags)


@pytest.mark.skipif(not _avx2(), reason="the pinned kernels need an x86-64 CPU with AVX2, FMA")
def test_training_is_the_same_whatever_blas_kernels_the_cpu_would_pick() -> None:
    """OpenBLAS picks its kernels by CPU (or OPENBLAS_CORETYPE), and they round differently:
    the shipped model, fitted with Haswell's, was re-made otherwise on an AVX-512 machine.
    The script pins them: a process told to use other kernels trains the same arrays."""
    native = _fit_as_the_script("")
    assert native[0] == "Haswell"
    assert native == _fit_as_the_script("Sandybridge")
    assert native[1].startswith(PINNED_DIGEST)
