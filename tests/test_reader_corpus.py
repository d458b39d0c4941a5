"""The reader, measured: precision and recall of every slot (and of the intent) on the labelled
messages of tests/data/understanding, development and held-out together, at least 95 %.
`make eval` prints the table per part (tests/reader_eval.py)."""

from __future__ import annotations

import pytest

from .reader_eval import PARTS, SLOTS, TARGET, load, score, table


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    return [row for part in PARTS for row in load(part)]


def test_the_corpus_is_large_and_well_formed(corpus):
    assert len(corpus) >= 600 and len(load("heldout")) >= 150
    assert len({row["text"] for row in corpus}) == len(corpus), "a message labelled twice"
    for row in corpus:
        assert set(row) <= {"text", *SLOTS}, row
        assert row["lang"] in ("de", "en"), row


def test_every_slot_is_read_with_95_percent_precision_and_recall(corpus, places):
    result = score(corpus, places)
    low = [
        slot for slot in SLOTS if result.precision(slot) < TARGET or result.recall(slot) < TARGET
    ]
    assert not low, f"below {TARGET:.0%}: {low}\n{table({'all': result})}\n" + "\n".join(
        f"{text!r}: {wrong}" for text, wrong in result.misses
    )
