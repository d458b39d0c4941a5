"""Organisers post an offer in chat (`/neu`, "Treffen anbieten"), filling the offer's form
(handlers.offer_form, handlers.forms): any message fills every field it can read — all of it in
one message, or question by question (kind → title → description → when → where) — then the
optional details at once (access, cost, who invites, contact), then a preview exactly as residents
will see it, then send. Only what is missing is asked; a correction typed at any question
changes the earlier answer.

The answers so far are a typed `Draft` note in the dialogue state: a restart, a command in
between or a day's pause loses nothing ("Zurück" and "Abbrechen" work at every question, typed
or pressed, and /neu offers to go on with the draft). Offers of organisers a moderator trusts are
published at once; all others wait for a moderator (handlers.moderation).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from markupsafe import Markup

from models import OfferStatus
from models.moderation import Action, log
from models.organising import add_offer, earlier_venues, last_contact, owned_offer, submitted_since

from . import moderators
from . import offer_form as form
from .access import ACCESS, ToggleAccess
from .common import stale_button
from .context import Turn
from .dialogue import Feature, Step, on, takes
from .formatting import lines
from .forms import Problem, corrects, typed_action
from .handover import AskOffer, NewOffer, SaveOfferChange, ShowOffer, ShowStoredOffer, StartOffer
from .i18n import N_
from .keywords import Intent, read_intent
from .messages import Button, Reply
from .offer_form import (
    FORM,
    ORDER,
    SKIPPABLE,
    ChooseCost,
    ChooseKind,
    ChooseVenue,
    Draft,
    EditField,
    Navigate,
)
from .text import clean, shorten

STEP = "posting"


# --- starting -----------------------------------------------------------------------------


async def start(turn: Turn, argument: NewOffer | str = "") -> list[Reply]:
    t = turn.t
    if turn.services.rights.is_blocked(turn.user):
        return [
            Reply(
                t(
                    "Sorry, you cannot post offers at the moment. If you think this is a mistake, "
                    "please contact the coordination office."
                )
            )
        ]
    draft = turn.get(Draft)
    if draft is not None and draft.offer_id is None and draft.category is not None:
        title = draft.title or form.category_label(turn, draft.category)
        return [
            Reply(
                t("You started an offer earlier: “{title}”. Shall we go on with it?", title=title),
                buttons=(
                    (Button(t("▶ Go on"), Navigate(action="resume").pack()),),
                    (Button(t("🆕 Start afresh"), Navigate(action="fresh").pack()),),
                ),
            )
        ]
    return await _begin(turn, Draft())


async def start_with(turn: Turn, request: StartOffer) -> list[Reply]:
    """/neu with answers already given (an idea from the pool): on to the first open question."""
    if turn.services.rights.is_blocked(turn.user):
        return await start(turn)
    draft = request.draft
    return await _begin(turn, draft.model_copy(update={"field": _next(draft)}))


async def ask_for(turn: Turn, request: AskOffer) -> list[Reply]:
    """Another feature's draft (a stored offer's answer to change, an offer again): its
    question, and the step waits for the answer."""
    turn.put(request.draft)
    turn.enter(STEP)
    return await ask(turn, request.draft, intro=request.intro)


async def _begin(turn: Turn, draft: Draft) -> list[Reply]:
    t = turn.t
    turn.put(draft)
    turn.enter(STEP)
    intro = (
        t(
            "Wonderful that you want to invite people! I will ask a few short questions; "
            "“back” and “cancel” work at every step."
        )
        if draft.category is None
        else None
    )
    return await ask(turn, draft, intro=intro)


async def ask(
    turn: Turn,
    draft: Draft,
    *,
    intro: Markup | None = None,
    problem: Problem | None = None,
    edit: bool = False,
) -> list[Reply]:
    """The current question, with what went wrong or what was understood before it."""
    t = turn.t
    if draft.field == "preview":
        return [await _preview(turn, draft, edit=edit, intro=intro, problem=problem)]
    venues = await earlier_venues(turn.session, turn.user.id) if draft.field == "where" else []
    text, rows = form.question(turn, draft, draft.field, venues)
    now = None
    if (
        draft.offer_id is not None and draft.field in ORDER
    ):  # changing a stored offer: what it says now
        now = t("Now: {value}", value=form.current_value(turn, draft, draft.field))
    parts = [p for p in (intro, problem.text if problem else None, text, now) if p]
    nav = []
    if draft.field != "category" or draft.offer_id is not None:
        nav.append(Button(t("🔙 Back"), Navigate(action="back").pack()))
    nav.append(Button(t("✖️ Cancel"), Navigate(action="cancel").pack()))
    if draft.field == "details":
        last = await _last(turn, draft)
        if last is not None:
            rows.append(
                (
                    Button(
                        t("👥 As last time: {who}", who=shorten(last, 60)),
                        Navigate(action="last").pack(),
                    ),
                )
            )
        rows.append((Button(t("Next ▶"), Navigate(action="next").pack()),))
    elif draft.field == "access":
        rows.append((Button(t("Next ▶"), Navigate(action="next").pack()),))
    elif draft.field in SKIPPABLE or draft.field == "where_name":
        rows.append((Button(t("Skip ▶"), Navigate(action="skip").pack()),))
    rows.append(tuple(nav))
    return [form.reply(lines(parts), rows, edit=edit)]


async def _last(turn: Turn, draft: Draft) -> str | None:
    """Who invited and the contact of the organiser's last offer, offered while both are empty."""
    if draft.organiser or draft.contact:
        return None
    last = await last_contact(turn.session, turn.user.id)
    return " · ".join(p for p in last if p) if last else None


