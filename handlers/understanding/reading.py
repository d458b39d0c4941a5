"""One reading of a whole message: every slot filled wherever it stands, and what to do.

`read(text, gazetteer)` goes through the message once, in an order that lets each part claim
its words: requests that are the whole message ("danke", "Hilfe"), requests in sentences
("bitte löschen sie alle meine daten"), days and times, the audience, access and radius,
kinds, feelings, and last the place from the words nobody claimed. What is left over is
ignored, never taken for a place.

The intent is what the bot acts on: an explicit request first (delete, my data, remind me,
language, post …), then a feeling (the warm answer, with meetings where the place is known),
then a search when any search slot is filled, then help, paging, small talk.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from places import Gazetteer
from places.model import Resolution

from . import days, feelings, kinds, language, places, requests, wishes
from .requests import Intent
from .words import split

# Requests that win over a feeling and a search in the same message.
_STRONG = (
    Intent.DELETE,
    Intent.MY_DATA,
    Intent.PRIVACY,
    Intent.REMINDERS,
    Intent.REMIND,
    Intent.ENGLISH,
    Intent.GERMAN,
    Intent.LANGUAGE,
    Intent.SETTINGS,
    Intent.HOME,
    Intent.MY_OFFERS,
    Intent.IDEAS,
    Intent.POST,
)
# Small talk, weakest last; a search in the same message wins over them.
_WEAK = (Intent.HELP, Intent.THANKS, Intent.BYE, Intent.GREETING)
MAX_CHARS = 500  # longer messages are read from their first 500 characters


@dataclass(frozen=True)
class Reading:
    text: str
    intent: Intent | None = None
    requests: frozenset[Intent] = frozenset()  # everything asked, e.g. {GREETING, SEARCH}
    place: Resolution | None = None  # FOUND (maybe corrected), CHOICE, SUGGEST or OUTSIDE
    place_text: str = ""  # the words read as the place
    unknown_place: str = ""  # a short rest that looked like a name we do not know
    when: str | None = None  # a span (handlers/windows.py), "n:<named day>", "d:MM-DD", "ahead"
    part: str | None = None  # morning, afternoon, evening
    kinds: tuple[str, ...] = ()
    audience: str | None = None
    step_free: bool = False
    radius: int | None = None
    feeling: str | None = None
    language: str | None = None  # "de", "en"; None: no clue (a place name alone)

    @property
    def searches(self) -> bool:
        """Does the message name anything to search by?"""
        return bool(
            self.place
            or self.when
            or self.part
            or self.kinds
            or self.audience
            or self.step_free
            or self.radius
        )

    @property
    def filters(self) -> bool:
        """Does it name a filter besides the place (day, time, kind, access, radius)?"""
        return bool(self.when or self.part or self.kinds or self.step_free or self.radius)


def read(text: str, gazetteer: Gazetteer) -> Reading:
    text = text[:MAX_CHARS]
    words = split(text)
    used = [False] * len(words)
    asked: list[Intent] = []
    whole = requests.whole(words, text)
    if whole is not None:
        asked.append(whole)
        if whole is not Intent.HOME:
            used = [True] * len(words)
    for intent, at in requests.in_sentence(words):
        if intent in requests.WHOLE_ONLY or intent in asked:
            continue
        asked.append(intent)
        if intent in (Intent.GREETING, Intent.THANKS, Intent.BYE):
            for i in at:
                used[i] = True
    when = days.read(words, used)
    wish = wishes.read(words, used)
    found_kinds, kinds_at, talk_verbs = kinds.read(words, used)
    feeling, feeling_at = feelings.read(words, text, set().union(*kinds_at.values()))
    for i in feeling_at:
        used[i] = True
    if feeling:  # "ich trauere um …": the words of a feeling are no wish for a kind
        found_kinds = [k for k in found_kinds if not kinds_at[k] <= feeling_at]
    elif talk_verbs and "talk" not in found_kinds:
        found_kinds.append("talk")  # "etwas zum Reden"
        kinds_at["talk"] = set(talk_verbs)
    span = when.span
    if (
        span is None
        and found_kinds
        and days.looks_ahead(words, used, set().union(*kinds_at.values()))
    ):
        span = "ahead"
    where, unknown = places.read(words, used, text, gazetteer)
    lang = language.detect(words, text)
    reading = Reading(
        text=text,
        place=where.found if where else None,
        place_text=where.text if where else "",
        unknown_place=unknown,
        when=span,
        part=when.part,
        kinds=tuple(found_kinds),
        audience=wish.audience,
        step_free=wish.step_free,
        radius=wish.radius,
        feeling=feeling,
        language=lang,
    )
    if reading.searches or requests.wants_company(words):
        asked.append(Intent.SEARCH)
    return _with_intent(reading, asked)


def _with_intent(reading: Reading, asked: list[Intent]) -> Reading:
    chosen: Intent | None = None
    for intent in _STRONG:
        if intent in asked:
            chosen = intent
            break
    else:
        if reading.feeling:
            chosen = Intent.LONELY
        elif Intent.SEARCH in asked:
            chosen = Intent.SEARCH
        elif asked:
            weak = [i for i in asked if i not in _WEAK]
            chosen = weak[0] if weak else next(i for i in _WEAK if i in asked)
    return replace(reading, intent=chosen, requests=frozenset(asked))
