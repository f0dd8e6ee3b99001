"""The organiser's check-in list (bot/attendance.py): who is on it, in what order, pages, marks, and when it opens."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.attendance import ROSTER_PAGE
from bot.clock import FakeClock
from bot.errors import NotFound, UserError
from bot.events import EventService
from bot.storage import Database
from tests.test_events_service import G1, G2, make

START = datetime(2026, 12, 5, 18, 30, tzinfo=UTC)  # make()'s default start


@pytest.fixture
def service(db: Database, clock: FakeClock) -> EventService:
    return EventService(db, clock=clock)


async def test_the_list_is_going_members_in_join_order_then_others_marked(service: EventService,
                                                                         clock: FakeClock) -> None:
    event_id = await make(service, capacity=3, max_guests=1)
    await service.rsvp(G1, event_id, 30, "going", guests=1)
    await service.rsvp(G1, event_id, 10, "going")
    await service.rsvp(G1, event_id, 20, "going")  # no room: waitlisted, not on the list
    await service.rsvp(G1, event_id, 40, "maybe")
    with pytest.raises(UserError, match="from an hour before it starts"):
        await service.attendance.roster(G1, event_id)  # weeks early
    clock.now = START.replace(hour=17, minute=45)
    await service.attendance.mark(G1, event_id, 40, True)  # came without saying Going
    roster = await service.attendance.roster(G1, event_id)
    assert [(e.user_id, e.guests, e.mark, e.going) for e in roster.entries] == [
        (30, 1, None, True), (10, 0, None, True), (40, 0, True, False)]
    assert (roster.total, roster.attended, roster.no_show, roster.unmarked) == (3, 1, 0, 2)

    await service.attendance.mark(G1, event_id, 30, True)
    await service.attendance.mark(G1, event_id, 10, False)
    await service.attendance.mark(G1, event_id, 10, True)  # changed their mind: the last mark counts
    await service.attendance.mark(G1, event_id, 30, False)
    roster = await service.attendance.roster(G1, event_id)
    assert [(e.user_id, e.mark) for e in roster.entries] == [(30, False), (10, True), (40, True)]
    assert (roster.attended, roster.no_show, roster.unmarked) == (2, 1, 0)
    att = await service.attendees(G1, event_id)
    assert [att.presence(u, clock()) for u in (30, 10)] == ["no-show", "attended"]


async def test_pages_of_twenty_and_a_page_out_of_range_is_clamped(service: EventService, clock: FakeClock) -> None:
    event_id = await make(service, capacity=100)
    members = list(range(1000, 1000 + ROSTER_PAGE * 2 + 3))
    for uid in members:
        await service.rsvp(G1, event_id, uid, "going")
    clock.now = START
    first = await service.attendance.roster(G1, event_id)
    last = await service.attendance.roster(G1, event_id, page=2)
    assert (first.pages, first.page, len(first.entries)) == (3, 0, ROSTER_PAGE)
    assert [e.user_id for e in last.entries] == members[ROSTER_PAGE * 2:]
    beyond = await service.attendance.roster(G1, event_id, page=7)  # the list shrank since it was shown
    assert (beyond.page, [e.user_id for e in beyond.entries]) == (2, members[ROSTER_PAGE * 2:])
    assert (await service.attendance.roster(G1, event_id, page=-1)).page == 0


async def test_the_list_belongs_to_its_server_and_not_to_a_cancelled_event(service: EventService,
                                                                          clock: FakeClock) -> None:
    event_id = await make(service, capacity=5)
    await service.rsvp(G1, event_id, 1, "going")
    clock.now = START
    with pytest.raises(NotFound):
        await service.attendance.roster(G2, event_id)
    with pytest.raises(NotFound):
        await service.attendance.mark(G2, event_id, 1, True)
    assert (await service.attendance.roster(G1, event_id)).attended == 0  # nothing recorded by the other server
    with pytest.raises(NotFound):
        await service.attendance.roster(G1, 2**70)  # a forged id never reaches SQL
    clock.now = START.replace(hour=10)
    await service.cancel_event(G1, event_id)
    clock.now = START
    with pytest.raises(UserError, match="cancelled"):
        await service.attendance.roster(G1, event_id)
    with pytest.raises(UserError, match="cancelled"):
        await service.attendance.mark(G1, event_id, 1, True)


async def test_marks_stay_open_after_the_event_for_tidying_up(service: EventService, clock: FakeClock) -> None:
    event_id = await make(service, capacity=5)
    await service.rsvp(G1, event_id, 1, "going")
    await service.rsvp(G1, event_id, 2, "going")
    clock.now = START.replace(day=6)  # the next day
    await service.attendance.mark(G1, event_id, 1, True)
    roster = await service.attendance.roster(G1, event_id)
    assert (roster.attended, roster.unmarked) == (1, 1)
    history = await service.attendance.history(G1, 2)
    assert [h.presence for h in history] == ["no-show"]  # going, never marked, the event is over
