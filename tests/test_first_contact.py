"""The first answer a person gets: what Nahbar does, that organisers can offer a meeting (/neu),
and how to send a location from where they write — which the adapter knows, not the core."""

from __future__ import annotations

import io
from dataclasses import replace

from bot.matrix.convert import from_inbox, to_inbox
from bot.matrix.convert import incoming as matrix_incoming
from bot.terminal import TerminalChat
from handlers.core import Nahbar
from handlers.messages import Incoming
from handlers.services import Services

from .support import ChatDriver, plain


async def test_the_welcome_names_organising_and_the_way_to_share_a_location_here(
    sessions, places, now
):
    terminal = ChatDriver(sessions, places, now, platform="terminal", user="t")
    await terminal.say("/start")
    assert (
        "Mit /neu bieten Sie Ihr Treffen in wenigen Minuten in der Nachbarschaft an."
        in terminal.text
    )
    assert "Sie können auch Koordinaten eintippen, z. B. „52.13, 11.62“." in terminal.text
    assert (
        "Standort senden" not in terminal.text and "senden Sie Ihren Standort" not in terminal.text
    )
    await terminal.say("52.13, 11.62")  # what the hint says works
    assert "Treffen bei" in terminal.text

    matrix = ChatDriver(sessions, places, now, platform="matrix", user="@m:example.org")
    await matrix.say("!start")
    assert (
        "Oder teilen Sie Ihren Standort: In Element tippen Sie neben dem Eingabefeld auf „+“ und "
        "dann auf „Standort“."
    ) in matrix.text
    telegram = ChatDriver(sessions, places, now, platform="telegram", user="42")
    await telegram.say("/start")
    assert "Oder tippen Sie unten auf „📍 Standort senden“." in telegram.text
    assert next(b.kind for r in telegram.replies for row in r.keyboard for b in row) == "location"

    english = ChatDriver(sessions, places, now, platform="terminal", user="e", language="en")
    await english.say("/start")
    assert "With /new you offer your meeting" in english.text
    assert "You can also type coordinates, e.g. “52.13, 11.62”." in english.text


async def test_help_and_the_questions_for_a_place_give_the_same_hint(sessions, places, now):
    chat = ChatDriver(sessions, places, now, platform="terminal")
    await chat.say("/hilfe")
    assert (
        "• Schreiben Sie Ihren Ort oder Ihre Postleitzahl, z. B. „Wernigerode“ oder „39104“.\n"
        "• Sie können auch Koordinaten eintippen, z. B. „52.13, 11.62“.\n• Gern mit Tag"
        in chat.text
    )
    await chat.say("heute")
    assert chat.text == (
        "Wo soll ich suchen? Schreiben Sie Ihren Ort oder Ihre Postleitzahl. "
        "Sie können auch Koordinaten eintippen, z. B. „52.13, 11.62“."
    )
    matrix = ChatDriver(sessions, places, now, platform="matrix", user="@m:example.org")
    await matrix.say("Heimatort")
    assert "In Element tippen Sie neben dem Eingabefeld auf „+“" in matrix.text
    assert matrix.text.endswith("Mit „abbrechen“ bleibt alles, wie es ist.")


async def test_the_adapters_say_how_a_location_is_shared(sessions, places, now):
    """The terminal: typed coordinates; a Matrix DM: the client's menu; a group: no way at all
    (the bot reads only what is addressed to it there), also after the inbox."""
    out = io.StringIO()
    await TerminalChat(
        Nahbar(sessions, Services(places), clock=lambda: now), out, user="erika", language="de"
    ).say("/start")
    assert "Koordinaten eintippen" in out.getvalue()

    core = Nahbar(sessions, Services(places), clock=lambda: now)
    direct = matrix_incoming(
        {"msgtype": "m.text", "body": "!start"}, sender="@a:x.org", room_id="!dm:x.org", group=False
    )
    group = matrix_incoming(
        {"msgtype": "m.text", "body": "!start"}, sender="@a:x.org", room_id="!g:x.org", group=True
    )
    for message, hint in ((direct, "„+“"), (group, None)):
        again = from_inbox(to_inbox("$e" + message.chat_id, message, now))
        assert again.location_sharing == message.location_sharing
        text = plain((await core.handle(again))[0].text)
        assert (hint in text) if hint else ("Standort" not in text and "Koordinaten" not in text)
    assert "Standort" not in plain(
        (await core.handle(replace(direct, location_sharing="none")))[0].text
    )
    unknown = Incoming(platform="elsewhere", user_id="u", chat_id="u", text="/start")
    assert "Standort" not in plain(
        (await core.handle(unknown))[0].text
    )  # an adapter that says nothing
