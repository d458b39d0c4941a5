"""The weekly digest in a group chat (a village's Telegram group, a Matrix room).

`/wochenpost` alone says how it stands and, while it is on, shows buttons for the weekday, the
time and the radius ("gw", "gh", "gr") and to switch it off ("gx"). Admins change it with
buttons or in words after the command, in any order and together: `/wochenpost Wernigerode`
(switch on, or a new place), `/wochenpost dienstags 18 Uhr`, `/wochenpost 25 km`,
`/wochenpost aus`. The place is only ever typed: in a group the bot reads only commands.

Only the group's admins may change it (the adapter says who is one: Telegram's
getChatMember, or an admin writing anonymously as the group; Matrix power levels); everybody
else gets a polite no and nothing changes, also for a pressed button. The digest belongs to
the group, not to the admin who switched it on: it keeps no link to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from babel.dates import get_day_names
from markupsafe import Markup

from models.digests import (
    DEFAULT_HOUR,
    DEFAULT_WEEKDAY,
    DIGEST_HOURS,
    Digest,
    digest_for,
    save_digest,
    stop_digest,
)
from models.users import DEFAULT_RADIUS_KM
from places import Place
from places.text import fold

from .buttons import Between, ButtonData, OneOf
from .common import stale_button
from .context import Turn
from .current_search import RADII
from .dialogue import Feature, on
from .formatting import lines
from .handover import ShowWeeklyPost
from .i18n import Translator
from .messages import Button, Reply
from .post_lines import schedule_words
from .text import shorten
from .when.lexicon import WEEKDAY, lookup

OFF = {
    fold(w)
    for w in ("aus", "off", "stop", "stopp", "ausschalten", "abbestellen", "abschalten", "beenden")
}
TYPED_HOURS = range(6, 22)  # whole hours a group's post may come at when typed
_RADIUS = re.compile(r"(?<![\w.,])(\d{1,3})\s*(?:km|kilometer[n]?)(?!\w)", re.IGNORECASE)
_CLOCK = re.compile(
    r"(?<![\w.,:])(?:um\s+|at\s+)?(\d{1,2})(?:[:.](\d{2}))?\s*(?:uhr|h|o'?clock)(?!\w)"
    r"|(?<![\w.,:])(?:um\s+|at\s+)?(\d{1,2})[:.](\d{2})(?![\w:.])",
    re.IGNORECASE,
)
# Words around the settings that are no part of a place ("jeden Dienstag um 18 Uhr im Umkreis von");
# folded, so "fuer" stands for "für" too.
_FILLER = {
    fold(w)
    for w in (
        "jeden",
        "jede",
        "immer",
        "am",
        "um",
        "ab",
        "im",
        "in",
        "bei",
        "fuer",
        "umkreis",
        "radius",
        "von",
        "mit",
        "und",
        "every",
        "on",
        "at",
        "within",
        "around",
        "near",
        "and",
        "wochenpost",
        "weekly",
        "post",
        ",",
        "-",
    )
}


@dataclass(frozen=True)
class Wanted:
    """What the words after /wochenpost ask for; None where they say nothing about it."""

    place: str | None = None
    weekday: int | None = None
    hour: int | None = None
    radius: int | None = None
    problem: str | None = None  # a catalogue msgid, when a value cannot be used


def read_words(words: str) -> Wanted:
    """ "Halle dienstags um 18 Uhr 25 km" -> place "Halle", Tuesday, 18, 25 km."""
    problem = None
    radius = hour = weekday = None
    found = _RADIUS.search(words)
    if found:
        radius = int(found.group(1))
        if radius not in RADII:
            problem, radius = "radius", None
        words = words[: found.start()] + " " + words[found.end() :]
    found = _CLOCK.search(words)
    if found:
        hours, minutes = (
            (found.group(1), found.group(2)) if found.group(1) else (found.group(3), found.group(4))
        )
        hour = int(hours)
        if (minutes or "00") != "00" or hour not in TYPED_HOURS:
            problem, hour = "hour", None
        words = words[: found.start()] + " " + words[found.end() :]
    rest = []
    for word in words.replace(",", " , ").split():
        meaning = lookup(word.lower().strip(".,()")) if len(word) > 1 else None
        if (
            meaning is not None
            and meaning[0] == WEEKDAY
            and isinstance(meaning[1], tuple)  # (weekday, plural)
            and weekday is None
        ):
            weekday = meaning[1][0]
        elif fold(word) not in _FILLER:
            rest.append(word)
    place = " ".join(rest).replace(" , ", ", ").strip(" ,") or None
    return Wanted(place=place, weekday=weekday, hour=hour, radius=radius, problem=problem)


class GroupWeekday(ButtonData, prefix="gw"):
    weekday: Annotated[int, Between(0, 6)]


class GroupHour(ButtonData, prefix="gh"):
    hour: Annotated[int, OneOf(DIGEST_HOURS)]


class GroupRadius(ButtonData, prefix="gr"):
    km: Annotated[int, OneOf(RADII)]


class GroupOff(ButtonData, prefix="gx"):
    pass


async def command(turn: Turn, argument: str = "") -> list[Reply]:
    """/wochenpost: in a private chat the person's own digest, in a group the group's."""
    if not turn.msg.group:
        return await turn.services.hand_over(turn, ShowWeeklyPost())
    t = turn.t
    digest = await digest_for(turn.session, turn.msg.chat)
    words = argument.strip()
    if not words:
        return [_view(turn, digest)]
    if not turn.msg.sender_is_admin:
        return [_admins_only(t)]
    if fold(words) in OFF:
        if digest is None:
            return [Reply(t("The weekly post is not switched on for this group."))]
        await stop_digest(turn.session, digest)
        return [Reply(t("📬 The weekly post for this group is switched off."))]
    wanted = read_words(words)
    if wanted.problem is not None:
        return [Reply(_problem(t, wanted.problem))]
    place: Place | None = None
    if wanted.place is not None:
        resolved = _place(turn, wanted.place)
        if isinstance(resolved, Reply):
            return [resolved]
        place = resolved
    elif digest is None:
        return [
            Reply(t("For which place? Write it after the command, e.g. “/wochenpost Wernigerode”."))
        ]
    if digest is None:
        digest = Digest(
            chat=turn.msg.chat,
            user_id=None,
            weekday=DEFAULT_WEEKDAY,
            hour=DEFAULT_HOUR,
            radius_km=DEFAULT_RADIUS_KM,
        )
    if place is not None:
        digest.place_name = place.title[:80]
        digest.latitude, digest.longitude = place.lat, place.lon
    for field, value in (
        ("weekday", wanted.weekday),
        ("hour", wanted.hour),
        ("radius_km", wanted.radius),
    ):
        if value is not None:
            setattr(digest, field, value)
    digest.language = turn.user.language
    await save_digest(turn.session, digest, turn.now)
    return [_view(turn, digest, done=True)]


# --- buttons: admins change the post in place -------------------------------------------------


async def set_weekday(turn: Turn, pressed: GroupWeekday) -> list[Reply]:
    return await _change(turn, "weekday", pressed.weekday)


async def set_hour(turn: Turn, pressed: GroupHour) -> list[Reply]:
    return await _change(turn, "hour", pressed.hour)


async def set_radius(turn: Turn, pressed: GroupRadius) -> list[Reply]:
    return await _change(turn, "radius_km", pressed.km)


async def switch_off(turn: Turn, pressed: GroupOff) -> list[Reply]:
    digest = await digest_for(turn.session, turn.msg.chat) if turn.msg.group else None
    if digest is None:
        return [stale_button(turn)]
    if not turn.msg.sender_is_admin:
        return [_admins_only(turn.t)]
    await stop_digest(turn.session, digest)
    t = turn.t
    return [
        Reply(
            t("📬 The weekly post for this group is switched off."),
            edit=True,
            notice=t("Weekly post switched off."),
        )
    ]


async def _change(turn: Turn, field: str, value: int) -> list[Reply]:
    digest = await digest_for(turn.session, turn.msg.chat) if turn.msg.group else None
    if digest is None:
        return [stale_button(turn)]
    if not turn.msg.sender_is_admin:
        return [_admins_only(turn.t)]
    setattr(digest, field, value)
    digest.language = turn.user.language
    await save_digest(turn.session, digest, turn.now)
    return [_view(turn, digest, done=True)]


# --- what the group sees --------------------------------------------------------------------


def _view(turn: Turn, digest: Digest | None, done: bool = False) -> Reply:
    t = turn.t
    if digest is None:
        return Reply(
            t(
                "📬 The weekly post lists the meetings of the coming week near a place, once a "
                "week in this group. An admin switches it on with /wochenpost and the place, e.g. "
                "“/wochenpost Wernigerode”."
            )
        )
    now = (
        t(
            "📬 Done: from now on the weekly post with the meetings within {km} km of {place} "
            "comes to this group {when}.",
            km=digest.radius_km,
            place=digest.place_name or "",
            when=_when(t, digest),
        )
        if done
        else t(
            "📬 The weekly post for this group is on: {when}, meetings within {km} km of {place}.",
            when=_when(t, digest),
            km=digest.radius_km,
            place=digest.place_name or "",
        )
    )
    text = [
        now,
        "",
        t(
            "Admins change it with the buttons or in words, e.g. “/wochenpost Tuesday 18:00”, "
            "“/wochenpost 25 km”, “/wochenpost Halle” – and stop it with “/wochenpost aus”."
        ),
    ]
    days = get_day_names("abbreviated", locale=t.language)
    weekdays = tuple(
        Button(_ticked(n == digest.weekday, days[n]), GroupWeekday(weekday=n).pack())
        for n in range(7)
    )
    hours = tuple(
        Button(_ticked(h == digest.hour, f"{h:02d}:00"), GroupHour(hour=h).pack())
        for h in DIGEST_HOURS
    )
    radii = tuple(
        Button(_ticked(km == digest.radius_km, t("{km} km", km=km)), GroupRadius(km=km).pack())
        for km in RADII
    )
    return Reply(
        lines(text),
        buttons=(
            weekdays[:4],
            weekdays[4:],
            hours,
            radii,
            (Button(t("🔕 Switch off"), GroupOff().pack()),),
        ),
        edit=turn.msg.button is not None,
    )


def _ticked(chosen: bool, label: str) -> str:
    return f"✓ {label}" if chosen else label


def _admins_only(t: Translator) -> Reply:
    return Reply(
        t("Sorry, only the admins of this group can change the weekly post."),
        notice=t("Only the group's admins can change this."),
    )


def _problem(t: Translator, problem: str) -> Markup:
    if problem == "radius":
        return t(
            "The weekly post can look {radii} km around the place. Please write one of these, "
            "e.g. “/wochenpost 25 km”.",
            radii=", ".join(str(km) for km in RADII),
        )
    return t(
        "The weekly post comes on the full hour, between {first}:00 and {last}:00, e.g. "
        "“/wochenpost 18 Uhr”.",
        first=TYPED_HOURS[0],
        last=TYPED_HOURS[-1],
    )


def _when(t: Translator, digest: Digest) -> Markup:
    return schedule_words(t, digest)


def _place(turn: Turn, words: str) -> Place | Reply:
    t = turn.t
    found = turn.services.places.resolve(words)
    if found.status == "found" and found.place and found.place.kind != "coordinates":
        return found.place
    if found.status == "choice" and found.choices:
        return Reply(
            t(
                "There are several places called “{name}”. Please write it more exactly, "
                "e.g. “/wochenpost {example}”.",
                name=found.choices[0].name,
                example=found.choices[0].label,
            )
        )
    if found.status == "suggest" and found.suggestions:
        return Reply(
            t(
                "I don't know “{text}”. Did you mean {place}? Then write “/wochenpost {place}”.",
                text=shorten(words, 60),
                place=found.suggestions[0].name,
            )
        )
    return Reply(
        t(
            "Sorry, I don't know the place “{text}”. Please write a town or a postcode, "
            "e.g. “/wochenpost Wernigerode”.",
            text=shorten(words, 60),
        )
    )


FEATURE = Feature(
    name="group_digest",
    commands={"wochenpost": command, "weeklypost": command},
    buttons=(
        on(GroupWeekday, set_weekday),
        on(GroupHour, set_hour),
        on(GroupRadius, set_radius),
        on(GroupOff, switch_off),
    ),
)
