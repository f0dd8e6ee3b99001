"""What a question asks for, beyond its topic: a cost, a phone number, a deadline, a given year.

An entry can be about the right topic and still not answer the question: "how much does the Japan
Study Tour cost?" is about the tour, but no document gives a price. Then the honest reply says so
and offers what the documents do say (a decline with ``related``), instead of presenting the tour's
description as the answer. Detection is a few patterns on the question; the check is whether the
entry's answer text contains anything of that kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.knowledge.normalize import NUMBERS


@dataclass(frozen=True)
class Attribute:
    name: str  # "cost", "phone", ...
    asked: re.Pattern[str]  # in the question
    given: re.Pattern[str]  # in an answer that gives it
    words: frozenset[str]  # question tokens that only say "which attribute" (dropped to find the topic)
    missing: str  # "the cost" in "The documents I have don't give the cost."
    # Asks about now ("still running?", "the next one"): dated documents cannot say, but an entry its
    # chapter keeps current (pub night is every Friday) does.
    dated: bool = False
    # What, right after the thing named, also gives it: "Islington Council (Afghan resettlement, ...)"
    # says what Islington presented; "Newham, Hackney, Greenwich" says nothing of Hackney.
    after_thing: re.Pattern[str] | None = None
    # When the question names the things asked for ("which 11 boroughs", "names of the officials", the
    # ``thing`` group of ``asked``), the answer must give them in a sentence that says that thing: a
    # list of other names elsewhere in the answer does not give them; and as many as asked (``count``).


_I = re.IGNORECASE
# A day or a month, a time, or a rhythm ("every Friday"): what a date is made of, besides a year.
_DAY_OR_MONTH = (r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|"
                 r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?\b"
                 r"|\b\d{1,2}(?::\d\d)?\s*(?:am|pm)\b|\b\d{1,2}:\d\d\b|\bevery\b|\b(?:daily|weekly|monthly|annual(?:ly)?)\b"
                 r"|\b\d{1,2}(?:st|nd|rd|th)\b(?!\s+(?:anniversary|year|century|edition|time))|[月日]|曜")
ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(
        "cost",
        # "who pays the costs" asks who, not how much.
        re.compile(r"^(?!\W*who\b).*\b(?:costs?|prices?|fees?|expensive|cheap|salary|salaries|wages?|budgets?|"
                   r"free (?:to|of charge|entry|admission)|"
                   r"how much (?:does|do|is|are|will|would|did)\b.*\b(?:cost|pay|paid|charge|earn|spend|spent)"
                   r"|how much money)\b"
                   # "is CIR pay higher than ALT pay? how much more per month?"
                   r"|\bpay (?:is |higher|lower|better|worse|more|less)"
                   r"|\bhow much (?:more|less) (?:per|a) (?:month|year)\b"
                   # "how much is karaoke night?" asks a price.
                   r"|^\W*how much (?:is|are) (?!there\b|it (?:worth|used)\b)(?:a |an |the )?\w+(?: \w+)?\W*$"
                   r"|\bhow much (?:is|are|do|does) (?:the |a |an )?(?:tickets?|entry|admission|membership)\b"
                   # "does JLGC charge councils for visits?": a price, unlike "in charge of".
                   r"|\b(?:does|do|will|would|did) (?:\w+ ){1,3}charge\b(?! of)"
                   # "does the study tour cover flights?": who pays for travel is a cost question.
                   r"|\b(?:cover|covers|covered|pay for|pays for|paid for|include|includes)\b.{0,30}"
                   r"\b(?:flights?|air ?fares?|plane tickets?|travel costs?)\b"
                   r"|いくら|費用|料金|給料|給与|月給", _I),
        re.compile(r"[£$€¥]|\d\s*円|\b\d[\d,.]*\s*(?:yen|pounds?|dollars?|euros?)\b|\bfree of charge\b|\bcosts?\b|"
                   r"\bfees?\b|\bsalar(?:y|ies)\b|\bflights?\b|\bair ?fares?\b", _I),
        frozenset({"cost", "price", "fee", "expens", "cheap", "salary", "wage", "pay", "paid", "charg", "earn",
                   "budget"}),
        "the cost",
    ),
    Attribute(
        "phone",
        # "on my phone" is a device, not a number asked for.
        re.compile(r"(?<!\bmy )(?<!\byour )(?<!\bthe )\b(?:phone|telephone|tel|fax|ring them|call them)\b(?!'?s\b)"
                   r"|\bphone number\b"
                   # "what number do I call?", "can I ring JLGC London?"
                   r"|\bwhat number (?:do|should|can|would) (?:i|we|you) (?:call|ring|dial)\b"
                   r"|\bnumber to (?:call|ring)\b"
                   r"|\bcan (?:i|we|you) (?:just )?(?:ring|call|phone) (?!it\b|them out)", _I),
        re.compile(r"\b(?:phone|tel|telephone)\b|\+\d{1,3}[\s-]?\d|\b\d{2,5}[\s-]\d{3,4}[\s-]\d{3,4}\b", _I),
        frozenset({"phone", "telephon", "tel", "fax", "number", "ring", "call"}),
        "a phone number",
    ),
    Attribute(
        "deadline",
        re.compile(r"\b(?:deadlines?|closing date|due date|cut-?off)\b|締め?切", _I),
        re.compile(r"\bdeadlines?\b|\bclosing date\b", _I),
        frozenset({"deadlin", "clos", "date", "due", "cutoff", "cut"}),
        "a deadline",
    ),
    Attribute(
        "email",
        # "does the bot keep my email?" is about the member's own address, not asking for one.
        # "the newsletter email" is the newsletter itself.
        re.compile(r"(?<!\bmy )(?<!\bour )(?<!newsletter )\b(?:e-?mail|email address|e-mail address)\b"
                   r"|(?<!私の)メール|連絡先", _I),
        re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
        frozenset({"email", "mail", "address"}),
        "an email address",
    ),
    Attribute(
        "address",
        # "What's the address of Japan House London?" asks for a street address, not a description.
        # "my newsletter address" is the member's own (an email address), not one asked for.
        re.compile(r"(?<!e-mail )(?<!email )(?<!\bmy )(?<!\bour )(?<!newsletter )"
                   r"\b(?:street |postal |office )?address\b|\bpostcode\b|\bzip code\b"
                   r"|(?<!from )\bwhere exactly\b|\bexactly where\b|\bwhere in \w+ is\b.*\bexactly\b|住所", _I),
        re.compile(r"\b\d{1,4}\s+(?:[A-Z][a-z]+\s+)?(?:Street|St\.?|Road|Rd|Avenue|Ave|Place|Square|Lane|Way|"
                   r"Whitehall)\b|\bpostcode\b|住所"),
        frozenset({"address", "street", "postal", "postcod", "zip", "code"}),
        "a street address",
    ),
    Attribute(
        "attendance",
        # "How many people attended X?" needs a count of people in the answer.
        re.compile(r"\bhow many (?:\w+ )?(?:people|participants|delegates|guests|visitors|officials|alumni|jets|"
                   r"members|students|councillors)\b.*\b(?:attend|went|came(?! from)|"
                   r"joined|took part|turned up|showed up|participated|were there|were at)", _I),
        re.compile(r"\b(?:\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?)\s+"
                   r"(?:\w+\s+)?(?:people|participants|delegates|guests|visitors|attendees|members|officials|alumni)\b",
                   _I),
        frozenset({"peopl", "participant", "delegat", "guest", "visitor", "attend"}),
        "how many took part",
    ),
    Attribute(
        "per year",
        # "How many JETs does Germany send each year?" asks for a yearly figure, not a total.
        re.compile(r"^(?=.*\b(?:how many|how much)\b).*\b(?:(?:each|every|per|a) year|annually|yearly)\b", _I),
        re.compile(r"\b(?:(?:each|every|per|a) year|annual(?:ly)?|yearly)\b|毎年|年間", _I),
        frozenset({"year", "annual", "yearly", "each", "every"}),
        "a yearly figure",
    ),
    Attribute(
        "hours",
        re.compile(r"\bhow many hours\b|何時間", _I),
        re.compile(r"\bhours?\b|時間", _I),
        frozenset({"hour", "duration"}),
        "working hours",
    ),
    Attribute(
        "earlier career",
        # "What did Kazuya Shima do before JLGC?" asks about someone's past, not their current post.
        re.compile(r"\bdo before\b|\bbefore (?:joining|that|he|she|they|coming)\b|\bpreviously\b"
                   r"|\bused to (?:work|be)\b", _I),
        re.compile(r"\bbefore\b|\bpreviously\b|\bformerly\b|\bcareer\b|\bbackground\b", _I),
        frozenset({"befor", "previous"}),
        "what they did before",
    ),
    Attribute(
        "job title",
        # "what's his actual job title?": a post the documents would have to name next to the person.
        re.compile(r"\bjob titles?\b|\b(?:his|her|their) (?:actual |official |exact )?(?:title|position|post|job)\b"
                   r"|\bwhat does (?:he|she) do for a living\b|役職|肩書", _I),
        re.compile(r"\b(?:director|head of|manager|professor|lecturer|officer|chief|dean|president|chair(?:man|woman|"
                   r"person)?|secretary|coordinator|advis[eo]r|mayor|minister|governor|ambassador|consul|"
                   r"representative|researcher)s?\b", _I),
        frozenset({"job", "titl", "position", "post"}),
        "their job title",
    ),
    Attribute(
        "ranking",
        # "which US state has the most JET alumni?": a ranking the documents would have to make.
        re.compile(r"\b(?:which|what) (?:\w+ ){1,3}(?:has|have|had|sends?|sent|gets?|got|hosts?|hosted|came|comes)"
                   r"\b(?: \w+){0,2}? (?:the )?(?:most|fewest|least|highest|lowest|largest|biggest|top)\b"
                   # "which JETAA chapter is the biggest?"
                   r"|\b(?:which|what) (?:\w+ ){1,3}(?:is|are|was|were) (?:the )?(?:biggest|largest|smallest|oldest|"
                   r"newest|most (?:active|popular|successful))\b"
                   # "where did the UK rank in the G7?"
                   r"|\b(?:where|how high|how low) (?:did|does|do|is|was) (?:\w+ ){1,3}rank(?:ed)?\b"
                   r"|\bin the rankings?\b"
                   r"|一番(?:多|大)|最も多", _I),
        re.compile(r"\b(?:most|largest|biggest|highest|fewest|lowest|top|leading|more than any)\b", _I),
        frozenset({"most", "fewest", "least", "highest", "largest", "biggest", "top"}),
        "a ranking",
    ),
    Attribute(
        "predecessor",
        # "who was DG of JLGC London before Kurono?": who held a post earlier, which an answer naming
        # today's holder does not say.
        re.compile(r"^\W*who (?:was|were|had|held)\b.{0,60}\bbefore (?:him|her|them|[A-Z]\w+)"
                   r"|\bpredecessors?\b|\bprevious (?:director|head|dg|chair|president)\b", re.IGNORECASE),
        re.compile(r"\bpredecessors?\b|\bsucceed(?:ed|s)\b|\btook over from\b|\bpreceded\b|\bformer\b", _I),
        frozenset({"befor", "predecessor", "previous"}),
        "who held the post before",
    ),
    Attribute(
        "placement",
        # "where was Michael Rivera King placed when he was on JET?": where one person served, which an
        # entry that mentions them does not say.
        re.compile(r"(?i:\bwhere)(?i: in \w+)? (?:was|is) (?:(?:[A-Z][a-z]\w*|Dr|Mr|Ms|Mrs)\.? ){1,4}"
                   r"(?i:placed|posted|stationed|sent)\b"
                   # "which prefecture was Michael Rivera King placed in?"
                   r"|(?i:\b(?:which|what) (?:prefecture|city|town|school|region|part of japan) (?:was|is|did) )"
                   r"(?:(?:(?:[A-Z][a-z]\w*|Dr|Mr|Ms|Mrs)\.? ){1,4}|(?i:he |she ))"
                   r"(?i:placed|posted|stationed|sent|teach|work)\b"
                   # a name typed in lower case: two to four words that are not a group of people
                   r"|(?i:\bwhere(?: in \w+)? (?:was|is) (?!(?:the|a|an|each|every|jets?|alts?|cirs?|seas?|"
                   r"participants?|people|they|it)\b)(?:[a-z]\w* ){2,4}(?:placed|posted|stationed)\b)"
                   r"|(?i:\bwhere(?: in \w+)? (?:was|is|did) (?:he|she) "
                   r"(?:placed|posted|based|stationed|sent|teach|work)\b)"),
        re.compile(r"\b(?:placed|posted|based|stationed|taught|worked) (?:in|at|to)\b", _I),
        frozenset({"plac", "post", "base", "station", "sent", "teach", "work"}),
        "where they were placed",
    ),
    Attribute(
        "recording",
        # "is there a recording of the feedback session I could watch?"
        re.compile(r"\b(?:recordings?|recorded|replay|watch (?:it )?(?:back|again|online)|on youtube)\b"
                   r"|録画|アーカイブ", _I),
        re.compile(r"\brecord(?:ing|ings|ed)\b|\bvideo\b|\byoutube\b|録画|アーカイブ", _I),
        frozenset({"record", "replay", "watch", "youtub"}),
        "a recording",
    ),
    Attribute(
        "frequency",
        # "how often does Local Eyes Japan put up new recipes?": a rhythm the answer would have to give.
        re.compile(r"\bhow (?:often|frequently) (?:does|do|is|are|will) (?:\w+ ){1,6}(?:put|puts|publish|post|hold|run|"
                   r"meet|update|release|happen|take place|organi[sz]e|visit)\w*\b|頻度", _I),
        re.compile(r"\bevery\b|\b(?:daily|weekly|fortnightly|monthly|quarterly|yearly|annual(?:ly)?|twice|once a)\b"
                   r"|\beach (?:year|month|week|day)\b|\bper (?:year|month|week)\b|毎", _I),
        frozenset({"often", "frequent"}),
        "how often",
    ),
    Attribute(
        "writings",
        # "has Asaki Abumi written any books?": someone's publications.
        re.compile(r"\b(?:written|wrote|write|published|authored) (?:any |a |some )?(?:books?|papers?|novels?)\b"
                   r"|\bbooks? (?:by|on|about) (?:him|her|them)\b|著書"
                   r"|\b(?:what|which|any) books? (?:has|have|did|does) .{0,40}"
                   r"\b(?:written|write|wrote|published)\b", _I),
        re.compile(r"\bbooks?\b|\bauthor\b|\bpublished\b|\bwrote\b|著書", _I),
        frozenset({"written", "wrote", "write", "book", "publish"}),
        "their writings",
    ),
    Attribute(
        "quote",
        # "what did Damian Atkinson actually say in his talk? any quotes?": someone's own words.
        re.compile(r"\bquotes?\b|\bquotations?\b|\bwhat (?:exactly )?did (?:he|she|they|[A-Z]\w+(?: [A-Z]\w+)?) "
                   r"(?:actually |exactly |really )?say\b|\bin (?:his|her|their) own words\b", _I),
        re.compile(r"[\"“”]|\bsaid\b|\bsays\b", _I),
        frozenset({"quot", "quote", "say", "said", "word"}),
        "their own words",
    ),
    Attribute(
        "list",
        # "which 27 cities are in U20?": the items themselves, which a count of them does not give.
        re.compile(r"\b(?:which|what|name the|list the|list of the|list all(?: the)?|name all(?: the)?) "
                   r"(?P<count>[3-9]|\d\d+|three|four|five|six|seven|eight|"
                   r"nine|ten|eleven|twelve) (?P<thing>\w+)"
                   # "where are the other ones besides London and New York?": the rest of a list
                   r"|\bother (?:\w+ ){0,3}(?:besides|apart from|other than|except)\b"
                   r"|\b(?:where|which|what) (?:are|were) the other (?:ones|\w+)\b", _I),
        re.compile(r"\b[A-Z][\w-]+(?: [A-Z][\w-]+)?, [A-Z][\w-]+(?: [A-Z][\w-]+)?,? (?:and )?[A-Z][\w-]+"),
        frozenset(),
        "the list of them",
    ),
    Attribute(
        "still so",
        # "is Damian Atkinson still at Kensington and Chelsea?": whether something holds today, which
        # dated documents cannot confirm.
        re.compile(r"\bstill (?:working|works|there|employed|at|with|in (?:the |that )?(?:job|post|role)|running|"
                   r"active|going|open|around|a thing|happening)\b"
                   r"|\bmoved on\b|\bon track\b", _I),
        re.compile(r"\bstill\b|\bcurrently\b|\bon track\b|\bprogress\b", _I),
        frozenset({"still", "track"}),
        "whether that is still so",
        dated=True,
    ),
    Attribute(
        "how to sign up",
        # "how do I sign up to volunteer at the playgroup?": the way in, which a report of a visit does
        # not give (the bot's own help names its commands and buttons).
        re.compile(r"\bhow (?:do|can|would|could) (?:i|we|you|u|someone|people) (?:sign up|volunteer|register|enrol|"
                   r"enroll|book)\b|\bcan (?:i|we|anyone|alumni) (?:submit|contribute|send in)\b"
                   r"|どうやって(?:申し?込|応募|登録)|(?:申し?込み|応募|登録)(?:方法|の仕方)", _I),
        re.compile(r"\bsign(?:ing|s)? ?up\b|\bregist(?:er|ration)\b|\bvolunteer|\bbook(?:ing)?\b|\benrol|\bapply\b"
                   r"|\bapplications?\b|/[a-z]+|\bbuttons?\b|\bcontact\b|\bemail\b|\bwebsite\b|\bform\b|\bjoin\b"
                   r"|\bsubmi(?:t|ssions?)\b|\bcontribut", _I),
        frozenset({"sign", "volunt", "regist", "enrol", "book"}),
        "how to sign up",
    ),
    Attribute(
        "hiring",
        # "is JLGC London hiring right now?": vacancies today, which dated documents cannot say.
        re.compile(r"\b(?:hiring|vacanc(?:y|ies)|job (?:openings?|ads?|adverts?|postings?)|open positions?|"
                   r"recruiting (?:staff|people|locally)|take on staff)\b|求人|採用してる", _I),
        re.compile(r"\bhiring\b|\bvacanc(?:y|ies)\b|\bjob (?:openings?|adverts?)\b", _I),
        frozenset({"recruit", "vacancy", "open", "staff"}),  # "hiring" reads as recruit
        "whether they are hiring",
        dated=True,
    ),
    Attribute(
        "handing on a place",
        # "can i hand my going spot to my friend?": passing a place on, which RSVPs do not do (a freed
        # place goes to the waitlist).
        re.compile(r"\b(?:transfer|hand|give|pass|swap|sell)(?: over| on)? (?:my|your|our|a|the) (?:going )?"
                   r"(?:spot|place|ticket|seat|rsvp)\b.{0,40}\b(?:to|with)\b", _I),
        re.compile(r"\btransfer(?:red|s)?\b|\bhand(?:ed)? (?:it |them )?(?:over|on)\b|\bpass(?:ed)? on\b", _I),
        frozenset({"transfer", "hand", "pass", "swap", "spot"}),
        "a way to hand your place to someone else",
    ),
    Attribute(
        "sending the newsletter",
        # "can the bot send out the newsletter email for us?": it keeps the list and exports it for a
        # mailing tool; writing and sending the newsletter is not something it does.
        # Asked of the bot ("can the bot send..."), not of MEXT ("does MEXT send a newsletter?").
        re.compile(r"\b(?:bot|jetbot|you|u)\b.{0,25}\b(?:send|sends|write|design|draft|mail)(?: out)? (?:the |our |a )?"
                   r"newsletter(?: emails?)?\b|\b(?:bot|jetbot|you|u)\b.{0,25}\bnewsletter emails?\b.{0,30}\bsend", _I),
        re.compile(r"\bsends? (?:the |your )?newsletter\b|\bsending (?:the )?newsletter\b", _I),
        frozenset({"send", "write", "design", "draft", "mail"}),
        "a way for the bot to write or send the newsletter itself",
    ),
    Attribute(
        "permission",
        # "are JETs allowed to have a side job?": a rule the answer would have to state.
        re.compile(r"\b(?:allowed|permitted) to\b|\b(?:compulsory|mandatory|obligatory)\b"
                   r"|\b(?:is it|am i|are (?:we|you|jets?|alts?|cirs?)) (?:allowed|permitted|legal)\b"
                   r"|してもいい(?:の|です|ですか)?[？?]|して(?:も)?大丈夫", _I),
        re.compile(r"\ballow(?:s|ed)?\b|\bpermit(?:s|ted)?\b|\bprohibit|\bforbid|\brules?\b|\bpermission\b"
                   r"|\bcan(?:not|'t)?\b|\bcompulsory\b|\bmandatory\b|\brequired\b|\bmust\b|\boptional\b", _I),
        frozenset({"allow", "permit", "legal"}),
        "the rules on that",
    ),
    Attribute(
        "reason",
        # "why did they pick Tsu City out of everywhere in Japan?": a motive the documents would state.
        re.compile(r"^\W*why (?:did|do|does|was|were|is|are) (?:they|he|she|it|the \w+|\w+) "
                   r"(?:pick|choose|chose|select|decide|go with)\b"
                   r"|\bwhat was the reasoning\b|\bhow come they (?:picked|chose)\b", _I),
        re.compile(r"\bbecause\b|\bso that\b|\bin order to\b|\bdue to\b|\breasons?\b|\bchosen for\b"
                   r"|\bselected for\b|\bknown for\b", _I),
        frozenset({"why", "reason"}),
        "why",
    ),
    Attribute(
        "outcome",
        # "has the Osaka investment campaign worked?": a result after the documents were written.
        re.compile(r"\b(?:has|have|did) (?:it|they|the \w+(?: \w+){0,3}) (?:actually |really |ever )?"
                   r"(?:worked|work|succeeded|succeed|paid off)\b"
                   r"|\bwas it (?:a )?success(?:ful)?\b"
                   # "did the January 2021 tour actually happen or did covid kill it?"
                   r"|\bdid (?:it|they|the \w+(?: \w+){0,7}) (?:actually |really |even |ever )?"
                   r"(?:happen|go ahead|take place|get cancelled)\b", _I),
        re.compile(r"\bresult(?:ed|s)?\b|\bsuccess(?:ful)?\b|\boutcome\b|\bled to\b|\bachieved\b", _I),
        frozenset({"work", "success", "paid"}),
        "how it turned out",
    ),
    Attribute(
        "findings",
        # "what did Climbing the Summit conclude?", "are Japanese cities more productive than UK ones,
        # according to the report?": what a study found, which a description of it does not say.
        re.compile(r"\bwhat (?:did|does) (?:the |that |this )?(?:\w+ ){0,4}(?:find|conclude|show|recommend)\b"
                   r"|\b(?:findings|conclusions?|results) of\b|\bwhat (?:were|are) (?:the|its|their) "
                   r"(?:findings|conclusions|results|recommendations)\b"
                   # a comparison the study would have made: "are Japanese cities more productive than UK ones?"
                   r"|^(?=.*\b(?:report|study|research|survey|find)).*(?:\b(?:is|are|was|were) (?:\w+ ){1,4}"
                   r"|\bhow much )(?:more|less) \w+(?: \w+){0,4} than\b", _I),
        re.compile(r"\b(?:found|finds|concluded|concludes|showed|shows|recommended|recommends) that\b"
                   r"|\bfindings?\b|\bconclusions?\b|\b(?:more|less) \w+ than\b", _I),
        frozenset({"find", "conclud", "conclus", "result", "show", "recommend"}),
        "what it found",
    ),
    Attribute(
        "reputation",
        re.compile(r"\b(?:known|famous|renowned|best known) for\b|\breputation\b", _I),
        re.compile(r"\bknown for\b|\bfamous\b|\brenowned\b|\breputation\b", _I),
        frozenset({"reputation"}),
        "what it is known for",
    ),
    Attribute(
        "opinion",
        # "Is CLAIR a good place to work?", "is JET worth it?": the documents describe, they do not judge.
        re.compile(r"\b(?:is|are|was) (?:it|\w+) (?:a |an )?(?:good|great|bad|fun|nice) "
                   r"(?:place|idea|job|choice|option)\b|\bworth it\b|\bworth (?:doing|applying)\b"
                   # "which prefecture is the best one to get placed in?": a ranking the documents don't make.
                   r"|\bwhich \w+ (?:is|are) (?:the )?(?:best|nicest|worst)\b|\bthe (?:best|worst|nicest) "
                   r"(?:one|ones|place|places|prefecture|prefectures|city|cities|town|towns|option|choice)\b"
                   # "do u think the 2050 goal is realistic?": a judgement, not a fact the documents give.
                   r"|\bin (?:your|ur) (?:opinion|view)\b"
                   # "is JET better than working for an eikaiwa?": a comparison the documents don't make.
                   r"|\b(?:is|are) (?:it|\w+) (?:really |actually )?(?:a |an )?(?:better|worse)\b.{0,30}\bthan\b"
                   r"|\bthe (?:better|best) (?:job|role|option|choice|pick|gig)\b"
                   r"|\bbest (?:one )?to (?:join|apply|pick|choose|go)\b|\bmost active\b"
                   r"|^(?=.*\b(?:better|worse|best|worst)\b).*\bwhat do (?:you|u|ya) (?:think|reckon)\b"
                   r"|\b(?:do|d'?) ?(?:you|u|ya) (?:think|reckon|feel)\b.*\b(?:realistic|achievable|likely|worth|"
                   r"a good idea|fair|working)\b", _I),
        re.compile(r"\bworth it\b|\brecommend(?:ed)?\b|\bgood place to work\b", _I),
        frozenset({"good", "great", "bad", "fun", "nice", "worth", "place", "idea", "choic", "option", "best",
                   "worst"}),
        "an opinion",
    ),
    Attribute(
        "what they presented",
        # "what did Greenwich council present?", "what was the camden person's talk about?": a sentence
        # must say what that one presented, not merely name them among others.
        re.compile(r"\bwhat (?:did|was|were) (?:the |that )?(?!(?:he|she|they|it|you|we|i)\b)(?P<thing>[a-z][\w-]*)"
                   r"(?:'s)?(?: [\w'-]+){0,2}? (?:present\w*|talk\w*|spe(?:ak|ech)\w*|discuss\w*|cover\w*|tell|"
                   r"share|explain)\b", _I),
        re.compile(r"\b(?:present\w*|talks?|talked|spoke|speech|discuss\w*|shared|explained|lecture|seminar|"
                   r"research|on how)\b", _I),
        frozenset(),
        "what they presented",
        after_thing=re.compile(r"^[\w' -]{0,25}\(|^[\w' -]{0,25}(?:on|about|, on)\b", _I),
    ),
    Attribute(
        "website",
        # "what's the JETAA Germany chapter's website?" asks for an address ("on the website" does not).
        re.compile(r"\b(?:what'?s|what is|where'?s|where is|link to|address of|url (?:of|for)) "
                   r"(?:the |their |its |an? )?(?:[\w'-]+ ){0,4}?(?:website|web ?site|homepage|home page|web address)\b"
                   r"|ウェブサイト|ホームページ", _I),
        re.compile(r"https?://|\bwww\.|\b[\w-]+\.(?:org|com|jp|uk|net|de|ca|us)(?:/|\b)", _I),
        frozenset({"websit", "site", "homepag", "web"}),
        "a web address",
    ),
    Attribute(
        "founder",
        # "who actually founded the JET alumni association?": a person or body, which a founding year is not.
        re.compile(r"^\W*(?:\w+\W+){0,4}?who (?:actually |originally |first )?(?:founded|set up|started|created|"
                   r"established|launched)\b", _I),
        re.compile(r"\b(?:founded|set up|started|created|established|launched|initiated) by\b", _I),
        frozenset(),
        "who founded it",
    ),
    Attribute(
        "limit",
        # "is there a limit on how many years you can do JET?": a rule the answer must state.
        re.compile(r"\b(?:is there an?|are there any|any|what'?s the|what is the|what are the)\s+(?:upper\s+)?"
                   r"(?:limit|maximum|max|cap)s?\s+(?:on|to|for)\b(?!.*\bage\b)", _I),
        re.compile(r"\blimits?\b|\bup to\b|\bmaximum\b|\bmax\b|\bat most\b|\bno more than\b|\bcap(?:ped|acity)?\b"
                   r"|\b\d+\s*(?:-|–|to)\s*\d+\b", _I),
        frozenset({"limit", "maximum", "max", "cap"}),
        "a limit",
    ),
    Attribute(
        "age",
        re.compile(r"\bage (?:limit|requirement|restriction)s?\b|\b(?:minimum|maximum) age\b|\bhow old do\b|年齢"
                   # "is there a JET programme for teachers over 50?", "too old at 45"
                   r"|\b(?:teachers?|people|applicants?|anyone|someone|candidates?|i'?m|i am|me) (?:over|under|aged) "
                   r"[1-9]\d\b|\btoo (?:old|young)\b|\b[1-9]\d (?:or older|and over|years old)\b", _I),
        re.compile(r"\bage\b|\byears old\b|\baged\b|\beligibility\b", _I),
        frozenset({"age", "limit", "minimum", "maximum", "old"}),
        "an age limit",
    ),
    Attribute(
        "venue",
        # "Which hotel is the Tokyo orientation held at?" asks for a place the documents would name.
        # "a spreadsheet for the venue", "put the wrong venue on the post": a venue mentioned, not asked for.
        re.compile(r"\b(?:which|what) (?:hotel|venue)s?\b|\bhotel\s*\?*\s*$"
                   r"|\b(?:what|where)(?:'s| is| was| will be)? the (?:hotel|venue)\b"
                   # "where is pub night?": where a chapter's own event is held
                   r"|^\W*where(?:'s| is| are| will)\b.*\b(?:night|quiz|party|parties|meetup|bbq|barbecue|picnic|"
                   r"dinner|drinks|karaoke)\b", _I),
        re.compile(r"\bhotel\b|\bvenue\b|\bheld at\b", _I),
        frozenset({"hotel", "venu"}),
        "the venue",
    ),
    Attribute(
        "headcount",
        # "How many people work at JLGC London?" asks for a headcount, not what the office does.
        re.compile(r"\bhow many (?:people|staff|employees|workers)\b.*\bwork|\bhow many (?:staff|employees)\b", _I),
        re.compile(r"\b\d[\d,]*\s+(?:staff|employees|people work|officials)\b", _I),
        frozenset({"staff", "employe", "worker", "work", "peopl"}),
        "a headcount",
    ),
    Attribute(
        "questions asked",
        # "What questions do they ask at the JET interview?" asks for the questions themselves.
        re.compile(r"\bwhat (?:kind of |sort of |type of )?questions (?:do|did|will|does|are)\b"
                   r"|\bwhat (?:kind of |sort of |type of )?(?:stuff|things) (?:do|did|will) (?:they|you) ask\b"
                   r"|どんな質問|何を(?:聞|質問)|どんなこと(?:を)?聞かれ|何(?:を)?聞かれ", _I),
        re.compile(r"\bquestions (?:asked|include|such as|like)\b|\basked about\b", _I),
        frozenset(),
        "the questions asked",
    ),
    Attribute(
        "sports",
        # "What sports do SEAs coach?" asks for a list the documents would have to name.
        re.compile(r"\b(?:what|which) (?:kinds? of |sorts? of |types? of )?sports?\b|(?:どんな|何の|どの)スポーツ", _I),
        re.compile(r"\b(?:football|soccer|baseball|rugby|basketball|judo|kendo|karate|tennis|swimming|athletics|"
                   r"volleyball|badminton|table tennis|skiing|cricket|hockey)\b", _I),
        frozenset(),
        "which sports",
    ),
    Attribute(
        "date",
        # "When does the Tokyo orientation happen each year?" needs a date or a month in the answer.
        re.compile(r"^\W*when (?:does|do|is|are|will)\b(?!.*\b(?:next|upcoming)\b)"  # "next": see below
                   r"|いつ頃|いつ(?:ある|あり|開催|行われ|やる|です)|日程|何月", _I),
        # "24 hours before" the event: when, counted from it
        re.compile(rf"\b(?:1[89]|20)\d\d\b|{_DAY_OR_MONTH}"
                   r"|\b(?:\d+|an?|one|two|three)\s*(?:hours?|minutes?|days?|weeks?|h)\b[^.]{0,30}?"
                   r"\b(?:before|after|ahead)\b", _I),
        frozenset(),
        "a date",
    ),
    Attribute(
        "exact date",
        # "What date was the Explanation Day?" asks for a day: "in 2017" does not give one.
        re.compile(r"\b(?:what|which) (?:date|dates|day)\b(?! (?:do|does|did|is|are|was|were) (?:you|they|it) )"
                   # "when exactly did Matsutani take over?" (a year answers "when exactly did JET start?")
                   r"|^\W*(?:when exactly|exactly when)\b(?!.*\b(?:start|begin|began|found|set up|creat|establish))"
                   r"|\bwhat (?:are|were|is|was) the (?:actual |exact )?dates?\b", _I),
        # a day of a month, a weekday or a rhythm: "January 2021" is no exact date
        re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?(?:\s*[-–]\s*\d{1,2}(?:st|nd|rd|th)?)?\s+(?:January|February|March|April|"
                   r"May|June|July|August|September|October|November|December)\b|\b(?:January|February|March|April|May|"
                   r"June|July|August|September|October|November|December)\s+\d{1,2}(?:st|nd|rd|th)?\b(?!\d)"
                   r"|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?\b|\bevery\b|\d+日", _I),
        frozenset(),
        "the exact date",
    ),
    Attribute(
        "choice of place",
        # "can you choose which prefecture they send you to?": whether one gets a say, which the
        # documents do not explain.
        re.compile(r"\b(?:(?:can|could|do|may) (?:i|you|u|we|they|jets?|(?:\w+ ){1,2}(?:secondees|participants|alts|"
                   r"cirs|staff))\b.{0,10}"
                   r"|\blets? (?:you|u|me|us|jets?|people) )"
                   r"\b(?:choose|pick|select)\b.{0,25}"
                   r"\b(?:prefecture|placement|where|location|city|office|"
                   r"town|region|area)\b|(?:任地|配属先|赴任先|都道府県|どの|どこ).{0,15}(?:選べ|選ぶ|希望)", _I),
        re.compile(r"\b(?:can|may) (?:choose|pick|request|state a preference)\b|\bpreferences? (?:are|is) "
                   r"(?:taken|considered)\b", _I),
        frozenset({"choos", "pick", "select", "request", "decid"}),
        "whether you can choose",
    ),
    Attribute(
        "opening hours",
        # "what time does the JLGC London office open, can I just walk in?"
        re.compile(r"\bopening (?:hours|times)\b|\bwhat time (?:does|do|is|will) .{0,40}\b(?:open|close|shut)s?\b"
                   # "can I just walk in?", not people walking in the door
                   r"|\bwalk[- ]?in\b(?! the door| through)"
                   r"|\bwalk into (?:the|their|your|jlgc|clair)\b"
                   r"|\bopen to (?:the public|visitors)\b|営業時間|開館時間", _I),
        re.compile(r"\bopen(?:ing)? (?:hours|times)\b|\b\d{1,2}(?::\d\d)?\s*(?:am|pm)\b|\b\d{1,2}:\d\d\b"
                   r"|\bopen to (?:the public|visitors)\b", _I),
        frozenset({"open", "time", "walk", "hour"}),
        "opening hours",
    ),
    Attribute(
        "names",
        # "can you list the names of the eight people on the tour?": the people themselves, by name.
        re.compile(r"\b(?:list|give|tell)(?: me| us)? (?:the |their |all )?names(?: of (?:the |all )?(?:\w+ )?"
                   r"(?P<thing>people|participants|members|delegates|staff|officials))?\b"
                   r"|\bnames of (?:the |all )?(?:\w+ )?(?:people|participants|members|delegates|staff|officials)\b"
                   r"|\bnames (?:pls|please|plz)\b"
                   # "who were the eight people on the tour?": as many names as people asked about
                   r"|\bwho (?:were|are) (?:the|all) (?P<count>[3-9]|\d\d+|three|four|five|six|seven|eight|nine|ten|"
                   r"eleven|twelve) (?:\w+ )?(?:people|participants|members|delegates|officials|councillors)\b"
                   r"|\bwhat (?:are|were) their names\b|全員の名前|名前(?:を)?(?:全部|知りたい|教えて)", _I),
        re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z]+(?:,| and) [A-Z][a-z]+ [A-Z][a-z]+"),
        frozenset({"name", "list"}),
        "their names",
    ),
    Attribute(
        "text message",
        # "can you send me a text message before the event?": reminders come as Discord messages.
        # LINE, the messaging app, in capitals (also inside Japanese: リマインダーがLINEで送られる？)
        re.compile(r"\b(?:text messages?|sms|texts? me|whatsapp)\b|(?-i:(?<![A-Za-z])LINE(?![A-Za-z]))"
                   r"|ショートメール|ＳＭＳ", _I),
        re.compile(r"\bsms\b|\btext messages?\b|\bwhatsapp\b|(?-i:(?<![A-Za-z])LINE(?![A-Za-z]))", _I),
        frozenset({"text", "messag", "sms", "whatsapp", "line"}),
        "a way to send messages outside Discord (SMS, WhatsApp, LINE)",
    ),
    Attribute(
        "daily",
        # "can a series repeat every day?": a rhythm the series does not offer (weekly or monthly).
        re.compile(r"\b(?:repeat|recur|remind|post|schedul|happen)\w*\b.{0,30}"
                   r"\b(?:daily|every (?:single )?day|each day)\b"
                   r"|\b(?:daily|every (?:single )?day)\W+(?:\w+\W+)?(?:repeat|series|events?|reminders?|sessions?|"
                   r"meetups?)\b|毎日", _I),
        re.compile(r"\b(?:daily|every (?:single )?day|each day)\b|毎日", _I),
        frozenset({"daily", "day"}),
        "a daily repeat",
    ),
    Attribute(
        "duration",
        # "How many days is the Tokyo orientation?" needs a length of time in the answer. ("How long
        # has it been running" is answered by a year, so it is not asked this way.)
        re.compile(r"\bhow long (?:is|are|does|do|will|would|did|was|were)\b|\bhow many (?:days|weeks|months)\b"
                   # "how many years was he in the London job?" (not "how many years has JET been running")
                   r"|\bhow many years (?:was|were|did) (?:he|she|they|you|i)\b"
                   r"|\bhow long (?:has|have) (?:\w+ ){1,4}been (?:working|at|with|in)\b"
                   r"|何日間|何週間|何ヶ月|何か月", _I),
        re.compile(r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|a|about|around)[\s-]+"
                   r"(?:days?|weeks?|months?|years?)\b|\bweek-long\b|\bweeklong\b|日間|年間", _I),
        frozenset(),
        "how long it lasts",
    ),
    Attribute(
        "population",
        re.compile(r"\b(?:population|populous|inhabitants|how many (?:people|residents) live)\b", _I),
        re.compile(r"\bpopulation\b|\binhabitants\b|\bresidents\b", _I),
        frozenset({"population", "popul", "inhabit", "resident", "live", "peopl"}),
        "a population figure",
    ),
    Attribute(
        "next",
        # "When is the next U20 summit?" asks for a date the documents would have to announce.
        re.compile(r"\bwhen(?:'?s| is| will| does| do)\b.*"
                   r"\b(?:next|upcoming|this (?:spring|summer|autumn|fall|winter))\b"
                   r"|\b(?:next|this) year\b"
                   # "which city is hosting the next U20 summit?", "the year after tokyo"
                   r"|\b(?:which|what|where|who)\b.{0,40}\b(?:host|hold|run|organi[sz]e)\w* the next\b"
                   # "where's the next U20 summit going to be?"
                   r"|\bwhere(?:'?s| is| will| are)\b.{0,10}\bthe next\b"
                   r"|\bthe year after\b"
                   r"|\bin (?:the )?future\b"
                   # "is there going to be another explanation day this year?"
                   r"|\b(?:is there|will there be|is there going to be|are there going to be) another\b", _I),
        re.compile(r"\bnext\b|\bupcoming\b|\b(?:is|are|will be|now) planned\b", _I),  # not "was planned"
        frozenset({"next", "upcom"}),
        "the date of the next one",
        dated=True,
    ),
)
# A year, also next to Japanese (2023年に), not inside a longer number or a word ("G2020").
_YEAR = re.compile(r"(?<![\d.,A-Za-z_])(?:19|20)\d\d(?![\d.,]|\w*[A-Za-z])")
# "I typed 03/04/2027 and the form said no": a date the asker typed, not a year asked about.
_TYPED_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d\d\b|\b(?:19|20)\d\d-\d{1,2}-\d{1,2}\b")
# "(2019 interview)", "(DJW News 1/2017)": when a document said it, not a year the fact is about.
_CITATION = re.compile(r"\([^()]*\b(?:interview|article|news|newsletter|published|calls)\b[^()]*\)", re.IGNORECASE)
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_NEGATED = re.compile(r"\b(?:not|no|never|nor|nothing|none|neither|cannot)\b|n't\b", re.IGNORECASE)
# "The documents do not give deadlines": a sentence saying what the documents leave out.
_DENIES = re.compile(r"\b(?:do|does|did)(?: not|n't)\s+(?:\w+\s+)?(?:give|cover|say|include|list|mention|state|"
                     r"explain|name|show|specify|publish)\b|\bcannot answer\b|\bno (?:information|details|figures?)\b",
                     re.IGNORECASE)


def affirmed(answer: str) -> str:
    """The answer's sentences that state something: "The documents do not cover visas" is no
    evidence that the entry answers a question about visas."""
    return " ".join(s for s in SENTENCE.split(answer) if not _NEGATED.search(s))


def _not_denied(answer: str) -> str:
    """The answer without its sentences saying what the documents leave out: "do not give
    application deadlines" does not give a deadline."""
    return " ".join(s for s in SENTENCE.split(answer) if not _DENIES.search(s.replace("*", "")))


