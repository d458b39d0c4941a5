"""The coordinators' map: the municipalities in view, coloured by offers per 10,000 residents
in the next 14 days, white spots hatched, each with its numbers as a title (hover) and a link
to its row in the table (tap, keyboard). Plain SVG from the outlines made at build time, so
it needs no network, no script and no tile server; the web page, the chat and the PDF report
use the same drawing.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from functools import lru_cache

from markupsafe import Markup, escape

from handlers.i18n import Translator
from models.situation import Municipality, Situation
from places.municipalities import Outline

# ColorBrewer "Blues" (colour-blind safe), light to dark, each up to its offers per 10,000
# residents; grey for "residents unknown".
CLASSES = ((0.0, "#f7fbff"), (3.0, "#c6dbef"), (6.0, "#6baed6"), (math.inf, "#2171b5"))
UNKNOWN = "#d9d9d9"
HATCH = "#b2182b"
_NUMBER = re.compile(r"-?\d+")


def colour(rate: float | None) -> str:
    """The fill for a rate: no offer, up to 3, up to 6, more (as the legend says)."""
    if rate is None:
        return UNKNOWN
    return next(fill for upper, fill in CLASSES if rate <= upper)


def legend(t: Translator) -> list[tuple[str, str]]:
    """(colour, words) for the legend beside the map."""
    return [
        (CLASSES[0][1], str(t("no offer"))),
        (CLASSES[1][1], str(t("up to 3 per 10,000 residents"))),
        (CLASSES[2][1], str(t("3 to 6 per 10,000 residents"))),
        (CLASSES[3][1], str(t("more than 6 per 10,000 residents"))),
        (UNKNOWN, str(t("residents not known"))),
    ]


@lru_cache(maxsize=64)
def _box(outlines: tuple[Outline, ...]) -> tuple[int, int, int, int]:
    """The extent of these outlines (the state's or a district's: the same few every time)."""
    xs, ys = [], []
    for outline in outlines:
        numbers = [int(n) for n in _NUMBER.findall(outline.path)]
        xs += numbers[0::2]
        ys += numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def describe(t: Translator, m: Municipality, month: str) -> Markup:
    """The numbers of one municipality in words (the map's titles and the chat)."""
    parts = [
        escape(m.outline.name),
        t.n("{count} offer in the next 14 days", "{count} offers in the next 14 days", m.offers),
    ]
    if m.rate is not None:
        parts.append(t("{rate} per 10,000 residents", rate=f"{m.rate:.1f}".replace(".", ",")))
    if m.white_spot:
        parts.append(t("white spot: no offer within 10 km"))
    if month in m.unmet:
        parts.append(t("searches without a result this month: {count}", count=str(m.unmet[month])))
    return Markup(" – ").join(parts)


def svg(t: Translator, picture: Situation, *, link: str | None = None, title: str = "") -> Markup:
    """The map as an <svg> element; `link` ("#g{ags}") makes each municipality a link (the web
    page). The same numbers in the same words give the same drawing, so it is kept (a handful
    of them) and made again only when something shown on it changed."""
    month = picture.months[-1]
    shown = [m for m in picture.municipalities if m.outline.path]
    if not shown:
        return Markup("")
    key = (
        t.language,
        link,
        title,
        month,
        tuple((m.outline.ags, m.offers, m.white_spot, str(m.unmet.get(month, ""))) for m in shown),
    )
    made = _DRAWN.get(key)
    if made is None:
        made = _DRAWN[key] = _draw(t, shown, month, link, title)
        while len(_DRAWN) > KEEP:
            _DRAWN.popitem(last=False)
    _DRAWN.move_to_end(key)
    return made


KEEP = 16  # drawings kept: areas × languages × link or not, in their newest state
_DRAWN: OrderedDict[tuple, Markup] = OrderedDict()


def _draw(
    t: Translator, shown: list[Municipality], month: str, link: str | None, title: str
) -> Markup:
    x0, y0, x1, y1 = _box(tuple(m.outline for m in shown))
    pad = 10
    out = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="{} {} {} {}" role="img" '
            'aria-labelledby="map-title" class="map">'
        ).format(x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad),
        Markup('<title id="map-title">{}</title>').format(
            title or t("Offers per 10,000 residents")
        ),
        Markup(
            '<defs><pattern id="white-spot" patternUnits="userSpaceOnUse" width="8" height="8" '
            'patternTransform="rotate(45)"><rect width="8" height="8" fill="#ffffff"/>'
            '<line x1="0" y1="0" x2="0" y2="8" stroke="{}" stroke-width="3"/></pattern></defs>'
        ).format(HATCH),
    ]
    out += [_shape(t, m, month, link) for m in shown]
    out.append(Markup("</svg>"))
    return Markup("").join(out)


_SHAPES: dict[
    tuple, Markup
] = {}  # one municipality as drawn with its numbers: a new search redraws one


def _shape(t: Translator, m: Municipality, month: str, link: str | None) -> Markup:
    key = (
        t.language,
        link,
        m.outline.ags,
        m.offers,
        m.white_spot,
        str(m.unmet.get(month, "")),
        month,
    )
    shape = _SHAPES.get(key)
    if shape is None:
        if len(_SHAPES) > 50_000:
            _SHAPES.clear()
        fill = "url(#white-spot)" if m.white_spot else colour(m.rate)
        shape = Markup(
            '<path d="{}" fill="{}" stroke="#444444" stroke-width="0.8" data-ags="{}">'
            "<title>{}</title></path>"
        ).format(m.outline.path, fill, m.outline.ags, describe(t, m, month))
        if link is not None:
            shape = Markup('<a href="{}">{}</a>').format(link.format(ags=m.outline.ags), shape)
        _SHAPES[key] = shape
    return shape


def attribution(picture: Situation) -> str:
    return picture.map.attribution


__all__ = ["attribution", "colour", "describe", "escape", "legend", "svg"]
