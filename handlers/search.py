"""Residents ask what is on nearby: place in, a short list out, filters and paging on buttons.

The search lives in the dialogue state ("search": place, point, window, radius, categories,
page), so every button press, "mehr" or /heute continues from where the user left off, even
after a restart.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from models.categories import BY_KEY, CATEGORIES, category
from models.schedule import BERLIN, to_local
from models.search import Hit, Query, nearby
from places import Place

from .buttons import button_data
from .common import main_keyboard, stale_button
from .context import Turn
from .formatting import clock, distance, esc, when
from .messages import Button, Reply

PAGE = 5
RADII = (5, 10, 25, 50)
WINDOWS = ("today", "week", "14")
_DAYS = {"today": 1, "week": 7, "14": 14}
MAX_CHOICES = 5


def coarse(value: float, precise: bool) -> float:
    """Positions are kept to about a kilometre unless the user agreed to more."""
    return round(value, 4 if precise else 2)


def window_bounds(window: str, now: datetime) -> tuple[datetime, datetime]:
    """From now until local midnight after 1, 7 or 14 calendar days (today counts as one)."""
    today = to_local(now).date()
    end = datetime.combine(today + timedelta(days=_DAYS[window]), time(0), tzinfo=BERLIN)
    return now, end


# --- entry points ---------------------------------------------------------------------------

async def by_place_name(turn: Turn, text: str, *, window: str | None = None,
                        typed: str | None = None) -> list[Reply]:
    """`text` is the place part of what was `typed`; `window` a time span typed with it."""
    t = turn.t
    found = turn.app.places.resolve(text)
    if window:
        turn.save(window=window)
    if found.status == "found" and found.place:
        if found.place.kind == "coordinates":
            return await at_location(turn, found.place.lat, found.place.lon)
        return await _search_at(turn, found.place, window=window)
    if found.status == "choice" and found.choices:
        buttons = [(Button(place_label(p), button_data("pl", p.id)),) for p in found.choices[:MAX_CHOICES]]
        return [Reply(t("There are several places called “{name}”. Which one do you mean?",
                        name=esc(found.choices[0].name)), buttons=tuple(buttons))]
    if found.status == "suggest" and found.suggestions:
        buttons = [(Button(place_label(p), button_data("pl", p.id)),) for p in found.suggestions[:MAX_CHOICES]]
        best = found.suggestions[0]
        return [Reply(t("I don't know “{text}”. Did you mean {place}?", text=esc(text, 60),
                        place=esc(best.name)), buttons=tuple(buttons))]
    return [Reply(t("Sorry, I don't know the place “{text}”. Please try the postcode or the "
                    "next larger town, or send your location.", text=esc(typed or text, 60)))]


async def choose_place(turn: Turn, place_id: str) -> list[Reply]:
    place = turn.app.places.get(place_id)
    if place is None:
        return [stale_button(turn)]
    return await _search_at(turn, place)


def shared_place(turn: Turn, lat: float, lon: float, label) -> Place | None:
    """A shared position as a Place, kept coarse unless the user agreed to more; None when the
    position is impossible. `label(town, lat, lon)` names it (town is the nearest, or None)."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    town = turn.app.places.nearest(lat, lon)
    precise = turn.user.consent_precise_location
    lat, lon = coarse(lat, precise), coarse(lon, precise)
    return Place(id=f"c{lat},{lon}", name=label(town, lat, lon), lat=lat, lon=lon,
                 region=town.region if town else "", kind="coordinates")


def unreadable_location(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("I could not read that location. Please write your town or postcode."))]


async def at_location(turn: Turn, lat: float, lon: float) -> list[Reply]:
    t = turn.t
    place = shared_place(turn, lat, lon, lambda town, *_: (
        t("your location near {town}", town=town.name) if town else t("your location")))
    if place is None:
        return unreadable_location(turn)
    return await _search_at(turn, place)


async def again(turn: Turn, argument: str = "") -> list[Reply]:
    if argument:
        return await by_place_name(turn, argument)
    return await _with_window(turn, None)


async def today(turn: Turn, argument: str = "") -> list[Reply]:
    return await _with_window(turn, "today")


async def week(turn: Turn, argument: str = "") -> list[Reply]:
    return await _with_window(turn, "week")


async def fortnight(turn: Turn, argument: str = "") -> list[Reply]:
    return await _with_window(turn, "14")


