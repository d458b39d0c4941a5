"""Coordinators and "Nicht allein hingehen" through Telegram, end to end: the real
`python -m bot run` process against the fake Bot API on 127.0.0.1 (tests/fake_bot_api.py).

A district coordinator (NAHBAR_COORDINATORS) asks `/lage` and gets the map as a photo with the
numbers as its caption, opens the web pages through a one-time link, and invites a companion
for Quedlinburg; in two residents' chats the companion and a resident who would rather not go
alone agree, each before anything is shared; the companion withdraws. A stranger's forged
buttons change nothing.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import timedelta

import pytest

from handlers.formatting import when
from models import utcnow
from models.unmet import month_of
from publish.report import month_label

from .fake_bot_api import MESSAGE_METHODS, FakeBotApi
from .postgres import free_port
from .test_coordination_terminal import CAFE, T, _a_weekly_cafe, _http
from .test_telegram_e2e import TOKEN
from .test_telegram_organiser_e2e import Person, _running, _stopped

COORDINATOR, ERIKA, ANNA, STRANGER = 5101, 5102, 5103, 5104


@pytest.fixture
async def api():
    async with FakeBotApi(TOKEN) as fake:
        yield fake


def _texts(api: FakeBotApi, chat: int, until: str) -> str:
    """Everything the bot showed in a chat before the first message containing `until`."""
    shown = [
        c.text
        for c in api.calls
        if c.method in MESSAGE_METHODS and c.chat_id == chat and not c.error
    ]
    return "\n".join(shown[: next(i for i, text in enumerate(shown) if until in text)])


async def test_lage_with_the_map_and_two_residents_agree_to_go_together(api, tmp_path):
    dates = await _a_weekly_cafe(tmp_path / "nahbar.sqlite3")
    first, meeting = when(T, dates[0]), when(T, dates[0] - timedelta(minutes=10))
    month = month_label(T, month_of(utcnow()))
    port = free_port()
    bot = await _running(
        tmp_path,
        api,
        NAHBAR_COORDINATORS=f"telegram:{COORDINATOR}=Harz",
        NAHBAR_WEB_LISTEN=f"127.0.0.1:{port}",
    )
    report = lambda: bot.report(api)  # noqa: E731
    kreis, erika, anna = (
        Person(api, COORDINATOR, report),
        Person(api, ERIKA, report),
        Person(api, ANNA, report),
    )
    stranger = Person(api, STRANGER, report)
    try:
        await kreis.say("/start", "willkommen")
        situation = await kreis.say("/lage", "Die Lage")
        assert situation.method == "sendPhoto", situation
        assert situation.text == (
            "📊 Die Lage in Landkreis Harz\n\n"
            "📍 1 Angebot mit einem Termin in den nächsten 14 Tagen\n"
            "⚪ Weiße Flecken (kein Angebot im Umkreis von 10 km): 13 von 20 Gemeinden\n"
            "   Halberstadt, Wernigerode, Oberharz am Brocken, Ilsenburg (Harz), Harzgerode …\n"
            f"🔍 Suchen ohne Ergebnis im {month}: 0\n"
            "💤 Verwaiste Angebote (60 Tage kein Termin, Veranstalter meldet sich nicht): 0\n"
            f"🔔 Erinnerungen bestellt: 0 · 👍 „Ich komme“ für Termine im {month}: 0\n\n"
            "Zahlen von 1 bis 4 stehen als „< 5“ da, „•“ verdeckt eine Zahl, die sonst eine kleine "
            "verraten würde."
        )
        assert api.uploads[-1].filename == "karte.png" and api.uploads[-1].content.startswith(
            b"\x89PNG"
        )
        assert api.screen(COORDINATOR).labels == [
            "💡 Ideen für weiße Flecken",
            "🌐 Webseiten öffnen",
            "🔑 Koordination einladen",
        ]
        linked = await kreis.press("Webseiten öffnen", "anmelden")
        path = re.search(
            rf"http://127\.0\.0\.1:{port}(/koordination/anmelden/\S+)$", linked.text
        ).group(1)
        assert linked.text.startswith(
            "🌐 Ihr Link zu den Seiten für die Koordination, gültig 15 Minuten und nur "
            "einmal – bitte nicht weitergeben:\n"
        )
        status, headers, _ = _http(port, "POST", path)
        assert status == 303
        status, _, page = _http(port, "GET", "/koordination", headers["Set-Cookie"].split(";")[0])
        assert status == 200 and "Die Lage in Landkreis Harz" in page

        one = await kreis.say("/lage Quedlinburg", "Quedlinburg")
        assert one.text == (
            "📊 Quedlinburg\n\nQuedlinburg – 1 Angebot in den nächsten 14 Tagen – 0,3 je 10.000 "
            "Einwohner – Suchen ohne Ergebnis diesen Monat: 0"
        )
        invited = await kreis.press("Begleitung für Quedlinburg", "/begleiten")
        code = re.search(r"/begleiten (\S+) an Nahbar", invited.text).group(1)
        assert invited.text == (
            "🤝 Geben Sie diesen Code der neuen Begleiterin oder dem neuen Begleiter persönlich: "
            f"{code}\nSie schreiben /begleiten {code} an Nahbar. Der Code gilt einmal, 48 Stunden "
            "lang."
        )

        await erika.say("/start", "willkommen")
        joined = await erika.say(f"/begleiten {code}", "begleiten")
        assert joined.text == (
            "🤝 Danke, dass Sie in Quedlinburg Menschen begleiten! Wenn jemand nicht allein "
            "hingehen möchte, frage ich Sie – Sie sehen nur den Ort, das Angebot und den Termin."
        )

        await anna.say("/start", "willkommen")
        await anna.say("Quedlinburg", "Treffen bei Quedlinburg")
        detail = await anna.press(CAFE, "Veranstaltet von")
        assert (
            "🤝 Ich möchte nicht allein hingehen"
            in api.screen(ANNA, detail.result["message_id"]).labels
        )
        mark = api.mark()
        asked = await anna.press("nicht allein", "Welcher Termin?")
        assert asked.text == (
            "🤝 Sie möchten nicht allein zu „Adventscafé im Pfarrhaus“ gehen? Eine Begleitung aus "
            "Quedlinburg kann mitkommen.\nSie sieht nur den Ort, das Angebot und den Termin – "
            "keinen Namen, keine Adresse. Bevor Vornamen und ein Treffpunkt am Veranstaltungsort "
            "weitergegeben werden, frage ich Sie noch einmal.\nWelcher Termin?"
        )
        spans = [when(T, d, d + timedelta(hours=2)) for d in dates]
        assert api.screen(ANNA, asked.result["message_id"]).labels == spans
        waiting = await anna.press(spans[0], "Ich frage", asked.result["message_id"])
        assert (
            waiting.method == "editMessageText"
            and waiting.params["message_id"] == asked.result["message_id"]
        )
        assert waiting.text == (
            "🤝 Danke. Ich frage die Begleiterinnen und Begleiter in Ihrer Nähe. Sobald jemand "
            "zusagt, melde ich mich – vorher wird nichts weitergegeben."
        )
        assert api.screen(ANNA, asked.result["message_id"]).labels == ["✖️ Zurückziehen"]

        question = await erika.shown("Würden Sie mitkommen?", mark)
        assert question.text == (
            f"🤝 Jemand in Quedlinburg möchte nicht allein zu „Adventscafé im Pfarrhaus“ am "
            f"{first} gehen. Würden Sie mitkommen?"
        )
        name = await erika.press("Ja, ich begleite", "Vornamen", question.result["message_id"])
        assert name.text == (
            "Danke! Welchen Vornamen darf ich weitergeben? (Nur den Vornamen; die Person wird "
            "gefragt, bevor etwas weitergegeben wird.)"
        )
        mark = api.mark()
        thanked = await erika.say("Erika", "Danke, Erika")
        assert thanked.text == "Danke, Erika! Ich frage jetzt die Person; Sie hören von mir."
        assert api.screen(ERIKA, thanked.result["message_id"]).labels == [
            "✖️ Zurückziehen",
            "⚠️ Melden",
        ]

        offered = await anna.shown("Gute Nachricht", mark)
        assert offered.text == (
            f"🤝 Gute Nachricht: Jemand würde Sie zu „Adventscafé im Pfarrhaus“ am {first} "
            "begleiten. Sind Sie einverstanden, dass ich Ihren Vornamen weitergebe und Sie sich am "
            "Eingang von Pfarrhaus, Kirchstraße 3, Quedlinburg treffen, zehn Minuten vor Beginn?"
        )
        labels = api.screen(ANNA, offered.result["message_id"])
        assert labels.labels == ["✅ Ja, einverstanden", "✖️ Nein, danke"]

        # A stranger forging the resident's consent, or the companion's, changes nothing.
        request = re.match(r"uc:(\d+)$", labels.buttons[0][1]).group(1)
        await stranger.say("/start", "willkommen")
        for data in (f"uc:{request}", f"uw:{request}", f"uy:{request}"):
            mark = api.mark()
            api.push_forged_callback(STRANGER, data)
            refused = await stranger.shown("Knopf", mark)
            assert refused.text == (
                "Dieser Knopf gilt leider nicht mehr. Schreiben Sie Ihren Ort oder Ihre "
                "Postleitzahl, dann geht es von vorne los."
            )
        with sqlite3.connect(tmp_path / "nahbar.sqlite3") as db:
            assert db.execute("SELECT status FROM companion_requests").fetchall() == [("offered",)]

        asked_name = await anna.press("einverstanden", "Vornamen", offered.result["message_id"])
        assert (
            asked_name.text
            == "Welchen Vornamen darf ich Ihrer Begleitung sagen? (Nur den Vornamen.)"
        )
        mark = api.mark()
        agreed = await anna.say("Anna", "Wunderbar")
        assert agreed.text == (
            f"🤝 Wunderbar! Erika geht mit Ihnen zu „Adventscafé im Pfarrhaus“. Treffpunkt: "
            f"Eingang von Pfarrhaus, Kirchstraße 3, Quedlinburg, {meeting}."
        )
        told = await erika.shown("freut sich", mark)
        assert told.text == (
            f"🤝 Anna freut sich, dass Sie zu „Adventscafé im Pfarrhaus“ mitkommen. Treffpunkt: "
            f"Eingang von Pfarrhaus, Kirchstraße 3, Quedlinburg, {meeting}."
        )
        assert "Anna" not in _texts(api, ERIKA, "freut sich")  # no name before the resident agreed
        assert "Erika" not in _texts(api, ANNA, "Wunderbar")

        # The companion withdraws: the resident is told.
        mark = api.mark()
        withdrawn = await erika.press("Zurückziehen", "Zurückgezogen", told.result["message_id"])
        assert withdrawn.method == "editMessageText"
        assert (
            withdrawn.text
            == "Zurückgezogen. Die andere Seite erfährt es; die Vornamen sind gelöscht."
        )
        cancelled = await anna.shown("findet nicht statt", mark)
        assert cancelled.text == (
            f"🤝 Die Begleitung zu „Adventscafé im Pfarrhaus“ am {first} findet nicht statt – "
            "die andere Seite musste absagen. Die Vornamen sind gelöscht."
        )
        with sqlite3.connect(tmp_path / "nahbar.sqlite3") as db:
            assert db.execute(
                "SELECT status, resident_name, companion_name FROM companion_requests"
            ).fetchall() == [("withdrawn", "", "")]

        await asyncio.sleep(0.5)  # let the last answerCallbackQuery arrive
        assert not api.unanswered_callbacks(), f"unanswered button presses\n{api.describe()}"
        assert not [c for c in api.calls if c.error], f"failed calls\n{api.describe()}"
        await _stopped(bot, api)
    finally:
        await bot.kill()
