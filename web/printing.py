"""/aushang/<place>.pdf: the printable notice for a notice board (?tage=14, ?form=blatt for the
column text of a municipal newsletter), made by publish.notice like `nahbar aushang` and the
chat's /aushang."""

from __future__ import annotations

from aiohttp import web

from publish.notice import NOTICE_DAYS, make_notice

from .pages import context_of
from .query import find_place, language

DAYS = {"7": 7, "14": 14, "21": 21, "28": 28}


async def notice(request: web.Request) -> web.StreamResponse:
    name = request.match_info["place"]
    if not name.endswith(".pdf"):
        raise web.HTTPNotFound()
    context = context_of(request)
    found = find_place(context.places, name.removesuffix(".pdf"))
    if found.place is None:
        raise web.HTTPNotFound()
    days = DAYS.get(request.query.get("tage", ""), NOTICE_DAYS)
    newsletter = request.query.get("form", "") == "blatt"
    async with context.sessions() as session:
        made = await make_notice(
            session,
            found.place,
            links=context.links,
            now=context.clock(),
            days=days,
            radius_km=context.default_radius_km,
            language=language(request),
            newsletter=newsletter,
        )
    return web.Response(
        body=made.pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{made.filename}"'},
    )
