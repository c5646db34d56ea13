"""What works on this kiosk and what does not: one set of checks for three users.

- :mod:`.registry`: a check is a name and a ``run()`` returning a status (ok, warn, fail,
  skipped) and what was found; a :class:`~.registry.Registry` runs them and never raises;
- :mod:`.checks`: the checks, one implementation each (disk space, clock, camera, printer,
  voice, document reader);
- :mod:`.cli`: ``kiosk-health``, for the IT team (the machine as a whole: configuration,
  store, enrolment, central API, Qt, fonts, and the checks above);
- :mod:`.heartbeat`: the cheap checks sent with each heartbeat (the desk's fleet view);
- admin mode's self-tests (:mod:`kiosk.admin.selftest`) build their registry from
  :mod:`.checks` too;
- :mod:`.store`: the store's schema revision, read-only (``kiosk-migrate``, the installer).

Qt-free, never personal data. This package imports nothing itself, so that the heartbeat
does not pay for ``kiosk-health``'s imports.
"""
