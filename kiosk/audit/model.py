"""What the audit checks, which clauses each check answers to, and what it found.

Qt-free: the report and the JSON summary are built from these records only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "n/a"


@dataclass(frozen=True)
class CheckSpec:
    number: int
    id: str
    title: str
    en301549: tuple[str, ...]
    wcag: tuple[str, ...]
    rgaa: tuple[str, ...]
    method: str

    @property
    def clauses(self) -> str:
        def part(label: str, items: tuple[str, ...]) -> str:
            return f"{label} {', '.join(items)}" if items else f"{label} —"

        return " · ".join(
            (
                part("EN 301 549", self.en301549),
                part("WCAG 2.2", self.wcag),
                part("RGAA 4.1", self.rgaa),
            )
        )


# EN 301 549 V3.2.1: clause 5 (closed functionality) and clause 11 (software, mirrors
# WCAG 2.1). RGAA 4.1 follows WCAG 2.1: WCAG 2.2-only criteria (2.5.8, 3.2.6) have no
# RGAA criterion; "closest" marks a criterion that covers the idea, not the letter.
CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec(
        0,
        "coverage",
        "The audit reaches every screen of every procedure (not a clause: a failure here "
        "means part of the kiosk was not audited)",
        (),
        (),
        (),
        "Each procedure of the catalogue walked from the welcome screen to its receipt with "
        "the domain's sample answers; any screen that cannot be reached is reported.",
    ),
    CheckSpec(
        1,
        "accessible-name",
        "Every focusable widget has a non-empty accessible name",
        ("11.4.1.2", "5.1.3.1"),
        ("4.1.2 Name, Role, Value",),
        ("7.1", "11.9"),
        "QAccessible.queryAccessibleInterface(w).text(Name) of every visible, enabled widget "
        "with a focus policy.",
    ),
    CheckSpec(
        2,
        "input-label",
        "Every input has a label relation, and its name contains its visible label",
        ("11.1.3.1", "11.2.5.3", "11.3.3.2"),
        ("1.3.1 Info and Relationships", "2.5.3 Label in Name", "3.3.2 Labels or Instructions"),
        ("11.1", "11.2"),
        "QAccessible relation Label (QLabel.setBuddy) on each line edit, combo box, check box, "
        "spin box...; otherwise a visible sibling label whose text is in the name.",
    ),
    CheckSpec(
        3,
        "language",
        "Every widget's locale (and the voice) is the screen's language",
        ("11.3.1.1", "5.1.3.14"),
        ("3.1.1 Language of Page", "3.1.2 Language of Parts"),
        ("8.3", "8.4", "8.7"),
        "QWidget.locale() and the accessible Locale attribute; a language's own name may carry "
        "its own locale (language of parts). Speech requests carry the screen language.",
    ),
    CheckSpec(
        4,
        "translation",
        "No untranslated French text on a screen in another language; catalogues complete",
        ("11.3.1.1", "5.1.3.14"),
        ("3.1.1 Language of Page", "3.1.2 Language of Parts"),
        ("8.3", "8.4", "8.7 (closest)"),
        "Visible texts, names and descriptions compared with the French msgids (and msgid "
        "templates) that have a translation in the screen's language; scripts/i18n.py check.",
    ),
    CheckSpec(
        5,
        "text-contrast",
        "Text contrast from rendered pixels: 4.5:1 (3:1 large text), 7:1 in high contrast",
        ("11.1.4.3",),
        ("1.4.3 Contrast (Minimum)", "1.4.6 Contrast (Enhanced) in high contrast"),
        ("3.2",),
        "Each visible text widget is cropped from a grab of the window (or of its whole "
        "scrolled page): background = dominant colour, text = the most frequent colour among "
        "the pixels furthest from it; WCAG relative-luminance ratio.",
    ),
    CheckSpec(
        6,
        "non-text-contrast",
        "Input and button boundaries >= 3:1; focus ring: a >= 2 px outline at >= 3:1",
        ("11.1.4.11", "11.2.4.7"),
        ("1.4.11 Non-text Contrast", "2.4.7 Focus Visible", "2.4.13 Focus Appearance (AAA)"),
        ("3.3", "10.7"),
        "Theme tokens (borders on background and surface); the border pixels of each input "
        "against the pixels just outside; each tab stop grabbed focused and unfocused: the "
        "changed pixels must form a >= 2 px band on every visible side at >= 3:1; the "
        "fill of a chosen answer or of a header toggle that is on must not be the primary "
        "buttons' (it read as one to press).",
    ),
    CheckSpec(
        7,
        "target-size",
        "Interactive targets >= 44 x 44 px, and no smaller at larger text sizes",
        (),
        ("2.5.8 Target Size (Minimum)", "2.5.5 Target Size (Enhanced)"),
        (),
        "Geometry of every visible, enabled button, input and tab-focusable widget.",
    ),
    CheckSpec(
        8,
        "text-size",
        "Text >= 16 px at 100 %",
        ("5.1.4",),
        ("1.4.4 Resize Text",),
        ("10.4 (closest)",),
        "QFontInfo(widget.font()).pixelSize() (points converted at the screen's DPI).",
    ),
    CheckSpec(
        9,
        "reflow",
        "No clipped text and no horizontal scrolling (1280 x 1024 window, up to 200 %)",
        ("11.1.4.4", "11.1.4.10", "5.1.4"),
        ("1.4.4 Resize Text", "1.4.10 Reflow"),
        ("10.4", "10.11"),
        "Labels: heightForWidth / sizeHint within the geometry; buttons: sizeHint within the "
        "size; scroll areas: no horizontal scroll bar, content no wider than the viewport; "
        "every widget inside the window; dialogs inside the window.",
    ),
    CheckSpec(
        10,
        "focus-order",
        "Tab visits every control once, in reading order, loops; Shift+Tab reverses",
        ("11.2.4.3", "11.2.1.2", "5.1.6.2"),
        ("2.4.3 Focus Order", "2.1.2 No Keyboard Trap"),
        ("12.8", "12.9"),
        "Real Tab / Shift+Tab key presses from the first control in reading order "
        "(top to bottom, then start to end in the language's direction, 8 px tolerance).",
    ),
    CheckSpec(
        11,
        "keyboard-activation",
        "Space and Enter activate the focused button",
        ("11.2.1.1", "5.1.6.1"),
        ("2.1.1 Keyboard",),
        ("7.3", "12.13 (closest)"),
        "The help button focused, Space then Enter pressed: the help dialog must open.",
    ),
    CheckSpec(
        12,
        "direction",
        "Layout direction follows the language; start-aligned widgets and arrows mirrored",
        ("11.1.3.2",),
        ("1.3.2 Meaningful Sequence",),
        ("8.10",),
        "layoutDirection() of every widget; start/end-aligned layout items at the start/end "
        "edge; leading-aligned label text nearer the start edge (pixels); an arrow at the "
        "start of a button text points to the start side, one at the end to the end side.",
    ),
    CheckSpec(
        13,
        "error-identification",
        "Errors: focus on the summary, each names its field, described on the field, spoken",
        ("11.3.3.1", "11.3.3.3", "5.1.3.15"),
        ("3.3.1 Error Identification", "3.3.3 Error Suggestion", "4.1.3 Status Messages"),
        ("11.10", "11.11"),
        "Each step submitted empty (and the consent unticked): focus, link texts, "
        "accessibleDescription of each field, RecordingSpeech in the screen language.",
    ),
    CheckSpec(
        14,
        "speech-output",
        "Speech covers the screen (title, instruction) and repeats on demand",
        ("5.1.3.1", "5.1.3.4", "5.1.3.14"),
        (),
        (),
        "Voice on: what RecordingSpeech received when the screen (or dialog) appeared, after "
        "\u201cÉcouter\u201d, and on focus changes when focus narration exists.",
    ),
    CheckSpec(
        15,
        "consistent-help",
        "Header controls and Back: same names, same order on every screen",
        ("11.3.2.4 (closest)",),
        ("3.2.6 Consistent Help", "3.2.3 Consistent Navigation", "3.2.4 Consistent Identification"),
        ("12.2 (closest)",),
        "Accessible names of the header buttons in reading order and of Back, per language, "
        "text size and theme, compared with the first screen.",
    ),
    CheckSpec(
        16,
        "timeout-warning",
        "Inactivity: warning >= 30 s before the wipe (>= 20 s required), extendable",
        ("11.2.2.1",),
        ("2.2.1 Timing Adjustable",),
        ("13.1",),
        "The inactivity monitor driven with a fake clock: warning time, dialog, speech, "
        "extension (10 times), then the dialog audited like any screen.",
    ),
    # Issue 15: what walking the kiosk as new users would found (kiosk.audit.path_checks).
    CheckSpec(
        17,
        "wheel",
        "A mouse wheel over an input scrolls the page: it changes no answer, takes no focus, "
        "opens no keyboard",
        ("11.3.2.1", "11.3.2.2"),
        ("3.2.1 On Focus", "3.2.2 On Input"),
        ("7.5 (closest)",),
        "A wheel event sent over each visible input (combo and spin boxes, sliders, line "
        "edits, check boxes): value, focus and on-screen keyboard compared before and after; "
        "no input keeps the WheelFocus policy.",
    ),
    CheckSpec(
        18,
        "bidi",
        "Right to left: numbers, dates, amounts and codes are isolated left-to-right runs; "
        "Latin and digit inputs, and a date's placeholder, run left to right",
        ("11.1.3.2",),
        ("1.3.2 Meaningful Sequence",),
        ("8.10 (closest)",),
        "Every visible text of a right-to-left state: each run holding a digit must be inside "
        "LRI/FSI … PDI unless the widget runs left to right; line edits declared Latin or "
        "digits (catalogue script) must be left to right, a placeholder with Arabic letters "
        "must mark its separators with LRM.",
    ),
    CheckSpec(
        19,
        "notice-kind",
        "Notices: success, information, warning or error as their text means, each with its "
        "colour, icon and spoken prefix",
        ("5.1.3.15", "11.1.4.1", "11.4.1.3"),
        ("1.4.1 Use of Color", "4.1.3 Status Messages", "1.3.1 Info and Relationships"),
        ("3.1", "7.5"),
        "Each visible notice: its kind against the kind its messages declare "
        "(kiosk.domain.notices.INTENT, the most serious wins); its border pixel against the "
        "kind's theme token; its accessible name starting with the kind's translated prefix.",
    ),
    CheckSpec(
        20,
        "keyboard-script",
        "Each typed field declares its script; the on-screen keyboard opens in it",
        ("5.1.6.1", "11.3.3.2 (closest)"),
        ("3.3.2 Labels or Instructions (closest)",),
        ("11.10 (closest)",),
        "Every line edit the on-screen keyboard serves is focused in turn: its ``script`` "
        "property (catalogue metadata) must be latin, digits or any, and the keyboard's "
        "layout must be Latin for latin and digits, the language's own script for any.",
    ),
    CheckSpec(
        21,
        "in-view",
        "After each action the focused element and the primary action are in view; the header "
        "is one row with the title; a page under review takes half the screen",
        ("5.1.4", "11.2.4.11 (closest)", "11.1.4.10"),
        ("2.4.11 Focus Not Obscured (Minimum)", "1.4.10 Reflow", "1.4.4 Resize Text"),
        ("10.11", "12.8 (closest)"),
        "Geometry of the state as shown: the focused widget's top (as much as its viewport "
        "holds) and the whole primary action of the action bar inside the scroll viewports and "
        "the window; the header's controls on one row and its title shown; the page under "
        "review >= 50 % and the camera's view >= 30 % of the window's height, visible.",
    ),
    CheckSpec(
        22,
        "screen-shape",
        "Every screen on both screen shapes: 1280 x 1024 (4:3) and 1920 x 1080 (16:9); the "
        "welcome screen fits 1280 x 960 at 100 % without scrolling",
        ("5.1.4", "11.1.4.10"),
        ("1.4.10 Reflow", "1.4.4 Resize Text"),
        ("10.11", "10.4"),
        "The window laid out again at 1920 x 1080 (normal theme): checks 21 and 9 (reflow) "
        "there; the welcome screen at 100 % at 1280 x 960: no vertical scrolling.",
    ),
    CheckSpec(
        23,
        "popups",
        "Pop-up lists (completer and combo lists) meet text size, targets, contrast, theme and "
        "direction like a screen",
        ("5.1.4", "11.1.4.3"),
        ("1.4.3 Contrast (Minimum)", "1.4.4 Resize Text", "2.5.8 Target Size (Minimum)"),
        ("3.2", "10.4"),
        "Each combo box of the state: its list opened as the applicant opens it (typing its "
        "first letter, or opening the box); font size against the screen's scale, first row "
        "height, text and background colours from the first row's pixels (7:1 and the black "
        "background in high contrast), direction; then closed. Dialogs are states of their own.",
    ),
)

CHECKS_BY_ID: dict[str, CheckSpec] = {c.id: c for c in CHECKS}


@dataclass
class WidgetInfo:
    object_name: str
    cls: str
    name: str
    text: str
    path: str = ""

    def label(self) -> str:
        parts = [self.cls]
        if self.object_name:
            parts.append(f"#{self.object_name}")
        if self.name:
            parts.append(f"“{self.name[:60]}”")
        elif self.text:
            parts.append(f"text “{self.text[:60]}”")
        return " ".join(parts)


@dataclass
class Violation:
    check: str
    message: str
    measured: str = ""
    widget: WidgetInfo | None = None
    state: str = ""
    language: str = ""
    scale: float = 0.0
    theme: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Outcome:
    """One check on one screen state: how many things it looked at, what failed."""

    checked: int = 0
    violations: list[Violation] = field(default_factory=list)
    not_applicable: str = ""  # why the check does not apply (yet); not a pass
    notes: list[str] = field(default_factory=list)

    def fail(
        self, check: str, message: str, measured: str = "", widget: WidgetInfo | None = None
    ) -> None:
        self.violations.append(Violation(check, message, measured, widget))

    @property
    def status(self) -> str:
        if self.not_applicable and not self.checked and not self.violations:
            return NOT_APPLICABLE
        return FAIL if self.violations else PASS


@dataclass
class CheckRecord:
    check: str
    state: str
    language: str
    scale: float
    theme: str
    status: str
    checked: int
    violations: list[Violation]
    not_applicable: str = ""
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["violations"] = [v.to_json() for v in self.violations]
        return d


@dataclass
class Screenshot:
    state: str
    language: str
    scale: float
    theme: str
    path: str  # relative to the report directory


@dataclass
class AuditResult:
    records: list[CheckRecord] = field(default_factory=list)
    screenshots: list[Screenshot] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    scales: list[float] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    seconds: float = 0.0
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def violations(self) -> list[Violation]:
        return [v for r in self.records for v in r.violations]

    def merge(self, other: AuditResult) -> None:
        self.records += other.records
        self.screenshots += other.screenshots
        for attr in ("languages", "scales", "themes", "states"):
            mine = getattr(self, attr)
            for item in getattr(other, attr):
                if item not in mine:
                    mine.append(item)
        for key, value in other.metrics.items():
            if isinstance(value, dict) and isinstance(self.metrics.get(key), dict):
                mine = self.metrics[key]
                for k, v in value.items():  # seconds by check: the processes' sum
                    both = isinstance(v, int | float) and isinstance(mine.get(k), int | float)
                    mine[k] = round(mine[k] + v, 3) if both else v
            else:
                self.metrics.setdefault(key, value)

    def to_json(self) -> dict[str, Any]:
        return {
            "languages": self.languages,
            "scales": self.scales,
            "themes": self.themes,
            "states": self.states,
            "seconds": round(self.seconds, 1),
            "metrics": self.metrics,
            "checks": [
                {
                    "number": c.number,
                    "id": c.id,
                    "title": c.title,
                    "en301549": list(c.en301549),
                    "wcag": list(c.wcag),
                    "rgaa": list(c.rgaa),
                }
                for c in CHECKS
            ],
            "records": [r.to_json() for r in self.records],
            "screenshots": [asdict(s) for s in self.screenshots],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditResult:
        records = []
        for r in data["records"]:
            violations = []
            for v in r["violations"]:
                widget = WidgetInfo(**v["widget"]) if v.get("widget") else None
                violations.append(Violation(**{**v, "widget": widget}))
            records.append(CheckRecord(**{**r, "violations": violations}))
        return cls(
            records=records,
            screenshots=[Screenshot(**s) for s in data.get("screenshots", [])],
            languages=list(data.get("languages", [])),
            scales=list(data.get("scales", [])),
            themes=list(data.get("themes", [])),
            states=list(data.get("states", [])),
            seconds=float(data.get("seconds", 0.0)),
            metrics=dict(data.get("metrics", {})),
        )
