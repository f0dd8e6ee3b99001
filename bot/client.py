"""The Discord side's core: the bot class, the one error handler, permission checks, reply helpers.

This is the only module in ``bot/`` that imports discord.py. Cogs (in ``cogs/``) use the helpers here
so that every reply is ephemeral where it should be, never pings anyone, and every failure reaches
the user as one short sentence while the detail goes to the log.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import pkgutil
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot import tasks
from bot.errors import UserError
from bot.storage import is_disk_full
from bot.web import WebServer, start_web

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("jetbot")

NO_MENTIONS = discord.AllowedMentions.none()
SORRY = "Sorry, something went wrong on my side. The organisers can find the details in the bot's log."
DISK_FULL = "Sorry, the bot's disk is full, so nothing was saved. Please tell the organisers."
RESTARTING = "jetbot is restarting right now: please try again in a minute."
SHUTDOWN_GRACE = 5.0  # seconds for interactions in flight, then as long again for background work

T = TypeVar("T")
S = TypeVar("S")
P = ParamSpec("P")


# -- replies ------------------------------------------------------------------------------------
async def send_ephemeral(interaction: discord.Interaction[Any], content: str | None = None, **kwargs: Any) -> None:
    """Reply privately, whether or not the interaction was already acknowledged."""
    kwargs.setdefault("allowed_mentions", NO_MENTIONS)
    try:
        if interaction.response.is_done():
            if content is not None:
                kwargs["content"] = content
            await interaction.followup.send(ephemeral=True, **kwargs)
        else:
            await interaction.response.send_message(content, ephemeral=True, **kwargs)
    except discord.NotFound:
        # The interaction expired (3 s without acknowledgement, or 15 min for follow-ups).
        log.warning("could not reply to interaction %s: it has expired", interaction.id)
    except discord.HTTPException as exc:
        log.warning("could not reply to interaction %s: %s", interaction.id, exc)


# -- typed access -------------------------------------------------------------------------------
def services_of(interaction: discord.Interaction[Any]) -> Services:
    """The services of the bot an interaction came to. UI callbacks override discord.py methods typed
    for any client, so they take ``discord.Interaction[Any]`` and reach the services through this."""
    return cast("JetBot", interaction.client).services


def guild_id_of(interaction: discord.Interaction[Any]) -> int:
    """The server an interaction came from, for commands and components that only work in one
    (a DM gets the usual short message instead of a ``None`` reaching a service)."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage("This command only works in a server.")
    return interaction.guild_id


# -- permissions --------------------------------------------------------------------------------
class OrganiserOnly(app_commands.CheckFailure):
    """Raised by ``organiser_only`` checks; its message is shown to the member as it is."""


_PERMISSION_LABELS = {
    "manage_guild": "Manage Server",
    "manage_events": "Manage Events",
    "manage_messages": "Manage Messages",
}


def permission_labels(names: list[str]) -> str:
    """Permission names as Discord's own menus show them ('Manage Server', not 'manage_guild')."""
    return ", ".join(_PERMISSION_LABELS.get(n, n.replace("_", " ").title()) for n in names)


async def is_organiser(interaction: discord.Interaction[Any], permission: str = "manage_guild") -> bool:
    """Organiser = has the permission (or Administrator), or holds the server's organiser role."""
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        return False
    perms = member.guild_permissions
    if perms.administrator or getattr(perms, permission, False):
        return True
    settings = await services_of(interaction).chapter.get(interaction.guild.id)
    return settings.organiser_role_id is not None and any(
        role.id == settings.organiser_role_id for role in member.roles
    )


