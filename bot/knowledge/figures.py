"""Whether an entry gives the figure a "how many" question asks for, and when something began.

"How many JETAA chapters are in the UK?" is about the chapters entry, which counts chapters worldwide:
its figure is not for the UK. "How many sports exchange advisers are there?" reaches the SEA entry,
which describes the role and counts no one. Such a question is declined honestly, with the entry as
related reading. The checks need, per entry, only its phrasings, its title and the sentences of its
answer that hold a digit; this module keeps those and answers "what is missing" for one entry.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence

from bot.knowledge.normalize import clause_match, clauses, has_cjk, tokens
from bot.knowledge.question import (
    COUNTED,
    PEOPLE_COUNTED,
    PEOPLE_WORDS,
    as_place,
    countries_in_lower_case,
    country_tokens,
)

# A figure is for a place when the place is at most this many words from it ("7 in Canada").
FIGURE_REACH = 2
# Words for people, any of which a count of people may stand next to ("64,000 participants", "70,000 alumni").
PEOPLE = frozenset(t for w in ("jet", *PEOPLE_WORDS) for t in tokens(w))
# Words for people in general: any count of people answers "how many of them".
ANYONE = frozenset(t for w in ("jet", "jets", "people", "participants", "persons") for t in tokens(w))
_DIGIT = re.compile(r"\d")
_TIME_UNITS = frozenset({"year", "month", "week", "day", "hour"})
# "20-22 May 2019": days of a month ("may" is a stopword, so the year tells), not a count of anything.
_MONTHS = frozenset(t for m in ("january february march april june july august september october november "
                                "december").split() for t in tokens(m))
# A count in an answer's tokens (not a year: "1955" dates an agreement, it does not count cities).
_COUNT = re.compile(r"(?!(?:19|20)\d\d$)\d[\d.]*")
_YEAR = re.compile(r"(?:19|20)\d\d")
# When something began or opened is the beginning check's question: a founding year need not repeat "opened".
# "Year" and "date" are what is asked, not what it is asked about.
# Words that say something began, or what kind of thing began ("when was CLAIR set up as an organisation").
_BEGINNING = frozenset(tokens("begin open opened opening launch launched originally original first initially "
                              "year date organisation organization body group"))
# "When did JLGC London move to Whitehall?", "what year did the Miyagi tour go?": a past event's date.
PAST_WHEN = re.compile(r"^\W*(?:(?:and|so|but|ok|okay)\W+)?(?:when (?:did|was|were|had)|(?:in )?(?:what|which) year)\b"
                       r"|\b(?:what|which) year (?:did|was|were)\b"
                       r"|(?:何年に|いつ).{0,6}?(?:でき|設立|創立|始ま|開設|発足)", re.IGNORECASE)

Names = dict[str, tuple[str, frozenset[str]]]
_NEXT_QUESTION = re.compile(r"\s+and\s+(?:at\s+|in\s+)?(?:what|which|who|how|where|when|why)\b", re.IGNORECASE)


# "is there a JETAA chapter in Tokyo?", "are there any CIRs in Hokkaido"
IS_THERE_IN = re.compile(r"^\W*(?:is|are) there (?:an? |any |some )?(?P<thing>[\w' -]+?) (?:in|at|near|around) "
                          r"(?:the )?(?P<place>[\w' -]+?)\s*(?:$|[?!.,]|\b(?:like|e\.g|too|as well|or)\b)",
                          re.IGNORECASE)
_HOW_MANY_OF_THEM = re.compile(r"\bhow many (?:of )?(?:them|those|these)\b", re.IGNORECASE)
_SHARE = re.compile(r"%|\bper ?cent|\bwhat share\b|\bproportion\b|何割|割合|パーセント|何％", re.IGNORECASE)
_YEAR_BEFORE_NOUN = re.compile(r"\b(?:the|a|an|its|his|her|their|this|that)\s+((?:19|20)\d\d)\s+([A-Za-z][\w-]*)",
                               re.IGNORECASE)


def _name_tokens(names: Names) -> set[str]:
    """Every token of the names a question writes."""
    return {t for _, toks in names.values() for t in toks}


def _place_tokens(text: str, names: Names) -> set[str]:
    """The tokens of the names and the countries (however typed) that ``text`` says."""
    return _name_tokens({**countries_in_lower_case(text, any_case=True), **names})


def _years_dating(answer: str) -> dict[str, frozenset[str]]:
    """The years an answer only ever uses before a noun, with those nouns: "the 2011 earthquake" dates
    the earthquake, so it is no year of the tour the sentence is about. A year used any other way
    ("opened in 1988") dates whatever its sentence says, and is left out."""
    before: dict[str, set[str]] = {}
    attributive: Counter[str] = Counter()
    for match in _YEAR_BEFORE_NOUN.finditer(answer):
        before.setdefault(match.group(1), set()).update(tokens(match.group(2)))
        attributive[match.group(1)] += 1
    uses = Counter(re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", answer))
    return {year: frozenset(nouns) for year, nouns in before.items() if uses[year] == attributive[year]}


def _proper_nouns(answers: Sequence[str]) -> frozenset[str]:
    """The words the answers only ever write with a capital (Miyagi, Atkinson): names, however a
    question types them."""
    capital: set[str] = set()
    lower: set[str] = set()
    for answer in answers:
        for word in re.findall(r"[A-Za-z][\w'-]*", answer):
            (capital if word[0].isupper() else lower).update(tokens(word))
    return frozenset(capital - lower)


def _a_date(after: list[str]) -> bool:
    """Whether the words after a number make it a day of a month: "20 22 2019", "3 march"."""
    return bool(set(after) & _MONTHS) or any(_YEAR.fullmatch(t) for t in after)


class Figures:
    """Per entry: the phrasings that ask "how many", the title, the answer's sentences with a figure."""

    def __init__(self, phrasings: Sequence[Sequence[frozenset[str]]], answer_lines: Sequence[Sequence[list[str]]],
                 titles: Sequence[str], begins: Sequence[bool], known: Collection[str],
                 generic: Collection[str], subjects: Sequence[Collection[str]], answers: Sequence[str]) -> None:
        # Only the phrasings that ask for a number matter here.
        self._counting = [[p for p in ps if "number" in p] for ps in phrasings]
        self._figure_sentences = [[line for line in lines if any(_DIGIT.search(t) for t in line)]
                                  for lines in answer_lines]
        self._titles = [frozenset(tokens(t)) for t in titles]
        self._begins = list(begins)  # the entry's phrasings ask when, or its answer says something began
        self._known = known
        self._generic = generic
        # Per entry: its title's and aliases' words, which its sentences need not repeat ("It was set up in 1988").
        self._subjects = [frozenset(s) | t for s, t in zip(subjects, self._titles, strict=True)]
        self._lines = [[frozenset(line) for line in lines] for lines in answer_lines]
        self._years = [_years_dating(answer) for answer in answers]
        self._proper = _proper_nouns(answers)

    def missing(self, i: int, question: str, asked: set[str], names: Names) -> str | None:
        """What a count or a "when did it begin" question asks that entry ``i`` does not give, or None.
        ``asked``: the question's tokens."""
        # (a share, 何割, is a figure for a place as much as a count is)
        share = _SHARE.search(question) is not None
        found = self._missing_name(i, question, names) if "number" in asked or share else None
        found = found or self._missing_count(i, question, names)
        if found:
            return found
        if "begin" in asked and not self._begins[i]:
            return "when it began"  # "when was Japan House London opened?" to the debrief held there
        when = next(filter(None, map(PAST_WHEN.search, clauses(question))), None)
        if when is not None:
            # Only the words from "when" to the next question say what is dated: "...what does it stand
            # for and what year was it set up" dates the setting up; "when did Tokyo host the summit and
            # what came out of it" dates the hosting.
            # (Japanese says what is dated before いつ: the whole clause.)
            dated = when.string if has_cjk(when.group(0)) else when.string[when.start():]
            dated = _NEXT_QUESTION.split(dated, maxsplit=1)[0]
            named = _place_tokens(dated, names)
            named |= self._proper & set(tokens(dated))  # "miyagi", typed in lower case, is still a place
            return self._missing_when(i, asked & set(tokens(dated)), named)
        return None

    def missing_place(self, i: int, question: str, names: Names, asked: set[str]) -> str | None:
        """"Is there a JETAA chapter in Tokyo?" to the orientations entry, which says Tokyo of
        something else: the place, a name, must stand in a sentence with the thing asked for ("one"
        is whatever the rest of the message asks about: "...a JETAA chapter? is there one in calgary")."""
        match = clause_match(IS_THERE_IN, question)
        if match is None:
            return None
        place = frozenset(tokens(match.group("place")))
        named = _place_tokens(question, names)
        named |= place - set(self._known)  # "calgary", a word no entry knows, after "in": a place
        thing = (frozenset(tokens(match.group("thing"))) or frozenset(asked)) - place
        if not place or not place <= named or place <= self._titles[i] or not thing:
            return None
        if any(place <= line and thing & line for line in self._lines[i]):
            return None
        return f"whether there is one in {match.group('place').strip()}"

    def _missing_when(self, i: int, asked: set[str], named: set[str]) -> str | None:
        """"When did JLGC London move to Whitehall?" to the London office's entry, whose years date its
        opening, not the move: a year must stand in a sentence that says what the question adds to the
        entry's subject, every place or name of it and at least half its other words (the move,
        Whitehall; the UK chapter, not chapters in general). Words the entry's title or aliases say,
        and words many entries share, add nothing."""
        focus = {t for t in asked if t in self._known and t not in self._generic and t not in self._subjects[i]
                 and t not in _BEGINNING and not _DIGIT.search(t)}
        if not focus:
            return None
        years = self._years[i]
        dated = [set(line) for line in self._figure_sentences[i]
                 if any(_YEAR.fullmatch(t) and (years.get(t) is None or years[t] & asked) for t in line)]
        if any(focus & named <= line and 2 * len(focus & line) >= len(focus) for line in dated):
            return None
        return "when that happened"

    def _missing_name(self, i: int, question: str, names: Names) -> str | None:
        """A name the entry gives no figure for ("how many JETAA chapters are in the UK?"). A name many
        entries share (CLAIR, Japan) is the subject of the question, unless it is said as a place ("how
        many JETAA chapters are in Japan?"). A country no entry knows (Mexico) has no figure anywhere."""
        countries = countries_in_lower_case(question, any_case=True)
        for tok, (name, toks) in {**countries, **names}.items():
            if tok not in self._known and tok not in countries:
                continue
            if tok in self._generic and not as_place(name, question):
                continue
            if not self.gives_figure_for(i, toks):
                return f"a figure for {name}"
        return None

    def _missing_count(self, i: int, question: str, names: Names) -> str | None:
        """"How many sports exchange advisers are there?" to the SEA entry, which counts no SEAs. The entry
        being about the thing counted is not enough (unlike "how many JETs are ALTs"): a count must stand
        next to it, or a phrasing must ask how many of it. "How many JETs does CLAIR Tokyo place?" to the
        offices entry, whose counts are of branches: a count of people needs a count next to people."""
        match = COUNTED.search(question)
        if match is not None:
            # A name says whose things are counted, not what: "how many JETAA subchapters" counts
            # subchapters, and a count of JETAA chapters does not give it.
            said = frozenset(tokens(match.group(1)))
            counted = said - _name_tokens(names) or said
            if counted and not self._counts(i, counted):
                return f"a figure for {match.group(1).strip()}"
            return None
        them = _HOW_MANY_OF_THEM.search(question)
        if them is not None:
            # "the osaka expo video interviews foreign companies right? how many of them": what was said
            # before, besides the entry's own subject and names, is what is counted.
            said = frozenset(tokens(question[:them.start()]))
            named = _name_tokens(names)
            counted = frozenset(t for t in said - named - self._subjects[i] if t not in self._generic)
            if counted and not self._counts(i, counted):
                return "a figure for how many"
            return None
        people_match = PEOPLE_COUNTED.search(question)
        if people_match is None:
            return None
        counted = frozenset(tokens(people_match.group(2) or ""))
        # "how many mayors came?" is not answered by "650 million people", nor "how many irish people"
        # by a count of JETs: a count of someone in particular must stand next to them. Any count of
        # people answers "how many people/JETs".
        from_where = frozenset(tokens(people_match.group("of") or "")) & country_tokens()
        if not self._counts(i, (counted - ANYONE) | from_where or PEOPLE | counted):
            return "a figure for how many people"
        return None

    def _counts(self, i: int, words: frozenset[str]) -> bool:
        """Whether a phrasing of entry ``i`` asks how many of ``words``, or its answer counts one of them."""
        return any(words & p for p in self._counting[i]) or self.count_near(i, words)

    def gives_figure_for(self, i: int, name: frozenset[str]) -> bool:
        """Whether entry ``i`` has a figure for a name: a phrasing asks how many for it, or its answer says
        the name right next to a count ("455 with the US", "7 in Canada"; not Nagasaki in "signed in
        1955 between St. Paul and Nagasaki", nor Canada in "70,000 alumni, more than half of them
        American or Canadian")."""
        if name <= self._titles[i]:
            return True  # the entry's own subject: "how many JETs are ALTs" asks the ALT entry about ALTs
        if any(name <= p for p in self._counting[i]):
            return True  # a phrasing asks how many of it: "how many japanese sister cities are in canada"
        return self.count_near(i, name)

    def count_near(self, i: int, words: frozenset[str]) -> bool:
        """Whether entry ``i``'s answer has a count within ``FIGURE_REACH`` words of one of ``words``."""
        for sentence in self._figure_sentences[i]:
            # "two years in New York" is a length of time, not a count of anything in New York.
            counts = [k for k, t in enumerate(sentence)
                      if _COUNT.fullmatch(t) and not _a_date(sentence[k + 1:k + 3])
                      and not set(sentence[k + 1:k + 2]) & _TIME_UNITS]
            places = [k for k, t in enumerate(sentence) if t in words]
            if any(abs(a - b) <= FIGURE_REACH for a in counts for b in places):
                return True
        return False
