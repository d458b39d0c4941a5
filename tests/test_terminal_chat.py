"""`nahbar chat` driven as a person would type it, in a real process on a fresh SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_chat(tmp_path: Path, typed: list[str], *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ, "LANG": "de_DE.UTF-8", "NAHBAR_LOG_LEVEL": "INFO",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'nahbar.sqlite3'}", "TELEGRAM_BOT_TOKEN": "", **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *(args or ("chat",))], input="\n".join(typed) + "\n",
        capture_output=True, text=True, cwd=tmp_path, env=environment, timeout=120,
    )


def test_a_resident_finds_an_example_offer_and_its_details(tmp_path):
    done = run_chat(tmp_path, ["Wernigerode", "1", "/ende"])
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Hallo und herzlich willkommen bei Nahbar!" in out
    assert "[1] 🔎 Ort oder PLZ eingeben   [2] ❓ Hilfe" in out
    assert "Treffen bei Wernigerode" in out
    assert "(Beispiel)" in out  # demo data seeded into the new database, marked as examples
    assert "Dies ist ein Beispiel-Angebot" in out  # typed "1" opened the first entry
    assert "Auf Wiedersehen!" in out
    assert "Traceback" not in out + done.stderr
    assert (tmp_path / "nahbar.sqlite3").exists()


def test_make_run_without_token_starts_the_terminal_chat(tmp_path):
    done = run_chat(tmp_path, ["hilfe"], "run")
    assert done.returncode == 0, done.stderr
    assert "So geht es" in done.stdout


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