def organiser_only(permission: str = "manage_guild") -> Callable[[T], T]:
    """App-command check. Commands stay visible to everyone (no ``default_permissions``) so that the
    organiser role works and a member who tries gets told why, instead of the command vanishing."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage("This command only works in a server.")
        if await is_organiser(interaction, permission):
            return True
        label = permission_labels([permission])
        raise OrganiserOnly(
            f"Sorry, only organisers can do that. You need the **{label}** permission "
            "or the server's organiser role (an admin can set it with `/chapter organiser-role`)."
        )

    return app_commands.check(predicate)


# -- errors -------------------------------------------------------------------------------------
def describe_error(error: BaseException) -> tuple[str, bool]:
    """The sentence a user sees for ``error``, and whether it is a bug worth a stack trace in the log."""
    if isinstance(error, app_commands.CommandInvokeError | commands.CommandInvokeError):
        error = error.original
    if isinstance(error, UserError):
        return str(error), False
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server.", False
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {permission_labels(error.missing_permissions)} permission to do that.", False
    if isinstance(error, app_commands.BotMissingPermissions):
        needed = permission_labels(error.missing_permissions)
        return f"I need the {needed} permission here to do that. Ask a server admin.", False
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s.", False
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't understand {error.value!r} for that option.", False
    if isinstance(error, app_commands.CheckFailure):
        return (str(error) or "You can't use this command here."), False
    if is_disk_full(error):
        return DISK_FULL, True  # "database or disk is full": the transaction was rolled back
    if isinstance(error, discord.Forbidden):
        return "I don't have permission to do that here. Ask a server admin to check my role.", True
    return SORRY, True


async def handle_interaction_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """The one place every command, button and modal failure ends up."""
    message, is_bug = describe_error(error)
    command = interaction.command.qualified_name if interaction.command else None
    if is_bug:
        log.error(
            "error in interaction %s (command=%s, guild=%s)",
            interaction.id, command, interaction.guild_id, exc_info=error,
        )
    else:
        log.info("refused interaction %s (command=%s): %s", interaction.id, command, type(error).__name__)
    await send_ephemeral(interaction, message)


def guarded(
    func: Callable[Concatenate[S, discord.Interaction[Any], P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[S, discord.Interaction[Any], P], Coroutine[Any, Any, None]]:
    """Route a component or modal callback's exceptions to the central handler.

    discord.py only logs exceptions raised in ``DynamicItem`` callbacks, and the member would see
    "This interaction failed"; wrapping the callback gives them the usual short message instead.
    """

    @functools.wraps(func)
    async def wrapper(self: S, interaction: discord.Interaction[Any], /, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(self, interaction, *args, **kwargs)
        except Exception as exc:
            await handle_interaction_error(interaction, exc)

    return wrapper


class JetView(discord.ui.View):
    """A View whose failures reach the central handler."""

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception,
                       item: discord.ui.Item[Any], /) -> None:
        await handle_interaction_error(interaction, error)


class JetModal(discord.ui.Modal):
    """A Modal whose failures reach the central handler."""

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception,
                       item: discord.ui.Item[Any] | None = None, /) -> None:
        # ``item`` keeps the signature compatible with both Modal's and View's on_error.
        await handle_interaction_error(interaction, error)


class JetTree(app_commands.CommandTree):
    """Command tree with the central error handler (Red's ``redbot/core/tree.py`` pattern)."""

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError, /) -> None:
        await handle_interaction_error(interaction, error)


# -- the bot ------------------------------------------------------------------------------------
def discover_cogs(package: str = "cogs") -> list[str]:
    """Extensions found, not listed: every public module of ``cogs`` (``_private`` ones are helpers)."""
    module = __import__(package)
    return sorted(
        f"{package}.{info.name}"
        for info in pkgutil.iter_modules(module.__path__)
        if not info.name.startswith("_")
    )


