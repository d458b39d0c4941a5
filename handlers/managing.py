"""Organisers manage their offers (`/meine`): status and next date, change any answer, pause,
cancel one date or the whole series (with a message for residents), let a cancelled date take
place after all, offer again, delete. What a change does (on show at once, or kept for a
moderator while residents see the approved version) is decided in models.organising.

Every button names an offer by id; whether the person pressing it owns that offer is checked
again when it is pressed, so a forwarded, old or forged button changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from markupsafe import Markup

from models import Offer, OfferStatus
from models.listing import next_dates
from models.moderation import Action, log
from models.organising import (
    APPROVED,
    ChangeKind,
    Outcome,
    cancel_date,
    cancel_series,
    cancelled_upcoming,
    change_offer,
    delete_offer,
    editing_version,
    owned,
    owned_offer,
    record_change,
    restore_date,
    set_status,
)
from models.proposals import proposal_for, values_of
from models.reminders import coming_count, count_for_offer, notify_changes

from . import companion_lines, moderators
from . import offer_form as form
from .buttons import ButtonData, OneOf
from .common import stale_button
from .context import Turn
from .dialogue import Feature, Note, Step, on, takes
from .formatting import bold, lines, when
from .handover import AskOffer, MyOffer, NewOffer, SaveOfferChange, ShowMine, ShowStoredOffer
from .i18n import N_
from .keywords import Intent, is_cancel
from .messages import Button, Reply
from .offer_diff import field_names
from .offer_form import ORDER, Draft
from .recurrence_text import date_words
from .text import clean, shorten
from .when import days_named

NOTICE = "managing.notice"
DATE = "managing.date"
CANCEL_CHOICES = 6


class Cancelling(Note):
    """The question "a message for residents?" while cancelling a date or the whole series."""

    key = "step"
    offer_id: int
    day: date | None = None  # one date; None: the whole series
    asked_at: datetime


class ChoosingDate(Note):
    """ "Which date is cancelled?": the buttons, or the date typed ("der am 17.12. fällt aus")."""

    key = "step"
    offer_id: int
    asked_at: datetime


def _planned(offer: Offer, now: datetime, limit: int) -> list[tuple[datetime, datetime]]:
    """The coming dates of an offer residents do not see yet (waiting for review, a draft):
    from its schedule, as they will be once it is published."""
    try:
        return offer.schedule.occurrences(now, now + timedelta(days=400))[:limit]
    except ValueError:
        return []


class MyOffers(ButtonData, prefix="mm"):
    pass


class ChooseField(MyOffer, prefix="me"):
    pass


class ChangeField(MyOffer, prefix="mf"):
    field: Annotated[str, OneOf(ORDER)]


class TogglePause(MyOffer, prefix="mp"):
    pass


class CancelDate(MyOffer, prefix="mx"):
    """Choose the date that is cancelled."""


class CancelOn(MyOffer, prefix="md"):
    day: date


class CancelAll(MyOffer, prefix="ms"):
    pass


class WithoutMessage(MyOffer, prefix="mn"):
    pass


class OfferAgain(MyOffer, prefix="mr"):
    pass


class Resubmit(MyOffer, prefix="mu"):
    pass


class AskDelete(MyOffer, prefix="mz"):
    pass


class Delete(MyOffer, prefix="my"):
    pass


class ChooseRestore(MyOffer, prefix="mw"):
    pass


class RestoreOn(MyOffer, prefix="mb"):
    day: date


async def _coming(turn: Turn, offer: Offer, limit: int) -> list[tuple[datetime, datetime]]:
    if offer.status in (OfferStatus.PENDING, OfferStatus.DRAFT):
        return _planned(offer, turn.now, limit)
    return await next_dates(turn.session, offer.id, turn.now, limit)


async def list_mine(turn: Turn, pressed: MyOffers | str = "") -> list[Reply]:
    t = turn.t
    mine = await owned(turn.session, turn.user.id)
    if not mine:
        return [
            Reply(
                t("You have not posted any offers yet. /neu starts one – it takes a few minutes."),
                buttons=((Button(t("➕ Offer a meeting"), NewOffer().pack()),),),
            )
        ]
    text: list[object] = [bold(t("Your offers")), ""]
    rows = []
    for number, item in enumerate(mine[:20], start=1):
        offer = item.offer
        next_start = item.next_start
        if next_start is None and offer.status in (OfferStatus.PENDING, OfferStatus.DRAFT):
            planned = _planned(offer, turn.now, 1)
            next_start = planned[0][0] if planned else None
        upcoming = when(t, next_start) if next_start else t("no upcoming date")
        text.append(Markup("{}. ").format(number) + bold(offer.title, 60))
        text.append(Markup("    {} · {}").format(t(form.STATUS[offer.status]), upcoming))
        rows.append(
            (Button(f"{number}. {shorten(offer.title, 40)}", ShowMine(offer=offer.id).pack()),)
        )
    rows.append((Button(t("➕ Offer a meeting"), NewOffer().pack()),))
    return [Reply(lines(text), buttons=tuple(rows), edit=turn.msg.button is not None)]


async def _mine(turn: Turn, offer_id: int) -> Offer | None:
    return await owned_offer(turn.session, turn.user.id, offer_id)


async def show_one(turn: Turn, pressed: ShowMine) -> list[Reply]:
    return await _show(turn, pressed.offer)


async def show_stored(turn: Turn, request: ShowStoredOffer) -> list[Reply]:
    """Back from changing one answer, nothing saved (handed over by the posting dialogue)."""
    return await _show(turn, request.offer_id)


async def _show(turn: Turn, offer_id: int) -> list[Reply]:
    offer = await _mine(turn, offer_id)
    if offer is None:
        return [stale_button(turn)]
    return [await _view(turn, offer)]


async def _view(turn: Turn, offer: Offer, intro: Markup | None = None) -> Reply:
    t = turn.t
    upcoming = await _coming(turn, offer, 3)
    text: list[object] = [intro, ""] if intro else []
    text += [bold(offer.title, 120), t(form.STATUS[offer.status])]
    if offer.review_note and offer.status in (OfferStatus.DRAFT, OfferStatus.REJECTED):
        text.append(t("💬 Moderator's note: {note}", note=shorten(offer.review_note, 500)))
    words = form.when_words(turn, form.Draft.of(offer))
    if words:
        text.append(Markup("🗓 {}").format(words))
    if upcoming:
        text.append(t("Next: {when}", when=when(t, *upcoming[0])))
        # How many, never who: residents' answers to their reminders.
        coming = await coming_count(turn.session, offer.id, upcoming[0][0])
        reminded = await count_for_offer(turn.session, offer.id)
        if coming or reminded:
            text.append(
                t(
                    "🙋 Said they are coming: {coming} · 🔔 Reminders: {reminded}",
                    coming=coming,
                    reminded=reminded,
                )
            )
        text += await companion_lines.door_line(turn, offer)
    cancelled = cancelled_upcoming(offer, turn.now)
    if cancelled:
        text.append(
            t(
                "❌ Cancelled: {dates}",
                dates=Markup(", ").join(when(t, start) for _, start in cancelled[:4]),
            )
        )
    text.append(await _waiting_change(turn, offer))
    rows = [(Button(t("✏️ Change"), ChooseField(offer=offer.id).pack()),)]
    if offer.status is OfferStatus.PUBLISHED:
        rows.append((Button(t("⏸ Pause"), TogglePause(offer=offer.id).pack()),))
        if upcoming:
            rows.append((Button(t("❌ Cancel one date"), CancelDate(offer=offer.id).pack()),))
    if (
        cancelled and offer.status is OfferStatus.PUBLISHED
    ):  # as cancelling: only what residents see
        rows.append(
            (Button(t("↩️ Let a cancelled date take place"), ChooseRestore(offer=offer.id).pack()),)
        )
    if offer.status is OfferStatus.PAUSED:
        rows.append((Button(t("▶ Continue"), TogglePause(offer=offer.id).pack()),))
    if offer.status is OfferStatus.DRAFT:
        rows.append((Button(t("📨 Send for review again"), Resubmit(offer=offer.id).pack()),))
    if offer.status in (OfferStatus.PUBLISHED, OfferStatus.PAUSED, OfferStatus.PENDING):
        rows.append((Button(t("🛑 Cancel it altogether"), CancelAll(offer=offer.id).pack()),))
    # Offered again only where it makes sense: cancelled or refused, or no date left to meet on.
    if offer.status in (OfferStatus.CANCELLED, OfferStatus.REJECTED) or not upcoming:
        rows.append(
            (Button(t("🔁 Offer it again with new dates"), OfferAgain(offer=offer.id).pack()),)
        )
    rows.append((Button(t("🗑 Delete"), AskDelete(offer=offer.id).pack()),))
    rows.append((Button(t("🔙 My offers"), MyOffers().pack()),))
    return Reply(
        lines([p for p in text if p is not None]),
        buttons=tuple(rows),
        edit=turn.msg.button is not None,
    )


# --- changing answers ---------------------------------------------------------------------


async def choose_field(turn: Turn, pressed: ChooseField) -> list[Reply]:
    offer = await _mine(turn, pressed.offer)
    if offer is None:
        return [stale_button(turn)]
    t = turn.t
    rows = [
        (Button(t(form.FIELD_NAMES[f]), ChangeField(offer=offer.id, field=f).pack()),)
        for f in ORDER
    ]
    rows.append((Button(t("🔙 Back"), ShowMine(offer=offer.id).pack()),))
    question = t("What would you like to change about “{title}”?", title=offer.title)
    return [Reply(lines([question, what_will_happen(turn, offer)]), buttons=tuple(rows), edit=True)]


def what_will_happen(turn: Turn, offer: Offer) -> Markup:
    """Said before anything is saved: on show at once, or checked first while residents keep
    seeing the current version."""
    t = turn.t
    if offer.status not in APPROVED:
        return t("ℹ️ Your change is saved as soon as you answer.")
    if turn.services.rights.publishes_directly(turn.user):
        return t("ℹ️ Your change is visible to residents as soon as you answer.")
    return t(
        "ℹ️ A moderator checks your change first. Until then residents keep seeing the "
        "current version – the offer stays visible."
    )


async def change_field(turn: Turn, pressed: ChangeField) -> list[Reply]:
    offer = await _mine(turn, pressed.offer)
    field = pressed.field
    if offer is None:
        return [stale_button(turn)]
    draft = Draft.of(await editing_version(turn.session, offer)).model_copy(update={"field": field})
    return await turn.services.hand_over(turn, AskOffer(draft, intro=what_will_happen(turn, offer)))


async def save_change(turn: Turn, request: SaveOfferChange) -> list[Reply]:
    """One answer of a stored offer changed (handed over by the posting dialogue)."""
    draft, intro = request.draft, request.intro
    turn.drop(Draft)
    turn.leave()
    offer = await owned_offer(turn.session, turn.user.id, draft.offer_id or 0)
    if offer is None:
        return [stale_button(turn)]
    direct = turn.services.rights.publishes_directly(turn.user)
    outcome = await change_offer(
        turn.session,
        offer,
        values_of(draft.as_offer()),
        by=turn.user.id,
        direct=direct,
        now=turn.now,
    )
    if outcome is Outcome.WAITING:
        log(
            turn.session,
            turn.user,
            Action.SUBMITTED,
            offer_id=offer.id,
            subject_id=turn.user.id,
            note="changed",
            now=turn.now,
        )
        await moderators.notify_new(turn, offer)
    return [
        await _view(
            turn, offer, intro=lines([p for p in (intro, _saved(turn, offer, outcome)) if p])
        )
    ]


def _saved(turn: Turn, offer: Offer, outcome: Outcome) -> Markup:
    t = turn.t
    if outcome is Outcome.WAITING:
        return t(
            "✅ Saved. A moderator will look at the change soon; until then residents see the "
            "offer as it was."
        )
    if cancelled_upcoming(offer, turn.now) and offer.status in APPROVED:
        return t("✅ Saved. Cancelled dates stay cancelled.")
    return t("✅ Saved.")


async def _waiting_change(turn: Turn, offer: Offer) -> Markup | None:
    proposal = await proposal_for(turn.session, offer.id)
    if proposal is None:
        return None
    return turn.t(
        "⏳ Your change ({fields}) waits for a moderator; residents see the offer as it was.",
        fields=field_names(turn, proposal),
    )


# --- pausing, cancelling, offering again, deleting ----------------------------------------


async def toggle_pause(turn: Turn, pressed: TogglePause) -> list[Reply]:
    offer = await _mine(turn, pressed.offer)
    if offer is None or offer.status not in (OfferStatus.PUBLISHED, OfferStatus.PAUSED):
        return [stale_button(turn)]
    paused = offer.status is OfferStatus.PUBLISHED
    await set_status(
        turn.session, offer, OfferStatus.PAUSED if paused else OfferStatus.PUBLISHED, turn.now
    )
    t = turn.t
    intro = (
        t("⏸ Paused: residents do not see it until you continue.")
        if paused
        else t("▶ It is visible again.")
    )
    return [await _view(turn, offer, intro=intro)]


async def choose_date(turn: Turn, pressed: CancelDate) -> list[Reply]:
    offer = await _mine(turn, pressed.offer)
    if offer is None or offer.status is not OfferStatus.PUBLISHED:
        return [stale_button(turn)]
    t = turn.t
    upcoming = await next_dates(turn.session, offer.id, turn.now, CANCEL_CHOICES)
    if not upcoming:
        return [await _view(turn, offer)]
    rows = [
        (Button(when(t, start), CancelOn(offer=offer.id, day=_local_day(start)).pack()),)
        for start, _ in upcoming
    ]
    rows.append((Button(t("🔙 Back"), ShowMine(offer=offer.id).pack()),))
    turn.enter(DATE, ChoosingDate(offer_id=offer.id, asked_at=turn.now))
    return [
        Reply(
            t("Which date is cancelled? Tap it – or write it, e.g. “17.12.”."),
            buttons=tuple(rows),
            edit=turn.msg.button is not None,
        )
    ]


async def date_typed(turn: Turn, text: str) -> list[Reply] | None:
    """ "der am 17.12. fällt aus": the date read as the organisers' dates are (handlers.when)."""
    question = turn.step_note(ChoosingDate)
    if question is None:
        return None
    if is_cancel(text):
        turn.leave()
        return await show_one(turn, ShowMine(offer=question.offer_id))
    days = days_named(clean(text), turn.now)
    if not days:
        return None  # not a date: the message goes where it would otherwise
    offer = await owned_offer(turn.session, turn.user.id, question.offer_id)
    if offer is None or offer.status is not OfferStatus.PUBLISHED:
        turn.leave()
        return [stale_button(turn)]
    upcoming = {_local_day(s) for s, _ in await next_dates(turn.session, offer.id, turn.now, 400)}
    if len(days) != 1 or days[0] not in upcoming:
        t = turn.t
        reply = (await choose_date(turn, CancelDate(offer=offer.id)))[0]
        problem = (
            t(
                "On {day} there is no meeting of “{title}”. Please choose one of its dates.",
                day=date_words(t, days[0], year=days[0].year != _local_day(turn.now).year),
                title=offer.title,
            )
            if len(days) == 1
            else t("Please name one date.")
        )
        return [Reply(lines([problem, reply.text]), buttons=reply.buttons)]
    return _ask_message(turn, Cancelling(offer_id=offer.id, day=days[0], asked_at=turn.now))


