"""The answer engine: from a question to one entry, or to an honest "I'm not sure".

Pure and synchronous (no I/O, no Discord): the cog calls it inline, the command line and the
benchmark call exactly the same code. A confident wrong answer is the worst outcome, so the engine
declines unless the question's content is accounted for by one entry.

How a question is answered (see also ``normalize.py``, ``japanese.py``, ``spelling.py``,
``attributes.py``):

1. **Tokens.** The question becomes content tokens: thesaurus applied ("foots the bill" -> fund),
   Japanese cut into words by Janome, spelling folded, stemmed, stopwords dropped.
2. **Resolving** (``vocabulary.Vocabulary``). Each token is looked up in the vocabulary of the entries' titles,
   aliases and example questions. An unknown token is tried as another ending of a known word
   ("recruitment" ~ "recruit"); then, only if it is not an English word (the frequency list in
   ``spelling``), as the nearest English word when that is a known word ("sponser" -> sponsor ->
   fund), as a typo of a known word (rapidfuzz over the vocabulary, bucketed by length),
   as a misspelt question word ("whta", "teh": dropped), or as two known words run together
   ("newyork"). An English word is never "corrected" into a knowledge-base word. Tokens that stay
   unknown still count: they are the part of the question the knowledge base knows nothing about.
3. **Candidates** (``_candidates``) come from an inverted index (token -> entries), IDF-weighted,
   posting lists pre-sorted by strength and cut at ``MAX_POSTINGS``. Document frequency counts kinds
   of entry (``_shape``: the answer with its names and figures masked), so entries written from one
   template for many towns count once and do not flatten the other words' weights.
4. **Scoring** (``_score``) of the best ``RESCORE`` candidates: coverage (the share of the question's
   weight, unknown words included, that the entry accounts for), the best phrasing's weighted Dice
   overlap, rapidfuzz's ``token_sort_ratio`` against that phrasing, and a bonus for an alias said in
   full. A word found only in the entry's answer text counts ``ANSWER_CREDIT`` of a matched word,
   and only for an entry anchored by its own title, alias or question words (the answer text is
   weak evidence: indexed as strong evidence, it made out-of-scope questions look covered). A known
   word the entry lacks counts half against it (a paraphrase), fully when it is unknown, a typo
   correction that does not help this entry, or a question type the entry never answers
   (``INTENT_TOKENS``: "how many", "how long", "when did it begin"), the kind of thing a "which X"
   question asks for, or a name of something else; a name of several words counts only where the
   entry says it together ("JETAA New York" is not JLGC New York). An unknown word written as a name
   ("JLGC Sydney") weighs double. "sea", "mic", "alt" in lower case count only with other support
   ("the sea of Japan" is not about the SEA role).
5. **Deciding** (``decide``): one function returns why a question is declined, or None to answer:
   ``low_coverage``, ``unknown_words`` (most of the question is words the knowledge base does not
   know), ``unanchored`` (only words shared by many entries, and no alias in full), ``near_tie``,
   ``identity`` ("who is the X" to an entry that never says who anyone is). Then
   ``missing_attribute``: the question asks for a cost, a phone number, a deadline, a date or a year
   the entry's answer does not give; the reply says so and shows the entry as ``related``.
6. A chatty message is split into clauses; small-talk clauses are left out first, then the asking
   clauses decide, then they are read with the context's topic words ("MEXT ... what is their role?")
   (``message.py``).

Scores are on 0-100 and consistent with the decision: an answered question scores at least
``MIN_SCORE``; a declined one is shown below it (``DECLINED_MAX``).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.knowledge import attributes, message, scope, spelling
from bot.knowledge.attributes import SENTENCE, affirmed
from bot.knowledge.autocomplete import Completer
from bot.knowledge.figures import Figures
from bot.knowledge.model import Answer, Entry, KnowledgeBase, Reason, Suggestion, is_chapter_entry
from bot.knowledge.normalize import (
    LIGHT_WORDS,
    clause_match,
    fold_word,
    respell,
    token_pairs,
    tokens,
    weak_abbreviations,
    words,
)
from bot.knowledge.question import (
    ASKS_WHO,
    CAPITALISED,
    EITHER_OR,
    ENDS_ON_REFERENT,
    FIGURE,
    IDENTITY,
    IDENTITY_JA,
    INSTRUCTION,
    IS_THERE,
    NAME_OF_POST,
    POST_WORDS,
    ROLE_FRAGMENT,
    RUNS_OFFICE,
    SELF_REFERENCE,
    SMALL_TALK,
    THANKS,
    WHICH,
    YES_NO,
    asked_kind,
    countries_in_lower_case,
    names_in,
)
from bot.knowledge.vocabulary import Resolved, Vocabulary

TITLE_W = 1.0
ALIAS_W = 1.0
QUESTION_W = 0.75
# A word found only in an entry's answer text counts this share of a word in its phrasings, and
# only for an entry anchored by its own phrasings ("does JLGC post recipes" -> Local Eyes Japan).
ANSWER_CREDIT = 0.6
ANSWER_GATE = 0.4
# An unknown everyday word ("finish", "old", "best": ``normalize.LIGHT_WORDS``) weighs this share of an
# unknown content word: the question is still not fully accounted for, but it is not about "finish".
LIGHT_W = 0.3
# A question the entry accounts for entirely and says as one of its own phrasings ("when is pub
# night?" to the entry its organiser wrote for it) is answered as its author meant, without the checks
# for a cost, a date, a figure for a place that the entry may not spell out.
OWN_PHRASING = 0.99
# An unknown word written as a name (capitalised inside a sentence) weighs this many unknown words.
UNKNOWN_NAME_W = 2.0
MAX_POSTINGS = 400
SPECIFIC_W = 0.2
RESCORE = 16
KNOWN_MISS = 0.5
MIN_COVERAGE = 0.66
MIN_SCORE = 60.0
DECLINED_MAX = MIN_SCORE - 1.0
MIN_MARGIN = 5.0
# A best entry whose name the question says in full, covering this share, and scoring this many times
# the runner-up, is the topic however much chatter surrounds it.
DOMINANT_COVERAGE = 0.45
DOMINANT_RATIO = 2.5
CHATTY_WORDS = 9  # distinct words: a message this long has asides, not just a question
# Most of the question's weight unknown to the knowledge base: the reason is "unknown_words".
UNKNOWN_SHARE = 0.5
# A near-tie is still answered when the best entry's phrasing is in the question in full and carries
# this share of its weight.
CONTAINED_MIN = 0.3
# A question that is one of an entry's phrasings (this share of its weight) is anchored by it.
SAID_SHARE = 0.75
SUGGEST_MIN = 20.0
PHRASE_BONUS = 0.15
GENERIC_SHARE = 0.2
GENERIC_DF = 15
GENERIC_MIN_DF = 3
# Question-type tokens made by ``normalize`` ("how many" -> number, "how long" -> duration). They
# are not topics: an entry whose phrasings never ask for a number is not an answer to "how many X".
INTENT_TOKENS = frozenset(fold_word(w) for w in ("number", "duration", "begin", "distance"))
INTENT_MISS = 0.75
# Words that ask about a topic without naming one: "what's the difference?" alone has none to answer.
NO_TOPIC_TOKENS = INTENT_TOKENS | {"differ"}
# A question made only of stopwords that addresses the bot ("who are you?") is about the bot: it is
# answered as if it said the bot's name, when the knowledge base has an entry that uses that name.
SELF_NAME = "jetbot"
ROLE_MODIFIERS = frozenset(tokens("current currently present now new acting actual real main official"))
# Posts a "who is the X" question asks someone to hold: an entry answers only if it names the post.
POSTS = frozenset(t for w in POST_WORDS for t in tokens(w))


@dataclass
class _Query:
    """A question's tokens resolved against the vocabulary, with their weights."""

    seq: list[str]  # every token in order, as the vocabulary word when known
    known: list[tuple[Resolved, float]]
    unknown: list[tuple[str, float]]  # words the phrasings do not know, with their weight
    wmap: dict[str, float]  # vocabulary word -> weight x confidence
    total: float
    weak: frozenset[str] = frozenset()  # lower-case sea/mic/alt, as vocabulary words
    # Words written as names (capitals), specific ones only: token -> (name as written, its tokens).
    names: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    # "which ministry", "how many regional offices": the kind of thing asked for, as groups of words,
    # one of which the entry must say.
    heads: tuple[frozenset[str], ...] = ()
    unknown_weight: float = 0.0  # the unknown words' total weight
    alias_share: dict[int, float] = field(default_factory=dict)
    yes_no: bool = False  # "does a CIR interpret ...?": whether the named thing does something