# "change the venue", "switch the address the newsletter goes to": changing a detail, not asking for it.
_CHANGING = re.compile(r"\b(?:change|changing|update|updating|switch|switching|edit|editing|set|setting|fix|"
                       r"correct|move|moving|replace)\b(?:\s+\S+){0,3}\s*$", _I)


# "members keep asking how much the fee is, can the bot answer that?": someone else's question, reported.
_REPORTED = re.compile(r"\b(?:keep|keeps|kept) asking\b"
                       r"|\b(?:keep|keeps|kept) (?:messaging|dming|dm'?ing|pinging|emailing|texting) (?:me|us)\b"
                       r"|\b(?:members|people|newbies|everyone) (?:always |often )?"
                       r"ask(?:s|ed)?\b|\basking (?:us|me) (?:about|how|what)\b"
                       # "teach the bot our own answer about the membership fee": the topic of an answer
                       r"|\b(?:answer|entry|faq|reply) (?:about|on|for|to) (?:the |our |a )?"
                       r"|\bteach (?:the )?(?:bot|jetbot)\b|\b(?:faq|answers?)(?: stuff)? (?:like|such as)\b", _I)


def asked(question: str) -> list[Attribute]:
    """The attributes ``question`` asks for (usually none)."""
    return list(_asked(question))


