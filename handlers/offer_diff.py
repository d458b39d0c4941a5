"""What a waiting change would change, in words: for the moderator's review ("Title:
„Adventscafé“ → „Adventscafé mit Musik“") and the organiser's /meine ("your change (Title,
Contact) waits")."""

from __future__ import annotations

from typing import Protocol

from markupsafe import Markup

from models import Offer
from models.proposals import EDITABLE, OfferProposal, as_proposed, wanted_values

from . import offer_form as form
from .context import Turn
from .formatting import bold
from .i18n import Translator
from .offer_facts import access_lines, cost_words
from .text import shorten

# Which question of the form each column answers (offer_form.ORDER names the questions).
FIELD_OF = {
    "category": "category",
    "title": "title",
    "description": "description",
    "starts_local": "when",
    "duration_minutes": "when",
    "rrule": "when",
    "exdates": "when",
    "venue_name": "where",
    "address": "where",
    "place_name": "where",
    "latitude": "where",
    "longitude": "where",
    "wheelchair": "access",
    "toilets_wheelchair": "access",
    "audio_loop": "access",
    "cost": "cost",
    "price": "cost",
    "organiser": "organiser",
    "contact": "contact",
}
assert set(FIELD_OF) == set(EDITABLE)
SHORT = {"description": 160}


def changed_fields(proposal: OfferProposal) -> list[str]:
    """The form's questions whose answers the change touches, in the form's order."""
    touched = {FIELD_OF[c] for c in wanted_values(proposal)}
    return [f for f in form.ORDER if f in touched]


class Speaking(Protocol):
    """A turn, or whatever else carries the reader's language (a message for the outbox)."""

    @property
    def t(self) -> Translator: ...


def field_names(turn: Speaking, proposal: OfferProposal) -> Markup:
    return Markup(", ").join(turn.t(form.FIELD_NAMES[f]) for f in changed_fields(proposal))


def diff_lines(turn: Turn, offer: Offer, proposal: OfferProposal) -> list[Markup]:
    """One line per changed question: its name, the approved answer and the wanted one."""
    wanted = as_proposed(offer, proposal)
    out = []
    for field in changed_fields(proposal):
        old, new = _words(turn, offer, field), _words(turn, wanted, field)
        if old == new:  # e.g. only the coordinates moved a little
            old, new = (
                _words(turn, offer, field, precise=True),
                _words(turn, wanted, field, precise=True),
            )
        out.append(Markup("✏️ {}: {} → {}").format(bold(turn.t(form.FIELD_NAMES[field])), old, new))
    return out


def _words(turn: Turn, offer: Offer, field: str, *, precise: bool = False) -> Markup:
    """The answer as residents would read it (escaped)."""
    t, comma = turn.t, Markup(", ")
    if field in ("title", "description", "organiser", "contact"):
        value = getattr(offer, field) or ""
        return (
            Markup("„{}“").format(shorten(value, SHORT.get(field, 120))) if value else t("(empty)")
        )
    if field == "category":
        return Markup.escape(form.category_label(turn, offer.category))
    if field == "when":
        return Markup.escape(form.when_words(turn, form.Draft.of(offer))) or t("(empty)")
    if field == "where":
        words = Markup.escape(", ".join(offer.where_parts())) or t("(empty)")
        return (
            Markup("{} ({:.4f}, {:.4f})").format(words, offer.latitude, offer.longitude)
            if precise
            else words
        )
    if field == "access":
        return comma.join(access_lines(t, offer)) or t("not stated")
    return Markup.escape(cost_words(t, offer))  # field == "cost"
