"""What features hand to each other, typed, so that no feature imports another.

A feature shows another's button by its data class (declared here when more than one feature
shows it) and asks another feature to go on by a `Request` (handlers.dialogue): the asking one
calls `await turn.services.hand_over(turn, request)`, the answering one declares
`Feature(requests=(takes(Request, handler),))`, and the router connects them. Only neutral
modules are imported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from markupsafe import Markup

from .buttons import Between, ButtonData, Id
from .dialogue import Request
from .offer_form import Draft

# --- buttons shown by several features ----------------------------------------------------


class NewOffer(ButtonData, prefix="nn"):
    """ "➕ Offer a meeting" (posting answers it)."""


class ShowOffer(ButtonData, prefix="o"):
    """An offer's details (offer_detail answers it)."""

    offer: Id


class Queue(ButtonData, prefix="vq", moderators_only=True):
    """The moderation queue (moderation answers it)."""


class IdeaList(ButtonData, prefix="id"):
    """The pool of ideas, one page of it (ideas answers it)."""

    page: Annotated[int, Between(1, 999)] | None = None


class StartHere(ButtonData, prefix="ib"):
    """Offer a meeting after an idea of the pool (ideas answers it)."""

    idea: Id


class ManageIdeas(ButtonData, prefix="ix", moderators_only=True):
    """The moderators' list of ideas (ideas answers it)."""


class MyOffer(ButtonData):
    """A button about one of the person's own offers (checked to be theirs when pressed;
    managing answers them)."""

    offer: Id


class ShowMine(MyOffer, prefix="mo"):
    """One's own offer with what can be done to it."""


class Settings(ButtonData, prefix="st"):
    """The settings (settings answers it, as the next three)."""


class AskHome(ButtonData, prefix="sh?"):
    """Asks for the home place."""


class RememberHome(ButtonData, prefix="hm"):
    """Under a list: the place searched becomes the home place."""


class Remind(ButtonData, prefix="rm"):
    """Remind me of this offer (reminders answers it, as `MyReminders`)."""

    offer: Id


class MyReminders(ButtonData, prefix="rl"):
    """The person's reminders."""


class Back(ButtonData, prefix="b"):
    """Back to the list of the current search (search answers it)."""


class AskCompany(ButtonData, prefix="ua"):
    """ "I would rather not go alone" under an offer (companions answers it)."""

    offer: Id


class WeeklyPost(ButtonData, prefix="dg"):
    """A person's weekly post, switched on or off (digest answers it)."""

    switch: Literal["on", "off"] | None = None


class Alerts(ButtonData, prefix="al"):
    """The alerts of new offers, switched on or off (alerts answers it)."""

    switch: Literal["on", "off"] | None = None


# --- requests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StartOffer(Request):
    """A new offer with some answers given (an idea from the pool): posting asks the first
    open question, as /neu would."""

    draft: Draft


@dataclass(frozen=True)
class AskOffer(Request):
    """Posting asks `draft.field` of this draft and waits for the answer (a stored offer's
    answer to change, or an offer again with new dates)."""

    draft: Draft
    intro: Markup | None = None


@dataclass(frozen=True)
class SaveOfferChange(Request):
    """One answer of a stored offer (`draft.offer_id`) was given: managing saves it and shows
    the offer."""

    draft: Draft
    intro: Markup | None = None


@dataclass(frozen=True)
class ShowStoredOffer(Request):
    """Back from changing a stored offer, nothing saved: managing shows the offer again."""

    offer_id: int


@dataclass(frozen=True)
class OpenOffer(Request):
    """An offer's details by id, as for a link "/start offer_<id>" (offer_detail shows them;
    None: no such id)."""

    offer_id: int | None


@dataclass(frozen=True)
class SearchPlace(Request):
    """A search at a place of the gazetteer by id, as for a link "/start place_<id>" (search
    lists what is on there)."""

    place_id: str


@dataclass(frozen=True)
class ShowSearch(Request):
    """The list of the current search, as /angebote (search shows it; settings asks after a
    new home place)."""


@dataclass(frozen=True)
class ShowWeeklyPost(Request):
    """A person's own weekly post, as /wochenpost in a private chat (digest shows it)."""
