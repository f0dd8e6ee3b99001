"""Newsletter service: address rules, consent records, wording versions, rate limit, server isolation."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot.errors import RateLimited, UserError
from bot.newsletter import (
    SIGNUP_LIMIT,
    SUBSCRIBE_COMMAND,
    UNSUBSCRIBE_COMMAND,
    NewsletterService,
    consent_hash,
    normalize_email,
    normalize_name,
)

G1, G2 = 111, 222
ANA, BEN = 1001, 1002
WORDING = "I agree that this chapter may email me its newsletter."


@pytest.fixture
def service(db, clock) -> NewsletterService:
    return NewsletterService(db, clock=clock, consent_text=WORDING)


# -- address rules --------------------------------------------------------------------------------
def test_valid_address_is_trimmed_and_domain_lowercased() -> None:
    assert normalize_email("  Ana.Smith+news@JETAA-Example.Org ") == "Ana.Smith+news@jetaa-example.org"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "enter your email"),
        ("   ", "enter your email"),
        ("a" * 250 + "@jetaa.org", "too long"),
        ("ana@", "valid email"),  # no domain
        ("ana", "valid email"),  # no @ at all
        ("ana@jetaa", "valid email"),  # domain without a dot
        ("ana smith@jetaa.org", "spaces"),
        ("ana@jetaa .org", "spaces"),
        ("ana@p\u0430ypal.com", "plain ascii"),  # Cyrillic а in the domain
        ("\u0430na@jetaa.org", "plain ascii"),  # Cyrillic а in the local part
        ("\uff41na@jetaa.org", "plain ascii"),  # full-width ａ
        ("ana@jetaa\uff0eorg", "plain ascii"),  # full-width full stop
        ("ana@jetaa.org\u200b", "plain ascii"),  # zero-width space
        ("=cmd@jetaa.org", "can't be accepted"),
        ("-x@jetaa.org", "can't be accepted"),
        ("ana@@jetaa.org", "valid email"),
    ],
)
def test_bad_addresses_are_refused_with_a_clear_message(raw: str, fragment: str) -> None:
    with pytest.raises(UserError) as info:
        normalize_email(raw)
    assert fragment in str(info.value).lower()


def test_name_is_cleaned_and_limited() -> None:
    assert normalize_name("  Ana \t  Smith\x00 ") == "Ana Smith"
    assert normalize_name(None) == ""
    with pytest.raises(UserError, match="100 characters"):
        normalize_name("x" * 101)


# -- sign-up and consent record ---------------------------------------------------------------------
async def test_subscribe_stores_the_consent_record(service, clock) -> None:
    signup = await service.subscribe(G1, ANA, "Ana@JETAA.org", "Ana Smith", channel_id=500)
    sub = signup.subscription
    assert (sub.email, sub.name, sub.status) == ("Ana@jetaa.org", "Ana Smith", "active")
    assert sub.subscribed_at == clock.now == sub.first_subscribed_at
    assert sub.unsubscribed_at is None
    assert (sub.guild_id, sub.channel_id, sub.command) == (G1, 500, SUBSCRIBE_COMMAND)
    assert sub.consent_version == 1
    assert signup.consent_text == WORDING
    assert signup.previous is None
    stored = await service.db.newsletter.consent_text(1)
    assert stored is not None and stored.text == WORDING and stored.sha256 == consent_hash(WORDING)
    assert await service.status(G1, ANA) == sub


async def test_signing_up_again_with_a_new_address_updates_it(service, clock) -> None:
    first = await service.subscribe(G1, ANA, "ana@jetaa.org", channel_id=500)
    clock.advance(days=2)
    again = await service.subscribe(G1, ANA, "ana.new@jetaa.org", "Ana", channel_id=501)
    assert again.changed_email and again.previous == first.subscription
    sub = await service.status(G1, ANA)
    assert sub is not None and sub.email == "ana.new@jetaa.org" and sub.name == "Ana"
    assert sub.subscribed_at == clock.now and sub.channel_id == 501
    assert sub.first_subscribed_at == first.subscription.subscribed_at
    assert len(await service.db.newsletter.list_by_status(G1)) == 1
    history = await service.db.newsletter.consent_log(G1, ANA)
    assert [e.action for e in history] == ["subscribe", "update"]


async def test_unsubscribe_ends_it_at_once_and_keeps_the_time(service, clock) -> None:
    await service.subscribe(G1, ANA, "ana@jetaa.org", channel_id=500)
    clock.advance(hours=3)
    sub = await service.unsubscribe(G1, ANA, channel_id=500)
    assert sub is not None and sub.status == "unsubscribed" and sub.unsubscribed_at == clock.now
    assert await service.db.newsletter.list_by_status(G1) == []
    assert await service.unsubscribe(G1, ANA) is None  # already out
    history = await service.db.newsletter.consent_log(G1, ANA)
    assert [(e.action, e.command, e.consent_version) for e in history] == [
        ("subscribe", SUBSCRIBE_COMMAND, 1), ("unsubscribe", UNSUBSCRIBE_COMMAND, None)
    ]


async def test_resubscribing_after_unsubscribe_clears_the_end_time(service, clock) -> None:
    start = clock.now
    await service.subscribe(G1, ANA, "ana@jetaa.org", channel_id=500)
    await service.unsubscribe(G1, ANA)
    clock.advance(days=1)
    signup = await service.subscribe(G1, ANA, "ana@jetaa.org", channel_id=500)
    assert not signup.changed_email
    sub = signup.subscription
    assert sub.active and sub.unsubscribed_at is None
    assert sub.subscribed_at == clock.now and sub.first_subscribed_at == start


async def test_unsubscribe_without_subscription_returns_none(service) -> None:
    assert await service.unsubscribe(G1, ANA) is None
    assert await service.status(G1, ANA) is None


async def test_changing_the_wording_bumps_its_version(db, clock) -> None:
    old = NewsletterService(db, clock=clock, consent_text=WORDING)
    await old.subscribe(G1, ANA, "ana@jetaa.org", channel_id=1)
    new = NewsletterService(db, clock=clock, consent_text=WORDING + " We never share it.")
    signup = await new.subscribe(G1, BEN, "ben@jetaa.org", channel_id=1)
    assert signup.subscription.consent_version == 2
    # The earlier member keeps the version they actually saw.
    ana = await new.status(G1, ANA)
    assert ana is not None and ana.consent_version == 1
    # Going back to an earlier wording reuses its number instead of inventing a third.
    assert await NewsletterService(db, clock=clock, consent_text=WORDING).consent_version() == 1
    v2 = await db.newsletter.consent_text(2)
    assert v2 is not None and v2.text.endswith("We never share it.")


# -- rate limit -------------------------------------------------------------------------------------
async def test_signups_are_rate_limited_per_member_and_server(service, clock) -> None:
    for i in range(SIGNUP_LIMIT - 1):
        await service.subscribe(G1, ANA, f"ana{i}@jetaa.org", channel_id=1)
    with pytest.raises(UserError):
        await service.subscribe(G1, ANA, "not an address", channel_id=1)  # bad attempts count too
    with pytest.raises(RateLimited, match="try again in about 60 minutes"):
        await service.subscribe(G1, ANA, "ana9@jetaa.org", channel_id=1)
    sub = await service.status(G1, ANA)
    assert sub is not None and sub.email == f"ana{SIGNUP_LIMIT - 2}@jetaa.org"  # the refused one was not stored
    # Another member, and the same member in another server, are not affected.
    await service.subscribe(G1, BEN, "ben@jetaa.org", channel_id=1)
    await service.subscribe(G2, ANA, "ana@jetaa.org", channel_id=1)
    clock.advance(minutes=30)
    with pytest.raises(RateLimited, match="about 30 minutes"):
        await service.subscribe(G1, ANA, "ana9@jetaa.org", channel_id=1)
    clock.advance(minutes=31)
    signup = await service.subscribe(G1, ANA, "ana9@jetaa.org", channel_id=1)
    assert signup.subscription.email == "ana9@jetaa.org"


# -- servers are separate ---------------------------------------------------------------------------
async def test_each_server_has_its_own_list(service) -> None:
    await service.subscribe(G1, ANA, "ana@jetaa.org", channel_id=1)
    assert await service.status(G2, ANA) is None
    assert await service.unsubscribe(G2, ANA) is None
    g1 = await service.status(G1, ANA)
    assert g1 is not None and g1.active  # untouched by the other server's unsubscribe
    export = await service.export(G2, "listmonk")
    assert export.count == 0 and b"ana@jetaa.org" not in export.data
    assert await service.export_member(G2, ANA) is None
    assert await service.erase_member(G2, ANA) == (0, 0)
    assert (await service.status(G1, ANA)) == g1
    stats = await service.stats(G2)
    assert (stats.active, stats.unsubscribed) == (0, 0)


# -- stats --------------------------------------------------------------------------------------------
async def test_stats_counts_active_unsubscribed_and_this_month(db) -> None:
    from bot.clock import FakeClock

    clock = FakeClock(datetime(2026, 10, 20, 12, tzinfo=UTC))
    service = NewsletterService(db, clock=clock, consent_text=WORDING)
    await service.subscribe(G1, 1, "one@jetaa.org", channel_id=1)  # October
    await service.subscribe(G1, 2, "two@jetaa.org", channel_id=1)  # October, leaves later
    clock.now = datetime(2026, 11, 3, 9, tzinfo=UTC)
    await service.subscribe(G1, 3, "three@jetaa.org", channel_id=1)  # November
    await service.subscribe(G1, 4, "four@jetaa.org", channel_id=1)  # November
    await service.unsubscribe(G1, 2)
    await service.subscribe(G1, 1, "one.new@jetaa.org", channel_id=1)  # a new address is not a new member
    await service.subscribe(G2, 5, "five@jetaa.org", channel_id=1)  # another server
    stats = await service.stats(G1)
    assert (stats.active, stats.unsubscribed, stats.joined_this_month) == (3, 1, 2)
    assert stats.month_start == datetime(2026, 11, 1, tzinfo=UTC)


async def test_this_month_follows_the_chapter_time_zone(db) -> None:
    from bot.clock import FakeClock

    await db.settings.set_timezone(G1, "Asia/Tokyo")
    # 31 Oct 16:00 UTC is already 1 Nov 01:00 in Tokyo.
    clock = FakeClock(datetime(2026, 10, 31, 16, tzinfo=UTC))
    service = NewsletterService(db, clock=clock, consent_text=WORDING)
    await service.subscribe(G1, 1, "one@jetaa.org", channel_id=1)
    stats = await service.stats(G1)
    assert stats.joined_this_month == 1
    assert stats.month_start.utcoffset().total_seconds() == 9 * 3600


# -- logs ---------------------------------------------------------------------------------------------
async def test_no_email_address_reaches_the_log(service, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="jetbot")
    await service.subscribe(G1, ANA, "secret.ana@jetaa.org", "Ana", channel_id=1)
    await service.subscribe(G1, ANA, "secret.new@jetaa.org", "Ana", channel_id=1)
    await service.export(G1, "listmonk")
    await service.export(G1, "mailchimp")
    await service.unsubscribe(G1, ANA)
    await service.erase_member(G1, ANA)
    assert caplog.records, "the service should log what it did (by user id)"
    assert "secret" not in caplog.text and "@jetaa.org" not in caplog.text
    assert str(ANA) in caplog.text


async def test_unknown_export_format_is_refused(service) -> None:
    with pytest.raises(UserError, match="listmonk or mailchimp"):
        await service.export(G1, "excel")


def test_debug_logging_never_includes_sql_parameters() -> None:
    """aiosqlite logs each statement with its parameters (email addresses) at DEBUG; the bot caps it."""
    from bot.__main__ import setup_logging

    sqlite_log, discord_log = logging.getLogger("aiosqlite"), logging.getLogger("discord")
    saved = sqlite_log.level, discord_log.level
    try:
        setup_logging("DEBUG")
        assert not sqlite_log.isEnabledFor(logging.DEBUG)
        assert not discord_log.isEnabledFor(logging.DEBUG)  # its DEBUG logs request bodies and gateway events
    finally:
        sqlite_log.setLevel(saved[0])
        discord_log.setLevel(saved[1])
