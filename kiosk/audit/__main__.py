"""``kiosk-audit``: the accessibility audit from the command line.

    kiosk-audit [--out DIR] [--languages fr,ar] [--scales 1.0,2.0] [--themes normal,high]
                [--quick] [--jobs N] [--no-screenshots | --failure-screenshots]
                [--fullest-only]

By default (``make audit``): every screen of every procedure, and every other screen of
the window (kiosk.audit.tours), in every language x text size x theme, shared by
language and theme over the CPUs. ``--ci`` (scripts/test): the same, except that each procedure's own
documents, check-answers and receipt screens are audited at 100 % normal in every
language and, rotating, in one other size and theme per language (every procedure meets
every size and theme; the fullest procedure's are audited everywhere), and only the
screenshots of states where a check failed are written.
``--quick``: French and Arabic at 100 % and 200 %.

Exit status: 0 when no violation is found, 1 when there is at least one, 2 when the audit
itself could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

QUICK_LANGUAGES = ["fr", "ar"]
QUICK_SCALES = [1.0, 2.0]
ALL_THEMES = ["normal", "high"]


def _list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from kiosk.i18n import LANGUAGES
    from kiosk.ui.theme import SCALES

    p = argparse.ArgumentParser(
        prog="kiosk-audit",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--out", type=Path, default=Path("out/audit"), help="report directory (default out/audit)"
    )
    p.add_argument(
        "--languages",
        type=_list,
        default=None,
        help=f"comma-separated (default all: {','.join(LANGUAGES)})",
    )
    p.add_argument(
        "--scales",
        type=lambda s: [float(x) for x in _list(s)],
        default=None,
        help="text sizes (default 1.0,1.5,2.0)",
    )
    p.add_argument("--themes", type=_list, default=None, help="normal,high (default both)")
    p.add_argument(
        "--quick",
        action="store_true",
        help="fr+ar, 100 %% and 200 %%, both themes, fewer screenshots",
    )
    p.add_argument(
        "--jobs", type=int, default=None, help="processes (default: the number of CPUs, at most 4)"
    )
    p.add_argument("--no-screenshots", action="store_true")
    p.add_argument(
        "--failure-screenshots",
        action="store_true",
        help="write the screenshots of the states where a check failed only",
    )
    p.add_argument(
        "--fullest-only",
        action="store_true",
        help="documents, check answers and receipt of every procedure at 100 %% normal "
        "only; elsewhere those of the procedure with the most to show (faster)",
    )
    p.add_argument(
        "--rotate",
        action="store_true",
        help="with --fullest-only: each procedure's own screens also in one other size and "
        "theme per language, rotating (every procedure meets every size and theme)",
    )
    p.add_argument(
        "--ci",
        action="store_true",
        help="what CI runs (scripts/test): --fullest-only --rotate --failure-screenshots, "
        "every language, size and theme",
    )
    p.add_argument(
        "--catalogues-checked",
        action="store_true",
        help="the catalogues were just checked by `scripts/i18n.py check` (scripts/test's "
        "translations step, which stops the run on a problem): their check is not run again",
    )
    p.add_argument("--every-procedure", action="store_true", help=argparse.SUPPRESS)  # default
    p.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--claims", type=Path, help=argparse.SUPPRESS)  # units shared by workers
    args = p.parse_args(argv)
    if args.ci:
        args.fullest_only = args.rotate = args.failure_screenshots = True
    if args.quick:
        args.languages = args.languages or QUICK_LANGUAGES
        args.scales = args.scales or QUICK_SCALES
    args.languages = args.languages or list(LANGUAGES)
    args.scales = args.scales or list(SCALES)
    args.themes = args.themes or ALL_THEMES
    unknown = [lang for lang in args.languages if lang not in LANGUAGES]
    if unknown:
        p.error(f"unknown language(s) {unknown}; known: {','.join(LANGUAGES)}")
    bad = [s for s in args.scales if s not in SCALES]
    if bad:
        p.error(f"unknown text scale(s) {bad}; known: {SCALES}")
    wrong = [t for t in args.themes if t not in ALL_THEMES]
    if wrong:
        p.error(f"unknown theme(s) {wrong}; known: {ALL_THEMES}")
    if args.jobs is None:
        args.jobs = max(1, min(os.cpu_count() or 1, 4))
    return args


def _options(args: argparse.Namespace, languages: list[str]):
    from kiosk.audit.driver import Options

    return Options(
        languages=languages,
        scales=args.scales,
        themes=args.themes,
        out=args.out,
        quick=args.quick,
        screenshots=not args.no_screenshots,
        failure_screenshots=args.failure_screenshots,
        every_procedure=not args.fullest_only,
        rotate=args.rotate,
        progress=lambda msg: print(f"  {msg}", file=sys.stderr, flush=True),
        claim=_claimer(args.claims) if args.claims is not None else None,
    )


def _claimer(folder: Path):
    """Each worker walks the same list of units (kiosk.audit.driver.units) and audits
    those it is first to claim: a file created exclusively in ``folder``. Processes
    that share the CPUs with other work (pytest in CI) end within one unit of each other,
    whatever the speed each of them gets."""

    def claim(index: int) -> bool:
        try:
            os.close(os.open(folder / f"unit-{index}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True

    return claim


def catalogue_outcome(args: argparse.Namespace, languages: list[str]):
    """The catalogue check (check 3), or, with ``--catalogues-checked``, not applicable:
    scripts/test's translations step ran this very check just before (scripts/i18n.py
    check, every language: what check_catalogues asks of the audited ones) and stops the
    run on a problem. Not run twice: the extraction of every message of the code."""
    from kiosk.audit.checks import check_catalogues
    from kiosk.audit.model import Outcome

    if args.catalogues_checked:
        return Outcome(
            not_applicable="checked by scripts/i18n.py check before the audit "
            "(scripts/test's translations step, every language)"
        )
    return check_catalogues(languages)


def audit(args: argparse.Namespace):
    """Run the audit (shared by ``args.jobs`` processes, by language and theme) and return the
    merged result, with the catalogue check added."""
    from kiosk.audit.model import AuditResult

    started = time.monotonic()
    languages = list(args.languages)
    jobs = min(args.jobs, len(languages) * len(args.themes))
    if jobs <= 1:
        from kiosk.audit.driver import run_audit

        result = run_audit(_options(args, languages))
    else:
        # Every worker takes the next unit (language, theme) no other has taken, the
        # heaviest first: none is left with a long tail when the others are done.
        result = AuditResult()
        with tempfile.TemporaryDirectory(prefix="kiosk-audit-") as tmp:
            claims = Path(tmp) / "claims"
            claims.mkdir()
            procs = []
            for i in range(jobs):
                part = Path(tmp) / f"part-{i}.json"
                cmd = [
                    sys.executable,
                    "-m",
                    "kiosk.audit",
                    "--worker",
                    str(part),
                    "--claims",
                    str(claims),
                    "--languages",
                    ",".join(languages),
                    "--scales",
                    ",".join(map(str, args.scales)),
                    "--themes",
                    ",".join(args.themes),
                    "--out",
                    str(args.out),
                ]
                if args.quick:
                    cmd.append("--quick")
                if args.no_screenshots:
                    cmd.append("--no-screenshots")
                if args.failure_screenshots:
                    cmd.append("--failure-screenshots")
                if args.fullest_only:
                    cmd.append("--fullest-only")
                if args.rotate:
                    cmd.append("--rotate")
                env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
                procs.append((subprocess.Popen(cmd, env=env), part))
            failed = [p.wait() for p, _ in procs]
            for (_proc, part), code in zip(procs, failed, strict=True):
                if code != 0 or not part.exists():
                    raise RuntimeError(f"audit worker failed (exit {code})")
                result.merge(AuditResult.from_json(json.loads(part.read_text(encoding="utf-8"))))
        result.languages = languages
    from kiosk.audit.driver import Runner

    outcome = catalogue_outcome(args, languages)
    Runner(None, result)._record("translation", "(catalogues)", ("*", 0.0, "-"), outcome)  # type: ignore[arg-type]
    result.seconds = time.monotonic() - started
    return result


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    args = parse_args(argv)
    if args.worker is not None:
        from kiosk.audit.driver import run_audit

        result = run_audit(_options(args, list(args.languages)))
        args.worker.write_text(json.dumps(result.to_json(), ensure_ascii=False), encoding="utf-8")
        return 0
    from kiosk.audit.report import write_report

    print(
        f"kiosk-audit: {len(args.languages)} languages x {len(args.scales)} text sizes x "
        f"{len(args.themes)} themes, {args.jobs} process(es)",
        file=sys.stderr,
        flush=True,
    )
    shots = args.out / "screens"
    if shots.is_dir():  # the previous run's screenshots (ours: nothing else goes there)
        shutil.rmtree(shots)
    try:
        result = audit(args)
    except Exception as exc:
        print(f"kiosk-audit: the audit could not run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    html, summary = write_report(result, args.out)
    violations = result.violations
    by_check = Counter(v.check for v in violations)
    statuses = Counter(r.status for r in result.records)
    print(
        f"{len(result.states)} states, {len(result.records)} check results: "
        f"{statuses['pass']} pass, {statuses['fail']} fail, {statuses['n/a']} not applicable; "
        f"{len(violations)} violations in {result.seconds:.0f} s"
    )
    for check, n in sorted(by_check.items()):
        print(f"  {check}: {n}")
    print(f"report: {html}  summary: {summary}")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
