"""A chatty message of several clauses: which clause asks, what the rest adds, and when an answer stands.

"hi! new here. what even is JET?", "quick q - who runs JET?" are a question plus small talk; "My
professor keeps mentioning MEXT. What is their role?" is a question whose topic is in the clause
before it. The engine answers one clause at a time (``answer_one``); this module decides which
clauses to ask, with what context, and whether their answers agree. Pure functions over a small
protocol, so the rules read top to bottom and are tested through the engine.
"""

from __future__ import annotations

import re
from typing import Protocol

from bot.knowledge import attributes
from bot.knowledge.figures import IS_THERE_IN
from bot.knowledge.model import Answer, Reason
from bot.knowledge.normalize import clauses, question_clauses, tokens
from bot.knowledge.question import IDENTITY, POINTS_BACK, REFERS_BACK, VERIFY

# Declines that mean the documents lack what a clause asks (not that the clause was unclear).
UNKNOWABLE = frozenset({Reason.MISSING_ATTRIBUTE, Reason.IDENTITY})
# "organiser here", "i'm hosting the bot": who is asking, which is context, not the topic.
ABOUT_ASKER = re.compile(r"\b(?:i|i'm|im|i've|ive|we|we're|my|our|me|us)\b|\bhere\W*$|^\W*\w+\s*:", re.IGNORECASE)
# A clause of this many words or fewer that points back ("how do i undo that") names no topic itself.
SHORT_CLAUSE = 6


class ClauseAnswerer(Protocol):
    """What this module needs from the engine."""

    def answer_one(self, question: str) -> Answer: ...

    def names_topic(self, text: str) -> bool: ...

    def context_topic(self, context: list[str]) -> str: ...

    def alias_vocab_of(self, entry_id: str) -> frozenset[str]: ...

    def unsaid_names(self, text: str, entry_id: str) -> frozenset[str]: ...


class _Remembered:
    """The engine, with each clause's answer kept for the length of one message."""

    def __init__(self, engine: ClauseAnswerer) -> None:
        self._engine = engine
        self._answers: dict[str, Answer] = {}

    def answer_one(self, question: str) -> Answer:
        found = self._answers.get(question)
        if found is None:
            found = self._answers[question] = self._engine.answer_one(question)
        return found

    def names_topic(self, text: str) -> bool:
        return self._engine.names_topic(text)

    def context_topic(self, context: list[str]) -> str:
        return self._engine.context_topic(context)

    def alias_vocab_of(self, entry_id: str) -> frozenset[str]:
        return self._engine.alias_vocab_of(entry_id)

    def unsaid_names(self, text: str, entry_id: str) -> frozenset[str]:
        return self._engine.unsaid_names(text, entry_id)


def answer(question: str, engine: ClauseAnswerer) -> Answer:
    """The answer to a whole message. The asking clauses are answered first, on their own, when the
    rest is small talk: a small-talk word ("new" in "new here") must not pull the answer to another
    entry. A clause that names a topic by itself ("CLAIR fellowship - how long?") is context the
    question needs, and then the whole message decides. An answer from clauses stands only if every
    answerable asking clause points at the same entry."""
    engine = _Remembered(engine)  # a clause is asked once, however many rules look at its answer
    parts = clauses(question)
    asking = question_clauses(question) if len(parts) > 1 else []
    small_talk = [p for p in parts if p not in asking]
    tried = bool(asking and small_talk and not any(map(engine.names_topic, small_talk))
                 and not any(POINTS_BACK.search(a) for a in asking)
                 and not any(names_the_topic(engine, s) for s in small_talk))
    if tried:
        picked = agreeing(engine, asking, question)
        if picked is not None:
            return picked
    full = engine.answer_one(question)
    if full.matched or not asking or full.reason == Reason.MISSING_ATTRIBUTE:
        return full
    return (from_clauses(engine, asking, small_talk, question, tried=tried)
            or clause_the_whole_points_at(engine, asking, full, question) or full)


def names_the_topic(engine: ClauseAnswerer, clause: str) -> bool:
    """Whether a clause around the question is its topic ("the 2020 study tour, where did they go?"):
    answered on its own, and not about the asker ("organiser here", "i host the bot on a vps")."""
    return not ABOUT_ASKER.search(clause) and engine.answer_one(clause).matched


