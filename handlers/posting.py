"""Organisers post an offer in chat (`/neu`, "Treffen anbieten"): kind → title → description →
when → where → accessibility, cost, contact (each skippable) → a preview exactly as residents
will see it → send.

The answers so far are a typed `Draft` note in the dialogue state: a restart, a command in
between or a day's pause loses nothing ("Zurück" and "Abbrechen" work at every question, and
/neu offers to go on with the draft). Offers of organisers a moderator trusts are published
at once; all others wait for a moderator (handlers.moderation).
"""

from __future__ import annotations

from datetime import timedelta

from markupsafe import Markup

from models import OfferStatus
from models.listing import valid_id
from models.moderation import Action, log
from models.organising import add_offer, earlier_venues, owned_offer, submitted_since

from . import offer_form as form
from .buttons import button_data
from .common import stale_button
from .context import Turn
from .dialogue import Feature, Step
from .formatting import lines
from .i18n import N_
from places.text import fold

from .keywords import Intent, read_intent
from .messages import Button, Reply
from .offer_form import ACCESS, ORDER, SKIPPABLE, Draft, Problem
from .text import clean

STEP = "posting"
_BACK = {fold(w) for w in ("zurueck", "back", "go back")}
_CANCEL = {fold(w) for w in ("abbrechen", "cancel", "stopp", "stop", "verwerfen", "abbruch")}
_SKIP = {fold(w) for w in ("ueberspringen", "skip", "weiter", "next", "nichts", "keine", "keins", "nein",
                           "no", "fertig", "ok", "okay", "passt", "ohne")}


# --- starting -----------------------------------------------------------------------------

async def start(turn: Turn, argument: str = "") -> list[Reply]:
    t = turn.t
    if turn.app.rights.is_blocked(turn.user):
        return [Reply(t("Sorry, you cannot post offers at the moment. If you think this is a mistake, "
                        "please contact the coordination office."))]
    draft = turn.get(Draft)
    if draft is not None and draft.offer_id is None and draft.category is not None:
        title = draft.title or form.category_label(turn, draft.category)
        return [Reply(t("You started an offer earlier: “{title}”. Shall we go on with it?", title=title),
                      buttons=((Button(t("▶ Go on"), button_data("np", "resume")),),
                               (Button(t("🆕 Start afresh"), button_data("np", "fresh")),)))]
    return await _begin(turn, Draft())


async def start_with(turn: Turn, draft: Draft) -> list[Reply]:
    """/neu with answers already given (an idea from the pool): on to the first open question."""
    if turn.app.rights.is_blocked(turn.user):
        return await start(turn)
    return await _begin(turn, draft.model_copy(update={"field": draft.missing() or "when"}))


async def _begin(turn: Turn, draft: Draft) -> list[Reply]:
    t = turn.t
    turn.put(draft)
    turn.enter(STEP)
    intro = t("Wonderful that you want to invite people! I will ask a few short questions; "
              "“back” and “cancel” work at every step.") if draft.category is None else None
    return await ask(turn, draft, intro=intro)


