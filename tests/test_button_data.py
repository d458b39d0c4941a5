"""Buttons as typed classes (handlers.buttons): what a button packs to comes back as the same
button; data that does not fit (stale, forged, out of range) gets the stale-button answer
before any handler runs; the router refuses at start-up a class Telegram could not carry; and
a moderators-only button pressed by anyone else is refused, logged and changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from handlers.buttons import Between, ButtonData, Id, Page, Token, Word
from handlers.core import ROUTES
from handlers.dialogue import Feature, Router, on
from handlers.messages import Reply
from models import Conversation, Offer, OfferStatus
from models.listing import MAX_ID
from models.moderation import LogEntry

from .support import ChatDriver, add_offer
from .test_posting import RIGHTS


class Sample(ButtonData, prefix="zs"):
    offer: Id
    mood: Literal["up", "down"]
    day: date
    name: Token
    shift: Annotated[int, Between(-9, 9)] = 0


class Paged(ButtonData, prefix="zp"):
    page: Page | None = None


class TooLong(ButtonData, prefix="zl"):
    words: Annotated[str, Word(60)]


async def _nothing(turn: object, pressed: object) -> list[Reply]:
    return []


@given(
    offer=st.integers(1, MAX_ID),
    mood=st.sampled_from(["up", "down"]),
    day=st.dates(date(1000, 1, 1), date(9999, 12, 31)),
    name=st.from_regex(r"\A[A-Za-z0-9_\-]{1,20}\Z"),
    shift=st.integers(-9, 9),
)
def test_what_a_button_packs_to_reads_back_as_the_same_button(
    offer: int, mood: Literal["up", "down"], day: date, name: str, shift: int
) -> None:
    button = Sample(offer=offer, mood=mood, day=day, name=name, shift=shift)
    data = button.pack()
    assert Sample.unpack(data) == button
    assert len(data.encode()) <= Sample.longest() <= 64


def test_a_field_with_a_default_may_be_left_out_at_the_end() -> None:
    assert Paged().pack() == "zp" and Paged(page=3).pack() == "zp:3"
    assert Paged.unpack("zp") == Paged() and Paged.unpack("zp:3") == Paged(page=3)


@pytest.mark.parametrize(
    "data",
    [
        "zs:1.up.20261207",  # a field missing
        "zs:1.up.20261207.x.1.2",  # one too many
        "zs:0.up.20261207.x",  # ids start at 1
        f"zs:{MAX_ID + 1}.up.20261207.x",  # larger than any id can be
        "zs:abc.up.20261207.x",
        "zs:1.sideways.20261207.x",
        "zs:1.up.20261307.x",  # no 13th month
        "zs:1.up.20261207.x.10",
        "zs:1.up.20261207.x.+1",
        "zs:1.up.20261207.ä",
        "zs:",
        "zp:1000",
        "zp:-1",
        "zp:\u0661",  # a digit, but not an ASCII one
        "zz:1.up.20261207.x",  # another prefix
    ],
)
def test_data_that_does_not_fit_its_class_is_not_read(data: str) -> None:
    assert Sample.unpack(data) is None and Paged.unpack(data) is None


def test_every_declared_button_fits_telegram_and_has_its_own_prefix() -> None:
    kinds = [press.kind for press in ROUTES.buttons.values()]
    assert kinds and all(kind.longest() <= 64 for kind in kinds)
    assert len({kind.prefix for kind in kinds}) == len(kinds)


def test_the_router_refuses_a_button_that_could_exceed_64_bytes() -> None:
    assert TooLong.longest() == 63  # "zl:" and 60 characters: still fits

    class Longer(ButtonData, prefix="zm"):
        words: Annotated[str, Word(60)]
        more: Id

    with pytest.raises(ValueError, match="more than Telegram's 64"):
        Router([Feature("long", buttons=(on(Longer, _nothing),))])


def test_the_router_refuses_two_buttons_with_one_prefix() -> None:
    class Again(ButtonData, prefix="zp"):
        pass

    with pytest.raises(ValueError, match="already taken"):
        Router(
            [
                Feature("a", buttons=(on(Paged, _nothing),)),
                Feature("b", buttons=(on(Again, _nothing),)),
            ]
        )
    with pytest.raises(ValueError, match="share a prefix"):
        Router([Feature("a", buttons=(on(Paged, _nothing), on(Again, _nothing)))])


def test_a_field_type_without_a_codec_is_found_at_start_up() -> None:
    class Floating(ButtonData, prefix="zf"):
        value: float

    with pytest.raises(TypeError, match="no button field type"):
        Router([Feature("f", buttons=(on(Floating, _nothing),))])


@pytest.mark.parametrize(
    "data",
    [
        "o:" + str(MAX_ID + 1),
        "o:0",
        "o:1.2",
        "o:",
        "vo:abc",
        "va:99999999999",
        "vt:1.2",
        "vq:1",
        "zz:1",
        "ö",
    ],
)
async def test_a_malformed_button_gets_the_stale_answer(chat: ChatDriver, sessions, data) -> None:
    await chat.send_button(data)
    assert chat.text == (
        "Dieser Knopf gilt leider nicht mehr. Schreiben Sie Ihren Ort oder Ihre Postleitzahl, "
        "dann geht es von vorne los."
    ), data
    assert chat.replies[0].notice == "Dieser Knopf gilt nicht mehr."
    async with sessions() as session:
        assert (await session.scalar(select(Conversation))).data == {}


@pytest.mark.parametrize("data", ["va:{offer}", "vr:{offer}", "vb:{owner}", "vq", "vi", "vy"])
async def test_a_moderators_button_pressed_by_someone_else_is_refused_and_logged(
    sessions, places, now, data
) -> None:
    offer = await add_offer(sessions, now, title="Adventscafé", status="pending")
    intruder = ChatDriver(sessions, places, now, user="resident", rights=RIGHTS)
    await intruder.send_button(data.format(offer=offer.id, owner=offer.owner_id or 1))
    assert intruder.text == "Das dürfen nur Moderatorinnen und Moderatoren."
    async with sessions() as session:
        assert (await session.get(Offer, offer.id)).status is OfferStatus.PENDING
        refused = (await session.scalars(select(LogEntry))).all()
    assert [entry.action for entry in refused] == ["refused"]


async def test_the_review_command_is_for_moderators_only(sessions, places, now) -> None:
    intruder = ChatDriver(sessions, places, now, user="resident", rights=RIGHTS)
    await intruder.say("/pruefen")
    assert intruder.text == "Das dürfen nur Moderatorinnen und Moderatoren."
    moderator = ChatDriver(sessions, places, now, user="mod", rights=RIGHTS)
    await moderator.say("/pruefen")
    assert "Moderation" in moderator.text


PREFIXES = sorted(ROUTES.buttons)
TAILS = st.text(alphabet="0123456789.,:-_abcxyzAZ ä١", max_size=40)


@given(
    data=st.one_of(
        st.text(max_size=80), st.builds("{}:{}".format, st.sampled_from(PREFIXES), TAILS)
    )
)
def test_no_data_makes_any_declared_button_crash(data: str) -> None:
    """Whatever arrives as button data: no class raises, and what one reads packs back to data
    that reads the same again."""
    for press in ROUTES.buttons.values():
        pressed = press.kind.unpack(data)
        if pressed is not None:
            assert press.kind.unpack(pressed.pack()) == pressed


def test_every_request_between_features_is_taken() -> None:
    from handlers import handover
    from handlers.core import ROUTES
    from handlers.dialogue import Request

    declared = {
        kind
        for kind in vars(handover).values()
        if isinstance(kind, type) and issubclass(kind, Request) and kind is not Request
    }
    assert declared and declared <= ROUTES.requests.keys()
