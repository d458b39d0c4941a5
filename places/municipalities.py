"""The home region's municipalities as the coordinators' map draws them: SVG path data made at
build time from the official outlines (scripts/build_gazetteer.py, © GeoBasis-DE / BKG 2017,
simplified), with district and estimated residents. Read once, kept in memory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PATH = Path(__file__).resolve().parent / "data" / "municipalities.json"


@dataclass(frozen=True)
class Outline:
    ags: str
    name: str
    designation: str  # "Stadt" | "Gemeinde"
    district: str  # five-digit key
    residents: int  # estimate; 0 = unknown
    x: int  # label point in map units
    y: int
    path: str  # SVG path data


@dataclass(frozen=True)
class MapData:
    width: int
    height: int
    attribution: str
    districts: dict[str, str]  # key -> "Landkreis Harz" ("" for a district-free city)
    outlines: tuple[Outline, ...]

    def district_name(self, key: str) -> str:
        """ "Landkreis Harz"; a district-free city by its own name ("Magdeburg")."""
        name = self.districts.get(key, "")
        if name:
            return name
        return next((o.name for o in self.outlines if o.district == key), key)

    def district_by_name(self, text: str) -> str | None:
        """The key of a district named like this ("Harz", "Landkreis Harz", "Saalekreis")."""
        wanted = " ".join(text.casefold().replace("landkreis", " ").replace("kreis ", " ").split())
        for key in self.districts:
            name = self.district_name(key).casefold()
            short = " ".join(name.replace("landkreis", " ").split())
            if wanted and wanted in (name, short):
                return key
        return None


@lru_cache(maxsize=1)
def load() -> MapData:
    raw = json.loads(PATH.read_text(encoding="utf-8"))
    outlines = tuple(
        Outline(
            m["ags"],
            m["name"],
            m["designation"],
            m["district"],
            m["residents"],
            m["x"],
            m["y"],
            m["path"],
        )
        for m in raw["municipalities"]
    )
    return MapData(
        raw["width"], raw["height"], raw["attribution"], dict(raw["districts"]), outlines
    )
