"""The details of one offer: what, when (next dates), where, access, cost, contact; and what a
resident can do with it: add it to the calendar, see the place, pass it on."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup

from models import Cost, Offer
from models.categories import category
from models.listing import next_dates, visible_offer
from models.reminders import reminder_for
from places.geo import great_circle_km
from places.text import fold

from . import companion_lines, current_search
from .buttons import ButtonData, Id
from .context import Turn
from .dialogue import Feature, on, takes
from .formatting import bold, distance, italic, lines, when
from .handover import Back, OpenOffer, Remind, ShowOffer
from .last_shown import Shown
from .messages import Attachment, Button, Reply, Venue
from .offer_facts import access_lines, cost_words
from .recurrence_text import describe
from .text import clean, shorten

NEXT_DATES = 3
DESCRIPTION_LIMIT = 1500  # plain characters; escaping happens afterwards


class OfferCalendar(ButtonData, prefix="oc"):
    offer: Id


class OfferVenue(ButtonData, prefix="ov"):
    offer: Id


class ShareOffer(ButtonData, prefix="os"):
    offer: Id


def detail_view(
    turn: Turn,
    offer: Offer,
    upcoming: list[tuple[datetime, datetime]],
    *,
    around: current_search.Search | None = None,
) -> Markup:
    """An offer as residents see it, with its distance from `around` (the search in progress,
    if any; the organiser's preview, before the offer is stored, leaves it out)."""
    t = turn.t
    kind = category(offer.category)
    text: list[Markup | str] = [Markup("{} ").format(kind.emoji) + bold(offer.title, 120)]
    if fold(offer.title) != fold(str(t(kind.name))):  # "Warme Stube" titled "Warme Stube": once
        text.append(italic(t(kind.name)))
    if offer.is_example:
        text.append(t("ℹ️ <i>This is an example offer to show how Nahbar works.</i>"))
    if offer.description:
        text += ["", shorten(offer.description, DESCRIPTION_LIMIT, multiline=True)]
    text += [
        "",
        *_dates(turn, offer, upcoming),
        _where(turn, offer, around),
        *_facts(turn, offer),
    ]
    return lines(text)


async def show(turn: Turn, pressed: ShowOffer) -> list[Reply]:
    return await show_offer(turn, pressed.offer)


async def open_offer(turn: Turn, request: OpenOffer) -> list[Reply]:
    return await show_offer(turn, request.offer_id)


async def show_offer(turn: Turn, offer_id: int | None) -> list[Reply]:
    """An offer's details (also for a link "/start offer_<id>"; None: no such id)."""
    offer = await visible_offer(turn.session, offer_id) if offer_id is not None else None
    if offer is None:
        return _gone(turn)
    t = turn.t
    turn.put(Shown(offer_id=offer.id, at=turn.now))
    upcoming = await next_dates(turn.session, offer.id, turn.now, NEXT_DATES)
    around = current_search.current(turn)  # once: for the distance and the back button
    text = detail_view(turn, offer, upcoming, around=around)
    buttons: list[tuple[Button, ...]] = []
    if upcoming:
        reminded = await reminder_for(turn.session, turn.user.id, offer.id) is not None
        buttons.append(
            (
                Button(
                    t("🔔 Change reminder") if reminded else t("🔔 Remind me"),
                    Remind(offer=offer.id).pack(),
                ),
            )
        )
    buttons += [
        (
            Button(t("📅 Add to my calendar"), OfferCalendar(offer=offer.id).pack()),
            Button(t("📍 Show place"), OfferVenue(offer=offer.id).pack()),
        ),
        (Button(t("↗️ Share"), ShareOffer(offer=offer.id).pack()),),
    ]
    if upcoming:  # only where a companion could go along
        buttons[1:1] = await companion_lines.offer_button(turn, offer)
    if around is not None:
        buttons[-1] += (Button(t("🔙 Back"), Back().pack()),)
    return [Reply(text, buttons=tuple(buttons), edit=turn.msg.button is not None)]


async def calendar(turn: Turn, pressed: OfferCalendar) -> list[Reply]:
    offer = await visible_offer(turn.session, pressed.offer)
    if offer is None:
        return _gone(turn)
    from publish.calendar import offer_calendar  # icalendar: when a file is asked for

    t = turn.t
    content = offer_calendar(offer, turn.now, description=_plain_description(turn, offer))
    if offer.rrule:
        text = t(
            "📅 Here is “{title}” for your calendar. Open the file to add it – "
            "all dates are included.",
            title=shorten(offer.title, 120),
        )
    else:
        text = t(
            "📅 Here is “{title}” for your calendar. Open the file to add the date.",
            title=shorten(offer.title, 120),
        )
    return [
        Reply(
            text,
            attachment=Attachment(
                filename=f"nahbar-{offer.id}.ics", content=content, mime_type="text/calendar"
            ),
        )
    ]


async def venue(turn: Turn, pressed: OfferVenue) -> list[Reply]:
    offer = await visible_offer(turn.session, pressed.offer)
    if offer is None:
        return _gone(turn)
    parts = offer.where_parts()
    title = clean(offer.venue_name or offer.title)[:120]
    address = clean(", ".join(p for p in parts if p != " ".join(offer.venue_name.split())))[:200]
    text = lines(
        [
            turn.t("📍 This is where “{title}” takes place:", title=shorten(offer.title, 120)),
            shorten(", ".join(parts), 300),
        ]
    )
    return [
        Reply(
            text,
            venue=Venue(
                latitude=offer.latitude, longitude=offer.longitude, title=title, address=address
            ),
        )
    ]


async def share(turn: Turn, pressed: ShareOffer) -> list[Reply]:
    offer = await visible_offer(turn.session, pressed.offer)
    if offer is None:
        return _gone(turn)
    t = turn.t
    kind = category(offer.category)
    text: list[Markup | str] = [Markup("{} ").format(kind.emoji) + bold(offer.title, 120)]
    upcoming = await next_dates(turn.session, offer.id, turn.now, 1)
    where = shorten(offer.place_name, 80)
    if upcoming:
        text.append(t("{when} in {place}", when=when(t, *upcoming[0]), place=where))
    elif where:
        text.append(where)
    make_link = turn.services.share_links.get(turn.msg.platform)
    if make_link is not None:
        text.append(t("Details at Nahbar: {link}", link=make_link(offer.id)))
        hint = t("Forward this message to anyone who might like to come.")
    else:
        text.append(t("Details at Nahbar: write {command}", command=f"/start offer_{offer.id}"))
        hint = t("Pass this on to anyone who might like to come.")
    return [Reply(hint), Reply(lines(text))]


def _gone(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("Sorry, this offer does not exist (any more)."))]


