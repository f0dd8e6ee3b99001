"""What the bot holds: the shared knowledge base and its engine, plus one small overlay per server.

The shared pair is built once and swapped whole on reload. A server's overlay is a separate, small
``AnswerEngine`` over that server's own entries and over *shadow* entries: for a shared entry that got
extra phrasings in that server, a copy carrying the shared entry's id with just those phrasings. An edit
in one server rebuilds that server's overlay only (a few hundred entries: milliseconds); the shared index
is never rebuilt per question or per edit. Pure and synchronous: the database side is ``bot.chapter_kb``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from bot.knowledge.engine import AnswerEngine
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import Answer, Entry, KnowledgeBase, Suggestion

CHAPTER_SOURCE = "chapter organisers"
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Overlay:
    """One server's additions: its own entries (by id) and an engine over them plus the shadows."""

    entries: Mapping[str, Entry]
    engine: AnswerEngine | None  # None when the server has nothing of its own


EMPTY_OVERLAY = Overlay({}, None)


def decline_text(suggestions: tuple[Suggestion, ...]) -> str:
    """What a person reads when neither the shared base nor the server's entries answer."""
    lines = ["I'm not sure I can answer that from what I know, so I won't guess."]
    if suggestions:
        lines.append("Did you mean one of these?")
        lines.extend(f"- {s.title}" for s in suggestions)
    lines.append("You can also browse topics with `/ask` (start typing and pick one).")
    return "\n".join(lines)


def merge_answers(shared: Answer, local: Answer | None) -> Answer:
    """Prefer a matched answer; between two matched, the higher score (the server's own on a tie: it is
    the more specific); else the closer decline with both sets of suggestions."""
    if local is None:
        return shared
    if local.matched and (not shared.matched or local.score >= shared.score):
        return local
    if shared.matched:
        return shared
    base = local if local.score > shared.score else shared
    best: dict[str, Suggestion] = {}
    for s in (*local.suggestions, *shared.suggestions):
        if s.entry_id not in best or s.score > best[s.entry_id].score:
            best[s.entry_id] = s
    merged = tuple(sorted(best.values(), key=lambda s: -s.score)[:MAX_SUGGESTIONS])
    if merged == base.suggestions:
        return base
    # The engine's own text names its suggestions; with both sets merged it is written again.
    return replace(base, suggestions=merged, text=decline_text(merged))


class KnowledgeService:
    """Holds the knowledge base in service.

    ``kb`` and ``engine`` live in one tuple that is replaced with a single assignment, so a question
    answered during ``/kb reload`` uses either the old pair or the new one, never a mix. A broken
    knowledge base raises ``KnowledgeError`` from ``reload`` and the old one stays in service.
    Overlays are replaced per server the same way (one dict assignment).
    """

    def __init__(self, path: Path, kb: KnowledgeBase, engine: AnswerEngine | None = None) -> None:
        self.path = Path(path)
        self._state: tuple[KnowledgeBase, AnswerEngine] = (kb, engine or AnswerEngine(kb))
        self._reload_lock = threading.Lock()
        self._overlays: dict[int, Overlay] = {}

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

    # -- per-server overlays ---------------------------------------------------------------------
    def set_overlay(self, guild_id: int, entries: Iterable[Entry], phrasings: Mapping[str, Iterable[str]]) -> Overlay:
        """Build (or rebuild) one server's overlay: its own ``entries`` and, per shared entry id, the
        extra ``phrasings`` that server attached to it."""
        shared = self.kb.by_id
        own = {e.id: e for e in entries}
        shadows = []
        for entry_id, texts in phrasings.items():
            questions = tuple(dict.fromkeys(t for t in texts if t.strip()))
            base = shared.get(entry_id)
            if base is not None and questions and entry_id not in own:
                shadows.append(replace(base, questions=questions, aliases=()))
        all_entries = (*own.values(), *shadows)
        engine = AnswerEngine(KnowledgeBase(entries=all_entries, path=self.path)) if all_entries else None
        overlay = Overlay(own, engine)
        self._overlays[guild_id] = overlay
        return overlay

    def has_overlay(self, guild_id: int) -> bool:
        return guild_id in self._overlays

    def drop_overlay(self, guild_id: int) -> None:
        self._overlays.pop(guild_id, None)

    def overlay_count(self) -> int:
        return len(self._overlays)

    # -- questions -------------------------------------------------------------------------------
    def answer(self, question: str, guild_id: int | None = None) -> Answer:
        shared = self._state[1].answer(question)
        overlay = self._overlays.get(guild_id) if guild_id is not None else None
        if overlay is None or overlay.engine is None:
            return shared
        local = overlay.engine.answer(question)
        if local.matched and local.entry is not None and local.entry.id not in overlay.entries:
            # A shadow: answer with the shared entry itself (its current text and source).
            real = self.get(local.entry.id)
            if real is None:
                local = replace(local, matched=False, entry=None)
            else:
                local = replace(local, entry=real)
        return merge_answers(shared, local)

    def complete(self, current: str, limit: int = 25, guild_id: int | None = None) -> list[Entry]:
        """Autocomplete: the server's own entries first, then the shared ones."""
        overlay = self._overlays.get(guild_id) if guild_id is not None else None
        out: list[Entry] = []
        if overlay is not None and overlay.engine is not None:
            out = [e for e in overlay.engine.complete(current, limit) if e.id in overlay.entries]
        seen = {e.id for e in out}
        out += [e for e in self._state[1].complete(current, limit) if e.id not in seen]
        return out[:limit]

    def get(self, entry_id: str, guild_id: int | None = None) -> Entry | None:
        """An entry by id: the server's own first, then the shared knowledge base."""
        overlay = self._overlays.get(guild_id) if guild_id is not None else None
        if overlay is not None and entry_id in overlay.entries:
            return overlay.entries[entry_id]
        return self._state[0].by_id.get(entry_id)

    def reload(self) -> int:
        """Re-read ``self.path``; returns the new entry count. The old knowledge base stays in
        service if the new one is invalid (the ``KnowledgeError`` says why). Overlays are dropped and
        rebuilt on each server's next question, so their shadows follow the new shared entries."""
        with self._reload_lock:
            kb = load_knowledge(self.path)
            self._state = (kb, AnswerEngine(kb))
            self._overlays = {}
            return len(kb.entries)
