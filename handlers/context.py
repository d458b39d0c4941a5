"""One turn of a conversation: who is talking, in which language, and the dialogue state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from models import Conversation, User
from models.conversations import save_state

from .dialogue import Note
from .i18n import Translator
from .messages import Incoming
from .services import Services

if TYPE_CHECKING:
    from .understanding import Reading

D = TypeVar("D", bound=Note)
IDLE = "idle"
STEP_KEY = "step"  # the waiting step's own note


@dataclass
class Turn:
    services: Services  # what the process offers beyond this turn (places, rights, links …)
    msg: Incoming
    session: AsyncSession
    user: User
    convo: Conversation
    t: Translator
    now: datetime
    reading: Reading | None = (
        None  # the typed message as the reader understood it (handlers.understanding)
    )
    # Notes read in this turn, by key: a note is validated once per turn, not on every get.
    # Every change to convo.data goes through put/drop/_remove/put_raw/enter, which keep it.
    _notes: dict[str, Note | None] = field(default_factory=dict, repr=False)
    # A stored conversation's state and data are written by one plain UPDATE at the end of the
    # turn (save), not by the ORM's flush (which cost about twice as much): the changes are set
    # as committed values, so the ORM sees nothing to write. A new conversation is inserted by
    # the ORM as usual.
    _direct: bool = field(init=False, repr=False)
    _changed: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        self._direct = inspect(self.convo).persistent

    def _set(self, key: str, value: object) -> None:
        if self._direct:
            set_committed_value(self.convo, key, value)
            self._changed = True
        else:
            setattr(self.convo, key, value)

    async def save(self) -> None:
        """Write the dialogue state changed in this turn (see _direct); in the turn's
        transaction. Nothing when the conversation left the session (erased)."""
        if self._changed and inspect(self.convo).persistent:
            await save_state(self.session, self.convo)
        self._changed = False

    # --- typed notes (handlers.dialogue.Note) ----------------------------------------------

    def get(self, kind: type[D]) -> D | None:
        """The stored note of this kind, or None (also when it no longer fits the model)."""
        if kind.key in self._notes:
            cached = self._notes[kind.key]
            if cached is None or type(cached) is kind:
                return cached
        raw = self.convo.data.get(kind.key)
        note = kind.load(raw)
        if note is None and raw is not None:
            self._remove(kind.key)
        self._notes[kind.key] = note
        return note

    def put(self, note: Note) -> None:
        self._set("data", {**self.convo.data, note.key: note.dump()})  # a new dict: never shared
        self._notes[note.key] = note

    def drop(self, *kinds: type[Note]) -> None:
        self._remove(*(k.key for k in kinds))

    def _remove(self, *keys: str) -> None:
        for key in keys:
            self._notes[key] = None
        if any(k in self.convo.data for k in keys):
            self._set("data", {k: v for k, v in self.convo.data.items() if k not in keys})

    def raw(self, key: str) -> object:
        return self.convo.data.get(key)

    def put_raw(self, key: str, value: object) -> None:
        self._set("data", {**self.convo.data, key: value})
        self._notes.pop(key, None)

    # --- the waiting step ------------------------------------------------------------------

    @property
    def step(self) -> str:
        return self.convo.state or IDLE

    def enter(self, step: str, note: Note | None = None) -> None:
        """Wait for an answer in `step` (a name a Feature declared), with its note."""
        self._set("state", step)
        self._remove(STEP_KEY)
        if note is not None:
            self._set("data", {**self.convo.data, STEP_KEY: note.dump()})
            self._notes.pop(STEP_KEY, None)

    def step_note(self, kind: type[D]) -> D | None:
        return kind.load(self.convo.data.get(STEP_KEY))

    def leave(self) -> None:
        self._set("state", IDLE)
        self._remove(STEP_KEY)

    @property
    def platform_has_buttons(self) -> bool:
        return self.msg.buttons
