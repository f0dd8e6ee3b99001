"""Erasure is one transaction across features, and other features can join it."""

from __future__ import annotations

import pytest

from bot.events import EventService
from bot.newsletter import NewsletterService
from bot.privacy import PrivacyService
from tests.test_privacy import ANA, ANA_EMAIL, BEN, G1, WORDING, _event, scan


@pytest.fixture
def services(db, clock) -> tuple[NewsletterService, EventService, PrivacyService]:
    newsletter = NewsletterService(db, clock=clock, consent_text=WORDING)
    events = EventService(db, clock=clock)
    return newsletter, events, PrivacyService(db, clock=clock, events=events, newsletter=newsletter)


async def test_a_failure_half_way_leaves_everything_intact(services, db) -> None:
    newsletter, events, privacy = services
    await newsletter.subscribe(G1, ANA, ANA_EMAIL, "Ana", channel_id=500)
    event_id = await _event(events, G1, capacity=1)
    await events.rsvp(G1, event_id, ANA, "going")
    await events.rsvp(G1, event_id, BEN, "going")  # waitlisted; would move up if Ana's place were freed
    before = await scan(db, ANA, ANA_EMAIL)

    async def broken_step(conn, guild_id, user_id) -> int:
        # Runs after the newsletter and events steps, on the same connection, then fails.
        async with conn.execute("SELECT COUNT(*) FROM newsletter_subscriptions WHERE user_id = ?", (user_id,)) as c:
            assert (await c.fetchone())[0] == 0  # the earlier steps really ran
        raise RuntimeError("disk full")

    privacy.add_eraser("something else", broken_step)
    with pytest.raises(RuntimeError, match="disk full"):
        await privacy.erase_member(G1, ANA)

    assert await scan(db, ANA, ANA_EMAIL) == before
    assert (await newsletter.status(G1, ANA)) is not None
    attendees = await events.attendees(G1, event_id)
    assert [r.user_id for r in attendees.going] == [ANA] and [r.user_id for r in attendees.waitlist] == [BEN]
    assert await db.events.outbox() == []  # no promotion DM queued for a promotion that did not happen


async def test_other_features_join_erasure_and_export(services, db) -> None:
    newsletter, _, privacy = services
    await newsletter.subscribe(G1, ANA, ANA_EMAIL, channel_id=500)
    calls: list[tuple[int, int]] = []

    async def step(conn, guild_id, user_id) -> int:
        calls.append((guild_id, user_id))
        assert conn.in_transaction
        return 3

    async def exporter(guild_id, user_id) -> dict[str, int]:
        return {"votes": 2}

    privacy.add_eraser("knowledge suggestions and votes", step)
    privacy.add_exporter("knowledge", exporter)
    assert (await privacy.export_member(G1, ANA))["knowledge"] == {"votes": 2}
    report = await privacy.erase_member(G1, ANA)
    assert calls == [(G1, ANA)]
    assert report.others == (("knowledge suggestions and votes", 3),) and report.total == 3 + 1 + 1
    assert "knowledge suggestions and votes: 3" in report.lines()


async def test_promotion_dm_is_queued_with_the_erasure(services, db) -> None:
    _, events, privacy = services
    event_id = await _event(events, G1, capacity=1)
    await events.rsvp(G1, event_id, ANA, "going")
    await events.rsvp(G1, event_id, BEN, "going")
    await privacy.erase_member(G1, ANA)
    assert [(r.user_id, r.event_id, r.kind) for r in await db.events.outbox()] == [(BEN, event_id, "promoted")]
