"""The weekly digest: "Diese Woche in Ihrer Nähe", opt-in, Monday 09:00 unless chosen otherwise.

A person switches it on, picks the weekday and the time in a sub-message of the settings
("dg", "dw", "dt", or /wochenpost in a private chat); it always follows their home place and
radius. In a group chat
`/wochenpost <Ort>` (admins only) does the same for the group (handlers.group_digest).
What the digest says is decided when it is sent (`compose_digest`): the meetings of the next
seven days, and nothing at all in a week without any.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated

from babel.dates import get_day_names
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.categories import category
from models.digests import (
    DEFAULT_HOUR,
    DEFAULT_WEEKDAY,
    DIGEST,
    DIGEST_HOURS,
    Digest,
    digest_for,
    digest_of_user,
    save_digest,
    stop_digest,
)
from models.outbox import Claimed
from models.schedule import BERLIN, to_local
from models.search import Hit, Query, nearby
from scheduler.compose import Drop

from .buttons import Between, ButtonData, OneOf
from .common import home_words, stale_button
from .context import Turn
from .dialogue import Feature, on, takes
from .formatting import bold, distance, is_all_day, lines, when
from .handover import AskHome, Settings, ShowOffer, ShowWeeklyPost, WeeklyPost
from .i18n import Translator
from .messages import Button, Reply
from .post_lines import schedule_words
from .text import shorten

SHOWN = 8  # meetings listed in one digest
DAYS = 7


# --- a person's digest ----------------------------------------------------------------------


class DigestWeekday(ButtonData, prefix="dw"):
    weekday: Annotated[int, Between(0, 6)]


class DigestHour(ButtonData, prefix="dt"):
    hour: Annotated[int, OneOf(DIGEST_HOURS)]


_OPENED = WeeklyPost()  # the button that opens the message; frozen, so one instance serves all


async def show_asked(turn: Turn, request: ShowWeeklyPost) -> list[Reply]:
    return await show(turn)


async def show(turn: Turn, pressed: WeeklyPost = _OPENED) -> list[Reply]:
    """The digest's own message: what it is, on or off, weekday and time."""
    argument = pressed.switch
    if turn.msg.group:
        return [stale_button(turn)]  # a group's digest is set with /wochenpost
    if argument == "on":
        return await _switch_on(turn)
    if argument == "off":
        digest = await digest_of_user(turn.session, turn.user.id)
        if digest is not None:
            await stop_digest(turn.session, digest)
            await turn.session.flush()
        return [await _view(turn, notice=turn.t("Weekly post switched off."))]
    return [await _view(turn)]


async def _switch_on(turn: Turn) -> list[Reply]:
    if turn.user.home_lat is None:
        return [await _view(turn)]
    digest = await digest_of_user(turn.session, turn.user.id)
    if digest is None:
        chat = turn.msg.chat
        existing = await digest_for(turn.session, chat)  # the same chat under an older account
        if existing is not None:
            await stop_digest(turn.session, existing)
            await turn.session.flush()
        digest = Digest(
            chat=chat,
            user_id=turn.user.id,
            weekday=DEFAULT_WEEKDAY,
            hour=DEFAULT_HOUR,
            radius_km=turn.user.radius_km,
            language=turn.user.language,
        )
        await save_digest(turn.session, digest, turn.now)
    return [await _view(turn, notice=turn.t("Weekly post switched on."))]


async def set_weekday(turn: Turn, pressed: DigestWeekday) -> list[Reply]:
    digest = await digest_of_user(turn.session, turn.user.id)
    if digest is None:
        return [stale_button(turn)]
    digest.weekday = pressed.weekday
    await save_digest(turn.session, digest, turn.now)
    return [await _view(turn)]


async def set_hour(turn: Turn, pressed: DigestHour) -> list[Reply]:
    digest = await digest_of_user(turn.session, turn.user.id)
    if digest is None:
        return [stale_button(turn)]
    digest.hour = pressed.hour
    await save_digest(turn.session, digest, turn.now)
    return [await _view(turn)]


