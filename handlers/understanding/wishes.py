"""Who a meeting should suit and what it must offer: the audience ("für Senioren", "mit den
Enkeln", "ich bin 81"), step-free access ("barrierefrei", "mit Rollstuhl"), and how far
("im Umkreis von 25 km")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .words import Phrases, Word, keys

SENIORS, FAMILIES, CHILDREN, YOUTH = "seniors", "families", "children", "youth"

_AUDIENCE = Phrases(
    {
        **dict.fromkeys(
            (
                "senioren",
                "seniorinnen",
                "seniorin",
                "senior",
                "rentner",
                "rentnerin",
                "rentnerinnen",
                "ruheständler",
                "ältere",
                "älteren",
                "ältere leute",
                "ältere menschen",
                "alte leute",
                "alte menschen",
                "seniors",
                "senior citizens",
                "elderly",
                "older people",
                "pensioners",
                "pensioner",
                "retired",
                "rentner",
                "60plus",
                "60+",
                "ü60",
                "ü70",
                "generation 60 plus",
            ),
            SENIORS,
        ),
        **dict.fromkeys(
            ("familie", "familien", "family", "families", "eltern", "parents"), FAMILIES
        ),
        **dict.fromkeys(
            ("kinder", "kindern", "kids", "children", "child", "kleinkinder", "kind"), CHILDREN
        ),
        **dict.fromkeys(
            (
                "jugendliche",
                "jugendlichen",
                "jugend",
                "teenager",
                "teens",
                "youth",
                "junge leute",
                "young people",
            ),
            YOUTH,
        ),
    }
)
_AUDIENCE_PREFIXES = (
    ("senioren", SENIORS),
    ("familien", FAMILIES),
    ("kinder", CHILDREN),
    ("jugend", YOUTH),
    ("rentner", SENIORS),
)
# "meine Kinder", "die Kinder wohnen weit weg": someone's own children, no audience; but
# "für die Kinder", "mit den Enkeln" are.
_OWNERS = keys(["meine", "meinen", "unsere", "unseren", "deine", "ihre", "my", "our", "her", "his"])
_ARTICLES = keys(["die", "den", "the"])
_FOR = keys(["für", "mit", "for", "with", "fuer"])


def _owned(words: list[Word], i: int) -> bool:
    before = words[i - 1].key if i > 0 else ""
    if before in _OWNERS:
        return True
    return before in _ARTICLES and (i < 2 or words[i - 2].key not in _FOR)


_AGE_LEADS = keys(
    ["bin", "ist", "sind", "werde", "wurde", "im", "am", "mit", "i'm", "im", "am", "is"]
)
_AGE_TAILS = keys(["jahre", "jahren", "jahr", "years", "year", "jährig"])

_ACCESS = Phrases(
    dict.fromkeys(
        (
            "barrierefrei",
            "barrierefreie",
            "barrierefreies",
            "barrierefreien",
            "barrierearm",
            "stufenlos",
            "stufenlose",
            "stufenlosen",
            "ohne stufen",
            "ohne treppen",
            "rollstuhl",
            "rollstuhlgerecht",
            "rollstuhlfahrer",
            "rollstuhlfahrerin",
            "im rollstuhl",
            "mit rollstuhl",
            "rollator",
            "mit rollator",
            "behindertengerecht",
            "gehbehindert",
            "wheelchair",
            "wheelchair accessible",
            "step free",
            "step-free",
            "stepfree",
            "accessible",
            "no steps",
            "without steps",
        ),
        True,
    )
)
_ACCESS_PREFIXES = (
    "barrierefrei",
    "rollstuhl",
    "stufenlos",
    "rollator",
    "behindertengerecht",
    "wheelchair",
)

_KM = keys(["km", "kilometer", "kilometern", "kilometres", "kilometers", "kms", "meilen", "miles"])
_RADIUS_LEADS = keys(["umkreis", "radius", "within", "umgebung"])
_NUMBER = re.compile(r"^\d{1,3}$")


@dataclass(frozen=True)
class Wishes:
    audience: str | None = None
    step_free: bool = False
    radius: int | None = None


def read(words: list[Word], used: list[bool]) -> Wishes:
    audience: list[str] = []
    for value, i, _size in _AUDIENCE.find(words, used):
        if value in (CHILDREN, FAMILIES) and _owned(words, i):
            continue  # "meine Kinder", "die Kinder wohnen weit weg"
        audience.append(value)
    for i, word in enumerate(words):
        if used[i]:
            continue
        for prefix, value in _AUDIENCE_PREFIXES:
            if word.key.startswith(prefix) and len(word.key) > len(prefix) + 2:
                audience.append(value)  # "Seniorentreff": the kind is read as well, so not used
                break
        if word.is_number and _NUMBER.match(word.raw) and 60 <= int(word.raw) <= 110:
            before = words[i - 1].key if i > 0 else ""
            after = words[i + 1].key if i + 1 < len(words) else ""
            if before in _AGE_LEADS or after in _AGE_TAILS:
                audience.append(SENIORS)  # "ich bin 81", "76 Jahre alt"
                used[i] = True
    # "eine Familie mit zwei Kindern": families first
    chosen = FAMILIES if FAMILIES in audience else audience[0] if audience else None
    step_free = bool(_ACCESS.find(words, used))
    if not step_free:
        for i, word in enumerate(words):
            if not used[i] and word.key.startswith(_ACCESS_PREFIXES):
                used[i] = step_free = True
    return Wishes(chosen, step_free, _radius(words, used))


def _radius(words: list[Word], used: list[bool]) -> int | None:
    for i, word in enumerate(words):
        if used[i] or not _NUMBER.match(word.raw):
            continue
        after = words[i + 1].key if i + 1 < len(words) else ""
        before = {w.key for w in words[max(0, i - 3) : i]}
        if after in _KM or before & _RADIUS_LEADS:
            km = int(word.raw)
            if not 1 <= km <= 200:
                continue
            used[i] = True
            if after in _KM:
                used[i + 1] = True
            if after in ("meilen", "miles"):
                km = round(km * 1.609)
            return km
    return None
