"""The loader reports every problem as file:line, and the service keeps a good knowledge base on reload."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, KnowledgeService, load_knowledge
from bot.knowledge.cli import kb_check

DATA = Path(__file__).resolve().parent / "data"
SMALL = DATA / "kb_small"
SHIPPED = Path(__file__).resolve().parent.parent / "knowledge"

GOOD_ENTRY = """\
  - id: good-one
    title: A good entry
    category: roles
    answer: An answer.
    questions: ["What is it?"]
    aliases: [good]
    source: "somewhere"
"""


def write(tmp_path: Path, text: str, name: str = "kb.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(path)
    assert info.value.problems, "KnowledgeError without problems"
    return info.value.problems


def prefix(path: Path, line: int) -> str:
    """The "file:line:" a problem starts with (paths are shown relative to the working directory)."""
    from bot.knowledge.loader import display_path

    return f"{display_path(path)}:{line}: "


def test_small_kb_loads_with_all_fields() -> None:
    kb = load_knowledge(SMALL)
    assert len(kb.entries) == 8
    cir = kb.by_id["cir-role"]
    assert cir.category == "roles"
    assert cir.source == "Test fixture one; Test fixture two"  # a list is joined
    assert cir.aliases[0] == "CIR" and "What does a CIR do?" in cir.questions
    assert cir.file.endswith("roles.yaml") and cir.line == 15
    assert kb.entries[0].id == "jet-programme"  # files in name order: programme.yaml before roles.yaml


def test_yaml_syntax_error_reports_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "entries:\n  - id: x\n    title: [unclosed\n    category: roles\n")
    problems = problems_of(path)
    assert len(problems) == 1
    assert problems[0].startswith(prefix(path, 4)) or problems[0].startswith(prefix(path, 3))
    assert "YAML syntax error" in problems[0]


def test_top_level_must_be_mapping_with_entries(tmp_path: Path) -> None:
    a = write(tmp_path, "- id: x\n", "a.yaml")
    b = write(tmp_path, "things:\n  - 1\n", "b.yaml")
    c = write(tmp_path, "", "c.yaml")
    problems = problems_of(tmp_path)
    assert any(p.startswith(prefix(a, 1)) and "'entries:'" in p for p in problems)
    assert any(p.startswith(prefix(b, 1)) and "'entries:'" in p for p in problems)
    assert any(p.startswith(prefix(c, 1)) and "empty" in p for p in problems)


def test_entry_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "entries:\n" + GOOD_ENTRY + "  - just a string\n")
    (problem,) = problems_of(path)
    assert problem.startswith(prefix(path, 9)) and "must be a mapping" in problem


def test_missing_and_empty_fields_are_reported_at_entry_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        entries:
          - id: no-source
            title: Missing source
            category: roles
            answer: "   "
            questions: []
            aliases: [ok]
        """)
    problems = problems_of(path)
    assert f"{prefix(path, 2)}entry 'no-source': missing field 'source'" in problems
    assert any(p.startswith(prefix(path, 5)) and "'answer' is empty" in p for p in problems)
    assert any(p.startswith(prefix(path, 6)) and "'questions' is empty" in p for p in problems)
    assert len(problems) == 3


