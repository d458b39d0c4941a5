"""English or German: which language a message is written in.

Two signals: the words themselves (a short list of each language's most frequent words, enough
for "thanks", "hi, any events near Halle?"), and for sentences with no clear count the
lingua detector restricted to German and English (offline, its models ship in the wheel). A
message with no clue is German, the bot's first language.
"""

from __future__ import annotations

from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from .words import Word

GERMAN, ENGLISH = "de", "en"
SURE = 0.8  # the detector's confidence needed without a clue from the words

_ENGLISH = frozenset(
    """
the a an is are i i'm you your my me we our what what's whats where when how any anything something
some events event near around this next week weekend tomorrow today tonight please thanks thank thx
hi hello there on of to for with and do does can could would like want looking live lives feel
feeling so very alone lonely bored sad nobody know show more help walks walk things happening going
anyone since died wife husband passed away yes no good great morning evening afternoon bye goodbye
see later kids children family families seniors wheelchair accessible within speak english german
data delete remind reminder offer post new visiting nice it's that's don't can't i'll be coming
time home place change language settings privacy about keep store meetings meeting knitting groups
group cooking together coffee neighbourly neighborly conversation christmas eve year's eve day
friday saturday sunday monday tuesday wednesday thursday activities circle circles warm rooms room
step free venues ideas idea thank offers reminders show anything nothing everything please could
should which who why
""".split()
)
_GERMAN = frozenset(
    """
ich du sie wir ihr ist sind bin bist und oder der die das den dem des ein eine einen einem einer
was wo wann wie gibt gibts es heute morgen übermorgen bitte danke hallo mit für auf nicht kein
keine mir mich am im zum zur noch auch schon mal doch gern gerne etwas nichts wohne suche los läuft
diese dieser nächste nächsten woche wochenende samstag sonntag montag dienstag mittwoch donnerstag
freitag abend nachmittag vormittag guten tag tschüss moin ja nein ok alles klar bei aus nach von um
über unter leute treffen angebote kaffee kuchen kann können möchte möchten will würde hätte habe
hab hat haben mein meine meinen einsam allein alleine traurig langweilig seit tot gestorben niemand
niemandem keiner hier da dort so sehr viel wieder immer nie jetzt gleich oft daten löschen erinnern
hilfe einstellungen sprache deutsch englisch nu watt wat ne nee jo bissel gugge wer welche welcher
erzählcafé wärmestube spaziergang nö eene frage is'n isses gibt's geht's wär wäre äh ähm hm tja
halt nix nich ooch och ick icke ham hamse haste kannste weeß weiß wees un' dank dankeschön schön
tschüs tschüß servus grüß gott
""".split()
)
_BOTH = frozenset(
    [
        "in",
        "am",
        "so",
        "hallo",
        "ok",
        "okay",
        "super",
        "bingo",
        "café",
        "cafe",
        "hi",
        "hey",
        "na",
        "will",
        "was",
        "die",
        "also",
        "an",
        "war",
        "bin",
        "kind",
        "fast",
        "still",
        "hat",
        "rat",
        "gut",
        "gift",
        "rock",
        "arm",
        "hand",
        "wand",
        "art",
        "see",
        "tag",
    ]
)
_ENGLISH = _ENGLISH - _BOTH
_GERMAN = _GERMAN - _BOTH


def is_english_word(word: str) -> bool:
    """One of the frequent English words ("speak", "remind"): no misspelt German place."""
    return word.lower() in _ENGLISH


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(Language.GERMAN, Language.ENGLISH).build()


def warm_up() -> None:
    """Load the detector's models now rather than at the first message."""
    _detector().detect_language_of("Guten Tag")


def detect(words: list[Word], text: str) -> str | None:
    """ "de", "en", or None when the message gives no clue (a place name, a number)."""
    lowered = [w.raw.lower().replace("’", "'") for w in words]
    english = sum(w in _ENGLISH for w in lowered)
    german = sum(w in _GERMAN for w in lowered)
    if english != german and (english >= 2 * german or german >= 2 * english):
        return ENGLISH if english > german else GERMAN
    if english == german == 0 and len(words) < 3:
        return None
    confidence = _detector().compute_language_confidence(text, Language.ENGLISH)
    if confidence >= SURE:
        return ENGLISH
    return GERMAN if confidence <= 1 - SURE or german > english else None