@lru_cache(maxsize=8192)
def _asked(question: str) -> tuple[Attribute, ...]:
    # Kept per text: a message is read whole and clause by clause, and entries' phrasings recur.
    out = []
    for a in ATTRIBUTES:
        m = a.asked.search(question)
        if m is None or _CHANGING.search(question[:m.start()]) or _REPORTED.search(question[:m.end()]):
            continue
        out.append(a)
    return tuple(out)


def attribute_words(question: str) -> frozenset[str]:
    """The tokens that only name an attribute the question asks for ("cost", "phone", a year)."""
    out: frozenset[str] = frozenset(_YEAR.findall(_TYPED_DATE.sub(" ", question)))
    for a in asked(question):
        out |= a.words
    return out


def denied(question: str, answer: str) -> bool:
    """Whether ``answer`` says outright that the documents leave out what ``question`` asks for ("The
    documents do not give application deadlines" to "when is the deadline?")."""
    wanted = asked(question)
    return any(_DENIES.search(s.replace("*", "")) and any(a.given.search(s) for a in wanted)
               for s in SENTENCE.split(answer)) if wanted else False


def missing(question: str, answer: str, *, current: bool = False) -> str | None:
    """What the question asks for that ``answer`` does not give ("the cost", "anything for 2025"), or None.
    ``current``: the answer is kept up to date (a chapter's own entry), so it speaks for now."""
    stated = _not_denied(answer)
    for a in asked(question):
        if not (current and a.dated) and not _gives(a, question, stated):
            return a.missing
    dated = _CITATION.sub(" ", answer)
    for year in _YEAR.findall(_TYPED_DATE.sub(" ", question)):
        if year not in dated:
            return f"anything for {year}"
    return None


