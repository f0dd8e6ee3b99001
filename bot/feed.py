"""The calendar feed members subscribe to, and the public page of each event. No Discord imports.

A server's feed lives at ``/cal/<token>.ics``; each event's page at ``/e/<slug>`` (its own ``.ics`` at
``/e/<slug>.ics``). Token and slugs come from ``secrets.token_urlsafe``: the URL is the only key, so
``rotate`` replaces all of them at once and every old URL answers 404 from then on.

What the feed publishes: the server's events that started at most ``FEED_PAST`` ago and everything
after, cancelled ones as ``STATUS:CANCELLED`` (so subscribed calendars drop them instead of keeping a
ghost). Calendar apps match entries by ``UID`` and take a copy with a higher ``SEQUENCE`` as newer;
``SEQUENCE`` is kept per event in ``calendar_events`` and raised whenever a published field changes
(detected by a digest of those fields, so it works however the event was changed). ``DTSTAMP`` is the
time of that revision, which keeps the body (and its ETag) identical until something really changes.
Times carry the chapter's time zone (``TZID`` plus a ``VTIMEZONE``), so a series keeps its local time
across daylight-saving changes.
"""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from urllib.parse import urlencode

import icalendar

from bot.calendar import PRODID, event_uid
from bot.clock import Clock, utcnow
from bot.config import Settings
from bot.errors import NotFound, UserError
from bot.events import EventService
from bot.series import with_until
from bot.storage import Database
from bot.storage.events import EventRow, SeriesRow
from bot.storage.feed import FeedRepo, PublishedEvent

FEED_PAST = timedelta(days=90)
FEED_AHEAD = timedelta(days=4 * 366)  # events are at most three years ahead
TOKEN_BYTES = 32  # 43 URL-safe characters
SLUG_BYTES = 16  # 22 URL-safe characters
FEED_PATH = "/cal/{token}.ics"
PAGE_PATH = "/e/{slug}"
PAGE_ICS_PATH = "/e/{slug}.ics"
CALENDAR_NAME_MAX = 80


@dataclass(frozen=True)
class CalendarFile:
    """An .ics body with what HTTP caching needs."""

    body: bytes
    etag: str  # quoted strong validator
    last_modified: datetime


@dataclass(frozen=True)
class EventPage:
    """What the public page of an event shows: nothing about who answered, only how many places are left."""

    event: EventRow
    timezone: str
    slug: str
    places_left: int | None  # None = no limit
    page_url: str
    ics_url: str
    google_url: str


@dataclass
class _Cached:
    key: str
    file: CalendarFile
    quick: tuple[object, ...] = ()  # what the cheap check compares (see ``FeedService.calendar``)


@dataclass
class FeedItem:
    """One VEVENT, independent of how the events feature stores things."""

    uid: str
    summary: str
    start: datetime
    end: datetime
    sequence: int
    stamp: datetime
    last_modified: datetime
    cancelled: bool = False
    description: str = ""
    location: str = ""
    url: str | None = None
    rrule: str | None = None
    exdates: list[datetime] = field(default_factory=list)
    recurrence_id: datetime | None = None
    tz: str | None = None  # the item's zone when not the calendar's (a series keeps the zone it was made in)


def series_uid(series: SeriesRow) -> str:
    """One UID for the whole series; its occurrences' overrides share it (told apart by RECURRENCE-ID)."""
    return f"jetbot-series-{series.guild_id}-{series.id}@jetbot"


def _as_the_rule_says(event: EventRow, series: SeriesRow) -> bool:
    """A posted occurrence the series' RRULE already describes exactly (nothing to override)."""
    return (not event.cancelled and event.start_at == event.occurrence_start
            and event.end_at - event.start_at == series.duration and event.title == series.title
            and event.description == series.description and event.location == series.location)