@dataclass
class _Scored:
    index: int
    score: float
    coverage: float
    dice: float = 0.0
    anchored: bool = True  # the entry matches a specific word of the question, or one of its aliases whole
    contained: float = 0.0  # share of the question's weight said by one of the entry's phrasings in full
    unknown_share: float = 0.0  # share of the question's weight that is unknown to the knowledge base
    named: bool = False  # the question says one of the entry's aliases in full


def _dominant(best: _Scored, runner_up: _Scored | None) -> bool:
    """A long, chatty message that says one entry's name in full ("...just found out derbyshire has a
    partnership with toyota city?? how long has that been going on") and nothing else comes close:
    the asides ("grew up near derby", "literally") lower its coverage, not the doubt about the topic."""
    return (best.named and best.coverage >= DOMINANT_COVERAGE
            and (runner_up is None or best.score >= DOMINANT_RATIO * runner_up.score))


def decide(ranked: list[_Scored], *, identity_question: bool = False, says_who: bool = True,
           yes_no: bool = False, chatty: bool = False) -> Reason | None:
    """Whether to answer with ``ranked[0]``: None, or the reason to decline.

    ``identity_question``: the question asks "who is the X"; ``says_who``: the best entry's phrasings
    ask "who", or the question says one of its aliases in full. ``yes_no``: "does a CIR ...?"."""
    if not ranked:
        return Reason.UNKNOWN_WORDS
    best = ranked[0]
    runner_up = ranked[1] if len(ranked) > 1 else None
    if (best.coverage < MIN_COVERAGE or best.score < MIN_SCORE) and not (chatty and _dominant(best, runner_up)):
        return Reason.UNKNOWN_WORDS if best.unknown_share >= UNKNOWN_SHARE else Reason.LOW_COVERAGE
    if not best.anchored:
        return Reason.UNANCHORED
    # A partial match that barely beats another partial match is a guess between topics, unless the
    # question says one of the best entry's own phrasings in full ("ALT or CIR"), a good share of it,
    # and the runner-up has no such phrasing.
    # Nor is it a guess when a yes/no question names the best entry and not the runner-up: "do CIRs ever
    # go along with delegations from sister cities?" asks about CIRs, whatever else sister cities do.
    if (runner_up is not None and best.coverage < 0.9 and best.score - runner_up.score < MIN_MARGIN
            and not (best.contained >= CONTAINED_MIN and best.contained > runner_up.contained)
            and not (yes_no and best.named and not runner_up.named)):
        return Reason.NEAR_TIE
    if identity_question and not says_who:
        return Reason.IDENTITY
    return None


# Words written with a capital or a digit first, one after another: a name ("Kamiyama", "JETAA Northern
# England", so a name of one word and one of two give the same shape) or a figure.
_NAME_OR_FIGURE = re.compile(r"\b[A-Z0-9][\w'-]*(?:[ \t]+[A-Z0-9][\w'-]*)*")


_TIMES = frozenset(tokens("minute minutes hour hours day days week weeks month months before after earlier later"))
# "can the bot post reminders in a channel instead of DMing people?": the other way asked for.
INSTEAD = re.compile(r"\b(?:can|could|is it possible to|is there a way to)\s+(?:(?:i|we|you|u|it|the bot|jetbot|people|"
                     r"members|they)\s+)?(?P<other>.{3,80}?)\s+(?:instead of|rather than)\b", re.IGNORECASE)


def _asks_for(question: str) -> set[str]:
    """The kinds of detail a question asks for: its attributes, and a count ("how many mayors came to
    the U20 Mayors Summit" says the entry's phrasing "U20 Mayors Summit" and asks more than it)."""
    wanted = {a.name for a in attributes.asked(question)}
    return wanted | {"count"} if "number" in tokens(question) else wanted


