"""Calendar (iCalendar) and RSS feeds, per place and by parameters, that calendar apps and
feed readers can poll for nothing: each answer carries an ETag and Last-Modified, and an
unchanged feed is a 304 from memory. Whether anything changed is asked of the store at most
every few seconds (models.public.data_version: two index look-ups), and a feed is made again
at least once a day and whenever its offers or their dates change."""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from aiohttp import web

from handlers.formatting import when
from handlers.i18n import N_
from models.public import data_version, for_feed
from publish.calendar import feed_calendar

from .query import BadRequest, Filters, filters, find_place, local_day
from .render import ENV, offer_view, translator

CHECK_EVERY = 5.0  # seconds between asking the store whether anything changed
KEEP = 512  # feeds kept in memory (distinct places and filters); the oldest goes first
MAX_AGE = 900  # what clients and proxies are told they may keep a feed (seconds)


@dataclass
class Made:
    body: bytes
    etag: str
    last_modified: datetime
    version: tuple


class FeedCache:
    def __init__(self, clock=time.monotonic) -> None:
        self.entries: OrderedDict[tuple, Made] = OrderedDict()
        self.clock = clock
        self._version: tuple | None = None
        self._checked = float("-inf")

    async def version(self, sessions, now: datetime) -> tuple:
        if self._version is None or self.clock() - self._checked >= CHECK_EVERY:
            async with sessions() as session:
                self._version = await data_version(session)
            self._checked = self.clock()
        return (*self._version, local_day(now))

    def get(self, key: tuple, version: tuple) -> Made | None:
        made = self.entries.get(key)
        if made is None or made.version != version:
            return None
        self.entries.move_to_end(key)
        return made

    def put(self, key: tuple, body: bytes, version: tuple, now: datetime) -> Made:
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        before = self.entries.get(key)
        # Last-Modified moves only when the content did.
        modified = before.last_modified if before is not None and before.etag == etag else now
        made = Made(body, etag, modified.replace(microsecond=0), version)
        self.entries[key] = made
        self.entries.move_to_end(key)
        while len(self.entries) > KEEP:
            self.entries.popitem(last=False)
        return made


def not_modified(request: web.Request, made: Made) -> bool:
    tags = request.headers.get("If-None-Match")
    if tags is not None:
        return (
            made.etag in {t.strip().removeprefix("W/") for t in tags.split(",")}
            or tags.strip() == "*"
        )
    since = request.headers.get("If-Modified-Since")
    if since:
        try:
            return made.last_modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError):
            return False
    return False


def answer(request: web.Request, made: Made, content_type: str) -> web.StreamResponse:
    headers = {
        "ETag": made.etag,
        "Last-Modified": format_datetime(made.last_modified, usegmt=True),
        "Cache-Control": f"public, max-age={MAX_AGE}",
    }
    if not_modified(request, made):
        return web.Response(status=304, headers=headers)
    return web.Response(body=made.body, content_type=content_type, charset="utf-8", headers=headers)


async def feed(
    request: web.Request, context, place, filters: Filters, kind: str
) -> web.StreamResponse:
    """The calendar ("ics") or RSS ("rss") feed of a place with these filters."""
    now = context.clock()
    cache: FeedCache = context.feeds
    key = (kind, place.id, filters.radius, filters.kind, filters.step_free, filters.language)
    version = await cache.version(context.sessions, now)
    made = cache.get(key, version)
    if made is None:
        async with context.sessions() as session:
            listed = await for_feed(session, filters.area(place, now, feed=True), now)
        body = (_calendar if kind == "ics" else _rss)(context, place, filters, listed, now)
        made = cache.put(key, body, version, now.astimezone(UTC))
    return answer(request, made, "text/calendar" if kind == "ics" else "application/rss+xml")


def _name(t, place) -> str:
    return str(t("Nahbar: meetings near {place}", place=place.title))


def _calendar(context, place, filters: Filters, listed, now: datetime) -> bytes:
    t = translator(filters.language)
    links = context.links

    def describe(offer) -> str:
        view = offer_view(t, offer, [])
        parts = [
            view["description"],
            *(str(line.striptags()) for line in view["access"]),
            f"💶 {view['cost']}",
        ]
        if view["contact"]:
            parts.append(str(t("☎️ Contact: {contact}", contact=view["contact"]).striptags()))
        return "\n".join(p for p in parts if p)[:2000]

    return feed_calendar(
        listed,
        now,
        name=_name(t, place),
        describe=describe,
        url=(lambda offer: links.offer_page(offer.id)) if links.web else None,
        alarm_text=str(t("Tomorrow: a meeting near you")),
    )


def _rss(context, place, filters: Filters, listed, now: datetime) -> bytes:
    t = translator(filters.language)
    links = context.links
    items = []
    for item in listed:
        view = offer_view(t, item.offer, item.dates)
        first = item.dates[0] if item.dates else None
        items.append(
            {
                **view,
                "guid": f"offer-{item.offer.id}@nahbar",
                "link": links.offer_page(item.offer.id),
                "when": when(t, *first) if first else "",
                "published": format_datetime(
                    (item.offer.updated_at or now).astimezone(UTC), usegmt=True
                ),
            }
        )
    body = ENV.get_template("feed.rss.xml").render(
        t=t,
        lang=filters.language,
        title=_name(t, place),
        link=links.place_page(place.id),
        built=format_datetime(now.astimezone(UTC), usegmt=True),
        items=items,
    )
    return body.encode("utf-8")


async def by_parameters(request: web.Request) -> web.StreamResponse:
    """/feed.ics and /feed.rss?ort=…&umkreis=…&art=…&barrierefrei=1: the same as a place's feed."""
    from .pages import context_of  # one context accessor for every handler

    f = filters(request)
    if not f.place:
        raise BadRequest(N_("Which place? Add ?ort= with a town, village or postcode."))
    context = context_of(request)
    found = find_place(context.places, f.place)
    if found.place is None:
        raise web.HTTPNotFound()
    return await feed(
        request, context, found.place, f, "ics" if request.path.endswith(".ics") else "rss"
    )
