"""Offline gazetteer: resolve what people type to a Place.

What is in it (scripts/build_gazetteer.py makes the data file): the towns of Germany
(GeoNames), the 218 municipalities of Sachsen-Anhalt with their districts, the villages there
(mostly the former municipalities, now "Ortschaften"), each knowing its municipality, and the
postcodes of Germany named after their municipality; a postcode of Sachsen-Anhalt that spans
several municipalities also knows its parts in the others ("06712 Kretzschau").

Name resolution rule (see DESIGN.md "Places offline": prefer the home region, offer a choice):
  1. Names are indexed by folded keys of their variants (see places.text). A place matches
     *strongly* through its own name ("Hansestadt Salzwedel" -> "Salzwedel", a municipality
     through its main town) and *weakly* through an alternate name ("Arendsee" is also an old
     name of Kühlungsborn) or a part of a merged name ("Globig" of "Globig-Bleddin").
  2. If any place matches strongly, weak matches are dropped, except those in the home
     region when no strong match is in the home region.
  3. One place left -> "found". Several: the home region's place is answered directly when it
     is clearly the one meant (a municipality, or a town ten times larger than every
     namesake); otherwise "choice", home region first ("Wallwitz": two villages).
  4. "Buckau, Magdeburg", "Magdeburg-Buckau", "Magdeburg OT Buckau", "Wallwitz (Petersberg)":
     the qualifier picks among namesakes, and an unknown part of a known city is the city.
  5. No exact match -> fuzzy "suggest" (typos), home region and bigger places first; never
     for common words ("danke", "Kirche") and, outside the home region, only for longer
     input starting with the same letter.
  6. A postcode is "found" as the postcode of its main municipality; one that spans several
     municipalities lists all its parts as `choices` too (main first), for dialogues that can
     ask which one is meant (a resident's search) while forms and imports take the main one.
"""

from __future__ import annotations

import gzip
import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from . import parse
from .geo import GridIndex, distance_km
from .model import (
    CHOICE,
    COORDINATES,
    FOUND,
    INVALID,
    MUNICIPALITY,
    OUTSIDE,
    POSTCODE,
    REGIONS,
    SUGGEST,
    TOWN,
    UNKNOWN,
    VILLAGE,
    Place,
    Resolution,
)
from .text import FOLD_VERSION, display_name, fold, keys, variants
from .words import closest_common_word_score, is_common_phrase, is_common_word

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "gazetteer.tsv.gz"
MAX_INPUT_CHARS = 200  # longer input is not a place
MAX_CHOICES = 8
MAX_SUGGESTIONS = 5
MAX_FUZZY_KEY = 50  # no place key is longer; skip fuzzy search for longer input
NEAREST_MAX_KM = 50.0  # nearest(): no town further away than this
LABEL_MAX_KM = 25.0  # coordinates are named "... (bei <town>)" within this distance
# Coordinates further than this from every German town are not in Germany:
# the border plus a margin, and the sea beyond the coast.
OUTSIDE_KM = 30.0
CLEARLY_LARGER = 10  # a town this many times larger than its namesakes is the one meant
BIG_CITY = 100_000  # a namesake this large elsewhere is always offered as a choice
MIN_POPULATION = 500  # towns in the data have at least this many people (unknown: 0)
COMMON_WORD_TOWN = 20_000  # a common word is a place elsewhere only if the town is this large
CITY = 10_000  # "X, Magdeburg" is at least Magdeburg: a town this large (or a municipality)
QUALIFIER_KM = 15.0  # "Wallwitz bei Halle": the place lies this close to the qualifier
POSTCODE_NAME_KM = 15.0  # "06485 Bad Suderode": the village lies this close to the postcode
CLEAR_MARGIN = 8  # a typo's best candidate is clear when this much closer than the next (ratio)
STRONG, WEAK = 0, 1

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]+")
_FILLER_RE = re.compile(r"^(?:in|bei|nahe|um|aus|nach)\s+(?=\S)", re.IGNORECASE)
# Qualified names, tried when the whole text is no name (groups: name, qualifier).
_QUALIFIED_RES = (
    re.compile(r"^(?P<qual>.+?),?\s+(?:OT|Ortsteil|Ortschaft)\.?\s+(?P<name>.+)$", re.IGNORECASE),
    # "Wallwitz (Petersberg)", "Seyda (Stadt Jessen (Elster))"
    re.compile(r"^(?P<name>[^()]+?)\s*\((?P<qual>[^()]+(?:\([^()]*\))?)\)$"),
    re.compile(r"^(?P<name>[^,]+?)\s*,\s*(?P<qual>[^,]+)$"),
    re.compile(
        r"^(?P<name>.+?)\s+(?:bei|b\.|nahe|nähe|in|an der|am)\s+(?P<qual>.+)$", re.IGNORECASE
    ),
    re.compile(r"^(?P<name>[^/]+?)\s*/\s*(?P<qual>[^/]+)$"),
    re.compile(r"^(?P<qual>[^\s-]+)\s*-\s*(?P<name>[^-]+)$"),  # "Magdeburg-Buckau"
)
_TWO_WORDS_RE = re.compile(r"^(\S+)\s+(\S+)$")  # "Magdeburg Buckau", "Schkopau Lochau"
_DISTRICT_PREFIX_RE = re.compile(r"^(?:Landkreis|Kreis)\s+", re.IGNORECASE)