async def resume_question(turn: Turn) -> list[Reply]:
    draft = turn.get(Draft)
    if draft is None:
        turn.leave()
        return await start(turn)
    return await ask(turn, draft)


# --- answers ------------------------------------------------------------------------------


async def on_text(turn: Turn, text: str) -> list[Reply] | None:
    draft = turn.get(Draft)
    if draft is None:
        return None
    action = typed_action(text)
    if draft.confirming:  # "throw the draft away?" was asked
        if action in ("send", "cancel"):  # "ja", "abbrechen"
            return await _cancel(turn, draft)
        draft = draft.model_copy(update={"confirming": False})
        turn.put(draft)
        if action == "skip":  # "nein", "weiter"
            return await ask(turn, draft)
    if action == "back":
        return await _back(turn, draft)
    if action == "cancel":
        return await _ask_cancel(turn, draft)
    if action == "help":  # also the big keyboard's "❓ Hilfe" on Telegram: no title
        return await ask(
            turn,
            draft,
            intro=turn.t(
                "You are writing an offer. Please answer the question below – "
                "“back” goes one question back, “cancel” throws the draft away."
            ),
        )
    intent, _ = read_intent(text)
    if intent is Intent.ASK_PLACE:  # the big keyboard's search button: the draft waits for /neu
        return None
    if action == "send" and draft.field == "preview":  # typed "ja", "absenden": as the button
        if draft.offer_id is None:
            return await _send(turn, draft)
        return await ask(turn, draft)
    if action == "last":
        return await _same_as_last(turn, draft)
    if action == "skip" or (action == "send" and draft.field == "details"):
        if draft.field in SKIPPABLE or draft.field in ("where_name", "details"):
            return await _advance(turn, _skipped(draft))
        if draft.field != "preview":
            return await ask(
                turn,
                draft,
                problem=Problem(
                    turn.t(
                        "This one is needed for the offer – please answer it (or “back”, “cancel”)."
                    )
                ),
            )
    if (
        draft.field == "where"
    ):  # typed coordinates are a shared location (how the terminal shares one)
        found = turn.services.places.resolve(clean(text))
        if (
            found.status == "found"
            and found.place is not None
            and found.place.kind == "coordinates"
        ):
            return await on_location(turn, found.place.lat, found.place.lon)
    return await _read(turn, draft, text)


