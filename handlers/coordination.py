"""Coordinators in chat: `/lage [Landkreis|Ort]` gives offers, white spots, unmet searches and
stale offers for their area in a few lines with the map as a picture; invitations for further
coordinators (`/koordination CODE`) and for companions of a municipality; ideas for white
spots; a one-time link to the web pages (/koordination on the web face).

Every step asks models.coordination what the sender may see at that moment; a district
coordinator asking about another district, or anyone else, is refused and sees nothing.
"""

from __future__ import annotations

import logging
from typing import Annotated

from markupsafe import Markup

from models import companions
from models.coordination import Scope, new_invite, redeem_invite, scope_of
from models.ideas import Idea, visible_ideas
from models.situation import Municipality, Situation, situation
from models.web_login import LINK_VALID, new_link
from places.municipalities import load
from publish import map as drawing
from publish.report import area_total, map_png, month_label, unmet_total
from publish.suppression import LESS

from .buttons import ButtonData, Matching
from .context import Turn
from .dialogue import Feature, on
from .formatting import bold, lines
from .handover import StartHere
from .messages import Attachment, Button, Reply
from .text import shorten

log = logging.getLogger(__name__)
SHOWN = 5  # white spots and municipalities named in a chat answer


async def _scope(turn: Turn) -> Scope | None:
    listed = turn.services.coordinators
    return await scope_of(turn.session, listed, turn.user)


def _refused(turn: Turn) -> list[Reply]:
    log.warning("refused a coordinators' view for user %s", turn.user.id)
    t = turn.t
    return [
        Reply(t("Only coordinators may see this."), notice=t("Only coordinators may see this."))
    ]


# --- what the buttons carry (checked here, and again against the sender's right) ------------


Area = Annotated[str, Matching(r"all|15\d{3}", 5)]  # the state, or a district key ("15085")


class WhiteSpotIdeas(ButtonData, prefix="kd"):
    area: Area


class WebLogin(ButtonData, prefix="kw"):
    pass


class InviteCoordinator(ButtonData, prefix="ki"):
    area: Area | None = None  # without: the inviter's own area


class InviteCompanion(ButtonData, prefix="kb"):
    municipality: Annotated[str, Matching(r"15\d{6}", 8)]  # its key, "15085235"


def _area(area: str) -> Scope:
    return Scope() if area == "all" else Scope(area)


def _municipality_in(turn: Turn, text: str) -> str | None:
    found = turn.services.places.resolve(text)
    if found.status == "found" and found.place is not None:
        return turn.services.places.municipality_of(found.place.id) or None
    return None


async def situation_view(turn: Turn, argument: str = "") -> list[Reply]:
    """/lage, /lage Harz, /lage Quedlinburg."""
    scope = await _scope(turn)
    if scope is None:
        return _refused(turn)
    t = turn.t
    area, focus = scope, None
    if argument:
        district = load().district_by_name(argument)
        focus = None if district else _municipality_in(turn, argument)
        key = district or (focus[:5] if focus is not None else None)  # a municipality's district
        if key is None:
            return [
                Reply(
                    t(
                        "I know no district or place “{text}” in Sachsen-Anhalt.",
                        text=shorten(argument, 60),
                    )
                )
            ]
        area = Scope(key)
        if not area.within(scope):
            return _refused(turn)
    picture = await situation(turn.session, turn.services.places, area, turn.now)
    if focus is not None:
        return [_one(turn, picture, focus)]
    return [_summary(turn, picture, scope)]


def _scope_name(scope: Scope) -> str:
    return "Sachsen-Anhalt" if scope.whole_state else load().district_name(scope.district)


