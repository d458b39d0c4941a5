"""The idea pool (`/ideen`): small meeting formats anyone can start in their village, kept by
the moderators in chat.

Residents see the visible ideas in order; "Bei mir starten" opens /neu with the idea's kind,
title and text filled in (handlers.posting). Moderators ("💡 Ideen bearbeiten" in /pruefen and
/ideen) add an idea in a short dialogue (kind, picture, German title and text, then the English
ones if they like), change one part of an idea, hide or show it, and move it up or down. Each of
their actions checks the right when it runs: a forged or old button, or an answer typed after
the right was taken away, is refused, logged, and changes nothing.

Idea words are user content: they are cleaned and checked like an offer's title and description
(which they become), kept free of web links, and always shown escaped.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from markupsafe import Markup
from pydantic import field_validator

from models.categories import CATEGORIES, category
from models.ideas import (
    TEXT_LENGTH,
    Idea,
    add_idea,
    all_ideas,
    move,
    touch,
    visible_idea,
    visible_ideas,
)

from . import current_search
from . import offer_form as form
from .buttons import Between, ButtonData, Id, Token
from .common import refused, stale_button
from .context import STEP_KEY, Turn
from .dialogue import Feature, Note, Step, on
from .formatting import bold, clock, day, lines
from .forms import Field, Form, Problem, typed_action
from .handover import Back, IdeaList, ManageIdeas, NewOffer, Queue, StartHere, StartOffer
from .i18n import N_
from .keywords import Intent, is_cancel
from .messages import Button, Reply
from .offer_form import Draft, has_link
from .text import clean, shorten

PAGE = 8  # ideas per message for residents
SHOWN_TEXT = 200  # an idea's text in the list is cut here
STEP = "ideas.edit"
# The pictures an idea can have (buttons carry the index); the kinds' own pictures first.
EMOJIS = (
    "☕",
    "🔥",
    "🚶",
    "🥧",
    "🎁",
    "👵",
    "🤝",
    "💬",
    "✨",
    "🎄",
    "🎶",
    "🌻",
    "📚",
    "🎲",
    "🍲",
    "🧶",
)
# What a moderator types, and the offer field whose limits apply (the idea becomes that field).
TEXT_FIELDS = {
    "title_de": "title",
    "text_de": "description",
    "title_en": "title",
    "text_en": "description",
}
ENGLISH = frozenset({"title_en", "text_en"})
# An idea as a form (handlers.forms): the English title and text may be skipped.
IDEA_FORM: Form[IdeaDraft] = Form(
    (
        Field("kind", N_("Kind"), filled=lambda d: getattr(d, "category", None) is not None),
        Field("emoji", N_("Picture")),
        Field("title_de", N_("Title"), free_text=True),
        Field("text_de", N_("Description"), free_text=True),
        Field("title_en", N_("🇬🇧 Title"), optional=True, free_text=True),
        Field("text_en", N_("🇬🇧 Text"), optional=True, free_text=True),
    )
)
ADDING = tuple(f.name for f in IDEA_FORM)  # the questions for a new idea
QUESTIONS = {
    "kind": N_("What kind of meeting is it?"),
    "emoji": N_("Which picture should stand before it?"),
    "title_de": N_("The title in German, short, e.g. “Warme Stube”:"),
    "text_de": N_("The text in German: a few sentences on what happens and what it takes."),
    "title_en": N_(
        "The title in English, for people who use Nahbar in English – or “skip”: "
        "they then see the German one."
    ),
    "text_en": N_("The text in English – or “skip”: they then see the German one."),
}


class IdeaDraft(Note):
    """A new idea being written, or one part of an idea being changed (`idea_id`, `changing`)."""

    key = STEP_KEY
    field: str = "kind"  # the question being asked
    idea_id: int | None = None
    changing: str | None = None  # "kind" (with the picture) or one of TEXT_FIELDS
    category: str | None = None
    emoji: str | None = None
    title_de: str = ""
    text_de: str = ""
    title_en: str = ""
    text_en: str = ""

    @field_validator("field", "changing", mode="before")
    @classmethod
    def _field(cls, value: object) -> object:
        return value if value is None or value in ADDING else "kind"


LAST_EMOJI = len(EMOJIS) - 1
Part = Literal["kind", "title_de", "text_de", "title_en", "text_en"]  # "kind" asks the picture too


def _is_moderator(turn: Turn) -> bool:
    return turn.services.rights.is_moderator(turn.user)


# --- the buttons: residents may list ideas and start one; the rest is for moderators ------


class ViewIdea(ButtonData, prefix="iv", moderators_only=True):
    idea: Id


class AddIdea(ButtonData, prefix="ia", moderators_only=True):
    pass


class ChangeIdea(ButtonData, prefix="ie", moderators_only=True):
    idea: Id
    part: Part


class HideIdea(ButtonData, prefix="ih", moderators_only=True):
    idea: Id
    what: Literal["hide", "show"]


class MoveIdea(ButtonData, prefix="im", moderators_only=True):
    idea: Id
    where: Literal["up", "down"]


class IdeaKind(ButtonData, prefix="ik", moderators_only=True):
    kind: Token


class IdeaPicture(ButtonData, prefix="ij", moderators_only=True):
    index: Annotated[int, Between(0, LAST_EMOJI)]


class IdeaNavigate(ButtonData, prefix="in", moderators_only=True):
    action: Literal["skip", "clear", "cancel"]


# --- residents ----------------------------------------------------------------------------


async def show(turn: Turn, argument: str = "") -> list[Reply]:
    """/ideen (or /ideen 2 for the second page)."""
    return await _show(turn, int(argument) if argument.isdigit() and len(argument) < 4 else None)


async def show_page(turn: Turn, pressed: IdeaList) -> list[Reply]:
    return await _show(turn, pressed.page)


async def _show(turn: Turn, asked: int | None) -> list[Reply]:
    t, language = turn.t, turn.t.language
    ideas = await visible_ideas(turn.session)
    pages = max(1, -(-len(ideas) // PAGE))
    page = min(asked, pages) if asked is not None and asked >= 1 else 1
    shown = ideas[(page - 1) * PAGE : page * PAGE]
    text: list[object] = [t("<b>💡 Ideas for your own meetings</b>")]
    if shown:
        text += [
            t("Small things help against loneliness. Maybe one of these suits your village:"),
            "",
        ]
        text += [
            Markup("{} ").format(idea.emoji)
            + bold(idea.title(language))
            + Markup(" – {}").format(shorten(idea.text(language), SHOWN_TEXT))
            for idea in shown
        ]
        text += ["", t("Would you like to start one? Tap an idea – I will help you post it.")]
    else:
        text.append(
            t("There are no ideas in the pool just now – but you can offer a meeting of your own.")
        )
    buttons = [
        (
            Button(
                Markup("{} ").format(idea.emoji)
                + t("Start at my place: {title}", title=shorten(idea.title(language), 40)),
                StartHere(idea=idea.id).pack(),
            ),
        )
        for idea in shown
    ]
    if page < pages:
        buttons.append((Button(t("More ideas ▶"), IdeaList(page=page + 1).pack()),))
    buttons.append((Button(t("➕ Offer a meeting"), NewOffer().pack()),))
    if _is_moderator(turn):
        buttons.append((Button(t("💡 Edit ideas"), ManageIdeas().pack()),))
    from_list = turn.msg.button is not None and current_search.current(turn) is not None
    if from_list:
        buttons.append((Button(t("🔙 Back"), Back().pack()),))
    paging = turn.msg.button is not None and asked is not None
    return [Reply(lines(text), buttons=tuple(buttons), edit=from_list or paging)]


async def start_here(turn: Turn, pressed: StartHere) -> list[Reply]:
    """ "Bei mir starten": /neu with the idea's kind, title and text filled in."""
    idea = await visible_idea(turn.session, pressed.idea)
    if idea is None:  # hidden since the list was shown, or never there
        t = turn.t
        return [
            Reply(
                t("This idea is not in the pool any more."),
                notice=t("This idea is not in the pool any more."),
                buttons=((Button(t("💡 Ideas"), IdeaList().pack()),),),
            )
        ]
    language = turn.t.language
    draft = Draft(
        category=idea.category, title=idea.title(language), description=idea.text(language)
    )
    return await turn.services.hand_over(turn, StartOffer(draft))


