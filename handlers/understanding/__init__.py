"""The reader: one reading of a whole message, with every slot it fills (reading.py).

Its parts, each a small module: words (tokens and phrase tables), requests (intents), days
(spans and times of day), wishes (audience, access, radius), kinds, feelings, places, language.
"""

from . import language, lemmas
from .reading import Reading, read
from .requests import Intent

__all__ = ["Intent", "Reading", "read", "warm_up"]


def warm_up() -> None:
    """Load the German dictionary and the language detector now (about 0.7 s and 40 MB), not
    at the first message: a server does this before it takes updates, so the first resident
    is answered as fast as the next (the terminal chat loads them on first use instead)."""
    lemmas.warm_up()
    language.warm_up()
