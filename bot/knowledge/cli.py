"""``jetbot ask``, ``jetbot kb check``, ``jetbot kb export`` and the terminal prompt.

They need no token and no network, so an organiser can try the answer engine and validate edits to
the knowledge base on their own computer. A broken knowledge base is a short message on stderr and
exit code 1, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from bot.knowledge.loader import display_path, knowledge_files, load_knowledge
from bot.knowledge.model import Answer, KnowledgeError
from bot.knowledge.service import KnowledgeService


def _report(exc: KnowledgeError, out: TextIO) -> None:
    print(f"jetbot: the knowledge base has {len(exc.problems)} problem(s) (run `jetbot kb check`):", file=out)
    for problem in exc.problems[:20]:
        print(f"  {problem}", file=out)
    if len(exc.problems) > 20:
        print(f"  ... and {len(exc.problems) - 20} more", file=out)


def _load(path: Path) -> KnowledgeService | None:
    try:
        return KnowledgeService.load(path)
    except KnowledgeError as exc:
        _report(exc, sys.stderr)
        return None


def format_answer(answer: Answer) -> str:
    """An answer as a person reads it in a terminal."""
    if answer.matched and answer.entry is not None:
        entry = answer.entry
        lines = [f"{entry.title}", "", entry.answer.rstrip(), "", f"Source: {entry.citation}",
                 f"(entry {entry.id}, confidence {answer.score:.0f}/100)"]
        if answer.suggestions:
            lines.append("Related: " + "; ".join(s.title for s in answer.suggestions))
        return "\n".join(lines)
    return f"Not sure (confidence {answer.score:.0f}/100).\n{answer.text}"


def ask_command(question: list[str], *, as_json: bool, batch: str | None, knowledge: Path) -> int:
    """Answer one question, or every line of ``batch`` (one JSON object per line, in order)."""
    if batch is None and not " ".join(question).strip():
        print('jetbot: give a question, e.g. jetbot ask "what does a CIR do?", or --batch FILE', file=sys.stderr)
        return 2
    lines: list[str] = []
    if batch is not None:
        try:
            with open(batch, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            print(f"jetbot: cannot read {batch}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            return 1
    service = _load(knowledge)
    if service is None:
        return 1
    if batch is not None:
        out = []
        for line in lines:
            out.append(json.dumps(service.answer(line).to_json(), ensure_ascii=False))
        if out:
            print("\n".join(out))
        return 0
    answer = service.answer(" ".join(question))
    if as_json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        print(format_answer(answer))
    return 0


def kb_check(path: Path) -> int:
    """Validate the knowledge base: "OK: N entries in M files" and exit 0, or every problem and exit 1."""
    try:
        kb = load_knowledge(path)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s) found in {display_path(Path(path))}", file=sys.stderr)
        return 1
    files = len(knowledge_files(Path(path)))
    print(f"OK: {len(kb.entries)} entries in {files} file{'s' if files != 1 else ''}")
    return 0


def kb_export(path: Path) -> int:
    """Every entry as one JSON array (for review, spreadsheets or other tools)."""
    try:
        kb = load_knowledge(path)
    except KnowledgeError as exc:
        _report(exc, sys.stderr)
        return 1
    data = [
        {"id": e.id, "title": e.title, "category": e.category, "questions": list(e.questions),
         "aliases": list(e.aliases), "answer": e.answer, "source": e.source,
         "citation": e.citation}
        for e in kb.entries
    ]
    print(json.dumps(data, ensure_ascii=False, indent=2))
    return 0


def repl(path: Path, *, stdin: TextIO | None = None) -> int:
    """A prompt for trying the answer engine without a Discord token; quits on EOF, "quit" or "exit"."""
    service = _load(path)
    if service is None:
        return 1
    source = stdin or sys.stdin
    interactive = source.isatty()
    print(f"jetbot: {len(service.kb.entries)} entries loaded. Ask a question (\"quit\" to leave, "
          "\"reload\" after editing the knowledge base). No Discord token needed here.")
    while True:
        if interactive:
            print("ask> ", end="", flush=True)
        line = source.readline()
        if not line:
            break
        question = line.strip()
        if question.lower() in {"quit", "exit", ":q"}:
            break
        if not question:
            continue
        if question.lower() == "reload":
            try:
                print(f"reloaded: {service.reload()} entries")
            except KnowledgeError as exc:
                _report(exc, sys.stdout)
                print("(still using the previous knowledge base)")
            continue
        print(format_answer(service.answer(question)))
        print()
    return 0
