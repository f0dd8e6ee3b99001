"""Chapter settings: time zones, reminder times, and the /chapter cog."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest

from bot.chapter import ChapterService, parse_reminder_offsets, parse_timezone, suggest_timezones
from bot.errors import UserError
from bot.storage import Database
from cogs.chapter import ChapterCog
from tests.helpers import make_interaction, make_member, sent_kwargs


@pytest.mark.parametrize(("raw", "expected"), [
    ("Europe/London", "Europe/London"), ("europe/london", "Europe/London"),
    ("  America/New York ", "America/New_York"), ("UTC", "UTC"), ("asia/tokyo", "Asia/Tokyo"),
])
def test_timezones_are_canonicalised(raw: str, expected: str) -> None:
    assert parse_timezone(raw) == expected


@pytest.mark.parametrize("raw", ["", "Mars/Olympus", "GMT+25", "London"])
def test_unknown_timezones_get_a_hint(raw: str) -> None:
    with pytest.raises(UserError, match="Europe/London"):
        parse_timezone(raw)


def test_timezone_suggestions_start_with_prefix_matches_and_stop_at_25() -> None:
    got = suggest_timezones("europe/")
    assert 0 < len(got) <= 25 and all(tz.startswith("Europe/") for tz in got)
    assert suggest_timezones("tokyo") == ["Asia/Tokyo"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("24h, 1h", [1440, 60]), ("1h 24h", [1440, 60]), ("2d,30m", [2880, 30]),
    ("90 minutes", [90]), ("none", []), ("1h, 60m", [60]),
])
def test_reminder_offsets(raw: str, expected: list[int]) -> None:
    assert parse_reminder_offsets(raw) == expected


@pytest.mark.parametrize("raw", ["soon", "24", "-1h", "15d", "0m", "1h,2h,3h,4h,5h,6h"])
def test_bad_reminder_offsets_are_refused(raw: str) -> None:
    with pytest.raises(UserError):
        parse_reminder_offsets(raw)


async def test_service_stores_what_it_parsed(db: Database) -> None:
    service = ChapterService(db)
    assert await service.set_timezone(5, "asia/tokyo") == "Asia/Tokyo"
    assert await service.set_reminders(5, "3h") == [180]
    settings = await service.get(5)
    assert (settings.timezone, settings.reminder_offsets) == ("Asia/Tokyo", (180,))


async def test_cog_timezone_replies_privately_and_stores(db: Database) -> None:
    bot = SimpleNamespace(services=SimpleNamespace(chapter=ChapterService(db), db=db))
    cog = ChapterCog(bot)  # type: ignore[arg-type]
    organiser = make_member(permissions=discord.Permissions(manage_guild=True))
    interaction = make_interaction(bot, user=organiser)
    await cog.timezone.callback(cog, interaction, name="europe/london")
    reply = sent_kwargs(interaction)
    assert reply["ephemeral"] is True and "Europe/London" in reply["content"]
    assert (await db.settings.get(1)).timezone == "Europe/London"


async def test_timezone_check_refuses_members_and_accepts_the_organiser_role(db: Database) -> None:
    bot = SimpleNamespace(services=SimpleNamespace(chapter=ChapterService(db), db=db))
    cog = ChapterCog(bot)  # type: ignore[arg-type]
    (check,) = cog.timezone.checks
    member = make_interaction(bot, user=make_member())
    with pytest.raises(discord.app_commands.CheckFailure, match="only organisers"):
        await check(member)
    await db.settings.set_organiser_role(1, 777)
    assert await check(make_interaction(bot, user=make_member(role_ids=(777,)))) is True
