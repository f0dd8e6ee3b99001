"""The RSVP rules and their queue: capacity, parties with guests, the waitlist, members-only. No Discord imports.

**The state machine.** A member's answer is going, maybe, no, or waitlist (wanted to go, no room). A
member's *party* is themselves plus their guests; capacity counts places, so a member with 2 guests
takes 3. A party that does not fit whole is waitlisted whole: a place is never half-promised, and
nobody arrives to find their guest has no seat. A party that fits is never kept waiting behind one that
does not: a new Going gets in whenever its party fits (first fit, in click order), and freed places go
to the first waitlisted party that fits them, in waitlist order. Places therefore never stay empty while
someone who fits is waiting, and a rush ends exactly at capacity whenever enough small parties click.
Clicking Going again keeps one's place (and can change the guests or the answers: more guests than fit
is refused with how many places remain; fewer frees places for the waitlist).

**The queue.** RSVP calls are queued and a single worker applies everything queued so far in ONE
transaction (group commit), in arrival (click) order. A lone click is a batch of one; 500 clicks in
the same instant cost a handful of statements instead of 500 transactions, which keeps p99 latency low
under a rush (``bench/rsvp.py``). One request that fails (a cancelled event, a forged id, a database
error while reading or writing its event, in a savepoint per event) fails alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import tasks
from bot.clock import Clock
from bot.errors import NotFound, UserError
from bot.markdown import bold
from bot.storage import Database
from bot.storage.events import EventRow, RsvpRow

log = logging.getLogger("jetbot.rsvp")

CHOICES = ("going", "maybe", "no")
MAX_BATCH = 1000
ID_LIMIT = 2**63  # SQLite integers are signed 64-bit: a larger id cannot name anything stored
GUESTS_MAX = 10
ANSWER_MAX = 200


def valid_id(value: int) -> bool:
    """Whether ``value`` can be a stored id (a forged 25-digit button id cannot)."""
    return isinstance(value, int) and 0 < value < ID_LIMIT


# -- results --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EventSummary:
    """An event with its current counts: what the posted message shows. ``going`` counts members;
    ``places_taken`` counts their parties (members and guests), which is what capacity limits."""

    event: EventRow
    going: int = 0
    maybe: int = 0
    waitlist: int = 0
    no: int = 0
    places_taken: int | None = None

    @property
    def taken(self) -> int:
        return self.going if self.places_taken is None else self.places_taken

    @property
    def full(self) -> bool:
        return self.event.capacity is not None and self.taken >= self.event.capacity

    @property
    def places_left(self) -> int | None:
        return None if self.event.capacity is None else max(0, self.event.capacity - self.taken)


@dataclass(frozen=True)
class RsvpResult:
    summary: EventSummary
    status: str  # the member's status now: going | maybe | waitlist | no
    previous: str | None
    position: int | None  # 1-based waitlist position when status == "waitlist"
    promoted: tuple[int, ...] = ()  # members moved from the waitlist to going by this click
    guests: int = 0
    party_changed: bool = False  # the guests or answers changed though the status did not

    @property
    def changed(self) -> bool:
        return self.status != self.previous or self.party_changed


@dataclass
class RsvpRequest:
    guild_id: int
    event_id: int
    user_id: int
    choice: str
    future: asyncio.Future[RsvpResult]
    guests: int | None = None  # None: keep what the member had
    answers: tuple[str, ...] | None = None
    roles: tuple[int, ...] | None = None  # the member's roles; None: not checked (no members-only rule applies)


# -- the rules, on in-memory state ------------------------------------------------------------------
class EventState:
    """One event's RSVPs, changed in memory and written back in the same transaction.

    Counts, places taken and the waitlist order are kept up to date incrementally, so a batch of n
    clicks costs O(n) list work instead of re-sorting every row per click."""

    def __init__(self, event: EventRow, rows: Sequence[RsvpRow]) -> None:
        self.event = event
        self.rows: dict[int, RsvpRow] = {r.user_id: r for r in rows}
        self.dirty: set[int] = set()
        self.next_seq = max((r.seq for r in rows), default=0) + 1
        self.counts: dict[str, int] = dict.fromkeys(("going", "maybe", "waitlist", "no"), 0)
        self.taken = 0
        for r in rows:
            self.counts[r.status] += 1
            if r.status == "going":
                self.taken += r.places
        self.waitlist: list[int] = [r.user_id for r in sorted(rows, key=lambda r: r.seq) if r.status == "waitlist"]
        self.promoted: list[int] = []  # everyone moved up while this state was loaded (they get a DM)

    def with_status(self, status: str) -> list[RsvpRow]:
        return sorted((r for r in self.rows.values() if r.status == status), key=lambda r: r.seq)

    def free(self) -> int | None:
        return None if self.event.capacity is None else self.event.capacity - self.taken

    def fits(self, places: int) -> bool:
        free = self.free()
        return free is None or places <= free

    def position(self, user_id: int) -> int | None:
        row = self.rows.get(user_id)
        if row is None or row.status != "waitlist":
            return None
        return self.waitlist.index(user_id) + 1

    def _set(self, user_id: int, status: str, now: datetime, *, guests: int | None = None,
             answers: tuple[str, ...] | Any | None = ..., keep_seq: bool = False) -> None:
        old = self.rows.get(user_id)
        if old is not None:
            self.counts[old.status] -= 1
            if old.status == "going":
                self.taken -= old.places
            if old.status == "waitlist" and not (keep_seq and status == "waitlist"):
                self.waitlist.remove(user_id)
        if keep_seq and old is not None:
            seq = old.seq
        else:
            seq, self.next_seq = self.next_seq, self.next_seq + 1
        new_guests = guests if guests is not None else (old.guests if old else 0)
        new_answers = (old.answers if old else None) if answers is ... else answers
        row = RsvpRow(self.event.id, self.event.guild_id, user_id, status, seq, old.created_at if old else now, now,
                      new_guests, new_answers)
        self.rows[user_id] = row
        self.counts[status] += 1
        if status == "going":
            self.taken += row.places
        if status == "waitlist" and user_id not in self.waitlist:
            self.waitlist.append(user_id)
        self.dirty.add(user_id)

    def promote(self, now: datetime) -> list[int]:
        """Give free places to waitlisted parties, first fit in waitlist order."""
        promoted: list[int] = []
        for user_id in list(self.waitlist):
            free = self.free()
            if free is not None and free <= 0:
                break
            if self.fits(self.rows[user_id].places):
                self._set(user_id, "going", now)
                promoted.append(user_id)
        self.promoted.extend(promoted)
        return promoted

    def check_going(self, roles: tuple[int, ...] | None) -> None:
        if roles is not None and self.event.allowed_roles and not set(roles) & set(self.event.allowed_roles):
            mentions = ", ".join(f"<@&{r}>" for r in self.event.allowed_roles)
            raise UserError(f"Sorry, {bold(self.event.title)} is for members with the {mentions} role only, so I "
                            "can't put you down as going. If you think you should have it, ask an organiser.")

    def apply(self, req: RsvpRequest, now: datetime) -> tuple[str, str | None, list[int], bool]:
        """(status now, status before, members promoted, party changed). Raises UserError, changing nothing."""
        user_id, choice = req.user_id, req.choice
        old = self.rows.get(user_id)
        previous = old.status if old else None
        if choice == "going":
            self.check_going(req.roles)
            guests = _guests(req.guests if req.guests is not None else (old.guests if old else 0), self.event)
            answers = req.answers if req.answers is not None else (old.answers if old else None)
            if previous in ("going", "waitlist"):  # clicking twice keeps one's place
                assert old is not None
                if guests == old.guests and answers == old.answers:
                    return previous, previous, [], False
                if previous == "going" and guests > old.guests and not self.fits(guests - old.guests):
                    free = max(0, self.free() or 0)
                    raise UserError(f"Only {free} more place(s) left at {bold(self.event.title)}: you can bring at "
                                    f"most {old.guests + free} guest(s). You keep your place with {old.guests}.")
                self._set(user_id, previous, now, guests=guests, answers=answers, keep_seq=True)
                promoted = self.promote(now) if guests < old.guests else []
                if previous == "waitlist":
                    promoted += self.promote(now)
                return self.rows[user_id].status, previous, promoted, True
            status = "going" if self.fits(1 + guests) else "waitlist"
            self._set(user_id, status, now, guests=guests, answers=answers)
            return status, previous, [], False
        if previous == choice:
            return choice, previous, [], False
        self._set(user_id, choice, now, guests=0)
        promoted = self.promote(now) if previous in ("going", "waitlist") else []
        return choice, previous, promoted, False

    def remove(self, user_id: int) -> None:
        old = self.rows.pop(user_id, None)
        if old is not None:
            self.counts[old.status] -= 1
            if old.status == "going":
                self.taken -= old.places
            if old.status == "waitlist":
                self.waitlist.remove(user_id)
        self.dirty.discard(user_id)

    def changed_rows(self) -> list[RsvpRow]:
        return [self.rows[u] for u in sorted(self.dirty) if u in self.rows]

    def summary(self) -> EventSummary:
        c = self.counts
        return EventSummary(self.event, c["going"], c["maybe"], c["waitlist"], c["no"], self.taken)


def _guests(value: int, event: EventRow) -> int:
    if value < 0:
        raise UserError("The number of guests can't be negative.")
    if value > event.max_guests:
        if event.max_guests == 0:
            raise UserError(f"{bold(event.title)} doesn't take guests: only members can sign up.")
        raise UserError(f"You can bring at most {event.max_guests} guest(s) to {bold(event.title)}.")
    return value


def clean_answers(event: EventRow, answers: Sequence[str]) -> tuple[str, ...]:
    """One answer per question, trimmed; every question must be answered."""
    out = tuple(" ".join((a or "").split())[:ANSWER_MAX] for a in answers)
    if len(out) != len(event.questions):
        raise UserError("Please answer every sign-up question.")
    for question, answer in zip(event.questions, out, strict=True):
        if not answer:
            raise UserError(f"Please answer: {question}")
    return out


# -- the queue -------------------------------------------------------------------------------------
class RsvpQueue:
    """Applies RSVPs in click order, many per transaction (see the module docstring)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._pending: list[RsvpRequest] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, guild_id: int, event_id: int, user_id: int, choice: str, *, guests: int | None = None,
                     answers: tuple[str, ...] | None = None, roles: tuple[int, ...] | None = None) -> RsvpResult:
        if choice not in CHOICES:
            raise UserError("Choose going, maybe or can't go.")
        if not (valid_id(guild_id) and valid_id(event_id) and valid_id(user_id)):
            raise NotFound("This event no longer exists in this server, so there is nothing to RSVP to.")
        loop = asyncio.get_running_loop()
        request = RsvpRequest(guild_id, event_id, user_id, choice, loop.create_future(), guests, answers, roles)
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

    async def _apply(self, batch: list[RsvpRequest]) -> list[RsvpResult | Exception]:
        now = self.clock()
        states: dict[tuple[int, int], EventState | Exception] = {}
        partial: list[tuple[str, str | None, list[int], bool] | Exception] = []
        async with self.db.transaction() as conn:
            # Several processes may share the database: hold every event of the batch (in id order) until
            # commit, so capacity is decided on what is really stored.
            await self.db.events.lock_in(conn, {(r.guild_id, r.event_id) for r in batch})
            # Whatever goes wrong with one request fails that one alone; the rest of the batch is still
            # committed. SQL runs in a savepoint per event (loading its state, then writing it back); a
            # request itself is decided in memory and raises before changing anything.
            for req in batch:
                key = (req.guild_id, req.event_id)
                try:
                    if key not in states:
                        states[key] = await self._load_isolated(conn, req.guild_id, req.event_id, now)
                    state = states[key]
                    partial.append(state if isinstance(state, Exception) else state.apply(req, now))
                except UserError as exc:
                    partial.append(exc)
                except Exception as exc:
                    log.exception("RSVP for event %s in guild %s failed", req.event_id, req.guild_id)
                    partial.append(exc)
            for key, state in list(states.items()):
                if not isinstance(state, EventState):
                    continue
                await conn.execute("SAVEPOINT rsvp_event")
                try:
                    await self.db.events.save_rsvps_in(conn, state.changed_rows())
                    await queue_promoted_in(self.db, conn, state, now)
                except Exception as exc:
                    log.exception("saving RSVPs of event %s failed", key[1])
                    await conn.execute("ROLLBACK TO rsvp_event")
                    states[key] = exc
                finally:
                    await conn.execute("RELEASE rsvp_event")
        # Results describe the state after the whole batch (the counts the post will show).
        summaries = {k: s.summary() for k, s in states.items() if isinstance(s, EventState)}
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
            status, previous, promoted, party_changed = p
            position = state.position(req.user_id)
            if status == "waitlist" and position is None:
                status = state.rows[req.user_id].status  # promoted later in the same batch
            row = state.rows.get(req.user_id)
            outcomes.append(RsvpResult(summaries[key], status, previous, position, tuple(promoted),
                                       row.guests if row else 0, party_changed))
        return outcomes

    async def _load_isolated(self, conn: Any, guild_id: int, event_id: int, now: datetime
                             ) -> EventState | Exception:
        await conn.execute("SAVEPOINT rsvp_load")
        try:
            return await self._load_state(conn, guild_id, event_id, now)
        except Exception as exc:
            log.exception("loading RSVPs of event %s in guild %s failed", event_id, guild_id)
            await conn.execute("ROLLBACK TO rsvp_load")
            return exc
        finally:
            await conn.execute("RELEASE rsvp_load")

    async def _load_state(self, conn: Any, guild_id: int, event_id: int, now: datetime) -> EventState | Exception:
        event = await self.db.events.get_in(conn, guild_id, event_id)
        if event is None:
            return NotFound("This event no longer exists in this server, so there is nothing to RSVP to.")
        if event.cancelled:
            return UserError(f"{bold(event.title)} was cancelled, so RSVPs are closed.")
        if event.start_at <= now:
            return UserError(f"{bold(event.title)} has already started, so RSVPs are closed.")
        return EventState(event, await self.db.events.rsvps_in(conn, guild_id, event_id))


async def queue_promoted_in(db: Database, conn: Any, state: EventState, now: datetime) -> None:
    """Queue the "you're off the waitlist" DMs in the same transaction as the promotion itself."""
    if state.promoted:
        await db.events.add_outbox_in(conn, state.event.guild_id, state.event.id, state.promoted, "promoted", "", now)
        state.promoted = []


__all__ = [
    "CHOICES", "EventState", "EventSummary", "RsvpQueue", "RsvpRequest", "RsvpResult", "clean_answers",
    "queue_promoted_in", "valid_id",
]
