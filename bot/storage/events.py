"""SQL for chapter events and RSVPs (issue #3). Reached as ``Database.events``.

Decisions (capacity, waitlist, promotion) are made in ``bot.events.EventService``; this module only
reads and writes. Functions that take ``conn`` run inside a ``Database.transaction()`` the service holds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.storage import _dt, _iso
from bot.storage.engine import Conn, Row

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
    series_id: int | None = None
    occurrence_start: datetime | None = None  # the series rule's start for this occurrence (RECURRENCE-ID)
    sequence: int = 0  # raised on every change (iCalendar SEQUENCE)
    max_guests: int = 0
    questions: tuple[str, ...] = ()  # sign-up questions asked at Going
    allowed_roles: tuple[int, ...] = ()  # members-only: roles that may go; empty = everyone
    checkin_code: str | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def members_only(self) -> bool:
        return bool(self.allowed_roles)

    @property
    def needs_form(self) -> bool:
        """Going asks something first (sign-up questions, or how many guests)."""
        return bool(self.questions) or self.max_guests > 0


@dataclass(frozen=True)
class RsvpRow:
    event_id: int
    guild_id: int
    user_id: int
    status: str  # going | maybe | waitlist | no
    seq: int
    created_at: datetime
    updated_at: datetime
    guests: int = 0
    answers: tuple[str, ...] | None = None  # sign-up answers, in the order of the event's questions

    @property
    def places(self) -> int:
        """Places the member's party takes: themselves and their guests."""
        return 1 + self.guests


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


@dataclass(frozen=True)
class SeriesRow:
    """A recurring event: the rule and what every occurrence starts from."""

    id: int
    guild_id: int
    title: str
    description: str
    location: str
    capacity: int | None
    channel_id: int | None
    created_by: int | None
    rrule: str  # RFC 5545 RRULE value, without DTSTART: FREQ=MONTHLY;BYDAY=1FR;COUNT=12
    dtstart_local: datetime  # naive wall-clock time of the first occurrence, in ``timezone``
    timezone: str
    duration: timedelta
    post_ahead: timedelta
    max_guests: int
    questions: tuple[str, ...]
    allowed_roles: tuple[int, ...]
    status: str  # active | ended
    sequence: int
    created_at: datetime
    updated_at: datetime
    exdates: tuple[datetime, ...] = ()  # skipped occurrences, by their rule start (UTC)

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class ReminderCandidate:
    """A going member of an event starting soon, with the reminder offsets of the event's server."""

    guild_id: int
    event_id: int
    user_id: int
    start_at: datetime
    going_since: datetime
    offsets: tuple[int, ...]  # minutes before the start


@dataclass(frozen=True)
class MemberRsvp:
    """One of a member's RSVPs with its event, for /privacy export."""

    rsvp: RsvpRow
    title: str
    start_at: datetime
    event_status: str
    waitlist_rank: int | None  # 1-based, when on the waitlist
    attended: bool | None  # None: not marked


@dataclass(frozen=True)
class AttendanceRow:
    event_id: int
    guild_id: int
    user_id: int
    attended: bool
    method: str  # organiser | code
    marked_at: datetime


_EVENT_COLS = (
    "id, guild_id, title, description, location, start_at, end_at, capacity, channel_id, message_id, "
    "scheduled_event_id, created_by, status, created_at, updated_at, series_id, occurrence_start, sequence, "
    "max_guests, questions, allowed_roles, checkin_code"
)
_RSVP_COLS = "event_id, guild_id, user_id, status, seq, created_at, updated_at, guests, answers"
_SERIES_COLS = (
    "id, guild_id, title, description, location, capacity, channel_id, created_by, rrule, dtstart_local, timezone, "
    "duration_minutes, post_ahead_minutes, max_guests, questions, allowed_roles, status, sequence, created_at, "
    "updated_at"
)
EDITABLE = frozenset({"title", "description", "location", "start_at", "end_at", "capacity", "max_guests",
                      "questions", "allowed_roles", "checkin_code"})
