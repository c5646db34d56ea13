"""One module per screen. Each renders what the controller gives it and emits signals;
none of them touches the session, the store, the devices or the network."""

from kiosk.ui.screens.before import BeforeScreen
from kiosk.ui.screens.check import CheckScreen
from kiosk.ui.screens.consent import ConsentScreen
from kiosk.ui.screens.documents import DocumentsScreen
from kiosk.ui.screens.guide import GuideScreen
from kiosk.ui.screens.procedure import ProcedureScreen
from kiosk.ui.screens.receipt import ReceiptScreen
from kiosk.ui.screens.resume import ResumeScreen, SavedScreen
from kiosk.ui.screens.step import StepScreen
from kiosk.ui.screens.welcome import WelcomeScreen

__all__ = [
    "BeforeScreen",
    "CheckScreen",
    "ConsentScreen",
    "DocumentsScreen",
    "GuideScreen",
    "ProcedureScreen",
    "ReceiptScreen",
    "ResumeScreen",
    "SavedScreen",
    "StepScreen",
    "WelcomeScreen",
]
