"""What a message asks the bot to do, besides finding meetings: thanks, greetings, goodbyes,
yes/no, and requests (my data, delete, remind me, help, language, settings, post an offer …).

Two ways to find them: the whole message is one of the phrases ("danke", "Hilfe", "english"),
after dropping polite filler ("bitte", "mal", "doch"); or a rule's words appear anywhere in a
sentence ("was speichern sie eigentlich über mich?", "bitte löschen sie alle meine daten").
A rule is a list of word groups, each of which must occur; a word ending in "*" is a stem.
What people write is input, not output: these are German and English words, not catalogue
strings.
"""

from __future__ import annotations

import enum
from itertools import pairwise

from .words import Phrases, Word, keys


class Intent(enum.Enum):
    SEARCH = "search"
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
    LONELY = "feeling"
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
    REMIND = "remind"
    COMING = "coming"
    NOT_COMING = "not_coming"


# The whole message (after filler) is one of these.
_WHOLE: dict[Intent, tuple[str, ...]] = {
    Intent.HELP: (
        "hilfe",
        "help",
        "was kannst du",
        "was kannst du alles",
        "was können sie",
        "wie geht das",
        "anleitung",
        "wie funktioniert das",
        "was kann ich hier machen",
        "ich brauche hilfe",
        "how does it work",
        "how does this work",
        "what can you do",
        "ich verstehe das nicht",
        "was ist das hier",
        "was ist das hier eigentlich",
        "wie benutze ich das",
        "hä",
        "häh",
    ),
    Intent.GREETING: (
        "hallo",
        "hi",
        "hey",
        "moin",
        "moin moin",
        "guten tag",
        "guten morgen",
        "guten abend",
        "servus",
        "grüß gott",
        "grüss gott",
        "hallo nahbar",
        "hello",
        "hello there",
        "good morning",
        "good evening",
        "good afternoon",
        "na",
        "huhu",
        "tag",
        "tach",
        "hallo zusammen",
        "hallöchen",
        "tach auch",
        "hallo?",
        "schönen guten tag",
        "einen schönen guten tag",
        "guten tag wie geht es ihnen",
        "wie geht es ihnen",
        "hallo ich bin neu hier",
        "ich bin neu hier",
        "gude",
        "n abend",
        "nabend",
    ),
    Intent.MORE: (
        "mehr",
        "weiter",
        "more",
        "next",
        "mehr anzeigen",
        "show more",
        "noch mehr",
        "nächste seite",
        "weitere",
        "weitere anzeigen",
        "mehr treffen",
        "zeig mehr",
        "zeig mir mehr",
        "next page",
        "weitere treffen",
        "mehr davon",
    ),
    Intent.ASK_PLACE: ("ort oder plz eingeben", "enter place or postcode"),
    Intent.YES: (
        "ja",
        "jawohl",
        "jo",
        "jep",
        "yes",
        "yep",
        "ja gerne",
        "gerne",
        "genau",
        "ja gern",
        "jupp",
        "yes please",
        "sure",
        "na klar",
    ),
    Intent.NO: (
        "nein",
        "nee",
        "ne",
        "nö",
        "no",
        "nope",
        "lieber nicht",
        "nee lass mal",
        "lass mal",
        "nein danke",
        "no thanks",
        "no thank you",
        "nee danke",
    ),
    Intent.ACK: (
        "ok",
        "okay",
        "oki",
        "gut",
        "alles klar",
        "klar",
        "super",
        "prima",
        "toll",
        "schön",
        "verstanden",
        "klasse",
        "fein",
        "passt",
        "good",
        "great",
        "fine",
        "👍",
        "okay verstanden",
        "ok verstanden",
        "alles gut",
        "in ordnung",
        "geht klar",
        "got it",
        "cool",
        "perfekt",
    ),
    Intent.BACK: ("zurück", "back", "go back", "zurück zur liste", "zur liste", "back to the list"),
    Intent.MENU: (
        "menü",
        "menu",
        "hauptmenü",
        "start",
        "anfang",
        "von vorne",
        "neu starten",
        "main menu",
        "startseite",
        "von vorn",
    ),
    Intent.LANGUAGE: (
        "sprache",
        "language",
        "sprache ändern",
        "change language",
        "andere sprache",
        "sprache wechseln",
    ),
    Intent.GERMAN: (
        "deutsch",
        "german",
        "auf deutsch",
        "in german",
        "lieber deutsch",
        "lieber auf deutsch",
        "wieder deutsch",
        "wieder auf deutsch",
    ),
    Intent.ENGLISH: ("english", "englisch", "in english", "auf englisch", "lieber englisch"),
    Intent.SETTINGS: (
        "einstellungen",
        "einstellung",
        "settings",
        "optionen",
        "einstellungen ändern",
        "meine einstellungen",
    ),
    Intent.DELETE: ("löschen", "alles löschen", "delete", "konto löschen"),
    Intent.PRIVACY: ("datenschutz", "privacy", "privatsphäre"),
    Intent.MY_DATA: ("meine daten", "my data", "show my data"),
    Intent.HOME: ("heimatort", "wohnort", "mein ort", "home place", "home"),
    Intent.POST: (
        "anbieten",
        "treffen anbieten",
        "angebot erstellen",
        "neues angebot",
        "new offer",
    ),
    Intent.MY_OFFERS: ("meine angebote", "meine treffen", "my offers", "my meetings"),
    Intent.REMINDERS: ("erinnerungen", "meine erinnerungen", "reminders", "my reminders"),
    Intent.REMIND: ("erinnerung", "erinnern", "remind me", "reminder"),
    Intent.COMING: (
        "ich komme",
        "komme",
        "ich komme gerne",
        "ich komme gern",
        "ich bin dabei",
        "bin dabei",
        "i am coming",
        "i'm coming",
        "i will come",
        "i'll be there",
        "ich komme gern vorbei",
        "ich komme vorbei",
        "komme gern",
    ),
    Intent.NOT_COMING: (
        "diesmal nicht",
        "ich komme nicht",
        "komme nicht",
        "ich kann nicht",
        "kann nicht",
        "diesmal leider nicht",
        "not this time",
        "i am not coming",
        "i can't come",
        "ich kann diesmal nicht",
        "ich kann diesmal leider nicht",
        "diesmal kann ich leider nicht",
        "ich schaffe es leider nicht",
        "ich schaffe es nicht",
        "diesmal nicht danke",
        "ich kann leider nicht",
    ),
    Intent.IDEAS: (
        "ideen",
        "ideas",
        "ideenpool",
        "idee",
        "eigenes treffen",
        "selbst etwas anbieten",
    ),
}
# Polite words that do not change what a short message asks.
_FILLER = keys(
    [
        "bitte",
        "mal",
        "doch",
        "please",
        "denn",
        "jetzt",
        "nun",
        "halt",
        "eben",
        "einfach",
        "dann",
        "so",
        "sehr",
        "schon",
        "danke",
    ]
)
_SYMBOLS = {
    "👍": Intent.ACK,
    "👌": Intent.ACK,
    "🙂": Intent.ACK,
    "😊": Intent.ACK,
    "🙏": Intent.THANKS,
    "👋": Intent.GREETING,
    "?": Intent.HELP,
    "❓": Intent.HELP,
}

