"""A fake Discord on 127.0.0.1: REST under /api/v10 and a gateway websocket, enough for the real,
unmodified bot (discord.py 2.7) to log in, sync commands and answer interactions over real sockets.

Split by concern: ``core.py`` (state, errors, waiting), ``rest.py`` + ``routes.py`` (the REST API as a
table of routes), ``messages.py`` (what the bot posted), ``gateway.py`` (the websocket) and
``actions.py`` (a test acting as a member). This module puts them together and answers "what did the
bot do". An unmatched request is answered 404 and kept in ``unknown_routes`` so a test can assert the
bot called nothing the fake does not know.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

from aiohttp import web

from tests.fakediscord.actions import MemberActions
from tests.fakediscord.core import API_PREFIX, DEFAULT_TOKEN, DiscordError
from tests.fakediscord.gateway import Gateway
from tests.fakediscord.messages import MessageStore
from tests.fakediscord.rest import RestApi
from tests.fakediscord.routes import ROUTES
from tests.fakediscord.state import MANAGE_EVENTS, MANAGE_GUILD, FakeChannel, FakeMember, RecordedRequest

__all__ = ["DEFAULT_TOKEN", "DiscordError", "FakeDiscord", "standard_world"]


class FakeDiscord(MemberActions, Gateway, RestApi, MessageStore):
    """The server, its world (``guilds``), what the bot did (``requests``, ``messages``, ...), and the
    helpers a test uses to act as a member (``slash``, ``click``, ``submit_modal``, ``autocomplete``,
    ``mention``). Start with ``await fake.start()``; ``fake.api_base`` and ``fake.gateway_url`` are
    what the bot is pointed at."""

    def __init__(self, *, token: str = DEFAULT_TOKEN, application_id: int | None = None,
                 allowed_intents: int = 0) -> None:
        super().__init__(token=token, application_id=application_id, allowed_intents=allowed_intents)
        self._routes = list(ROUTES)

    # -- life cycle -----------------------------------------------------------------------------
    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_get("/gateway", self._serve_gateway)
        app.router.add_get("/attachments/{aid}/{name}", self._serve_attachment)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(code=1001), 2)
        if self._runner is not None:
            await asyncio.wait_for(self._runner.cleanup(), 5)
            self._runner = None

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        """Discord's CDN for uploads: what the bot sent and what a member attached to a command."""
        content = self.attachment_bytes.get(int(request.match_info["aid"]))
        if content is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=content, content_type="application/octet-stream")

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    # -- what the bot did -----------------------------------------------------------------------
    def dms_to(self, user: FakeMember | int) -> list[dict[str, Any]]:
        """Messages the bot delivered to ``user`` by DM (refused ones are not here)."""
        uid = user.id if isinstance(user, FakeMember) else int(user)
        channel = self.dm_channels.get(uid)
        if channel is None:
            return []
        return [m for m in self.messages.values() if int(m["channel_id"]) == channel.id]

    def channel_messages(self, channel: FakeChannel | int) -> list[dict[str, Any]]:
        cid = channel.id if isinstance(channel, FakeChannel) else int(channel)
        return [m for m in self.messages.values()
                if int(m["channel_id"]) == cid and not m.get("deleted") and "interaction_metadata" not in m]

    def files_of(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """Files uploaded with (or added to) ``message``: dicts with filename and content (bytes)."""
        return self.files_by_message.get(int(message["id"]), [])

    @property
    def scheduled_events(self) -> list[dict[str, Any]]:
        return list(self.scheduled_events_by_id.values())

    def requests_to(self, method: str, path_regex: str) -> list[RecordedRequest]:
        rx = re.compile(path_regex)
        return [r for r in self.requests if r.method == method and rx.search(r.path)]

    @property
    def errors(self) -> list[RecordedRequest]:
        """Requests the fake refused (4xx), e.g. a payload over a limit."""
        return [r for r in self.requests if r.status >= 400]


def standard_world(fake: FakeDiscord) -> dict[str, Any]:
    """Two chapters: the main one with organisers, members and a member whose DMs are closed, and a
    second one to prove that one server's data stays its own."""
    guild = fake.add_guild("JETAA Test Chapter")
    organisers = guild.add_role("Organisers", MANAGE_GUILD | MANAGE_EVENTS)
    helpers = guild.add_role("Helpers")
    general = guild.add_channel("general")
    events = guild.add_channel("events")
    other = fake.add_guild("Another Chapter")
    other_general = other.add_channel("general")
    return {
        "guild": guild, "organiser_role": organisers, "helper_role": helpers,
        "general": general, "events": events,
        "organiser": guild.add_member("olive-organiser", roles=(organisers,)),
        "member": guild.add_member("mika-member"),
        "helper": guild.add_member("hana-helper", roles=(helpers,)),
        "closed_dms": guild.add_member("quiet-quentin", dms_closed=True),
        "other_guild": other, "other_general": other_general,
        "other_organiser": other.add_member("otto-organiser", roles=(other.add_role("Organisers", MANAGE_GUILD),)),
        "other_member": other.add_member("omar-member"),
    }

