"""Accessible kiosk for residence-permit (titre de séjour) applications."""

import os

# One BLAS thread, set before anything imports numpy (its OpenBLAS reads this once, when it
# loads). The MRZ reader's matrix products are small: OpenBLAS's threads only spun beside
# it. On a page of text without an MRZ one read took 1.6 s of CPU with OpenBLAS's own
# threads, 0.39 s with one; the MRZ and scan-flow tests 70 s of CPU and 147 s of wall time,
# 41 s and 46 s (2 cores, load 5). A kiosk has 2 to 4 cores and a GUI thread to keep
# responsive. Whoever sets these variables keeps their value.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

__version__ = "0.1.0"
