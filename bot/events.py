"""Chapter events and RSVPs (issue #3): capacity, waitlist, reminders. No Discord imports.

RSVPs are decided here and written in one storage transaction, so they are atomic: the state of an
event (who is going, the waitlist) is read and changed under the database's write lock.

Throughput: RSVP calls are queued and a single worker applies everything queued so far in ONE
transaction (group commit), in arrival (click) order. A lone click is a batch of one; 500 clicks in
the same instant cost a handful of statements instead of 500 transactions, which is what keeps p99
latency low under a rush (see bench/rsvp.py). Errors for one request (e.g. a cancelled event) only
fail that request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz

from bot import tasks
from bot.calendar import build_ics, ics_filename
from bot.chapter import MAX_REMINDER_MINUTES
from bot.clock import Clock, utcnow
from bot.csvfile import write_csv
from bot.errors import NotFound, UserError
from bot.event_time import format_local, parse_end, parse_when, unix
from bot.markdown import bold, escape
from bot.storage import Database
from bot.storage.events import EventRow, OutboxRow, RsvpRow

log = logging.getLogger("jetbot.events")

CHOICES = ("going", "maybe", "no")
TITLE_MAX = 100  # Discord scheduled event name limit (embed titles allow 256)
LOCATION_MAX = 100  # Discord scheduled event location limit
DESCRIPTION_MAX = 1000  # Discord scheduled event description limit
CAPACITY_MAX = 10_000
MAX_BATCH = 1000
UNSET: Any = object()
ID_LIMIT = 2**63  # SQLite integers are signed 64-bit: a larger id cannot name anything stored


def valid_id(value: int) -> bool:
    """Whether ``value`` can be a stored id (a forged 25-digit button id cannot)."""
    return isinstance(value, int) and 0 < value < ID_LIMIT


# -- results --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EventSummary:
    """An event with its current counts: what the posted message shows."""

    event: EventRow
    going: int = 0
    maybe: int = 0
    waitlist: int = 0
    no: int = 0

    @property
    def full(self) -> bool:
        return self.event.capacity is not None and self.going >= self.event.capacity


@dataclass(frozen=True)
class RsvpResult:
    summary: EventSummary
    status: str  # the member's status now: going | maybe | waitlist | no
    previous: str | None
    position: int | None  # 1-based waitlist position when status == "waitlist"
    promoted: tuple[int, ...] = ()  # members moved from the waitlist to going by this click

    @property
    def changed(self) -> bool:
        return self.status != self.previous


@dataclass(frozen=True)
class Attendees:
    """RSVPs by status, each list in order (going and waitlist: the order members joined them)."""

    event: EventRow
    going: tuple[RsvpRow, ...]
    maybe: tuple[RsvpRow, ...]
    waitlist: tuple[RsvpRow, ...]
    no: tuple[RsvpRow, ...]


@dataclass(frozen=True)
class EditResult:
    summary: EventSummary
    changes: tuple[str, ...]  # human-readable, Discord markdown
    notify: tuple[int, ...]  # members who RSVP'd going / maybe / waitlist
    promoted: tuple[int, ...] = ()
    time_changed: bool = False


@dataclass(frozen=True)
class CancelResult:
    summary: EventSummary
    notify: tuple[int, ...]


@dataclass(frozen=True)
class Reminder:
    guild_id: int
    event_id: int
    user_id: int
    offsets: tuple[int, ...]  # every due offset this one message covers (minutes before the start)
    event: EventRow


@dataclass(frozen=True)
class EventAnswer:
    text: str
    title: str
    event_ids: tuple[int, ...] = ()


@dataclass
class _Request:
    guild_id: int
    event_id: int
    user_id: int
    choice: str
    future: asyncio.Future[RsvpResult]


# -- the capacity rules, on in-memory state -------------------------------------------------------
class _EventState:
    """One event's RSVPs, changed in memory and written back in the same transaction.

    Counts and the waitlist order are kept up to date incrementally, so a batch of n clicks costs
    O(n) list work instead of re-sorting every row per click.
    """

    def __init__(self, event: EventRow, rows: Sequence[RsvpRow]) -> None:
        self.event = event
        self.rows: dict[int, RsvpRow] = {r.user_id: r for r in rows}
        self.dirty: set[int] = set()
        self.next_seq = max((r.seq for r in rows), default=0) + 1
        self.counts: dict[str, int] = dict.fromkeys(("going", "maybe", "waitlist", "no"), 0)
        for r in rows:
            self.counts[r.status] += 1
        self.waitlist: list[int] = [r.user_id for r in sorted(rows, key=lambda r: r.seq) if r.status == "waitlist"]
        self.promoted: list[int] = []  # everyone moved up while this state was loaded (they get a DM)

    @classmethod
    def of(cls, event: EventRow, rows: Sequence[RsvpRow]) -> _EventState:
        return cls(event, rows)

    def with_status(self, status: str) -> list[RsvpRow]:
        return sorted((r for r in self.rows.values() if r.status == status), key=lambda r: r.seq)

    def has_room(self) -> bool:
        return self.event.capacity is None or self.counts["going"] < self.event.capacity

    def position(self, user_id: int) -> int | None:
        row = self.rows.get(user_id)
        if row is None or row.status != "waitlist":
            return None
        return self.waitlist.index(user_id) + 1

    def _set(self, user_id: int, status: str, now: datetime) -> None:
        old = self.rows.get(user_id)
        if old is not None:
            self.counts[old.status] -= 1
            if old.status == "waitlist":
                self.waitlist.remove(user_id)
        seq, self.next_seq = self.next_seq, self.next_seq + 1
        self.rows[user_id] = RsvpRow(self.event.id, self.event.guild_id, user_id, status, seq,
                                     old.created_at if old else now, now)
        self.counts[status] += 1
        if status == "waitlist":
            self.waitlist.append(user_id)
        self.dirty.add(user_id)

    def promote(self, now: datetime) -> list[int]:
        """Fill free going places from the head of the waitlist."""
        promoted: list[int] = []
        while self.waitlist and self.has_room():
            user_id = self.waitlist[0]
            self._set(user_id, "going", now)
            promoted.append(user_id)
        self.promoted.extend(promoted)
        return promoted

    def apply(self, user_id: int, choice: str, now: datetime) -> tuple[str, str | None, list[int]]:
        old = self.rows.get(user_id)
        previous = old.status if old else None
        if choice == "going":
            if previous in ("going", "waitlist"):  # clicking twice is harmless, and keeps one's place
                return previous, previous, []
            self._set(user_id, "going" if self.has_room() else "waitlist", now)
            return self.rows[user_id].status, previous, []
        if previous == choice:
            return choice, previous, []
        self._set(user_id, choice, now)
        promoted = self.promote(now) if previous == "going" else []
        return choice, previous, promoted

    def remove(self, user_id: int) -> None:
        old = self.rows.pop(user_id, None)
        if old is not None:
            self.counts[old.status] -= 1
            if old.status == "waitlist":
                self.waitlist.remove(user_id)
        self.dirty.discard(user_id)

    def changed_rows(self) -> list[RsvpRow]:
        return [self.rows[u] for u in sorted(self.dirty) if u in self.rows]

    def summary(self) -> EventSummary:
        c = self.counts
        return EventSummary(self.event, c["going"], c["maybe"], c["waitlist"], c["no"])


ATTENDEES_HEADER = ("status", "position", "user_id", "display_name", "responded_at")


def attendees_csv(attendees: Attendees, names: dict[int, str]) -> bytes:
    """The organiser's attendee file (opened in a spreadsheet: names go through the formula guard).
    ``names``: display names by user id; a member without one is listed by id."""
    a = attendees
    rows = [
        (label, i, str(r.user_id), names.get(r.user_id, str(r.user_id)), r.updated_at.isoformat())
        for label, group in (("going", a.going), ("maybe", a.maybe), ("waitlist", a.waitlist), ("no", a.no))
        for i, r in enumerate(group, start=1)
    ]
    return write_csv(ATTENDEES_HEADER, rows, bom=True)  # BOM: Excel then shows non-ASCII names right


def message_url(event: EventRow) -> str | None:
    if event.channel_id is None or event.message_id is None:
        return None
    return f"https://discord.com/channels/{event.guild_id}/{event.channel_id}/{event.message_id}"


def _clean(text: str | None, limit: int, what: str, *, required: bool = False) -> str:
    value = (text or "").strip()
    if required and not value:
        raise UserError(f"The event needs a {what}.")
    if len(value) > limit:
        raise UserError(f"The {what} is {len(value)} characters long; Discord allows at most {limit}.")
    return value


def _capacity(value: int | None) -> int | None:
    if value is None:
        return None
    if value < 1:
        raise UserError("The capacity must be at least 1 (leave it empty for no limit).")
    if value > CAPACITY_MAX:
        raise UserError(f"The capacity can be at most {CAPACITY_MAX:,}.")
    return value


# -- questions about events -----------------------------------------------------------------------
_WORD = re.compile(r"[a-z0-9']+")
_STOP = frozenset(
    "a an and at the of for to in on with our your my is are was be by from this that it its "
    "jet jetaa jets chapter event events night".split()
)
_SCHEDULE_ASK = re.compile(
    r"\b(when|what time|what day|which day|what date|where|date|time|next|upcoming|coming up|is there|are there|"
    r"how long until|starts?|still on|any)\b"
)
_NOT_OURS = re.compile(
    r"\b(how (do|can|should) (i|we|you)|how to|did|was|were|began|begin|founded|history|what is an?|"
    r"what are|what kinds?|what sort|what events do|which events do)\b"
)
_GENERIC = re.compile(r"\b(next|upcoming|coming up|soon|this week|this month)\b")
_EVENT_WORDS = re.compile(r"\b(events?|meet-?ups?|gatherings?|socials?|get-togethers?)\b")


def _tokens(text: str) -> list[str]:
    return [t for t in _WORD.findall(text.lower()) if len(t) >= 3 and t not in _STOP]


def title_match(title: str, question: str) -> float:
    """0..1: the share of the title's distinctive words the question mentions (typos forgiven)."""
    wanted = _tokens(title)
    if not wanted:
        return 0.0
    asked = _WORD.findall(question.lower())
    hits = sum(1 for w in wanted if any(fuzz.ratio(w, a) >= 85 for a in asked))
    return hits / len(wanted)