# --- moderators: the pool and one idea ----------------------------------------------------


async def manage(turn: Turn, pressed: ManageIdeas) -> list[Reply]:
    t = turn.t
    rows = [
        (
            Button(
                f"{number}. {idea.emoji} {shorten(idea.title_de, 40)}"
                + (" 🙈" if idea.hidden else ""),
                ViewIdea(idea=idea.id).pack(),
            ),
        )
        for number, idea in enumerate(await all_ideas(turn.session), start=1)
    ]
    rows += [
        (Button(t("➕ New idea"), AddIdea().pack()),),
        (Button(t("🔙 Moderation"), Queue().pack()),),
    ]
    text = lines(
        [
            bold(t("💡 Edit ideas")),
            t(
                "Residents see the ideas in this order in /ideas; "
                "🙈 marks hidden ones. Tap one to change it."
            ),
        ]
    )
    return [Reply(text, buttons=tuple(rows), edit=turn.msg.button is not None)]


async def view(turn: Turn, pressed: ViewIdea) -> list[Reply]:
    idea = await turn.session.get(Idea, pressed.idea)
    return [_card(turn, idea) if idea else _gone(turn)]


def _gone(turn: Turn) -> Reply:
    return Reply(
        turn.t("This idea does not exist."),
        buttons=((Button(turn.t("💡 Edit ideas"), ManageIdeas().pack()),),),
    )