async def _view(turn: Turn, notice: str | None = None) -> Reply:
    t, user = turn.t, turn.user
    edit = turn.msg.button is not None
    text: list[str] = [
        bold(t("📬 Weekly post")),
        t(
            "Once a week a message with the meetings of the coming seven days near you. "
            "In a week without any, I do not write."
        ),
    ]
    back = (Button(t("⚙️ Settings"), Settings().pack()),)
    if user.home_lat is None:
        text += ["", t("For the weekly post I need your home place first.")]
        return Reply(
            lines(text),
            buttons=((Button(t("🏠 Choose home place"), AskHome().pack()),), back),
            edit=edit,
            notice=notice,
        )
    digest = await digest_of_user(turn.session, user.id)
    text.append("")
    if digest is None:
        text.append(t("Now: off."))
        return Reply(
            lines(text),
            buttons=((Button(t("✅ Switch on"), WeeklyPost(switch="on").pack()),), back),
            edit=edit,
            notice=notice,
        )
    text.append(
        t(
            "Now: on – {when}, meetings within {km} km of {place}.",
            when=schedule_words(t, digest),
            km=user.radius_km,
            place=home_words(t, user),
        )
    )
    days = get_day_names("abbreviated", locale=t.language)
    weekdays = tuple(
        Button(_ticked(n == digest.weekday, days[n]), DigestWeekday(weekday=n).pack())
        for n in range(7)
    )
    hours = tuple(
        Button(_ticked(h == digest.hour, f"{h:02d}:00"), DigestHour(hour=h).pack())
        for h in DIGEST_HOURS
    )
    return Reply(
        lines(text),
        buttons=(
            weekdays[:4],
            weekdays[4:],
            hours,
            (Button(t("🔕 Switch off"), WeeklyPost(switch="off").pack()),),
            back,
        ),
        edit=edit,
        notice=notice,
    )


def _ticked(chosen: bool, label: str) -> str:
    return f"✓ {label}" if chosen else label


# --- the message ----------------------------------------------------------------------------


async def compose_digest(session: AsyncSession, row: Claimed, now: datetime) -> list[Reply] | None:
    """Payload: {"digest": id}. None (nothing sent) in a week without meetings."""
    payload = row.payload if isinstance(row.payload, dict) else {}
    digest = (
        await session.get(Digest, payload.get("digest"))
        if isinstance(payload.get("digest"), int)
        else None
    )
    if digest is None:
        raise Drop("digest stopped")
    if digest.user_id is not None:
        user = await session.get(User, digest.user_id)
        if user is None or user.home_lat is None or user.home_lon is None:
            raise Drop("no home place")
        t = Translator(user.language)
        lat, lon, radius = user.home_lat, user.home_lon, user.radius_km
        heading = t("📬 This week near you")
        place = home_words(t, user)
    else:
        if digest.latitude is None or digest.longitude is None:
            raise Drop("no place")
        t = Translator(digest.language)
        lat, lon, radius = digest.latitude, digest.longitude, digest.radius_km
        place = digest.place_name or ""
        heading = t("📬 This week around {place}", place=place)
    end = datetime.combine(to_local(now).date() + timedelta(days=DAYS), time(0), tzinfo=BERLIN)
    hits = await nearby(
        session,
        Query(lat=lat, lon=lon, radius_km=radius, start=now, end=end, once_per_offer=True),
        limit=SHOWN + 1,
    )
    if not hits:
        return None  # a quiet week: nothing to say, nothing sent
    shown = hits[:SHOWN]
    text = [bold(heading), t("{place} · {km} km", place=place, km=radius), ""]
    text += _entries(t, shown)
    buttons: tuple[tuple[Button, ...], ...] = ()
    private = digest.user_id is not None
    if len(hits) > SHOWN:
        text += ["", t("… and more: /woche")]
    if private:  # on the terminal and Matrix numbered: "3" opens the third meeting
        rows = [
            (
                Button(
                    f"{n}. {category(h.category).emoji} {shorten(h.title, 40)}",
                    ShowOffer(offer=h.offer_id).pack(),
                ),
            )
            for n, h in enumerate(shown, start=1)
        ]
        rows.append((Button(t("⚙️ Change weekly post"), WeeklyPost().pack()),))
        buttons = tuple(rows)
    else:
        text += ["", t("Details and reminders: write to Nahbar in a private chat.")]
    return [Reply(lines(text), buttons=buttons)]


def _entries(t: Translator, hits: list[Hit]) -> list[str]:
    out: list[str] = []
    for number, hit in enumerate(hits, start=1):
        kind = category(hit.category)
        out.append(Markup("{}. {} ").format(number, kind.emoji) + bold(hit.title, 80))
        moment = (
            when(t, hit.starts_at, hit.ends_at)
            if is_all_day(hit.starts_at, hit.ends_at)
            else when(t, hit.starts_at)
        )
        out.append(
            Markup("    {} · {} · {}").format(
                moment, shorten(hit.place_name, 40), distance(t, hit.distance_km)
            )
        )
    return out


FEATURE = Feature(
    name="digest",
    composers={DIGEST: compose_digest},
    buttons=(on(WeeklyPost, show), on(DigestWeekday, set_weekday), on(DigestHour, set_hour)),
    requests=(takes(ShowWeeklyPost, show_asked),),
)
