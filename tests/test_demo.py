"""Demo data: clearly marked, seeded only for the terminal chat unless switched on, removable."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from bot.settings import Settings
from models import Occurrence, Offer
from models.demo import remove_examples, seed_if_empty

from .support import add_offer

TOKEN = "123456:abcdefghijklmnopqrstuvwxyz"


def settings(**env) -> Settings:
    return Settings(_env_file=None, **{"TELEGRAM_BOT_TOKEN": "", **env})


@pytest.mark.parametrize(
    ("value", "telegram", "seeds"),
    [
        (None, False, True),  # auto: the terminal chat gets examples
        (None, True, False),  # auto: residents on a messenger never see them
        ("auto", True, False),
        ("true", True, True),  # switched on explicitly
        ("yes", True, True),
        ("false", False, False),
        ("0", False, False),
        ("", True, False),
    ],
)
def test_examples_are_seeded_only_without_a_messenger_unless_switched_on(value, telegram, seeds):
    env = {} if value is None else {"NAHBAR_DEMO_DATA": value}
    if telegram:
        env["TELEGRAM_BOT_TOKEN"] = TOKEN
    chosen = settings(**env)
    assert chosen.has_messenger is telegram
    assert chosen.seed_demo_data is seeds


def test_an_unknown_demo_setting_is_refused():
    with pytest.raises(ValidationError, match="NAHBAR_DEMO_DATA must be auto, true or false"):
        settings(NAHBAR_DEMO_DATA="sometimes")


async def test_remove_deletes_only_the_examples_and_their_dates(sessions, now):
    async with sessions() as session, session.begin():
        assert await seed_if_empty(session, now) == 32
    real = await add_offer(sessions, now, title="Echtes Adventscafé")
    async with sessions() as session:
        titles = (
            await session.scalars(select(Offer.title).where(Offer.is_example.is_(True)))
        ).all()
    assert titles and all(t.endswith("(Beispiel)") for t in titles)  # marked as such

    async with sessions() as session, session.begin():
        assert await remove_examples(session) == 32
    async with sessions() as session:
        left = (await session.scalars(select(Offer))).all()
        occurrence_offers = set((await session.scalars(select(Occurrence.offer_id))).all())
    assert [o.title for o in left] == ["Echtes Adventscafé"]
    assert occurrence_offers == {real.id}
    async with sessions() as session, session.begin():
        assert await remove_examples(session) == 0
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Occurrence)) > 0
