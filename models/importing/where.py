"""Where an imported event takes place, found offline: its coordinates, else the town in its
address.

An iCalendar LOCATION is usually "Venue, Street 1, 06484 Town"; spreadsheets have columns for
the parts. The gazetteer (places) knows German towns and postcodes; street addresses would need
an online geocoder, so the town (or postcode) gives the coordinates when the file has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from places import Gazetteer, Place
from places.geo import great_circle_km
from places.model import CHOICE, FOUND, POSTCODE, TOWN
from places.text import fold

from . import records
from .records import Record
from .text import line

GERMANY_KM = 25.0  # no German town this close: the point is not in Germany
SAME_PLACE_KM = 20.0  # a town in the address this close to the coordinates names them
_GERMANY_BOX = (47.2, 55.1, 5.8, 15.1)  # min lat, max lat, min lon, max lon

_POSTCODE_RE = re.compile(r"^(?:D\s*-\s*)?(\d{5})(?:\s+(\S.*))?$", re.IGNORECASE)
# "Thale OT Warnstedt", "Thale - Ortsteil Warnstedt": the village is inside the town.
_DISTRICT_RE = re.compile(r"\s*[-/]?\s+(?:OT|Ortsteil|Ortschaft|Stadtteil)\.?\s+", re.IGNORECASE)
_STREET_RE = re.compile(
    r"(?:str\.?|straße|strasse|weg|platz|gasse|ring|allee|markt|damm|ufer|"
    r"chaussee|promenade|hof|berg|anger)$",
    re.IGNORECASE,
)
_COUNTRIES = {
    fold(c) for c in ("Deutschland", "Germany", "DE", "D", "BRD", "Bundesrepublik Deutschland")
}


@dataclass(frozen=True)
class Where:
    latitude: float
    longitude: float
    place_name: str
    venue_name: str
    address: str


@dataclass(frozen=True)
class _Town:
    lat: float
    lon: float
    name: str
    part: int  # index of the LOCATION part that named it, -1 for a column of its own
    bare: bool = False  # the part is nothing but the town's name


def locate(gazetteer: Gazetteer, record: Record) -> Where | str:
    """The place of a record, or the reason why it has none (for the report)."""
    parts = _parts(record.location)
    town = None
    if record.town:
        town = _named_town(gazetteer, record.town, -1)
    if town is None:
        town = _town_in(gazetteer, parts)
    if town is None and not parts:  # a spreadsheet with the town inside its address or venue
        town = _town_in(gazetteer, _parts(record.address) + _parts(record.venue))
        town = town and _Town(town.lat, town.lon, town.name, -1)
    venue, address = _venue_and_address(record, parts, town)

    if record.geo is not None:
        lat, lon = record.geo
        nearest = _in_germany(gazetteer, lat, lon)
        if nearest is None:
            return f"coordinates {lat:.4f}, {lon:.4f} are not in Germany"
        name = nearest.name
        if town is not None and _km(town.lat, town.lon, lat, lon) <= SAME_PLACE_KM:
            name = town.name
        return Where(lat, lon, line(name, records.PLACE), venue, address)

    if town is None:
        said = ", ".join(
            p for p in (record.venue, record.address, record.town, record.location) if p
        )
        return f"place not found: {line(said, 80)!r}" if said else "no place given"
    if _in_germany(gazetteer, town.lat, town.lon) is None:  # e.g. a postcode centroid at sea
        return f"{town.name} is not in Germany"
    return Where(town.lat, town.lon, line(town.name, records.PLACE), venue, address)


def _parts(location: str) -> list[str]:
    parts = [" ".join(p.split()) for p in re.split(r"[,;\n]", location or "")]
    return [p for p in parts if p and fold(p) not in _COUNTRIES]


def _town_in(gazetteer: Gazetteer, parts: list[str]) -> _Town | None:
    """The town a LOCATION names: a "postcode town" part first, then a bare town name, then
    the last words of a part ("Gemeindehaus Ditfurt"), all from the end, where towns are."""
    order = list(range(len(parts) - 1, -1, -1))
    for i in order:
        if _POSTCODE_RE.match(parts[i]):
            town = _named_town(gazetteer, parts[i], i)
            if town:
                return town
    for i in order:
        if not any(ch.isdigit() for ch in parts[i]):
            town = _named_town(gazetteer, parts[i], i)
            if town:
                return _Town(
                    town.lat, town.lon, town.name, i, bare=fold(parts[i]) == fold(town.name)
                )
    for i in order:
        words = parts[i].split()
        if any(ch.isdigit() for ch in parts[i]) or len(words) < 2:
            continue
        for n in (3, 2, 1):
            tail = " ".join(words[-n:])
            if n < len(words) and sum(ch.isalpha() for ch in tail) >= 4:
                town = _named_town(gazetteer, tail, i, whole=False)
                if town:
                    return town
    return None


def _named_town(gazetteer: Gazetteer, text: str, part: int, whole: bool = True) -> _Town | None:
    """ "06484 Quedlinburg", "Quedlinburg", "06484", "Thale OT Warnstedt" -> a town.

    With a postcode, a town of that name close to the postcode's centre gives the finer point;
    else the postcode's centre stands for it (and picks between towns of the same name).
    """
    postcode, name = None, text.strip()
    m = _POSTCODE_RE.match(name)
    if m:
        resolved = gazetteer.resolve(m.group(1))
        if (
            resolved.status == FOUND
            and resolved.place is not None
            and resolved.place.kind == POSTCODE
        ):
            postcode = resolved.place
        name = (m.group(2) or "").strip()
    names = _DISTRICT_RE.split(name) if name else []
    for candidate in reversed(names):  # the village before the town it belongs to
        place = _town_named(gazetteer, candidate, near=postcode)
        if place is not None:
            return _Town(place.lat, place.lon, place.name, part)
    if postcode is not None:
        label = names[-1] if names and whole else postcode.name.split(" ", 1)[-1]
        return _Town(postcode.lat, postcode.lon, label, part)
    return None


def _town_named(gazetteer: Gazetteer, name: str, near: Place | None) -> Place | None:
    resolution = gazetteer.resolve(name)
    found = resolution.place
    if resolution.status == FOUND and found is not None and found.kind == TOWN:
        if near is None or _km(found.lat, found.lon, near.lat, near.lon) <= SAME_PLACE_KM:
            return found
        return None
    if resolution.status == CHOICE:
        if near is not None:
            close = [
                p
                for p in resolution.choices
                if _km(p.lat, p.lon, near.lat, near.lon) <= SAME_PLACE_KM
            ]
            return close[0] if close else None
        home = [p for p in resolution.choices if p.region == gazetteer.home_region]
        return home[0] if len(home) == 1 else None  # the home region's one, or ask the file
    return None


def _venue_and_address(record: Record, parts: list[str], town: _Town | None) -> tuple[str, str]:
    """Venue and street from a LOCATION: "Gemeindehaus, Markt 1, 06484 Quedlinburg" ->
    ("Gemeindehaus", "Markt 1, 06484 Quedlinburg"); a bare town name is left to the place name."""
    if record.venue or record.address:
        address = record.address
        if address and any(ch.isdigit() for ch in record.town):
            address = f"{address}, {record.town}"  # keep the postcode with the street
        return line(record.venue, records.VENUE), line(address, records.ADDRESS)
    rest = [p for i, p in enumerate(parts) if not (town and town.bare and i == town.part)]
    venue = ""
    if rest and not any(ch.isdigit() for ch in rest[0]) and not _STREET_RE.search(rest[0]):
        venue, rest = rest[0], rest[1:]
    return line(venue, records.VENUE), line(", ".join(rest), records.ADDRESS)


def _in_germany(gazetteer: Gazetteer, lat: float, lon: float) -> Place | None:
    min_lat, max_lat, min_lon, max_lon = _GERMANY_BOX
    if not (min_lat <= lat <= max_lat and min_lon <= lon <= max_lon):
        return None
    return gazetteer.nearest(lat, lon, GERMANY_KM)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return great_circle_km(lat1, lon1, lat2, lon2)
