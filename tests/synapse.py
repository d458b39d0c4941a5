"""A throwaway Synapse homeserver on 127.0.0.1 for the Matrix tests and the benchmark.

`matrix-synapse` from PyPI (installed by the dev extra), SQLite, one plain-HTTP client listener
on a free port, federation and presence off, rate limits generous unless a test asks for less
(`override_ratelimit`). Accounts are made through the shared-secret admin registration, so a
test can create residents, organisers, moderators and the bot in one call each.

    server = start_synapse()          # or the `synapse` fixture (one server per test session)
    bot = await server.register("nahbar")
    ...
    server.stop()

Fixtures (available to every test module through `pytest_plugins` in conftest.py): `synapse`
(the server), `nahbar` (the bot, `NahbarOnMatrix`), `resident` (a person, `MatrixResident`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from .postgres import free_port

SERVER_NAME = "nahbar.test"
START_TIMEOUT = 60  # the first start imports Twisted and creates the SQLite schema
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# Rate limits so generous that no test meets them by accident.
_LOOSE = {"per_second": 1000, "burst_count": 1000}
_LOGIN = {"address": _LOOSE, "account": _LOOSE, "failed_attempts": _LOOSE}


@dataclass(frozen=True)
class Account:
    user_id: str
    password: str
    access_token: str
    device_id: str

    @property
    def localpart(self) -> str:
        return self.user_id[1:].split(":", 1)[0]


class ThrowawaySynapse:
    def __init__(self, server_name: str = SERVER_NAME) -> None:
        self.server_name = server_name
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="nahbar-synapse-"))
        self.shared_secret = secrets.token_hex(16)
        self.proc: subprocess.Popen | None = None
        self._log = None
        self._write_config()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.root / "homeserver.yaml"

    def _write_config(self) -> None:
        config = {
            "server_name": self.server_name,
            "public_baseurl": self.url + "/",
            "pid_file": str(self.root / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(self.root / "homeserver.db")}},
            "log_config": str(self.root / "log.yaml"),
            "media_store_path": str(self.root / "media"),
            "signing_key_path": str(self.root / "signing.key"),
            "registration_shared_secret": self.shared_secret,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "report_stats": False,
            "enable_registration": True,
            "enable_registration_without_verification": True,
            "federation_domain_whitelist": [],
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "enable_metrics": False,
            "rc_message": _LOOSE,
            "rc_registration": _LOOSE,
            "rc_login": _LOGIN,
            "rc_joins": {"local": _LOOSE, "remote": _LOOSE},
            "rc_joins_per_room": _LOOSE,
            "rc_invites": {"per_room": _LOOSE, "per_user": _LOOSE, "per_issuer": _LOOSE},
            "rc_key_requests": _LOOSE,
            "rc_3pid_validation": _LOOSE,
            "rc_admin_redaction": _LOOSE,
            "rc_media_create": _LOOSE,
            "rc_delayed_event_mgmt": _LOOSE,
            "rc_room_creation": _LOOSE,
            "rc_reports": _LOOSE,
        }
        # JSON is YAML; no PyYAML import needed here.
        self.config_path.write_text(json.dumps(config, indent=1))
        log_config = {
            "version": 1,
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "formatter": "plain",
                    "filename": str(self.root / "homeserver.log"),
                }
            },
            "root": {"level": "WARNING", "handlers": ["file"]},
            "disable_existing_loggers": False,
        }
        (self.root / "log.yaml").write_text(json.dumps(log_config))

    # -- process -------------------------------------------------------------------------

    def start(self) -> ThrowawaySynapse:
        self._log = open(self.root / "stdout.txt", "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
            cwd=self.root,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "SYNAPSE_ASYNC_IO_REACTOR": "0"},
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Synapse exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with _NO_PROXY.open(self.url + "/_matrix/client/versions", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop(remove=False)
        raise RuntimeError(f"Synapse did not answer within {START_TIMEOUT} s:\n{self.output()}")

    def stop(self, remove: bool = True) -> None:
        """Stop the server; `remove=False` keeps its data, so `start()` brings it back as it was."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._log:
            self._log.close()
            self._log = None
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        parts = []
        for name in ("stdout.txt", "homeserver.log"):
            path = self.root / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-3000:])
        return "\n".join(parts)

    # -- HTTP ----------------------------------------------------------------------------

    def request(
        self, method: str, path: str, body: dict | None = None, token: str | None = None
    ) -> tuple[int, dict]:
        """One client-server API call (blocking; call through `asyncio.to_thread` in tests)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with _NO_PROXY.open(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    async def call(
        self, method: str, path: str, body: dict | None = None, token: str | None = None
    ) -> dict:
        status, answer = await asyncio.to_thread(self.request, method, path, body, token)
        if status != 200:
            raise AssertionError(f"{method} {path}: {status} {answer}")
        return answer

    def register_sync(
        self, localpart: str, password: str | None = None, admin: bool = False
    ) -> Account:
        """A new account through the shared-secret admin registration."""
        password = password or secrets.token_urlsafe(12)
        status, answer = self.request("GET", "/_synapse/admin/v1/register")
        assert status == 200, answer
        nonce = answer["nonce"]
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(
            b"\x00".join(
                [
                    nonce.encode(),
                    localpart.encode(),
                    password.encode(),
                    b"admin" if admin else b"notadmin",
                ]
            )
        )
        status, answer = self.request(
            "POST",
            "/_synapse/admin/v1/register",
            {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
        assert status == 200, answer
        return Account(answer["user_id"], password, answer["access_token"], answer["device_id"])

    async def register(
        self, prefix: str = "user", password: str | None = None, admin: bool = False
    ) -> Account:
        """A new account named `prefix` plus a few random letters (tests share the server)."""
        localpart = f"{prefix}-{secrets.token_hex(3)}"
        return await asyncio.to_thread(self.register_sync, localpart, password, admin)

    async def admin(self) -> Account:
        if not hasattr(self, "_admin"):
            self._admin = await self.register("admin", admin=True)
        return self._admin

    async def override_ratelimit(self, user_id: str, per_second: int, burst_count: int) -> None:
        """Per-user message rate limit (0, 0 lifts it); used to provoke M_LIMIT_EXCEEDED."""
        admin = await self.admin()
        await self.call(
            "POST",
            f"/_synapse/admin/v1/users/{user_id}/override_ratelimit",
            {"messages_per_second": per_second, "burst_count": burst_count},
            token=admin.access_token,
        )


def start_synapse(server_name: str = SERVER_NAME) -> ThrowawaySynapse:
    """A running homeserver; raises when matrix-synapse is not installed or will not start."""
    return ThrowawaySynapse(server_name).start()


@pytest.fixture(scope="session")
def synapse():
    """One homeserver for the whole test session (each test registers its own accounts)."""
    try:
        import synapse as _  # noqa: F401
    except ImportError:
        pytest.fail("matrix-synapse is not installed (it is part of the dev extra)")
    server = start_synapse()
    yield server
    server.stop()


# -- test drivers: a resident with a real Matrix client, and the bot in this process ---------

STEP_TIMEOUT = 20  # seconds for one answer; generous, the machine is shared


@dataclass
class Received:
    """One event the resident received from someone else (usually the bot)."""

    event_id: str
    sender: str
    room_id: str
    content: dict

    @property
    def msgtype(self) -> str | None:
        return self.content.get("msgtype")

    @property
    def body(self) -> str:
        return str(self.content.get("body", ""))

    @property
    def html(self) -> str:
        return str(self.content.get("formatted_body", ""))

    def choices(self) -> dict[int, str]:
        """Number -> label of the numbered choices in this message ("<b>6</b> ☕ Café")."""
        import html as _html
        import re as _re

        found = _re.findall(r"<b>(\d{1,3})</b> ([^<·]+?)(?= · |<br>|$)", self.html)
        return {int(number): _html.unescape(label).strip() for number, label in found}

    def number_of(self, label: str) -> int:
        """The number to type for the choice whose label contains `label`."""
        matches = [n for n, text in self.choices().items() if label in text]
        assert matches, f"no choice {label!r} in {self.choices()}"
        return matches[0]


class MatrixResident:
    """A person with a real Matrix client (matrix-nio, own device and keys) talking to the bot.

    alice = await MatrixResident.create(synapse, tmp_path)
    await alice.open_dm(bot_user_id, encrypted=True)
    await alice.say("Wernigerode")
    listing = await alice.wait_for_reply(lambda m: "Treffen" in m.body)
    await alice.say(str(listing.number_of("Adventscafé")))
    """

    def __init__(self, server: ThrowawaySynapse, account: Account, store: Path) -> None:
        from nio import AsyncClient, AsyncClientConfig

        self.server, self.account = server, account
        store.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(
            server.url,
            account.user_id,
            device_id=account.device_id,
            store_path=str(store),
            config=AsyncClientConfig(encryption_enabled=True, max_limit_exceeded=0, max_timeouts=2),
        )
        self.client.restore_login(account.user_id, account.device_id, account.access_token)
        self.room_id: str | None = None
        self.inbox: list[Received] = []
        self.memberships: list[tuple[str, str, str]] = []  # (room, user, "join"/"leave"/...)
        self.cursor = 0  # wait_for_reply looks at inbox[cursor:]
        self._changed = asyncio.Condition()
        self._syncing: asyncio.Task | None = None

    @classmethod
    async def create(
        cls, server: ThrowawaySynapse, workdir: Path, name: str = "resident"
    ) -> MatrixResident:
        account = await server.register(name)
        resident = cls(server, account, workdir / f"resident-{account.localpart}")
        await resident.start()
        return resident

    @property
    def user_id(self) -> str:
        return self.account.user_id

    async def start(self) -> None:
        from nio import RoomMemberEvent, RoomMessage

        self.client.add_event_callback(self._on_event, RoomMessage)
        self.client.add_event_callback(self._on_member, RoomMemberEvent)
        first = await self.client.sync(timeout=0, full_state=True)
        assert hasattr(first, "next_batch"), first
        await self._keys()
        self._syncing = asyncio.create_task(self._sync_loop())

    async def _sync_loop(self) -> None:
        import aiohttp

        while True:
            try:
                response = await self.client.sync(timeout=1000)
            except (TimeoutError, aiohttp.ClientError, OSError):
                response = None  # the homeserver is down (a test stopped it): keep trying
            if not hasattr(response, "next_batch"):
                await asyncio.sleep(0.2)
                continue
            await self._keys()
            async with self._changed:
                self._changed.notify_all()

    async def _keys(self) -> None:
        from bot.matrix.bot import exchange_keys

        await exchange_keys(self.client)

    async def _on_event(self, room, event) -> None:
        if event.sender == self.user_id:
            return
        self.inbox.append(
            Received(
                event.event_id, event.sender, room.room_id, dict(event.source.get("content", {}))
            )
        )

    async def _on_member(self, room, event) -> None:
        self.memberships.append((room.room_id, event.state_key, event.membership))

    def membership(self, user_id: str, room_id: str | None = None) -> str | None:
        """The last membership change of `user_id` in the room seen so far ("join", "leave"…)."""
        room_id = room_id or self.room_id
        changes = [m for r, u, m in self.memberships if r == room_id and u == user_id]
        return changes[-1] if changes else None

    async def stop(self) -> None:
        if self._syncing:
            self._syncing.cancel()
            await asyncio.gather(self._syncing, return_exceptions=True)
        await self.client.close()

    # -- the conversation ------------------------------------------------------------------

    async def wait_until(self, condition, timeout: float = STEP_TIMEOUT, what: str = "condition"):
        """Wait (sync by sync) until `condition()` returns something truthy, and return it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            result = condition()
            if result:
                return result
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out waiting for {what}; received so far:\n" + self.describe()
                )
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), min(remaining, 1.0))

    async def open_dm(self, bot_user_id: str, encrypted: bool = False) -> str:
        """Create a direct chat, invite the bot, and wait until it has joined."""
        from nio import RoomCreateResponse

        initial_state = []
        if encrypted:
            initial_state.append(
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            )
        response = await self.client.room_create(
            is_direct=True, invite=[bot_user_id], initial_state=initial_state
        )
        assert isinstance(response, RoomCreateResponse), response
        self.room_id = response.room_id

        await self.wait_until(
            lambda: self.membership(bot_user_id) == "join", what="the bot to join the direct chat"
        )
        return self.room_id

    async def _send(self, content: dict) -> str:
        from nio import RoomSendResponse

        self.cursor = len(self.inbox)  # what comes next is the answer to this
        response = await self.client.room_send(
            self.room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    async def say(self, text: str) -> str:
        return await self._send({"msgtype": "m.text", "body": text})

    async def send_location(self, latitude: float, longitude: float) -> str:
        return await self._send(
            {
                "msgtype": "m.location",
                "body": "Mein Standort",
                "geo_uri": f"geo:{latitude},{longitude}",
            }
        )

    async def wait_for_reply(self, match=None, timeout: float = STEP_TIMEOUT) -> Received:
        """The next message from someone else (after what was read so far) that `match`es."""

        def find():
            for index in range(self.cursor, len(self.inbox)):
                if match is None or match(self.inbox[index]):
                    self.cursor = index + 1
                    return self.inbox[index]
            return None

        return await self.wait_until(find, timeout, what="a reply")

    async def ask(self, text: str, match=None) -> Received:
        await self.say(text)
        return await self.wait_for_reply(match)

    async def choose(self, message: Received, label: str, match=None) -> Received:
        """Type the number of a numbered choice, as a person would, and wait for the answer."""
        return await self.ask(str(message.number_of(label)), match)

    async def download(self, message: Received) -> bytes:
        """The content of an `m.file`, decrypted when it came through an encrypted room."""
        from nio.crypto.attachments import decrypt_attachment

        info = message.content.get("file") or {"url": message.content["url"]}
        server_name, media_id = info["url"].removeprefix("mxc://").split("/", 1)
        status, data = await asyncio.to_thread(self._download, server_name, media_id)
        assert status == 200, f"download failed: {status}"
        if "file" in message.content:
            return decrypt_attachment(data, info["key"]["k"], info["hashes"]["sha256"], info["iv"])
        return data

    def _download(self, server_name: str, media_id: str) -> tuple[int, bytes]:
        request = urllib.request.Request(
            f"{self.server.url}/_matrix/client/v1/media/download/{server_name}/{media_id}"
        )
        request.add_header("Authorization", f"Bearer {self.account.access_token}")
        try:
            with _NO_PROXY.open(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, b""

    async def leave(self) -> None:
        response = await self.client.room_leave(self.room_id)
        assert not hasattr(response, "status_code"), response

    def describe(self) -> str:
        return "\n".join(f"  [{n}] {m.msgtype}: {m.body[:200]!r}" for n, m in enumerate(self.inbox))


class NahbarOnMatrix:
    """The real bot (bot.matrix.MatrixBot over bot.app.open_app) in this process.

        bot = NahbarOnMatrix(synapse, await synapse.register("nahbar"), tmp_path)
        await bot.start()
        ...
        await bot.stop()   # the store and the database stay: start() again is a restart

    `clock` replaces the core's clock (e.g. `lambda: now` with `now` moved by the test);
    `bot.app.sessions` is the database, `bot.messenger` what the outbox delivers through.
    `outbox=True` also runs the scheduler with the outbox dispatcher on Matrix, as `nahbar run`
    does (NAHBAR_OUTBOX_EVERY_SECONDS sets how often it looks).
    """

    def __init__(
        self,
        server: ThrowawaySynapse,
        account: Account,
        workdir: Path,
        clock=None,
        outbox: bool = False,
        **settings: str,
    ) -> None:
        self.server, self.account, self.workdir, self.clock = server, account, workdir, clock
        self.outbox = outbox
        self.scheduler = None
        self.env = {
            "MATRIX_HOMESERVER": server.url,
            "MATRIX_USER_ID": account.user_id,
            "MATRIX_PASSWORD": account.password,
            "MATRIX_STORE_PATH": str(workdir / "store"),
            "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'nahbar.sqlite3'}",
            "NAHBAR_DEMO_DATA": "true",
            **settings,
        }
        self.bot = None
        self.app = None
        self._stack = None

    @property
    def user_id(self) -> str:
        return self.account.user_id

    @property
    def messenger(self):
        return self.bot.messenger

    async def start(self, wait: bool = True, max_backoff: float = 0.5) -> None:
        from contextlib import AsyncExitStack

        from bot.app import open_app
        from bot.matrix import MatrixBot
        from bot.settings import Settings

        settings = Settings(_env_file=None, **self.env)
        self._stack = AsyncExitStack()
        self.app = await self._stack.enter_async_context(open_app(settings))
        if self.clock is not None:
            self.app.core.clock = self.clock
        self.bot = MatrixBot(settings, self.app.core, max_backoff=max_backoff)
        await self.bot.start()
        if self.outbox:
            self.scheduler = self.app.scheduler(self.bot.messenger)
            self.scheduler.start()
        if wait:
            await self.wait_ready()

    async def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        ready = asyncio.ensure_future(self.bot.ready.wait())
        done, _ = await asyncio.wait(
            [ready, self.bot.failed], timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        ready.cancel()
        if self.bot.failed.done():
            raise AssertionError(f"the bot failed: {self.bot.failed.result()}")
        assert done, "the bot did not finish its first sync in time"

    async def stop(self) -> None:
        if self.scheduler is not None:
            from scheduler import stop_scheduler

            await stop_scheduler(self.scheduler)
            self.scheduler = None
        if self.bot is not None:
            await self.bot.stop()
        if self._stack is not None:
            await self._stack.aclose()
        self.bot = self.app = self._stack = None


@pytest.fixture
async def resident(synapse, tmp_path):
    """A resident with a real Matrix client (own account and device) on the test homeserver."""
    person = await MatrixResident.create(synapse, tmp_path)
    yield person
    await person.stop()


@pytest.fixture
async def nahbar(synapse, tmp_path):
    """The bot on Matrix, running and synced (own account, store, SQLite database, demo offers)."""
    bot = NahbarOnMatrix(synapse, await synapse.register("nahbar"), tmp_path / "bot")
    await bot.start()
    yield bot
    await bot.stop()
