"""The RSVP rules with guests, sign-up questions, members-only events, and attendance (bot/rsvp.py, bot/events.py)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.errors import UserError
from bot.events import EventService, attendees_csv
from bot.newsletter import NewsletterService
from bot.privacy import PrivacyService
from bot.storage import Database
from tests.test_events_service import G1, make

MEMBERS = 4242


@pytest.fixture
def service(db: Database, clock: FakeClock) -> EventService:
    return EventService(db, clock=clock)


def first_fit(parties: list[tuple[int, int]], capacity: int) -> list[int]:
    taken, going = 0, []
    for user_id, guests in parties:
        if taken + 1 + guests <= capacity:
            taken += 1 + guests
            going.append(user_id)
    return going


# -- guests and capacity --------------------------------------------------------------------------
async def test_500_clicks_with_guests_end_exactly_at_capacity_in_click_order(service: EventService) -> None:
    event_id = await make(service, capacity=50, max_guests=2)
    parties = [(10_000 + i, (i * 7) % 3) for i in range(500)]
    results = await asyncio.gather(*(service.rsvp(G1, event_id, u, "going", guests=g) for u, g in parties))
    summary = await service.summary(G1, event_id)
    att = await service.attendees(G1, event_id)
    expected = first_fit(parties, 50)
    assert summary.taken == 50 and summary.full and summary.places_left == 0
    assert [r.user_id for r in att.going] == expected
    assert [r.user_id for r in att.waitlist] == [u for u, _ in parties if u not in expected]  # click order
    assert sum(r.guests + 1 for r in att.going) == 50
    assert [r.status for r in results].count("going") == len(expected)


async def test_500_clicks_with_guests_on_a_series_occurrence_end_exactly_at_capacity(service: EventService) -> None:
    await service.series.create(G1, created_by=9, channel_id=500, title="Weekly class", start="2026-11-26 18:30",
                                end="2h", pattern="weekly", count=10, capacity=50, max_guests=2)
    [occurrence, *_] = await service.series.materialize()
    parties = [(20_000 + i, (i * 5) % 3) for i in range(500)]
    await asyncio.gather(*(service.rsvp(G1, occurrence.id, u, "going", guests=g) for u, g in parties))
    att = await service.attendees(G1, occurrence.id)
    expected = first_fit(parties, 50)
    assert (await service.summary(G1, occurrence.id)).taken == 50
    assert [r.user_id for r in att.going] == expected  # click order, parties that fit whole
    assert [r.user_id for r in att.waitlist] == [u for u, _ in parties if u not in expected]


async def test_a_party_that_does_not_fit_waits_whole_and_the_first_that_fits_moves_up(service: EventService) -> None:
    event_id = await make(service, capacity=4, max_guests=3)
    await service.rsvp(G1, event_id, 1, "going", guests=1)  # 2 places
    big = await service.rsvp(G1, event_id, 2, "going", guests=2)  # needs 3, 2 left: waits whole
    small = await service.rsvp(G1, event_id, 3, "going", guests=0)  # fits: not kept behind the big party
    assert (big.status, big.position, small.status) == ("waitlist", 1, "going")
    assert (await service.summary(G1, event_id)).taken == 3
    await service.rsvp(G1, event_id, 4, "going")  # the last place
    single = await service.rsvp(G1, event_id, 5, "going")
    assert single.status == "waitlist" and single.position == 2
    left = await service.rsvp(G1, event_id, 1, "no")  # frees 2: the big party (3) still doesn't fit, the single does
    assert left.promoted == (5,)
    left = await service.rsvp(G1, event_id, 4, "no")  # 2 free: still not enough for the party of 3
    assert left.promoted == ()
    left = await service.rsvp(G1, event_id, 3, "maybe")  # 3 free: the party moves up, whole
    assert left.promoted == (2,)
    assert (await service.summary(G1, event_id)).taken == 4


async def test_guests_limits_and_changing_ones_party(service: EventService) -> None:
    event_id = await make(service, capacity=5, max_guests=2)
    with pytest.raises(UserError, match="at most 2 guest"):
        await service.rsvp(G1, event_id, 1, "going", guests=3)
    await service.rsvp(G1, event_id, 1, "going", guests=2)
    await service.rsvp(G1, event_id, 2, "going", guests=1)  # 5 of 5
    await service.rsvp(G1, event_id, 3, "going")  # waits
    with pytest.raises(UserError, match=r"Only 0 more place\(s\).*at most 1 guest"):
        await service.rsvp(G1, event_id, 2, "going", guests=2)
    fewer = await service.rsvp(G1, event_id, 1, "going", guests=1)  # keeps the place, frees one
    assert fewer.status == "going" and fewer.changed and fewer.promoted == (3,)
    no_guests = await make(service, capacity=5, title="Members only talk")
    with pytest.raises(UserError, match="doesn't take guests"):
        await service.rsvp(G1, no_guests, 1, "going", guests=1)


# -- sign-up questions ----------------------------------------------------------------------------
async def test_questions_are_answered_listed_exported_erased_and_purged(service: EventService, db: Database,
                                                                        clock: FakeClock) -> None:
    event_id = await make(service, capacity=10, questions=["Dietary requirements?", "Name as on your ID"])
    assert (await service.going_form(G1, event_id)) is not None  # Going opens the form
    with pytest.raises(UserError, match="Please answer: Name as on your ID"):
        await service.rsvp(G1, event_id, 1, "going", answers=["vegetarian", " "])
    await service.rsvp(G1, event_id, 1, "going", answers=["vegetarian", "=Ana Sato"])
    att = await service.attendees(G1, event_id)
    assert att.going[0].answers == ("vegetarian", "=Ana Sato")
    rows = list(csv.reader(io.StringIO(attendees_csv(att, {1: "Ana"}, clock()).decode("utf-8-sig"))))
    assert rows[0][-2:] == ["Dietary requirements?", "Name as on your ID"]
    assert rows[1][-2:] == ["vegetarian", "'=Ana Sato"]  # the formula guard covers answers too

    newsletter = NewsletterService(db, clock=clock, consent_text="x")
    privacy = PrivacyService(db, clock=clock, events=service, newsletter=newsletter)
    exported = json.loads(await privacy.export_file(G1, 1))
    assert exported["events"][0]["signup_answers"] == ["vegetarian", "=Ana Sato"]

    # 30 days after the event ended the answers go; the RSVP stays.
    clock.now = datetime(2026, 12, 5, 20, 30, tzinfo=UTC) + timedelta(days=30, minutes=1)
    assert await service.purge_answers() == 1
    assert (await service.attendees(G1, event_id)).going[0].answers is None

    await service.rsvp(G1, await make(service, start="2027-01-05 18:30", questions=["Diet?"]), 2, "going",
                       answers=["vegan"])
    await privacy.erase_member(G1, 2)
    row = await db.fetchone("SELECT COUNT(*) FROM event_rsvps WHERE answers LIKE '%vegan%'")
    assert row is not None and row[0] == 0


# -- members-only ---------------------------------------------------------------------------------
async def test_members_only_event_refuses_politely_and_counts_stay(service: EventService) -> None:
    event_id = await make(service, capacity=10, allowed_roles=[MEMBERS])
    with pytest.raises(UserError, match=rf"for members with the <@&{MEMBERS}> role only"):
        await service.rsvp(G1, event_id, 1, "going", roles=[111])
    with pytest.raises(UserError, match="role only"):
        await service.going_form(G1, event_id, roles=[])
    ok = await service.rsvp(G1, event_id, 2, "going", roles=[111, MEMBERS])
    maybe = await service.rsvp(G1, event_id, 3, "maybe", roles=[])  # only Going is limited
    assert ok.status == "going" and maybe.status == "maybe"
    summary = await service.summary(G1, event_id)
    assert (summary.going, summary.maybe) == (1, 1)


# -- attendance -----------------------------------------------------------------------------------
async def test_check_in_with_a_code_within_the_window_and_organiser_marks(service: EventService,
                                                                          clock: FakeClock) -> None:
    event_id = await make(service, capacity=10)  # 2026-12-05 18:30-20:30 UTC
    for uid in (1, 2, 3):
        await service.rsvp(G1, event_id, uid, "going")
    _, code = await service.attendance.checkin_code(G1, event_id)
    assert (await service.attendance.checkin_code(G1, event_id))[1] == code and len(code) == 6
    with pytest.raises(UserError, match="open from an hour before"):
        await service.attendance.check_in(G1, 1, code)  # weeks early
    clock.now = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)
    assert (await service.attendance.check_in(G1, 1, code.lower())).id == event_id  # case and spaces forgiven
    with pytest.raises(UserError, match="doesn't match"):
        await service.attendance.check_in(G1, 2, "WRONG1")
    with pytest.raises(UserError, match="doesn't match"):
        await service.attendance.check_in(2, 2, code)  # another server
    await service.attendance.mark(G1, event_id, 2, False)
    att = await service.attendees(G1, event_id)
    assert [att.presence(u, clock()) for u in (1, 2, 3)] == ["attended", "no-show", "not checked in"]
    clock.now = datetime(2026, 12, 5, 21, 0, tzinfo=UTC)
    assert att.presence(3, clock()) == "no-show"  # the event is over
    history = await service.attendance.history(G1, 1)
    assert [(h.event.id, h.rsvp, h.presence) for h in history] == [(event_id, "going", "attended")]
    export = await service.export_member(G1, 1)
    assert export[0]["attendance"] == "attended"
