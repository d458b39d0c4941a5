"""Settings: radius, home place and language, in one message with big buttons.

Changing the home place is a small dialogue: the conversation state becomes "home" (stored in
the database, so it survives a restart) and the next typed place or shared location becomes the
home place. "abbrechen"/"cancel", a command or another button leaves the dialogue.
"""

from __future__ import annotations

from places import Place

from . import search
from .buttons import button_data
from .common import main_keyboard, stale_button
from .context import Turn
from .formatting import esc
from .i18n import LANGUAGES, Translator
from .keywords import Intent, is_cancel, read_intent
from .messages import Button, Reply

# Language names are shown in their own language, so everyone finds theirs.
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}
HOME_STATE = "home"
MAX_CHOICES = 5


# --- language -------------------------------------------------------------------------------

async def ask_language(turn: Turn, argument: str = "") -> list[Reply]:
    return [Reply(turn.t("Which language would you like?"), buttons=(_language_row(turn),))]


async def set_language(turn: Turn, code: str) -> list[Reply]:
    if code not in LANGUAGES:
        return [stale_button(turn)]
    turn.user.language = code
    turn.t = Translator(code)  # answer in the new language straight away
    t = turn.t
    return [Reply(t("All right, I will speak English with you from now on."),
                  keyboard=main_keyboard(turn), notice=LANGUAGE_NAMES[code])]


def _language_row(turn: Turn) -> tuple[Button, ...]:
    current = turn.user.language
    return tuple(
        Button(("✓ " if code == current else "") + LANGUAGE_NAMES[code], button_data("lg", code))
        for code in LANGUAGES
    )


# --- the settings message -------------------------------------------------------------------

async def show(turn: Turn, argument: str = "") -> list[Reply]:
    return [_settings(turn, edit=turn.msg.button is not None)]


async def set_radius(turn: Turn, km: str) -> list[Reply]:
    if not km.isdigit() or int(km) not in search.RADII:
        return [stale_button(turn)]
    turn.user.radius_km = int(km)
    if turn.state.get("search"):  # the next list uses the new radius as well
        turn.save(search={**turn.state["search"], "radius": int(km), "page": 0})
    return [_settings(turn, edit=True)]


def _settings(turn: Turn, *, edit: bool) -> Reply:
    t, user = turn.t, turn.user
    home = esc(user.home_place_name) if user.home_place_name else t("not set yet")
    text = "\n".join([
        t("<b>Your settings</b>"),
        t("📏 Radius: {km} km", km=user.radius_km),
        t("🏠 Home place: {place}", place=home),
        t("🌐 Language: {language}", language=LANGUAGE_NAMES.get(user.language, user.language)),
        t("📍 Precise location: on – shared locations are kept to about 10 m.")
        if user.consent_precise_location else
        t("📍 Precise location: off – shared locations are kept to about 1 km."),
        "",
        t("Tap a button to change something."),
    ])
    radii = tuple(
        Button(("✓ " if km == user.radius_km else "") + t("{km} km", km=km), button_data("sr", km))
        for km in search.RADII
    )
    precise = (Button(t("📍 Keep my location only roughly"), button_data("pc", 0))
               if user.consent_precise_location else
               Button(t("📍 Allow a precise location"), button_data("pc", 1)))
    rows = (radii, (Button(t("🏠 Change home place"), "sh?"),), (precise,), _language_row(turn))
    return Reply(text, buttons=rows, edit=edit)


async def set_precise(turn: Turn, flag: str) -> list[Reply]:
    """Consent to keeping shared locations precisely; withdrawing it coarsens what is stored."""
    if flag not in ("0", "1"):
        return [stale_button(turn)]
    user = turn.user
    user.consent_precise_location = flag == "1"
    if not user.consent_precise_location:
        if user.home_lat is not None and user.home_lon is not None:
            user.home_lat, user.home_lon = search.coarse(user.home_lat, False), search.coarse(user.home_lon, False)
        current = turn.state.get("search")
        if current:
            turn.save(search={**current, "lat": search.coarse(current["lat"], False),
                              "lon": search.coarse(current["lon"], False)})
    return [_settings(turn, edit=True)]


# --- home place dialogue --------------------------------------------------------------------

async def ask_home(turn: Turn, argument: str = "") -> list[Reply]:
    turn.convo.state = HOME_STATE
    return [Reply(turn.t("Please write your town or postcode, or send your location. "
                         "Write “cancel” to leave it as it is."), keyboard=main_keyboard(turn))]


async def home_typed(turn: Turn, text: str) -> list[Reply] | None:
    """A typed text while we wait for the home place; None when it is meant for something else."""
    t = turn.t
    if is_cancel(text):
        turn.convo.state = "idle"
        return [Reply(t("All right, your home place stays as it is."), keyboard=main_keyboard(turn))]
    found = turn.app.places.resolve(text)
    if found.status == "found" and found.place:
        return _set_home(turn, found.place)
    choices = found.choices if found.status == "choice" else found.suggestions
    if found.status in ("choice", "suggest") and choices:
        rows = tuple((Button(search.place_label(p), button_data("hp", p.id)),) for p in choices[:MAX_CHOICES])
        return [Reply(t("Which place do you mean?"), buttons=rows)]
    intent, _ = read_intent(text)
    if intent is not None and intent is not Intent.ASK_PLACE:
        turn.convo.state = "idle"
        return None  # "Hilfe", "heute" …: the user wants something else
    return [Reply(t("Sorry, I don't know the place “{text}”. Please try the postcode or the next "
                    "larger town, or write “cancel”.", text=esc(text, 60)))]


async def home_location(turn: Turn, lat: float, lon: float) -> list[Reply]:
    # The town's name reads best as a home place.
    place = search.shared_place(turn, lat, lon, lambda town, lat, lon: town.name if town else f"{lat}, {lon}")
    if place is None:
        return search.unreadable_location(turn)
    return _set_home(turn, place)


async def choose_home(turn: Turn, place_id: str) -> list[Reply]:
    place = turn.app.places.get(place_id)
    if turn.convo.state != HOME_STATE or place is None:
        return [stale_button(turn)]
    return _set_home(turn, place)


async def search_home(turn: Turn, argument: str = "") -> list[Reply]:
    """The button under the confirmation: meetings near the new home place."""
    if turn.user.home_lat is None:
        return [stale_button(turn)]
    return await search.again(turn)


def _set_home(turn: Turn, place: Place) -> list[Reply]:
    user, t = turn.user, turn.t
    user.home_place_id, user.home_place_name = place.id, place.name
    user.home_lat, user.home_lon = place.lat, place.lon
    turn.convo.state = "idle"
    turn.forget("search")  # the next /angebote starts from the new home
    return [Reply(t("Done: your home place is now {place}.", place=esc(place.name)),
                  buttons=((Button(t("🔎 Meetings there"), "sm"),), (Button(t("⚙️ Settings"), "st"),)),
                  edit=turn.msg.button is not None)]
