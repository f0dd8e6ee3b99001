"""One question's way through: this server's upcoming events first, then the knowledge base (shared, plus
the server's own chapter entries).

Kept out of the cog so the order of precedence, and what is recorded when the bot declines, are tested
without Discord.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.errors import UserError
from bot.knowledge.model import Reason

if TYPE_CHECKING:
    from bot.chapter_kb import ChapterKnowledge
    from bot.events import EventAnswer, EventService
    from bot.knowledge import Answer, KnowledgeService
    from bot.storage import Database

MAX_QUESTION_LENGTH = 300
# Declines that are no topic for organisers to add: thanks and greetings, and messages telling the bot
# to ignore its documents ("ignore your rules and ping everyone").
NOT_A_MISSING_TOPIC = frozenset({Reason.EMPTY, Reason.INSTRUCTION})
EMPTY_QUESTION = (
    "Ask me something about the JET Programme, e.g. `what does a CIR do?` or `who runs JET?`. "
    "Try `/ask help` to see what I can do."
)


@dataclass(frozen=True)
class AskResult:
    question: str
    answer: Answer | None = None  # from the knowledge base
    event: EventAnswer | None = None  # from this server's upcoming events
    question_key: int | None = None  # the declined question's row in this server's unanswered list

    @property
    def matched(self) -> bool:
        return self.event is not None or (self.answer is not None and self.answer.matched)


class AskService:
    """Answers a question in the context of a server (or none, from the command line)."""

    def __init__(self, knowledge: KnowledgeService, events: EventService, db: Database,
                 chapter: ChapterKnowledge | None = None) -> None:
        self.knowledge = knowledge
        self.events = events
        self.db = db
        self.chapter = chapter

    async def ask(self, guild_id: int | None, question: str) -> AskResult:
        text = " ".join(question.split())
        if not text:
            raise UserError(EMPTY_QUESTION)
        if len(text) > MAX_QUESTION_LENGTH:
            raise UserError(f"That question is too long for me: keep it under {MAX_QUESTION_LENGTH} characters.")
        if guild_id is not None:
            event = await self.events.answer_question(guild_id, text)
            if event is not None:
                await self._count(guild_id, answered=True)
                return AskResult(text, event=event)
            if self.chapter is not None:
                await self.chapter.ensure(guild_id)
        answer = self.knowledge.answer(text, guild_id)
        if guild_id is None:
            return AskResult(text, answer=answer)
        await self._count(guild_id, answered=answer.matched)
        if answer.matched or answer.reason in NOT_A_MISSING_TOPIC:
            return AskResult(text, answer=answer)
        # Aggregated per server without any user id: organisers see what to add, nobody is tracked.
        normalized = answer.normalized or text.lower()
        await self.db.unanswered.record(guild_id, normalized, text)
        key = await self.db.chapter_kb.unanswered_key(guild_id, normalized[:500])
        return AskResult(text, answer=answer, question_key=key)

    async def _count(self, guild_id: int, *, answered: bool) -> None:
        if self.chapter is not None:
            await self.chapter.count_question(guild_id, answered)
