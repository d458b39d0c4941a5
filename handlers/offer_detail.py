"""The details of one offer: what, when (next dates), where, access, cost, contact."""

from __future__ import annotations

from geopy.distance import great_circle
from sqlalchemy import select

from models import Occurrence, Offer, OfferStatus
from models.categories import category

from .buttons import button_data
from .common import stale_button
from .context import Turn
from .formatting import distance, esc, when
from .ics import offer_calendar
from .messages import Attachment, Button, Reply, Venue
from .recurrence_text import describe

NEXT_DATES = 3


async def show(turn: Turn, argument: str) -> list[Reply]:
    offer = await _visible_offer(turn, argument)
    if offer is None:
        return _gone(turn, argument)
    t = turn.t
    kind = category(offer.category)
    lines = [f"{kind.emoji} <b>{esc(offer.title, 120)}</b>", f"<i>{esc(t(kind.name))}</i>"]
    if offer.is_example:
        lines.append(t("ℹ️ <i>This is an example offer to show how Nahbar works.</i>"))
    if offer.description:
        lines += ["", esc(offer.description, 1500, multiline=True)]
    lines += ["", *(await _dates(turn, offer)), *_where(turn, offer), *_facts(turn, offer)]
    buttons = [
        (Button(t("📅 Add to my calendar"), button_data("oc", offer.id)),
         Button(t("📍 Show place"), button_data("ov", offer.id))),
        (Button(t("↗️ Share"), button_data("os", offer.id)),),
    ]
    if turn.state.get("search"):
        buttons[-1] += (Button(t("🔙 Back"), "b"),)
    return [Reply("\n".join(lines), buttons=tuple(buttons), edit=turn.msg.button is not None)]


async def calendar(turn: Turn, argument: str) -> list[Reply]:
    offer = await _visible_offer(turn, argument)
    if offer is None:
        return _gone(turn, argument)
    t = turn.t
    content = offer_calendar(offer, turn.now, description=_plain_description(turn, offer))
    text = t("📅 Here is “{title}” for your calendar. Open the file to add it – "
             "all dates are included.", title=esc(offer.title, 120))
    return [Reply(text, attachment=Attachment(filename=f"nahbar-{offer.id}.ics", content=content,
                                              mime_type="text/calendar"))]


async def venue(turn: Turn, argument: str) -> list[Reply]:
    offer = await _visible_offer(turn, argument)
    if offer is None:
        return _gone(turn, argument)
    title = offer.venue_name or offer.title
    address = ", ".join(p for p in (offer.address, offer.place_name) if p)
    text = turn.t("📍 This is where “{title}” takes place:", title=esc(offer.title, 120))
    text += "\n" + esc(", ".join(p for p in (offer.venue_name, address) if p), 300)
    return [Reply(text, venue=Venue(latitude=offer.latitude, longitude=offer.longitude,
                                    title=" ".join(title.split())[:120], address=" ".join(address.split())[:200]))]


async def share(turn: Turn, argument: str) -> list[Reply]:
    offer = await _visible_offer(turn, argument)
    if offer is None:
        return _gone(turn, argument)
    t = turn.t
    kind = category(offer.category)
    lines = [f"{kind.emoji} <b>{esc(offer.title, 120)}</b>"]
    upcoming = await _next(turn, offer, 1)
    where = esc(offer.place_name, 80)
    if upcoming:
        lines.append(t("{when} in {place}", when=when(t, *upcoming[0]), place=where))
    elif where:
        lines.append(where)
    make_link = turn.app.share_links.get(turn.msg.platform)
    if make_link is not None:
        lines.append(t("Details at Nahbar: {link}", link=esc(make_link(offer.id), 200)))
        hint = t("Forward this message to anyone who might like to come.")
    else:
        lines.append(t("Details at Nahbar: write {command}", command=f"/start offer_{offer.id}"))
        hint = t("Pass this on to anyone who might like to come.")
    return [Reply(hint), Reply("\n".join(lines))]


def _gone(turn: Turn, argument: str) -> list[Reply]:
    if turn.msg.button is not None and not argument.isdigit():
        return [stale_button(turn)]
    return [Reply(turn.t("Sorry, this offer does not exist (any more)."))]


def _plain_description(turn: Turn, offer: Offer) -> str:
    t = turn.t
    parts = [" ".join(offer.description.split())] if offer.description else []
    if offer.organiser:
        parts.append(t("👥 Organised by: {organiser}", organiser=" ".join(offer.organiser.split())))
    if offer.contact:
        parts.append(t("☎️ Contact: {contact}", contact=" ".join(offer.contact.split())))
    return "\n".join(parts)[:2000]


async def _next(turn: Turn, offer: Offer, limit: int) -> list:
    return list((
        await turn.session.execute(
            select(Occurrence.starts_at, Occurrence.ends_at)
            .where(Occurrence.offer_id == offer.id, Occurrence.ends_at > turn.now)
            .order_by(Occurrence.starts_at)
            .limit(limit)
        )
    ).all())


async def _visible_offer(turn: Turn, argument: str) -> Offer | None:
    if not argument.isdigit() or len(argument) > 12:
        return None
    offer = await turn.session.get(Offer, int(argument))
    if offer is None or offer.status is not OfferStatus.PUBLISHED:
        return None
    return offer


async def _dates(turn: Turn, offer: Offer) -> list[str]:
    t = turn.t
    upcoming = await _next(turn, offer, NEXT_DATES)
    lines = []
    rule = describe(t, offer.rrule, offer.starts_local) if offer.rrule else None
    if rule:
        lines.append(f"🔁 {rule}")
    if not upcoming:
        lines.append(t("🗓 No upcoming dates."))
    elif len(upcoming) == 1:
        lines.append(t("🗓 {when}", when=when(t, *upcoming[0])))
    else:
        lines.append(t("🗓 Next dates:"))
        lines += [f"    • {when(t, s, e)}" for s, e in upcoming]
    return lines


def _where(turn: Turn, offer: Offer) -> list[str]:
    t = turn.t
    parts = [p for p in (offer.venue_name, offer.address) if p]
    if offer.place_name and not any(offer.place_name in p for p in parts):
        parts.append(offer.place_name)
    line = "📍 " + esc(", ".join(parts), 300)
    search = turn.state.get("search")
    if search:
        km = great_circle((search["lat"], search["lon"]), (offer.latitude, offer.longitude)).km
        line += f" ({distance(t, km)})"
    return [line]


def _facts(turn: Turn, offer: Offer) -> list[str]:
    t = turn.t
    lines = []
    access = [label for flag, label in (
        (offer.step_free, t("step-free access")),
        (offer.accessible_toilet, t("accessible toilet")),
        (offer.hearing_loop, t("hearing loop")),
        (offer.seating, t("seating available")),
    ) if flag]
    if access:
        lines.append("♿ " + " · ".join(access))
    if offer.step_free is False:
        lines.append(t("⚠️ Not step-free"))
    costs = {"free": t("free of charge"), "donation": t("donations welcome")}
    cost = costs.get(offer.cost.value) or esc(offer.price or t("costs something"), 60)
    lines.append(f"💶 {cost}")
    if offer.contact:
        lines.append(t("☎️ Contact: {contact}", contact=esc(offer.contact, 200)))
    if offer.organiser:
        lines.append(t("👥 Organised by: {organiser}", organiser=esc(offer.organiser, 120)))
    return lines
