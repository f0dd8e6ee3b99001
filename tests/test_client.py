"""The Discord core: error messages, replies, permission checks, command sync hashing."""

from __future__ import annotations

from types import SimpleNamespace
from unittest.mock import MagicMock

import discord
import pytest
from discord import app_commands

from bot.chapter import ChapterService
from bot.client import (
    SORRY,
    OrganiserOnly,
    command_tree_hash,
    describe_error,
    discover_cogs,
    guarded,
    guild_id_of,
    handle_interaction_error,
    is_organiser,
    send_ephemeral,
)
from bot.errors import NotFound, UserError
from bot.storage import Database
from tests.helpers import make_interaction, make_member


@pytest.mark.parametrize(("error", "needle", "bug"), [
    (UserError("Capacity must be at least 1."), "Capacity must be at least 1.", False),
    (NotFound("No such event."), "No such event.", False),
    (app_commands.NoPrivateMessage(), "only works in a server", False),
    (app_commands.MissingPermissions(["manage_guild"]), "Manage Server", False),
    (OrganiserOnly("Sorry, only organisers can do that."), "only organisers", False),
    (KeyError("internal"), SORRY, True),
])
def test_describe_error(error: Exception, needle: str, bug: bool) -> None:
    text, is_bug = describe_error(error)
    assert needle in text and is_bug is bug


def test_invoke_errors_are_unwrapped() -> None:
    cmd = MagicMock(spec=app_commands.Command)
    cmd.name = "event"
    wrapped = app_commands.CommandInvokeError(cmd, UserError("Bad date."))
    assert describe_error(wrapped) == ("Bad date.", False)


async def test_send_ephemeral_uses_followup_once_responded() -> None:
    fresh, done = make_interaction(None), make_interaction(None, done=True)
    await send_ephemeral(fresh, "hi")
    await send_ephemeral(done, "hi")
    assert fresh.response.send_message.await_args.kwargs["ephemeral"] is True
    assert done.followup.send.await_args.kwargs["ephemeral"] is True
    assert done.response.send_message.await_count == 0
    assert fresh.response.send_message.await_args.kwargs["allowed_mentions"].everyone is False


async def test_send_ephemeral_swallows_an_expired_interaction() -> None:
    interaction = make_interaction(None)
    interaction.response.send_message.side_effect = discord.NotFound(MagicMock(status=404), "Unknown interaction")
    await send_ephemeral(interaction, "late")  # must not raise


async def test_unexpected_errors_show_an_apology_not_the_detail(caplog: pytest.LogCaptureFixture) -> None:
    interaction = make_interaction(None)
    await handle_interaction_error(interaction, ValueError("secret internals"))
    content = interaction.response.send_message.await_args.args[0]
    assert content == SORRY and "secret" not in content
    assert "secret internals" in caplog.text


async def test_guarded_routes_callback_errors_to_the_user() -> None:
    class Item:
        @guarded
        async def callback(self, interaction: discord.Interaction) -> None:
            raise UserError("This event was cancelled.")

    interaction = make_interaction(None)
    await Item().callback(interaction)
    assert interaction.response.send_message.await_args.args[0] == "This event was cancelled."


async def test_is_organiser_by_permission_or_role(db: Database) -> None:
    client = SimpleNamespace(services=SimpleNamespace(chapter=ChapterService(db)))
    admin = make_member(permissions=discord.Permissions(administrator=True))
    events_manager = make_member(permissions=discord.Permissions(manage_events=True))
    assert await is_organiser(make_interaction(client, user=admin)) is True
    assert await is_organiser(make_interaction(client, user=events_manager), "manage_events") is True
    assert await is_organiser(make_interaction(client, user=events_manager), "manage_guild") is False
    role_holder = make_member(role_ids=(55,))
    assert await is_organiser(make_interaction(client, user=role_holder)) is False
    await ChapterService(db).set_organiser_role(1, 55)
    assert await is_organiser(make_interaction(client, user=role_holder)) is True
    # The role configured in server 1 means nothing in server 2.
    other = make_interaction(client, user=make_member(role_ids=(55,), guild_id=2), guild_id=2)
    assert await is_organiser(other) is False


def test_command_tree_hash_changes_only_with_the_commands() -> None:
    def tree_with(description: str) -> app_commands.CommandTree:
        client = discord.Client(intents=discord.Intents.none())
        tree = app_commands.CommandTree(client)

        @tree.command(name="ping", description=description)
        async def ping(interaction: discord.Interaction) -> None: ...

        return tree

    assert command_tree_hash(tree_with("a")) == command_tree_hash(tree_with("a"))
    assert command_tree_hash(tree_with("a")) != command_tree_hash(tree_with("b"))


def test_discover_cogs_skips_private_modules() -> None:
    names = discover_cogs()
    assert "cogs.chapter" in names and "cogs.faq" in names
    assert not any(name.split(".")[-1].startswith("_") for name in names)


def test_guild_id_of_is_the_server_or_the_usual_message_in_a_dm() -> None:
    assert guild_id_of(make_interaction(None, guild_id=77)) == 77
    with pytest.raises(app_commands.NoPrivateMessage):
        guild_id_of(make_interaction(None, guild_id=None))
    assert describe_error(app_commands.NoPrivateMessage("x")) == ("This command only works in a server.", False)
