"""Turn text (a question, a title, an alias) into the content tokens the answer engine matches on.

The same function runs on the knowledge base and on every question, so any folding here is safe as
long as it does not merge two words that mean different things. The steps, and why:

1. NFKC: full-width Latin ("ＣＩＲ") and half-width katakana become their usual forms.
2. Lower-case, drop apostrophes ("what's" -> "what", "JETs'" -> "jets"), digits keep their commas
   out ("5,700" -> "5700"), every other punctuation mark separates words. "US" in capitals is the
   United States, "us" is a pronoun. A few phrases become one question-type token first: "how many"
   and "number of" -> ``number``, "how long" -> ``duration``, "set up"/"kick off" -> ``begin``,
   "ex-JETs"/"former JETs" -> ``alumni``.
3. Japanese has no spaces: a run of kanji/katakana is a word and hiragana (mostly particles and
   endings: の, は, とは, ですか) separates words. Scaffolding words inside a run are split off
   ("仕事内容"), and a few words map to their English form (プログラム -> program, 始 -> begin),
   so "JETプログラムとは" -> "jet program". Latin and Japanese next to each other are split too.
4. British/American spellings map to one form (programme -> program, centre -> center,
   -isation -> -ization ...), synonyms to one word (job/duties/responsibilities -> role,
   founded/created -> begin, now/currently -> current), number words to digits (seven -> 7), then
   a light stemmer folds plurals and -ed/-ing/-ment/-ly endings (alts -> alt, ministries ->
   ministry, recruitment -> recruit, currently -> current), without touching short words.
5. Stopwords and question words carry no topic and are dropped ("what is the", "tell me about",
   "I'm thinking about...", and chat filler: "lol", "u", "tbh", "again", "is that real").
   "At the moment"/"right now" -> ``current``; "apart from X", "besides X", "other than X" drop X
   and leave one ``except`` token. ``weak_abbreviations`` tells the engine which of SEA/MIC/ALT were
   written in lower case, where they may be the English words (see ``AMBIGUOUS_ABBREVIATIONS``).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.knowledge import japanese, spelling
from bot.knowledge.thesaurus import load_or_empty

# Words that say nothing about the topic. Question words are here on purpose: "who runs JET" and
# "what runs JET" should both reduce to "run jet"; the topic words decide the entry.
STOPWORDS = frozenset("""
a an the and or but nor so yet if then than that this these those there here it its it's itself
is am are was were be been being do does did doing done have has had having will would shall should
can could may might must ought
i me my mine myself we us our ours you your yours he him his she her hers they them their theirs
what whats which who whom whose where when why how whatever whoever
of in on at to for from by with without about into onto over under between through during
as also just only very really quite too much many more most some any all each every own same
not no yes ok okay please pls thanks thank hi hello hey dear
tell explain explanation describe mean meaning means meant stand stands define definition
know knew let lets give show say said get got want wanna like would
info information detail details question questions answer anyone someone something anything
kind sort thing things stuff everyone everybody everywhere exactly actually basically generally anyway
far out up once ever even still already guys folks anybody somebody available
go goes going gone went come comes coming one ones
wondering curious wonder think thinking thought considering quick acronym abbreviation abbreviated
little lot lots bit else
im ive youre dont cant wont doesnt didnt isnt arent wasnt theyre weve theyve youve youd theyd youll theyll
hows thats whos wheres whens theres heres wouldnt shouldnt couldnt havent hasnt hadnt aint
s t d ll re ve m
u ur r ya yall lol lmao haha hehe omg tho btw imo tbh idk ngl nah yeah yep yup um uh hmm gonna gotta kinda sorta
super totally
q again real true right sure confused confusing saw seen heard roughly approximately approx ish literally honestly
googling googled ugh wise
whove whod wholl whatve whatll itll thatll theyd shouldve couldve wouldve mustve
""".split())

# Everyday English words that carry little topic: common verbs, adjectives and hedges ("how do I
# join JETAA after I finish", "how old is JET", "best way to..."). They are not stopwords (they do
# say something), but when the knowledge base does not know one, it should not weigh as much as
# an unknown content word: "finish" is not a topic the way "tickets" or "capital" is. The engine
# gives an unknown word from this list a fraction of an unknown word's weight (``LIGHT_W``). The kinds
# of chapter event ("the summer BBQ") are here too: they name an event, not a topic of their own.
LIGHT_WORDS_RAW = """
finish finished end ended stop stopped need want know find found help try use used take took keep put bring
become became seem seems feel happen happens happened matter care love hate enjoy hope guess suppose expect
ask asked asking hear read see look looking watch check talk call mention mentioned told usually mostly mainly
often sometimes always never maybe perhaps probably possibly definitely certainly especially typically normally
recently soon later early late after before since until while around across within per via whether though
although because unless good best better great nice bad worse worst big bigger small long short old older young
easy hard difficult simple simply plain basic quick fast slow fine okay cool interesting weird dumb stupid silly
general main whole entire full worth fair usual normal average certain specific same day today week people person
guy way daily rest others nervous worried scared anxious excited stressed side
oops possible impossible able ideally clue idea honestly literally actually
bbq barbecue picnic party parties quiz gala karaoke festival mixer pub
hike hiking dinner lunch brunch breakfast drinks onsen ramen crawl tasting hanami
reddit rather
trip outing potluck screening workshop bonenkai shinnenkai enkai nomikai izakaya ski sake social meetup
""".split()

# Japanese words that are question scaffolding rather than topic (after hiragana splitting).
JA_STOPWORDS = frozenset(["何", "誰", "意味", "説明", "教", "場合", "方法", "何人", "何年", "本当", "どこ", "いつ",
                          "どう", "どれ", "どの", "なに", "なん", "こと", "もの", "ところ", "今まで", "全部", "全体",
                          "内容", "具体的", "一体", "今", "略", "略称", "人", "年", "ダメ", "駄目", "大丈夫", "感じ",
                          "くらい", "ぐらい", "ほど", "実際", "普通", "みんな", "皆", "質問", "団体", "組織",
                          "私", "僕", "俺", "自分", "わたし"])
# Japanese words with an English equivalent in the knowledge base, so "JETプログラム" is "jet program"
# and "いつ始まりましたか" asks the same as "when did it begin".
JA_WORDS = {"プログラム": "program", "始": "begin", "開始": "begin", "設立": "begin", "創立": "begin",
            "創設": "begin", "応募": "apply", "申込": "apply", "条件": "need", "必要": "need",
            "卒業生": "alumni", "同窓会": "alumni", "日本語": "japanese", "英語": "english", "学校": "school"}

# British -> American (either direction would do; both sides are normalised the same way).
SPELLINGS = {
    "programme": "program", "programmes": "programs", "centre": "center", "centres": "centers",
    "licence": "license", "licences": "licenses", "practise": "practice", "defence": "defense",
    "colour": "color", "favour": "favor", "favourite": "favorite", "honour": "honor", "labour": "labor",
    "neighbour": "neighbor", "travelled": "traveled", "travelling": "traveling", "enrol": "enroll",
    "enrolment": "enrollment", "fulfil": "fulfill", "catalogue": "catalog", "dialogue": "dialog",
    "theatre": "theater", "metre": "meter", "cheque": "check", "maths": "math", "analyse": "analyze",
    "judgement": "judgment", "grey": "gray", "aeroplane": "airplane", "mum": "mom", "uni": "university",
    "counselling": "counseling", "modelling": "modeling", "cancelled": "canceled", "cancelling": "canceling",
    "programm": "program", "jets": "jet", "jet's": "jet", "govt": "government", "gov": "government",
    "intl": "international", "int'l": "international",
    "america": "usa", "american": "usa", "britain": "uk", "british": "uk",
    "orgs": "organization", "org": "organization", "e-mail": "email",
}

# Words people use interchangeably in questions about an organisation, mapped to one word each.
# Kept small and unambiguous inside this domain: "founded", "set up" and "kick off" all ask when
# something began; "job", "duties" and "responsibilities" all ask about a role. ("post" is not
# here: in this knowledge base it is also a blog post.)
SYNONYMS = {
    **dict.fromkeys(["start", "starts", "started", "starting", "began", "begun", "begins", "beginning",
                     "founded", "founding", "establish", "established", "establishes", "launch", "launched", "opened",
                     "created", "creation", "inception", "origin", "origins"], "begin"),
    **dict.fromkeys(["position", "positions"], "position"),
    **dict.fromkeys(["job", "jobs", "roles", "duty", "duties", "task", "tasks", "responsibility",
                     "responsibilities"], "role"),
    **dict.fromkeys(["vs", "versus", "diff", "compare", "compared", "comparison", "different", "difference",
                     "differences"], "differ"),
    "responsible": "charge",
    **dict.fromkeys(["lead", "leads", "leader", "leaders", "leading", "led", "director", "directors", "boss",
                     "chief"], "lead"),
    **dict.fromkeys(["now", "currently", "nowadays", "presently", "present"], "current"),
    **dict.fromkeys(["abroad"], "overseas"),
    **dict.fromkeys(["worldwide", "globally", "global", "world's"], "world"),
    "touch": "contact", "reach": "contact",
    **dict.fromkeys(["leave", "leaving", "depart", "departs", "departing", "predeparture"], "departure"),
    **dict.fromkeys(["needs", "needed", "require", "requires", "required", "requirement", "requirements"], "need"),
    **dict.fromkeys(["pick", "picks", "picked", "choose", "chooses", "chose", "chosen", "selects", "selected",
                     "selecting", "selection"], "select"),
    **dict.fromkeys(["applicant", "applicants", "candidate", "candidates", "applying", "applied", "applies",
                     "application", "applications"], "apply"),
    **dict.fromkeys(["alumnus", "alumna", "alumnae", "alum", "alums", "ex-jets", "exjets"], "alumni"),
}
_PHRASES = re.compile(r"\b(?:set up|kick(?:ed)? off|get going)\b")
# "How old is JET" asks when it began (an age limit, "how old do I have to be", is another question).
_HOW_OLD = re.compile(r"\bhow old (?=(?:is|was|are|were)\b)")
# "At the moment", "right now" and "these days" ask about the present, like "currently".
_NOW = re.compile(r"\b(?:at the moment|right now|these days|as of now|as of today)\b")
# "I set up the quiz night with 30 places": the speaker made something; not when it began.
_MADE = re.compile(r"\b(?P<who>i|we)(?: just| already)? (?:set up|started|created|launched)\b"
                   # "thinking of starting a meetup": a plan to make something, not when it began
                   r"|\b(?P<plan>(?:thinking (?:of|about)|planning (?:to|on)|want(?:ing)? to|going to|hoping to|"
                   r"would like to|about to) )(?:start|starting|set up|setting up|launch|launching)\b")
# "who showed up at last month's event": when something happened, not what is asked about.
_LAST_TIME = re.compile(r"\b(?:last|past) (?:week|month|weekend)(?:'?s)?\b")
# "but now I'm going": "now" before the speaker's own news tells a story, it does not ask about the present.
_NARRATIVE_NOW = re.compile(r"\bnow(?=,? (?:i|im|i'm|we|were|we're|it|its|it's|they|theyre|they're)\b)")
# "i can come now", "she's joining now": when the asker acts, not the present figure.
_ACTING_NOW = re.compile(r"\b(come|coming|go|going|join|joining|attend|attending) now\b")
# "how do I start/create/set up an event", "can we start a series": making something, not asking when it
# began ("when did JET start" keeps its meaning).
_MAKE = re.compile(r"\b(?P<ask>(?:how (?:do|can|would|should|to)|can|could|may) (?:i|we|you|u|one)?\s*"
                   r"(?:\w+ ){0,2}?)(?:start|set up|create|launch)\b")
# "What does CLAIR do apart from JET?" asks about everything BUT JET: the excluded words (up to
# three, or to the end of the clause) are dropped and one token, ``except``, says that something was.
_EXCEPT = re.compile(r"\b(?:apart from|aside from|other than|besides|beyond|except(?: for)?|excluding|not counting)"
                     r"(?:\s+[^\s,.;:?!]+){0,3}"
                     # "a JET job that isn't teaching English in a school": everything to the clause end.
                     r"|\b(?:that|which)\s+(?:isn'?t|is not|aren'?t|are not|doesn'?t|don'?t)(?:\s+[^\s,.;:?!]+)+"
                     # "committee people who aren't admins make events": only the kind of person is excluded
                     r"|\bwho\s+(?:isn'?t|is not|aren'?t|are not)(?:\s+(?:a|an|the))?\s+[^\s,.;:?!]+"
                     # "does CLAIR only do JET?" asks what else it does.
                     r"|\b(?:only|just)\s+(?:do|does|doing|handle|handles|run|runs|for|about)(?:\s+[^\s,.;:?!]+){1,3}")
# "How many X" asks for a number, like "number of X" and "total X": one token for all of them.
# "ex-JETs", "former JETs" and "past participants" are the programme's alumni (before the hyphen splits them).
_ALUMNI = re.compile(r"\b(?:ex|former|past)[- ]?(?:jets?|participants?)\b")
_HOW_MANY = re.compile(r"\b(?:how many|number of|total number of|total)\b")
# "How long", "how many days" and "for how many years" all ask for a duration.
_DURATION = re.compile(r"\b(?:how long|(?:how many|number of) (?:days|weeks|months|years))\b")
# "How many people have been on JET since it started?" asks how many, not when it started.
_SINCE = re.compile(r"\b(?:ever )?since (?:it|they|jet|then|the programme|the program)? ?"
                    r"(?:started|began|begun|kicked off|opened|was (?:founded|created|set up|established|launched))\b"
                    r"|\bsince the (?:start|beginning|outset)\b|\bto date\b|\bso far\b")
# Greetings and asides that say nothing about the topic ("good night all", "in one sentence").
_ASIDE = re.compile(r"\bgood (?:morning|afternoon|evening|night|day)\b|\bnight all\b|\bin (?:one|a) (?:sentence|word|"
                    r"nutshell)\b|\bin plain english\b|\bin simple terms\b|\bin short\b|\bbriefly\b|\btl;?dr\b"
                    # "what's JET's full name": like "what does JET stand for"
                    r"|\b(?:full|official) name\b"
                    # "wait, how old is JETAA?", "hold on, what's a CIR": surprise, not a topic ("wait list").
                    r"|\b(?:wait|hold on|hang on)\b(?=\W+(?:how|what|whats|who|when|where|why|which|is|are|do|does|"
                    r"did|so|but)\b)")
# "is JET one of the biggest programmes or is that just hype?": doubt about the claim, not a second topic.
_DOUBT = re.compile(r"\bor (?:is|was) (?:that|it|this|all that) (?:all |just |only |simply |a |an |some |total |pure |"
                    r"marketing )*(?:hype|marketing|myth|rumou?r|exaggerat\w*|overblown|propaganda|nonsense|made up|"
                    r"urban legend|bs|cap|a lie|lies|fake|wrong)\b|\bor (?:not|nah)\b(?=\W*$)")
# "what dose a CIR do": "dose" is an English word, but not after a question word.
_WHAT_DOSE = re.compile(r"\b(what|how|where|when|who|why|which)\s+dose\b")
# "How long has JET existed?" asks when it began, like "how long has it been running".
_HOW_LONG_EXISTED = re.compile(r"\bhow long (?:(?:has|have) )?(?P<x>.{1,40}?) (?:(?:has|have) )?(?:existed|been around|"
                               r"been in existence)\b")
# "How far is Tsu from Tokyo?" asks for a distance: a question type, like "how many".
_DISTANCE = re.compile(r"\bhow far\b")
# Number words are digits ("seven offices" == "7 offices"); "one" is a pronoun too often to fold.
NUMBERS = {w: str(i) for i, w in enumerate(
    "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split()) if w != "_"}
NUMBERS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80",
                "ninety": "90", "hundred": "100", "1st": "first", "2nd": "second", "3rd": "third",
                "thirtieth": "30th", "twentieth": "20th"})

# The domain thesaurus (knowledge/thesaurus.yaml): everyday words -> the knowledge base's words.
THESAURUS = load_or_empty()
_THESAURUS_PHRASES = THESAURUS.phrase_pattern()
JA_MAP = {**JA_WORDS, **THESAURUS.japanese}
_ISE = re.compile(r"(?<=\w{3})is(e|es|ed|ing|ation|ations|er|ers)$")
_KANA_HIRA = r"\u3040-\u309f"
_CJK = r"\u3005\u3006\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_CJK_RE = re.compile(f"[{_CJK}{_KANA_HIRA}]")
_SPLIT_RE = re.compile(rf"[{_CJK}{_KANA_HIRA}]+|[^\W_{_CJK}{_KANA_HIRA}]+")
_DIGIT_COMMA = re.compile(r"(?<=\d)[,.](?=\d{3}\b)")
_APOSTROPHE = re.compile(r"['’`´]s\b|['’`´]")
_VOWELS = set("aeiouy")


def has_cjk(text: str) -> bool:
    return _CJK_RE.search(text) is not None


# Words whose final "s" is no plural: "news" is not "new" (as in New York).
_NOT_PLURAL = frozenset({"news", "series", "species"})
# Words whose ending, cut off, leaves another word, one the reader drops or confuses: "theme" is not
# "them", "paste" not "past".
_STEM_KEEP = {**dict.fromkeys(("theme", "themes", "themed"), "theme"),
              **dict.fromkeys(("paste", "pastes", "pasted", "pasting"), "paste"),
              "willing": "willing", "herring": "herring"}


def stem(word: str) -> str:
    """A small, predictable English stemmer (Porter's step 1 plus a few endings).

    Predictable matters more than linguistically right: the result is only ever compared with other
    stemmed words. Words of four letters or fewer are left alone, which protects "us", "sea", "alt",
    "cir" and similar abbreviations.
    """
    if word in _STEM_KEEP:
        return _STEM_KEEP[word]
    if len(word) <= 3 or not word.isascii() or not word.isalpha() or word in _NOT_PLURAL:
        return word
    w = word
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("sses", "shes", "ches", "xes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is", "ous")):
        w = w[:-1]
    if len(w) > 6 and w.endswith("ly") and w[-3] != "i":  # currently -> current, annually -> annual
        w = w[:-2]
    elif len(w) > 5 and w.endswith("ment"):
        w = w[:-4]
    elif len(w) > 5 and w.endswith("ing") and any(c in _VOWELS for c in w[:-3]):
        w = w[:-3]
        if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
            w = w[:-1]
    elif len(w) > 4 and w.endswith("ed") and not w.endswith("eed") and any(c in _VOWELS for c in w[:-2]):
        w = w[:-2]
        if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
            w = w[:-1]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


@lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """Spelling variants and endings folded, so "Programmes", "programs" and "program" are one word."""
    word = JA_MAP.get(word, word)
    if not word.isascii():
        # "Düsseldorf" is typed "dusseldorf": Latin letters lose their accents; other scripts stay.
        plain = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
        if not plain.isascii():
            return word
        word = plain
    word = SPELLINGS.get(word, word)
    word = SYNONYMS.get(word, word)
    word = NUMBERS.get(word, word)
    word = _ISE.sub(lambda m: "iz" + m.group(1), word)
    word = SPELLINGS.get(word, word)
    return stem(word)


# Country names people abbreviate; "US" must be caught before lower-casing turns it into "us".
_COUNTRY_CASED = re.compile(r"\b(?:U\.S\.A\.?|U\.S\.|USA|US)(?![\w.])|\b(?:U\.K\.|UK)(?![\w.])")
_COUNTRIES = re.compile(r"\b(?:the )?united states(?: of america)?\b|\bunited kingdom\b|\bgreat britain\b")


def _country(match: re.Match[str]) -> str:
    return "uk" if "k" in match.group(0).lower() or "brit" in match.group(0).lower() else "usa"


_ASCII_WORD = re.compile(r"\b[a-z]{3,6}\b")


def _question_word(match: re.Match[str]) -> str:
    """"wen" -> "when", "mnay" -> "many": a misspelt question word, before the phrases are read."""
    return spelling.question_word_typos().get(match.group(0), match.group(0))


# A question word or short verb run into the next word ("whatyear", "howmany", "setit up"): split when
# the rest is a common English word and the whole is not a word of its own.
_RUN_TOGETHER = re.compile(r"\b(what|when|where|which|who|why|how|does|did|set|get)([a-z]{2,})\b")
RUN_TOGETHER_MIN_COUNT = 1_000_000  # the second part's count in the frequency list: everyday words only


def _run_together(match: re.Match[str]) -> str:
    whole, rest = match.group(0), match.group(2)
    if spelling.is_english(whole) or spelling.frequency(rest) < RUN_TOGETHER_MIN_COUNT:
        return whole
    return f"{match.group(1)} {rest}"


_RUN_TOGETHER_CASED = re.compile(_RUN_TOGETHER.pattern, re.IGNORECASE)
_ASCII_WORD_CASED = re.compile(r"\b[A-Za-z]{3,6}\b")


def respell(text: str) -> str:
    """The message as typed, with run-together question words split ("howmany" -> "how many") and
    misspelt ones fixed ("wht" -> "what"): the rules that read what a question asks for ("how many",
    "who is") see what the asker meant. Case is kept, so names stay names."""
    def split(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = _RUN_TOGETHER.fullmatch(word.lower())
        return _run_together(lower) if lower and word[1:] == word[1:].lower() else word

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if word != word.lower() and match.start() > 0:
            return word  # "Wen" inside a sentence is a name
        fixed = spelling.question_word_typos().get(word.lower(), word)
        if fixed + "s" == word.lower() or fixed == "the":
            return word  # "whats", "hows": a contraction, as meant; "thx" is thanks, whatever "teh" is
        return fixed

    return _ASCII_WORD_CASED.sub(fix, _RUN_TOGETHER_CASED.sub(split, text))


def clean(text: str) -> str:
    """NFKC, lower case, apostrophes and digit separators removed; punctuation is kept here."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isupper():  # in "TELL US ABOUT JET", US is a pronoun
        text = _COUNTRY_CASED.sub(_country, text)
    text = text.lower()
    text = _RUN_TOGETHER.sub(_run_together, text)
    text = _ASCII_WORD.sub(_question_word, text)
    text = _COUNTRIES.sub(_country, text)
    text = _ASIDE.sub(" ", text)
    text = _DOUBT.sub(" ", text)
    text = _WHAT_DOSE.sub(r"\1 does", text)
    text = _HOW_LONG_EXISTED.sub(r"when did \g<x> begin", text)
    text = _SINCE.sub(" ", text)
    text = _MAKE.sub(r"\g<ask>create", text)
    text = _MADE.sub(lambda m: f"{m.group('who') or m.group('plan')} create", text)
    text = _NARRATIVE_NOW.sub(" ", text)
    text = _ACTING_NOW.sub(r"\1", text)
    text = _LAST_TIME.sub(" ", text)
    text = _PHRASES.sub("begin", text)
    text = _HOW_OLD.sub("begin ", text)
    text = _NOW.sub("current", text)
    text = _EXCEPT.sub(" except ", text)
    text = _ALUMNI.sub("alumni", text)
    text = _DURATION.sub("duration", text)
    text = _DISTANCE.sub("distance", text)
    text = _HOW_MANY.sub("number", text)
    if _THESAURUS_PHRASES is not None:
        text = _THESAURUS_PHRASES.sub(lambda m: THESAURUS.phrases[m.group(0)], text)
    text = _APOSTROPHE.sub("", text)
    return _DIGIT_COMMA.sub("", text)


def words(text: str) -> list[str]:
    """Every word of ``text`` (stopwords included), split at punctuation and script changes; thesaurus
    words replaced ("grads" -> "graduates"), Japanese cut into words by ``japanese.words``."""
    out: list[str] = []
    for run in _SPLIT_RE.findall(clean(text)):
        if run.isascii():
            mapped = THESAURUS.words.get(run)
            out.extend(mapped.split() if mapped else (run,))
        elif has_cjk(run):
            out.extend(_japanese(run))
        else:
            out.append(run)  # accented Latin ("düsseldorf")
    return out


@lru_cache(maxsize=8192)
def _japanese(run: str) -> tuple[str, ...]:
    return tuple(japanese.words(run, JA_MAP, JA_STOPWORDS))


def token_pairs(text: str) -> list[tuple[str, str]]:
    """Each content token of ``text`` with the word it came from: ("programm", "programm"),
    ("programmes", "program"). The engine checks the word as written against the English dictionary."""
    out: list[tuple[str, str]] = []
    for word in words(text):
        if word in STOPWORDS or word in JA_STOPWORDS:
            continue
        folded = fold_word(word)
        if folded and folded not in STOPWORDS:
            out.append((word, folded))
    return out


def tokens(text: str) -> list[str]:
    """The content tokens of ``text``, in order: folded, stopwords and Japanese particles dropped."""
    return [folded for _, folded in token_pairs(text)]


# Abbreviations in the knowledge base that are also everyday English words. Written in capitals
# ("SEA", "MIC", "ALTs") they are the abbreviation; in lower case ("the sea of Japan", "my mic is
# broken", "alt text") the engine counts them only when another word of the question supports the
# same entry. ("US" is handled in ``clean``: only the capitals become "usa".)
AMBIGUOUS_ABBREVIATIONS = frozenset({"sea", "mic", "alt"})
_CASED_ABBR = re.compile(r"\b(SEA|MIC|ALT)s?\b")


def weak_abbreviations(text: str) -> frozenset[str]:
    """The ambiguous abbreviations (as tokens) that ``text`` does NOT write in capitals. All-capitals
    text ("WHAT IS THE SEA OF JAPAN") says nothing about case, so there every one of them is weak."""
    text = unicodedata.normalize("NFKC", text or "")
    if text.isupper():
        return AMBIGUOUS_ABBREVIATIONS
    cased = {m.group(1).lower() for m in _CASED_ABBR.finditer(text)}
    return AMBIGUOUS_ABBREVIATIONS - cased


# Where a message splits into clauses: sentence ends, colons, semicolons, commas, dashes between spaces,
# and "but"/"so" right before a question word ("sorry if dumb question but what's a CIR").
_QUESTION_WORDS = (r"what|whats|what's|who|whos|who's|whom|whose|where|wheres|where's|when|whens|when's|why|how|"
                   r"hows|how's|which")
# An emoji ends a clause as a full stop does: "kinda lost 😅 can the alumni association help?"
_EMOJI = "\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F"  # with the variation selector that follows "☀"
# Japanese ends a sentence with 。 (no space after it), or with ？/！ and a space as English does.
_CLAUSE_SPLIT = re.compile(rf"(?<=[?!.:;,？！{_EMOJI}])\s+|\s+[-–—]+\s+|[?!]+(?=[^\s?!？！])"
                           r"|(?<=。)(?=[^\s。？！」』）)])"
                           rf"|\s+(?:but|so)\s+(?=(?:{_QUESTION_WORDS})\b)", re.IGNORECASE)
_ASKS_AT_END = re.compile(rf"[?？][\s{_EMOJI}\u200d]*$")  # "ほんと？🤔"
_QUESTION_START = re.compile(
    rf"^\W*(?:(?:but|and|so|also|anyway|ok|okay)\s+)?(?:{_QUESTION_WORDS}|is|are|was|were|do|does|did|can|could|"
    r"should|would|will|may|am|has|have|any|tell|explain)\b",
    re.IGNORECASE)


# "my grandma asked me what CLAIR even is", "no idea what a CIR does": a question inside a sentence.
_EMBEDDED = re.compile(r"\b(?:what|who)\s+((?:an?\s+|the\s+)?[\w&-]+(?:\s+[\w&-]+){0,3}?)\s+"
                       r"(?:even\s+|actually\s+|really\s+)?(is|are|does|do|means?)\b", re.IGNORECASE)


# "once ur in japan who decides which town you get sent to,": a question after a few words of setting.
_LATE_QUESTION = re.compile(r"^\W*(?:once|when|if|after|before|so|now|ok|okay|also|and|but)\b(?:\s+\S+){1,4}?\s+"
                            r"(?:who|what|which|where|how)\s+(?:\w+\s+){0,2}?(?:is|are|does|do|did|decides?|picks?|"
                            r"chooses?|runs?|can|should|would|will)\b", re.IGNORECASE)


# "help?", "any ideas?": a plea, not a question of its own.
_PLEA = re.compile(r"^\W*(?:help|pls|please|thanks|thank you|any ideas|ideas|thoughts|anyone|someone)\W*$"
                   # "can someone help?", "any help?": asking for help, not about the bot's help
                   r"|^\W*(?:(?:can|could|would|will) (?:someone|anyone|somebody|anybody|you|u|ya) (?:pls |please )?"
                   r"help(?: me| out| pls| please)?|any help|help (?:me|pls|please)(?: out)?)\W*$",
                   re.IGNORECASE)


# "what does an ALT do, like day to day?": a clause that hedges the one before it asks nothing new.
_HEDGE = re.compile(rf"^\W*(?:like|i mean|as in|e\.?g\.?|i\.?e\.?|or like|kind of|sort of)\b"
                    rf"(?!\W*(?:{_QUESTION_WORDS})\b)", re.IGNORECASE)


# "does it work on telegram or slack too, or only discord?": "or ..." goes on with the clause before it.
# ("..., or is it only for returners?" asks a question of its own.)
_GOES_ON = re.compile(rf"^\W*or\b(?!\s+(?:{_QUESTION_WORDS}|is|are|was|were|do|does|did|can|could|should|would|will|"
                      r"has|have|am)\b)", re.IGNORECASE)
# "was reading about the JST being hosted there": the asker's own doing, its "I" left out; not a question.
_DROPPED_SUBJECT = re.compile(r"^\W*(?:was|am|were|been)\s+\w+ing\b(?!.*\?\W*$)", re.IGNORECASE)


def clauses(text: str) -> list[str]:
    """Every clause of a message, asking or not (see ``question_clauses``). A clause of punctuation
    only ("??" split off "16 countries??") is not one."""
    out: list[str] = []
    for part in _CLAUSE_SPLIT.split(text or ""):
        if not part or not re.search(r"\w", part):
            continue
        if out and _GOES_ON.match(part):
            out[-1] = f"{out[-1]} {part.strip()}"
        else:
            out.append(part.strip())
    return out


def clause_match(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """``pattern`` matched at the start of the message or of one of its later clauses: "Toyota City
    Partnership Board: who's the chair of it?" asks who, though the message does not begin with it."""
    return next(filter(None, map(pattern.match, [text, *clauses(text)[1:]])), None)


def question_clauses(text: str) -> list[str]:
    """The clauses of a chatty, multi-part message that ask something ("what is the JLGC? saw it in a
    newsletter" -> ["what is the JLGC?"]), and questions said inside another sentence ("my grandma
    asked what CLAIR even is" -> "what is CLAIR"). Empty when the message is a single clause."""
    parts = clauses(text)
    if len(parts) < 2:
        return []
    asking = [p for i, p in enumerate(parts)
              if (_ASKS_AT_END.search(p) or _QUESTION_START.match(p) or _LATE_QUESTION.match(p)) and not _PLEA.match(p)
              and not (i and _HEDGE.match(p)) and not _DROPPED_SUBJECT.match(p)]
    for p in parts:
        m = _EMBEDDED.search(p)
        if m and not _QUESTION_START.match(p):
            verb = m.group(2).lower()
            asking.append(f"what {m.group(1)} {verb}" if verb.startswith("do") else f"what {verb} {m.group(1)}")
    return asking


LIGHT_WORDS = frozenset(fold_word(w) for w in LIGHT_WORDS_RAW)


def normalize(text: str) -> str:
    """The normalised form of a question: its content tokens joined by spaces (what gets logged)."""
    return " ".join(tokens(text))
