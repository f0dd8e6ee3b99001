"""Recurring events (bot/series.py): rules, daylight saving, posting ahead, skip, split, end, the calendar read API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.errors import NotFound, UserError
from bot.events import EventService
from bot.series import build_rrule, describe_rule, expand
from bot.storage import Database

G1 = 1


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args: int) -> datetime:
    return datetime(*args)


@pytest.fixture
def service(db: Database, clock: FakeClock) -> EventService:
    return EventService(db, clock=clock)


# -- rules and time zones -------------------------------------------------------------------------
def test_rules_for_each_pattern() -> None:
    first_friday = local(2027, 1, 1, 19, 0)
    assert build_rrule("monthly-weekday", first_friday, count=3) == "FREQ=MONTHLY;INTERVAL=1;BYDAY=1FR;COUNT=3"
    assert build_rrule("weekly", first_friday, every=2, count=5) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;COUNT=5"
    assert build_rrule("monthly-date", local(2027, 1, 31, 19, 0), until=utc(2027, 6, 1)) == \
        "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=31;UNTIL=20270601T000000Z"
    assert build_rrule("monthly-weekday", local(2027, 1, 29, 19, 0), count=2).endswith("BYDAY=-1FR;COUNT=2")
    with pytest.raises(UserError, match="an end"):
        build_rrule("weekly", first_friday)
    with pytest.raises(UserError, match="between 1 and"):
        build_rrule("weekly", first_friday, every=0, count=2)

    def starts(rule: str, start: datetime) -> list[str]:
        return [f"{d:%Y-%m-%d}" for d in expand(rule, start, "UTC", after=utc(2026, 1, 1), before=utc(2028, 1, 1))]

    assert starts("FREQ=MONTHLY;BYDAY=1FR;COUNT=4", first_friday) == ["2027-01-01", "2027-02-05", "2027-03-05",
                                                                       "2027-04-02"]
    assert starts("FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3", local(2027, 1, 31, 19)) == ["2027-01-31", "2027-03-31",
                                                                                      "2027-05-31"]
    assert starts("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20270201T000000Z", local(2027, 1, 5, 18)) == \
        ["2027-01-05", "2027-01-19"]


@pytest.mark.parametrize(("tz", "first", "expected"), [
    # London: BST from 28 March 2027 and GMT from 31 October 2027; 19:00 local stays 19:00.
    ("Europe/London", local(2027, 3, 18, 19, 0), [utc(2027, 3, 18, 19), utc(2027, 3, 25, 19), utc(2027, 4, 1, 18)]),
    ("Europe/London", local(2027, 10, 21, 19, 0), [utc(2027, 10, 21, 18), utc(2027, 10, 28, 18),
                                                   utc(2027, 11, 4, 19)]),
    # New York: EDT from 14 March 2027 and EST from 7 November 2027; 18:30 local stays 18:30.
    ("America/New_York", local(2027, 3, 9, 18, 30), [utc(2027, 3, 9, 23, 30), utc(2027, 3, 16, 22, 30),
                                                     utc(2027, 3, 23, 22, 30)]),
    ("America/New_York", local(2027, 11, 2, 18, 30), [utc(2027, 11, 2, 22, 30), utc(2027, 11, 9, 23, 30),
                                                      utc(2027, 11, 16, 23, 30)]),
])
def test_wall_clock_time_kept_across_daylight_saving(tz: str, first: datetime, expected: list[datetime]) -> None:
    got = expand("FREQ=WEEKLY;BYDAY=" + ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][first.weekday()] + ";COUNT=3",
                 first, tz, after=utc(2027, 1, 1), before=utc(2028, 1, 1))
    assert got == expected


def test_a_time_the_clocks_skip_falls_just_after_the_change() -> None:
    # 01:30 on 28 March 2027 does not exist in London (01:00 GMT -> 02:00 BST).
    got = expand("FREQ=WEEKLY;BYDAY=SU;COUNT=2", local(2027, 3, 21, 1, 30), "Europe/London", after=utc(2027, 1, 1),
                 before=utc(2028, 1, 1))
    assert got == [utc(2027, 3, 21, 1, 30), utc(2027, 3, 28, 1, 30)]  # 01:30 UTC = 02:30 BST


# -- the series service ---------------------------------------------------------------------------
async def _monthly(service: EventService, db: Database, **kw) -> int:
    await db.settings.set_timezone(G1, "Europe/London")
    series = await service.series.create(G1, created_by=9, channel_id=500, title="Pub night",
                                         start="2026-12-04 19:00", end="22:00", pattern="monthly-weekday",
                                         count=6, location="The Tanuki", capacity=10, **kw)
    return series.id


async def test_occurrences_are_posted_ahead_once(service: EventService, db: Database, clock: FakeClock) -> None:
    series_id = await _monthly(service, db)
    series = await service.series.get(G1, series_id)
    assert describe_rule(series) == "Every first Friday of the month, 19:00 (Europe/London), 6 times"
    [first] = await service.series.materialize()  # 4 Dec is 13 days away; 1 Jan is not yet
    assert (first.start_at, first.end_at) == (utc(2026, 12, 4, 19), utc(2026, 12, 4, 22))
    assert (first.series_id, first.occurrence_start, first.capacity) == (series_id, first.start_at, 10)
    assert await service.series.materialize() == []  # idempotent
    assert [e.id for e in await service.series.unposted()] == [first.id]
    await service.attach_message(G1, first.id, 500, 7001)
    assert await service.series.unposted() == []
    clock.now = utc(2026, 12, 20, 12)
    [second] = await service.series.materialize()
    assert second.start_at == utc(2027, 1, 1, 19)


async def test_skip_tells_who_answered_and_is_not_posted_again(service: EventService, db: Database,
                                                               clock: FakeClock) -> None:
    series_id = await _monthly(service, db)
    [first] = await service.series.materialize()
    await service.rsvp(G1, first.id, 101, "going")
    await service.rsvp(G1, first.id, 102, "maybe")
    await service.rsvp(G1, first.id, 103, "no")
    result = await service.series.skip(G1, series_id, event_id=first.id)
    assert result.event is not None and result.event.cancelled and set(result.notify) == {101, 102}
    outbox = await db.events.outbox()
    assert sorted((r.user_id, r.kind) for r in outbox) == [(101, "cancelled"), (102, "cancelled")]
    assert "series goes on" in outbox[0].detail
    assert result.series.exdates == (first.start_at,)
    # A date not posted yet can be skipped by its date; the loop then never posts it.
    skipped = await service.series.skip(G1, series_id, on="2027-02-05")
    assert skipped.event is None and skipped.occurrence_start == utc(2027, 2, 5, 19)
    clock.now = utc(2027, 1, 30, 12)
    assert await service.series.materialize() == []
    with pytest.raises(NotFound, match="no occurrence on 2027-02-06"):
        await service.series.skip(G1, series_id, on="2027-02-06")
    with pytest.raises(UserError, match="already skipped"):
        await service.series.skip(G1, series_id, on="2027-02-05")


async def test_edit_this_and_following_splits_the_series(service: EventService, db: Database,
                                                         clock: FakeClock) -> None:
    series_id = await _monthly(service, db)
    clock.now = utc(2026, 11, 21)
    async with db.transaction() as conn:
        await conn.execute("UPDATE event_series SET post_ahead_minutes = ? WHERE id = ?", (60 * 24 * 45, series_id))
    first, second = await service.series.materialize()
    await service.rsvp(G1, second.id, 201, "going")
    result = await service.series.edit_following(G1, second.id, title="Pub quiz night", start="2027-01-01 20:00",
                                                 end="23:00", location="The Fox", description="")
    assert result.old.rrule.endswith("UNTIL=20270101T185959Z") and result.new.rrule.endswith("COUNT=5")
    assert result.new.dtstart_local == datetime(2027, 1, 1, 20, 0)
    [moved] = result.updated
    assert (moved.id, moved.title, moved.start_at, moved.series_id) == (second.id, "Pub quiz night",
                                                                       utc(2027, 1, 1, 20), result.new.id)
    assert result.notify == 1
    [dm] = [r for r in await db.events.outbox() if r.user_id == 201]
    assert "Pub quiz night" in dm.detail and "The Fox" in dm.detail
    untouched = await db.events.get(G1, first.id)
    assert untouched is not None and untouched.title == "Pub night" and untouched.series_id == series_id
    clock.now = utc(2027, 1, 25, 12)
    third, *_ = await service.series.materialize()  # the new series keeps the 45-day horizon
    assert (third.title, third.start_at, third.series_id) == ("Pub quiz night", utc(2027, 2, 5, 20), result.new.id)


async def test_end_stops_posting_and_calendar_window_shows_series(service: EventService, db: Database,
                                                                 clock: FakeClock) -> None:
    series_id = await _monthly(service, db)
    [first] = await service.series.materialize()
    await service.series.skip(G1, series_id, on="2027-01-01")
    window = await service.calendar(G1, utc(2026, 11, 1), utc(2027, 6, 1))
    assert [e.id for e in window.events] == [first.id] and list(window.series) == [series_id]
    s = window.series[series_id]
    assert s.rrule.startswith("FREQ=MONTHLY") and s.exdates == (utc(2027, 1, 1, 19),) and s.sequence >= 1
    assert s.timezone == "Europe/London" and s.dtstart_local == datetime(2026, 12, 4, 19, 0)
    ended = (await service.series.end(G1, series_id)).series
    assert not ended.active and "UNTIL=" in ended.rrule
    clock.now = utc(2027, 1, 25)
    assert await service.series.materialize() == []
    with pytest.raises(UserError, match="already ended"):
        await service.series.end(G1, series_id)
    assert timedelta(0) < s.duration


async def test_end_cancels_the_dates_already_posted_and_tells_who_answered(service: EventService, db: Database,
                                                                           clock: FakeClock) -> None:
    series_id = await _monthly(service, db, post_ahead_days=45)
    clock.now = utc(2026, 11, 25)
    december, january = await service.series.materialize()
    await service.rsvp(G1, december.id, 1, "going")
    await service.rsvp(G1, january.id, 2, "maybe")
    await service.rsvp(G1, january.id, 3, "no")
    clock.now = utc(2026, 12, 4, 20)  # December's is under way: it stays as it is
    result = await service.series.end(G1, series_id)
    assert [e.id for e in result.cancelled] == [january.id] and result.kept == () and result.notify == 1
    assert not (await service.summary(G1, december.id)).event.cancelled
    assert (await service.summary(G1, january.id)).event.cancelled
    outbox = [(row.user_id, row.kind, row.detail) for row, _ in await service.pending_dms()]
    assert outbox == [(2, "cancelled", "The series it belonged to has ended.")]  # not the one who said no
    assert result.series.rrule.endswith("UNTIL=20261204T200000Z") and not result.series.active
    clock.now = utc(2027, 2, 1)
    assert await service.series.materialize() == []


async def test_end_keeping_the_posted_dates_ends_the_rule_after_the_last(service: EventService, db: Database,
                                                                         clock: FakeClock) -> None:
    series_id = await _monthly(service, db, post_ahead_days=45)
    clock.now = utc(2026, 11, 25)
    posted = await service.series.materialize()
    await service.rsvp(G1, posted[1].id, 2, "going")
    result = await service.series.end(G1, series_id, keep_posted=True)
    assert result.cancelled == () and [e.id for e in result.kept] == [e.id for e in posted] and result.notify == 0
    assert await service.pending_dms() == []
    assert [(await service.summary(G1, e.id)).event.cancelled for e in posted] == [False, False]
    series = result.series
    assert series.rrule.endswith("UNTIL=20270101T190000Z")  # the January occurrence, 19:00 GMT, is the last
    assert expand(series.rrule, series.dtstart_local, series.timezone, after=utc(2026, 1, 1),
                  before=utc(2028, 1, 1)) == [e.start_at for e in posted]