async def ask(turn: Turn, draft: Draft, *, intro: Markup | str | None = None, problem: Problem | None = None,
              edit: bool = False) -> list[Reply]:
    """The current question, with what went wrong or what was understood before it."""
    t = turn.t
    if draft.field == "preview":
        return [_preview(turn, draft, edit=edit)]
    venues = await earlier_venues(turn.session, turn.user.id) if draft.field == "where" else []
    text, rows = form.question(turn, draft, draft.field, venues)
    parts = [p for p in (intro, problem.text if problem else None, text) if p]
    nav = []
    if draft.field != "category" or draft.offer_id is not None:
        nav.append(Button(t("🔙 Back"), button_data("np", "back")))
    nav.append(Button(t("✖️ Cancel"), button_data("np", "cancel")))
    if draft.field == "access":
        rows.append((Button(t("Next ▶"), button_data("np", "next")),))
    elif draft.field in SKIPPABLE or draft.field == "where_name":
        rows.append((Button(t("Skip ▶"), button_data("np", "skip")),))
    rows.append(tuple(nav))
    return [form.reply(lines(parts) if len(parts) > 1 else parts[0], rows, edit=edit)]


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
    words = fold(text)
    if words in _BACK:
        return await _back(turn, draft)
    if words in _CANCEL:
        return await _cancel(turn, draft)
    intent, _ = read_intent(text)
    if intent is Intent.HELP:  # also the big keyboard's "❓ Hilfe" on Telegram: no title
        return await ask(turn, draft, intro=turn.t(
            "You are writing an offer. Please answer the question below – “back” goes one question "
            "back, “cancel” throws the draft away."))
    if intent is Intent.ASK_PLACE:  # the big keyboard's search button: the draft waits for /neu
        return None
    if draft.field in ("access", "preview") or (
            words in _SKIP and (draft.field in SKIPPABLE or draft.field == "where_name")):
        if draft.field == "preview":
            return await ask(turn, draft, problem=Problem(turn.t("Please use the buttons below the preview.")))
        return await _advance(turn, draft)
    if draft.field == "where":  # typed coordinates are a shared location (how the terminal shares one)
        found = turn.app.places.resolve(clean(text))
        if found.status == "found" and found.place is not None and found.place.kind == "coordinates":
            return await on_location(turn, found.place.lat, found.place.lon)
    reader = form.READERS.get(draft.field)
    if reader is None:
        return await ask(turn, draft, problem=Problem(turn.t("Please use the buttons.")))
    answer = reader(turn, text)
    if isinstance(answer, Problem):
        return await ask(turn, draft, problem=answer)
    return await _take(turn, draft, answer)


async def on_location(turn: Turn, lat: float, lon: float) -> list[Reply] | None:
    draft = turn.get(Draft)
    if draft is None:
        return None
    if draft.field != "where":
        return await ask(turn, draft, problem=Problem(turn.t("A location fits the question about the place; "
                                                              "let us finish this question first.")))
    answer = form.read_location(turn, lat, lon)
    if isinstance(answer, Problem):
        return await ask(turn, draft, problem=answer)
    return await _take(turn, draft.model_copy(update=answer), {}, then="where_name")


async def _take(turn: Turn, draft: Draft, answer: dict, then: str | None = None) -> list[Reply]:
    confirmed = answer.pop("_confirm", None)
    geocode = answer.pop("_geocode", False)
    draft = draft.model_copy(update=answer)
    if geocode and turn.app.geocoder is not None:
        point = await turn.app.geocoder.locate(draft.address, draft.place_name or "", near=(draft.latitude, draft.longitude))
        if point is not None:
            draft = draft.model_copy(update={"latitude": point[0], "longitude": point[1]})
    intro = turn.t("✅ Understood: {when}", when=confirmed) if confirmed else None
    return await _advance(turn, draft, then=then, intro=intro)


async def _advance(turn: Turn, draft: Draft, *, then: str | None = None,
                   intro: Markup | None = None) -> list[Reply]:
    if draft.offer_id is not None and then is None:
        from . import managing  # changing a stored offer: save this one answer

        return await managing.save_change(turn, draft, intro=intro)
    following = then or _next(draft)
    draft = draft.model_copy(update={"field": following})
    turn.put(draft)
    return await ask(turn, draft, intro=intro, edit=turn.msg.button is not None and draft.field == "preview")


def _next(draft: Draft) -> str:
    if draft.field == "cost" and draft.cost == "price" and not draft.price:
        return "price"
    if draft.field in ("preview",):
        return "preview"
    if draft.revisit and draft.missing() is None:
        return "preview"
    current = {"where_name": "where", "price": "cost"}.get(draft.field, draft.field)
    position = ORDER.index(current) + 1
    return ORDER[position] if position < len(ORDER) else "preview"