async def _read(turn: Turn, draft: Draft, text: str) -> list[Reply]:
    """A message read into the form: the asked field and every other field it names."""
    asking = None if draft.field == "preview" else draft.field
    found = form.read_message(turn, draft, text, asking)
    renamed: dict[str, str | None] = {"where_name": "where", "price": "cost", "details": None}
    own = renamed.get(asking, asking) if asking is not None else None
    filled = FORM.fill(draft, asking if asking in ORDER else None, found, correcting=corrects(text))
    changes = dict(filled.changes)
    given = found.answers.get(asking) if asking is not None else None
    if asking and asking not in ORDER and isinstance(given, dict):
        changes.update(given)  # the venue after a location, the price
        filled.taken.append(asking)
    problem = filled.problem or (given if isinstance(given, Problem) else None)
    if not filled.taken:
        if problem is None:
            problem = Problem(
                turn.t("Please use the buttons below the preview, or write what to change.")
                if draft.field == "preview"
                else turn.t("Please use the buttons.")
            )
        return await ask(turn, draft, problem=problem)
    said = _said(turn, draft, changes, filled.taken)
    if draft.field == "details" or (
        len(filled.taken) >= 3 and any(n in SKIPPABLE for n in filled.taken)
    ):
        changes["details_done"] = True  # a whole offer with details in it: they are not asked again
    answered = (
        own in filled.taken or asking in filled.taken or draft.field in ("preview", "details")
    )
    return await _apply_answer(
        turn, draft, changes, intro=said, stay=not answered, problem=None if answered else problem
    )


def _said(turn: Turn, draft: Draft, changes: dict[str, Any], taken: list[str]) -> Markup | None:
    """What was understood, said back: the schedule in words, the other fields by name."""
    t = turn.t
    out = []
    confirmed = changes.pop("_confirm", None)
    if confirmed:
        out.append(t("✅ Understood: {when}", when=confirmed))
    own = {"price": "cost", "where_name": "where"}.get(draft.field, draft.field)
    others = [
        n for n in taken if n not in ("when", draft.field, own, "where_name", "price", "details")
    ]
    if others and draft.field != "preview":
        names = [str(t(form.FIELD_NAMES[n])) for n in others if n in form.FIELD_NAMES]
        out.append(t("✅ Noted: {fields}", fields=", ".join(names)))
    return lines(out) if out else None


def _skipped(draft: Draft) -> Draft:
    return draft.model_copy(update={"details_done": True}) if draft.field == "details" else draft


async def _same_as_last(turn: Turn, draft: Draft) -> list[Reply]:
    """ "wie letztes Mal": who invites and the contact of the last offer (never saved as a name)."""
    last = await last_contact(turn.session, turn.user.id)
    if last is None:
        return await ask(
            turn,
            draft,
            problem=Problem(
                turn.t("There is no earlier offer of yours to take this from – please write it.")
            ),
        )
    organiser, contact = last
    return await _apply_answer(
        turn, draft, {"organiser": organiser, "contact": contact, "details_done": True}
    )


async def on_location(turn: Turn, lat: float, lon: float) -> list[Reply] | None:
    draft = turn.get(Draft)
    if draft is None:
        return None
    if draft.field != "where":
        return await ask(
            turn,
            draft,
            problem=Problem(
                turn.t(
                    "A location fits the question about the place; "
                    "let us finish this question first."
                )
            ),
        )
    answer = form.read_location(turn, lat, lon)
    if isinstance(answer, Problem):
        return await ask(turn, draft, problem=answer)
    return await _apply_answer(turn, draft.model_copy(update=answer), {}, then="where_name")


async def _apply_answer(
    turn: Turn,
    draft: Draft,
    answer: dict[str, Any],
    then: str | None = None,
    *,
    intro: Markup | None = None,
    stay: bool = False,
    problem: Problem | None = None,
) -> list[Reply]:
    """The draft with this answer, then the next question (or `then`, or the same one again
    when `stay`); a stored offer's answer is saved at once."""
    confirmed = answer.pop("_confirm", None)
    geocode = answer.pop("_geocode", False)
    draft = draft.model_copy(update=answer)
    geocoder, lat, lon = turn.services.geocoder, draft.latitude, draft.longitude
    if geocode and geocoder is not None and lat is not None and lon is not None:
        point = await geocoder.locate(draft.address, draft.place_name or "", near=(lat, lon))
        if point is not None:
            draft = draft.model_copy(update={"latitude": point[0], "longitude": point[1]})
    if confirmed and intro is None:
        intro = turn.t("✅ Understood: {when}", when=confirmed)
    if stay:  # the message changed other answers; the question stays
        turn.put(draft)
        return await ask(turn, draft, intro=intro, problem=problem)
    return await _advance(turn, draft, then=then, intro=intro)


