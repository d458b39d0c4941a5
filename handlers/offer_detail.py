"""The details of one offer: what, when (next dates), where, access, cost, contact."""

from __future__ import annotations

from geopy.distance import great_circle
from sqlalchemy import select

from models import Occurrence, Offer, OfferStatus
from models.categories import category

from .common import stale_button
from .context import Turn
from .formatting import distance, esc, when
from .messages import Button, Reply
from .recurrence_text import describe

NEXT_DATES = 3


async def show(turn: Turn, argument: str) -> list[Reply]:
    offer = await _visible_offer(turn, argument)
    if offer is None:
        if turn.msg.button is not None and not argument.isdigit():
            return [stale_button(turn)]
        return [Reply(turn.t("Sorry, this offer does not exist (any more)."))]
    t = turn.t
    kind = category(offer.category)
    lines = [f"{kind.emoji} <b>{esc(offer.title, 120)}</b>", f"<i>{esc(t(kind.name))}</i>"]
    if offer.is_example:
        lines.append(t("ℹ️ <i>This is an example offer to show how Nahbar works.</i>"))
    if offer.description:
        lines += ["", esc(offer.description, 1500, multiline=True)]
    lines += ["", *(await _dates(turn, offer)), *_where(turn, offer), *_facts(turn, offer)]
    buttons = []
    if turn.state.get("search"):
        buttons.append((Button(t("🔙 Back"), "b"),))
    return [Reply("\n".join(lines), buttons=tuple(buttons), edit=turn.msg.button is not None)]


async def _visible_offer(turn: Turn, argument: str) -> Offer | None:
    if not argument.isdigit() or len(argument) > 12:
        return None
    offer = await turn.session.get(Offer, int(argument))
    if offer is None or offer.status is not OfferStatus.PUBLISHED:
        return None
    return offer


async def _dates(turn: Turn, offer: Offer) -> list[str]:
    t = turn.t
    upcoming = (
        await turn.session.execute(
            select(Occurrence.starts_at, Occurrence.ends_at)
            .where(Occurrence.offer_id == offer.id, Occurrence.ends_at > turn.now)
            .order_by(Occurrence.starts_at)
            .limit(NEXT_DATES)
        )
    ).all()
    lines = []
    rule = describe(t, offer.rrule) if offer.rrule else None
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
