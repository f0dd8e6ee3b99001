"""The knowledge base: YAML entries validated by the loader, answered by the engine.

Public API (the cog, the command line and the benchmark use only these names)."""

from __future__ import annotations

from bot.knowledge.engine import AnswerEngine
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import CATEGORIES, Answer, Entry, KnowledgeBase, KnowledgeError, Suggestion
from bot.knowledge.normalize import normalize
from bot.knowledge.service import KnowledgeService

__all__ = [
    "CATEGORIES",
    "Answer",
    "AnswerEngine",
    "Entry",
    "KnowledgeBase",
    "KnowledgeError",
    "KnowledgeService",
    "Suggestion",
    "load_knowledge",
    "normalize",
]
