"""German formats: "Di., 2. Dez., 15:00 Uhr", "2,3 km"; English alongside."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from markupsafe import Markup

from handlers.formatting import bold, distance, lines, when
from handlers.handover import ShowOffer
from handlers.i18n import Translator, normalise_language
from handlers.recurrence_text import describe
from handlers.search import PickKind
from handlers.text import clean, shorten

DE, EN = Translator("de"), Translator("en")
START = datetime(2026, 12, 2, 14, tzinfo=UTC)  # 15:00 in Berlin


def test_dates_and_times():
    assert when(DE, START) == "Mi., 2. Dez., 15:00 Uhr"
    assert when(DE, START, START.replace(hour=16)) == "Mi., 2. Dez., 15:00–17:00 Uhr"
    assert when(EN, START) == "Wed, 2 Dec, 15:00"


def test_distances():
    assert distance(DE, 2.34) == "2,3 km"
    assert distance(DE, 12.6) == "13 km"
    assert distance(DE, 0.42) == "400 m"
    assert distance(DE, 0.01) == "100 m"
    assert distance(EN, 2.34) == "2.3 km"


def test_recurrence_in_words():
    assert describe(DE, "FREQ=WEEKLY;BYDAY=TU") == "jeden Dienstag"
    assert describe(DE, "FREQ=WEEKLY;BYDAY=MO,TH") == "jeden Montag und Donnerstag"
    assert describe(DE, "FREQ=MONTHLY;BYDAY=1SA") == "jeden ersten Samstag im Monat"
    assert describe(EN, "FREQ=MONTHLY;BYDAY=-1SU") == "every last Sunday of the month"
    assert describe(DE, "FREQ=YEARLY") is None
    assert describe(DE, "garbage") is None


def test_escaping_and_shortening():
    assert bold("<b>Hi</b> & <a href=x>") == "<b>&lt;b&gt;Hi&lt;/b&gt; &amp; &lt;a href=x&gt;</b>"
    assert lines(["<i>", Markup("<i>ok</i>")]) == "&lt;i&gt;\n<i>ok</i>"
    assert DE("Meetings near {place}", place="<script>") == "Treffen bei &lt;script&gt;"
    assert shorten("x" * 500, 10) == "x" * 9 + "…"
    assert shorten("Gemeinsamer Spaziergang am Schlossberg", 30) == "Gemeinsamer Spaziergang am…"
    assert clean("eins\n  zwei", multiline=True) == "eins\nzwei"


def test_control_and_bidi_characters_never_reach_the_output():
    assert clean("Den Ort \x1b[2J\x00Halle\u202egpj.exe\u200b") == "Den Ort [2JHallegpj.exe"
    assert clean("a\tb\r\nc", multiline=True) == "a b\nc"
    assert DE("Meetings near {place}", place=clean("\x1b[31mRot\u202e")) == "Treffen bei [31mRot"


def test_languages_and_button_data():
    assert normalise_language("en-GB") == "en"
    assert normalise_language("fr") == "de"
    assert normalise_language(None, "en") == "en"
    assert ShowOffer.unpack("o:42") == ShowOffer(offer=42)
    assert PickKind.unpack("c?") == PickKind()
    assert ShowOffer.unpack("o:42;drop table") is None


def test_a_sentence_ending_in_a_date_ends_with_one_full_stop():
    from handlers.formatting import day

    assert DE("Only on {day}.", day=day(DE, START)) == "Nur am Mi., 2. Dez."
    assert EN("Only on {day}.", day=day(EN, START)) == "Only on Wed, 2 Dec."
    assert DE("Only on {day}.", day=bold(day(DE, START))) == "Nur am <b>Mi., 2. Dez.</b>"
    assert DE("Only on {day}.", day="Hauptstr…") == "Nur am Hauptstr…"  # a shortened value
    assert DE("Only on {day}.", day="<i>Dez.") == "Nur am &lt;i&gt;Dez."  # still escaped
    assert (
        DE("Next reminder: {when}.", when=when(DE, START))
        == "Nächste Erinnerung: Mi., 2. Dez., 15:00 Uhr."
    )


def test_no_message_of_either_catalogue_doubles_a_full_stop():
    """Every message, with every value ending in an abbreviation's full stop ("Dez.")."""
    from babel.messages.pofile import read_po

    from handlers.i18n import LOCALES

    placeholder = re.compile(r"\{(\w+)\}")
    for language, t in (("de", DE), ("en", EN)):
        with (LOCALES / language / "LC_MESSAGES" / "nahbar.po").open("rb") as f:
            catalogue = read_po(f, locale=language)
        checked = 0
        for message in catalogue:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            names = set().union(*(placeholder.findall(i) for i in ids))
            if not message.id or not names:
                continue
            values = dict.fromkeys(names, "9. Dez.")
            if isinstance(message.id, tuple):
                values.pop("count", None)
                shown = t.n(*ids, 2, **values)
            else:
                shown = t(message.id, **values)
            assert ".." not in shown.replace("...", ""), (language, message.id, shown)
            checked += 1
        assert checked > 100
