"""Reminders as residents use them: choosing one under an offer, what arrives when (with a
clock the test moves), "Ich komme" / "Diesmal nicht", /erinnerungen, and forged buttons."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from handlers.core import ROUTES
from handlers.services import Services
from models import OutboxMessage, OutboxStatus, User
from models.reminders import Attendance, Reminder, due_times, plan_reminders
from scheduler import run_reminders

from .outbox_fakes import Clock
from .support import ChatDriver, Postman, add_offer

WEEKLY = {
    "rrule": "FREQ=WEEKLY;BYDAY=TU",
    "starts_local": datetime(2026, 12, 1, 15),
}  # Tuesdays 15:00


async def _weekly(sessions, now, **fields):
    return await add_offer(sessions, now, **{**WEEKLY, **fields})


async def _rows(sessions) -> dict[str, OutboxMessage]:
    async with sessions() as session:
        return {
            r.key: r
            for r in await session.scalars(select(OutboxMessage).order_by(OutboxMessage.due_at))
        }


async def _reminders(sessions) -> list[Reminder]:
    async with sessions() as session:
        return list(await session.scalars(select(Reminder)))


def _well_formed(chat: ChatDriver) -> None:
    for button in chat.buttons():
        assert len(button.data.encode()) <= 64 and ROUTES.takes(button.data), button


async def _remind(chat: ChatDriver, offer_id: int, *presses: str) -> None:
    await chat.say(f"/start offer_{offer_id}")
    await chat.press("🔔 Erinner")  # "Erinnern", or "Erinnerung ändern" the second time
    for label in presses:
        _well_formed(chat)
        await chat.press(label)


async def test_every_time_the_evening_before_and_two_hours_before(sessions, places, now):
    offer = await _weekly(sessions, now)
    chat = ChatDriver(sessions, places, now, platform="telegram")
    await chat.say(f"/start offer_{offer.id}")
    assert chat.labels()[0] == "🔔 Erinnern"
    await chat.press("🔔 Erinnern")
    assert "An welche Termine von „Adventscafé“ soll ich Sie erinnern?" in chat.text
    assert chat.labels() == [
        "🔁 Jedes Mal",
        "Nur am Di., 1. Dez.",
        "Nur am Di., 8. Dez.",
        "Nur am Di., 15. Dez.",
        "🔙 Zurück",
    ]
    await chat.press("Jedes Mal")
    assert "Wann soll ich Sie an „Adventscafé“ erinnern?" in chat.text
    assert chat.labels()[:3] == ["🌙 Am Vortag um 18:00 Uhr", "⏰ 2 Stunden vorher", "🔔 Beides"]
    await chat.press("Beides")
    assert (
        "✅ Erledigt: Ich erinnere Sie an „Adventscafé“ – jedes Mal, am Vortag um 18:00 Uhr "
        "und 2 Stunden vorher."
    ) in chat.text
    assert "Nächste Erinnerung: Mo., 30. Nov., 18:00 Uhr." in chat.text
    [reminder] = await _reminders(sessions)
    assert (reminder.chat, reminder.day, reminder.evening_before, reminder.hours_before) == (
        "telegram:4711",
        None,
        True,
        True,
    )
    assert await _rows(sessions) == {}  # the first date is six days away: nothing queued yet

    # The planner, run on Monday morning, queues Tuesday's two reminders, and only once.
    monday = datetime(2026, 11, 30, 8, tzinfo=UTC)
    assert await run_reminders(sessions, monday) == 2
    assert await run_reminders(sessions, monday + timedelta(minutes=5)) == 0
    rows = list((await _rows(sessions)).values())
    start = datetime(2026, 12, 1, 14, tzinfo=UTC)  # 15:00 in Berlin
    assert [(r.due_at, r.too_late_at) for r in rows] == [
        (datetime(2026, 11, 30, 17, tzinfo=UTC), start),  # Monday 18:00 in Berlin
        (datetime(2026, 12, 1, 12, tzinfo=UTC), start),
    ]
    assert rows[0].key == f"remind:{reminder.id}:2026-12-01T14:00Z:eve"

    clock = Clock(datetime(2026, 11, 30, 16, 59, tzinfo=UTC))
    postman = Postman(sessions, clock)
    assert await postman.deliver() == {}  # not due yet
    clock.now = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    [text] = (await postman.deliver())["telegram:4711"]
    assert text == (
        "🔔 Morgen:\n☕ Adventscafé\n🗓 Di., 1. Dez., 15:00–17:00 Uhr\n"
        "📍 Pfarrhaus, Kirchstraße 1, Wernigerode\n\nKommen Sie?"
    )
    clock.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    [text] = (await postman.deliver())["telegram:4711"]
    assert text.startswith("🔔 Gleich geht es los, um 15:00 Uhr:\n☕ Adventscafé")


async def test_the_reminder_has_answer_buttons_and_the_organiser_sees_a_number(
    sessions, places, now
):
    organiser = ChatDriver(sessions, places, now, user="org")
    await organiser.say("/start")
    async with sessions() as session:
        owner = await session.scalar(select(User).where(User.platform_id == "org"))
    offer = await _weekly(sessions, now, owner_id=owner.id)
    chat = ChatDriver(sessions, places, now, platform="telegram")
    await _remind(chat, offer.id, "Jedes Mal", "2 Stunden vorher")
    clock = Clock(datetime(2026, 12, 1, 12, tzinfo=UTC))
    await run_reminders(sessions, clock.now)
    postman = Postman(sessions, clock)
    await postman.deliver()
    async with sessions() as session:
        [row] = (await session.scalars(select(OutboxMessage))).all()
    assert row.status is OutboxStatus.SENT

    # What the dispatcher sent carries the buttons; pressing one answers in place.
    from handlers.reminders import compose_reminder
    from models.outbox import Claimed

    async with sessions() as session:
        [reply] = await compose_reminder(
            session,
            Claimed(
                row.id, row.key, row.chat, row.kind, row.payload, row.due_at, row.too_late_at, 1
            ),
            clock.now,
        )
    labels = [b.label for line in reply.buttons for b in line]
    assert labels == ["👍 Ich komme", "Diesmal nicht", "ℹ️ Details"]
    chat.now = clock.now
    await chat.send_button(reply.buttons[0][0].data)
    assert chat.replies[0].edit and "👍 Schön – bis dann!" in chat.text
    assert chat.labels()[:2] == ["✓ 👍 Ich komme", "Diesmal nicht"]
    _well_formed(chat)

    organiser.now = clock.now
    await organiser.send_button(f"mo:{offer.id}")
    assert "🙋 Zugesagt: 1 · 🔔 Erinnerungen: 1" in organiser.text
    assert "4711" not in organiser.text  # a number, never who

    await chat.send_button(reply.buttons[0][1].data)  # changed their mind
    assert "Schade" in chat.text or "Alles klar" in chat.text
    await organiser.send_button(f"mo:{offer.id}")
    assert "🙋 Zugesagt: 0 · 🔔 Erinnerungen: 1" in organiser.text


async def test_not_this_time_stops_the_second_reminder_for_that_date_only(sessions, places, now):
    offer = await _weekly(sessions, now)
    chat = ChatDriver(sessions, places, now)  # the terminal: the words work besides the numbers
    await _remind(chat, offer.id, "Jedes Mal", "Beides")
    clock = Clock(datetime(2026, 11, 30, 17, tzinfo=UTC))
    await run_reminders(sessions, clock.now)
    postman = Postman(sessions, clock)
    [text] = (await postman.deliver())["terminal:4711"]
    assert text.endswith("Kommen Sie?")
    chat.now = clock.now
    await chat.say("Diesmal nicht")
    assert "Alles klar – vielleicht beim nächsten Mal." in chat.text
    async with sessions() as session:
        [answer] = (await session.scalars(select(Attendance))).all()
    assert (answer.starts_at, answer.coming) == (datetime(2026, 12, 1, 14, tzinfo=UTC), False)
    clock.now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert await postman.deliver() == {}
    rows = await _rows(sessions)
    [two_hours] = [r for r in rows.values() if r.key.endswith(":2h")]
    assert (two_hours.status, two_hours.reason) == (OutboxStatus.DROPPED, "not coming")
    # The next Tuesday is reminded again.
    clock.now = datetime(2026, 12, 7, 17, tzinfo=UTC)
    await run_reminders(sessions, clock.now - timedelta(hours=1))
    assert (await postman.deliver())["terminal:4711"][0].startswith("🔔 Morgen:")


async def test_a_typed_answer_without_a_reminder_is_explained(chat):
    await chat.say("Ich komme")
    assert "Welches Treffen meinen Sie?" in chat.text


async def test_only_on_one_date(sessions, places, now):
    offer = await _weekly(sessions, now)
    chat = ChatDriver(sessions, places, now)
    await _remind(chat, offer.id, "Nur am Di., 8. Dez.", "Am Vortag")
    assert "nur am Di., 8. Dez., am Vortag um 18:00 Uhr" in chat.text
    assert "Nächste Erinnerung: Mo., 7. Dez., 18:00 Uhr." in chat.text
    [reminder] = await _reminders(sessions)
    assert reminder.day == date(2026, 12, 8)
    # Planned every few minutes over two weeks: only the one date gets a reminder.
    moment = now
    while moment < datetime(2026, 12, 16, tzinfo=UTC):
        await run_reminders(sessions, moment)
        moment += timedelta(hours=6)
    assert [r.payload["start"] for r in (await _rows(sessions)).values()] == [
        "2026-12-08T14:00:00+00:00"
    ]
    assert await _reminders(sessions) == []  # the date is over: the reminder is forgotten


async def test_only_one_date_says_it_with_one_full_stop(sessions, places, now):
    offer = await _weekly(sessions, now)
    chat = ChatDriver(sessions, places, now)
    await _remind(chat, offer.id, "Nur am Di., 8. Dez.")
    assert chat.text.endswith("\nNur am Di., 8. Dez.") and ".." not in chat.text


async def test_a_one_off_offer_needs_no_date_choice(sessions, places, now):
    offer = await add_offer(sessions, now, starts_local=datetime(2026, 11, 28, 14))  # Saturday
    chat = ChatDriver(sessions, places, now)
    await chat.say(f"/start offer_{offer.id}")
    await chat.press("🔔 Erinnern")
    assert "Wann soll ich Sie an „Adventscafé“ erinnern?" in chat.text
    await chat.press("2 Stunden vorher")
    assert "Ich erinnere Sie an „Adventscafé“ – 2 Stunden vorher." in chat.text  # its only date
    assert "Nächste Erinnerung: Sa., 28. Nov., 12:00 Uhr." in chat.text


async def test_asking_just_before_queues_the_reminder_at_once(sessions, places, now):
    """The way to try it in the terminal chat: a gathering in a little over two hours."""
    start = datetime(2026, 11, 25, 13, 0)  # 13:00 in Berlin, now is 10:00
    offer = await add_offer(sessions, now, starts_local=start - timedelta(hours=0, minutes=55))
    chat = ChatDriver(sessions, places, now)
    await chat.say(f"/start offer_{offer.id}")
    await chat.press("🔔 Erinnern")
    await chat.press("2 Stunden vorher")
    [row] = (await _rows(sessions)).values()  # no planner run needed
    assert row.due_at == datetime(2026, 11, 25, 9, 5, tzinfo=UTC)
    clock = Clock(row.due_at)
    [text] = (await Postman(sessions, clock).deliver())["terminal:4711"]
    assert text.startswith("🔔 Gleich geht es los, um 12:05 Uhr:")


async def test_a_reminder_time_already_past_when_asked_is_not_offered(sessions, places, now):
    offer = await add_offer(
        sessions, now, starts_local=datetime(2026, 11, 25, 11, 30)
    )  # 1.5 h from now
    chat = ChatDriver(sessions, places, now)
    await chat.say(f"/start offer_{offer.id}")
    await chat.press("🔔 Erinnern")
    assert "Für eine Erinnerung an „Adventscafé“ ist es zu spät: Es beginnt bald." in chat.text
    assert chat.labels() == ["🔙 Zurück"]
    for data in (
        f"rs:{offer.id}.a.b",
        f"rs:{offer.id}.a.h",
        f"rs:{offer.id}.a.e",
    ):  # an older message's buttons
        await chat.send_button(data)
        assert "ist es zu spät: Es beginnt bald." in chat.text and chat.labels() == ["🔙 Zurück"]
    assert await _reminders(sessions) == [] and await _rows(sessions) == {}


async def test_the_evening_before_is_not_offered_for_a_gathering_today(sessions, places, now):
    today = await add_offer(sessions, now, starts_local=datetime(2026, 11, 25, 15))  # now is 10:00
    chat = ChatDriver(sessions, places, now)
    await chat.say(f"/start offer_{today.id}")
    await chat.press("🔔 Erinnern")
    assert chat.labels() == ["⏰ 2 Stunden vorher", "🔙 Zurück"]
    await chat.send_button(f"rs:{today.id}.a.e")  # "Am Vortag" from an older message
    assert "Diese Zeit ist schon vorbei" in chat.text and await _reminders(sessions) == []
    await chat.press("2 Stunden vorher")
    assert "Nächste Erinnerung: Mi., 25. Nov., 13:00 Uhr." in chat.text

    # A weekly offer meeting today: "only today" has only the later time, "every time" both.
    weekly = await add_offer(
        sessions,
        now,
        title="Spielenachmittag",
        rrule="FREQ=WEEKLY;BYDAY=WE",
        starts_local=datetime(2026, 11, 25, 15),
    )
    await chat.say(f"/start offer_{weekly.id}")
    await chat.press("🔔 Erinnern")
    await chat.press("Nur am Mi., 25. Nov.")
    assert chat.labels() == ["⏰ 2 Stunden vorher", "🔙 Zurück"]
    await chat.press("Zurück")
    await chat.press("🔔 Erinnern")
    await chat.press("Jedes Mal")
    assert chat.labels()[:3] == ["🌙 Am Vortag um 18:00 Uhr", "⏰ 2 Stunden vorher", "🔔 Beides"]

    # Within two hours of the start, today's date is not offered at all.
    soon = ChatDriver(sessions, places, now.replace(hour=13, minute=30), user="later")
    await soon.say(f"/start offer_{weekly.id}")
    await soon.press("🔔 Erinnern")
    assert "Nur am Mi., 25. Nov." not in soon.labels() and "Nur am Mi., 2. Dez." in soon.labels()


async def test_after_downtime_late_reminders_go_out_before_the_start_and_none_after(
    sessions, places, now
):
    early = await _weekly(sessions, now, title="Adventscafé")
    late = await add_offer(
        sessions, now, title="Spaziergang", starts_local=datetime(2026, 11, 30, 10), category="walk"
    )
    chat = ChatDriver(sessions, places, now)
    await _remind(chat, early.id, "Jedes Mal", "Am Vortag")
    await _remind(chat, late.id, "Beides")
    await run_reminders(sessions, datetime(2026, 11, 29, 6, tzinfo=UTC))  # queues the walk's two
    # The bot is down from Sunday morning until Monday 13:00 UTC (14:00 in Berlin): the walk
    # started at 10:00, the café's reminder was due Monday 18:00 but the planner never ran.
    back = datetime(2026, 11, 30, 13, tzinfo=UTC)
    await run_reminders(sessions, back)
    clock = Clock(back)
    assert await Postman(sessions, clock).deliver() == {}  # nothing due yet, nothing about the walk
    found = await _rows(sessions)
    walk = [r for r in found.values() if r.payload["offer"] == late.id]
    assert {(r.status, r.reason) for r in walk} == {(OutboxStatus.DROPPED, "too late")}
    # Down again over Monday evening: later than planned is fine while the gathering has not begun.
    clock.now = datetime(2026, 12, 1, 8, tzinfo=UTC)  # Tuesday 09:00, the café starts at 15:00
    [text] = (await Postman(sessions, clock).deliver())["terminal:4711"]
    assert text.startswith("🔔 Heute:\n☕ Adventscafé")
    clock.now = datetime(2026, 12, 8, 14, 30, tzinfo=UTC)  # the next one has begun already
    await run_reminders(sessions, clock.now)
    assert await Postman(sessions, clock).deliver() == {}


def test_reminder_times_keep_the_wall_clock_across_daylight_saving_changes():
    evening = time(18)
    # Sunday 29 March 2026 (clocks go forward at 02:00), 15:00 CEST = 13:00 UTC
    spring = datetime(2026, 3, 29, 13, tzinfo=UTC)
    assert dict(due_times(spring, ["eve", "2h"], evening)) == {
        "eve": datetime(2026, 3, 28, 17, tzinfo=UTC),  # Saturday 18:00 CET
        "2h": datetime(2026, 3, 29, 11, tzinfo=UTC),
    }  # Sunday 13:00 CEST
    # Sunday 25 October 2026 (clocks go back at 03:00), 15:00 CET = 14:00 UTC
    autumn = datetime(2026, 10, 25, 14, tzinfo=UTC)
    assert dict(due_times(autumn, ["eve", "2h"], evening)) == {
        "eve": datetime(2026, 10, 24, 16, tzinfo=UTC),  # Saturday 18:00 CEST
        "2h": datetime(2026, 10, 25, 12, tzinfo=UTC),
    }  # Sunday 13:00 CET
    assert dict(due_times(autumn, ["eve"], time(19, 30)))["eve"] == datetime(
        2026, 10, 24, 17, 30, tzinfo=UTC
    )


async def test_weekly_reminders_across_both_daylight_saving_weekends(sessions, places):
    for week_start, sunday, expected in [
        (
            datetime(2026, 3, 22, 15),
            datetime(2026, 3, 27, 12, tzinfo=UTC),
            {
                "eve": datetime(2026, 3, 28, 17, tzinfo=UTC),
                "2h": datetime(2026, 3, 29, 11, tzinfo=UTC),
            },
        ),
        (
            datetime(2026, 10, 18, 15),
            datetime(2026, 10, 23, 12, tzinfo=UTC),
            {
                "eve": datetime(2026, 10, 24, 16, tzinfo=UTC),
                "2h": datetime(2026, 10, 25, 12, tzinfo=UTC),
            },
        ),
    ]:
        now = sunday - timedelta(days=6)
        offer = await add_offer(
            sessions, now, rrule="FREQ=WEEKLY;BYDAY=SU", starts_local=week_start
        )
        chat = ChatDriver(sessions, places, now, user=f"u{week_start.month}")
        await _remind(chat, offer.id, "Jedes Mal", "Beides")
        async with sessions() as session, session.begin():
            await plan_reminders(session, sunday, time(18), ahead=timedelta(days=3))
        rows = [r for r in (await _rows(sessions)).values() if r.payload["offer"] == offer.id]
        assert {r.payload["lead"]: r.due_at for r in rows} == expected
        # Delivered at those moments, the reminders name the local time of the gathering.
        clock = Clock(expected["eve"])
        postman = Postman(sessions, clock)
        [text] = (await postman.deliver())[chat.address]
        assert text.startswith("🔔 Morgen:") and "So., " in text and "15:00–17:00 Uhr" in text
        clock.now = expected["2h"]
        [text] = (await postman.deliver())[chat.address]
        assert text.startswith("🔔 Gleich geht es los, um 15:00 Uhr:")


async def test_my_reminders_list_and_stop(sessions, places, now):
    cafe = await _weekly(sessions, now)
    walk = await add_offer(
        sessions, now, title="Spaziergang", category="walk", starts_local=datetime(2026, 11, 28, 14)
    )
    chat = ChatDriver(sessions, places, now)
    await chat.say("/erinnerungen")
    assert "Sie haben keine Erinnerungen" in chat.text
    await _remind(chat, cafe.id, "Jedes Mal", "Beides")
    await _remind(chat, walk.id, "Am Vortag")
    await chat.say("/erinnerungen")
    assert (
        "1. Spaziergang\n    am Vortag um 18:00 Uhr\n    Nächster Termin: Sa., 28. Nov., 14:00 Uhr"
        in chat.text
    )
    assert "2. Adventscafé\n    jedes Mal, am Vortag um 18:00 Uhr und 2 Stunden vorher" in chat.text
    assert chat.labels() == ["1. 🔕 Spaziergang", "2. 🔕 Adventscafé"]
    await chat.say("2")  # the terminal: a typed number asks first, it may be a slip
    assert "🔕 Die Erinnerung an „Adventscafé“ beenden?" in chat.text
    assert "Jetzt: jedes Mal, am Vortag um 18:00 Uhr und 2 Stunden vorher." in chat.text
    assert chat.labels() == ["🔕 Ja, beenden", "Nein, behalten"]
    assert len(await _reminders(sessions)) == 2
    await chat.say("2")  # "Nein, behalten": the list again, nothing stopped
    assert "2. Adventscafé" in chat.text and len(await _reminders(sessions)) == 2
    await chat.say("2")
    await chat.say("1")  # "Ja, beenden"
    assert "🔕 Die Erinnerung an „Adventscafé“ ist beendet." in chat.text
    assert [r.offer_id for r in await _reminders(sessions)] == [walk.id]
    await chat.say(f"/start offer_{walk.id}")
    assert chat.labels()[0] == "🔔 Erinnerung ändern"
    await chat.press("Erinnerung ändern")
    assert "Jetzt: am Vortag um 18:00 Uhr." in chat.text
    await chat.press("Keine Erinnerung")
    assert await _reminders(sessions) == []


async def test_changing_the_choice_takes_back_what_was_queued(sessions, places, now):
    offer = await add_offer(sessions, now, starts_local=datetime(2026, 11, 26, 15))  # tomorrow
    chat = ChatDriver(sessions, places, now)
    await _remind(chat, offer.id, "Beides")
    assert sorted(k.rsplit(":", 1)[1] for k in await _rows(sessions)) == ["2h", "eve"]
    await _remind(chat, offer.id, "2 Stunden vorher")
    assert [k.rsplit(":", 1)[1] for k in await _rows(sessions)] == ["2h"]
    assert len(await _reminders(sessions)) == 1


async def test_forged_and_stale_reminder_buttons_change_nothing(sessions, places, now):
    offer = await _weekly(sessions, now)
    hidden = await _weekly(sessions, now, status="pending")
    other = ChatDriver(sessions, places, now, user="other")
    await _remind(other, offer.id, "Jedes Mal", "Beides")
    [theirs] = await _reminders(sessions)
    chat = ChatDriver(sessions, places, now)
    for data in [
        f"rm:{hidden.id}",
        "rm:0",
        "rm:abc",
        f"rw:{offer.id}",
        f"rw:{offer.id}.20261202",
        f"rw:{offer.id}.2026120",
        f"rs:{offer.id}.a",
        f"rs:{offer.id}.a.x",
        f"rs:{hidden.id}.a.b",
        f"rs:{offer.id}.20261124.b",
        f"rx:{theirs.id}",
        f"rq:{theirs.id}",
        "rx:99999",
        "rq:0",
        f"ry:{offer.id}",
        f"ry:{offer.id}.123",
        f"rn:{hidden.id}.1796133600",
        "ry:" + "9" * 40,
    ]:
        await chat.send_button(data)
        assert "nicht mehr" in chat.text, data
    assert [r.id for r in await _reminders(sessions)] == [theirs.id]
    async with sessions() as session:
        assert (await session.scalars(select(Attendance))).all() == []


async def test_reminders_in_english(sessions, places, now):
    offer = await _weekly(sessions, now)
    chat = ChatDriver(sessions, places, now, language="en")
    await chat.say(f"/start offer_{offer.id}")
    await chat.press("🔔 Remind me")
    await chat.press("Every time")
    await chat.press("Both")
    assert (
        "I will remind you of “Adventscafé” – every time, the evening before at 18:00 and 2 hours "
        "before." in chat.text
    )
    clock = Clock(datetime(2026, 11, 30, 17, tzinfo=UTC))
    await run_reminders(sessions, clock.now)
    [text] = (await Postman(sessions, clock).deliver())["terminal:4711"]
    assert text.startswith("🔔 Tomorrow:\n☕ Adventscafé\n🗓 Tue, 1 Dec, 15:00–17:00")
    assert text.endswith("Are you coming?")


async def test_the_scheduler_runs_the_planners_often_and_one_at_a_time(sessions):
    from scheduler import Planning, build_scheduler

    scheduler = build_scheduler(sessions, planning=Planning(evening=time(19)))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert jobs["reminders"].trigger.interval == timedelta(minutes=5)
    assert jobs["notices"].trigger.interval == timedelta(minutes=1)
    assert jobs["digests"].trigger.interval == timedelta(minutes=10)
    for name in ("reminders", "notices", "digests"):
        assert jobs[name].max_instances == 1 and jobs[name].coalesce
    assert jobs["reminders"].kwargs["planning"].evening == time(19)


async def test_in_the_terminal_chat_a_reminder_appears_when_due(sessions, places):
    """The local try-out: an offer in a little over two hours, "2 Stunden vorher", and the
    reminder shows up in the chat between the prompts with its buttons numbered; typing the
    number answers it."""
    import io

    from bot.terminal import TerminalChat, TerminalMessenger
    from handlers.core import Nahbar

    from .outbox_fakes import outbox_dispatcher

    clock = Clock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    offer = await add_offer(
        sessions,
        clock.now,
        title="Kaffee im Gemeindehaus",
        starts_local=datetime(2026, 11, 25, 12, 2),
    )  # 2 h 2 min from now
    out = io.StringIO()
    chat = TerminalChat(
        Nahbar(sessions, Services(places), clock=clock), out, user="erika", language="de"
    )
    await chat.say(f"/start offer_{offer.id}")
    assert "[1] 🔔 Erinnern" in out.getvalue()
    await chat.say("1")
    assert (
        "[1] ⏰ 2 Stunden vorher   [2] 🔙 Zurück" in out.getvalue()
    )  # no evening before: it is today
    await chat.say("1")
    assert "Nächste Erinnerung: Mi., 25. Nov., 10:02 Uhr." in out.getvalue()
    dispatcher = outbox_dispatcher(sessions, [TerminalMessenger(chat)], clock=clock)
    clock.advance(minutes=1)
    await dispatcher.drain()
    assert "Gleich geht es los" not in out.getvalue()
    clock.advance(minutes=1)
    await dispatcher.drain()
    shown = out.getvalue()
    assert "🔔 Gleich geht es los, um 12:02 Uhr:\n☕ Kaffee im Gemeindehaus" in shown
    assert "Kommen Sie?\n[1] 👍 Ich komme   [2] Diesmal nicht   [3] ℹ️ Details" in shown
    await chat.say("1")
    assert "👍 Schön – bis dann!" in out.getvalue()
    assert "[1] ✓ 👍 Ich komme" in out.getvalue()
    async with sessions() as session:
        [answer] = (await session.scalars(select(Attendance))).all()
    assert answer.coming


def test_the_reminder_says_how_near_the_gathering_is_when_it_is_sent():
    from handlers.i18n import Translator
    from handlers.reminders import header_for

    t = Translator("de")
    start = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)  # Friday 00:30 in Berlin
    assert (
        header_for(t, start, start - timedelta(hours=2)) == "🔔 Gleich geht es los, um 00:30 Uhr:"
    )
    assert header_for(t, start, start - timedelta(hours=6)) == "🔔 Morgen:"
    assert header_for(t, start, start - timedelta(hours=30)) == "🔔 Erinnerung:"
    noon = datetime(2026, 11, 27, 11, tzinfo=UTC)
    assert header_for(t, noon, noon - timedelta(hours=5)) == "🔔 Heute:"


async def test_my_reminders_are_not_listed_in_a_group(sessions, places, now):
    from handlers.messages import Incoming

    offer = await _weekly(sessions, now)
    chat = ChatDriver(sessions, places, now, platform="telegram")
    await _remind(chat, offer.id, "Jedes Mal", "Beides")
    [reply] = await chat.core.handle(
        Incoming(
            platform="telegram", user_id="4711", chat_id="-100", text="/erinnerungen", group=True
        )
    )
    assert "Adventscafé" not in reply.text and "privaten Chat" in reply.text


async def test_reminders_and_answers_go_with_an_offer_retention_deletes(sessions, places, now):
    from scheduler.retention import purge_ended_offers

    offer = await add_offer(sessions, now, starts_local=datetime(2026, 11, 28, 14))
    chat = ChatDriver(sessions, places, now)
    await _remind(chat, offer.id, "Beides")
    await chat.send_button(
        f"ry:{offer.id}.{int(datetime(2026, 11, 28, 13, tzinfo=UTC).timestamp())}"
    )
    assert "bis dann" in chat.text
    async with sessions() as session, session.begin():
        assert (
            await purge_ended_offers(session, datetime(2027, 6, 1, tzinfo=UTC), timedelta(days=90))
            == 1
        )
    async with sessions() as session:
        assert (await session.scalars(select(Reminder))).all() == []
        assert (await session.scalars(select(Attendance))).all() == []


async def test_reminders_follow_a_person_into_their_new_matrix_dm(sessions, places, now):
    """Anna left her DM (paused at once) and opens a new one: her reminder goes there now."""
    from handlers.messages import Incoming
    from models.outbox import pause_chat, paused_among

    anna = ChatDriver(sessions, places, now, user="@anna:example.org", platform="matrix")
    room = {"id": "!old:example.org"}
    anna._incoming = lambda **kw: Incoming(
        platform="matrix", user_id="@anna:example.org", chat_id=room["id"], language="de", **kw
    )
    offer = await _weekly(sessions, now)
    await _remind(anna, offer.id, "Jedes Mal", "2 Stunden vorher")
    [reminder] = await _reminders(sessions)
    assert reminder.chat == "matrix:!old:example.org"
    async with sessions() as session, session.begin():
        await pause_chat(session, "matrix:!old:example.org", "left the room", now)

    room["id"] = "!new:example.org"
    await anna.say("hallo")
    [reminder] = await _reminders(sessions)
    assert reminder.chat == "matrix:!new:example.org"
    async with sessions() as session:
        assert not await paused_among(session, ["matrix:!new:example.org"])


async def test_the_terminal_and_matrix_show_no_pop_up_lines_the_text_says_it(sessions, places, now):
    """Telegram shows a short pop-up for a button press; elsewhere the answer's sentence says it."""
    import io

    from bot.matrix.render import render as matrix_render
    from bot.terminal import TerminalChat
    from handlers.core import Nahbar

    offer = await add_offer(sessions, now, starts_local=datetime(2026, 11, 28, 14))
    out = io.StringIO()
    terminal = TerminalChat(
        Nahbar(sessions, Services(places), clock=lambda: now), out, user="erika", language="de"
    )
    await terminal.say(f"/start offer_{offer.id}")
    await terminal.say("1")  # 🔔 Erinnern
    await terminal.say("3")  # Beides
    await terminal.say("/loeschen")
    matrix = ChatDriver(sessions, places, now, platform="matrix", user="@erika:example.org")
    await _remind(matrix, offer.id, "Beides")
    shown = [matrix_render(matrix.replies)[0]["body"]]
    await matrix.say("/loeschen")
    await matrix.press("Ja, alles löschen")
    shown.append(matrix_render(matrix.replies)[0]["body"])
    for text in (out.getvalue(), *shown):
        assert "(Erinnerung gespeichert.)" not in text and "Erinnerung gespeichert" not in text
        assert "Gelöscht." not in text
    assert (
        "✅ Erledigt: Ich erinnere Sie an „Adventscafé“" in out.getvalue()
        and "✅ Erledigt" in shown[0]
    )
    assert shown[1].startswith("Alles ist gelöscht.")