def _local_day(moment: datetime) -> date:
    from models.schedule import to_local

    return to_local(moment).date()


async def cancel_one(turn: Turn, pressed: CancelOn) -> list[Reply]:
    offer, day = await _mine(turn, pressed.offer), pressed.day
    if offer is None or offer.status is not OfferStatus.PUBLISHED:
        return [stale_button(turn)]
    upcoming = {_local_day(s) for s, _ in await next_dates(turn.session, offer.id, turn.now, 400)}
    if day not in upcoming:
        return [stale_button(turn)]
    return _ask_message(turn, Cancelling(offer_id=offer.id, day=day, asked_at=turn.now))


async def cancel_all(turn: Turn, pressed: CancelAll) -> list[Reply]:
    offer = await _mine(turn, pressed.offer)
    if offer is None or offer.status not in (
        OfferStatus.PUBLISHED,
        OfferStatus.PAUSED,
        OfferStatus.PENDING,
    ):
        return [stale_button(turn)]
    return _ask_message(turn, Cancelling(offer_id=offer.id, asked_at=turn.now))


def _ask_message(turn: Turn, question: Cancelling) -> list[Reply]:
    t = turn.t
    turn.enter(NOTICE, question)
    return [
        Reply(
            t(
                "Would you like to tell the residents who planned to come something? "
                "Write it now (e.g. “The café moves to Friday.”) – or tap “Without a message”."
            ),
            buttons=(
                (Button(t("Without a message"), WithoutMessage(offer=question.offer_id).pack()),),
                (Button(t("✖️ Do not cancel"), ShowMine(offer=question.offer_id).pack()),),
            ),
            edit=True,
        )
    ]


