"""Which words are ordinary English, and what a misspelt word was meant to be, from a real frequency
list: the 82,765-word English dictionary that ships inside the ``symspellpy`` wheel (word counts
from a large web corpus).

The engine uses it to tell a typo from a word: "programm", "cordinater" and "relashuns" are in no
dictionary, so they may be corrected; "partner", "hours" and "salt" are English words, so they never
are (they stay unknown to the knowledge base and count against an answer). A typo is corrected to
the most frequent English word within one or two edits ("sponser" -> "sponsor", "ofices" ->
"offices"); question words get their own map, because a rare real word one edit from "when" or
"many" ("wen", "mnay") is nearly always that question word typed in a hurry. The list is read once,
when the engine is built, not at import.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from importlib import resources

from rapidfuzz.distance import OSA

_lock = threading.Lock()
_counts: dict[str, int] | None = None
_buckets: dict[tuple[str, int], list[str]] = {}
DICTIONARY = "frequency_dictionary_en_82_765.txt"
# Words of question phrases ("how many", "when did") whose misspellings are mapped back before the
# phrases are read. A variant is that word only when it is this much rarer than the word itself.
QUESTION_WORDS = ("what", "when", "where", "which", "who", "whose", "why", "how", "many", "much", "long",
                  "does", "the")
RARER = 0.01
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _load() -> dict[str, int]:
    global _counts
    if _counts is None:
        with _lock:
            if _counts is None:
                try:
                    text = (resources.files("symspellpy") / DICTIONARY).read_text(encoding="utf-8")
                except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - a broken install
                    text = ""
                parts = text.split()
                counts = {w: int(c) for w, c in zip(parts[::2], parts[1::2], strict=False)}
                for word in counts:
                    _buckets.setdefault((word[0], len(word)), []).append(word)
                _counts = counts
    return _counts


def is_english(word: str) -> bool:
    """Whether ``word`` (lower case, as written) is an English word."""
    return word in _load()


def frequency(word: str) -> int:
    return _load().get(word, 0)


@lru_cache(maxsize=8192)
def correct(word: str) -> str | None:
    """The English word ``word`` is most likely a misspelling of: the nearest by edits (one for words
    of five letters or fewer, two for longer ones), the most frequent among equals; None for an
    English word or one too far from any. The candidate starts with the word's first or second
    letter ("hwo" -> "how")."""
    counts = _load()
    n = len(word)
    if n < 4 or word in counts or not word.isascii() or not word.isalpha():
        return None
    limit = 1 if n <= 5 else 2
    best: tuple[int, int, str] | None = None
    for first in {word[0], word[1]}:
        for length in range(n - limit, n + limit + 1):
            for cand in _buckets.get((first, length), ()):
                d = OSA.distance(word, cand, score_cutoff=limit)
                if d <= limit and (best is None or (d, -counts[cand]) < best[:2]):
                    best = (d, -counts[cand], cand)
    return best[2] if best else None


def _edits(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    return out


@lru_cache(maxsize=1)
def question_word_typos() -> dict[str, str]:
    """Misspelt question words -> the word: one edit away, at least three letters, and in no dictionary
    or far rarer than the word ("wen", "mnay", "whcih"; not "were", "dose" or "ho")."""
    counts = _load()
    out: dict[str, str] = {}
    for word in QUESTION_WORDS:
        bar = counts.get(word, 0) * RARER
        for variant in _edits(word):
            if len(variant) >= 3 and variant not in QUESTION_WORDS and counts.get(variant, 0) < bar:
                out.setdefault(variant, word)
    return out


def warm() -> None:
    """Read the list now (the bot does this at start, so no question pays for it)."""
    _load()
    question_word_typos()


