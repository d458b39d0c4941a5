"""Moderators keep the listing trustworthy (`/pruefen`): the review queue, decisions with a
reason, trust and blocks, inviting further moderators, the audit log, and messages that could
not be delivered.

Every action checks the right at the moment it runs (models.moderation.Rights): a forged,
replayed or stale button from someone without it is refused, logged, and changes nothing.
Decisions are told to the organiser through the outbox, in their language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from babel.dates import format_datetime
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from models import Offer, OfferStatus, User
from models.conversations import user_for_chat
from models.moderation import (
    Action,
    Trust,
    approvals_of,
    log,
    new_invite,
    offers_of,
    recent_log,
    redeem_invite,
    waiting_offers,
)
from models.organising import approve_change, set_status
from models.outbox import Claimed, parked, release_parked
from models.proposals import OfferProposal, proposal_for
from models.proposals import drop as drop_change
from models.schedule import BERLIN
from scheduler.compose import Drop

from . import offer_form as form
from .buttons import ButtonData, Id
from .common import refused as _refused
from .common import stale_button
from .context import Turn
from .dialogue import Feature, Note, Step, on
from .formatting import bold, lines
from .handover import ManageIdeas, Queue, ShowMine, ShowOffer
from .i18n import N_, Translator
from .keywords import is_cancel
from .messages import Button, Reply
from .moderators import REVIEW
from .notify import tell
from .offer_diff import diff_lines, field_names
from .text import clean, shorten

log_ = logging.getLogger(__name__)
REASON = "moderation.reason"
QUEUE_SHOWN = 10
ACTIONS = {
    Action.SUBMITTED: N_("sent for review"),
    Action.PUBLISHED: N_("published directly (trusted)"),
    Action.APPROVED: N_("approved"),
    Action.REJECTED: N_("rejected"),
    Action.CHANGE_REQUESTED: N_("asked for a change"),
    Action.TRUSTED: N_("trusted the organiser"),
    Action.UNTRUSTED: N_("no longer trusts the organiser"),
    Action.BLOCKED: N_("blocked the organiser"),
    Action.UNBLOCKED: N_("unblocked the organiser"),
    Action.MODERATOR_INVITED: N_("invited a moderator"),
    Action.MODERATOR_JOINED: N_("joined as moderator"),
    Action.REFUSED: N_("was refused an action"),
}


class Reasoning(Note):
    """Waiting for the reason of a rejection or the change asked for."""

    key = "step"
    offer_id: int
    change: bool  # True: ask for a change; False: reject
    asked_at: datetime


# --- rights -------------------------------------------------------------------------------


def _is_moderator(turn: Turn) -> bool:
    return turn.services.rights.is_moderator(turn.user)


# --- the buttons: only moderators may press them (the core refuses anyone else) -----------


class Review(ButtonData, prefix="vo", moderators_only=True):
    offer: Id


class Approve(ButtonData, prefix="va", moderators_only=True):
    offer: Id


class Reject(ButtonData, prefix="vr", moderators_only=True):
    """Reject the offer; the reason is typed next."""

    offer: Id


class AskChange(Reject, prefix="vc", moderators_only=True):
    """Ask the organiser for a change; what to change is typed next."""


class TrustOrganiser(ButtonData, prefix="vt", moderators_only=True):
    organiser: Id


class DistrustOrganiser(TrustOrganiser, prefix="vu", moderators_only=True):
    pass


class BlockOrganiser(TrustOrganiser, prefix="vb", moderators_only=True):
    pass


class UnblockOrganiser(TrustOrganiser, prefix="vx", moderators_only=True):
    pass


class InviteModerator(ButtonData, prefix="vi", moderators_only=True):
    pass


class Decisions(ButtonData, prefix="vl", moderators_only=True):
    pass


class Undelivered(ButtonData, prefix="vp", moderators_only=True):
    pass


class RetryUndelivered(ButtonData, prefix="vy", moderators_only=True):
    pass


async def _pending(turn: Turn, offer_id: int) -> Offer | None:
    """The offer, if it (or a change to it) waits for review."""
    offer = await turn.session.get(Offer, offer_id)
    if offer is None:
        return None
    if (
        offer.status is OfferStatus.PENDING
        or await proposal_for(turn.session, offer.id) is not None
    ):
        return offer
    return None


# --- the queue ----------------------------------------------------------------------------


async def show_queue(turn: Turn, pressed: Queue | str = "") -> list[Reply]:
    t = turn.t
    waiting = await waiting_offers(turn.session)
    stuck = await parked(turn.session, limit=100)
    text: list[str] = [
        bold(t("🛡 Moderation")),
        "",
        t("⏳ Waiting for review: {count}", count=len(waiting)),
    ]
    if stuck:
        text.append(t("📮 Messages that could not be delivered: {count}", count=len(stuck)))
    rows: list[tuple[Button, ...]] = []
    for number, offer in enumerate(waiting[:QUEUE_SHOWN], start=1):
        mark = (
            "✏️ " if offer.status is not OfferStatus.PENDING else ""
        )  # a change to an approved offer
        rows.append(
            (
                Button(
                    f"{number}. {mark}{shorten(offer.title, 40)} ({offer.place_name})",
                    Review(offer=offer.id).pack(),
                ),
            )
        )
    rows.append(
        (
            Button(t("📜 Decisions so far"), Decisions().pack()),
            Button(t("🔑 Invite a moderator"), InviteModerator().pack()),
        )
    )
    rows.append((Button(t("💡 Edit ideas"), ManageIdeas().pack()),))
    if stuck:
        rows.append((Button(t("📮 Undelivered messages"), Undelivered().pack()),))
    if not waiting:
        text.append(t("Nothing is waiting. Thank you!"))
    return [Reply(lines(text), buttons=tuple(rows), edit=turn.msg.button is not None)]


async def review(turn: Turn, pressed: Review) -> list[Reply]:
    offer = await _pending(turn, pressed.offer)
    if offer is None:
        return [_decided(turn)]
    t = turn.t
    owner = await turn.session.get(User, offer.owner_id) if offer.owner_id else None
    proposal = await proposal_for(turn.session, offer.id)
    if proposal is not None:
        text = _change_to_review(turn, offer, proposal)
    else:
        text = [bold(t("Offer to review")), "", form.preview_text(turn, form.Draft.of(offer)), ""]
    if owner is not None:
        text.append(await _organiser_line(turn, owner))
    else:
        text.append(t("👤 Imported by the operator"))
    rows = [
        (Button(t("✅ Approve"), Approve(offer=offer.id).pack()),),
        (
            Button(t("✏️ Ask for a change"), AskChange(offer=offer.id).pack()),
            Button(t("❌ Reject"), Reject(offer=offer.id).pack()),
        ),
    ]
    if owner is not None:
        if owner.trust == Trust.TRUSTED.value:
            distrust = DistrustOrganiser(organiser=owner.id)
            rows.append((Button(t("🤝 Stop trusting the organiser"), distrust.pack()),))
        else:
            trust = TrustOrganiser(organiser=owner.id)
            rows.append((Button(t("🤝 Trust the organiser"), trust.pack()),))
        block = BlockOrganiser(organiser=owner.id)
        rows.append((Button(t("🚫 Block the organiser"), block.pack()),))
    rows.append((Button(t("🔙 Queue"), Queue().pack()),))
    return [Reply(lines(text), buttons=tuple(rows), edit=turn.msg.button is not None)]


def _change_to_review(turn: Turn, offer: Offer, proposal: OfferProposal) -> list[str]:
    """A change to an approved offer: what changes, old → new, above the offer's place."""
    t = turn.t
    return [
        bold(t("Change to review")),
        t(
            "“{title}” in {place} – residents see it as it was until you decide.",
            title=offer.title,
            place=offer.place_name,
        ),
        "",
        *diff_lines(turn, offer, proposal),
        "",
    ]


