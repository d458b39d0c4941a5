"""An offer as a calendar file (RFC 5545), for "📅 add to my calendar"."""

from __future__ import annotations

from datetime import date, datetime, time

from icalendar import Calendar, Event, vRecur

from models import Offer, OfferStatus
from models.schedule import BERLIN, to_utc

from .text import clean

PRODID = "-//Nahbar//Nahbar Treffen//DE"
UID_DOMAIN = "nahbar"
TIMEZONE_YEARS = 10


def offer_calendar(offer: Offer, now: datetime, *, description: str = "") -> bytes:
    """A VCALENDAR with one VEVENT (and its VTIMEZONE) for the offer's whole schedule."""
    schedule = offer.schedule
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")

    event = Event()
    event.add("uid", f"offer-{offer.id}@{UID_DOMAIN}")  # stable: importing again updates the entry
    event.add("dtstamp", now)
    event.add("summary", _clean(offer.title))
    if description:
        event.add("description", description)
    location = _location(offer)
    if location:
        event.add("location", location)
    event.add("geo", (offer.latitude, offer.longitude))
    start = schedule.start.replace(tzinfo=BERLIN)
    event.add("dtstart", start)
    event.add("dtend", (schedule.start + schedule.duration).replace(tzinfo=BERLIN))
    if schedule.rrule:
        rule = vRecur.from_ical(schedule.rrule)
        until = rule.get("UNTIL")
        if until and isinstance(until[0], datetime) and until[0].tzinfo is None:
            rule["UNTIL"] = [to_utc(until[0])]  # RFC 5545: in UTC when DTSTART has a TZID
        event.add("rrule", rule)
        skipped = sorted(schedule.exdates)  # the rule's exceptions and the cancelled dates
        if skipped:
            event.add("exdate", [_at(day, start.time()) for day in skipped])
    if offer.status is OfferStatus.CANCELLED or (not schedule.rrule and schedule.start.date() in schedule.exdates):
        event.add("status", "CANCELLED")  # a calendar that has it already shows it struck through
    cal.add_component(event)
    # Transitions from the first date for ten years keep the file small; calendars know
    # Europe/Berlin themselves, the VTIMEZONE is for the few that do not.
    first = min(schedule.start.date(), now.date())
    cal.add_missing_timezones(first_date=date(first.year, 1, 1),
                              last_date=date(max(first.year, now.year) + TIMEZONE_YEARS, 1, 1))
    return cal.to_ical()


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=BERLIN)


def _location(offer: Offer) -> str:
    return clean(", ".join(offer.where_parts()))


def _clean(text: str) -> str:
    return clean(text)
