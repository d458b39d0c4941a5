"""The offer as a form (handlers.forms): its fields, the question for each, and how a message is
read into them.

Shared by posting (`/neu`, handlers.posting), changing an offer (`/meine`, handlers.managing) and
ideas (handlers.ideas, which reuse the title and description rules), so the offer's field list
exists once. A reader returns the changes to the draft, or a friendly problem; nothing is stored
until the whole answer is good. A whole message is read by handlers.offer_reading.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal

from markupsafe import Markup
from pydantic import field_validator

from models import Cost, Offer, OfferStatus
from models.accessibility import osm_value
from models.categories import BY_KEY, CATEGORIES, category
from models.geo import in_service_area
from models.proposals import EDITABLE, ENUMS
from models.schedule import Schedule

from .access import ACCESS, ACCESS_LABELS, COLUMNS, access_rows, read_access, ticked
from .buttons import ButtonData, Id, OneOf
from .context import Turn
from .dialogue import Note
from .formatting import bold, lines
from .forms import Changes, Field, Form, Found, Problem
from .i18n import N_
from .messages import Button, Reply
from .offer_reading import NOT_A_NAME, OfferParts, kind_of, read_offer
from .text import clean, shorten
from .when import NotUnderstood, amend, confirm, explain, schedule_words

if TYPE_CHECKING:
    from models.organising import Venue

    from .address import Address

LIMITS = {
    "title": 120,
    "description": 1500,
    "venue_name": 120,
    "address": 200,
    "contact": 200,
    "price": 60,
    "organiser": 120,
}
MIN_TITLE, MIN_DESCRIPTION = 3, 10
# Web addresses (not e-mail addresses): only trusted organisers may put links into offers.
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
_LINK = re.compile(
    r"(https?:|www\.|t\.me/|\b[\w-]{2,}\.(de|com|org|net|info|eu|ly|io|me|app|shop)\b)",
    re.IGNORECASE,
)
FORM: Form[Draft] = Form(
    (
        Field("category", N_("Kind")),
        Field("title", N_("Title"), free_text=True),
        Field("description", N_("Description"), free_text=True),
        Field("when", N_("Date and time"), filled=lambda d: d.start is not None),
        Field("where", N_("Place"), filled=lambda d: d.place_name is not None),
        Field(
            "access",
            N_("Accessibility"),
            optional=True,
            filled=lambda d: any(getattr(d, column) is not None for column in COLUMNS),
        ),
        Field("cost", N_("Cost"), optional=True, filled=lambda d: d.cost != Cost.NOT_STATED.value),
        Field("organiser", N_("Who invites"), optional=True, free_text=True),
        Field("contact", N_("Contact"), optional=True, free_text=True),
    )
)
FIELD_NAMES = {f.name: f.label for f in FORM}  # what the "change" buttons say
ORDER = tuple(f.name for f in FORM)
SKIPPABLE = frozenset(f.name for f in FORM if f.optional)
# Questions that are not fields of their own: the venue after a shared location, the price after
# "it costs something", all optional details at once, and the preview.
STEPS = (*ORDER, "where_name", "price", "details", "preview")


# The form's buttons; handlers.posting answers them (and checks the step it waits in).
class Navigate(ButtonData, prefix="np"):
    action: Literal[
        "resume",
        "fresh",
        "back",
        "cancel",
        "discard",
        "skip",
        "next",
        "last",
        "send",
        "details",
        "edit",
        "preview",
    ]


class ChooseKind(ButtonData, prefix="nc"):
    kind: Annotated[str, OneOf(tuple(BY_KEY))]


class ChooseVenue(ButtonData, prefix="nv"):
    """One of the person's earlier venues, named by the offer it was for."""

    offer: Id


class ChooseCost(ButtonData, prefix="nk"):
    cost: Literal["free", "donation", "price"]


class EditField(ButtonData, prefix="ne"):
    field: Annotated[str, OneOf(ORDER)]


