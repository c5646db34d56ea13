"""Only the composition root (kiosk/ui/compose.py, ``build_kiosk``) constructs the session
controller: the app, the audit, the screenshots, the benchmarks and the tests go through it,
so the wiring is written once. The other controllers are held to where they are built
today, so that no new construction appears elsewhere; the flows the session controller
is made of are built by it alone. No controller gets a port after construction (a part
that arrives later comes through a slot the controller holds: ``Slot.provide``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("kiosk", "tests", "scripts", "benchmarks")
COMPOSITION_ROOT = "kiosk/ui/compose.py"

# Where each controller may be constructed. The session controller: the composition root
# only. The others: their factories (start_staff, attach_help_calls, build_scanner,
# attach_remote_actions), the composition root, and the places that still build their own
# (the scanner tests build the scanner on a fake camera).
PORTS_TEST = "tests/gui/test_controller_ports.py"  # builds each controller from its ports
SESSION = "kiosk/ui/controllers/session.py"
ALLOWED: dict[str, set[str]] = {
    "SessionController": {COMPOSITION_ROOT, PORTS_TEST},
    # The session controller's parts, built from its ports and itself as their host.
    **{
        name: {SESSION, PORTS_TEST}
        for name in (
            "ApplicationFlow",
            "IdleGuard",
            "ReceiptController",
            "ResumeFlow",
            "ScanFlow",
            "StepsFlow",
            "SubmitController",
        )
    },
    "AdminController": {COMPOSITION_ROOT, PORTS_TEST},
    "StaffController": {COMPOSITION_ROOT, PORTS_TEST, "kiosk/ui/controllers/staff.py"},
    "AssistController": {COMPOSITION_ROOT, PORTS_TEST, "kiosk/ui/controllers/staff.py"},
    "HelpCallController": {"kiosk/ui/controllers/help_call.py", PORTS_TEST},
    "ScanController": {
        "kiosk/ui/controllers/scanner.py",
        PORTS_TEST,
        "tests/gui/test_scan.py",
        "tests/gui/test_scan_flow.py",
        "tests/gui/test_applicant_path.py",
        "tests/e2e/test_scan_to_central.py",
    },
    "RemoteActions": {COMPOSITION_ROOT, PORTS_TEST, "tests/gui/test_remote_actions.py"},
}
CONSTRUCTION = re.compile(r"(?<![\w.])(" + "|".join(ALLOWED) + r")\(")


def constructions(text: str) -> list[tuple[int, str]]:
    """(line, controller) of each construction in ``text`` (class statements excluded)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("class "):
            continue
        found += [(number, m.group(1)) for m in CONSTRUCTION.finditer(line)]
    return found


def test_the_pattern_finds_a_construction_and_skips_a_class() -> None:
    assert constructions("    c = SessionController(\n") == [(1, "SessionController")]
    assert constructions("class SessionController(QObject):\n") == []
    assert constructions("x = kiosk.SessionController\n") == []


def scanned_sources() -> Iterator[tuple[str, str]]:
    """Each Python file of SCANNED but this one: its path from the root, and its text."""
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel != "tests/unit/test_composition_root.py":
                yield rel, path.read_text(encoding="utf-8")


def test_only_the_composition_root_constructs_the_controllers() -> None:
    strays = []
    for rel, text in scanned_sources():
        for number, name in constructions(text):
            if rel not in ALLOWED[name]:
                strays.append(f"{rel}:{number}: {name}(")
    assert strays == [], "build the kiosk with kiosk.ui.compose.build_kiosk:\n" + "\n".join(strays)


# A port set on a controller (or on the window, the sync thread or the help call's link)
# after it was built: ``controller.scanner = ...``, ``window.admin_controller = ...``.
PORTS = (
    "scanner", "help_calls", "staff", "assist", "printer", "status_service", "qr_camera",
    "auto_print", "site_name", "device_health", "on_commands", "on_update",
    "admin_controller", "remote_actions", "store", "sync", "sealer", "speech",
    "monotonic", "clock", "lockdown", "enrol_fn", "keepalive_s", "badge_camera", "settings",
    "config_path",
)  # fmt: skip
# The owner, reached from the test's bundles: ``admin.controller.lockdown``, ``admin.lockdown``.
OWNERS = (
    r"(?:(?:kiosk|admin|built|scan|staffed)\.)?"
    r"(?:controller|session|admin|staff|scanner|window|sync|runner|link|lockdown)(?:\.lockdown)?"
)
ASSIGNMENT = re.compile(rf"(?<![\w.]){OWNERS}\.(?:{'|'.join(PORTS)})\s*=(?!=)")


def test_the_pattern_finds_a_port_assigned_after_construction() -> None:
    assert ASSIGNMENT.search("    controller.scanner = scanner")
    assert ASSIGNMENT.search("    sync.device_health = device_health")
    assert ASSIGNMENT.search("    kiosk.controller.store = admin.store")
    assert ASSIGNMENT.search("    admin.controller.sync = RoundOnWake(admin)")
    assert ASSIGNMENT.search("    admin.controller.lockdown.monotonic = Clock()")
    assert ASSIGNMENT.search("    admin.lockdown.monotonic = Clock()")
    assert ASSIGNMENT.search("    lockdown.monotonic = clock")
    assert ASSIGNMENT.search("    admin.controller.enrol_fn = unreachable")
    assert ASSIGNMENT.search("    scan.controller.keepalive_s = 0.0")
    assert ASSIGNMENT.search("    staffed.staff.badge_camera = lambda: camera")
    assert ASSIGNMENT.search("    admin.controller.config_path = target")
    assert not ASSIGNMENT.search("    self.scanner = scanner")  # in its own constructor
    assert not ASSIGNMENT.search("    assert controller.printer == printer")


def test_no_port_is_assigned_after_construction() -> None:
    found = []
    for rel, text in scanned_sources():
        for number, line in enumerate(text.splitlines(), 1):
            if ASSIGNMENT.search(line):
                found.append(f"{rel}:{number}: {line.strip()}")
    assert found == [], "give the port at construction (or through a Slot):\n" + "\n".join(found)
