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

# Place kinds. A municipality whose main town carries its name is that town (kind "town");
# kind "municipality" is one without such a town ("Huy"), placed at the centroid of its area.
TOWN, VILLAGE, MUNICIPALITY = "town", "village", "municipality"
POSTCODE, COORDINATES = "postcode", "coordinates"

# Resolution statuses. OUTSIDE: coordinates that are not in or near Germany.
FOUND, CHOICE, SUGGEST, UNKNOWN, INVALID, OUTSIDE = (
    "found",
    "choice",
    "suggest",
    "unknown",
    "invalid",
    "outside",
)


@dataclass(frozen=True, slots=True)
class Place:
    # "g2809517" (GeoNames town), "m15085185" (municipality by its official key, AGS),
    # "o15088295-wallwitz" (village of the postal dump: AGS and folded name),
    # "p39104" (postcode), "c51.83,10.78" (coordinates)
    id: str
    # "Wernigerode", "Huy", "Bad Suderode", "39104 Magdeburg", "51.83, 10.78 (bei Wernigerode)"
    name: str
    lat: float
    lon: float
    region: str  # German state, e.g. "Sachsen-Anhalt"; "" if unknown (coordinates abroad)
    kind: str  # TOWN | VILLAGE | MUNICIPALITY | POSTCODE | COORDINATES
    population: int = 0
    # The municipality a village or town belongs to, as it is called: "Stadt Quedlinburg",
    # "Gemeinde Petersberg"; "" when the place is a municipality itself (or not known: only
    # Sachsen-Anhalt has municipalities).
    municipality: str = ""
    district: str = ""  # "Landkreis Harz", "Burgenlandkreis"; "" for a district-free city

    @property
    def title(self) -> str:
        """For headings: "Bad Suderode, Stadt Quedlinburg", "Huy", "Wernigerode"."""
        return f"{self.name}, {self.municipality}" if self.municipality else self.name

    @property
    def label(self) -> str:
        """For a choice between places of one name: what tells them apart.
        "Wallwitz (Gemeinde Petersberg)", "Huy (Landkreis Harz)", "Möckern (Thüringen)"."""
        qualifier = self.municipality or self.district or self.region
        return f"{self.name} ({qualifier})" if qualifier else self.name


@dataclass(frozen=True)
class Resolution:
    status: str  # FOUND | CHOICE | SUGGEST | UNKNOWN | INVALID | OUTSIDE
    place: Place | None = None  # when found
    # Several places share the name (home region first); or, with a found postcode, its parts
    # in the municipalities it spans (main first), for dialogues that can ask.
    choices: tuple[Place, ...] = ()
    suggestions: tuple[Place, ...] = ()  # close matches for a typo, best first
    corrected: bool = False  # FOUND through a typo with one clear candidate (resolve(correct=True))