def _plain_description(turn: Turn, offer: Offer) -> str:
    t = turn.t
    parts = [clean(offer.description)] if offer.description else []
    if offer.organiser:
        parts.append(
            str(t("👥 Organised by: {organiser}", organiser=clean(offer.organiser)).striptags())
        )
    if offer.contact:
        parts.append(str(t("☎️ Contact: {contact}", contact=clean(offer.contact)).striptags()))
    return "\n".join(parts)[:2000]


def _dates(turn: Turn, offer: Offer, upcoming: list[tuple[datetime, datetime]]) -> list[Markup]:
    t = turn.t
    out: list[Markup] = []
    rule = describe(t, offer.rrule, offer.starts_local) if offer.rrule else None
    if rule:
        out.append(Markup("🔁 {}").format(rule))
    if not upcoming:
        out.append(t("🗓 No upcoming dates."))
    elif len(upcoming) == 1:
        out.append(t("🗓 {when}", when=when(t, *upcoming[0])))
    else:
        out.append(t("🗓 Next dates:"))
        out += [Markup("    • {}").format(when(t, start, end)) for start, end in upcoming]
    return out


def _where(turn: Turn, offer: Offer, around: current_search.Search | None) -> Markup:
    line = Markup("📍 {}").format(shorten(", ".join(offer.where_parts()), 300))
    if around is not None:
        km = great_circle_km(around.lat, around.lon, offer.latitude, offer.longitude)
        line += Markup(" ({})").format(distance(turn.t, km))
    return line


def _facts(turn: Turn, offer: Offer) -> list[Markup]:
    t = turn.t
    out: list[Markup] = []
    out += access_lines(t, offer)
    if offer.cost is not Cost.NOT_STATED:  # nothing said about the cost: nothing shown
        out.append(Markup("💶 {}").format(cost_words(t, offer)))
    if offer.contact:
        out.append(t("☎️ Contact: {contact}", contact=shorten(offer.contact, 200)))
    if offer.organiser:
        out.append(t("👥 Organised by: {organiser}", organiser=shorten(offer.organiser, 120)))
    return out


FEATURE = Feature(
    name="offer_detail",
    buttons=(
        on(ShowOffer, show),
        on(OfferCalendar, calendar),
        on(OfferVenue, venue),
        on(ShareOffer, share),
    ),
    requests=(takes(OpenOffer, open_offer),),
)
