"""The knowledge base's vocabulary, and how a question's word is read as one of its words: as it is,
a Japanese word inside a longer run, a misspelt English word (symspellpy's frequency list), a typo of a
knowledge-base word, another ending of one, or two words run together ("newyork")."""

from __future__ import annotations

import bisect
import itertools
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.knowledge import spelling
from bot.knowledge.normalize import LIGHT_WORDS, fold_word, has_cjk, tokens

MORPH_CONF = 0.9  # "recruitment" for "recruit": nearly as good as the word itself
TYPO_CONF = 0.85  # a corrected typo counts a little less than the word itself
SHORT_TYPO_CONF = 0.6  # three- and four-letter words have many neighbours: trust less
CJK_CONF = 0.9  # a known Japanese word found inside a longer run
CACHE_SIZE = 20000
# Misspelt question words are recognised among these (a typo within one edit, same first letter:
# "whta", "wht", "teh", "hwo").
_QUESTION_WORDS = frozenset(
    "what who where when which why how the does did are can could would should will have has this that there "
    "their they you your about with from for and".split())
_PHONETIC = re.compile(r"(?<=[a-z]{3})(?:sh[uo]n|shi[uo]n|cion)(?=[a-z]{0,3}$)")
_KATAKANA = re.compile(r"[\u30a0-\u30ff\uff66-\uff9f]+")


@dataclass(frozen=True)
class Resolved:
    """A question's word and the knowledge-base word it stands for."""
    token: str  # as typed (normalised)
    vocab: str | None  # the knowledge-base word it stands for, None if unknown
    conf: float
    ignore: bool = False  # a misspelt question word ("whta"): not part of the topic


