"""Common German (and a few English) words that people type in a chat and that are not meant
as places, though some are the name of a small place somewhere ("Nähe" -> Nahe, "Morgen")
or close to one ("Alle" -> Halle, "Kirche" -> Kirchen).

The gazetteer never suggests a typo correction for these, and answers one of them as a place
only within the home region or for a large town (see Gazetteer._pick). Written by hand: a
frequency list would be larger than the whole gazetteer; this covers what a chat about
meetings near home is made of. Words are folded like place names (places.text.fold).
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from .text import fold

_WORDS = """
hallo hi hey moin servus tach tschüss tschüs ciao bye danke dankeschön vielen dank bitte
bitteschön gern gerne guten gute morgen tag abend nacht mahlzeit willkommen entschuldigung
sorry verzeihung ja jawohl nein nö ne ok okay super toll prima klasse schön gut sehr klar
genau stimmt richtig falsch vielleicht doch naja hm hmm ach oh aha prost
hilfe help start starten stopp stop ende beenden abbrechen abbruch zurück weiter mehr menü
menu neu nochmal wieder alles alle allen nichts etwas viel viele wenig weniger andere anderes
heute gestern übermorgen jetzt sofort gleich bald später früh spät woche wochen wochenende
monat jahr tage abends morgens mittags nachmittags vormittags nachts uhr stunde stunden
minute minuten immer nie oft manchmal wann dann montag dienstag mittwoch donnerstag freitag
samstag sonnabend sonntag januar februar märz april mai juni juli august september oktober
november dezember frühling sommer herbst winter ferien feiertag
wer wie was wo wohin woher warum wieso weshalb welche welcher welches ich du er sie es wir
ihr mich mir dich dir uns euch mein meine meinen dein deine hier da dort drüben nah nahe
nähe naehe umgebung gegend in im am an auf aus bei beim mit nach von vom vor zu zum zur und
oder aber nicht kein keine noch schon auch nur gibt ist sind bin bist habe hast hat haben
möchte möchten will wollen kann können suche suchen such finden zeig zeige zeigen gehen
kommen machen mag
kaffee kaffe kuchen café cafe tee essen frühstück mittagessen abendessen brot suppe kirche
kirchen gemeinde dorf stadt ort orte ortschaft verein vereine chor singen musik tanz tanzen
spiel spiele spielen karten skat bingo basteln backen kochen handarbeit stricken nähen lesen
vortrag kino film theater konzert ausflug reise wandern wanderung spaziergang spazieren
laufen sport gymnastik yoga turnen schwimmen radfahren fahrrad garten blumen natur wald
park markt weihnachten advent adventscafé ostern fest feier party geburtstag senioren
seniorin rentner rentnerin rente kinder kind familie enkel oma opa mutter vater frau mann
freund freunde freundin nachbar nachbarin nachbarn nachbarschaft leute menschen gruppe treff
treffen treffpunkt stube stuben wärme raum haus heim zuhause schule rathaus gaststätte
kneipe gesprächskreis gespräch reden sprechen erzählen zuhören helfen hilfe begleitung
fahrdienst einkauf einkaufen arzt apotheke telefon handy computer internet angebot angebote
termin termine veranstaltung veranstaltungen liste plan programm info infos information
details idee ideen einstellungen sprache deutsch englisch standort position plz
postleitzahl umkreis kilometer radius adresse straße kosten kostenlos gratis spende
eintritt barrierefrei rollstuhl bus bahn auto zug
einsam einsamkeit allein alleine traurig froh glücklich müde krank gesund langweilig
langeweile angst sorge sorgen freude lust zeit
groß klein alt alte jung neue weit warm warme kalt lieb nett
harz altmark börde brocken fläming elbe saale unstrut mulde bode selke drömling kyffhäuser
sachsen-anhalt sachsenanhalt anhalt mitteldeutschland deutschland
""".split()  # the last lines: landscapes and rivers, not places ("Harz" is no Hartz)

COMMON_WORDS: frozenset[str] = frozenset(fold(w) for w in _WORDS)


_WORD_RE = re.compile(r"[^\W\d_]+")
_SORTED = sorted(COMMON_WORDS)


def is_common_word(key: str) -> bool:
    """Is this folded key (places.text.fold) a common word rather than a place name?"""
    return key in COMMON_WORDS


def is_common_phrase(text: str) -> bool:
    """Is every word of the text a common word ("Guten Morgen", "danke schön")?"""
    words = _WORD_RE.findall(text)
    return bool(words) and all(fold(w) in COMMON_WORDS for w in words)


def closest_common_word_score(key: str) -> float:
    """How close (0..100, rapidfuzz ratio) the key comes to a common word: "kirchn" is a
    misspelt "Kirche" at least as much as a misspelt Kirchen (Sieg)."""
    best = process.extractOne(key, _SORTED, scorer=fuzz.ratio)
    return best[1] if best else 0.0
