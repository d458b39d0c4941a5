"""The notice people with a reminder get when an organiser cancels a date or the whole offer, lets
a cancelled date take place after all, or changes its time or place: once, with the
organiser's own words.

models.reminders.notify_changes queues one row per reminder with what changed (title and
the organiser's message included, since a cancelled offer may be deleted before the row is
sent); this composer writes it in the person's language when it is sent, with the offer's
current time or place.
"""

from __future__ import annotations

from datetime import date, datetime, time

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.listing import next_dates, visible_offer
from models.organising import ChangeKind
from models.outbox import Claimed
from models.schedule import to_utc
from scheduler.compose import Drop

from .formatting import bold, lines, when
from .formatting import day as day_name
from .handover import ShowOffer
from .i18n import Translator
from .messages import Button, Reply
from .recurrence_text import describe
from .text import shorten


def _day(t: Translator, iso: str) -> str:
    return day_name(t, to_utc(datetime.combine(date.fromisoformat(iso), time(12))))


async def compose_notice(session: AsyncSession, row: Claimed, now: datetime) -> list[Reply] | None:
    """Payload: {"offer", "title", "user", "changes": [{"kind", "day", "message"}]}."""
    payload = row.payload if isinstance(row.payload, dict) else {}
    changes = payload.get("changes")
    if not isinstance(changes, list) or not changes or not isinstance(payload.get("offer"), int):
        raise Drop("malformed notice payload")
    user = (
        await session.get(User, payload.get("user"))
        if isinstance(payload.get("user"), int)
        else None
    )
    t = Translator(user.language if user else "de")
    title = bold(str(payload.get("title") or ""), 120)
    kinds = {c.get("kind") for c in changes if isinstance(c, dict)}
    offer = await visible_offer(session, payload["offer"])
    text: list[str] = []
    if ChangeKind.CANCELLED.value in kinds:
        text.append(
            t("🛑 {title} no longer takes place. Your reminder for it is deleted.", title=title)
        )
    else:
        for change in changes:
            kind = change.get("kind")
            if kind == ChangeKind.DATE_CANCELLED.value and change.get("day"):
                text.append(
                    t(
                        "❌ {title} does not take place on {day}.",
                        title=title,
                        day=_day(t, change["day"]),
                    )
                )
            elif kind == ChangeKind.DATE_RESTORED.value and change.get("day") and offer is not None:
                text.append(
                    t(
                        "✅ {title} takes place on {day} after all.",
                        title=title,
                        day=_day(t, change["day"]),
                    )
                )
        if offer is not None and ChangeKind.TIME.value in kinds:
            rule = describe(t, offer.rrule, offer.starts_local) if offer.rrule else None
            upcoming = await next_dates(session, offer.id, now, 1)
            text.append(t("🕒 {title} has a new time.", title=title))
            if rule:
                text.append(Markup("🔁 {}").format(rule))
            if upcoming:
                text.append(t("Next date: {when}", when=when(t, *upcoming[0])))
        if offer is not None and ChangeKind.PLACE.value in kinds:
            text.append(
                t(
                    "📍 {title} now takes place here: {where}",
                    title=title,
                    where=shorten(", ".join(offer.where_parts()), 300),
                )
            )
    if not text:
        raise Drop("offer withdrawn")  # a new time or place of an offer that is gone
    messages = [
        shorten(c.get("message") or "", 500)
        for c in changes
        if isinstance(c, dict) and c.get("message")
    ]
    for message in dict.fromkeys(messages):
        text += ["", t("💬 The organisers write: “{words}”", words=message)]
    buttons: tuple[tuple[Button, ...], ...] = ()
    if offer is not None:  # numbered on the terminal and Matrix
        buttons = ((Button(t("ℹ️ Details"), ShowOffer(offer=offer.id).pack()),),)
    return [Reply(lines(text), buttons=buttons)]
