"""The calendar feed as data: what it holds, SEQUENCE and DTSTAMP, rotation, and that two independent
iCalendar libraries (icalendar and vobject) read the same events and expand a recurrence to the same dates."""

from __future__ import annotations

import zoneinfo
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from unittest.mock import MagicMock

import icalendar
import pytest
import vobject
import vobject.icalendar as vobject_icalendar
from dateutil import rrule

from bot.clock import FakeClock
from bot.config import Settings
from bot.errors import UserError
from bot.feed import FEED_PAST, FeedItem, FeedService, build_calendar
from bot.knowledge import KnowledgeService
from bot.services import Services, build_services
from bot.storage import Database

GUILD, OTHER = 111, 222
LONDON = zoneinfo.ZoneInfo("Europe/London")
PUBLIC = "https://jetbot.example.org"


@pytest.fixture
async def services(db: Database, clock: FakeClock) -> AsyncIterator[Services]:
    s = build_services(Settings(web_port=8080, public_url=PUBLIC), db, MagicMock(spec=KnowledgeService), clock)
    await db.settings.set_timezone(GUILD, "Europe/London")
    yield s


@pytest.fixture
def feed(services: Services) -> FeedService:
    return FeedService(services.db, services.events, public_url=PUBLIC, clock=services.clock)


async def make_event(services: Services, title: str, start: str, guild: int = GUILD, **kw: object) -> int:
    summary = await services.events.create_event(guild, created_by=9001, channel_id=5, title=title, start=start,
                                                 end=str(kw.pop("end", "2h")), **kw)  # type: ignore[arg-type]
    return summary.event.id


def vevents(body: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(body)
    return {str(ev["SUMMARY"]): ev for ev in cal.walk("VEVENT")}


def vobject_calendar(body: bytes) -> object:
    """The calendar as vobject reads it, with times in the zone built from the file's own VTIMEZONE.

    Left alone, vobject resolves a TZID through pytz and expands rules with a fixed offset (wrong across
    daylight-saving changes). Registering the zone that vobject itself parsed from our VTIMEZONE makes
    the second library check our VTIMEZONE too, not only our TZID."""
    text = body.decode("utf-8")
    for tz in getattr(vobject.readOne(text), "vtimezone_list", []):
        vobject_icalendar.registerTzid(tz.tzid.value, tz.gettzinfo())
    return vobject.readOne(text)


def vobject_events(body: bytes) -> dict[str, object]:
    return {ev.summary.value: ev for ev in vobject_calendar(body).vevent_list}  # type: ignore[attr-defined]


async def test_feed_holds_upcoming_recent_and_cancelled_events_only_of_its_server(
        services: Services, feed: FeedService, clock: FakeClock) -> None:
    old = await make_event(services, "Long ago", "2026-11-25 19:00")
    recent = await make_event(services, "Last month", "2026-12-20 19:00")
    clock.advance(days=110)  # "Long ago" started 106 days ago, "Last month" 81 days ago
    upcoming = await make_event(services, "Pub night", "2027-03-20 19:00", location="The Crown",
                                description="Upstairs room", capacity=30)
    cancelled = await make_event(services, "Picnic", "2027-04-01 12:00")
    await services.events.cancel_event(GUILD, cancelled)
    await make_event(services, "Other chapter", "2027-03-21 19:00", guild=OTHER)

    body = (await feed.calendar(GUILD)).body
    events = vevents(body)
    assert set(events) == {"Last month", "Pub night", "Picnic"}
    assert old and recent and upcoming
    pub = events["Pub night"]
    assert pub.decoded("dtstart") == datetime(2027, 3, 20, 19, 0, tzinfo=LONDON)
    assert pub["DTSTART"].params["TZID"] == "Europe/London"
    assert str(pub["LOCATION"]) == "The Crown" and str(pub["DESCRIPTION"]) == "Upstairs room"
    assert str(pub["STATUS"]) == "CONFIRMED"
    assert str(pub["URL"]).startswith(PUBLIC + "/e/")
    assert str(events["Picnic"]["STATUS"]) == "CANCELLED"
    assert str(pub["UID"]) == f"jetbot-event-{GUILD}-{upcoming}@jetbot"
    # The VTIMEZONE the events refer to comes with them, covering the events' dates.
    tz = icalendar.Calendar.from_ical(body).walk("VTIMEZONE")
    assert [str(t["TZID"]) for t in tz] == ["Europe/London"]
    assert b"9001" not in body  # the creator's id (and nobody else's) is never published


async def test_window_is_whole_days_90_back(services: Services, feed: FeedService, clock: FakeClock) -> None:
    await make_event(services, "Edge", "2026-11-22 10:00")
    clock.now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC) + FEED_PAST  # 90 days after it started
    assert "Edge" in vevents((await feed.calendar(GUILD)).body)
    clock.advance(days=1)
    assert "Edge" not in vevents((await feed.calendar(GUILD)).body)