def command_tree_hash(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None = None) -> str:
    """A digest of what a sync would send, so that an unchanged tree is not synced again."""
    payload = sorted(
        (cmd.to_dict(tree) for cmd in tree.get_commands(guild=guild)),
        key=lambda d: (d.get("type", 1), d["name"]),
    )
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class JetBot(commands.Bot):
    """The bot. Services come in ready-made (the caller owns the database), so tests and the
    command line build the very same object."""

    def __init__(self, services: Services, *, sync_commands: bool = True, cogs: list[str] | None = None,
                 **client_options: Any) -> None:
        intents = discord.Intents.default()
        intents.message_content = False  # privileged; mentions and slash commands work without it
        extra: dict[str, Any] = {}
        if services.settings.application_id is not None:  # else discord.py learns it at login
            extra["application_id"] = services.settings.application_id
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=JetTree,
            allowed_mentions=NO_MENTIONS,
            help_command=None,
            **extra,
            **client_options,
        )
        self.services = services
        self.command_sync = services.command_sync
        self.sync_commands = sync_commands
        self.cog_names = cogs if cogs is not None else discover_cogs()
        self.synced_this_start = False
        self.web: WebServer | None = None
        self.accepting = True  # False once stopping: new interactions are told to come back later
        self.in_flight: set[asyncio.Task[Any]] = set()
        self._shutdown: asyncio.Future[None] | None = None
        self._install_intake_gate()

    def _install_intake_gate(self) -> None:
        """Every interaction passes here before discord.py handles it: while stopping it is answered
        "restarting"; otherwise the tasks discord.py starts for it are remembered, so a shutdown can
        wait for them. (discord.py has no public hook that sees every interaction first.)"""
        parsers = self._connection.parsers
        handle = parsers["INTERACTION_CREATE"]

        def gate(data: Any) -> None:
            if not self.accepting:
                tasks.spawn(self._refuse(data), purpose="tell a member the bot is restarting")
                return
            before = asyncio.all_tasks()
            handle(data)
            for task in asyncio.all_tasks() - before:
                self.in_flight.add(task)
                task.add_done_callback(self.in_flight.discard)

        parsers["INTERACTION_CREATE"] = gate

    async def _refuse(self, data: Any) -> None:
        if data.get("type") not in (2, 3, 5):  # autocomplete cannot get a message
            return
        interaction: discord.Interaction[JetBot] = discord.Interaction(data=data, state=self._connection)
        try:
            await interaction.response.send_message(RESTARTING, ephemeral=True)
        except discord.HTTPException as exc:
            log.info("could not tell interaction %s the bot is restarting: %s", interaction.id, exc)

    async def setup_hook(self) -> None:
        for name in self.cog_names:
            await self.load_extension(name)
        log.info("loaded %d extensions: %s", len(self.cog_names), ", ".join(self.cog_names))
        if self.sync_commands:
            await self.sync_if_changed()
        # The calendar feed, event pages and /healthz, in this event loop; None unless JETBOT_WEB_PORT is set.
        self.web = await start_web(self.services, gateway_connected=self.gateway_connected)

    def gateway_connected(self) -> bool:
        """READY received and the gateway socket open right now (for /healthz)."""
        return self.is_ready() and not self.is_closed() and self.ws is not None and self.ws.open

    async def close(self) -> None:
        """Stop cleanly (also on SIGTERM/SIGINT): take no new interactions, let those in flight finish
        and background work drain (each bounded by ``SHUTDOWN_GRACE``), then close the web server,
        the gateway and the HTTP session. The caller closes the database afterwards."""
        if self._shutdown is None:
            self._shutdown = asyncio.ensure_future(self._stop())
        await asyncio.shield(self._shutdown)

    async def _stop(self) -> None:
        self.accepting = False
        pending = {t for t in self.in_flight if not t.done()}
        if pending:
            log.info("stopping: waiting for %d interaction(s) in flight", len(pending))
            _, late = await asyncio.wait(pending, timeout=SHUTDOWN_GRACE)
            if late:
                log.warning("stopping: %d interaction(s) still running after %.0f s", len(late), SHUTDOWN_GRACE)
        if len(tasks.background):
            log.info("stopping: waiting for background work: %s", ", ".join(tasks.background.pending()))
        cancelled = await tasks.drain(SHUTDOWN_GRACE)
        if cancelled:
            log.warning("stopping: cancelled %d background task(s); queued DMs are resent at the next start",
                        cancelled)
        if self.web is not None:
            await self.web.stop()
            self.web = None
        await super().close()

    async def sync_if_changed(self) -> bool:
        """Sync the command tree only when it differs from the last one synced (sync is rate-limited)."""
        guild_id = self.services.settings.dev_guild_id
        guild = discord.Object(id=guild_id) if guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        digest = command_tree_hash(self.tree, guild)
        if await self.command_sync.is_current(self.application_id, guild_id, digest):
            log.info("application commands unchanged since last sync; not syncing")
            return False
        synced = await self.tree.sync(guild=guild)
        await self.command_sync.remember(self.application_id, guild_id, digest)
        self.synced_this_start = True
        log.info("synced %d application commands (%s)", len(synced), "guild" if guild else "global")
        return True

    async def on_message(self, message: discord.Message) -> None:
        """No text commands: mentions are answered by the FAQ cog's listener instead."""

    async def on_ready(self) -> None:
        user = self.user
        log.info("logged in as %s (id %s) in %d servers", user, user.id if user else "?", len(self.guilds))


class ShardedJetBot(JetBot, commands.AutoShardedBot):
    """The bot for some of the shards of a bot that runs in several processes (``jetbot run --shard-ids 0,1
    --shard-count 4``): discord.py's AutoShardedBot for those shards. Only the process that runs shard 0
    syncs the command tree (the tree is global, and syncing is rate-limited)."""

    def __init__(self, services: Services, *, shard_ids: tuple[int, ...], shard_count: int,
                 sync_commands: bool = True, cogs: list[str] | None = None) -> None:
        super().__init__(services, sync_commands=sync_commands and 0 in shard_ids, cogs=cogs,
                         shard_ids=list(shard_ids), shard_count=shard_count)
        # discord.py creates the shards' event queue only when connecting, but close() uses it: without this
        # a sharded bot that failed to log in would raise AttributeError while closing.
        self._AutoShardedClient__queue: asyncio.PriorityQueue[Any] = asyncio.PriorityQueue()

    def gateway_connected(self) -> bool:
        """READY received and every shard's socket open (for /healthz)."""
        return (self.is_ready() and not self.is_closed() and bool(self.shards)
                and not any(shard.is_closed() for shard in self.shards.values()))


def make_bot(services: Services, **options: Any) -> JetBot:
    """The bot the settings ask for: sharded when ``shard_ids``/``shard_count`` are set. Background work
    then covers this process's shards only (``Database.set_shards``)."""
    settings = services.settings
    if settings.shard_ids and settings.shard_count:
        services.db.set_shards(settings.shard_ids, settings.shard_count)
        return ShardedJetBot(services, shard_ids=settings.shard_ids, shard_count=settings.shard_count, **options)
    return JetBot(services, **options)