async def _organiser_line(turn: Turn, owner: User) -> Markup:
    """Who wrote it: trusted, blocked, or how many of their offers were approved so far."""
    t = turn.t
    if owner.trust == Trust.TRUSTED.value:
        standing = t("trusted")
    elif owner.trust == Trust.BLOCKED.value:
        standing = t("blocked")
    else:
        approved = await approvals_of(turn.session, owner.id)
        standing = (
            t("new, nothing approved yet")
            if not approved
            else t.n(
                "{count} offer or change approved so far, not trusted yet",
                "{count} offers or changes approved so far, not trusted yet",
                approved,
            )
        )
    return t("👤 Organiser no. {number} ({standing})", number=owner.id, standing=standing)


def _decided(turn: Turn) -> Reply:
    t = turn.t
    return Reply(
        t(
            "This offer is not waiting for review any more – perhaps another moderator "
            "decided already."
        ),
        buttons=((Button(t("🔙 Queue"), Queue().pack()),),),
    )


# --- decisions ----------------------------------------------------------------------------


async def approve(turn: Turn, pressed: Approve) -> list[Reply]:
    offer = await _pending(turn, pressed.offer)
    if offer is None:
        return [_decided(turn)]
    if await approve_change(turn.session, offer, turn.now):
        log(
            turn.session,
            turn.user,
            Action.APPROVED,
            offer_id=offer.id,
            subject_id=offer.owner_id,
            note="change",
            now=turn.now,
        )
        await _tell_owner(
            turn,
            offer,
            "approved",
            lambda t: [
                Reply(
                    t(
                        "🎉 Your change to “{title}” has been checked; residents see it now.",
                        title=offer.title,
                    ),
                    buttons=((Button(t("👀 View it"), ShowOffer(offer=offer.id).pack()),),),
                )
            ],
        )
        return await _next_in_queue(
            turn, turn.t("✅ Change approved: “{title}”.", title=offer.title)
        )
    offer.review_note = ""
    await set_status(turn.session, offer, OfferStatus.PUBLISHED, turn.now)
    log(
        turn.session,
        turn.user,
        Action.APPROVED,
        offer_id=offer.id,
        subject_id=offer.owner_id,
        now=turn.now,
    )
    await _tell_owner(
        turn,
        offer,
        "approved",
        lambda t: [
            Reply(
                t(
                    "🎉 Your offer “{title}” has been checked and is published. Residents nearby "
                    "can find it now.",
                    title=offer.title,
                ),
                buttons=((Button(t("👀 View it"), ShowOffer(offer=offer.id).pack()),),),
            )
        ],
    )
    return await _next_in_queue(turn, turn.t("✅ Approved: “{title}”.", title=offer.title))


