"""Text folding and name variants shared by the runtime index and the build script.

Matching works on *keys*: a name folded to lower-case ASCII letters and digits only.
Folding makes "Hohenmölsen", "HOHENMOELSEN" and "hohenmolsen" equal, turns "ß" into
"ss" and ignores spaces, hyphens and other punctuation. Variants strip affixes that
people leave out ("Lutherstadt Wittenberg" -> "Wittenberg", "Bernburg (Saale)" ->
"Bernburg", "Zerbst/Anhalt" -> "Zerbst", "Frankfurt am Main" -> "Frankfurt").
Bump FOLD_VERSION whenever fold() or variants() change: the data file stores keys
computed at build time, and loading a file built with another version fails.
"""

from __future__ import annotations

import re
import unicodedata

FOLD_VERSION = 1

# Leading (or, in GeoNames, sometimes trailing) words that are titles or marketing rather than
# part of the name people type.
STRIP_PREFIXES = (
    "Lutherstadt",
    "Hansestadt",
    "Luftkurort",
    "Kurort",
    "Stadt",
    "Ostseebad",
    "Seebad",
    "Nordseebad",
    "Ostseeheilbad",
    "Heilbad",
    "Welterbestadt",
    "Kreisstadt",
    "Universitätsstadt",
    "Hochschulstadt",
    "Erholungsort",
    "Gemeinde",
    "Flecken",
)
# Prefixes dropped from the *display* name too (not part of the official name).
DISPLAY_DROP_PREFIXES = ("Luftkurort ", "Erholungsort ")

_PREFIX_RE = re.compile(r"^(?:{})\s+(?=\S)".format("|".join(STRIP_PREFIXES)), re.IGNORECASE)
_TITLE_SUFFIX_RE = re.compile(r"(?<=\S)\s+({})$".format("|".join(STRIP_PREFIXES)), re.IGNORECASE)
# "Bernburg (Saale)", "Zerbst/Anhalt", "Magdeburg, Sachsen-Anhalt"
_PAREN_RE = re.compile(r"\s*\([^)]*\)?\s*$")
_SLASH_COMMA_RE = re.compile(r"\s*[/,].*$")
# "Frankfurt am Main", "Neustadt an der Weinstraße", "Burg bei Magdeburg"
_LOCATIVE_RE = re.compile(
    r"^(\S.*?)\s+(?:an der|an dem|am|an|bei|im|in der|in|ob der|vor der|auf der|unter der)\s+\S.*$",
    re.IGNORECASE,
)
_SANKT_RE = re.compile(r"\bst\b\.?")
# Umlaut spelled out ("oe" for "ö"), unless it follows a vowel ("Aue", "Treuenbrietzen").
_SPELLED_UMLAUT_RE = re.compile(r"(?<![aeiouy])([aou])e")
_NON_KEY_RE = re.compile(r"[^a-z0-9]+")
_COMMON_LETTERS = str.maketrans("äöüéèáàëïç", "aoueeaaeic")
_AFFIX_HINT_RE = re.compile(r"[\s(/,]")  # names without these have no variants


def fold(text: str) -> str:
    """Fold a name to its matching key (lower-case ASCII letters and digits only)."""
    t = text.casefold().translate(_COMMON_LETTERS)  # casefold also turns "ß" into "ss"
    if not t.isascii():  # other accents: "é" -> "e"
        t = unicodedata.normalize("NFKD", t)
        t = "".join(ch for ch in t if not unicodedata.combining(ch))
    if "st" in t:
        t = _SANKT_RE.sub("sankt", t)
    t = _NON_KEY_RE.sub("", t)
    if "e" in t:
        t = _SPELLED_UMLAUT_RE.sub(_drop_e, t)  # "oe" -> "o"
    return t


def _drop_e(m: re.Match[str]) -> str:
    return m.group(1)


def variants(name: str) -> list[str]:
    """The name plus the shorter forms people type, in order, without duplicates."""
    out = [name.strip()]
    if not _AFFIX_HINT_RE.search(out[0]):
        return out
    for v in out:  # grows while iterating: strip affixes repeatedly
        for shorter in (
            _PREFIX_RE.sub("", v),
            _TITLE_SUFFIX_RE.sub("", v),  # "Eisleben Lutherstadt"
            _PAREN_RE.sub("", v),
            _SLASH_COMMA_RE.sub("", v),
            _LOCATIVE_RE.sub(r"\1", v),
        ):
            shorter = shorter.strip()
            if shorter and shorter not in out:
                out.append(shorter)
    return out


def keys(name: str) -> list[str]:
    """Distinct non-empty match keys for a name and its variants."""
    out: list[str] = []
    for v in variants(name):
        k = fold(v)
        if k and k not in out:
            out.append(k)
    return out


def display_name(name: str) -> str:
    """GeoNames name as people write it: "Luftkurort Arendsee" -> "Arendsee",
    "Eisleben Lutherstadt" -> "Lutherstadt Eisleben"."""
    for prefix in DISPLAY_DROP_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    m = _TITLE_SUFFIX_RE.search(name)
    if m:
        return f"{m.group(1)} {name[: m.start()]}"
    return name
