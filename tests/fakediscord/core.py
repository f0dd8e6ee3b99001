"""The fake Discord's core: its world and what the bot did (plain state), the errors a handler raises,
and waiting for the bot. REST routes (``routes.py``), the gateway (``gateway.py``), the message store
(``messages.py``) and member actions (``actions.py``) build on this; ``server.py`` puts them together.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakediscord import limits
from tests.fakediscord.state import (
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    InteractionRecord,
    RecordedRequest,
    snowflake,
)

log = logging.getLogger("fakediscord")

API_PREFIX = "/api/v10"
DEFAULT_TOKEN = "fake-bot-token"
INTERACTION_DEADLINE = 3.0  # seconds to acknowledge, as on Discord
TOKEN_LIFETIME = 15 * 60.0  # follow-ups work this long after the interaction
INTENT_MEMBERS, INTENT_PRESENCES, INTENT_MESSAGE_CONTENT = 1 << 1, 1 << 8, 1 << 15
PRIVILEGED_INTENTS = INTENT_MEMBERS | INTENT_PRESENCES | INTENT_MESSAGE_CONTENT

class DiscordError(Exception):
    """Raised by a route handler: becomes Discord's error JSON with this status and code."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def invalid(problems: list[limits.Problem]) -> None:
    if problems:
        raise DiscordError(400, 50035, "Invalid Form Body", limits.form_errors(problems))


class FakeBase:
    """State shared by every part of the fake, the world's look-ups, and waiting for the bot."""

    def __init__(self, *, token: str = DEFAULT_TOKEN, application_id: int | None = None,
                 allowed_intents: int = 0) -> None:
        self.token = token
        self.application_id = application_id or snowflake()
        self.allowed_intents = allowed_intents  # privileged intents the fake "app" has switched on
        self.bot_user = FakeUser(self.application_id, "jetbot", bot=True)
        self.owner = FakeUser(snowflake(), "app-owner")
        self.guilds: dict[int, FakeGuild] = {}
        self.interaction_deadline = INTERACTION_DEADLINE
        self.clock_offset = 0.0  # added to every elapsed time: ``advance_clock`` makes interactions older
        # What the bot did.
        self.requests: list[RecordedRequest] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.dm_channels: dict[int, FakeChannel] = {}  # by recipient user id
        self.scheduled_events_by_id: dict[int, dict[str, Any]] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None = global) -> commands
        self.command_syncs: list[RecordedRequest] = []
        self.interactions: dict[int, InteractionRecord] = {}
        self.gateway_closes: list[int] = []  # close codes the fake sent
        self.identifies: list[dict[str, Any]] = []
        self.files_by_message: dict[int, list[dict[str, Any]]] = {}  # uploads: field, filename, content bytes
        self.attachment_bytes: dict[int, bytes] = {}  # served at /attachments/<id>/<name>, like Discord's CDN
        self._modals_shown: dict[int, dict[str, dict[str, Any]]] = {}  # user id -> custom_id -> modal
        self._sockets: list[web.WebSocketResponse] = []
        self._seq: dict[int, int] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to every connected bot (the gateway part implements it)."""
        raise NotImplementedError

    def _attachments(self, files: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Store uploads and describe them the way Discord's CDN does."""
        out = []
        for f in files:
            aid = snowflake()
            self.attachment_bytes[aid] = f["content"]
            out.append({"id": str(aid), "filename": f["filename"] or "file", "size": len(f["content"]),
                        "url": f"http://127.0.0.1:{self.port}/attachments/{aid}/{f['filename']}",
                        "proxy_url": f"http://127.0.0.1:{self.port}/attachments/{aid}/{f['filename']}",
                        "content_type": f.get("content_type")})
        return out

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- the world ------------------------------------------------------------------------------
    def add_guild(self, name: str) -> FakeGuild:
        guild = FakeGuild(snowflake(), name, owner_id=self.owner.id)
        self.guilds[guild.id] = guild
        return guild

    def guild_of(self, member: FakeMember) -> FakeGuild:
        return self.guilds[member.guild_id]

    def bot_member(self, guild: FakeGuild) -> FakeMember:
        return FakeMember(self.bot_user, guild.id, list(guild.bot_role_ids))

    async def give_bot_role(self, guild: FakeGuild, role: FakeRole) -> None:
        """An admin gives the bot ``role`` (e.g. for Manage Events): the connected bot gets the
        GUILD_MEMBER_UPDATE Discord sends about itself. Gateway events are handled in order, so the next
        injected interaction already sees the new permissions."""
        guild.bot_role_ids.append(role.id)
        if self._sockets:
            await self.dispatch("GUILD_MEMBER_UPDATE", {**self.bot_member(guild).payload(), "guild_id": str(guild.id)})

    async def remove_bot(self, guild: FakeGuild) -> None:
        """An admin removes the bot: it gets GUILD_DELETE (no ``unavailable``: not an outage), and READY
        no longer lists the server after a restart."""
        del self.guilds[guild.id]
        if self._sockets:
            await self.dispatch("GUILD_DELETE", {"id": str(guild.id)})

    async def add_bot(self, guild: FakeGuild) -> None:
        """An admin invites the bot (back): GUILD_CREATE for a server it was not in. Discord leaves out
        ``unavailable`` there (``false`` would mean a server back from an outage, not a join)."""
        self.guilds[guild.id] = guild
        if self._sockets:
            payload = guild.payload(self.bot_member(guild))
            payload.pop("unavailable", None)
            await self.dispatch("GUILD_CREATE", payload)

    def _find_member(self, guild_id: int, user_id: int) -> FakeMember:
        guild = self.guilds.get(guild_id)
        if guild is None:
            raise DiscordError(404, 10004, "Unknown Guild")
        member = guild.members.get(user_id)
        if member is None:
            raise DiscordError(404, 10007, "Unknown Member")
        return member

    def _find_user(self, user_id: int) -> FakeUser | None:
        if user_id == self.bot_user.id:
            return self.bot_user
        for guild in self.guilds.values():
            if user_id in guild.members:
                return guild.members[user_id].user
        return None

    def channel(self, channel_id: int) -> FakeChannel:
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id]
        for ch in self.dm_channels.values():
            if ch.id == channel_id:
                return ch
        raise DiscordError(404, 10003, "Unknown Channel")

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], Any], within: float = 5.0, what: str = "the bot") -> Any:
        """Wait (bounded) until ``predicate()`` is truthy; fail the test with ``what`` otherwise."""
        async with self._changed:
            try:
                return await asyncio.wait_for(self._changed.wait_for(predicate), within)
            except TimeoutError:
                raise AssertionError(f"timed out after {within:.0f} s waiting for {what}") from None

    def elapsed(self, record: InteractionRecord) -> float:
        return time.monotonic() - record.created + self.clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Make every pending interaction look ``seconds`` older (a late bot without real waiting)."""
        self.clock_offset += seconds