def from_clauses(engine: ClauseAnswerer, asking: list[str], context: list[str], question: str, *,
                 tried: bool) -> Answer | None:
    """A message too mixed to answer as a whole. With context that names another topic ("what is the
    JLGC? saw it in a newsletter") the asking clauses decide, if they agree. Then an asking clause that
    points back ("My professor keeps mentioning MEXT. What is their role?") is read with the context's
    topic words, without its chatter ("professor")."""
    if context and any(VERIFY.match(a) for a in asking):
        # "someone said CIRs interpret for delegations — is that actually part of the role?": the claim
        # to check is the question.
        return agreeing(engine, context, question)
    # "… a Japan study tour for council leaders. Is that something JLGC still runs?": a clause about
    # "that" is not answered on its own words alone.
    refers_back = bool(context) and any(REFERS_BACK.match(a) or POINTS_BACK.search(a) for a in asking)
    # "the JETAA newsletter, how do I sign up": an asking clause that names nothing is about the topic
    # its context names, so it is not answered on its own words.
    elliptical = any(map(engine.names_topic, context)) and not any(map(engine.names_topic, asking))
    if not tried and not refers_back and not elliptical:
        picked = agreeing(engine, asking, question)
        if picked is not None:
            return picked
    topic = engine.context_topic(referent(engine, question, asking, context)) if context else ""
    if not topic:
        return None
    picked = agreeing(engine, [f"{a} {topic}" for a in asking], question)
    # The context must name the entry (one of its aliases' words), not just lend it a word.
    if picked is None or picked.entry is None or not set(tokens(topic)) & engine.alias_vocab_of(picked.entry.id):
        return None
    # "need to reach someone at JLGC NY by email, which address?": the context's name is the topic, and
    # an entry that never says it (the London contact) is not about it.
    if engine.unsaid_names(" ".join(context), picked.entry.id) & set(tokens(topic)):
        return None
    return picked


def clause_the_whole_points_at(engine: ClauseAnswerer, asking: list[str], full: Answer,
                               question: str) -> Answer | None:
    """A long message the whole of which is too mixed to answer, with an asking clause answered on its
    own by the entry the whole message ranks first ("...a yearly japan trip for officials from the US
    and Canada... how long is it and do you actually stay with a family??"): two readings agree, so
    that entry answers."""
    if not full.suggestions:
        return None
    top = full.suggestions[0].entry_id
    answers = [engine.answer_one(a) for a in asking]
    if any(asks_the_unknowable(c, a) for c, a in zip(asking, answers, strict=True)):
        return None
    for clause, found in zip(asking, answers, strict=True):
        if POINTS_BACK.search(clause) and len(clause.split()) <= SHORT_CLAUSE:
            continue  # "how do i undo that": its own few words are no second reading of the message
        if found.matched and found.entry is not None and found.entry.id == top:
            if points_elsewhere(engine, asking, answers, found):
                return None
            return Answer(True, found.entry, found.score, found.suggestions, found.text, " ".join(tokens(question)))
    return None


def referent(engine: ClauseAnswerer, question: str, asking: list[str], context: list[str]) -> list[str]:
    """The context an asking clause's "it" most likely means: the clause just before it when that one
    names a topic ("how old is jetaa actually, when was it founded?"), else all of it."""
    parts = clauses(question)
    first = parts.index(asking[0]) if asking[0] in parts else 0
    before = parts[first - 1] if first > 0 else ""
    return [before] if before in context and engine.names_topic(before) else context


def agreeing(engine: ClauseAnswerer, asking: list[str], question: str) -> Answer | None:
    """The entry every answerable clause agrees on, as the answer to the whole message, or None."""
    answers = [engine.answer_one(a) for a in asking]
    if any(asks_the_unknowable(c, a) for c, a in zip(asking, answers, strict=True)):
        return None  # one clause asks what the documents leave out: the others do not answer for it
    # A clause about "one of them" is answered on its own words only when every clause is.
    standalone = [a for c, a in zip(asking, answers, strict=True) if not POINTS_BACK.search(c)] or answers
    found = [a for a in standalone if a.matched]
    if not found or len({a.entry.id for a in found if a.entry}) != 1:
        return None
    best = max(found, key=lambda a: a.score)
    if points_elsewhere(engine, asking, answers, best):
        return None
    return Answer(True, best.entry, best.score, best.suggestions, best.text, " ".join(tokens(question)))


def asks_the_unknowable(clause: str, found: Answer) -> bool:
    """Whether a clause asks what the documents leave out: declined as such, or declined while asking
    for a detail ("can i transfer my spot to my friend instead?" next to "can't go anymore") or a person."""
    # "who is the mayor of shizuoka rn??": asking who holds a post, too unclear even to be read as such.
    # "...a JETAA chapter? is there one in calgary": whether there is one in a place the documents never name.
    return found.reason in UNKNOWABLE or (not found.matched and (bool(attributes.asked(clause))
                                                                 or IDENTITY.match(clause) is not None
                                                                 or IS_THERE_IN.match(clause) is not None))


def points_elsewhere(engine: ClauseAnswerer, asking: list[str], answers: list[Answer], picked: Answer) -> bool:
    """Whether the clause that gave ``picked`` says "it" of an earlier clause about another topic: "what
    are the main things JLGC London does? is it just JET recruitment?" is about JLGC London, so
    "JET recruitment" alone does not answer it. The earlier clause, too unclear to answer, still names
    its topic (its best suggestion)."""
    if picked.entry is None:
        return False
    for k, (clause, found) in enumerate(zip(asking, answers, strict=True)):
        if found is not picked or not REFERS_BACK.match(clause):
            continue
        for before, earlier in zip(asking[:k], answers[:k], strict=True):
            if (not earlier.matched and earlier.suggestions and engine.names_topic(before)
                    and earlier.suggestions[0].entry_id != picked.entry.id):
                return True
    return False
