"""Devices (camera, scanner, MRZ reader, speech, printer): each an abstract interface,
a real backend and a fake backend used by the tests and ``--fake-devices``."""