class Draft(Note):
    """An offer being written: every answer so far. Kept until it is sent or thrown away,
    even when the organiser does something else in between."""

    key = "draft"
    version = 2  # 2: a cost not stated, the details asked at once

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
    cost: str = Cost.NOT_STATED.value
    price: str = ""
    organiser: str = ""
    contact: str = ""
    details_done: bool = False  # the optional details were offered (or given unasked)
    confirming: bool = False  # "throw the draft away?" was asked

    @field_validator("field", mode="before")
    @classmethod
    def _field(cls, value: object) -> str:
        return value if value in STEPS else "category"

    @field_validator("cost", mode="before")
    @classmethod
    def _cost(cls, value: object) -> str:
        return value if value in {c.value for c in Cost} else Cost.NOT_STATED.value

    @classmethod
    def upgrade(cls, raw: dict[str, Any], version: int) -> dict[str, Any] | None:
        """Version 1 asked access, cost, who invites and contact one by one, and a skipped cost
        was stored as free: a draft past those questions keeps its answers and goes on."""
        if version != 1:
            return None
        past = raw.get("field") in ("access", "cost", "price", "organiser", "contact", "preview")
        old_access = ("step_free", "accessible_toilet", "hearing_loop", "seating")
        kept = {k: v for k, v in raw.items() if k != "revisit" and k not in old_access}
        yes_no = {True: "yes", False: "no"}  # version 1 kept yes/no flags (before OSM values)
        for old, new in (
            ("step_free", "wheelchair"),
            ("accessible_toilet", "toilets_wheelchair"),
            ("hearing_loop", "audio_loop"),
        ):
            if raw.get(old) in yes_no and new not in kept:
                kept[new] = yes_no[raw[old]]
        return {**kept, "details_done": past}

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: object) -> str | None:
        return value if value in BY_KEY else None

    @property
    def schedule(self) -> Schedule | None:
        if self.start is None or self.duration_minutes is None:
            return None
        return Schedule(
            start=self.start,
            duration=timedelta(minutes=self.duration_minutes),
            rrule=self.rrule,
            exdates=frozenset(self.exdates),
        )

    def missing(self) -> str | None:
        """The first required question still without an answer."""
        field = FORM.missing(self)
        return field.name if field else None

    def as_offer(self) -> Offer:
        """An Offer with these answers (not added to any session)."""
        values = {column: getattr(self, _ANSWER.get(column, column)) for column in EDITABLE}
        for column, missing in _MISSING.items():
            values[column] = values[column] or missing
        for column, kind in ENUMS.items():  # the draft holds the plain values
            values[column] = kind(values[column]) if values[column] else None
        values["exdates"] = [d.isoformat() for d in sorted(self.exdates)]
        return Offer(**values, is_example=False)

    @classmethod
    def of(cls, offer: Offer) -> Draft:
        """The answers of a stored offer, to change one of them."""
        answers = {_ANSWER.get(column, column): getattr(offer, column) for column in EDITABLE}
        for column in ENUMS:
            answers[column] = osm_value(column, answers[column])
        answers["exdates"] = tuple(date.fromisoformat(d) for d in offer.exdates or ())
        return cls(field="preview", offer_id=offer.id, details_done=True, **answers)


# The offer's columns (models.proposals.EDITABLE) are the draft's answers of the same name,
# but for these; an answer not given yet stands for these values in an Offer.
_ANSWER = {"starts_local": "start"}
_MISSING = {
    "title": "",
    "description": "",
    "category": "other",
    "place_name": "",
    "latitude": 0.0,
    "longitude": 0.0,
    "duration_minutes": 120,
}


Answer = Changes | Problem  # changes to the draft, or why not
Reader = Callable[[Turn, str], Answer]


def has_link(text: str) -> bool:
    return bool(_LINK.search(_EMAIL.sub(" ", text)))


