"""The kiosk's link to the central API, Qt-free: everything that talks to it or stands for it.

- :mod:`.connection`: the central API's address and an HTTP client with this kiosk's
  settings (TLS, timeouts) and enrolment;
- :mod:`.sealer`: sealing a submission and its scanned pages to the central API's key,
  into the outbox;
- :mod:`.sync_runner`: the one sync loop (deliver the outbox, heartbeat, retention rules)
  that the app's :class:`~.sync_runner.SyncThread` and ``kiosk-sync``
  (:mod:`.sync_service`) both run;
- :mod:`.status`: the kiosk's state for the desk, which the heartbeat carries;
- :mod:`.status_service`: where an application stands (the status screen);
- :mod:`.help_call`: the applicant's help call, on a thread of its own;
- :mod:`.desk_commands`: the desk's remote actions, fetched after a heartbeat;
- :mod:`.demo_central`: the demo's central API, a child process on loopback.
- :mod:`.worker`: the shape of the link's threads (wake, stop).

The GUI never waits for the network: a submission is sealed and written to the outbox,
then the sync loop delivers it, now or when the network comes back. This package imports
nothing itself, so that ``import kiosk.link.status`` stays cheap at start-up.
"""
