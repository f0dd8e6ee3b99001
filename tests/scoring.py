"""How a question set written from the documents is judged (tests/data/tuning*.yaml, bot_usage_dev.yaml):
the project's own copy of the rule, so the tests need nothing outside this repository.

In scope: answered, with every group of ``need`` said somewhere in the reply at the start of a word
(any case). Out of scope: declined, or, for ``either``, an honest reply that meets ``need``."""

from __future__ import annotations

import re
from typing import Any


def meets(text: str, need: list[list[str]]) -> bool:
    """Every group has an alternative said at the start of a word ("translat" in "translating")."""
    lowered = text.lower()
    return all(any(re.search(r"(?<![a-z0-9])" + re.escape(alt.lower()), lowered) for alt in group)
               for group in need)


def judge(item: dict[str, Any], matched: bool, text: str) -> bool:
    """Whether a reply (``matched``, ``text``) is right for ``item``."""
    if item.get("oos"):
        if not matched:
            return True
        if not item.get("either"):
            return False
    elif not matched:
        return False
    return meets(text, item["need"])