async def test_sequence_rises_on_each_edit_and_the_body_is_stable_between(
        services: Services, feed: FeedService, clock: FakeClock) -> None:
    event_id = await make_event(services, "Quiz", "2026-12-10 19:00")
    first = await feed.calendar(GUILD)
    clock.advance(minutes=5)
    again = await feed.calendar(GUILD)
    assert again.body == first.body and again.etag == first.etag  # nothing changed: same bytes, same ETag
    assert int(vevents(first.body)["Quiz"]["SEQUENCE"]) == 0

    await services.events.edit_event(GUILD, event_id, title="Pub quiz")
    clock.advance(minutes=5)
    edited = await feed.calendar(GUILD)
    ev = vevents(edited.body)["Pub quiz"]
    assert int(ev["SEQUENCE"]) == 1 and edited.etag != first.etag
    assert ev.decoded("dtstamp") == clock.now  # the revision's time: when the feed first showed the change
    assert edited.last_modified > first.last_modified

    await services.events.edit_event(GUILD, event_id, start="2026-12-11 19:00")
    await services.events.cancel_event(GUILD, event_id)
    ev = vevents((await feed.calendar(GUILD)).body)["Pub quiz"]
    assert int(ev["SEQUENCE"]) >= 2  # higher again, whoever counted the changes (the feed or the events)
    assert str(ev["STATUS"]) == "CANCELLED"
    assert ev.decoded("dtstart") == datetime(2026, 12, 11, 19, 0, tzinfo=LONDON)


async def test_rotation_replaces_the_token_and_every_page_slug(services: Services, feed: FeedService) -> None:
    event_id = await make_event(services, "Quiz", "2026-12-10 19:00")
    url = await feed.feed_link(GUILD, "JETAA London")
    assert url == await feed.feed_link(GUILD)  # asking again gives the same link
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    page = await feed.page_link(GUILD, event_id)
    slug = page.rsplit("/", 1)[1]
    assert await feed.calendar_for_token(token) is not None and await feed.page(slug) is not None

    new_url = await feed.rotate(GUILD)
    new_token = new_url.rsplit("/", 1)[1].removesuffix(".ics")
    assert new_token != token and len(new_token) >= 40
    assert await feed.calendar_for_token(token) is None
    assert await feed.page(slug) is None and await feed.event_ics(slug) is None
    new_page = await feed.page_link(GUILD, event_id)
    assert new_page != page and await feed.page(new_page.rsplit("/", 1)[1]) is not None
    cal = icalendar.Calendar.from_ical((await feed.calendar_for_token(new_token)).body)  # type: ignore[union-attr]
    assert str(cal["X-WR-CALNAME"]) == "JETAA London"


async def test_links_need_the_web_server(services: Services) -> None:
    off = FeedService(services.db, services.events, public_url=None)
    with pytest.raises(UserError, match="JETBOT_WEB_PORT"):
        await off.feed_link(GUILD)
    with pytest.raises(UserError, match="JETBOT_WEB_PORT"):
        await off.rotate(GUILD)