def _summary(turn: Turn, picture: Situation, own: Scope) -> Reply:
    t = turn.t
    month = picture.months[-1]
    white = sorted(picture.white_spots, key=lambda m: -m.outline.residents)
    reminders, coming = area_total(picture, "reminders"), area_total(picture, "coming")
    text: list[str] = [
        bold(t("📊 The situation in {area}", area=_scope_name(picture.scope))),
        "",
        t.n(
            "📍 {count} offer with a date in the next 14 days",
            "📍 {count} offers with a date in the next 14 days",
            picture.offers,
        ),
        t(
            "⚪ White spots (no offer within 10 km): {count} of {total} municipalities",
            count=len(white),
            total=len(picture.municipalities),
        ),
    ]
    if white:
        text.append(_some([m.outline.name for m in white]))
    text.append(
        t(
            "🔍 Searches without a result in {month}: {count}",
            month=month_label(t, month),
            count=str(unmet_total(picture, month)),
        )
    )
    text.append(
        t(
            "💤 Stale offers (no date in 60 days, organiser silent): {count}",
            count=str(len(picture.stale)),
        )
    )
    if picture.stale:
        text.append(_some([s.title for s in picture.stale]))
    text.append(
        t(
            "🔔 Reminders asked for: {reminders} · 👍 “I am coming” for dates in {month}: {coming}",
            reminders=str(reminders),
            coming=str(coming),
            month=month_label(t, picture.counted_month),
        )
    )
    text += [
        "",
        t(
            "Counts from 1 to 4 are shown as “{small}”, “•” hides a count that would give "
            "one away.",
            small=LESS,
        ),
    ]
    rows = [
        (
            Button(
                t("💡 Ideas for white spots"),
                WhiteSpotIdeas(area=picture.scope.district or "all").pack(),
            ),
        ),
        (
            Button(t("🌐 Open the web pages"), WebLogin().pack()),
            Button(
                t("🔑 Invite a coordinator"),
                InviteCoordinator(area=picture.scope.district or "all").pack(),
            ),
        ),
    ]
    png = map_png(t, picture)
    return Reply(
        lines(text),
        buttons=tuple(rows),
        attachment=Attachment(filename="karte.png", content=png, mime_type="image/png"),
    )


def _some(names: list[str]) -> Markup:
    """The first few names of a list, indented, "…" when there are more."""
    return (
        Markup("   ")
        + Markup(", ").join(shorten(n, 40) for n in names[:SHOWN])
        + (Markup(" …") if len(names) > SHOWN else Markup(""))
    )


def _one(turn: Turn, picture: Situation, ags: str) -> Reply:
    t = turn.t
    m = next((m for m in picture.municipalities if m.outline.ags == ags), None)
    if m is None:
        return Reply(t("I know no district or place “{text}” in Sachsen-Anhalt.", text=ags))
    text = [
        bold(t("📊 {place}", place=m.outline.name)),
        "",
        drawing.describe(t, m, picture.months[-1]),
    ]
    rows = [
        (
            Button(
                t("🤝 Invite a companion for {place}", place=shorten(m.outline.name, 30)),
                InviteCompanion(municipality=ags).pack(),
            ),
        )
    ]
    return Reply(lines(text), buttons=tuple(rows))


async def ideas_for_white_spots(turn: Turn, pressed: WhiteSpotIdeas) -> list[Reply]:
    """For each white spot: the nearest offers and idea-pool formats for a place of its size."""
    scope = await _scope(turn)
    if scope is None:
        return _refused(turn)
    area = _area(pressed.area)
    if not area.within(scope):
        return _refused(turn)
    t = turn.t
    picture = await situation(turn.session, turn.services.places, area, turn.now)
    ideas = await visible_ideas(turn.session)
    text: list[str] = [bold(t("💡 Ideas for white spots")), ""]
    white = sorted(picture.white_spots, key=lambda m: -m.outline.residents)[:SHOWN]
    for m in white:
        nearest = await _nearest_offer(turn, m)
        text.append(bold(m.outline.name))
        if nearest:
            text.append(
                t(
                    "Nearest offer: {title} in {place}, {km} km",
                    title=shorten(nearest[1], 50),
                    place=nearest[2],
                    km=round(nearest[0]),
                )
            )
        picks = _ideas_for(ideas, m)
        if picks:
            text.append(
                t(
                    "Formats that suit a place of this size: {ideas}",
                    ideas=", ".join(f"{i.emoji} {i.title(turn.user.language)}" for i in picks),
                )
            )
        text.append("")
    if not white:
        text.append(t("There is no white spot here. 🎉"))
    rows = tuple(
        (
            Button(
                t("▶️ Start it here: {idea}", idea=shorten(i.title(turn.user.language), 30)),
                StartHere(idea=i.id).pack(),
            ),
        )
        for i in ideas[:3]
    )
    return [Reply(lines(text), buttons=rows)]


SMALL_PLACE = 5_000  # residents: a village; formats that need a hall or many helpers suit towns
VILLAGE_KINDS = ("cafe", "walk", "together", "craft", "advent", "music")


