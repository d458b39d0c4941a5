"""Days people name instead of a date: "Heiligabend", "am 3. Advent", "Ostermontag", "Silvester".

Shared by the residents' reader ("was ist am 3. Advent los?") and the organisers' "When?"
answer ("am 3. Advent 15 Uhr"). Each name is computed per year: Easter with dateutil's
`easter` (the Western computus), Advent from Christmas, everything else a fixed date. A name
means the next such day on or after today ("Silvester" typed on 2 January is the coming one).

Names are matched on folded words (places.text.fold: "Heiligabend", "heiligabend" and
"HEILIGABEND" are one key; "3." folds to "3"). The public holidays of Sachsen-Anhalt are
marked, so a reader can say when a day is a holiday.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.easter import easter

from places.text import fold


def _fixed(month: int, day: int) -> Callable[[int], date]:
    return lambda year: date(year, month, day)


def _from_easter(days: int) -> Callable[[int], date]:
    return lambda year: easter(year) + timedelta(days=days)


def _advent(number: int) -> Callable[[int], date]:
    """The n-th Sunday of Advent: the fourth is the last Sunday before 25 December."""

    def day(year: int) -> date:
        christmas = date(year, 12, 25)
        fourth = christmas - timedelta(
            days=christmas.weekday() + 1 if christmas.weekday() != 6 else 7
        )
        return fourth - timedelta(weeks=4 - number)

    return day


def _before_advent(days: int) -> Callable[[int], date]:
    return lambda year: _advent(1)(year) - timedelta(days=days)


def _mothers_day(year: int) -> date:
    first = date(year, 5, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7)  # the second Sunday in May


@dataclass(frozen=True)
class NamedDay:
    key: str
    on: Callable[[int], date]
    names: Sequence[str]  # as people write them; folded word by word for matching
    holiday: bool = False  # a public holiday in Sachsen-Anhalt


_ORDINALS = {
    1: ("1", "erster", "ersten", "erste", "first", "1st"),
    2: ("2", "zweiter", "zweiten", "zweite", "second", "2nd"),
    3: ("3", "dritter", "dritten", "dritte", "third", "3rd"),
    4: ("4", "vierter", "vierten", "vierte", "fourth", "4th"),
}


def _advent_names(number: int) -> list[str]:
    return [
        f"{ordinal} {noun}"
        for ordinal in _ORDINALS[number]
        for noun in (
            "advent",
            "adventssonntag",
            "adventsonntag",
            "advent sunday",
            "sunday of advent",
        )
    ]


DAYS: tuple[NamedDay, ...] = (
    NamedDay(
        "new_year",
        _fixed(1, 1),
        ("neujahr", "neujahrstag", "new year's day", "new years day"),
        True,
    ),
    NamedDay(
        "epiphany",
        _fixed(1, 6),
        ("heilige drei könige", "heiligen drei könige", "dreikönigstag", "dreikönige", "epiphany"),
        True,
    ),
    NamedDay("valentine", _fixed(2, 14), ("valentinstag", "valentine's day", "valentines day")),
    NamedDay("rose_monday", _from_easter(-48), ("rosenmontag",)),
    NamedDay(
        "carnival_tuesday", _from_easter(-47), ("faschingsdienstag", "fastnacht", "shrove tuesday")
    ),
    NamedDay("ash_wednesday", _from_easter(-46), ("aschermittwoch", "ash wednesday")),
    NamedDay("maundy_thursday", _from_easter(-3), ("gründonnerstag", "maundy thursday")),
    NamedDay("good_friday", _from_easter(-2), ("karfreitag", "good friday"), True),
    NamedDay("holy_saturday", _from_easter(-1), ("karsamstag", "ostersamstag", "holy saturday")),
    NamedDay(
        "easter", _from_easter(0), ("ostern", "ostersonntag", "easter", "easter sunday"), True
    ),
    NamedDay("easter_monday", _from_easter(1), ("ostermontag", "easter monday"), True),
    NamedDay(
        "labour_day",
        _fixed(5, 1),
        ("tag der arbeit", "maifeiertag", "erster mai", "1 mai", "may day", "labour day"),
        True,
    ),
    NamedDay("mothers_day", _mothers_day, ("muttertag", "mother's day", "mothers day")),
    NamedDay(
        "ascension",
        _from_easter(39),
        ("himmelfahrt", "christi himmelfahrt", "vatertag", "herrentag", "ascension day"),
        True,
    ),
    NamedDay(
        "whitsun", _from_easter(49), ("pfingsten", "pfingstsonntag", "whitsun", "pentecost"), True
    ),
    NamedDay("whit_monday", _from_easter(50), ("pfingstmontag", "whit monday"), True),
    NamedDay("corpus_christi", _from_easter(60), ("fronleichnam", "corpus christi")),
    NamedDay(
        "unity_day",
        _fixed(10, 3),
        ("tag der deutschen einheit", "einheitstag", "german unity day"),
        True,
    ),
    NamedDay(
        "reformation_day", _fixed(10, 31), ("reformationstag", "reformation day", "halloween"), True
    ),
    NamedDay("all_saints", _fixed(11, 1), ("allerheiligen", "all saints day", "all saints' day")),
    NamedDay(
        "st_martin",
        _fixed(11, 11),
        ("martinstag", "martini", "sankt martin", "st martin", "st. martin"),
    ),
    NamedDay("remembrance_sunday", _before_advent(14), ("volkstrauertag",)),
    NamedDay(
        "repentance_day",
        _before_advent(11),
        ("buß- und bettag", "buss- und bettag", "buß und bettag", "buss und bettag", "bußtag"),
    ),
    NamedDay("sunday_of_the_dead", _before_advent(7), ("totensonntag", "ewigkeitssonntag")),
    NamedDay("advent_1", _advent(1), _advent_names(1)),
    NamedDay("advent_2", _advent(2), _advent_names(2)),
    NamedDay("advent_3", _advent(3), _advent_names(3)),
    NamedDay("advent_4", _advent(4), _advent_names(4)),
    NamedDay(
        "st_nicholas",
        _fixed(12, 6),
        ("nikolaus", "nikolaustag", "st nicholas day", "saint nicholas day"),
    ),
    NamedDay(
        "christmas_eve",
        _fixed(12, 24),
        ("heiligabend", "heiliger abend", "heiligen abend", "heilig abend", "christmas eve"),
    ),
    NamedDay(
        "christmas",
        _fixed(12, 25),
        (
            "weihnachten",
            "erster weihnachtstag",
            "ersten weihnachtstag",
            "1 weihnachtstag",
            "weihnachtstag",
            "christmas",
            "christmas day",
        ),
        True,
    ),
    NamedDay(
        "boxing_day",
        _fixed(12, 26),
        ("zweiter weihnachtstag", "zweiten weihnachtstag", "2 weihnachtstag", "boxing day"),
        True,
    ),
    NamedDay(
        "new_years_eve",
        _fixed(12, 31),
        ("silvester", "sylvester", "silvesterabend", "new year's eve", "new years eve"),
    ),
)
BY_KEY = {day.key: day for day in DAYS}


def _words(name: str) -> tuple[str, ...]:
    return tuple(f for f in (fold(w) for w in name.replace("-", " ").split()) if f)


PHRASES: dict[tuple[str, ...], str] = {_words(name): day.key for day in DAYS for name in day.names}
LONGEST = max(len(words) for words in PHRASES)


def day_in(key: str, year: int) -> date:
    """The named day in a given year."""
    return BY_KEY[key].on(year)


def next_day(key: str, today: date) -> date:
    """The next such day on or after `today`."""
    this_year = day_in(key, today.year)
    return this_year if this_year >= today else day_in(key, today.year + 1)


def match(folded: Sequence[str], start: int) -> tuple[str, int] | None:
    """(key, number of words) for the longest named day at `folded[start:]`, or None.

    `folded` are the message's words, each folded with places.text.fold.
    """
    for size in range(min(LONGEST, len(folded) - start), 0, -1):
        key = PHRASES.get(tuple(folded[start : start + size]))
        if key is not None:
            return key, size
    return None


def is_holiday(day: date) -> bool:
    """A public holiday in Sachsen-Anhalt."""
    return any(d.holiday and d.on(day.year) == day for d in DAYS)
