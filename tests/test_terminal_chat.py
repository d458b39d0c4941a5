"""`nahbar chat` driven as a person would type it, in a real process on a fresh SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_chat(
    tmp_path: Path, typed: list[str], *args: str, **env: str
) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "LANG": "de_DE.UTF-8",
        "NAHBAR_LOG_LEVEL": "INFO",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'nahbar.sqlite3'}",
        "TELEGRAM_BOT_TOKEN": "",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *(args or ("chat",))],
        input="\n".join(typed) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
    )


def test_a_resident_finds_an_example_offer_and_its_details(tmp_path):
    done = run_chat(tmp_path, ["Wernigerode", "1", "/ende"])
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Hallo und herzlich willkommen bei Nahbar!" in out
    assert "[1] 🔎 Ort oder PLZ eingeben   [2] ❓ Hilfe" in out
    assert "Treffen bei Wernigerode" in out
    assert "(Beispiel)" in out  # demo data seeded into the new database, marked as examples
    assert out.count("Dies ist ein Beispiel-Angebot") == 1  # typed "1" opened the first entry
    assert "Auf Wiedersehen!" in out
    assert "Traceback" not in out + done.stderr
    assert (tmp_path / "nahbar.sqlite3").exists()


def test_run_without_token_and_without_a_terminal_says_why(tmp_path):
    done = run_chat(tmp_path, ["hilfe"], "run")  # stdin is a pipe, as under a service manager
    assert done.returncode == 5
    assert "no chat platform is configured" in done.stderr and "TELEGRAM_BOT_TOKEN" in done.stderr
    assert done.stdout == ""


def _in_a_terminal(tmp_path: Path, typed: list[str], *args: str, **env: str) -> tuple[int, str]:
    """Run nahbar on a pseudo-terminal (as `make run` in a shell does); type line by line."""
    import pty
    import select
    import time

    environment = {
        **os.environ,
        "LANG": "de_DE.UTF-8",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'nahbar.sqlite3'}",
        "TELEGRAM_BOT_TOKEN": "",
        **env,
    }
    pid, fd = pty.fork()
    if pid == 0:  # the child: nahbar on the terminal
        os.chdir(tmp_path)
        os.execve(sys.executable, [sys.executable, "-m", "bot", *args], environment)
    output, closed = b"", False

    def read_prompts(count: int, timeout: float = 60) -> None:
        """Read until `count` prompts were shown or the program ended."""
        nonlocal output, closed
        deadline = time.monotonic() + timeout
        while not closed and output.count(b"> ") < count and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    output += os.read(fd, 65536)
                except OSError:  # the program ended
                    closed = True

    read_prompts(1)
    for line in typed:
        os.write(fd, line.encode() + (b"" if line == "\x03" else b"\n"))
        read_prompts(output.count(b"> ") + 1)
    read_prompts(10**6, timeout=20)  # until it ends
    if not closed:  # it hangs: stop it, and the exit code tells the test
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def test_make_run_without_token_starts_the_terminal_chat_in_a_terminal(tmp_path):
    code, out = _in_a_terminal(tmp_path, ["hilfe", "/ende"], "run")
    assert code == 0, out
    assert "So geht es" in out and "Auf Wiedersehen!" in out


def test_ctrl_c_ends_the_chat_at_once(tmp_path):
    import pty  # noqa: F401  (POSIX only, like the terminal chat itself)
    import time

    started = time.monotonic()
    code, out = _in_a_terminal(tmp_path, ["\x03"], "chat")  # Ctrl-C at the prompt, no Enter
    assert code == 0, out
    assert "Traceback" not in out
    assert time.monotonic() - started < 50  # it did not wait for another line


def test_a_restart_continues_the_question_that_was_waiting(tmp_path):
    first = run_chat(tmp_path, ["/einstellungen", "Heimatort ändern", "/ende"])
    assert "Bitte schreiben Sie Ihren Ort" in first.stdout
    again = run_chat(tmp_path, ["Quedlinburg", "/ende"])  # the terminal chat starts again
    assert "willkommen" not in again.stdout
    assert "Bitte schreiben Sie Ihren Ort" in again.stdout  # the question is asked again
    assert "Ihr Heimatort ist jetzt Quedlinburg" in again.stdout


def test_an_error_in_one_turn_does_not_end_the_chat(tmp_path):
    # A database that refuses new users: every turn fails, the chat says so and goes on.
    done = run_chat(tmp_path, ["/ende"], USER="someone")  # creates and migrates the database
    import sqlite3

    with sqlite3.connect(tmp_path / "nahbar.sqlite3") as db:
        db.execute("DELETE FROM users")
        db.execute(
            "CREATE TRIGGER broken BEFORE INSERT ON users BEGIN SELECT RAISE(ABORT, 'broken'); END"
        )
    broken = run_chat(tmp_path, ["Wernigerode", "hilfe", "/ende"])
    assert broken.returncode == 0, broken.stderr
    assert broken.stdout.count("Entschuldigung, da ist bei uns etwas schiefgelaufen") >= 2
    assert "Auf Wiedersehen!" in broken.stdout
    assert "Traceback" not in broken.stdout + broken.stderr
    assert done.returncode == 0


def test_no_demo_data_when_switched_off(tmp_path):
    done = run_chat(tmp_path, ["Wernigerode"], NAHBAR_DEMO_DATA="false")
    assert "(Beispiel)" not in done.stdout
    assert "keine Treffen gefunden" in done.stdout


def test_db_upgrade_command_and_bad_settings(tmp_path):
    done = run_chat(tmp_path, [], "db", "upgrade")
    assert done.returncode == 0 and "up to date" in done.stdout
    bad = run_chat(tmp_path, [], "db", "upgrade", NAHBAR_DEFAULT_RADIUS_KM="lots")
    assert bad.returncode == 2 and "NAHBAR_DEFAULT_RADIUS_KM" in bad.stderr


def test_malformed_token_is_a_clear_settings_error(tmp_path):
    done = run_chat(tmp_path, [], "run", TELEGRAM_BOT_TOKEN="not a token")
    assert done.returncode == 2
    assert "TELEGRAM_BOT_TOKEN does not look like a bot token" in done.stderr
    assert "not a token" not in done.stderr  # secrets are not echoed back


def test_someone_who_wrote_in_english_is_said_goodbye_in_english(tmp_path):
    done = run_chat(tmp_path, ["Hello, what is on in Halle this weekend?", "/ende"])
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Halle" in out
    goodbye = out.rstrip().splitlines()[-1]
    assert goodbye == "Goodbye!"
    assert "Auf Wiedersehen" not in out
