"""The knowledge base's value types, shared by the loader, the engine, the command line and the cog.

Everything here is immutable: the bot swaps a whole knowledge base on reload instead of editing one
in place, so a question being answered never sees half of an old and half of a new knowledge base.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

# "chapter": a server's own entries (organisers' knowledge, not the documents'), also in their YAML exports.
CATEGORIES: tuple[str, ...] = ("roles", "ministries", "clair", "jlgc", "alumni", "programme", "exchange", "bot",
                               "chapter")
FIELDS: tuple[str, ...] = ("id", "title", "category", "answer", "questions", "aliases", "source")
MAX_TITLE = 100  # an embed title may be 256, but the cog also uses titles as autocomplete choices (100)
SOURCES_FILE = "sources.yaml"  # the documents entries cite, beside the entry files
MAX_ANSWER = 3500  # embed description limit is 4096; the cog adds a source line and suggestions


class KnowledgeError(Exception):
    """The knowledge base is invalid. ``problems`` lists every problem as ``file:line: what is wrong``
    so that an organiser can fix them all in one go instead of one per run."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        first = self.problems[0] if self.problems else "unknown problem"
        super().__init__(f"{count} problem(s) in the knowledge base; first: {first}")


class Reason(StrEnum):
    """Why a question was declined (``Answer.reason``)."""

    EMPTY = "empty"  # nothing asked
    NO_TOPIC = "no_topic"  # only a question type: "how many?", "when did it start?"
    UNKNOWN_WORDS = "unknown_words"  # mostly words the knowledge base does not know
    LOW_COVERAGE = "low_coverage"  # no entry accounts for enough of the question
    UNANCHORED = "unanchored"  # only words many entries share, no alias said in full
    NEAR_TIE = "near_tie"  # two entries fit about equally (partially)
    IDENTITY = "identity"  # "who is the X?" to an entry that never says who anyone is
    MISSING_ATTRIBUTE = "missing_attribute"  # the topic is known, what was asked is not in the documents
    OTHER_ORGANISATION = "other_organisation"  # bot help for a question about JET, CLAIR... ("JET's waiting list")
    INSTRUCTION = "instruction"  # tells the bot to drop its documents or play a part ("ignore your rules and ...")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    category: str
    answer: str
    questions: tuple[str, ...]
    aliases: tuple[str, ...]
    source: str  # as written in YAML (source keys, or free text); a list is joined with "; "
    file: str  # where it was defined, for messages
    line: int
    citation: str = ""  # what members see: publisher, title, date, web address; defaults to ``source``

    def __post_init__(self) -> None:
        if not self.citation:
            object.__setattr__(self, "citation", self.source)


@dataclass(frozen=True)
class Source:
    """One document from ``sources.yaml``: how members see it cited (never the file name)."""

    key: str
    title: str
    date: str
    publisher: str = ""
    url: str = ""
    file: str = ""  # the document's file, for reviewers only; never shown to members

    @property
    def citation(self) -> str:
        parts = [self.publisher] if self.publisher else []
        parts += [f"“{self.title}”", self.date]
        if self.url:
            parts.append(self.url)
        return ", ".join(parts)


@dataclass(frozen=True)
class Suggestion:
    entry_id: str
    title: str
    score: float


@dataclass(frozen=True)
class Answer:
    matched: bool
    entry: Entry | None
    score: float
    suggestions: tuple[Suggestion, ...]
    text: str
    normalized: str
    # Why a question was declined (``None`` when answered): "empty", "low_coverage", "near_tie",
    # "unanchored", "unknown_words", "missing_attribute", "no_topic".
    reason: str | None = None
    # On a "missing_attribute" decline: the entry about the topic, whose answer lacks what was asked.
    related: Entry | None = None

    def to_json(self) -> dict[str, Any]:
        """The shape ``jetbot ask --json`` prints (and the evaluation scripts read)."""
        return {
            "matched": self.matched,
            "entry_id": self.entry.id if self.entry else None,
            "score": round(self.score, 1),
            "answer": self.text,
            "suggestions": [
                {"entry_id": s.entry_id, "title": s.title, "score": round(s.score, 1)} for s in self.suggestions
            ],
            "reason": self.reason,
            "related": self.related.id if self.related else None,
        }


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    path: Path
    files: tuple[str, ...] = ()
    by_id: dict[str, Entry] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.by_id:
            self.by_id.update({e.id: e for e in self.entries})


# ``Entry.file`` of a server's own entry: it was defined in Discord, not in a YAML file.
CHAPTER_FILE = "<chapter>"


def is_chapter_entry(entry: Entry) -> bool:
    """Whether ``entry`` is a server's own (shown as coming from its organisers, not the documents).
    Its organisers keep it current, so it speaks for now ("is pub night still on?")."""
    return entry.file == CHAPTER_FILE
