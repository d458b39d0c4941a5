"""The public commands for the platforms' command menus (Telegram's set_my_commands).

Each language has its own command names; both work for everybody (see handlers.core.COMMANDS).
"""

from __future__ import annotations

from .i18n import LANGUAGES, N_, Translator

_START = N_("Start and welcome")
_OFFERS = N_("Meetings near you")
_TODAY = N_("What is on today")
_WEEK = N_("What is on this week")
_SETTINGS = N_("Radius, home place, language")
_LANGUAGE = N_("Change the language")
_HELP = N_("How Nahbar works")
_PRIVACY = N_("What we store and why")
_MYDATA = N_("Show what is stored about you")
_DELETE = N_("Delete everything about you")
_IDEAS = N_("Ideas for your own meetings")
_NEW = N_("Offer a meeting yourself")
_MINE = N_("Your offers: change, pause, cancel")
_REMINDERS = N_("Your reminders")
_DIGEST = N_("Weekly post of meetings, also for a group")

MENUS: dict[str, list[tuple[str, str]]] = {
    "de": [
        ("start", _START),
        ("angebote", _OFFERS),
        ("heute", _TODAY),
        ("woche", _WEEK),
        ("erinnerungen", _REMINDERS),
        ("wochenpost", _DIGEST),
        ("einstellungen", _SETTINGS),
        ("sprache", _LANGUAGE),
        ("hilfe", _HELP),
        ("datenschutz", _PRIVACY),
        ("meinedaten", _MYDATA),
        ("loeschen", _DELETE),
        ("ideen", _IDEAS),
        ("neu", _NEW),
        ("meine", _MINE),
    ],
    "en": [
        ("start", _START),
        ("offers", _OFFERS),
        ("today", _TODAY),
        ("week", _WEEK),
        ("reminders", _REMINDERS),
        ("weeklypost", _DIGEST),
        ("settings", _SETTINGS),
        ("language", _LANGUAGE),
        ("help", _HELP),
        ("privacy", _PRIVACY),
        ("mydata", _MYDATA),
        ("delete", _DELETE),
        ("ideas", _IDEAS),
        ("new", _NEW),
        ("mine", _MINE),
    ],
}


def command_menu(language: str) -> list[tuple[str, str]]:
    """[(command without slash, translated description)] for a language ("de" or "en")."""
    language = language if language in LANGUAGES else LANGUAGES[0]
    t = Translator(language)
    return [(command, t(description)) for command, description in MENUS[language]]