SERIES_EDITABLE = frozenset({"title", "description", "location", "capacity", "rrule", "dtstart_local",
                             "duration_minutes", "max_guests", "questions", "allowed_roles", "status", "channel_id"})


def _json_list(value: Any) -> str:
    return json.dumps(list(value), ensure_ascii=False)


def _value(column: str, value: Any) -> Any:
    """A Python value as stored in ``column``."""
    if isinstance(value, datetime):
        return value.isoformat() if column == "dtstart_local" else _iso(value)
    if column in ("questions", "allowed_roles"):
        return _json_list(value)
    return value


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _roles(text: str) -> tuple[int, ...]:
    return () if text == "[]" else tuple(int(r) for r in json.loads(text))


def _texts(text: str) -> tuple[str, ...]:
    return () if text == "[]" else tuple(json.loads(text))  # most events ask nothing: skip the parser


def _event(row: Row) -> EventRow:
    return EventRow(
        id=row["id"], guild_id=row["guild_id"], title=row["title"], description=row["description"],
        location=row["location"], start_at=_when(row["start_at"]), end_at=_when(row["end_at"]),
        capacity=row["capacity"], channel_id=row["channel_id"], message_id=row["message_id"],
        scheduled_event_id=row["scheduled_event_id"], created_by=row["created_by"], status=row["status"],
        created_at=_when(row["created_at"]), updated_at=_when(row["updated_at"]), series_id=row["series_id"],
        occurrence_start=_dt(row["occurrence_start"]), sequence=row["sequence"], max_guests=row["max_guests"],
        questions=_texts(row["questions"]), allowed_roles=_roles(row["allowed_roles"]),
        checkin_code=row["checkin_code"],
    )


def _rsvp(row: Row) -> RsvpRow:
    answers = row["answers"]
    return RsvpRow(
        event_id=row["event_id"], guild_id=row["guild_id"], user_id=row["user_id"], status=row["status"],
        seq=row["seq"], created_at=_when(row["created_at"]), updated_at=_when(row["updated_at"]),
        guests=row["guests"], answers=None if answers is None else tuple(json.loads(answers)),
    )


def _series(row: Row, exdates: tuple[datetime, ...] = ()) -> SeriesRow:
    return SeriesRow(
        id=row["id"], guild_id=row["guild_id"], title=row["title"], description=row["description"],
        location=row["location"], capacity=row["capacity"], channel_id=row["channel_id"],
        created_by=row["created_by"], rrule=row["rrule"], dtstart_local=datetime.fromisoformat(row["dtstart_local"]),
        timezone=row["timezone"], duration=timedelta(minutes=row["duration_minutes"]),
        post_ahead=timedelta(minutes=row["post_ahead_minutes"]), max_guests=row["max_guests"],
        questions=_texts(row["questions"]), allowed_roles=_roles(row["allowed_roles"]),
        status=row["status"], sequence=row["sequence"], created_at=_when(row["created_at"]),
        updated_at=_when(row["updated_at"]), exdates=exdates,
    )


class EventsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- events -----------------------------------------------------------------------------------
    async def create(self, **fields: Any) -> EventRow:
        """A new event; keyword arguments as ``create_in``."""
        async with self.db.transaction() as conn:
            return await self.create_in(conn, **fields)

    async def create_in(self, conn: Conn, *, guild_id: int, title: str, description: str,
                        location: str, start_at: datetime, end_at: datetime, capacity: int | None,
                        channel_id: int | None, created_by: int | None, now: datetime, series_id: int | None = None,
                        occurrence_start: datetime | None = None, max_guests: int = 0,
                        questions: tuple[str, ...] = (), allowed_roles: tuple[int, ...] = ()) -> EventRow:
        cur = await conn.execute(
            "INSERT INTO events (guild_id, title, description, location, start_at, end_at, capacity, "
            "channel_id, created_by, status, created_at, updated_at, series_id, occurrence_start, max_guests, "
            "questions, allowed_roles) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?, ?, ?, ?, ?)",
            (guild_id, title, description, location, _iso(start_at), _iso(end_at), capacity, channel_id,
             created_by, _iso(now), _iso(now), series_id, None if occurrence_start is None else _iso(occurrence_start),
             max_guests, _json_list(questions), _json_list(allowed_roles)),
        )
        event_id = cur.lastrowid
        await cur.close()
        assert event_id is not None
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

    async def _get(self, conn: Conn, guild_id: int, event_id: int) -> EventRow | None:
        """Inside a transaction an event is read to decide something (capacity, promotions): on PostgreSQL
        its row stays locked until the transaction ends, so another process deciding about the same event
        waits for this one's outcome."""
        if not (0 < event_id < 2**63 and 0 < guild_id < 2**63):
            return None
        async with conn.execute(
            f"SELECT {_EVENT_COLS} FROM events WHERE guild_id = ? AND id = ?{conn.for_update()}", (guild_id, event_id)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else _event(row)

    async def lock_in(self, conn: Conn, keys: Iterable[tuple[int, int]]) -> None:
        """Lock these events, given as (guild_id, event_id), in id order before deciding about several at
        once: two processes locking overlapping sets in the same order cannot deadlock. A no-op on SQLite,
        whose transaction already holds the one write lock."""
        lock = conn.for_update()
        wanted = sorted({(g, e) for g, e in keys if 0 < g < 2**63 and 0 < e < 2**63}, key=lambda k: k[1])
        if not lock or len(wanted) < 2:  # one event is locked by get_in itself, where it is read
            return
        where = " OR ".join("(guild_id = ? AND id = ?)" for _ in wanted)
        async with conn.execute(f"SELECT id FROM events WHERE {where} ORDER BY id{lock}",
                                [v for k in wanted for v in k]):
            pass

    async def get_in(self, conn: Conn, guild_id: int, event_id: int) -> EventRow | None:
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

    async def update_in(self, conn: Conn, guild_id: int, event_id: int, changes: dict[str, Any],
                        now: datetime) -> None:
        cols = [c for c in changes if c in EDITABLE]
        assert len(cols) == len(changes), f"not editable: {set(changes) - EDITABLE}"
        if not cols:
            return
        values = [_value(c, changes[c]) for c in cols]
        sets = ", ".join(f"{c} = ?" for c in cols)
        await conn.execute(
            f"UPDATE events SET {sets}, sequence = sequence + 1, updated_at = ? WHERE guild_id = ? AND id = ?",
            (*values, _iso(now), guild_id, event_id),
        )

    async def cancel(self, guild_id: int, event_id: int, now: datetime) -> bool:
        changed = await self.db.execute(
            "UPDATE events SET status = 'cancelled', updated_at = ? WHERE guild_id = ? AND id = ? "
            "AND status = 'scheduled'",
            (_iso(now), guild_id, event_id),
        )
        return changed > 0

    async def cancel_in(self, conn: Conn, guild_id: int, event_id: int, now: datetime) -> bool:
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
            for table in ("event_reminders", "event_reminder_claims", "event_rsvps", "event_attendance",
                          "event_outbox"):
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

    async def rsvps_in(self, conn: Conn, guild_id: int, event_id: int) -> list[RsvpRow]:
        async with conn.execute(
            f"SELECT {_RSVP_COLS} FROM event_rsvps WHERE guild_id = ? AND event_id = ? ORDER BY seq",
            (guild_id, event_id),
        ) as cur:
            return [_rsvp(r) for r in await cur.fetchall()]

    async def counts(self, guild_id: int, event_id: int) -> dict[str, int]:
        """Members per status, and ``places``: places taken by going members and their guests."""
        rows = await self.db.fetchall(
            "SELECT status, COUNT(*) AS n, SUM(1 + guests) AS places FROM event_rsvps "
            "WHERE guild_id = ? AND event_id = ? GROUP BY status",
            (guild_id, event_id),
        )
        out = {r["status"]: int(r["n"]) for r in rows}
        out["places"] = sum(int(r["places"]) for r in rows if r["status"] == "going")
        return out

    async def save_rsvps_in(self, conn: Conn, rows: Sequence[RsvpRow]) -> None:
        """Upsert the given rows (the service decided them from state read in the same transaction)."""
        if not rows:
            return
        await conn.executemany(
            "INSERT INTO event_rsvps (event_id, guild_id, user_id, status, seq, created_at, updated_at, guests, "
            "answers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(event_id, user_id) DO UPDATE SET "
            "status = excluded.status, seq = excluded.seq, updated_at = excluded.updated_at, "
            "guests = excluded.guests, answers = excluded.answers",
            [(r.event_id, r.guild_id, r.user_id, r.status, r.seq, _iso(r.created_at), _iso(r.updated_at), r.guests,
              None if r.answers is None else _json_list(r.answers)) for r in rows],
        )

    async def delete_rsvp_in(self, conn: Conn, guild_id: int, event_id: int, user_id: int) -> None:
        await conn.execute(
            "DELETE FROM event_rsvps WHERE guild_id = ? AND event_id = ? AND user_id = ?",
            (guild_id, event_id, user_id),
        )

    # -- reminders --------------------------------------------------------------------------------
    async def reminder_candidates(self, now: datetime, horizon: datetime) -> list[ReminderCandidate]:
        """Going members of scheduled events starting in (now, horizon], with the event's server's offsets.

        This is the one query that spans servers on purpose: the reminder loop is bot-wide. Every row
        it returns carries its guild_id, and the joins match on guild_id as well as ids.
        """
        shard, shard_params = self.db.shard_filter("e.guild_id")
        rows = await self.db.fetchall(
            "SELECT e.id AS event_id, e.guild_id, e.start_at, r.user_id, r.updated_at AS going_since, "
            "COALESCE(s.reminder_offsets, '[1440, 60]') AS offsets "
            "FROM events e JOIN event_rsvps r ON r.event_id = e.id AND r.guild_id = e.guild_id "
            "LEFT JOIN guild_settings s ON s.guild_id = e.guild_id "
            f"WHERE e.status = 'scheduled' AND e.start_at > ? AND e.start_at <= ? AND r.status = 'going'{shard} "
            "ORDER BY e.start_at, r.seq",
            (_iso(now), _iso(horizon), *shard_params),
        )
        return [ReminderCandidate(r["guild_id"], r["event_id"], r["user_id"], _when(r["start_at"]),
                                  _when(r["going_since"]), tuple(int(o) for o in json.loads(r["offsets"])))
                for r in rows]

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
        """Record the reminder as sent and drop the claim on it, in one transaction: whoever claims it next
        (after this claim) finds it sent."""
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT OR IGNORE INTO event_reminders (event_id, guild_id, user_id, offset_minutes, sent_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(event_id, guild_id, user_id, int(o), _iso(now)) for o in offsets],
            )
            await conn.execute("DELETE FROM event_reminder_claims WHERE guild_id = ? AND event_id = ? AND user_id = ?",
                               (guild_id, event_id, user_id))

    async def claim_reminders(self, keys: Sequence[tuple[int, int, int]], owner: str, now: datetime,
                              until: datetime) -> set[tuple[int, int]]:
        """Claim the reminders of these (guild_id, event_id, user_id) members for ``owner`` until ``until``;
        returns the (event_id, user_id) claimed. A live claim of another process is skipped (the upsert
        changes nothing and returns no row); an expired one is taken over. Claimed in one transaction in
        key order, so two processes claiming the same reminders wait for each other, never deadlock."""
        claimed: set[tuple[int, int]] = set()
        if not keys:
            return claimed
        async with self.db.transaction() as conn:
            for guild_id, event_id, user_id in sorted(set(keys), key=lambda k: (k[1], k[2])):
                async with conn.execute(
                    "INSERT INTO event_reminder_claims (event_id, guild_id, user_id, claimed_by, expires_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT(event_id, user_id) DO UPDATE SET "
                    "claimed_by = excluded.claimed_by, expires_at = excluded.expires_at "
                    "WHERE event_reminder_claims.expires_at <= ? RETURNING user_id",
                    (event_id, guild_id, user_id, owner, _iso(until), _iso(now)),
                ) as cur:
                    if await cur.fetchone() is not None:
                        claimed.add((event_id, user_id))
        return claimed

    async def release_reminder_claims(self, keys: Iterable[tuple[int, int, int]], owner: str) -> None:
        """Drop this owner's claims on (guild_id, event_id, user_id) reminders it will not send after all."""
        await self.db.executemany(
            "DELETE FROM event_reminder_claims WHERE guild_id = ? AND event_id = ? AND user_id = ? AND claimed_by = ?",
            [(g, e, u, owner) for g, e, u in keys],
        )

    async def release_shard_claims(self, owner: str) -> int:
        """Drop every claim on this process's shards not held by ``owner``: run at start by a sharded process,
        which alone runs its shards, so such claims were left by its predecessor (killed before it sent
        them). Nothing is released by an unsharded process: another live process may hold those claims."""
        shard, shard_params = self.db.shard_filter()
        if not shard:
            return 0
        return await self.db.execute(f"DELETE FROM event_reminder_claims WHERE claimed_by <> ?{shard}",
                                     (owner, *shard_params))

    async def purge_reminder_claims(self, expired_before: datetime) -> int:
        """Forget claims long expired (their event was cancelled or moved before they were sent)."""
        return await self.db.execute("DELETE FROM event_reminder_claims WHERE expires_at < ?", (_iso(expired_before),))

    async def clear_reminders_in(self, conn: Conn, guild_id: int, event_id: int) -> None:
        """After the start time moves, reminders are due again for the new time."""
        await conn.execute("DELETE FROM event_reminders WHERE guild_id = ? AND event_id = ?", (guild_id, event_id))

    # -- sign-up answers ---------------------------------------------------------------------------
    async def purge_answers(self, ended_before: datetime) -> int:
        """Delete sign-up answers of events that ended before ``ended_before`` (bot-wide housekeeping)."""
        shard, shard_params = self.db.shard_filter()
        return await self.db.execute(
            "UPDATE event_rsvps SET answers = NULL WHERE answers IS NOT NULL AND event_id IN "
            f"(SELECT id FROM events WHERE end_at < ?{shard})",
            (_iso(ended_before), *shard_params),
        )

    # -- attendance -------------------------------------------------------------------------------
    async def mark_attendance(self, guild_id: int, event_id: int, user_id: int, attended: bool, method: str,
                              now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO event_attendance (event_id, guild_id, user_id, attended, method, marked_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(event_id, user_id) DO UPDATE SET attended = excluded.attended, "
            "method = excluded.method, marked_at = excluded.marked_at",
            (event_id, guild_id, user_id, int(attended), method, _iso(now)),
        )

    async def attendance(self, guild_id: int, event_id: int) -> dict[int, AttendanceRow]:
        rows = await self.db.fetchall(
            "SELECT event_id, guild_id, user_id, attended, method, marked_at FROM event_attendance "
            "WHERE guild_id = ? AND event_id = ?",
            (guild_id, event_id),
        )
        return {r["user_id"]: AttendanceRow(r["event_id"], r["guild_id"], r["user_id"], bool(r["attended"]),
                                            r["method"], _when(r["marked_at"])) for r in rows}

    async def member_attendance(self, guild_id: int, user_id: int) -> list[tuple[EventRow, str | None, bool | None]]:
        """(event, the member's RSVP status or None, attended or None) for every event they answered or were
        marked at, soonest first."""
        rows = await self.db.fetchall(
            f"SELECT {', '.join('e.' + c.strip() for c in _EVENT_COLS.split(','))}, r.status AS rsvp_status, "
            "a.attended FROM events e "
            "LEFT JOIN event_rsvps r ON r.event_id = e.id AND r.guild_id = e.guild_id AND r.user_id = ? "
            "LEFT JOIN event_attendance a ON a.event_id = e.id AND a.guild_id = e.guild_id AND a.user_id = ? "
            "WHERE e.guild_id = ? AND (r.user_id IS NOT NULL OR a.user_id IS NOT NULL) ORDER BY e.start_at",
            (user_id, user_id, guild_id),
        )
        return [(_event(r), r["rsvp_status"], None if r["attended"] is None else bool(r["attended"])) for r in rows]

    async def by_checkin_code(self, guild_id: int, code: str) -> list[EventRow]:
        rows = await self.db.fetchall(
            f"SELECT {_EVENT_COLS} FROM events WHERE guild_id = ? AND checkin_code = ?", (guild_id, code)
        )
        return [_event(r) for r in rows]

    # -- series -----------------------------------------------------------------------------------
    async def create_series(self, *, guild_id: int, title: str, description: str, location: str,
                            capacity: int | None, channel_id: int | None, created_by: int | None, rrule: str,
                            dtstart_local: datetime, timezone: str, duration: timedelta, post_ahead: timedelta,
                            max_guests: int, questions: tuple[str, ...], allowed_roles: tuple[int, ...],
                            now: datetime) -> SeriesRow:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO event_series (guild_id, title, description, location, capacity, channel_id, created_by, "
                "rrule, dtstart_local, timezone, duration_minutes, post_ahead_minutes, max_guests, questions, "
                "allowed_roles, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (guild_id, title, description, location, capacity, channel_id, created_by, rrule,
                 dtstart_local.isoformat(), timezone, int(duration.total_seconds() // 60),
                 int(post_ahead.total_seconds() // 60), max_guests, _json_list(questions), _json_list(allowed_roles),
                 _iso(now), _iso(now)),
            )
            series_id = cur.lastrowid
            await cur.close()
            assert series_id is not None
            row = await self.get_series_in(conn, guild_id, series_id)
        assert row is not None
        return row

    async def get_series_in(self, conn: Conn, guild_id: int, series_id: int) -> SeriesRow | None:
        if not (0 < series_id < 2**63 and 0 < guild_id < 2**63):
            return None
        async with conn.execute(
            f"SELECT {_SERIES_COLS} FROM event_series WHERE guild_id = ? AND id = ?", (guild_id, series_id)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        async with conn.execute(
            "SELECT occurrence_start FROM event_series_exdates WHERE guild_id = ? AND series_id = ? "
            "ORDER BY occurrence_start", (guild_id, series_id)
        ) as cur:
            exdates = tuple(_when(r[0]) for r in await cur.fetchall())
        return _series(row, exdates)

    async def get_series(self, guild_id: int, series_id: int) -> SeriesRow | None:
        async with self.db.transaction() as conn:
            return await self.get_series_in(conn, guild_id, series_id)

    async def series_of_guild(self, guild_id: int, *, active_only: bool = False) -> list[SeriesRow]:
        rows = await self.db.fetchall(
            f"SELECT {_SERIES_COLS} FROM event_series WHERE guild_id = ?"
            + (" AND status = 'active'" if active_only else "") + " ORDER BY id",
            (guild_id,),
        )
        ex = await self.db.fetchall(
            "SELECT series_id, occurrence_start FROM event_series_exdates WHERE guild_id = ? ORDER BY occurrence_start",
            (guild_id,),
        )
        by_series: dict[int, list[datetime]] = {}
        for r in ex:
            by_series.setdefault(r["series_id"], []).append(_when(r["occurrence_start"]))
        return [_series(r, tuple(by_series.get(r["id"], ()))) for r in rows]

    async def active_series(self) -> list[SeriesRow]:
        """Every active series, across servers (the posting loop is bot-wide; each row carries its guild_id)."""
        shard, shard_params = self.db.shard_filter()
        rows = await self.db.fetchall(
            f"SELECT {_SERIES_COLS} FROM event_series WHERE status = 'active'{shard} ORDER BY id", shard_params)
        out = []
        for r in rows:
            ex = await self.db.fetchall(
                "SELECT occurrence_start FROM event_series_exdates WHERE guild_id = ? AND series_id = ?",
                (r["guild_id"], r["id"]),
            )
            out.append(_series(r, tuple(_when(e[0]) for e in ex)))
        return out

    async def update_series_in(self, conn: Conn, guild_id: int, series_id: int,
                               changes: dict[str, Any], now: datetime) -> None:
        cols = list(changes)
        assert set(cols) <= SERIES_EDITABLE, f"not editable: {set(cols) - SERIES_EDITABLE}"
        sets = "".join(f"{c} = ?, " for c in cols)
        await conn.execute(
            f"UPDATE event_series SET {sets}sequence = sequence + 1, updated_at = ? WHERE guild_id = ? AND id = ?",
            (*[_value(c, changes[c]) for c in cols], _iso(now), guild_id, series_id),
        )

    async def add_exdate_in(self, conn: Conn, guild_id: int, series_id: int,
                            occurrence_start: datetime, now: datetime) -> None:
        await conn.execute(
            "INSERT OR IGNORE INTO event_series_exdates (series_id, guild_id, occurrence_start) VALUES (?, ?, ?)",
            (series_id, guild_id, _iso(occurrence_start)),
        )
        await conn.execute(
            "UPDATE event_series SET sequence = sequence + 1, updated_at = ? WHERE guild_id = ? AND id = ?",
            (_iso(now), guild_id, series_id),
        )

    async def occurrences_in(self, conn: Conn, guild_id: int, series_id: int) -> list[EventRow]:
        async with conn.execute(
            f"SELECT {_EVENT_COLS} FROM events WHERE guild_id = ? AND series_id = ? ORDER BY occurrence_start",
            (guild_id, series_id),
        ) as cur:
            return [_event(r) for r in await cur.fetchall()]

    async def set_series_in(self, conn: Conn, guild_id: int, event_id: int, series_id: int, *,
                            occurrence_start: datetime) -> None:
        """Move an occurrence to another series (when a series is split at "this and following"), where the
        new rule puts it at ``occurrence_start``."""
        await conn.execute(
            "UPDATE events SET series_id = ?, occurrence_start = ?, sequence = sequence + 1 "
            "WHERE guild_id = ? AND id = ?",
            (series_id, _iso(occurrence_start), guild_id, event_id),
        )

    async def unposted(self, limit: int = 50) -> list[EventRow]:
        """Scheduled occurrences that have no message yet (posting failed or has not happened), across servers."""
        shard, shard_params = self.db.shard_filter()
        rows = await self.db.fetchall(
            f"SELECT {_EVENT_COLS} FROM events WHERE series_id IS NOT NULL AND message_id IS NULL "
            f"AND status = 'scheduled'{shard} ORDER BY start_at LIMIT ?",
            (*shard_params, limit),
        )
        return [_event(r) for r in rows]

    async def between(self, guild_id: int, start: datetime, end: datetime, limit: int = 1000) -> list[EventRow]:
        """Events of any status starting in [start, end), soonest first."""
        rows = await self.db.fetchall(
            f"SELECT {_EVENT_COLS} FROM events WHERE guild_id = ? AND start_at >= ? AND start_at < ? "
            "ORDER BY start_at LIMIT ?",
            (guild_id, _iso(start), _iso(end), limit),
        )
        return [_event(r) for r in rows]

    async def revision(self, guild_id: int, start: datetime, end: datetime) -> str:
        """A digest that changes whenever one of this server's events starting in [start, end), or one of
        its series, changes, appears or goes: every change to a published field raises ``sequence`` or
        ``updated_at``. One indexed query, no rows parsed (the calendar feed's cheap "has anything changed?")."""
        row = await self.db.fetchone(
            "SELECT (SELECT group_concat(x, ',') FROM (SELECT id || ':' || sequence || ':' || updated_at || ':' "
            "|| status AS x FROM events WHERE guild_id = ? AND start_at >= ? AND start_at < ? ORDER BY id) AS ev) "
            "AS e, "
            "(SELECT group_concat(x, ',') FROM (SELECT id || ':' || sequence || ':' || updated_at || ':' || status "
            "AS x FROM event_series WHERE guild_id = ? ORDER BY id) AS se) AS s",
            (guild_id, _iso(start), _iso(end), guild_id),
        )
        assert row is not None
        return hashlib.sha256(f"{row['e'] or ''}|{row['s'] or ''}".encode()).hexdigest()

    # -- the DM outbox ----------------------------------------------------------------------------
    async def add_outbox_in(self, conn: Conn, guild_id: int, event_id: int, user_ids: Iterable[int],
                            kind: str, detail: str, now: datetime) -> None:
        await conn.executemany(
            "INSERT INTO event_outbox (guild_id, user_id, event_id, kind, detail, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(guild_id, uid, event_id, kind, detail, _iso(now)) for uid in user_ids],
        )

    async def outbox(self, limit: int = 100) -> list[OutboxRow]:
        """Undelivered DMs, oldest first, across servers (the delivery loop is bot-wide, like reminders)."""
        shard, shard_params = self.db.shard_filter()
        rows = await self.db.fetchall(
            f"SELECT id, guild_id, user_id, event_id, kind, detail, created_at FROM event_outbox WHERE 1 = 1{shard} "
            "ORDER BY id LIMIT ?",
            (*shard_params, limit),
        )
        return [OutboxRow(r["id"], r["guild_id"], r["user_id"], r["event_id"], r["kind"], r["detail"],
                          _when(r["created_at"])) for r in rows]

    async def outbox_done(self, guild_id: int, outbox_id: int) -> None:
        await self.db.execute("DELETE FROM event_outbox WHERE guild_id = ? AND id = ?", (guild_id, outbox_id))

    # -- members' data rights ---------------------------------------------------------------------
    async def member_rsvps(self, guild_id: int, user_id: int) -> list[MemberRsvp]:
        rows = await self.db.fetchall(
            "SELECT r.event_id, r.guild_id, r.user_id, r.status, r.seq, r.created_at, r.updated_at, r.guests, "
            "r.answers, e.title, e.start_at, e.status AS event_status, a.attended, "
            "(SELECT COUNT(*) FROM event_rsvps w WHERE w.event_id = r.event_id "
            "AND w.guild_id = r.guild_id AND w.status = 'waitlist' AND w.seq <= r.seq) AS waitlist_rank "
            "FROM event_rsvps r JOIN events e ON e.id = r.event_id AND e.guild_id = r.guild_id "
            "LEFT JOIN event_attendance a ON a.event_id = r.event_id AND a.guild_id = r.guild_id "
            "AND a.user_id = r.user_id WHERE r.guild_id = ? AND r.user_id = ? ORDER BY e.start_at",
            (guild_id, user_id),
        )
        return [MemberRsvp(_rsvp(r), r["title"], _when(r["start_at"]), r["event_status"],
                           r["waitlist_rank"] if r["status"] == "waitlist" else None,
                           None if r["attended"] is None else bool(r["attended"])) for r in rows]

    async def member_created(self, guild_id: int, user_id: int) -> list[EventRow]:
        rows = await self.db.fetchall(
            f"SELECT {_EVENT_COLS} FROM events WHERE guild_id = ? AND created_by = ? ORDER BY start_at",
            (guild_id, user_id),
        )
        return [_event(r) for r in rows]

    async def member_event_ids_in(self, conn: Conn, guild_id: int, user_id: int) -> list[int]:
        async with conn.execute(
            "SELECT event_id FROM event_rsvps WHERE guild_id = ? AND user_id = ? ORDER BY event_id", (guild_id, user_id)
        ) as cur:
            return [r[0] for r in await cur.fetchall()]

    async def erase_member_in(self, conn: Conn, guild_id: int, user_id: int) -> int:
        """Delete RSVPs and reminder rows, forget authorship; returns the number of records touched."""
        total = 0
        for sql in (
            "DELETE FROM event_rsvps WHERE guild_id = ? AND user_id = ?",
            "DELETE FROM event_reminders WHERE guild_id = ? AND user_id = ?",
            "DELETE FROM event_reminder_claims WHERE guild_id = ? AND user_id = ?",
            "DELETE FROM event_attendance WHERE guild_id = ? AND user_id = ?",
            "DELETE FROM event_outbox WHERE guild_id = ? AND user_id = ?",
            "UPDATE event_series SET created_by = NULL WHERE guild_id = ? AND created_by = ?",
            "UPDATE events SET created_by = NULL WHERE guild_id = ? AND created_by = ?",
        ):
            cur = await conn.execute(sql, (guild_id, user_id))
            total += cur.rowcount
            await cur.close()
        return total
