"""How someone feels: lonely, grieving, bored or sad, read from the whole message.

Words ("einsam", "Langeweile", "traurig"), word stems ("vereinsamt", "alleinstehend") and
patterns of several words ("seit mein Mann tot ist", "keinen mehr zum Reden", "mir fällt die
Decke auf den Kopf"). A negation just before a word turns it off ("ich bin nicht einsam",
"nie Langeweile"); "allein" at the head of a phrase ("allein die Anfahrt", "allein schon
wegen") means "only", not alone. Grief is named before loneliness, loneliness before sadness
and boredom: the warm answer fits each, and grief may also be shown a grief café.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from .words import Word, keys

LONELY, GRIEF, SAD, BORED = "lonely", "grief", "sad", "bored"
ORDER = (GRIEF, LONELY, SAD, BORED)

# Words and stems (a stem ends with "*").
_WORDS: dict[str, tuple[str, ...]] = {
    LONELY: (
        "einsam*",
        "vereinsam*",
        "allein*",
        "isoliert*",
        "mutterseelenallein",
        "lonely",
        "alone",
        "loneliness",
        "isolated",
        "abgeschnitten",
        "verlassen",
        "vergessen",
        "ungeliebt",
    ),
    GRIEF: (
        "trauer*",
        "trauriger*",
        "witwe*",
        "verwitwet",
        "hinterblieben*",
        "widow*",
        "grief",
        "grieving",
        "bereaved",
        "mourning",
    ),
    SAD: (
        "traurig*",
        "deprimiert",
        "depressiv*",
        "niedergeschlagen",
        "bedrückt",
        "unglücklich",
        "hoffnungslos",
        "verzweifelt",
        "schwermütig",
        "sad",
        "unhappy",
        "depressed",
        "down",
        "miserable",
        "heartbroken",
        "betrübt",
    ),
    BORED: ("langweil*", "langeweile", "öde", "fad", "bored", "boring", "boredom"),
}
# Patterns over the folded message (places.text.fold word by word, joined by spaces).
_PEOPLE = (
    r"(?:mann|frau|mutter|mutti|vater|vati|schwester|bruder|sohn|tochter|partner|partnerin|"
    r"lebensgefahrte|lebensgefahrtin|freund|freundin|hund|katze|husband|wife|mother|father|sister|"
    r"brother|son|daughter|partner|friend|dog|cat|mama|papa|eltern|parents|gatte|gattin)"
)
_PATTERNS: dict[str, tuple[str, ...]] = {
    GRIEF: (
        (
            rf"\b{_PEOPLE}\b(?: \w+){{0,4}} (?:tot|gestorben|verstorben|verloren|heimgegangen|died|"
            r"passed away|passed|dead|gone)\b"
        ),
        r"\b(?:tod|verlust|death|loss) (?:\w+ ){0,2}(?:meines|meiner|meinen|my)\b",
        rf"\bvermisse (?:\w+ ){{0,2}}{_PEOPLE}",
        rf"\bmiss (?:\w+ ){{0,1}}{_PEOPLE}",
        rf"\b(?:lost|verloren) (?:my|meinen|meine|meinem) {_PEOPLE}",
        r"\btrauere\b",
    ),
    LONELY: (
        (
            r"\b(?:niemand|niemanden|niemandem|keinen|keiner|keine|nobody|no one|noone|anyone"
            r"|keinem)\b"
            r"(?: \w+){0,4} (?:zum reden|reden|sprechen|unterhalten|talk|talk to|besucht|besuchen"
            r"|anruft|ruft|hat zeit|zeit fur mich|kennen|kenne|kennt|visits|calls|da)\b"
        ),
        (
            r"\b(?:kenne|kennen|know) (?:hier |here |dort )?"
            r"(?:keinen|niemand|niemanden|nobody|no one|anyone)\b"
        ),
        r"\bhabe (?:\w+ ){0,2}(?:niemand|niemanden|keinen mehr|keiner mehr|niemand mehr)\b",
        r"\bich habe niemand",
        r"\b(?:have|got) (?:nobody|no one|noone)\b",
        r"\b(?:fehlt|fehlen) (?:mir )?(?:jemand|gesellschaft|menschen|kontakt)",
        r"\bso (?:still|ruhig|leer) geworden\b",
        r"\b(?:nie|nicht mehr) (?:besucht|angerufen)\b",
        r"\bbesucht mich (?:\w+ )?(?:mehr|nie)\b",
        r"\b(?:rede|spreche) (?:mit )?(?:niemandem|keinem|keiner)",
        r"\b(?:wohnen|sind|leben) (?:\w+ ){0,2}weit weg\b",
        r"\b(?:sitze|bin) (?:(?!nicht |nie |kein )\w+ ){0,3}(?:allein|alleine)\b",
        r"\bfuhle mich (?:so )?(?:vergessen|uberflussig|abgeschoben)",
    ),
    SAD: (
        r"\b(?:geht es|gehts|geht s) (?:mir )?(?:nicht gut|schlecht|mies)\b",
        r"\bmir geht(?:s| es)? (?:\w+ )?(?:schlecht|mies|nicht gut)\b",
        r"\b(?:keine|null) lust (?:auf|mehr)\b",
        r"\bfeel(?:ing)? (?:down|low|blue)\b",
        r"\balles (?:so )?(?:sinnlos|leer|grau)\b",
    ),
    BORED: (
        r"\bdecke (?:\w+ ){0,2}auf den kopf\b",
        r"\b(?:nichts|was) (?:\w+ ){0,3}(?:mit mir )?anfangen\b",
        r"\btage (?:\w+ ){0,2}(?:lang|leer)\b",
        r"\bweiss nicht,? was ich (?:\w+ ){0,3}(?:machen|tun|anfangen)\b",
        r"\bkein plan,? was ich\b",
        r"\bnothing to do\b",
    ),
}
_COMPILED = {
    feeling: tuple(re.compile(p) for p in patterns) for feeling, patterns in _PATTERNS.items()
}
_EXACT = {
    k: feeling
    for feeling, words in _WORDS.items()
    for w in words
    if not w.endswith("*")
    for k in keys([w])
}
_STEMS = tuple(
    (k, feeling)
    for feeling, words in _WORDS.items()
    for w in words
    if w.endswith("*")
    for k in keys([w[:-1]])
)
_NEGATIONS = keys(
    [
        "nicht",
        "nie",
        "niemals",
        "kein",
        "keine",
        "keinesfalls",
        "not",
        "never",
        "no",
        "isn't",
        "aren't",
        "don't",
        "nicht mehr",
        "gar nicht",
        "bisschen",
        "bin nicht",
    ]
)
# "allein die Anfahrt", "allein schon wegen", "allein deshalb": "only", not "alone".
_ONLY_AFTER = keys(
    [
        "die",
        "der",
        "das",
        "den",
        "dem",
        "schon",
        "wegen",
        "deshalb",
        "deswegen",
        "dafür",
        "dadurch",
        "daran",
        "mit",
        "für",
        "in",
        "im",
    ]
)
_ALONE = keys(["allein", "alleine"])
_CLAUSE = re.compile(r"[,.;:!?]")


def _negated(words: list[Word], i: int, text: str) -> bool:
    """A negation in the three words before, within the same clause; or after the word when it
    opens its clause ("langweilig ist mir nicht")."""
    for j in range(i - 1, max(-1, i - 4), -1):
        if _CLAUSE.search(text[words[j].end : words[j + 1].start]):
            break
        if words[j].key in _NEGATIONS or words[j].raw.lower().endswith("n't"):
            return True
    else:
        if i > 3:
            return False
    opens = i == 0 or bool(_CLAUSE.search(text[words[i - 1].end : words[i].start]))
    if opens:
        for j in range(i + 1, min(len(words), i + 4)):
            if _CLAUSE.search(text[words[j - 1].end : words[j].start]):
                break
            if words[j].key in ("nicht", "nie", "not"):
                return True
    return False


def _only(words: list[Word], i: int, text: str) -> bool:
    """ "allein" meaning "only": at the start of a clause, followed by an article or "schon"."""
    after = words[i + 1].key if i + 1 < len(words) else ""
    at_start = i == 0 or bool(_CLAUSE.search(text[words[i - 1].end : words[i].start]))
    return after in _ONLY_AFTER and (at_start or after in ("schon", "wegen", "deshalb", "deswegen"))


def read(
    words: list[Word], text: str, kinds_at: AbstractSet[int] = frozenset()
) -> tuple[str | None, set[int]]:
    """(the feeling, positions of the words that carried it). Words read as a kind of meeting
    ("Trauercafé", "Trauergruppe") are a wish, not a feeling."""
    found: dict[str, set[int]] = {}
    for i, word in enumerate(words):
        if i in kinds_at:
            continue
        key = word.key
        feeling = _EXACT.get(key)
        if feeling is None:
            feeling = next((f for stem, f in _STEMS if key.startswith(stem)), None)
        if feeling is None:
            continue
        if key in _ALONE and _only(words, i, text):
            continue
        if _negated(words, i, text):
            continue
        found.setdefault(feeling, set()).add(i)
    folded = " ".join(w.key for w in words)
    for feeling, patterns in _COMPILED.items():
        for pattern in patterns:
            m = pattern.search(folded)
            if m is not None:
                found.setdefault(feeling, set()).update(_positions(words, m.start(), m.end()))
                break
    for feeling in ORDER:
        if feeling in found:
            carried = set().union(*found.values())
            return feeling, carried
    return None, set()


def _positions(words: list[Word], start: int, end: int) -> set[int]:
    out, offset = set(), 0
    for i, word in enumerate(words):
        if offset >= start and offset + len(word.key) <= end:
            out.add(i)
        offset += len(word.key) + 1
    return out