async def _back(turn: Turn, draft: Draft) -> list[Reply]:
    if draft.offer_id is not None:
        from . import managing

        turn.drop(Draft)
        turn.leave()
        return await managing.show_one(turn, str(draft.offer_id))
    current = {"where_name": "where", "price": "cost", "preview": "contact"}.get(draft.field, draft.field)
    position = ORDER.index(current)
    if draft.field in ("where_name", "price", "preview"):
        previous = current
    else:
        previous = ORDER[max(0, position - 1)]
    draft = draft.model_copy(update={"field": previous})
    turn.put(draft)
    return await ask(turn, draft)


async def _cancel(turn: Turn, draft: Draft) -> list[Reply]:
    turn.drop(Draft)
    turn.leave()
    t = turn.t
    if draft.offer_id is not None:
        return [Reply(t("All right, nothing was changed."), edit=turn.msg.button is not None)]
    return [Reply(t("All right, the draft is thrown away. /neu starts a new offer whenever you like."),
                  edit=turn.msg.button is not None)]


def _confirm_cancel(turn: Turn, draft: Draft) -> Reply:
    t = turn.t
    return Reply(t("Throw away the draft “{title}”? Everything you have written for it is lost.",
                   title=draft.title),
                 buttons=((Button(t("🗑 Yes, throw it away"), button_data("np", "discard")),),
                          (Button(t("▶ No, go on"), button_data("np", "resume")),)), edit=True)


# --- buttons ------------------------------------------------------------------------------

def _waiting_draft(turn: Turn) -> Draft | None:
    return turn.get(Draft) if turn.step == STEP else None


async def navigate(turn: Turn, action: str) -> list[Reply]:
    if action in ("resume", "fresh"):
        draft = turn.get(Draft)
        if draft is None:
            return [stale_button(turn)]
        if action == "fresh":
            return await _begin(turn, Draft())
        turn.enter(STEP)
        return await ask(turn, draft, edit=True)
    draft = _waiting_draft(turn)
    if draft is None:
        return [stale_button(turn)]
    if action == "back":
        return await _back(turn, draft)
    if action == "cancel" and draft.offer_id is None and draft.title:
        # Asked first: on the terminal and Matrix "2" may be meant as an answer ("2 €").
        return [_confirm_cancel(turn, draft)]
    if action in ("cancel", "discard"):
        return await _cancel(turn, draft)
    if action in ("skip", "next") and (draft.field in SKIPPABLE or draft.field == "where_name"):
        return await _advance(turn, draft)
    if action == "send" and draft.field == "preview" and draft.offer_id is None:
        return await _send(turn, draft)
    if action == "edit" and draft.field == "preview":
        return [_edit_choice(turn)]
    if action == "preview" and draft.field == "preview":
        return [_preview(turn, draft, edit=True)]
    return [stale_button(turn)]


async def choose_category(turn: Turn, key: str) -> list[Reply]:
    draft = _waiting_draft(turn)
    if draft is None or draft.field != "category":
        return [stale_button(turn)]
    answer = form.read_category(turn, key)
    if isinstance(answer, Problem):
        return [stale_button(turn)]
    return await _take(turn, draft, answer)


async def choose_venue(turn: Turn, argument: str) -> list[Reply]:
    draft = _waiting_draft(turn)
    offer_id = valid_id(argument)
    offer = await owned_offer(turn.session, turn.user.id, offer_id) if offer_id else None
    if draft is None or draft.field != "where" or offer is None:  # only one's own earlier places
        return [stale_button(turn)]
    return await _take(turn, draft, {"venue_name": offer.venue_name, "address": offer.address,
                                     "place_name": offer.place_name, "latitude": offer.latitude,
                                     "longitude": offer.longitude})


async def toggle_access(turn: Turn, key: str) -> list[Reply]:
    draft = _waiting_draft(turn)
    if draft is None or draft.field != "access" or key not in ACCESS:
        return [stale_button(turn)]
    name, value = ACCESS[key]
    draft = draft.model_copy(update={name: None if getattr(draft, name) == value else value})
    turn.put(draft)
    return await ask(turn, draft, edit=True)


