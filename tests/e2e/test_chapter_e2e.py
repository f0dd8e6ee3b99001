"""/chapter settings|timezone|organiser-role|reminders through the real client and the fake Discord."""

from __future__ import annotations

import pytest

from tests.fakediscord.limits import AUTOCOMPLETE_CHOICES


async def test_settings_shows_defaults_privately(discord, world):
    result = await discord.slash("chapter settings", user=world.member)
    assert result.acknowledged
    assert result.response.ephemeral
    assert "**Time zone:** UTC" in result.text
    assert "not set" in result.text


async def test_organiser_sets_timezone_and_settings_show_it(discord, world):
    result = await discord.slash("chapter timezone", name="asia/tokyo", user=world.organiser)
    assert result.response.ephemeral
    assert "**Asia/Tokyo**" in result.text  # canonical spelling, not what was typed

    shown = await discord.slash("chapter settings", user=world.member)
    assert "**Time zone:** Asia/Tokyo" in shown.text


async def test_timezone_is_per_server(discord, world):
    await discord.slash("chapter timezone", name="Europe/London", user=world.organiser)
    other = await discord.slash("chapter settings", user=world.other_member)
    assert "**Time zone:** UTC" in other.text


async def test_member_cannot_set_timezone_and_is_told_why(discord, world):
    result = await discord.slash("chapter timezone", name="Asia/Tokyo", user=world.member)
    assert result.response.ephemeral
    assert "only organisers" in result.text
    assert "**Time zone:** UTC" in (await discord.slash("chapter settings", user=world.member)).text


async def test_unknown_timezone_is_a_friendly_error(discord, world):
    result = await discord.slash("chapter timezone", name="Mars/Olympus", user=world.organiser)
    assert result.response.ephemeral
    assert "not a time zone I know" in result.text


async def test_timezone_autocomplete_is_within_discords_limit(discord, world):
    result = await discord.autocomplete("chapter timezone", "name", "america", user=world.organiser)
    names = [c["name"] for c in result.choices]
    assert names and len(names) <= AUTOCOMPLETE_CHOICES
    assert all(n.lower().startswith("america") for n in names)


async def test_admin_sets_organiser_role_and_its_holders_become_organisers(discord, world):
    admin = world.guild.add_member("ada-admin", roles=(world.guild.add_role("Admin", 1 << 3),))
    # Before: the helper is an ordinary member.
    refused = await discord.slash("chapter reminders", times="2h", user=world.helper)
    assert "only organisers" in refused.text

    result = await discord.slash("chapter organiser-role", role=world.helper_role, user=admin)
    assert result.response.ephemeral
    assert f"<@&{world.helper_role.id}>" in result.text
    assert result.response.data["allowed_mentions"]["parse"] == []  # the role is shown, not pinged

    allowed = await discord.slash("chapter reminders", times="2h", user=world.helper)
    assert "reminded 2h before" in allowed.text


async def test_organiser_role_needs_manage_server(discord, world):
    result = await discord.slash("chapter organiser-role", role=world.helper_role, user=world.member)
    assert result.response.ephemeral
    assert "Manage Server" in result.text


async def test_clearing_the_organiser_role(discord, world):
    result = await discord.slash("chapter organiser-role", user=world.organiser)
    assert "Organiser role cleared" in result.text


@pytest.mark.parametrize(("times", "expected"), [
    ("24h, 1h", "reminded 1d, 1h before each event"),
    ("none", "Event reminders are off"),
    ("soon", "couldn't read `soon`"),
])
async def test_reminders(discord, world, times, expected):
    result = await discord.slash("chapter reminders", times=times, user=world.organiser)
    assert result.response.ephemeral
    assert expected in result.text
