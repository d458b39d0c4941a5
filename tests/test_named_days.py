"""Named days ("Heiligabend", "3. Advent", "Ostermontag") computed per year."""

from datetime import date

import pytest

from handlers.when.named_days import day_in, is_holiday, match, next_day
from places.text import fold


@pytest.mark.parametrize(
    ("year", "first", "fourth"),
    [
        (
            2023,
            date(2023, 12, 3),
            date(2023, 12, 24),
        ),  # Christmas on a Monday: 4th Advent is Christmas Eve
        (2026, date(2026, 11, 29), date(2026, 12, 20)),
        (2022, date(2022, 11, 27), date(2022, 12, 18)),  # Christmas on a Sunday
    ],
)
def test_advent_sundays(year, first, fourth):
    assert day_in("advent_1", year) == first
    assert day_in("advent_4", year) == fourth
    assert day_in("advent_3", year).weekday() == 6


def test_easter_based_days():
    assert day_in("easter", 2027) == date(2027, 3, 28)
    assert day_in("good_friday", 2027) == date(2027, 3, 26)
    assert day_in("whit_monday", 2027) == date(2027, 5, 17)
    assert day_in("ascension", 2027) == date(2027, 5, 6)


def test_next_day_rolls_over_to_next_year():
    assert next_day("christmas_eve", date(2026, 12, 7)) == date(2026, 12, 24)
    assert next_day("christmas_eve", date(2026, 12, 25)) == date(2027, 12, 24)
    assert next_day("new_years_eve", date(2026, 12, 31)) == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("text", "key", "size"),
    [
        ("am 3. Advent", "advent_3", 2),
        ("am dritten Advent 15 Uhr", "advent_3", 2),
        ("Heiligabend", "christmas_eve", 1),
        ("am heiligen Abend", "christmas_eve", 2),
        ("Silvester", "new_years_eve", 1),
        ("2. Weihnachtstag", "boxing_day", 2),
        ("Tag der Deutschen Einheit", "unity_day", 4),
        ("Buß- und Bettag", "repentance_day", 3),
    ],
)
def test_names_found_in_words(text, key, size):
    words = [fold(w) for w in text.replace("-", " ").split()]
    found = [match(words, i) for i in range(len(words))]
    assert (key, size) in found


def test_holidays_of_sachsen_anhalt():
    assert is_holiday(date(2027, 1, 6))  # Heilige Drei Könige is a holiday in Sachsen-Anhalt
    assert is_holiday(date(2026, 10, 31))
    assert not is_holiday(date(2026, 12, 24))
