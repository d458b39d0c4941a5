"""A group's weekly post: admins choose the place, the weekday, the hour and the radius, with
buttons or in words after /wochenpost; members may look but change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from handlers.core import Nahbar
from handlers.messages import Incoming, Reply
from handlers.services import Services
from models import OutboxMessage
from models.digests import Digest
from scheduler import run_digests

from .outbox_fakes import Clock
from .support import Postman, add_offer, plain

GROUP = "-1001234"


class Group:
    """Members of one group chat talking to the core; `admin` says who the adapter calls admin."""

    def __init__(self, sessions, places, now, platform: str = "telegram") -> None:
        self.core = Nahbar(sessions, Services(places), clock=lambda: now)
        self.platform = platform
        self.replies: list[Reply] = []

    async def say(self, text: str, user: str = "501", admin: bool = True) -> str:
        self.replies = await self.core.handle(
            Incoming(
                platform=self.platform,
                user_id=user,
                chat_id=GROUP,
                text=text,
                group=True,
                sender_is_admin=admin,
            )
        )
        return self.text

    async def press(self, data: str, user: str = "501", admin: bool = True) -> str:
        self.replies = await self.core.handle(
            Incoming(
                platform=self.platform,
                user_id=user,
                chat_id=GROUP,
                button=data,
                group=True,
                sender_is_admin=admin,
            )
        )
        return self.text

    def data(self, label: str) -> str:
        [found] = [
            b.data for r in self.replies for row in r.buttons for b in row if b.label == label
        ]
        return found

    @property
    def text(self) -> str:
        return "\n\n".join(plain(r.text) for r in self.replies)


async def _digest(sessions) -> Digest | None:
    async with sessions() as session:
        return await session.scalar(select(Digest))


def _settings(digest: Digest) -> tuple:
    return digest.place_name, digest.weekday, digest.hour, digest.radius_km


async def test_admins_change_day_time_place_and_radius_in_words(sessions, places, now):
    group = Group(sessions, places, now)
    assert "Für welchen Ort?" in await group.say("/wochenpost dienstags")  # nothing to change yet
    assert await _digest(sessions) is None
    text = await group.say("/wochenpost Wernigerode")
    assert (
        "Ab jetzt kommt die Wochenpost mit den Treffen im Umkreis von 10 km um Wernigerode jeden "
        "Montag um 09:00 Uhr in diese Gruppe."
    ) in text
    assert "„/wochenpost Dienstag 18 Uhr“" in text  # how to change it
    text = await group.say("/wochenpost dienstags um 18 Uhr im Umkreis von 25 km")
    assert "25 km um Wernigerode jeden Dienstag um 18:00 Uhr" in text
    assert _settings(await _digest(sessions)) == ("Wernigerode", 1, 18, 25)
    await group.say("/wochenpost Halle (Saale)")  # a new place keeps the day, time and radius
    assert _settings(await _digest(sessions)) == ("Halle (Saale)", 1, 18, 25)
    await group.say("/wochenpost Quedlinburg, Freitag 7 Uhr, 5 km")
    assert _settings(await _digest(sessions)) == ("Quedlinburg", 4, 7, 5)

    # Values it cannot keep are explained, and nothing changes.
    assert "zur vollen Stunde, zwischen 6:00 und 21:00 Uhr" in await group.say(
        "/wochenpost 18:30 Uhr"
    )
    assert "5, 10, 25, 50 km um den Ort" in await group.say("/wochenpost 7 km")
    assert "Den Ort „Nirgendwohausen“ kenne ich leider nicht" in await group.say(
        "/wochenpost Nirgendwohausen 9 Uhr"
    )
    assert _settings(await _digest(sessions)) == ("Quedlinburg", 4, 7, 5)

    # A member may ask, not change.
    assert "nur die Admins dieser Gruppe" in await group.say(
        "/wochenpost montags", user="502", admin=False
    )
    assert "jeden Freitag um 07:00" in await group.say("/wochenpost", user="502", admin=False)
    assert _settings(await _digest(sessions)) == ("Quedlinburg", 4, 7, 5)


async def test_admins_change_it_with_buttons_members_cannot(sessions, places, now):
    group = Group(sessions, places, now)
    await group.say("/wochenpost Wernigerode")
    await group.press(group.data("Do."))  # Thursday
    assert "jeden Donnerstag um 09:00" in group.text and group.replies[0].edit
    await group.press(group.data("15:00"))
    await group.press(group.data("50 km"))
    assert _settings(await _digest(sessions)) == ("Wernigerode", 3, 15, 50)
    assert "✓ Do." in [b.label for r in group.replies for row in r.buttons for b in row]

    # A member's press, and buttons nobody offered, change nothing.
    tuesday = group.data("Di.")
    assert "nur die Admins dieser Gruppe" in await group.press(tuesday, user="502", admin=False)
    assert group.replies[0].notice == "Das dürfen nur die Admins der Gruppe ändern."
    for forged in ("gw:7", "gw:x", "gh:3", "gr:7", "gr:", "gx:1"):
        assert "gilt leider nicht mehr" in await group.press(forged)
    private = await group.core.handle(
        Incoming(platform="telegram", user_id="501", chat_id="501", button=tuesday)
    )
    assert "gilt leider nicht mehr" in plain(private[0].text)  # a group's button in a private chat
    assert _settings(await _digest(sessions)) == ("Wernigerode", 3, 15, 50)

    assert "nur die Admins" in await group.press("gx", user="502", admin=False)
    assert "ausgeschaltet" in await group.press("gx")
    assert await _digest(sessions) is None


async def test_the_post_comes_on_the_chosen_day_and_hour_with_the_chosen_radius(
    sessions, places, now
):
    await add_offer(sessions, now, title="Kaffee nah", starts_local=datetime(2026, 11, 28, 15))
    # Blankenburg is about 13 km from Wernigerode: only in the wider radius.
    await add_offer(
        sessions,
        now,
        title="Kaffee weiter weg",
        place_name="Blankenburg",
        latitude=51.7906,
        longitude=10.9547,
        starts_local=datetime(2026, 11, 28, 16),
    )
    group = Group(sessions, places, now)
    await group.say("/wochenpost Wernigerode mittwochs 18 Uhr 25 km")
    wednesday_18 = datetime(2026, 11, 25, 17, tzinfo=UTC)  # today, 18:00 in Berlin
    assert (await run_digests(sessions, wednesday_18 - timedelta(minutes=30)))["digests"] == 1
    async with sessions() as session:
        [row] = await session.scalars(select(OutboxMessage))
    assert row.due_at == wednesday_18 and row.chat == f"telegram:{GROUP}"
    [text] = (await Postman(sessions, Clock(wednesday_18)).deliver())[f"telegram:{GROUP}"]
    assert "Wernigerode · 25 km" in text and "Kaffee nah" in text and "Kaffee weiter weg" in text