def test_wrong_types(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        entries:
          - id: bad-types
            title: 1987
            category: roles
            answer: fine
            questions: What is it?
            aliases:
              - ok
              - no
              - ""
            source: [a, 3]
        """)
    problems = problems_of(path)
    assert any(p.startswith(prefix(path, 3)) and "'title' must be text, not a number" in p for p in problems)
    assert any(p.startswith(prefix(path, 6)) and "'questions' must be a list" in p for p in problems)
    assert any(p.startswith(prefix(path, 9)) and "yes/no value" in p for p in problems)  # YAML's `no` is False
    assert any(p.startswith(prefix(path, 10)) and "empty" in p for p in problems)
    assert any(p.startswith(prefix(path, 11)) and "'source' must be text" in p for p in problems)


def test_id_format_and_duplicates_across_files(tmp_path: Path) -> None:
    a = write(tmp_path, "entries:\n" + GOOD_ENTRY, "a.yaml")
    b = write(tmp_path, "entries:\n" + GOOD_ENTRY.replace("good-one", "Bad_Id") + GOOD_ENTRY, "b.yaml")
    problems = problems_of(tmp_path)
    assert any(p.startswith(prefix(b, 2)) and "kebab-case" in p for p in problems)
    dup = [p for p in problems if "duplicate id 'good-one'" in p]
    assert len(dup) == 1
    assert dup[0].startswith(prefix(b, 9)) and f"also defined at {prefix(a, 2).rstrip(': ')}" in dup[0]


def test_limits_category_and_unknown_fields(tmp_path: Path) -> None:
    long_title = "T" * 101
    long_answer = "a" * 3501
    path = write(tmp_path, f"""\
        entries:
          - id: too-long
            title: {long_title}
            category: food
            answer: {long_answer}
            questions: [q]
            aliases: [a]
            source: s
            tags: [x]
        """)
    problems = problems_of(path)
    assert any(p.startswith(prefix(path, 3)) and "101 characters; the limit is 100" in p for p in problems)
    assert any(p.startswith(prefix(path, 4)) and "unknown category 'food'" in p for p in problems)
    assert any(p.startswith(prefix(path, 5)) and "3501 characters; the limit is 3500" in p for p in problems)
    assert any(p.startswith(prefix(path, 9)) and "unknown field 'tags'" in p for p in problems)


def test_not_utf8_and_empty_folder(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("entries:\n  - id: caf\xe9\n".encode("latin-1"))
    (problem,) = problems_of(tmp_path)
    assert problem.startswith(prefix(bad, 2)) and "not UTF-8" in problem
    empty = tmp_path / "empty"
    empty.mkdir()
    (problem,) = problems_of(empty)
    assert "no knowledge files" in problem


def test_all_problems_across_files_collected_once(tmp_path: Path) -> None:
    write(tmp_path, "entries:\n  - id: a\n", "a.yaml")
    write(tmp_path, "entries: [1, 2]\n", "b.yaml")
    problems = problems_of(tmp_path)
    assert len([p for p in problems if "a.yaml" in p]) == 6  # six missing fields
    assert len([p for p in problems if "b.yaml" in p]) == 2


def test_kb_check_exit_codes_and_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kb_check(SMALL) == 0
    assert capsys.readouterr().out.strip() == "OK: 8 entries in 2 files"
    path = write(tmp_path, "entries:\n  - id: UPPER\n")
    assert kb_check(path) == 1
    out = capsys.readouterr().out
    assert f"{prefix(path, 2)}entry 'UPPER'" in out
    assert "Traceback" not in out


def test_reload_keeps_previous_kb_when_new_one_is_broken(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(SMALL, folder)
    service = KnowledgeService.load(folder)
    assert service.answer("what does a CIR do").entry.id == "cir-role"  # type: ignore[union-attr]
    roles = folder / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8") + "  - id: broken\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        service.reload()
    assert any("entry 'broken'" in p for p in info.value.problems)
    assert len(service.kb.entries) == 8
    assert service.get("cir-role") is not None
    assert service.answer("what does a CIR do").entry.id == "cir-role"  # type: ignore[union-attr]
    (folder / "roles.yaml").unlink()
    assert service.reload() == 5
    assert service.get("cir-role") is None


def test_shipped_knowledge_validates() -> None:
    if not SHIPPED.is_dir() or not any(SHIPPED.glob("*.yaml")):
        pytest.skip("knowledge/ has no YAML files yet")
    try:
        kb = load_knowledge(SHIPPED)
    except KnowledgeError as exc:  # pragma: no cover - shows every problem when it fails
        pytest.fail("knowledge/ is invalid:\n" + "\n".join(exc.problems))
    assert len(kb.entries) >= 10
    assert len({e.id for e in kb.entries}) == len(kb.entries)


SOURCES_YAML = """\
sources:
  - key: doc-one
    publisher: Example Council
    title: Our work abroad
    date: "2019"
    url: https://example.org/about
    file: seeds/001_abc.txt
  - key: doc-two
    title: An interview
    date: 3 Sep 2019
"""


def test_source_keys_resolve_to_readable_citations(tmp_path: Path) -> None:
    write(tmp_path, SOURCES_YAML, "sources.yaml")
    write(tmp_path, "entries:\n" + GOOD_ENTRY.replace('source: "somewhere"', "source: [doc-one, doc-two]"))
    kb = load_knowledge(tmp_path)
    assert len(kb.entries) == 1  # sources.yaml is not read as a file of entries
    entry = kb.by_id["good-one"]
    assert entry.source == "doc-one; doc-two"
    assert entry.citation == ("Example Council, “Our work abroad”, 2019, https://example.org/about; "
                              "“An interview”, 3 Sep 2019")
    assert "seeds/" not in entry.citation and ".txt" not in entry.citation
    single = tmp_path / "kb.yaml"  # a single file finds the sources listed beside it
    assert load_knowledge(single).by_id["good-one"].citation == entry.citation


def test_unknown_source_key_is_reported_at_its_line(tmp_path: Path) -> None:
    write(tmp_path, SOURCES_YAML, "sources.yaml")
    path = write(tmp_path, "entries:\n" + GOOD_ENTRY.replace('source: "somewhere"', "source:\n      - doc-one\n"
                                                               "      - doc-three"))
    (problem,) = problems_of(tmp_path)
    assert problem.startswith(prefix(path, 10)) and "'doc-three' is not a key in" in problem
    assert "sources.yaml" in problem and "doc-one, doc-two" in problem


def test_broken_sources_file_is_reported_at_its_lines(tmp_path: Path) -> None:
    sources = write(tmp_path, """\
        sources:
          - key: Bad Key
            title: T
            date: "2020"
          - key: dup
            title: T
            date: "2020"
          - key: dup
            date: "2020"
            colour: red
          - just text
        """, "sources.yaml")
    write(tmp_path, "entries:\n" + GOOD_ENTRY.replace('"somewhere"', "dup"))
    problems = problems_of(tmp_path)
    assert any(p.startswith(prefix(sources, 2)) and "kebab-case" in p for p in problems)
    assert any(p.startswith(prefix(sources, 8)) and "missing field 'title'" in p for p in problems)
    assert any(p.startswith(prefix(sources, 10)) and "unknown field 'colour'" in p for p in problems)
    assert any(p.startswith(prefix(sources, 11)) and "must be a mapping" in p for p in problems)
    assert any(p.startswith(prefix(sources, 8)) and "duplicate source key 'dup'" in p for p in problems)
    assert len(problems) == 5  # the entry's reference to 'dup' resolves to the first record


def test_without_a_sources_file_the_source_text_is_the_citation(tmp_path: Path) -> None:
    write(tmp_path, "entries:\n" + GOOD_ENTRY)
    assert load_knowledge(tmp_path).by_id["good-one"].citation == "somewhere"


def test_members_never_see_an_internal_file_name(capsys: pytest.CaptureFixture[str]) -> None:
    """Every shipped entry, as the footer, `jetbot ask` and `jetbot ask --json` show it."""
    import json

    from bot.knowledge.cli import format_answer, kb_export
    from bot.knowledge.model import Answer
    from cogs.faq import answer_embed

    kb = load_knowledge(SHIPPED)
    assert kb_check(SHIPPED) == 0
    shown: list[str] = []
    for entry in kb.entries:
        assert entry.citation and entry.citation != entry.source, entry.id
        answer = Answer(matched=True, entry=entry, score=100.0, suggestions=(), text=entry.answer,
                        normalized="")
        embed = answer_embed(entry)
        shown += [format_answer(answer), json.dumps(answer.to_json(), ensure_ascii=False),
                  embed.footer.text or "", embed.description or ""]
    assert kb_export(SHIPPED) == 0
    shown.append(capsys.readouterr().out.replace('"source":', ""))
    for text in shown:
        assert "seeds/" not in text and ".txt" not in text, text[:300]
    assert any("“Who Are We?”" in text for text in shown)
