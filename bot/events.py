"""Chapter events and RSVPs (issue #3): capacity, waitlist, reminders. No Discord imports."""

from __future__ import annotations

from bot.clock import Clock, utcnow
from bot.storage import Database


class EventService:
    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock
