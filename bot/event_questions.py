"""/ask about events: "when is the next pub night?" answered from the server's upcoming events. No Discord imports.

Only questions about scheduling ("when / where / next ...") that name an upcoming event, or ask about the
next events in general, are taken; anything else (how-to, history, "what is an ...") is left to the
knowledge base, so the events feature never swallows a question it cannot answer well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz

from bot.event_fields import message_url
from bot.event_time import unix
from bot.markdown import bold
from bot.storage import Database
from bot.storage.events import EventRow


@dataclass(frozen=True)
class EventAnswer:
    text: str
    title: str
    event_ids: tuple[int, ...] = ()


_WORD = re.compile(r"[a-z0-9']+")
_STOP = frozenset(
    "a an and at the of for to in on with our your my is are was be by from this that it its "
    "jet jetaa jets chapter event events night".split()
)
_SCHEDULE_ASK = re.compile(
    r"\b(when|what time|what day|which day|what date|where|date|time|next|upcoming|coming up|is there|are there|"
    r"how long until|starts?|still on|any)\b"
)
_NOT_OURS = re.compile(
    r"\b(how (do|can|should) (i|we|you)|how to|did|was|were|began|begin|founded|history|what is an?|"
    r"what are|what kinds?|what sort|what events do|which events do)\b"
)
_GENERIC = re.compile(r"\b(next|upcoming|coming up|soon|this week|this month)\b")
_EVENT_WORDS = re.compile(r"\b(events?|meet-?ups?|gatherings?|socials?|get-togethers?)\b")


def _tokens(text: str) -> list[str]:
    return [t for t in _WORD.findall(text.lower()) if len(t) >= 3 and t not in _STOP]


def title_match(title: str, question: str) -> float:
    """0..1: the share of the title's distinctive words the question mentions (typos forgiven)."""
    wanted = _tokens(title)
    if not wanted:
        return 0.0
    asked = _WORD.findall(question.lower())
    hits = sum(1 for w in wanted if any(fuzz.ratio(w, a) >= 85 for a in asked))
    return hits / len(wanted)


def describe(event: EventRow) -> str:
    start = unix(event.start_at)
    lines = [bold(event.title), f"🗓️ <t:{start}:F> (<t:{start}:R>)"]
    if event.location:
        lines.append(f"📍 {event.location}")
    url = message_url(event)
    if url:
        lines.append(f"[Details and RSVP]({url})")
    return "\n".join(lines)


async def answer_event_question(db: Database, guild_id: int, question: str, now: datetime) -> EventAnswer | None:
    """An answer from this server's upcoming events, or None so that /ask falls back to the knowledge
    base. One indexed query."""
    q = " ".join(question.lower().split())
    if not q or _NOT_OURS.search(q) or not _SCHEDULE_ASK.search(q):
        return None
    generic = bool(_GENERIC.search(q) and _EVENT_WORDS.search(q))
    events = await db.events.upcoming(guild_id, now, 25)
    scored = [(title_match(e.title, q), e) for e in events]
    best = max((s for s, _ in scored), default=0.0)
    if best >= 0.6:
        matches = [e for s, e in scored if s >= best - 0.01][:3]
        title = matches[0].title
    elif generic:
        matches = events[:3]
        title = "Upcoming events"
    else:
        return None
    if not matches:
        return EventAnswer("No upcoming events are scheduled in this server yet. Organisers can add one "
                           "with `/event create`.", title, ())
    return EventAnswer("\n\n".join(describe(e) for e in matches), title, tuple(e.id for e in matches))


__all__ = ["EventAnswer", "answer_event_question", "describe", "title_match"]
