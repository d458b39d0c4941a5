"""The weekly digest: switched on and set in the settings, planned once per week at the chosen
weekday and hour (Berlin), its contents, quiet weeks, and the digest of a group chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from handlers.messages import Incoming
from models import OutboxMessage, OutboxStatus
from models.digests import Digest
from scheduler import run_digests

from .outbox_fakes import Clock
from .support import ChatDriver, Postman, add_offer

MONDAY_9 = datetime(2026, 11, 30, 8, tzinfo=UTC)  # Monday 30 November, 09:00 in Berlin
GROUP = "-1001234"


async def _with_home(sessions, places, now, **options) -> ChatDriver:
    chat = ChatDriver(sessions, places, now, **options)
    await chat.say("Wernigerode")
    await chat.press("Als Heimatort merken")
    return chat


async def _switch_on(chat: ChatDriver) -> None:
    await chat.say("/einstellungen")
    await chat.press("📬 Wochenpost")
    await chat.press("Einschalten")


async def _rows(sessions, kind: str = "digest") -> list[OutboxMessage]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            )
        )


async def _offers_of_the_week(sessions, now):
    await add_offer(
        sessions,
        now,
        title="Adventscafé",
        rrule="FREQ=WEEKLY;BYDAY=TU",
        starts_local=datetime(2026, 12, 1, 15),
    )
    await add_offer(
        sessions,
        now,
        title="Spaziergang am Schloss",
        category="walk",
        starts_local=datetime(2026, 12, 5, 10),
        latitude=51.8329,
        longitude=10.7900,
    )
    await add_offer(sessions, now, title="Schon vorbei", starts_local=datetime(2026, 11, 28, 15))
    await add_offer(
        sessions, now, title="Erst nächste Woche", starts_local=datetime(2026, 12, 9, 15)
    )
    await add_offer(
        sessions,
        now,
        title="In Magdeburg",
        place_name="Magdeburg",
        latitude=52.1205,
        longitude=11.6276,
        starts_local=datetime(2026, 12, 2, 15),
    )


async def test_switch_on_and_choose_weekday_and_time(sessions, places, now):
    chat = await _with_home(sessions, places, now)
    await chat.say("/einstellungen")
    assert "📬 Wochenpost: aus" in chat.text and "🆕 Neue Angebote melden: aus" in chat.text
    await chat.press("📬 Wochenpost")
    assert "Einmal in der Woche eine Nachricht" in chat.text and "Jetzt: aus." in chat.text
    await chat.press("Einschalten")
    assert (
        "Jetzt: an – jeden Montag um 09:00 Uhr, Treffen im Umkreis von 10 km um Wernigerode."
        in chat.text
    )
    assert chat.labels()[:7] == ["✓ Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."]
    await chat.press("Do.")
    await chat.press("18:00")
    assert "jeden Donnerstag um 18:00 Uhr" in chat.text and "✓ 18:00" in chat.labels()
    await chat.press("Einstellungen")
    assert "📬 Wochenpost: jeden Donnerstag um 18:00 Uhr" in chat.text
    async with sessions() as session:
        [digest] = (await session.scalars(select(Digest))).all()
    assert (digest.chat, digest.weekday, digest.hour) == ("terminal:4711", 3, 18)
    await chat.say("/wochenpost")
    await chat.press("Ausschalten")
    assert "Jetzt: aus." in chat.text
    async with sessions() as session:
        assert (await session.scalars(select(Digest))).all() == []


async def test_no_home_place_no_digest(chat):
    await chat.say("/wochenpost")
    assert "Für die Wochenpost brauche ich zuerst Ihren Heimatort." in chat.text
    assert chat.labels() == ["🏠 Heimatort festlegen", "⚙️ Einstellungen"]
    await chat.send_button("dg:on")
    assert "Jetzt: an" not in chat.text


async def test_the_digest_lists_the_coming_week_near_the_home_place(sessions, places, now):
    await _offers_of_the_week(sessions, now)
    chat = await _with_home(sessions, places, now, platform="telegram")
    await _switch_on(chat)
    assert await run_digests(sessions, MONDAY_9 - timedelta(hours=2)) == {"digests": 0, "alerts": 0}
    assert (await run_digests(sessions, MONDAY_9 - timedelta(minutes=50)))["digests"] == 1
    assert (await run_digests(sessions, MONDAY_9 - timedelta(minutes=40)))["digests"] == 0  # once
    [row] = await _rows(sessions)
    assert (row.due_at, row.too_late_at) == (MONDAY_9, MONDAY_9 + timedelta(hours=12))
    clock = Clock(MONDAY_9 - timedelta(seconds=1))
    postman = Postman(sessions, clock)
    assert await postman.deliver() == {}
    clock.now = MONDAY_9
    [text] = (await postman.deliver())["telegram:4711"]
    assert text.startswith("📬 Diese Woche in Ihrer Nähe\nWernigerode · 10 km\n\n")
    assert "1. ☕ Adventscafé\n    Di., 1. Dez., 15:00 Uhr · Wernigerode · 100 m" in text
    assert "2. 🚶 Spaziergang am Schloss\n    Sa., 5. Dez., 10:00 Uhr" in text
    for absent in ("Schon vorbei", "Erst nächste Woche", "Magdeburg"):
        assert absent not in text
    # A week later: again, once.
    await run_digests(sessions, MONDAY_9 + timedelta(days=7) - timedelta(minutes=30))
    assert [r.key.rsplit(":", 1)[1] for r in await _rows(sessions)] == ["2026-11-30", "2026-12-07"]


async def test_the_digest_has_its_buttons_on_telegram_and_in_the_terminal(sessions, places, now):
    from handlers.digest import compose_digest
    from models.outbox import Claimed

    await _offers_of_the_week(sessions, now)
    for platform in ("telegram", "terminal"):
        chat = await _with_home(sessions, places, now, platform=platform)
        await _switch_on(chat)
    await run_digests(sessions, MONDAY_9)
    labels = {}
    async with sessions() as session:
        for row in await _rows(sessions):
            [reply] = await compose_digest(
                session,
                Claimed(
                    row.id, row.key, row.chat, row.kind, row.payload, row.due_at, row.too_late_at, 1
                ),
                MONDAY_9,
            )
            labels[row.chat.split(":")[0]] = [b.label for line in reply.buttons for b in line]
    both = ["1. ☕ Adventscafé", "2. 🚶 Spaziergang am Schloss", "⚙️ Wochenpost ändern"]
    assert labels == {"telegram": both, "terminal": both}  # the terminal numbers them 1, 2, 3


async def test_a_quiet_week_sends_nothing(sessions, places, now):
    await add_offer(
        sessions,
        now,
        title="In Magdeburg",
        place_name="Magdeburg",
        latitude=52.1205,
        longitude=11.6276,
        starts_local=datetime(2026, 12, 2, 15),
    )
    chat = await _with_home(sessions, places, now)
    await _switch_on(chat)
    await run_digests(sessions, MONDAY_9)
    assert await Postman(sessions, Clock(MONDAY_9)).deliver() == {}
    [row] = await _rows(sessions)
    assert (row.status, row.reason) == (OutboxStatus.DROPPED, "nothing to send")


async def test_switched_on_after_this_weeks_slot_starts_next_week(sessions, places):
    monday_noon = MONDAY_9 + timedelta(hours=3)
    await _offers_of_the_week(sessions, monday_noon)
    chat = await _with_home(sessions, places, monday_noon)
    await _switch_on(chat)
    assert (await run_digests(sessions, monday_noon))["digests"] == 0


async def test_changing_the_time_takes_back_the_queued_digest(sessions, places, now):
    await _offers_of_the_week(sessions, now)
    chat = await _with_home(sessions, places, now)
    await _switch_on(chat)
    chat.now = MONDAY_9 - timedelta(minutes=30)
    await run_digests(sessions, chat.now)
    assert len(await _rows(sessions)) == 1
    await chat.say("/wochenpost")
    await chat.press("12:00")
    assert await _rows(sessions) == []  # the 09:00 one is gone before it was sent
    await run_digests(sessions, MONDAY_9 + timedelta(hours=2, minutes=30))
    [row] = await _rows(sessions)
    assert row.due_at == MONDAY_9 + timedelta(hours=3)


async def test_after_long_downtime_an_old_digest_is_not_sent(sessions, places, now):
    await _offers_of_the_week(sessions, now)
    chat = await _with_home(sessions, places, now)
    await _switch_on(chat)
    await run_digests(sessions, MONDAY_9 + timedelta(hours=13))  # back Monday 22:00 Berlin
    assert await _rows(sessions) == []
    await run_digests(sessions, MONDAY_9 + timedelta(hours=3))  # back Monday noon: still today's
    assert (await Postman(sessions, Clock(MONDAY_9 + timedelta(hours=3))).deliver())[
        "terminal:4711"
    ]


async def test_the_digest_follows_the_home_place_as_it_is_when_sent(sessions, places, now):
    await _offers_of_the_week(sessions, now)
    chat = await _with_home(sessions, places, now)
    await _switch_on(chat)
    await chat.say("/einstellungen")
    await chat.press("Heimatort ändern")
    await chat.say("Magdeburg")
    await run_digests(sessions, MONDAY_9)
    [text] = (await Postman(sessions, Clock(MONDAY_9)).deliver())["terminal:4711"]
    assert "Magdeburg · 10 km" in text and "In Magdeburg" in text and "Adventscafé" not in text


# --- group chats ----------------------------------------------------------------------------


async def _in_group(chat: ChatDriver, text: str, *, user: str, admin: bool) -> str:
    replies = await chat.core.handle(
        Incoming(
            platform="telegram",
            user_id=user,
            chat_id=GROUP,
            text=text,
            language="de",
            group=True,
            sender_is_admin=admin,
        )
    )
    chat.replies = replies
    return chat.text


async def test_a_groups_admin_switches_the_group_digest_on_and_off(sessions, places, now):
    await _offers_of_the_week(sessions, now)
    chat = ChatDriver(sessions, places, now, platform="telegram")
    text = await _in_group(chat, "/wochenpost@nahbar_bot", user="501", admin=False)
    assert "Ein Admin schaltet sie mit /wochenpost und dem Ort ein" in text
    text = await _in_group(chat, "/wochenpost Wernigerode", user="501", admin=False)
    assert "nur die Admins dieser Gruppe" in text
    async with sessions() as session:
        assert (await session.scalars(select(Digest))).all() == []
    text = await _in_group(chat, "/wochenpost Wernigerode", user="502", admin=True)
    assert (
        "Ab jetzt kommt die Wochenpost mit den Treffen im Umkreis von 10 km um Wernigerode "
        "jeden Montag um 09:00 Uhr in diese Gruppe."
    ) in text
    assert not any(r.keyboard for r in chat.replies)  # no big buttons pushed into a group
    async with sessions() as session:
        [digest] = (await session.scalars(select(Digest))).all()
    assert (digest.chat, digest.user_id, digest.place_name) == (
        f"telegram:{GROUP}",
        None,
        "Wernigerode",
    )
    text = await _in_group(chat, "/wochenpost", user="501", admin=False)
    assert "Die Wochenpost für diese Gruppe ist an: jeden Montag um 09:00 Uhr" in text

    await run_digests(sessions, MONDAY_9)
    [text] = (await Postman(sessions, Clock(MONDAY_9)).deliver())[f"telegram:{GROUP}"]
    assert text.startswith(
        "📬 Diese Woche rund um Wernigerode\nWernigerode · 10 km\n\n1. ☕ Adventscafé"
    )
    assert text.endswith("Details und Erinnerungen: schreiben Sie Nahbar in einem privaten Chat.")

    text = await _in_group(chat, "/wochenpost aus", user="501", admin=False)
    assert "nur die Admins" in text
    text = await _in_group(chat, "/wochenpost aus", user="502", admin=True)
    assert "Die Wochenpost für diese Gruppe ist ausgeschaltet." in text
    async with sessions() as session:
        assert (await session.scalars(select(Digest))).all() == []


async def test_group_places_that_need_more_words(sessions, places, now):
    chat = ChatDriver(sessions, places, now, platform="telegram")
    text = await _in_group(chat, "/wochenpost Wallwitz", user="502", admin=True)
    assert (
        "Es gibt mehrere Orte namens „Wallwitz“" in text
        and "/wochenpost Wallwitz (Gemeinde Petersberg)" in text
    )
    text = await _in_group(chat, "/wochenpost Xyzzyburg", user="502", admin=True)
    assert "kenne ich leider nicht" in text
    text = await _in_group(chat, "/wochenpost 06484", user="502", admin=True)
    assert "um 06484 Quedlinburg" in text


async def test_erasing_the_admin_keeps_the_groups_digest(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user="502", platform="telegram")
    await _in_group(chat, "/wochenpost Wernigerode", user="502", admin=True)
    await chat.say("Wernigerode")
    await chat.press("Als Heimatort merken")
    await _switch_on(chat)
    await chat.say("/loeschen")
    await chat.press("Ja, alles löschen")
    async with sessions() as session:
        assert [d.chat for d in await session.scalars(select(Digest))] == [f"telegram:{GROUP}"]


def test_matrix_room_moderators_count_as_the_groups_admins():
    from bot.matrix.convert import incoming

    def sent_by(level: int, group: bool = True):
        return incoming(
            {"msgtype": "m.text", "body": "!wochenpost Thale"},
            sender="@erna:example.org",
            room_id="!dorf:example.org",
            group=group,
            power_level=level,
        )

    assert sent_by(100).sender_is_admin and sent_by(50).sender_is_admin
    assert not sent_by(49).sender_is_admin and not sent_by(0).sender_is_admin
    assert not sent_by(100, group=False).sender_is_admin  # a private chat has no admins


def test_the_digest_keeps_its_wall_clock_time_across_daylight_saving_changes():
    from datetime import date

    from models.digests import digest_slot

    assert digest_slot(date(2026, 3, 23), 9) == datetime(2026, 3, 23, 8, tzinfo=UTC)  # CET
    assert digest_slot(date(2026, 3, 30), 9) == datetime(2026, 3, 30, 7, tzinfo=UTC)  # CEST
    assert digest_slot(date(2026, 10, 26), 9) == datetime(2026, 10, 26, 8, tzinfo=UTC)  # CET again
