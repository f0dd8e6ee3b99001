"""What the bot last told Discord about its commands, so an unchanged command tree is not synced again
(Discord rate-limits syncs, and a restart loop would otherwise hit the limit)."""

from __future__ import annotations

from bot.storage import Database

COMMAND_HASH_KEY = "command_tree_hash"


class CommandSyncState:
    """One digest per application and scope (a development server's id, or global)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _key(application_id: int | None, scope: int | None) -> str:
        return f"{COMMAND_HASH_KEY}:{application_id}:{scope or 'global'}"

    async def is_current(self, application_id: int | None, scope: int | None, digest: str) -> bool:
        return await self.db.meta.get(self._key(application_id, scope)) == digest

    async def remember(self, application_id: int | None, scope: int | None, digest: str) -> None:
        await self.db.meta.set(self._key(application_id, scope), digest)
