"""Spec'd mocks of Discord objects for cog tests (DESIGN.md: mock only the interaction, with a spec
so that a typo in an attribute fails the test)."""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord

from bot.clock import Clock
from bot.config import Settings
from bot.knowledge import KnowledgeService
from bot.services import build_services
from bot.storage import Database


def make_member(user_id: int = 1001, *, name: str = "member", guild_id: int = 1, role_ids: tuple[int, ...] = (),
                permissions: discord.Permissions | None = None) -> MagicMock:
    member = MagicMock(spec=discord.Member)
    member.id = user_id
    member.name = name
    member.display_name = name
    member.mention = f"<@{user_id}>"
    member.bot = False
    member.guild_permissions = permissions or discord.Permissions.none()
    member.roles = [MagicMock(spec=discord.Role, id=rid) for rid in role_ids]
    member.send = AsyncMock()
    return member


def make_interaction(client: Any, *, guild_id: int | None = 1, user: Any = None, channel_id: int = 500,
                     done: bool = False) -> MagicMock:
    """An Interaction whose response and followup record what the cog sent."""
    interaction = MagicMock(spec=discord.Interaction)
    interaction.client = client
    interaction.id = 42
    interaction.guild_id = guild_id
    if guild_id is None:
        interaction.guild = None
    else:
        guild = MagicMock(spec=discord.Guild)
        guild.id = guild_id
        guild.name = f"Guild {guild_id}"
        interaction.guild = guild
    interaction.user = user if user is not None else make_member(guild_id=guild_id or 0)
    interaction.channel_id = channel_id
    channel = MagicMock(spec=discord.TextChannel)
    channel.id = channel_id
    interaction.channel = channel
    interaction.command = None
    response = MagicMock(spec=discord.InteractionResponse)
    response.is_done.return_value = done
    for name in ("send_message", "defer", "send_modal", "edit_message", "autocomplete"):
        setattr(response, name, AsyncMock())
    interaction.response = response
    followup = MagicMock(spec=discord.Webhook)
    followup.send = AsyncMock()
    interaction.followup = followup
    interaction.edit_original_response = AsyncMock()
    interaction.original_response = AsyncMock()
    return interaction


def sent_kwargs(interaction: MagicMock) -> dict[str, Any]:
    """The keyword arguments of the (first) reply, whichever way it was sent."""
    for mock in (interaction.response.send_message, interaction.followup.send):
        if mock.await_args is not None:
            args, kwargs = mock.await_args
            out = dict(kwargs)
            if args:
                out.setdefault("content", args[0])
            return out
    raise AssertionError("the interaction got no reply")


def bot_with_services(db: Database, clock: Clock, **settings: Any) -> MagicMock:
    """A stand-in bot carrying the real services, wired by the same ``build_services`` the bot uses.
    The knowledge base is mocked: cogs other than the FAQ never touch it."""
    from bot.client import JetBot

    bot = MagicMock(spec=JetBot)
    bot.services = build_services(Settings(**settings), db, MagicMock(spec=KnowledgeService), clock)
    return bot
