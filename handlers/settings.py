"""Settings: radius, home place, precise location and language, in one message with buttons;
the weekly post (handlers.digest) and alerts about new offers (handlers.alerts) each have a
sub-message of their own, and a line here.

Changing the home place is a small dialogue (step "settings.home", kept in the database, so it
survives a restart): the next typed place or shared location becomes the home place.
"abbrechen"/"cancel", a command or another button leaves it. A search never changes the home
place; "🏠 Remember as my home place" under a list does, because the person asked for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from markupsafe import Markup

from models.location import is_position_id
from models.users import set_home, set_precise_consent
from places import Place

from . import current_search, post_lines
from .buttons import ButtonData, OneOf, Rest
from .common import main_keyboard, stale_button, with_location_hint
from .context import Turn
from .dialogue import Feature, Note, Step, on
from .handover import Alerts, AskHome, MyReminders, RememberHome, Settings, ShowSearch, WeeklyPost
from .i18n import LANGUAGES, N_, Translator
from .keywords import is_cancel
from .messages import Button, Reply
from .text import shorten
from .understanding import Intent, read

# Language names are shown in their own language, so everyone finds theirs.
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}
HOME = "settings.home"
MAX_CHOICES = 5


class SetHomeRadius(ButtonData, prefix="sr"):
    km: Annotated[int, OneOf(current_search.RADII)]


class ChooseHome(ButtonData, prefix="hp"):
    place: Annotated[str, Rest(40)]


class SearchHome(ButtonData, prefix="sm"):
    pass


class SetLanguage(ButtonData, prefix="lg"):
    code: Annotated[str, OneOf(LANGUAGES)]


class SetPrecise(ButtonData, prefix="pc"):
    precise: bool


# --- language -------------------------------------------------------------------------------


async def ask_language(turn: Turn, argument: str = "") -> list[Reply]:
    return [Reply(turn.t("Which language would you like?"), buttons=(_language_row(turn),))]


async def set_language(turn: Turn, pressed: SetLanguage) -> list[Reply]:
    return await _speak(turn, pressed.code)


async def _speak(turn: Turn, code: str) -> list[Reply]:
    turn.user.language = code
    turn.t = Translator(code)  # answer in the new language straight away
    t = turn.t
    return [
        Reply(
            t("All right, I will speak English with you from now on."),
            keyboard=main_keyboard(turn),
            notice=LANGUAGE_NAMES[code],
        )
    ]


async def german(turn: Turn, argument: str = "") -> list[Reply]:
    return await _speak(turn, "de")


async def english(turn: Turn, argument: str = "") -> list[Reply]:
    return await _speak(turn, "en")


class LanguageOffered(Note):
    """When the switch to another language was last offered (once a day is enough)."""

    key = "language_offered"

    language: str
    at: datetime


OFFER_AGAIN = timedelta(days=1)
_SWITCHES = (Intent.ENGLISH, Intent.GERMAN, Intent.LANGUAGE)


class Speaking(Note):
    """The language a person last wrote in when it is not their chosen one, so the buttons they
    press next and a bare place name are answered in it too (for an hour)."""

    key = "speaking"

    language: str
    at: datetime


KEEP_SPEAKING = timedelta(hours=1)


def spoken_language(turn: Turn) -> str | None:
    """The other language this person wrote in within the last hour, if any."""
    note = turn.get(Speaking)
    if note is None or note.language not in LANGUAGES or note.language == turn.user.language:
        return None
    return note.language if timedelta(0) <= turn.now - note.at <= KEEP_SPEAKING else None


def answer_in(turn: Turn, written: str | None) -> list[Reply]:
    """A message written in the other language is answered in its language (this turn and, for
    an hour, what follows without words of either language: buttons, a place name), and the
    switch is offered, at most once a day. Returns the offer to append, if any."""
    reading = turn.reading
    if written in LANGUAGES:
        if written == turn.user.language:
            turn.drop(Speaking)
            turn.t = Translator(written)
        elif reading is None or reading.intent not in _SWITCHES:
            turn.put(Speaking(language=written, at=turn.now))
    if (
        written not in LANGUAGES
        or written == turn.t.language
        or (reading is not None and reading.intent in _SWITCHES)
    ):
        return []
    turn.t = Translator(written)
    offered = turn.get(LanguageOffered)
    if (
        offered is not None
        and offered.language == written
        and timedelta(0) <= turn.now - offered.at < OFFER_AGAIN
    ):
        return []
    turn.put(LanguageOffered(language=written, at=turn.now))
    t = turn.t
    question = (
        t("Shall I write in English from now on?")
        if written == "en"
        else t("Shall I write in German from now on?")
    )
    return [
        Reply(question, buttons=((Button(t("Yes, please"), SetLanguage(code=written).pack()),),))
    ]


def _language_row(turn: Turn) -> tuple[Button, ...]:
    current = turn.user.language
    return tuple(
        Button(
            ("✓ " if code == current else "") + LANGUAGE_NAMES[code], SetLanguage(code=code).pack()
        )
        for code in LANGUAGES
    )


# --- the settings message -------------------------------------------------------------------


async def show(turn: Turn, argument: Settings | str = "") -> list[Reply]:
    return [await _settings(turn, edit=turn.msg.button is not None)]


async def set_radius(turn: Turn, pressed: SetHomeRadius) -> list[Reply]:
    km = pressed.km
    turn.user.radius_km = km
    current = current_search.current(turn)
    if current is not None:  # the next list uses the new radius as well
        turn.put(current.model_copy(update={"radius": km, "page": 0}))
    return [await _settings(turn, edit=True)]


def home_label(turn: Turn) -> str | Markup:
    """The home place as a resident reads it: "Quedlinburg", "Ihr Standort bei Thale"."""
    t, user = turn.t, turn.user
    if user.home_place_id is None:
        return t("not set yet")
    if is_position_id(user.home_place_id):
        town = user.home_place_name
        return t("Your location near {town}", town=town) if town else t("Your location")
    return user.home_place_name or ""


async def _settings(turn: Turn, *, edit: bool) -> Reply:
    t, user = turn.t, turn.user
    text = Markup("\n").join(
        [
            t("<b>Your settings</b>"),
            t("📏 Radius: {km} km", km=user.radius_km),
            t("🏠 Home place: {place}", place=home_label(turn)),
            t("🌐 Language: {language}", language=LANGUAGE_NAMES.get(user.language, user.language)),
            t("📍 Precise location: on – shared locations are kept to about 10 m.")
            if user.consent_precise_location
            else t("📍 Precise location: off – shared locations are kept to about 1 km."),
            await post_lines.digest_line(turn),
            await post_lines.alerts_line(turn),
            "",
            t("Tap a button to change something.")
            if turn.platform_has_buttons
            else t("Write the number of what you would like to change."),
        ]
    )
    radii = tuple(
        Button(
            ("✓ " if km == user.radius_km else "") + t("{km} km", km=km),
            SetHomeRadius(km=km).pack(),
        )
        for km in current_search.RADII
    )
    precise = (
        Button(t("📍 Keep my location only roughly"), SetPrecise(precise=False).pack())
        if user.consent_precise_location
        else Button(t("📍 Allow a precise location"), SetPrecise(precise=True).pack())
    )
    rows = (
        radii,
        (Button(t("🏠 Change home place"), AskHome().pack()),),
        (precise,),
        _language_row(turn),
        (
            Button(t("📬 Weekly post"), WeeklyPost().pack()),
            Button(t("🆕 New offers"), Alerts().pack()),
        ),
        (Button(t("🔔 My reminders"), MyReminders().pack()),),
    )
    return Reply(text, buttons=rows, edit=edit)


async def set_precise(turn: Turn, pressed: SetPrecise) -> list[Reply]:
    """Consent to keeping shared locations precisely; withdrawing it coarsens what is stored:
    the home place (its id and name too) and the current search."""
    set_precise_consent(turn.user, pressed.precise)
    current = current_search.current(turn)
    if not pressed.precise and current is not None and current.position:
        place = current_search.position_place(turn, current.lat, current.lon)
        if place is None:
            turn.drop(current_search.Search)
        else:
            turn.put(
                current.model_copy(
                    update={"lat": place.lat, "lon": place.lon, "place_id": place.id}
                )
            )
    return [await _settings(turn, edit=True)]


# --- home place dialogue --------------------------------------------------------------------


async def ask_home(turn: Turn, pressed: AskHome) -> list[Reply]:
    turn.enter(HOME)
    return await _ask_home_again(turn)


async def home_words(turn: Turn, argument: str = "") -> list[Reply]:
    """ "Heimatort ändern", or "mein Wohnort ist jetzt Wanzleben": the place at once if named."""
    reading = turn.reading
    found = reading.place if reading is not None else None
    if found is not None and found.status == "found" and found.place is not None:
        if found.place.kind == "coordinates":
            return await home_location(turn, found.place.lat, found.place.lon)
        return _set_home(turn, found.place)
    return await ask_home(turn, AskHome())


async def _ask_home_again(turn: Turn) -> list[Reply]:
    t = turn.t
    text = (
        with_location_hint(turn, t("Please write your town or postcode."))
        + " "
        + t("Write “cancel” to leave it as it is.")
    )
    return [Reply(text, keyboard=main_keyboard(turn))]


async def home_typed(turn: Turn, text: str) -> list[Reply] | None:
    """A typed text while we wait for the home place; None when it is meant for something else."""
    t = turn.t
    if is_cancel(text):
        turn.leave()
        return [
            Reply(t("All right, your home place stays as it is."), keyboard=main_keyboard(turn))
        ]
    reading = read(text, turn.services.places)
    if reading.intent not in (Intent.SEARCH, Intent.HOME, None) or (
        reading.place is None and reading.intent is not None
    ):
        return None  # "Hilfe", "danke", "heute", "Spaziergang": the user wants something else
    if reading.place is None:
        if reading.unknown_place:
            return [
                Reply(
                    t(
                        "Sorry, I don't know the place “{text}”. Please try the postcode or the "
                        "next larger town, or write “cancel”.",
                        text=shorten(reading.unknown_place, 60),
                    )
                )
            ]
        return None
    found = reading.place
    if found.status == "found" and found.place:
        if found.place.kind == "coordinates":
            return await home_location(turn, found.place.lat, found.place.lon)
        if found.choices:  # a postcode of several municipalities
            return [
                current_search.postcode_choice(
                    turn, found.choices, lambda p: ChooseHome(place=p).pack()
                )
            ]
        return _set_home(turn, found.place)
    choices = found.choices if found.status == "choice" else found.suggestions
    if found.status in ("choice", "suggest") and choices:
        rows = tuple(
            (Button(p.label, ChooseHome(place=p.id).pack()),) for p in choices[:MAX_CHOICES]
        )
        return [Reply(t("Which place do you mean?"), buttons=rows)]
    if found.status == "outside":
        return [current_search.outside(turn)]
    return [
        Reply(
            t(
                "Sorry, I don't know the place “{text}”. Please try the postcode or the next "
                "larger town, or write “cancel”.",
                text=shorten(text, 60),
            )
        )
    ]


async def home_location(turn: Turn, lat: float, lon: float) -> list[Reply]:
    place = current_search.position_place(turn, lat, lon)
    if place is None:
        return [current_search.outside(turn)]
    return _set_home(turn, place)


async def choose_home(turn: Turn, pressed: ChooseHome) -> list[Reply]:
    place = turn.services.places.get(pressed.place)
    if turn.step != HOME or place is None:
        return [stale_button(turn)]
    if place.kind == "coordinates":
        return await home_location(turn, place.lat, place.lon)
    return _set_home(turn, place)


async def remember_home(turn: Turn, pressed: RememberHome) -> list[Reply]:
    """ "🏠 Remember as my home place" under a list: the place searched becomes the home."""
    current = current_search.current(turn)
    if current is None:
        return [stale_button(turn)]
    place = Place(
        id=current.place_id,
        name=current.place,
        lat=current.lat,
        lon=current.lon,
        region="",
        kind="coordinates" if current.position else "town",
    )
    return _set_home(turn, place, edit=False)


async def search_home(turn: Turn, pressed: SearchHome) -> list[Reply]:
    """The button under the confirmation: meetings near the new home place."""
    home = current_search.home_search(turn)
    if home is None:
        return [stale_button(turn)]
    turn.drop(current_search.Search)
    return await turn.services.hand_over(turn, ShowSearch())


def _set_home(turn: Turn, place: Place, *, edit: bool | None = None) -> list[Reply]:
    t = turn.t
    set_home(
        turn.user,
        place_id=place.id,
        name=place.name,
        lat=place.lat,
        lon=place.lon,
        position=place.kind == "coordinates",
    )
    turn.leave()
    return [
        Reply(
            t("Done: your home place is now {place}.", place=home_label(turn)),
            buttons=(
                (Button(t("🔎 Meetings there"), SearchHome().pack()),),
                (Button(t("⚙️ Settings"), Settings().pack()),),
            ),
            edit=turn.msg.button is not None if edit is None else edit,
        )
    ]


FEATURE = Feature(
    name="settings",
    commands={
        "einstellungen": show,
        "settings": show,
        "sprache": ask_language,
        "language": ask_language,
    },
    buttons=(
        on(Settings, show),
        on(SetHomeRadius, set_radius),
        on(AskHome, ask_home),
        on(ChooseHome, choose_home),
        on(SearchHome, search_home),
        on(RememberHome, remember_home),
        on(SetLanguage, set_language),
        on(SetPrecise, set_precise),
    ),
    intents={
        Intent.SETTINGS: show,
        Intent.LANGUAGE: ask_language,
        Intent.GERMAN: german,
        Intent.ENGLISH: english,
        Intent.HOME: home_words,
    },
    steps=(
        Step(
            HOME,
            summary=N_("waiting for your home place"),
            on_text=home_typed,
            on_location=home_location,
            keeps=frozenset({ChooseHome.prefix}),
            ask=_ask_home_again,
        ),
    ),
)
