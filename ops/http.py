"""/healthz, /readyz and /metrics as aiohttp routes.

    make_app(context, ops.http.routes(state, healthz=False))  # beside the web face (has /healthz)
    runner = await ops.http.serve(state, "127.0.0.1", 9464)  # or on a port of their own

/healthz: the process is alive (200). /readyz: the database answers and its schema is the one
this code expects, and whether this process leads or stands by (200, or 503 when not ready).
/metrics: Prometheus text format (ops.metrics), with the outbox and inbox read from the
database at that moment. Nothing here names a chat or a person.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from models import inbox, utcnow
from models.outbox import BULK, waiting

from .metrics import INBOX_DEPTH, LEADER, OUTBOX_DEPTH, OUTBOX_OLDEST_DUE_AGE, REGISTRY

log = logging.getLogger(__name__)
CHECK_TIMEOUT = 3.0  # seconds a probe may wait for the database


@dataclass
class OpsState:
    """What the probes look at: the store, the schema version this code expects, and this
    process's role (a callable: leadership changes while the server runs)."""

    engine: AsyncEngine
    sessions: async_sessionmaker
    expected_revision: str
    role: Callable[[], str] = lambda: "standby"
    clock: Callable[[], datetime] = utcnow


def expected_revision() -> str:
    """The newest migration this code brings (what `nahbar db upgrade` migrates to)."""
    from models.db import head_revision

    return head_revision()


def routes(state: OpsState, *, healthz: bool = True) -> list[web.RouteDef]:
    """/readyz and /metrics, and /healthz unless the server has one already (the web face's)."""

    async def alive(request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(request: web.Request) -> web.Response:
        body = {"database": "unreachable", "migrations": "unknown", "role": state.role()}
        try:
            async with asyncio.timeout(CHECK_TIMEOUT), state.engine.connect() as connection:
                revision = (
                    await connection.execute(text("SELECT version_num FROM alembic_version"))
                ).scalar()
            body["database"] = "ok"
            body["migrations"] = "current" if revision == state.expected_revision else "behind"
        except Exception as exc:  # noqa: BLE001 - not ready, say why (no URL, no password)
            body["error"] = type(exc).__name__
        ready = body["database"] == "ok" and body["migrations"] == "current"
        return web.json_response(body, status=200 if ready else 503)

    async def metrics(request: web.Request) -> web.Response:
        await refresh(state)
        return web.Response(
            body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    served = [web.get("/readyz", readyz), web.get("/metrics", metrics)]
    return [web.get("/healthz", alive), *served] if healthz else served


async def refresh(state: OpsState) -> None:
    """Read the database's side of the metrics now (a failure leaves the last values)."""
    LEADER.set(1 if state.role() == "leader" else 0)
    now = state.clock()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT), state.sessions() as session:
            found = await waiting(session, now)
            unanswered = await inbox.depth(session)
    except Exception as exc:  # noqa: BLE001
        log.warning("metrics: the database did not answer (%s)", type(exc).__name__)
        return
    INBOX_DEPTH.set(unanswered)
    depth = {(p, d): 0 for p in ("urgent", "bulk") for d in ("true", "false")}
    oldest = {"urgent": 0.0, "bulk": 0.0}
    for w in found:
        priority = "bulk" if w.priority == BULK else "urgent"
        depth[priority, "true" if w.due else "false"] += w.count
        if w.due and w.oldest_due_at is not None:
            oldest[priority] = max(oldest[priority], (now - w.oldest_due_at).total_seconds())
    for (priority, due), count in depth.items():
        OUTBOX_DEPTH.labels(priority, due).set(count)
    for priority, age in oldest.items():
        OUTBOX_OLDEST_DUE_AGE.labels(priority).set(age)


def ops_app(state: OpsState) -> web.Application:
    """The routes as an application of their own (to mount with `add_subapp`, or to serve)."""
    app = web.Application()
    app.add_routes(routes(state))
    return app


async def serve(state: OpsState, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(ops_app(state), handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("health and metrics on http://%s:%s/ (healthz, readyz, metrics)", host, port)
    return runner
