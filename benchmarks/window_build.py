"""What a kiosk window costs the GUI tests and the accessibility audit (issue 14): building
it through the composition root, showing it at 1280x1024, re-theming it (200 %, high
contrast) and retranslating it (Arabic, then French). Prints the median wall and CPU time
of each over ``--runs`` builds in this process (the first build, which pays for the
imports and the QApplication, is left out), the number of widgets in the window, and the
machine's load.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/window_build.py [--runs 7]
    [--profile build|retheme|retranslate]   (cProfile of one phase: the costliest functions)

Measured on the 2-core development machine on 2026-12-07, median of 5 builds, CPU time
(main at c77c140 against headers built on a screen's first show):

=================  ==================  ==================  ========================
phase              load 3.1 (before)   load 3.1 (after)    load 7-9 (before, after)
=================  ==================  ==================  ========================
build              1158 ms             662 ms              1659 ms, 793 ms
show               242 ms              146 ms              266 ms, 189 ms
re-theme (x2)      1939 ms             1033 ms             2985 ms, 1321 ms
retranslate (x2)   2550 ms             1659 ms             3475 ms, 2193 ms
widgets (shown)    1280                800
=================  ==================  ==================  ========================

Those figures kept every window built alive (``deleteLater`` without an event loop), each
with its event filter on the application: the later builds paid for the earlier windows'
filters. With the windows deleted (2026-12-07, median of 5, CPU, load 3.0-3.3, main at
359817c against one event filter on the application instead of two, alternated twice):

=================  ==================  ==================
phase              main                one filter
=================  ==================  ==================
build              321, 371 ms         231, 248 ms
show               72, 80 ms           58, 60 ms
re-theme (x2)      615, 672 ms         482, 524 ms
retranslate (x2)   831, 947 ms         674, 690 ms
=================  ==================  ==================

What is left is mostly the window's one stylesheet, re-polishing every widget (about
three quarters of a build's and of a retranslation's time under cProfile): it changes
with the theme and with the language's script (Arabic text sizes), so it cannot be
skipped; it costs in proportion to the widgets.

cProfile hides part of it: ``perf record -e cpu-clock --call-graph dwarf`` over
re-themes put 30 % of their samples under Qt's sendThroughApplicationEventFilters, most
of it Shiboken making Python wrappers of the events and widgets handed to the window's
Python event filter (a dozen font, palette and style changes for each widget, none of
which it reads), counted by cProfile inside setStyleSheet. The application's Python
filters are now off during a restyle (MainWindow._filters_quiet). Side by side on
2026-12-07, median of 5, CPU, main at f1dd9c0 against it, alternated twice, load 11-18
(other sessions' tests running):

=================  ==================  ==================
phase              main                filters off
=================  ==================  ==================
build              425, 366 ms         383, 389 ms
show               100, 85 ms          104, 109 ms
re-theme (x2)      928, 875 ms         693, 639 ms
retranslate (x2)   1160, 1206 ms       850, 822 ms
=================  ==================  ==================

The admin screen (about 200 widgets) is now built on its first use, and the hidden
on-screen keyboard (about 125) makes its keys again only when next shown: a restyle
touches what an applicant can reach. Side by side on 2026-12-07, median of 5, CPU,
alternated, load 16-20 (other sessions' tests running):

=================  ==================  ==================  ==================
phase              main at 59422d6     admin lazily        and keyboard
=================  ==================  ==================  ==================
build              398, 443 ms         311, 294 ms         195, 208 ms
show               131, 154 ms         127, 94 ms          99, 117 ms
re-theme (x2)      680, 762 ms         642, 608 ms         397, 439 ms
retranslate (x2)   912, 859 ms         821, 735 ms         451, 455 ms
widgets (shown)    800                 595                 471
=================  ==================  ==================  ==================
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--profile", choices=("build", "retheme", "retranslate"), help="cProfile one phase"
    )
    args = parser.parse_args()

    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication, QWidget

    from contract.catalogue import load_catalogue
    from kiosk.config import Settings
    from kiosk.devices.speech import RecordingSpeech
    from kiosk.i18n import Translator
    from kiosk.testing import FakeMonotonic, FakeSealer, MemoryStore
    from kiosk.ui.compose import Overrides, build_kiosk
    from kiosk.ui.theme import Theme

    app = QApplication.instance() or QApplication([])
    catalogue = load_catalogue()

    def build() -> Any:
        return build_kiosk(
            Settings(fullscreen=False),
            Overrides(
                catalogue=catalogue,
                store=MemoryStore(),
                sealer=FakeSealer(),
                speech=RecordingSpeech(),
                monotonic=FakeMonotonic(),
                kiosk_id=lambda: "kiosk-bench",
                full=False,
                app_style=False,
            ),
        )

    def show(kiosk: Any) -> None:
        kiosk.window.resize(1280, 1024)
        kiosk.window.show()
        app.processEvents()

    def retheme(kiosk: Any) -> None:
        kiosk.window.apply_theme(Theme(scale=2.0, high_contrast=True))
        app.processEvents()
        kiosk.window.apply_theme(Theme())
        app.processEvents()

    def retranslate(kiosk: Any) -> None:
        kiosk.window.retranslate(Translator("ar"))
        app.processEvents()
        kiosk.window.retranslate(Translator("fr"))
        app.processEvents()

    def close(kiosk: Any) -> None:
        kiosk.session.shutdown()
        kiosk.window.close()
        kiosk.window.deleteLater()
        app.processEvents()
        # Outside an event loop, processEvents leaves deferred deletes alone: every window
        # built stayed alive, its event filter on the application seeing every event of
        # the builds after it (the later builds measured more and more filters).
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        app.processEvents()

    if args.profile:
        import cProfile
        import pstats

        close_me = build()  # imports and first-use caches out of the profile
        show(close_me)
        close(close_me)
        profiler = cProfile.Profile()
        if args.profile == "build":
            profiler.enable()
        kiosk = build()
        show(kiosk)
        if args.profile != "build":
            profiler.enable()
            (retheme if args.profile == "retheme" else retranslate)(kiosk)
        profiler.disable()
        close(kiosk)
        stats = pstats.Stats(profiler).sort_stats("tottime")
        stats.print_stats(25)
        stats.print_callers("setStyleSheet")
        return

    figures: dict[str, list[tuple[float, float]]] = {
        "build": [],
        "show": [],
        "retheme": [],
        "retranslate": [],
    }
    widgets = 0
    for run in range(args.runs + 1):
        wall, cpu, kiosk = _timed(build)
        steps = [("build", wall, cpu)]
        wall, cpu, _ = _timed(lambda k=kiosk: show(k))
        steps.append(("show", wall, cpu))
        widgets = len(kiosk.window.findChildren(QWidget))
        wall, cpu, _ = _timed(lambda k=kiosk: retheme(k))
        steps.append(("retheme", wall, cpu))
        wall, cpu, _ = _timed(lambda k=kiosk: retranslate(k))
        steps.append(("retranslate", wall, cpu))
        close(kiosk)
        if run:  # the first pays for imports and caches
            for name, w, c in steps:
                figures[name].append((w, c))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"widgets in a shown window: {widgets}")
    for name, values in figures.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(
            f"{name:12s} wall {wall * 1000:7.0f} ms   cpu {cpu * 1000:7.0f} ms   (median of {len(values)})"
        )


if __name__ == "__main__":
    main()