async def more(turn: Turn, argument: str = "") -> list[Reply]:
    search = turn.state.get("search")
    if not search:
        return _ask_for_place(turn)
    return await _show(turn, page=search.get("page", 0) + 1)


async def category_words(turn: Turn, key: str) -> list[Reply]:
    return await _update(turn, categories=[key] if key in BY_KEY else [])


# --- buttons under the list -----------------------------------------------------------------

async def set_window(turn: Turn, window: str) -> list[Reply]:
    if window not in WINDOWS:
        return _stale(turn)
    return await _update(turn, window=window)


async def set_radius(turn: Turn, km: str) -> list[Reply]:
    if not km.isdigit() or int(km) not in RADII:
        return _stale(turn)
    turn.user.radius_km = int(km)
    return await _update(turn, radius=int(km))


async def set_category(turn: Turn, key: str) -> list[Reply]:
    if key != "all" and key not in BY_KEY:
        return _stale(turn)
    return await _update(turn, categories=[] if key == "all" else [key])


async def page(turn: Turn, number: str) -> list[Reply]:
    if not number.isdigit() or int(number) > 1000 or not turn.state.get("search"):
        return _stale(turn)
    return await _show(turn, page=int(number))


async def back(turn: Turn, argument: str = "") -> list[Reply]:
    if not turn.state.get("search"):
        return _stale(turn)
    return await _show(turn, page=turn.state["search"].get("page", 0))


async def pick_category(turn: Turn, argument: str = "") -> list[Reply]:
    if not turn.state.get("search"):
        return _stale(turn)
    t = turn.t
    rows = [(Button(f"{c.emoji} {t(c.name)}", button_data("c", c.key)),) for c in CATEGORIES]
    rows.append((Button(t("All kinds"), button_data("c", "all")), Button(t("🔙 Back"), "b")))
    return [Reply(t("Which kind of meeting are you looking for?"), buttons=tuple(rows), edit=True)]


async def pick_radius(turn: Turn, argument: str = "") -> list[Reply]:
    if not turn.state.get("search"):
        return _stale(turn)
    t = turn.t
    row = tuple(Button(t("{km} km", km=km), button_data("r", km)) for km in RADII)
    return [Reply(t("How far may it be?"), buttons=(row, (Button(t("🔙 Back"), "b"),)), edit=True)]


# --- the list -------------------------------------------------------------------------------

async def _search_at(turn: Turn, place: Place, window: str | None = None) -> list[Reply]:
    previous = turn.state.get("search") or {}
    pending = turn.state.get("window")  # asked for before the place was known ("heute", "/woche")
    turn.forget("window")
    turn.save(search={
        "place": place.title, "place_id": place.id, "lat": place.lat, "lon": place.lon,
        "window": window or pending or previous.get("window") or "week",
        "radius": previous.get("radius") or turn.user.radius_km,
        "categories": previous.get("categories") or [],
        "page": 0,
    })
    user = turn.user
    user.home_place_id, user.home_place_name = place.id, place.name
    user.home_lat, user.home_lon = place.lat, place.lon
    return await _show(turn, page=0)


async def _with_window(turn: Turn, window: str | None) -> list[Reply]:
    if turn.state.get("search"):
        return await _update(turn, window=window) if window else await _show(turn, page=0)
    user = turn.user
    if user.home_lat is not None and user.home_lon is not None:
        turn.save(search={
            "place": user.home_place_name or "", "place_id": user.home_place_id,
            "lat": user.home_lat, "lon": user.home_lon, "window": window or "week",
            "radius": user.radius_km, "categories": [], "page": 0,
        })
        return await _show(turn, page=0)
    if window:
        turn.save(window=window)  # used once the place is known
    return _ask_for_place(turn)


async def _update(turn: Turn, **changes) -> list[Reply]:
    search = turn.state.get("search")
    if not search:
        if "window" in changes:
            turn.save(window=changes["window"])
        return _ask_for_place(turn)
    turn.save(search={**search, **changes, "page": 0})
    return await _show(turn, page=0)


