"""Members' data rights across everything jetbot stores (issue #4): export and erase. No Discord imports."""

from __future__ import annotations

from bot.clock import Clock, utcnow
from bot.storage import Database


class PrivacyService:
    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock
