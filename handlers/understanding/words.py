"""A message cut into words, each with its folded form (places.text.fold), and a table of
phrases looked up by their folded words.

Every part of the reader works on the same list of `Word`s and marks the words it used, so a
word read as a day is not read again as a kind or a place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from places.text import fold

V = TypeVar("V")

# A date ("24.12.", "24.12.2026"), a number ("25", "3.", "15:30", "51.83"), a word with inner
# hyphens or apostrophes ("Magdeburg-Buckau", "what's"), or one mark of punctuation.
_TOKEN = re.compile(
    r"\d{1,2}\.\d{1,2}\.(?:\d{2,4})?|\d+(?:[.,:]\d+)?\.?|[^\W\d_]+(?:['’-][^\W_]+)*|[^\w\s]"
)


@dataclass(frozen=True, slots=True)
class Word:
    raw: str  # as typed
    key: str  # folded: lower-case ASCII letters and digits ("Nähe" -> "nahe")
    start: int  # offsets in the message
    end: int

    @property
    def is_number(self) -> bool:
        return self.raw[:1].isdigit()

    @property
    def capital(self) -> bool:
        return self.raw[:1].isupper()


def split(text: str) -> list[Word]:
    """The message's words (punctuation dropped, but it separates words)."""
    out = []
    for m in _TOKEN.finditer(text):
        raw = m.group()
        key = fold(raw)
        if key:
            out.append(Word(raw, key, m.start(), m.end()))
    return out


def phrase(text: str) -> tuple[str, ...]:
    """The folded words of a phrase as written in a lexicon ("Kaffee und Kuchen")."""
    return tuple(w.key for w in split(text))


class Phrases(Generic[V]):
    """Phrases of one or more words, each meaning a value; the longest match wins."""

    def __init__(self, table: Mapping[str, V] | Iterable[tuple[str, V]]) -> None:
        items = table.items() if isinstance(table, Mapping) else table
        self._table: dict[tuple[str, ...], V] = {}
        for text, value in items:
            words = phrase(text)
            if words:
                self._table.setdefault(words, value)
        self.longest = max((len(k) for k in self._table), default=0)

    def at(self, words: list[Word], i: int, used: list[bool] | None = None) -> tuple[V, int] | None:
        """(value, number of words) of the longest phrase starting at words[i], or None."""
        for size in range(min(self.longest, len(words) - i), 0, -1):
            if used is not None and any(used[i : i + size]):
                continue
            value = self._table.get(tuple(w.key for w in words[i : i + size]))
            if value is not None:
                return value, size
        return None

    def find(self, words: list[Word], used: list[bool]) -> list[tuple[V, int, int]]:
        """Every phrase in the message, left to right, on words not used yet; marks them used.
        Returns (value, first word, number of words)."""
        found = []
        i = 0
        while i < len(words):
            hit = None if used[i] else self.at(words, i, used)
            if hit is None:
                i += 1
                continue
            value, size = hit
            found.append((value, i, size))
            used[i : i + size] = [True] * size
            i += size
        return found

    def whole(self, words: list[Word]) -> V | None:
        """The value if the words are exactly one phrase."""
        return self._table.get(tuple(w.key for w in words))

    def __contains__(self, words: tuple[str, ...]) -> bool:
        return words in self._table


def keys(words: Iterable[str]) -> frozenset[str]:
    """A set of folded single words, written as people type them."""
    return frozenset(fold(w) for w in words if fold(w))
