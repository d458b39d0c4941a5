"""Residents ask what is on nearby: place in, a short list out, filters and paging on buttons.

The current search is a typed note in the dialogue state (`Search`: place, point, time span,
part of the day, radius, kinds, step-free access, page, when it was made), so every button
press, "mehr" or /heute continues from where the user left off, even after a restart. It is
kept at most 30 days. The chosen home place is separate (settings) and a search never changes
it. A typed message is read by handlers/understanding: a new place starts a fresh search
(7 days, the home radius, every kind) unless the same message names a day, kind or radius;
the list's heading names every filter that applies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypedDict, Unpack

from markupsafe import Markup
from pydantic import field_validator

from models.categories import BY_KEY, CATEGORIES, category
from models.location import is_position_id
from models.search import Hit, Query, nearby, step_free
from models.unmet import note_search
from places import Place, Resolution
from places.words import is_common_phrase

from . import windows
from .buttons import Between, ButtonData, OneOf, Rest
from .common import main_keyboard, stale_button, with_location_hint
from .context import Turn
from .current_search import (
    RADII,
    Kinds,
    Part,
    Search,
    current,
    home_search,
    outside,
    place_heading,
    position_place,
    postcode_choice,
)
from .dialogue import Feature, Note, on, takes
from .formatting import bold, clock, distance, is_all_day, lines, when
from .handover import Back, IdeaList, RememberHome, SearchPlace, ShowOffer, ShowSearch
from .markup_format import format_markup
from .messages import Button, Reply
from .text import shorten
from .understanding import Intent, Reading

PAGE = 5
MAX_CHOICES = 5


class Pending(Note):
    """Filters asked for before the place was known ("heute", "Spaziergang", "/woche")."""

    key = "pending"

    window: str | None = None
    part: Part = None
    radius: int | None = None
    categories: Kinds = ()
    step_free: bool = False

    @field_validator("radius", mode="before")
    @classmethod
    def _radius(cls, value: object) -> int | None:
        return next((r for r in RADII if r == value), None)

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, value: object) -> str | None:
        return value if isinstance(value, str) and windows.is_window(value) else None


class Filters(TypedDict, total=False):
    """Filters a message or command names, for a Search or a Pending one."""

    window: str
    part: str | None
    radius: int
    categories: tuple[str, ...]
    step_free: bool


# --- the buttons under a list ---------------------------------------------------------------


class SetWindow(ButtonData, prefix="w"):
    window: Annotated[str, OneOf(windows.ALL)]


class SetKind(ButtonData, prefix="c"):
    kind: Annotated[str, OneOf(("all", *BY_KEY))]


class PickKind(ButtonData, prefix="c?"):
    pass


class SetRadius(ButtonData, prefix="r"):
    km: Annotated[int, OneOf(RADII)]


class PickRadius(ButtonData, prefix="r?"):
    pass


class Page(ButtonData, prefix="pg"):
    page: Annotated[int, Between(0, 1000)]


class ChoosePlace(ButtonData, prefix="pl"):
    place: Annotated[str, Rest(40)]  # a place id of the gazetteer, or a position's


class ClearFilters(ButtonData, prefix="fx"):
    pass


# --- what people type ---------------------------------------------------------------------


def radius_for(km: int) -> int:
    """The list's radius for a typed one: the smallest offered that covers it (at most 50)."""
    return next((r for r in RADII if r >= km), RADII[-1])


def filters(turn: Turn, reading: Reading) -> Filters:
    """The filters a message names (and only those): window, part, radius, kinds, step_free."""
    named: Filters = {}
    window = windows.from_reading(reading.when, turn.now)
    if window:
        named["window"] = window
    if reading.part:
        named["part"] = reading.part
    if reading.radius:
        named["radius"] = radius_for(reading.radius)
    if reading.kinds:
        named["categories"] = tuple(k for k in reading.kinds if k in BY_KEY)
    if reading.step_free:
        named["step_free"] = True
    return named


async def read_message(turn: Turn, argument: str = "") -> list[Reply]:
    """A typed message the reader took for a search: at the place it names, or with the
    filters it names at the current search (or the home place)."""
    reading = turn.reading
    if reading is None:
        return [not_understood(turn)]
    named = filters(turn, reading)
    if reading.place is not None:
        return await at_resolution(turn, reading.place, reading.place_text, named)
    if reading.unknown_place and not named:
        return [unknown_place(turn, reading.unknown_place)]  # "Was ist los in Xyzzyhausen?"
    search = current(turn) or home_search(turn)
    if search is None:
        return await _update(turn, **named)
    return await _show(turn, search.model_copy(update=named), page=0)


