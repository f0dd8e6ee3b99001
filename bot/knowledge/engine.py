"""The answer engine: from a question to one entry, or to an honest "I'm not sure".

Pure and synchronous (no I/O, no Discord): the cog calls it inline, the command line and the
benchmark call exactly the same code. A confident wrong answer is the worst outcome, so the engine
declines unless the question's content is accounted for by one entry.

How a question is answered (see also ``normalize.py``):

1. **Tokens.** The question becomes content tokens (spelling-folded, stemmed, stopwords dropped).
2. **Resolving.** Each token is looked up in the knowledge base's vocabulary. An unknown token is
   tried as a different ending of a known word ("recruitment" ~ "recruit", sharing a prefix of at
   least five letters), then as a typo of one, using rapidfuzz over the vocabulary only (a few
   thousand words, bucketed by length, cached), never over every phrasing. Japanese runs without
   a known word are searched for known Japanese words inside them. Tokens that stay unknown still
   count: they are the part of the question the knowledge base knows nothing about.
3. **Candidates** come from an inverted index (token -> entries). Each token adds its IDF weight
   (rare words count most) times the field weight (aliases and titles 1.0, example questions 0.75).
   Posting lists are pre-sorted by strength and cut at ``MAX_POSTINGS``, so a word that occurs in
   thousands of entries costs the same as one that occurs in ten. An alias found in the question
   ("coordinator for international relations", "CIR") adds a bonus in proportion to how much of
   the question it is: all of "CIR?", a little of "do ALTs need Japanese?".
4. **Rescoring** of the best ``RESCORE`` candidates only: coverage (the share of the question's
   weight, unknown words included, that the entry accounts for), the best phrasing's weighted
   Dice overlap with the question, and rapidfuzz's ``token_sort_ratio`` against that entry's
   phrasings (cheap: a handful of strings per candidate). In coverage, a known word the entry lacks
   counts half against it (a paraphrase), but counts fully when it is
   - an unknown word, or a typo "correction" that does not help this entry;
   - a question type the entry never answers (``INTENT_TOKENS``: "how many", "how long", "when did
     it begin": an entry without a number does not answer "how many people work at MOFA");
   - "sea", "mic" or "alt" written in lower case when nothing else in the question supports this
     entry ("the sea of Japan" is not about the SEA role; "what is a sea on jet" is).
5. **Declining.** The best entry is given only if it covers most of the question (``MIN_COVERAGE``),
   its score passes ``MIN_SCORE``, it is not a near-tie between partial matches (``MIN_MARGIN``),
   and it is *anchored*: it matches a word that fewer than ``GENERIC_DF`` entries share, or one of
   its aliases is in the question in full. "How to say thank you in Japanese" leaves only
   "japanese", shared by many entries and no entry's full alias, so it is declined; "what is an
   ALT" says the alias ALT and is answered. "Where can I buy sea salt in London?" is declined,
   with the SEA role among the suggestions.
   A near-tie is answered after all when the best entry's own phrasing is in the question in full
   and carries a good share of it (``CONTAINED_MIN``), and the runner-up has no such phrasing:
   "is ALT or CIR better for me" says alt-vs-cir's "ALT or CIR". A question asking who someone is
   ("who is the mayor of Tokyo") is declined unless the entry's phrasings ask "who" or the
   question says one of its aliases in full.
6. A question made only of stopwords that addresses the bot ("who are you?") is read as the bot's
   name (``SELF_NAME``).
7. A chatty message is split into clauses. When the clauses that do not ask are small talk (they
   say no entry's alias in full: "hi! new here.", "quick q -", "sorry if dumb question but"), the
   asking clauses are answered first, on their own; otherwise ("CLAIR fellowship - how long?") the
   whole message is, and its asking clauses only if the whole is declined. Either way a clause
   answer stands only if every answerable asking clause points at the same entry.
8. An unknown everyday word ("finish", "old", "best": ``normalize.LIGHT_WORDS``) weighs ``LIGHT_W``
   of an unknown content word ("tickets", "capital"), and is never "corrected" into a known word.

The whole index is built once per knowledge base (a reload builds a new engine), so answering is a
few dictionary look-ups plus rapidfuzz on ~20 short strings: well under a millisecond.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.knowledge.model import Answer, Entry, KnowledgeBase, Suggestion
from bot.knowledge.normalize import LIGHT_WORDS, clauses, clean, has_cjk, question_clauses, tokens, weak_abbreviations

TITLE_W = 1.0
ALIAS_W = 1.0
QUESTION_W = 0.75
# Words of the answer text are NOT indexed (0.0): tried at 0.4, it raised the coverage of
# out-of-scope questions ("What's 2 + 2?" found "2" in an answer; "recommend a good laptop") from
# <= 0.38 to 0.53, eating the margin that keeps the engine from guessing. Recall comes from
# entries' example questions and aliases instead, which organisers control.
ANSWER_W = 0.0
# An unknown everyday word ("finish", "old", "best": ``normalize.LIGHT_WORDS``) weighs this share of an
# unknown content word: the question is still not fully accounted for, but it is not about "finish".
LIGHT_W = 0.3
MORPH_CONF = 0.9  # "recruitment" for "recruit": nearly as good as the word itself
TYPO_CONF = 0.85  # a corrected typo counts a little less than the word itself
SHORT_TYPO_CONF = 0.6  # four-letter words have many neighbours ("play"/"plac"): trust less
CJK_CONF = 0.9  # a known Japanese word found inside a longer run
MAX_POSTINGS = 400
SPECIFIC_W = 0.2
RESCORE = 24
KNOWN_MISS = 0.5
MIN_COVERAGE = 0.66
MIN_SCORE = 60.0
MIN_MARGIN = 5.0
# A near-tie is still answered when the best entry's phrasing is in the question in full and carries
# this share of its weight (see ``answer``).
CONTAINED_MIN = 0.3
SUGGEST_MIN = 25.0
PHRASE_BONUS = 0.15
GENERIC_SHARE = 0.15
GENERIC_DF = 10
# Question-type tokens made by ``normalize`` ("how many" -> number, "how long" -> duration). They
# are not topics: an entry whose phrasings never ask for a number is not an answer to "how many X".
INTENT_TOKENS = frozenset({"number", "duration", "begin"})
INTENT_MISS = 0.75
GENERIC_MIN_DF = 3
CACHE_SIZE = 20000
# A question made only of stopwords that addresses the bot ("who are you?") is about the bot: it is
# answered as if it said the bot's name, when the knowledge base has an entry that uses that name.
SELF_NAME = "jetbot"
# "Who is the mayor of Tokyo?" asks for a person's identity. An entry that mentions mayors in passing
# (the U20 Mayors Summit) does not answer it: only an entry whose own phrasings ask "who ...", or
# one whose alias the question says in full ("who is Akira Matsutani"), does.
_IDENTITY = re.compile(r"^\W*(?:who\s*(?:is|was|are|were|'s|s)|whos)\s+(?:the|a|an)\b", re.IGNORECASE)
_ASKS_WHO = re.compile(r"\bwho\b", re.IGNORECASE)
_SELF_REFERENCE = re.compile(
    r"\b(?:who|what|how|can|could|do|does|are|will)\b.*\b(?:you|your|yourself|u|ur)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Resolved:
    token: str  # as typed (normalised)
    vocab: str | None  # the knowledge-base word it stands for, None if unknown
    conf: float


@dataclass
class _Scored:
    index: int
    score: float
    coverage: float
    recall: float = 0.0  # how much of the entry's best-matching phrasing the question says
    dice: float = 0.0
    anchored: bool = True  # the entry matches a specific word of the question, or one of its aliases whole
    contained: float = 0.0  # share of the question's weight said by one of the entry's phrasings in full
    informative: bool = False  # the entry has every specific (non-generic) known word of the question


class AnswerEngine:
    """Answers questions from one knowledge base; build once, call ``answer`` many times."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.entries: tuple[Entry, ...] = kb.entries
        n = max(1, len(self.entries))
        self._entry_tokens: list[dict[str, float]] = []
        raw_phrasings: list[list[tuple[frozenset[str], str]]] = []
        self._alias_sets: list[list[frozenset[str]]] = []
        self._alias_phrases: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        self._alias_single: dict[str, set[int]] = defaultdict(set)
        df: dict[str, int] = defaultdict(int)
        shortest: dict[tuple[str, int], int] = {}
        for i, entry in enumerate(self.entries):
            fields: dict[str, float] = {}
            phrasings: list[tuple[frozenset[str], str]] = []
            alias_sets: list[frozenset[str]] = []
            for text, weight, is_alias in self._fields(entry):
                toks = tokens(text)
                if not toks:
                    continue
                if is_alias is not None:
                    phrasings.append((frozenset(toks), " ".join(toks)))
                for tok in toks:
                    if fields.get(tok, 0.0) < weight:
                        fields[tok] = weight
                    key = (tok, i)
                    shortest[key] = min(shortest.get(key, 99), len(toks))
                if is_alias:
                    alias_sets.append(frozenset(toks))
                    if len(toks) == 1:
                        self._alias_single[toks[0]].add(i)
                    else:
                        self._alias_phrases[toks[0]].append((tuple(toks), i))
            self._entry_tokens.append(fields)
            raw_phrasings.append(phrasings)
            self._alias_sets.append(alias_sets)
            for tok in fields:
                df[tok] += 1
        self.idf: dict[str, float] = {tok: math.log(1.0 + n / count) for tok, count in df.items()}
        # Words shared by a tenth of the entries ("japanese", "role", "jet") cannot pick an entry on
        # their own: an answer needs a rarer word, or one of the entry's aliases said in full.
        # The bar is absolute (GENERIC_DF entries) in a big knowledge base, so ten thousand entries
        # about other towns do not make "japanese" specific, and a share of the entries in a small one.
        generic_df = max(GENERIC_MIN_DF, min(GENERIC_DF, GENERIC_SHARE * n))
        self._generic = frozenset(t for t, count in df.items() if count >= generic_df)
        # Each phrasing with its total weight, for the Dice overlap and the recall in rescoring.
        self._phrasings: list[list[tuple[frozenset[str], str, float]]] = [
            [(pset, text, sum(self.idf[t] for t in pset)) for pset, text in phrasings] for phrasings in raw_phrasings
        ]
        # An unknown word weighs like a word found in a single entry: the knowledge base cannot vouch for it.
        self.unknown_weight = math.log(1.0 + n)
        postings: dict[str, list[int]] = defaultdict(list)
        for i, fields in enumerate(self._entry_tokens):
            for tok in fields:
                postings[tok].append(i)
        # Each posting carries its strength: the field weight, plus a little for being in a short
        # phrasing ("ALT" the alias beats "ALT placements in Kamiyama's schools"), so that when
        # thousands of entries share a word, the specific ones reach rescoring rather than the first.
        self._postings: dict[str, tuple[tuple[int, float], ...]] = {}
        for tok, ids in postings.items():
            strengths = [(i, self._entry_tokens[i][tok] + SPECIFIC_W / shortest[(tok, i)]) for i in ids]
            strengths.sort(key=lambda p: (-p[1], p[0]))
            self._postings[tok] = tuple(strengths)
        vocab = [t for t in self.idf if t.isascii() and t.isalpha() and len(t) >= 4]
        self._sorted_vocab = sorted(vocab)
        self._vocab_by_len: dict[int, list[str]] = defaultdict(list)
        for tok in vocab:
            self._vocab_by_len[len(tok)].append(tok)
        self._cjk_vocab: dict[str, list[str]] = defaultdict(list)
        for tok in self.idf:
            if has_cjk(tok) and len(tok) >= 2:
                self._cjk_vocab[tok[:2]].append(tok)
        self._resolve_cache: dict[str, _Resolved] = {}
        self._self_tokens = [t for t in tokens(SELF_NAME) if t in self.idf]
        titles = [(clean(e.title), i) for i, e in enumerate(self.entries)]
        self._complete_keys: list[tuple[str, int]] = titles + [
            (clean(alias), i) for i, e in enumerate(self.entries) for alias in e.aliases
        ]
        self._titles = [t for t, _ in titles]
        self._answers_who = [any(_ASKS_WHO.search(q) for q in (e.title, *e.questions)) for e in self.entries]
        self._alphabetical = sorted(range(len(self.entries)), key=lambda i: (self.entries[i].category, self._titles[i]))

    @staticmethod
    def _fields(entry: Entry) -> Iterable[tuple[str, float, bool | None]]:
        yield entry.title, TITLE_W, False
        for alias in entry.aliases:
            yield alias, ALIAS_W, True
        for question in entry.questions:
            yield question, QUESTION_W, False
        if ANSWER_W:
            yield entry.answer, ANSWER_W, None

    def _unknown(self, tok: str) -> float:
        """The weight of a word the knowledge base does not know: that of a word found in one entry,
        or a fraction of it for an everyday word."""
        return self.unknown_weight * LIGHT_W if tok in LIGHT_WORDS else self.unknown_weight

    # -- resolving query tokens ----------------------------------------------------------------
    def _resolve(self, tok: str) -> _Resolved:
        cached = self._resolve_cache.get(tok)
        if cached is not None:
            return cached
        found = self._resolve_uncached(tok)
        if len(self._resolve_cache) >= CACHE_SIZE:
            self._resolve_cache.clear()
        self._resolve_cache[tok] = found
        return found

    def _resolve_uncached(self, tok: str) -> _Resolved:
        if tok in self.idf:
            return _Resolved(tok, tok, 1.0)
        if tok in LIGHT_WORDS:  # never "corrected" into a topic word ("finish" is not "finnish")
            return _Resolved(tok, None, 0.0)
        if has_cjk(tok):
            best = None
            for start in range(len(tok) - 1):
                for cand in self._cjk_vocab.get(tok[start:start + 2], ()):
                    if tok.startswith(cand, start) and (best is None or len(cand) > len(best)):
                        best = cand
            return _Resolved(tok, best, CJK_CONF) if best else _Resolved(tok, None, 0.0)
        if not (tok.isascii() and tok.isalpha()) or len(tok) < 4:
            return _Resolved(tok, None, 0.0)
        if len(tok) >= 5:
            morph = self._morph(tok)
            if morph:
                return _Resolved(tok, morph, MORPH_CONF)
            n = len(tok)
            choices = [v for length in range(max(4, n - 2), n + 3) for v in self._vocab_by_len.get(length, ())]
            hit = process.extractOne(tok, choices, scorer=fuzz.ratio, score_cutoff=85) if choices else None
            if hit:
                return _Resolved(tok, hit[0], TYPO_CONF)
            return _Resolved(tok, None, 0.0)
        # Four letters: one substitution or swap, same first letter (typos rarely hit the first one),
        # so "salt" does not become "alt" and "seas" is left to the stemmer.
        for cand in self._vocab_by_len.get(4, ()):
            if cand[0] == tok[0] and OSA.distance(tok, cand, score_cutoff=1) <= 1:
                return _Resolved(tok, cand, SHORT_TYPO_CONF)
        return _Resolved(tok, None, 0.0)

    def _morph(self, tok: str) -> str | None:
        """A known word that is this word with another ending: the longest shared beginning is at
        least seven letters (or the whole shorter word, at least five) and 75% of the shorter word.
        "responsibility" ~ "responsibl(e)", "coordination" ~ "coordinator", "translation" ~ "translat(e)".
        Words sharing the longest beginning sit next to ``tok`` in sorted order, so two looks suffice."""
        pos = bisect.bisect_left(self._sorted_vocab, tok)
        best, best_len = None, 0
        for cand in self._sorted_vocab[max(0, pos - 1):pos + 1]:
            shared = 0
            for a, b in zip(tok, cand, strict=False):
                if a != b:
                    break
                shared += 1
            shorter = min(len(tok), len(cand))
            if shared < 5 or (shared < 7 and shared < shorter) or shared < 0.75 * shorter:
                continue
            if shared > best_len:
                best, best_len = cand, shared
        return best

    # -- answering -----------------------------------------------------------------------------
    def answer(self, question: str) -> Answer:
        """The best entry for ``question``, or a decline with suggestions when no entry fits well."""
        # A chatty message ("hi! new here. what even is JET?", "quick q - who runs JET?") is a question
        # plus small talk. The asking clauses are answered first, on their own: a small-talk word ("new"
        # in "new here") must not pull the answer to another entry. Only small talk is left out this
        # way: a clause that names a topic by itself ("CLAIR fellowship - how long?") is context the
        # question needs, and then the whole message decides. The answer stands only if every
        # answerable asking clause points at the same entry.
        parts = clauses(question or "")
        asking = question_clauses(question or "") if len(parts) > 1 else []
        small_talk = [p for p in parts if p not in asking]
        tried = bool(asking and small_talk and not any(map(self._names_topic, small_talk)))
        if tried:
            picked = self._agreeing(asking, question)
            if picked is not None:
                return picked
        full = self._answer(question)
        if full.matched:
            return full
        # Too mixed as a whole, with context that names another topic ("what is the JLGC? saw it in a
        # newsletter"): the asking clauses decide after all, if they agree.
        if asking and not tried:
            picked = self._agreeing(asking, question)
            if picked is not None:
                return picked
        return full

    def _names_topic(self, text: str) -> bool:
        """Whether ``text`` says one of the entries' aliases in full ("CLAIR fellowship", "MIC"): then it
        is a topic, not small talk ("new here", "quick q", "sorry if this is dumb")."""
        seq = tokens(text)
        for pos, tok in enumerate(seq):
            if tok in self._alias_single:
                return True
            if any(tuple(seq[pos:pos + len(phrase)]) == phrase for phrase, _ in self._alias_phrases.get(tok, ())):
                return True
        return False

    def _agreeing(self, asking: list[str], question: str) -> Answer | None:
        found = [a for a in map(self._answer, asking) if a.matched]
        if not found or len({a.entry.id for a in found if a.entry}) != 1:
            return None
        best = max(found, key=lambda a: a.score)
        return Answer(True, best.entry, best.score, best.suggestions, best.text, " ".join(tokens(question or "")))

    def _answer(self, question: str) -> Answer:
        toks = tokens(question or "")
        normalized = " ".join(toks)
        if not toks and self._self_tokens and _SELF_REFERENCE.search(question or ""):
            # "Who are you?", "what can you do?": nothing but stopwords, addressed to the bot itself.
            toks = self._self_tokens
        if not toks:
            return self._decline(normalized, [], empty=not (question or "").strip())
        weak = weak_abbreviations(question) & set(toks)
        ranked = self._rank(toks, weak)
        if ranked and INTENT_TOKENS.issuperset(toks):
            # Only a question type ("how many?", "when did it start?", "how old are you"): no topic to answer.
            return self._decline(normalized, ranked)
        if not ranked:
            return self._decline(normalized, [])
        best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        # A partial match that barely beats other partial matches is a guess between topics.
        ambiguous = best.coverage < 0.9 and best.score - runner_up < MIN_MARGIN
        if ambiguous and best.contained >= CONTAINED_MIN and best.contained > ranked[1].contained:
            # Not a guess between topics: the question says one of this entry's own phrasings in
            # full ("ALT or CIR", "JET run"), a big share of it, and the runner-up has no such phrasing.
            ambiguous = False
        if (not ambiguous and not self._answers_who[best.index] and _IDENTITY.match(question or "")
                and not any(a <= set(toks) for a in self._alias_sets[best.index])):
            ambiguous = True  # "who is the X" about an entry that never says who anyone is
        if best.coverage >= MIN_COVERAGE and best.score >= MIN_SCORE and best.anchored and not ambiguous:
            entry = self.entries[best.index]
            suggestions = tuple(
                Suggestion(self.entries[s.index].id, self.entries[s.index].title, round(s.score, 1))
                for s in ranked[1:4] if s.score >= SUGGEST_MIN
            )
            return Answer(True, entry, round(best.score, 1), suggestions, entry.answer, normalized)
        score = best.score
        if weak:
            # Declined; the suggestions may still read "sea" as SEA: "Did you mean the SEA role?" is
            # a fair question to ask about "sea salt", though not a fair answer.
            ranked = self._rank(toks) or ranked
        return self._decline(normalized, ranked, score=score)

    def _rank(self, toks: list[str], weak: frozenset[str] = frozenset()) -> list[_Scored]:
        unique: list[str] = list(dict.fromkeys(toks))
        resolved = [self._resolve(t) for t in unique]
        exact = {r.vocab for r in resolved if r.conf == 1.0}
        # A "correction" onto a word the question already says ("hours" read as "house" next to
        # "Japan House") is an unknown word, not a second match.
        resolved = [_Resolved(r.token, None, 0.0) if r.conf < 1.0 and r.vocab in exact else r for r in resolved]
        weights = [self.idf[r.vocab] if r.vocab else self._unknown(r.token) for r in resolved]
        total = sum(weights) or 1.0
        unknown = sum(w for r, w in zip(resolved, weights, strict=True) if r.vocab is None)
        known = [(r, w) for r, w in zip(resolved, weights, strict=True) if r.vocab]
        # Candidate generation: weighted overlap over (bounded) posting lists.
        acc: dict[int, float] = defaultdict(float)
        for r, w in known:
            for i, strength in self._postings[r.vocab][:MAX_POSTINGS]:  # type: ignore[index]
                acc[i] += w * r.conf * strength
        if not acc:
            return []
        seq = [r.vocab or r.token for r in resolved] if len(unique) == len(toks) else [
            (self._resolve(t).vocab or t) for t in toks
        ]
        wmap = {r.vocab: w * r.conf for r, w in known}
        # An alias found in the question ("coordinator for international relations", "CIR") is strong
        # evidence in proportion to how much of the question it is: all of "CIR?", a little of
        # "do ALTs need Japanese".
        alias_share: dict[int, float] = defaultdict(float)
        for pos, tok in enumerate(seq):
            for phrase, i in self._alias_phrases.get(tok, ()):
                if tuple(seq[pos:pos + len(phrase)]) == phrase:
                    share = sum(wmap.get(t, 0.0) for t in set(phrase)) / total
                    alias_share[i] = max(alias_share[i], share)
            for i in self._alias_single.get(tok, ()):
                alias_share[i] = max(alias_share[i], wmap.get(tok, 0.0) / total)
        top = sorted(acc, key=lambda i: (-acc[i], i))[:RESCORE]

        qnorm = " ".join(seq)
        weak_vocab = {r.vocab for r in resolved if r.token in weak and r.vocab}
        scored: list[_Scored] = []
        for i in top:
            fields = self._entry_tokens[i]
            qset = wmap
            unknown_i = unknown
            if weak_vocab and weak_vocab & fields.keys():
                # "sea" in lower case is the English word unless the entry also covers another word of
                # the question: "the sea of Japan" is not about the SEA role, "sea role on jet" is.
                others = [r for r, _ in known if r.vocab not in weak_vocab]
                if (others or unknown) and not any(r.vocab in fields for r in others):
                    qset = {t: w for t, w in wmap.items() if t not in weak_vocab}
                    unknown_i += sum(self.unknown_weight for t in weak_vocab if t in fields)
            matched = 0.0
            strength = 0.0
            anchored = False
            for t, w in qset.items():
                f = fields.get(t)
                if f is not None:
                    matched += w * min(1.0, f / QUESTION_W)
                    strength += w * f
                    anchored = anchored or t not in self._generic
            if not anchored:
                anchored = any(a <= qset.keys() for a in self._alias_sets[i])
            # Words the knowledge base knows, but not in this entry, count half against it (the
            # question is in the domain, phrased differently); unknown words count fully, and so does
            # a typo correction that does not help this entry ("rate" read as the town "Rabe").
            missing = 0.0
            for r, w in known:
                if r.vocab in fields or r.vocab not in qset:
                    continue
                if r.conf < 1.0:
                    unknown_i += self.unknown_weight
                elif r.vocab in INTENT_TOKENS:
                    # An entry that never answers "how many" cannot answer this one. Weighed like an
                    # unknown word: "how many" is in thousands of entries of a big knowledge base,
                    # which makes its IDF small, but not what it asks for any less specific.
                    unknown_i += max(w, INTENT_MISS * self.unknown_weight)
                else:
                    missing += w
            coverage = matched / max(1e-9, matched + unknown_i + KNOWN_MISS * missing)
            strength /= total
            dice = 0.0
            recall = 0.0
            contained = 0.0
            best_phrase = ""
            for pset, ptext, psum in self._phrasings[i]:
                inter = 0.0
                for t in pset:
                    w = qset.get(t)
                    if w is not None:
                        inter += w
                if inter <= 0.0:
                    continue
                if inter >= psum - 1e-9 and not pset <= self._generic:
                    contained = max(contained, inter / total)
                d = 2.0 * inter / (total + psum)
                if d > dice:
                    dice, best_phrase = d, ptext
                if inter / psum > recall:
                    recall = inter / psum
            fz = fuzz.token_sort_ratio(qnorm, best_phrase) / 100.0 if best_phrase else 0.0
            score = 100.0 * (0.45 * coverage + 0.2 * strength + 0.25 * dice + 0.1 * fz)
            score += 100.0 * PHRASE_BONUS * coverage * alias_share.get(i, 0.0)
            informative = all(r.vocab in fields for r, _ in known if r.vocab not in self._generic and r.conf == 1.0)
            scored.append(_Scored(i, score, coverage, recall, dice, anchored, contained, informative))
        # Sort on the raw score (it can pass 100 with the phrase bonus), then report at most 100.
        scored.sort(key=lambda s: (-s.score, s.index))
        for s in scored:
            s.score = min(100.0, s.score)
        return scored

    def _decline(self, normalized: str, ranked: list[_Scored], *, empty: bool = False,
                 score: float | None = None) -> Answer:
        suggestions = tuple(
            Suggestion(self.entries[s.index].id, self.entries[s.index].title, round(s.score, 1))
            for s in ranked[:3] if s.score >= SUGGEST_MIN
        )
        best = score if score is not None else (ranked[0].score if ranked else 0.0)
        return Answer(False, None, round(best, 1), suggestions, fallback_text(suggestions, empty=empty), normalized)

    # -- autocomplete --------------------------------------------------------------------------
    def complete(self, current: str, limit: int = 25) -> list[Entry]:
        """Entries for the /ask autocomplete: title/alias prefix matches first, then the question's
        best candidates from the index, then fuzzy title matches (titles are a short list)."""
        limit = max(0, limit)
        if limit == 0:
            return []
        text = clean(current or "").strip()
        if not text:
            return [self.entries[i] for i in self._alphabetical[:limit]]
        out: list[int] = []
        seen: set[int] = set()

        def add(i: int) -> None:
            if i not in seen and len(out) < limit:
                seen.add(i)
                out.append(i)

        for key, i in self._complete_keys:
            if key.startswith(text):
                add(i)
        for key, i in self._complete_keys:
            if len(out) >= limit:
                break
            if f" {text}" in f" {key}":
                add(i)
        if len(out) < limit:
            toks = tokens(text)
            if toks:
                for s in self._rank(toks):
                    if s.coverage >= 0.5:
                        add(s.index)
        if len(out) < limit:
            for _title, _score, i in process.extract(text, self._titles, scorer=fuzz.partial_ratio,
                                                     limit=limit, score_cutoff=70):
                add(i)
        return [self.entries[i] for i in out]


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
