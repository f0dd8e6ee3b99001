"""The /ask autocomplete: which entries to offer for what a member has typed so far.

Titles and aliases that start with the text come first, then those that contain it as a word, then
the entries the answer engine ranks for it, then fuzzy title matches (titles are a short list).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rapidfuzz import fuzz, process

from bot.knowledge.model import Entry
from bot.knowledge.normalize import clean, token_pairs

# The engine's ranking for a text: (entry index, coverage) pairs, best first.
Ranker = Callable[[list[tuple[str, str]]], list[tuple[int, float]]]
MIN_COVERAGE = 0.5


class Completer:
    """Autocomplete over one knowledge base's entries."""

    def __init__(self, entries: Sequence[Entry], rank: Ranker) -> None:
        self._entries = entries
        self._rank = rank
        titles = [(clean(e.title), i) for i, e in enumerate(entries)]
        self._keys: list[tuple[str, int]] = titles + [
            (clean(alias), i) for i, e in enumerate(entries) for alias in e.aliases
        ]
        self._titles = [t for t, _ in titles]
        self._alphabetical = sorted(range(len(entries)), key=lambda i: (entries[i].category, self._titles[i]))

    def complete(self, current: str, limit: int = 25) -> list[Entry]:
        """Up to ``limit`` entries for ``current``; with nothing typed, the first ones by category and title."""
        limit = max(0, limit)
        if limit == 0:
            return []
        text = clean(current or "").strip()
        if not text:
            return [self._entries[i] for i in self._alphabetical[:limit]]
        out: list[int] = []
        seen: set[int] = set()

        def add(i: int) -> None:
            if i not in seen and len(out) < limit:
                seen.add(i)
                out.append(i)

        for key, i in self._keys:
            if key.startswith(text):
                add(i)
        for key, i in self._keys:
            if len(out) >= limit:
                break
            if f" {text}" in f" {key}":
                add(i)
        if len(out) < limit:
            pairs = token_pairs(text)
            if pairs:
                for i, coverage in self._rank(pairs):
                    if coverage >= MIN_COVERAGE:
                        add(i)
        if len(out) < limit:
            for _title, _score, i in process.extract(text, self._titles, scorer=fuzz.partial_ratio,
                                                     limit=limit, score_cutoff=70):
                add(i)
        return [self._entries[i] for i in out]