async def by_place_name(
    turn: Turn, text: str, *, window: str | None = None, categories: tuple[str, ...] = ()
) -> list[Reply]:
    """A place typed after a command (/heute Quedlinburg)."""
    named: Filters = {}
    if window:
        named["window"] = window
    if categories:
        named["categories"] = categories
    return await at_resolution(turn, turn.services.places.resolve(text, correct=True), text, named)


async def at_resolution(turn: Turn, found: Resolution, text: str, named: Filters) -> list[Reply]:
    """The list at a place the gazetteer found, or the choice between places of that name."""
    t = turn.t
    if named:  # kept for the answer to a choice below
        turn.put(Pending(**named))
    if found.status == "found" and found.place:
        note = t("(You meant {place}.)", place=found.place.name) if found.corrected else None
        if found.place.kind == "coordinates":
            place = position_place(turn, found.place.lat, found.place.lon)
            return [outside(turn)] if place is None else await _search_at(turn, place)
        if found.choices:  # a postcode of several municipalities: which part?
            return [postcode_choice(turn, found.choices, lambda p: ChoosePlace(place=p).pack())]
        return await _search_at(turn, found.place, note=note)
    options = found.choices if found.status == "choice" else found.suggestions
    if found.status in ("choice", "suggest") and options:
        buttons = tuple(
            (Button(p.label, ChoosePlace(place=p.id).pack()),) for p in options[:MAX_CHOICES]
        )
        if found.status == "choice":
            text = t(
                "There are several places called “{name}”. Which one do you mean?",
                name=options[0].name,
            )
        else:
            text = t(
                "I don't know “{text}”. Did you mean {place}?",
                text=shorten(text, 60),
                place=options[0].name,
            )
        return [Reply(text, buttons=buttons)]
    if found.status == "outside":
        return [outside(turn)]
    if len(text.split()) >= 5 or is_common_phrase(text):  # a sentence or plain words, not a place
        return [not_understood(turn)]
    return [unknown_place(turn, text)]


def unknown_place(turn: Turn, text: str) -> Reply:
    return Reply(
        with_location_hint(
            turn,
            turn.t(
                "Sorry, I don't know the place “{text}”. Please try the "
                "postcode or the next larger town.",
                text=shorten(text, 60),
            ),
        )
    )


def not_understood(turn: Turn) -> Reply:
    t = turn.t
    return Reply(
        t(
            "Sorry, I did not understand that. Write the name of your town or your "
            "postcode, and I will show you what is on nearby. /hilfe explains more."
        ),
        keyboard=main_keyboard(turn),
    )


async def choose_place(turn: Turn, pressed: ChoosePlace) -> list[Reply]:
    return await search_place(turn, pressed.place)


async def search_place_asked(turn: Turn, request: SearchPlace) -> list[Reply]:
    return await search_place(turn, request.place_id)


async def search_place(turn: Turn, place_id: str) -> list[Reply]:
    """A search at a place given by id (a button, or a link "/start place_<id>")."""
    place = turn.services.places.get(place_id)
    if place is None:
        return [stale_button(turn)]
    if place.kind == "coordinates":
        return await at_location(turn, place.lat, place.lon)
    return await _search_at(turn, place)


async def at_location(turn: Turn, lat: float, lon: float) -> list[Reply]:
    place = position_place(turn, lat, lon)
    if place is None:
        return [outside(turn)]
    return await _search_at(turn, place)


# --- commands -------------------------------------------------------------------------------


async def show_asked(turn: Turn, request: ShowSearch) -> list[Reply]:
    return await again(turn)


async def again(turn: Turn, argument: str = "") -> list[Reply]:
    return await _with_window(turn, None, argument)


async def today(turn: Turn, argument: str = "") -> list[Reply]:
    return await _with_window(turn, "today", argument)


async def tomorrow(turn: Turn, argument: str = "") -> list[Reply]:
    return await _with_window(turn, "tomorrow", argument)


async def week(turn: Turn, argument: str = "") -> list[Reply]:
    return await _with_window(turn, "this_week", argument)


