"""The conformance report: one self-contained HTML page (screenshots beside it as PNG
files) and a machine-readable JSON summary."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from html import escape
from pathlib import Path

from kiosk.audit.model import (
    CHECKS,
    CHECKS_BY_ID,
    FAIL,
    NOT_APPLICABLE,
    PASS,
    AuditResult,
    CheckRecord,
)

MAX_ROWS_PER_CHECK = 150

_CSS = """
body { font: 16px/1.5 "Noto Sans", "DejaVu Sans", sans-serif; color: #161616; margin: 0 2rem 4rem; }
h1 { font-size: 2rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #000091; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #929292; padding: .25rem .5rem; text-align: start; vertical-align: top; }
th { background: #eeeeee; }
td.num { text-align: end; font-variant-numeric: tabular-nums; }
.pass { background: #b8fec9; } .fail { background: #ffe9e9; color: #b00000; font-weight: bold; }
.na { background: #fff4d1; }
.verdict { font-size: 1.4rem; padding: .75rem 1rem; display: inline-block; border: 3px solid; }
.verdict.pass { border-color: #18753c; color: #18753c; } .verdict.fail { border-color: #ce0500; }
code { font-size: .9em; } small { color: #3a3a3a; }
figure { display: inline-block; margin: .5rem; vertical-align: top; }
figure img { width: 400px; border: 1px solid #666; } figcaption { font-size: .85rem; }
details { margin: .5rem 0; } summary { cursor: pointer; font-weight: bold; }
"""


def _counts(records: list[CheckRecord]) -> Counter[str]:
    return Counter(r.status for r in records)


def _cell(records: list[CheckRecord]) -> str:
    c = _counts(records)
    if not records:
        return "<td></td>"
    if c[FAIL]:
        violations = sum(len(r.violations) for r in records)
        return f'<td class="fail num">{c[FAIL]} fail / {len(records)}<br><small>{violations} violations</small></td>'
    if c[PASS]:
        na = f"<br><small>{c[NOT_APPLICABLE]} n/a</small>" if c[NOT_APPLICABLE] else ""
        return f'<td class="pass num">{c[PASS]} pass{na}</td>'
    return f'<td class="na num">{c[NOT_APPLICABLE]} n/a</td>'


def _combo(scale: float, theme: str) -> str:
    return f"{round(scale * 100)} % {'high contrast' if theme == 'high' else 'normal'}"


def render_html(result: AuditResult) -> str:
    records = result.records
    violations = result.violations
    c = _counts(records)
    ok = not violations
    out: list[str] = []
    add = out.append
    add("<!doctype html><html lang='en'><head><meta charset='utf-8'>")
    add("<title>Kiosk accessibility audit</title>")
    add(f"<style>{_CSS}</style></head><body>")
    add("<h1>Kiosk titre de séjour — accessibility conformance audit</h1>")
    add(
        f'<p class="verdict {"pass" if ok else "fail"}">'
        f"{'No violation found' if ok else f'{len(violations)} violations'}</p>"
    )
    add(
        "<p>Automated audit of the real kiosk window (offscreen, 1280 × 1024, fake devices, voice on). "
    )
    add("References: EN 301 549 V3.2.1 (clause 5 closed functionality, clause 11 software), ")
    add("WCAG 2.2, RGAA 4.1. Automated checks cover part of these standards only: a manual ")
    add("review with users and assistive technology remains necessary.</p>")
    add("<ul>")
    add(f"<li>Languages: {', '.join(result.languages)}</li>")
    add(
        f"<li>Text sizes: {', '.join(f'{round(s * 100)} %' for s in result.scales)}; themes: {', '.join(result.themes)}</li>"
    )
    add(f"<li>States: {len(result.states)} ({', '.join(escape(s) for s in result.states)})</li>")
    add(
        f"<li>Check results: {c[PASS]} pass, {c[FAIL]} fail, {c[NOT_APPLICABLE]} not applicable; "
        f"{sum(r.checked for r in records)} items checked</li>"
    )
    add(
        f"<li>Run time: {result.seconds:.0f} s; generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC</li>"
    )
    if "coverage" in result.metrics:
        add(f"<li>Coverage: {escape(str(result.metrics['coverage']))}</li>")
    if "narration" in result.metrics:
        add(f"<li>Focus narration present: {'yes' if result.metrics['narration'] else 'no'}</li>")
    add("</ul>")

    # --- checks and clauses ---
    add(
        "<h2>Checks and their clauses</h2><table><tr><th>#</th><th>Check</th><th>EN 301 549</th>"
        "<th>WCAG 2.2</th><th>RGAA 4.1</th><th>Pass</th><th>Fail</th><th>N/A</th><th>Violations</th></tr>"
    )
    by_check: dict[str, list[CheckRecord]] = defaultdict(list)
    for r in records:
        by_check[r.check].append(r)
    for spec in CHECKS:
        rs = by_check.get(spec.id, [])
        cc = _counts(rs)
        nv = sum(len(r.violations) for r in rs)
        na_reason = next((r.not_applicable for r in rs if r.not_applicable), "")
        add(
            f"<tr><td class='num'>{spec.number}</td><td><b>{escape(spec.title)}</b><br>"
            f"<small>{escape(spec.method)}</small>"
            + (f"<br><small><i>{escape(na_reason)}</i></small>" if na_reason else "")
            + f"</td><td>{escape(', '.join(spec.en301549) or '—')}</td>"
            f"<td>{escape(', '.join(spec.wcag) or '—')}</td><td>{escape(', '.join(spec.rgaa) or '—')}</td>"
            f"<td class='num'>{cc[PASS]}</td><td class='num {'fail' if cc[FAIL] else ''}'>{cc[FAIL]}</td>"
            f"<td class='num'>{cc[NOT_APPLICABLE]}</td><td class='num'>{nv}</td></tr>"
        )
    add("</table>")

    # --- screen x language ---
    add(
        "<h2>Results per screen and language</h2><p>Each cell: check results over every text size and theme.</p>"
    )
    add(
        "<table><tr><th>State</th>"
        + "".join(f"<th>{escape(lang)}</th>" for lang in result.languages)
        + "</tr>"
    )
    grid: dict[tuple[str, str], list[CheckRecord]] = defaultdict(list)
    for r in records:
        grid[(r.state, r.language)].append(r)
    states = list(result.states) + sorted({r.state for r in records} - set(result.states))
    for state in states:
        add(
            f"<tr><th>{escape(state)}</th>"
            + "".join(_cell(grid[(state, lang)]) for lang in result.languages)
            + "</tr>"
        )
    add("</table>")

    # --- language x size x theme ---
    add("<h2>Results per language, text size and theme</h2>")
    combos = [(s, t) for t in result.themes for s in result.scales]
    add(
        "<table><tr><th>Language</th>"
        + "".join(f"<th>{_combo(s, t)}</th>" for s, t in combos)
        + "</tr>"
    )
    cube: dict[tuple[str, float, str], list[CheckRecord]] = defaultdict(list)
    for r in records:
        cube[(r.language, r.scale, r.theme)].append(r)
    for lang in result.languages:
        add(
            f"<tr><th>{escape(lang)}</th>"
            + "".join(_cell(cube[(lang, s, t)]) for s, t in combos)
            + "</tr>"
        )
    add("</table>")
    add("<details><summary>Every screen × language × text size × theme</summary><table>")
    add(
        "<tr><th>State</th><th>Language</th><th>Size</th><th>Theme</th><th>Pass</th><th>Fail</th><th>N/A</th><th>Failing checks</th></tr>"
    )
    full: dict[tuple[str, str, float, str], list[CheckRecord]] = defaultdict(list)
    for r in records:
        full[(r.state, r.language, r.scale, r.theme)].append(r)
    for (state, lang, scale, theme), rs in sorted(
        full.items(),
        key=lambda kv: (states.index(kv[0][0]) if kv[0][0] in states else 999, kv[0][1:]),
    ):
        cc = _counts(rs)
        failing = sorted({CHECKS_BY_ID[r.check].number for r in rs if r.status == FAIL})
        add(
            f"<tr><td>{escape(state)}</td><td>{escape(lang)}</td><td>{round(scale * 100)} %</td><td>{escape(theme)}</td>"
            f"<td class='num'>{cc[PASS]}</td><td class='num {'fail' if cc[FAIL] else ''}'>{cc[FAIL]}</td>"
            f"<td class='num'>{cc[NOT_APPLICABLE]}</td><td>{', '.join(map(str, failing))}</td></tr>"
        )
    add("</table></details>")

    # --- violations ---
    add("<h2>Violations</h2>")
    if not violations:
        add("<p>None.</p>")
    for spec in CHECKS:
        vs = [v for v in violations if v.check == spec.id]
        if not vs:
            continue
        add(
            f"<h3>{spec.number}. {escape(spec.title)} — {len(vs)}</h3><p><small>{escape(spec.clauses)}</small></p>"
        )
        add(
            "<table><tr><th>State</th><th>Lang</th><th>Size</th><th>Theme</th><th>Widget</th><th>Problem</th><th>Measured</th></tr>"
        )
        for v in vs[:MAX_ROWS_PER_CHECK]:
            widget = (
                f"<code>{escape(v.widget.cls)}</code>"
                + (f" <code>#{escape(v.widget.object_name)}</code>" if v.widget.object_name else "")
                + (f"<br>“{escape(v.widget.name[:80])}”" if v.widget.name else "")
                + (
                    f"<br><small>text “{escape(v.widget.text[:60])}”</small>"
                    if v.widget.text and v.widget.text != v.widget.name
                    else ""
                )
                + (f"<br><small>{escape(v.widget.path)}</small>" if v.widget.path else "")
                if v.widget
                else "—"
            )
            add(
                f"<tr><td>{escape(v.state)}</td><td>{escape(v.language)}</td><td>{round(v.scale * 100)} %</td>"
                f"<td>{escape(v.theme)}</td><td>{widget}</td><td>{escape(v.message)}</td><td>{escape(v.measured)}</td></tr>"
            )
        add("</table>")
        if len(vs) > MAX_ROWS_PER_CHECK:
            add(f"<p>… and {len(vs) - MAX_ROWS_PER_CHECK} more in <code>summary.json</code>.</p>")

    # --- screenshots ---
    add("<h2>Screenshots</h2>")
    shots_by_state: dict[str, list] = defaultdict(list)
    for s in result.screenshots:
        shots_by_state[s.state].append(s)
    for state in states:
        shots = shots_by_state.get(state)
        if not shots:
            continue
        add(f"<details><summary>{escape(state)} ({len(shots)})</summary>")
        for s in shots:
            alt = f"{s.state}, {s.language}, {_combo(s.scale, s.theme)}"
            add(
                f"<figure><a href='{escape(s.path)}'><img loading='lazy' src='{escape(s.path)}' alt='{escape(alt)}'></a>"
                f"<figcaption>{escape(s.language)} — {_combo(s.scale, s.theme)}</figcaption></figure>"
            )
        add("</details>")
    add("</body></html>")
    return "\n".join(out)


def summary_json(result: AuditResult) -> dict:
    data = result.to_json()
    c = _counts(result.records)
    data["totals"] = {
        "pass": c[PASS],
        "fail": c[FAIL],
        "not_applicable": c[NOT_APPLICABLE],
        "violations": len(result.violations),
        "violations_by_check": dict(Counter(v.check for v in result.violations)),
    }
    return data


def write_report(result: AuditResult, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    html = out / "index.html"
    html.write_text(render_html(result), encoding="utf-8")
    summary = out / "summary.json"
    summary.write_text(
        json.dumps(summary_json(result), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return html, summary
