"""The answer engine as the knowledge base grows: entries written from one template, one per town, count
as one kind of entry in the word statistics, so they do not flatten the weights of the other entries."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from pathlib import Path

import pytest

from bot.knowledge import AnswerEngine, Entry, KnowledgeBase, load_knowledge
from bot.knowledge.normalize import tokens

DATA = Path(__file__).resolve().parent / "data"
SHIPPED = Path(__file__).resolve().parent.parent / "knowledge"
SYLLABLES = ("ka", "mi", "to", "ra", "shi", "no", "ya")


def _towns(count: int) -> list[str]:
    names = ("".join(p).capitalize() for p in itertools.product(SYLLABLES, repeat=4))
    return list(itertools.islice(names, count))


def _placements(count: int) -> list[Entry]:
    """``count`` entries saying the same thing about different towns (one answer with another name)."""
    return [Entry(id=f"boe-{k}", title=f"{town} board of education: ALT placements", category="roles",
                  answer=f"The {town} board of education places ALTs in its {k + 3} junior high schools.",
                  questions=(f"How many ALTs does {town} board of education have?", f"{town} ALT placement schools"),
                  aliases=(f"{town} BOE",), source="test", file="<test>", line=k + 1)
            for k, town in enumerate(_towns(count))]


def _with(kb: KnowledgeBase, extra: list[Entry]) -> KnowledgeBase:
    return replace(kb, entries=(*kb.entries, *extra), by_id={})


@pytest.fixture(scope="module")
def shipped_kb() -> KnowledgeBase:
    if not SHIPPED.is_dir() or not any(SHIPPED.glob("*.yaml")):
        pytest.skip("knowledge/ has no YAML files yet")
    return load_knowledge(SHIPPED)


def test_each_entry_with_its_own_answer_counts_once() -> None:
    kb = load_knowledge(DATA / "kb_small")
    engine = AnswerEngine(kb)
    n = len(kb.entries)
    df = sum("cir" in fields for fields in engine._entry_tokens)
    assert df >= 1 and engine.idf["cir"] == pytest.approx(math.log(1.0 + n / df))
    assert engine.unknown_weight == pytest.approx(math.log(1.0 + n))


@pytest.fixture(scope="module")
def grown(shipped_kb: KnowledgeBase) -> AnswerEngine:
    return AnswerEngine(_with(shipped_kb, _placements(1000)))


def test_entries_from_one_template_weigh_like_one(shipped_kb: KnowledgeBase, grown: AnswerEngine) -> None:
    one = AnswerEngine(_with(shipped_kb, _placements(1)))
    many = grown
    for word in (t for w in ("ALT", "places", "schools", "JET", "ministry", "recruitment") for t in tokens(w)):
        assert many.idf[word] == pytest.approx(one.idf[word]), word
    assert many.unknown_weight == pytest.approx(one.unknown_weight)
    # Each town's name is still a word of its own entry only.
    town = _towns(1000)[-1].lower()
    assert many._df[town] == 1


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        # A thousand entries about ALT placements in other towns: "places" still tells the entry that
        # says who places JET participants from the one about participants in general.
        ("who places JET participants", "clair-jet-role"),
        ("how many JETs are ALTs vs CIRs", "alt-vs-cir"),
    ],
)
def test_templated_entries_do_not_change_other_answers(shipped_kb: KnowledgeBase, grown: AnswerEngine,
                                                        question: str, entry_id: str) -> None:
    for engine in (AnswerEngine(shipped_kb), grown):
        answer = engine.answer(question)
        assert answer.matched and answer.entry is not None and answer.entry.id == entry_id, len(engine.entries)
