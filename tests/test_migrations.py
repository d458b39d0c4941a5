"""Migrations build the schema from an empty database, and it matches the models."""

from __future__ import annotations

from datetime import UTC

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from models import Base
from models.db import create_engine, upgrade


async def _fresh_engine(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        return create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")
    server = create_engine(database_url, isolation_level="AUTOCOMMIT")
    async with server.connect() as connection:  # a database of its own, empty
        await connection.exec_driver_sql("DROP DATABASE IF EXISTS nahbar_empty")
        await connection.exec_driver_sql("CREATE DATABASE nahbar_empty")
    await server.dispose()
    url = make_url(database_url).set(database="nahbar_empty")
    return create_engine(url.render_as_string(hide_password=False))


async def test_upgrade_from_empty_matches_the_models(database_url, tmp_path):
    engine = await _fresh_engine(database_url, tmp_path)
    try:
        await upgrade(engine)
        await upgrade(engine)  # a second start finds nothing to do
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            diff = await connection.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata
                )
            )
        assert {"offers", "occurrences", "users", "conversations", "alembic_version"} <= tables
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        await engine.dispose()


async def test_occurrence_rebuild_migration_keeps_offers_and_refills(database_url, tmp_path):
    """0001 -> 0002 rebuilds the derived occurrences table; maintenance refills it."""
    from datetime import datetime, timedelta

    from sqlalchemy import func, select, text

    from models import Occurrence
    from models.db import session_factory
    from scheduler import run_maintenance

    engine = await _fresh_engine(database_url, tmp_path)
    try:
        await upgrade(engine, "0001")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO offers (id, title, description, category, organiser, venue_name, "
                    "address, place_name, latitude, longitude, cost, price, contact, status, "
                    "is_example, starts_local, duration_minutes, rrule, exdates, "
                    "materialised_until, created_at, updated_at) VALUES (1, 'Café', '', 'cafe', "
                    "'', '', '', 'Wernigerode', 51.8365, 10.7822, 'free', '', '', 'published', "
                    "false, '2026-01-06 15:00:00', 120, 'FREQ=WEEKLY;BYDAY=TU', '[]', '2027-01-01 "
                    "00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
        await upgrade(engine)
        sessions = session_factory(engine)
        now = datetime(2026, 11, 25, 9, tzinfo=UTC)
        assert (await run_maintenance(sessions, now))["occurrences_added"] >= 8
        async with sessions() as session:
            first = await session.scalar(select(func.min(Occurrence.starts_at)))
        assert first == datetime(2026, 12, 1, 14, tzinfo=UTC)  # Tuesday 15:00 in Berlin
        assert first - now < timedelta(days=7)
    finally:
        await engine.dispose()


def test_the_head_read_from_the_files_is_alembics():
    """Starts skip loading Alembic when the schema is current: the head they compare with must
    be the one Alembic would migrate to."""
    from alembic.script import ScriptDirectory

    from models.db import alembic_config, head_revision

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_upgrade_and_downgrade_all_the_way_keep_working(database_url, tmp_path):
    """Every migration goes down and up again: on SQLite and on PostgreSQL (what an operator
    does to step back after a failed update, docs/operations.md)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from models.db import alembic_config

    engine = await _fresh_engine(database_url, tmp_path)
    revisions = [s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()]

    def down(connection, target: str) -> None:
        command.downgrade(alembic_config(connection), target)

    try:
        await upgrade(engine)
        for revision in revisions[1:]:  # newest first: step down one at a time
            async with engine.begin() as connection:
                await connection.run_sync(down, revision)
        async with engine.begin() as connection:
            await connection.run_sync(down, "base")
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert tables <= {"alembic_version"}
        await upgrade(engine)
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata
                )
            )
        assert diff == []
    finally:
        await engine.dispose()


# One offer as the schema has it from revision 0009 on (:id, :d description, :s source).
_OFFER_SINCE_0009 = text(
    "INSERT INTO offers (id, title, description, category, organiser, venue_name, address,"
    " place_name, latitude, longitude, cost, price, contact, status, is_example, starts_local,"
    " duration_minutes, rrule, exdates, created_at, updated_at, review_note, source)"
    " VALUES (:id, 'Café', :d, 'cafe', '', '', '', 'Thale', 51.7, 11.0, 'free', '', '',"
    " 'published', false, '2026-12-01 15:00:00', 120, NULL, '[]', '2026-01-01 00:00:00',"
    " '2026-01-01 00:00:00', '', :s)"
)


async def test_imported_offers_that_never_said_free_become_not_stated(database_url, tmp_path):
    from sqlalchemy import text

    engine = await _fresh_engine(database_url, tmp_path)
    try:
        await upgrade(engine, "0009")
        async with engine.begin() as connection:
            for offer_id, description, source in (
                (1, "Kaffee und Kuchen", "kirche.ics"),
                (2, "Eintritt frei, Kaffee", "kirche.ics"),
                (3, "Kaffee und Kuchen", None),
            ):
                await connection.execute(
                    _OFFER_SINCE_0009, {"id": offer_id, "d": description, "s": source}
                )
        await upgrade(engine)
        async with engine.connect() as connection:
            costs = (
                await connection.execute(text("SELECT id, cost FROM offers ORDER BY id"))
            ).all()
        # Only the imported one whose text never said free; what an organiser chose is kept.
        assert [tuple(c) for c in costs] == [(1, "not_stated"), (2, "free"), (3, "free")]
    finally:
        await engine.dispose()


async def test_cell_spans_are_filled_from_the_occurrences_there_are(database_url, tmp_path):
    """0017: each cell's longest gathering comes from its occurrences, so a search right after
    the upgrade still finds what is running."""
    from sqlalchemy import text

    engine = await _fresh_engine(database_url, tmp_path)
    try:
        await upgrade(engine, "0016")
        async with engine.begin() as connection:
            await connection.execute(_OFFER_SINCE_0009, {"id": 1, "d": "", "s": None})
            for cell, starts, ends in ((7, 1000, 4600), (7, 9000, 9000 + 36000), (9, 0, 60)):
                await connection.execute(
                    text(
                        "INSERT INTO occurrences (offer_id, starts_at, ends_at, cell, latitude,"
                        " longitude, category) VALUES (1, :s, :e, :c, 51.7, 11.0, 'cafe')"
                    ),
                    {"s": starts, "e": ends, "c": cell},
                )
        await upgrade(engine)
        async with engine.connect() as connection:
            spans = (
                await connection.execute(text("SELECT cell, longest FROM cell_spans ORDER BY cell"))
            ).all()
        assert [tuple(s) for s in spans] == [(7, 36000), (9, 60)]
    finally:
        await engine.dispose()
