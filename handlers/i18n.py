"""Message catalogues: German first, English second, gettext .po files read with Babel.

The .po files are the source; they are compiled in memory on first use, so there is no build
step and no binary in the repository.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Mapping
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from markupsafe import Markup

from .markup_format import format_markup

LOCALES = Path(__file__).with_name("locales")
LANGUAGES = ("de", "en")
DOMAIN = "nahbar"
# A placeholder directly followed by a full stop: "Nur am {day}."
_BEFORE_STOP = re.compile(r"\{(\w+)(?:![rsa])?(?::[^{}]*)?\}\.")


def N_(message: str) -> str:
    """Marks a string for extraction into the catalogue; it is translated where it is shown."""
    return message


def normalise_language(hint: str | None, default: str = "de") -> str:
    """'en-GB' -> 'en'; anything we have no catalogue for -> the default."""
    code = (hint or "").split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else default


@cache
def translation(language: str) -> gettext.NullTranslations:
    path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Translator:
    """`t("…")` and `t.n("one", "many", n)`, bound to one language.

    Both return `Markup`: the catalogue's text is trusted HTML (it may hold <b> and <i>), and
    every value put into it is escaped unless it is Markup itself. So a place name or an
    offer title can never inject markup, whoever forgets what.
    """

    def __init__(self, language: str) -> None:
        self.language = language
        self._t = translation(language)

    def __call__(self, message: str, **values: object) -> Markup:
        text = Markup(self._t.gettext(message))
        return fill(text, values) if values else text

    def n(self, singular: str, plural: str, count: int, **values: object) -> Markup:
        return fill(Markup(self._t.ngettext(singular, plural, count)), {"count": count, **values})


def fill(template: Markup, values: Mapping[str, object]) -> Markup:
    """The template with its values, and one full stop where a sentence ends in a value that
    already ends in one: "Nur am {day}." with "Mi., 9. Dez." is "Nur am Mi., 9. Dez.", not
    "…Dez..". Dates, abbreviations ("Hauptstr.") and shortened text ("…") end that way."""

    def ends_sentence(value: object) -> bool:
        shown = value.striptags() if isinstance(value, Markup) else str(value)
        return value is not None and shown.rstrip().endswith((".", "…"))

    def stop(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0)[:-1] if ends_sentence(value) else match.group(0)

    text = str(template)
    if any(ends_sentence(values.get(name)) for name in _stops(text)):
        text = _BEFORE_STOP.sub(stop, text)
    return format_markup(Markup(text), **values)


@lru_cache(maxsize=4096)
def _stops(template: str) -> tuple[str, ...]:
    """The names of the placeholders directly followed by a full stop (most templates: none)."""
    return tuple(match.group(1) for match in _BEFORE_STOP.finditer(template))
