"""`nahbar chat --user NAME`: one person after another at the terminal, each a separate real
process on one SQLite file — the organiser posts through /neu (and is stopped hard in the
middle), the moderator approves through /pruefen, a resident finds the offer."""

from __future__ import annotations

import io
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from select import select as readable

from sqlalchemy import select

from bot.terminal import TerminalChat, TerminalMessenger
from handlers.choices import numbered
from handlers.core import Nahbar
from handlers.services import Services
from models.outbox import OutboxMessage

from .outbox_fakes import FakeMessenger, outbox_dispatcher, queue, reply_row
from .support import ChatDriver
from .test_posting import RIGHTS

ROOT = Path(__file__).resolve().parents[1]
STEP_TIMEOUT = 60  # seconds for one answer (a start migrates and loads the gazetteer)
_CHOICE = re.compile(r"\[(\d+)\] (.+?)(?=   \[\d+\]|\n|$)")


class Terminal:
    """`python -m bot chat --user NAME` on a pipe: type a line, wait for the answer."""

    def __init__(self, workdir: Path, user: str | None, **env: str) -> None:
        environment = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "MATRIX_", "NAHBAR_", "DATABASE_"))
        }
        environment.update(
            LANG="de_DE.UTF-8",
            PYTHONUNBUFFERED="1",
            DATABASE_URL=f"sqlite:///{workdir / 'nahbar.sqlite3'}",
            NAHBAR_MODERATORS="terminal:mod",
            NAHBAR_DEMO_DATA="false",
            NAHBAR_OUTBOX_EVERY_SECONDS="0.5",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            **env,
        )
        self.user = user
        self.stderr = open(workdir / f"stderr-{user}.txt", "wb")  # noqa: SIM115 - closed on exit
        args = ["--user", user] if user else []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat", *args],
            cwd=workdir,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        self.output = ""
        self.mark = 0  # where the answer to the last line typed begins

    def wait_for(self, text: str, timeout: float = STEP_TIMEOUT) -> str:
        """Read until `text` appears after the mark; returns the output since the mark."""
        deadline = time.monotonic() + timeout
        while text not in self.output[self.mark :]:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self.proc.poll() is not None and not self._read(0)):
                raise AssertionError(
                    f"{self.user}: no {text!r} within {timeout} s; since the last "
                    f"line typed:\n{self.output[self.mark :]}\n{self.log()}"
                )
            self._read(min(remaining, 0.5))
        return self.output[self.mark :]

    def _read(self, timeout: float) -> bool:
        ready, _, _ = readable([self.proc.stdout], [], [], timeout)
        if not ready:
            return False
        chunk = os.read(self.proc.stdout.fileno(), 65536)
        self.output += chunk.decode(errors="replace")
        return bool(chunk)

    def say(self, line: str, expect: str) -> str:
        """Type a line and wait for the answer that contains `expect`."""
        self.mark = len(self.output)
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        return self.wait_for(expect)

    def choices(self) -> dict[str, int]:
        """Label -> number of the choices shown since the last line typed (newest wins)."""
        return {label.strip(): int(n) for n, label in _CHOICE.findall(self.output[self.mark :])}

    def choose(self, label: str, expect: str) -> str:
        """Type the number of the choice whose label contains `label`, as a person would."""
        numbers = [n for text, n in self.choices().items() if label in text]
        assert numbers, f"{self.user}: no choice {label!r} in {self.choices()}"
        return self.say(str(numbers[-1]), expect)

    def quit(self) -> None:
        self.say("/ende", "Auf Wiedersehen!")
        assert self.proc.wait(30) == 0, self.log()
        self.stderr.close()

    def kill(self) -> None:
        """Stopped hard, as by a crash or a closed terminal window."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self.stderr.close()

    def log(self) -> str:
        path = Path(self.stderr.name)
        self.stderr.flush()
        return f"--- stderr ---\n{path.read_text(errors='replace')[-3000:]}"


def test_organiser_moderator_and_resident_take_turns_on_one_database(tmp_path):
    moderator = Terminal(tmp_path, "mod")
    assert "Sie schreiben als „mod“." in moderator.wait_for("willkommen")
    moderator.say("/pruefen", "Nichts wartet. Danke!")  # terminal:mod is a moderator
    moderator.quit()

    organiser = Terminal(tmp_path, "org")
    organiser.wait_for("willkommen")
    organiser.say("/pruefen", "Das dürfen nur Moderatorinnen und Moderatoren.")
    organiser.say("/neu", "Was für ein Treffen ist es?")
    organiser.choose("Begegnungscafé", "Wie heißt es?")
    organiser.say("Adventscafé im Pfarrhaus", "Beschreiben Sie es")
    organiser.say("Kaffee, Kuchen und Gespräche. Alle sind willkommen.", "Wann findet es statt?")
    organiser.say("jeden Dienstag 15-17 Uhr", "Wo findet es statt?")
    organiser.kill()  # in the middle of /neu

    organiser = Terminal(tmp_path, "org")
    started = organiser.wait_for("Wo findet es statt?")  # the question is asked again
    assert "willkommen" not in started
    organiser.say("Pfarrhaus, Kirchstraße 3, 06484 Quedlinburg", "Was hilft Menschen")
    assert "[1] ◻️ Rollstuhl: ja" in organiser.output[organiser.mark :]
    organiser.choose("Rollstuhl: ja", "✅ Rollstuhl: ja")
    organiser.choose("Spende willkommen", "✅ Spende willkommen")
    preview = organiser.say("Kirchengemeinde St. Blasii, Telefon 03946 1234", "Vorschau")
    for line in (
        "☕ Adventscafé im Pfarrhaus",
        "🔁 jeden Dienstag",
        "📍 Pfarrhaus, Kirchstraße 3, Quedlinburg",
        "♿ Rollstuhlgerecht: Eingang ohne Stufe",
        "💶 Spende willkommen",
        "☎️ Kontakt: Telefon 03946 1234",
    ):
        assert line in preview, line
    organiser.choose("Absenden", "Die Moderation schaut sich „Adventscafé im Pfarrhaus“ bald an")
    organiser.quit()

    resident = Terminal(tmp_path, "anwohnerin")
    resident.wait_for("willkommen")
    resident.say("Quedlinburg", "keine Treffen gefunden")  # not before a moderator approved it
    resident.quit()

    moderator = Terminal(tmp_path, "mod")
    moderator.mark = 0
    notice = moderator.wait_for(
        "🛡 Ein neues Angebot wartet auf Prüfung: „Adventscafé im Pfarrhaus“"
    )
    welcome = moderator.wait_for("willkommen")
    assert "🛡 Warten auf Prüfung: 1 – /pruefen zeigt sie." in welcome  # also without the notice
    assert notice.count("wartet auf Prüfung: „") == 1
    moderator.mark = moderator.output.index("🛡 Ein neues Angebot")  # its choices are the newest
    review = moderator.choose("Prüfen", "Angebot zur Prüfung")
    assert "👤 Veranstalter Nr." in review and "(neu, noch nichts freigegeben)" in review
    moderator.choose("Freigeben", "✅ Freigegeben: „Adventscafé im Pfarrhaus“.")
    moderator.quit()

    organiser = Terminal(tmp_path, "org")
    organiser.wait_for("🎉 Ihr Angebot „Adventscafé im Pfarrhaus“ ist geprüft und veröffentlicht.")
    organiser.quit()

    resident = Terminal(tmp_path, "anwohnerin")
    resident.wait_for("Schreiben Sie")
    found = resident.say("Quedlinburg", "Treffen bei Quedlinburg")
    assert "Adventscafé im Pfarrhaus" in found
    resident.quit()

    with sqlite3.connect(tmp_path / "nahbar.sqlite3") as db:
        assert db.execute("SELECT title, status FROM offers").fetchall() == [
            ("Adventscafé im Pfarrhaus", "published")
        ]
        users = {name for (name,) in db.execute("SELECT platform_id FROM users")}
        assert users == {"mod", "org", "anwohnerin"}
        assert db.execute("SELECT count(*) FROM outbox WHERE status != 'sent'").fetchone() == (0,)


def test_a_user_name_that_cannot_be_an_address_is_refused(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", "zwei Wörter"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        input="",
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"},
    )
    assert done.returncode == 2
    assert "--user" in done.stderr and "e.g. --user mod" in done.stderr
    assert not (tmp_path / "x.sqlite3").exists()


# --- numbered choices in the neutral core (the terminal and Matrix answer with numbers) -------


async def _at_the_place_question(chat) -> None:
    await chat.say("/neu")
    await chat.say("1")  # ☕ Begegnungscafé
    await chat.say("Adventscafé im Pfarrhaus")
    await chat.say("Kaffee, Kuchen und Gespräche. Alle sind willkommen.")
    await chat.say("jeden Dienstag 15-17 Uhr")
    assert "Wo findet es statt?" in chat.text


async def _at_the_price_question(chat) -> None:
    await _at_the_place_question(chat)
    await chat.say("Pfarrhaus, Kirchstraße 3, 06484 Quedlinburg")
    await chat.say(str(next(n for n, label in _numbers(chat) if "Es kostet etwas" in label)))
    assert "Was kostet es?" in chat.text


async def test_a_number_typed_by_mistake_does_not_throw_the_draft_away(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user="org", rights=RIGHTS, platform="terminal")
    await _at_the_price_question(chat)
    await chat.say("2")  # meant as 2 €; it is the number of "Abbrechen"
    assert "Entwurf „Adventscafé im Pfarrhaus“ verwerfen?" in chat.text
    await chat.say(str(next(n for n, label in _numbers(chat) if "Nein" in label)))
    assert "Was kostet es?" in chat.text  # the question again, nothing lost
    await chat.say("2 € mit Kuchen")
    assert (
        "Was hilft Menschen" in chat.text and "✅ Es kostet etwas" in chat.labels()
    )  # back to the details
    assert "Übernommen" not in chat.text
    await chat.say("abbrechen")  # typed, it asks first, as the button does
    assert "Entwurf „Adventscafé im Pfarrhaus“ verwerfen?" in chat.text
    await chat.say("ja")
    assert "der Entwurf ist verworfen" in chat.text


def _numbers(chat) -> list[tuple[int, str]]:
    return [(n, b.label) for n, b in numbered(chat.replies)]


async def test_a_number_that_was_not_offered_is_no_place_name(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user="anwohnerin", platform="terminal")
    await chat.say("/start")
    assert [n for n, _ in _numbers(chat)] == [1, 2]
    await chat.say("9")
    assert "Die Nummer 9 gibt es hier nicht" in chat.text and "Ort „9“" not in chat.text
    await chat.say("2")  # the choices shown before are still valid
    assert "So geht es" in chat.text


async def test_at_the_terminal_a_location_is_shared_by_typing_coordinates(sessions, places, now):
    chat = ChatDriver(sessions, places, now, user="org", rights=RIGHTS, platform="terminal")
    await _at_the_place_question(chat)
    assert "oder senden Sie den Standort" in chat.text
    await chat.say("51.83524, 10.78521")  # how the terminal shares a location
    assert "Wie heißt der Treffpunkt" in chat.text
    await chat.say("Bürgerhaus, Markt 1")
    assert "Was hilft Menschen" in chat.text


async def test_a_terminal_leaves_other_peoples_messages_untouched(sessions, places, now):
    """Whoever had the terminal before must not push back the next person's messages."""
    out = io.StringIO()
    org = TerminalChat(Nahbar(sessions, Services(places)), out, user="org", language="de")
    telegram = FakeMessenger(platform="telegram")
    await queue(
        sessions,
        reply_row("org", "terminal:org", "🎉 Veröffentlicht", due_at=now),
        reply_row("mod", "terminal:mod", "🛡 Ein neues Angebot", due_at=now),
        reply_row("tg", "telegram:5", "Für Telegram", due_at=now),
        now=now,
    )
    async with sessions() as session:
        before = (
            await session.scalar(select(OutboxMessage).where(OutboxMessage.key == "mod"))
        ).updated_at
    await outbox_dispatcher(sessions, [TerminalMessenger(org), telegram], clock=lambda: now).drain()
    assert "🎉 Veröffentlicht" in out.getvalue() and "Ein neues Angebot" not in out.getvalue()
    assert telegram.texts() == ["Für Telegram"]
    async with sessions() as session:
        mod = await session.scalar(select(OutboxMessage).where(OutboxMessage.key == "mod"))
    assert (mod.status.value, mod.due_at, mod.attempts, mod.updated_at) == (
        "queued",
        now,
        0,
        before,
    )


