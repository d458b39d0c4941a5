"""Second half of understanding a "When?" answer: the reading placed in the calendar and checked.

Dates without a year are the next such date (24.12. typed on 27 December is next year's); a
weekday alone is the next such day; a rule starts at its first meeting on or after "ab …" and
now. Everything that would store something other than what the organiser meant is refused
with a reason that `confirm.explain` turns into a friendly sentence.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.rrule import rrulebase, rrulestr

from models.schedule import Schedule, to_local, to_utc

from . import named_days
from .reading import (
    Clock,
    DateSpec,
    Problem,
    Reading,
    Unreadable,
    _meridiem,
    _shift,
    read_partly,
)

DEFAULT_DURATION = timedelta(hours=2)
# A meeting an organiser types lasts at most 12 hours (the store allows 24 for imported
# all-day events, which nobody types as "0-24 Uhr").
MAX_DURATION = timedelta(hours=12)
MAX_AHEAD = timedelta(days=548)  # about 18 months
MAX_TEXT = 400  # longer answers are not a "When?"
MAX_COUNT = 400
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class Understood:
    schedule: Schedule
    assumed_duration: bool  # no end was given: DEFAULT_DURATION, and the confirmation says so


@dataclass(frozen=True)
class NotUnderstood:
    reason: Problem
    day: date | None = None  # the date the problem is about (mismatch, not a meeting day, …)
    # Whether the answer was a rule (True), one date (False) or unclear (None): the example in
    # the explanation is of the same sort.
    rule: bool | None = field(default=None, compare=False)


def parse_when(text: str, now: datetime) -> Understood | NotUnderstood:
    """The schedule an organiser's "When?" answer means; `now` is aware (UTC).

    Pure and deterministic: the same text and `now` always give the same answer.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if len(text) > MAX_TEXT:
        return NotUnderstood(Problem.UNKNOWN)
    reading, problem = read_partly(text)
    try:
        if problem is not None:
            raise problem
        return _Resolver(reading, to_local(now)).resolve()
    except Unreadable as problem:
        return NotUnderstood(problem.problem, problem.day, rule=_sort(reading))


def days_named(text: str, now: datetime) -> list[date]:
    """The dates a text names ("der am 17.12. fällt aus", "Heiligabend", "nächsten Dienstag"),
    each the next such date from today; no clock time needed."""
    if len(text) > MAX_TEXT:
        return []
    reading, _ = read_partly(text)
    resolver = _Resolver(reading, to_local(now))
    days = []
    for spec in reading.on:
        try:
            days.append(resolver.place(spec, resolver.today))
        except Unreadable:
            continue
    if not days and len(reading.days) == 1 and not reading.every:
        weekday = next(iter(reading.days))
        days.append(resolver.today + timedelta(days=(weekday - resolver.today.weekday()) % 7))
    return days


def _sort(r: Reading) -> bool | None:
    """A rule, one date, or not clear from the words read."""
    if (
        r.every
        or r.interval
        or r.nths
        or r.monthdays
        or r.daily
        or r.weekly
        or r.monthly
        or len(r.days) > 1
    ):
        return True
    if r.on or r.days:
        return False
    return None