async def message_typed(turn: Turn, text: str) -> list[Reply] | None:
    if is_cancel(text):
        question = turn.step_note(Cancelling)
        turn.leave()
        return await show_one(turn, ShowMine(offer=question.offer_id)) if question else None
    message = clean(text)
    if len(message) > 500:
        return [
            Reply(
                turn.t(
                    "That is {count} characters long; at most {limit} fit here. "
                    "Please write it a little shorter.",
                    count=len(message),
                    limit=500,
                )
            )
        ]
    if form.has_link(message) and not turn.services.rights.publishes_directly(turn.user):
        return [Reply(form.links_problem(turn).text)]
    return await _cancel_now(turn, message)


async def without_message(turn: Turn, pressed: WithoutMessage) -> list[Reply]:
    question = turn.step_note(Cancelling) if turn.step == NOTICE else None
    if question is None or question.offer_id != pressed.offer:
        return [stale_button(turn)]
    return await _cancel_now(turn, "")


async def _cancel_now(turn: Turn, message: str) -> list[Reply]:
    question = turn.step_note(Cancelling)
    turn.leave()
    offer = await owned_offer(turn.session, turn.user.id, question.offer_id) if question else None
    if question is None or offer is None or turn.now - question.asked_at > timedelta(days=1):
        return [stale_button(turn)]
    t = turn.t
    if question.day is not None:
        await cancel_date(turn.session, offer, question.day, message, turn.now)
        intro = t("❌ The date is cancelled. Everyone who wanted a reminder for it will be told.")
    else:
        await cancel_series(turn.session, offer, message, turn.now)
        intro = t("🛑 The offer is cancelled. Everyone who wanted a reminder will be told.")
    return [await _view(turn, offer, intro=intro)]


