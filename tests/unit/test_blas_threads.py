"""numpy's OpenBLAS runs one thread in every process that imports the kiosk first (see
``kiosk/__init__.py``: its threads spun beside the MRZ reader's small products, 4x its CPU)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The number of threads numpy's OpenBLAS runs, asked of the library it loaded.
PROBE = textwrap.dedent(
    """
    import ctypes, sys
    {imports}
    import numpy
    numpy.ones((64, 64)) @ numpy.ones((64, 64))
    paths = {{line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line}}
    for path in sorted(paths):
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                     "openblas_get_num_threads"):
            if hasattr(lib, name):
                print(getattr(lib, name)())
                sys.exit(0)
    sys.exit("no OpenBLAS loaded")
    """
)


def _blas_threads(imports: str, **env: str) -> int:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(imports=imports)],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env={**clean, **env}, check=True,
    )  # fmt: skip
    return int(out.stdout.strip())


def test_importing_the_kiosk_first_leaves_numpy_one_blas_thread() -> None:
    assert _blas_threads("import kiosk") == 1


def test_without_the_kiosk_openblas_takes_every_core() -> None:
    """What the line in kiosk/__init__.py changes (on a machine of more than one core)."""
    cores = len(os.sched_getaffinity(0))
    assert _blas_threads("") == min(cores, 64)


def test_a_value_set_by_the_environment_is_kept() -> None:
    assert _blas_threads("import kiosk", OPENBLAS_NUM_THREADS="2") == 2
