"""Automated accessibility audit of the kiosk (EN 301 549 clause 5, WCAG 2.2, RGAA 4.1).

``kiosk-audit`` (``python -m kiosk.audit``) drives the real window offscreen with fake
devices through every screen of every procedure, in every language, text size and theme,
runs the checks listed in ``kiosk.audit.model.CHECKS`` and writes an HTML report with
screenshots and a JSON summary. It uses Qt: it lives beside the UI, not in the Qt-free
domain.
"""

from kiosk.audit.model import CHECKS, AuditResult, CheckSpec, Outcome, Violation

__all__ = ["CHECKS", "AuditResult", "CheckSpec", "Outcome", "Violation"]
