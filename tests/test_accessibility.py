"""Accessibility as OpenStreetMap/Wheelmap values: the migration converts what was stored, the
posting form asks in Wheelmap's words, imports read the values, and the step-free search
filter (models.search.step_free) gives exactly what sorting everything by hand gives."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from alembic import command
from geopy.distance import great_circle
from sqlalchemy import select, text

from models import Occurrence, Offer
from models.accessibility import Wheelchair, YesNo
from models.db import alembic_config, upgrade
from models.importing import FileProblem, read_file
from models.search import Query, nearby, step_free

from .support import add_offer
from .test_migrations import _fresh_engine
from .test_posting import organiser

LAT, LON = 51.8365, 10.7822


async def test_the_migration_turns_yes_no_columns_into_osm_values(database_url, tmp_path):
    engine = await _fresh_engine(database_url, tmp_path)
    try:
        await upgrade(engine, "0009")
        async with engine.begin() as connection:
            for n, (step, toilet, loop) in enumerate(
                [(True, False, None), (False, None, True), (None, None, None)], 1
            ):
                await connection.execute(
                    text(
                        "INSERT INTO offers (id, title, description, category, organiser, "
                        "venue_name, address, place_name, latitude, longitude, step_free, "
                        "accessible_toilet, hearing_loop, seating, cost, price, contact, status, "
                        "is_example, starts_local, duration_minutes, exdates, created_at, "
                        "updated_at, review_note) VALUES (:id, 'Café', '', 'cafe', '', '', '', "
                        "'Wernigerode', 51.8, 10.7, :s, :t, :h, true, 'free', '', '', 'published', "
                        "false, '2026-12-01 15:00:00', 120, '[]', '2026-01-01 00:00:00', "
                        "'2026-01-01 00:00:00', '')"
                    ),
                    {"id": n, "s": step, "t": toilet, "h": loop},
                )
        await upgrade(engine)
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT wheelchair, toilets_wheelchair, audio_loop FROM offers ORDER BY id"
                    )
                )
            ).all()
            columns = {
                c["name"]
                for c in await connection.run_sync(
                    lambda c: __import__("sqlalchemy").inspect(c).get_columns("offers")
                )
            }
        assert [tuple(r) for r in rows] == [
            ("yes", "no", None),
            ("no", None, "yes"),
            (None, None, None),
        ]
        assert not columns & {"step_free", "accessible_toilet", "hearing_loop", "seating"}
        async with engine.begin() as connection:  # and back: "limited" would read as not step-free
            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0009"))
        async with engine.connect() as connection:
            back = (
                await connection.execute(
                    text("SELECT step_free, accessible_toilet FROM offers ORDER BY id")
                )
            ).all()
        assert [tuple(r) for r in back] == [(True, False), (False, None), (None, None)]
    finally:
        await engine.dispose()


async def test_the_posting_form_asks_in_wheelmaps_words(sessions, places, now):
    chat = organiser(sessions, places, now)
    await chat.say("/neu")
    await chat.press("Begegnungscafé")
    await chat.say("Adventscafé im Pfarrhaus")
    await chat.say("Kaffee, Kuchen und Gespräche. Alle sind willkommen.")
    await chat.say("jeden Dienstag 15-17 Uhr")
    await chat.say("Pfarrhaus, Kirchstraße 3, 06484 Quedlinburg")
    assert (
        "„teilweise“: eine Stufe von höchstens 7 cm" in chat.text
    )  # the details, in Wheelmap's words
    assert [label for label in chat.labels() if "Rollstuhl" in label or "Induktion" in label] == [
        "◻️ Rollstuhl: ja",
        "◻️ Rollstuhl: teilweise",
        "◻️ Rollstuhl: nein",
        "◻️ Rollstuhlgerechte Toilette",
        "◻️ Induktionsschleife (Höranlage)",
    ]
    await chat.press("Rollstuhl: ja")
    await chat.press("Rollstuhl: teilweise")  # one wheelchair value at a time
    assert "✅ Rollstuhl: teilweise" in chat.labels() and "◻️ Rollstuhl: ja" in chat.labels()
    await chat.press("Induktionsschleife (Höranlage)")
    await chat.press("Spende willkommen")
    await chat.press("Weiter")
    assert (
        "♿ Teilweise rollstuhlgerecht: eine Stufe von höchstens 7 cm, Haupträume stufenlos"
        in chat.text
    )
    assert "🦻 Induktionsschleife für Hörgeräte" in chat.text
    await chat.press("Absenden")
    async with sessions() as session:
        offer = await session.scalar(select(Offer))
    assert (offer.wheelchair, offer.toilets_wheelchair, offer.audio_loop) == (
        Wheelchair.LIMITED,
        None,
        YesNo.YES,
    )


def test_csv_imports_read_osm_values_and_the_old_words(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        "Titel;Datum;Beginn;Ort;Rollstuhl;toilets:wheelchair;Höranlage\n"
        "A;01.12.2026;15:00;Quedlinburg;teilweise;ja;nein\n"
        "B;02.12.2026;15:00;Quedlinburg;yes;;\n",
        encoding="utf-8",
    )
    _, (a, b) = read_file(path)
    assert a.access == {"wheelchair": "limited", "toilets:wheelchair": "yes", "audio_loop": "no"}
    assert b.access == {"wheelchair": "yes", "toilets:wheelchair": None, "audio_loop": None}
    path.write_text("title;date;start;town;wheelchair\nA;01.12.2026;15:00;Quedlinburg;vielleicht\n")
    with pytest.raises(FileProblem) as refused:
        read_file(path)
    assert "neither ja, teilweise nor nein" in refused.value.problems[0]


async def test_step_free_search_matches_a_brute_force_answer(sessions, now):
    rng = random.Random(11)
    values = [Wheelchair.YES, Wheelchair.LIMITED, Wheelchair.NO, None]
    for n in range(60):
        await add_offer(
            sessions,
            now,
            title=f"o{n}",
            latitude=LAT + rng.uniform(-0.15, 0.15),
            longitude=LON + rng.uniform(-0.25, 0.25),
            wheelchair=rng.choice(values),
            starts_local=datetime(2026, 11, 25, 11) + timedelta(hours=rng.randrange(0, 160, 4)),
        )
    query = step_free(Query(lat=LAT, lon=LON, radius_km=12, start=now, end=now + timedelta(days=7)))
    async with sessions() as session:
        wheelchair = {o.id: o.wheelchair for o in await session.scalars(select(Offer))}
        rows = (await session.scalars(select(Occurrence))).all()
        expected = sorted(
            (o.starts_at, great_circle((LAT, LON), (o.latitude, o.longitude)).km, o.id)
            for o in rows
            if great_circle((LAT, LON), (o.latitude, o.longitude)).km <= 12
            and o.starts_at < query.end
            and wheelchair[o.offer_id] is Wheelchair.YES
        )
        assert len(expected) > 5
        got = []
        for offset in range(0, len(expected) + 3, 3):
            got += [
                (h.starts_at, h.occurrence_id)
                for h in await nearby(session, query, limit=3, offset=offset)
            ]
    assert got == [(s, i) for s, _, i in expected]


@pytest.mark.parametrize(
    ("typed", "facts"),
    [
        ("rollstuhlgerecht", {"wheelchair": "yes"}),
        ("Eingang mit einer kleinen Stufe", {"wheelchair": "limited"}),
        ("teilweise barrierefrei, mit Hörschleife", {"wheelchair": "limited", "audio_loop": "yes"}),
        ("leider nicht barrierefrei", {"wheelchair": "no"}),
        (
            "barrierefreies WC vorhanden",
            {"toilets_wheelchair": "yes"},
        ),  # a toilet, not the entrance
        ("stufenlos, kein Behinderten-WC", {"wheelchair": "yes", "toilets_wheelchair": "no"}),
    ],
)
def test_organisers_words_become_osm_values(typed, facts):
    from handlers.access import read_access

    assert read_access(typed)[0] == facts
