"""Privacy: what we store and why, what is stored about you, and deleting all of it
(models.erasure does the deleting)."""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_datetime
from sqlalchemy import Table, func, or_, select

from models import Conversation, Offer, User
from models.erasure import erase_user, referencing_columns
from models.schedule import BERLIN

from .common import stale_button
from .context import Turn
from .formatting import esc
from .i18n import N_
from .messages import Button, Reply

DELETE_STATE = "delete"
STEP_KEYS = ("delete_asked",)  # dialogue notes that belong to a waiting step
CONFIRM_FOR = timedelta(hours=24)  # a "yes" to an older question is not taken any more

# Labels for the columns of the users table; a column without a label is shown by its name.
USER_FIELDS = {
    "id": N_("Internal number"),
    "platform": N_("Chat service"),
    "platform_id": N_("Your number on the chat service"),
    "language": N_("Language"),
    "home_place_id": N_("Home place (code)"),
    "home_place_name": N_("Home place"),
    "home_lat": N_("Home place, latitude"),
    "home_lon": N_("Home place, longitude"),
    "radius_km": N_("Radius in km"),
    "consent_precise_location": N_("Precise location allowed"),
    "is_moderator": N_("Moderator"),
    "created_at": N_("First message"),
    "last_seen_at": N_("Last message"),
}
STATES = {
    "idle": N_("none"),
    "home": N_("waiting for your home place"),
    DELETE_STATE: N_("waiting for your answer about deleting"),
}
TABLES = {"offers": N_("Offers you organise")}


async def explain(turn: Turn, argument: str = "") -> list[Reply]:
    t = turn.t
    text = t(
        "<b>Your data at Nahbar</b>\n"
        "We store only what we need to answer you:\n"
        "• your number on the chat service, so answers reach you,\n"
        "• your language,\n"
        "• your home place, only to about 1 km, unless you allowed a precise location,\n"
        "• your search radius,\n"
        "• your last search, for at most 30 days,\n"
        "• when you first and last wrote.\n"
        "Nothing else: no name, no phone number. We do not pass anything on.\n\n"
        "Unfinished dialogues are deleted after 30 days, everything else after 18 months "
        "without a message. With /loeschen you delete everything at once. Offers you published stay visible, but without any link to you.\n\n"
        "Your messages travel through your chat service, whose own rules apply.\n"
        "/meinedaten shows what is stored about you."
    )
    return [Reply(text)]


# --- what is stored about me ----------------------------------------------------------------

async def show_mine(turn: Turn, argument: str = "") -> list[Reply]:
    t, session = turn.t, turn.session
    await session.flush()
    users: Table = User.__table__
    row = (await session.execute(select(users).where(users.c.id == turn.user.id))).mappings().one()
    lines = [t("<b>What Nahbar has stored about you</b>"), ""]
    for column in users.columns:
        label = t(USER_FIELDS[column.name]) if column.name in USER_FIELDS else esc(column.name)
        lines.append(f"• {label}: {_value(turn, row[column.name])}")

    convos = (await session.scalars(
        select(Conversation).where(or_(Conversation.user_id == turn.user.id,
                                       Conversation.chat.in_(_chats(turn))))
        .order_by(Conversation.chat)
    )).all()
    for convo in convos:
        lines += ["", t("💬 Dialogue in chat {chat}", chat=esc(convo.chat))]
        lines.append("• " + t("Open question: {state}", state=t(STATES[convo.state])
                                                       if convo.state in STATES else esc(convo.state)))
        lines += ["• " + line for line in _dialogue(turn, convo.data or {})]
        lines.append("• " + t("Last change: {moment}", moment=_value(turn, convo.updated_at)))

    for table, column in referencing_columns(users):
        if table.name == Conversation.__tablename__:
            continue
        count = await session.scalar(select(func.count()).select_from(table).where(column == turn.user.id))
        if count:
            name = t(TABLES[table.name]) if table.name in TABLES else esc(table.name)
            lines += ["", f"{name}: {count}"]
    lines += ["", t("Nothing else. /loeschen deletes all of it.")]
    return [Reply("\n".join(lines))]


def _dialogue(turn: Turn, data: dict) -> list[str]:
    t = turn.t
    lines = []
    found = data.get("search")
    if isinstance(found, dict):
        windows = {"today": t("today"), "week": t("this week"), "14": t("in the next 14 days")}
        lines.append(t("Last search: {place} ({lat}, {lon}), {window}, {km} km",
                       place=esc(found.get("place", "")), lat=_value(turn, found.get("lat")),
                       lon=_value(turn, found.get("lon")),
                       window=windows.get(found.get("window"), esc(found.get("window"))),
                       km=_value(turn, found.get("radius"))))
    others = sorted(k for k in data if k != "search")
    if others:
        lines.append(t("Other notes: {names}", names=esc(", ".join(others))))
    if not data:
        lines.append(t("No search stored."))
    return lines


def _value(turn: Turn, value: object) -> str:
    t = turn.t
    if value is None:
        return "–"
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    if isinstance(value, datetime):
        return format_datetime(value.astimezone(BERLIN), t("d MMM yyyy, HH:mm"), locale=t.language)
    return esc(value)


# --- deleting everything --------------------------------------------------------------------

async def ask_delete(turn: Turn, argument: str = "") -> list[Reply]:
    t = turn.t
    turn.convo.state = DELETE_STATE
    turn.save(delete_asked=turn.now.isoformat())
    text = t("Do you really want to delete everything Nahbar has stored about you? "
             "This cannot be undone.")
    owned = await turn.session.scalar(select(func.count()).where(Offer.owner_id == turn.user.id))
    if owned:
        text += "\n" + t("Offers you published ({count}) stay visible, but without any link to you.",
                           count=owned)
    buttons = ((Button(t("Yes, delete everything"), "dl:y"),), (Button(t("No"), "dl:n"),))
    return [Reply(text, buttons=buttons)]


async def confirm_delete(turn: Turn, answer: str) -> list[Reply]:
    t = turn.t
    if answer == "n":
        if turn.convo.state == DELETE_STATE:
            turn.convo.state = "idle"
            turn.forget("delete_asked")
        return [Reply(t("Good, nothing was deleted."), edit=turn.msg.button is not None)]
    if answer != "y" or not _asked_recently(turn):
        return [stale_button(turn)]  # a "yes" nobody asked for deletes nothing
    await erase(turn)
    return [Reply(t("Everything is deleted. Goodbye! If you write again, I start afresh."),
                  edit=True, notice=t("Deleted."))]


def _asked_recently(turn: Turn) -> bool:
    if turn.convo.state != DELETE_STATE:
        return False
    try:
        asked = datetime.fromisoformat(turn.state.get("delete_asked", ""))
    except (TypeError, ValueError):
        return False
    return timedelta(0) <= turn.now - asked <= CONFIRM_FOR


async def erase(turn: Turn) -> None:
    """Delete the sender's user row and every row that refers to it or to their chats."""
    await turn.session.flush()  # the turn's own changes first, so nothing is written back afterwards
    await erase_user(turn.session, turn.user.id, _chats(turn))
    for instance in (turn.convo, turn.user):
        if instance in turn.session:
            turn.session.expunge(instance)


def _chats(turn: Turn) -> set[str]:
    return {turn.msg.chat, turn.user.address}
