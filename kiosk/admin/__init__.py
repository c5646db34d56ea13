"""Admin mode's Qt-free parts: the kiosk's settings file, the out-of-service state, the
diagnostics export, the device self-tests and the crash supervisor. The screens that use
them are in ``kiosk.ui.admin``."""