async def more(turn: Turn, argument: str = "") -> list[Reply]:
    search = current(turn)
    if search is None:
        return ask_for_place(turn)
    return await _show(turn, search, page=search.page + 1)


# --- buttons under the list -----------------------------------------------------------------


async def set_window(turn: Turn, pressed: SetWindow) -> list[Reply]:
    return await _update(turn, window=pressed.window)


async def set_radius(turn: Turn, pressed: SetRadius) -> list[Reply]:
    return await _update(turn, radius=pressed.km)  # this list only: the home radius is a setting


async def set_category(turn: Turn, pressed: SetKind) -> list[Reply]:
    key = pressed.kind
    return await _update(turn, categories=() if key == "all" else (key,))


async def clear_filters(turn: Turn, pressed: ClearFilters) -> list[Reply]:
    """ "All times and places" under an empty list: no part of the day, no step-free filter."""
    if current(turn) is None:
        return [stale_button(turn)]
    return await _update(turn, part=None, step_free=False)


async def page(turn: Turn, pressed: Page) -> list[Reply]:
    search = current(turn)
    if search is None:
        return [stale_button(turn)]
    return await _show(turn, search, page=pressed.page)


async def back(turn: Turn, argument: Back | str = "") -> list[Reply]:
    search = current(turn)
    if search is None:
        return [stale_button(turn)] if turn.msg.button is not None else ask_for_place(turn)
    return await _show(turn, search, page=search.page)


async def pick_category(turn: Turn, pressed: PickKind) -> list[Reply]:
    if current(turn) is None:
        return [stale_button(turn)]
    t = turn.t
    rows: list[tuple[Button, ...]] = [
        (Button(f"{c.emoji} {t(c.name)}", SetKind(kind=c.key).pack()),) for c in CATEGORIES
    ]
    rows.append(
        (Button(t("All kinds"), SetKind(kind="all").pack()), Button(t("🔙 Back"), Back().pack()))
    )
    return [Reply(t("Which kind of meeting are you looking for?"), buttons=tuple(rows), edit=True)]


async def pick_radius(turn: Turn, pressed: PickRadius) -> list[Reply]:
    if current(turn) is None:
        return [stale_button(turn)]
    t = turn.t
    row = tuple(Button(t("{km} km", km=km), SetRadius(km=km).pack()) for km in RADII)
    back = (Button(t("🔙 Back"), Back().pack()),)
    return [Reply(t("How far may it be?"), buttons=(row, back), edit=True)]


# --- the list -------------------------------------------------------------------------------


async def _search_at(turn: Turn, place: Place, note: str | None = None) -> list[Reply]:
    """A new place: a fresh search there (7 days, the home radius, every kind), with only the
    filters asked for just now or before the place was known (`Pending`): a filter of the
    earlier list, no longer on screen, would hide offers unseen."""
    pending = turn.get(Pending) or Pending()
    turn.drop(Pending)
    search = Search(
        place=place.title,
        place_id=place.id,
        position=is_position_id(place.id),
        lat=place.lat,
        lon=place.lon,
        window=pending.window or windows.DEFAULT,
        part=pending.part,
        radius=pending.radius or (turn.user.radius_km if turn.user.radius_km in RADII else 10),
        categories=pending.categories,
        step_free=pending.step_free,
        page=0,
        at=turn.now,
    )
    return await _show(turn, search, page=0, note=note)


def search_for(turn: Turn, place: Place, **named: Unpack[Filters]) -> Search:
    """A fresh search at a place with the filters named (for answers that show a list too)."""
    filters: Filters = {"radius": turn.user.radius_km if turn.user.radius_km in RADII else 10}
    filters.update(named)  # a radius named overrides the home radius
    return Search(
        place=place.title,
        place_id=place.id,
        position=is_position_id(place.id),
        lat=place.lat,
        lon=place.lon,
        page=0,
        at=turn.now,
        **filters,
    )


async def _with_window(turn: Turn, window: str | None, place_text: str) -> list[Reply]:
    if place_text:
        return await by_place_name(turn, place_text, window=window)
    search = current(turn)
    if search is not None:
        return await _show(
            turn, search.model_copy(update={"window": window or search.window}), page=0
        )
    home = home_search(turn, window)
    if home is not None:
        return await _show(turn, home, page=0)
    if window:
        turn.put(Pending(window=window))  # used once the place is known
    return ask_for_place(turn)