async def choose_restore(turn: Turn, pressed: ChooseRestore) -> list[Reply]:
    offer = await _mine(turn, pressed.offer)
    if offer is None or offer.status is not OfferStatus.PUBLISHED:
        return [stale_button(turn)]
    t = turn.t
    cancelled = cancelled_upcoming(offer, turn.now)
    if not cancelled:
        return [await _view(turn, offer)]
    rows = [
        (Button(when(t, start), RestoreOn(offer=offer.id, day=day).pack()),)
        for day, start in cancelled[:CANCEL_CHOICES]
    ]
    rows.append((Button(t("🔙 Back"), ShowMine(offer=offer.id).pack()),))
    return [
        Reply(
            t(
                "Which cancelled date takes place after all? Everyone who was told it is cancelled "
                "will hear that it takes place."
            ),
            buttons=tuple(rows),
            edit=True,
        )
    ]


async def restore_one(turn: Turn, pressed: RestoreOn) -> list[Reply]:
    offer, day = await _mine(turn, pressed.offer), pressed.day
    if (
        offer is None
        or offer.status is not OfferStatus.PUBLISHED
        or day not in {d for d, _ in cancelled_upcoming(offer, turn.now)}
    ):
        return [stale_button(turn)]
    await restore_date(turn.session, offer, day, "", turn.now)
    return [
        await _view(
            turn,
            offer,
            intro=turn.t(
                "✅ The date takes place after all. "
                "Everyone who was told it is cancelled will hear it."
            ),
        )
    ]


