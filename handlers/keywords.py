"""The words people type instead of commands and buttons: "danke", "morgen", "Hilfe",
"Spaziergang in Wernigerode", "ich bin so allein".

Matching works on folded words (places.text.fold: lower case, umlauts and ß folded, punctuation
dropped), so "Tschüss", "tschuess" and "TSCHÜSS!" are the same. What people write is input, not
output: these lists are German and English words, not catalogue strings.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from places.text import fold


class Intent(enum.Enum):
    HELP = "help"
    GREETING = "greeting"
    MORE = "more"
    ASK_PLACE = "ask_place"
    THANKS = "thanks"
    YES = "yes"
    NO = "no"
    ACK = "ack"
    BACK = "back"
    MENU = "menu"
    BYE = "bye"
    LONELY = "lonely"
    LANGUAGE = "language"
    GERMAN = "german"
    ENGLISH = "english"
    SETTINGS = "settings"
    DELETE = "delete"
    PRIVACY = "privacy"
    MY_DATA = "my_data"
    IDEAS = "ideas"
    HOME = "home"
    POST = "post"
    MY_OFFERS = "my_offers"
    REMINDERS = "reminders"
    COMING = "coming"
    NOT_COMING = "not_coming"


_PHRASES: dict[Intent, list[str]] = {
    Intent.HELP: ["hilfe", "help", "?", "was kannst du", "was kannst du alles", "wie geht das",
                  "anleitung", "wie funktioniert das", "was kann ich hier machen", "ich brauche hilfe",
                  "how does it work", "what can you do"],
    Intent.GREETING: ["hallo", "hi", "hey", "moin", "moin moin", "guten tag", "guten morgen",
                      "guten abend", "servus", "gruss gott", "gruess gott", "hallo nahbar", "hello",
                      "good morning", "good evening", "na", "huhu", "tag"],
    Intent.MORE: ["mehr", "weiter", "more", "next", "mehr anzeigen", "show more", "noch mehr"],
    Intent.ASK_PLACE: ["ort oder plz eingeben", "enter place or postcode"],
    Intent.THANKS: ["danke", "dankeschoen", "danke schoen", "vielen dank", "danke sehr", "danke dir",
                    "danke ihnen", "herzlichen dank", "tausend dank", "super danke", "ok danke",
                    "thanks", "thank you", "thx", "merci", "dankesehr"],
    Intent.YES: ["ja", "jawohl", "jo", "jep", "yes", "yep", "ja bitte", "ja gerne", "gerne", "genau"],
    Intent.NO: ["nein", "nee", "ne", "noe", "no", "nope", "nein danke", "no thanks", "lieber nicht"],
    Intent.ACK: ["ok", "okay", "oki", "gut", "alles klar", "klar", "super", "prima", "toll", "schoen",
                 "verstanden", "klasse", "fein", "passt", "good", "great", "fine", "👍"],
    Intent.BACK: ["zurueck", "back", "zurueck bitte", "go back"],
    Intent.MENU: ["menue", "menu", "hauptmenue", "start", "anfang", "von vorne", "neu starten", "main menu"],
    Intent.BYE: ["tschuess", "auf wiedersehen", "wiedersehen", "bye", "bye bye", "ciao", "tschau",
                 "bis dann", "bis bald", "bis spaeter", "gute nacht", "goodbye", "see you", "servus tschuess"],
    Intent.LANGUAGE: ["sprache", "language", "sprache aendern", "change language", "andere sprache"],
    Intent.GERMAN: ["deutsch", "german", "auf deutsch", "in german", "deutsch bitte"],
    Intent.ENGLISH: ["english", "englisch", "in english", "auf englisch", "english please"],
    Intent.SETTINGS: ["einstellungen", "einstellung", "settings", "optionen"],
    Intent.DELETE: ["loeschen", "alles loeschen", "meine daten loeschen", "daten loeschen", "delete",
                    "delete my data", "konto loeschen"],
    Intent.PRIVACY: ["datenschutz", "privacy", "privatsphaere"],
    Intent.MY_DATA: ["meine daten", "my data", "was wisst ihr ueber mich", "was speichert ihr"],
    Intent.HOME: ["heimatort", "heimatort aendern", "wohnort", "wohnort aendern", "mein ort",
                  "home place", "change home place"],
    Intent.POST: ["treffen anbieten", "angebot erstellen", "neues angebot", "anbieten", "angebot eintragen",
                  "veranstaltung eintragen", "treffen eintragen", "ich moechte etwas anbieten",
                  "offer a meeting", "post an offer", "new offer"],
    Intent.MY_OFFERS: ["meine angebote", "meine treffen", "my offers", "my meetings"],
    Intent.REMINDERS: ["erinnerungen", "meine erinnerungen", "erinnerung", "reminders", "my reminders"],
    Intent.COMING: ["ich komme", "komme", "ich komme gerne", "ich bin dabei", "bin dabei", "i am coming",
                    "i'm coming", "i will come", "i'll be there"],
    Intent.NOT_COMING: ["diesmal nicht", "ich komme nicht", "komme nicht", "ich kann nicht", "kann nicht",
                        "diesmal leider nicht", "not this time", "i am not coming", "i can't come"],
    Intent.IDEAS: ["ideen", "ideas", "ideenpool", "idee", "eigenes treffen", "selbst etwas anbieten"],
}
_WORDS: dict[str, Intent] = {fold(p) or p: intent for intent, phrases in _PHRASES.items() for p in phrases}

# Loneliness is answered warmly wherever the words appear in a message, however long it is.
_LONELY_WORDS = {fold(w) for w in [
    "einsam", "einsame", "einsamer", "einsamkeit", "allein", "alleine", "alleinsein", "langweilig",
    "langeweile", "traurig", "niemand", "niemanden", "vereinsamt", "isoliert", "lonely", "alone",
    "loneliness", "bored", "sad",
]}

_CATEGORY_PHRASES: dict[str, list[str]] = {
    "cafe": ["cafe", "cafes", "kaffee", "kaffeetrinken", "kaffee trinken", "adventscafe", "begegnungscafe",
             "erzaehlcafe", "seniorencafe", "kaffeenachmittag", "kaffeeklatsch", "kuchen", "coffee"],
    "warm_room": ["warme stube", "warme stuben", "waermestube", "waermestuben", "warm room", "warm rooms",
                  "waermeraum", "aufwaermen", "warmer raum"],
    "walk": ["spaziergang", "spaziergaenge", "spazieren", "spazieren gehen", "wandern", "wanderung",
             "bewegung", "walk", "walks", "walking"],
    "baking": ["backen", "kochen", "plaetzchen", "baking", "cooking", "gemeinsam backen", "zusammen kochen"],
    "creative": ["basteln", "kreativ", "geschenke", "handarbeit", "stricken", "crafts"],
    "generations": ["generationen", "jung und alt", "generations", "enkel", "kinder"],
    "help": ["nachbarschaftshilfe", "hilfe im alltag", "neighbourly help", "einkaufshilfe"],
    "talk": ["gespraechskreis", "gespraech", "gespraeche", "reden", "erzaehlen", "unterhaltung",
             "conversation", "talk"],
}

# Time spans, each a list of word sequences; "am", "diesen", "nächsten" may come before a day.
_WEEKDAYS = [("montag", "monday"), ("dienstag", "tuesday"), ("mittwoch", "wednesday"),
             ("donnerstag", "thursday"), ("freitag", "friday"), ("samstag", "saturday"),
             ("sonntag", "sunday")]
_WINDOW_PHRASES: dict[str, list[str]] = {
    "today": ["heute", "heute abend", "heute nachmittag", "heute noch", "today", "tonight", "jetzt", "now"],
    "tomorrow": ["morgen", "morgen frueh", "tomorrow"],
    "after_tomorrow": ["uebermorgen", "day after tomorrow"],
    "weekend": ["wochenende", "am wochenende", "dieses wochenende", "weekend", "this weekend",
                "at the weekend", "on the weekend"],
    "this_week": ["diese woche", "in dieser woche", "this week", "woche"],
    "next_week": ["naechste woche", "kommende woche", "in der naechsten woche", "next week"],
    "7": ["7 tage", "sieben tage", "naechste 7 tage", "in den naechsten 7 tagen", "naechsten 7 tage",
          "naechsten sieben tage", "eine woche", "7 days", "next 7 days", "seven days"],
    "14": ["14 tage", "vierzehn tage", "zwei wochen", "2 wochen", "naechste 14 tage",
           "in den naechsten 14 tagen", "naechsten 14 tage", "in den naechsten zwei wochen",
           "naechsten zwei wochen", "14 days", "two weeks", "next 14 days", "next two weeks"],
}
for number, (german, english) in enumerate(_WEEKDAYS):
    _WINDOW_PHRASES[f"wd{number}"] = [
        f"{lead}{day}" for day in (german, german + "s", english)
        for lead in ("", "am ", "diesen ", "naechsten ", "kommenden ", "on ", "this ", "next ")
    ]

# Words around a place that are not part of it: "Was ist los in Thale?", "Treffen bei Halle".
_FILLERS = {fold(w) for w in [
    "was", "ist", "sind", "gibt", "es", "gibts", "los", "laeuft", "in", "im", "bei", "um", "nahe",
    "naehe", "der", "die", "das", "den", "dem", "des", "rund", "treffen", "angebote", "angebot",
    "veranstaltungen", "termine", "suche", "ich", "zeig", "zeige", "mir", "bitte", "und", "fuer",
    "mich", "hier", "etwas", "was", "wo", "near", "at", "around", "what", "whats", "is", "on", "show",
    "me", "offers", "meetings", "events", "umgebung", "gegend", "raum", "von", "aus", "nach", "so",
    "was ist", "mal", "doch", "denn", "eine", "ein", "einen", "alle", "gerne", "gern", "moechte",
    "will", "wuerde", "i", "want", "the", "a", "find",
]}


def _phrase_table(phrases: dict[str, list[str]]) -> dict[tuple[str, ...], str]:
    return {tuple(fold(w) for w in p.split()): key for key, group in phrases.items() for p in group}


_WINDOWS = _phrase_table(_WINDOW_PHRASES)
_CATEGORIES = _phrase_table(_CATEGORY_PHRASES)
_LONGEST = max(len(k) for k in (*_WINDOWS, *_CATEGORIES))
_TOKEN = re.compile(r"\S+")
_EDGE_PUNCTUATION = " \t,.;:!?¿¡\"'„“”‚‘’()«»-–"


def fold_words(text: str) -> str:
    return " ".join(f for f in (fold(w) for w in text.split()) if f)


def read_intent(text: str) -> tuple[Intent | None, str]:
    """What a short free text asks for as a whole ("danke", "Hilfe", "english"), or None."""
    if text.strip() == "?":
        return Intent.HELP, ""
    words = fold_words(text)
    key = words.replace(" ", "")
    intent = _WORDS.get(key) or _WORDS.get(text.strip())
    return (intent, "") if intent else (None, "")


def sounds_lonely(text: str) -> bool:
    """"ich bin einsam", "mir ist so langweilig", "I feel alone": words of loneliness anywhere."""
    return any(fold(word) in _LONELY_WORDS for word in _TOKEN.findall(text))


@dataclass(frozen=True)
class Request:
    """What a free text asks for: a time span, kinds of meeting, and the rest (a place?)."""

    window: str | None = None
    categories: tuple[str, ...] = ()
    place: str = ""


def read_request(text: str) -> Request:
    """Split "Spaziergang in Wernigerode morgen" into kind, place and time span.

    Time and kind words are recognised anywhere; filler words only at the edges of what is
    left, so "Oberharz am Brocken" keeps its "am".
    """
    tokens = _TOKEN.findall(text)
    folded = [fold(t.strip(_EDGE_PUNCTUATION)) for t in tokens]
    window: str | None = None
    categories: list[str] = []
    keep = [True] * len(tokens)
    i = 0
    while i < len(tokens):
        for size in range(min(_LONGEST, len(tokens) - i), 0, -1):
            words = tuple(folded[i:i + size])
            if words in _WINDOWS:
                window = window or _WINDOWS[words]
            elif words in _CATEGORIES:
                if _CATEGORIES[words] not in categories:
                    categories.append(_CATEGORIES[words])
            else:
                continue
            keep[i:i + size] = [False] * size
            i += size
            break
        else:
            i += 1
    rest = [t for t, k in zip(tokens, keep) if k]
    while rest and fold(rest[0].strip(_EDGE_PUNCTUATION)) in _FILLERS | {""}:
        rest.pop(0)
    while rest and fold(rest[-1].strip(_EDGE_PUNCTUATION)) in _FILLERS | {""}:
        rest.pop()
    place = " ".join(rest).strip(" ,;:!?¿¡\"'„“”")
    return Request(window=window, categories=tuple(categories), place=place)


_CANCEL = {fold(word) for word in ["abbrechen", "abbruch", "stopp", "stop", "cancel", "nein", "no",
                                   "nee", "zurück", "back", "lieber nicht", "doch nicht", "nein danke"]}
_CONFIRM = {fold(word) for word in ["ja", "yes", "jawohl", "ja bitte", "ja loeschen", "ok", "okay"]}


def is_cancel(text: str) -> bool:
    """"abbrechen", "cancel" and friends: the user wants to leave the current dialogue step."""
    return fold(text) in _CANCEL


def is_yes(text: str) -> bool:
    return fold(text) in _CONFIRM
