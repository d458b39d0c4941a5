"""The web face's application: what it reads (`WebContext`) and every route, registered in one
place (`ROUTES`), so operations can add theirs (/readyz, /metrics) beside /healthz."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import async_sessionmaker

from models.coordination import CoordinatorList
from places import Gazetteer
from publish.links import Links

from . import coordination, feeds, pages, printing
from .feeds import FeedCache
from .guard import Limiter, middlewares
from .query import set_default_radius

STATIC = Path(__file__).with_name("static")
MAX_BODY = 16 * 1024  # nothing here takes a body; a large one is refused early


@dataclass
class WebContext:
    sessions: async_sessionmaker
    places: Gazetteer
    clock: Callable[[], datetime]
    links: Links
    requests_per_minute: int = 120
    default_radius_km: int = 10
    feeds: FeedCache = field(default_factory=FeedCache)
    coordinators: CoordinatorList = field(default_factory=CoordinatorList)  # NAHBAR_COORDINATORS


CONTEXT = web.AppKey("context", WebContext)

# (method, path, handler, name): every route of the web face.
ROUTES = (
    ("GET", "/", pages.index, "index"),
    ("GET", "/ort/{place}", pages.place, "place"),  # also /ort/<place>.ics and .rss
    ("GET", "/angebot/{offer}", pages.offer, "offer"),  # also /angebot/<id>.ics
    ("GET", "/feed.ics", feeds.by_parameters, "feed_ics"),
    ("GET", "/feed.rss", feeds.by_parameters, "feed_rss"),
    ("GET", "/aushang/{place}", printing.notice, "notice"),  # /aushang/<place>.pdf
    ("GET", "/einbetten", pages.embed_help, "embed_help"),
    ("GET", "/embed", pages.embed, "embed"),
    ("GET", "/embed/fragment", pages.embed_fragment, "embed_fragment"),
    ("GET", "/healthz", pages.healthz, "healthz"),
    *coordination.ROUTES,
)


def make_app(context: WebContext, operations: Sequence[web.RouteDef] = ()) -> web.Application:
    """The web face; `operations` are the operators' routes served beside it (ops.http: /readyz,
    /metrics)."""
    app = web.Application(
        middlewares=middlewares(Limiter(context.requests_per_minute)), client_max_size=MAX_BODY
    )
    app[CONTEXT] = context
    set_default_radius(context.default_radius_km)
    for method, path, handler, name in ROUTES:
        app.router.add_route(method, path, handler, name=name)
    app.add_routes(operations)
    app.router.add_static("/static", STATIC, name="static", append_version=False)
    return app