async def offer_again(turn: Turn, pressed: OfferAgain) -> list[Reply]:
    """A new offer with this one's answers; only the dates are asked again."""
    offer = await _mine(turn, pressed.offer)
    if offer is None:
        return [stale_button(turn)]
    draft = Draft.of(offer).model_copy(
        update={"offer_id": None, "field": "when", "start": None, "rrule": None, "exdates": ()}
    )
    intro = turn.t("New dates for “{title}” – everything else stays.", title=offer.title)
    return await turn.services.hand_over(turn, AskOffer(draft, intro=intro))


async def resubmit(turn: Turn, pressed: Resubmit) -> list[Reply]:
    offer = await _mine(turn, pressed.offer)
    if offer is None or offer.status is not OfferStatus.DRAFT:
        return [stale_button(turn)]
    offer.status, offer.submitted_at = OfferStatus.PENDING, turn.now
    log(
        turn.session,
        turn.user,
        Action.SUBMITTED,
        offer_id=offer.id,
        subject_id=turn.user.id,
        now=turn.now,
    )
    await moderators.notify_new(turn, offer)
    return [await _view(turn, offer, intro=turn.t("📨 Sent for review again."))]


async def ask_delete(turn: Turn, pressed: AskDelete) -> list[Reply]:
    offer = await _mine(turn, pressed.offer)
    if offer is None:
        return [stale_button(turn)]
    t = turn.t
    return [
        Reply(
            t("Delete “{title}” for good? Residents will no longer find it.", title=offer.title),
            buttons=(
                (Button(t("🗑 Yes, delete"), Delete(offer=offer.id).pack()),),
                (Button(t("🔙 No"), ShowMine(offer=offer.id).pack()),),
            ),
            edit=True,
        )
    ]


