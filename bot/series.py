"""Recurring events: RFC 5545 rules (``dateutil.rrule``), occurrences posted ahead, skip / move / split / end.

**Time.** A series stores its first start as local wall-clock time plus the chapter's time zone, and
the rule is expanded on zone-aware local times: "every first Friday at 19:00" stays 19:00 on both
sides of a daylight-saving change (the UTC instant moves instead). A wall-clock time the clocks skip
(01:30 on a spring-forward night) falls on the instant just after the change. No month arithmetic is
written here: the rule does it (``BYDAY=1FR``, ``BYMONTHDAY=15``, ``INTERVAL=2``).

**Occurrences.** Each occurrence becomes an ordinary event (its own RSVPs, capacity, reminders, post)
when it comes within the series' posting horizon (default 14 days) — the background loop calls
``SeriesService.materialize``. The event keeps the rule's start as ``occurrence_start`` (iCalendar
RECURRENCE-ID), even when that one occurrence is moved.

**Changes.** Skip one: an EXDATE, and if it was posted it is cancelled and its members told. Move or
edit one: an ordinary event edit (members told). Edit "this and following": the series is split — the
old one ends (UNTIL) before that occurrence, a new series continues from it with the new details, and
occurrences already posted from then on move to the new series and are updated (members told).

**Ending.** What a chapter means by "we're stopping the Thursday class" is that no more dates take
place: ending a series posts nothing more, and cancels the occurrences already posted that have not
started yet, telling everyone who answered them (as a skip does). An organiser who wants the dates
already announced to go ahead ("this month's are the last") ends it with ``keep_posted``: those stay, and
the series' rule ends after the last of them. Occurrences that have started or are over are never
touched: their RSVPs and attendance are history.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from dateutil.rrule import rrulestr

from bot.clock import Clock
from bot.errors import NotFound, UserError
from bot.event_fields import DESCRIPTION_MAX, LOCATION_MAX, TITLE_MAX, clean_capacity, clean_questions, clean_text
from bot.event_time import MAX_AHEAD, parse_when, zone
from bot.markdown import escape
from bot.storage import Database
from bot.storage.events import EventRow, SeriesRow

if TYPE_CHECKING:
    from bot.events import EventService

log = logging.getLogger("jetbot.series")

PATTERNS = ("weekly", "monthly-weekday", "monthly-date")
PATTERN_LABELS = {"weekly": "Weekly (same weekday)", "monthly-weekday": "Monthly on a weekday (e.g. first Friday)",
                  "monthly-date": "Monthly on a date (e.g. the 15th)"}
DEFAULT_POST_AHEAD = timedelta(days=14)
COUNT_MAX = 200
EVERY_MAX = 12
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_END = re.compile(r";?(COUNT|UNTIL)=[^;]*")


# -- rules ------------------------------------------------------------------------------------------
def build_rrule(pattern: str, start_local: datetime, *, every: int = 1, count: int | None = None,
                until: datetime | None = None) -> str:
    """The RRULE value (without DTSTART) for a pattern anchored at the first start (local time).
    ``until``: the last moment an occurrence may start (UTC)."""
    if pattern not in PATTERNS:
        raise UserError("Choose weekly, monthly on a weekday, or monthly on a date.")
    if not 1 <= every <= EVERY_MAX:
        raise UserError(f"`every` must be between 1 and {EVERY_MAX}.")
    if (count is None) == (until is None):
        raise UserError("Give the series an end: either a number of occurrences (`count`) or an end date (`until`).")
    if count is not None and not 1 <= count <= COUNT_MAX:
        raise UserError(f"A series can have between 1 and {COUNT_MAX} occurrences.")
    weekday = _WEEKDAYS[start_local.weekday()]
    if pattern == "weekly":
        parts = ["FREQ=WEEKLY", f"INTERVAL={every}", f"BYDAY={weekday}"]
    elif pattern == "monthly-weekday":
        nth = (start_local.day - 1) // 7 + 1
        parts = ["FREQ=MONTHLY", f"INTERVAL={every}", f"BYDAY={-1 if nth == 5 else nth}{weekday}"]
    else:
        parts = ["FREQ=MONTHLY", f"INTERVAL={every}", f"BYMONTHDAY={start_local.day}"]
    parts.append(f"COUNT={count}" if count is not None else f"UNTIL={_until(until)}")
    return ";".join(parts)


def _until(moment: datetime | None) -> str:
    assert moment is not None
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def with_until(rule: str, until: datetime) -> str:
    """The same rule ending at ``until`` (UTC) instead of its COUNT or UNTIL."""
    return _END.sub("", rule) + f";UNTIL={_until(until)}"


def describe_rule(series: SeriesRow) -> str:
    """"Every first Friday, 19:00 (Europe/London), 12 times" — for organisers and members."""
    fields = dict(p.split("=", 1) for p in series.rrule.split(";"))
    every = int(fields.get("INTERVAL", "1"))
    start = series.dtstart_local
    if fields["FREQ"] == "WEEKLY":
        what = f"every {_DAY_NAMES[start.weekday()]}" if every == 1 else \
            f"every {every} weeks on {_DAY_NAMES[start.weekday()]}"
    elif "BYDAY" in fields:
        nth = int(fields["BYDAY"][:-2])
        what = f"every {_ORDINALS.get(nth, str(nth))} {_DAY_NAMES[_WEEKDAYS.index(fields['BYDAY'][-2:])]}"
        what += " of the month" if every == 1 else f" of every {every} months"
    else:
        what = f"on day {fields['BYMONTHDAY']} of " + ("every month" if every == 1 else f"every {every} months")
    end = f", {fields['COUNT']} times" if "COUNT" in fields else \
        f", until {datetime.strptime(fields['UNTIL'], '%Y%m%dT%H%M%SZ').replace(tzinfo=UTC):%Y-%m-%d}"
    return f"{what[0].upper()}{what[1:]}, {start:%H:%M} ({series.timezone}){end}"


def expand(rule: str, dtstart_local: datetime, tz_name: str, *, after: datetime, before: datetime,
           exdates: Sequence[datetime] = ()) -> list[datetime]:
    """Occurrence starts (UTC) with after < start <= before, skipping ``exdates`` (UTC)."""
    tz = zone(tz_name)
    start = dtstart_local.replace(tzinfo=tz)
    rule_set = rrulestr(rule, dtstart=start)
    skipped = {d.astimezone(UTC) for d in exdates}
    out = []
    for occurrence in rule_set.xafter(after.astimezone(tz), inc=False):
        utc = _instant(occurrence.replace(tzinfo=None), tz)
        if utc > before:
            break
        if utc > after and utc not in skipped:
            out.append(utc)
    return out


def _instant(local: datetime, tz: Any) -> datetime:
    """A local wall-clock time as a UTC instant; a time the clocks skip moves past the gap."""
    return local.replace(tzinfo=tz).astimezone(UTC)


def series_occurrences(series: SeriesRow, *, after: datetime, before: datetime) -> list[datetime]:
    return expand(series.rrule, series.dtstart_local, series.timezone, after=after, before=before,
                  exdates=series.exdates)


def first_start(series: SeriesRow) -> datetime:
    return _instant(series.dtstart_local, zone(series.timezone))


# -- the service ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SkipResult:
    series: SeriesRow
    occurrence_start: datetime
    event: EventRow | None  # the posted occurrence, now cancelled; None when it was not posted yet
    notify: tuple[int, ...]


@dataclass(frozen=True)
class EndResult:
    series: SeriesRow
    cancelled: tuple[EventRow, ...]  # posted occurrences still to come, now cancelled (their members told)
    kept: tuple[EventRow, ...]  # posted occurrences still to come that go ahead (``keep_posted``)
    notify: int  # DMs queued


@dataclass(frozen=True)
class SplitResult:
    old: SeriesRow
    new: SeriesRow
    updated: tuple[EventRow, ...]  # posted occurrences moved to the new series and changed
    notify: int


class SeriesService:
    def __init__(self, db: Database, clock: Clock, events: EventService) -> None:
        self.db = db
        self.clock = clock
        self.events = events

    async def get(self, guild_id: int, series_id: int) -> SeriesRow:
        series = await self.db.events.get_series(guild_id, series_id)
        if series is None:
            raise NotFound("I can't find that series in this server.")
        return series

    async def of_guild(self, guild_id: int, *, active_only: bool = False) -> list[SeriesRow]:
        return await self.db.events.series_of_guild(guild_id, active_only=active_only)

    async def create(self, guild_id: int, *, created_by: int | None, channel_id: int | None, title: str,
                     start: str, end: str, pattern: str, every: int = 1, count: int | None = None,
                     until: str | None = None, location: str = "", description: str = "",
                     capacity: int | None = None, post_ahead_days: int = 14, max_guests: int = 0,
                     questions: Sequence[str] = (), allowed_roles: Sequence[int] = ()) -> SeriesRow:
        title = clean_text(title, TITLE_MAX, "title", required=True)
        location = clean_text(location, LOCATION_MAX, "location")
        description = clean_text(description, DESCRIPTION_MAX, "description")
        capacity = clean_capacity(capacity)
        if not 1 <= post_ahead_days <= 90:
            raise UserError("Post occurrences between 1 and 90 days ahead.")
        tz_name = await self.events.timezone(guild_id)
        now = self.clock()
        start_at, end_at = parse_when(start, end, tz_name, now)
        start_local = start_at.astimezone(zone(tz_name)).replace(tzinfo=None)
        until_at = _parse_until(until, tz_name, start_at) if until else None
        rule = build_rrule(pattern, start_local, every=every, count=count, until=until_at)
        series = await self.db.events.create_series(
            guild_id=guild_id, title=title, description=description, location=location, capacity=capacity,
            channel_id=channel_id, created_by=created_by, rrule=rule, dtstart_local=start_local, timezone=tz_name,
            duration=end_at - start_at, post_ahead=timedelta(days=post_ahead_days), max_guests=max_guests,
            questions=clean_questions(questions), allowed_roles=tuple(allowed_roles), now=now,
        )
        log.info("series %s created in guild %s: %s", series.id, guild_id, rule)
        return series

    async def materialize(self, now: datetime | None = None, *, series: SeriesRow | None = None) -> list[EventRow]:
        """Create the occurrences now within each active series' horizon (bot-wide unless ``series`` is given);
        returns the new events, still to be posted. Idempotent: an occurrence is created once."""
        now = now or self.clock()
        created: list[EventRow] = []
        for s in [series] if series is not None else await self.db.events.active_series():
            if not s.active:
                continue
            starts = series_occurrences(s, after=now, before=now + s.post_ahead)
            if not starts:
                continue
            async with self.db.transaction() as conn:
                have = {e.occurrence_start for e in await self.db.events.occurrences_in(conn, s.guild_id, s.id)}
                for start_at in starts:
                    if start_at in have:
                        continue
                    created.append(await self.db.events.create_in(
                        conn, guild_id=s.guild_id, title=s.title, description=s.description, location=s.location,
                        start_at=start_at, end_at=start_at + s.duration, capacity=s.capacity,
                        channel_id=s.channel_id, created_by=s.created_by, now=now, series_id=s.id,
                        occurrence_start=start_at, max_guests=s.max_guests, questions=s.questions,
                        allowed_roles=s.allowed_roles,
                    ))
        if created:
            log.info("posted ahead: %d occurrence(s)", len(created))
        return created

    async def unposted(self) -> list[EventRow]:
        """Occurrences created but not yet posted (or whose post failed): the loop posts them."""
        return await self.db.events.unposted()

    async def skip(self, guild_id: int, series_id: int, *, event_id: int | None = None,
                   on: str | None = None) -> SkipResult:
        """Skip one occurrence: a posted one (``event_id``) or one not yet posted (``on``: its local date)."""
        series = await self.get(guild_id, series_id)
        now = self.clock()
        event: EventRow | None = None
        if event_id is not None:
            event = await self.db.events.get(guild_id, event_id)
            if event is None or event.series_id != series.id or event.occurrence_start is None:
                raise NotFound("That event is not an occurrence of this series.")
            occurrence = event.occurrence_start
        elif on:
            occurrence = self._on_date(series, on, now)
        else:
            raise UserError("Say which occurrence to skip: pick its event, or give its date (YYYY-MM-DD).")
        if occurrence in series.exdates:
            raise UserError("That occurrence is already skipped.")
        notify: tuple[int, ...] = ()
        async with self.db.transaction() as conn:
            await self.db.events.add_exdate_in(conn, guild_id, series.id, occurrence, now)
            if event is None:
                for e in await self.db.events.occurrences_in(conn, guild_id, series.id):
                    if e.occurrence_start == occurrence:
                        event = e
            if event is not None and not event.cancelled:
                await self.db.events.cancel_in(conn, guild_id, event.id, now)
                rows = await self.db.events.rsvps_in(conn, guild_id, event.id)
                notify = tuple(r.user_id for r in rows if r.status in ("going", "maybe", "waitlist"))
                await self.db.events.add_outbox_in(conn, guild_id, event.id, notify, "cancelled",
                                                   "Only this date is skipped: the series goes on.", now)
        if event is not None:
            event = await self.db.events.get(guild_id, event.id)
        log.info("series %s in guild %s: occurrence %s skipped", series.id, guild_id, occurrence.isoformat())
        return SkipResult(await self.get(guild_id, series.id), occurrence, event, notify)

    def _on_date(self, series: SeriesRow, on: str, now: datetime) -> datetime:
        try:
            day = date.fromisoformat(on.strip())
        except ValueError:
            raise UserError(f"Give the date as YYYY-MM-DD (for example {now:%Y-%m-%d}).") from None
        tz = zone(series.timezone)
        lo = datetime.combine(day, time(0), tz).astimezone(UTC)
        starts = expand(series.rrule, series.dtstart_local, series.timezone, after=lo - timedelta(seconds=1),
                        before=lo + timedelta(days=1, seconds=-1))
        if not starts:
            raise NotFound(f"The series has no occurrence on {day:%Y-%m-%d}.")
        return starts[0]

    async def end(self, guild_id: int, series_id: int, *, keep_posted: bool = False) -> EndResult:
        """End a series: no occurrence is posted any more. Occurrences already posted that have not started
        are cancelled and everyone who answered them is told (``keep_posted``: they go ahead instead, and
        the series ends after the last of them). Occurrences that started or are over stay as they were."""
        series = await self.get(guild_id, series_id)
        if not series.active:
            raise UserError("That series has already ended.")
        now = self.clock()
        cancelled: list[EventRow] = []
        kept: list[EventRow] = []
        told = 0
        async with self.db.transaction() as conn:
            upcoming = [e for e in await self.db.events.occurrences_in(conn, guild_id, series.id)
                        if not e.cancelled and e.start_at > now]
            last = now
            if keep_posted:
                kept = upcoming
                last = max([now, *(e.occurrence_start or e.start_at for e in kept)])
            else:
                for e in upcoming:
                    await self.db.events.cancel_in(conn, guild_id, e.id, now)
                    rows = await self.db.events.rsvps_in(conn, guild_id, e.id)
                    notify = [r.user_id for r in rows if r.status in ("going", "maybe", "waitlist")]
                    await self.db.events.add_outbox_in(conn, guild_id, e.id, notify, "cancelled",
                                                       "The series it belonged to has ended.", now)
                    told += len(notify)
                    row = await self.db.events.get_in(conn, guild_id, e.id)
                    assert row is not None
                    cancelled.append(row)
            await self.db.events.update_series_in(conn, guild_id, series.id,
                                                  {"status": "ended", "rrule": with_until(series.rrule, last)}, now)
        log.info("series %s in guild %s ended: %d posted occurrence(s) cancelled, %d kept", series.id, guild_id,
                 len(cancelled), len(kept))
        return EndResult(await self.get(guild_id, series.id), tuple(cancelled), tuple(kept), told)

    async def edit_following(self, guild_id: int, event_id: int, *, title: str, start: str, end: str,
                             location: str, description: str) -> SplitResult:
        """Edit an occurrence and every later one: split the series there (see the module docstring)."""
        event = await self.db.events.get(guild_id, event_id)
        if event is None or event.series_id is None or event.occurrence_start is None:
            raise NotFound("That event is not an occurrence of a series. Use `/event edit` for a one-off event.")
        old = await self.get(guild_id, event.series_id)
        tz = zone(old.timezone)
        now = self.clock()
        title = clean_text(title, TITLE_MAX, "title", required=True)
        location = clean_text(location, LOCATION_MAX, "location")
        description = clean_text(description, DESCRIPTION_MAX, "description")
        new_start, new_end = parse_when(start, end, old.timezone, now)
        # The change of wall-clock start, applied to this and every later occurrence.
        shift = new_start.astimezone(tz).replace(tzinfo=None) - event.start_at.astimezone(tz).replace(tzinfo=None)
        duration = new_end - new_start
        anchor_local = event.occurrence_start.astimezone(tz).replace(tzinfo=None) + shift
        fields = dict(p.split("=", 1) for p in old.rrule.split(";"))
        if "COUNT" in fields:
            done = len(expand(old.rrule, old.dtstart_local, old.timezone, after=first_start(old) - timedelta(seconds=1),
                              before=event.occurrence_start - timedelta(seconds=1)))
            remaining = max(1, int(fields["COUNT"]) - done)
            new_rule = _END.sub("", old.rrule) + f";COUNT={remaining}"
        else:
            new_rule = old.rrule
        if "BYDAY" in fields and fields["FREQ"] == "WEEKLY":
            new_rule = re.sub(r"BYDAY=[A-Z]{2}", f"BYDAY={_WEEKDAYS[anchor_local.weekday()]}", new_rule)
        elif "BYDAY" in fields:
            nth = (anchor_local.day - 1) // 7 + 1
            new_rule = re.sub(r"BYDAY=-?\d[A-Z]{2}", f"BYDAY={-1 if nth == 5 else nth}"
                              f"{_WEEKDAYS[anchor_local.weekday()]}", new_rule)
        else:
            new_rule = re.sub(r"BYMONTHDAY=\d+", f"BYMONTHDAY={anchor_local.day}", new_rule)
        new = await self.db.events.create_series(
            guild_id=guild_id, title=title, description=description, location=location, capacity=old.capacity,
            channel_id=old.channel_id, created_by=old.created_by, rrule=new_rule, dtstart_local=anchor_local,
            timezone=old.timezone, duration=duration, post_ahead=old.post_ahead, max_guests=old.max_guests,
            questions=old.questions, allowed_roles=old.allowed_roles, now=now,
        )
        updated: list[EventRow] = []
        told = 0
        async with self.db.transaction() as conn:
            await self.db.events.update_series_in(
                conn, guild_id, old.id,
                {"rrule": with_until(old.rrule, event.occurrence_start - timedelta(seconds=1))}, now)
            for e in await self.db.events.occurrences_in(conn, guild_id, old.id):
                if e.occurrence_start is None or e.occurrence_start < event.occurrence_start or e.cancelled:
                    continue
                local = e.start_at.astimezone(tz).replace(tzinfo=None) + shift
                moved = _instant(local, tz)
                changes: dict[str, Any] = {}
                lines: list[str] = []
                if title != e.title:
                    changes["title"] = title
                    lines.append(f"**Title:** {escape(e.title)} → {escape(title)}")
                if moved != e.start_at:
                    changes["start_at"] = moved
                    lines.append(f"**Starts:** <t:{int(e.start_at.timestamp())}:F> → <t:{int(moved.timestamp())}:F>")
                if moved + duration != e.end_at:
                    changes["end_at"] = moved + duration
                if location != e.location:
                    changes["location"] = location
                    lines.append(f"**Where:** {e.location or '—'} → {location or '—'}")
                if description != e.description:
                    changes["description"] = description
                    lines.append("**Description** updated")
                await self.db.events.set_series_in(conn, guild_id, e.id, new.id, occurrence_start=moved)
                if changes:
                    await self.db.events.update_in(conn, guild_id, e.id, changes, now)
                    if "start_at" in changes:
                        await self.db.events.clear_reminders_in(conn, guild_id, e.id)
                    rows = await self.db.events.rsvps_in(conn, guild_id, e.id)
                    notify = [r.user_id for r in rows if r.status in ("going", "maybe", "waitlist")]
                    if lines and notify:
                        await self.db.events.add_outbox_in(conn, guild_id, e.id, notify, "changed",
                                                           "\n".join(lines), now)
                        told += len(notify)
                row = await self.db.events.get_in(conn, guild_id, e.id)
                assert row is not None
                updated.append(row)
        log.info("series %s in guild %s split at event %s into series %s", old.id, guild_id, event_id, new.id)
        return SplitResult(await self.get(guild_id, old.id), await self.get(guild_id, new.id), tuple(updated), told)


def _parse_until(text: str, tz_name: str, start_at: datetime) -> datetime:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UserError("Give the end date as YYYY-MM-DD.") from None
    until = datetime.combine(day, time(23, 59, 59), zone(tz_name)).astimezone(UTC)
    if until < start_at:
        raise UserError("The series' end date is before its first occurrence.")
    if until - start_at > MAX_AHEAD:
        raise UserError("A series can run for at most three years.")
    return until


__all__ = [
    "DEFAULT_POST_AHEAD", "PATTERNS", "EndResult", "SeriesService", "SkipResult", "SplitResult", "build_rrule",
    "describe_rule", "expand", "first_start", "series_occurrences", "with_until",
]