async def _advance(
    turn: Turn, draft: Draft, *, then: str | None = None, intro: Markup | None = None
) -> list[Reply]:
    if (
        draft.offer_id is not None
        and then is None
        and not (draft.field == "cost" and draft.cost == "price" and not draft.price)
    ):
        # changing a stored offer: managing saves this one answer
        return await turn.services.hand_over(turn, SaveOfferChange(draft, intro))
    following = then or _next(draft)
    draft = draft.model_copy(update={"field": following})
    turn.put(draft)
    return await ask(
        turn, draft, intro=intro, edit=turn.msg.button is not None and draft.field == "preview"
    )


def _next(draft: Draft) -> str:
    """Only what is missing is asked: the required fields in order, then the optional details
    once (unless some were given already), then the preview."""
    if draft.field in ("cost", "details") and draft.cost == "price" and not draft.price:
        return "price"
    missing = draft.missing()
    if missing is not None:
        return missing
    if not draft.details_done and draft.offer_id is None:
        return "details"
    return "preview"


async def _back(turn: Turn, draft: Draft) -> list[Reply]:
    if draft.offer_id is not None:
        turn.drop(Draft)
        turn.leave()
        return await turn.services.hand_over(turn, ShowStoredOffer(draft.offer_id))
    back = {"where_name": "where", "price": "details", "details": "where", "preview": "details"}
    previous = back.get(draft.field)
    if previous is None:
        position = ORDER.index(draft.field)
        previous = ORDER[max(0, position - 1)] if position < ORDER.index("access") else "details"
    draft = draft.model_copy(
        update={"field": previous, "details_done": previous != "details" and draft.details_done}
    )
    turn.put(draft)
    return await ask(turn, draft)


async def _ask_cancel(turn: Turn, draft: Draft) -> list[Reply]:
    """ "Abbrechen", typed or pressed: asked first once there is a title (on the terminal and
    Matrix a "2" may be meant as an answer, and a typed word can be a slip)."""
    if draft.offer_id is None and draft.title:
        turn.put(draft.model_copy(update={"confirming": True}))
        return [_confirm_cancel(turn, draft)]
    return await _cancel(turn, draft)


async def _cancel(turn: Turn, draft: Draft) -> list[Reply]:
    turn.drop(Draft)
    turn.leave()
    t = turn.t
    if draft.offer_id is not None:
        return [Reply(t("All right, nothing was changed."), edit=turn.msg.button is not None)]
    return [
        Reply(
            t("All right, the draft is thrown away. /neu starts a new offer whenever you like."),
            edit=turn.msg.button is not None,
        )
    ]


def _confirm_cancel(turn: Turn, draft: Draft) -> Reply:
    t = turn.t
    return Reply(
        t(
            "Throw away the draft “{title}”? Everything you have written for it is lost.",
            title=draft.title,
        ),
        buttons=(
            (Button(t("🗑 Yes, throw it away"), Navigate(action="discard").pack()),),
            (Button(t("▶ No, go on"), Navigate(action="resume").pack()),),
        ),
        edit=turn.msg.button is not None,
    )


# --- buttons ------------------------------------------------------------------------------


def _waiting_draft(turn: Turn) -> Draft | None:
    return turn.get(Draft) if turn.step == STEP else None