class _Resolver:
    def __init__(self, reading: Reading, now: datetime) -> None:
        self.r = reading
        self.now = now.replace(microsecond=0)
        self.today = now.date()

    def resolve(self) -> Understood:
        r = self.r
        if r.monthly or r.interval_unit == "month":  # "monatlich am 15.": a day of every month
            alone = [s for s in r.on if s.day is not None and s.month is None and s.year is None]
            if alone and not r.nths and not r.days:
                r.monthdays += [s.day for s in alone if s.day is not None]
                r.on = [s for s in r.on if s not in alone]
        has_day = bool(
            r.on
            or r.starting
            or r.within
            or r.days
            or r.nths
            or r.monthdays
            or r.daily
            or r.interval_unit == "day"
            or r.excepted_days
        )
        has_time = bool(r.starts or r.bare or r.ends)
        if not r.understood or (not has_day and not has_time):
            raise Unreadable(Problem.UNKNOWN)
        if not has_day:
            raise Unreadable(Problem.NO_DATE)
        start, duration, assumed = self.clock()
        # "Dienstag und Donnerstag 15 Uhr": several weekdays and no date are a weekly rule; the
        # confirmation says "jeden", so a one-off weekend is corrected at once.
        several_days = len(r.days) > 1 and not (r.on or r.starting)
        recurring = bool(
            r.every
            or r.interval
            or r.nths
            or r.monthdays
            or r.only_months
            or r.count
            or r.daily
            or r.weekly
            or r.excepted_days
            or several_days
        )
        schedule = self.rule(start, duration) if recurring else self.single(start, duration)
        return Understood(schedule, assumed)

    # the clock
    def clock(self) -> tuple[Clock, timedelta, bool]:
        r = self.r
        starts = set(r.starts) or set(r.bare)
        ends = set(r.ends)
        if len(starts) > 1 or len(ends) > 1 or (len(r.bare) > 1 and not r.starts):
            raise Unreadable(Problem.SEVERAL)
        if not starts:
            raise Unreadable(Problem.NO_TIME)
        start, end = starts.pop(), (ends.pop() if ends else None)
        if r.period == "pm" and end is None:
            start = _shift(start, "pm")
        elif r.period == "pm" and end is not None:
            start, end = _meridiem(start, end, None, "pm")
        if start.hour == 24:
            raise Unreadable(Problem.INVALID_TIME)
        minutes_left = 24 * 60 - start.minutes
        if end is not None:
            minutes = end.minutes - start.minutes
            if minutes <= 0:
                overnight = minutes + 24 * 60
                crosses = minutes < 0 and overnight <= MAX_DURATION.total_seconds() // 60
                raise Unreadable(Problem.CROSSES_MIDNIGHT if crosses else Problem.END_BEFORE_START)
            duration = timedelta(minutes=minutes)
            if r.duration is not None and r.duration != duration:
                raise Unreadable(Problem.SEVERAL)
            assumed = False
        elif r.duration is not None:
            duration, assumed = r.duration, False
            if duration > timedelta(minutes=minutes_left) and duration <= MAX_DURATION:
                raise Unreadable(Problem.CROSSES_MIDNIGHT)
        else:
            duration, assumed = min(DEFAULT_DURATION, timedelta(minutes=minutes_left)), True
        if duration > MAX_DURATION:
            raise Unreadable(Problem.TOO_LONG)
        if duration < timedelta(minutes=1) or duration.total_seconds() % 60:
            raise Unreadable(Problem.INVALID_TIME)
        return start, duration, assumed

    # one date
    def single(self, clock: Clock, duration: timedelta) -> Schedule:
        r = self.r
        specs = r.on + r.starting
        if r.days:
            if len(r.days) > 1 or r.day_mentions > 1:
                raise Unreadable(Problem.SEVERAL)
            weekday = next(iter(r.days))
            # "Samstag, 15 Uhr, 12.12.": the weekday belongs to the date
            specs = [_check(s, weekday) for s in specs] if specs else [DateSpec(weekday=weekday)]
        if r.within and not specs:
            raise Unreadable(Problem.NO_DATE)
        if len(specs) > 1 or r.until or r.within:
            raise Unreadable(Problem.SEVERAL)
        if not specs:
            raise Unreadable(Problem.NO_DATE)
        spec = specs[0]
        if spec.month is not None and spec.day is None:
            raise Unreadable(Problem.NO_DATE)  # "im Dezember, 15 Uhr": which day?
        day = self.place(spec, self.today)
        start = datetime.combine(day, _time(clock))
        if spec.weekday is not None and start <= self.now:
            start += timedelta(days=7)  # "Mittwoch 9 Uhr" on Wednesday at 10: next week
        if start <= self.now:
            raise Unreadable(Problem.PAST, start.date())
        self.check_ahead(start)
        if r.excepted:
            raise Unreadable(Problem.NOT_AN_OCCURRENCE, self.place(r.excepted[0], start.date()))
        self.check_clock_change([start])
        return Schedule(start=start, duration=duration)

    # a rule
    def rule(self, clock: Clock, duration: timedelta) -> Schedule:
        r = self.r
        first_day, last_day = self.window()
        freq, interval, byday = self.frequency(first_day)
        monthdays = sorted(set(r.monthdays))
        base = _rule(freq, 1, sorted(r.only_months), byday, monthdays)
        if last_day is not None and last_day < first_day:
            raise Unreadable(Problem.END_BEFORE_START, last_day)
        at = _time(clock)
        lower = datetime.combine(first_day, at)
        horizon = self.today + MAX_AHEAD
        # Bounded by UNTIL: a rule that never meets ("nur im Februar, jeden fünften Montag")
        # must not send dateutil searching to the year 9999.
        probe = rrulestr(
            f"{base};UNTIL={min(last_day or horizon, horizon):%Y%m%d}T235959", dtstart=lower
        )
        first = (
            probe.after(self.now, inc=False) if lower <= self.now else probe.after(lower, inc=True)
        )
        if first is None:
            if last_day is not None and last_day <= horizon:
                raise Unreadable(Problem.NO_DATES)
            raise Unreadable(Problem.TOO_FAR)
        # The first meeting is found without INTERVAL: "14-tägig ab Mittwoch" starts with the
        # first matching day, and every other week counts from there.
        rule = _rule(freq, interval, sorted(r.only_months), byday, monthdays)
        expansion = rrulestr(rule, dtstart=first)
        skipped = set()
        for spec in r.excepted:
            day = self.place(spec, first.date())
            if (last_day is not None and day > last_day) or not expansion.between(
                datetime.combine(day, time(0)), datetime.combine(day, _END_OF_DAY), inc=True
            ):
                raise Unreadable(Problem.NOT_AN_OCCURRENCE, day)
            skipped.add(day)
        if r.count is not None:
            if last_day is not None:
                raise Unreadable(Problem.SEVERAL)
            if not 1 <= r.count <= MAX_COUNT:
                raise Unreadable(Problem.TOO_FAR)
            last_day = self.count_end(expansion, r.count, skipped)
            beyond = [day for day in skipped if day > last_day]
            if beyond:  # "3 mal, nicht am …" naming a day after the third meeting
                raise Unreadable(Problem.NOT_AN_OCCURRENCE, min(beyond))
        if last_day is not None:
            rule += f";UNTIL={last_day:%Y%m%d}T235959"
            if all(s.date() in skipped for s in rrulestr(rule, dtstart=first)):
                raise Unreadable(Problem.NO_DATES)
        if at.hour == 2:
            self.check_clock_change(
                rrulestr(rule, dtstart=first).between(
                    first, datetime.combine(horizon, time(0)), inc=True
                )
            )
        return Schedule(start=first, duration=duration, rrule=rule, exdates=frozenset(skipped))

    def frequency(self, first_day: date) -> tuple[str, int, list[str]]:
        """FREQ, INTERVAL and BYDAY from the words."""
        r = self.r
        days = set(r.days)
        if r.monthdays:
            if (
                days
                or r.nths
                or r.daily
                or (r.interval not in (None, 1) and r.interval_unit != "month")
                or (r.interval_unit == "month" and r.interval not in (None, 1))
            ):
                raise Unreadable(Problem.UNSUPPORTED)
            return "MONTHLY", 1, []
        if r.nths:
            ordinals = {n for n, _ in r.nths}
            if ordinals == {2} and not r.monthly:
                # "jeden zweiten Dienstag": every other week, the usual reading without "im Monat"
                days |= {d for _, d in r.nths}
                return self.weekly(days, 2, first_day)
            if days or r.interval not in (None, 1) or r.daily:
                raise Unreadable(Problem.UNSUPPORTED)
            return (
                "MONTHLY",
                1,
                [f"{n}{_WEEKDAYS[d]}" for n, d in sorted(set(r.nths), key=_nth_order)],
            )
        if r.interval_unit == "month" or r.monthly:
            raise Unreadable(Problem.UNSUPPORTED)  # "monatlich" needs "am ersten Samstag"
        if r.daily or r.interval_unit == "day":
            n = r.interval or 1
            if not days and not r.excepted_days:
                return "DAILY", n, []
            if n % 7 and n != 1:
                raise Unreadable(Problem.UNSUPPORTED)
            return self.weekly(days or set(range(7)), max(1, n // 7) if n != 1 else 1, first_day)
        return self.weekly(days, r.interval or 1, first_day)

    def weekly(self, days: set[int], interval: int, first_day: date) -> tuple[str, int, list[str]]:
        if not days:
            days = {first_day.weekday()} if self.r.on or self.r.starting else set()
            if not days:
                raise Unreadable(Problem.NO_DATE)  # "wöchentlich 15 Uhr": which day?
        days -= self.r.excepted_days
        if not days:
            raise Unreadable(Problem.NO_DATES)
        return "WEEKLY", interval, [_WEEKDAYS[d] for d in sorted(days)]

    def window(self) -> tuple[date, date | None]:
        """First possible day ("ab 5.1.", "im Dezember", today) and last ("bis 31.3.")."""
        r = self.r
        # "Dezember: jeden Sonntag" means in December, like "im Dezember"
        whole_months = [s for s in r.on if s.month is not None and s.day is None]
        within = r.within + whole_months
        starting = r.starting + [s for s in r.on if s not in whole_months]
        if (
            len(starting) > 1
            or len(r.until) > 1
            or len(within) > 1
            or (within and (starting or r.until))
        ):
            raise Unreadable(Problem.SEVERAL)
        first, last = self.today, None
        if within:
            spec = within[0]
            if spec.day is not None:
                raise Unreadable(Problem.SEVERAL)
            month_start = self.month_start(spec, self.today.replace(day=1))
            return max(month_start, self.today), _month_end(month_start)
        if starting:
            spec = starting[0]
            if spec.month is not None and spec.day is None:
                day = self.month_start(spec, self.today.replace(day=1))
            else:
                day = self.place(spec, self.today)
            first = max(first, day)
        if r.until:
            spec = r.until[0]
            if spec.month is not None and spec.day is None:
                last = _month_end(self.month_start(spec, first.replace(day=1)))
            else:
                last = self.place(spec, first)
            if last < self.today:
                raise Unreadable(Problem.PAST, last)
        return first, last

    def month_start(self, spec: DateSpec, not_before: date) -> date:
        month = spec.month
        if month is None:  # a named day after "im": not a whole month
            raise Unreadable(Problem.UNSUPPORTED)
        if spec.year is not None:
            return date(spec.year, month, 1)
        year = not_before.year + (month < not_before.month)
        return date(year, month, 1)

    def place(self, spec: DateSpec, not_before: date) -> date:
        """The date a spec means, the first one on or after `not_before` when no year is given."""
        if spec.named is not None:
            day = named_days.next_day(spec.named, not_before)
            if spec.check is not None and day.weekday() != spec.check:
                raise Unreadable(Problem.WEEKDAY_MISMATCH, day)
            return day
        if spec.offset is not None:
            day = self.today + timedelta(days=spec.offset)
        elif spec.weekday is not None:
            day = not_before + timedelta(days=(spec.weekday - not_before.weekday()) % 7)
            if spec.not_today and day == self.today:
                day += timedelta(days=7)
            day += timedelta(weeks=spec.weeks)
        elif spec.day is None:
            raise Unreadable(Problem.UNSUPPORTED)  # "nicht im Dezember": use "nur im …"
        elif spec.month is None:
            day = _next_day_of_month(spec.day, not_before)
        elif spec.year is not None:
            day = date(spec.year, spec.month, spec.day)
        else:
            day = _next_of_month(spec.day, spec.month, not_before)
        if spec.check is not None and day.weekday() != spec.check:
            raise Unreadable(Problem.WEEKDAY_MISMATCH, day)
        return day

    def count_end(self, expansion: rrulebase, count: int, skipped: set[date]) -> date:
        held = 0
        first = expansion[0]
        for start in expansion.between(first, first + 2 * MAX_AHEAD, inc=True):
            if start.date() in skipped:
                continue
            held += 1
            if held == count:
                return start.date()
        raise Unreadable(Problem.TOO_FAR)

    def check_ahead(self, start: datetime) -> None:
        if start.date() > self.today + MAX_AHEAD:
            raise Unreadable(Problem.TOO_FAR, start.date())

    def check_clock_change(self, starts: Iterable[datetime]) -> None:
        for start in starts:
            if to_local(to_utc(start)) != start:
                raise Unreadable(Problem.CLOCK_CHANGE, start.date())


def _rule(
    freq: str,
    interval: int,
    months: Sequence[int],
    byday: Sequence[str],
    monthdays: Sequence[int] = (),
) -> str:
    """One spelling for every rule, so equal schedules have equal strings."""
    parts = [f"FREQ={freq}"]
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    if months:
        parts.append("BYMONTH=" + ",".join(str(m) for m in months))
    if byday:
        parts.append("BYDAY=" + ",".join(byday))
    if monthdays:
        parts.append("BYMONTHDAY=" + ",".join(str(d) for d in monthdays))
    return ";".join(parts)


def _time(clock: Clock) -> time:
    return time(clock.hour, clock.minute)


def _check(spec: DateSpec, weekday: int) -> DateSpec:
    if spec.check is not None and spec.check != weekday:
        raise Unreadable(Problem.SEVERAL)
    return DateSpec(**{**spec.__dict__, "check": weekday})


def _nth_order(nth: tuple[int, int]) -> tuple[int, int]:
    n, day = nth
    return (n if n > 0 else 10 - n, day)


def _month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _next_of_month(day: int, month: int, not_before: date) -> date:
    for year in range(not_before.year, not_before.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue  # 29.2. in a year without it
        if candidate >= not_before:
            return candidate
    raise Unreadable(Problem.INVALID_DATE)  # pragma: no cover - every valid day recurs


def _next_day_of_month(day: int, not_before: date) -> date:
    year, month = not_before.year, not_before.month
    for _ in range(13):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= not_before:
            return date(year, month, day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise Unreadable(Problem.INVALID_DATE)  # pragma: no cover
