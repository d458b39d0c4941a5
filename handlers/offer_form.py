"""The questions an organiser answers about an offer, and how each answer is read.

Shared by posting (`/neu`, handlers.posting) and changing an offer (`/meine`,
handlers.managing): each field has a question with its buttons and readers for typed text,
a shared location and its buttons. A reader returns the changes to the draft, or a friendly
problem; nothing is stored until the whole answer is good.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from markupsafe import Markup
from pydantic import field_validator

from models import Cost, Offer
from models.accessibility import TAGS, Wheelchair, YesNo, osm_value
from models.categories import BY_KEY, CATEGORIES, category
from models.geo import in_service_area
from models.schedule import Schedule

from .buttons import button_data
from .context import Turn
from .dialogue import Data
from .formatting import bold, lines
from .i18n import N_
from .keywords import read_request
from .messages import Button, Reply
from .text import clean, shorten
from .when import NotUnderstood, confirm, explain, parse_when, schedule_words

LIMITS = {"title": 120, "description": 1500, "venue_name": 120, "address": 200, "contact": 200,
          "price": 60, "organiser": 120}
MIN_TITLE, MIN_DESCRIPTION = 3, 10
# Web addresses (not e-mail addresses): only trusted organisers may put links into offers.
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
_LINK = re.compile(r"(https?:|www\.|t\.me/|\b[\w-]{2,}\.(de|com|org|net|info|eu|ly|io|me|app|shop)\b)",
                   re.IGNORECASE)
# Button -> (Offer column, OpenStreetMap/Wheelmap value it sets; pressed again: not stated).
ACCESS = {"wy": ("wheelchair", "yes"), "wl": ("wheelchair", "limited"), "wn": ("wheelchair", "no"),
          "t": ("toilets_wheelchair", "yes"), "h": ("audio_loop", "yes")}
ACCESS_LABELS = {"wy": N_("Wheelchair: yes"), "wl": N_("Wheelchair: limited"),
                 "wn": N_("Wheelchair: no"), "t": N_("Wheelchair-accessible toilet"),
                 "h": N_("Hearing loop (audio loop)")}
FIELD_NAMES = {  # what the "change" buttons say
    "category": N_("Kind"), "title": N_("Title"), "description": N_("Description"),
    "when": N_("Date and time"), "where": N_("Place"), "access": N_("Accessibility"),
    "cost": N_("Cost"), "organiser": N_("Who invites"), "contact": N_("Contact"),
}
ORDER = ("category", "title", "description", "when", "where", "access", "cost", "organiser", "contact")
SKIPPABLE = frozenset({"access", "cost", "organiser", "contact"})


class Draft(Data):
    """An offer being written: every answer so far. Kept until it is sent or thrown away,
    even when the organiser does something else in between."""

    key = "draft"

    field: str = "category"  # the question being asked
    offer_id: int | None = None  # changing this stored offer instead of writing a new one
    category: str | None = None
    title: str | None = None
    description: str | None = None
    start: datetime | None = None  # Berlin wall clock, naive
    duration_minutes: int | None = None
    rrule: str | None = None
    exdates: tuple[date, ...] = ()
    venue_name: str = ""
    address: str = ""
    place_name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    wheelchair: str | None = None  # OSM values, see models.accessibility
    toilets_wheelchair: str | None = None
    audio_loop: str | None = None
    cost: str = Cost.FREE.value
    price: str = ""
    organiser: str = ""
    contact: str = ""
    revisit: bool = False  # one answer changed from the preview: back to the preview after it

    @field_validator("field", mode="before")
    @classmethod
    def _field(cls, value: object) -> str:
        return value if value in (*ORDER, "where_name", "price", "preview") else "category"

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: object) -> str | None:
        return value if value in BY_KEY else None

    @property
    def schedule(self) -> Schedule | None:
        if self.start is None or self.duration_minutes is None:
            return None
        return Schedule(start=self.start, duration=timedelta(minutes=self.duration_minutes),
                        rrule=self.rrule, exdates=frozenset(self.exdates))

    def missing(self) -> str | None:
        """The first question still without an answer (skippable ones have defaults)."""
        for name, value in (("category", self.category), ("title", self.title),
                            ("description", self.description), ("when", self.start),
                            ("where", self.place_name)):
            if value is None:
                return name
        return None

    def as_offer(self) -> Offer:
        """An Offer with these answers (not added to any session)."""
        return Offer(
            title=self.title or "", description=self.description or "", category=self.category or "other",
            venue_name=self.venue_name, address=self.address, place_name=self.place_name or "",
            latitude=self.latitude or 0.0, longitude=self.longitude or 0.0,
            wheelchair=Wheelchair(self.wheelchair) if self.wheelchair else None,
            toilets_wheelchair=YesNo(self.toilets_wheelchair) if self.toilets_wheelchair else None,
            audio_loop=YesNo(self.audio_loop) if self.audio_loop else None, cost=Cost(self.cost), price=self.price,
            organiser=self.organiser, contact=self.contact, starts_local=self.start, duration_minutes=self.duration_minutes or 120,
            rrule=self.rrule, exdates=[d.isoformat() for d in sorted(self.exdates)], is_example=False,
        )

    @classmethod
    def of(cls, offer: Offer) -> Draft:
        """The answers of a stored offer, to change one of them."""
        return cls(
            field="preview", offer_id=offer.id, category=offer.category, title=offer.title,
            description=offer.description, start=offer.starts_local, duration_minutes=offer.duration_minutes,
            rrule=offer.rrule, exdates=tuple(date.fromisoformat(d) for d in offer.exdates or ()),
            venue_name=offer.venue_name, address=offer.address, place_name=offer.place_name,
            latitude=offer.latitude, longitude=offer.longitude,
            **{column: osm_value(column, getattr(offer, column)) for column in TAGS.values()},
            cost=offer.cost.value, price=offer.price, organiser=offer.organiser,
            contact=offer.contact,
        )


@dataclass(frozen=True)
class Problem:
    """Why an answer was not taken; shown with the question again."""

    text: Markup


Answer = dict | Problem  # changes to the draft, or why not


def has_link(text: str) -> bool:
    return bool(_LINK.search(_EMAIL.sub(" ", text)))


def _text(turn: Turn, field: str, typed: str, *, minimum: int = 1, multiline: bool = False,
          links: bool) -> Answer:
    t = turn.t
    value = clean(typed, multiline=multiline)
    limit = LIMITS[field]
    if len(value) < minimum:
        return Problem(t("That is a little short – please write a few more words."))
    if len(value) > limit:
        return Problem(t("That is {count} characters long; at most {limit} fit here. "
                         "Please write it a little shorter.", count=len(value), limit=limit))
    if has_link(value) and not links:
        return links_problem(turn)
    return {field: value}


def links_problem(turn: Turn) -> Problem:
    return Problem(turn.t("Web links are only possible for organisers a moderator knows. "
                          "Please leave the link out – a phone number or e-mail address is fine."))


# --- reading answers ----------------------------------------------------------------------

def read_category(turn: Turn, typed: str) -> Answer:
    wish = read_request(typed)
    if wish.categories and not wish.place:
        return {"category": wish.categories[0]}
    for kind in CATEGORIES:
        if clean(typed).casefold() in (kind.key, str(turn.t(kind.name)).casefold()):
            return {"category": kind.key}
    return Problem(turn.t("Please choose one of the kinds with a button."))


def read_when(turn: Turn, typed: str) -> Answer:
    understood = parse_when(clean(typed), turn.now)
    if isinstance(understood, NotUnderstood):
        return Problem(Markup(explain(turn.t, understood)))
    schedule = understood.schedule
    return {"start": schedule.start, "duration_minutes": int(schedule.duration.total_seconds() // 60),
            "rrule": schedule.rrule, "exdates": tuple(sorted(schedule.exdates)),
            "_confirm": confirm(turn.t, understood, turn.now)}


def read_where(turn: Turn, typed: str) -> Answer:
    """"Gemeindehaus, Marktplatz 4, 06484 Quedlinburg": the town (or postcode) is found offline
    from the end; what comes before it is the venue and the street."""
    t = turn.t
    parts = [p.strip() for p in re.split(r"[,\n;]+", clean(typed, multiline=True)) if p.strip()]
    if not parts or len(parts) > 6:
        return Problem(t("Please write the place like this: “Parish hall, Marktplatz 4, Quedlinburg”."))
    for index in range(len(parts) - 1, -1, -1):
        found = turn.app.places.resolve(parts[index])
        if found.status == "found" and found.place and found.place.kind != "coordinates":
            place = found.place
            before = parts[:index]
            venue, address = "", ""
            if len(before) >= 2:
                venue, address = before[0], ", ".join(before[1:])
            elif len(before) == 1:  # "Marktplatz 4" is a street, "Pfarrhaus" a venue
                venue, address = ("", before[0]) if any(ch.isdigit() for ch in before[0]) else (before[0], "")
            town = _town_name(place)
            if len(venue) > LIMITS["venue_name"] or len(address) > LIMITS["address"]:
                return Problem(t("That is a little long – please write just the venue, the street and the town."))
            if (has_link(venue) or has_link(address)) and not _links_allowed(turn):
                return links_problem(turn)
            return {"venue_name": venue, "address": address, "place_name": town,
                    "latitude": place.lat, "longitude": place.lon, "_geocode": True}
    return Problem(t("I could not find the town. Please end with the town or the postcode, e.g. "
                     "“Parish hall, Marktplatz 4, 06484 Quedlinburg” – or share the location."))


def _town_name(place) -> str:
    """A postcode place is named "06484 Quedlinburg"; the offer's town is "Quedlinburg"."""
    name = place.name
    return name.split(" ", 1)[1] if place.kind == "postcode" and " " in name else name


