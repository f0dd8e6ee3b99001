"""Members' data rights: export everything of theirs in a server, erase it, and prove nothing is left."""

from __future__ import annotations

import json

import pytest

from bot.events import EventService
from bot.newsletter import NewsletterService
from bot.privacy import DECLINED_QUESTIONS_NOTE, PrivacyService, member_export_json
from bot.storage import Database

G1, G2 = 900000000000000001, 900000000000000002
ANA, BEN = 734019283746501234, 734019283746509876
ANA_EMAIL, BEN_EMAIL = "ana.private@jetaa.org", "ben@jetaa.org"
WORDING = "I agree that this chapter may email me its newsletter."


@pytest.fixture
def services(db, clock) -> tuple[NewsletterService, EventService, PrivacyService]:
    newsletter = NewsletterService(db, clock=clock, consent_text=WORDING)
    events = EventService(db, clock=clock)
    return newsletter, events, PrivacyService(db, clock=clock, events=events, newsletter=newsletter)


async def _event(events: EventService, guild_id: int, *, capacity: int | None = None, created_by: int = BEN) -> int:
    summary = await events.create_event(
        guild_id, created_by=created_by, channel_id=500, title="Bonenkai", start="2026-12-10 18:00",
        end="2026-12-10 21:00", capacity=capacity,
    )
    return summary.event.id


async def scan(db: Database, user_id: int, email: str) -> list[str]:
    """Every cell of every table of the database that holds the user id or the address."""
    hits: list[str] = []
    tables = await db.tables()
    assert "newsletter_subscriptions" in tables and "event_rsvps" in tables
    for table in tables:
        for row in await db.fetchall(f'SELECT * FROM "{table}"'):
            for value in tuple(row):
                if value == user_id or (isinstance(value, str) and (str(user_id) in value
                                                                     or email.lower() in value.lower())):
                    hits.append(f"{table}: {tuple(row)!r}")
    return sorted(hits)


async def test_export_holds_everything_of_the_member_in_this_server(services, db) -> None:
    newsletter, events, privacy = services
    await newsletter.subscribe(G1, ANA, ANA_EMAIL, "Ana", channel_id=500)
    event_id = await _event(events, G1)
    await events.rsvp(G1, event_id, ANA, "going")
    await newsletter.subscribe(G1, BEN, BEN_EMAIL, channel_id=500)
    await newsletter.subscribe(G2, ANA, "ana.other@jetaa.org", channel_id=600)

    data = json.loads(await privacy.export_file(G1, ANA))
    assert data["server_id"] == str(G1) and data["user_id"] == str(ANA)
    assert "this server only" in data["scope"]
    sub = data["newsletter"]["subscription"]
    assert sub["email"] == ANA_EMAIL and sub["name"] == "Ana" and sub["status"] == "active"
    assert sub["channel_id"] == "500" and sub["command"] == "/newsletter subscribe"
    assert data["newsletter"]["consent_wordings"] == {"1": WORDING}
    assert [e["action"] for e in data["newsletter"]["consent_history"]] == ["subscribe"]
    assert [(e["kind"], e["event_id"], e["status"]) for e in data["events"]] == [("event_rsvp", event_id, "going")]
    assert data["declined_questions"] == DECLINED_QUESTIONS_NOTE
    text = json.dumps(data)
    assert BEN_EMAIL not in text and "ana.other" not in text  # other members, other servers


async def test_erasure_leaves_nothing_of_the_member_in_the_database(services, db) -> None:
    newsletter, events, privacy = services
    await newsletter.subscribe(G1, ANA, ANA_EMAIL, "Ana", channel_id=500)
    await newsletter.subscribe(G1, ANA, ANA_EMAIL, "Ana S", channel_id=500)
    await newsletter.unsubscribe(G1, ANA)
    await newsletter.subscribe(G1, ANA, ANA_EMAIL, channel_id=500)
    await newsletter.subscribe(G1, BEN, BEN_EMAIL, channel_id=500)
    event_id = await _event(events, G1)
    own_event = await _event(events, G1, created_by=ANA)
    await events.rsvp(G1, event_id, ANA, "going")
    await events.rsvp(G1, own_event, ANA, "maybe")
    await events.rsvp(G1, event_id, BEN, "going")
    await db.unanswered.record(G1, "what is a cir", "What is a CIR?")
    assert await scan(db, ANA, ANA_EMAIL), "the scan must see the member's data before erasure"

    report = await privacy.erase_member(G1, ANA)
    assert report.subscriptions == 1 and report.consent_history == 4 and report.event_records >= 2
    assert "erased" in report.lines()[0]

    assert await scan(db, ANA, ANA_EMAIL) == []
    # Other members keep their data; the event Ana created stays, without her.
    assert (await newsletter.status(G1, BEN)) is not None
    assert await scan(db, BEN, BEN_EMAIL)
    assert [e.event.title for e in await events.upcoming(G1)] == ["Bonenkai", "Bonenkai"]

    again = json.loads(await privacy.export_file(G1, ANA))
    assert again["newsletter"] is None and again["events"] == []


async def test_erasure_is_scoped_to_the_server(services, db) -> None:
    newsletter, _, privacy = services
    await newsletter.subscribe(G1, ANA, ANA_EMAIL, channel_id=500)
    await newsletter.subscribe(G2, ANA, ANA_EMAIL, channel_id=600)
    report = await privacy.erase_member(G2, ANA)
    assert report.subscriptions == 1
    kept = await newsletter.status(G1, ANA)
    assert kept is not None and kept.email == ANA_EMAIL
    assert (await privacy.export_member(G1, ANA))["newsletter"] is not None
    assert (await privacy.export_member(G2, ANA))["newsletter"] is None


async def test_erasure_reports_who_moved_up_from_the_waitlist(services) -> None:
    _, events, privacy = services
    event_id = await _event(events, G1, capacity=1)
    await events.rsvp(G1, event_id, ANA, "going")
    await events.rsvp(G1, event_id, BEN, "going")  # full: Ben waits
    report = await privacy.erase_member(G1, ANA)
    assert report.promotions == {event_id: (BEN,)}


async def test_erasing_someone_with_no_data_says_so(services) -> None:
    _, _, privacy = services
    report = await privacy.erase_member(G1, ANA)
    assert report.total == 0
    assert report.lines()[0].endswith("none stored")


def test_export_json_is_readable_utf8() -> None:
    data = member_export_json({"name": "Aiko 佐藤"})
    assert "佐藤".encode() in data and data.endswith(b"\n")
    assert json.loads(data) == {"name": "Aiko 佐藤"}