async def ask_reason(turn: Turn, pressed: Reject) -> list[Reply]:
    """Reject or ask for a change (AskChange): the reason is typed next."""
    offer = await _pending(turn, pressed.offer)
    if offer is None:
        return [_decided(turn)]
    t = turn.t
    change = isinstance(pressed, AskChange)
    turn.enter(REASON, Reasoning(offer_id=offer.id, change=change, asked_at=turn.now))
    question = (
        t("What should the organiser change? Your words are passed on as you write them.")
        if change
        else t(
            "Why is it not published? Your words are passed on to the organiser as you write them."
        )
    )
    return [Reply(question, buttons=((Button(t("✖️ Cancel"), Review(offer=offer.id).pack()),),))]


async def reason_typed(turn: Turn, text: str) -> list[Reply] | None:
    question = turn.step_note(Reasoning)
    turn.leave()
    if question is None or is_cancel(text):
        return await show_queue(turn) if _is_moderator(turn) else None
    if not _is_moderator(turn):
        return _refused(turn, "decision")
    offer = await _pending(turn, question.offer_id)
    if offer is None or turn.now - question.asked_at > timedelta(days=1):
        return [_decided(turn)]
    note = clean(text)[:500]
    if await drop_change(turn.session, offer.id):
        return await _next_in_queue(
            turn, await _change_declined(turn, offer, note, question.change)
        )
    offer.review_note = note
    if question.change:
        await set_status(turn.session, offer, OfferStatus.DRAFT, turn.now)
        log(
            turn.session,
            turn.user,
            Action.CHANGE_REQUESTED,
            offer_id=offer.id,
            subject_id=offer.owner_id,
            note=note,
            now=turn.now,
        )
        await _tell_owner(
            turn,
            offer,
            "change",
            lambda t: [
                Reply(
                    t(
                        "✏️ A moderator asks you to change “{title}” before it is published:\n"
                        "„{note}“\n"
                        "Change it in /meine, then send it again.",
                        title=offer.title,
                        note=note,
                    ),
                    buttons=((Button(t("📋 My offers"), ShowMine(offer=offer.id).pack()),),),
                )
            ],
        )
        done = turn.t("✏️ The organiser is asked to change “{title}”.", title=offer.title)
    else:
        await set_status(turn.session, offer, OfferStatus.REJECTED, turn.now)
        log(
            turn.session,
            turn.user,
            Action.REJECTED,
            offer_id=offer.id,
            subject_id=offer.owner_id,
            note=note,
            now=turn.now,
        )
        await _tell_owner(
            turn,
            offer,
            "rejected",
            lambda t: [
                Reply(
                    t(
                        "Sorry, your offer “{title}” cannot be published. The moderator writes:\n"
                        "„{note}“",
                        title=offer.title,
                        note=note,
                    )
                )
            ],
        )
        done = turn.t("❌ Rejected: “{title}”.", title=offer.title)
    return await _next_in_queue(turn, done)