def read_location(turn: Turn, lat: float, lon: float) -> Answer:
    if not in_service_area(lat, lon):
        return Problem(turn.t("Nahbar knows meetings in Germany. Please share a place in Germany."))
    town = turn.app.places.nearest(lat, lon)
    # A venue is a public place: kept to about 10 m so people find the door.
    return {"latitude": round(lat, 4), "longitude": round(lon, 4), "place_name": town.name if town else "",
            "venue_name": "", "address": ""}


def read_where_name(turn: Turn, typed: str) -> Answer:
    parts = [p.strip() for p in clean(typed).split(",", 1)]
    venue, address = (parts + [""])[:2]
    if len(venue) > LIMITS["venue_name"] or len(address) > LIMITS["address"]:
        return Problem(turn.t("That is a little long – please write just the venue and the street."))
    if (has_link(venue) or has_link(address)) and not _links_allowed(turn):
        return links_problem(turn)
    return {"venue_name": venue, "address": address}


_FREE = {"kostenlos", "frei", "umsonst", "gratis", "free", "nichts", "0", "0 €", "eintritt frei"}
_DONATION = {"spende", "spenden", "auf spende", "spende willkommen", "donation", "donations"}


def read_cost(turn: Turn, typed: str) -> Answer:
    words = clean(typed).casefold()
    if words in _FREE:
        return {"cost": Cost.FREE.value, "price": ""}
    if words in _DONATION:
        return {"cost": Cost.DONATION.value, "price": ""}
    answer = _text(turn, "price", typed, links=_links_allowed(turn))
    return answer if isinstance(answer, Problem) else {"cost": Cost.PRICE.value, **answer}


