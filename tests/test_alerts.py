"""Alerts about new offers near the home place, in the chosen kinds: opt-in, at most one message
a day that bundles them, and only offers that are really new."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import Offer, OfferStatus, OutboxMessage, User
from models.digests import Alert
from models.moderation import LogEntry
from scheduler import run_digests

from .outbox_fakes import Clock
from .support import ChatDriver, Postman, add_offer

WED_17 = datetime(2026, 11, 25, 16, tzinfo=UTC)  # 17:00 in Berlin, when the day's bundle goes out
MAGDEBURG = {"place_name": "Magdeburg", "latitude": 52.1205, "longitude": 11.6276}


async def _subscriber(sessions, places, now, **options) -> ChatDriver:
    chat = ChatDriver(sessions, places, now, **options)
    await chat.say("Wernigerode")
    await chat.press("Als Heimatort merken")
    await chat.say("/einstellungen")
    await chat.press("🆕 Neue Angebote")
    await chat.press("Einschalten")
    return chat


async def _new(sessions, now, at: datetime, title: str, **fields) -> Offer:
    return await add_offer(
        sessions,
        now,
        title=title,
        created_at=at,
        **{"starts_local": datetime(2026, 12, 3, 15), **fields},
    )


async def _alerts(sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "alert")
                .order_by(OutboxMessage.id)
            )
        )


async def test_switch_on_and_choose_kinds(sessions, places, now):
    chat = await _subscriber(sessions, places, now)
    assert (
        "Wenn im Umkreis von 10 km um Wernigerode neue Treffen angeboten werden, gebe ich Ihnen "
        "Bescheid – höchstens einmal am Tag, alles in einer Nachricht."
    ) in chat.text
    assert "Jetzt: an, für alle Arten." in chat.text
    assert "✓ Alle Arten" in chat.labels()
    await chat.press("Spaziergang & Bewegung")
    await chat.press("Warme Stube")
    assert "Jetzt: an, für 🔥 Warme Stube, 🚶 Spaziergang & Bewegung." in chat.text
    assert "✓ 🚶 Spaziergang & Bewegung" in chat.labels() and "Alle Arten" in chat.labels()
    await chat.press("Warme Stube")
    await chat.press("Einstellungen")
    assert "🆕 Neue Angebote melden: an (🚶 Spaziergang & Bewegung)" in chat.text
    await chat.press("Neue Angebote")
    await chat.press("Alle Arten")
    assert "Jetzt: an, für alle Arten." in chat.text
    await chat.press("Ausschalten")
    assert "Jetzt: aus." in chat.text
    async with sessions() as session:
        assert (await session.scalars(select(Alert))).all() == []
    for data in ["ak:walk", "ak:nonsense", "al:maybe"]:
        await chat.send_button(data)
        assert "nicht mehr" in chat.text, data


async def test_new_offers_nearby_come_bundled_once_a_day(sessions, places, now):
    await _new(sessions, now, now - timedelta(days=1), "Von gestern")  # before the alerts were on
    await _subscriber(sessions, places, now, platform="telegram")
    async with sessions() as session:
        me = await session.scalar(select(User))
    await _new(sessions, now, now + timedelta(hours=3), "Neues Adventscafé")
    await _new(
        sessions,
        now,
        now + timedelta(hours=4),
        "Neuer Spaziergang",
        category="walk",
        starts_local=datetime(2026, 11, 28, 10),
    )
    await _new(sessions, now, now + timedelta(hours=5), "In Magdeburg", **MAGDEBURG)
    await _new(sessions, now, now + timedelta(hours=5), "Mein eigenes", owner_id=me.id)
    await _new(
        sessions, now, now + timedelta(hours=5), "Noch in Prüfung", status=OfferStatus.PENDING
    )
    await _new(
        sessions,
        now,
        now + timedelta(hours=5),
        "Schon vorbei",
        starts_local=datetime(2026, 11, 25, 8),
    )

    assert (await run_digests(sessions, WED_17 - timedelta(minutes=1)))[
        "alerts"
    ] == 0  # not before 17:00
    assert (await run_digests(sessions, WED_17))["alerts"] == 1
    assert (await run_digests(sessions, WED_17 + timedelta(minutes=10)))[
        "alerts"
    ] == 0  # once a day
    clock = Clock(WED_17)
    [text] = (await Postman(sessions, clock).deliver())["telegram:4711"]
    assert text == (
        "🆕 Neu in Ihrer Nähe:\n\n"
        "1. 🚶 Neuer Spaziergang\n    Sa., 28. Nov., 10:00 Uhr · Wernigerode\n"
        "2. ☕ Neues Adventscafé\n    Do., 3. Dez., 15:00 Uhr · Wernigerode"
    )

    # Thursday: only what is new since.
    await _new(sessions, now, WED_17 + timedelta(hours=18), "Donnerstagscafé")
    thursday = WED_17 + timedelta(days=1)
    assert (await run_digests(sessions, thursday))["alerts"] == 1
    clock.now = thursday
    [text] = (await Postman(sessions, clock).deliver())["telegram:4711"]
    assert "Donnerstagscafé" in text and "Neues Adventscafé" not in text
    # Friday: nothing new, nothing sent.
    assert (await run_digests(sessions, thursday + timedelta(days=1)))["alerts"] == 0
    assert [r.key.rsplit(":", 1)[1] for r in await _alerts(sessions)] == [
        "2026-11-25",
        "2026-11-26",
    ]


async def test_only_the_chosen_kinds(sessions, places, now):
    chat = await _subscriber(sessions, places, now)
    await chat.press("Spaziergang & Bewegung")
    await _new(sessions, now, now + timedelta(hours=1), "Café")
    await _new(sessions, now, now + timedelta(hours=1), "Spaziergang", category="walk")
    await run_digests(sessions, WED_17)
    [text] = (await Postman(sessions, Clock(WED_17)).deliver())["terminal:4711"]
    assert "Spaziergang" in text and "Café" not in text
    assert text.endswith("1. 🚶 Spaziergang\n    Do., 3. Dez., 15:00 Uhr · Wernigerode")


async def test_an_offer_is_new_when_a_moderator_first_published_it(sessions, places, now):
    await _subscriber(sessions, places, now)
    waited = await _new(sessions, now, now - timedelta(days=2), "Lange geprüft")  # submitted before
    again = await _new(sessions, now, now - timedelta(days=2), "Nach Änderung wieder freigegeben")
    async with sessions() as session, session.begin():
        session.add_all(
            [
                LogEntry(
                    at=now + timedelta(hours=1), action="approved", offer_id=waited.id, note=""
                ),
                LogEntry(at=now - timedelta(days=1), action="approved", offer_id=again.id, note=""),
                LogEntry(
                    at=now + timedelta(hours=1), action="approved", offer_id=again.id, note=""
                ),
            ]
        )
    await run_digests(sessions, WED_17)
    [text] = (await Postman(sessions, Clock(WED_17)).deliver())["terminal:4711"]
    assert "Lange geprüft" in text and "wieder freigegeben" not in text


async def test_an_offer_withdrawn_before_the_bundle_is_sent_is_left_out(sessions, places, now):
    await _subscriber(sessions, places, now)
    gone = await _new(sessions, now, now + timedelta(hours=1), "Abgesagt")
    await run_digests(sessions, WED_17)
    async with sessions() as session, session.begin():
        (await session.get(Offer, gone.id)).status = OfferStatus.CANCELLED
    assert await Postman(sessions, Clock(WED_17 + timedelta(minutes=1))).deliver() == {}
    [row] = await _alerts(sessions)
    assert row.reason == "nothing to send"


async def test_no_home_place_no_alerts(chat, sessions, now):
    await chat.send_button("al")
    assert "Dafür brauche ich zuerst Ihren Heimatort." in chat.text
    await chat.send_button("al:on")
    async with sessions() as session:
        assert (await session.scalars(select(Alert))).all() == []
