"""What other features show of the companions (handlers.companions): the button "I would
rather not go alone" under an offer and the organiser's line about people to welcome at the
door, kept here so that offer_detail and managing do not import the companions feature."""

from __future__ import annotations

from markupsafe import Markup

from models import Offer
from models.companions import volunteers_for, waiting_count

from .context import Turn
from .handover import AskCompany
from .messages import Button


async def offer_button(turn: Turn, offer: Offer) -> list[tuple[Button, ...]]:
    """ "I would rather not go alone" on an offer's details, where a companion could go along."""
    ags = turn.services.places.municipality_at(offer.latitude, offer.longitude)
    if not ags or not await volunteers_for(turn.session, ags):
        return []
    t = turn.t
    return [(Button(t("🤝 I would rather not go alone"), AskCompany(offer=offer.id).pack()),)]


async def door_line(turn: Turn, offer: Offer) -> list[Markup]:
    """All the organiser learns (in /meine): how many would like to be welcomed at the door."""
    count = await waiting_count(turn.session, offer.id, turn.now)
    t = turn.t
    return (
        [
            t.n(
                "🚪 {count} person would like to be welcomed at the door",
                "🚪 {count} would like to be welcomed at the door",
                count,
            )
        ]
        if count
        else []
    )
