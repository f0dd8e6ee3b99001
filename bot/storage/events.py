"""SQL for chapter events and RSVPs (issue #3). Reached as ``Database.events``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage import Database


class EventsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
