"""How features plug into the conversation: what each one answers, and the steps it waits in.

Every feature module declares one `Feature`: its commands, its buttons (each a typed
`ButtonData` class bound to its handler with `on`, see handlers.buttons), the plain-word
intents it answers (handlers.keywords), the `Step`s in which it waits for an answer and the
`Request`s it takes from other features (handlers.handover), which never import each other.
The core only routes: a waiting step first, then buttons, locations, commands, words, and a
place name last. Adding a dialogue means adding a module and listing its Feature in
handlers.core; no other feature changes.

What a dialogue keeps between messages is typed: each kind of note is a `Note` model stored
under its own key in the conversation row, with a version. A stored note that no longer fits
its model (renamed field, older version without an upgrade) is dropped, never a crash.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from scheduler.compose import Composer

from .buttons import TELEGRAM_LIMIT, B, ButtonData, prefix_of
from .keywords import Intent
from .messages import Reply

if TYPE_CHECKING:
    from .context import Turn

Handler = Callable[["Turn", str], Awaitable[list[Reply]]]
TextAnswer = Callable[["Turn", str], Awaitable[list[Reply] | None]]
LocationAnswer = Callable[["Turn", float, float], Awaitable[list[Reply] | None]]
Asker = Callable[["Turn"], Awaitable[list[Reply]]]
Pressed = Callable[["Turn", B], Awaitable[list[Reply]]]


class Note(BaseModel):
    """A typed note a dialogue keeps in the conversation (subclass per kind of note)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    key: ClassVar[str]  # where it is stored in the conversation's data
    version: ClassVar[int] = 1

    @classmethod
    def upgrade(cls, raw: dict[str, Any], version: int) -> dict[str, Any] | None:
        """Turn a note stored by an older version into this one's fields; None drops it."""
        return None

    @classmethod
    def load(cls, raw: object) -> Self | None:
        if not isinstance(raw, dict):
            return None
        stored = raw.get("v")
        fields: dict[str, Any] = {str(k): v for k, v in raw.items() if k != "v"}
        if stored != cls.version:
            upgraded = cls.upgrade(fields, stored) if isinstance(stored, int) else None
            if upgraded is None:
                return None
            fields = upgraded
        try:
            return cls.model_validate(fields)
        except ValidationError:
            return None

    def dump(self) -> dict[str, Any]:
        return {"v": self.version, **self.model_dump(mode="json")}


D = TypeVar("D", bound=Note)


@dataclass(frozen=True)
class Press(Generic[B]):
    """A button class and the handler its presses go to (declare with `on`)."""

    kind: type[B]
    handler: Pressed[B]


R = TypeVar("R", bound="Request")


@dataclass(frozen=True)
class Request:
    """What one feature asks of another without importing it (handlers.handover declares
    them): the feature that answers binds it with `takes`, the asking one calls
    `turn.services.hand_over(turn, request)`, and the router finds who takes it."""


@dataclass(frozen=True)
class Takes(Generic[R]):
    """A request class and the handler that answers it (declare with `takes`)."""

    kind: type[R]
    handler: Callable[[Turn, R], Awaitable[list[Reply]]]


def takes(kind: type[R], handler: Callable[[Turn, R], Awaitable[list[Reply]]]) -> Takes[R]:
    """`takes(SaveOfferChange, save_change)`: a feature asking for a SaveOfferChange gets
    `save_change(turn, request)`'s replies."""
    return Takes(kind, handler)


def on(kind: type[B], handler: Pressed[B]) -> Press[B]:
    """`on(ShowOffer, show)`: a press of a ShowOffer button calls `show(turn, ShowOffer(...))`,
    after the router has unpacked and checked it (and refused non-moderators if the class is
    `moderators_only`)."""
    return Press(kind, handler)


@dataclass(frozen=True)
class Step:
    """A question a feature waits for an answer to.

    While a conversation waits in a step: a shared location goes to `on_location`, typed text
    (not a command) to `on_text`; either may return None for "not meant for me", which leaves
    the step and routes the message as usual. Buttons whose prefix is in `keeps` are answered by
    their handler (which checks the step itself); any other button or command leaves the step.
    `ask` puts the question again, e.g. when the terminal chat starts and a step is waiting.
    `note` is the kind of note the step keeps; it goes when the step is left. `summary` (a
    catalogue msgid) says in /meinedaten what the open question is.
    """

    name: str
    summary: str = ""
    on_text: TextAnswer | None = None
    on_location: LocationAnswer | None = None
    keeps: frozenset[str] = frozenset()
    ask: Asker | None = None
    note: type[Note] | None = None


@dataclass(frozen=True)
class Feature:
    name: str
    commands: Mapping[str, Handler] = field(default_factory=dict)
    moderators_only: frozenset[str] = frozenset()  # commands the core refuses anyone else
    buttons: Sequence[Press[Any]] = ()
    intents: Mapping[Intent, Handler] = field(default_factory=dict)
    steps: Sequence[Step] = ()
    requests: Sequence[Takes[Any]] = ()  # what it does when another feature asks (Request)
    # Outbox kind -> what turns its rows into replies when they are sent (scheduler.compose).
    composers: Mapping[str, Composer] = field(default_factory=dict)


class Router:
    """The features' commands, buttons, intents and steps in one lookup; a name or button
    prefix claimed twice, or a button class whose data could exceed Telegram's 64 bytes, is a
    programming error found at start-up, not a silent override or a button Telegram refuses."""

    def __init__(self, features: Sequence[Feature]) -> None:
        self.commands: dict[str, Handler] = {}
        self.buttons: dict[str, Press[Any]] = {}
        self.intents: dict[Intent, Handler] = {}
        self.steps: dict[str, Step] = {}
        self.requests: dict[type[Request], Takes[Any]] = {}
        self.moderator_commands: set[str] = set()
        for feature in features:
            if not feature.moderators_only <= feature.commands.keys():
                raise ValueError(f"{feature.name}: moderators_only names an unknown command")
            self.moderator_commands |= feature.moderators_only
            for press in feature.buttons:
                _check_button(feature, press.kind)
            prefixes = [p.kind.prefix for p in feature.buttons]
            if len(set(prefixes)) != len(prefixes):
                raise ValueError(f"{feature.name}: two buttons share a prefix")
            _claim(feature, self.commands, feature.commands)
            _claim(feature, self.buttons, {p.kind.prefix: p for p in feature.buttons})
            _claim(feature, self.intents, feature.intents)
            _claim(feature, self.steps, {s.name: s for s in feature.steps})
            _claim(feature, self.requests, {r.kind: r for r in feature.requests})

    async def hand_over(self, turn: Turn, request: Request) -> list[Reply]:
        """The replies of the feature that takes this request (the core hands this to every
        turn as `turn.services.hand_over`; tests check that every request is taken)."""
        return await self.requests[type(request)].handler(turn, request)

    def takes(self, data: str) -> bool:
        """Some feature answers a button with this data (its class reads it whole)."""
        press = self.buttons.get(prefix_of(data))
        return press is not None and press.kind.unpack(data) is not None


K = TypeVar("K")
V = TypeVar("V")


def _claim(
    feature: Feature,
    table: dict[K, V],
    entries: Mapping[K, V],
    taken: AbstractSet[K] = frozenset(),
) -> None:
    for name, entry in entries.items():
        if name in table or name in taken:
            raise ValueError(f"{feature.name}: {name!r} is already taken")
        table[name] = entry


def _check_button(feature: Feature, kind: type[ButtonData]) -> None:
    longest = kind.longest()  # also reads the field types: an unknown one fails here
    if longest > TELEGRAM_LIMIT:
        raise ValueError(
            f"{feature.name}: {kind.__name__} may pack to {longest} bytes, "
            f"more than Telegram's {TELEGRAM_LIMIT}"
        )
