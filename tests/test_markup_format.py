"""The fast fill of plain templates gives exactly what markupsafe's Markup.format gives."""

from __future__ import annotations

import datetime
import enum

import pytest
from markupsafe import Markup

from handlers.i18n import fill
from handlers.markup_format import format_markup


class Level(enum.IntEnum):
    HIGH = 3


class Html:
    def __html__(self) -> str:
        return "<i>&</i>"


@pytest.mark.parametrize(
    ("template", "args", "kwargs"),
    [
        ("{}. {} ", (3, "<script>"), {}),
        ("<b>{}</b>", (Markup("<i>a & b</i>"),), {}),
        ("{place} & {km}", (), {"place": "Bad <Kösen>", "km": 2.5}),
        ("{0} {0}", ("&amp;",), {}),
        ("{a!r}", (), {"a": "x<"}),  # conversion: markupsafe's own path
        ("{a:.2f}", (), {"a": 2.345}),  # format spec: markupsafe's own path
        ("{a}", (), {"a": Level.HIGH}),
        ("{a}", (), {"a": Html()}),
        ("{a}", (), {"a": datetime.date(2026, 12, 9)}),
        ("{a}", (), {"a": None}),
        ("{{literal}} {a}", (), {"a": "{b}"}),
    ],
)
def test_same_text_as_markupsafe(template: str, args: tuple, kwargs: dict) -> None:
    expected = Markup(template).format(*args, **kwargs)
    got = format_markup(Markup(template), *args, **kwargs)
    assert got == expected
    assert isinstance(got, Markup)


def test_a_value_that_ends_a_sentence_keeps_one_full_stop() -> None:
    assert fill(Markup("Nur am {day}."), {"day": "Mi., 9. Dez."}) == "Nur am Mi., 9. Dez."
    assert fill(Markup("Nur am {day}."), {"day": "Mi"}) == "Nur am Mi."
    assert fill(Markup("{a} <b>{b}</b>."), {"a": "<x>", "b": "y…"}) == "&lt;x&gt; <b>y…</b>."
