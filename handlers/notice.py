"""The printable notice in the chat: `/aushang <Ort>` sends an A4 PDF for the village notice
board (publish.notice), the same one `nahbar aushang` and the web face make. Without a place
it uses the current search or the home place; namesakes are offered as a choice."""

from __future__ import annotations

from typing import Annotated

from places import Place
from publish.notice import make_notice

from . import current_search
from .buttons import ButtonData, Rest
from .common import stale_button
from .context import Turn
from .dialogue import Feature, on
from .messages import Attachment, Button, Reply
from .text import shorten


class NoticeFor(ButtonData, prefix="ah"):
    """The place a printed notice is for, among namesakes."""

    place: Annotated[str, Rest(40)]


async def notice(turn: Turn, argument: str = "") -> list[Reply]:
    t = turn.t
    if not argument:
        current = current_search.current(turn) or current_search.home_search(turn)
        place = (
            None
            if current is None or current.position
            else turn.services.places.get(current.place_id)
        )
        if place is None:
            return [
                Reply(
                    t("For which place? Write it after the command, e.g. “/aushang Quedlinburg”.")
                )
            ]
        return await _send(turn, place)
    found = turn.services.places.resolve(argument)
    if found.status == "found" and found.place is not None and found.place.kind != "coordinates":
        return await _send(turn, found.place)
    options = found.choices if found.status == "choice" else found.suggestions
    if options:
        rows = tuple((Button(p.label, NoticeFor(place=p.id).pack()),) for p in options[:5])
        return [Reply(t("Which place do you mean?"), buttons=rows)]
    return [
        Reply(
            t(
                "Sorry, I don't know the place “{text}”. Please try the postcode or the next "
                "larger town, or send your location.",
                text=shorten(argument, 60),
            )
        )
    ]


async def chosen(turn: Turn, pressed: NoticeFor) -> list[Reply]:
    place = turn.services.places.get(pressed.place)
    if place is None or place.kind == "coordinates":
        return [stale_button(turn)]
    return await _send(turn, place)


async def _send(turn: Turn, place: Place) -> list[Reply]:
    t = turn.t
    made = await make_notice(
        turn.session,
        place,
        links=turn.services.links,
        now=turn.now,
        radius_km=turn.services.limits.default_radius_km,
        language=turn.user.language,
    )
    text = t(
        "🖨 Here is a notice for the notice board near {place}: the meetings of the next two "
        "weeks in large print, with a QR code and strips to tear off. Print it on A4.",
        place=place.name,
    )
    return [
        Reply(
            text,
            attachment=Attachment(
                filename=made.filename, content=made.pdf, mime_type="application/pdf"
            ),
        )
    ]


FEATURE = Feature(
    name="notice",
    commands={"aushang": notice, "notice": notice},
    buttons=(on(NoticeFor, chosen),),
)
