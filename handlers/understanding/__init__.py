"""The reader: one reading of a whole message, with every slot it fills (reading.py).

Its parts, each a small module: words (tokens and phrase tables), requests (intents), days
(spans and times of day), wishes (audience, access, radius), kinds, feelings, places, language.
"""

from .reading import Reading, read
from .requests import Intent

__all__ = ["Intent", "Reading", "read"]
