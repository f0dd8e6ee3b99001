"""EventService on a real SQLite file: creation rules, RSVPs, waitlist, edits, reminders, /ask, data rights."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from bot.errors import NotFound, UserError
from bot.events import EventService
from bot.storage import Database

G1, G2 = 1, 2


@pytest.fixture
def service(db: Database, clock: FakeClock) -> EventService:
    return EventService(db, clock=clock)


async def make(service: EventService, *, guild_id: int = G1, capacity: int | None = None,
               title: str = "Networking Night", start: str = "2026-12-05 18:30", end: str = "2h",
               location: str = "Tipsy Tanuki", **kw) -> int:
    summary = await service.create_event(guild_id, created_by=9, channel_id=500, title=title, start=start, end=end,
                                         location=location, capacity=capacity, **kw)
    await service.attach_message(guild_id, summary.event.id, 500, 9000 + summary.event.id)
    return summary.event.id


# -- creation -------------------------------------------------------------------------------------
async def test_create_reads_time_in_server_zone(service: EventService, db: Database) -> None:
    await db.settings.set_timezone(G1, "Asia/Tokyo")
    event_id = await make(service, start="2026-12-05 18:30", end="20:30")
    event = (await service.summary(G1, event_id)).event
    assert event.start_at == datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    assert event.end_at == datetime(2026, 12, 5, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(("kw", "message"), [
    ({"start": "2026-11-01 18:30"}, "in the past"),
    ({"start": "tomorrow-ish"}, "couldn't read"),
    ({"start": "05/12/2026 18:30"}, "two ways"),
    ({"start": "2026-12-05 18:30", "end": "2026-12-04 18:00"}, "before"),
    ({"capacity": 0}, "at least 1"),
    ({"title": "x" * 101}, "at most 100"),
    ({"title": "   "}, "needs a title"),
    ({"location": "y" * 101}, "at most 100"),
    ({"description": "z" * 1001}, "at most 1000"),
])
async def test_create_refuses_bad_input_clearly(service: EventService, db: Database, kw: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        await make(service, **kw)
    assert await db.events.upcoming(G1, service.clock()) == []


# -- RSVPs ----------------------------------------------------------------------------------------
async def test_capacity_waitlist_and_promotion(service: EventService) -> None:
    event_id = await make(service, capacity=2)
    a = await service.rsvp(G1, event_id, 101, "going")
    b = await service.rsvp(G1, event_id, 102, "going")
    c = await service.rsvp(G1, event_id, 103, "going")
    assert (a.status, b.status, c.status) == ("going", "going", "waitlist")
    assert c.position == 1 and c.summary.going == 2 and c.summary.waitlist == 1
    left = await service.rsvp(G1, event_id, 101, "no")
    assert left.promoted == (103,)
    assert left.summary.going == 2 and left.summary.waitlist == 0 and left.summary.no == 1
    att = await service.attendees(G1, event_id)
    assert [r.user_id for r in att.going] == [102, 103]


async def test_clicking_twice_is_harmless(service: EventService) -> None:
    event_id = await make(service, capacity=1)
    first = await service.rsvp(G1, event_id, 101, "going")
    again = await service.rsvp(G1, event_id, 101, "going")
    assert first.changed and not again.changed and again.summary.going == 1
    await service.rsvp(G1, event_id, 102, "going")
    waiting_again = await service.rsvp(G1, event_id, 102, "going")
    assert waiting_again.status == "waitlist" and waiting_again.position == 1 and not waiting_again.changed
    assert (await service.summary(G1, event_id)).waitlist == 1


async def test_maybe_and_leaving_waitlist_keep_order(service: EventService) -> None:
    event_id = await make(service, capacity=1)
    await service.rsvp(G1, event_id, 1, "going")
    for uid in (2, 3, 4):
        await service.rsvp(G1, event_id, uid, "going")
    await service.rsvp(G1, event_id, 3, "maybe")  # leaves the waitlist; nobody promoted (no place freed)
    r = await service.rsvp(G1, event_id, 4, "going")
    assert r.position == 2
    done = await service.rsvp(G1, event_id, 1, "maybe")
    assert done.promoted == (2,)


async def test_rsvp_refused_for_cancelled_started_or_foreign_event(service: EventService, clock: FakeClock) -> None:
    event_id = await make(service)
    with pytest.raises(NotFound):
        await service.rsvp(G2, event_id, 101, "going")  # another server's event
    with pytest.raises(NotFound):
        await service.rsvp(G1, 999, 101, "going")
    other = await make(service, title="Pub quiz")
    await service.cancel_event(G1, other)
    with pytest.raises(UserError, match="cancelled"):
        await service.rsvp(G1, other, 101, "going")
    clock.now = datetime(2026, 12, 5, 18, 31, tzinfo=UTC)
    with pytest.raises(UserError, match="already started"):
        await service.rsvp(G1, event_id, 101, "going")
    assert (await service.summary(G1, event_id)).going == 0


async def test_500_concurrent_clicks_capacity_50(service: EventService) -> None:
    event_id = await make(service, capacity=50)
    results = await asyncio.gather(*(service.rsvp(G1, event_id, 10_000 + i, "going") for i in range(500)))
    assert [r.status for r in results[:50]] == ["going"] * 50
    assert [r.position for r in results[50:]] == list(range(1, 451))  # click order
    att = await service.attendees(G1, event_id)
    assert [r.user_id for r in att.going] == [10_000 + i for i in range(50)]
    assert [r.user_id for r in att.waitlist] == [10_000 + i for i in range(50, 500)]


async def test_one_bad_request_does_not_fail_the_batch(service: EventService) -> None:
    event_id = await make(service, capacity=5)
    results = await asyncio.gather(service.rsvp(G1, event_id, 1, "going"), service.rsvp(G2, event_id, 2, "going"),
                                   service.rsvp(G1, event_id, 3, "going"), return_exceptions=True)
    assert isinstance(results[1], NotFound)
    assert results[0].status == results[2].status == "going"


# -- edit / cancel --------------------------------------------------------------------------------
async def test_edit_notifies_and_promotes_on_bigger_capacity(service: EventService) -> None:
    event_id = await make(service, capacity=1)
    for uid in (1, 2, 3):
        await service.rsvp(G1, event_id, uid, "going")
    await service.rsvp(G1, event_id, 4, "no")
    result = await service.edit_event(G1, event_id, capacity=2, location="Pub B")
    assert result.promoted == (2,)
    assert set(result.notify) == {1, 3}  # 2 is told about the promotion instead; 4 can't go
    assert any("Pub B" in line for line in result.changes)
    with pytest.raises(UserError, match="Nothing changed"):
        await service.edit_event(G1, event_id, location="Pub B")


async def test_edit_time_resets_reminders_and_validates(service: EventService, db: Database, clock: FakeClock) -> None:
    event_id = await make(service, start="2026-11-22 18:00")
    await service.rsvp(G1, event_id, 1, "going")
    clock.now = datetime(2026, 11, 21, 18, 30, tzinfo=UTC)
    [reminder] = await service.due_reminders()
    await service.mark_reminder_sent(reminder)
    with pytest.raises(UserError, match="before"):
        await service.edit_event(G1, event_id, end="2026-11-22 17:00")
    result = await service.edit_event(G1, event_id, start="2026-11-23 18:00", end="2h")
    assert result.time_changed
    clock.now = datetime(2026, 11, 22, 18, 30, tzinfo=UTC)
    assert [r.offsets for r in await service.due_reminders()] == [(1440,)]


async def test_cancel_lists_everyone_who_answered_yes_maybe_or_waitlist(service: EventService) -> None:
    event_id = await make(service, capacity=1)
    for uid, choice in ((1, "going"), (2, "going"), (3, "maybe"), (4, "no")):
        await service.rsvp(G1, event_id, uid, choice)
    result = await service.cancel_event(G1, event_id)
    assert sorted(result.notify) == [1, 2, 3] and result.summary.event.cancelled
    with pytest.raises(UserError, match="already cancelled"):
        await service.cancel_event(G1, event_id)


# -- reminders ------------------------------------------------------------------------------------
async def test_reminders_only_to_going_once_each(service: EventService, clock: FakeClock) -> None:
    event_id = await make(service, start="2026-11-23 18:00")  # 2 days after the clock's start
    await service.rsvp(G1, event_id, 1, "going")
    await service.rsvp(G1, event_id, 2, "maybe")
    assert await service.due_reminders() == []
    clock.now = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)
    due = await service.due_reminders()
    assert [(r.user_id, r.offsets) for r in due] == [(1, (1440,))]
    await service.mark_reminder_sent(due[0])
    assert await service.due_reminders() == []
    clock.now = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert [(r.user_id, r.offsets) for r in await service.due_reminders()] == [(1, (60,))]
    clock.now = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    assert await service.due_reminders() == []  # started: too late


async def test_missed_reminders_after_downtime_sent_once_on_restart(db: Database, clock: FakeClock,
                                                                    tmp_path) -> None:
    service = EventService(db, clock=clock)
    event_id = await make(service, start="2026-11-23 18:00")
    await service.rsvp(G1, event_id, 1, "going")
    await db.close()
    clock.now = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # both the 24 h and the 1 h point passed while down
    async with Database(db.location) as fresh:
        again = EventService(fresh, clock=clock)
        due = await again.due_reminders()
        assert [(r.user_id, r.offsets) for r in due] == [(1, (60, 1440))]  # one message covers both
        await again.mark_reminder_sent(due[0])
    async with Database(db.location) as third:
        assert await EventService(third, clock=clock).due_reminders() == []
    await db.open()


async def test_reminder_offsets_per_server_and_late_joiners(service: EventService, db: Database,
                                                            clock: FakeClock) -> None:
    await db.settings.set_reminder_offsets(G1, [30])
    event_id = await make(service, start="2026-11-21 20:00")
    clock.now = datetime(2026, 11, 21, 19, 45, tzinfo=UTC)
    await service.rsvp(G1, event_id, 1, "going")  # joined after the 30-minute point: no reminder
    assert await service.due_reminders() == []


# -- /ask -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("question", [
    "when is the next networking night?", "When's the networking nite?", "where is the networking night",
    "when is the next event?", "any upcoming meetups?",
])
async def test_answers_questions_about_upcoming_events(service: EventService, question: str) -> None:
    event_id = await make(service)
    await make(service, title="Japanese lesson", start="2026-12-10 18:00")
    answer = await service.answer_question(G1, question)
    assert answer is not None
    assert answer.event_ids[0] == event_id
    assert "<t:1796495400:F>" in answer.text and "<t:1796495400:R>" in answer.text
    assert f"https://discord.com/channels/{G1}/500/{9000 + event_id}" in answer.text
    assert "Tipsy Tanuki" in answer.text


@pytest.mark.parametrize("question", [
    "When did JET begin?", "what events do JETAA chapters run?", "How do I see upcoming events?",
    "how much is the JET salary?", "what is a networking night?",
])
async def test_leaves_knowledge_questions_alone(service: EventService, question: str) -> None:
    await make(service)
    assert await service.answer_question(G1, question) is None


async def test_answers_only_from_this_server(service: EventService) -> None:
    await make(service, guild_id=G2)
    assert await service.answer_question(G1, "when is the next networking night?") is None
    nothing = await service.answer_question(G1, "when is the next event?")
    assert nothing is not None and nothing.event_ids == () and "No upcoming events" in nothing.text


async def test_cancelled_and_past_events_are_not_answers(service: EventService, clock: FakeClock) -> None:
    event_id = await make(service)
    await service.cancel_event(G1, event_id)
    assert await service.answer_question(G1, "when is the networking night?") is None


# -- calendar -------------------------------------------------------------------------------------
async def test_ics_file(service: EventService) -> None:
    event_id = await make(service, description="Bring business cards")
    name, data = await service.ics(G1, event_id)
    text = data.decode()
    assert name == "networking-night.ics"
    for expected in ("METHOD:PUBLISH", f"UID:jetbot-event-{G1}-{event_id}@jetbot", "DTSTART:20261205T183000Z",
                     "DTEND:20261205T203000Z", "SUMMARY:Networking Night", "LOCATION:Tipsy Tanuki",
                     "DESCRIPTION:Bring business cards", "STATUS:CONFIRMED",
                     f"URL:https://discord.com/channels/{G1}/500/{9000 + event_id}"):
        assert expected in text
    await service.cancel_event(G1, event_id)
    _, cancelled = await service.ics(G1, event_id)
    assert "STATUS:CANCELLED" in cancelled.decode() and f"jetbot-event-{G1}-{event_id}@jetbot" in cancelled.decode()


# -- data rights ----------------------------------------------------------------------------------
async def test_export_and_erase_member(service: EventService, db: Database, clock: FakeClock) -> None:
    event_id = await make(service, capacity=1)  # created by 9
    await service.rsvp(G1, event_id, 9, "going")
    await service.rsvp(G1, event_id, 5, "going")  # waitlisted
    other_server = await make(service, guild_id=G2)
    await service.rsvp(G2, other_server, 9, "going")
    clock.now = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
    [reminder] = [r for r in await service.due_reminders() if r.guild_id == G1]
    await service.mark_reminder_sent(reminder)

    exported = await service.export_member(G1, 9)
    kinds = sorted(row["kind"] for row in exported)
    assert kinds == ["event_created", "event_rsvp"]
    assert [r["event_title"] for r in exported if r["kind"] == "event_rsvp"] == ["Networking Night"]
    waiting = await service.export_member(G1, 5)
    assert waiting[0]["status"] == "waitlist" and waiting[0]["waitlist_position"] == 1

    erased, promotions = await service.erase_member_promoting(G1, 9)
    assert erased == 3  # rsvp + reminder + authorship
    assert promotions == {event_id: (5,)}
    for table, column in (("event_rsvps", "user_id"), ("event_reminders", "user_id"), ("events", "created_by")):
        rows = await db.fetchall(f"SELECT 1 FROM {table} WHERE guild_id = ? AND {column} = ?", (G1, 9))
        assert rows == [], table
    assert await service.export_member(G1, 9) == []
    assert len(await service.export_member(G2, 9)) == 2  # the other server's data is untouched
    assert await service.erase_member(G1, 9) == 0


async def test_autocomplete_is_per_server(service: EventService) -> None:
    mine = await make(service, title="Japanese lesson")
    await make(service, guild_id=G2, title="Japanese lesson for G2")
    pairs = await service.autocomplete(G1, "japan")
    assert [eid for _, eid in pairs] == [mine]
    assert all(len(label) <= 100 for label, _ in pairs)