async def _change_declined(turn: Turn, offer: Offer, note: str, change: bool) -> Markup:
    """A waiting change is not taken: it is dropped, the approved version stays on show."""
    action = Action.CHANGE_REQUESTED if change else Action.REJECTED
    log(
        turn.session,
        turn.user,
        action,
        offer_id=offer.id,
        subject_id=offer.owner_id,
        note=note,
        now=turn.now,
    )
    if change:
        await _tell_owner(
            turn,
            offer,
            "change",
            lambda t: [
                Reply(
                    t(
                        "✏️ A moderator asks you to change your change to “{title}”:\n„{note}“\n"
                        "Residents still see the offer as it was. Change it again in /meine.",
                        title=offer.title,
                        note=note,
                    ),
                    buttons=((Button(t("📋 My offers"), ShowMine(offer=offer.id).pack()),),),
                )
            ],
        )
        return turn.t(
            "✏️ The organiser is asked to change the change to “{title}”.", title=offer.title
        )
    await _tell_owner(
        turn,
        offer,
        "rejected",
        lambda t: [
            Reply(
                t(
                    "Sorry, your change to “{title}” cannot be taken. The offer stays as it was. "
                    "The moderator writes:\n„{note}“",
                    title=offer.title,
                    note=note,
                )
            )
        ],
    )
    return turn.t("❌ Change not taken: “{title}” stays as it was.", title=offer.title)


async def _next_in_queue(turn: Turn, done: Markup) -> list[Reply]:
    """What was done, above the queue, in one message (on Telegram: in place of the review)."""
    first, *rest = await show_queue(turn)
    return [replace(first, text=lines([done, "", first.text])), *rest]


async def _tell_owner(
    turn: Turn, offer: Offer, what: str, write: Callable[[Translator], list[Reply]]
) -> None:
    owner = await turn.session.get(User, offer.owner_id) if offer.owner_id else None
    if owner is not None:
        stamp = int(turn.now.timestamp())
        await tell(turn, owner, f"decision:{offer.id}:{what}:{stamp}", write)


# --- trust --------------------------------------------------------------------------------


_TRUST_CHANGES: dict[type[TrustOrganiser], tuple[Trust, Action]] = {
    TrustOrganiser: (Trust.TRUSTED, Action.TRUSTED),
    DistrustOrganiser: (Trust.NEW, Action.UNTRUSTED),
    BlockOrganiser: (Trust.BLOCKED, Action.BLOCKED),
    UnblockOrganiser: (Trust.NEW, Action.UNBLOCKED),
}


