"""The web face on 127.0.0.1 for tests: the real aiohttp application over a test database,
with the test's clock, through aiohttp's test server and client."""

from __future__ import annotations

from contextlib import asynccontextmanager

from aiohttp.test_utils import TestClient, TestServer

from publish.links import Links
from web.app import WebContext, make_app

LINKS = Links(
    web="https://nahbar.example.org",
    telegram_bot="nahbar_test_bot",
    matrix_bot="@nahbar:example.org",
    phone="03946 000 111",
)


@asynccontextmanager
async def web_client(
    sessions,
    places,
    now,
    *,
    links: Links = LINKS,
    per_minute: int = 10_000,
    clock=None,
    operations=(),
):
    context = WebContext(
        sessions, places, clock or (lambda: now), links, requests_per_minute=per_minute
    )
    server = TestServer(make_app(context, operations), host="127.0.0.1")
    client = TestClient(server)
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()
