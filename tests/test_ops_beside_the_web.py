"""The operators' /readyz and /metrics served beside the web face (one server, one /healthz):
what `nahbar run` mounts when the web face runs (bot.app.App.start_web)."""

from __future__ import annotations

from ops.http import OpsState, expected_revision, routes

from .web_support import web_client


async def test_readyz_and_metrics_join_the_web_face_and_healthz_stays_its_own(
    engine, sessions, places, now
):
    state = OpsState(
        engine, sessions, expected_revision(), role=lambda: "leader", clock=lambda: now
    )
    async with web_client(
        sessions, places, now, per_minute=2, operations=routes(state, healthz=False)
    ) as client:
        ready = await client.get("/readyz")
        assert ready.status == 200
        assert await ready.json() == {"database": "ok", "migrations": "current", "role": "leader"}
        metrics = await (await client.get("/metrics")).text()
        assert "nahbar_outbox_depth" in metrics and "nahbar_leader 1.0" in metrics
        health = await client.get("/healthz")
        assert health.status == 200 and await health.text() == "ok\n"  # the web face's own
        # The web pages are still there, and a visitor's limit does not hold up the probes.
        assert [(await client.get("/")).status for _ in range(3)] == [200, 200, 429]
        assert [(await client.get(p)).status for p in ("/readyz", "/metrics", "/healthz") * 3] == [
            200
        ] * 9


async def test_readyz_says_not_ready_when_the_schema_is_behind(engine, sessions, places, now):
    state = OpsState(engine, sessions, "9999", role=lambda: "standby", clock=lambda: now)
    async with web_client(sessions, places, now, operations=routes(state, healthz=False)) as client:
        ready = await client.get("/readyz")
        assert ready.status == 503
        assert await ready.json() == {"database": "ok", "migrations": "behind", "role": "standby"}


def test_on_a_port_of_their_own_they_bring_healthz_too():
    state = OpsState(None, None, "0015")
    assert [r.path for r in routes(state)] == ["/healthz", "/readyz", "/metrics"]
    assert [r.path for r in routes(state, healthz=False)] == ["/readyz", "/metrics"]
