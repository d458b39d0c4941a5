"""The pages people read: the search form, a place's coming meetings, one offer, the embed for
municipal websites and its explanation, and /healthz for operators."""

from __future__ import annotations

from aiohttp import web
from markupsafe import Markup
from sqlalchemy import text

from models.categories import CATEGORIES
from models.listing import next_dates, valid_id, visible_offer
from models.public import coming, offer_changes
from publish.calendar import feed_calendar

from . import feeds
from .query import RADII, Filters, filters, find_place
from .render import ENV, event_ld, link, offer_view, page, place_path, translator

LISTED = 20  # offers on a place page (the soonest; the feeds have them all)
EMBEDDED = 12  # offers in the embed
PAGE_DATES = 1  # dates per offer in a list, as in the chat; the offer's page shows more
OFFER_DATES = 6


def context_of(request: web.Request):
    from .app import CONTEXT

    return request.app[CONTEXT]


def _form(f: Filters) -> dict:
    return {"filters": f, "categories": CATEGORIES, "radii": RADII}


async def index(request: web.Request) -> web.StreamResponse:
    f = filters(request)
    if not f.place:
        return page("index.html", f.language, **_form(f))
    found = find_place(context_of(request).places, f.place)
    if found.place is not None:
        raise web.HTTPSeeOther(link(place_path(found.place.id), f.params()))
    return _not_found(f, found)


def _not_found(f: Filters, found) -> web.Response:
    """The chat's answers for a place it cannot take as it is: namesakes to choose from, close
    matches for a typo, or a plain "unknown place"."""
    return page(
        "index.html",
        f.language,
        status=200 if found.choices else 404,
        asked=f.place,
        choices=found.choices,
        typo=found.typo,
        outside=found.outside,
        **_form(f),
    )


async def place(request: web.Request) -> web.StreamResponse:
    name = request.match_info["place"]
    kind = ""
    for suffix in (".ics", ".rss"):
        if name.endswith(suffix):
            name, kind = name[: -len(suffix)], suffix[1:]
    f = filters(request)
    context = context_of(request)
    found = find_place(context.places, name)
    if found.place is None:
        return _not_found(Filters(**{**f.__dict__, "place": name[:100]}), found)
    if kind:
        return await feeds.feed(request, context, found.place, f, kind)
    return await _place_page(request, context, found.place, f)


async def _place_page(request, context, where, f: Filters) -> web.Response:
    t = translator(f.language)
    now = context.clock()
    async with context.sessions() as session:
        listed = await coming(session, f.area(where, now), limit=LISTED, dates_per_offer=PAGE_DATES)
    items = [offer_view(t, item.offer, item.dates, item.distance_km) for item in listed]
    data = [
        ld
        for item in listed
        for ld in event_ld(item.offer, item.dates[:1], context.links.offer_page(item.offer.id))
    ]
    feed_params = {k: v for k, v in f.params().items() if k != "tage"}
    return page(
        "place.html",
        f.language,
        place=where,
        items=items,
        jsonld=data,
        feed_ics=link(place_path(where.id, ".ics"), feed_params),
        feed_rss=link(place_path(where.id, ".rss"), feed_params),
        notice=link(
            f"/aushang/{where.id}.pdf", {"lang": f.language} if f.language != "de" else None
        ),
        web=context.links.web,
        **_form(f),
    )


async def offer(request: web.Request) -> web.StreamResponse:
    raw = request.match_info["offer"]
    as_calendar = raw.endswith(".ics")
    offer_id = valid_id(raw.removesuffix(".ics"))
    f = filters(request)
    context = context_of(request)
    if offer_id is None:
        raise web.HTTPNotFound()
    now = context.clock()
    async with context.sessions() as session:
        found = await visible_offer(session, offer_id)
        if found is None:
            raise web.HTTPNotFound()
        dates = await next_dates(session, offer_id, now, OFFER_DATES)
        if as_calendar:
            item = await offer_changes(session, found)
    t = translator(f.language)
    links = context.links
    if as_calendar:
        body = feed_calendar(
            [item],
            now,
            name=found.title,
            describe=lambda o: offer_view(t, o, [])["description"],
            url=(lambda o: links.offer_page(o.id)) if links.web else None,
            alarm_text=str(t("Tomorrow: a meeting near you")),
        )
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="nahbar-{offer_id}.ics"'},
        )
    return page(
        "offer.html",
        f.language,
        offer=offer_view(t, found, dates, rule=True),
        jsonld=event_ld(found, dates[:1], links.offer_page(offer_id)),
        telegram=links.telegram_offer(offer_id),
        matrix=links.matrix(),
        calendar=f"/angebot/{offer_id}.ics",
        filters=f,
    )


async def embed_help(request: web.Request) -> web.StreamResponse:
    f = filters(request)
    context = context_of(request)
    found = find_place(context.places, f.place) if f.place else None
    snippet = fragment = ""
    if found is not None and found.place is not None:
        params = {"ort": found.place.id, **f.params()}
        base = context.links.web
        snippet = str(
            Markup(
                '<iframe src="{}" title="{}" width="100%" height="600" style="border:0" '
                'loading="lazy"></iframe>'
            ).format(base + link("/embed", params), found.place.title)
        )
        fragment = await _fragment(context, found.place, f, absolute=True)
    return page(
        "embed_help.html",
        f.language,
        found=found,
        snippet=snippet,
        fragment=fragment,
        fragment_url=link("/embed/fragment", {"ort": found.place.id, **f.params()})
        if found is not None and found.place is not None
        else "",
        web=context.links.web,
        **_form(f),
    )


async def _fragment(context, where, f: Filters, *, absolute: bool) -> str:
    t = translator(f.language)
    now = context.clock()
    async with context.sessions() as session:
        listed = await coming(session, f.area(where, now), limit=EMBEDDED, dates_per_offer=1)
    items = [offer_view(t, item.offer, item.dates[:1], item.distance_km) for item in listed]
    return ENV.get_template("fragment.html").render(
        t=t,
        lang=f.language,
        place=where,
        items=items,
        base=context.links.web if absolute else "",
        more=link(place_path(where.id), f.params()),
    )


async def embed(request: web.Request) -> web.StreamResponse:
    f = filters(request)
    context = context_of(request)
    found = find_place(context.places, f.place)
    if found.place is None:
        return _not_found(f, found)
    fragment = await _fragment(context, found.place, f, absolute=bool(context.links.web))
    return page("embed.html", f.language, place=found.place, fragment=fragment)


async def embed_fragment(request: web.Request) -> web.StreamResponse:
    f = filters(request)
    context = context_of(request)
    found = find_place(context.places, f.place)
    if found.place is None:
        raise web.HTTPNotFound()
    body = await _fragment(context, found.place, f, absolute=True)
    return web.Response(
        text=body,
        content_type="text/html",
        charset="utf-8",
        headers={"Access-Control-Allow-Origin": "*"},
    )


async def healthz(request: web.Request) -> web.StreamResponse:
    try:
        async with context_of(request).sessions() as session:
            await session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - the store is not reachable: say so, no details
        return web.Response(text="database unavailable\n", status=503)
    return web.Response(text="ok\n")
