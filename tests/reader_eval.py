"""Scores the reader (handlers/understanding) on the labelled messages in tests/data/understanding:
precision and recall per slot and per intent. `make eval` prints the table
(`python -m tests.reader_eval`); tests/test_reader_corpus.py holds it to 95 %.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from handlers.understanding import Reading, read
from places import Gazetteer

DATA = Path(__file__).with_name("data") / "understanding"
PARTS = ("development", "heldout")
SLOTS = (
    "intent",
    "place",
    "when",
    "part",
    "kinds",
    "audience",
    "access",
    "radius",
    "feeling",
    "lang",
)
TARGET = 0.95


def load(part: str) -> list[dict]:
    with (DATA / f"{part}.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def predicted(reading: Reading) -> dict:
    """A reading in the corpus' terms (tests/data/understanding/README.md)."""
    out: dict = {
        "intent": reading.intent.value if reading.intent else "none",
        "lang": reading.language or "de",
    }
    found = reading.place
    if found is not None:
        if found.status == "found" and found.place:
            out["place"] = found.place.name
        elif found.status == "choice" and found.choices:
            out["place"] = "?" + found.choices[0].name
        elif found.suggestions:
            out["place"] = "~" + found.suggestions[0].name
    if reading.when:
        when = reading.when
        out["when"] = when[:2] + when[-5:] if when.startswith("d:") else when
    out.update(
        (slot, value)
        for slot, value in (
            ("part", reading.part),
            ("audience", reading.audience),
            ("feeling", reading.feeling),
            ("radius", reading.radius),
        )
        if value
    )
    if reading.kinds:
        out["kinds"] = list(reading.kinds)
    if reading.step_free:
        out["access"] = True
    return out


def _values(row: dict, slot: str) -> set:
    value = row.get(slot)
    if slot == "intent":
        return {value or "none"}
    if slot == "lang":
        return {value} if value == "en" else set()  # English is the class that matters
    if value is None or value is False:
        return set()
    return set(value) if isinstance(value, list) else {value}


@dataclass
class Score:
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    misses: list = field(default_factory=list)

    def add(self, name: str, gold: set, got: set) -> bool:
        self.tp[name] += len(gold & got)
        self.fp[name] += len(got - gold)
        self.fn[name] += len(gold - got)
        return gold == got

    def precision(self, name: str) -> float:
        return (
            self.tp[name] / (self.tp[name] + self.fp[name])
            if self.tp[name] + self.fp[name]
            else 1.0
        )

    def recall(self, name: str) -> float:
        return (
            self.tp[name] / (self.tp[name] + self.fn[name])
            if self.tp[name] + self.fn[name]
            else 1.0
        )

    def support(self, name: str) -> int:
        return self.tp[name] + self.fn[name]


def score(rows: list[dict], gazetteer: Gazetteer) -> Score:
    result = Score()
    for row in rows:
        got = predicted(read(row["text"], gazetteer))
        wrong = []
        for slot in SLOTS:
            gold_values, got_values = _values(row, slot), _values(got, slot)
            if not result.add(slot, gold_values, got_values):
                wrong.append(
                    f"{slot}: {sorted(map(str, gold_values))} != {sorted(map(str, got_values))}"
                )
        gold_intent, got_intent = row["intent"], got["intent"]
        result.add(f"intent:{gold_intent}", {1}, {1} if got_intent == gold_intent else set())
        if got_intent != gold_intent:
            result.fp[f"intent:{got_intent}"] += 1
        if wrong:
            result.misses.append((row["text"], wrong))
    return result


def table(scores: dict[str, Score]) -> str:
    names = list(SLOTS) + sorted(
        {n for s in scores.values() for n in s.tp | s.fn if n.startswith("intent:")}
    )
    head = "| slot | " + " | ".join(f"{part} P | R | n" for part in scores) + " |"
    lines = [head, "|---|" + "---|---|---|" * len(scores)]
    for name in names:
        cells = [
            f"{s.precision(name):.1%} | {s.recall(name):.1%} | {s.support(name)}"
            for s in scores.values()
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    gazetteer = Gazetteer.load()
    parts = [p for p in argv if p in PARTS] or list(PARTS)
    scores = {part: score(load(part), gazetteer) for part in parts}
    print(table(scores))
    if "-v" in argv:
        for part, s in scores.items():
            print(f"\n{part}: {len(s.misses)} messages with a wrong slot")
            for text, wrong in s.misses:
                print(f"  {text!r}: " + "; ".join(wrong))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
