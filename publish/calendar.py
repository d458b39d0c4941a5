"""Offers as iCalendar (RFC 5545): one offer's file for "📅 add to my calendar", and feeds that
calendar apps subscribe to.

Every offer is one VEVENT with a stable UID (`offer-<id>@nahbar`), so importing or polling
again updates it. In feeds, SEQUENCE counts the changes residents were told of, a cancelled
offer is STATUS:CANCELLED and a single called-off date is an override with RECURRENCE-ID and
STATUS:CANCELLED; each coming event has a VALARM the day before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta

from icalendar import Alarm, Calendar, Event, vRecur

from handlers.text import clean
from models import Offer, OfferStatus
from models.public import Listed
from models.schedule import BERLIN, to_utc

PRODID = "-//Nahbar//Nahbar Treffen//DE"
UID_DOMAIN = "nahbar"
TIMEZONE_YEARS = 10
ALARM_BEFORE = timedelta(days=1)


def offer_calendar(offer: Offer, now: datetime, *, description: str = "") -> bytes:
    """A VCALENDAR with one VEVENT (and its VTIMEZONE) for the offer's whole schedule."""
    cal = _calendar()
    cal.add_component(_event(offer, now, description=description))
    _add_timezone(cal, [offer], now)
    return cal.to_ical()


def feed_calendar(
    listed: Iterable[Listed],
    now: datetime,
    *,
    name: str,
    describe: Callable[[Offer], str] = lambda offer: "",
    url: Callable[[Offer], str] | None = None,
    alarm_text: str = "",
) -> bytes:
    """A subscribable calendar of several offers, with changes and cancellations marked."""
    cal = _calendar()
    cal.add("x-wr-calname", clean(name)[:200])
    cal.add("x-wr-timezone", "Europe/Berlin")
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    offers = []
    for item in listed:
        offer = item.offer
        offers.append(offer)
        cancelled = offer.status is OfferStatus.CANCELLED
        called_off = set(item.cancelled_days)
        event = _event(
            offer,
            now,
            description=describe(offer),
            sequence=item.sequence,
            cancelled=cancelled,
            skip_exdates=called_off,
            url=url(offer) if url else "",
        )
        if not cancelled and alarm_text:
            event.add_component(_alarm(alarm_text))
        cal.add_component(event)
        if offer.rrule and not cancelled:
            start = offer.starts_local.replace(tzinfo=BERLIN)
            for day in sorted(called_off):
                cal.add_component(_called_off(offer, day, start.time(), now, item.sequence))
    _add_timezone(cal, offers, now)
    return cal.to_ical()


def uid(offer: Offer) -> str:
    return f"offer-{offer.id}@{UID_DOMAIN}"


def _calendar() -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    return cal


def _event(
    offer: Offer,
    now: datetime,
    *,
    description: str = "",
    sequence: int | None = None,
    cancelled: bool = False,
    skip_exdates: set[date] = frozenset(),
    url: str = "",
) -> Event:
    schedule = offer.schedule
    event = Event()
    event.add("uid", uid(offer))  # stable: importing again updates the entry
    event.add("dtstamp", now)
    # A one-off whose only date is cancelled is cancelled (a series keeps its dates as EXDATEs
    # or, in feeds, as cancelled overrides).
    cancelled = cancelled or (not schedule.rrule and schedule.start.date() in schedule.exdates)
    if sequence is not None:
        event.add("sequence", sequence)
        event.add("last-modified", offer.updated_at or now)
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    elif cancelled:
        event.add("status", "CANCELLED")
    event.add("summary", clean(offer.title))
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    location = _location(offer)
    if location:
        event.add("location", location)
    event.add("geo", (offer.latitude, offer.longitude))
    first = schedule.first_start()  # one of its dates, or calendar apps show a date that is none
    start = first.replace(tzinfo=BERLIN)
    event.add("dtstart", start)
    event.add("dtend", (first + schedule.duration).replace(tzinfo=BERLIN))
    if schedule.rrule:
        rule = vRecur.from_ical(schedule.rrule)
        until = rule.get("UNTIL")
        if until and isinstance(until[0], datetime) and until[0].tzinfo is None:
            rule["UNTIL"] = [to_utc(until[0])]  # RFC 5545: in UTC when DTSTART has a TZID
        event.add("rrule", rule)
        # Dates called off after publication are overrides marked cancelled (feeds), so a
        # subscriber sees "cancelled" rather than a date silently gone.
        skipped = sorted(set(schedule.exdates) - set(skip_exdates))
        if skipped:
            event.add("exdate", [_at(day, start.time()) for day in skipped])
    return event


def _called_off(offer: Offer, day: date, clock: time, now: datetime, sequence: int) -> Event:
    event = Event()
    event.add("uid", uid(offer))
    event.add("dtstamp", now)
    event.add("recurrence-id", _at(day, clock))
    event.add("sequence", sequence)
    event.add("status", "CANCELLED")
    event.add("summary", clean(offer.title))
    start = _at(day, clock)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=offer.duration_minutes))
    return event


def _alarm(text: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", clean(text)[:200])
    alarm.add("trigger", -ALARM_BEFORE)
    return alarm


def _add_timezone(cal: Calendar, offers: list[Offer], now: datetime) -> None:
    # Transitions from the first date for ten years keep the file small; calendars know
    # Europe/Berlin themselves, the VTIMEZONE is for the few that do not.
    first = min([o.starts_local.date() for o in offers] + [now.date()])
    cal.add_missing_timezones(
        first_date=date(first.year, 1, 1),
        last_date=date(max(first.year, now.year) + TIMEZONE_YEARS, 1, 1),
    )


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=BERLIN)


def _location(offer: Offer) -> str:
    return clean(", ".join(offer.where_parts()))