def _text(
    turn: Turn, field: str, typed: str, *, minimum: int = 1, multiline: bool = False, links: bool
) -> Answer:
    t = turn.t
    value = clean(typed, multiline=multiline)
    limit = LIMITS[field]
    if len(value) < minimum:
        return Problem(t("That is a little short – please write a few more words."))
    if len(value) > limit:
        return Problem(
            t(
                "That is {count} characters long; at most {limit} fit here. "
                "Please write it a little shorter.",
                count=len(value),
                limit=limit,
            )
        )
    if has_link(value) and not links:
        return links_problem(turn)
    return {field: value}


def links_problem(turn: Turn) -> Problem:
    return Problem(
        turn.t(
            "Web links are only possible for organisers a moderator knows. "
            "Please leave the link out – a phone number or e-mail address is fine."
        )
    )


# --- reading answers ----------------------------------------------------------------------


def read_category(turn: Turn, typed: str) -> Answer:
    kind = kind_of(typed)
    if kind is not None:
        return {"category": kind}
    for choice in CATEGORIES:
        if clean(typed).casefold() in (choice.key, str(turn.t(choice.name)).casefold()):
            return {"category": choice.key}
    return Problem(turn.t("Please choose one of the kinds with a button."))


def read_when(turn: Turn, typed: str, before: Schedule | None = None) -> Answer:
    """A schedule, or a change of part of one (`before`): "donnerstags" keeps the time."""
    understood = amend(before, clean(typed), turn.now)
    if isinstance(understood, NotUnderstood):
        return Problem(Markup(explain(turn.t, understood)))
    schedule = understood.schedule
    return {
        "start": schedule.start,
        "duration_minutes": int(schedule.duration.total_seconds() // 60),
        "rrule": schedule.rrule,
        "exdates": tuple(sorted(schedule.exdates)),
        "_confirm": confirm(turn.t, understood, turn.now),
    }


def read_where(turn: Turn, typed: str) -> Answer:
    """ "Gemeindehaus, Marktplatz 4, 06484 Quedlinburg", "im Pfarrhaus Blasiistr. 11 in
    Quedlinburg": venue, street and town in any order (handlers.address; the town offline)."""
    from .address import find_address

    found = find_address(clean(typed, multiline=True), turn.services.places, town_alone=True)
    if found is None:
        return Problem(
            turn.t(
                "I could not find the town. Please end with the town or the postcode, e.g. "
                "“Parish hall, Marktplatz 4, 06484 Quedlinburg” – or share the location."
            )
        )
    return where_changes(turn, found)


def where_changes(turn: Turn, found: Address) -> Answer:
    venue, address = found.venue, found.street
    if len(venue) > LIMITS["venue_name"] or len(address) > LIMITS["address"]:
        return Problem(
            turn.t("That is a little long – please write just the venue, the street and the town.")
        )
    if (has_link(venue) or has_link(address)) and not _links_allowed(turn):
        return links_problem(turn)
    return {
        "venue_name": venue,
        "address": address,
        "place_name": found.town,
        "latitude": found.place.lat,
        "longitude": found.place.lon,
        "_geocode": True,
    }


def read_location(turn: Turn, lat: float, lon: float) -> Answer:
    if not in_service_area(lat, lon):
        return Problem(turn.t("Nahbar knows meetings in Germany. Please share a place in Germany."))
    town = turn.services.places.nearest(lat, lon)
    # A venue is a public place: kept to about 10 m so people find the door.
    return {
        "latitude": round(lat, 4),
        "longitude": round(lon, 4),
        "place_name": town.name if town else "",
        "venue_name": "",
        "address": "",
    }


def read_where_name(turn: Turn, typed: str) -> Answer:
    parts = [p.strip() for p in clean(typed).split(",", 1)]
    venue, address = [*parts, ""][:2]
    if len(venue) > LIMITS["venue_name"] or len(address) > LIMITS["address"]:
        return Problem(
            turn.t("That is a little long – please write just the venue and the street.")
        )
    if (has_link(venue) or has_link(address)) and not _links_allowed(turn):
        return links_problem(turn)
    return {"venue_name": venue, "address": address}


_FREE = {
    "kostenlos",
    "frei",
    "umsonst",
    "gratis",
    "free",
    "nichts",
    "0",
    "0 €",
    "eintritt frei",
    "kostenfrei",
}
_DONATION = {"spende", "spenden", "auf spende", "spende willkommen", "donation", "donations"}


def read_cost(turn: Turn, typed: str) -> Answer:
    words = clean(typed).casefold()
    if words in _FREE:
        return {"cost": Cost.FREE.value, "price": ""}
    if words in _DONATION:
        return {"cost": Cost.DONATION.value, "price": ""}
    answer = _text(turn, "price", typed, links=_links_allowed(turn))
    return answer if isinstance(answer, Problem) else {"cost": Cost.PRICE.value, **answer}


def read_text(field: str) -> Reader:
    def read(turn: Turn, typed: str) -> Answer:
        return _text(
            turn,
            field,
            typed,
            minimum={"title": MIN_TITLE, "description": MIN_DESCRIPTION}.get(field, 1),
            multiline=field == "description",
            links=_links_allowed(turn),
        )

    return read


def _links_allowed(turn: Turn) -> bool:
    return turn.services.rights.publishes_directly(turn.user)


def read_message(turn: Turn, draft: Draft, typed: str, asking: str | None) -> Found:
    """Everything a message says about the offer, per field (handlers.forms decides what is
    taken): the question being asked reads its own answer; the other fields read the parts of
    the message handlers.offer_reading found for them."""
    text = clean(typed, multiline=asking == "description")
    parts = read_offer(
        text,
        turn.services.places,
        where_asked=asking in ("where", "where_name"),
        access_words=read_access,
    )
    found = Found()
    whole_offer = (
        len(parts.found - {"category", "title"}) >= 2
    )  # "Warme Stube jeden Dienstag … kostenlos"
    if parts.category and (asking == "category" or whole_offer):
        found.add("category", {"category": parts.category})
    if parts.title and whole_offer:
        found.add(
            "title",
            _text(turn, "title", parts.title, minimum=MIN_TITLE, links=_links_allowed(turn)),
        )
    if parts.when:
        when = read_when(turn, parts.when, draft.schedule)
        if isinstance(when, dict) or asking == "when":
            found.add("when", when)
    if parts.address is not None:
        found.add("where", where_changes(turn, parts.address))
    if parts.access:
        found.add("access", dict(parts.access))
    if parts.cost is not None:
        kind, price = parts.cost
        answer: Answer = {"cost": kind, "price": ""}
        if kind == Cost.PRICE.value:
            answer = _text(turn, "price", price, links=_links_allowed(turn))
            answer = answer if isinstance(answer, Problem) else {"cost": kind, **answer}
        found.add("cost", answer)
    if parts.contact:
        found.add("contact", _text(turn, "contact", parts.contact, links=_links_allowed(turn)))
    if parts.organiser and parts.organiser.casefold() not in ("wir", "ich", "we", "i"):
        found.add(
            "organiser", _text(turn, "organiser", parts.organiser, links=_links_allowed(turn))
        )
    # What is left of a details answer names who invites; so does a name beside a contact typed
    # at the preview while "who invites" is still open ("Pfarrer Müller, Tel. 03946 12345").
    names_who = asking == "details" or (
        asking is None
        and draft.field == "preview"
        and not draft.organiser
        and "contact" in found.answers
    )
    if names_who:
        rest = " ".join(
            w for w in re.split(r"[\s,;]+", parts.rest) if w and fold_word(w) not in NOT_A_NAME
        )
        if rest and "organiser" not in found.answers and len(rest) >= 3:
            found.add("organiser", _text(turn, "organiser", rest, links=_links_allowed(turn)))
    own = _own(turn, draft, text, asking, parts, found, whole_offer)
    if asking and own is not None:
        found.answers[asking] = own
    return found


def fold_word(word: str) -> str:
    return word.strip(".:!?()\"'„“”").casefold()


def _own(
    turn: Turn,
    draft: Draft,
    text: str,
    asking: str | None,
    parts: OfferParts,
    found: Found,
    whole_offer: bool,
) -> Answer | None:
    """The asked field's answer: the whole message for free text, else its part of the message."""
    if asking in ("description", "organiser", "contact", "where_name"):
        if found.answers and asking in ("organiser", "contact") and set(found.answers) - {asking}:
            return found.answers.get(asking)  # "kostenlos, Tel. 0391 …": the parts, not one name
        return READERS[asking](turn, text)
    if asking == "title":
        if whole_offer and parts.title:
            return found.answers.get("title")
        return READERS["title"](turn, text)
    if asking == "price":
        return found.answers.get("cost") if "cost" in found.answers else read_cost(turn, text)
    if asking in ("category", "when", "where", "access", "cost"):
        if asking in found.answers:
            return found.answers[asking]
        if found.answers:
            return None  # the message was about other fields: the question stays
        return READERS[asking](turn, text) if asking in READERS else None
    return None


READERS: dict[str, Reader] = {
    "category": read_category,
    "title": read_text("title"),
    "description": read_text("description"),
    "when": read_when,
    "where": read_where,
    "where_name": read_where_name,
    "cost": read_cost,
    "price": read_cost,
    "organiser": read_text("organiser"),
    "contact": read_text("contact"),
    "access": lambda turn, typed: (
        dict(read_access(typed)[0])
        or Problem(turn.t("Please choose with the buttons what applies, then “Next”."))
    ),
}


# --- asking -------------------------------------------------------------------------------


def question(
    turn: Turn, draft: Draft, field: str, venues: list[Venue] | None = None
) -> tuple[Markup, list[tuple[Button, ...]]]:
    """The question for `field` and its own buttons (navigation is added by the caller)."""
    t = turn.t
    rows: list[tuple[Button, ...]]
    if field == "category":
        rows = [
            (Button(f"{c.emoji} {t(c.name)}", ChooseKind(kind=c.key).pack()),) for c in CATEGORIES
        ]
        if draft.offer_id is not None:
            return t("What kind of meeting is it?"), rows
        return lines(
            [
                t("What kind of meeting is it?"),
                t(
                    "You can also write everything in one message, e.g. “Warme Stube every Tuesday "
                    "and Thursday 2–5 pm in the parish hall, Marktplatz 4, 06484 Quedlinburg, free "
                    "of charge”."
                ),
            ]
        ), rows
    if field == "title":
        return t("What is it called? A short title, e.g. “Advent café in the parish hall”."), []
    if field == "description":
        return t("Describe it in a few sentences: what happens, who is welcome, what to bring?"), []
    if field == "when":
        return t(
            "When does it take place? Write it as you would say it, e.g. “Tuesday 3 pm”, "
            "“12.12. 14:30–16:00” or “every first Saturday of the month 10 am”."
        ), []
    if field == "where":
        rows = [
            (
                Button(
                    "📍 "
                    + shorten(
                        ", ".join(p for p in (v.venue_name, v.address, v.place_name) if p), 50
                    ),
                    ChooseVenue(offer=v.offer_id).pack(),
                ),
            )
            for v in venues or ()
        ]
        text = t(
            "Where does it take place? Write the venue, street and town, e.g. "
            "“Parish hall, Marktplatz 4, 06484 Quedlinburg” – or share the location."
        )
        if rows:
            text += Markup("\n") + t("Or choose one of your earlier places:")
        return text, rows
    if field == "where_name":
        return t(
            "Thank you! What is the venue called, and its street? e.g. “Parish hall, Marktplatz 4”."
        ), []
    if field == "access":
        return t(
            "Accessibility, in Wheelmap's words. Wheelchair “yes”: entrance without steps, all "
            "rooms step-free. “limited”: one step of at most 7 cm at the entrance, the main rooms "
            "step-free. “no”: more steps. Is there a wheelchair-accessible toilet, a hearing loop? "
            "Choose what applies, then “Next”."
        ), access_rows(turn, draft)
    if field == "cost":
        return t("Does it cost anything?"), cost_rows(turn, draft)
    if field == "details":
        rows = [*access_rows(turn, draft), *cost_rows(turn, draft)]
        text = t(
            "A few details help people decide – all of them optional. What helps people with "
            "limited mobility or hearing? Wheelchair “yes”: entrance without steps, all rooms "
            "step-free; “limited”: one step of at most 7 cm, the main rooms step-free (as Wheelmap "
            "asks). Does it cost anything? Who invites, and how can people reach you? Tap what "
            "applies or write it, e.g. “Heimatverein Ditfurt, phone 03946 1234”."
        )
        return text, rows
    if field == "price":
        return t("What does it cost? e.g. “3 € with coffee and cake”."), []
    if field == "organiser":
        return t(
            "Who invites? e.g. “Heimatverein Ditfurt” or “Parish of St. Mary” – or “skip”."
        ), []
    if field == "contact":
        return t(
            "How can people reach you with questions? A phone number or e-mail address, or “skip”."
        ), []
    raise ValueError(field)


def cost_rows(turn: Turn, draft: Draft) -> list[tuple[Button, ...]]:
    t = turn.t

    def mark(kind: str) -> str:
        return "✅ " if draft.cost == kind else ""

    return [
        (
            Button(mark("free") + t("Free of charge"), ChooseCost(cost="free").pack()),
            Button(mark("donation") + t("Donations welcome"), ChooseCost(cost="donation").pack()),
        ),
        (Button(mark("price") + t("It costs something"), ChooseCost(cost="price").pack()),),
    ]


def current_value(turn: Turn, draft: Draft, field: str) -> str:
    """What a field says now (shown when it is changed in /meine)."""
    t = turn.t
    if field == "category":
        return category_label(turn, draft.category)
    if field == "when":
        return when_words(turn, draft)
    if field == "where":
        return ", ".join(draft.as_offer().where_parts())
    if field == "access":
        return ", ".join(str(t(ACCESS_LABELS[k])) for k in ACCESS if ticked(draft, k)) or str(
            t("not stated")
        )
    if field == "cost":
        return cost_words(turn, draft.cost, draft.price)
    value = getattr(draft, field, "") or ""
    return shorten(value, 200) if value else str(t("not stated"))


def cost_words(turn: Turn, cost: str, price: str) -> str:
    t = turn.t
    return str(
        {
            "free": t("free of charge"),
            "donation": t("donations welcome"),
            "not_stated": t("not stated"),
        }.get(cost)
        or price
        or t("costs something")
    )


def preview_text(turn: Turn, draft: Draft) -> Markup:
    """The offer exactly as residents will see it, with a heading."""
    from .offer_detail import detail_view  # the one place that renders an offer

    schedule = draft.schedule
    upcoming = []
    if schedule is not None:
        upcoming = schedule.occurrences(turn.now, turn.now + timedelta(days=400))[:3]
    return lines(
        [
            bold(turn.t("Preview – this is how residents will see it:")),
            "",
            detail_view(turn, draft.as_offer(), upcoming),
        ]
    )


def when_words(turn: Turn, draft: Draft) -> str:
    schedule = draft.schedule
    return schedule_words(turn.t, schedule, turn.now) if schedule else ""


def reply(text: Markup, rows: list[tuple[Button, ...]], *, edit: bool = False) -> Reply:
    return Reply(text, buttons=tuple(tuple(r) for r in rows), edit=edit)


def category_label(turn: Turn, key: str | None) -> str:
    kind = category(key or "other")
    return f"{kind.emoji} {turn.t(kind.name)}"


# What an offer's status means to its organiser (managing, privacy).
STATUS = {
    OfferStatus.DRAFT: N_("📝 please change – see the moderator's note"),
    OfferStatus.PENDING: N_("⏳ waiting for a moderator"),
    OfferStatus.PUBLISHED: N_("✅ published"),
    OfferStatus.PAUSED: N_("⏸ paused"),
    OfferStatus.CANCELLED: N_("🛑 cancelled"),
    OfferStatus.REJECTED: N_("❌ not published"),
}