def fingerprint(event: EventRow, tz: str) -> str:
    """A digest of every field the feed publishes for ``event``: a change here is a new SEQUENCE."""
    occurrence = event.occurrence_start.isoformat() if event.occurrence_start else ""
    parts = [event.title, event.description, event.location, event.start_at.isoformat(), event.end_at.isoformat(),
             event.status, tz, str(event.capacity), str(event.series_id), occurrence]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def public_url_of(settings: Settings) -> str | None:
    """Where people reach the web server; None when it is off (no ``JETBOT_WEB_PORT``)."""
    if settings.web_port is None:
        return None
    return settings.public_url or f"http://{settings.web_host}:{settings.web_port}"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_slug() -> str:
    return secrets.token_urlsafe(SLUG_BYTES)


def _tz(name: str) -> zoneinfo.ZoneInfo | None:
    """The chapter's zone, or None for UTC (times then end in Z and need no VTIMEZONE)."""
    if name in ("UTC", "Etc/UTC", ""):
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=64)
def _vtimezone(name: str, first_year: int, last_year: int) -> bytes:
    """VTIMEZONE for the years the calendar needs (building one walks the transitions: cache it)."""
    component = icalendar.Timezone.from_tzinfo(
        zoneinfo.ZoneInfo(name), tzid=name, first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1)
    )
    return component.to_ical()


VEVENT_CACHE_MAX = 20_000  # serialised VEVENTs kept (about half a kilobyte each)
_vevents: OrderedDict[tuple[object, ...], bytes] = OrderedDict()


def _vevent(it: FeedItem, zone_name: str) -> bytes:
    """One VEVENT serialised; cached by everything it is made of, so a change to one event of a server
    re-serialises that event only (icalendar's serialiser is most of the cost of building a feed)."""
    key = (it.uid, it.summary, it.start, it.end, it.sequence, it.stamp, it.last_modified, it.cancelled,
           it.description, it.location, it.url, it.rrule, tuple(it.exdates), it.recurrence_id, zone_name)
    hit = _vevents.get(key)
    if hit is not None:
        _vevents.move_to_end(key)
        return hit
    z = _tz(zone_name)

    def local(dt: datetime) -> datetime:
        return dt.astimezone(z) if z is not None else dt.astimezone(UTC)

    ev = icalendar.Event()
    ev.add("uid", it.uid)
    ev.add("dtstamp", it.stamp.astimezone(UTC))
    ev.add("last-modified", it.last_modified.astimezone(UTC))
    if it.recurrence_id is not None:
        ev.add("recurrence-id", local(it.recurrence_id))
    ev.add("dtstart", local(it.start))
    ev.add("dtend", local(it.end))
    ev.add("summary", it.summary)
    if it.description:
        ev.add("description", it.description)
    if it.location:
        ev.add("location", it.location)
    if it.url:
        ev.add("url", it.url)
    if it.rrule:
        ev.add("rrule", icalendar.vRecur.from_ical(it.rrule))
    for ex in it.exdates:
        ev.add("exdate", local(ex))
    ev.add("sequence", it.sequence)
    ev.add("status", "CANCELLED" if it.cancelled else "CONFIRMED")
    ev.add("transp", "TRANSPARENT" if it.cancelled else "OPAQUE")
    body: bytes = ev.to_ical()
    _vevents[key] = body
    if len(_vevents) > VEVENT_CACHE_MAX:
        _vevents.popitem(last=False)
    return body


