"""iCalendar files (RFC 5545) as Nextcloud, Google Calendar, Thunderbird and church or town hall
calendars export them: time zones (VTIMEZONE, TZID, UTC), repeats (RRULE, EXDATE, RDATE),
changed or cancelled dates of a series (RECURRENCE-ID), all-day events, GEO and LOCATION; and
iTIP cancellations (RFC 5546 `METHOD:CANCEL`): every event in such a calendar is cancelled,
a whole series or, with a RECURRENCE-ID, one date of it, and nothing else is said about the
calendar's other events. `STATUS:CANCELLED` on an event means the same.

The `icalendar` library parses the file (line folding, escapes, time zones); this module turns
each event into a Record the store can keep: one offer per series, one per changed date.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event

from ..schedule import MAX_DURATION
from . import records
from .category_words import category_of
from .records import FileProblem, Record
from .text import contact_line, line, paragraph
from .values import MAX_DAYS, cost_in, local, stored_rule

MAX_EVENTS = 20_000
DEFAULT_DURATION = timedelta(hours=2)  # an event that gives no end
_CHECKED = ("DTSTART", "DTEND", "DURATION", "RRULE", "EXDATE", "RDATE", "RECURRENCE-ID", "GEO")
# Properties a changed date of a series leaves out when they are as in the series.
_INHERITED = (
    "SUMMARY",
    "DESCRIPTION",
    "X-ALT-DESC",
    "LOCATION",
    "GEO",
    "CATEGORIES",
    "ORGANIZER",
    "CONTACT",
    "URL",
    "CLASS",
)


# A date's start and end (None: the event's duration gives it), each a date or a datetime.
When = tuple[date | datetime, date | datetime | None]


def read_ical(text: str) -> list[Record]:
    """Records for every event in the file; FileProblem when it is not a sound calendar."""
    _check_nesting(text)
    try:
        components = Calendar.from_ical(text, multiple=True)
    except (ValueError, IndexError, KeyError) as exc:
        raise FileProblem(f"not a readable iCalendar file: {_first_line(exc)}") from None
    calendars = [c for c in components if c.name == "VCALENDAR"]
    if not calendars:
        raise FileProblem("not an iCalendar file: no BEGIN:VCALENDAR … END:VCALENDAR")
    events = [e for c in calendars for e in c.walk("VEVENT") if isinstance(e, Event)]
    if len(events) > MAX_EVENTS:
        raise FileProblem(f"too many events ({len(events)}; at most {MAX_EVENTS} per file)")
    cancelling = {
        id(e)
        for c in calendars
        if str(c.get("METHOD") or "").upper() == "CANCEL"
        for e in c.walk("VEVENT")
    }
    problems = [p for e in events for p in _problems(e, cancel=id(e) in cancelling)]
    if problems:
        raise FileProblem(problems)

    series: dict[str, list[Event]] = {}
    cancelled: dict[str, list[Event]] = {}
    for event in events:
        (cancelled if id(event) in cancelling else series).setdefault(_uid(event), []).append(event)
    out: list[Record] = []
    for uid, group in series.items():
        out += _series(uid, group)
    for uid, group in cancelled.items():
        out += _cancellations(uid, group)
    return out


def _cancellations(uid: str, group: list[Event]) -> list[Record]:
    """An iTIP CANCEL message: the series (an event without RECURRENCE-ID) or single dates of it
    are cancelled; nothing else about them is taken from it (such messages carry little)."""
    title = line(group[0].get("SUMMARY"), records.TITLE)
    out: list[Record] = []
    days: set[date] = set()
    for event in group:
        if "RECURRENCE-ID" not in event:
            out.append(
                Record(key=_key(uid), ref=f"UID {uid}", title=title, cancelled=True, partial=True)
            )
            continue
        rid = event.get("RECURRENCE-ID").dt
        days.add(local(rid).date())
        out.append(_instance_cancelled(uid, rid, title))
    if days and not any(r.key == _key(uid) for r in out):
        out.append(
            Record(key=_key(uid), ref=f"UID {uid}", title=title, partial=True, cancelled_days=days)
        )
    return out


def _instance_cancelled(uid: str, rid: date | datetime, title: str) -> Record:
    """A changed date of a series that had become an offer of its own is cancelled with it."""
    return Record(
        key=_key(uid, _stamp(rid)),
        ref=f"UID {uid}, date {local(rid):%Y-%m-%d %H:%M}",
        title=title,
        cancelled=True,
        partial=True,
        quiet=True,
    )


def _check_nesting(text: str) -> None:
    """Every BEGIN has its END: a file cut off in transfer is refused, not half imported."""
    open_blocks: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        name, _, value = raw.partition(":")
        name, value = name.strip().upper(), value.strip().upper()
        if name == "BEGIN":
            open_blocks.append(value)
        elif name == "END":
            if not open_blocks or open_blocks[-1] != value:
                raise FileProblem(
                    f"damaged calendar: line {number} ends {value} "
                    f"where {open_blocks[-1] if open_blocks else 'nothing'} is open"
                )
            open_blocks.pop()
    if open_blocks:
        raise FileProblem(f"the file ends inside {open_blocks[-1]} (cut off?)")


def _problems(event: Event, *, cancel: bool = False) -> list[str]:
    """What makes an event unreadable: broken dates or rules, or no start at all (which a
    cancellation may leave out)."""
    where = _where(event)
    found = [
        f"{where}: {name}: {_first_line(message)}"
        for name, message in event.errors
        if name in _CHECKED
    ]
    if cancel:
        return found
    if "DTSTART" not in event:
        found.append(f"{where}: no start (DTSTART)")
    elif not found:
        try:
            event.start, event.end  # noqa: B018 (both must be computable)
        except (ValueError, TypeError, AttributeError) as exc:
            found.append(f"{where}: {_first_line(exc)}")
    return found


def _series(uid: str, group: list[Event]) -> list[Record]:
    """A series (or single event) with its changed dates: one offer each, the changed dates
    taken out of the series as exceptions, cancelled dates only as exceptions."""
    mains = [e for e in group if "RECURRENCE-ID" not in e]
    changes = [e for e in group if "RECURRENCE-ID" in e]
    out: list[Record] = []
    main = None
    if mains:
        # The same UID twice is an export error; the newest (SEQUENCE, then last) counts.
        mains.sort(key=_sequence)
        main = mains[-1]
        out += [_duplicate(e) for e in mains[:-1]]
    head = None
    if main is not None:
        head = _record(main, _key(uid), f"UID {uid}")
        out.append(head)
        out += _extra_dates(main, uid, head)
    orphan_days: set[date] = set()  # cancelled dates of a series that is not in the file
    for change in changes:
        rid = change.get("RECURRENCE-ID").dt
        day = local(rid).date()
        if _cancelled(change) or (head is not None and head.cancelled):
            # The date is cancelled, and so is an offer made for it when it was changed earlier.
            if head is None:
                orphan_days.add(day)
            elif head.rrule and not head.cancelled:
                head.cancelled_days.add(day)
            out.append(
                _instance_cancelled(
                    uid,
                    rid,
                    line(change.get("SUMMARY") or (main or change).get("SUMMARY"), records.TITLE),
                )
            )
            continue
        if head is not None and head.rrule:
            head.exdates.add(day)  # moved: an offer of its own below
            head.moved.add(day)
        record = _record(
            change,
            _key(uid, _stamp(rid)),
            f"UID {uid}, date {local(rid):%Y-%m-%d %H:%M}",
            main=main,
            single=True,
        )
        out.append(record)
    if orphan_days:
        out.append(
            Record(
                key=_key(uid),
                ref=f"UID {uid}",
                title=line(changes[0].get("SUMMARY"), records.TITLE),
                partial=True,
                quiet=True,
                cancelled_days=orphan_days,
            )
        )
    return out


def _extra_dates(event: Event, uid: str, head: Record) -> list[Record]:
    """RDATE: dates added to a series by hand (Thunderbird's "custom dates"), one offer each."""
    out = []
    for start, end in event.rdates:
        if isinstance(end, timedelta):  # a PERIOD given as start and duration
            end = start + end
        key = _key(uid, "rdate-" + _stamp(start))
        ref = f"UID {uid}, added date {local(start):%Y-%m-%d %H:%M}"
        if head.cancelled:
            out.append(
                Record(key=key, ref=ref, title=head.title, cancelled=True, partial=True, quiet=True)
            )
            continue
        if local(start).date() in head.exdates | head.cancelled_days:
            continue
        out.append(_record(event, key, ref, single=True, when=(start, end)))
    return out


def _record(
    event: Event,
    key: str,
    ref: str,
    *,
    main: Event | None = None,
    single: bool = False,
    when: When | None = None,
) -> Record:
    def get(name: str) -> Any:
        if name in event or main is None:
            return event.get(name)
        return main.get(name)

    title = line(get("SUMMARY"), records.TITLE)
    record = Record(key=key, ref=ref, title=title)
    description = paragraph(get("DESCRIPTION") or get("X-ALT-DESC"), records.DESCRIPTION)
    record.description = description
    record.category = category_of(_categories(get("CATEGORIES")), title)
    record.organiser = _organiser(get("ORGANIZER"))
    record.contact = contact_line(_first(get("CONTACT")), get("URL"))
    record.cost, record.price = cost_in(description)
    record.location = paragraph(get("LOCATION"), 400)
    record.geo = _geo(get("GEO"))
    record.cancelled = _cancelled(event)
    if not title:
        record.skip = "no title (SUMMARY)"
    if str(get("CLASS") or "").upper() in ("PRIVATE", "CONFIDENTIAL"):
        record.skip = f"marked private (CLASS:{str(get('CLASS')).upper()})"
    _schedule(event, record, single, when)
    return record


def _schedule(event: Event, record: Record, single: bool, when: When | None) -> None:
    start_value, end_value = when if when else (event.start, event.end)
    if when and end_value is None:
        end_value = start_value + event.duration
    all_day = not isinstance(start_value, datetime)
    record.start = local(start_value)
    rules = [] if single else list(event.rrules)
    if len(rules) > 1:
        record.skip = record.skip or "several repeat rules (RRULE) in one event"
        return
    if all_day:
        days = (
            (end_value - start_value).days
            if isinstance(end_value, date) and not isinstance(end_value, datetime)
            else 1
        )
        days = max(days, 1)
        record.duration = timedelta(hours=24)
        if days > 1:
            if rules:
                record.skip = record.skip or "an all-day event over several days that repeats"
                return
            if days > MAX_DAYS:
                record.skip = record.skip or f"all-day event over {days} days"
                return
            record.rrule = f"FREQ=DAILY;COUNT={days}"  # one gathering a day, midnight to midnight
    else:
        duration = (
            local(end_value) - record.start if isinstance(end_value, datetime) else timedelta(0)
        )
        record.duration = duration if duration > timedelta(0) else DEFAULT_DURATION
        if record.duration > MAX_DURATION:
            record.skip = record.skip or f"lasts longer than 24 hours ({_hours(record.duration)})"
            return
    if rules:
        record.rrule, why_not = stored_rule(dict(rules[0]), record.start, record.duration)
        if why_not:
            record.skip = record.skip or why_not
            return
    if not single:
        record.exdates |= {local(d).date() for d in event.exdates}


def _duplicate(event: Event) -> Record:
    title = line(event.get("SUMMARY"), records.TITLE)
    # No key: a duplicate must not touch the offer of the event it duplicates.
    return Record(
        key="",
        ref=f"UID {_uid(event)}",
        title=title,
        skip="the same UID appears again in the file (the newer one is used)",
    )


def _sequence(event: Event) -> int:
    try:
        return int(event.get("SEQUENCE", 0) or 0)
    except (TypeError, ValueError):
        return 0


def _uid(event: Event) -> str:
    uid = " ".join(str(event.get("UID") or "").split())
    if uid:
        return uid
    # No UID (not allowed, but seen): the title and start make the best stable key we have.
    start = event.get("DTSTART").to_ical().decode() if "DTSTART" in event else ""
    raw = f"{event.get('SUMMARY') or ''}|{start}"
    return "nouid-" + hashlib.sha256(raw.encode()).hexdigest()[:24]


def _key(uid: str, instance: str | None = None) -> str:
    key = uid if instance is None else f"{uid}#{instance}"
    return key if len(key) <= records.KEY else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _stamp(value: date | datetime) -> str:
    """A date of a series as a stable text: UTC for aware times, as written otherwise."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return value.strftime("%Y%m%dT%H%M%S")
    return value.strftime("%Y%m%d")


def _cancelled(event: Event) -> bool:
    return str(event.get("STATUS") or "").upper() == "CANCELLED"


def _categories(value: Any) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    names = []
    for v in values:
        names += [str(c) for c in getattr(v, "cats", [v])]
    return names


def _organiser(value: Any) -> str:
    if value is None:
        return ""
    name = str(value.params.get("CN", "")) if hasattr(value, "params") else ""
    # A bare address or a CN that is one is a person's e-mail, not an organiser's name.
    return "" if "@" in name else line(name, records.ORGANISER)


def _first(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


def _geo(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    lat, lon = float(value.latitude), float(value.longitude)
    return None if (lat, lon) == (0.0, 0.0) else (lat, lon)  # 0;0 is a placeholder, not a place


def _where(event: Event) -> str:
    title = line(event.get("SUMMARY"), 60)
    uid = line(event.get("UID"), 80)
    return f"event {title!r} (UID {uid})" if uid else f"event {title!r}"


def _hours(duration: timedelta) -> str:
    return f"{duration.total_seconds() / 3600:.0f} h"


def _first_line(exc: BaseException | str) -> str:
    return line(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 200)
