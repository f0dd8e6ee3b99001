"""SQL for chapter events and RSVPs (issue #3). Reached as ``Database.events``.

Decisions (capacity, waitlist, promotion) are made in ``bot.events.EventService``; this module only
reads and writes. Functions that take ``conn`` run inside a ``Database.transaction()`` the service holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.storage import _dt, _iso

if TYPE_CHECKING:
    from bot.storage import Database


@dataclass(frozen=True)
class EventRow:
    id: int
    guild_id: int
    title: str
    description: str
    location: str
    start_at: datetime
    end_at: datetime
    capacity: int | None
    channel_id: int | None
    message_id: int | None
    scheduled_event_id: int | None
    created_by: int | None
    status: str
    created_at: datetime
    updated_at: datetime

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


@dataclass(frozen=True)
class RsvpRow:
    event_id: int
    guild_id: int
    user_id: int
    status: str  # going | maybe | waitlist | no
    seq: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class OutboxRow:
    """A DM decided but not yet delivered."""

    id: int
    guild_id: int
    user_id: int
    event_id: int
    kind: str  # promoted | changed | cancelled
    detail: str
    created_at: datetime


_EVENT_COLS = (
    "id, guild_id, title, description, location, start_at, end_at, capacity, channel_id, message_id, "
    "scheduled_event_id, created_by, status, created_at, updated_at"
)
_RSVP_COLS = "event_id, guild_id, user_id, status, seq, created_at, updated_at"
EDITABLE = frozenset({"title", "description", "location", "start_at", "end_at", "capacity"})


def _event(row: aiosqlite.Row) -> EventRow:
    return EventRow(
        id=row["id"], guild_id=row["guild_id"], title=row["title"], description=row["description"],
        location=row["location"], start_at=_dt(row["start_at"]), end_at=_dt(row["end_at"]),
        capacity=row["capacity"], channel_id=row["channel_id"], message_id=row["message_id"],
        scheduled_event_id=row["scheduled_event_id"], created_by=row["created_by"], status=row["status"],
        created_at=_dt(row["created_at"]), updated_at=_dt(row["updated_at"]),
    )


def _rsvp(row: aiosqlite.Row) -> RsvpRow:
    return RsvpRow(
        event_id=row["event_id"], guild_id=row["guild_id"], user_id=row["user_id"], status=row["status"],
        seq=row["seq"], created_at=_dt(row["created_at"]), updated_at=_dt(row["updated_at"]),
    )


class EventsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- events -----------------------------------------------------------------------------------
    async def create(self, *, guild_id: int, title: str, description: str, location: str, start_at: datetime,
                     end_at: datetime, capacity: int | None, channel_id: int | None, created_by: int | None,
                     now: datetime) -> EventRow:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO events (guild_id, title, description, location, start_at, end_at, capacity, "
                "channel_id, created_by, status, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?)",
                (guild_id, title, description, location, _iso(start_at), _iso(end_at), capacity, channel_id,
                 created_by, _iso(now), _iso(now)),
            )
            event_id = cur.lastrowid
            await cur.close()
            row = await self._get(conn, guild_id, event_id)
        assert row is not None
        return row

    async def get(self, guild_id: int, event_id: int) -> EventRow | None:
        if not (0 < event_id < 2**63 and 0 < guild_id < 2**63):  # cannot be stored: not found
            return None
        row = await self.db.fetchone(
            f"SELECT {_EVENT_COLS} FROM events WHERE guild_id = ? AND id = ?", (guild_id, event_id)
        )
        return None if row is None else _event(row)

    async def _get(self, conn: aiosqlite.Connection, guild_id: int, event_id: int) -> EventRow | None:
        if not (0 < event_id < 2**63 and 0 < guild_id < 2**63):
            return None
        async with conn.execute(
            f"SELECT {_EVENT_COLS} FROM events WHERE guild_id = ? AND id = ?", (guild_id, event_id)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _event(row)

    async def get_in(self, conn: aiosqlite.Connection, guild_id: int, event_id: int) -> EventRow | None:
        """Inside a transaction the service holds."""
        return await self._get(conn, guild_id, event_id)

    async def set_message(self, guild_id: int, event_id: int, channel_id: int, message_id: int) -> None:
        await self.db.execute(
            "UPDATE events SET channel_id = ?, message_id = ? WHERE guild_id = ? AND id = ?",
            (channel_id, message_id, guild_id, event_id),
        )

    async def set_scheduled_event(self, guild_id: int, event_id: int, scheduled_event_id: int | None) -> None:
        await self.db.execute(
            "UPDATE events SET scheduled_event_id = ? WHERE guild_id = ? AND id = ?",
            (scheduled_event_id, guild_id, event_id),
        )

    async def update_in(self, conn: aiosqlite.Connection, guild_id: int, event_id: int, changes: dict[str, Any],
                        now: datetime) -> None:
        cols = [c for c in changes if c in EDITABLE]
        assert len(cols) == len(changes), f"not editable: {set(changes) - EDITABLE}"
        if not cols:
            return
        values = [_iso(v) if isinstance(v, datetime) else v for v in (changes[c] for c in cols)]
        sets = ", ".join(f"{c} = ?" for c in cols)
        await conn.execute(
            f"UPDATE events SET {sets}, updated_at = ? WHERE guild_id = ? AND id = ?",
            (*values, _iso(now), guild_id, event_id),
        )

    async def cancel(self, guild_id: int, event_id: int, now: datetime) -> bool:
        changed = await self.db.execute(
            "UPDATE events SET status = 'cancelled', updated_at = ? WHERE guild_id = ? AND id = ? "
            "AND status = 'scheduled'",
            (_iso(now), guild_id, event_id),
        )
        return changed > 0

    async def cancel_in(self, conn: aiosqlite.Connection, guild_id: int, event_id: int, now: datetime) -> bool:
        cur = await conn.execute(
            "UPDATE events SET status = 'cancelled', sequence = sequence + 1, updated_at = ? "
            "WHERE guild_id = ? AND id = ? AND status = 'scheduled'",
            (_iso(now), guild_id, event_id),
        )
        changed = cur.rowcount
        await cur.close()
        return changed > 0

    async def delete(self, guild_id: int, event_id: int) -> None:
        async with self.db.transaction() as conn:
            for table in ("event_reminders", "event_rsvps", "event_attendance", "event_outbox"):
                await conn.execute(f"DELETE FROM {table} WHERE guild_id = ? AND event_id = ?", (guild_id, event_id))
            await conn.execute("DELETE FROM events WHERE guild_id = ? AND id = ?", (guild_id, event_id))

    async def upcoming(self, guild_id: int, now: datetime, limit: int = 25) -> list[EventRow]:
        """Scheduled events that have not ended yet, soonest first (uses index events_upcoming)."""
        rows = await self.db.fetchall(
            f"SELECT {_EVENT_COLS} FROM events WHERE guild_id = ? AND status = 'scheduled' AND start_at > ? "
            "ORDER BY start_at LIMIT ?",
            (guild_id, _iso(now), limit),
        )
        return [_event(r) for r in rows]

    async def recent(self, guild_id: int, since: datetime, limit: int = 200) -> list[EventRow]:
        """Events of any status starting after ``since`` (autocomplete for edit/cancel/attendees)."""
        rows = await self.db.fetchall(
            f"SELECT {_EVENT_COLS} FROM events WHERE guild_id = ? AND start_at > ? ORDER BY start_at LIMIT ?",
            (guild_id, _iso(since), limit),
        )
        return [_event(r) for r in rows]

    # -- RSVPs ------------------------------------------------------------------------------------
    async def rsvps(self, guild_id: int, event_id: int) -> list[RsvpRow]:
        rows = await self.db.fetchall(
            f"SELECT {_RSVP_COLS} FROM event_rsvps WHERE guild_id = ? AND event_id = ? ORDER BY seq",
            (guild_id, event_id),
        )
        return [_rsvp(r) for r in rows]

    async def rsvps_in(self, conn: aiosqlite.Connection, guild_id: int, event_id: int) -> list[RsvpRow]:
        async with conn.execute(
            f"SELECT {_RSVP_COLS} FROM event_rsvps WHERE guild_id = ? AND event_id = ? ORDER BY seq",
            (guild_id, event_id),
        ) as cur:
            return [_rsvp(r) for r in await cur.fetchall()]

    async def counts(self, guild_id: int, event_id: int) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT status, COUNT(*) AS n FROM event_rsvps WHERE guild_id = ? AND event_id = ? GROUP BY status",
            (guild_id, event_id),
        )
        return {r["status"]: int(r["n"]) for r in rows}

    async def save_rsvps_in(self, conn: aiosqlite.Connection, rows: Sequence[RsvpRow]) -> None:
        """Upsert the given rows (the service decided them from state read in the same transaction)."""
        if not rows:
            return
        await conn.executemany(
            "INSERT INTO event_rsvps (event_id, guild_id, user_id, status, seq, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(event_id, user_id) DO UPDATE SET "
            "status = excluded.status, seq = excluded.seq, updated_at = excluded.updated_at",
            [(r.event_id, r.guild_id, r.user_id, r.status, r.seq, _iso(r.created_at), _iso(r.updated_at))
             for r in rows],
        )

    async def delete_rsvp_in(self, conn: aiosqlite.Connection, guild_id: int, event_id: int, user_id: int) -> None:
        await conn.execute(
            "DELETE FROM event_rsvps WHERE guild_id = ? AND event_id = ? AND user_id = ?",
            (guild_id, event_id, user_id),
        )

    # -- reminders --------------------------------------------------------------------------------
    async def reminder_candidates(self, now: datetime, horizon: datetime) -> list[aiosqlite.Row]:
        """Going members of scheduled events starting in (now, horizon], with the event's server's offsets.

        This is the one query that spans servers on purpose: the reminder loop is bot-wide. Every row
        it returns carries its guild_id, and the joins match on guild_id as well as ids.
        """
        return await self.db.fetchall(
            "SELECT e.id AS event_id, e.guild_id, e.start_at, r.user_id, r.updated_at AS going_since, "
            "COALESCE(s.reminder_offsets, '[1440, 60]') AS offsets "
            "FROM events e JOIN event_rsvps r ON r.event_id = e.id AND r.guild_id = e.guild_id "
            "LEFT JOIN guild_settings s ON s.guild_id = e.guild_id "
            "WHERE e.status = 'scheduled' AND e.start_at > ? AND e.start_at <= ? AND r.status = 'going' "
            "ORDER BY e.start_at, r.seq",
            (_iso(now), _iso(horizon)),
        )

    async def sent_reminders(self, event_ids: Iterable[int]) -> set[tuple[int, int, int]]:
        ids = sorted(set(event_ids))
        if not ids:
            return set()
        marks = ", ".join("?" for _ in ids)
        rows = await self.db.fetchall(
            f"SELECT event_id, user_id, offset_minutes FROM event_reminders WHERE event_id IN ({marks})", ids
        )
        return {(r["event_id"], r["user_id"], r["offset_minutes"]) for r in rows}

    async def mark_reminders_sent(self, guild_id: int, event_id: int, user_id: int, offsets: Iterable[int],
                                  now: datetime) -> None:
        await self.db.executemany(
            "INSERT OR IGNORE INTO event_reminders (event_id, guild_id, user_id, offset_minutes, sent_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(event_id, guild_id, user_id, int(o), _iso(now)) for o in offsets],
        )

    async def clear_reminders_in(self, conn: aiosqlite.Connection, guild_id: int, event_id: int) -> None:
        """After the start time moves, reminders are due again for the new time."""
        await conn.execute("DELETE FROM event_reminders WHERE guild_id = ? AND event_id = ?", (guild_id, event_id))

    # -- the DM outbox ----------------------------------------------------------------------------
    async def add_outbox_in(self, conn: aiosqlite.Connection, guild_id: int, event_id: int, user_ids: Iterable[int],
                            kind: str, detail: str, now: datetime) -> None:
        await conn.executemany(
            "INSERT INTO event_outbox (guild_id, user_id, event_id, kind, detail, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(guild_id, uid, event_id, kind, detail, _iso(now)) for uid in user_ids],
        )

    async def outbox(self, limit: int = 100) -> list[OutboxRow]:
        """Undelivered DMs, oldest first, across servers (the delivery loop is bot-wide, like reminders)."""
        rows = await self.db.fetchall(
            "SELECT id, guild_id, user_id, event_id, kind, detail, created_at FROM event_outbox ORDER BY id LIMIT ?",
            (limit,),
        )
        return [OutboxRow(r["id"], r["guild_id"], r["user_id"], r["event_id"], r["kind"], r["detail"],
                          _dt(r["created_at"])) for r in rows]

    async def outbox_done(self, guild_id: int, outbox_id: int) -> None:
        await self.db.execute("DELETE FROM event_outbox WHERE guild_id = ? AND id = ?", (guild_id, outbox_id))

    # -- members' data rights ---------------------------------------------------------------------
    async def member_rsvps(self, guild_id: int, user_id: int) -> list[aiosqlite.Row]:
        return await self.db.fetchall(
            "SELECT r.event_id, e.title, e.start_at, e.status AS event_status, r.status, r.seq, r.created_at, "
            "r.updated_at, (SELECT COUNT(*) FROM event_rsvps w WHERE w.event_id = r.event_id "
            "AND w.guild_id = r.guild_id AND w.status = 'waitlist' AND w.seq <= r.seq) AS waitlist_rank "
            "FROM event_rsvps r JOIN events e ON e.id = r.event_id AND e.guild_id = r.guild_id "
            "WHERE r.guild_id = ? AND r.user_id = ? ORDER BY e.start_at",
            (guild_id, user_id),
        )

    async def member_created(self, guild_id: int, user_id: int) -> list[EventRow]:
        rows = await self.db.fetchall(
            f"SELECT {_EVENT_COLS} FROM events WHERE guild_id = ? AND created_by = ? ORDER BY start_at",
            (guild_id, user_id),
        )
        return [_event(r) for r in rows]

    async def member_event_ids_in(self, conn: aiosqlite.Connection, guild_id: int, user_id: int) -> list[int]:
        async with conn.execute(
            "SELECT event_id FROM event_rsvps WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        ) as cur:
            return [r[0] for r in await cur.fetchall()]

    async def erase_member_in(self, conn: aiosqlite.Connection, guild_id: int, user_id: int) -> int:
        """Delete RSVPs and reminder rows, forget authorship; returns the number of records touched."""
        total = 0
        for sql in (
            "DELETE FROM event_rsvps WHERE guild_id = ? AND user_id = ?",
            "DELETE FROM event_reminders WHERE guild_id = ? AND user_id = ?",
            "DELETE FROM event_attendance WHERE guild_id = ? AND user_id = ?",
            "DELETE FROM event_outbox WHERE guild_id = ? AND user_id = ?",
            "UPDATE event_series SET created_by = NULL WHERE guild_id = ? AND created_by = ?",
            "UPDATE events SET created_by = NULL WHERE guild_id = ? AND created_by = ?",
        ):
            cur = await conn.execute(sql, (guild_id, user_id))
            total += cur.rowcount
            await cur.close()
        return total