def build_calendar(items: Sequence[FeedItem], *, tz_name: str, name: str | None = None) -> bytes:
    """An RFC 5545 calendar of ``items``, times in ``tz_name`` (or the item's own zone)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name:
        cal.add("x-wr-calname", name[:CALENDAR_NAME_MAX])
        cal.add("name", name[:CALENDAR_NAME_MAX])
    if _tz(tz_name) is not None:
        cal.add("x-wr-timezone", tz_name)
        # Apps refetch on their own schedule; this only suggests it (Apple, Outlook read it).
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    head, sep, tail = cal.to_ical().rpartition(b"END:VCALENDAR")
    assert sep
    zone_names = [it.tz or tz_name for it in items]
    used = sorted({z for z in zone_names if _tz(z) is not None})
    years = [d.year for it in items for d in (it.start, it.end)] or [utcnow().year]
    # The VTIMEZONEs go before the events that refer to them.
    tz_block = b"".join(_vtimezone(key, min(years) - 1, max(years) + 6) for key in used)
    events = b"".join(_vevent(it, z) for it, z in zip(items, zone_names, strict=True))
    return head + tz_block + events + sep + tail


def google_calendar_url(event: EventRow, tz: str, details_url: str | None) -> str:
    """Google Calendar's "create event" template, filled in (a link; nothing is fetched)."""
    fmt = "%Y%m%dT%H%M%SZ"
    details = event.description + (f"\n\n{details_url}" if details_url else "")
    params = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{event.start_at.astimezone(UTC):{fmt}}/{event.end_at.astimezone(UTC):{fmt}}",
        "details": details.strip(),
        "location": event.location,
        "ctz": tz,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode({k: v for k, v in params.items() if v})


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _day_start(dt: datetime) -> datetime:
    return datetime.combine(dt.astimezone(UTC).date(), time(0), tzinfo=UTC)


