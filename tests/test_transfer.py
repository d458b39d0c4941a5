"""`nahbar export --json` and `nahbar import FILE.json`: offers, organisers and ideas move to a
new store and come out the same; a store with offers of its own or a broken file is refused."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import pytest
from sqlalchemy import func, select, update

from models import Cost, Occurrence, Offer, OfferStatus, User
from models.accessibility import Wheelchair
from models.db import create_engine, session_factory, upgrade
from models.ideas import Idea
from models.transfer import TransferProblem, export, import_

from .support import add_offer
from .test_outbox_cli import ROOT


async def _organiser(sessions, platform_id: str, trust: str = "trusted") -> int:
    async with sessions() as session, session.begin():
        user = User(platform="telegram", platform_id=platform_id, trust=trust, language="de")
        session.add(user)
        await session.flush()
        return user.id


async def test_export_import_export_gives_the_same_document(sessions, database_url, now, tmp_path):
    owner = await _organiser(sessions, "4711")
    await _organiser(sessions, "666", trust="blocked")
    await add_offer(
        sessions,
        now,
        title="Warme Stube",
        owner_id=owner,
        rrule="FREQ=WEEKLY;BYDAY=MO,TH",
        starts_local=datetime(2026, 1, 5, 11),
        exdates=["2026-12-28"],
        contact="Tel. 1234",
        wheelchair=Wheelchair.YES,
        audio_loop=None,
        cancelled_days=["2027-01-04"],
        cost=Cost.NOT_STATED,
    )
    await add_offer(sessions, now, title="Entwurf", status=OfferStatus.PENDING, owner_id=owner)
    await add_offer(
        sessions, now, title="Aus dem Kalender", source="kalender.ics", external_id="uid-1"
    )
    async with sessions() as session, session.begin():
        await session.execute(
            update(Idea).where(Idea.position == 1).values(title_en="A café", changed_by=owner)
        )
    async with sessions() as session:
        first = await export(session, now)
        before = await session.scalar(select(func.count()).select_from(Occurrence))
    assert {o["title"] for o in first["offers"]} == {"Warme Stube", "Entwurf", "Aus dem Kalender"}
    assert [o["account"] for o in first["organisers"]] == ["telegram:4711", "telegram:666"]
    json.dumps(first)  # it is JSON

    target = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'new.sqlite3'}")
    try:
        await upgrade(target)
        fresh = session_factory(target)
        async with fresh() as session, session.begin():
            assert await import_(session, json.loads(json.dumps(first)), now) == {
                "organisers": 2,
                "offers": 3,
                "ideas": len(first["ideas"]),
            }
        async with fresh() as session:
            again = await export(session, now)
            assert await session.scalar(select(func.count()).select_from(Occurrence)) == before
            stube = await session.scalar(select(Offer).where(Offer.title == "Warme Stube"))
            owner_there = await session.get(User, stube.owner_id)
            assert owner_there.address == "telegram:4711" and owner_there.trust == "trusted"
            assert stube.wheelchair == Wheelchair.YES and stube.cancelled_days == ["2027-01-04"]
        assert again == first

        async with fresh() as session:  # a second import into the same store is refused
            with pytest.raises(TransferProblem, match="already holds 3 offers"):
                async with session.begin():
                    await import_(session, first, now)
    finally:
        await target.dispose()


async def test_broken_documents_are_refused_and_change_nothing(sessions, now):
    for document, problem in (
        ({"format": "other"}, "not a Nahbar export"),
        ({"format": "nahbar-export", "version": 99}, "version 99"),
        (
            {
                "format": "nahbar-export",
                "version": 1,
                "organisers": [],
                "ideas": [],
                "offers": [{"title": "ohne alles"}],
            },
            "offer 1: 'latitude' is missing",
        ),
        (
            {
                "format": "nahbar-export",
                "version": 1,
                "organisers": [],
                "ideas": [],
                "offers": "nein",
            },
            "'offers' must be a list",
        ),
    ):
        with pytest.raises(TransferProblem) as refused:
            async with sessions() as session, session.begin():
                await import_(session, document, now)
        assert problem in str(refused.value), document
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Offer)) == 0


def test_the_commands_round_trip_and_keep_ics_csv_import(tmp_path):
    env = {"PYTHONPATH": str(ROOT), "NAHBAR_DEMO_DATA": "true", "TELEGRAM_BOT_TOKEN": ""}
    run = lambda db, *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={**__import__("os").environ, **env, "DATABASE_URL": f"sqlite:///{tmp_path / db}"},
    )
    imported = run("a.sqlite3", "import", str(ROOT / "tests/data/google.ics"))  # the other import
    assert imported.returncode == 0, imported.stderr
    exported = run("a.sqlite3", "export", "--json", "--output", str(tmp_path / "backup.json"))
    assert exported.returncode == 0, exported.stderr
    document = json.loads((tmp_path / "backup.json").read_text())
    assert document["offers"] and all(o["source"] == "google.ics" for o in document["offers"])
    restored = run("b.sqlite3", "import", str(tmp_path / "backup.json"))
    assert restored.returncode == 0 and "imported" in restored.stdout, restored.stderr
    again = run("b.sqlite3", "export", "--json")
    assert again.returncode == 0
    assert {**json.loads(again.stdout), "exported_at": None} == {**document, "exported_at": None}
    refused = run("b.sqlite3", "import", str(tmp_path / "backup.json"))
    assert refused.returncode == 1 and "already holds" in refused.stderr