# A name in a list: capitalised words ("Newham", "Tower Hamlets").
_NAMED = re.compile(r"\b[A-Z][\w-]+(?: [A-Z][\w-]+)*")


def _gives(a: Attribute, question: str, answer: str) -> bool:
    """Whether ``answer`` gives what attribute ``a`` asks in ``question`` (see ``Attribute.asked``)."""
    match = a.asked.search(question)
    found = match.groupdict() if match else {}
    answer = answer.replace("**", "")  # "**Camden** and **Manchester**": names, whatever their markup
    sentences = SENTENCE.split(answer)
    if found.get("count"):  # "which 3 councils": three names listed together, whatever the sentence calls them
        count = found["count"]
        wanted = int(count if count.isdigit() else NUMBERS[count.lower()])
        return any(a.given.search(s) and len(_NAMED.findall(s)) >= wanted for s in sentences)
    if found.get("thing"):
        # "boroughs" in "11 boroughs shared...": the stem, to meet "borough" and "boroughs" alike.
        thing = found["thing"]
        stem = re.compile(r"\b" + re.escape(thing.lower()[:max(4, len(thing) - 2)]) + r"\w*", _I)
        if a.after_thing is not None:
            follows = a.after_thing
            if any(follows.search(s[m.end():]) for s in sentences for m in stem.finditer(s)):
                return True
        return any(a.given.search(s) and stem.search(s) for s in sentences)
    return a.given.search(answer) is not None


def partial_text(what: str, title: str, answer: str) -> str:
    """The reply when the documents cover the topic but not what was asked."""
    return (f"The documents I have don't give {what}, so I can't answer that exactly. "
            f"Here is what they say about **{title}**:\n\n{answer}")