async def choose_cost(turn: Turn, kind: str) -> list[Reply]:
    draft = _waiting_draft(turn)
    if draft is None or draft.field != "cost" or kind not in ("free", "donation", "price"):
        return [stale_button(turn)]
    if kind == "price":
        draft = draft.model_copy(update={"cost": "price", "field": "price"})
        turn.put(draft)
        return await ask(turn, draft)
    return await _take(turn, draft, {"cost": kind, "price": ""})


async def edit_field(turn: Turn, field: str) -> list[Reply]:
    """From the preview: answer one question again, then back to the preview."""
    draft = _waiting_draft(turn)
    if draft is None or draft.field != "preview" or field not in ORDER:
        return [stale_button(turn)]
    draft = draft.model_copy(update={"field": field, "revisit": True})
    turn.put(draft)
    return await ask(turn, draft)


def _edit_choice(turn: Turn) -> Reply:
    t = turn.t
    rows = [(Button(t(form.FIELD_NAMES[f]), button_data("ne", f)),) for f in ORDER]
    rows.append((Button(t("🔙 Back"), button_data("np", "preview")),))
    return Reply(t("What would you like to change?"), buttons=tuple(rows), edit=True)


def _preview(turn: Turn, draft: Draft, *, edit: bool) -> Reply:
    t = turn.t
    missing = draft.missing()
    rows = []
    if draft.offer_id is None and missing is None:
        rows.append((Button(t("✅ Send"), button_data("np", "send")),))
    rows.append((Button(t("✏️ Change something"), button_data("np", "edit")),))
    rows.append((Button(t("✖️ Cancel"), button_data("np", "cancel")),))
    text = form.preview_text(turn, draft)
    if missing is not None:
        text = lines([text, "", t("Still missing: {what}", what=t(form.FIELD_NAMES[missing]))])
    return Reply(text, buttons=tuple(rows), edit=edit)


# --- sending ------------------------------------------------------------------------------

async def _send(turn: Turn, draft: Draft) -> list[Reply]:
    t, user, rights = turn.t, turn.user, turn.app.rights
    if rights.is_blocked(user):
        return await start(turn)
    if draft.missing() is not None:
        return [_preview(turn, draft, edit=True)]
    today = await submitted_since(turn.session, user.id, turn.now - timedelta(days=1))
    if today >= turn.app.max_offers_per_day and not rights.is_moderator(user):
        return [Reply(t("You have already posted {count} offers today – that is the limit. "
                        "Your draft is kept; please send it tomorrow.", count=today))]
    direct = rights.publishes_directly(user)
    offer = draft.as_offer()
    offer.owner_id = user.id
    offer.status = OfferStatus.PUBLISHED if direct else OfferStatus.PENDING
    offer.submitted_at = turn.now
    offer.created_at = turn.now
    await add_offer(turn.session, offer, turn.now)
    log(turn.session, user, Action.PUBLISHED if direct else Action.SUBMITTED, offer_id=offer.id,
        subject_id=user.id, now=turn.now)
    turn.drop(Draft)
    turn.leave()
    if direct:
        return [Reply(t("🎉 Your offer “{title}” is published. Residents nearby can find it now. "
                        "/meine shows your offers.", title=offer.title), edit=True,
                      buttons=((Button(t("👀 View it"), button_data("o", offer.id)),),))]
    from . import moderation

    await moderation.notify_new(turn, offer)
    return [Reply(t("🙏 Thank you! A moderator will look at “{title}” soon – usually within a day. "
                    "I will tell you when it is published. /meine shows your offers.", title=offer.title),
                  edit=True)]


FEATURE = Feature(
    name="posting",
    commands={"neu": start, "new": start, "anbieten": start},
    buttons={"np": navigate, "nc": choose_category, "nv": choose_venue, "na": toggle_access,
             "nk": choose_cost, "ne": edit_field, "nn": start},
    intents={Intent.POST: start},
    steps=(Step(STEP, summary=N_("writing an offer"), on_text=on_text, on_location=on_location,
                keeps=frozenset({"np", "nc", "nv", "na", "nk", "ne"}), ask=resume_question),),
)
