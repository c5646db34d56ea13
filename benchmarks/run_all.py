"""Runs every benchmark script and prints its figures, one after the other.

    .venv/bin/python benchmarks/run_all.py           # full runs (minutes)
    .venv/bin/python benchmarks/run_all.py --quick   # each in its quick mode, as CI does

Each script is a separate process so one's imports and threads do not skew another's.
Exits non-zero if a script fails, so CI notices a benchmark that no longer runs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("names", nargs="*", help="only these (e.g. startup mrz)")
    args = parser.parse_args()
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != "run_all.py")
    if args.names:
        scripts = [p for p in scripts if p.stem in args.names]
    failed = []
    for script in scripts:
        print(f"\n== {script.stem}", flush=True)
        t0 = time.perf_counter()
        cmd = [sys.executable, str(script), *(["--quick"] if args.quick else [])]
        rc = subprocess.run(cmd, cwd=HERE.parent, check=False).returncode
        print(f"({script.stem}: {time.perf_counter() - t0:.1f} s, exit {rc})", flush=True)
        if rc != 0:
            failed.append(script.stem)
    if failed:
        print(f"\nbenchmarks that failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