async def navigate(turn: Turn, pressed: Navigate) -> list[Reply]:
    action = pressed.action
    if action in ("resume", "fresh"):
        draft = turn.get(Draft)
        if draft is None:
            return [stale_button(turn)]
        if action == "fresh":
            return await _begin(turn, Draft())
        turn.enter(STEP)
        draft = draft.model_copy(update={"confirming": False})
        turn.put(draft)
        return await ask(turn, draft, edit=True)
    draft = _waiting_draft(turn)
    if draft is None:
        return [stale_button(turn)]
    if action == "back":
        return await _back(turn, draft)
    if action == "cancel":
        return await _ask_cancel(turn, draft)
    if action == "discard":
        return await _cancel(turn, draft)
    if action in ("skip", "next") and (
        draft.field in SKIPPABLE or draft.field in ("where_name", "details")
    ):
        return await _advance(turn, _skipped(draft))
    if action == "last" and draft.field in ("details", "preview"):
        return await _same_as_last(turn, draft)
    if action == "send" and draft.field == "preview" and draft.offer_id is None:
        return await _send(turn, draft)
    if action == "details" and draft.field == "preview":
        draft = draft.model_copy(update={"field": "details", "details_done": False})
        turn.put(draft)
        return await ask(turn, draft, edit=True)
    if action == "edit" and draft.field == "preview":
        return [_edit_choice(turn)]
    if action == "preview" and draft.field == "preview":
        return [await _preview(turn, draft, edit=True)]
    return [stale_button(turn)]


async def choose_category(turn: Turn, pressed: ChooseKind) -> list[Reply]:
    draft = _waiting_draft(turn)
    if draft is None or draft.field != "category":
        return [stale_button(turn)]
    answer = form.read_category(turn, pressed.kind)
    if isinstance(answer, Problem):
        return [stale_button(turn)]
    return await _apply_answer(turn, draft, answer)


async def choose_venue(turn: Turn, pressed: ChooseVenue) -> list[Reply]:
    draft = _waiting_draft(turn)
    offer = await owned_offer(turn.session, turn.user.id, pressed.offer)
    if draft is None or draft.field != "where" or offer is None:  # only one's own earlier places
        return [stale_button(turn)]
    return await _apply_answer(
        turn,
        draft,
        {
            "venue_name": offer.venue_name,
            "address": offer.address,
            "place_name": offer.place_name,
            "latitude": offer.latitude,
            "longitude": offer.longitude,
        },
    )


async def toggle_access(turn: Turn, pressed: ToggleAccess) -> list[Reply]:
    key = pressed.key
    draft = _waiting_draft(turn)
    if draft is None or draft.field not in ("access", "details"):
        return [stale_button(turn)]
    name, value = ACCESS[key]
    draft = draft.model_copy(update={name: None if getattr(draft, name) == value else value})
    turn.put(draft)
    return await ask(turn, draft, edit=True)


async def choose_cost(turn: Turn, pressed: ChooseCost) -> list[Reply]:
    kind = pressed.cost
    draft = _waiting_draft(turn)
    if draft is None or draft.field not in ("cost", "details"):
        return [stale_button(turn)]
    if kind == "price":
        draft = draft.model_copy(update={"cost": "price", "field": "price"})
        turn.put(draft)
        return await ask(turn, draft)
    if draft.field == "details":  # the details stay open: more can be ticked
        draft = draft.model_copy(update={"cost": kind, "price": ""})
        turn.put(draft)
        return await ask(turn, draft, edit=True)
    return await _apply_answer(turn, draft, {"cost": kind, "price": ""})


async def edit_field(turn: Turn, pressed: EditField) -> list[Reply]:
    """From the preview: answer one question again, then back to the preview."""
    field = pressed.field
    draft = _waiting_draft(turn)
    if draft is None or draft.field != "preview":
        return [stale_button(turn)]
    draft = draft.model_copy(update={"field": field})
    turn.put(draft)
    return await ask(turn, draft)


def _edit_choice(turn: Turn) -> Reply:
    t = turn.t
    rows = [(Button(t(form.FIELD_NAMES[f]), EditField(field=f).pack()),) for f in ORDER]
    rows.append((Button(t("🔙 Back"), Navigate(action="preview").pack()),))
    return Reply(t("What would you like to change?"), buttons=tuple(rows), edit=True)


