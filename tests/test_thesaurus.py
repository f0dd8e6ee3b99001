"""The domain thesaurus: the shipped file loads, its sections apply to questions and entries alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import thesaurus
from bot.knowledge.normalize import THESAURUS, tokens


def test_shipped_thesaurus_loads_and_is_used() -> None:
    loaded = thesaurus.load()
    assert loaded.phrases and loaded.words and loaded.japanese
    assert THESAURUS == loaded


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("who foots the bill for JET", "who funds JET"),
        ("are they all grads", "are they all graduates"),
        ("the CIR gig", "the CIR role"),
        ("JST debrief", "JST feedback"),
        ("wat is a CIR", "what is a CIR"),
        ("who does the JLGC answer to", "who does the JLGC report to"),
        ("CLAIR staff loaned from councils", "CLAIR staff seconded from councils"),
        ("one of the biggest exchange programmes", "one of the largest exchange programmes"),
        ("how many people have been through JET", "how many people have participated in JET"),
        ("what was CLAIR prioritising", "what was CLAIR focusing"),
        ("is there an orientation before we fly out", "is there an orientation before we depart"),
        ("study tour length", "study tour, how long"),
        ("who bankrolls the alumni groups", "who funds the alumni chapters"),
        ("what's the point of JET", "what is the purpose of JET"),
        ("events for people who've just come home", "events for people, returnees"),
        ("how big is JETAA membership-wise", "how many JETAA members"),
        ("how many people have been on JET since it was set up", "how many people have been on JET"),
        ("JET participants - total since the start?", "JET participants total"),
        ("how many JETs are in Japan at any one time", "how many JETs are in Japan currently"),
        ("do CIRs work with interpreters and tourists", "do CIRs work with interpret and tourism"),
        ("Sports Exchange Adviser", "Sports Exchange Advisor"),
        ("文科省の役割は？", "MEXT role"),
        ("tell me what CLAIR is in one sentence", "what is CLAIR"),  # an aside, not a topic
        ("what dose a CIR do", "what does a CIR do"),  # "dose" after a question word
        ("what's JET's full name", "what does JET stand for"),
        ("CLAIRフェローシップでは誰の家に泊まるの？", "CLAIR fellowship 家 stay"),
        ("how many CLAIR offices are there outside Japan", "how many CLAIR offices are there overseas"),
        ("how long has JET existed", "when did JET begin"),
        ("JETの配置は誰が決める？", "JET placement"),
        ("whats CLAIR in plain english", "what is CLAIR"),
        ("ALTは小学校でも教えるの？", "ALT elementary school teach"),
        ("are nearly all JETs teaching assistants", "percentage of JETs assistant language teachers"),
        ("CIRs interpret for visitors from sister cities", "CIRs interpret for visiting from sister cities"),
    ],
)
def test_everyday_words_meet_the_knowledge_base_word(a: str, b: str) -> None:
    assert tokens(a) == tokens(b) != []


def test_a_partner_of_your_own_is_not_a_partner_organisation() -> None:
    assert "partner" not in tokens("can my partner come with me on JET?")
    assert "partner" in tokens("JLGC New York's partner organisations")


def test_a_broken_file_is_reported_or_left_empty(tmp_path: Path) -> None:
    bad = tmp_path / "thesaurus.yaml"
    bad.write_text("colours: {red: blue}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown section"):
        thesaurus.load(bad)
    assert thesaurus.load_or_empty(bad) == thesaurus.Thesaurus()
    assert thesaurus.load_or_empty(tmp_path / "missing.yaml") == thesaurus.Thesaurus()


def test_kb_check_reports_an_unquoted_yes_or_no_with_its_line(tmp_path: Path) -> None:
    from bot.knowledge import KnowledgeError, load_knowledge

    shipped = Path(__file__).resolve().parent.parent / "knowledge"
    for file in shipped.glob("*.yaml"):
        (tmp_path / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "thesaurus.yaml"
    text = broken.read_text(encoding="utf-8").replace("words:\n", "words:\n  nope: no\n", 1)
    broken.write_text(text, encoding="utf-8")
    line = text.splitlines().index("  nope: no") + 1
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(tmp_path)
    (problem,) = err.value.problems
    assert problem.endswith(f"thesaurus.yaml:{line}: section 'words': 'nope': False must map text to text "
                            '(quote words such as "no", "yes", "on")')
