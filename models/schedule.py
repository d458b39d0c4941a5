"""When an offer takes place: one date or an RFC 5545 recurrence rule, in Berlin wall-clock time.

Offers are planned in local time ("every Tuesday 15:00"), so rules are expanded on naive local
datetimes and only then turned into UTC. That keeps 15:00 at 15:00 across daylight-saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulebase, rrulestr

BERLIN = ZoneInfo("Europe/Berlin")
# Up to a whole day (all-day events are imported as midnight to midnight); the search looks
# back this far for gatherings still running.
MAX_DURATION = timedelta(hours=24)


class ScheduleError(ValueError):
    """A schedule that cannot be expanded (bad rule, impossible duration)."""


@dataclass(frozen=True)
class Schedule:
    start: datetime  # naive, Europe/Berlin wall clock: the first occurrence
    duration: timedelta
    rrule: str | None = None  # e.g. "FREQ=WEEKLY;BYDAY=TU" or "FREQ=MONTHLY;BYDAY=1SA"
    exdates: frozenset[date] = field(default_factory=frozenset)  # local dates that are skipped

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None:
            raise ScheduleError("start must be Berlin wall-clock time without tzinfo")
        if not timedelta(0) < self.duration <= MAX_DURATION:
            raise ScheduleError("duration must be between 1 minute and 24 hours")
        if self.rrule:
            self._rule(self.rrule)  # validate early

    def _rule(self, text: str) -> rrulebase:
        try:
            return rrulestr(text, dtstart=self.start)
        except (ValueError, TypeError) as exc:
            raise ScheduleError(f"invalid recurrence rule: {text!r}") from exc

    def without(self, days: frozenset[date]) -> Schedule:
        """The same schedule with these local days skipped as well."""
        return self if days <= self.exdates else replace(self, exdates=self.exdates | days)

    def first_start(self) -> datetime:
        """The first date the rule gives from `start` on (naive local): what a calendar file must
        name as DTSTART. RFC 5545 counts DTSTART as a date even where the rule does not (a
        Monday start for "every Wednesday"), which calendar apps then show; our dates never
        include it. A one-off, or a rule without any date, keeps `start`."""
        if not self.rrule:
            return self.start
        first = self._rule(self.rrule).after(self.start, inc=True)
        return first if first is not None else self.start

    def local_starts(self, after: datetime, before: datetime) -> list[datetime]:
        """Naive local start times with `after <= start < before` (both naive local)."""
        if not self.rrule:
            starts = [self.start] if after <= self.start < before else []
        else:
            starts = self._rule(self.rrule).between(after, before, inc=True)
            starts = [s for s in starts if s < before]
        return [s for s in starts if s.date() not in self.exdates]

    def has_day(self, day: date) -> bool:
        """Whether a gathering starts on this local day."""
        midnight = datetime.combine(day, datetime.min.time())
        return bool(self.local_starts(midnight, midnight + timedelta(days=1)))

    def occurrences(self, after: datetime, before: datetime) -> list[tuple[datetime, datetime]]:
        """(start, end) pairs in UTC for occurrences starting in [after, before) (aware UTC)."""
        lo, hi = to_local(after), to_local(before)
        # Widen by a day on each side: wall-clock and UTC differ by up to two hours.
        pairs = []
        for local in self.local_starts(lo - timedelta(days=1), hi + timedelta(days=1)):
            start = to_utc(local)
            if after <= start < before:
                pairs.append((start, to_utc(local + self.duration)))
        return pairs


def to_utc(local: datetime) -> datetime:
    """Berlin wall clock (naive) to aware UTC.

    zoneinfo resolves the edge cases the way people expect: a time in the spring-forward gap
    (02:30) lands an hour later, and an ambiguous autumn time takes the first (summer) reading.
    """
    return local.replace(tzinfo=BERLIN).astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    """Aware datetime to naive Berlin wall clock."""
    return moment.astimezone(BERLIN).replace(tzinfo=None)
