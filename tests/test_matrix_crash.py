"""`nahbar run` on Matrix killed (SIGKILL) at random moments while it receives and answers, and
started again: every message gets its answer, and only the message in flight at a crash may
get a second one.

Each message is a different town, so each answer ("Treffen bei Quedlinburg …") says which
message it answers. The moments are random (seeded, the seed is in the failure message); what
is asserted holds for any moment, so the test does not depend on timing.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import pytest

from .synapse import START_TIMEOUT, MatrixResident

REPO = Path(__file__).resolve().parent.parent
CRASHES = 12
# Towns whose answer starts "Treffen bei <town>" (the town's own list, even when it is empty).
TOWNS = """Wernigerode Quedlinburg Halberstadt Thale Blankenburg Ilsenburg Osterwieck Oschersleben
    Wanzleben Haldensleben Genthin Zerbst Bernburg Köthen Wittenberg Jessen Zahna Coswig
    Gräfenhainichen Zörbig Raguhn Aken Calbe Staßfurt Schönebeck Barby Egeln Hecklingen
    Aschersleben Seeland Hettstedt Mansfeld Eisleben Sangerhausen Allstedt Artern Querfurt
    Merseburg Leuna Schkopau Weißenfels Hohenmölsen Teuchern Zeitz Naumburg Freyburg Laucha Nebra
    Stendal Tangermünde Tangerhütte Osterburg Havelberg Salzwedel Gardelegen Klötze Kalbe
    Beetzendorf Arendsee Wolmirstedt Möser Gommern""".split()
assert len(TOWNS) >= CRASHES * (3 + 2)  # enough for the most a run can send
_HEADING = re.compile(r"Treffen bei (?:Lutherstadt |Hansestadt )?(\w+)")


class MatrixProcess:
    """`python -m bot run` with only Matrix configured, its output in files."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "MATRIX_", "NAHBAR_", "DATABASE_"))
            and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
        }
        self.env.update(
            DATABASE_URL=f"sqlite:///{workdir / 'nahbar.sqlite3'}",
            NAHBAR_DEMO_DATA="true",
            NO_PROXY="127.0.0.1,localhost",
            PYTHONPATH=str(REPO),
            PYTHONUNBUFFERED="1",
            **env,
        )
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        with open(self.workdir / "stderr.txt", "ab") as err:
            err.write(f"--- start {self.starts} ---\n".encode())
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=self.workdir,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=err,
                stderr=err,
            )

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def terminate(self) -> int | None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), 20)
        except TimeoutError:
            return None

    def log(self) -> str:
        return (self.workdir / "stderr.txt").read_text(errors="replace")


def answers(resident: MatrixResident) -> Counter:
    """How often each town's list came."""
    found = Counter()
    for message in resident.inbox:
        match = _HEADING.match(message.body)
        if match:
            found[match.group(1)] += 1
    return found


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_sigkill_at_random_moments_loses_no_message_and_repeats_at_most_one_per_crash(
    synapse, tmp_path, encrypted
):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    account = await synapse.register("nahbar")
    resident = await MatrixResident.create(synapse, tmp_path)
    bot = MatrixProcess(
        tmp_path,
        {
            "MATRIX_HOMESERVER": synapse.url,
            "MATRIX_USER_ID": account.user_id,
            "MATRIX_PASSWORD": account.password,
            "MATRIX_STORE_PATH": str(tmp_path / "store"),
        },
    )
    towns = iter(TOWNS)
    sent: list[str] = []

    async def say_next() -> None:
        town = next(towns)
        await resident.say(town)
        sent.append(town)

    def context() -> str:
        got = answers(resident)
        return (
            f"seed {seed}; sent {sent}; answered {dict(got)}\n--- bot log (tail) ---\n"
            f"{bot.log()[-6000:]}\n--- received ---\n{resident.describe()[-4000:]}"
        )

    try:
        await bot.start()
        await resident.open_dm(account.user_id, encrypted=encrypted)
        await resident.wait_for_reply(lambda m: "willkommen" in m.body.lower(), START_TIMEOUT)
        for crash in range(CRASHES):
            # A few messages, some of them while the bot starts, receives or answers …
            if crash % 2:
                await asyncio.sleep(rng.uniform(0, 3))  # sometimes while it is still starting
            mark = len(resident.inbox)
            for _ in range(rng.randint(1, 3)):
                await say_next()
                await asyncio.sleep(rng.uniform(0, 0.3))
            if crash % 3 == 0:
                # … killed right after the first answer, in the middle of the rest …
                await resident.wait_until(
                    lambda mark=mark: len(resident.inbox) > mark,
                    START_TIMEOUT,
                    what=f"an answer before crash {crash + 1}",
                )
            else:
                await asyncio.sleep(rng.uniform(0, 1.5))  # … or at any moment
            await bot.kill()
            # … and more while it is down.
            for _ in range(rng.randint(0, 2)):
                await say_next()
            await bot.start()

        def all_answered():
            got = answers(resident)
            return all(got[town] for town in sent)

        try:
            await resident.wait_until(all_answered, 120, what="every town's answer")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{context()}") from None
        # The room is answered in order: a repeated answer would come before this one.
        await resident.ask("!hilfe", lambda m: "So geht" in m.body)
        got = answers(resident)
        extra = sum(got[town] - 1 for town in sent)
        assert extra <= CRASHES, f"{extra} answers repeated after {CRASHES} crashes\n{context()}"
        assert set(got) == set(sent), context()
        recovered = bot.log().count("left unanswered")
        print(
            f"seed {seed}: {len(sent)} messages, {CRASHES} crashes, {extra} answers repeated, "
            f"{recovered} starts answered what the crashed run had left"
        )
        assert await bot.terminate() == 0, context()
        with sqlite3.connect(tmp_path / "nahbar.sqlite3") as db:
            left = db.execute("SELECT count(*) FROM inbox WHERE answered_at IS NULL").fetchone()[0]
            texts = db.execute("SELECT count(*) FROM inbox WHERE text IS NOT NULL").fetchone()[0]
        assert left == 0 and texts == 0, f"{left} unanswered rows, {texts} with their text kept"
        for town in sent:
            assert town not in bot.log(), "a message text reached the log"
    finally:
        await bot.kill()
        await resident.stop()