async def _preview(
    turn: Turn,
    draft: Draft,
    *,
    edit: bool,
    intro: Markup | None = None,
    problem: Problem | None = None,
) -> Reply:
    t = turn.t
    missing = draft.missing()
    rows = []
    if draft.offer_id is None and missing is None:
        rows.append((Button(t("✅ Send"), Navigate(action="send").pack()),))
    open_details = FORM.optional_open(draft)
    if open_details and draft.offer_id is None:
        rows.append((Button(t("➕ Add details"), Navigate(action="details").pack()),))
        last = await _last(turn, draft)
        if last is not None:
            rows.append(
                (
                    Button(
                        t("👥 As last time: {who}", who=shorten(last, 60)),
                        Navigate(action="last").pack(),
                    ),
                )
            )
    rows.append((Button(t("✏️ Change something"), Navigate(action="edit").pack()),))
    rows.append((Button(t("✖️ Cancel"), Navigate(action="cancel").pack()),))
    parts: list[object] = [p for p in (intro, problem.text if problem else None) if p]
    parts.append(form.preview_text(turn, draft))
    if missing is not None:
        parts += ["", t("Still missing: {what}", what=t(form.FIELD_NAMES[missing]))]
    elif open_details:
        parts += [
            "",
            t(
                "Not stated yet: {what}. You can add it – or send it like this.",
                what=", ".join(str(t(f.label)) for f in open_details),
            ),
        ]
    return Reply(lines(parts), buttons=tuple(rows), edit=edit)


# --- sending ------------------------------------------------------------------------------


async def _send(turn: Turn, draft: Draft) -> list[Reply]:
    t, user, rights = turn.t, turn.user, turn.services.rights
    if rights.is_blocked(user):
        return await start(turn)
    if draft.missing() is not None:
        return [await _preview(turn, draft, edit=True)]
    today = await submitted_since(turn.session, user.id, turn.now - timedelta(days=1))
    if today >= turn.services.limits.max_offers_per_day and not rights.is_moderator(user):
        return [
            Reply(
                t(
                    "You have already posted {count} offers today – that is the limit. "
                    "Your draft is kept; please send it tomorrow.",
                    count=today,
                )
            )
        ]
    direct = rights.publishes_directly(user)
    offer = draft.as_offer()
    offer.owner_id = user.id
    offer.status = OfferStatus.PUBLISHED if direct else OfferStatus.PENDING
    offer.submitted_at = turn.now
    offer.created_at = turn.now
    await add_offer(turn.session, offer, turn.now)
    log(
        turn.session,
        user,
        Action.PUBLISHED if direct else Action.SUBMITTED,
        offer_id=offer.id,
        subject_id=user.id,
        now=turn.now,
    )
    turn.drop(Draft)
    turn.leave()
    if direct:
        return [
            Reply(
                t(
                    "🎉 Your offer “{title}” is published. Residents nearby can find it now. "
                    "/meine shows your offers.",
                    title=offer.title,
                ),
                edit=True,
                buttons=((Button(t("👀 View it"), ShowOffer(offer=offer.id).pack()),),),
            )
        ]
    await moderators.notify_new(turn, offer)
    return [
        Reply(
            t(
                "🙏 Thank you! A moderator will look at “{title}” soon – usually within a day. "
                "I will tell you when it is published. /meine shows your offers.",
                title=offer.title,
            ),
            edit=True,
        )
    ]


FEATURE = Feature(
    name="posting",
    commands={"neu": start, "new": start, "anbieten": start},
    buttons=(
        on(Navigate, navigate),
        on(ChooseKind, choose_category),
        on(ChooseVenue, choose_venue),
        on(ToggleAccess, toggle_access),
        on(ChooseCost, choose_cost),
        on(EditField, edit_field),
        on(NewOffer, start),
    ),
    intents={Intent.POST: start},
    requests=(takes(StartOffer, start_with), takes(AskOffer, ask_for)),
    steps=(
        Step(
            STEP,
            summary=N_("writing an offer"),
            on_text=on_text,
            on_location=on_location,
            keeps=frozenset(
                k.prefix
                for k in (Navigate, ChooseKind, ChooseVenue, ToggleAccess, ChooseCost, EditField)
            ),
            ask=resume_question,
        ),
    ),
)