async def test_the_numbers_of_a_message_from_the_outbox_are_the_ones_typed_next(
    sessions, places, now
):
    from handlers.messages import Button, Reply

    moderator = ChatDriver(sessions, places, now, user="mod", rights=RIGHTS, platform="terminal")
    await moderator.say("/start")
    assert _numbers(moderator)[0] == (1, "🔎 Ort oder PLZ eingeben")
    notice = Reply(
        "🛡 Ein neues Angebot wartet auf Prüfung", buttons=((Button("🔍 Prüfen", "vq"),),)
    )
    await moderator.core.shown("terminal:mod", [notice])
    await moderator.say("1")
    assert "⏳ Warten auf Prüfung: 0" in moderator.text
    await moderator.core.shown("terminal:mod", [Reply("Ohne Knöpfe")])  # nothing to choose: kept
    await moderator.say("1")
    assert "Die letzten Entscheidungen" in moderator.text  # the queue's first choice


async def test_a_message_arriving_during_a_question_does_not_take_its_numbers(
    sessions, places, now
):
    """An organiser picks the kind of their offer by number when a reminder arrives: "2" still
    picks the kind, and the reminder's choices get numbers of their own."""
    from handlers.messages import Button, Reply

    organiser = ChatDriver(sessions, places, now, user="org", rights=RIGHTS, platform="terminal")
    await organiser.say("/neu")
    assert "Was für ein Treffen ist es?" in organiser.text
    reminder = Reply("🔔 Morgen: Adventscafé", buttons=((Button("👍 Ich komme", "ry:1"),),))
    [shown] = await organiser.core.shown("terminal:org", [reminder])
    labels = [b.label for row in shown.buttons for b in row]
    assert labels == ["11. 👍 Ich komme"]  # after the ten choices of the question
    await organiser.say("2")  # the second kind, as the question showed
    assert "Wie heißt es?" in organiser.text
    draft = await organiser.core.shown("terminal:org", [])  # nothing shown: nothing changes
    assert draft == []
