"""The knowledge service's per-server overlays: merge rules, shadows of shared entries, reload."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import Answer, Entry, KnowledgeService, Suggestion
from bot.knowledge.model import CHAPTER_FILE, is_chapter_entry
from bot.knowledge.service import merge_answers
from tests.test_chapter_kb import SHARED_YAML


def chapter_entry(entry_id: str, title: str, questions: tuple[str, ...], aliases: tuple[str, ...] = ()) -> Entry:
    return Entry(id=entry_id, title=title, category="chapter", answer=f"{title}: the answer.", questions=questions,
                 aliases=aliases or (title,), source="chapter organisers", file=CHAPTER_FILE, line=0)


@pytest.fixture
def knowledge(tmp_path: Path) -> KnowledgeService:
    (tmp_path / "shared.yaml").write_text(SHARED_YAML, encoding="utf-8")
    return KnowledgeService.load(tmp_path / "shared.yaml")


def answer(matched: bool, entry_id: str | None, score: float, suggestions: tuple[Suggestion, ...] = ()) -> Answer:
    entry = chapter_entry(entry_id, entry_id, ("q",)) if entry_id else None
    return Answer(matched, entry, score, suggestions, "text", "norm")


def test_merge_prefers_a_match_then_the_higher_score() -> None:
    shared_hit, local_hit = answer(True, "shared", 80.0), answer(True, "local", 90.0)
    assert merge_answers(shared_hit, None) is shared_hit
    assert merge_answers(shared_hit, local_hit) is local_hit
    assert merge_answers(answer(True, "shared", 95.0), local_hit).entry.id == "shared"  # type: ignore[union-attr]
    assert merge_answers(answer(False, None, 50.0), local_hit) is local_hit
    assert merge_answers(shared_hit, answer(False, None, 99.0)) is shared_hit


def test_merge_of_two_declines_merges_suggestions_best_first() -> None:
    shared = answer(False, None, 40.0, (Suggestion("a", "A", 40.0), Suggestion("b", "B", 30.0)))
    local = answer(False, None, 45.0, (Suggestion("c", "C", 45.0), Suggestion("a", "A", 20.0)))
    merged = merge_answers(shared, local)
    assert not merged.matched
    assert [s.entry_id for s in merged.suggestions] == ["c", "a", "b"]
    assert "- C" in merged.text and "- B" in merged.text


def test_overlay_is_per_server_and_leaves_the_shared_engine_alone(knowledge: KnowledgeService) -> None:
    engine = knowledge.engine
    knowledge.set_overlay(1, [chapter_entry("pub-night", "Pub night", ("when is pub night?",))], {})
    assert knowledge.engine is engine  # the shared index is not rebuilt
    here = knowledge.answer("when is pub night?", 1)
    assert here.matched and here.entry is not None and is_chapter_entry(here.entry)
    assert not knowledge.answer("when is pub night?", 2).matched
    assert not knowledge.answer("when is pub night?").matched
    assert knowledge.get("pub-night", 1) is not None and knowledge.get("pub-night", 2) is None
    assert knowledge.get("cir-role", 1) is not None  # shared entries stay reachable


def test_shadow_phrasings_answer_with_the_shared_entry(knowledge: KnowledgeService) -> None:
    question = "best ramen near the Sapporo office?"
    assert not knowledge.answer(question, 1).matched
    knowledge.set_overlay(1, [], {"cir-role": [question], "no-such-entry": ["ignored"]})
    got = knowledge.answer(question, 1)
    assert got.matched and got.entry is knowledge.kb.by_id["cir-role"]
    assert knowledge.get("cir-role", 1) is knowledge.kb.by_id["cir-role"]
    assert not knowledge.answer(question, 2).matched


def test_autocomplete_lists_the_servers_own_entries_first(knowledge: KnowledgeService) -> None:
    own = chapter_entry("clair-contact", "CLAIR contact in our chapter", ("who is our clair contact",))
    knowledge.set_overlay(1, [own], {})
    titles = [e.title for e in knowledge.complete("clair", 25, 1)]
    assert titles[0] == "CLAIR contact in our chapter" and len(titles) >= 2
    assert "CLAIR contact in our chapter" not in [e.title for e in knowledge.complete("clair", 25, 2)]


def test_reload_drops_overlays_so_they_are_rebuilt(knowledge: KnowledgeService) -> None:
    knowledge.set_overlay(1, [chapter_entry("pub-night", "Pub night", ("when is pub night?",))], {})
    assert knowledge.has_overlay(1) and knowledge.overlay_count() == 1
    knowledge.reload()
    assert not knowledge.has_overlay(1)
    knowledge.set_overlay(1, [], {})
    knowledge.drop_overlay(1)
    assert knowledge.overlay_count() == 0


def test_a_chapter_s_own_entry_speaks_for_now() -> None:
    from dataclasses import replace

    from bot.knowledge import AnswerEngine, KnowledgeBase

    pub = replace(chapter_entry("pub", "Pub night", ("when is pub night",)),
                  answer="Pub night is every Friday from 7pm at The Crown.")
    shipped = replace(pub, file="knowledge/chapter.yaml")  # the same words in a dated document
    for question in ("is pub night still happening?", "is the pub night still running?"):
        assert AnswerEngine(KnowledgeBase(entries=(pub,), path=Path("."))).answer(question).matched
        dated = AnswerEngine(KnowledgeBase(entries=(shipped,), path=Path("."))).answer(question)
        assert not dated.matched and dated.reason == "missing_attribute"
