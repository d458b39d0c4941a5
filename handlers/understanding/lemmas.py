"""German lemmas with simplemma ("Spaziergänge" -> "Spaziergang", "gestorben" -> "sterben"),
and whether a word is in its German dictionary at all.

simplemma's memory-frugal dictionary (`low_memory`: read as a stream) takes about 20 MB instead
of 110 MB, loaded once per process (about 0.6 s) on first use; `warm_up()` does that at start.
"""

from __future__ import annotations

from functools import lru_cache

from places.text import fold


def warm_up() -> None:
    import simplemma  # here and below: loaded with the first message, not at every start

    simplemma.is_known("Haus", lang="de", low_memory=True)


@lru_cache(maxsize=8192)
def lemma(word: str) -> str:
    """The folded German lemma of a word as typed."""
    import simplemma

    try:
        return fold(simplemma.lemmatize(word, lang="de", low_memory=True))
    except (ValueError, TypeError):
        return ""


@lru_cache(maxsize=8192)
def is_word(word: str) -> bool:
    """Does the German dictionary know this word (as typed, or in lower case)?"""
    import simplemma

    try:
        return simplemma.is_known(word, lang="de", low_memory=True) or simplemma.is_known(
            word.lower(), lang="de", low_memory=True
        )
    except (ValueError, TypeError):
        return False
