"""One set of fakes for the kiosk's ports, used by the tests, the accessibility audit, the
screenshots and the benchmarks: an in-memory store (its outbox passes the same contract
test as the SQLite one), clocks that move only when told, and a sealer that does not
encrypt. Qt-free; nothing here touches the disk or the network.
"""

from kiosk.testing.clock import NOW, FakeClock, FakeMonotonic
from kiosk.testing.sealer import FakeSealer
from kiosk.testing.store import (
    MemoryAuditTrail,
    MemoryDrafts,
    MemoryOutbox,
    MemoryPages,
    MemoryResumeCodes,
    MemorySettings,
    MemoryStore,
)

__all__ = [
    "NOW",
    "FakeClock",
    "FakeMonotonic",
    "FakeSealer",
    "MemoryAuditTrail",
    "MemoryDrafts",
    "MemoryOutbox",
    "MemoryPages",
    "MemoryResumeCodes",
    "MemorySettings",
    "MemoryStore",
]