# Rules for requests inside sentences: every group must match a word; "*" ends a stem.
_RULES: tuple[tuple[Intent, tuple[tuple[str, ...], ...]], ...] = (
    (
        Intent.DELETE,
        (
            ("lösch*", "loesch*", "delete*", "erase", "remove", "entfern*", "abmelden", "abmelde"),
            (
                "daten",
                "alles",
                "konto",
                "account",
                "everything",
                "data",
                "mich",
                "me",
                "nummer",
                "telefonnummer",
                "profil",
                "sie",
                "ihr",
            ),
        ),
    ),
    (Intent.REMINDERS, (("erinnerungen", "reminders"), ("meine", "welche", "my", "which", "alle"))),
    (Intent.REMIND, (("erinner*", "remind*", "bescheid", "benachrichtig*"),)),
    (
        Intent.MY_DATA,
        (
            (
                "speicher*",
                "gespeichert",
                "wissen",
                "weißt",
                "weisst",
                "wisst",
                "know",
                "keep",
                "store",
                "stored",
                "haben",
                "habt",
                "daten",
                "data",
            ),
            ("über", "ueber", "von", "about", "of"),
            ("mich", "mir", "me"),
        ),
    ),
    (
        Intent.MY_DATA,
        (
            ("daten", "data"),
            ("meine", "my", "mir", "me", "mich"),
            ("zeig*", "show", "welche", "which", "what", "was", "sehen", "see"),
        ),
    ),
    (
        Intent.MY_DATA,
        (
            ("welche", "was", "what"),
            ("daten", "data"),
            ("speicher*", "habt", "haben", "keep", "store", "gespeichert"),
        ),
    ),
    (Intent.PRIVACY, (("datenschutz*", "privacy", "privatsphäre", "dsgvo"),)),
    (Intent.PRIVACY, (("sieht", "sehen", "sees", "see"), ("daten", "data"))),
    (
        Intent.PRIVACY,
        (("speicher*", "store", "keep", "gespeichert"), ("standort*", "location", "ort")),
    ),
    (
        Intent.ENGLISH,
        (
            ("englisch", "english"),
            (
                "bitte",
                "please",
                "sprechen",
                "speak",
                "schreiben",
                "write",
                "auf",
                "in",
                "können",
                "can",
                "möchte",
                "talk",
                "reden",
            ),
        ),
    ),
    (
        Intent.GERMAN,
        (
            ("deutsch", "german"),
            (
                "bitte",
                "please",
                "sprechen",
                "speak",
                "schreiben",
                "write",
                "auf",
                "in",
                "können",
                "can",
                "möchte",
                "talk",
                "reden",
            ),
        ),
    ),
    (
        Intent.LANGUAGE,
        (("sprache", "language"), ("ändern", "wechseln", "change", "andere", "switch")),
    ),
    (Intent.SETTINGS, (("einstellung*", "settings"),)),
    (Intent.HOME, (("heimatort*", "wohnort*", "home place", "hometown", "homeplace"),)),
    (
        Intent.MY_OFFERS,
        (
            ("meine", "my", "mein", "unsere", "unser"),
            (
                "angebote",
                "angebot",
                "treffen",
                "offers",
                "meetings",
                "veranstaltungen",
                "eingetragenen",
            ),
        ),
    ),
    (
        Intent.POST,
        (
            (
                "anbieten",
                "eintragen",
                "einstellen",
                "veröffentlichen",
                "bekannt",
                "biete",
                "bieten",
                "anbiete",
                "post",
                "offer",
                "organise",
                "organize",
                "trage",
                "ankündigen",
                "melden",
            ),
            (
                "ich",
                "wir",
                "i",
                "we",
                "man",
                "kann",
                "möchte",
                "will",
                "wollen",
                "wie",
                "how",
                "want",
                "like",
            ),
        ),
    ),
    (
        Intent.IDEAS,
        (("idee*", "ideas", "idea", "vorschlag", "vorschläge", "anregung*", "inspiration"),),
    ),
    (
        Intent.HELP,
        (
            ("funktioniert", "funktionier*", "benutze*", "bedien*", "work", "works", "use"),
            ("wie", "how"),
        ),
    ),
    (
        Intent.HELP,
        (
            ("hilfe", "help", "helfen"),
            ("brauche", "need", "können", "koennen", "kannst", "can", "bitte", "please"),
        ),
    ),
    (Intent.HELP, (("verstehe", "understand"), ("nicht", "not", "don't", "dont"))),
    (
        Intent.HELP,
        (
            ("was", "what"),
            ("kann", "kannst", "can"),
            ("machen", "do", "tun"),
            ("hier", "here", "du", "you"),
        ),
    ),
    (
        Intent.THANKS,
        (
            (
                "danke*",
                "dank",
                "dankeschön",
                "thank*",
                "thx",
                "merci",
                "dange",
                "cheers",
                "vergelt*",
                "dankbar",
            ),
        ),
    ),
    (
        Intent.BYE,
        (
            (
                "tschüss",
                "tschüs",
                "tschau",
                "ciao",
                "wiedersehen",
                "wiederschauen",
                "bye",
                "goodbye",
                "adieu",
                "ade",
            ),
        ),
    ),
    (Intent.BYE, (("bis",), ("bald", "dann", "später", "morgen", "demnächst"))),
    (Intent.BYE, (("gute",), ("nacht",))),
    (Intent.BYE, (("see",), ("you",), ("later", "soon"))),
    (
        Intent.GREETING,
        (
            (
                "hallo",
                "hello",
                "hi",
                "hey",
                "moin",
                "servus",
                "hallöchen",
                "huhu",
                "tach",
                "gude",
                "grüß",
                "grüss",
                "gruess",
            ),
        ),
    ),
    (
        Intent.GREETING,
        (
            ("guten", "good", "schönen", "einen"),
            ("tag", "morgen", "abend", "morning", "evening", "afternoon"),
        ),
    ),
)
_GREETINGS = frozenset({Intent.GREETING})
# Requests that make sense only as the whole message (a sentence with "weiter" is no paging).
WHOLE_ONLY = frozenset(
    {
        Intent.MORE,
        Intent.BACK,
        Intent.MENU,
        Intent.YES,
        Intent.NO,
        Intent.ACK,
        Intent.COMING,
        Intent.NOT_COMING,
        Intent.ASK_PLACE,
    }
)

