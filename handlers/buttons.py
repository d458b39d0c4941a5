"""Button data: what comes back when a button is pressed, declared as a small typed class.

A feature declares each of its buttons as a subclass of `ButtonData` with a prefix and typed
fields, in the spirit of aiogram's `CallbackData`:

    class ShowOffer(ButtonData, prefix="o"):
        offer: Id

    ShowOffer(offer=42).pack() == "o:42"
    ShowOffer.unpack("o:42") == ShowOffer(offer=42)

On the wire a button is its prefix, then a colon and the fields joined by dots ("o:42",
"mf:17.title", "vq"). Button data arrives from outside and may be stale or forged: `unpack`
gives None for anything that does not fit the class exactly (a wrong number of fields, a word
that is not one of the choices, an id out of range), and the core answers every such press
with the same stale-button reply before any handler runs. Handlers still check what a valid id
refers to (the offer may be gone, or not theirs).

Field types say what is valid: `Id` (a database id, 1 to 2^31-1), `Between(lo, hi)` for other
numbers, `Literal[...]` for a fixed set of words (`OneOf(words)` for one known at start-up,
`Matching(pattern, length)` for a word of a given shape, `Rest(length)` for a last field that
may hold dots), `date` (packed as YYYYMMDD), `Token` for a
short word. A field with a default may be left out at the end ("id" and "id:2" both fit a
class with `page: Page | None = None`). Telegram takes at most 64 bytes of button data: the
router checks every class's longest packed form at start-up (`ButtonData.longest`).
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import (
    Annotated,
    Any,
    ClassVar,
    Literal,
    Self,
    TypeVar,
    Union,
    dataclass_transform,
    get_args,
    get_origin,
)

from models.listing import MAX_ID

TELEGRAM_LIMIT = 64  # bytes of callback data Telegram accepts
SEPARATOR = "."
_PREFIX = re.compile(r"^[a-z]{1,3}\??$")


@dataclass(frozen=True)
class Between:
    """A whole number from `low` to `high`, written in digits (a minus sign if low < 0)."""

    low: int
    high: int


@dataclass(frozen=True)
class Word:
    """A short word of letters, digits, "_" and "-", at most `length` characters."""

    length: int


@dataclass(frozen=True)
class OneOf:
    """One of these words or numbers (a set known at start-up, e.g. the kinds of offer)."""

    words: tuple[str | int, ...]


@dataclass(frozen=True)
class Matching:
    """A word that matches `pattern` whole (plain characters only), at most `length` long."""

    pattern: str
    length: int


@dataclass(frozen=True)
class Rest:
    """The last field only: the rest of the data, dots and commas included (a place id such
    as "c51.84,10.79"), at most `length` characters."""

    length: int


Id = Annotated[int, Between(1, MAX_ID)]  # a database id (32-bit on PostgreSQL)
Page = Annotated[int, Between(0, 999)]
Token = Annotated[str, Word(20)]
_WORD = re.compile(r"^[A-Za-z0-9_\-]+$")
_REST = re.compile(r"^[A-Za-z0-9_.,\-]+$")


@dataclass(frozen=True)
class _Codec:
    """How one field is written and read back; read gives None for anything invalid."""

    name: str
    write: Callable[[Any], str]
    read: Callable[[str], Any]
    longest: int  # characters of the longest written value
    optional: bool  # has a default, so it may be left out at the end
    rest: bool = False  # takes the rest of the data (Rest): the last field only


_MISSING = object()


def _int_codec(bounds: Between) -> tuple[Callable[[str], Any], int]:
    digits = len(str(bounds.high))
    longest = max(digits, len(str(bounds.low)))

    def read(text: str) -> int | None:
        sign = text[:1] == "-" and bounds.low < 0
        body = text[1:] if sign else text
        if not body.isascii() or not body.isdigit() or len(body) > longest:
            return None
        number = -int(body) if sign else int(body)
        return number if bounds.low <= number <= bounds.high else None

    return read, longest


def _read_date(text: str) -> date | None:
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _word_reader(size: int) -> Callable[[str], str | None]:
    def read(text: str) -> str | None:
        return text if len(text) <= size and _WORD.match(text) else None

    return read


def _match_reader(shape: Matching) -> Callable[[str], str | None]:
    whole = re.compile(shape.pattern)

    def read(text: str) -> str | None:
        ok = len(text) <= shape.length and _WORD.match(text) and whole.fullmatch(text)
        return text if ok else None

    return read


def _rest_reader(size: int) -> Callable[[str], str | None]:
    def read(text: str) -> str | None:
        return text if len(text) <= size and _REST.match(text) else None

    return read


def _choice(name: str, words: tuple[object, ...], optional: bool) -> _Codec:
    if not words or not all(
        isinstance(w, (str, int)) and not isinstance(w, bool) and _WORD.match(str(w)) for w in words
    ):
        raise TypeError(f"{name}: the choices must be plain words or whole numbers")
    known = {str(w): w for w in words}
    longest = max(map(len, known))
    return _Codec(name, str, known.get, longest, optional)


def _codec(name: str, hint: Any, optional: bool) -> _Codec:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(hint) if a is not type(None)]
        if len(inner) != 1 or not optional:
            raise TypeError(f"{name}: only `X | None = None` may be optional")
        return _codec(name, inner[0], optional)
    if origin is Annotated:
        base, *extras = get_args(hint)
        for extra in extras:
            if isinstance(extra, Between) and base is int:
                read, longest = _int_codec(extra)
                return _Codec(name, str, read, longest, optional)
            if isinstance(extra, Word) and base is str:
                return _Codec(name, str, _word_reader(extra.length), extra.length, optional)
            if isinstance(extra, Matching) and base is str:
                return _Codec(name, str, _match_reader(extra), extra.length, optional)
            if isinstance(extra, Rest) and base is str:
                size = extra.length
                return _Codec(name, str, _rest_reader(size), size, optional, rest=True)
            if isinstance(extra, OneOf) and base in (str, int):
                if not all(type(w) is base for w in extra.words):
                    raise TypeError(f"{name}: OneOf words must all be {base.__name__}")
                return _choice(name, extra.words, optional)
    if origin is Literal:
        return _choice(name, get_args(hint), optional)
    if hint is date:
        return _Codec(name, lambda d: f"{d:%Y%m%d}", _read_date, 8, optional)
    if hint is bool:
        flags = {"1": True, "0": False}
        return _Codec(name, lambda b: "1" if b else "0", flags.get, 1, optional)
    raise TypeError(f"{name}: no button field type for {hint!r} (use Id, Between, Literal, date)")


B = TypeVar("B", bound="ButtonData")


@dataclass_transform(frozen_default=True)
class ButtonData:
    """A button's data: subclass with `prefix="xx"` and typed fields (see the module doc)."""

    prefix: ClassVar[str]
    moderators_only: ClassVar[bool] = False  # the core refuses anyone else before the handler
    _codecs: ClassVar[tuple[_Codec, ...] | None] = None
    # Set by dataclass() on each subclass; declared so dataclasses.fields() accepts the class.
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __init_subclass__(
        cls, prefix: str | None = None, moderators_only: bool = False, **kwargs: Any
    ) -> None:
        """Without a prefix the class is a base that only declares fields for its subclasses
        (e.g. several buttons that each name an offer)."""
        super().__init_subclass__(**kwargs)
        if prefix is not None:
            if not _PREFIX.match(prefix):
                raise ValueError(f"{cls.__name__}: prefix {prefix!r} is not 1-3 small letters")
            cls.prefix = prefix
            cls.moderators_only = moderators_only
        cls._codecs = None
        dataclass(frozen=True)(cls)

    @classmethod
    def fields(cls) -> tuple[_Codec, ...]:
        """The fields' codecs, read from the annotations once (the router asks at start-up)."""
        if cls._codecs is None:
            hints = typing.get_type_hints(cls, include_extras=True)
            codecs = []
            for declared in dataclasses.fields(cls):
                optional = declared.default is not dataclasses.MISSING
                codecs.append(_codec(declared.name, hints[declared.name], optional))
            if any(a.optional and not b.optional for a, b in pairwise(codecs)):
                raise TypeError(f"{cls.__name__}: fields with defaults must come last")
            if any(c.rest for c in codecs[:-1]):
                raise TypeError(f"{cls.__name__}: only the last field may be a Rest")
            cls._codecs = tuple(codecs)
        return cls._codecs

    @classmethod
    def longest(cls) -> int:
        """Bytes of the longest data this class can pack to (all fields ASCII)."""
        codecs = cls.fields()
        if not codecs:
            return len(cls.prefix)
        return len(cls.prefix) + 1 + sum(c.longest for c in codecs) + len(codecs) - 1

    def pack(self) -> str:
        codecs = self._codecs or self.fields()  # read once per class; packing is per button
        values = [getattr(self, c.name) for c in codecs]
        while values and values[-1] is None and codecs[len(values) - 1].optional:
            values.pop()
        if not values:
            return self.prefix
        return (
            self.prefix
            + ":"
            + SEPARATOR.join([c.write(v) for c, v in zip(codecs, values, strict=False)])
        )

    @classmethod
    def unpack(cls, data: str) -> Self | None:
        """The button this data stands for, or None when it does not fit (stale or forged)."""
        prefix, colon, rest = data.partition(":")
        if prefix != cls.prefix or (colon and not rest):
            return None
        codecs = cls.fields()
        greedy = bool(codecs) and codecs[-1].rest
        parts = rest.split(SEPARATOR, len(codecs) - 1 if greedy else -1) if rest else []
        required = sum(1 for c in codecs if not c.optional)
        if not required <= len(parts) <= len(codecs):
            return None
        values = {}
        for codec, part in zip(codecs, parts, strict=False):
            value = codec.read(part)
            if value is None:
                return None
            values[codec.name] = value
        return cls(**values)


def prefix_of(data: str) -> str:
    """The prefix of button data as sent ("o" of "o:42"), to find the class that reads it."""
    return data.partition(":")[0]
