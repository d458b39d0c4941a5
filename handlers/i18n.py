"""Message catalogues: German first, English second, gettext .po files read with Babel.

The .po files are the source; they are compiled in memory on first use, so there is no build
step and no binary in the repository.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from markupsafe import Markup

LOCALES = Path(__file__).with_name("locales")
LANGUAGES = ("de", "en")
DOMAIN = "nahbar"


def N_(message: str) -> str:
    """Marks a string for extraction into the catalogue; it is translated where it is shown."""
    return message


def normalise_language(hint: str | None, default: str = "de") -> str:
    """'en-GB' -> 'en'; anything we have no catalogue for -> the default."""
    code = (hint or "").split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else default


@lru_cache(maxsize=None)
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

    def __call__(self, message: str, **values) -> Markup:
        text = Markup(self._t.gettext(message))
        return text.format(**values) if values else text

    def n(self, singular: str, plural: str, count: int, **values) -> Markup:
        return Markup(self._t.ngettext(singular, plural, count)).format(count=count, **values)
