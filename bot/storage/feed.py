"""SQL for the calendar feed and public event pages (tables of migration 0006).

A server's feed token and each event's page slug are the secrets in public URLs; a lookup by either
returns the server it belongs to, and every other query filters on ``guild_id``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.storage import _dt, _iso
from bot.storage.engine import Row

if TYPE_CHECKING:
    from bot.storage import Database


@dataclass(frozen=True)
class FeedRow:
    guild_id: int
    token: str
    name: str
    created_at: datetime
    rotated_at: datetime


@dataclass(frozen=True)
class PublishedEvent:
    """What the feed last published for one event."""

    guild_id: int
    event_id: int
    slug: str
    sequence: int
    fingerprint: str
    revised_at: datetime


def _published(r: Row) -> PublishedEvent:
    revised = _dt(r["revised_at"])
    assert revised is not None
    return PublishedEvent(
        guild_id=r["guild_id"], event_id=r["event_id"], slug=r["slug"],
        sequence=int(r["sequence"]), fingerprint=r["fingerprint"], revised_at=revised,
    )


_PUB_COLS = "guild_id, event_id, slug, sequence, fingerprint, revised_at"


class FeedRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- the feed token ---------------------------------------------------------------------------
    async def get(self, guild_id: int) -> FeedRow | None:
        row = await self.db.fetchone(
            "SELECT guild_id, token, name, created_at, rotated_at FROM calendar_feeds WHERE guild_id = ?", (guild_id,)
        )
        if row is None:
            return None
        created, rotated = _dt(row["created_at"]), _dt(row["rotated_at"])
        assert created is not None and rotated is not None
        return FeedRow(row["guild_id"], row["token"], row["name"], created, rotated)

    async def create_if_missing(self, guild_id: int, token: str, name: str, now: datetime) -> None:
        """Store ``token`` unless the server already has one (two organisers asking at once get the same);
        the calendar's name is updated either way."""
        await self.db.execute(
            "INSERT INTO calendar_feeds (guild_id, token, name, created_at, rotated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(guild_id) DO UPDATE SET name = excluded.name",
            (guild_id, token, name, _iso(now), _iso(now)),
        )

    async def rotate(self, guild_id: int, token: str, slugs: dict[int, str], now: datetime) -> None:
        """New feed token and new page slugs in one transaction: the old URLs stop working together."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO calendar_feeds (guild_id, token, created_at, rotated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(guild_id) DO UPDATE SET token = excluded.token, rotated_at = excluded.rotated_at",
                (guild_id, token, _iso(now), _iso(now)),
            )
            await conn.executemany(
                "UPDATE calendar_events SET slug = ? WHERE guild_id = ? AND event_id = ?",
                [(slug, guild_id, event_id) for event_id, slug in slugs.items()],
            )

    async def by_token(self, token: str) -> tuple[int, str] | None:
        """(guild_id, calendar name) of the feed whose URL holds ``token``."""
        row = await self.db.fetchone("SELECT guild_id, name FROM calendar_feeds WHERE token = ?", (token,))
        return None if row is None else (int(row["guild_id"]), str(row["name"]))

    # -- published events -------------------------------------------------------------------------
    async def published(self, guild_id: int) -> dict[int, PublishedEvent]:
        rows = await self.db.fetchall(f"SELECT {_PUB_COLS} FROM calendar_events WHERE guild_id = ?", (guild_id,))
        return {int(r["event_id"]): _published(r) for r in rows}

    async def by_slug(self, slug: str) -> PublishedEvent | None:
        row = await self.db.fetchone(f"SELECT {_PUB_COLS} FROM calendar_events WHERE slug = ?", (slug,))
        return None if row is None else _published(row)

    async def save_published(self, rows: Iterable[PublishedEvent]) -> None:
        """Insert new events and record changed ones (a new sequence and fingerprint; the slug stays)."""
        values = [(r.guild_id, r.event_id, r.slug, r.sequence, r.fingerprint, _iso(r.revised_at)) for r in rows]
        if not values:
            return
        await self.db.executemany(
            "INSERT INTO calendar_events (guild_id, event_id, slug, sequence, fingerprint, revised_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(guild_id, event_id) DO UPDATE SET "
            "sequence = excluded.sequence, fingerprint = excluded.fingerprint, revised_at = excluded.revised_at",
            values,
        )
