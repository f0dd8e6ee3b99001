"""Whether a bot-usage entry may answer a question that names an organisation.

The entries about using jetbot (category ``bot``) share everyday words with the programme's own
business: a waiting list, guests, a calendar of events, emails to unsubscribe from. "Is there a
waiting list for JET?" or "can I bring guests to the JET orientation?" are about the programme, and
the RSVP or guests help would answer them confidently and wrongly. So a bot entry does not answer a
question that names an organisation or programme its own text never mentions; the question is
declined (``other_organisation``) and its suggestions still offer what is related. The other way
round, a word only the bot's help uses does not leave an entry about the programme unharmed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet

from bot.knowledge.normalize import tokens

BOT_CATEGORY = "bot"

# The organisations and programmes the knowledge base is about, and Japan itself ("what time zone is
# Japan in?" is not about event times), as question tokens.
ORGANISATIONS: frozenset[str] = frozenset(
    t for name in ("JET", "JETs", "CLAIR", "JETAA", "MEXT", "MOFA", "MIC", "JLGC", "embassy", "consulate", "クレア",
                   "Japan", "日本")
    for t in tokens(name)
)


# "our JETAA chapter", "a small JETAA chapter": the asker's own chapter, the server the bot serves.
OWN_CHAPTER = re.compile(r"\b(?:our|my|a|the|this)\s+(?:\w+\s+)?(?:JETAA|JET\s*AA)(?:\s+\w+)?\s+chapter\b",
                         re.IGNORECASE)


def foreign_organisation(question_tokens: Iterable[str], category: str, entry_tokens: AbstractSet[str]) -> str | None:
    """The organisation a question names that a bot entry never mentions, or None.

    ``entry_tokens``: every token of the entry (phrasings and answer). Entries outside the bot
    category are about the organisations themselves and are never held back here."""
    if category != BOT_CATEGORY:
        return None
    for tok in question_tokens:
        if tok in ORGANISATIONS and tok not in entry_tokens:
            return tok
    return None


def bot_vocabulary(categories: Sequence[str], names: Sequence[AbstractSet[str]], fields: Sequence[AbstractSet[str]],
                   answers: Sequence[AbstractSet[str]]) -> frozenset[str]:
    """The words of the bot help's names ("rsvp", "waitlist", "unsubscribe") that no other entry says in
    its phrasings or its answer (everyday words of the bot's phrasings, "fit", "somewhere", are not).
    "Is there a waitlist for the CLAIR fellowship?" asks something the fellowship entry knows nothing
    about, so such a word counts fully against an entry outside the bot category, like a word the
    knowledge base does not know."""
    bot: set[str] = set()
    other: set[str] = set()
    for category, name, said, answer in zip(categories, names, fields, answers, strict=True):
        if category == BOT_CATEGORY:
            bot |= name
        else:
            other |= said | answer
    return frozenset(bot - other)
