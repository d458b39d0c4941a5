"""The "When?" answer: what organisers type, what is stored, and what they are told back.

`now` is Wednesday, 25 November 2026, 10:00 in Berlin unless a test says otherwise.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from handlers.i18n import Translator
from handlers.when import NotUnderstood, Problem, Understood, confirm, explain, parse_when
from models.schedule import Schedule, to_utc

NOW = datetime(2026, 11, 25, 9, tzinfo=UTC)  # Wed 10:00 in Berlin
DE, EN = Translator("de"), Translator("en")


def understood(text: str, now: datetime = NOW) -> Understood:
    result = parse_when(text, now)
    assert isinstance(result, Understood), (text, result)
    return result


def plan(start, rule=None, hours=2.0, skip=()):
    return Schedule(
        start=start, duration=timedelta(hours=hours), rrule=rule, exdates=frozenset(skip)
    )


@pytest.mark.parametrize(
    ("text", "expected", "assumed"),
    [
        # the phrases from the issue
        ("Di 15 Uhr", plan(datetime(2026, 12, 1, 15)), True),
        ("12.12. 14:30", plan(datetime(2026, 12, 12, 14, 30)), True),
        ("morgen 10 Uhr", plan(datetime(2026, 11, 26, 10)), True),
        ("Samstag 14-16 Uhr", plan(datetime(2026, 11, 28, 14)), False),
        (
            "jeden Dienstag 15-17 Uhr",
            plan(datetime(2026, 12, 1, 15), "FREQ=WEEKLY;BYDAY=TU"),
            False,
        ),
        (
            "jeden ersten Samstag im Monat 10 Uhr",
            plan(datetime(2026, 12, 5, 10), "FREQ=MONTHLY;BYDAY=1SA"),
            True,
        ),
        (
            "ab 5.1. jeden Mittwoch 9:30, nicht am 13.1.",  # 5.1.2027 is a Tuesday
            plan(datetime(2027, 1, 6, 9, 30), "FREQ=WEEKLY;BYDAY=WE", skip=[date(2027, 1, 13)]),
            True,
        ),
        (
            "14-tägig donnerstags 15 Uhr",
            plan(datetime(2026, 11, 26, 15), "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"),
            True,
        ),
        (
            "im Dezember jeden Sonntag 15 Uhr",
            plan(datetime(2026, 12, 6, 15), "FREQ=WEEKLY;BYDAY=SU;UNTIL=20261231T235959"),
            True,
        ),
        # the way organisers talk
        ("Mittwochs 15.30 Uhr", plan(datetime(2026, 11, 25, 15, 30), "FREQ=WEEKLY;BYDAY=WE"), True),
        (
            "dienstags und donnerstags von 14 bis 16 Uhr",
            plan(datetime(2026, 11, 26, 14), "FREQ=WEEKLY;BYDAY=TU,TH"),
            False,
        ),
        (
            "Mo, Mi und Fr 9–11",
            plan(datetime(2026, 11, 27, 9), "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
            False,
        ),
        ("Sa 14–16", plan(datetime(2026, 11, 28, 14)), False),
        (
            "Dienstag und Donnerstag 15 Uhr",
            plan(datetime(2026, 11, 26, 15), "FREQ=WEEKLY;BYDAY=TU,TH"),
            True,
        ),
        ("übermorgen 15:00", plan(datetime(2026, 11, 27, 15)), True),
        ("nächsten Freitag 18 Uhr", plan(datetime(2026, 11, 27, 18)), True),
        ("nächsten Mittwoch 18 Uhr", plan(datetime(2026, 12, 2, 18)), True),
        ("Mittwoch 18 Uhr", plan(datetime(2026, 11, 25, 18)), True),
        ("Mittwoch 9 Uhr", plan(datetime(2026, 12, 2, 9)), True),  # today's 9:00 has passed
        ("24.12. 15 Uhr", plan(datetime(2026, 12, 24, 15)), True),
        ("24.12.2026, 15-17 Uhr", plan(datetime(2026, 12, 24, 15)), False),
        ("24. Dezember 15 Uhr", plan(datetime(2026, 12, 24, 15)), True),
        ("Do., 24. Dez., 15:00–17:00 Uhr", plan(datetime(2026, 12, 24, 15)), False),
        ("Samstag, den 12.12., 14 Uhr", plan(datetime(2026, 12, 12, 14)), True),
        (
            "jeden letzten Freitag im Monat 19 Uhr",
            plan(datetime(2026, 11, 27, 19), "FREQ=MONTHLY;BYDAY=-1FR"),
            True,
        ),
        (
            "jeden 1. und 3. Mittwoch im Monat 15-17 Uhr",
            plan(datetime(2026, 12, 2, 15), "FREQ=MONTHLY;BYDAY=1WE,3WE"),
            False,
        ),
        (
            "alle zwei Wochen montags 10 Uhr",
            plan(datetime(2026, 11, 30, 10), "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"),
            True,
        ),
        (
            "jeden zweiten Dienstag 15 Uhr",
            plan(datetime(2026, 12, 1, 15), "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
            True,
        ),
        (
            "wöchentlich ab 5.1. 10 Uhr",
            plan(datetime(2027, 1, 5, 10), "FREQ=WEEKLY;BYDAY=TU"),
            True,
        ),
        ("täglich 8-10 Uhr", plan(datetime(2026, 11, 26, 8), "FREQ=DAILY"), False),
        ("jeden Morgen um 8", plan(datetime(2026, 11, 26, 8), "FREQ=DAILY"), True),
        ("jeden Abend 19-21 Uhr", plan(datetime(2026, 11, 25, 19), "FREQ=DAILY"), False),
        ("every evening at 7", plan(datetime(2026, 11, 25, 19), "FREQ=DAILY"), True),
        (
            "jeden Tag außer Sonntag 10 Uhr",
            plan(datetime(2026, 11, 26, 10), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA"),
            True,
        ),
        ("ab morgen jeden Tag um 9", plan(datetime(2026, 11, 26, 9), "FREQ=DAILY"), True),
        # named days, clock times in words, a day of every month (issue 13)
        ("am 3. Advent 15 Uhr", plan(datetime(2026, 12, 13, 15)), True),
        ("Heiligabend 15 Uhr", plan(datetime(2026, 12, 24, 15)), True),
        ("Silvester 18-22 Uhr", plan(datetime(2026, 12, 31, 18), hours=4), False),
        ("on the 3rd Advent Sunday at 3 pm", plan(datetime(2026, 12, 13, 15)), True),
        (
            "jeden Sonntag ab dem 1. Advent 15 Uhr",
            plan(datetime(2026, 11, 29, 15), "FREQ=WEEKLY;BYDAY=SU"),
            True,
        ),
        (
            "jeden dienstag halb drei",
            plan(datetime(2026, 12, 1, 14, 30), "FREQ=WEEKLY;BYDAY=TU"),
            True,
        ),
        ("Freitag viertel nach drei", plan(datetime(2026, 11, 27, 15, 15)), True),
        ("Samstag dreiviertel vier", plan(datetime(2026, 11, 28, 15, 45)), True),
        ("Samstag viertel vor vier", plan(datetime(2026, 11, 28, 15, 45)), True),
        ("Samstag viertel vier", plan(datetime(2026, 11, 28, 15, 15)), True),  # as said in the east
        ("Samstag halb neun morgens", plan(datetime(2026, 11, 28, 8, 30)), True),
        (
            "monatlich am 15. 15 Uhr",
            plan(datetime(2026, 12, 15, 15), "FREQ=MONTHLY;BYMONTHDAY=15"),
            True,
        ),
        (
            "jeden 15. im Monat 15-17 Uhr",
            plan(datetime(2026, 12, 15, 15), "FREQ=MONTHLY;BYMONTHDAY=15"),
            False,
        ),
        (
            "am 1. und 15. jeden Monats um 10",
            plan(datetime(2026, 12, 1, 10), "FREQ=MONTHLY;BYMONTHDAY=1,15"),
            True,
        ),
        (
            "every month on the 15th at 3 pm",
            plan(datetime(2026, 12, 15, 15), "FREQ=MONTHLY;BYMONTHDAY=15"),
            True,
        ),
        (
            "ab Montag täglich 9 Uhr bis Freitag",
            plan(datetime(2026, 11, 30, 9), "FREQ=DAILY;UNTIL=20261204T235959"),
            True,
        ),
        (
            "jeden Tag von Montag bis Freitag 9 Uhr",
            plan(datetime(2026, 11, 26, 9), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
            True,
        ),
        (
            "werktags 9-12 Uhr bis 31.3.",
            plan(
                datetime(2026, 11, 26, 9),
                "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20270331T235959",
                3,
            ),
            False,
        ),
        (
            "täglich außer sonntags 10-12",
            plan(datetime(2026, 11, 26, 10), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA"),
            False,
        ),
        (
            "vom 1.12. bis 22.12. jeden Dienstag 15 Uhr",
            plan(datetime(2026, 12, 1, 15), "FREQ=WEEKLY;BYDAY=TU;UNTIL=20261222T235959"),
            True,
        ),
        (
            "jeden Montag 15 Uhr außer am 7.12., 14.12. und 21.12.",
            plan(
                datetime(2026, 11, 30, 15),
                "FREQ=WEEKLY;BYDAY=MO",
                skip=[date(2026, 12, 7), date(2026, 12, 14), date(2026, 12, 21)],
            ),
            True,
        ),
        (
            "jeden Montag 15 Uhr, nicht am 28.12. und nicht am 4.1.",
            plan(
                datetime(2026, 11, 30, 15),
                "FREQ=WEEKLY;BYDAY=MO",
                skip=[date(2026, 12, 28), date(2027, 1, 4)],
            ),
            True,
        ),
        (
            "jeden Tag 10 Uhr, 5 mal",
            plan(datetime(2026, 11, 26, 10), "FREQ=DAILY;UNTIL=20261130T235959"),
            True,
        ),
        (
            "jeden Sonntag 15 Uhr, nur im Dezember",
            plan(datetime(2026, 12, 6, 15), "FREQ=WEEKLY;BYMONTH=12;BYDAY=SU"),
            True,
        ),
        (
            "Wir treffen uns jeden Dienstag um 15 Uhr im Gemeindehaus, Raum 12!",
            plan(datetime(2026, 12, 1, 15), "FREQ=WEEKLY;BYDAY=TU"),
            True,
        ),
        ("Di 15 Uhr, 90 Minuten", plan(datetime(2026, 12, 1, 15), hours=1.5), False),
        ("Do 14 Uhr (Gemeindesaal, 2. OG)", plan(datetime(2026, 11, 26, 14)), True),
        ("am 24. um 15 Uhr", plan(datetime(2026, 12, 24, 15)), True),
        (
            "Dezember: jeden Sonntag 15 Uhr",
            plan(datetime(2026, 12, 6, 15), "FREQ=WEEKLY;BYDAY=SU;UNTIL=20261231T235959"),
            True,
        ),
        (
            "jeden Samstag 10 Uhr von Januar bis März",
            plan(datetime(2027, 1, 2, 10), "FREQ=WEEKLY;BYDAY=SA;UNTIL=20270331T235959"),
            True,
        ),
        (
            "Freitags 18 Uhr, bis Ende März",
            plan(datetime(2026, 11, 27, 18), "FREQ=WEEKLY;BYDAY=FR;UNTIL=20270331T235959"),
            True,
        ),
        ("Freitag 19 Uhr bis Mitternacht", plan(datetime(2026, 11, 27, 19), hours=5), False),
        ("Freitag 20-24 Uhr", plan(datetime(2026, 11, 27, 20), hours=4), False),
        (
            "Freitag 23 Uhr",
            plan(datetime(2026, 11, 27, 23), hours=1),
            True,
        ),  # assumed end: midnight
        ("abends um 7 am Freitag", plan(datetime(2026, 11, 27, 19)), True),
        ("so gegen 15 Uhr am Dienstag", plan(datetime(2026, 12, 1, 15)), True),
        # typos in day and month names
        ("Dinstag 15 Uhr", plan(datetime(2026, 12, 1, 15)), True),
        ("jeden Donerstag 15 Uhr", plan(datetime(2026, 11, 26, 15), "FREQ=WEEKLY;BYDAY=TH"), True),
        ("Samstga 10 Uhr", plan(datetime(2026, 11, 28, 10)), True),
        ("24. Dezmber 15 Uhr", plan(datetime(2026, 12, 24, 15)), True),
        # English
        ("every Tuesday 3 pm", plan(datetime(2026, 12, 1, 15), "FREQ=WEEKLY;BYDAY=TU"), True),
        ("tomorrow 10:00", plan(datetime(2026, 11, 26, 10)), True),
        (
            "every other Tuesday 3-5 pm",
            plan(datetime(2026, 12, 1, 15), "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
            False,
        ),
        ("Dec 24 3pm", plan(datetime(2026, 12, 24, 15)), True),
    ],
)
def test_what_organisers_type_is_stored(text, expected, assumed):
    got = understood(text)
    assert got.schedule == expected
    assert got.assumed_duration is assumed


@pytest.mark.parametrize(
    ("text", "reason", "day"),
    [
        ("Blabla", Problem.UNKNOWN, None),
        ("", Problem.UNKNOWN, None),
        ("Kaffee und Kuchen für alle", Problem.UNKNOWN, None),
        ("x" * 500, Problem.UNKNOWN, None),
        ("jeden Dienstag", Problem.NO_TIME, None),
        ("12.12.", Problem.NO_TIME, None),
        ("15 Uhr", Problem.NO_DATE, None),
        ("wöchentlich 15 Uhr", Problem.NO_DATE, None),
        ("heute 9 Uhr", Problem.PAST, date(2026, 11, 25)),
        ("1.11.2026 15 Uhr", Problem.PAST, date(2026, 11, 1)),
        ("Di 17-15 Uhr", Problem.END_BEFORE_START, None),
        ("Di 15-15 Uhr", Problem.END_BEFORE_START, None),
        (
            "ab 1.3.2027 bis 1.2.2027 jeden Montag 10 Uhr",
            Problem.END_BEFORE_START,
            date(2027, 2, 1),
        ),
        ("Di 22-2 Uhr", Problem.CROSSES_MIDNIGHT, None),
        ("Sa 20 Uhr, 6 Stunden", Problem.CROSSES_MIDNIGHT, None),
        ("Di 8-22 Uhr", Problem.TOO_LONG, None),
        ("24.12.2028 15 Uhr", Problem.TOO_FAR, date(2028, 12, 24)),
        ("30.2. 15 Uhr", Problem.INVALID_DATE, None),
        ("32.1. 15 Uhr", Problem.INVALID_DATE, None),
        ("29.2.2027 15 Uhr", Problem.INVALID_DATE, None),
        ("Di 25 Uhr", Problem.INVALID_TIME, None),
        ("Di 15:75", Problem.INVALID_TIME, None),
        ("Sa 13.12. 15 Uhr", Problem.WEEKDAY_MISMATCH, date(2026, 12, 13)),
        (
            "ab 5.1. jeden Mittwoch 9:30, nicht am 14.1.",
            Problem.NOT_AN_OCCURRENCE,
            date(2027, 1, 14),
        ),
        ("12.12. 15 Uhr, nicht am 13.12.", Problem.NOT_AN_OCCURRENCE, date(2026, 12, 13)),
        ("vom 5.1. bis 6.1. jeden Freitag 10 Uhr", Problem.NO_DATES, None),
        (
            "jeden Freitag 10 Uhr, 2 mal, nicht am 25.12.",
            Problem.NOT_AN_OCCURRENCE,
            date(2026, 12, 25),
        ),
        ("Dienstag und Donnerstag 15 Uhr, 12.12.", Problem.SEVERAL, None),
        ("12.12. und 19.12. 15 Uhr", Problem.SEVERAL, None),
        ("jeden Dienstag 15 Uhr und 17 Uhr", Problem.SEVERAL, None),
        ("jeden Dienstag 15 Uhr außer in den Ferien", Problem.UNSUPPORTED, None),
        ("Di oder Mi 15 Uhr", Problem.UNSUPPORTED, None),
        ("jeden Dienstag 15 Uhr, Weihnachten und Ostern oder Pfingsten", Problem.UNSUPPORTED, None),
        ("28.3.2027 2:30", Problem.CLOCK_CHANGE, date(2027, 3, 28)),
        ("jeden Sonntag 2:30 Uhr", Problem.CLOCK_CHANGE, date(2027, 3, 28)),
    ],
)
def test_what_cannot_be_stored_is_explained(text, reason, day):
    result = parse_when(text, NOW)
    assert result == NotUnderstood(reason, day)
    for t in (DE, EN):
        words = explain(t, result)
        assert words and "{" not in words
    if day is not None:
        assert explain(DE, result) != explain(DE, NotUnderstood(reason))


def test_explanations_are_friendly_german_with_an_example():
    assert explain(DE, NotUnderstood(Problem.UNKNOWN)) == (
        "Das habe ich leider nicht verstanden. Schreiben Sie es bitte so: „Di 15 Uhr“, "
        "„12.12. 14:30–16 Uhr“ oder „jeden Dienstag 15–17 Uhr“."
    )
    assert explain(DE, NotUnderstood(Problem.WEEKDAY_MISMATCH, date(2026, 12, 13))) == (
        "Der 13. Dez. 2026 ist ein Sonntag. Bitte prüfen Sie Wochentag und Datum."
    )
    assert explain(DE, NotUnderstood(Problem.NOT_AN_OCCURRENCE, date(2027, 1, 14))) == (
        "Am Do., 14. Jan. 2027 ist ohnehin kein Treffen. Bitte prüfen Sie die Daten nach „nicht "
        "am“."
    )
    assert explain(EN, NotUnderstood(Problem.NO_TIME)).startswith("At what time?")


def test_the_examples_in_explanations_are_understood():
    """An example we give must not earn another explanation: each is understood, or lacks only
    the day or the time it was not about."""
    import re

    for language in (DE, EN):
        for reason in Problem:
            for example in re.findall(
                r"[„“]([^“”]+)[“”]", explain(language, NotUnderstood(reason))
            ):
                result = parse_when(example, NOW)
                fine = isinstance(result, Understood) or result.reason in (
                    Problem.NO_DATE,
                    Problem.NO_TIME,
                )
                words = (
                    "oder",
                    "or",
                    "halb drei",
                    "half past",
                    "ab",
                    "bis",
                    "nicht am",
                    "from",
                    "until",
                    "not on",
                )  # words named, not examples
                assert fine or example in words, (example, result)


def test_an_explanation_gives_an_example_of_the_sort_of_answer():
    """A one-off date is not answered with a weekly rule as the example, nor a rule with a date."""
    one_off = explain(DE, parse_when("am 3. Advent", NOW))
    assert "jeden" not in one_off and "15 Uhr" in one_off, one_off
    rule = explain(DE, parse_when("jeden Dienstag", NOW))
    assert "jeden Dienstag" in rule and "12.12." not in rule, rule
    assert "jeden" not in explain(DE, parse_when("12.12. oder 13.12. 15 Uhr", NOW))


def test_a_change_of_part_of_a_schedule_keeps_the_rest():
    from handlers.when import amend

    old = plan(datetime(2026, 12, 1, 14), "FREQ=WEEKLY;BYDAY=TU", hours=3, skip=[date(2026, 12, 8)])
    later = amend(old, "ab sofort erst ab 15 uhr", NOW)
    assert later.schedule == plan(
        datetime(2026, 12, 1, 15), "FREQ=WEEKLY;BYDAY=TU", skip=[date(2026, 12, 8)]
    )
    thursdays = amend(old, "ach nein, ich meinte donnerstags", NOW)
    assert thursdays.schedule == plan(datetime(2026, 11, 26, 14), "FREQ=WEEKLY;BYDAY=TH", hours=3)
    assert amend(old, "Mittwoch 10-12 Uhr", NOW).schedule == plan(datetime(2026, 12, 2, 10))
    assert isinstance(amend(old, "Kirchstraße 3", NOW), NotUnderstood)  # a house number is no time


def test_rules_the_parser_does_not_make_are_confirmed_by_their_dates():
    from handlers.when import schedule_words

    schedule = plan(datetime(2026, 12, 15, 15), "FREQ=MONTHLY;BYMONTHDAY=-1")
    assert schedule_words(DE, schedule, NOW) == (
        "regelmäßig, die nächsten Termine: Do., 31. Dez., So., 31. Jan. 2027, So., 28. Feb. 2027, "
        "15:00–17:00 Uhr"
    )


@pytest.mark.parametrize(
    ("text", "german", "english"),
    [
        (
            "12.12. 14-16 Uhr",
            "einmalig am Sa., 12. Dez., 14:00–16:00 Uhr",
            "once on Sat, 12 Dec, 14:00–16:00",
        ),
        (
            "ab 5.1. jeden Dienstag 15-17 Uhr, nicht am 12.1.",
            "jeden Dienstag, 15:00–17:00 Uhr, ab Di., 5. Jan. 2027, nicht am Di., 12. Jan. 2027",
            "every Tuesday, 15:00–17:00, from Tue, 5 Jan 2027, not on Tue, 12 Jan 2027",
        ),
        (
            "jeden ersten Samstag im Monat 10-12 Uhr",
            "jeden ersten Samstag im Monat, 10:00–12:00 Uhr, ab Sa., 5. Dez.",
            "every first Saturday of the month, 10:00–12:00, from Sat, 5 Dec",
        ),
        (
            "14-tägig donnerstags 15-17 Uhr",
            "alle zwei Wochen am Donnerstag, 15:00–17:00 Uhr, ab Do., 26. Nov.",
            "every other week on Thursday, 15:00–17:00, from Thu, 26 Nov",
        ),
        (
            "im Dezember jeden Sonntag 15-17 Uhr",
            "jeden Sonntag, 15:00–17:00 Uhr, ab So., 6. Dez., bis 31. Dez.",
            "every Sunday, 15:00–17:00, from Sun, 6 Dec, until 31 Dec",
        ),
        (
            "monatlich am 15. 15-17 Uhr",
            "jeden 15. im Monat, 15:00–17:00 Uhr, ab Di., 15. Dez.",
            "every month on the 15th, 15:00–17:00, from Tue, 15 Dec",
        ),
        (
            "am 3. Advent 15-17 Uhr",
            "einmalig am So., 13. Dez., 15:00–17:00 Uhr",
            "once on Sun, 13 Dec, 15:00–17:00",
        ),
        (
            "werktags 9-12 Uhr bis 31.3.",
            "jeden Montag bis Freitag, 09:00–12:00 Uhr, ab Do., 26. Nov., bis 31. März 2027",
            "every Monday to Friday, 09:00–12:00, from Thu, 26 Nov, until 31 Mar 2027",
        ),
        (
            "Freitag 20 Uhr bis Mitternacht",
            "einmalig am Fr., 27. Nov., 20:00–24:00 Uhr",
            "once on Fri, 27 Nov, 20:00–24:00",
        ),
    ],
)
def test_confirmation_in_words(text, german, english):
    got = understood(text)
    assert confirm(DE, got, NOW) == german
    assert confirm(EN, got, NOW) == english


def test_an_assumed_end_is_said_so_it_can_be_corrected():
    got = understood("Di 15 Uhr")
    assert confirm(DE, got, NOW) == (
        "einmalig am Di., 1. Dez., 15:00–17:00 Uhr\n"
        "(Das Ende habe ich geschätzt. Wenn es anders ist, schreiben Sie bitte die Endzeit dazu.)"
    )


def test_a_date_without_a_year_is_the_next_such_date():
    in_january = datetime(2027, 1, 10, 9, tzinfo=UTC)
    after_christmas = datetime(2026, 12, 27, 9, tzinfo=UTC)
    assert understood("24.12. 15 Uhr", in_january).schedule.start == datetime(2027, 12, 24, 15)
    assert understood("24.12. 15 Uhr", after_christmas).schedule.start == datetime(2027, 12, 24, 15)
    assert understood("5.1. 10 Uhr", after_christmas).schedule.start == datetime(2027, 1, 5, 10)
    # "bis" and "nicht am" without a year are the next such date after the start
    got = understood("ab 1.3. jeden Montag 10 Uhr bis 28.2., nicht am 3.1.", after_christmas)
    assert got.schedule.rrule == "FREQ=WEEKLY;BYDAY=MO;UNTIL=20280228T235959"
    assert got.schedule.exdates == {date(2028, 1, 3)}


def test_weekly_meetings_keep_their_wall_clock_time_over_both_dst_weekends():
    # Last Sunday of March 2027 is the 28th (clocks forward), of October the 31st (back).
    spring = understood("jeden Sonntag 15-17 Uhr", datetime(2027, 3, 15, 9, tzinfo=UTC)).schedule
    starts = [
        s
        for s, _ in spring.occurrences(
            datetime(2027, 3, 20, tzinfo=UTC), datetime(2027, 4, 5, tzinfo=UTC)
        )
    ]
    assert starts == [
        datetime(2027, 3, 21, 14, tzinfo=UTC),
        datetime(2027, 3, 28, 13, tzinfo=UTC),
        datetime(2027, 4, 4, 13, tzinfo=UTC),
    ]
    autumn = understood("jeden Sonntag 15-17 Uhr", datetime(2027, 10, 20, 9, tzinfo=UTC)).schedule
    starts = [
        s
        for s, _ in autumn.occurrences(
            datetime(2027, 10, 20, tzinfo=UTC), datetime(2027, 11, 5, tzinfo=UTC)
        )
    ]
    assert starts == [
        datetime(2027, 10, 24, 13, tzinfo=UTC),
        datetime(2027, 10, 31, 14, tzinfo=UTC),
    ]
    assert confirm(
        DE,
        understood("jeden Sonntag 15-17 Uhr", datetime(2027, 3, 15, 9, tzinfo=UTC)),
        datetime(2027, 3, 15, 9, tzinfo=UTC),
    ).startswith("jeden Sonntag, 15:00–17:00 Uhr")


def test_the_night_the_clocks_go_back_keeps_the_first_reading():
    # 02:30 exists twice on 31 Oct 2027; the summer-time one is taken, as models.schedule does.
    got = understood("31.10.2027 2:30-3:30")
    assert got.schedule.start == datetime(2027, 10, 31, 2, 30)
    assert to_utc(got.schedule.start) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_a_rule_starting_on_the_dst_sunday_starts_that_day():
    got = understood("ab 28.3.2027 jeden Sonntag 10 Uhr")
    assert got.schedule.start == datetime(2027, 3, 28, 10)


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        parse_when("Di 15 Uhr", datetime(2026, 11, 25, 10))


# --- properties ---------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from handlers.when.parse import MAX_AHEAD  # noqa: E402
from models.schedule import to_local  # noqa: E402

PROPERTY = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
NOWS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)
)
DAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
SHORT = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
VOCABULARY = (
    "jeden",
    "jede",
    "alle",
    "zwei",
    "2",
    "Wochen",
    "Woche",
    "Tag",
    "Tage",
    "täglich",
    "wöchentlich",
    "14-tägig",
    "monatlich",
    "im",
    "Monat",
    "nur",
    "Dezember",
    "Jan",
    "März",
    *SHORT,
    "Dienstag",
    "dienstags",
    "Samstagen",
    "werktags",
    "Wochenende",
    "ersten",
    "letzten",
    "zweiten",
    "1.",
    "3.",
    "morgen",
    "heute",
    "übermorgen",
    "nächsten",
    "ab",
    "von",
    "vom",
    "bis",
    "nicht",
    "außer",
    "am",
    "um",
    "und",
    ",",
    "-",
    "–",
    ".",
    "Uhr",
    "15",
    "9",
    "24",
    "25",
    "0",
    "15:30",
    "9.30",
    "15.30",
    "24.12.",
    "5.1.",
    "31.3.2027",
    "30.2.",
    "29.2.",
    "12.12.26",
    "2027",
    "14-16",
    "22-2",
    "3pm",
    "am",
    "pm",
    "abends",
    "morgens",
    "mal",
    "5x",
    "Stunden",
    "90",
    "Minuten",
    "Mitternacht",
    "Ferien",
    "oder",
    "every",
    "Tuesday",
    "other",
    "week",
    "from",
    "until",
    "not",
    "on",
    "tomorrow",
    "Dezmber",
    "Dinstag",
    "2026-12-24",
    "xyz",
    "!",
    "Morgen",
    "Abend",
    "evening",
    "Ende",
    "Februar",
    "fünften",
    "vorletzten",
    "Montag",
    "Sonntag",
    "31.12.",
    "1.1.2027",
    "28.3.2027",
    "2:30",
    "23",
    "23:30",
    "Advent",
    "Heiligabend",
    "Silvester",
    "Ostern",
    "halb",
    "drei",
    "viertel",
    "nach",
    "vor",
    "dreiviertel",
    "15.",
    "Monats",
    "the",
    "15th",
)
PHRASES = st.lists(st.sampled_from(VOCABULARY), max_size=14).map(" ".join)


def assert_confirmation_reads_back(result: Understood, now: datetime) -> None:
    """What the organiser is told parses to exactly what is stored, in both languages."""
    for t in (DE, EN):
        words = confirm(t, result, now)
        back = parse_when(words, now)
        assert isinstance(back, Understood), (words, back)
        assert back.schedule == result.schedule, words


@PROPERTY
@given(text=st.text(max_size=120) | PHRASES, now=NOWS)
def test_any_text_gets_an_answer_and_every_schedule_is_sound(text, now):
    result = parse_when(text, now)
    if isinstance(result, NotUnderstood):
        assert explain(DE, result) and explain(EN, result)
        return
    schedule, local_now = result.schedule, to_local(now)
    assert local_now < schedule.start and schedule.start.date() <= local_now.date() + MAX_AHEAD
    end = schedule.start + schedule.duration
    assert end.date() == schedule.start.date() or end.time() == datetime.min.time()  # until 24:00
    if schedule.rrule:
        assert schedule.local_starts(schedule.start, end)[:1] in ([schedule.start], [])
    assert_confirmation_reads_back(result, now)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " und " + words[-1]


def _written(draw, day: date, anchor: date) -> str:
    """A way organisers write `day`, as meant when read as the next such date from `anchor`."""
    forms = [
        f"{day.day}.{day.month}.{day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
        f"{day.day}. {MONTHS[day.month - 1]} {day.year}",
    ]
    try:
        year_before = day.replace(year=day.year - 1)
    except ValueError:
        year_before = day.replace(year=day.year - 4)  # 29 February
    if anchor <= day and year_before < anchor:
        forms += [
            f"{day.day}.{day.month}.",
            f"{day.day}. {MONTHS[day.month - 1]}",
            f"{day.day}. {MONTHS[day.month - 1][:3]}",
        ]
    form = draw(st.sampled_from(forms))
    return f"{SHORT[day.weekday()]}., {form}" if draw(st.booleans()) else form


def _clock(draw, minutes: int, end: bool = False) -> str:
    h, m = divmod(minutes, 60)
    if m == 0:
        return draw(st.sampled_from([f"{h}", f"{h}:00"]))
    return draw(
        st.sampled_from([f"{h}:{m:02d}"] + ([f"{h}.{m:02d}"] if m > 12 and not end else []))
    )


@st.composite
def clock_words(draw):
    start = draw(st.integers(6 * 60, 21 * 60 + 59))
    if draw(st.booleans()):  # no end: two hours are assumed
        words = _clock(draw, start)
        words = (
            draw(st.sampled_from([f"{words} Uhr", f"um {words} Uhr", f"um {words}"]))
            if ":" not in words
            else draw(st.sampled_from([words, f"{words} Uhr", f"um {words}"]))
        )
        return words, start, None
    end = min(start + draw(st.integers(15, 300)), 24 * 60)
    a, b = _clock(draw, start), _clock(draw, end, end=True)
    words = draw(
        st.sampled_from(
            [
                f"{a}-{b} Uhr",
                f"{a}–{b} Uhr",
                f"von {a} bis {b} Uhr",
                f"{a} Uhr bis {b} Uhr",
                f"{a}-{b}",
            ]
        )
    )
    return words, start, end


def _nth_matches(day: date, n: int, weekday: int) -> bool:
    if day.weekday() != weekday:
        return False
    if n > 0:
        return (day.day - 1) // 7 + 1 == n
    return (day + timedelta(days=7)).month != day.month


@st.composite
def organiser_phrases(draw):
    """(text, now, expected schedule or problem, end assumed) written the way organisers write."""
    now = draw(NOWS)
    local_now = to_local(now)
    today = local_now.date()
    words, start_minutes, end_minutes = draw(clock_words())
    at = (datetime.min + timedelta(minutes=start_minutes)).time()
    duration = timedelta(minutes=(end_minutes or min(start_minutes + 120, 24 * 60)) - start_minutes)
    kind = draw(st.sampled_from(["single", "weekly", "weekly", "monthly", "daily"]))

    if kind == "single":
        target = today + timedelta(days=draw(st.integers(1, 400)))
        forms = [_written(draw, target, today)]
        gap = (target - today).days
        if gap <= 6:
            forms += [
                DAYS[target.weekday()],
                f"am {DAYS[target.weekday()]}",
                SHORT[target.weekday()],
            ]
            if target.weekday() != today.weekday():
                forms.append(f"nächsten {DAYS[target.weekday()]}")
        if gap == 7:
            forms.append(f"nächsten {DAYS[target.weekday()]}")
        forms += {1: ["morgen"], 2: ["übermorgen"]}.get(gap, [])
        parts = [draw(st.sampled_from(forms)), words]
        expected = Schedule(datetime.combine(target, at), duration)
        return _order(draw, parts, []), now, expected, end_minutes is None

    # recurring: which days, then the window
    interval, nths = 1, []
    if kind == "weekly":
        days = sorted(draw(st.sets(st.integers(0, 6), min_size=1, max_size=4)))
        interval = draw(st.sampled_from([1, 1, 2]))
        singular = [draw(st.sampled_from([DAYS[d], SHORT[d]])) for d in days]
        plural = [DAYS[d].lower() + "s" for d in days]
        if interval == 1:
            forms = [
                "jeden " + _join(singular),
                _join(plural),
                "immer " + _join(plural),
                "wöchentlich am " + _join([DAYS[d] for d in days]),
            ]
            if days == [0, 1, 2, 3, 4]:
                forms += ["werktags", "Mo-Fr", "montags bis freitags"]
        else:
            every = draw(
                st.sampled_from(
                    [
                        "alle zwei Wochen",
                        "alle 2 Wochen",
                        "14-tägig",
                        "jede zweite Woche",
                        "zweiwöchentlich",
                    ]
                )
            )
            forms = [f"{every} am {_join([DAYS[d] for d in days])}", f"{every} {_join(plural)}"]
            if len(days) == 1:
                forms.append(f"jeden zweiten {DAYS[days[0]]}")
        every = ";INTERVAL=2" if interval == 2 else ""
        rule = f"FREQ=WEEKLY{every};BYDAY={','.join(CODES[d] for d in days)}"

        def matches(day: date) -> bool:
            return day.weekday() in days
    elif kind == "monthly":
        nths = sorted(
            draw(
                st.sets(
                    st.tuples(st.sampled_from([1, 2, 3, 4, -1]), st.integers(0, 6)),
                    min_size=1,
                    max_size=2,
                )
            ),
            key=lambda nd: (nd[0] if nd[0] > 0 else 10 - nd[0], nd[1]),
        )
        ordinal = {
            1: ["ersten", "1."],
            2: ["zweiten", "2."],
            3: ["dritten", "3."],
            4: ["vierten", "4."],
            -1: ["letzten"],
        }
        listed = _join([f"{draw(st.sampled_from(ordinal[n]))} {DAYS[d]}" for n, d in nths])
        forms = [f"jeden {listed} im Monat", f"am {listed} im Monat", f"monatlich am {listed}"]
        rule = "FREQ=MONTHLY;BYDAY=" + ",".join(f"{n}{CODES[d]}" for n, d in nths)

        def matches(day: date) -> bool:
            return any(_nth_matches(day, n, d) for n, d in nths)
    else:
        forms, rule = ["täglich", "jeden Tag"], "FREQ=DAILY"

        def matches(day: date) -> bool:
            return True

    parts = [draw(st.sampled_from(forms)), words]

    lower, until = today, None
    window = draw(st.sampled_from(["none", "from", "until", "both", "month"]))
    if window == "month":
        month = draw(st.integers(1, 12))
        month_start = date(today.year + (month < today.month), month, 1)
        lower = max(today, month_start)
        until = (month_start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        parts.append(f"im {MONTHS[month - 1]}")
    if window in ("from", "both"):
        lower = today + timedelta(days=draw(st.integers(0, 90)))
        gap = (lower - today).days
        parts.append(
            "ab "
            + draw(
                st.sampled_from(
                    [_written(draw, lower, today), *{0: ["heute"], 1: ["morgen"]}.get(gap, [])]
                )
            )
        )
    if window in ("until", "both"):
        until = lower + timedelta(days=draw(st.integers(31, 300)))
        parts.append("bis " + _written(draw, until, lower))
        rule += f";UNTIL={until:%Y%m%d}T235959"
    elif window == "month":
        rule += f";UNTIL={until:%Y%m%d}T235959"

    # the meetings, found day by day
    meetings, day = [], lower
    while day <= (until or lower + timedelta(days=400)) and len(meetings) < 60:
        if (
            matches(day)
            and datetime.combine(day, at) > local_now
            and (
                not meetings
                or interval == 1
                or ((day - meetings[0]).days // 7) % 2 == 0
                or day.isocalendar()[:2] == meetings[0].isocalendar()[:2]
            )
        ):
            weeks_apart = (
                (day - (meetings[0] - timedelta(days=meetings[0].weekday()))).days // 7
                if meetings
                else 0
            )
            if weeks_apart % interval == 0:
                meetings.append(day)
        day += timedelta(days=1)
    if not meetings:
        return _order(draw, parts, []), now, Problem.NO_DATES, end_minutes is None
    skipped = sorted(draw(st.sets(st.sampled_from(meetings), max_size=min(3, len(meetings) - 1))))
    excepted = []
    if skipped:
        excepted = [
            draw(st.sampled_from(["nicht am", "außer am"]))
            + " "
            + _join([_written(draw, d, meetings[0]) for d in skipped])
        ]
    expected = Schedule(datetime.combine(meetings[0], at), duration, rule, frozenset(skipped))
    return _order(draw, parts, excepted), now, expected, end_minutes is None


def _order(draw, parts: list[str], last: list[str]) -> str:
    """Organisers put the pieces in any order; exceptions come last ("…, nicht am 24.12.")."""
    shuffled = draw(st.permutations(parts))
    separator = draw(st.sampled_from([" ", ", "]))
    return separator.join([*shuffled, *last])


@PROPERTY
@given(organiser_phrases())
def test_what_organisers_write_is_stored_exactly_and_confirmed_back(case):
    text, now, expected, assumed = case
    result = parse_when(text, now)
    if isinstance(expected, Problem):
        assert result == NotUnderstood(expected), text
        return
    assert isinstance(result, Understood), (text, result)
    assert result.schedule == expected, text
    assert result.assumed_duration is assumed
    assert_confirmation_reads_back(result, now)


def test_the_dates_a_message_names():
    from handlers.when import days_named

    assert days_named("der am 17.12. faellt aus", NOW) == [date(2026, 12, 17)]
    assert days_named("am 3. Advent fällt es aus", NOW) == [date(2026, 12, 13)]
    assert days_named("Donnerstag", NOW) == [date(2026, 11, 26)]
    assert days_named("Kaffee und Kuchen", NOW) == []
