"""Reminders: "🔔 Erinnern" under an offer, /erinnerungen, and the reminder message itself with
"Ich komme" / "Diesmal nicht".

Choosing a reminder is two button presses and keeps nothing in the dialogue state: for a
recurring offer "every time" or one of the next dates ("rm" -> "rw"), then the evening before,
two hours before or both ("rs" saves). Every button names the offer (and the date) and is
checked again when pressed. The reminder is one row per person and offer (models.reminders);
its outbox rows are queued right away for the coming days and by the planner after that.

The message is composed when it is sent (`compose_reminder`), so it shows the current time
and place, and is dropped when the offer, the date or the reminder is gone, or the person
said "Diesmal nicht" for that date. It carries its buttons on every platform; where there are
none (the terminal, Matrix) they are numbered, and the typed number presses them, since the
messenger stores the choices of what it delivered (Nahbar.shown). The words work too: a typed
"Ich komme" answers the newest reminder sent to that chat.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from models import Offer, User
from models.base import from_epoch
from models.categories import category
from models.conversations import reach
from models.listing import next_dates, visible_offer
from models.outbox import Claimed
from models.reminders import (
    EVENING,
    HOURS,
    NOTICE,
    REMIND,
    Reminder,
    answer,
    answer_of,
    cancel_reminder,
    due_times,
    last_reminded,
    occurrence_end,
    plan_reminders,
    reminder_for,
    reminders_of,
    set_reminder,
)
from models.schedule import to_local, to_utc
from scheduler.compose import Drop

from . import change_notices
from .buttons import Between, ButtonData, Id, Word
from .common import stale_button
from .context import Turn
from .dialogue import Feature, on
from .formatting import bold, lines, when
from .formatting import day as day_name
from .handover import MyReminders, Remind, ShowOffer
from .i18n import Translator
from .last_shown import just_shown
from .messages import Button, Reply
from .text import shorten
from .understanding import Intent

DATE_CHOICES = 3  # "nur am …" offers the next few dates
EVERY = "a"  # button argument for "every time"
LEADS = {"e": (True, False), "h": (False, True), "b": (True, True)}
SOON = timedelta(hours=3)  # "starting soon" rather than "today"
Which = Annotated[str, Word(8)]  # EVERY, or one date as YYYYMMDD (checked to be a coming one)
Epoch = Annotated[int, Between(0, 99_999_999_999)]  # a date's start, seconds since 1970


class RemindWhen(ButtonData, prefix="rw"):
    offer: Id
    which: Which


class SaveReminder(ButtonData, prefix="rs"):
    offer: Id
    which: Which
    lead: Literal["e", "h", "b"]


class AskStop(ButtonData, prefix="rq"):
    reminder: Id


class StopReminder(ButtonData, prefix="rx"):
    reminder: Id


class Coming(ButtonData, prefix="ry"):
    """ "Ich komme" under a reminder of one date."""

    offer: Id
    start: Epoch


class NotComing(Coming, prefix="rn"):
    """ "Diesmal nicht"."""


# --- choosing a reminder --------------------------------------------------------------------


async def start(turn: Turn, pressed: Remind) -> list[Reply]:
    """ "🔔 Erinnern": for a recurring offer first which dates, else straight to when. Only dates
    with a reminder time still ahead are offered."""
    offer = await visible_offer(turn.session, pressed.offer)
    if offer is None:
        return [stale_button(turn)]
    coming = [
        start for start, _ in await next_dates(turn.session, offer.id, turn.now, DATE_CHOICES + 2)
    ]
    upcoming = [start for start in coming if _leads_ahead(turn, [start])][:DATE_CHOICES]
    if not coming:
        return [
            Reply(
                turn.t("There is no coming date of “{title}” to remind you of.", title=offer.title),
                buttons=((Button(turn.t("🔙 Back"), ShowOffer(offer=offer.id).pack()),),),
                edit=True,
            )
        ]
    if not offer.rrule or not upcoming:  # says when it is too late, and offers to stop a reminder
        return await choose_lead(turn, RemindWhen(offer=offer.id, which=EVERY))
    t = turn.t
    rows = [(Button(t("🔁 Every time"), RemindWhen(offer=offer.id, which=EVERY).pack()),)]
    rows += [
        (
            Button(
                t("Only on {day}", day=day_name(t, start)),
                RemindWhen(offer=offer.id, which=f"{to_local(start):%Y%m%d}").pack(),
            ),
        )
        for start in upcoming
    ]
    rows.append((Button(t("🔙 Back"), ShowOffer(offer=offer.id).pack()),))
    return [
        Reply(
            lines([t("🔔 Which dates of “{title}” shall I remind you of?", title=offer.title)]),
            buttons=tuple(rows),
            edit=True,
        )
    ]


async def remind_typed(turn: Turn, argument: str = "") -> list[Reply]:
    """ "Bitte erinnern Sie mich daran": the reminder choice for the offer just shown."""
    offer = await just_shown(turn)
    if offer is None:
        return [
            Reply(
                turn.t(
                    "Which meeting shall I remind you of? Open it in the list and tap "
                    "“🔔 Remind me”."
                )
            )
        ]
    return [Reply(r.text, buttons=r.buttons) for r in await start(turn, Remind(offer=offer.id))]


async def choose_lead(
    turn: Turn, pressed: RemindWhen, problem: Markup | None = None
) -> list[Reply]:
    """When: the evening before, two hours before, or both; only the times still ahead."""
    which = pressed.which
    offer = await visible_offer(turn.session, pressed.offer)
    day = await _day(turn, offer, which) if offer else None
    if offer is None or day is None:
        return [stale_button(turn)]
    t = turn.t

    def lead(chosen: Literal["e", "h", "b"]) -> str:
        return SaveReminder(offer=pressed.offer, which=which, lead=chosen).pack()

    existing = await reminder_for(turn.session, turn.user.id, offer.id)
    ahead = _leads_ahead(turn, await _covered(turn, offer, day))
    text = [problem, ""] if problem else []
    text.append(t("🔔 When shall I remind you of “{title}”?", title=offer.title))
    if isinstance(day, date):  # not EVERY
        text.append(t("Only on {day}.", day=_day_label(t, day)))
    rows = []
    if EVENING in ahead:
        rows.append(
            (
                Button(
                    t("🌙 The evening before, at {time}", time=_clock(turn)),
                    lead("e"),
                ),
            )
        )
    if HOURS in ahead:
        rows.append((Button(t("⏰ 2 hours before"), lead("h")),))
    if len(ahead) == 2:
        rows.append((Button(t("🔔 Both"), lead("b")),))
    if not ahead:
        text = [t("It is too late for a reminder of “{title}”: it begins soon.", title=offer.title)]
    if existing is not None:
        text += [
            "",
            t(
                "Now: {what}.",
                what=describe(t, existing, offer, turn.services.limits.reminder_evening),
            ),
        ]
        rows.append((Button(t("🔕 No reminder"), StopReminder(reminder=existing.id).pack()),))
    rows.append((Button(t("🔙 Back"), ShowOffer(offer=offer.id).pack()),))
    return [Reply(lines(text), buttons=tuple(rows), edit=True)]


async def _covered(turn: Turn, offer: Offer, day: date | str) -> list[datetime]:
    """The coming starts a reminder for `day` (a date, or EVERY) would be for, the next few."""
    limit = DATE_CHOICES + 1 if day is EVERY else 400  # a date: as far ahead as `_day` accepts one
    starts = [
        start
        for start, _ in await next_dates(turn.session, offer.id, turn.now, limit)
        if start > turn.now
    ]
    if day is not EVERY:
        starts = [start for start in starts if to_local(start).date() == day]
    return starts[:DATE_CHOICES]


def _leads_ahead(turn: Turn, starts: list[datetime]) -> set[str]:
    """The reminder times (EVENING, HOURS) that still lie ahead for at least one of the starts:
    no "the evening before" for a gathering today."""
    return {
        lead
        for start in starts
        for lead, due in due_times(start, (EVENING, HOURS), turn.services.limits.reminder_evening)
        if due >= turn.now
    }


async def save(turn: Turn, pressed: SaveReminder) -> list[Reply]:
    offer = await visible_offer(turn.session, pressed.offer)
    day = await _day(turn, offer, pressed.which) if offer else None
    if offer is None or day is None:
        return [stale_button(turn)]
    evening, hours = LEADS[pressed.lead]
    chosen = {lead for lead, on in ((EVENING, evening), (HOURS, hours)) if on}
    if not chosen <= _leads_ahead(
        turn, await _covered(turn, offer, day)
    ):  # an older message's button
        return await choose_lead(
            turn,
            RemindWhen(offer=pressed.offer, which=pressed.which),
            problem=turn.t("That time has already passed – please choose again."),
        )
    chat = turn.msg.chat if not turn.msg.group else await reach(turn.session, turn.user)
    reminder = await set_reminder(
        turn.session,
        user_id=turn.user.id,
        offer_id=offer.id,
        chat=chat,
        day=day if isinstance(day, date) else None,  # None: EVERY
        evening_before=evening,
        hours_before=hours,
        now=turn.now,
    )
    # Queued now, so a reminder due within minutes (a gathering soon) is not left to the planner.
    await plan_reminders(
        turn.session, turn.now, turn.services.limits.reminder_evening, only=[reminder.id]
    )
    t = turn.t
    text = [
        t(
            "✅ Done: I will remind you of “{title}” – {what}.",
            title=offer.title,
            what=describe(t, reminder, offer, turn.services.limits.reminder_evening),
        )
    ]
    coming = await _next_reminder_time(turn, offer, reminder)
    if coming is not None:
        text.append(t("Next reminder: {when}.", when=when(t, coming)))
    rows = (
        (Button(t("🔔 My reminders"), MyReminders().pack()),),
        (Button(t("🔙 Back to the offer"), ShowOffer(offer=offer.id).pack()),),
    )
    return [Reply(lines(text), buttons=rows, edit=True, notice=t("Reminder saved."))]


async def _next_reminder_time(turn: Turn, offer: Offer, reminder: Reminder) -> datetime | None:
    for start, _ in await next_dates(turn.session, offer.id, turn.now, 60):
        if reminder.day is not None and to_local(start).date() != reminder.day:
            continue
        times = [
            due
            for _, due in due_times(start, reminder.leads, turn.services.limits.reminder_evening)
            if due >= turn.now
        ]
        if times:
            return min(times)
    return None


def describe(t: Translator, reminder: Reminder, offer: Offer, evening: time) -> Markup:
    """ "every time, the evening before at 18:00 and 2 hours before"; for a one-off offer only
    the when."""
    leads = []
    if reminder.evening_before:
        leads.append(t("the evening before at {time}", time=f"{evening:%H:%M}"))
    if reminder.hours_before:
        leads.append(t("2 hours before"))
    both = (
        t("{first} and {second}", first=leads[0], second=leads[1]) if len(leads) == 2 else leads[0]
    )
    if reminder.day is not None:
        return t(
            "{which}, {leads}",
            which=t("only on {day}", day=_day_label(t, reminder.day)),
            leads=both,
        )
    if offer.rrule:
        return t("{which}, {leads}", which=t("every time"), leads=both)
    return both


# --- the list -------------------------------------------------------------------------------


async def show_list(
    turn: Turn, pressed: MyReminders | str = "", intro: Markup | None = None
) -> list[Reply]:
    t = turn.t
    if turn.msg.group:  # the other members need not see what someone plans to go to
        return [Reply(t("I show your reminders only in our private chat – write to me there."))]
    mine = await reminders_of(turn.session, turn.user.id, turn.now)
    text: list[str] = [intro, ""] if intro else []
    if not mine:
        text.append(t("You have no reminders. Open a meeting and tap “🔔 Remind me”."))
        return [Reply(lines(text), edit=turn.msg.button is not None)]
    text += [bold(t("🔔 Your reminders")), ""]
    rows = []
    for number, item in enumerate(mine[:20], start=1):
        text.append(Markup("{}. ").format(number) + bold(item.offer.title, 80))
        text.append(
            Markup("    {}").format(
                describe(t, item.reminder, item.offer, turn.services.limits.reminder_evening)
            )
        )
        upcoming = when(t, item.next_start) if item.next_start else t("no coming date")
        text.append(Markup("    ") + t("Next date: {when}", when=upcoming))
        rows.append(
            (
                Button(
                    f"{number}. 🔕 {shorten(item.offer.title, 40)}",
                    AskStop(reminder=item.reminder.id).pack(),
                ),
            )
        )
    text += [
        "",
        t("Tap a reminder to stop it.")
        if turn.platform_has_buttons
        else t("Write the number of a reminder to stop it."),
    ]
    return [Reply(lines(text), buttons=tuple(rows), edit=turn.msg.button is not None)]


async def ask_stop(turn: Turn, pressed: AskStop) -> list[Reply]:
    """An entry of the list: stop it? Asked first, as a typed number may be a slip."""
    found = await _own_reminder(turn, pressed.reminder)
    if found is None:
        return [stale_button(turn)]
    reminder, offer = found
    t = turn.t
    text = [
        t("🔕 Stop the reminder of “{title}”?", title=offer.title),
        t("Now: {what}.", what=describe(t, reminder, offer, turn.services.limits.reminder_evening)),
    ]
    rows = (
        (Button(t("🔕 Yes, stop it"), StopReminder(reminder=reminder.id).pack()),),
        (Button(t("No, keep it"), MyReminders().pack()),),
    )
    return [Reply(lines(text), buttons=rows, edit=turn.msg.button is not None)]


async def stop(turn: Turn, pressed: StopReminder) -> list[Reply]:
    found = await _own_reminder(turn, pressed.reminder)
    if found is None:
        return [stale_button(turn)]
    reminder, offer = found
    await cancel_reminder(turn.session, reminder)
    await turn.session.flush()
    t = turn.t
    intro = t("🔕 The reminder of “{title}” is stopped.", title=offer.title)
    replies = await show_list(turn, intro=intro)
    return [
        Reply(r.text, buttons=r.buttons, edit=True, notice=t("Reminder stopped.")) for r in replies
    ]


async def _own_reminder(turn: Turn, reminder_id: int) -> tuple[Reminder, Offer] | None:
    """The sender's reminder a button names, with its offer; None for another's or a gone one."""
    reminder = await turn.session.get(Reminder, reminder_id)
    if reminder is None or reminder.user_id != turn.user.id:
        return None
    offer = await turn.session.get(Offer, reminder.offer_id)  # deleted with its offer (foreign key)
    return (reminder, offer) if offer is not None else None


# --- "Ich komme" / "Diesmal nicht" ----------------------------------------------------------


async def coming(turn: Turn, pressed: Coming) -> list[Reply]:
    return await _answer(turn, pressed.offer, pressed.start, not isinstance(pressed, NotComing))


async def coming_typed(turn: Turn, argument: str = "") -> list[Reply]:
    return await _typed(turn, True)


async def not_coming_typed(turn: Turn, argument: str = "") -> list[Reply]:
    return await _typed(turn, False)


async def _typed(turn: Turn, yes: bool) -> list[Reply]:
    found = await last_reminded(turn.session, turn.msg.chat, turn.now)
    if found is None:
        return [
            Reply(
                turn.t(
                    "Thank you! Which meeting do you mean? Open it and tap “🔔 Remind me” – "
                    "then you can answer under the reminder."
                )
            )
        ]
    offer_id, start = found
    return await _answer(turn, offer_id, int(start.timestamp()), yes)


async def _answer(turn: Turn, offer_id: int, epoch: int, yes: bool) -> list[Reply]:
    offer = await visible_offer(turn.session, offer_id)
    if offer is None:
        return [stale_button(turn)]
    start = from_epoch(epoch)
    end = await occurrence_end(turn.session, offer.id, start)
    t = turn.t
    if end is None:
        return [
            Reply(
                t("This date of “{title}” no longer takes place.", title=offer.title),
                notice=t("This date no longer takes place."),
            )
        ]
    if start <= turn.now:
        return [
            Reply(
                t(
                    "“{title}” has already begun – have a good time if you are there!",
                    title=offer.title,
                )
            )
        ]
    await answer(
        turn.session, user_id=turn.user.id, offer_id=offer.id, start=start, coming=yes, now=turn.now
    )
    header = t("👍 Lovely – see you there!") if yes else t("All right – perhaps next time.")
    buttons = turn.msg.button is not None
    return [
        Reply(
            reminder_text(t, offer, start, end, header, question=False),
            buttons=answer_buttons(t, offer, start, yes) if buttons else (),
            edit=buttons,
            notice=t("Thank you for letting us know."),
        )
    ]


# --- the reminder message -------------------------------------------------------------------


def header_for(t: Translator, start: datetime, now: datetime) -> Markup:
    """How near the gathering is, said when the message is sent (late ones say it right)."""
    if start - now <= SOON:  # also just after midnight: "morgen" would mislead
        return t("🔔 Starting soon, at {time}:", time=f"{to_local(start):%H:%M}")
    days = (to_local(start).date() - to_local(now).date()).days
    if days == 0:
        return t("🔔 Today:")
    if days == 1:
        return t("🔔 Tomorrow:")
    return t("🔔 Reminder:")


def reminder_text(
    t: Translator, offer: Offer, start: datetime, end: datetime, header: Markup, *, question: bool
) -> Markup:
    kind = category(offer.category)
    text: list[str] = [
        header,
        Markup("{} ").format(kind.emoji) + bold(offer.title, 120),
        t("🗓 {when}", when=when(t, start, end)),
        Markup("📍 {}").format(shorten(", ".join(offer.where_parts()), 300)),
    ]
    if question:
        text += ["", t("Are you coming?")]
    return lines(text)


def answer_buttons(
    t: Translator, offer: Offer, start: datetime, answered: bool | None
) -> tuple[tuple[Button, ...], ...]:
    epoch = int(start.timestamp())
    yes = ("✓ " if answered is True else "") + t("👍 I am coming")
    no = ("✓ " if answered is False else "") + t("Not this time")
    return (
        (
            Button(yes, Coming(offer=offer.id, start=epoch).pack()),
            Button(no, NotComing(offer=offer.id, start=epoch).pack()),
        ),
        (Button(t("ℹ️ Details"), ShowOffer(offer=offer.id).pack()),),
    )


async def compose_reminder(
    session: AsyncSession, row: Claimed, now: datetime
) -> list[Reply] | None:
    """Payload: {"reminder", "offer", "start" (ISO, UTC), "lead"}."""
    payload = row.payload if isinstance(row.payload, dict) else {}
    try:
        reminder_id, offer_id = int(payload["reminder"]), int(payload["offer"])
        start = datetime.fromisoformat(payload["start"])
    except (KeyError, TypeError, ValueError) as exc:
        raise Drop("malformed reminder payload") from exc
    reminder = await session.get(Reminder, reminder_id)
    if reminder is None:
        raise Drop("reminder cancelled")
    offer = await visible_offer(session, offer_id)
    if offer is None:
        raise Drop("offer withdrawn")
    end = await occurrence_end(session, offer_id, start)
    if end is None:
        raise Drop("date gone")
    answered = await answer_of(session, reminder.user_id, offer_id, start)
    if answered is False:
        raise Drop("not coming")
    user = await session.get(User, reminder.user_id)
    t = Translator(user.language if user else "de")
    return [
        Reply(
            reminder_text(t, offer, start, end, header_for(t, start, now), question=True),
            buttons=answer_buttons(t, offer, start, answered),
        )
    ]


# --- shared checks --------------------------------------------------------------------------


async def _day(turn: Turn, offer: Offer, which: str) -> date | str | None:
    """EVERY, or a coming local date of the offer given as YYYYMMDD; None when neither."""
    if which == EVERY:
        return EVERY
    try:
        day = datetime.strptime(which, "%Y%m%d").date()
    except ValueError:
        return None
    upcoming = {
        to_local(s).date() for s, _ in await next_dates(turn.session, offer.id, turn.now, 400)
    }
    return day if day in upcoming else None


def _day_label(t: Translator, day: date) -> str:
    return day_name(t, to_utc(datetime.combine(day, time(12))))


def _clock(turn: Turn) -> str:
    return f"{turn.services.limits.reminder_evening:%H:%M}"


FEATURE = Feature(
    name="reminders",
    composers={REMIND: compose_reminder, NOTICE: change_notices.compose_notice},
    commands={"erinnerungen": show_list, "reminders": show_list},
    buttons=(
        on(Remind, start),
        on(RemindWhen, choose_lead),
        on(SaveReminder, save),
        on(MyReminders, show_list),
        on(AskStop, ask_stop),
        on(StopReminder, stop),
        on(Coming, coming),
        on(NotComing, coming),
    ),
    intents={
        Intent.REMINDERS: show_list,
        Intent.REMIND: remind_typed,
        Intent.COMING: coming_typed,
        Intent.NOT_COMING: not_coming_typed,
    },
)
