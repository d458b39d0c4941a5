"""How features plug into the conversation: what each one answers, and the steps it waits in.

Every feature module declares one `Feature`: its commands, its buttons (by verb, see
handlers.buttons), the plain-word intents it answers (handlers.keywords) and the `Step`s in
which it waits for an answer. The core only routes: a waiting step first, then buttons,
locations, commands, words, and a place name last. Adding a dialogue means adding a module and
listing its Feature in handlers.core; no other feature changes.

What a dialogue keeps between messages is typed: each kind of note is a `Note` model stored
under its own key in the conversation row, with a version. A stored note that no longer fits
its model (renamed field, older version without an upgrade) is dropped, never a crash.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from scheduler.compose import Composer

from .keywords import Intent
from .messages import Reply

if TYPE_CHECKING:
    from .context import Turn

Handler = Callable[["Turn", str], Awaitable[list[Reply]]]
TextAnswer = Callable[["Turn", str], Awaitable[list[Reply] | None]]
LocationAnswer = Callable[["Turn", float, float], Awaitable[list[Reply] | None]]
Asker = Callable[["Turn"], Awaitable[list[Reply]]]


class Note(BaseModel):
    """A typed note a dialogue keeps in the conversation (subclass per kind of note)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    key: ClassVar[str]  # where it is stored in the conversation's data
    version: ClassVar[int] = 1

    @classmethod
    def upgrade(cls, raw: dict, version: int) -> dict | None:
        """Turn a note stored by an older version into this one's fields; None drops it."""
        return None

    @classmethod
    def load(cls: type[D], raw: object) -> D | None:
        if not isinstance(raw, dict):
            return None
        stored = raw.get("v")
        fields = {k: v for k, v in raw.items() if k != "v"}
        if stored != cls.version:
            fields = cls.upgrade(fields, stored) if isinstance(stored, int) else None
            if fields is None:
                return None
        try:
            return cls.model_validate(fields)
        except ValidationError:
            return None

    def dump(self) -> dict:
        return {"v": self.version, **self.model_dump(mode="json")}


D = TypeVar("D", bound=Note)


@dataclass(frozen=True)
class Step:
    """A question a feature waits for an answer to.

    While a conversation waits in a step: a shared location goes to `on_location`, typed text
    (not a command) to `on_text`; either may return None for "not meant for me", which leaves
    the step and routes the message as usual. Buttons whose verb is in `keeps` are answered by
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
    buttons: Mapping[str, Handler] = field(default_factory=dict)
    intents: Mapping[Intent, Handler] = field(default_factory=dict)
    steps: Sequence[Step] = ()
    # Outbox kind -> what turns its rows into replies when they are sent (scheduler.compose).
    composers: Mapping[str, Composer] = field(default_factory=dict)


class Router:
    """The features' commands, buttons, intents and steps in one lookup; a name claimed twice
    is a programming error found at start-up, not a silent override."""

    def __init__(self, features: Sequence[Feature]) -> None:
        self.commands: dict[str, Handler] = {}
        self.buttons: dict[str, Handler] = {}
        self.intents: dict[Intent, Handler] = {}
        self.steps: dict[str, Step] = {}
        for feature in features:
            for table, entries in (
                (self.commands, feature.commands),
                (self.buttons, feature.buttons),
                (self.intents, feature.intents),
                (self.steps, {s.name: s for s in feature.steps}),
            ):
                for name, entry in entries.items():
                    if name in table:
                        raise ValueError(f"{feature.name}: {name!r} is already taken")
                    table[name] = entry