class Gazetteer:
    def __init__(
        self,
        places: list[Place],
        postcodes: dict[str, Place],
        place_keys: list[tuple[list[str], list[str]]],
        home_region: str = "Sachsen-Anhalt",
        *,
        aliases: dict[str, Place] | None = None,
        areas: dict[str, str] | None = None,
        postcode_parts: dict[str, tuple[Place, ...]] | None = None,
    ):
        """places[i] is matched by place_keys[i] = (name keys, alternate keys). `aliases` maps
        further ids to places ("m15085235" -> the town Quedlinburg); `areas` maps place ids to
        the official key (AGS) of their municipality; `postcode_parts` maps a postcode to its
        parts in the municipalities it spans, main first ("06712" -> "06712 Zeitz",
        "06712 Kretzschau", …)."""
        if home_region not in REGIONS.values():
            raise ValueError(f"unknown region {home_region!r}")
        self.home_region = home_region
        self._places = places
        self._by_id: dict[str, Place] = {p.id: p for p in places}
        self._by_id.update(aliases or {})
        self._areas = areas or {}
        self._postcodes = postcodes  # "39104" -> Place
        self._postcode_parts = postcode_parts or {}
        self._part_by_id = {p.id: p for parts in self._postcode_parts.values() for p in parts}
        # Settlements (not municipality centroids) for nearest() and coordinate labels.
        self._settlements = [i for i, p in enumerate(places) if p.kind != MUNICIPALITY]
        self._grid = GridIndex([(places[i].lat, places[i].lon) for i in self._settlements])
        # folded key -> {place index: STRONG | WEAK}
        self._by_key: dict[str, dict[int, int]] = {}
        for i, (strong_keys, weak_keys) in enumerate(place_keys):
            for key in weak_keys:
                self._by_key.setdefault(key, {})[i] = WEAK
            for key in strong_keys:
                self._by_key.setdefault(key, {})[i] = STRONG
        # Fuzzy search runs over strong keys only (own names, not exonyms/old names).
        self._fuzzy_keys = sorted(k for k, hits in self._by_key.items() if STRONG in hits.values())
        # The same keys by length: a key more than 1.5 times longer or shorter than the input
        # cannot reach the fuzzy cutoff (Indel ratio >= 80), so only near lengths are compared.
        self._fuzzy_by_length: dict[int, list[str]] = {}
        for k in self._fuzzy_keys:
            self._fuzzy_by_length.setdefault(len(k), []).append(k)
        self._fuzzy_order = {k: i for i, k in enumerate(self._fuzzy_keys)}

    # -- loading -----------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None = None, home_region: str = "Sachsen-Anhalt") -> Gazetteer:
        """Load the data file (cached per path and home region)."""
        return _load_cached(str(Path(path) if path else DEFAULT_PATH), home_region)

    @classmethod
    def _read(cls, path: Path, home_region: str) -> Gazetteer:
        """Read the data file row by row (its districts and municipalities come first)."""
        home = REGIONS["14"]  # the data knows municipalities and districts of Sachsen-Anhalt
        fold_version = None
        districts: dict[str, str] = {}
        # AGS -> (designation "Stadt Quedlinburg", main place id, row)
        municipalities: dict[str, tuple[str, str, list[str]]] = {}
        mains: dict[str, str] = {}  # main place id -> AGS
        places: list[Place] = []
        place_keys: list[tuple[list[str], list[str]]] = []
        areas: dict[str, str] = {}
        postcodes: dict[str, Place] = {}
        parts: dict[str, list[tuple[str, float, float]]] = {}  # postcode -> (AGS, lat, lon)

        def add(place: Place, strong: str, weak: str, ags: str) -> None:
            if place.id in mains:  # the municipality's own names match its main town strongly
                row = municipalities[mains[place.id]][2]
                strong, weak = f"{strong} {row[7]}", f"{weak} {row[8]}"
            places.append(place)
            place_keys.append((strong.split(), weak.split()))
            if ags:
                areas[place.id] = ags

        def belonging(place_id: str, ags: str) -> str:
            """The municipality ("Stadt Quedlinburg") of a place in municipality `ags`."""
            return "" if not ags or mains.get(place_id) == ags else municipalities[ags][0]

        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                row = line.rstrip("\n").split("\t")
                kind = row[0]
                if kind == "T":
                    _, gid, name, lat, lon, admin1, pop, strong, weak, ags = row
                    pid = f"g{gid}"
                    add(
                        Place(
                            pid,
                            display_name(name),
                            float(lat),
                            float(lon),
                            REGIONS.get(admin1, ""),
                            TOWN,
                            int(pop),
                            belonging(pid, ags),
                            districts.get(ags[:5], ""),
                        ),
                        strong,
                        weak,
                        ags,
                    )
                elif kind == "P":
                    _, code, lat, lon, label, admin1, ags, *more = row
                    postcodes[code] = Place(
                        f"p{code}",
                        f"{code} {label}",
                        float(lat),
                        float(lon),
                        REGIONS.get(admin1, ""),
                        POSTCODE,
                        0,
                        "",
                        districts.get(ags[:5], ""),
                    )
                    if ags:
                        areas[f"p{code}"] = ags
                    for part in more[0].split() if more else ():
                        part_ags, part_lat, part_lon = part.split(",")
                        parts.setdefault(code, []).append(
                            (part_ags, float(part_lat), float(part_lon))
                        )
                elif kind == "V":
                    # No AGS: the village's point is too rough to tell its municipality.
                    _, vid, name, lat, lon, ags, district, strong, weak = row
                    add(
                        Place(
                            vid,
                            name,
                            float(lat),
                            float(lon),
                            home,
                            VILLAGE,
                            0,
                            belonging(vid, ags),
                            districts.get(district, ""),
                        ),
                        strong,
                        weak,
                        ags,
                    )
                elif kind == "M":
                    municipalities[row[1]] = (f"{row[2]} {row[3]}", row[6], row)
                    if row[6]:
                        mains[row[6]] = row[1]
                elif kind == "D":
                    districts[row[1]] = row[2]
                elif line.startswith("# fold-version:"):
                    fold_version = int(line.partition(":")[2])
        if fold_version != FOLD_VERSION:
            raise ValueError(
                f"{path} was built with fold-version {fold_version}, this code "
                f"uses {FOLD_VERSION}: run scripts/build_gazetteer.py"
            )

        aliases: dict[str, Place] = {}
        by_id = {p.id: p for p in places}
        for ags, (_, main, row) in municipalities.items():
            if main:
                aliases[f"m{ags}"] = by_id[main]
            else:  # no town of its name: the municipality stands for itself ("Huy")
                _, _, _, name, lat, lon, _, strong, weak = row
                add(
                    Place(
                        f"m{ags}",
                        name,
                        float(lat),
                        float(lon),
                        home,
                        MUNICIPALITY,
                        0,
                        "",
                        districts.get(ags[:5], ""),
                    ),
                    strong,
                    weak,
                    ags,
                )
        postcode_parts: dict[str, tuple[Place, ...]] = {}
        for code, found in parts.items():
            postcode_parts[code] = (
                postcodes[code],
                *(
                    Place(
                        f"p{code}-{ags}",
                        f"{code} {municipalities[ags][2][3]}",
                        lat,
                        lon,
                        home,
                        POSTCODE,
                        0,
                        "",
                        districts.get(ags[:5], ""),
                    )
                    for ags, lat, lon in found
                ),
            )
            for place, (ags, _, _) in zip(postcode_parts[code][1:], found, strict=True):
                areas[place.id] = ags
        return cls(
            places,
            postcodes,
            place_keys,
            home_region,
            aliases=aliases,
            areas=areas,
            postcode_parts=postcode_parts,
        )

    # -- lookups -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._places) + len(self._postcodes)

    def towns(self) -> list[Place]:
        """Every town (GeoNames places with a population), for sampling realistic data sets."""
        return [p for p in self._places if p.kind == TOWN]

    def postcodes(self) -> list[Place]:
        """Every postcode with its centroid and name."""
        return list(self._postcodes.values())

    def get(self, place_id: str) -> Place | None:
        """The place with this id, as returned by resolve() or nearest()."""
        if not isinstance(place_id, str) or not place_id or len(place_id) > MAX_INPUT_CHARS:
            return None
        if place_id[0] in "gmo":
            return self._by_id.get(place_id)
        if place_id[0] == "p":
            return self._postcodes.get(place_id[1:]) or self._part_by_id.get(place_id)
        if place_id[0] == "c":
            latlon = parse.parse_coordinate_id(place_id)
            return self._coordinate_place(*latlon) if latlon else None
        return None

    def municipality_of(self, place_id: str) -> str:
        """The official key (AGS) of the home region's municipality a place lies in, or ""."""
        if place_id in self._areas:
            return self._areas[place_id]
        place = self._by_id.get(place_id)  # "m15085235" names the town Quedlinburg
        return self._areas.get(place.id, "") if place is not None else ""

    def municipality_at(self, lat: float, lon: float, max_km: float = 15.0) -> str:
        """The AGS of the municipality whose nearest town or village lies within max_km of a
        point, or "" (outside the home region's municipalities)."""
        hit = self.nearest(lat, lon, max_km)
        return self._areas.get(hit.id, "") if hit is not None else ""

    def places_in(self) -> dict[str, list[Place]]:
        """Every town, village and municipality of the home region by its municipality's AGS."""
        out: dict[str, list[Place]] = {}
        for place in self._places:
            ags = self._areas.get(place.id)
            if ags:
                out.setdefault(ags, []).append(place)
        return out

    def nearest(self, lat: float, lon: float, max_km: float = NEAREST_MAX_KM) -> Place | None:
        """Nearest town or village within max_km, via a grid index."""
        if not (
            isinstance(lat, (int, float))
            and isinstance(lon, (int, float))
            and parse.in_range(lat, lon)
        ):
            return None
        hit = self._grid.nearest(lat, lon, max_km)
        return self._places[self._settlements[hit[1]]] if hit else None

    def in_germany(self, lat: float, lon: float) -> bool:
        """In Germany or within OUTSIDE_KM of it (judged by its towns: no point in Germany is
        further than about 15 km from one)."""
        if not (46.5 <= lat <= 55.8 and 5.0 <= lon <= 15.9):
            return False  # a box around Germany and its margin
        return self._grid.nearest(lat, lon, OUTSIDE_KM) is not None

    # -- resolution --------------------------------------------------------------------

    def knows(self, key: str) -> bool:
        """Is this folded key (places.text.fold) the name of a place, exactly?"""
        return key in self._by_key

    def resolve(self, text: str, *, correct: bool = False) -> Resolution:
        """Resolve a place name, postcode, "postcode name" or "lat, lon" to a Resolution.

        With `correct`, a typo with one clear candidate ("Quedlinbrug") is FOUND with
        `corrected` set instead of suggested."""
        found = self._resolve(text)
        if correct and found.status == SUGGEST and found.suggestions and self._clear(text, found):
            return Resolution(FOUND, place=found.suggestions[0], corrected=True)
        return found

    def _clear(self, text: str, found: Resolution) -> bool:
        """One suggestion, or the first (home region first) clearly closer to the text than every
        other one in the home region: "Wittenbreg" is Wittenberg, not Wittenburg far away."""
        first, *others = found.suggestions
        if first.region == self.home_region:
            others = [p for p in others if p.region == self.home_region]
        if not others:
            return True
        key = fold(text)

        def score(place: Place) -> float:
            return max(fuzz.ratio(key, k) for k in keys(place.name))

        best = score(first)
        return all(best - score(p) >= CLEAR_MARGIN for p in others)

    def _resolve(self, text: str) -> Resolution:
        if not isinstance(text, str) or len(text) > MAX_INPUT_CHARS:
            return Resolution(INVALID)
        text = " ".join(_CONTROL_RE.sub(" ", unicodedata.normalize("NFC", text)).split())
        if not any(ch.isalnum() for ch in text):
            return Resolution(INVALID)

        latlon = parse.parse_coordinates(text)
        if latlon is not None:
            if not parse.in_range(*latlon):
                return Resolution(INVALID)
            if not self.in_germany(*latlon):
                return Resolution(OUTSIDE)
            return Resolution(FOUND, place=self._coordinate_place(*latlon))
        rough = parse.parse_rough_coordinates(text)  # "90, 180": no place, but say where we work
        if rough is not None:
            in_germany = parse.in_range(*rough) and self.in_germany(*rough)
            return Resolution(OUTSIDE if parse.in_range(*rough) and not in_germany else INVALID)

        postcode = parse.parse_postcode(text)
        if postcode is not None:
            return self._resolve_postcode(*postcode)
        for part in reversed(text.split(",")[1:]):  # "Pfarrhaus, Kirchstr. 1, 06484 Quedlinburg"
            postcode = parse.parse_postcode(part.strip())
            if postcode is not None and len(postcode[0]) == 5:
                return self._resolve_postcode(*postcode)

        if not any(ch.isalpha() for ch in text):
            return Resolution(INVALID)  # digits and punctuation, but no coordinates
        return self._resolve_name(text)

    def _resolve_postcode(self, code: str, rest: str) -> Resolution:
        if len(code) == 4:
            code = "0" + code  # "6484": leading zero lost (e.g. a spreadsheet)
        postcode = self._postcodes.get(code)
        if postcode is None:  # unknown postcode: fall back to the name typed with it, if any
            return self._resolve_name(rest) if rest else Resolution(UNKNOWN)
        if rest:
            # "06485 Bad Suderode": the village, when it lies in the postcode's area; but
            # "06484 Quedlinburg" is the postcode (its point is the better one in a town).
            label_keys = set(keys(postcode.name.partition(" ")[2]))
            named = [self._places[i] for i in self._name_hits(rest)]
            near = [
                (distance_km(p.lat, p.lon, postcode.lat, postcode.lon), p.id, p)
                for p in named
                if not label_keys & set(keys(p.name))
            ]
            near = [n for n in near if n[0] <= POSTCODE_NAME_KM]
            if near:
                return Resolution(FOUND, place=min(near)[2])
            return Resolution(FOUND, place=postcode)  # named: no need to ask which part
        return Resolution(FOUND, place=postcode, choices=self._postcode_parts.get(code, ()))

    def postcode_parts(self, code: str) -> tuple[Place, ...]:
        """The postcode in each municipality it spans, its main one first; () for most."""
        return self._postcode_parts.get(code, ())

    def _name_hits(self, text: str) -> dict[int, int]:
        """Exact matches for a name and its shorter variants (no qualifiers, no typos)."""
        for query in variants(text):
            hits = self._by_key.get(fold(query))
            if hits:
                return hits
        return {}

    def _resolve_name(self, text: str) -> Resolution:
        hits = self._by_key.get(fold(text))  # "Bei der Höhne" is a place
        if not hits:
            text = _FILLER_RE.sub("", text)  # "in Wernigerode"
            hits = self._by_key.get(fold(text))
        if hits:
            return self._pick(hits, common=is_common_word(fold(text)))
        common = is_common_phrase(text)  # "danke", "Guten Morgen"
        qualified = self._resolve_qualified(text)
        if qualified is not None:
            return qualified
        for query in variants(text)[1:]:
            key = fold(query)
            hits = self._by_key.get(key)
            if hits:
                return self._pick(hits, common=is_common_word(key))
        for part in reversed(text.split(",")[1:]):  # an address: "Pfarrhaus, Markt 1, Thale"
            hits = self._name_hits(part.strip())
            res = self._pick(hits, common=is_common_word(fold(part))) if hits else None
            if res is not None and res.status in (FOUND, CHOICE):
                return res
        return Resolution(UNKNOWN) if common else self._suggest(fold(text))

    def _resolve_qualified(self, text: str) -> Resolution | None:
        """ "Buckau, Magdeburg", "Magdeburg OT Buckau", "Wallwitz (Petersberg)",
        "Halle-Neustadt"."""
        for pattern in _QUALIFIED_RES:
            m = pattern.match(text)
            if m is None:
                continue
            name_hits = self._name_hits(m["name"])
            qualifiers = self._name_hits(m["qual"])
            fitting = self._fitting(name_hits, m["qual"], qualifiers)
            if fitting:
                return self._pick(fitting)
            # A part of a city we do not know ("Magdeburg-Sudenburg", "Buckau, Magdeburg" when
            # the only Buckau is in Brandenburg): the city, named by its own name.
            if not any(self._places[i].region == self.home_region for i in name_hits):
                city = self._city({i: s for i, s in qualifiers.items() if s == STRONG})
                if city is not None:
                    return city
        m = _TWO_WORDS_RE.match(text)
        if m:
            for name, qual in ((m[2], m[1]), (m[1], m[2])):
                fitting = self._fitting(self._name_hits(name), qual, self._name_hits(qual))
                if fitting:
                    return self._pick(fitting)
            if not self._name_hits(m[2]):  # "Magdeburg Sudenburg"
                city = self._city({i: s for i, s in self._name_hits(m[1]).items() if s == STRONG})
                if city is not None:
                    return city
        return None

    def _city(self, hits: dict[int, int]) -> Resolution | None:
        """The city these hits name, if they name one clearly."""
        res = self._pick(hits) if hits else None
        return (
            res if res is not None and res.place is not None and self._is_city(res.place) else None
        )

    def _is_city(self, place: Place) -> bool:
        """A town that has parts people name: a municipality or a town of CITY people."""
        return self._is_municipality(place) or place.population >= CITY

    def _fitting(
        self, hits: dict[int, int], qualifier: str, qualifier_hits: dict[int, int]
    ) -> dict[int, int]:
        """The hits the qualifier fits: those whose municipality, district or state it names,
        else those close to a place it names ("Wallwitz bei Halle")."""
        qkeys = {fold(qualifier), fold(_DISTRICT_PREFIX_RE.sub("", qualifier))}
        named = {i: s for i, s in hits.items() if self._names_area(self._places[i], qkeys)}
        if named:
            return named
        return {i: s for i, s in hits.items() if self._near(self._places[i], qualifier_hits)}

    @staticmethod
    def _names_area(place: Place, qkeys: set[str]) -> bool:
        """ "Petersberg", "Gemeinde Petersberg", "Saalekreis", "Landkreis Harz", "Harz",
        "Sachsen-Anhalt" name the areas of Wallwitz or Huy."""
        areas = (
            place.municipality,
            place.district,
            _DISTRICT_PREFIX_RE.sub("", place.district),
            place.region,
        )
        return any(area and qkeys & set(keys(area)) for area in areas)

    def _near(self, place: Place, qualifier_hits: dict[int, int]) -> bool:
        """In the same municipality as, or within QUALIFIER_KM of, a place the qualifier names."""
        ags = self._areas.get(place.id)
        for i in qualifier_hits:
            q = self._places[i]
            if q.id == place.id:
                continue
            if (ags and self._areas.get(q.id) == ags) or distance_km(
                q.lat, q.lon, place.lat, place.lon
            ) <= QUALIFIER_KM:
                return True
        return False

    def _pick(self, hits: dict[int, int], *, common: bool = False) -> Resolution:
        home = self.home_region
        places = self._places
        strong = [i for i, s in hits.items() if s == STRONG]
        if not strong:
            candidates = list(hits)
        elif any(places[i].region == home for i in strong):
            candidates = strong
        else:  # keep weak matches in the home region too
            candidates = strong + [
                i for i, s in hits.items() if s == WEAK and places[i].region == home
            ]
        if common:  # "Nähe" is Nahe in Schleswig-Holstein: not what anyone means here
            candidates = [
                i
                for i in candidates
                if places[i].region == home or places[i].population >= COMMON_WORD_TOWN
            ]
        if not candidates:
            return Resolution(UNKNOWN)
        if len(candidates) == 1:
            return Resolution(FOUND, place=places[candidates[0]])
        meant = self._clearly_meant(candidates, hits)
        if meant is not None:
            return Resolution(FOUND, place=places[meant])
        candidates.sort(
            key=lambda i: (
                places[i].region != home,
                hits[i],
                not self._is_municipality(places[i]),
                -places[i].population,
                places[i].id,
            )
        )
        return Resolution(CHOICE, choices=tuple(places[i] for i in candidates[:MAX_CHOICES]))

    def _is_municipality(self, place: Place) -> bool:
        return place.id in self._areas and not place.municipality and place.kind != POSTCODE

    def _clearly_meant(self, candidates: list[int], hits: dict[int, int]) -> int | None:
        """The home region's candidate when it is clearly the one meant: a municipality
        (against namesakes elsewhere), or a town CLEARLY_LARGER times the size of each other
        candidate; in both cases matched by its own name ("Elbe" is no Elbe-Parey). None when
        people should choose."""
        places, home = self._places, self.home_region
        in_home = [i for i in candidates if places[i].region == home]
        if not in_home or any(hits[i] != STRONG for i in in_home):
            return None
        best = max(in_home, key=lambda i: (places[i].population, places[i].id))
        others = [places[i] for i in candidates if i != best]
        p = places[best]
        larger = all(
            p.population >= CLEARLY_LARGER * max(o.population, MIN_POPULATION) for o in others
        )
        if len(in_home) == 1 and self._is_municipality(p):
            # ... unless a namesake elsewhere is a big city of its own
            return best if all(o.population < BIG_CITY for o in others) else None
        return best if larger else None

    def _suggest(self, key: str) -> Resolution:
        if not 4 <= len(key) <= MAX_FUZZY_KEY or key.isdigit() or is_common_word(key):
            return Resolution(UNKNOWN)
        # Indel similarity: one typo in a long name scores about 90, in a short one about 80.
        cutoff = 85 if len(key) < 6 else 80
        matches = []
        for length in range(len(key) * 2 // 3, len(key) * 3 // 2 + 2):
            matches += process.extract(
                key,
                self._fuzzy_by_length.get(length, ()),
                scorer=fuzz.ratio,
                limit=20,
                score_cutoff=cutoff,
            )
        matches = sorted(matches, key=lambda m: (-m[1], self._fuzzy_order[m[0]]))[:20]
        if not matches:
            return Resolution(UNKNOWN)
        best_score = matches[0][1]
        # A misspelt common word ("Kirchn") is no typo of a place far away (Kirchen).
        word_like = closest_common_word_score(key) >= best_score
        ranked: dict[int, float] = {}
        for match_key, score, _ in matches:
            if score < best_score - 8:  # only near-best matches are confident enough
                continue
            # Far from home, a short word or another first letter is more likely a word
            # than a typo of a place ("Alle" is not Halle, "einsam" not Einsal).
            far_ok = len(key) >= 6 and match_key[0] == key[0] and not word_like
            for i, strength in self._by_key[match_key].items():
                place = self._places[i]
                if strength == STRONG and (place.region == self.home_region or far_ok):
                    rank = score + self._importance(place)
                    ranked[i] = max(rank, ranked.get(i, rank))
        if not ranked:
            return Resolution(UNKNOWN)
        order = sorted(ranked, key=lambda i: (-ranked[i], self._places[i].id))
        return Resolution(
            SUGGEST, suggestions=tuple(self._places[i] for i in order[:MAX_SUGGESTIONS])
        )

    def _importance(self, place: Place) -> float:
        """Ranking bonus (0..6) for typo suggestions: home region, then population."""
        return (3.0 if place.region == self.home_region else 0.0) + min(
            3.0, math.log10(place.population + 1) / 2
        )

    def _coordinate_place(self, lat: float, lon: float) -> Place:
        """Place for a coordinate pair; the same for resolve() and get() of its id."""
        lat = round(lat, parse.COORD_DECIMALS)
        lon = round(lon, parse.COORD_DECIMALS)
        name = f"{parse.format_coordinate(lat)}, {parse.format_coordinate(lon)}"
        hit = self._grid.nearest(lat, lon, NEAREST_MAX_KM)
        town = self._places[self._settlements[hit[1]]] if hit else None
        if hit is not None and town is not None and hit[0] <= LABEL_MAX_KM:
            name += f" (bei {town.name})"
        return Place(
            parse.coordinate_id(lat, lon), name, lat, lon, town.region if town else "", COORDINATES
        )


@lru_cache(maxsize=8)
def _load_cached(path: str, home_region: str) -> Gazetteer:
    return Gazetteer._read(Path(path), home_region)