def _ideas_for(ideas: list[Idea], m: Municipality) -> list[Idea]:
    if 0 < m.outline.residents < SMALL_PLACE or not m.outline.residents:
        chosen = [i for i in ideas if i.category in VILLAGE_KINDS] or ideas
    else:
        chosen = ideas
    return chosen[:3]


async def _nearest_offer(turn: Turn, m: Municipality) -> tuple[float, str, str] | None:
    """The nearest meeting of the next two weeks within 50 km: (km, title, place)."""
    from datetime import timedelta

    from models.search import Query, nearby

    place = turn.services.places.get(f"m{m.outline.ags}")
    if place is None:
        return None
    hits = await nearby(
        turn.session,
        Query(
            lat=place.lat,
            lon=place.lon,
            radius_km=50,
            start=turn.now,
            end=turn.now + timedelta(days=14),
            once_per_offer=True,
        ),
        limit=20,
    )
    if not hits:
        return None
    hit = min(hits, key=lambda h: h.distance_km)
    return hit.distance_km, hit.title, hit.place_name


async def web_login(turn: Turn, pressed: WebLogin) -> list[Reply]:
    """A one-time link to the coordinators' web pages."""
    scope = await _scope(turn)
    if scope is None:
        return _refused(turn)
    t = turn.t
    base = turn.services.links.web
    if not base:
        return [
            Reply(
                t(
                    "The web pages are not switched on here (NAHBAR_PUBLIC_URL or "
                    "NAHBAR_WEB_LISTEN)."
                )
            )
        ]
    token = new_link(turn.session, turn.user, turn.now)
    minutes = int(LINK_VALID.total_seconds() // 60)
    return [
        Reply(
            t(
                "🌐 Your link to the coordinators' pages, for the next {minutes} minutes and once "
                "only – please do not pass it on:\n{link}",
                minutes=minutes,
                link=f"{base}/koordination/anmelden/{token}",
            )
        )
    ]


async def invite(turn: Turn, pressed: InviteCoordinator) -> list[Reply]:
    """A code for a new coordinator, for the area shown (within the inviter's own)."""
    scope = await _scope(turn)
    if scope is None:
        return _refused(turn)
    area = _area(pressed.area) if pressed.area is not None else scope
    if not area.within(scope):
        return _refused(turn)
    code = new_invite(turn.session, turn.user, area.district, turn.now)
    t = turn.t
    name = _scope_name(area)
    return [
        Reply(
            t(
                "🔑 Give this code to the new coordinator for {area}, personally or by phone: "
                "<b>{code}</b>\n"
                "They write /koordination {code} to Nahbar. The code works once, for 48 hours.",
                code=code,
                area=name,
            )
        )
    ]


async def join(turn: Turn, argument: str = "") -> list[Reply]:
    """/koordination CODE; without a code, the situation for coordinators."""
    t = turn.t
    if not argument:
        return await situation_view(turn)
    scope = await redeem_invite(turn.session, argument.strip(), turn.user, turn.now)
    if scope is None:
        log.warning("invalid coordinator code from user %s", turn.user.id)
        return [
            Reply(t("This code is not valid (any more). Please ask the coordinator for a new one."))
        ]
    return [
        Reply(
            t(
                "📊 Welcome to the coordinators for {area}! /lage shows the situation there.",
                area=_scope_name(scope),
            )
        )
    ]


async def invite_companion(turn: Turn, pressed: InviteCompanion) -> list[Reply]:
    """A code for a volunteer who goes along in one municipality (the coordinator's own)."""
    scope = await _scope(turn)
    if scope is None:
        return _refused(turn)
    ags = pressed.municipality
    if not scope.covers(ags):
        return _refused(turn)
    code = companions.new_invite(turn.session, turn.user, ags, turn.now)
    t = turn.t
    return [
        Reply(
            t(
                "🤝 Give this code to the new companion, personally: <b>{code}</b>\nThey write "
                "/begleiten {code} to Nahbar. The code works once, for 48 hours.",
                code=code,
            )
        )
    ]


FEATURE = Feature(
    name="coordination",
    commands={
        "lage": situation_view,
        "situation": situation_view,
        "koordination": join,
        "coordination": join,
    },
    buttons=(
        on(WhiteSpotIdeas, ideas_for_white_spots),
        on(WebLogin, web_login),
        on(InviteCoordinator, invite),
        on(InviteCompanion, invite_companion),
    ),
)
