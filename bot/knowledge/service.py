"""What the bot holds: one knowledge base and its engine, swapped as a pair on reload."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.knowledge.engine import AnswerEngine
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import Answer, Entry, KnowledgeBase


class KnowledgeService:
    """Holds the knowledge base in service.

    ``kb`` and ``engine`` live in one tuple that is replaced with a single assignment, so a question
    answered during ``/kb reload`` uses either the old pair or the new one, never a mix. A broken
    knowledge base raises ``KnowledgeError`` from ``reload`` and the old one stays in service.
    """

    def __init__(self, path: Path, kb: KnowledgeBase, engine: AnswerEngine | None = None) -> None:
        self.path = Path(path)
        self._state: tuple[KnowledgeBase, AnswerEngine] = (kb, engine or AnswerEngine(kb))
        self._reload_lock = threading.Lock()

    @classmethod
    def load(cls, path: Path) -> KnowledgeService:
        """Load and index ``path``; raises ``KnowledgeError`` listing every problem."""
        kb = load_knowledge(Path(path))
        return cls(path, kb)

    @property
    def kb(self) -> KnowledgeBase:
        return self._state[0]

    @property
    def engine(self) -> AnswerEngine:
        return self._state[1]

    def answer(self, question: str) -> Answer:
        return self._state[1].answer(question)

    def complete(self, current: str, limit: int = 25) -> list[Entry]:
        return self._state[1].complete(current, limit)

    def get(self, entry_id: str) -> Entry | None:
        return self._state[0].by_id.get(entry_id)

    def reload(self) -> int:
        """Re-read ``self.path``; returns the new entry count. The old knowledge base stays in
        service if the new one is invalid (the ``KnowledgeError`` says why)."""
        with self._reload_lock:
            kb = load_knowledge(self.path)
            self._state = (kb, AnswerEngine(kb))
            return len(kb.entries)