class Vocabulary:
    """The words of one knowledge base (``idf``'s keys), indexed for typo and Japanese look-ups."""

    def __init__(self, idf: dict[str, float], answer_vocab: frozenset[str],
                 lines: Sequence[Sequence[Sequence[str]]] = ()) -> None:
        self.idf = idf
        self.answer_vocab = answer_vocab  # words of the answers: English even if no dictionary has them
        self._lines = lines  # per entry, its tokenised lines: where run-together words come apart
        vocab = [t for t in idf if t.isascii() and t.isalpha() and len(t) >= 3]
        self._sorted_vocab = sorted(t for t in vocab if len(t) >= 4)
        self._vocab_by_len: dict[int, list[str]] = defaultdict(list)
        for tok in vocab:
            self._vocab_by_len[len(tok)].append(tok)
        self._cjk_vocab: dict[str, list[str]] = defaultdict(list)
        for tok in idf:
            if has_cjk(tok) and len(tok) >= 2:
                self._cjk_vocab[tok[:2]].append(tok)
        self.cache: dict[tuple[str, str], Resolved] = {}

    @cached_property
    def said_together(self) -> frozenset[tuple[str, str]]:
        """Consecutive words of the entries' lines ("new", "york"), built on the first run-together word:
        most questions have none, and at 10,000 entries the set takes a while to build."""
        return frozenset(pair for lines in self._lines for line in lines for pair in itertools.pairwise(line))

    def resolve(self, tok: str, raw: str = "") -> Resolved:
        """The knowledge-base word ``tok`` stands for (``raw``: the word as typed), cached."""
        key = (tok, raw)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        found = self._resolve_uncached(tok, raw or tok)
        if len(self.cache) >= CACHE_SIZE:
            self.cache.clear()
        self.cache[key] = found
        return found

    def _resolve_uncached(self, tok: str, raw: str) -> Resolved:
        if tok in self.idf:
            return Resolved(tok, tok, 1.0)
        if tok in LIGHT_WORDS:  # never "corrected" into a topic word ("finish" is not "finnish")
            return Resolved(tok, None, 0.0)
        if has_cjk(tok):
            return self._resolve_cjk(tok)
        if not (tok.isascii() and tok.isalpha()) or len(tok) < 3:
            return Resolved(tok, None, 0.0)
        english = tok in self.answer_vocab or spelling.is_english(raw) or spelling.is_english(tok)
        if not english:  # a typo before another ending: "internashonal" is not "internal"
            typo = self._english_typo(tok, raw) or self._typo(tok)
            if typo is not None:
                return typo
        if len(tok) >= 5:
            morph = self._morph(tok)
            if morph:
                return Resolved(tok, morph, MORPH_CONF)
        if english:
            return Resolved(tok, None, 0.0)  # a real word, not a typo: never "corrected"
        if misspelt_question_word(tok):
            return Resolved(tok, None, 0.0, ignore=True)
        return Resolved(tok, None, 0.0)

    def _resolve_cjk(self, tok: str) -> Resolved:
        """A Japanese word the vocabulary lacks: the longest known Japanese word inside it."""
        best = None
        for start in range(len(tok) - 1):
            for cand in self._cjk_vocab.get(tok[start:start + 2], ()):
                if tok.startswith(cand, start) and (best is None or len(cand) > len(best)):
                    best = cand
        if best and _KATAKANA.fullmatch(tok) and len(best) * 3 < len(tok) * 2:
            # A katakana word is one loanword: "イン" inside "オンライン" (online) is no match.
            best = None
        return Resolved(tok, best, CJK_CONF) if best else Resolved(tok, None, 0.0)

    def _english_typo(self, tok: str, raw: str) -> Resolved | None:
        """A misspelt English word, read as the word it most likely is ("sponser" -> sponsor -> fund,
        "ofices" -> office): when that word is a knowledge-base word, or a stopword ("whos")."""
        word = spelling.correct(raw)
        if word is None:
            return None
        folded = tokens(word)
        if not folded:
            return Resolved(tok, None, 0.0, ignore=True)
        if len(folded) == 1 and folded[0] in self.idf:
            return Resolved(tok, folded[0], TYPO_CONF)
        if len(folded) == 1 and folded[0] in LIGHT_WORDS:
            # An everyday word misspelt ("arround"): as light as the word itself, not a heavy unknown.
            return Resolved(folded[0], None, 0.0)
        return None

    def _typo(self, tok: str) -> Resolved | None:
        """The known word ``tok`` is a misspelling of, if one is close enough and clearly the closest."""
        raw_tok = tok
        n = len(tok)
        if n <= 4:
            # Short words: one substitution or swap, same first letter (typos rarely hit the first
            # one), so "salt" does not become "alt"; three letters: a swap only ("atl" -> "alt").
            for cand in self._vocab_by_len.get(n, ()):
                if n == 3 and sorted(cand) != sorted(tok):
                    continue
                if cand[0] == tok[0] or n == 3:
                    if OSA.distance(tok, cand, score_cutoff=1) <= 1:
                        return Resolved(tok, cand, SHORT_TYPO_CONF)
            return None
        # Spelt as it sounds: "relashun", "internashonal" are "relation", "international".
        tok = _PHONETIC.sub("tion", tok)
        choices = [v for length in range(max(4, n - 3), n + 4) for v in self._vocab_by_len.get(length, ())]
        if not choices:
            return None
        hits = process.extract(tok, choices, scorer=fuzz.ratio, limit=2, score_cutoff=72 if n >= 8 else 85)
        if not hits:
            return None
        best, score, _ = hits[0]
        # Long, badly misspelt words: accepted below 85 only when no other word comes close (another
        # ending of the same word, "internationaliz" next to "international", is not another word).
        if score < 85 and len(hits) > 1 and hits[1][1] > score - 8 and not hits[1][0].startswith(best):
            return None
        return Resolved(raw_tok, best, TYPO_CONF)

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
            rest = max(tok, cand, key=len)[shared:]
            if len(rest) >= 4 and spelling.is_english(rest):
                continue  # a compound ("letterhead" is no other ending of "letter")
            if shared > best_len:
                best, best_len = cand, shared
        return best

    def split_run_together(self, raw: str, tok: str) -> list[tuple[str, str]] | None:
        """"newyork" -> new + york: two known words written as one (neither part a stopword). Two
        English words make a name the knowledge base says ("new york"), not any compound: a
        "leaderboard" is no "leader" of a "board"."""
        if len(tok) < 6 or not tok.isascii() or not tok.isalpha() or tok in self.idf or spelling.is_english(raw):
            return None
        for cut in range(2, len(raw) - 1):
            a, b = raw[:cut], raw[cut:]
            fa, fb = fold_word(a), fold_word(b)
            if fa not in self.idf or fb not in self.idf:
                continue
            if (fa, fb) in self.said_together or not (spelling.is_english(a) and spelling.is_english(b)):
                return [(a, fa), (b, fb)]
        return None


def misspelt_question_word(tok: str) -> bool:
    """"whta", "wht", "teh": one edit from a question word or other stopword of three letters or more."""
    if len(tok) > 6:
        return False
    return any(OSA.distance(tok, w, score_cutoff=1) <= 1 for w in _QUESTION_WORDS
               if w[0] == tok[0] and abs(len(w) - len(tok)) <= 1)
