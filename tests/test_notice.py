"""The printed notice, checked as a person would: rendered to PNG with pdftoppm, its QR code
read back with zbarimg, its text read with pdftotext — from the web, the chat and the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from publish.links import Links

from .support import ChatDriver, add_offer
from .web_support import LINKS, web_client

ROOT = Path(__file__).resolve().parents[1]
WERNIGERODE = {"place_name": "Wernigerode", "latitude": 51.8365, "longitude": 10.7822}
TOOLS = ("pdftoppm", "pdftotext", "pdfinfo", "zbarimg")
pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in TOOLS) and os.environ.get("NAHBAR_TEST_BROWSER") != "require",
    reason="poppler-utils and zbar-tools are not installed (.ci/run installs them)",
)


def read_pdf(pdf: bytes, tmp_path: Path) -> tuple[int, str, list[str]]:
    """(pages, text, decoded QR codes) of a PDF, as a printer and a phone would see it."""
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    assert "595.276 x 841.89" in size or "595.28 x 841.89" in size, size  # A4
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
    )
    [png] = list(tmp_path.glob("page*.png"))
    scan = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True)
    return pages, text, scan.stdout.split()


async def test_the_notice_from_the_web_scans_back_to_the_bot_at_that_place(
    sessions, places, now, tmp_path
):
    await add_offer(
        sessions,
        now,
        title="Adventscafé im Pfarrhaus",
        rrule="FREQ=WEEKLY;BYDAY=TH",
        starts_local=datetime(2026, 11, 26, 15),
        wheelchair="limited",
        **WERNIGERODE,
    )
    await add_offer(sessions, now, title='#eval("1+1") *fett* $x$ <b>', **WERNIGERODE)
    place = places.resolve("Wernigerode").place
    async with web_client(sessions, places, now) as client:
        response = await client.get(f"/aushang/{place.id}.pdf")
        assert response.status == 200 and response.content_type == "application/pdf"
        pages, text, codes = read_pdf(await response.read(), tmp_path)
    assert pages == 1
    assert codes == [f"https://t.me/nahbar_test_bot?start=place_{place.id}"]
    assert "Treffen bei Wernigerode" in text and "Adventscafé im Pfarrhaus" in text
    assert "jeden Donnerstag" in text and "Do., 26. Nov., 15:00–17:00 Uhr" in text
    assert '#eval("1+1") *fett* $x$ <b>' in text  # data is text, never markup
    assert "Teilweise rollstuhlgerecht" in text
    assert "03946 000 111" in text and f"https://nahbar.example.org/ort/{place.id}" in "".join(
        text.split()
    )


async def test_a_full_week_still_fits_one_page_and_points_to_the_rest(
    sessions, places, now, tmp_path
):
    for n in range(9):
        await add_offer(
            sessions,
            now,
            title=(f"Treffen Nummer {n} " + "mit einem sehr langen Titel " * 4)[:120],
            description="x" * 1500,
            starts_local=datetime(2026, 11, 26, 9 + n),
            **WERNIGERODE,
        )
    place = places.resolve("Wernigerode").place
    async with web_client(sessions, places, now) as client:
        poster = await (await client.get(f"/aushang/{place.id}.pdf?tage=7")).read()
        newsletter = await (await client.get(f"/aushang/{place.id}.pdf?form=blatt")).read()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    pages, text, codes = read_pdf(poster, tmp_path / "a")
    assert pages == 1 and "Weitere Treffen:" in text and codes
    pages, text, _ = read_pdf(newsletter, tmp_path / "b")
    assert all(f"Treffen Nummer {n}" in text for n in range(9))  # the newsletter lists them all


async def test_aushang_in_the_chat_sends_the_pdf(sessions, places, now, tmp_path):
    await add_offer(sessions, now, title="Spaziergang am Schloss", category="walk", **WERNIGERODE)
    chat = ChatDriver(sessions, places, now)
    chat.core.services.links = Links(
        web="https://nahbar.example.org", matrix_bot="@nahbar:example.org"
    )
    await chat.say("/aushang Wernigerode")
    [reply] = chat.replies
    assert "Aushang für den Schaukasten bei Wernigerode" in reply.text
    assert reply.attachment.mime_type == "application/pdf"
    assert reply.attachment.filename == "nahbar-aushang-wernigerode.pdf"
    _pages, text, codes = read_pdf(reply.attachment.content, tmp_path)
    assert codes == ["https://matrix.to/#/@nahbar:example.org"] and "Spaziergang am Schloss" in text

    await chat.say("/aushang Gernrode")
    assert "Welchen Ort meinen Sie?" in chat.text
    await chat.press("Gernrode (Stadt Quedlinburg)")
    assert chat.replies[0].attachment.filename == "nahbar-aushang-gernrode.pdf"
    await chat.say("/aushang")
    assert "Für welchen Ort?" in chat.text  # no search, no home place yet


async def test_the_qr_deep_link_opens_the_list_at_that_place(sessions, places, now):
    await add_offer(sessions, now, title="Spaziergang am Schloss", category="walk", **WERNIGERODE)
    place = places.resolve("Wernigerode").place
    chat = ChatDriver(sessions, places, now)
    await chat.say(f"/start place_{place.id}")
    assert "Treffen bei Wernigerode" in chat.text and "Spaziergang am Schloss" in chat.text


def test_nahbar_aushang_writes_the_file(tmp_path):
    out = tmp_path / "aushang.pdf"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'n.sqlite3'}",
        "NAHBAR_PUBLIC_URL": "https://nahbar.example.org",
        "NAHBAR_PHONE": "0391 123456",
        "TELEGRAM_BOT_TOKEN": "",
        "MATRIX_HOMESERVER": "",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "aushang", "Quedlinburg", "--tage", "7", "--out", str(out)],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "0 offers near Quedlinburg in the next 7 days" in done.stdout
    _pages, text, codes = read_pdf(out.read_bytes(), tmp_path)
    assert codes == [LINKS.place_page("g2851465")] and "0391 123456" in text
    unknown = subprocess.run(
        [sys.executable, "-m", "bot", "aushang", "Xyzzyplatz"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unknown.returncode == 2 and "which place is 'Xyzzyplatz'" in unknown.stderr