async def _update(turn: Turn, **changes: Unpack[Filters]) -> list[Reply]:
    search = current(turn)
    if search is None:
        pending = turn.get(Pending) or Pending()
        updated = pending.model_copy(update=changes)
        turn.put(updated)
        # the kinds just named, else those asked for before
        return ask_for_place(turn, categories=updated.categories or pending.categories)
    return await _show(turn, search.model_copy(update=changes), page=0)


async def show_search(turn: Turn, search: Search) -> list[Reply]:
    """The list for a search made elsewhere (e.g. at the home place), from its first page."""
    return await _show(turn, search, page=0)


async def _show(turn: Turn, search: Search, page: int, note: str | None = None) -> list[Reply]:
    search = search.model_copy(update={"page": page})
    turn.put(search)
    hits = await _hits(turn, search, page)
    if page == 0:
        await note_search(
            turn.session,
            turn.services.places,
            search.place_id,
            search.lat,
            search.lon,
            bool(hits),
            turn.now,
        )
    edit = turn.msg.button is not None
    if not hits:
        reply = _empty(turn, search, page, edit)
    else:
        reply = _list(turn, search, hits[:PAGE], page, has_more=len(hits) > PAGE, edit=edit)
    if note:
        reply = Reply(lines([note, reply.text]), buttons=reply.buttons, edit=reply.edit)
    return [reply]


async def has_meetings(turn: Turn, search: Search) -> bool:
    """Would this search list anything? (Asked before widening it; counts no search.)"""
    return bool(await _hits(turn, search, 0))


async def _hits(turn: Turn, search: Search, page: int) -> list[Hit]:
    """This page's meetings (and one more, to know whether there are further ones)."""

    def query(start: datetime, end: datetime) -> Query:
        found = Query(
            lat=search.lat,
            lon=search.lon,
            radius_km=search.radius,
            start=start,
            end=end,
            categories=frozenset(search.categories),
            once_per_offer=True,
        )
        return step_free(found) if search.step_free else found

    if not search.part:
        start, end = windows.bounds(search.window, turn.now)
        return (
            await nearby(turn.session, query(start, end), limit=PAGE + 1, offset=page * PAGE)
            if start < end
            else []
        )
    # Cut to a part of each day: one search per day's part, so ask for more and page here.
    wanted = (page + 1) * PAGE + 1
    spans = windows.part_spans(search.window, search.part or "", turn.now)
    found: dict[int, Hit] = {}
    for start, end in spans:
        for hit in await nearby(turn.session, query(start, end), limit=wanted):
            found.setdefault(hit.offer_id, hit)
    hits = sorted(found.values(), key=lambda h: (h.starts_at, h.distance_km, h.offer_id))
    return hits[page * PAGE : wanted]


def _heading(turn: Turn, search: Search) -> Markup:
    """Names every filter that applies, so nothing is silently kept."""
    t = turn.t
    parts = [windows.label(t, search.window, turn.now)]
    if search.part:
        parts.append(windows.part_label(t, search.part))
    parts.append(t("{km} km", km=search.radius))
    parts += [f"{category(k).emoji} {t(category(k).name)}" for k in search.categories]
    if search.step_free:
        parts.append(t("♿ step-free"))
    return lines(
        [
            bold(t("Meetings near {place}", place=place_heading(turn, search))),
            Markup(" · ").join(parts),
        ]
    )


_NUMBERED = Markup("{}. {} ")
_DETAILS = Markup("    {} · {} · {}")