class EventService:
    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock
        self._pending: list[_Request] = []
        self._worker: asyncio.Task[None] | None = None

    # -- reading ----------------------------------------------------------------------------------
    async def _require(self, guild_id: int, event_id: int) -> EventRow:
        event = await self.db.events.get(guild_id, event_id) if valid_id(event_id) and valid_id(guild_id) else None
        if event is None:
            raise NotFound("I can't find that event in this server. It may have been deleted.")
        return event

    async def summary(self, guild_id: int, event_id: int) -> EventSummary:
        event = await self._require(guild_id, event_id)
        counts = await self.db.events.counts(guild_id, event_id)
        return EventSummary(event, counts.get("going", 0), counts.get("maybe", 0), counts.get("waitlist", 0),
                            counts.get("no", 0))

    async def upcoming(self, guild_id: int, limit: int = 10) -> list[EventSummary]:
        events = await self.db.events.upcoming(guild_id, self.clock(), limit)
        return [await self.summary(guild_id, e.id) for e in events]

    async def autocomplete(self, guild_id: int, current: str, *, include_cancelled: bool = False,
                           limit: int = 25) -> list[tuple[str, int]]:
        """(label, id) pairs: this server's events from the last 30 days on, best match first."""
        events = await self.db.events.recent(guild_id, self.clock() - timedelta(days=30))
        if not include_cancelled:
            events = [e for e in events if not e.cancelled]
        needle = current.strip().lower()
        if needle:
            scored = [(fuzz.partial_ratio(needle, e.title.lower()), e) for e in events]
            events = [e for s, e in sorted(scored, key=lambda p: (-p[0], p[1].start_at)) if s >= 60]
        out = []
        for e in events[:limit]:
            label = f"{e.title} — {e.start_at:%Y-%m-%d %H:%M} UTC" + (" (cancelled)" if e.cancelled else "")
            out.append((label[:100], e.id))
        return out

    async def attendees(self, guild_id: int, event_id: int) -> Attendees:
        event = await self._require(guild_id, event_id)
        rows = await self.db.events.rsvps(guild_id, event_id)

        def of(status: str) -> tuple[RsvpRow, ...]:
            return tuple(r for r in rows if r.status == status)

        return Attendees(event, of("going"), of("maybe"), of("waitlist"), of("no"))

    async def ics(self, guild_id: int, event_id: int) -> tuple[str, bytes]:
        """(file name, .ics bytes) for a member's calendar."""
        event = await self._require(guild_id, event_id)
        return ics_filename(event), build_ics(event, url=message_url(event), now=self.clock())

    async def timezone(self, guild_id: int) -> str:
        return (await self.db.settings.get(guild_id)).timezone

    # -- organisers -------------------------------------------------------------------------------
    async def create_event(self, guild_id: int, *, created_by: int | None, channel_id: int | None, title: str,
                           start: str, end: str, location: str = "", description: str = "",
                           capacity: int | None = None) -> EventSummary:
        title = _clean(title, TITLE_MAX, "title", required=True)
        location = _clean(location, LOCATION_MAX, "location")
        description = _clean(description, DESCRIPTION_MAX, "description")
        capacity = _capacity(capacity)
        tz = await self.timezone(guild_id)
        now = self.clock()
        start_at, end_at = parse_when(start, end, tz, now)
        event = await self.db.events.create(
            guild_id=guild_id, title=title, description=description, location=location, start_at=start_at,
            end_at=end_at, capacity=capacity, channel_id=channel_id, created_by=created_by, now=now,
        )
        log.info("event %s created in guild %s", event.id, guild_id)
        return EventSummary(event)

    async def discard_event(self, guild_id: int, event_id: int) -> None:
        """Remove an event that could not be posted (nobody has seen it, so nobody can have RSVP'd)."""
        await self.db.events.delete(guild_id, event_id)

    async def attach_message(self, guild_id: int, event_id: int, channel_id: int, message_id: int) -> None:
        await self.db.events.set_message(guild_id, event_id, channel_id, message_id)

    async def attach_scheduled_event(self, guild_id: int, event_id: int, scheduled_event_id: int | None) -> None:
        await self.db.events.set_scheduled_event(guild_id, event_id, scheduled_event_id)

    async def edit_event(self, guild_id: int, event_id: int, *, title: str | None = None, start: str | None = None,
                         end: str | None = None, location: str | None = None, description: str | None = None,
                         capacity: int | None = UNSET) -> EditResult:
        """Change an event. ``capacity=None`` removes the limit; a larger capacity promotes waitlisted
        members; a smaller one never removes anyone already going (new clicks go to the waitlist)."""
        tz = await self.timezone(guild_id)
        now = self.clock()
        changes: dict[str, Any] = {}
        lines: list[str] = []
        async with self.db.transaction() as conn:
            event = await self.db.events.get_in(conn, guild_id, event_id)
            if event is None:
                raise NotFound("I can't find that event in this server. It may have been deleted.")
            if event.cancelled:
                raise UserError("That event was cancelled; create a new one instead.")
            if title is not None:
                new = _clean(title, TITLE_MAX, "title", required=True)
                if new != event.title:
                    changes["title"] = new
                    lines.append(f"**Title:** {escape(event.title)} → {escape(new)}")
            start_at, end_at = event.start_at, event.end_at
            if start is not None and start.strip() != format_local(event.start_at, tz):
                start_at, end_at = parse_when(start, end if end is not None else "", tz, now)
            elif end is not None and end.strip() != format_local(event.end_at, tz):
                end_at = parse_end(end, event.start_at, tz)
            if start_at != event.start_at:
                changes["start_at"] = start_at
                lines.append(f"**Starts:** <t:{unix(event.start_at)}:F> → <t:{unix(start_at)}:F>")
            if end_at != event.end_at:
                changes["end_at"] = end_at
                lines.append(f"**Ends:** <t:{unix(event.end_at)}:F> → <t:{unix(end_at)}:F>")
            if location is not None:
                new = _clean(location, LOCATION_MAX, "location")
                if new != event.location:
                    changes["location"] = new
                    lines.append(f"**Where:** {event.location or '—'} → {new or '—'}")
            if description is not None:
                new = _clean(description, DESCRIPTION_MAX, "description")
                if new != event.description:
                    changes["description"] = new
                    lines.append("**Description** updated")
            if capacity is not UNSET:
                new_cap = None if capacity is None else _capacity(capacity)
                if new_cap != event.capacity:
                    changes["capacity"] = new_cap
                    lines.append(f"**Places:** {event.capacity or 'no limit'} → {new_cap or 'no limit'}")
            if not changes:
                raise UserError("Nothing changed: the event already looks like that.")
            await self.db.events.update_in(conn, guild_id, event_id, changes, now)
            if "start_at" in changes:
                await self.db.events.clear_reminders_in(conn, guild_id, event_id)
            event = await self.db.events.get_in(conn, guild_id, event_id)
            assert event is not None
            state = _EventState.of(event, await self.db.events.rsvps_in(conn, guild_id, event_id))
            promoted = state.promote(now)
            await self.db.events.save_rsvps_in(conn, state.changed_rows())
            notify = tuple(r.user_id for r in state.rows.values()
                           if r.status in ("going", "maybe", "waitlist") and r.user_id not in promoted)
            await self._tell_promoted_in(conn, state, now)
            await self.db.events.add_outbox_in(conn, guild_id, event_id, notify, "changed", "\n".join(lines), now)
        log.info("event %s edited in guild %s: %s", event_id, guild_id, ", ".join(sorted(changes)))
        return EditResult(state.summary(), tuple(lines), notify, tuple(promoted),
                          time_changed="start_at" in changes or "end_at" in changes)

    async def cancel_event(self, guild_id: int, event_id: int) -> CancelResult:
        await self._require(guild_id, event_id)
        now = self.clock()
        async with self.db.transaction() as conn:
            if not await self.db.events.cancel_in(conn, guild_id, event_id, now):
                raise UserError("That event is already cancelled.")
            rows = await self.db.events.rsvps_in(conn, guild_id, event_id)
            notify = tuple(r.user_id for r in rows if r.status in ("going", "maybe", "waitlist"))
            await self.db.events.add_outbox_in(conn, guild_id, event_id, notify, "cancelled", "", now)
        log.info("event %s cancelled in guild %s", event_id, guild_id)
        return CancelResult(await self.summary(guild_id, event_id), notify)

    # -- members ----------------------------------------------------------------------------------
    async def rsvp(self, guild_id: int, event_id: int, user_id: int, choice: str) -> RsvpResult:
        """Record a click. Atomic; concurrent clicks are applied in arrival order (see module doc)."""
        if choice not in CHOICES:
            raise UserError("Choose going, maybe or can't go.")
        if not (valid_id(guild_id) and valid_id(event_id) and valid_id(user_id)):
            raise NotFound("This event no longer exists in this server, so there is nothing to RSVP to.")
        loop = asyncio.get_running_loop()
        request = _Request(guild_id, event_id, user_id, choice, loop.create_future())
        self._pending.append(request)
        if self._worker is None or self._worker.done() or self._worker.get_loop() is not loop:
            self._worker = tasks.spawn(self._drain(), purpose="RSVP group commit")
        return await request.future

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                outcomes = await self._apply(batch)
            except Exception as exc:  # the whole transaction failed: nothing was written
                log.exception("RSVP batch of %d failed", len(batch))
                outcomes = [exc] * len(batch)
            for request, outcome in zip(batch, outcomes, strict=True):
                if request.future.done():  # the caller gave up (cancelled); the RSVP still counts
                    continue
                if isinstance(outcome, BaseException):
                    request.future.set_exception(outcome)
                else:
                    request.future.set_result(outcome)

    async def _apply(self, batch: list[_Request]) -> list[RsvpResult | Exception]:
        now = self.clock()
        states: dict[tuple[int, int], _EventState | Exception] = {}
        partial: list[tuple[str, str | None, list[int]] | Exception] = []
        async with self.db.transaction() as conn:
            # Each request, and each event's write, runs in its own savepoint: whatever goes wrong with
            # one fails that one alone; the rest of the batch is still committed.
            for req in batch:
                key = (req.guild_id, req.event_id)
                await conn.execute("SAVEPOINT rsvp_request")
                try:
                    if key not in states:
                        states[key] = await self._load_state(conn, req.guild_id, req.event_id, now)
                    state = states[key]
                    partial.append(state if isinstance(state, Exception)
                                   else state.apply(req.user_id, req.choice, now))
                except Exception as exc:
                    log.exception("RSVP for event %s in guild %s failed", req.event_id, req.guild_id)
                    await conn.execute("ROLLBACK TO rsvp_request")
                    partial.append(exc)
                finally:
                    await conn.execute("RELEASE rsvp_request")
            for key, state in list(states.items()):
                if not isinstance(state, _EventState):
                    continue
                await conn.execute("SAVEPOINT rsvp_event")
                try:
                    await self.db.events.save_rsvps_in(conn, state.changed_rows())
                    await self._tell_promoted_in(conn, state, now)
                except Exception as exc:
                    log.exception("saving RSVPs of event %s failed", key[1])
                    await conn.execute("ROLLBACK TO rsvp_event")
                    states[key] = exc
                finally:
                    await conn.execute("RELEASE rsvp_event")
        # Results describe the state after the whole batch (the counts the post will show).
        summaries = {k: s.summary() for k, s in states.items() if isinstance(s, _EventState)}
        outcomes: list[RsvpResult | Exception] = []
        for req, p in zip(batch, partial, strict=True):
            if isinstance(p, Exception):
                outcomes.append(p)
                continue
            key = (req.guild_id, req.event_id)
            state = states[key]
            if isinstance(state, Exception):  # its write failed: nothing of it was kept
                outcomes.append(state)
                continue
            status, previous, promoted = p
            position = state.position(req.user_id)
            if status == "waitlist" and position is None:
                status = state.rows[req.user_id].status  # promoted later in the same batch
            outcomes.append(RsvpResult(summaries[key], status, previous, position, tuple(promoted)))
        return outcomes

    async def _load_state(self, conn: Any, guild_id: int, event_id: int, now: datetime) -> _EventState | Exception:
        event = await self.db.events.get_in(conn, guild_id, event_id)
        if event is None:
            return NotFound("This event no longer exists in this server, so there is nothing to RSVP to.")
        if event.cancelled:
            return UserError(f"{bold(event.title)} was cancelled, so RSVPs are closed.")
        if event.start_at <= now:
            return UserError(f"{bold(event.title)} has already started, so RSVPs are closed.")
        return _EventState.of(event, await self.db.events.rsvps_in(conn, guild_id, event_id))

    # -- DMs decided with the change that causes them -----------------------------------------------
    async def _tell_promoted_in(self, conn: Any, state: _EventState, now: datetime) -> None:
        """Queue the "you're off the waitlist" DMs in the same transaction as the promotion itself."""
        if state.promoted:
            await self.db.events.add_outbox_in(conn, state.event.guild_id, state.event.id, state.promoted,
                                               "promoted", "", now)

    async def pending_dms(self, limit: int = 100) -> list[tuple[OutboxRow, EventRow | None]]:
        """DMs not yet delivered (also those a shutdown interrupted), with their event."""
        out = []
        for row in await self.db.events.outbox(limit):
            out.append((row, await self.db.events.get(row.guild_id, row.event_id)))
        return out

    async def dm_done(self, row: OutboxRow) -> None:
        """Delivered, or not deliverable (DMs closed): either way, not to be sent again."""
        await self.db.events.outbox_done(row.guild_id, row.id)

    # -- reminders --------------------------------------------------------------------------------
    async def due_reminders(self, now: datetime | None = None) -> list[Reminder]:
        """Reminders to send now, across servers: one message per member per event, covering every
        due offset not yet sent. A member who said "going" after a reminder's time does not get that
        one (they just decided); reminders stop once the event has started."""
        now = now or self.clock()
        rows = await self.db.events.reminder_candidates(now, now + timedelta(minutes=MAX_REMINDER_MINUTES))
        if not rows:
            return []
        sent = await self.db.events.sent_reminders(r["event_id"] for r in rows)
        events: dict[int, EventRow | None] = {}
        out: list[Reminder] = []
        for r in rows:
            start = datetime.fromisoformat(r["start_at"])
            going_since = datetime.fromisoformat(r["going_since"])
            offsets = [int(o) for o in json.loads(r["offsets"])]
            due = sorted(o for o in offsets
                         if start - timedelta(minutes=o) <= now and (r["event_id"], r["user_id"], o) not in sent)
            if not due or start - timedelta(minutes=due[0]) < going_since:
                continue
            if r["event_id"] not in events:
                events[r["event_id"]] = await self.db.events.get(r["guild_id"], r["event_id"])
            event = events[r["event_id"]]
            if event is not None:
                out.append(Reminder(r["guild_id"], r["event_id"], r["user_id"], tuple(due), event))
        return out

    async def mark_reminder_sent(self, reminder: Reminder, now: datetime | None = None) -> None:
        await self.db.events.mark_reminders_sent(reminder.guild_id, reminder.event_id, reminder.user_id,
                                                 reminder.offsets, now or self.clock())

    # -- /ask -------------------------------------------------------------------------------------
    async def answer_question(self, guild_id: int, question: str) -> EventAnswer | None:
        """An answer from this server's upcoming events, or None so that /ask falls back to the
        knowledge base. Only questions about scheduling ("when/where/next ...") that name an upcoming
        event, or ask about the next events in general, are taken; one indexed query."""
        q = " ".join(question.lower().split())
        if not q or _NOT_OURS.search(q) or not _SCHEDULE_ASK.search(q):
            return None
        generic = bool(_GENERIC.search(q) and _EVENT_WORDS.search(q))
        events = await self.db.events.upcoming(guild_id, self.clock(), 25)
        scored = [(title_match(e.title, q), e) for e in events]
        best = max((s for s, _ in scored), default=0.0)
        if best >= 0.6:
            matches = [e for s, e in scored if s >= best - 0.01][:3]
            title = matches[0].title
        elif generic:
            matches = events[:3]
            title = "Upcoming events"
        else:
            return None
        if not matches:
            return EventAnswer("No upcoming events are scheduled in this server yet. Organisers can add one "
                               "with `/event create`.", title, ())
        return EventAnswer("\n\n".join(self._describe(e) for e in matches), title, tuple(e.id for e in matches))

    @staticmethod
    def _describe(event: EventRow) -> str:
        start = unix(event.start_at)
        lines = [bold(event.title), f"🗓️ <t:{start}:F> (<t:{start}:R>)"]
        if event.location:
            lines.append(f"📍 {event.location}")
        url = message_url(event)
        if url:
            lines.append(f"[Details and RSVP]({url})")
        return "\n".join(lines)

    # -- members' data rights (called by bot.privacy.PrivacyService) -------------------------------
    async def export_member(self, guild_id: int, user_id: int) -> list[dict[str, Any]]:
        """Everything the events feature stores about a member in one server."""
        out: list[dict[str, Any]] = []
        for r in await self.db.events.member_rsvps(guild_id, user_id):
            out.append({
                "kind": "event_rsvp",
                "event_id": r["event_id"],
                "event_title": r["title"],
                "event_start": r["start_at"],
                "event_status": r["event_status"],
                "status": r["status"],
                "waitlist_position": r["waitlist_rank"] if r["status"] == "waitlist" else None,
                "created_at": r["created_at"],
                "updated_at": r["updated_at"],
            })
        for e in await self.db.events.member_created(guild_id, user_id):
            out.append({
                "kind": "event_created",
                "event_id": e.id,
                "event_title": e.title,
                "event_start": e.start_at.isoformat(),
                "event_status": e.status,
                "created_at": e.created_at.isoformat(),
            })
        return out

    async def erase_member(self, guild_id: int, user_id: int) -> int:
        """Delete the member's RSVPs and reminder rows and forget that they created events; returns the
        number of records erased. Freed places go to the waitlist (see ``erase_member_promoting``)."""
        count, _ = await self.erase_member_promoting(guild_id, user_id)
        return count

    async def erase_member_promoting(self, guild_id: int, user_id: int) -> tuple[int, dict[int, tuple[int, ...]]]:
        """Like ``erase_member``, also returning {event_id: promoted member ids} so a caller with
        Discord access can tell them."""
        async with self.db.transaction() as conn:
            return await self.erase_member_in(conn, guild_id, user_id)

    async def erase_member_in(self, conn: Any, guild_id: int, user_id: int
                              ) -> tuple[int, dict[int, tuple[int, ...]]]:
        """``erase_member_promoting`` inside a transaction the caller holds (``PrivacyService``). The
        promoted members' DMs are queued in the same transaction."""
        now = self.clock()
        promotions: dict[int, tuple[int, ...]] = {}
        event_ids = await self.db.events.member_event_ids_in(conn, guild_id, user_id)
        states = []
        for event_id in event_ids:
            event = await self.db.events.get_in(conn, guild_id, event_id)
            if event is not None and not event.cancelled and event.start_at > now:
                states.append(_EventState.of(event, await self.db.events.rsvps_in(conn, guild_id, event_id)))
        count = await self.db.events.erase_member_in(conn, guild_id, user_id)
        for state in states:
            state.remove(user_id)
            promoted = state.promote(now)
            if promoted:
                promotions[state.event.id] = tuple(promoted)
            await self.db.events.save_rsvps_in(conn, state.changed_rows())
            await self._tell_promoted_in(conn, state, now)
        log.info("erased %d event records of a member in guild %s", count, guild_id)
        return count, promotions


__all__ = [
    "CHOICES", "Attendees", "CancelResult", "EditResult", "EventAnswer", "EventService", "EventSummary",
    "Reminder", "RsvpResult", "message_url",
]
