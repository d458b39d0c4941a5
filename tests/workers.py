"""`nahbar run` worker processes with a Telegram webhook, against the fake Bot API and a test
database, for the several-processes tests and the load benchmark.

    async with fresh_database(postgres_url or None, tmp_path) as url:
        worker = Worker(tmp_path, api, url)          # its own webhook and ops ports (web=True:
                                                     # ops beside the web face on that port)
        await worker.start(); await worker.wait_ready()
        api.deliver_by_webhook([worker.webhook_url])
        await worker.stop()                          # SIGTERM, or worker.kill() for SIGKILL
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sys
import uuid
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from sqlalchemy.engine import make_url

from models.db import create_engine

from .postgres import free_port

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token"
START_TIMEOUT = 60
_numbers = itertools.count(1)


@asynccontextmanager
async def fresh_database(server_url: str | None, tmp_path: Path):
    """An empty database of its own: a new database on the test PostgreSQL server, or a new
    SQLite file; dropped afterwards."""
    if server_url is None or server_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / f'workers-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    name = f"nahbar_workers_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f"CREATE DATABASE {name}")
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.dispose()


class Worker:
    def __init__(
        self, workdir: Path, api, database_url: str, *, web: bool = False, **env: str
    ) -> None:
        """`web`: the web face runs and serves /readyz and /metrics beside its pages; else it
        is off and they have their own port (NAHBAR_OPS_LISTEN)."""
        self.number = next(_numbers)
        self.workdir = workdir
        self.port, self.ops_port = free_port(), free_port()
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "NAHBAR_", "DATABASE_", "MATRIX_"))
            and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
        }
        base.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=api.base_url,
            TELEGRAM_API_BASE_FILE_URL=api.base_file_url,
            DATABASE_URL=database_url,
            TELEGRAM_WEBHOOK_URL="https://nahbar.example.invalid/telegram",
            TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
            TELEGRAM_WEBHOOK_PORT=str(self.port),
            TELEGRAM_WEBHOOK_PATH="telegram",
            TELEGRAM_MESSAGES_PER_SECOND="1000",
            NAHBAR_DEMO_DATA="true",
            NAHBAR_LOG_LEVEL="INFO",
            LANG="de_DE.UTF-8",
            NO_PROXY="127.0.0.1,localhost",
            PYTHONUNBUFFERED="1",
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), base.get("PYTHONPATH")])),
        )
        if web:
            base.update(NAHBAR_WEB_LISTEN=f"127.0.0.1:{self.ops_port}")
        else:
            base.update(NAHBAR_WEB_LISTEN="off", NAHBAR_OPS_LISTEN=f"127.0.0.1:{self.ops_port}")
        base.update(env)
        self.env = base
        self.proc: asyncio.subprocess.Process | None = None
        self.log = workdir / f"worker-{self.number}.log"
        self._out = None

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    @property
    def ops_url(self) -> str:
        return f"http://127.0.0.1:{self.ops_port}"

    async def start(self) -> None:
        self._out = open(self.log, "ab")  # noqa: SIM115 - the child's log, closed in stop()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=self.workdir,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._out,
        )

    async def readyz(self) -> dict | None:
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as http,
                http.get(f"{self.ops_url}/readyz") as response,
            ):
                return await response.json() if response.status == 200 else None
        except (TimeoutError, aiohttp.ClientError, OSError):
            return None

    async def metrics(self) -> str:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http,
            http.get(f"{self.ops_url}/metrics") as response,
        ):
            return await response.text()

    async def page(self, path: str) -> int:
        """The status of GET `path` on the probes' port."""
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http,
            http.get(f"{self.ops_url}{path}") as response,
        ):
            return response.status

    async def wait_ready(self, timeout: float = START_TIMEOUT) -> dict:
        """Until /readyz says ready and the webhook port takes connections."""
        for _ in range(int(timeout * 10)):
            assert self.proc.returncode is None, f"worker {self.number} exited\n{self.output}"
            ready = await self.readyz()
            if ready is not None and await self._webhook_open():
                return ready
            await asyncio.sleep(0.1)
        raise AssertionError(f"worker {self.number} not ready within {timeout} s\n{self.output}")

    async def _webhook_open(self) -> bool:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.close()
        return True

    async def kill(self) -> None:
        await self.stop(signal.SIGKILL)

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int | None:
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        try:
            code = await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            code = await self.proc.wait()
        if self._out is not None:
            self._out.close()
            self._out = None
        return code

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