async def delete(turn: Turn, pressed: Delete) -> list[Reply]:
    offer = await _mine(turn, pressed.offer)
    if offer is None:
        return [stale_button(turn)]
    title = offer.title
    if offer.status is OfferStatus.PUBLISHED:
        record_change(turn.session, offer, ChangeKind.CANCELLED, turn.now)
        await turn.session.flush()
        # Now: the delete takes the change and the reminders with it.
        await notify_changes(turn.session, turn.now, offer_ids=[offer.id])
    await delete_offer(turn.session, offer)
    return [
        Reply(
            turn.t("🗑 “{title}” is deleted.", title=title),
            edit=True,
            buttons=((Button(turn.t("🔙 My offers"), MyOffers().pack()),),),
        )
    ]


FEATURE = Feature(
    name="managing",
    commands={"meine": list_mine, "mine": list_mine, "angebote_verwalten": list_mine},
    buttons=(
        on(MyOffers, list_mine),
        on(ShowMine, show_one),
        on(ChooseField, choose_field),
        on(ChangeField, change_field),
        on(TogglePause, toggle_pause),
        on(CancelDate, choose_date),
        on(CancelOn, cancel_one),
        on(CancelAll, cancel_all),
        on(WithoutMessage, without_message),
        on(OfferAgain, offer_again),
        on(Resubmit, resubmit),
        on(AskDelete, ask_delete),
        on(Delete, delete),
        on(ChooseRestore, choose_restore),
        on(RestoreOn, restore_one),
    ),
    intents={Intent.MY_OFFERS: list_mine},
    requests=(takes(SaveOfferChange, save_change), takes(ShowStoredOffer, show_stored)),
    steps=(
        Step(
            NOTICE,
            summary=N_("waiting for your message about a cancellation"),
            on_text=message_typed,
            keeps=frozenset({WithoutMessage.prefix}),
            note=Cancelling,
        ),
        Step(
            DATE,
            summary=N_("waiting for the date that is cancelled"),
            on_text=date_typed,
            keeps=frozenset({CancelOn.prefix}),
            note=ChoosingDate,
        ),
    ),
)