async def set_trust(turn: Turn, pressed: TrustOrganiser) -> list[Reply]:
    organiser = await turn.session.get(User, pressed.organiser)
    if organiser is None:
        return [stale_button(turn)]
    t = turn.t
    trust, action = _TRUST_CHANGES[type(pressed)]
    if trust is Trust.BLOCKED and turn.services.rights.is_moderator(organiser):
        return [Reply(t("A moderator cannot be blocked here."))]
    organiser.trust = trust.value
    log(turn.session, turn.user, action, subject_id=organiser.id, now=turn.now)
    if trust is Trust.BLOCKED:
        for offer in await offers_of(
            turn.session,
            organiser.id,
            (OfferStatus.PENDING, OfferStatus.PUBLISHED, OfferStatus.PAUSED, OfferStatus.DRAFT),
        ):
            offer.review_note = "blocked"
            await set_status(turn.session, offer, OfferStatus.REJECTED, turn.now)
    if trust is Trust.TRUSTED:
        await tell(
            turn,
            organiser,
            f"trust:{organiser.id}:{int(turn.now.timestamp())}",
            lambda t: [
                Reply(
                    t(
                        "🤝 Good news: your offers are now published straight away, without "
                        "waiting for a check."
                    )
                )
            ],
        )
    words = {
        Action.TRUSTED: t("🤝 The organiser is trusted: their offers are published directly."),
        Action.UNTRUSTED: t("The organiser's offers are checked again before they appear."),
        Action.BLOCKED: t("🚫 The organiser is blocked; their offers are no longer shown."),
        Action.UNBLOCKED: t("The organiser may post again; their offers are checked first."),
    }[action]
    return await _next_in_queue(turn, words)


# --- moderators, log, undelivered messages ------------------------------------------------


async def invite(turn: Turn, pressed: InviteModerator) -> list[Reply]:
    code = new_invite(turn.session, turn.user, turn.now)
    log(turn.session, turn.user, Action.MODERATOR_INVITED, now=turn.now)
    t = turn.t
    return [
        Reply(
            t(
                "🔑 Give this code to the new moderator, personally or by phone: <b>{code}</b>\n"
                "They write /moderator {code} to Nahbar. The code works once, for 48 hours.",
                code=code,
            )
        )
    ]


async def join(turn: Turn, argument: str = "") -> list[Reply]:
    t = turn.t
    if _is_moderator(turn):
        return [Reply(t("You are a moderator already. /pruefen shows what is waiting."))]
    if not await redeem_invite(turn.session, argument, turn.user, turn.now):
        log_.warning("invalid moderator code from user %s", turn.user.id)
        log(
            turn.session,
            turn.user,
            Action.REFUSED,
            subject_id=turn.user.id,
            note="invite code",
            now=turn.now,
        )
        return [
            Reply(t("This code is not valid (any more). Please ask the moderator for a new one."))
        ]
    log(turn.session, turn.user, Action.MODERATOR_JOINED, subject_id=turn.user.id, now=turn.now)
    return [Reply(t("🛡 Welcome to the moderators! /pruefen shows the offers waiting for review."))]


def _moment(t: Translator, moment: datetime) -> str:
    return format_datetime(moment.astimezone(BERLIN), t("d MMM, HH:mm"), locale=t.language)


