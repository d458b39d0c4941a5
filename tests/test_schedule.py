"""Schedules in Berlin wall-clock time, stored and searched in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from models.schedule import Schedule, ScheduleError, to_utc


def test_single_date():
    s = Schedule(start=datetime(2026, 12, 2, 15), duration=timedelta(hours=2))
    assert s.occurrences(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC)) == [
        (datetime(2026, 12, 2, 14, tzinfo=UTC), datetime(2026, 12, 2, 16, tzinfo=UTC))
    ]


def test_first_saturday_of_the_month_with_an_exception():
    s = Schedule(
        start=datetime(2026, 1, 3, 14),
        duration=timedelta(hours=3),
        rrule="FREQ=MONTHLY;BYDAY=1SA",
        exdates=frozenset({date(2027, 1, 2)}),
    )
    starts = [
        a
        for a, _ in s.occurrences(
            datetime(2026, 11, 1, tzinfo=UTC), datetime(2027, 3, 1, tzinfo=UTC)
        )
    ]
    assert [a.date() for a in starts] == [date(2026, 11, 7), date(2026, 12, 5), date(2027, 2, 6)]


def test_autumn_dst_change_keeps_wall_clock():
    s = Schedule(start=datetime(2026, 10, 1, 15), duration=timedelta(hours=2), rrule="FREQ=DAILY")
    got = s.occurrences(datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 26, 23, tzinfo=UTC))
    # 24 Oct is summer time (UTC+2), 25 and 26 Oct winter time (UTC+1): always 15:00 in Berlin.
    assert [a.hour for a, _ in got] == [13, 14, 14]


def test_times_in_the_spring_gap_move_forward():
    assert to_utc(datetime(2027, 3, 28, 2, 30)) == datetime(
        2027, 3, 28, 1, 30, tzinfo=UTC
    )  # 03:30 CEST


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rrule": "FREQ=SOMETIMES"},
        {"rrule": "not a rule"},
        {"duration": timedelta(0)},
        {"duration": timedelta(hours=25)},
    ],
)
def test_bad_schedules_are_rejected(kwargs):
    values = {"start": datetime(2026, 12, 2, 15), "duration": timedelta(hours=2)} | kwargs
    with pytest.raises(ScheduleError):
        Schedule(**values)


def test_aware_start_is_rejected():
    with pytest.raises(ScheduleError):
        Schedule(start=datetime(2026, 12, 2, 15, tzinfo=UTC), duration=timedelta(hours=1))