async def test_page_link_of_another_servers_event_is_not_found(services: Services, feed: FeedService) -> None:
    theirs = await make_event(services, "Theirs", "2026-12-10 19:00", guild=OTHER)
    with pytest.raises(UserError, match="can't find"):
        await feed.page_link(GUILD, theirs)


async def test_places_left_and_no_member_data_on_the_page(services: Services, feed: FeedService) -> None:
    event_id = await make_event(services, "Dinner", "2026-12-10 19:00", capacity=5, max_guests=2)
    await services.events.rsvp(GUILD, event_id, 424242, "going")
    await services.events.rsvp(GUILD, event_id, 434343, "going", guests=2)  # a party of three
    slug = (await feed.page_link(GUILD, event_id)).rsplit("/", 1)[1]
    page = await feed.page(slug)
    assert page is not None and page.places_left == 1  # guests take places too
    assert "424242" not in repr(page) and "434343" not in repr(page)
    assert page.google_url.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE")
    assert "dates=20261210T190000Z%2F20261210T210000Z" in page.google_url
    ics = await feed.event_ics(slug)
    assert ics is not None
    assert set(vevents(ics.body)) == {"Dinner"}
    assert b"424242" not in ics.body


async def test_feed_parses_in_icalendar_and_vobject_alike(services: Services, feed: FeedService) -> None:
    await make_event(services, "Summer time", "2027-07-01 19:30", location="Café, \"upstairs\"; room 2",
                     description="Line one\nLine two, with commas; and semicolons")
    await make_event(services, "Winter time", "2027-01-14 19:30", end="2027-01-15 01:00")
    body = (await feed.calendar(GUILD)).body
    ours = vevents(body)
    theirs = vobject_events(body)
    assert set(ours) == set(theirs) == {"Summer time", "Winter time"}
    for name, ev in ours.items():
        other = theirs[name]
        assert ev.decoded("dtstart") == other.dtstart.value  # type: ignore[attr-defined]
        assert ev.decoded("dtend") == other.dtend.value  # type: ignore[attr-defined]
        assert str(ev["UID"]) == other.uid.value  # type: ignore[attr-defined]
    summer = theirs["Summer time"]
    assert summer.location.value == "Café, \"upstairs\"; room 2"  # type: ignore[attr-defined]
    assert summer.description.value == "Line one\nLine two, with commas; and semicolons"  # type: ignore[attr-defined]
    # BST in July, GMT in January: the same 19:30 wall-clock time is a different UTC instant.
    assert summer.dtstart.value.astimezone(UTC).hour == 18  # type: ignore[attr-defined]
    assert theirs["Winter time"].dtstart.value.astimezone(UTC).hour == 19  # type: ignore[attr-defined]


def _expand_icalendar(body: bytes) -> list[datetime]:
    ev = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    start = ev.decoded("dtstart")
    rules = rrule.rruleset()
    rules.rrule(rrule.rrulestr(ev["RRULE"].to_ical().decode(), dtstart=start))  # type: ignore[arg-type]
    exdates = ev.get("EXDATE")
    for group in exdates if isinstance(exdates, list) else ([exdates] if exdates else []):
        for d in group.dts:
            rules.exdate(d.dt)
    return list(rules)


def _expand_vobject(body: bytes) -> list[datetime]:
    ev = vobject_calendar(body).vevent_list[0]  # type: ignore[attr-defined]
    return list(ev.getrruleset(addRDate=True))


