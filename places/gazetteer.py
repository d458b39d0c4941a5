"""Offline gazetteer: resolve what people type to a Place.

Name resolution rule (see DESIGN.md "Places offline": prefer the home region, offer a choice):
  1. Names are indexed by folded keys of their variants (see places.text). A place matches
     *strongly* through its own GeoNames name ("Hansestadt Salzwedel" -> "Salzwedel") and
     *weakly* through an alternate name ("Arendsee" is also an old name of Kühlungsborn).
  2. If any place matches strongly, weak matches are dropped, except those in the home
     region when no strong match is in the home region.
  3. One place left -> "found". Several -> "choice", home region first, then strong before
     weak, then by population ("Möckern": Sachsen-Anhalt, then the Thuringian village).
  4. No exact match -> fuzzy "suggest" (typos), home region and bigger places first.
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
from .geo import GridIndex
from .model import (
    CHOICE, COORDINATES, FOUND, INVALID, POSTCODE, REGIONS, SUGGEST, TOWN, UNKNOWN,
    Place, Resolution,
)
from .text import FOLD_VERSION, display_name, fold, variants

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "gazetteer.tsv.gz"
MAX_INPUT_CHARS = 200  # longer input is not a place
MAX_CHOICES = 8
MAX_SUGGESTIONS = 5
MAX_FUZZY_KEY = 50  # no place key is longer; skip fuzzy search for longer input
NEAREST_MAX_KM = 50.0  # nearest(): no town further away than this
LABEL_MAX_KM = 25.0  # coordinates are named "... (bei <town>)" within this distance
STRONG, WEAK = 0, 1

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]+")
_FILLER_RE = re.compile(r"^(?:in|bei|nahe|um|aus|nach)\s+(?=\S)", re.IGNORECASE)


class Gazetteer:
    def __init__(self, towns: list[Place], postcodes: dict[str, Place],
                 town_keys: list[tuple[list[str], list[str]]], home_region: str = "Sachsen-Anhalt"):
        """towns[i] is matched by the keys town_keys[i] = (name keys, alternate-name keys)."""
        if home_region not in REGIONS.values():
            raise ValueError(f"unknown region {home_region!r}")
        self.home_region = home_region
        self._towns = towns
        self._by_id: dict[str, Place] = {p.id: p for p in towns}
        self._postcodes = postcodes  # "39104" -> Place
        self._grid = GridIndex([(p.lat, p.lon) for p in towns])
        # folded key -> {town index: STRONG | WEAK}
        self._by_key: dict[str, dict[int, int]] = {}
        for i, (strong_keys, weak_keys) in enumerate(town_keys):
            for key in weak_keys:
                self._by_key.setdefault(key, {})[i] = WEAK
            for key in strong_keys:
                self._by_key.setdefault(key, {})[i] = STRONG
        # Fuzzy search runs over strong keys only (own names, not exonyms/old names).
        self._fuzzy_keys = sorted(k for k, hits in self._by_key.items() if STRONG in hits.values())

    # -- loading -----------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None = None, home_region: str = "Sachsen-Anhalt") -> Gazetteer:
        """Load the data file (cached per path and home region)."""
        return _load_cached(str(Path(path) if path else DEFAULT_PATH), home_region)

    @classmethod
    def _read(cls, path: Path, home_region: str) -> Gazetteer:
        towns: list[Place] = []
        town_keys: list[tuple[list[str], list[str]]] = []
        postcode_rows: list[list[str]] = []
        fold_version = None
        with gzip.open(path, "rt", encoding="utf-8") as f:
            lines = f.read().splitlines()
        for line in lines:
            if line.startswith("#"):
                if line.startswith("# fold-version:"):
                    fold_version = int(line.partition(":")[2])
                continue
            row = line.split("\t")
            if row[0] == "T":
                _, gid, name, lat, lon, admin1, pop, strong_keys, weak_keys = row
                towns.append(Place(f"g{gid}", display_name(name), float(lat), float(lon),
                                   REGIONS.get(admin1, ""), TOWN, int(pop)))
                town_keys.append((strong_keys.split(), weak_keys.split()))
            elif row[0] == "P":
                postcode_rows.append(row)
        if fold_version != FOLD_VERSION:
            raise ValueError(f"{path} was built with fold-version {fold_version}, this code "
                             f"uses {FOLD_VERSION}: run scripts/build_gazetteer.py")
        by_id = {p.id: p for p in towns}
        postcodes = {}
        for _, code, lat, lon, label_gid in postcode_rows:
            label = by_id[f"g{label_gid}"]
            postcodes[code] = Place(f"p{code}", f"{code} {label.name}", float(lat), float(lon),
                                    label.region, POSTCODE)
        return cls(towns, postcodes, town_keys, home_region)

    # -- lookups -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._towns) + len(self._postcodes)

    def get(self, place_id: str) -> Place | None:
        """The place with this id, as returned by resolve() or nearest()."""
        if not isinstance(place_id, str) or not place_id:
            return None
        if place_id[0] == "g":
            return self._by_id.get(place_id)
        if place_id[0] == "p":
            return self._postcodes.get(place_id[1:])
        if place_id[0] == "c":
            latlon = parse.parse_coordinate_id(place_id)
            return self._coordinate_place(*latlon) if latlon else None
        return None

    def nearest(self, lat: float, lon: float, max_km: float = NEAREST_MAX_KM) -> Place | None:
        """Nearest town (kind "town") within max_km, via a grid index."""
        if not (isinstance(lat, (int, float)) and isinstance(lon, (int, float))
                and parse.in_range(lat, lon)):
            return None
        hit = self._grid.nearest(lat, lon, max_km)
        return self._towns[hit[1]] if hit else None

    # -- resolution --------------------------------------------------------------------

    def resolve(self, text: str) -> Resolution:
        """Resolve a town name, postcode, "postcode name" or "lat, lon" to a Resolution."""
        if not isinstance(text, str) or len(text) > MAX_INPUT_CHARS:
            return Resolution(INVALID)
        text = " ".join(_CONTROL_RE.sub(" ", unicodedata.normalize("NFC", text)).split())
        if not any(ch.isalnum() for ch in text):
            return Resolution(INVALID)

        latlon = parse.parse_coordinates(text)
        if latlon is not None:
            if not parse.in_range(*latlon):
                return Resolution(INVALID)
            return Resolution(FOUND, place=self._coordinate_place(*latlon))

        postcode = parse.parse_postcode(text)
        if postcode is not None:
            code, rest = postcode
            if len(code) == 4:
                code = "0" + code  # "6484": leading zero lost (e.g. a spreadsheet)
            if code in self._postcodes:
                return Resolution(FOUND, place=self._postcodes[code])
            # Unknown postcode: fall back to the name typed with it, if any.
            return self._resolve_name(rest) if rest else Resolution(UNKNOWN)

        if not any(ch.isalpha() for ch in text):
            return Resolution(INVALID)  # digits and punctuation, but no coordinates
        return self._resolve_name(text)

    def _resolve_name(self, text: str) -> Resolution:
        queries = variants(text)
        stripped = _FILLER_RE.sub("", text)  # "in Wernigerode"
        if stripped != text:
            queries += variants(stripped)
        for query in queries:
            hits = self._by_key.get(fold(query))
            if hits:
                return self._pick(hits)
        return self._suggest(fold(stripped))

    def _pick(self, hits: dict[int, int]) -> Resolution:
        home = self.home_region
        strong = [i for i, s in hits.items() if s == STRONG]
        if not strong:
            candidates = list(hits)
        elif any(self._towns[i].region == home for i in strong):
            candidates = strong
        else:  # keep weak matches in the home region too
            candidates = strong + [i for i, s in hits.items()
                                   if s == WEAK and self._towns[i].region == home]
        if len(candidates) == 1:
            return Resolution(FOUND, place=self._towns[candidates[0]])
        candidates.sort(key=lambda i: (self._towns[i].region != home, hits[i],
                                       -self._towns[i].population, self._towns[i].id))
        return Resolution(CHOICE, choices=tuple(self._towns[i] for i in candidates[:MAX_CHOICES]))

    def _suggest(self, key: str) -> Resolution:
        if not 4 <= len(key) <= MAX_FUZZY_KEY or key.isdigit():
            return Resolution(UNKNOWN)
        # Indel similarity: one typo in a long name scores about 90, in a short one about 80.
        cutoff = 85 if len(key) < 6 else 80
        matches = process.extract(key, self._fuzzy_keys, scorer=fuzz.ratio,
                                  limit=20, score_cutoff=cutoff)
        if not matches:
            return Resolution(UNKNOWN)
        best_score = matches[0][1]
        ranked: dict[int, float] = {}
        for match_key, score, _ in matches:
            if score < best_score - 8:  # only near-best matches are confident enough
                continue
            for i, strength in self._by_key[match_key].items():
                if strength == STRONG:
                    rank = score + self._importance(self._towns[i])
                    ranked[i] = max(rank, ranked.get(i, rank))
        order = sorted(ranked, key=lambda i: (-ranked[i], self._towns[i].id))
        return Resolution(SUGGEST, suggestions=tuple(self._towns[i] for i in order[:MAX_SUGGESTIONS]))

    def _importance(self, place: Place) -> float:
        """Ranking bonus (0..6) for typo suggestions: home region, then population."""
        return (3.0 if place.region == self.home_region else 0.0) + min(
            3.0, math.log10(place.population + 1) / 2)

    def _coordinate_place(self, lat: float, lon: float) -> Place:
        """Place for a coordinate pair; the same for resolve() and get() of its id."""
        lat = round(lat, parse.COORD_DECIMALS)
        lon = round(lon, parse.COORD_DECIMALS)
        name = f"{parse.format_coordinate(lat)}, {parse.format_coordinate(lon)}"
        hit = self._grid.nearest(lat, lon, NEAREST_MAX_KM)
        town = self._towns[hit[1]] if hit else None
        if hit and hit[0] <= LABEL_MAX_KM:
            name += f" (bei {town.name})"
        return Place(parse.coordinate_id(lat, lon), name, lat, lon,
                     town.region if town else "", COORDINATES)


@lru_cache(maxsize=8)
def _load_cached(path: str, home_region: str) -> Gazetteer:
    return Gazetteer._read(Path(path), home_region)