_WHOLE_TABLE = Phrases((text, intent) for intent, texts in _WHOLE.items() for text in texts)


def _compile(group: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    exact = keys(w for w in group if not w.endswith("*"))
    stems = tuple(sorted(keys(w[:-1] for w in group if w.endswith("*"))))
    return exact, stems


_COMPILED = tuple((intent, tuple(_compile(g) for g in groups)) for intent, groups in _RULES)
# Multi-word entries in a group ("home place") match their words joined ("homeplace").


def whole(words: list[Word], text: str = "") -> Intent | None:
    """The request the whole message is, after polite filler ("bitte", "mal", "danke" …)."""
    if not words:
        return _SYMBOLS.get(text.strip())
    found = _WHOLE_TABLE.whole(words)
    if found is not None:
        return found
    core = [w for w in words if w.key not in _FILLER]
    if core and len(core) < len(words):
        return _WHOLE_TABLE.whole(core)
    return None


# "ich suche Anschluss", "mal wieder unter Leute", "was ist los?": a search, wherever it may be.
_COMPANY = Phrases(
    (w, True)
    for w in (
        "gesellschaft",
        "anschluss",
        "unter leute",
        "unter menschen",
        "kennenlernen",
        "kontakte",
        "kontakt",
        "was ist los",
        "was gibt es",
        "was gibts",
        "was läuft",
        "was geht",
        "was kann man machen",
        "what's on",
        "whats on",
        "anything on",
        "what is on",
        "what's happening",
        "events",
        "things to do",
        "company",
        "meet people",
        "ausgehen",
        "unternehmen",
        "hingehen",
    )
)


def wants_company(words: list[Word]) -> bool:
    return any(_COMPANY.at(words, i) for i in range(len(words)))


def in_sentence(words: list[Word], used: list[bool] | None = None) -> list[tuple[Intent, set[int]]]:
    """Every request whose rule matches, in the rules' order, with the positions it used."""
    out: list[tuple[Intent, set[int]]] = []
    joined = [w.key for w in words]
    pairs = [a + b for a, b in pairwise(joined)]
    for intent, groups in _COMPILED:
        if any(i == intent for i, _ in out):
            continue
        positions: set[int] = set()
        for exact, stems in groups:
            hit = next(
                (
                    i
                    for i, k in enumerate(joined)
                    if (used is None or not used[i])
                    and (k in exact or (stems and k.startswith(stems)))
                ),
                None,
            )
            if hit is None:
                pair = next((i for i, k in enumerate(pairs) if k in exact), None)
                if pair is None:
                    break
                positions.update((pair, pair + 1))
                continue
            positions.add(hit)
        else:
            out.append((intent, positions))
    return out