async def show_log(turn: Turn, pressed: Decisions) -> list[Reply]:
    t = turn.t
    entries = await recent_log(turn.session, limit=20)
    text: list[str] = [bold(t("📜 The last decisions")), ""]
    for entry in entries:
        offer = await turn.session.get(Offer, entry.offer_id) if entry.offer_id else None
        who = (
            t("moderator no. {number}", number=entry.actor_id)
            if entry.actor_id
            else t("someone (deleted)")
        )
        moment = _moment(t, entry.at)
        action = Action(entry.action)
        line = Markup("{} · {} {}").format(moment, who, t(ACTIONS[action]))
        if offer is not None:
            line += Markup(" · „{}“").format(shorten(offer.title, 40))
        if entry.note and action in (Action.REJECTED, Action.CHANGE_REQUESTED):
            line += Markup(" – {}").format(shorten(entry.note, 80))
        text.append(line)
    if not entries:
        text.append(t("No decisions yet."))
    return [Reply(lines(text), buttons=((Button(t("🔙 Queue"), Queue().pack()),),), edit=True)]


async def show_undelivered(turn: Turn, pressed: Undelivered) -> list[Reply]:
    t = turn.t
    rows = await parked(turn.session, limit=20)
    text: list[str] = [bold(t("📮 Messages that could not be delivered")), ""]
    for row in rows:
        platform = row.chat.split(":", 1)[0]
        moment = _moment(t, row.updated_at)
        text.append(
            Markup("{} · {} · {} – {}").format(
                moment, platform, row.kind, shorten(row.reason or "", 80)
            )
        )
    buttons = [(Button(t("🔁 Try them again"), RetryUndelivered().pack()),)] if rows else []
    buttons.append((Button(t("🔙 Queue"), Queue().pack()),))
    return [Reply(lines(text), buttons=tuple(buttons), edit=True)]


async def retry_undelivered(turn: Turn, pressed: RetryUndelivered) -> list[Reply]:
    count = await release_parked(turn.session, turn.now)
    return await _next_in_queue(
        turn, turn.t("🔁 {count} messages will be tried again.", count=count)
    )


# --- telling moderators about new offers --------------------------------------------------


async def compose_review(session: AsyncSession, row: Claimed, now: datetime) -> list[Reply] | None:
    offer_id = row.payload.get("offer") if isinstance(row.payload, dict) else None
    offer = await session.get(Offer, offer_id) if isinstance(offer_id, int) else None
    proposal = await proposal_for(session, offer.id) if offer is not None else None
    if offer is None or (offer.status is not OfferStatus.PENDING and proposal is None):
        raise Drop("already decided")  # another moderator was quicker
    user = await user_for_chat(session, row.chat)
    t = Translator(user.language if user else "de")
    button = ((Button(t("🔍 Review it"), Review(offer=offer.id).pack()),),)
    if proposal is not None:
        return [
            Reply(
                t(
                    "🛡 A change waits for review: “{title}” in {place} – {fields}. Residents see "
                    "the offer as it was until then.",
                    title=offer.title,
                    place=offer.place_name,
                    fields=field_names(_Words(t), proposal),
                ),
                buttons=button,
            )
        ]
    return [
        Reply(
            t(
                "🛡 A new offer waits for review: “{title}” in {place}.",
                title=offer.title,
                place=offer.place_name,
            ),
            buttons=button,
        )
    ]


class _Words:
    """What offer_diff needs of a turn when there is none (a message composed for the outbox)."""

    def __init__(self, t: Translator) -> None:
        self.t = t


FEATURE = Feature(
    name="moderation",
    composers={REVIEW: compose_review},
    commands={"pruefen": show_queue, "review": show_queue, "moderator": join},
    moderators_only=frozenset({"pruefen", "review"}),
    buttons=(
        on(Queue, show_queue),
        on(Review, review),
        on(Approve, approve),
        on(Reject, ask_reason),
        on(AskChange, ask_reason),
        on(TrustOrganiser, set_trust),
        on(DistrustOrganiser, set_trust),
        on(BlockOrganiser, set_trust),
        on(UnblockOrganiser, set_trust),
        on(InviteModerator, invite),
        on(Decisions, show_log),
        on(Undelivered, show_undelivered),
        on(RetryUndelivered, retry_undelivered),
    ),
    steps=(
        Step(
            REASON,
            summary=N_("waiting for the reason of a decision"),
            on_text=reason_typed,
            note=Reasoning,
        ),
    ),
)
