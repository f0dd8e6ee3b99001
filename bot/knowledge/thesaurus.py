"""The domain thesaurus (``knowledge/thesaurus.yaml``): everyday words for what entries say differently.

Read once, at import, by ``normalize``; applied to questions and entries alike, so "who foots the
bill" and an entry's "who funds JET" meet on one word. A missing or broken file leaves the map empty
(the engine still works, only with fewer paraphrases); ``load`` raises for the tests and tools that
want to know.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)
PATH = Path(__file__).resolve().parent.parent.parent / "knowledge" / "thesaurus.yaml"
SECTIONS = ("phrases", "words", "chat", "japanese")


@dataclass(frozen=True)
class Thesaurus:
    phrases: dict[str, str] = field(default_factory=dict)
    words: dict[str, str] = field(default_factory=dict)  # single words and chat spellings
    japanese: dict[str, str] = field(default_factory=dict)

    def phrase_pattern(self) -> re.Pattern[str] | None:
        """One regex for every phrase, whole words only. The phrases are factored into a character
        trie ("foot(?:s the bill| the bill)"), so the regex engine tries one branch per first letter
        instead of every phrase at every position: answers are long, and there are many of them."""
        if not self.phrases:
            return None
        trie: dict[str, Any] = {}
        for phrase in self.phrases:
            node = trie
            for ch in phrase:
                node = node.setdefault(ch, {})
            node[""] = {}
        return re.compile(r"(?<![\w-])" + _trie_regex(trie) + r"(?![\w-])")


def _trie_regex(node: dict[str, Any]) -> str:
    """The regex matching exactly the strings of a character trie ("" marks an end), longest first."""
    branches = [re.escape(ch) + _trie_regex(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a phrase may also end here: the longer ones are tried first
        body = "(?:" + body + ")?"
    return body


def load(path: Path = PATH) -> Thesaurus:
    """Parse the thesaurus; raises ``ValueError`` saying what is wrong."""
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the top level must be a mapping of {', '.join(SECTIONS)}")
    maps: dict[str, dict[str, str]] = {}
    for name, section in data.items():
        if name not in SECTIONS:
            raise ValueError(f"{path}: unknown section {name!r} (allowed: {', '.join(SECTIONS)})")
        if not isinstance(section, dict):
            raise ValueError(f"{path}: section {name!r} must map text to text")
        for k, v in section.items():
            if not (isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()):
                # YAML reads an unquoted no/yes/on/off as true or false: the usual cause.
                line = _line_of(text, name, str(k))
                raise ValueError(f"{path}:{line}: section {name!r}: {k!r}: {v!r} must map text to text "
                                 f"(quote words such as \"no\", \"yes\", \"on\")")
        maps[name] = {k.strip().lower(): v.strip().lower() for k, v in section.items()}
    return Thesaurus(phrases=maps.get("phrases", {}), words={**maps.get("words", {}), **maps.get("chat", {})},
                     japanese=maps.get("japanese", {}))


def _line_of(text: str, section: str, key: str) -> int:
    """The line of ``key`` in ``section`` (the last one: YAML keeps the last of duplicates), or 1."""
    found, inside = 1, False
    for n, line in enumerate(text.splitlines(), 1):
        if line and not line[0].isspace() and not line.startswith("#"):
            inside = line.startswith(f"{section}:")
        elif inside and line.strip().startswith(f"{key}:"):
            found = n
    return found


def load_or_empty(path: Path = PATH) -> Thesaurus:
    try:
        return load(path)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        # The engine still answers, with fewer paraphrases; ``jetbot kb check`` reports the problem.
        log.warning("thesaurus not used: %s", str(exc).splitlines()[0])
        return Thesaurus()