class FeedService:
    """Feed tokens, page slugs, and the calendar files and pages built from a server's events."""

    def __init__(self, db: Database, events: EventService, *, public_url: str | None = None,
                 clock: Clock = utcnow) -> None:
        self.db = db
        self.repo = FeedRepo(db)
        self.events = events
        self.public_url = (public_url or "").rstrip("/") or None
        self.clock = clock
        self._cache: dict[int, _Cached] = {}

    # -- URLs ---------------------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        if self.public_url is None:
            raise UserError("The calendar feed is switched off on this bot: whoever hosts it sets "
                            "`JETBOT_WEB_PORT` (and `JETBOT_PUBLIC_URL`) to turn it on.")
        return self.public_url + path

    def feed_url(self, token: str) -> str:
        return self._url(FEED_PATH.format(token=token))

    def page_url(self, slug: str) -> str:
        return self._url(PAGE_PATH.format(slug=slug))

    def page_ics_url(self, slug: str) -> str:
        return self._url(PAGE_ICS_PATH.format(slug=slug))

    @property
    def enabled(self) -> bool:
        return self.public_url is not None

    # -- organisers ---------------------------------------------------------------------------------
    async def token(self, guild_id: int, name: str | None = None) -> str:
        """The server's feed token, created on first use; ``name`` (the server's) names the calendar."""
        row = await self.repo.get(guild_id)
        if row is None or (name is not None and name[:CALENDAR_NAME_MAX] != row.name):
            fallback = row.name if row is not None else ""
            await self.repo.create_if_missing(guild_id, new_token(), (name or fallback)[:CALENDAR_NAME_MAX],
                                              self.clock())
            row = await self.repo.get(guild_id)
            assert row is not None
        return row.token

    async def feed_link(self, guild_id: int, name: str | None = None) -> str:
        self._url("")  # a clear message when the web server is off, before anything is stored
        return self.feed_url(await self.token(guild_id, name))

    async def rotate(self, guild_id: int) -> str:
        """A new feed token and new page slugs; the old URLs are 404 from now on. Returns the new feed URL."""
        self._url("")
        published = await self.repo.published(guild_id)
        token = new_token()
        await self.repo.rotate(guild_id, token, {eid: new_slug() for eid in published}, self.clock())
        self._cache.pop(guild_id, None)
        return self.feed_url(token)

    async def page_link(self, guild_id: int, event_id: int) -> str:
        """The public page of one of this server's events."""
        self._url("")
        event = await self.db.events.get(guild_id, event_id)
        if event is None:
            raise NotFound("I can't find that event in this server. It may have been deleted.")
        await self.token(guild_id)  # pages belong to a server whose feed exists (rotate replaces both)
        published = await self._publish(guild_id, [event], await self.events.timezone(guild_id))
        return self.page_url(published[event.id].slug)

    # -- building -----------------------------------------------------------------------------------
    async def _publish(self, guild_id: int, events: Sequence[EventRow], tz: str) -> dict[int, PublishedEvent]:
        """The published record of each event: new ones get a slug and SEQUENCE 0; changed ones the next
        SEQUENCE. Writes only when something changed."""
        known = await self.repo.published(guild_id)
        now = self.clock()
        out: dict[int, PublishedEvent] = {}
        changed: list[PublishedEvent] = []
        added = False
        for e in events:
            digest = fingerprint(e, tz)
            old = known.get(e.id)
            if old is None:
                rec = PublishedEvent(guild_id, e.id, new_slug(), 0, digest, e.updated_at)
                changed.append(rec)
                added = True
            elif old.fingerprint != digest:
                rec = PublishedEvent(guild_id, e.id, old.slug, old.sequence + 1, digest, max(now, old.revised_at))
                changed.append(rec)
            else:
                rec = old
            out[e.id] = rec
        await self.repo.save_published(changed)
        if added:  # another request may have published the same event first: its slug is the one stored
            known = await self.repo.published(guild_id)
            out = {eid: known[eid] for eid in out}
        return out

    def _item(self, event: EventRow, rec: PublishedEvent) -> FeedItem:
        return FeedItem(
            uid=event_uid(event), summary=event.title, start=event.start_at, end=event.end_at,
            sequence=max(rec.sequence, event.sequence), stamp=rec.revised_at,
            last_modified=max(event.updated_at, rec.revised_at), cancelled=event.cancelled,
            description=event.description, location=event.location,
            url=self.page_url(rec.slug) if self.public_url else None,
        )

    def _series_items(self, series: SeriesRow, occurrences: Sequence[EventRow],
                      published: dict[int, PublishedEvent]) -> list[FeedItem]:
        """A series as one VEVENT with its RRULE and EXDATEs, plus an override (same UID, RECURRENCE-ID)
        for each posted occurrence that differs from the rule: moved, edited or cancelled. Occurrences
        as the rule has them need nothing more: the RRULE already puts them in the calendar."""
        zone = _tz(series.timezone)
        first = series.dtstart_local.replace(tzinfo=zone or UTC)
        rule = series.rrule
        if not series.active:  # ended: nothing after the last occurrence that was posted
            posted = [e.occurrence_start for e in occurrences if e.occurrence_start is not None]
            if not posted:
                return []
            rule = with_until(rule, max(posted))
        uid = series_uid(series)
        skipped = {d.astimezone(UTC) for d in series.exdates}
        items = [FeedItem(
            uid=uid, summary=series.title, start=first, end=first + series.duration, sequence=series.sequence,
            stamp=series.updated_at, last_modified=series.updated_at, description=series.description,
            location=series.location, rrule=rule, exdates=sorted(series.exdates), tz=series.timezone,
        )]
        for e in occurrences:
            assert e.occurrence_start is not None
            if e.occurrence_start.astimezone(UTC) in skipped or _as_the_rule_says(e, series):
                continue
            rec = published[e.id]
            items.append(FeedItem(
                uid=uid, summary=e.title, start=e.start_at, end=e.end_at, sequence=max(rec.sequence, e.sequence),
                stamp=rec.revised_at, last_modified=max(e.updated_at, rec.revised_at), cancelled=e.cancelled,
                description=e.description, location=e.location, recurrence_id=e.occurrence_start,
                url=self.page_url(rec.slug) if self.public_url else None, tz=series.timezone,
            ))
        return items

    async def calendar(self, guild_id: int, *, name: str = "", token: str | None = None) -> CalendarFile:
        """The server's feed. Its window starts at midnight UTC ``FEED_PAST`` ago, so the body stays the
        same through a day unless something changes.

        Most requests are polls with nothing changed: those are answered from the last body after one cheap
        query (``calendar_revision``: no rows read) instead of reading every event. ``token`` (the one the
        request came with) is part of that check, so a rotation made by another process is never missed."""
        since = _day_start(self.clock()) - FEED_PAST
        tz = await self.events.timezone(guild_id)
        revision = await self.events.calendar_revision(guild_id, since, since + FEED_AHEAD)
        quick = (tz, name, self.public_url, since, token, revision)
        cached = self._cache.get(guild_id)
        if cached is not None and cached.quick == quick:
            return cached.file
        window = await self.events.calendar(guild_id, since, since + FEED_AHEAD)
        events = list(window.events)
        published = await self._publish(guild_id, events, tz)
        key = hashlib.sha256(repr((
            tz, name, self.public_url, since,
            [(e.id, e.sequence, published[e.id]) for e in events],
            [(sid, s.sequence, s.status, s.updated_at, s.rrule, s.exdates) for sid, s in window.series.items()],
        )).encode()).hexdigest()
        if cached is not None and cached.key == key:
            self._cache[guild_id] = _Cached(key, cached.file, quick)
            return cached.file
        by_series: dict[int, list[EventRow]] = {}
        items: list[FeedItem] = []
        for e in events:
            if e.series_id in window.series and e.occurrence_start is not None:
                by_series.setdefault(e.series_id, []).append(e)
            else:
                items.append(self._item(e, published[e.id]))
        for sid, series in window.series.items():
            items.extend(self._series_items(series, by_series.get(sid, []), published))
        body = build_calendar(items, tz_name=tz, name=name or None)
        # The body changes when an event or series changes, or when the window moves on (at midnight UTC).
        stamps = [published[e.id].revised_at for e in events] + [e.updated_at for e in events]
        stamps += [s.updated_at for s in window.series.values()]
        file = CalendarFile(body, _etag(body), max([*stamps, since + FEED_PAST]))
        self._cache[guild_id] = _Cached(key, file, quick)
        return file

    async def calendar_for_token(self, token: str) -> CalendarFile | None:
        """The feed behind ``token``, or None for an unknown (or rotated) token."""
        found = await self.repo.by_token(token)
        if found is None:
            return None
        guild_id, name = found
        return await self.calendar(guild_id, name=name, token=token)

    async def _by_slug(self, slug: str) -> tuple[EventRow, PublishedEvent, str] | None:
        rec = await self.repo.by_slug(slug)
        if rec is None:
            return None
        event = await self.db.events.get(rec.guild_id, rec.event_id)
        if event is None:
            return None
        tz = await self.events.timezone(rec.guild_id)
        rec = (await self._publish(rec.guild_id, [event], tz))[event.id]
        return event, rec, tz

    async def page(self, slug: str) -> EventPage | None:
        """The public page behind ``slug``, or None (unknown, rotated, or the event was deleted)."""
        found = await self._by_slug(slug)
        if found is None:
            return None
        event, rec, tz = found
        left = (await self.events.summary(event.guild_id, event.id)).places_left  # guests take places too
        page_url = self.page_url(rec.slug)
        return EventPage(event=event, timezone=tz, slug=rec.slug, places_left=left, page_url=page_url,
                         ics_url=self.page_ics_url(rec.slug), google_url=google_calendar_url(event, tz, page_url))

    async def event_ics(self, slug: str) -> CalendarFile | None:
        """One event's calendar file (same UID and SEQUENCE as in the feed)."""
        found = await self._by_slug(slug)
        if found is None:
            return None
        event, rec, tz = found
        body = build_calendar([self._item(event, rec)], tz_name=tz)
        return CalendarFile(body, _etag(body), max(event.updated_at, rec.revised_at))

    async def upcoming_links(self, guild_id: int, limit: int = 5) -> list[tuple[EventRow, str]]:
        """The next events with their page URLs (for /calendar feed)."""
        self._url("")
        summaries = await self.events.upcoming(guild_id, limit=limit)
        events = [s.event for s in summaries]
        published = await self._publish(guild_id, events, await self.events.timezone(guild_id))
        return [(e, self.page_url(published[e.id].slug)) for e in events]


__all__ = ["CalendarFile", "EventPage", "FeedItem", "FeedService", "build_calendar", "fingerprint",
           "google_calendar_url", "public_url_of"]
