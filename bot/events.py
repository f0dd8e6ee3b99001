"""Chapter events: what organisers do to an event, what members read, members' data. No Discord imports.

Everything else lives beside this module, each job in its own: ``bot/rsvp.py`` (the RSVP state machine
with capacity, guests, waitlist and members-only, and the group-commit queue), ``bot/series.py``
(recurring events), ``bot/attendance.py`` (check-in list, codes, history), ``bot/reminders.py`` (the
reminder scheduler), ``bot/event_fields.py`` (limits and cleaning of what organisers type),
``bot/event_questions.py`` (/ask about events). ``EventService`` is the one object the Discord layer, the
web server and the privacy service call (``.series`` and ``.attendance`` reach the others);
``bot/storage/events.py`` returns typed rows.

Reading for the calendar feed and event pages: ``EventService.calendar(guild_id, start, end)`` (events of
any status in a window, with the series they belong to: RRULE, exception dates, sequence numbers) and
``EventService.summary`` (places left). Nothing there names a member.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rapidfuzz import fuzz

from bot.attendance import AttendanceEntry, AttendanceService, presence
from bot.calendar import build_ics, ics_filename
from bot.clock import Clock, utcnow
from bot.csvfile import write_csv
from bot.errors import NotFound, UserError
from bot.event_fields import (
    DESCRIPTION_MAX,
    LOCATION_MAX,
    TITLE_MAX,
    clean_capacity,
    clean_guests,
    clean_questions,
    clean_text,
    message_url,
)
from bot.event_questions import EventAnswer, answer_event_question
from bot.event_time import format_local, parse_end, parse_when, unix
from bot.markdown import escape
from bot.reminders import Reminder, ReminderScheduler
from bot.rsvp import (
    CHOICES,
    GUESTS_MAX,
    EventState,
    EventSummary,
    RsvpQueue,
    RsvpResult,
    clean_answers,
    queue_promoted_in,
    valid_id,
)
from bot.series import SeriesService, series_occurrences
from bot.storage import Database
from bot.storage.events import EventRow, OutboxRow, RsvpRow, SeriesRow

log = logging.getLogger("jetbot.events")

UNSET: Any = object()


# -- results --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attendees:
    """RSVPs by status, each list in order (going and waitlist: the order members joined them)."""

    event: EventRow
    going: tuple[RsvpRow, ...]
    maybe: tuple[RsvpRow, ...]
    waitlist: tuple[RsvpRow, ...]
    no: tuple[RsvpRow, ...]
    attendance: dict[int, bool] = field(default_factory=dict)  # user id -> attended (True) / no-show (False)

    def presence(self, user_id: int, now: datetime) -> str:
        """attended | no-show | not checked in (a going member not marked once the event has ended is a no-show)."""
        return presence("going", self.attendance.get(user_id), self.event, now)


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
class CalendarWindow:
    """What the calendar feed needs: events (occurrences carry ``series_id`` and ``occurrence_start``, the
    RECURRENCE-ID) and their series by id (``rrule``, ``dtstart_local`` + ``timezone``, ``exdates``,
    ``sequence``, ``status``)."""

    events: tuple[EventRow, ...]
    series: dict[int, SeriesRow]


ATTENDEES_HEADER = ("status", "position", "user_id", "display_name", "responded_at", "guests", "attendance")


def attendees_csv(attendees: Attendees, names: dict[int, str], now: datetime | None = None) -> bytes:
    """The organiser's attendee file (opened in a spreadsheet: names and answers go through the formula
    guard). ``names``: display names by user id; a member without one is listed by id. One column per
    sign-up question, headed by the question."""
    a = attendees
    when = now or datetime.now(UTC)
    rows = [
        (label, i, str(r.user_id), names.get(r.user_id, str(r.user_id)), r.updated_at.isoformat(), r.guests,
         a.presence(r.user_id, when) if label == "going" else "", *(r.answers or ("",) * len(a.event.questions)))
        for label, group in (("going", a.going), ("maybe", a.maybe), ("waitlist", a.waitlist), ("no", a.no))
        for i, r in enumerate(group, start=1)
    ]
    return write_csv((*ATTENDEES_HEADER, *a.event.questions), rows, bom=True)  # BOM: Excel shows non-ASCII right


class EventService:
    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock
        self.queue = RsvpQueue(db, clock)
        self.reminders = ReminderScheduler(db, clock)
        self.series = SeriesService(db, clock, self)
        self.attendance = AttendanceService(db, clock)

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
                            counts.get("no", 0), counts.get("places", 0))

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

        marks = await self.db.events.attendance(guild_id, event_id)
        return Attendees(event, of("going"), of("maybe"), of("waitlist"), of("no"),
                         {uid: m.attended for uid, m in marks.items()})

    async def ics(self, guild_id: int, event_id: int) -> tuple[str, bytes]:
        """(file name, .ics bytes) for a member's calendar."""
        event = await self._require(guild_id, event_id)
        return ics_filename(event), build_ics(event, url=message_url(event), now=self.clock())

    async def timezone(self, guild_id: int) -> str:
        return (await self.db.settings.get(guild_id)).timezone

    async def calendar(self, guild_id: int, start: datetime, end: datetime) -> CalendarWindow:
        """This server's events starting in [start, end), cancelled ones included, with every series they
        belong to or that has occurrences in the window (its RRULE, EXDATEs and SEQUENCE). For the
        calendar feed and event pages: no member data."""
        events = await self.db.events.between(guild_id, start, end)
        series = {s.id: s for s in await self.db.events.series_of_guild(guild_id)}
        wanted = {e.series_id for e in events if e.series_id is not None}
        wanted |= {s.id for s in series.values()
                   if s.active and series_occurrences(s, after=start - timedelta(seconds=1), before=end)}
        return CalendarWindow(tuple(events), {i: series[i] for i in sorted(wanted) if i in series})

    async def calendar_revision(self, guild_id: int, start: datetime, end: datetime) -> str:
        """Changes whenever anything ``calendar(guild_id, start, end)`` returns changes (a cheap check first)."""
        return await self.db.events.revision(guild_id, start, end)

    # -- organisers -------------------------------------------------------------------------------
    async def create_event(self, guild_id: int, *, created_by: int | None, channel_id: int | None, title: str,
                           start: str, end: str, location: str = "", description: str = "",
                           capacity: int | None = None, max_guests: int = 0, questions: Sequence[str] = (),
                           allowed_roles: Sequence[int] = ()) -> EventSummary:
        title = clean_text(title, TITLE_MAX, "title", required=True)
        location = clean_text(location, LOCATION_MAX, "location")
        description = clean_text(description, DESCRIPTION_MAX, "description")
        capacity = clean_capacity(capacity)
        tz = await self.timezone(guild_id)
        now = self.clock()
        start_at, end_at = parse_when(start, end, tz, now)
        event = await self.db.events.create(
            guild_id=guild_id, title=title, description=description, location=location, start_at=start_at,
            end_at=end_at, capacity=capacity, channel_id=channel_id, created_by=created_by, now=now,
            max_guests=clean_guests(max_guests), questions=clean_questions(questions),
            allowed_roles=tuple(allowed_roles),
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
                new = clean_text(title, TITLE_MAX, "title", required=True)
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
                new = clean_text(location, LOCATION_MAX, "location")
                if new != event.location:
                    changes["location"] = new
                    lines.append(f"**Where:** {event.location or '—'} → {new or '—'}")
            if description is not None:
                new = clean_text(description, DESCRIPTION_MAX, "description")
                if new != event.description:
                    changes["description"] = new
                    lines.append("**Description** updated")
            if capacity is not UNSET:
                new_cap = None if capacity is None else clean_capacity(capacity)
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
            state = EventState(event, await self.db.events.rsvps_in(conn, guild_id, event_id))
            promoted = state.promote(now)
            await self.db.events.save_rsvps_in(conn, state.changed_rows())
            notify = tuple(r.user_id for r in state.rows.values()
                           if r.status in ("going", "maybe", "waitlist") and r.user_id not in promoted)
            await queue_promoted_in(self.db, conn, state, now)
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

    # -- event options: sign-up questions, guests, members-only -------------------------------------
    async def configure(self, guild_id: int, event_id: int, *, questions: Sequence[str] | None = None,
                        max_guests: int | None = None, allowed_roles: Sequence[int] | None = None) -> EventSummary:
        """Change what Going asks and who may go. Existing RSVPs stay as they are."""
        event = await self._require(guild_id, event_id)
        if event.cancelled:
            raise UserError("That event was cancelled.")
        changes: dict[str, Any] = {}
        if questions is not None:
            changes["questions"] = clean_questions(questions)
        if max_guests is not None:
            changes["max_guests"] = clean_guests(max_guests)
        if allowed_roles is not None:
            changes["allowed_roles"] = tuple(dict.fromkeys(allowed_roles))
        if changes:
            async with self.db.transaction() as conn:
                await self.db.events.update_in(conn, guild_id, event_id, changes, self.clock())
        return await self.summary(guild_id, event_id)

    # -- members ----------------------------------------------------------------------------------
    async def rsvp(self, guild_id: int, event_id: int, user_id: int, choice: str, *, guests: int | None = None,
                   answers: Sequence[str] | None = None, roles: Sequence[int] | None = None) -> RsvpResult:
        """Record a click. Atomic; concurrent clicks are applied in arrival order (``bot/rsvp.py``).
        ``roles``: the member's role ids, checked against a members-only event (None: not checked)."""
        cleaned: tuple[str, ...] | None = None
        if answers is not None:
            cleaned = clean_answers(await self._require(guild_id, event_id), answers)
        return await self.queue.submit(guild_id, event_id, user_id, choice, guests=guests, answers=cleaned,
                                       roles=None if roles is None else tuple(roles))

    async def going_form(self, guild_id: int, event_id: int, roles: Sequence[int] | None = None) -> EventRow | None:
        """The event when Going must first ask something (questions, guests), else None. Refuses at once a
        member the event is not open to, before they fill anything in."""
        if not (valid_id(guild_id) and valid_id(event_id)):
            return None
        event = await self.db.events.get(guild_id, event_id)
        if event is None or event.cancelled:
            return None
        if roles is not None:
            EventState(event, ()).check_going(tuple(roles))
        return event if event.needs_form else None

    async def my_rsvp(self, guild_id: int, event_id: int, user_id: int) -> RsvpRow | None:
        for r in await self.db.events.rsvps(guild_id, event_id):
            if r.user_id == user_id:
                return r
        return None

    # -- DMs decided with the change that causes them (delivered by the cog, kept until sent) ---------
    async def pending_dms(self, limit: int = 100) -> list[tuple[OutboxRow, EventRow | None]]:
        """DMs not yet delivered (also those a shutdown interrupted), with their event."""
        out = []
        for row in await self.db.events.outbox(limit):
            out.append((row, await self.db.events.get(row.guild_id, row.event_id)))
        return out

    async def dm_done(self, row: OutboxRow) -> None:
        """Delivered, or not deliverable (DMs closed): either way, not to be sent again."""
        await self.db.events.outbox_done(row.guild_id, row.id)

    # -- reminders and housekeeping (``bot/reminders.py``) -------------------------------------------
    async def due_reminders(self, now: datetime | None = None) -> list[Reminder]:
        return await self.reminders.due(now)

    async def mark_reminder_sent(self, reminder: Reminder, now: datetime | None = None) -> None:
        await self.reminders.mark_sent(reminder, now)

    async def purge_answers(self, now: datetime | None = None) -> int:
        return await self.reminders.purge_answers(now)

    # -- /ask -------------------------------------------------------------------------------------
    async def answer_question(self, guild_id: int, question: str) -> EventAnswer | None:
        """An answer from this server's upcoming events, or None (``bot/event_questions.py``)."""
        return await answer_event_question(self.db, guild_id, question, self.clock())

    # -- members' data rights (called by bot.privacy.PrivacyService) -------------------------------
    async def export_member(self, guild_id: int, user_id: int) -> list[dict[str, Any]]:
        """Everything the events feature stores about a member in one server."""
        out: list[dict[str, Any]] = []
        for m in await self.db.events.member_rsvps(guild_id, user_id):
            r = m.rsvp
            out.append({
                "kind": "event_rsvp",
                "event_id": r.event_id,
                "event_title": m.title,
                "event_start": m.start_at.isoformat(),
                "event_status": m.event_status,
                "status": r.status,
                "waitlist_position": m.waitlist_rank,
                "guests": r.guests,
                "signup_answers": list(r.answers) if r.answers is not None else None,
                "attendance": None if m.attended is None else ("attended" if m.attended else "no-show"),
                "created_at": r.created_at.isoformat(),
                "updated_at": r.updated_at.isoformat(),
            })
        for event, status, attended in await self.db.events.member_attendance(guild_id, user_id):
            if status is None and attended is not None:  # checked in without an RSVP
                out.append({"kind": "event_attendance", "event_id": event.id, "event_title": event.title,
                            "event_start": event.start_at.isoformat(),
                            "attendance": "attended" if attended else "no-show"})
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
                states.append(EventState(event, await self.db.events.rsvps_in(conn, guild_id, event_id)))
        count = await self.db.events.erase_member_in(conn, guild_id, user_id)
        for state in states:
            state.remove(user_id)
            promoted = state.promote(now)
            if promoted:
                promotions[state.event.id] = tuple(promoted)
            await self.db.events.save_rsvps_in(conn, state.changed_rows())
            await queue_promoted_in(self.db, conn, state, now)
        log.info("erased %d event records of a member in guild %s", count, guild_id)
        return count, promotions


__all__ = [
    "CHOICES", "DESCRIPTION_MAX", "GUESTS_MAX", "LOCATION_MAX", "TITLE_MAX", "AttendanceEntry", "Attendees",
    "CalendarWindow", "CancelResult", "EditResult", "EventAnswer", "EventService", "EventSummary", "Reminder",
    "RsvpResult", "attendees_csv", "clean_guests", "clean_questions", "message_url", "valid_id",
]
