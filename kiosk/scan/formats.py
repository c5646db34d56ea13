"""Page formats the scanner knows, by their physical size (ISO 216, ISO/IEC 7810, ICAO 9303)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageFormat:
    name: str
    width_mm: float  # as the page is usually held: A4 portrait, cards landscape
    height_mm: float

    @property
    def aspect(self) -> float:
        """Long side over short side (>= 1)."""
        return max(self.width_mm, self.height_mm) / min(self.width_mm, self.height_mm)


A4 = PageFormat("A4", 210.0, 297.0)  # letters, certificates, bills
ID1 = PageFormat("ID-1", 85.6, 53.98)  # identity and residence cards (ICAO TD1)
TD3 = PageFormat("TD3", 125.0, 88.0)  # passport data page

FORMATS: tuple[PageFormat, ...] = (A4, ID1, TD3)
