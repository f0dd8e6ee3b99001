"""Newsletter sign-ups, consent records and exports (issue #4). No Discord imports."""

from __future__ import annotations

from bot.clock import Clock, utcnow
from bot.storage import Database


class NewsletterService:
    def __init__(self, db: Database, *, clock: Clock = utcnow, consent_text: str = "") -> None:
        self.db = db
        self.clock = clock
        self.consent_text = consent_text