def _card(turn: Turn, idea: Idea, done: Markup | None = None) -> Reply:
    """One idea as a moderator sees it, with everything that can be done to it."""
    t = turn.t
    kind = category(idea.category)
    missing = t("(none – the German one is shown)")
    changed = t(
        "✏️ Last changed on {day}, {time}",
        day=day(t, idea.changed_at),
        time=clock(t, idea.changed_at),
    )
    if idea.changed_by is not None:
        changed += Markup(" ") + t("by moderator no. {number}", number=idea.changed_by)
    text = [
        bold(f"{idea.emoji} {idea.title_de}"),
        shorten(idea.text_de, TEXT_LENGTH, multiline=True),
        "",
        t("Kind: {kind}", kind=f"{kind.emoji} {t(kind.name)}"),
        t("🇬🇧 English title: {title}", title=idea.title_en or missing),
        t("🇬🇧 English text: {text}", text=shorten(idea.text_en, SHOWN_TEXT) or missing),
        t("🙈 Hidden: residents do not see it.")
        if idea.hidden
        else t("👁 Residents see it in /ideas."),
        changed,
    ]
    if done is not None:
        text = [done, "", *text]

    def edit(part: Part) -> str:
        return ChangeIdea(idea=idea.id, part=part).pack()

    rows = (
        (Button(t("✏️ Title"), edit("title_de")), Button(t("✏️ Text"), edit("text_de"))),
        (Button(t("✏️ Kind and picture"), edit("kind")),),
        (Button(t("🇬🇧 Title"), edit("title_en")), Button(t("🇬🇧 Text"), edit("text_en"))),
        (
            Button(t("⬆️ Up"), MoveIdea(idea=idea.id, where="up").pack()),
            Button(t("⬇️ Down"), MoveIdea(idea=idea.id, where="down").pack()),
        ),
        (
            Button(t("👁 Show again"), HideIdea(idea=idea.id, what="show").pack())
            if idea.hidden
            else Button(t("🙈 Hide"), HideIdea(idea=idea.id, what="hide").pack()),
        ),
        (Button(t("🔙 All ideas"), ManageIdeas().pack()),),
    )
    return Reply(lines(text), buttons=rows, edit=turn.msg.button is not None)


async def set_hidden(turn: Turn, pressed: HideIdea) -> list[Reply]:
    idea = await turn.session.get(Idea, pressed.idea)
    if idea is None:
        return [stale_button(turn)]
    t = turn.t
    idea.hidden = pressed.what == "hide"
    touch(idea, turn.user, turn.now)
    done = (
        t("🙈 Hidden: residents no longer see “{title}”.", title=idea.title_de)
        if idea.hidden
        else t("👁 “{title}” is in /ideas again.", title=idea.title_de)
    )
    return [_card(turn, idea, done)]


async def reorder(turn: Turn, pressed: MoveIdea) -> list[Reply]:
    idea = await turn.session.get(Idea, pressed.idea)
    if idea is None:
        return [stale_button(turn)]
    step = -1 if pressed.where == "up" else 1
    place = await move(turn.session, idea, step, turn.user, turn.now)
    return [_card(turn, idea, turn.t("Now at place {place}.", place=place))]


# --- moderators: writing an idea ----------------------------------------------------------


async def add(turn: Turn, pressed: AddIdea) -> list[Reply]:
    return await _ask_next(turn, IdeaDraft(field="kind"))


async def change(turn: Turn, pressed: ChangeIdea) -> list[Reply]:
    """Type one part of an idea again (the kind also asks for the picture)."""
    idea = await turn.session.get(Idea, pressed.idea)
    if idea is None:
        return [stale_button(turn)]
    part = pressed.part
    draft = IdeaDraft(
        field=part,
        idea_id=idea.id,
        changing=part,
        category=idea.category,
        emoji=idea.emoji,
        title_de=idea.title_de,
        text_de=idea.text_de,
        title_en=idea.title_en,
        text_en=idea.text_en,
    )
    return await _ask_next(turn, draft)


async def _ask_next(turn: Turn, draft: IdeaDraft, problem: Problem | None = None) -> list[Reply]:
    turn.enter(STEP, draft)
    return [_question(turn, draft, problem)]


def _question(turn: Turn, draft: IdeaDraft, problem: Problem | None = None) -> Reply:
    t = turn.t
    field = draft.field
    rows: list[tuple[Button, ...]] = []
    if field == "kind":
        rows = [
            (Button(f"{c.emoji} {t(c.name)}", IdeaKind(kind=c.key).pack()),) for c in CATEGORIES
        ]
    elif field == "emoji":
        rows = [
            tuple(
                Button(e, IdeaPicture(index=i).pack())
                for i, e in enumerate(EMOJIS[at : at + 4], start=at)
            )
            for at in range(0, len(EMOJIS), 4)
        ]
    intro = None
    if field == "kind" and draft.changing is None and problem is None:
        intro = t(
            "💡 A new idea for the pool: a few short questions, “cancel” works at each of them."
        )
    parts: list[object] = [intro, problem.text if problem else None, t(QUESTIONS[field])]
    now = getattr(draft, field, "") if draft.changing is not None and field in TEXT_FIELDS else ""
    if now:
        parts.append(t("Now: {text}", text=shorten(now, SHOWN_TEXT)))
    if field in ENGLISH:
        if draft.changing is None:
            rows.append((Button(t("Skip ▶"), IdeaNavigate(action="skip").pack()),))
        elif now:
            rows.append((Button(t("🗑 Remove the English"), IdeaNavigate(action="clear").pack()),))
    rows.append((Button(t("✖️ Cancel"), IdeaNavigate(action="cancel").pack()),))
    return Reply(
        lines(p for p in parts if p), buttons=tuple(rows), edit=turn.msg.button is not None
    )


def _waiting(turn: Turn) -> IdeaDraft | None:
    return turn.step_note(IdeaDraft) if turn.step == STEP else None


async def choose_kind(turn: Turn, pressed: IdeaKind) -> list[Reply]:
    draft = _waiting(turn)
    if (
        draft is None
        or draft.field != "kind"
        or isinstance(answer := form.read_category(turn, pressed.kind), Problem)
    ):
        return [stale_button(turn)]
    return await _apply_answer(turn, draft, answer)


async def choose_emoji(turn: Turn, pressed: IdeaPicture) -> list[Reply]:
    draft = _waiting(turn)
    if draft is None or draft.field != "emoji":
        return [stale_button(turn)]
    return await _apply_answer(turn, draft, {"emoji": EMOJIS[pressed.index]})


async def navigate(turn: Turn, pressed: IdeaNavigate) -> list[Reply]:
    action = pressed.action
    draft = _waiting(turn)
    if draft is None:
        return [stale_button(turn)]
    if action == "cancel":
        return _cancel(turn)
    if action == "skip" and draft.field in ENGLISH and draft.changing is None:
        return await _save(turn, draft)  # the English ones come last
    if action == "clear" and draft.field in ENGLISH and draft.changing is not None:
        return await _save(turn, draft.model_copy(update={draft.field: ""}))
    return [stale_button(turn)]


async def on_text(turn: Turn, text: str) -> list[Reply] | None:
    draft = turn.step_note(IdeaDraft)
    if draft is None:
        return None
    if not _is_moderator(turn):  # the right was taken away in the middle of the dialogue
        turn.leave()
        return refused(turn, "idea text")
    action = typed_action(text)
    skip = action == "skip"
    if skip and draft.changing is not None:
        return _cancel(turn)  # "skip" while changing one part: it stays as it was
    if skip and draft.field in ENGLISH:
        return await _save(turn, draft)  # the English ones come last
    if is_cancel(text):  # also "zurück": leaving the idea as it was
        return _cancel(turn)
    answer: dict[str, Any] | Problem
    if skip:
        answer = Problem(
            turn.t("The German title and text are needed; only the English ones can be skipped.")
        )
    elif draft.field == "kind":
        answer = form.read_category(turn, text)
    elif draft.field == "emoji":
        typed = clean(text)
        answer = (
            {"emoji": typed}
            if typed in EMOJIS
            else Problem(turn.t("Please choose a picture with a button."))
        )
    else:
        answer = _read(turn, draft.field, text)
    if isinstance(answer, Problem):
        return await _ask_next(turn, draft, answer)
    return await _apply_answer(turn, draft, answer)


def _read(turn: Turn, field: str, typed: str) -> dict[str, Any] | Problem:
    """The offer's rules for its title or description, and no web links: an organiser takes the
    words into their own offer, where links are only for organisers a moderator knows."""
    answer = form.read_text(TEXT_FIELDS[field])(turn, typed)
    if isinstance(answer, Problem):
        return answer
    value = next(iter(answer.values()))
    if has_link(str(value)):
        return Problem(
            turn.t(
                "Please leave web links out of ideas: organisers take these words into their "
                "own offer, where links are only possible for organisers a moderator knows."
            )
        )
    return {field: value}


async def _apply_answer(turn: Turn, draft: IdeaDraft, answer: dict[str, Any]) -> list[Reply]:
    """The idea with this answer, then the next part to ask, or saved when nothing is left."""
    draft = draft.model_copy(update=answer)
    if draft.changing is not None:
        if draft.field == "kind":
            return await _ask_next(turn, draft.model_copy(update={"field": "emoji"}))
        return await _save(turn, draft)
    # Only what is missing is asked: the required parts, then the English ones in order.
    missing = IDEA_FORM.missing(draft)
    if missing is not None:
        return await _ask_next(turn, draft.model_copy(update={"field": missing.name}))
    following = ADDING.index(draft.field) + 1
    if following >= len(ADDING):
        return await _save(turn, draft)
    return await _ask_next(
        turn, draft.model_copy(update={"field": ADDING[max(following, ADDING.index("title_en"))]})
    )


def _cancel(turn: Turn) -> list[Reply]:
    turn.leave()
    t = turn.t
    return [
        Reply(
            t("All right, nothing was changed."),
            buttons=((Button(t("💡 Edit ideas"), ManageIdeas().pack()),),),
            edit=turn.msg.button is not None,
        )
    ]


async def _save(turn: Turn, draft: IdeaDraft) -> list[Reply]:
    turn.leave()
    t = turn.t
    if draft.changing is None:
        if draft.category is None or draft.emoji is None or not draft.title_de or not draft.text_de:
            return [stale_button(turn)]  # a note from an older version of this dialogue
        idea = await add_idea(
            turn.session,
            emoji=draft.emoji,
            category=draft.category,
            title_de=draft.title_de,
            text_de=draft.text_de,
            title_en=draft.title_en,
            text_en=draft.text_en,
            by=turn.user,
            now=turn.now,
        )
        return [_card(turn, idea, t("✅ The idea is in the pool: residents see it in /ideas."))]
    stored = await turn.session.get(Idea, draft.idea_id) if draft.idea_id else None
    if stored is None:
        return [_gone(turn)]
    parts = ("category", "emoji") if draft.changing == "kind" else (draft.changing,)
    for part in parts:
        setattr(stored, part, getattr(draft, part))
    touch(stored, turn.user, turn.now)
    return [_card(turn, stored, t("✅ Saved."))]


async def resume_question(turn: Turn) -> list[Reply]:
    draft = turn.step_note(IdeaDraft)
    if draft is None:
        turn.leave()
        return await show(turn)
    return [_question(turn, draft)]


FEATURE = Feature(
    name="ideas",
    commands={"ideen": show, "ideas": show},
    buttons=(
        on(IdeaList, show_page),
        on(StartHere, start_here),
        on(ManageIdeas, manage),
        on(ViewIdea, view),
        on(AddIdea, add),
        on(ChangeIdea, change),
        on(HideIdea, set_hidden),
        on(MoveIdea, reorder),
        on(IdeaKind, choose_kind),
        on(IdeaPicture, choose_emoji),
        on(IdeaNavigate, navigate),
    ),
    intents={Intent.IDEAS: show},
    steps=(
        Step(
            STEP,
            summary=N_("writing an idea for the pool"),
            on_text=on_text,
            keeps=frozenset({IdeaKind.prefix, IdeaPicture.prefix, IdeaNavigate.prefix}),
            ask=resume_question,
            note=IdeaDraft,
        ),
    ),
)
