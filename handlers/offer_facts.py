"""Facts about an offer in words — accessibility (from its OpenStreetMap/Wheelmap values) and
cost — the same in the chat's details, on the web and on the printed notice."""

from __future__ import annotations

from markupsafe import Markup

from models import Cost, Offer
from models.accessibility import osm_value

from .i18n import N_, Translator
from .text import shorten

WHEELCHAIR = {
    "yes": N_("♿ Wheelchair accessible: step-free entrance, all rooms without steps"),
    "limited": N_(
        "♿ Partly wheelchair accessible: one step of at most 7 cm, main rooms step-free"
    ),
    "no": N_("⚠️ Not wheelchair accessible (steps)"),
}
TOILET = {
    "yes": N_("🚻 Wheelchair-accessible toilet"),
    "no": N_("🚻 No wheelchair-accessible toilet"),
}
AUDIO_LOOP = {"yes": N_("🦻 Hearing loop for hearing aids"), "no": N_("🦻 No hearing loop")}


def access_facts(offer: Offer) -> list[tuple[str, str]]:
    """(OSM tag, value) for what the organiser stated, in a fixed order."""
    facts = []
    for tag, column in (
        ("wheelchair", "wheelchair"),
        ("toilets:wheelchair", "toilets_wheelchair"),
        ("audio_loop", "audio_loop"),
    ):
        value = osm_value(column, getattr(offer, column))
        if value is not None:
            facts.append((tag, value))
    return facts


def access_lines(t: Translator, offer: Offer) -> list[Markup]:
    """One line per stated fact; nothing for what was not stated."""
    words = {"wheelchair": WHEELCHAIR, "toilets:wheelchair": TOILET, "audio_loop": AUDIO_LOOP}
    return [t(words[tag][value]) for tag, value in access_facts(offer) if value in words[tag]]


def cost_words(t: Translator, offer: Offer) -> str:
    """ "kostenlos", "Spende willkommen", the price as the organiser wrote it, or "kostet etwas";
    "" when the organiser said nothing about the cost (never shown as free)."""
    if offer.cost is Cost.NOT_STATED:
        return ""
    costs = {"free": t("free of charge"), "donation": t("donations welcome")}
    return costs.get(offer.cost.value) or shorten(offer.price, 60) or t("costs something")
