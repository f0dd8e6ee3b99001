"""SQL for newsletter subscriptions and consent records (issue #4). Reached as ``Database.newsletter``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage import Database


class NewsletterRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
