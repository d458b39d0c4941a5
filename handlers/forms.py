"""A small declarative form: a list of fields, each with its question, whether it may be skipped,
and whether its answer is free text; any message fills every field it can read.

A feature declares its `Form` (handlers.offer_form for offers, handlers.ideas for ideas) and
keeps its answers in a typed `Note`. What a message says is read by the feature's readers
into `Found` (changes per field, or why an answer was not taken); `Form.fill` decides what of it
is taken, the same way for every form:

- the field being asked takes its own answer; a free-text field (a title, a description) takes
  the whole message as it is, and other fields found in it fill only what is still empty;
- at any other question, every field the message names is filled, and an earlier answer is
  overwritten: a correction ("ach nein, ich meinte donnerstags") changes that answer wherever it
  is typed;
- then only what is missing is asked (`Form.missing`), the required fields in order.

Typed words work wherever a button would (`typed_action`): "zurück", "abbrechen", "überspringen",
"weiter", "ja"/"absenden" at the end, "wie letztes Mal"; the feature answers them exactly as it
answers the button.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from markupsafe import Markup

from places.text import fold

from .keywords import BACK, CANCEL

# Changes to a feature's note, by field name; the note's own model types each value.
Changes = dict[str, object]


@dataclass(frozen=True)
class Problem:
    """Why an answer was not taken; shown with the question again."""

    text: Markup


NoteT = TypeVar("NoteT")  # a feature's note: what its form's answers are kept in


@dataclass(frozen=True)
class Field(Generic[NoteT]):
    name: str
    label: str  # catalogue msgid: what the "change" buttons and "still missing" say
    optional: bool = False  # may be skipped (and is then simply not stated)
    free_text: bool = False  # at its own question the whole message is the answer
    filled: Callable[[NoteT], bool] | None = None  # whether the note has an answer; default: truthy


@dataclass
class Found:
    """What one message says, per field: the changes to the note, or a Problem."""

    answers: dict[str, Changes | Problem] = field(default_factory=dict)
    said: list[Markup] = field(default_factory=list)  # what was understood, said back

    def add(self, name: str, answer: Changes | Problem | None) -> None:
        if answer is not None:
            self.answers[name] = answer


@dataclass
class Filled:
    changes: Changes  # for the note
    taken: list[str]  # fields that took an answer
    problem: Problem | None  # why the asked field's answer was not taken


class Form(Generic[NoteT]):
    def __init__(self, fields: tuple[Field[NoteT], ...]) -> None:
        self.fields = fields
        self.by_name = {f.name: f for f in fields}

    def __iter__(self) -> Iterator[Field[NoteT]]:
        return iter(self.fields)

    def is_filled(self, note: NoteT, name: str) -> bool:
        spec = self.by_name[name]
        return spec.filled(note) if spec.filled is not None else bool(getattr(note, name))

    def missing(self, note: NoteT) -> Field[NoteT] | None:
        """The first required field without an answer."""
        return next(
            (f for f in self.fields if not f.optional and not self.is_filled(note, f.name)), None
        )

    def optional_open(self, note: NoteT) -> list[Field[NoteT]]:
        return [f for f in self.fields if f.optional and not self.is_filled(note, f.name)]

    def fill(
        self, note: NoteT, asking: str | None, found: Found, *, correcting: bool = False
    ) -> Filled:
        """What of `found` is taken while `asking` is the question (None: the preview)."""
        changes: Changes = {}
        taken: list[str] = []
        spec = self.by_name.get(asking) if asking else None
        own = found.answers.get(asking) if asking else None
        problem = own if isinstance(own, Problem) else None
        for name, answer in found.answers.items():
            if isinstance(answer, Problem) or name == asking:
                continue
            if name not in self.by_name:
                continue
            free = spec is not None and spec.free_text
            if ((free and not correcting) or name in PROPOSALS) and self.is_filled(note, name):
                continue  # a free-text answer (and a proposed title) fills only what is empty
            changes.update(answer)
            taken.append(name)
        if asking and isinstance(own, dict):
            changes.update(own)
            taken.append(asking)
        return Filled(changes, taken, problem)


# Proposed from the words of a whole message, never over an answer already given.
PROPOSALS = frozenset({"category", "title"})

# Words typed instead of pressing a button; matched on the whole message, folded.
_ACTIONS = {
    "back": BACK,
    "cancel": CANCEL,
    "skip": (
        "überspringen",
        "ueberspringen",
        "skip",
        "weiter",
        "next",
        "nichts",
        "keine",
        "keins",
        "ohne",
        "fertig",
        "passt",
        "ok",
        "okay",
        "nein",
        "no",
        "nein danke",
        "weiter bitte",
        "nichts weiter",
        "keine angabe",
        "keine angaben",
        "weglassen",
    ),
    "send": (
        "ja",
        "yes",
        "absenden",
        "senden",
        "abschicken",
        "veröffentlichen",
        "send",
        "ja bitte",
        "ja absenden",
        "ja, absenden",
        "jawohl",
        "passt so",
        "so absenden",
        "ok absenden",
    ),
    "last": (
        "wie letztes mal",
        "wie letztes mal bitte",
        "wie beim letzten mal",
        "wie immer",
        "same as last time",
        "wie zuletzt",
        "wie vorher",
        "das gleiche wie letztes mal",
    ),
    "help": ("hilfe", "help", "?", "❓ hilfe", "❓ help"),
}
_TYPED = {fold(word) or word: action for action, words in _ACTIONS.items() for word in words}


def typed_action(text: str) -> str | None:
    """ "zurück", "abbrechen", "überspringen", "ja", "wie letztes Mal" … as the button it
    stands for."""
    key = fold(text) or text.strip()
    return _TYPED.get(key)


# "ach nein", "ich meinte", "doch lieber": a message that corrects an earlier answer.
_CORRECTION = (
    "nein",
    "ich meinte",
    "meinte",
    "doch",
    "lieber",
    "sondern",
    "korrektur",
    "falsch",
    "stattdessen",
    "statt",
    "anders",
    "ändern",
    "aendern",
    "actually",
    "i meant",
    "sorry",
    "oh",
)


def corrects(text: str) -> bool:
    words = f" {' '.join(fold(w) for w in text.split())} "
    return any(
        f" {fold(c) if ' ' not in c else ' '.join(fold(p) for p in c.split())} " in words
        for c in _CORRECTION
    )
