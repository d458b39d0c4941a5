"""`Markup(template).format(...)` without markupsafe's Python-level formatter on every call.

markupsafe formats through a `string.Formatter` subclass that parses the template again each
time; a list of meetings fills some hundred small templates per turn. Here a template whose
fields are all plain ("{}", "{0}", "{name}": no conversion, no format spec, no attribute or
index) is parsed once; its values are escaped exactly as markupsafe escapes them and put in
with `str.format`. Any other template goes to `Markup.format` as before, so the result is the
same string either way.
"""

from __future__ import annotations

import string
from functools import lru_cache

from markupsafe import Markup, escape

_PARSER = string.Formatter()


@lru_cache(maxsize=4096)
def _plain(template: str) -> bool:
    """Every field is a bare name or number (or "{}"), without conversion or format spec."""
    try:
        fields = list(_PARSER.parse(template))
    except ValueError:  # unbalanced braces: let Markup.format raise its own error
        return False
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if spec or conversion or not (name == "" or name.isdigit() or name.isidentifier()):
            return False
        # A nested field in the spec ("{a:{b}}") shows up as a spec: refused above.
    return True


def _escaped(value: object) -> str:
    """What markupsafe's EscapeFormatter puts in for a field without a format spec."""
    if hasattr(value, "__html_format__"):
        shown = value.__html_format__("")
    elif hasattr(value, "__html__"):
        shown = value.__html__()
    else:
        shown = format(value, "")
    return str(escape(shown))


def format_markup(template: Markup, *args: object, **kwargs: object) -> Markup:
    """The same as `template.format(*args, **kwargs)`: values escaped, Markup kept."""
    text = str(template)
    if not _plain(text):
        return template.format(*args, **kwargs)
    return Markup(
        text.format(*[_escaped(a) for a in args], **{k: _escaped(v) for k, v in kwargs.items()})
    )
