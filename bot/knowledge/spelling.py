"""Which words are ordinary English, from a real frequency list: the 82,765-word English
dictionary that ships inside the ``symspellpy`` wheel (word counts from a large web corpus).

The engine uses it to tell a typo from a word: "programm", "cordinater" and "relashuns" are in no
dictionary, so they may be corrected into a knowledge-base word; "partner", "hours" and "salt"
are English words, so they never are (they stay unknown to the knowledge base and count against
an answer). The list is read once, on the first unknown word, not at import.
"""

from __future__ import annotations

import threading
from importlib import resources

_lock = threading.Lock()
_words: frozenset[str] | None = None
DICTIONARY = "frequency_dictionary_en_82_765.txt"


def _load() -> frozenset[str]:
    global _words
    if _words is None:
        with _lock:
            if _words is None:
                try:
                    text = (resources.files("symspellpy") / DICTIONARY).read_text(encoding="utf-8")
                except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - a broken install
                    text = ""
                _words = frozenset(text.split()[::2])
    return _words


def is_english(word: str) -> bool:
    """Whether ``word`` (lower case, as written) is an English word."""
    return word in _load()


def warm() -> None:
    """Read the list now (the bot does this at start, so no question pays for it)."""
    _load()
