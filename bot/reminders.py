"""The reminder scheduler: which going members get which reminder, when. No Discord imports.

One message per member per event covers every offset that fell due and was not sent (a bot that was
down for a day sends one reminder, not two). A member who said "going" after a reminder's time does
not get that one (they just decided). Reminders stop once the event has started. Each reminder is
marked sent right after its DM (by the caller), so a crash in between repeats that one once, never
loses it.

The same bot-wide run also deletes sign-up answers 30 days after their event ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.chapter import MAX_REMINDER_MINUTES
from bot.clock import Clock
from bot.storage import Database
from bot.storage.events import EventRow

ANSWERS_KEPT = timedelta(days=30)


@dataclass(frozen=True)
class Reminder:
    guild_id: int
    event_id: int
    user_id: int
    offsets: tuple[int, ...]  # every due offset this one message covers (minutes before the start)
    event: EventRow


class ReminderScheduler:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def due(self, now: datetime | None = None) -> list[Reminder]:
        """Reminders to send now, across servers (each carries its guild_id)."""
        now = now or self.clock()
        candidates = await self.db.events.reminder_candidates(now, now + timedelta(minutes=MAX_REMINDER_MINUTES))
        if not candidates:
            return []
        sent = await self.db.events.sent_reminders(c.event_id for c in candidates)
        events: dict[int, EventRow | None] = {}
        out: list[Reminder] = []
        for c in candidates:
            due = sorted(o for o in c.offsets
                         if c.start_at - timedelta(minutes=o) <= now and (c.event_id, c.user_id, o) not in sent)
            if not due or c.start_at - timedelta(minutes=due[0]) < c.going_since:
                continue
            if c.event_id not in events:
                events[c.event_id] = await self.db.events.get(c.guild_id, c.event_id)
            event = events[c.event_id]
            if event is not None:
                out.append(Reminder(c.guild_id, c.event_id, c.user_id, tuple(due), event))
        return out

    async def mark_sent(self, reminder: Reminder, now: datetime | None = None) -> None:
        await self.db.events.mark_reminders_sent(reminder.guild_id, reminder.event_id, reminder.user_id,
                                                 reminder.offsets, now or self.clock())

    async def purge_answers(self, now: datetime | None = None) -> int:
        """Delete sign-up answers of events that ended more than 30 days ago; returns how many members'."""
        return await self.db.events.purge_answers((now or self.clock()) - ANSWERS_KEPT)


__all__ = ["ANSWERS_KEPT", "Reminder", "ReminderScheduler"]