async def _show(turn: Turn, page: int) -> list[Reply]:
    search = {**turn.state["search"], "page": page}
    turn.save(search=search)
    start, end = window_bounds(search["window"], turn.now)
    query = Query(lat=search["lat"], lon=search["lon"], radius_km=search["radius"], start=start,
                  end=end, categories=frozenset(search["categories"]), once_per_offer=True)
    hits = await nearby(turn.session, query, limit=PAGE + 1, offset=page * PAGE)
    edit = turn.msg.button is not None
    if not hits:
        return [_empty(turn, search, page, edit)]
    return [_list(turn, search, hits[:PAGE], page, has_more=len(hits) > PAGE, edit=edit)]


def _heading(turn: Turn, search: dict) -> str:
    t = turn.t
    windows = {"today": t("today"), "week": t("this week"), "14": t("in the next 14 days")}
    parts = [windows[search["window"]], t("{km} km", km=search["radius"])]
    parts += [f"{category(k).emoji} {t(category(k).name)}" for k in search["categories"]]
    return t("<b>Meetings near {place}</b>", place=esc(search["place"])) + "\n" + " · ".join(parts)


def _list(turn: Turn, search: dict, hits: list[Hit], page: int, *, has_more: bool,
          edit: bool) -> Reply:
    t = turn.t
    lines = [_heading(turn, search), ""]
    rows: list[tuple[Button, ...]] = []
    for number, hit in enumerate(hits, start=page * PAGE + 1):
        kind = category(hit.category)
        if hit.starts_at <= turn.now:
            moment = t("now, until {time}", time=clock(t, hit.ends_at))
        else:
            moment = when(t, hit.starts_at)
        lines.append(f"{number}. {kind.emoji} <b>{esc(hit.title, 80)}</b>")
        lines.append(f"    {moment} · {esc(hit.place_name, 40)} · {distance(t, hit.distance_km)}")
        rows.append((Button(f"{number}. {kind.emoji} {_short(hit.title)}", button_data("o", hit.offer_id)),))
    lines.append("")
    lines.append(t("Tap a meeting for details.") + (" " + t("Write “more” for further meetings.") if has_more else ""))
    rows += _filter_rows(turn, search)
    paging = []
    if page > 0:
        paging.append(Button(t("◀ Back"), button_data("pg", page - 1)))
    if has_more:
        paging.append(Button(t("More ▶"), button_data("pg", page + 1)))
    if paging:
        rows.append(tuple(paging))
    return Reply("\n".join(lines), buttons=tuple(rows), edit=edit)


def _empty(turn: Turn, search: dict, page: int, edit: bool) -> Reply:
    t = turn.t
    if page > 0:
        text = t("There are no further meetings.")
    else:
        text = _heading(turn, search) + "\n\n" + t(
            "Sorry, I found no meetings here for this time. Try a larger radius or a longer time span."
        )
    rows: list[tuple[Button, ...]] = []
    wider = [km for km in RADII if km > search["radius"]]
    options = []
    if wider:
        options.append(Button(t("🔭 {km} km radius", km=wider[0]), button_data("r", wider[0])))
    if search["window"] != "14":
        options.append(Button(t("📅 14 days"), button_data("w", "14")))
    if search["categories"]:
        options.append(Button(t("All kinds"), button_data("c", "all")))
    if options:
        rows.append(tuple(options))
    if page == 0:
        rows.append((Button(t("💡 Ideas for your own meetings"), "id"),))
    if page > 0:
        rows.append((Button(t("◀ Back"), button_data("pg", page - 1)),))
    return Reply(text, buttons=tuple(rows), edit=edit)


def _filter_rows(turn: Turn, search: dict) -> list[tuple[Button, ...]]:
    t = turn.t
    labels = {"today": t("Today"), "week": t("This week"), "14": t("14 days")}
    windows = tuple(
        Button(("✓ " if w == search["window"] else "") + labels[w], button_data("w", w)) for w in WINDOWS
    )
    return [windows, (Button(t("🗂 Kind"), "c?"), Button(t("📏 {km} km", km=search["radius"]), "r?"))]


def _ask_for_place(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("Where should I look? Write your town or postcode, or send your location."),
                  keyboard=main_keyboard(turn))]


def _stale(turn: Turn) -> list[Reply]:
    return [stale_button(turn)]


def place_label(place: Place) -> str:
    """What tells places of one name apart: "Wallwitz (Gemeinde Petersberg)", "Möckern (Thüringen)"."""
    return place.label


def _short(title: str, limit: int = 40) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
