"""Wiring: the store, places and conversation core that every adapter shares."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from handlers.core import Nahbar
from models import demo
from models.db import create_engine, session_factory, upgrade
from places import Gazetteer
from scheduler import run_maintenance

from .settings import Settings

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker
    core: Nahbar


@asynccontextmanager
async def open_app(settings: Settings):
    """Migrate, seed examples into an empty store, catch up on maintenance, then serve."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        if settings.seed_demo_data:
            async with sessions() as session, session.begin():
                added = await demo.seed_if_empty(session)
            if added:
                log.info("seeded %d example offers", added)
        await run_maintenance(sessions)
        places = Gazetteer.load(home_region=settings.home_region)
        core = Nahbar(sessions, places, default_language=settings.default_language,
                      default_radius_km=settings.default_radius_km)
        yield App(settings, engine, sessions, core)
    finally:
        await engine.dispose()
