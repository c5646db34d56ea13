"""Start-up figures: time from process start to the welcome screen painted, the resident
memory and the CPU time then. Target (issue 14): 1.5 s median or less, 250 MB or less, on 2
idle cores.

Runs the real `kiosk` (fake devices, windowed, offscreen unless a display is set,
``--exit-after-shown``: it prints its figures right after the welcome screen's first paint,
the moment the kiosk starts its background work) several times in fresh processes, three
ways:

- **source tree**: this checkout's virtual environment, as ``scripts/bootstrap.sh`` makes it
  (third-party bytecode compiled at install, the project's own packages compiled too);
- **installed package**: the Debian package's environment in /opt/kiosk-titre-sejour when
  it is installed, else a wheel of this tree installed with ``uv pip install
  --compile-bytecode`` in a virtual environment of its own (``out/bench-startup/``, kept
  between runs and rebuilt when the wheel or the lock changes);
- **no bytecode**: that same wheel environment before its bytecode is compiled, run with
  ``PYTHONDONTWRITEBYTECODE=1``: what every start cost when the environment shipped no
  ``.pyc`` and the variable was set (containers, CI images), as bootstrap used to leave it.

    .venv/bin/python benchmarks/startup.py [--runs 7] [--quick] [--only source,installed,nobytecode]

Under load the wall time grows and the CPU time much less: both are printed, with the
machine's load average. ``-X importtime`` gives the modules' share (``--importtime`` prints
the 25 costliest imports of one run from the source tree).

Budget (CPU time to the first paint, source tree with bytecode, measured on the 2-core
development machine under load 1-5 on 2026-12-06; ``-X importtime`` cumulative figures):

======================================  =======  =================================================
part                                    budget   what it holds
======================================  =======  =================================================
interpreter, site, encodings            60 ms    (the venv's .pth files)
kiosk.app, kiosk.config                 80 ms    pydantic (settings), platformdirs, tomllib
PySide6 QtCore/QtGui/QtWidgets          120 ms   shiboken's signature bootstrap
kiosk.ui (controller, flow, screens)    250 ms   kiosk.domain (session, identity prefill: phone
                                                 numbers), contract.sealing (cryptography, HPKE),
                                                 contract.protocol (pydantic models), babel
catalogue (YAML + validation)           60 ms    libyaml's CSafeLoader, pydantic
QApplication, MainWindow, 15 screens    300 ms   one stylesheet polish (it was three: 0.25 s each)
first render and paint                  50 ms
--------------------------------------  -------  -------------------------------------------------
total                                   ~0.9 s   wall ~1.0 s on idle cores
======================================  =======  =================================================

Not on that path any more (after the paint, one slice per turn of the event loop, or on
their own thread): the store (SQLAlchemy + Alembic, ~1.0 s without bytecode, ~0.25 s with;
it was opened synchronously on the GUI thread by the first render, a lookup of
``store.delete_pages``), the HTTP client (requests, ~0.1 s: staff sign-in and the help-call
thread, which imported it concurrently with the GUI thread), OpenCV and the OCR model (on
the worker pool), the voice's engine process and the sync thread.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPT_PYTHON = Path("/opt/kiosk-titre-sejour/bin/python")
WORK = ROOT / "out" / "bench-startup"
UV = ROOT / ".venv" / "bin" / "uv"


def one_run(python: Path, data_dir: str, extra_env: dict[str, str]) -> tuple[float, float, float]:
    env = {**os.environ, **extra_env}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(python), "-m", "kiosk", "--windowed", "--fake-devices", "--exit-after-shown",
         "--data-dir", data_dir],
        env=env, capture_output=True, text=True, timeout=120, check=False, cwd=tempfile.gettempdir(),
    )  # fmt: skip
    wall = time.perf_counter() - t0
    for line in proc.stdout.splitlines():
        if line.startswith("welcome_shown"):
            fields = dict(part.split("=") for part in line.split()[1:])
            return float(fields["since_start_s"]), float(fields["rss_mb"]), float(fields["cpu_s"])
    raise SystemExit(
        f"{python}: kiosk did not report start-up (exit {proc.returncode}, {wall:.1f}s):\n"
        f"{proc.stderr[-3000:]}"
    )


def _sh(*cmd: str | Path) -> None:
    subprocess.run([str(c) for c in cmd], check=True, stdout=subprocess.DEVNULL)


def wheel_environment() -> tuple[Path, Path]:
    """A virtual environment with a wheel of this tree and the locked dependencies, without
    bytecode (returned first), and a copy of it with bytecode compiled by uv at install."""
    uv = UV if UV.exists() else Path(shutil.which("uv") or "uv")
    WORK.mkdir(parents=True, exist_ok=True)
    dist = WORK / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    src = WORK / "src"
    shutil.rmtree(src, ignore_errors=True)
    # The tree as git sees it (tracked and new files), as installer/build-deb.sh builds it.
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
        capture_output=True,
    ).stdout.split(b"\0")  # fmt: skip
    for name in filter(None, files):
        path = ROOT / os.fsdecode(name)
        if path.is_file():
            (src / path.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, src / path.relative_to(ROOT))
    _sh(uv, "build", "-q", "--wheel", "--out-dir", dist, src)
    wheel = next(dist.glob("*.whl"))
    lock = ROOT / "requirements.lock"
    key = hashlib.sha256(wheel.read_bytes() + lock.read_bytes()).hexdigest()[:16]
    envs = []
    for compiled in (False, True):
        venv = WORK / f"venv-{'pyc' if compiled else 'nopyc'}-{key}"
        if not (venv / "bin" / "python").exists():
            for old in WORK.glob(f"venv-{'pyc' if compiled else 'nopyc'}-*"):
                shutil.rmtree(old)
            _sh(uv, "venv", "-q", "--python", sys.executable, venv)
            flags = ["--compile-bytecode"] if compiled else []
            _sh(uv, "pip", "install", "-q", *flags, "--python", venv / "bin" / "python",
                "-c", lock, wheel)  # fmt: skip
        envs.append(venv / "bin" / "python")
    shutil.rmtree(src, ignore_errors=True)
    return envs[0], envs[1]


def measure(label: str, python: Path, runs: int, env: dict[str, str]) -> tuple[str, list]:
    with tempfile.TemporaryDirectory() as data_dir:
        one_run(python, data_dir, env)  # the first run creates the database and key
        results = [one_run(python, data_dir, env) for _ in range(runs)]
    return label, results


def importtime() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "kiosk", "--windowed", "--fake-devices",
             "--exit-after-shown", "--data-dir", data_dir],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    rows = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            _self, cumulative, name = line.split(":", 1)[1].split("|")
            rows.append((int(cumulative), name.rstrip()))
    print("\ncostliest imports on the path to the first paint (cumulative, one run):")
    for cumulative, name in sorted(rows, reverse=True)[:25]:
        print(f"{cumulative / 1000:8.1f} ms  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one run each (CI proves it runs)")
    parser.add_argument("--only", default="source,installed,nobytecode")
    parser.add_argument("--importtime", action="store_true")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    wanted = set(args.only.split(","))
    plans: list[tuple[str, Path, dict[str, str]]] = []
    if "source" in wanted:
        plans.append(("source tree (bytecode compiled)", Path(sys.executable), {}))
    if wanted & {"installed", "nobytecode"}:
        t0 = time.perf_counter()
        nopyc, pyc = wheel_environment()
        print(f"(wheel environments ready in {time.perf_counter() - t0:.0f} s)", flush=True)
        if "installed" in wanted:
            if OPT_PYTHON.exists():
                plans.append(("installed Debian package (/opt)", OPT_PYTHON, {}))
            plans.append(("installed wheel (--compile-bytecode)", pyc, {}))
        if "nobytecode" in wanted:
            plans.append(
                ("installed wheel, no .pyc, DONTWRITEBYTECODE", nopyc,
                 {"PYTHONDONTWRITEBYTECODE": "1"})
            )  # fmt: skip
    results = []
    for label, python, env in plans:
        results.append(measure(label, python, runs, env))
    load = os.getloadavg()
    print(f"\n{runs} run(s) each after a first one; load average {load[0]:.1f} {load[1]:.1f}, "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    head = f"{'environment':<46}{'median s':>9}{'worst s':>9}{'CPU s':>8}{'RSS MB':>8}"
    print(head + f"{'target':>18}")
    for label, rows in results:
        times = [t for t, _, _ in rows]
        print(
            f"{label:<46}{statistics.median(times):>9.2f}{max(times):>9.2f}"
            f"{statistics.median(c for _, _, c in rows):>8.2f}"
            f"{max(m for _, m, _ in rows):>8.0f}{'<= 1.5 s, 250 MB':>18}"
        )
    if args.importtime:
        importtime()


if __name__ == "__main__":
    main()