def _list(
    turn: Turn, search: Search, hits: list[Hit], page: int, *, has_more: bool, edit: bool
) -> Reply:
    t = turn.t
    text = [_heading(turn, search), ""]
    rows: list[tuple[Button, ...]] = []
    for number, hit in enumerate(hits, start=page * PAGE + 1):
        kind = category(hit.category)
        if is_all_day(hit.starts_at, hit.ends_at):
            moment = when(t, hit.starts_at, hit.ends_at)
        elif hit.starts_at <= turn.now:
            moment = t("now, until {time}", time=clock(t, hit.ends_at))
        else:
            moment = when(t, hit.starts_at)
        text.append(format_markup(_NUMBERED, number, kind.emoji) + bold(hit.title, 80))
        text.append(
            format_markup(
                _DETAILS, moment, shorten(hit.place_name, 40), distance(t, hit.distance_km)
            )
        )
        rows.append(
            (
                Button(
                    f"{number}. {kind.emoji} {shorten(hit.title, 40)}",
                    ShowOffer(offer=hit.offer_id).pack(),
                ),
            )
        )
    text.append("")
    hint = (
        t("Tap a meeting for details.")
        if turn.platform_has_buttons
        else t("Write the number of a meeting for details.")
    )
    text.append(hint + (" " + t("Write “more” for further meetings.") if has_more else ""))
    rows += _filter_rows(turn, search)
    paging = []
    if page > 0:
        paging.append(Button(t("◀ Back"), Page(page=page - 1).pack()))
    if has_more:
        paging.append(Button(t("More ▶"), Page(page=page + 1).pack()))
    if paging:
        rows.append(tuple(paging))
    rows += _remember_home(turn)
    return Reply(lines(text), buttons=tuple(rows), edit=edit)


def _empty(turn: Turn, search: Search, page: int, edit: bool) -> Reply:
    t = turn.t
    if page > 0:
        text = t("There are no further meetings.")
    else:
        text = lines(
            [
                _heading(turn, search),
                "",
                t(
                    "Sorry, I found no meetings here for this time. Try a larger radius or a "
                    "longer time span."
                ),
            ]
        )
    rows: list[tuple[Button, ...]] = []
    wider = [km for km in RADII if km > search.radius]
    options = []
    if wider:
        options.append(Button(t("🔭 {km} km radius", km=wider[0]), SetRadius(km=wider[0]).pack()))
    if search.window != windows.LONGEST:
        options.append(Button(t("📅 14 days"), SetWindow(window=windows.LONGEST).pack()))
    if search.categories:
        options.append(Button(t("All kinds"), SetKind(kind="all").pack()))
    if search.part or search.step_free:
        options.append(Button(t("All times and places"), ClearFilters().pack()))
    if options:
        rows.append(tuple(options))
    if page == 0:
        rows.append((Button(t("💡 Ideas for your own meetings"), IdeaList().pack()),))
    if page > 0:
        rows.append((Button(t("◀ Back"), Page(page=page - 1).pack()),))
    rows += _remember_home(turn)
    return Reply(text, buttons=tuple(rows), edit=edit)


def _remember_home(turn: Turn) -> list[tuple[Button, ...]]:
    """Offered until the person has chosen a home place; a search alone never sets one."""
    if turn.user.home_place_id is not None:
        return []
    return [(Button(turn.t("🏠 Remember as my home place"), RememberHome().pack()),)]


def _filter_rows(turn: Turn, search: Search) -> list[tuple[Button, ...]]:
    t = turn.t
    spans = tuple(
        Button(
            ("✓ " if w == search.window else "") + windows.button_label(t, w),
            SetWindow(window=w).pack(),
        )
        for w in windows.BUTTONS
    )
    return [
        spans,
        (
            Button(t("🗂 Kind"), PickKind().pack()),
            Button(t("📏 {km} km", km=search.radius), PickRadius().pack()),
        ),
    ]


def ask_for_place(turn: Turn, categories: tuple[str, ...] = ()) -> list[Reply]:
    t = turn.t
    if categories:
        kinds = ", ".join(f"{category(k).emoji} {t(category(k).name)}" for k in categories)
        text = t("Where should I look for {kinds}? Write your town or postcode.", kinds=kinds)
    else:
        text = t("Where should I look? Write your town or postcode.")
    return [Reply(with_location_hint(turn, text), keyboard=main_keyboard(turn))]


FEATURE = Feature(
    name="search",
    commands={
        "angebote": again,
        "offers": again,
        "heute": today,
        "today": today,
        "morgen": tomorrow,
        "tomorrow": tomorrow,
        "woche": week,
        "week": week,
        "mehr": more,
        "more": more,
    },
    buttons=(
        on(SetWindow, set_window),
        on(SetKind, set_category),
        on(PickKind, pick_category),
        on(SetRadius, set_radius),
        on(PickRadius, pick_radius),
        on(Page, page),
        on(ChoosePlace, choose_place),
        on(Back, back),
        on(ClearFilters, clear_filters),
    ),
    requests=(takes(SearchPlace, search_place_asked), takes(ShowSearch, show_asked)),
    intents={Intent.MORE: more, Intent.BACK: back, Intent.SEARCH: read_message},
)
