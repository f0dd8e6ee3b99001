"""The reminder scheduler: which going members get which reminder, when. No Discord imports.

One message per member per event covers every offset that fell due and was not sent (a bot that was
down for a day sends one reminder, not two). A member who said "going" after a reminder's time does
not get that one (they just decided). Reminders stop once the event has started. Each reminder is
marked sent right after its DM (by the caller), so a crash in between repeats that one once, never
loses it. Reminders are claimed before they are returned, so processes sharing a database never send the
same one (``ReminderScheduler.due``).

The same bot-wide run also deletes sign-up answers 30 days after their event ended.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.chapter import MAX_REMINDER_MINUTES
from bot.clock import Clock
from bot.storage import Database
from bot.storage.events import EventRow, ReminderCandidate

ANSWERS_KEPT = timedelta(days=30)
CLAIM_TTL = timedelta(minutes=10)  # longer than a run takes to send CLAIM_BATCH DMs
CLAIM_BATCH = 500  # reminders claimed per run; the rest are claimed by the next run (a minute later)


@dataclass(frozen=True)
class Reminder:
    guild_id: int
    event_id: int
    user_id: int
    offsets: tuple[int, ...]  # every due offset this one message covers (minutes before the start)
    event: EventRow


class ReminderScheduler:
    """Finds due reminders and claims them for this process (see ``due``)."""

    def __init__(self, db: Database, clock: Clock, *, owner: str | None = None) -> None:
        self.db = db
        self.clock = clock
        # Who holds a claim: unique per scheduler, so a restarted process never mistakes old claims for its own.
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._started = False

    async def due(self, now: datetime | None = None) -> list[Reminder]:
        """Reminders to send now, across servers (each carries its guild_id), claimed for this process.

        Several processes may share the database, so a reminder is claimed before it is returned: the
        claim succeeds for one process only and expires after ``CLAIM_TTL`` (a process killed between
        claim and DM leaves its reminders to the next run of another process; a sharded process releases its
        shards' old claims on its first run, so a restart sends them at once). After
        claiming, what was sent is read again: a reminder another process sent while this one was
        reading is not sent twice."""
        now = now or self.clock()
        if not self._started:  # a restarted shard takes back at once what its killed predecessor claimed
            await self.db.events.release_shard_claims(self.owner)
            self._started = True
        candidates = await self.db.events.reminder_candidates(now, now + timedelta(minutes=MAX_REMINDER_MINUTES))
        if not candidates:
            return []
        sent = await self.db.events.sent_reminders(c.event_id for c in candidates)
        pending = [c for c in candidates if _due_offsets(c, sent, now)][:CLAIM_BATCH]
        if not pending:
            return []
        claimed = await self.db.events.claim_reminders([(c.guild_id, c.event_id, c.user_id) for c in pending],
                                                      self.owner, now, now + CLAIM_TTL)
        mine = [c for c in pending if (c.event_id, c.user_id) in claimed]
        sent = await self.db.events.sent_reminders(c.event_id for c in mine)
        events: dict[int, EventRow | None] = {}
        out: list[Reminder] = []
        release: list[tuple[int, int, int]] = []
        for c in mine:
            due = _due_offsets(c, sent, now)
            if not due:
                release.append((c.guild_id, c.event_id, c.user_id))
                continue
            if c.event_id not in events:
                events[c.event_id] = await self.db.events.get(c.guild_id, c.event_id)
            event = events[c.event_id]
            if event is not None:
                out.append(Reminder(c.guild_id, c.event_id, c.user_id, due, event))
        if release:
            await self.db.events.release_reminder_claims(release, self.owner)
        return out

    async def mark_sent(self, reminder: Reminder, now: datetime | None = None) -> None:
        await self.db.events.mark_reminders_sent(reminder.guild_id, reminder.event_id, reminder.user_id,
                                                 reminder.offsets, now or self.clock())

    async def purge_answers(self, now: datetime | None = None) -> int:
        """Delete sign-up answers of events that ended more than 30 days ago; returns how many members'."""
        now = now or self.clock()
        await self.db.events.purge_reminder_claims(now - timedelta(days=1))
        return await self.db.events.purge_answers(now - ANSWERS_KEPT)


def _due_offsets(c: ReminderCandidate, sent: set[tuple[int, int, int]], now: datetime) -> tuple[int, ...]:
    """The offsets one message to this member covers now; empty when nothing is due (or the member said
    going after the earliest due reminder's time: they just decided)."""
    due = sorted(o for o in c.offsets
                 if c.start_at - timedelta(minutes=o) <= now and (c.event_id, c.user_id, o) not in sent)
    if not due or c.start_at - timedelta(minutes=due[0]) < c.going_since:
        return ()
    return tuple(due)


__all__ = ["ANSWERS_KEPT", "Reminder", "ReminderScheduler"]
