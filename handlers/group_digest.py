"""The weekly digest in a group chat (a village's Telegram group): `/wochenpost <Ort>` switches
it on for a place, `/wochenpost aus` off, `/wochenpost` alone says how it stands.

Only the group's admins may switch it (the adapter says who is one: Telegram's
getChatMember, Matrix power levels); anybody else gets a polite no and nothing changes. The
digest belongs to the group, not to the admin who switched it on: it keeps no link to them.
"""

from __future__ import annotations

from markupsafe import Markup

from models.digests import DEFAULT_HOUR, DEFAULT_WEEKDAY, Digest, digest_for, save_digest, stop_digest
from models.users import DEFAULT_RADIUS_KM
from places import Place
from places.text import fold

from . import digest as personal
from .context import Turn
from .dialogue import Feature
from .i18n import Translator
from .messages import Reply
from .text import shorten

OFF = {fold(w) for w in ("aus", "off", "stop", "stopp", "ausschalten", "abbestellen", "abschalten", "beenden")}


async def command(turn: Turn, argument: str = "") -> list[Reply]:
    """/wochenpost: in a private chat the person's own digest, in a group the group's."""
    if not turn.msg.group:
        return await personal.show(turn)
    t = turn.t
    digest = await digest_for(turn.session, turn.msg.chat)
    words = argument.strip()
    if not words:
        return [_status(t, digest)]
    if not turn.msg.sender_is_admin:
        return [Reply(t("Sorry, only the admins of this group can switch the weekly post on or off."))]
    if fold(words) in OFF:
        if digest is None:
            return [Reply(t("The weekly post is not switched on for this group."))]
        await stop_digest(turn.session, digest)
        return [Reply(t("📬 The weekly post for this group is switched off."))]
    place = _place(turn, words)
    if isinstance(place, Reply):
        return [place]
    if digest is None:
        digest = Digest(chat=turn.msg.chat, user_id=None, weekday=DEFAULT_WEEKDAY, hour=DEFAULT_HOUR,
                        radius_km=DEFAULT_RADIUS_KM)
    digest.place_name = place.title[:80]
    digest.latitude, digest.longitude = place.lat, place.lon
    digest.language = turn.user.language
    await save_digest(turn.session, digest, turn.now)
    return [Reply(t("📬 Done: from now on the weekly post with the meetings within {km} km of {place} comes "
                    "to this group {when}. To stop it: /wochenpost aus",
                    km=digest.radius_km, place=digest.place_name, when=_when(t, digest)))]


def _status(t: Translator, digest: Digest | None) -> Reply:
    if digest is None:
        return Reply(t("📬 The weekly post lists the meetings of the coming week near a place, once a week "
                       "in this group. An admin switches it on with /wochenpost and the place, e.g. "
                       "“/wochenpost Wernigerode”."))
    return Reply(t("📬 The weekly post for this group is on: {when}, meetings within {km} km of {place}. "
                   "Admins switch it off with “/wochenpost aus”.",
                   when=_when(t, digest), km=digest.radius_km, place=digest.place_name or ""))


def _when(t: Translator, digest: Digest) -> Markup:
    return personal.schedule_words(t, digest)


def _place(turn: Turn, words: str) -> Place | Reply:
    t = turn.t
    found = turn.app.places.resolve(words)
    if found.status == "found" and found.place and found.place.kind != "coordinates":
        return found.place
    if found.status == "choice" and found.choices:
        return Reply(t("There are several places called “{name}”. Please write it more exactly, "
                       "e.g. “/wochenpost {example}”.", name=found.choices[0].name, example=found.choices[0].label))
    if found.status == "suggest" and found.suggestions:
        return Reply(t("I don't know “{text}”. Did you mean {place}? Then write “/wochenpost {place}”.",
                       text=shorten(words, 60), place=found.suggestions[0].name))
    return Reply(t("Sorry, I don't know the place “{text}”. Please write a town or a postcode, "
                   "e.g. “/wochenpost Wernigerode”.", text=shorten(words, 60)))


FEATURE = Feature(name="group_digest", commands={"wochenpost": command, "weeklypost": command})
