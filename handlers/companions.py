""" "Ich möchte nicht allein hingehen": a resident asks for company to one date of an offer; a
volunteer of the offer's municipality (registered by a coordinator: /begleiten CODE) agrees;
the resident agrees too; only then both get the other's first name and the meeting point, the
entrance of the venue ten minutes before the start — never a home, never a phone number.

Steps (step `companions.name`, note `NameFor`): the first name is typed by the side agreeing.
Buttons, each checked again against the database when pressed (parsing in `_ids`):
  "ua:<offer>" ask → "ud:<offer>.<epoch>" the date (the resident's consent) → volunteers told
  "uy:<request>" a volunteer agrees → first name → the resident is asked
  "uc:<request>" the resident agrees → first name → both told names and meeting point
  "uw:<request>" either side withdraws (the other is told, first names deleted)
  "ur:<request>" either side reports (coordinators of the municipality are told; the request ends)
  "ub:<report>" a coordinator blocks the reported person from companions
Messages to the other side go through the outbox (handlers.notify.tell).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from markupsafe import Markup
from sqlalchemy import select

from models import Offer, User
from models.companions import (
    MEET_BEFORE,
    OPEN,
    CompanionBlock,
    CompanionReport,
    CompanionRequest,
    Status,
    close,
    is_blocked,
    open_request,
    redeem_invite,
    volunteer,
    volunteers_for,
)
from models.coordination import scope_of
from models.listing import next_dates, visible_offer

from .buttons import Between, ButtonData, Id
from .common import stale_button
from .context import Turn
from .dialogue import Feature, Note, Step, on
from .formatting import when
from .handover import AskCompany
from .i18n import N_, Translator
from .keywords import is_cancel
from .messages import Button, Reply
from .notify import tell
from .text import clean, shorten

NAME = "companions.name"
DATES = 4
MAX_NAME = 30


class NameFor(Note):
    """Waiting for a first name: for which request, and which side is agreeing."""

    key = "step"
    request_id: int
    side: str  # "companion" | "resident"


class CompanyOn(ButtonData, prefix="ud"):
    offer: Id
    start: Annotated[int, Between(0, 99_999_999_999)]  # the date's start, seconds since 1970


class ARequest(ButtonData):
    """A button about one companion request (checked to concern the person pressing it)."""

    request: Id


class GoAlong(ARequest, prefix="uy"):
    """A volunteer: "Yes, I will go along"."""


class AgreeCompany(ARequest, prefix="uc"):
    """The resident: "Yes, I agree" to the companion offered."""


class Withdraw(ARequest, prefix="uw"):
    pass


class Report(ARequest, prefix="ur"):
    pass


class BlockReported(ButtonData, prefix="ub"):
    """A coordinator blocks the person a report names."""

    report: Id


def _municipality(turn: Turn, offer: Offer) -> str:
    return turn.services.places.municipality_at(offer.latitude, offer.longitude)


def _place_name(turn: Turn, ags: str) -> str:
    place = turn.services.places.get(f"m{ags}")
    return place.name if place is not None else ags


# --- the resident asks ------------------------------------------------------------------------


async def ask(turn: Turn, pressed: AskCompany) -> list[Reply]:
    offer = await visible_offer(turn.session, pressed.offer)
    if offer is None:
        return [stale_button(turn)]
    t = turn.t
    if await is_blocked(turn.session, turn.user.id):
        return [Reply(t("Sorry, company cannot be arranged for you at the moment."))]
    ags = _municipality(turn, offer)
    if not ags or not await volunteers_for(turn.session, ags):
        return [
            Reply(
                t(
                    "Sorry, there is no companion for this place yet. The organiser is happy to "
                    "welcome you at the door – just say you are new."
                )
            )
        ]
    dates = await next_dates(turn.session, offer.id, turn.now, DATES)
    rows = tuple(
        (
            Button(
                when(t, start, end), CompanyOn(offer=offer.id, start=int(start.timestamp())).pack()
            ),
        )
        for start, end in dates
    )
    return [
        Reply(
            t(
                "🤝 Would you rather not go alone to “{title}”? A companion from {place} can go "
                "with you.\n"
                "They will only see the place, the offer and the date – no name, no address. "
                "Before first names and a meeting point at the venue are shared, you will be "
                "asked again.\n"
                "Which date?",
                title=offer.title,
                place=_place_name(turn, ags),
            ),
            buttons=rows,
        )
    ]


async def date_chosen(turn: Turn, pressed: CompanyOn) -> list[Reply]:
    epoch = pressed.start
    offer = await visible_offer(turn.session, pressed.offer)
    if offer is None:
        return [stale_button(turn)]
    starts = [
        s
        for s, _ in await next_dates(turn.session, offer.id, turn.now, DATES)
        if int(s.timestamp()) == epoch
    ]
    if not starts or await is_blocked(turn.session, turn.user.id):
        return [stale_button(turn)]
    t = turn.t
    ags = _municipality(turn, offer)
    request = await open_request(turn.session, turn.user.id, offer.id, starts[0])
    if request is None:
        request = CompanionRequest(
            resident_id=turn.user.id,
            offer_id=offer.id,
            starts_at=starts[0],
            ags=ags,
            status=Status.ASKED.value,
            created_at=turn.now,
            updated_at=turn.now,
        )
        turn.session.add(request)
        await turn.session.flush()
        for helper in await volunteers_for(turn.session, ags):
            if helper.user_id == turn.user.id:
                continue
            user = await turn.session.get(User, helper.user_id)
            if user is None:
                continue
            await tell(
                turn,
                user,
                f"companion:{request.id}:ask:{helper.id}",
                lambda t: [
                    Reply(
                        t(
                            "🤝 Someone in {place} would rather not go alone to “{title}” on "
                            "{date}. Would you go along?",
                            place=_place_name(turn, ags),
                            title=offer.title,
                            date=when(t, starts[0]),
                        ),
                        buttons=(
                            (
                                Button(
                                    t("🤝 Yes, I will go along"), GoAlong(request=request.id).pack()
                                ),
                            ),
                        ),
                    )
                ],
            )
    return [
        Reply(
            t(
                "🤝 Thank you. I will ask the companions near you. As soon as one says yes, you "
                "will hear from me – nothing is shared before you agree."
            ),
            buttons=((Button(t("✖️ Withdraw"), Withdraw(request=request.id).pack()),),),
            edit=True,
        )
    ]


# --- the volunteer agrees -----------------------------------------------------------------------


async def _request(turn: Turn, request_id: int) -> CompanionRequest | None:
    request = await turn.session.get(CompanionRequest, request_id)
    return request if request is not None and request.status in OPEN else None


async def volunteer_agrees(turn: Turn, pressed: GoAlong) -> list[Reply]:
    request = await _request(turn, pressed.request)
    helper = await volunteer(turn.session, turn.user.id)
    t = turn.t
    if (
        request is None
        or helper is None
        or helper.ags != request.ags
        or request.resident_id == turn.user.id
    ):
        return [stale_button(turn)]
    if request.status != Status.ASKED.value:
        return [Reply(t("Thank you! Someone else is already going along this time."))]
    turn.enter(NAME, NameFor(request_id=request.id, side="companion"))
    return [
        Reply(
            t(
                "Thank you! Which first name may I pass on? (Only the first name; the person is "
                "asked before anything is shared.)"
            )
        )
    ]


async def name_typed(turn: Turn, text: str) -> list[Reply] | None:
    note = turn.step_note(NameFor)
    turn.leave()
    t = turn.t
    if note is None or is_cancel(text):
        return [Reply(t("Good, nothing was passed on."))]
    name = clean(text).split(" ")[0][:MAX_NAME]
    if not name or not name[0].isalpha() or any(ch.isdigit() for ch in name) or "@" in name:
        turn.enter(NAME, note)
        return [Reply(t("Please write only a first name, e.g. “Erika”."))]
    request = await _request(turn, note.request_id)
    if request is None:
        return [stale_button(turn)]
    offer = await turn.session.get(Offer, request.offer_id)
    if offer is None:
        return [stale_button(turn)]
    if note.side == "companion":
        helper = await volunteer(turn.session, turn.user.id)
        if helper is None or helper.ags != request.ags or request.status != Status.ASKED.value:
            return [Reply(t("Thank you! Someone else is already going along this time."))]
        request.status, request.companion_id, request.companion_name = (
            Status.OFFERED.value,
            turn.user.id,
            name,
        )
        request.updated_at = turn.now
        resident = await turn.session.get(User, request.resident_id)
        if resident is None:
            return [stale_button(turn)]

        def ask_resident(t: Translator) -> list[Reply]:
            return [
                Reply(
                    t(
                        "🤝 Good news: a companion would go with you to “{title}” on {date}. Do "
                        "you agree that I tell them your first name and that you meet at the "
                        "entrance of {venue}, ten minutes before the start?",
                        title=offer.title,
                        date=when(t, request.starts_at),
                        venue=_venue(offer),
                    ),
                    buttons=(
                        (Button(t("✅ Yes, I agree"), AgreeCompany(request=request.id).pack()),),
                        (Button(t("✖️ No, thank you"), Withdraw(request=request.id).pack()),),
                    ),
                )
            ]

        await tell(turn, resident, f"companion:{request.id}:offered", ask_resident)
        return [
            Reply(
                t(
                    "Thank you, {name}! I am asking the person now; you will hear from me.",
                    name=name,
                ),
                buttons=_end_buttons(turn, request),
            )
        ]
    if request.status != Status.OFFERED.value or request.resident_id != turn.user.id:
        return [stale_button(turn)]
    request.status, request.resident_name, request.updated_at = Status.AGREED.value, name, turn.now
    meeting = _meeting(offer, request)
    helper_user = (
        await turn.session.get(User, request.companion_id) if request.companion_id else None
    )
    if helper_user is not None:
        await tell(
            turn,
            helper_user,
            f"companion:{request.id}:agreed",
            lambda t: [
                Reply(
                    t(
                        "🤝 {name} is glad you come along to “{title}”. Meeting point: {meeting}.",
                        name=name,
                        title=offer.title,
                        meeting=meeting(t),
                    ),
                    buttons=_end_buttons(turn, request, t),
                )
            ],
        )
    return [
        Reply(
            t(
                "🤝 Wonderful! {name} goes with you to “{title}”. Meeting point: {meeting}.",
                name=request.companion_name,
                title=offer.title,
                meeting=meeting(t),
            ),
            buttons=_end_buttons(turn, request),
        )
    ]


def _venue(offer: Offer) -> str:
    return shorten(", ".join(offer.where_parts()), 120)


def _meeting(offer: Offer, request: CompanionRequest) -> Callable[[Translator], Markup]:
    def words(t: Translator) -> Markup:
        return t(
            "the entrance of {venue}, {time}",
            venue=_venue(offer),
            time=when(t, request.starts_at - MEET_BEFORE),
        )

    return words


def _end_buttons(
    turn: Turn, request: CompanionRequest, tr: Translator | None = None
) -> tuple[tuple[Button, ...], ...]:
    t = tr or turn.t
    return (
        (
            Button(t("✖️ Withdraw"), Withdraw(request=request.id).pack()),
            Button(t("⚠️ Report"), Report(request=request.id).pack()),
        ),
    )


async def resident_agrees(turn: Turn, pressed: AgreeCompany) -> list[Reply]:
    request = await _request(turn, pressed.request)
    if (
        request is None
        or request.resident_id != turn.user.id
        or request.status != Status.OFFERED.value
    ):
        return [stale_button(turn)]
    turn.enter(NAME, NameFor(request_id=request.id, side="resident"))
    t = turn.t
    return [Reply(t("Which first name may I tell your companion? (Only the first name.)"))]


# --- withdrawing, reporting, blocking -----------------------------------------------------------


def _side(turn: Turn, request: CompanionRequest) -> str | None:
    if request.resident_id == turn.user.id:
        return "resident"
    if request.companion_id == turn.user.id:
        return "companion"
    return None


async def withdraw(turn: Turn, pressed: Withdraw) -> list[Reply]:
    request = await _request(turn, pressed.request)
    side = _side(turn, request) if request is not None else None
    if request is None or side is None:
        return [stale_button(turn)]
    other_id = request.companion_id if side == "resident" else request.resident_id
    offer = await turn.session.get(Offer, request.offer_id)
    close(request, Status.WITHDRAWN, turn.now)
    other = await turn.session.get(User, other_id) if other_id else None
    if other is not None and offer is not None:
        await tell(
            turn,
            other,
            f"companion:{request.id}:withdrawn",
            lambda t: [
                Reply(
                    t(
                        "🤝 The company to “{title}” on {date} does not take place – the other "
                        "side had to cancel. First names are deleted.",
                        title=offer.title,
                        date=when(t, request.starts_at),
                    )
                )
            ],
        )
    t = turn.t
    return [Reply(t("Withdrawn. The other side is told; first names are deleted."), edit=True)]


async def report(turn: Turn, pressed: Report) -> list[Reply]:
    request = await _request(turn, pressed.request)
    side = _side(turn, request) if request is not None else None
    if request is None or side is None:
        return [stale_button(turn)]
    reported = request.companion_id if side == "resident" else request.resident_id
    entry = CompanionReport(
        request_id=request.id,
        reporter_id=turn.user.id,
        reported_id=reported,
        ags=request.ags,
        at=turn.now,
    )
    turn.session.add(entry)
    await withdraw(turn, Withdraw(request=pressed.request))
    await turn.session.flush()
    listed = turn.services.coordinators
    for user in await turn.session.scalars(select(User)):  # few coordinators; checked one by one
        scope = await scope_of(turn.session, listed, user)
        if scope is not None and scope.covers(request.ags) and user.id != turn.user.id:
            await tell(
                turn,
                user,
                f"companion-report:{entry.id}:{user.id}",
                lambda t: [
                    Reply(
                        t(
                            "⚠️ A companion arrangement in {place} was reported. Block the "
                            "reported person from companions?",
                            place=_place_name(turn, request.ags),
                        ),
                        buttons=((Button(t("🚫 Block"), BlockReported(report=entry.id).pack()),),),
                    )
                ],
            )
    t = turn.t
    return [
        Reply(
            t(
                "Thank you for telling us. The arrangement is ended, and the coordinators will "
                "look into it."
            ),
            edit=True,
        )
    ]


async def block(turn: Turn, pressed: BlockReported) -> list[Reply]:
    entry = await turn.session.get(CompanionReport, pressed.report)
    listed = turn.services.coordinators
    scope = await scope_of(turn.session, listed, turn.user)
    t = turn.t
    if scope is None or entry is None or not scope.covers(entry.ags):
        return [Reply(t("Only coordinators may see this."))]
    entry.handled = True
    if entry.reported_id and await turn.session.get(CompanionBlock, entry.reported_id) is None:
        turn.session.add(CompanionBlock(user_id=entry.reported_id, at=turn.now))
        helper = await volunteer(turn.session, entry.reported_id)
        if helper is not None:
            helper.blocked = True
        for request in await turn.session.scalars(
            select(CompanionRequest).where(
                CompanionRequest.status.in_(OPEN),
                (CompanionRequest.resident_id == entry.reported_id)
                | (CompanionRequest.companion_id == entry.reported_id),
            )
        ):
            close(request, Status.BLOCKED, turn.now)
    return [Reply(t("🚫 Blocked: this person can no longer ask for or give company."), edit=True)]


# --- volunteers join ----------------------------------------------------------------------------


async def join(turn: Turn, argument: str = "") -> list[Reply]:
    t = turn.t
    ags = (
        await redeem_invite(turn.session, argument.strip(), turn.user, turn.now)
        if argument
        else None
    )
    if ags is None:
        return [
            Reply(t("This code is not valid (any more). Please ask the coordinator for a new one."))
        ]
    return [
        Reply(
            t(
                "🤝 Thank you for going along with people in {place}! When someone would rather "
                "not go alone, I will ask you – you only see the place, the offer and the date.",
                place=_place_name(turn, ags),
            )
        )
    ]


FEATURE = Feature(
    name="companions",
    commands={"begleiten": join, "companion": join},
    buttons=(
        on(AskCompany, ask),
        on(CompanyOn, date_chosen),
        on(GoAlong, volunteer_agrees),
        on(AgreeCompany, resident_agrees),
        on(Withdraw, withdraw),
        on(Report, report),
        on(BlockReported, block),
    ),
    steps=(
        Step(
            NAME,
            summary=N_("waiting for a first name for a companion"),
            on_text=name_typed,
            note=NameFor,
        ),
    ),
)