@pytest.mark.parametrize(("tz_name", "rule", "first", "skipped"), [
    # Monthly on the first Friday across both European changes (last Sundays of March and October).
    ("Europe/London", "FREQ=MONTHLY;BYDAY=1FR;COUNT=12", datetime(2027, 1, 1, 19, 0), [datetime(2027, 4, 2, 19, 0)]),
    # Weekly across the American changes (second Sunday of March, first Sunday of November).
    ("America/New_York", "FREQ=WEEKLY;INTERVAL=2;UNTIL=20271231T235959Z", datetime(2027, 2, 7, 18, 30), []),
    # Monthly on a date.
    ("Europe/London", "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=8", datetime(2027, 2, 15, 12, 0),
     [datetime(2027, 5, 15, 12, 0), datetime(2027, 6, 15, 12, 0)]),
])
def test_recurrence_expands_to_the_same_local_times_in_both_libraries(
        tz_name: str, rule: str, first: datetime, skipped: list[datetime]) -> None:
    zone = zoneinfo.ZoneInfo(tz_name)
    start = first.replace(tzinfo=zone)
    item = FeedItem(uid="series-1@test", summary="Series", start=start, end=start + timedelta(hours=2), sequence=0,
                    stamp=start, last_modified=start, rrule=rule, exdates=[d.replace(tzinfo=zone) for d in skipped])
    body = build_calendar([item], tz_name=tz_name)
    expected = [d for d in rrule.rrulestr(rule, dtstart=start) if d.replace(tzinfo=None) not in skipped]
    a, b = _expand_icalendar(body), _expand_vobject(body)
    assert [d.astimezone(UTC) for d in a] == [d.astimezone(UTC) for d in b] == [d.astimezone(UTC) for d in expected]
    # The wall-clock time never moves, whatever the season.
    assert {(d.astimezone(zone).hour, d.astimezone(zone).minute) for d in a} == {(first.hour, first.minute)}
    assert len({d.astimezone(UTC).hour for d in a}) == 2  # ...so the UTC hour does, across the changes


async def test_an_unchanged_poll_is_cheap_but_every_kind_of_change_shows(services: Services, feed: FeedService,
                                                                         clock: FakeClock) -> None:
    """The cheap "anything changed?" check must never hide a change, whichever way it was made."""
    events = services.events
    quiz = await make_event(services, "Quiz", "2026-12-10 19:00")
    picnic = await make_event(services, "Picnic", "2026-12-12 12:00")
    series = await events.series.create(GUILD, created_by=1, channel_id=5, title="Class", start="2026-11-26 18:00",
                                        end="1h", pattern="weekly", count=10)
    [first, second] = await events.series.materialize()
    token = await feed.token(GUILD, "Chapter")
    seen: list[bytes] = []

    async def body() -> bytes:
        got = await feed.calendar_for_token(token)
        assert got is not None
        seen.append(got.body)
        return got.body

    await body()
    assert await body() == seen[0]  # nothing changed: the same bytes (and ETag)
    # Each change below touches a different column or table; each must show in the next poll.
    changes = [
        lambda: events.edit_event(GUILD, quiz, location="Upstairs"),  # fields, sequence and updated_at
        lambda: events.cancel_event(GUILD, picnic),  # status
        lambda: events.series.skip(GUILD, series.id, on="2026-12-17"),  # an EXDATE on the series
        lambda: events.series.edit_following(GUILD, second.id, title="Class (new room)", start="2026-12-03 18:00",
                                             end="1h", location="Room 2", description=""),  # moved to a new series
        lambda: services.db.settings.set_timezone(GUILD, "Asia/Tokyo"),  # the chapter's zone
        lambda: events.discard_event(GUILD, quiz),  # an event gone
    ]
    for change in changes:
        await change()
        assert await body() != seen[-2], f"not shown: {change}"
    clock.advance(days=1)  # the window moved on: whatever is answered equals a feed built from scratch
    fresh = FeedService(services.db, services.events, public_url=PUBLIC, clock=services.clock)
    assert await body() == (await fresh.calendar(GUILD, name="Chapter")).body

    # Another process rotates the feed: this one must not answer the new token with the old page links.
    other = FeedService(services.db, services.events, public_url=PUBLIC, clock=services.clock)
    new_url = await other.rotate(GUILD)
    new_token = new_url.rsplit("/", 1)[1].removesuffix(".ics")
    assert await feed.calendar_for_token(token) is None
    rotated = await feed.calendar_for_token(new_token)
    assert rotated is not None and rotated.body != seen[-1]
    old_slugs = {line for line in seen[-1].split(b"\r\n") if line.startswith(b"URL:")}
    assert old_slugs and not old_slugs & set(rotated.body.split(b"\r\n"))
    assert first.series_id == series.id
