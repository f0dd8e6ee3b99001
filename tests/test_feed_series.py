"""Recurring events in the feed: one VEVENT with the series' RRULE, EXDATEs for skipped dates, overrides
(same UID, RECURRENCE-ID) for occurrences that were moved, edited or cancelled; and the recurrence expands to
the same dates in icalendar (dateutil), in vobject and in the bot's own series computation."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from unittest.mock import MagicMock

import icalendar
import pytest
from dateutil import rrule

from bot.clock import FakeClock
from bot.config import Settings
from bot.feed import FeedService
from bot.knowledge import KnowledgeService
from bot.series import series_occurrences
from bot.services import Services, build_services
from bot.storage import Database
from tests.test_feed import vobject_calendar

GUILD = 111
PUBLIC = "https://jetbot.example.org"
FAR_PAST, FAR_AHEAD = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


@pytest.fixture
async def services(db: Database, clock: FakeClock) -> Services:
    s = build_services(Settings(web_port=8080, public_url=PUBLIC), db, MagicMock(spec=KnowledgeService), clock)
    return s


async def series_feed(services: Services, tz_name: str) -> tuple[FeedService, int]:
    await services.db.settings.set_timezone(GUILD, tz_name)
    feed = FeedService(services.db, services.events, public_url=PUBLIC, clock=services.clock)
    return feed, GUILD


def by_uid(body: bytes) -> dict[str, list[icalendar.Event]]:
    out: dict[str, list[icalendar.Event]] = {}
    for ev in icalendar.Calendar.from_ical(body).walk("VEVENT"):
        out.setdefault(str(ev["UID"]), []).append(ev)
    return out


def expand_icalendar(master: icalendar.Event) -> list[datetime]:
    start = master.decoded("dtstart")
    rules = rrule.rruleset()
    rules.rrule(rrule.rrulestr(master["RRULE"].to_ical().decode(), dtstart=start))  # type: ignore[arg-type]
    exdates = master.get("EXDATE")
    for group in exdates if isinstance(exdates, list) else ([exdates] if exdates else []):
        for d in group.dts:
            rules.exdate(d.dt)
    return [d.astimezone(UTC) for d in rules]


def expand_vobject(body: bytes, uid: str) -> list[datetime]:
    cal = vobject_calendar(body)
    [master] = [ev for ev in cal.vevent_list  # type: ignore[attr-defined]
                if ev.uid.value == uid and not hasattr(ev, "recurrence_id")]
    return [d.astimezone(UTC) for d in master.getrruleset(addRDate=True)]


async def test_monthly_series_with_a_skip_a_move_and_a_cancellation(services: Services, clock: FakeClock) -> None:
    feed, guild = await series_feed(services, "Europe/London")
    events = services.events
    series = await events.series.create(
        guild, created_by=9001, channel_id=5, title="First Friday drinks", start="2027-02-05 19:00", end="2h",
        pattern="monthly-weekday", count=8, location="The Crown",
    )
    clock.now = datetime(2027, 1, 25, 12, 0, tzinfo=UTC)
    [feb] = await events.series.materialize()
    await events.edit_event(guild, feb.id, location="The Anchor (just this once)")
    await events.series.skip(guild, series.id, on="2027-03-05")
    clock.now = datetime(2027, 3, 25, 12, 0, tzinfo=UTC)
    [apr] = await events.series.materialize()
    await events.cancel_event(guild, apr.id)
    clock.now = datetime(2027, 3, 26, 12, 0, tzinfo=UTC)

    body = (await feed.calendar(guild)).body
    [(uid, vevents)] = by_uid(body).items()  # one UID: the series, its overrides share it
    assert uid == f"jetbot-series-{guild}-{series.id}@jetbot"
    [master] = [v for v in vevents if "RECURRENCE-ID" not in v]
    overrides = {v.decoded("recurrence-id"): v for v in vevents if "RECURRENCE-ID" in v}
    london = zoneinfo.ZoneInfo("Europe/London")

    assert master["RRULE"].to_ical() == b"FREQ=MONTHLY;COUNT=8;INTERVAL=1;BYDAY=1FR"
    assert master.decoded("dtstart") == datetime(2027, 2, 5, 19, 0, tzinfo=london)
    assert master["DTSTART"].params["TZID"] == "Europe/London"
    assert [d.dt for d in master["EXDATE"].dts] == [datetime(2027, 3, 5, 19, 0, tzinfo=london)]
    assert str(master["STATUS"]) == "CONFIRMED" and int(master["SEQUENCE"]) >= 1  # the skip raised it

    assert set(overrides) == {datetime(2027, 2, 5, 19, 0, tzinfo=london), datetime(2027, 4, 2, 19, 0, tzinfo=london)}
    moved = overrides[datetime(2027, 2, 5, 19, 0, tzinfo=london)]
    assert str(moved["LOCATION"]) == "The Anchor (just this once)" and str(moved["STATUS"]) == "CONFIRMED"
    assert str(overrides[datetime(2027, 4, 2, 19, 0, tzinfo=london)]["STATUS"]) == "CANCELLED"

    # The same dates three ways: icalendar + dateutil, vobject, and the bot's own series computation.
    ours = series_occurrences(await events.series.get(guild, series.id), after=FAR_PAST, before=FAR_AHEAD)
    assert expand_icalendar(master) == expand_vobject(body, uid) == ours
    assert len(ours) == 7 and datetime(2027, 3, 5, 19, 0, tzinfo=UTC) not in ours
    # 19:00 in London all year: 19:00 UTC in winter, 18:00 UTC from the last Sunday of March.
    assert {d.astimezone(london).hour for d in ours} == {19}
    assert [d.hour for d in ours[:3]] == [19, 18, 18]


@pytest.mark.parametrize(("tz_name", "start", "pattern", "extra"), [
    ("America/New_York", "2027-02-28 18:30", "weekly", {"every": 2, "until": "2027-12-31"}),
    ("Europe/London", "2027-01-15 12:00", "monthly-date", {"count": 12}),
    ("Europe/London", "2027-10-01 20:00", "monthly-weekday", {"count": 6}),
])
async def test_recurrence_expands_alike_across_clock_changes(
    services: Services, clock: FakeClock, tz_name: str, start: str, pattern: str, extra: dict[str, object]
) -> None:
    feed, guild = await series_feed(services, tz_name)
    series = await services.events.series.create(guild, created_by=1, channel_id=5, title="Class", start=start,
                                                 end="1h", pattern=pattern, **extra)  # type: ignore[arg-type]
    body = (await feed.calendar(guild)).body
    [(uid, [master])] = by_uid(body).items()
    ours = series_occurrences(series, after=FAR_PAST, before=FAR_AHEAD)
    assert expand_icalendar(master) == expand_vobject(body, uid) == ours
    assert len({d.hour for d in ours}) == 2  # the UTC hour changes with the clocks; the local one does not
    assert len({d.astimezone(zoneinfo.ZoneInfo(tz_name)).hour for d in ours}) == 1


async def test_ended_series_stops_after_its_last_posted_occurrence(services: Services, clock: FakeClock) -> None:
    feed, guild = await series_feed(services, "Europe/London")
    events = services.events
    series = await events.series.create(guild, created_by=1, channel_id=5, title="Japanese class",
                                        start="2026-11-25 18:00", end="1h", pattern="weekly", count=20)
    posted = await events.series.materialize()
    assert len(posted) == 2  # two weeks ahead
    await events.series.end(guild, series.id, keep_posted=True)
    body = (await feed.calendar(guild)).body
    [(uid, [master])] = by_uid(body).items()
    dates = expand_icalendar(master)
    assert dates == expand_vobject(body, uid) == sorted(e.start_at for e in posted)
    clock.advance(days=200)  # long after: nothing of it is left in the window
    assert by_uid((await feed.calendar(guild)).body) == {}
    assert clock.now - timedelta(days=90) > max(dates)


async def test_ended_series_shows_the_posted_dates_it_cancelled_as_cancelled(services: Services,
                                                                             clock: FakeClock) -> None:
    feed, guild = await series_feed(services, "Europe/London")
    events = services.events
    series = await events.series.create(guild, created_by=1, channel_id=5, title="Japanese class",
                                        start="2026-11-25 18:00", end="1h", pattern="weekly", count=20)
    posted = await events.series.materialize()
    await feed.calendar(guild)  # a subscriber has already seen both dates
    result = await events.series.end(guild, series.id)
    assert [e.id for e in result.cancelled] == [e.id for e in posted]
    body = (await feed.calendar(guild)).body
    [(uid, vevents)] = by_uid(body).items()
    [master] = [v for v in vevents if "RECURRENCE-ID" not in v]
    overrides = {v.decoded("recurrence-id").astimezone(UTC): v for v in vevents if "RECURRENCE-ID" in v}
    # The rule reaches exactly the dates subscribers saw, and each is there as cancelled, so calendars drop them.
    assert expand_icalendar(master) == expand_vobject(body, uid) == [e.start_at for e in posted]
    assert set(overrides) == {e.start_at for e in posted}
    assert {str(v["STATUS"]) for v in overrides.values()} == {"CANCELLED"}
