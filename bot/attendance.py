"""Attendance: who actually came. No Discord imports.

Three ways to record it, all per server and private to organisers (and to the member, through
``/privacy export``):

- **the check-in list**: an organiser opens the event's going members as a list (``roster``, a page at a
  time) and marks each one attended or no-show as people arrive;
- **a code**: the organiser shows a short code in the room and members check themselves in with it, from an
  hour before the start until an hour after the end (``checkin_code``, ``check_in``);
- **one member** at a time (``mark``), e.g. someone who came without answering.

A going member nobody marked counts as a no-show once the event has ended. Marking opens an hour before
the start and stays open afterwards, so an organiser can tidy the list up the next day.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.errors import NotFound, UserError
from bot.event_time import unix
from bot.markdown import bold
from bot.rsvp import valid_id
from bot.storage import Database
from bot.storage.events import EventRow

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a screen
CODE_LENGTH = 6
CHECKIN_EARLY = timedelta(hours=1)
CHECKIN_LATE = timedelta(hours=1)
ROSTER_PAGE = 20  # four rows of five buttons; Discord's fifth row pages through the list


@dataclass(frozen=True)
class AttendanceEntry:
    event: EventRow
    rsvp: str | None  # going | maybe | waitlist | no, or None (checked in without answering)
    presence: str  # attended | no-show | not checked in | —


@dataclass(frozen=True)
class RosterEntry:
    user_id: int
    guests: int
    mark: bool | None  # True attended, False no-show, None not marked yet
    going: bool  # False: marked without being down as going (walked in, or checked in with the code)


@dataclass(frozen=True)
class Roster:
    """One page of an event's check-in list, with the counts for the whole list."""

    event: EventRow
    entries: tuple[RosterEntry, ...]
    page: int  # 0-based, within range
    pages: int
    total: int
    attended: int
    no_show: int

    @property
    def unmarked(self) -> int:
        return self.total - self.attended - self.no_show


class AttendanceService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def _event(self, guild_id: int, event_id: int) -> EventRow:
        event = await self.db.events.get(guild_id, event_id) if valid_id(event_id) and valid_id(guild_id) else None
        if event is None:
            raise NotFound("I can't find that event in this server. It may have been deleted.")
        return event

    def _check_open(self, event: EventRow) -> None:
        if event.cancelled:
            raise UserError(f"{bold(event.title)} was cancelled, so there is no attendance to record.")
        if self.clock() < event.start_at - CHECKIN_EARLY:
            raise UserError(f"Attendance for {bold(event.title)} can be marked from an hour before it starts "
                            f"(<t:{unix(event.start_at - CHECKIN_EARLY)}:F>).")

    # -- organisers ---------------------------------------------------------------------------------
    async def roster(self, guild_id: int, event_id: int, page: int = 0) -> Roster:
        """The check-in list: going members in the order they said Going, then anyone else already marked.
        ``page`` is clamped into range (the list may have shrunk since it was shown)."""
        event = await self._event(guild_id, event_id)
        self._check_open(event)
        rsvps = await self.db.events.rsvps(guild_id, event_id)
        marks = await self.db.events.attendance(guild_id, event_id)
        going = [r for r in rsvps if r.status == "going"]
        listed = {r.user_id for r in going}
        everyone = [RosterEntry(r.user_id, r.guests, marks[r.user_id].attended if r.user_id in marks else None, True)
                    for r in going]
        everyone += [RosterEntry(uid, 0, m.attended, False) for uid, m in sorted(marks.items()) if uid not in listed]
        pages = max(1, math.ceil(len(everyone) / ROSTER_PAGE))
        page = min(max(page, 0), pages - 1)
        shown = tuple(everyone[page * ROSTER_PAGE:(page + 1) * ROSTER_PAGE])
        return Roster(event, shown, page, pages, len(everyone), sum(1 for e in everyone if e.mark is True),
                      sum(1 for e in everyone if e.mark is False))

    async def mark(self, guild_id: int, event_id: int, user_id: int, attended: bool) -> EventRow:
        """An organiser marks a member as attended or no-show (from an hour before the start on)."""
        event = await self._event(guild_id, event_id)
        self._check_open(event)
        if not valid_id(user_id):
            raise NotFound("I can't find that member.")
        await self.db.events.mark_attendance(guild_id, event_id, user_id, attended, "organiser", self.clock())
        return event

    async def checkin_code(self, guild_id: int, event_id: int) -> tuple[EventRow, str]:
        """The event's self check-in code (made on first use), for the organiser to show in the room."""
        event = await self._event(guild_id, event_id)
        if event.cancelled:
            raise UserError("That event was cancelled.")
        if event.checkin_code:
            return event, event.checkin_code
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        async with self.db.transaction() as conn:
            await self.db.events.update_in(conn, guild_id, event_id, {"checkin_code": code}, self.clock())
        return event, code

    # -- members ------------------------------------------------------------------------------------
    async def check_in(self, guild_id: int, user_id: int, code: str) -> EventRow:
        """A member checks themselves in with the code the organiser shows, from an hour before the start
        until an hour after the end."""
        now = self.clock()
        cleaned = "".join(code.split()).upper()
        if not cleaned or len(cleaned) > 20:
            raise UserError("Type the check-in code the organisers are showing.")
        events = [e for e in await self.db.events.by_checkin_code(guild_id, cleaned) if not e.cancelled]
        if not events:
            raise UserError("That code doesn't match any event here. Check it with an organiser.")
        open_now = [e for e in events if e.start_at - CHECKIN_EARLY <= now <= e.end_at + CHECKIN_LATE]
        if not open_now:
            e = events[0]
            raise UserError(f"Check-in for {bold(e.title)} is open from an hour before it starts until an hour "
                            f"after it ends (<t:{unix(e.start_at - CHECKIN_EARLY)}:F> to "
                            f"<t:{unix(e.end_at + CHECKIN_LATE)}:F>).")
        event = open_now[0]
        await self.db.events.mark_attendance(guild_id, event.id, user_id, True, "code", now)
        return event

    async def history(self, guild_id: int, user_id: int) -> list[AttendanceEntry]:
        """A member's events in this server that have started (or they checked in at): what they answered
        and whether they came."""
        now = self.clock()
        out = []
        for event, status, attended in await self.db.events.member_attendance(guild_id, user_id):
            if event.start_at > now and attended is None:  # not happened yet (an early check-in counts)
                continue
            out.append(AttendanceEntry(event, status, presence(status, attended, event, now)))
        return out


def presence(status: str | None, attended: bool | None, event: EventRow, now: datetime) -> str:
    """attended | no-show | not checked in | — (a going member not marked once the event has ended is a
    no-show; someone who did not say Going and was not marked has nothing to show)."""
    if attended is not None:
        return "attended" if attended else "no-show"
    if status != "going":
        return "—"
    return "no-show" if now >= event.end_at else "not checked in"


__all__ = ["CHECKIN_EARLY", "CHECKIN_LATE", "ROSTER_PAGE", "AttendanceEntry", "AttendanceService", "Roster",
           "RosterEntry", "presence"]
