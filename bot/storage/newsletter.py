"""SQL for newsletter subscriptions and consent records (issue #4). Reached as ``Database.newsletter``.

Every query on member data filters on ``guild_id``: each chapter has its own list. The consent wordings
(``consent_texts``) are bot-wide configuration, not chapter data, and hold nothing about anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.storage import _dt, _iso

if TYPE_CHECKING:
    from bot.storage import Database
    from bot.storage.engine import Conn, Row

ACTIVE = "active"
UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True)
class Subscription:
    """One member's sign-up in one server, with the consent record behind it."""

    guild_id: int
    user_id: int
    email: str
    name: str
    status: str
    subscribed_at: datetime
    first_subscribed_at: datetime
    unsubscribed_at: datetime | None
    channel_id: int | None
    command: str
    consent_version: int

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    @classmethod
    def from_row(cls, row: Row) -> Subscription:
        return cls(
            guild_id=int(row["guild_id"]),
            user_id=int(row["user_id"]),
            email=row["email"],
            name=row["name"],
            status=row["status"],
            subscribed_at=_dt(row["subscribed_at"]),
            first_subscribed_at=_dt(row["first_subscribed_at"]),
            unsubscribed_at=_dt(row["unsubscribed_at"]),
            channel_id=row["channel_id"],
            command=row["command"],
            consent_version=int(row["consent_version"]),
        )


@dataclass(frozen=True)
class ConsentText:
    version: int
    sha256: str
    text: str
    first_used: datetime


@dataclass(frozen=True)
class ConsentEvent:
    action: str
    at: datetime
    channel_id: int | None
    command: str
    consent_version: int | None


_COLUMNS = (
    "guild_id, user_id, email, name, status, subscribed_at, first_subscribed_at, unsubscribed_at, "
    "channel_id, command, consent_version"
)


class NewsletterRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- consent wordings (bot-wide) ----------------------------------------------------------------
    async def consent_version(self, sha256: str, text: str, when: datetime) -> int:
        """The version number of this wording, numbering it if it was never used before."""
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT version FROM consent_texts WHERE sha256 = ?", (sha256,)) as cur:
                row = await cur.fetchone()
            if row is not None:
                return int(row["version"])
            async with conn.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM consent_texts") as cur:
                top = await cur.fetchone()
            version = int(top[0]) if top is not None else 1
            await conn.execute(
                "INSERT INTO consent_texts (version, sha256, text, first_used) VALUES (?, ?, ?, ?)",
                (version, sha256, text, _iso(when)),
            )
            return version

    async def consent_text(self, version: int) -> ConsentText | None:
        row = await self.db.fetchone(
            "SELECT version, sha256, text, first_used FROM consent_texts WHERE version = ?", (version,)
        )
        if row is None:
            return None
        return ConsentText(int(row["version"]), row["sha256"], row["text"], datetime.fromisoformat(row["first_used"]))

    # -- subscriptions ------------------------------------------------------------------------------
    async def get(self, guild_id: int, user_id: int) -> Subscription | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM newsletter_subscriptions WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return None if row is None else Subscription.from_row(row)

    async def subscribe(
        self, guild_id: int, user_id: int, *, email: str, name: str, when: datetime, channel_id: int | None,
        command: str, consent_version: int,
    ) -> tuple[Subscription | None, Subscription]:
        """Record a sign-up (new, renewed or changed) and its consent event; returns (before, after)."""
        now = _iso(when)
        async with self.db.transaction() as conn:
            before = await _get(conn, guild_id, user_id)
            action = "update" if before is not None and before.active else "subscribe"
            first = _iso(before.first_subscribed_at) if before is not None else now
            await conn.execute(
                "INSERT INTO newsletter_subscriptions (guild_id, user_id, email, name, status, subscribed_at, "
                "first_subscribed_at, unsubscribed_at, channel_id, command, consent_version, updated_at) "
                "VALUES (?, ?, ?, ?, 'active', ?, ?, NULL, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id, user_id) DO UPDATE SET email = excluded.email, name = excluded.name, "
                "status = 'active', subscribed_at = excluded.subscribed_at, unsubscribed_at = NULL, "
                "channel_id = excluded.channel_id, command = excluded.command, "
                "consent_version = excluded.consent_version, updated_at = excluded.updated_at",
                (guild_id, user_id, email, name, now, first, channel_id, command, consent_version, now),
            )
            await _log(conn, guild_id, user_id, action, now, channel_id, command, consent_version)
            after = await _get(conn, guild_id, user_id)
        assert after is not None
        return before, after

    async def unsubscribe(
        self, guild_id: int, user_id: int, *, when: datetime, channel_id: int | None, command: str
    ) -> Subscription | None:
        """End an active subscription; returns it as it is now, or None if there was none active."""
        now = _iso(when)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE newsletter_subscriptions SET status = 'unsubscribed', unsubscribed_at = ?, updated_at = ? "
                "WHERE guild_id = ? AND user_id = ? AND status = 'active'",
                (now, now, guild_id, user_id),
            )
            changed = cur.rowcount
            await cur.close()
            if not changed:
                return None
            await _log(conn, guild_id, user_id, "unsubscribe", now, channel_id, command, None)
            return await _get(conn, guild_id, user_id)

    async def list_by_status(self, guild_id: int, status: str = ACTIVE) -> list[Subscription]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM newsletter_subscriptions WHERE guild_id = ? AND status = ? "
            "ORDER BY subscribed_at, user_id",
            (guild_id, status),
        )
        return [Subscription.from_row(r) for r in rows]

    async def counts(self, guild_id: int, since: datetime) -> tuple[int, int, int]:
        """(active, unsubscribed, active who first signed up at or after ``since``)."""
        row = await self.db.fetchone(
            "SELECT COALESCE(SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END), 0) AS active, "
            "COALESCE(SUM(CASE WHEN status = 'unsubscribed' THEN 1 ELSE 0 END), 0) AS unsubscribed, "
            "COALESCE(SUM(CASE WHEN status = 'active' AND first_subscribed_at >= ? THEN 1 ELSE 0 END), 0) AS recent "
            "FROM newsletter_subscriptions WHERE guild_id = ?",
            (_iso(since), guild_id),
        )
        assert row is not None
        return int(row["active"]), int(row["unsubscribed"]), int(row["recent"])

    async def consent_log(self, guild_id: int, user_id: int) -> list[ConsentEvent]:
        rows = await self.db.fetchall(
            "SELECT action, at, channel_id, command, consent_version FROM newsletter_consent_log "
            "WHERE guild_id = ? AND user_id = ? ORDER BY id",
            (guild_id, user_id),
        )
        return [
            ConsentEvent(r["action"], datetime.fromisoformat(r["at"]), r["channel_id"], r["command"],
                         r["consent_version"])
            for r in rows
        ]

    async def erase(self, guild_id: int, user_id: int) -> tuple[int, int]:
        """Delete everything newsletter-related of one member in one server: (subscriptions, log rows)."""
        async with self.db.transaction() as conn:
            return await self.erase_in(conn, guild_id, user_id)

    async def erase_in(self, conn: Conn, guild_id: int, user_id: int) -> tuple[int, int]:
        """``erase`` inside a transaction the caller holds (the privacy service erases every feature in one)."""
        cur = await conn.execute(
            "DELETE FROM newsletter_subscriptions WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        subs = cur.rowcount
        await cur.close()
        cur = await conn.execute(
            "DELETE FROM newsletter_consent_log WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        log_rows = cur.rowcount
        await cur.close()
        return subs, log_rows


async def _get(conn: Conn, guild_id: int, user_id: int) -> Subscription | None:
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM newsletter_subscriptions WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    ) as cur:
        row = await cur.fetchone()
    return None if row is None else Subscription.from_row(row)


async def _log(conn: Conn, guild_id: int, user_id: int, action: str, at: str,
               channel_id: int | None, command: str, consent_version: int | None) -> None:
    params: tuple[Any, ...] = (guild_id, user_id, action, at, channel_id, command, consent_version)
    await conn.execute(
        "INSERT INTO newsletter_consent_log (guild_id, user_id, action, at, channel_id, command, consent_version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        params,
    )
