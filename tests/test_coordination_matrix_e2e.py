"""Coordinators and "Nicht allein hingehen" on Matrix against the real Synapse
(tests/synapse.py), answering numbered choices by typing their numbers, as a person would.

A district coordinator (NAHBAR_COORDINATORS) asks `!lage` and gets the map as an image and the
numbers as a notice; she invites a companion for Quedlinburg. A resident in an encrypted
direct chat asks not to go alone; the companion is asked through the outbox and sees only the
place, the offer and the date; both agree; the resident reports the companion, who is told the
company is off, and the coordinator, told through the outbox, blocks them.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

from handlers.formatting import when
from models import utcnow
from models.unmet import month_of
from publish.report import month_label

from .synapse import MatrixResident, NahbarOnMatrix
from .test_coordination_terminal import CAFE, T, _a_weekly_cafe


def _has(text: str):
    return lambda message: text in message.body


def _before(person: MatrixResident, text: str) -> str:
    """Everything the person received before the first message containing `text`."""
    bodies = [m.body for m in person.inbox]
    return "\n".join(bodies[: next(i for i, body in enumerate(bodies) if text in body)])


async def test_lage_and_going_together_with_numbered_choices(synapse, resident, tmp_path):
    (tmp_path / "bot").mkdir()
    dates = await _a_weekly_cafe(tmp_path / "bot" / "nahbar.sqlite3")
    first, meeting = when(T, dates[0]), when(T, dates[0] - timedelta(minutes=10))
    month = month_label(T, month_of(utcnow()))
    kreis = await MatrixResident.create(synapse, tmp_path, "kreis")
    erika = await MatrixResident.create(synapse, tmp_path, "erika")
    anna = resident
    bot = NahbarOnMatrix(
        synapse,
        await synapse.register("nahbar"),
        tmp_path / "bot",
        outbox=True,
        NAHBAR_COORDINATORS=f"matrix:{kreis.user_id}=Harz",
        NAHBAR_DEMO_DATA="false",
        NAHBAR_OUTBOX_EVERY_SECONDS="0.5",
    )
    await bot.start()
    try:
        await kreis.open_dm(bot.user_id)
        await kreis.wait_for_reply(_has("willkommen"))
        await kreis.say("!lage")
        picture = await kreis.wait_for_reply(lambda m: m.msgtype == "m.image")
        assert picture.body == "karte.png" and picture.content["info"]["mimetype"] == "image/png"
        assert (await kreis.download(picture)).startswith(b"\x89PNG")
        summary = await kreis.wait_for_reply(_has("Die Lage"))
        assert summary.msgtype == "m.notice" and summary.body == (
            "📊 Die Lage in Landkreis Harz\n\n"
            "📍 1 Angebot mit einem Termin in den nächsten 14 Tagen\n"
            "⚪ Weiße Flecken (kein Angebot im Umkreis von 10 km): 13 von 20 Gemeinden\n"
            "   Halberstadt, Wernigerode, Oberharz am Brocken, Ilsenburg (Harz), Harzgerode …\n"
            f"🔍 Suchen ohne Ergebnis im {month}: 0\n"
            "💤 Verwaiste Angebote (60 Tage kein Termin, Veranstalter meldet sich nicht): 0\n"
            f"🔔 Erinnerungen bestellt: 0 · 👍 „Ich komme“ für Termine im {month}: 0\n\n"
            "Zahlen von 1 bis 4 stehen als „< 5“ da, „•“ verdeckt eine Zahl, die sonst eine kleine "
            "verraten würde.\n\n"
            "1 💡 Ideen für weiße Flecken\n2 🌐 Webseiten öffnen · 3 🔑 Koordination einladen"
        )
        assert "„&lt; 5“" in summary.html
        one = await kreis.ask("!lage Quedlinburg", _has("Quedlinburg"))
        assert one.body == (
            "📊 Quedlinburg\n\nQuedlinburg – 1 Angebot in den nächsten 14 Tagen – 0,3 je 10.000 "
            "Einwohner – Suchen ohne Ergebnis diesen Monat: 0\n\n1 🤝 Begleitung für Quedlinburg "
            "einladen"
        )
        invited = await kreis.choose(one, "Begleitung für Quedlinburg", _has("/begleiten"))
        code = re.search(r"/begleiten (\S+) an Nahbar", invited.body).group(1)
        assert invited.body == (
            "🤝 Geben Sie diesen Code der neuen Begleiterin oder dem neuen Begleiter persönlich: "
            f"{code}\nSie schreiben /begleiten {code} an Nahbar. Der Code gilt einmal, 48 Stunden "
            "lang."
        )

        await erika.open_dm(bot.user_id)
        await erika.wait_for_reply(_has("willkommen"))
        joined = await erika.ask(f"!begleiten {code}", _has("begleiten"))
        assert joined.body == (
            "🤝 Danke, dass Sie in Quedlinburg Menschen begleiten! Wenn jemand nicht allein "
            "hingehen möchte, frage ich Sie – Sie sehen nur den Ort, das Angebot und den Termin."
        )

        await anna.open_dm(bot.user_id, encrypted=True)
        await anna.wait_for_reply(_has("willkommen"))
        listing = await anna.ask("Quedlinburg", _has("Treffen bei Quedlinburg"))
        detail = await anna.choose(listing, CAFE, _has("Veranstaltet von"))
        asked = await anna.choose(detail, "nicht allein", _has("Welcher Termin?"))
        spans = [when(T, d, d + timedelta(hours=2)) for d in dates]
        assert asked.body.startswith(
            "🤝 Sie möchten nicht allein zu „Adventscafé im Pfarrhaus“ gehen? Eine Begleitung aus "
            "Quedlinburg kann mitkommen.\nSie sieht nur den Ort, das Angebot und den Termin – "
            "keinen Namen, keine Adresse. Bevor Vornamen und ein Treffpunkt am Veranstaltungsort "
            "weitergegeben werden, frage ich Sie noch einmal.\n"
            "Welcher Termin?\n\n"
        )
        assert list(asked.choices().values()) == spans
        waiting = await anna.choose(asked, spans[0], _has("Ich frage"))
        assert waiting.body == (
            "🤝 Danke. Ich frage die Begleiterinnen und Begleiter in Ihrer Nähe. Sobald jemand "
            "zusagt, melde ich mich – vorher wird nichts weitergegeben.\n\n"
            f"{waiting.number_of('Zurückziehen')} ✖️ Zurückziehen"
        )

        question = await erika.wait_for_reply(_has("Würden Sie mitkommen?"))
        assert question.body == (
            f"🤝 Jemand in Quedlinburg möchte nicht allein zu „Adventscafé im Pfarrhaus“ am "
            f"{first} gehen. Würden Sie mitkommen?\n\n"
            f"{question.number_of('Ja, ich begleite')} 🤝 Ja, ich begleite"
        )
        name = await erika.choose(question, "Ja, ich begleite", _has("Vornamen"))
        assert name.body == (
            "Danke! Welchen Vornamen darf ich weitergeben? (Nur den Vornamen; die Person wird "
            "gefragt, bevor etwas weitergegeben wird.)"
        )
        thanked = await erika.ask("Erika", _has("Danke, Erika"))
        assert thanked.body.startswith(
            "Danke, Erika! Ich frage jetzt die Person; Sie hören von mir.\n\n"
        )
        assert list(thanked.choices().values()) == ["✖️ Zurückziehen", "⚠️ Melden"]

        offered = await anna.wait_for_reply(_has("Gute Nachricht"))
        assert offered.body.startswith(
            f"🤝 Gute Nachricht: Jemand würde Sie zu „Adventscafé im Pfarrhaus“ am {first} "
            "begleiten. Sind Sie einverstanden, dass ich Ihren Vornamen weitergebe und Sie sich am "
            "Eingang von Pfarrhaus, Kirchstraße 3, Quedlinburg treffen, zehn Minuten vor "
            "Beginn?\n\n"
        )
        assert list(offered.choices().values()) == ["✅ Ja, einverstanden", "✖️ Nein, danke"]
        asked_name = await anna.choose(offered, "einverstanden", _has("Vornamen"))
        assert (
            asked_name.body
            == "Welchen Vornamen darf ich Ihrer Begleitung sagen? (Nur den Vornamen.)"
        )
        agreed = await anna.ask("Anna", _has("Wunderbar"))
        assert agreed.body.startswith(
            f"🤝 Wunderbar! Erika geht mit Ihnen zu „Adventscafé im Pfarrhaus“. Treffpunkt: "
            f"Eingang von Pfarrhaus, Kirchstraße 3, Quedlinburg, {meeting}.\n\n"
        )
        told = await erika.wait_for_reply(_has("freut sich"))
        assert told.body.startswith(
            f"🤝 Anna freut sich, dass Sie zu „Adventscafé im Pfarrhaus“ mitkommen. Treffpunkt: "
            f"Eingang von Pfarrhaus, Kirchstraße 3, Quedlinburg, {meeting}.\n\n"
        )
        assert "Anna" not in _before(erika, "freut sich")  # no name before the resident agreed
        assert "Erika" not in _before(anna, "Wunderbar")

        # The resident reports: the company ends, the companion is told, the coordinator blocks.
        reported = await anna.choose(agreed, "Melden", _has("Danke, dass Sie es uns sagen"))
        assert (
            reported.body
            == "Danke, dass Sie es uns sagen. Die Begleitung ist beendet, die Koordination kümmert "
            "sich darum."
        )
        off = await erika.wait_for_reply(_has("findet nicht statt"))
        assert off.body == (
            f"🤝 Die Begleitung zu „Adventscafé im Pfarrhaus“ am {first} findet nicht statt – die "
            "andere Seite musste absagen. Die Vornamen sind gelöscht."
        )
        alert = await kreis.wait_for_reply(_has("gemeldet"))
        assert alert.body.startswith(
            "⚠️ Eine Begleitung in Quedlinburg wurde gemeldet. Die gemeldete Person für "
            "Begleitungen sperren?\n\n"
        )
        assert "Anna" not in alert.body and "Erika" not in alert.body
        blocked = await kreis.choose(alert, "Sperren", _has("Gesperrt"))
        assert (
            blocked.body
            == "🚫 Gesperrt: Diese Person kann keine Begleitung mehr anfragen oder geben."
        )
        listing = await anna.ask("Quedlinburg", _has("Treffen bei Quedlinburg"))
        again = await anna.choose(listing, CAFE, _has("Veranstaltet von"))
        assert not any(
            "nicht allein" in label for label in again.choices().values()
        )  # no companion left

        with sqlite3.connect(tmp_path / "bot" / "nahbar.sqlite3") as db:
            assert db.execute(
                "SELECT status, resident_name, companion_name FROM companion_requests"
            ).fetchall() == [("withdrawn", "", "")]
            assert db.execute("SELECT blocked FROM companions").fetchall() == [(1,)]
    finally:
        await bot.stop()
        await kreis.stop()
        await erika.stop()
