"""The coordinators' pages (/koordination): the map, the tables, CSV exports and the monthly
report, behind a one-time login link sent in chat (models.web_login).

The link's GET shows a button only (a messenger's link preview must not spend it); the POST
spends it and sets an HttpOnly, SameSite=Strict session cookie limited to /koordination. Every
request asks models.coordination what the person may see now; without a right the pages answer
403 and show nothing.
"""

from __future__ import annotations

import re

from aiohttp import web
from babel.dates import format_time

from handlers.i18n import Translator
from models.coordination import Scope, scope_of
from models.schedule import BERLIN
from models.situation import situation
from models.web_login import SESSION_VALID, end_session, session_user, use_link
from publish import map as drawing
from publish.report import TABLES, coming_header, csv_file, month_label, report_pdf, tables

from .query import language
from .render import page

COOKIE = "nahbar_koordination"
PATH = "/koordination"
_MONTH = re.compile(r"20\d\d-(0[1-9]|1[0-2])")
LISTED = (
    10  # stale offers and offers with interest listed per district on the page (all in the CSV)
)


def _context(request: web.Request):
    from .app import CONTEXT

    return request.app[CONTEXT]


async def _scope(request: web.Request) -> Scope | None:
    context = _context(request)
    async with context.sessions() as session:
        user = await session_user(session, request.cookies.get(COOKIE), context.clock())
        return await scope_of(session, context.coordinators, user) if user is not None else None


def _forbidden() -> web.HTTPForbidden:
    return web.HTTPForbidden()


async def login_form(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    if len(token) > 100:
        raise _forbidden()
    return page("coordination_login.html", language(request), token=token, headers=_private())


async def login(request: web.Request) -> web.Response:
    context = _context(request)
    async with context.sessions() as session, session.begin():
        used = await use_link(session, request.match_info["token"], context.clock())
        scope = await scope_of(session, context.coordinators, used[1]) if used else None
    if used is None or scope is None:
        raise _forbidden()
    response = web.HTTPSeeOther(PATH)
    response.set_cookie(
        COOKIE,
        used[0],
        max_age=int(SESSION_VALID.total_seconds()),
        path=PATH,
        httponly=True,
        samesite="Strict",
        secure=request.secure or context.links.web.startswith("https://"),
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    context = _context(request)
    async with context.sessions() as session, session.begin():
        await end_session(session, request.cookies.get(COOKIE))
    response = web.HTTPSeeOther("/")
    response.del_cookie(COOKIE, path=PATH)
    raise response


def _private() -> dict:
    return {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


async def _picture(request: web.Request, last_month: str | None = None):
    scope = await _scope(request)
    if scope is None:
        raise _forbidden()
    context = _context(request)
    async with context.sessions() as session:
        return await situation(
            session, context.places, scope, context.clock(), last_month=last_month
        )


async def overview(request: web.Request) -> web.Response:
    picture = await _picture(request)
    lang = language(request)
    t = Translator(lang)
    area = (
        "Sachsen-Anhalt"
        if picture.scope.whole_state
        else picture.map.district_name(picture.scope.district)
    )
    shown = tables(t, picture, ("gemeinden", "kreise"))
    names = {o.ags: o.name for o in picture.map.outlines}
    stale: dict[str, list] = {}
    for s in picture.stale:
        stale.setdefault(s.ags[:5], []).append((s, names.get(s.ags, "")))
    return page(
        "coordination.html",
        lang,
        headers=_private(),
        area=area,
        picture=picture,
        map=drawing.svg(t, picture, link="#g{ags}", title=area),
        legend=drawing.legend(t),
        hatch=drawing.HATCH,
        months=[month_label(t, m) for m in picture.months],
        municipalities=shown["gemeinden"],
        districts=shown["kreise"],
        coming=coming_header(t, picture),
        white_spots=sorted(picture.white_spots, key=lambda m: -m.outline.residents),
        stale=stale,
        listed=LISTED,
        counted_at=format_time(picture.counted_at.astimezone(BERLIN), "short", locale=lang),
    )


async def export(request: web.Request) -> web.Response:
    name = request.match_info["table"]
    if name not in TABLES:
        raise web.HTTPNotFound()
    picture = await _picture(request)
    header, rows = tables(Translator(language(request)), picture, (name,))[name]
    return web.Response(
        body=csv_file(header, rows),
        content_type="text/csv",
        charset="utf-8",
        headers={**_private(), "Content-Disposition": f'attachment; filename="nahbar-{name}.csv"'},
    )


async def report(request: web.Request) -> web.Response:
    month = request.query.get("monat", "")
    if month and not _MONTH.fullmatch(month):
        raise web.HTTPBadRequest()
    picture = await _picture(request, month or None)
    made = report_pdf(Translator(language(request)), picture)
    return web.Response(
        body=made.pdf,
        content_type="application/pdf",
        headers={**_private(), "Content-Disposition": f'inline; filename="{made.filename}"'},
    )


ROUTES = (
    ("GET", PATH, overview, "coordination"),
    ("GET", PATH + "/anmelden/{token}", login_form, "coordination_login_form"),
    ("POST", PATH + "/anmelden/{token}", login, "coordination_login"),
    ("POST", PATH + "/abmelden", logout, "coordination_logout"),
    ("GET", PATH + "/{table}.csv", export, "coordination_export"),
    ("GET", PATH + "/bericht.pdf", report, "coordination_report"),
)
