"""Privacy: what we store and why, what is stored about you (in words, not column names), and
deleting all of it (models.erasure does the deleting)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal, cast

from babel.dates import format_datetime
from markupsafe import Markup
from sqlalchemy import Table

from models import Conversation, User, inbox
from models.conversations import private_chats
from models.erasure import erase_user
from models.listing import owned_count
from models.location import is_position_id
from models.organising import owned
from models.privacy import conversations_of, rows_referring_to
from models.schedule import BERLIN

from . import current_search, windows
from .buttons import ButtonData
from .common import stale_button
from .context import STEP_KEY, Turn
from .dialogue import Feature, Note, Step, on
from .formatting import lines
from .i18n import N_, Translator
from .keywords import Intent, is_cancel, is_yes
from .messages import Button, Reply
from .offer_form import STATUS
from .text import shorten

DELETE = "privacy.delete"
CONFIRM_FOR = timedelta(hours=24)  # a "yes" to an older question is not taken any more
SERVICES = {"telegram": "Telegram", "matrix": "Matrix", "terminal": N_("this terminal")}


class DeleteQuestion(Note):
    key = STEP_KEY
    asked_at: datetime


async def explain(turn: Turn, argument: str = "") -> list[Reply]:
    t = turn.t
    text = t(
        "<b>Your data at Nahbar</b>\n"
        "We store only what we need to answer you:\n"
        "• your number on the chat service, so answers reach you,\n"
        "• your language,\n"
        "• your home place, if you chose one; a shared location only to about 1 km, unless you "
        "allowed more,\n"
        "• your search radius,\n"
        "• your last search, for at most 30 days,\n"
        "• the reminders, weekly post and alerts you switched on, and your answers to reminders,\n"
        "• if you asked not to go alone or go along with others: the offer, the date, and the "
        "first names you gave, until one side withdraws or a day after the meeting,\n"
        "• if you organise meetings: your offers with the organiser and contact you entered,\n"
        "• when you first and last wrote.\n"
        "Your messages themselves are kept only until they are answered (at most a day). "
        "Nothing else; we never ask for your name (only for a first name if you want company). "
        "We pass nothing on, except the first name you agree to give your companion.\n"
        "Coordinators see numbers only, never who: searches that found nothing (one number per "
        "municipality and month, without you, your chat or the time), and how many reminders and "
        "“I am coming” answers each offer has; counts from 1 to 4 are never shown. If you organise "
        "meetings, they see which of your published offers have had no date for 60 days while you "
        "have not written to us, without your name.\n\n"
        "Unfinished dialogues are deleted after 30 days, everything else after 18 months "
        "without a message. With /loeschen you delete everything at once. Offers you published "
        "stay visible, but without any link to you and without your contact.\n\n"
        "Your messages travel through your chat service, whose own rules apply.\n"
        "/meinedaten shows what is stored about you."
    )
    return [Reply(text)]


# --- what is stored about me ----------------------------------------------------------------


def _service(t: Translator, user: User) -> str:
    name = SERVICES.get(user.platform, user.platform)
    return t(name) if user.platform == "terminal" else name


def _date(t: Translator, moment: datetime) -> str:
    return format_datetime(moment.astimezone(BERLIN), t("d MMM yyyy"), locale=t.language)


def _home(t: Translator, user: User) -> Markup:
    if user.home_place_id is None:
        return t("🏠 Home place: not set yet")
    if not is_position_id(user.home_place_id):
        return t("🏠 Home place: {place}", place=user.home_place_name or "")
    place = (
        t("Your location near {town}", town=user.home_place_name)
        if user.home_place_name
        else t("Your location")
    )
    if user.consent_precise_location:
        return t("🏠 Home place: {place} (kept to about 10 m)", place=place)
    return t("🏠 Home place: {place} (kept only to about 1 km)", place=place)


# Every column of the users table is either described in words here or listed in
# NOT_SHOWN with the reason (a test checks this, so a new column cannot slip by).
Describe = Callable[[Translator, User], Markup | None]
USER_FIELDS: dict[str, Describe] = {
    "platform": lambda t, u: t("💬 You write to us via {service}.", service=_service(t, u)),
    "platform_id": lambda t, u: t(
        "🔢 Your number there: {number} (so that our answers reach you)", number=u.platform_id
    ),
    "language": lambda t, u: t(
        "🌐 Language: {language}",
        language={"de": "Deutsch", "en": "English"}.get(u.language, u.language),
    ),
    "home_place_id": _home,
    "home_place_name": lambda t, u: None,  # part of the home place line
    "home_lat": lambda t, u: None,
    "home_lon": lambda t, u: None,
    "radius_km": lambda t, u: t("📏 Search radius: {km} km", km=u.radius_km),
    "consent_precise_location": lambda t, u: (
        t("📍 Precise location: allowed")
        if u.consent_precise_location
        else t("📍 Precise location: not allowed")
    ),
    "is_moderator": lambda t, u: t("🛡 You are a moderator.") if u.is_moderator else None,
    "trust": lambda t, u: {
        "trusted": t("🤝 As an organiser, your offers are published without a check."),
        "blocked": t("🚫 You cannot post offers at the moment."),
    }.get(u.trust),
    "created_at": lambda t, u: t("🗓 First message: {date}", date=_date(t, u.created_at)),
    "last_seen_at": lambda t, u: t(
        "🕐 Last message: {date} (we keep only the hour)", date=_date(t, u.last_seen_at)
    ),
}
NOT_SHOWN = {"id": "an internal number that links your rows; it says nothing about you"}
TABLES = {
    "offers": N_("📋 Offers you organise: {count}"),
    "offer_proposals": N_("✏️ Changes to your offers waiting for a moderator: {count}"),
    "moderation_log": N_("📜 Entries in the moderation log that name you: {count}"),
    "moderator_invites": N_("🔑 Moderator invitations you made or used: {count}"),
    "ideas": N_("💡 Ideas in the pool you changed last: {count}"),
    "reminders": N_(
        "🔔 Reminders you asked for (with the chat they go to): {count} – /erinnerungen shows them"
    ),
    "attendance": N_(
        "🙋 Your answers “I am coming” / “Not this time” to reminders: {count} "
        "(organisers see only how many are coming, never who)"
    ),
    "digests": N_("📬 Weekly post: on (weekday and time you chose, and the chat it goes to)"),
    "alerts": N_(
        "🆕 Alerts about new offers: on (the kinds you chose, the chat they go to, "
        "and which offers you were last told about)"
    ),
    "coordinators": N_("📊 You are a coordinator (with the district you see): {count}"),
    "coordinator_invites": N_("🔑 Coordinator invitations you made or used: {count}"),
    "login_links": N_(
        "🌐 Login links to the coordinators' pages (valid 15 minutes, once): {count}"
    ),
    "web_sessions": N_("🌐 Open sessions on the coordinators' pages (at most 8 hours): {count}"),
    "companions": N_("🤝 You go along with people as a companion (for your municipality): {count}"),
    "companion_invites": N_("🤝 Companion invitations you made or used: {count}"),
    "companion_requests": N_(
        "🤝 Requests “I would rather not go alone” you made or accompany, with the "
        "first names given while they are open: {count}"
    ),
    "companion_reports": N_("⚠️ Reports about companions that you made or that name you: {count}"),
    "companion_blocks": N_("🚫 You may not ask for or give company at the moment: {count}"),
}


async def show_mine(turn: Turn, argument: str = "") -> list[Reply]:
    t, user = turn.t, turn.user
    await turn.session.flush()
    text: list[str] = [t("<b>What Nahbar has stored about you</b>"), ""]
    text += [line for describe in USER_FIELDS.values() if (line := describe(t, user)) is not None]
    for convo in await conversations_of(turn.session, user.id):
        text += ["", *_conversation(turn, convo)]
    mine = await owned(turn.session, user.id)
    if mine:
        text += ["", t("📋 Your offers (organiser and contact are erased with your data):")]
        text += [
            Markup("• {} – {}").format(shorten(item.offer.title, 60), t(STATUS[item.offer.status]))
            for item in mine[:20]
        ]
    users = cast(Table, User.__table__)  # a declared class's table is a Table
    for table, count in await rows_referring_to(
        turn.session, users, user.id, skip={Conversation.__tablename__}
    ):
        label = TABLES.get(table)
        text += [
            "",
            t(label, count=count) if label else t("{table}: {count}", table=table, count=count),
        ]
    chats = _this_chat(turn) | await private_chats(turn.session, user.id)
    received = await inbox.count_in(turn.session, sorted(chats))
    if received:  # the Matrix inbox (models.inbox); this very message is one of them
        text += [
            "",
            t(
                "📨 Your messages of the last 24 hours: {count} – with their text until we "
                "have answered, after that only when they came",
                count=received,
            ),
        ]
    text += ["", t("Nothing else. /loeschen deletes all of it.")]
    return [Reply(lines(text))]


def _conversation(turn: Turn, convo: Conversation) -> list[str]:
    t = turn.t
    out: list[str] = [
        t("💬 In the group chat {chat}:", chat=convo.chat)
        if convo.is_group
        else t("💬 Our conversation:")
    ]
    data = convo.data or {}
    found = current_search.Search.load(data.get(current_search.Search.key))
    if found is not None:
        place = current_search.place_heading(turn, found)
        out.append(
            t(
                "• Last search: near {place}, {window}, {km} km – deleted by {date} at the latest",
                place=place,
                window=windows.label(t, found.window, turn.now),
                km=found.radius,
                date=_date(t, found.at + current_search.KEEP_SEARCH),
            )
        )
    step = turn.services.steps.get(convo.state)
    if step is not None:
        out.append(
            t(
                "• Open question: {question}",
                question=t(step.summary) if step.summary else step.name,
            )
        )
    others = set(data) - {current_search.Search.key, STEP_KEY}
    if others:
        out.append(t("• Notes for the ongoing conversation, such as the choices shown last."))
    if found is None and step is None and not others:
        out.append(t("• Nothing from our conversation is stored."))
    return out


# --- deleting everything --------------------------------------------------------------------


async def ask_delete(turn: Turn, argument: str = "") -> list[Reply]:
    t = turn.t
    turn.enter(DELETE, DeleteQuestion(asked_at=turn.now))
    text = t(
        "Do you really want to delete everything Nahbar has stored about you? "
        "This cannot be undone."
    )
    owned = await owned_count(turn.session, turn.user.id)
    if owned:
        text += Markup("\n") + t(
            "Offers you published ({count}) stay visible, but without any link to you.", count=owned
        )
    return [Reply(text, buttons=_delete_buttons(turn))]


class ConfirmDelete(ButtonData, prefix="dl"):
    answer: Literal["y", "n"]


def _delete_buttons(turn: Turn) -> tuple[tuple[Button, ...], ...]:
    t = turn.t
    return (
        (Button(t("Yes, delete everything"), ConfirmDelete(answer="y").pack()),),
        (Button(t("No"), ConfirmDelete(answer="n").pack()),),
    )


async def confirm_delete(turn: Turn, pressed: ConfirmDelete) -> list[Reply]:
    t = turn.t
    answer = pressed.answer
    if not _asked_recently(turn):
        return [stale_button(turn)]  # an answer nobody asked for (any more) changes nothing
    if answer == "n":
        turn.leave()
        return [Reply(t("Good, nothing was deleted."), edit=turn.msg.button is not None)]
    await erase(turn)
    return [
        Reply(
            t("Everything is deleted. Goodbye! If you write again, I start afresh."),
            edit=True,
            notice=t("Deleted."),
        )
    ]


async def delete_typed(turn: Turn, text: str) -> list[Reply] | None:
    """A typed answer to "really delete?": "nein" is a no; a yes needs the button."""
    if is_cancel(text):
        return await confirm_delete(turn, ConfirmDelete(answer="n"))
    if is_yes(text):
        t = turn.t
        return [
            Reply(
                t("To be sure, please tap “Yes, delete everything” – or “No”."),
                buttons=_delete_buttons(turn),
            )
        ]
    return None


def _asked_recently(turn: Turn) -> bool:
    if turn.step != DELETE:
        return False
    question = turn.step_note(DeleteQuestion)
    return question is not None and timedelta(0) <= turn.now - question.asked_at <= CONFIRM_FOR


def _this_chat(turn: Turn) -> set[str]:
    """The sender's address, and this chat unless it is a group (a Matrix DM room differs from
    the user id, and may not be stored with a conversation yet)."""
    return {turn.user.address} | ({turn.msg.chat} if not turn.msg.group else set())


async def erase(turn: Turn) -> None:
    """Delete the sender's user row and every row that refers to it or to their private chats."""
    await (
        turn.session.flush()
    )  # the turn's own changes first, so nothing is written back afterwards
    await erase_user(turn.session, turn.user.id, _this_chat(turn))
    for instance in (turn.convo, turn.user):
        if instance in turn.session:
            turn.session.expunge(instance)


FEATURE = Feature(
    name="privacy",
    commands={
        "datenschutz": explain,
        "privacy": explain,
        "meinedaten": show_mine,
        "mydata": show_mine,
        "loeschen": ask_delete,
        "delete": ask_delete,
    },
    buttons=(on(ConfirmDelete, confirm_delete),),
    intents={Intent.PRIVACY: explain, Intent.MY_DATA: show_mine, Intent.DELETE: ask_delete},
    steps=(
        Step(
            DELETE,
            summary=N_("waiting for your answer about deleting"),
            on_text=delete_typed,
            keeps=frozenset({"dl"}),
            note=DeleteQuestion,
        ),
    ),
)
