"""The 3-second rule: the fake refuses a late acknowledgement the way Discord does (10062), so a
handler that forgets to defer fails here instead of in a chapter's server."""

from __future__ import annotations

import asyncio

import pytest
from discord import Interaction, app_commands

from tests.fakediscord.results import DEFERRED_MESSAGE

SLOW = 0.6  # seconds the test-only handlers take; the fake's deadline is lowered to a third of it


async def add_test_commands(bot) -> None:
    """Two test-only commands, synced to the fake like any other."""

    @app_commands.command(name="slow-reply", description="test only: answers late")
    async def slow_reply(interaction: Interaction) -> None:
        await asyncio.sleep(SLOW)
        await interaction.response.send_message("finally")

    @app_commands.command(name="slow-deferred", description="test only: defers, then answers late")
    async def slow_deferred(interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await asyncio.sleep(SLOW)
        await interaction.followup.send("worth the wait", ephemeral=True)

    bot.tree.add_command(slow_reply)
    bot.tree.add_command(slow_deferred)
    await bot.tree.sync()


@pytest.mark.fake_errors_expected
async def test_a_reply_after_the_deadline_is_refused_with_unknown_interaction(discord, world):
    await add_test_commands(discord.bot)
    discord.interaction_deadline = SLOW / 3  # the same rule as Discord's 3 s, scaled down

    result = await discord.slash("slow-reply", user=world.member)

    assert not result.acknowledged
    assert result.refused[0] == 10062
    assert result.response is None
    # The bot survives and answers the next member normally.
    discord.interaction_deadline = 3.0
    assert (await discord.slash("chapter settings", user=world.member)).acknowledged


async def test_deferring_first_keeps_a_slow_answer_alive(discord, world):
    await add_test_commands(discord.bot)
    discord.interaction_deadline = SLOW / 3

    result = await discord.slash("slow-deferred", user=world.member)

    assert result.response.type == DEFERRED_MESSAGE
    assert result.response.elapsed < discord.interaction_deadline
    assert result.followups[0]["content"] == "worth the wait"


@pytest.mark.fake_errors_expected
async def test_the_fakes_clock_can_age_an_interaction(discord, world):
    """``advance_clock`` makes the fake treat the bot as late without the test waiting."""
    discord.advance_clock(3.5)
    result = await discord.slash("chapter settings", user=world.member)
    assert not result.acknowledged
    assert 10062 in result.refused


async def test_every_real_command_answers_within_the_deadline(discord, world):
    """Each slash command the bot synced, run with no options it does not need, acknowledges in time
    (the fake measures from injection to callback; a late one would be refused, not just slow)."""
    for command in ("chapter settings", "kb unanswered", "kb reload"):
        result = await discord.slash(command, user=world.organiser)
        assert result.acknowledged, command
        assert result.response.elapsed <= discord.interaction_deadline
