"""Value types returned by the gazetteer."""

from __future__ import annotations

from dataclasses import dataclass

# GeoNames admin1 codes of the German states.
REGIONS: dict[str, str] = {
    "01": "Baden-Württemberg",
    "02": "Bayern",
    "03": "Bremen",
    "04": "Hamburg",
    "05": "Hessen",
    "06": "Niedersachsen",
    "07": "Nordrhein-Westfalen",
    "08": "Rheinland-Pfalz",
    "09": "Saarland",
    "10": "Schleswig-Holstein",
    "11": "Brandenburg",
    "12": "Mecklenburg-Vorpommern",
    "13": "Sachsen",
    "14": "Sachsen-Anhalt",
    "15": "Thüringen",
    "16": "Berlin",
}

TOWN, POSTCODE, COORDINATES = "town", "postcode", "coordinates"
FOUND, CHOICE, SUGGEST, UNKNOWN, INVALID = "found", "choice", "suggest", "unknown", "invalid"


@dataclass(frozen=True, slots=True)
class Place:
    id: str  # "g2809517" (GeoNames), "p39104" (postcode), "c51.83,10.78" (coordinates)
    name: str  # display name: "Wernigerode", "39104 Magdeburg", "51.83, 10.78 (bei Wernigerode)"
    lat: float
    lon: float
    region: str  # German state, e.g. "Sachsen-Anhalt"; "" if unknown (coordinates abroad)
    kind: str  # "town" | "postcode" | "coordinates"
    population: int = 0


@dataclass(frozen=True)
class Resolution:
    status: str  # "found" | "choice" | "suggest" | "unknown" | "invalid"
    place: Place | None = None  # when found
    choices: tuple[Place, ...] = ()  # several places share the name; home region first
    suggestions: tuple[Place, ...] = ()  # close matches for a typo, best first
