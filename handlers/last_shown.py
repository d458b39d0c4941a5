"""The offer whose details a person saw last (offer_detail notes it; reminders reads it for
"erinnern Sie mich daran"), kept here so that neither imports the other."""

from __future__ import annotations

from datetime import datetime, timedelta

from models import Offer
from models.listing import visible_offer

from .context import Turn
from .dialogue import Note


class Shown(Note):
    """The offer whose details were shown last: "erinnern Sie mich daran" means this one."""

    key = "shown"

    offer_id: int
    at: datetime


SHOWN_FOR = timedelta(hours=12)  # "daran" refers to an offer seen this recently


async def just_shown(turn: Turn) -> Offer | None:
    """The offer whose details the person saw last, if recently and still visible."""
    shown = turn.get(Shown)
    if shown is None or not timedelta(0) <= turn.now - shown.at <= SHOWN_FOR:
        return None
    return await visible_offer(turn.session, shown.offer_id)