def read_text(field: str):
    def read(turn: Turn, typed: str) -> Answer:
        return _text(turn, field, typed, minimum={"title": MIN_TITLE, "description": MIN_DESCRIPTION}.get(field, 1),
                     multiline=field == "description", links=_links_allowed(turn))
    return read


def _links_allowed(turn: Turn) -> bool:
    return turn.app.rights.publishes_directly(turn.user)


READERS = {
    "category": read_category, "title": read_text("title"), "description": read_text("description"),
    "when": read_when, "where": read_where, "where_name": read_where_name, "cost": read_cost,
    "price": read_cost, "organiser": read_text("organiser"), "contact": read_text("contact"),
}


# --- asking -------------------------------------------------------------------------------

def question(turn: Turn, draft: Draft, field: str, venues: list | None = None) -> tuple[Markup, list]:
    """The question for `field` and its own buttons (navigation is added by the caller)."""
    t = turn.t
    if field == "category":
        rows = [(Button(f"{c.emoji} {t(c.name)}", button_data("nc", c.key)),) for c in CATEGORIES]
        return t("What kind of meeting is it?"), rows
    if field == "title":
        return t("What is it called? A short title, e.g. “Advent café in the parish hall”."), []
    if field == "description":
        return t("Describe it in a few sentences: what happens, who is welcome, what to bring?"), []
    if field == "when":
        return t("When does it take place? Write it as you would say it, e.g. “Tuesday 3 pm”, "
                 "“12.12. 14:30–16:00” or “every first Saturday of the month 10 am”."), []
    if field == "where":
        rows = [(Button(f"📍 {shorten(', '.join(p for p in (v.venue_name, v.address, v.place_name) if p), 50)}",
                        button_data("nv", v.offer_id)),) for v in venues or ()]
        text = t("Where does it take place? Write the venue, street and town, e.g. "
                 "“Parish hall, Marktplatz 4, 06484 Quedlinburg” – or share the location.")
        if rows:
            text += Markup("\n") + t("Or choose one of your earlier places:")
        return text, rows
    if field == "where_name":
        return t("Thank you! What is the venue called, and its street? e.g. “Parish hall, Marktplatz 4”."), []
    if field == "access":
        rows = [(Button(("✅ " if getattr(draft, column) == value else "◻️ ") + t(ACCESS_LABELS[k]),
                        button_data("na", k)),) for k, (column, value) in ACCESS.items()]
        return t("Accessibility, in Wheelmap's words. Wheelchair “yes”: entrance without steps, all "
                 "rooms step-free. “limited”: one step of at most 7 cm at the entrance, the main rooms "
                 "step-free. “no”: more steps. Is there a wheelchair-accessible toilet, a hearing loop? "
                 "Choose what applies, then “Next”."), rows
    if field == "cost":
        rows = [(Button(t("Free of charge"), button_data("nk", "free")),
                 Button(t("Donations welcome"), button_data("nk", "donation"))),
                (Button(t("It costs something"), button_data("nk", "price")),)]
        return t("Does it cost anything?"), rows
    if field == "price":
        return t("What does it cost? e.g. “3 € with coffee and cake”."), []
    if field == "organiser":
        return t("Who invites? e.g. “Heimatverein Ditfurt” or “Parish of St. Mary” – or “skip”."), []
    if field == "contact":
        return t("How can people reach you with questions? A phone number or e-mail address, "
                 "or “skip”."), []
    raise ValueError(field)


def preview_text(turn: Turn, draft: Draft) -> Markup:
    """The offer exactly as residents will see it, with a heading."""
    from .offer_detail import detail_view  # the one place that renders an offer

    schedule = draft.schedule
    upcoming = []
    if schedule is not None:
        upcoming = schedule.occurrences(turn.now, turn.now + timedelta(days=400))[:3]
    return lines([bold(turn.t("Preview – this is how residents will see it:")), "",
                  detail_view(turn, draft.as_offer(), upcoming, distance_from_search=False)])


def when_words(turn: Turn, draft: Draft) -> str:
    schedule = draft.schedule
    return schedule_words(turn.t, schedule, turn.now) if schedule else ""


def reply(text: Markup, rows: list, *, edit: bool = False) -> Reply:
    return Reply(text, buttons=tuple(tuple(r) for r in rows), edit=edit)


def category_label(turn: Turn, key: str | None) -> str:
    kind = category(key or "other")
    return f"{kind.emoji} {turn.t(kind.name)}"