def _shape(entry: Entry) -> str:
    """The entry's answer with its names and figures masked: entries written from one template, one per
    town, chapter or event ("The Kamiyama board of education places ALTs ...") share a shape."""
    return _NAME_OR_FIGURE.sub("#", entry.answer)


class AnswerEngine:
    """Answers questions from one knowledge base; build once, call ``answer`` many times."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.entries: tuple[Entry, ...] = kb.entries
        spelling.warm()  # once per process: the first question must not pay for reading the word list
        # Word statistics count kinds of entry, not entries: entries that give the same answer about
        # different names (a thousand towns' "board of education places ALTs") are one kind. Counted one
        # by one, they would make "places" and "ALT" common words and every word they never say
        # ("JET", "ministry") about as rare as a name: IDF ratios flatten as log(n) grows, and two real
        # entries that differ by "ministry" against "JET" become near ties. A name in them ("Kamiyama")
        # is still the word of its own entries only. In a knowledge base whose answers all differ this
        # is plain document frequency.
        shape_ids: dict[str, int] = {}
        shape_of = [shape_ids.setdefault(_shape(e), len(shape_ids)) for e in self.entries]
        n = max(1, len(shape_ids))
        self._entry_tokens: list[dict[str, float]] = []
        raw_phrasings: list[list[tuple[frozenset[str], str]]] = []
        phrase_lines: list[list[list[str]]] = []
        self._alias_sets: list[list[frozenset[str]]] = []
        self._alias_phrases: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        self._alias_single: dict[str, set[int]] = defaultdict(set)
        df_shapes: dict[str, set[int]] = defaultdict(set)
        shortest: dict[tuple[str, int], int] = {}
        for i, entry in enumerate(self.entries):
            fields: dict[str, float] = {}
            phrasings: list[tuple[frozenset[str], str]] = []
            lines: list[list[str]] = []
            alias_sets: list[frozenset[str]] = []
            for text, weight, is_alias in self._fields(entry):
                toks = tokens(text)
                if not toks:
                    continue
                phrasings.append((frozenset(toks), " ".join(toks)))
                lines.append(toks)
                for tok in toks:
                    if fields.get(tok, 0.0) < weight:
                        fields[tok] = weight
                    key = (tok, i)
                    shortest[key] = min(shortest.get(key, 99), len(toks))
                if is_alias and (len(toks) > 1 or len(words(text)) == 1):
                    # An alias is a name said in full; "Explanation Day" minus its stopword is not
                    # a one-word name ("day").
                    alias_sets.append(frozenset(toks))
                    if len(toks) == 1:
                        self._alias_single[toks[0]].add(i)
                    else:
                        self._alias_phrases[toks[0]].append((tuple(toks), i))
            self._entry_tokens.append(fields)
            raw_phrasings.append(phrasings)
            phrase_lines.append(lines)
            self._alias_sets.append(alias_sets)
            for tok in fields:
                df_shapes[tok].add(shape_of[i])
        df = {tok: len(ids) for tok, ids in df_shapes.items()}
        answer_lines = self._index_answers(phrase_lines)
        self._answer_vocab: frozenset[str] = frozenset().union(*self._answer_tokens) if self.entries else frozenset()
        self.idf: dict[str, float] = {tok: math.log(1.0 + n / count) for tok, count in df.items()}
        self._df: dict[str, int] = dict(df)
        # Words shared by a tenth of the entries ("japanese", "role", "jet") cannot pick an entry on
        # their own: an answer needs a rarer word, or one of the entry's aliases said in full.
        # The bar is absolute (GENERIC_DF entries) in a big knowledge base, so ten thousand entries
        # about other towns do not make "japanese" specific, and a share of the entries in a small one.
        generic_df = max(GENERIC_MIN_DF, min(GENERIC_DF, GENERIC_SHARE * n))
        self._generic = frozenset(t for t, count in df.items() if count >= generic_df)
        self._common = self._generic | LIGHT_WORDS  # words that cannot make a phrasing specific
        # Each phrasing with its total weight, for the Dice overlap.
        self._phrasings: list[list[tuple[frozenset[str], str, float]]] = [
            [(pset, text, sum(self.idf[t] for t in pset)) for pset, text in raw] for raw in raw_phrasings
        ]
        # Token -> the phrasings that contain it, per entry: only those are compared with a question.
        self._phrase_index: list[dict[str, list[int]]] = []
        for weighted in self._phrasings:
            index: dict[str, list[int]] = defaultdict(list)
            for k, (pset, _, _) in enumerate(weighted):
                for t in pset:
                    index[t].append(k)
            self._phrase_index.append(dict(index))
        # An unknown word weighs like a word found in a single entry: the knowledge base cannot vouch for it.
        self.unknown_weight = math.log(1.0 + n)
        self._postings = self._build_postings(shortest)
        self.vocabulary = Vocabulary(self.idf, self._answer_vocab, self._token_lines)
        self._resolve = self.vocabulary.resolve
        self._self_tokens = [t for t in tokens(SELF_NAME) if t in self.idf]
        self._index_of = {e.id: i for i, e in enumerate(self.entries)}
        self._alias_words: list[frozenset[str]] = [frozenset().union(*sets) for sets in self._alias_sets]
        self._alias_vocab: frozenset[str] = frozenset().union(*(a for sets in self._alias_sets for a in sets))
        self._answers_who = [any(ASKS_WHO.search(q) for q in (e.title, *e.questions)) for e in self.entries]
        self._bot_vocab = scope.bot_vocabulary([e.category for e in self.entries], self._alias_words,
                                               [f.keys() for f in self._entry_tokens], self._answer_tokens)
        begins = ["begin" in f or "begin" in a for f, a in zip(self._entry_tokens, self._answer_tokens, strict=True)]
        self._figures = Figures([[p for p, _ in raw] for raw in raw_phrasings], answer_lines,
                                [e.title for e in self.entries], begins, self.idf, self._generic,
                                self._alias_words, [e.answer for e in self.entries])
        self._completer = Completer(self.entries, lambda pairs: [(s.index, s.coverage) for s in self._rank(pairs)])

    def _index_answers(self, phrase_lines: list[list[list[str]]]) -> list[list[list[str]]]:
        """The answer texts, each sentence tokenised once (returned): their words (weak evidence for an
        entry its phrasings already anchor) and, with the phrasings, every line in order (where a name of
        several words is said together)."""
        answer_lines = [[toks for sentence in SENTENCE.split(affirmed(e.answer)) if (toks := tokens(sentence))]
                        for e in self.entries]
        self._answer_tokens: list[frozenset[str]] = [frozenset(t for line in ls for t in line) for ls in answer_lines]
        self._token_lines: list[list[list[str]]] = [p + a for p, a in zip(phrase_lines, answer_lines, strict=True)]
        return answer_lines

    @staticmethod
    def _fields(entry: Entry) -> Iterable[tuple[str, float, bool]]:
        yield entry.title, TITLE_W, False
        for alias in entry.aliases:
            yield alias, ALIAS_W, True
        for question in entry.questions:
            yield question, QUESTION_W, False

    def _build_postings(self, shortest: dict[tuple[str, int], int]) -> dict[str, tuple[tuple[int, float], ...]]:
        """Token -> entries, strongest first: the field weight, plus a little for being in a short
        phrasing ("ALT" the alias beats "ALT placements in Kamiyama's schools"), so that when
        thousands of entries share a word, the specific ones reach rescoring rather than the first."""
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, fields in enumerate(self._entry_tokens):
            for tok, weight in fields.items():
                postings[tok].append((i, weight + SPECIFIC_W / shortest[(tok, i)]))
        out: dict[str, tuple[tuple[int, float], ...]] = {}
        for tok, strengths in postings.items():
            strengths.sort(key=lambda p: (-p[1], p[0]))
            out[tok] = tuple(strengths)
        return out

    def _unknown(self, tok: str) -> float:
        """The weight of a word the knowledge base does not know: that of a word found in one entry,
        or a fraction of it for an everyday word."""
        light = tok in LIGHT_WORDS or FIGURE.fullmatch(tok) is not None
        return self.unknown_weight * LIGHT_W if light else self.unknown_weight

    # -- answering -----------------------------------------------------------------------------
    def answer(self, question: str) -> Answer:
        """The best entry for ``question``, or a decline with suggestions when no entry fits well. A
        message of several clauses is read by ``message.answer``, one clause at a time where that helps."""
        question = respell(question or "")
        if INSTRUCTION.search(question):
            return self._decline(" ".join(tok for _, tok in self._pairs(question)), [], Reason.INSTRUCTION)
        return message.answer(question, self)

    def alias_vocab_of(self, entry_id: str) -> frozenset[str]:
        """The words of entry ``entry_id``'s names (aliases)."""
        return self._alias_words[self._index_of[entry_id]]

    def context_topic(self, context: list[str]) -> str:
        """The words of context clauses that are part of the knowledge base's aliases ("MEXT", "JLGC",
        "trip" for the study tour), not its everyday words ("since", "first"); a word many entries share
        only when written as a name ("JET"): the topic an asking clause's "it" or "their" refers to."""
        text = " ".join(context)
        written_as_names = {t for m in CAPITALISED.finditer(text) for t in tokens(m.group(0))}
        # A country stays in the topic, known or not: "JETAA chapters in Australia - how many?" counts there.
        places = countries_in_lower_case(text, any_case=True)
        words_known = [raw for raw, tok in self._pairs(text)
                       if (tok in self._alias_vocab and tok not in LIGHT_WORDS
                           and (tok in written_as_names or tok not in self._generic)) or tok in places]
        return " ".join(dict.fromkeys(words_known))

    def names_topic(self, text: str) -> bool:
        """Whether ``text`` says one of the entries' aliases in full ("CLAIR fellowship", "MIC") or a name
        the knowledge base knows: then it is a topic, not small talk ("new here", "quick q")."""
        if any(t in self.idf and t not in self._generic for t in names_in(text)):
            return True  # a name the knowledge base knows: "I'm Canadian", "I live in Osaka"
        seq = tokens(text)
        for pos, tok in enumerate(seq):
            if tok in self._alias_single:
                return True
            if any(tuple(seq[pos:pos + len(phrase)]) == phrase for phrase, _ in self._alias_phrases.get(tok, ())):
                return True
        return False

    def unsaid_names(self, text: str, entry_id: str) -> frozenset[str]:
        """The tokens of names of several words written in ``text`` ("JLGC NY") that several entries
        know but entry ``entry_id`` never says together: what the text asks about is something else.
        (One-word names are often the choices a question offers: "between ALT and CIR, which one".)"""
        i = self._index_of[entry_id]
        return frozenset(tok for tok, (_, toks) in names_in(text).items()
                         if len(toks) > 1 and self._facet(tok) and not self._says_name(i, toks))

    def _facet(self, tok: str) -> bool:
        """Whether a name's word tells entries apart: several entries know it (London, New York, JETAA),
        and not so many that it is everywhere (JET)."""
        return tok in self.idf and tok not in self._generic and self._df[tok] >= 2

    def _pairs(self, question: str) -> list[tuple[str, str]]:
        """The question's (word, token) pairs, run-together words split."""
        out: list[tuple[str, str]] = []
        for raw, tok in token_pairs(question):
            split = self.vocabulary.split_run_together(raw, tok)
            out.extend(split or [(raw, tok)])
        return out

    def answer_one(self, question: str) -> Answer:
        """``question`` read as one clause: ranked, decided, and checked for what it asks."""
        return self._answer(question)

    def _answer(self, question: str) -> Answer:
        question = question or ""
        pairs = self._pairs(question)
        normalized = " ".join(tok for _, tok in pairs)
        if not pairs and self._self_tokens and SELF_REFERENCE.search(question):
            # "Who are you?", "what can you do?": nothing but stopwords, addressed to the bot itself.
            pairs = [(t, t) for t in self._self_tokens]
        if SMALL_TALK.match(question):
            return self._decline(normalized, [], Reason.EMPTY)
        if THANKS.match(question):
            return Answer(False, None, 0.0, (), THANKS_TEXT, normalized, reason=Reason.EMPTY)
        if not pairs:
            return self._decline(normalized, [], Reason.EMPTY if not question.strip() else Reason.UNKNOWN_WORDS)
        weak = weak_abbreviations(question) & {tok for _, tok in pairs}
        names = names_in(question)
        if IS_THERE.match(question):
            # "is there a JETAA chapter in scotland?": the place is the point, however it is typed.
            names = {**countries_in_lower_case(question), **names}
        yes_no = YES_NO.match(question) is not None
        ranked = self._rank(pairs, weak, names, self._heads(question), yes_no, asked_kind(question))
        if ranked and (NO_TOPIC_TOKENS.issuperset(tok for _, tok in pairs)
                       or (len({tok for _, tok in pairs}) == 1 and ENDS_ON_REFERENT.match(question))):
            # "which prefecture was that?" on its own: one word, and what "that" is was never said.
            # Only a question type ("how many?", "when did it start?", "how old are you"): no topic to answer.
            return self._decline(normalized, ranked, Reason.NO_TOPIC)
        reason = self._decide(question, pairs, ranked, yes_no)
        if reason is None:
            best = ranked[0]
            entry = self.entries[best.index]
            what = self._unanswered(question, best, pairs, names)
            if what is not None:
                return self._partial(normalized, ranked, what)
            return Answer(True, entry, round(min(100.0, max(MIN_SCORE, best.score)), 1), self._suggestions(ranked[1:]),
                          entry.answer, normalized)
        if reason in (Reason.LOW_COVERAGE, Reason.UNKNOWN_WORDS):
            partial = self._topic_without_attribute(question, pairs, weak, names, normalized)
            if partial is not None:
                return partial
        if weak:
            # Declined; the suggestions may still read "sea" as SEA: "Did you mean the SEA role?" is
            # a fair question to ask about "sea salt", though not a fair answer.
            ranked = self._rank(pairs) or ranked
        return self._decline(normalized, ranked, reason)

    def _unanswered(self, question: str, best: _Scored, pairs: list[tuple[str, str]],
                    names: dict[str, tuple[str, frozenset[str]]]) -> str | None:
        """What the question asks that the best entry does not give ("the cost", "a figure for UK"), or
        None. A question that is one of the entry's own phrasings, asking what that phrasing asks
        ("when is pub night?" to the entry its organiser wrote for it), is answered as its author meant."""
        i = best.index
        # A name the entry never says ("JETAA chapters in Australia, how many?") asks more than its phrasing.
        if (best.contained >= OWN_PHRASING and self._asks_like_a_phrasing(i, question)
                and not set(names) - self._entry_tokens[i].keys()
                and not attributes.denied(question, self.entries[i].answer)):
            return None
        return (attributes.missing(question, self.entries[i].answer, current=is_chapter_entry(self.entries[i]))
                or self._figures.missing(i, question, {tok for _, tok in pairs}, names)
                or self._figures.missing_place(i, question, names, {tok for _, tok in pairs})
                or self._other_way(i, question))

    def _other_way(self, i: int, question: str) -> str | None:
        """"Can the bot post reminders in a channel instead of DMing people?": the bot help describes the
        way it works (DMs); another way is offered only if the entry says every word of it (a channel)."""
        match = INSTEAD.search(question)
        if match is None or self.entries[i].category != scope.BOT_CATEGORY:
            return None
        said = self._entry_tokens[i].keys() | self._answer_tokens[i]
        # A time or a number ("2 days before") is a setting, not another way of working.
        wanted = {tok for tok in tokens(match.group("other"))
                  if tok not in LIGHT_WORDS and tok not in self._self_tokens and tok not in _TIMES
                  and not FIGURE.fullmatch(tok)}
        return "that option" if wanted - said else None

    def _asks_like_a_phrasing(self, i: int, question: str) -> bool:
        wanted = _asks_for(question)
        return any(wanted <= _asks_for(p) for p in self.entries[i].questions)

    def _decide(self, question: str, pairs: list[tuple[str, str]], ranked: list[_Scored],
                yes_no: bool) -> Reason | None:
        match = clause_match(IDENTITY, question)
        fragment = None if match else ROLE_FRAGMENT.search(question) or NAME_OF_POST.search(question)
        runs = clause_match(RUNS_OFFICE, question)
        identity = (match is not None or fragment is not None or runs is not None
                    or IDENTITY_JA.search(question) is not None)
        says_who = True
        if identity and ranked:
            post = (next((g for g in fragment.groups() if g), "") if fragment
                    else ("chair" if runs and runs.group("chair") else "head") if runs else "")
            # "who's the current director general": the post is the director general, "current" says when.
            role = [pair for pair in token_pairs(match.group("rest") if match else post)
                    if pair[1] not in ROLE_MODIFIERS][:1]
            asked = (self._resolve(role[0][1], role[0][0]).vocab or role[0][1]) if role else None
            # "who is the director general of JLGC New York?": the London directors hold another office's post.
            says_who = (self._says_who(ranked[0].index, {tok for _, tok in pairs}, asked,
                                       post_asked=runs is not None)
                        and not self.unsaid_names(question, self.entries[ranked[0].index].id))
        reason = decide(ranked, identity_question=identity, says_who=says_who, yes_no=yes_no,
                        chatty=len({tok for _, tok in pairs}) >= CHATTY_WORDS)
        if reason is None and self._about_other_organisation(ranked[0].index, question):
            return Reason.OTHER_ORGANISATION
        if reason is None and self._takes_one_side(ranked[0].index, question):
            return Reason.NEAR_TIE
        return reason

    def _takes_one_side(self, i: int, question: str) -> bool:
        """"Is JET a MOFA thing or a CLAIR thing?" pits two names: an entry about one of them (MOFA's
        role, which mentions CLAIR only in passing) answers half the question as if it were all of it."""
        match = EITHER_OR.search(question)
        if match is None:
            return False
        named = [bool(side) and side <= self._alias_words[i]
                 for side in (frozenset(tokens(match.group(k))) for k in (1, 2))]
        return named[0] != named[1]  # the entry is about one side and not the other

    def _about_other_organisation(self, i: int, question: str) -> bool:
        """Whether entry ``i`` is bot help and the question names an organisation it never mentions.
        The asker's own chapter ("organiser for a small JETAA chapter here") is where the bot runs."""
        said = self._entry_tokens[i].keys() | self._answer_tokens[i]
        asked = (tok for _, tok in self._pairs(scope.OWN_CHAPTER.sub("chapter", question)))
        return scope.foreign_organisation(asked, self.entries[i].category, said) is not None

    def _says_who(self, i: int, toks: set[str], role: str | None, *, post_asked: bool = False) -> bool:
        """Whether entry ``i`` answers "who is the <role> of X": the question says one of its aliases and
        nothing more specific ("who is the famous Akira Matsutani"; not "who runs the LSE Design Lab",
        which asks who runs it: ``post_asked``), or its phrasings ask "who" and it names
        that role ("director" for the London directors, not for JLGC New York, whose page names no one)."""
        said = self._entry_tokens[i].keys() | self._answer_tokens[i]
        if not (toks & POSTS) <= said:
            return False  # "who is the minister, the head of MEXT?": a post the entry never names
        for alias in self._alias_sets[i]:
            if not post_asked and alias <= toks and toks - alias <= self._common:
                return True
        if not self._answers_who[i]:
            return False
        return role is None or role in self._entry_tokens[i] or role in self._answer_tokens[i]

    def _topic_without_attribute(self, question: str, pairs: list[tuple[str, str]], weak: frozenset[str],
                                 names: dict[str, tuple[str, frozenset[str]]], normalized: str) -> Answer | None:
        """"What's the phone number for CLAIR's head office?": without the words that only name what is
        asked ("phone", "number"), the topic is clear. If its entry does not give that, say so."""
        drop = attributes.attribute_words(question)
        rest = [(raw, tok) for raw, tok in pairs if tok not in drop]
        if not drop or len(rest) == len(pairs) or not rest:
            return None
        ranked = self._rank(rest, weak, names)
        if decide(ranked) is not None:
            return None
        entry = self.entries[ranked[0].index]
        what = attributes.missing(question, entry.answer, current=is_chapter_entry(entry))
        return self._partial(normalized, ranked, what) if what else None

    def _partial(self, normalized: str, ranked: list[_Scored], what: str) -> Answer:
        """A decline that says what the documents lack and shows what they say about the topic."""
        entry = self.entries[ranked[0].index]
        text = attributes.partial_text(what, entry.title, entry.answer)
        return Answer(False, None, round(min(DECLINED_MAX, ranked[0].score), 1), self._suggestions(ranked[1:]),
                      text, normalized, reason=Reason.MISSING_ATTRIBUTE, related=entry)

    # -- ranking -------------------------------------------------------------------------------
    def _rank(self, pairs: list[tuple[str, str]], weak: frozenset[str] = frozenset(),
              names: dict[str, tuple[str, frozenset[str]]] | None = None,
              heads: tuple[frozenset[str], ...] = (), yes_no: bool = False,
              asked_kind: frozenset[str] = frozenset()) -> list[_Scored]:
        query = self._query(pairs, weak, names, asked_kind)
        if query is None:
            return []
        query.heads = heads
        query.yes_no = yes_no
        scored = [self._score(i, query) for i in self._candidates(query)]
        # Sort on the raw score (it can pass 100 with the phrase bonus); the caller caps what it shows.
        scored.sort(key=lambda s: (-s.score, s.index))
        return scored

    def _query(self, pairs: list[tuple[str, str]], weak: frozenset[str],
               names: dict[str, tuple[str, frozenset[str]]] | None = None,
               asked_kind: frozenset[str] = frozenset()) -> _Query | None:
        """Resolve each token; weigh it by IDF (or as an unknown word). ``asked_kind``: the words after
        "which" or "what" ("what courses does ..."), which weigh as much as a name when unknown."""
        unique = list(dict.fromkeys(pairs))
        resolved = [r for r in (self._resolve(tok, raw) for raw, tok in unique) if not r.ignore]
        exact = {r.vocab for r in resolved if r.conf == 1.0}
        # A "correction" onto a word the question already says ("hours" read as "house" next to
        # "Japan House") is an unknown word, not a second match.
        resolved = [Resolved(r.token, None, 0.0) if r.conf < 1.0 and r.vocab in exact else r for r in resolved]
        known: list[tuple[Resolved, float]] = []
        unknown: list[tuple[str, float]] = []
        seen: set[str] = set()
        for r in resolved:
            if r.vocab is None:
                if r.token not in seen:
                    # A name the knowledge base never mentions ("JLGC Sydney") is what the question
                    # is about: the entries on its neighbours do not answer it.
                    named = (names and r.token in names) or r.token in asked_kind
                    w = self._unknown(r.token) * (UNKNOWN_NAME_W if named else 1.0)
                    unknown.append((r.token, w))
                    seen.add(r.token)
            elif r.vocab not in seen:
                known.append((r, self.idf[r.vocab]))
                seen.add(r.vocab)
        if not known:
            return None
        total = sum(w for _, w in known) + sum(w for _, w in unknown) or 1.0
        by_token = {r.token: r for r in resolved}
        seq = [(by_token[tok].vocab or tok) if tok in by_token else tok for _, tok in pairs]
        wmap = {r.vocab: w * r.conf for r, w in known if r.vocab}
        weak_vocab = frozenset(r.vocab for r in resolved if r.token in weak and r.vocab)
        # Only names several entries know (London, New York, JETAA): facets that tell entries apart.
        names = {t: g for t, g in (names or {}).items() if t in wmap and self._facet(t)}
        query = _Query(seq, known, unknown, wmap, total, weak_vocab, names, unknown_weight=sum(w for _, w in unknown))
        query.alias_share = self._alias_shares(query)
        return query

    def _heads(self, question: str) -> tuple[frozenset[str], ...]:
        """The kind of thing the answer must be about: after "which", the first word few entries share
        ("which government ministry" -> ministry); after "how many", either of the next two such words
        ("how many regional offices" -> regional or office)."""
        heads = []
        for m in WHICH.finditer(question):
            words_after = [t for t in tokens(m.group(2)) if t not in self._common]
            group = words_after[:1] if m.group(1).lower() == "which" else words_after[:2]
            if group:
                heads.append(frozenset(group))
        return tuple(heads)

    def _lacks_head(self, i: int, tok: str, q: _Query) -> bool:
        """Whether ``tok`` belongs to a head group of which entry ``i`` says no word."""
        groups = [group for group in q.heads if tok in group]
        if not groups:
            return False
        fields, answer = self._entry_tokens[i], self._answer_tokens[i]
        return any(not any(t in fields or t in answer for t in group) for group in groups)

    def _alias_shares(self, q: _Query) -> dict[int, float]:
        """An alias found in the question ("coordinator for international relations", "CIR") is strong
        evidence in proportion to how much of the question it is: all of "CIR?", a little of "do ALTs
        need Japanese"."""
        share: dict[int, float] = defaultdict(float)
        for pos, tok in enumerate(q.seq):
            for phrase, i in self._alias_phrases.get(tok, ()):
                if tuple(q.seq[pos:pos + len(phrase)]) == phrase:
                    share[i] = max(share[i], sum(q.wmap.get(t, 0.0) for t in set(phrase)) / q.total)
            for i in self._alias_single.get(tok, ()):
                share[i] = max(share[i], q.wmap.get(tok, 0.0) / q.total)
        return share

    def _candidates(self, q: _Query) -> list[int]:
        """The ``RESCORE`` entries with the most weighted overlap, over bounded posting lists."""
        acc: dict[int, float] = defaultdict(float)
        for r, w in q.known:
            if r.vocab is None:  # known words always have one; this narrows the type
                continue
            for i, strength in self._postings[r.vocab][:MAX_POSTINGS]:
                acc[i] += w * r.conf * strength
        return sorted(acc, key=lambda i: (-acc[i], i))[:RESCORE]

    def _score(self, i: int, q: _Query) -> _Scored:
        fields = self._entry_tokens[i]
        qset, extra_unknown = self._without_foreign_names(i, q, *self._query_for_entry(i, q))
        matched, strength, anchored = 0.0, 0.0, False
        for t, w in qset.items():
            f = fields.get(t)
            if f is not None:
                matched += w * min(1.0, f / QUESTION_W)
                strength += w * f
                anchored = anchored or t not in self._generic
        dice, contained, best_phrase, said = self._phrase_match(i, qset, q.total)
        if not anchored:
            anchored = said or any(a <= qset.keys() for a in self._alias_sets[i])
        elif len(q.seq) == 1 and not self._central(i, q.seq[0]):
            # One word that is not one of the entry's names ("made" in "who made you?"): a word its
            # phrasings happen to use, not what the entry is about.
            anchored = False
        missing, unknown = self._absent_words(i, q, qset)
        unknown += extra_unknown
        # A word no phrasing knows but this entry's answer text says counts ANSWER_CREDIT for it, when
        # the entry's own phrasings already account for a good part of the question.
        names_it = q.yes_no and q.alias_share.get(i, 0.0) > 0.0
        answer_words = (self._answer_tokens[i] if anchored and (matched >= ANSWER_GATE * q.total or names_it)
                        else frozenset())
        # A yes/no question naming the entry credits its known words the answer says the same way.
        in_answer = self._said_in_answer(i, q, qset, answer_words)
        matched += in_answer * ANSWER_CREDIT
        missing -= in_answer
        for tok, w in q.unknown:
            if tok in answer_words:
                matched += w * ANSWER_CREDIT
                unknown += w * (1.0 - ANSWER_CREDIT)
            else:
                unknown += w
        coverage = matched / max(1e-9, matched + unknown + KNOWN_MISS * missing)
        fz = fuzz.token_sort_ratio(" ".join(q.seq), best_phrase) / 100.0 if best_phrase else 0.0
        score = 100.0 * (0.45 * coverage + 0.2 * strength / q.total + 0.25 * dice + 0.1 * fz)
        score += 100.0 * PHRASE_BONUS * coverage * q.alias_share.get(i, 0.0)
        return _Scored(i, score, coverage, dice, anchored, contained, q.unknown_weight / q.total,
                       q.alias_share.get(i, 0.0) > 0.0)

    def _said_in_answer(self, i: int, q: _Query, qset: dict[str, float], answer_words: frozenset[str]) -> float:
        """The weight of known words that entry ``i``'s phrasings lack but its answer says ("does a CIR
        interpret for visitors from sister cities?": the CIR entry lists that duty). Only words counted
        as merely missing (not names of something else, nor question types) are credited."""
        if not answer_words or not q.yes_no or q.alias_share.get(i, 0.0) <= 0.0:
            return 0.0
        fields = self._entry_tokens[i]
        total = 0.0
        for r, w in q.known:
            vocab = r.vocab
            if (vocab is None or vocab in fields or vocab not in qset or vocab not in answer_words
                    or r.conf < 1.0 or vocab in q.names or vocab in INTENT_TOKENS or vocab in self._bot_vocab
                    or self._lacks_head(i, vocab, q)):
                continue
            total += w
        return total

    def _central(self, i: int, tok: str) -> bool:
        """Whether a word is what entry ``i`` is about: part of its names, or in two of its phrasings."""
        return tok in self._alias_words[i] or len(self._phrase_index[i].get(tok, ())) >= 2

    def _absent_words(self, i: int, q: _Query, qset: dict[str, float]) -> tuple[float, float]:
        """The question's known words that entry ``i`` lacks: (half-counted, fully counted) weights.

        A word the knowledge base knows but this entry does not counts half against it (the question
        is in the domain, phrased differently). Fully: a typo correction that does not help this entry
        ("rate" read as the town "Rabe"), the kind of thing asked ("which ministry") when the entry is
        not about one, a name of something else ("New York" asked of the London entry), and a
        question type the entry never answers ("how many": weighed at least like an unknown word,
        since in a big knowledge base its IDF is small but what it asks for is no less specific)."""
        fields = self._entry_tokens[i]
        missing = unknown = 0.0
        for r, w in q.known:
            vocab = r.vocab
            if vocab is None or vocab in fields or vocab not in qset:
                continue
            if r.conf < 1.0:
                unknown += self.unknown_weight
            elif self._lacks_head(i, vocab, q):
                unknown += w
            elif vocab in q.names and not self._says_name(i, q.names[vocab][1]):
                unknown += w
            elif vocab in INTENT_TOKENS:
                unknown += max(w, INTENT_MISS * self.unknown_weight)
            elif vocab in self._bot_vocab and self.entries[i].category != scope.BOT_CATEGORY:
                unknown += w
            else:
                missing += w
        return missing, unknown

    def _without_foreign_names(self, i: int, q: _Query, qset: dict[str, float],
                               extra: float) -> tuple[dict[str, float], float]:
        """A name of several words that entry ``i`` never says together ("the JETAA New York chapter"
        asked of JLGC New York): none of its words count for the entry, all count against it."""
        foreign = {t for t, (_, toks) in q.names.items()
                   if len(toks) > 1 and t in qset and not self._says_name(i, toks)}
        if not foreign:
            return qset, extra
        return {t: w for t, w in qset.items() if t not in foreign}, extra + sum(qset[t] for t in foreign)

    def _says_name(self, i: int, name: frozenset[str]) -> bool:
        """Whether entry ``i`` says a name, in its phrasings or its answer; a name of several words
        together ("JETAA New York" is not said by an entry with "JETAA chapters" in one sentence and
        "New York" in another)."""
        fields, answer = self._entry_tokens[i], self._answer_tokens[i]
        if not all(t in fields or t in answer for t in name):
            return False
        if len(name) == 1:
            return True
        reach = len(name) + 1
        for seq in self._token_lines[i]:
            spots = [k for k, t in enumerate(seq) if t in name]
            for start in spots:
                if name <= set(seq[start:start + reach]):
                    return True
        return False

    def _query_for_entry(self, i: int, q: _Query) -> tuple[dict[str, float], float]:
        """The question's known words as this entry should see them, and extra unknown weight.

        "sea" in lower case is the English word unless the entry also covers another word of the
        question: "the sea of Japan" is not about the SEA role, "sea role on jet" is."""
        fields = self._entry_tokens[i]
        if not (q.weak and q.weak & fields.keys()):
            return q.wmap, 0.0
        others = [r for r, _ in q.known if r.vocab not in q.weak]
        if (others or q.unknown) and not any(r.vocab in fields for r in others):
            qset = {t: w for t, w in q.wmap.items() if t not in q.weak}
            return qset, sum(self.unknown_weight for t in q.weak if t in fields)
        return q.wmap, 0.0

    def _phrase_match(self, i: int, qset: dict[str, float], total: float) -> tuple[float, float, str, bool]:
        """The best phrasing's weighted Dice overlap with the question, the share of the question said
        by a phrasing in full, that best phrasing's text, and whether the question is essentially one
        of the entry's phrasings of two words or more ("when was JET created" = "when did JET begin"):
        that anchors the entry even when every word is common."""
        dice, contained, best_phrase, said = 0.0, 0.0, "", False
        phrasings = self._phrasings[i]
        index = self._phrase_index[i]
        shared: dict[int, float] = defaultdict(float)
        for t, w in qset.items():
            for k in index.get(t, ()):
                shared[k] += w
        best_k = -1
        for k, inter in shared.items():
            pset, ptext, psum = phrasings[k]
            if inter >= psum - 1e-9:
                # A phrasing of everyday words is no evidence, unless one is the entry's own name
                # ("when is the bonenkai" to the chapter's bonenkai entry).
                if not pset <= self._common or pset & self._alias_words[i] - self._generic:
                    contained = max(contained, inter / total)
                said = said or (len(pset) >= 2 and inter >= SAID_SHARE * total)
            d = 2.0 * inter / (total + psum)
            # Equal overlaps go to the phrasing written first: the question's words come in hash
            # order, and the answer must not change from one process to the next.
            if d > dice + 1e-9 or (d > dice - 1e-9 and best_k >= 0 and k < best_k):
                dice, best_phrase, best_k = d, ptext, k
        return dice, contained, best_phrase, said

    def _suggestions(self, ranked: Iterable[_Scored], limit: int = 3) -> tuple[Suggestion, ...]:
        """Up to ``limit`` related entries: each matches a specific word of the question (or says one of
        its aliases in full), so a question about CLAIR never suggests how to use ``/ask``. A question
        with no specific word at all ("how many?") gets the best candidates."""
        ranked = [s for s in ranked if s.score >= SUGGEST_MIN or s.named]
        any_anchored = any(s.anchored for s in ranked)
        out: list[Suggestion] = []
        for s in ranked:
            if len(out) >= limit:
                break
            if s.anchored or not any_anchored:
                entry = self.entries[s.index]
                out.append(Suggestion(entry.id, entry.title, round(min(100.0, s.score), 1)))
        return tuple(out)

    def _decline(self, normalized: str, ranked: list[_Scored], reason: Reason) -> Answer:
        suggestions = self._suggestions(ranked)
        best = min(DECLINED_MAX, ranked[0].score) if ranked else 0.0
        return Answer(False, None, round(best, 1), suggestions,
                      fallback_text(suggestions, empty=reason == Reason.EMPTY), normalized, reason=reason)

    # -- autocomplete --------------------------------------------------------------------------
    def complete(self, current: str, limit: int = 25) -> list[Entry]:
        """Entries for the /ask autocomplete (see ``autocomplete.Completer``)."""
        return self._completer.complete(current, limit)


THANKS_TEXT = "You're welcome! Ask me anything else about the JET Programme, JETAA or this server's events."


def fallback_text(suggestions: tuple[Suggestion, ...], *, empty: bool = False) -> str:
    """What a person reads when the engine declines: honest, and a way forward."""
    if empty:
        return ("Ask me a question about the JET Programme, for example: *What does a CIR do?* "
                "or *When did JET begin?*")
    lines = ["I'm not sure I can answer that from my knowledge base, so I won't guess."]
    if suggestions:
        lines.append("Did you mean one of these?")
        lines.extend(f"- {s.title}" for s in suggestions)
    lines.append("You can also browse topics with `/ask` (start typing and pick one), or ask about "
                 "the ALT, CIR and SEA roles, CLAIR, the ministries, JLGC, JETAA or exchange programmes.")
    return "\n".join(lines)
