"""A fake Discord on 127.0.0.1: REST under /api/v10 and a gateway websocket, enough for the real,
unmodified bot (discord.py 2.7) to log in, sync commands and answer interactions over real sockets.

Routes are a table of (method, regex, handler); an unmatched request is answered 404 and kept in
``unknown_routes`` so a test can assert the bot called nothing the fake does not know.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakediscord import limits
from tests.fakediscord.results import (
    AUTOCOMPLETE,
    DEFERRED_MESSAGE,
    DEFERRED_UPDATE,
    MESSAGE,
    MODAL,
    UPDATE_MESSAGE,
    InteractionResult,
    iter_components,
)
from tests.fakediscord.state import (
    MANAGE_EVENTS,
    MANAGE_GUILD,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    InteractionRecord,
    RecordedRequest,
    iso_now,
    snowflake,
)

log = logging.getLogger("fakediscord")

API_PREFIX = "/api/v10"
DEFAULT_TOKEN = "fake-bot-token"
INTERACTION_DEADLINE = 3.0  # seconds to acknowledge, as on Discord
TOKEN_LIFETIME = 15 * 60.0  # follow-ups work this long after the interaction
INTENT_MEMBERS, INTENT_PRESENCES, INTENT_MESSAGE_CONTENT = 1 << 1, 1 << 8, 1 << 15
PRIVILEGED_INTENTS = INTENT_MEMBERS | INTENT_PRESENCES | INTENT_MESSAGE_CONTENT

Handler = Callable[[web.Request, RecordedRequest, re.Match[str]], Awaitable[tuple[int, Any]]]


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


def _invalid(problems: list[limits.Problem]) -> None:
    if problems:
        raise DiscordError(400, 50035, "Invalid Form Body", limits.form_errors(problems))


class FakeDiscord:
    """The server, its world (``guilds``), what the bot did (``requests``, ``messages``, ...), and the
    helpers a test uses to act as a member (``slash``, ``click``, ``submit_modal``, ``autocomplete``,
    ``mention``). Start with ``await fake.start()``; ``fake.api_base`` and ``fake.gateway_url`` are
    what the bot is pointed at."""

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
        self._modals_shown: dict[int, dict[str, dict[str, Any]]] = {}  # user id -> custom_id -> modal
        self._sockets: list[web.WebSocketResponse] = []
        self._seq: dict[int, int] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._register_routes()

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

    # -- life cycle -----------------------------------------------------------------------------
    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
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

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

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

    # -- REST plumbing --------------------------------------------------------------------------
    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Register a handler; ``{name}`` in the pattern matches one path segment."""
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

        def deco(func: Handler) -> Handler:
            self._routes.append((method, regex, func))
            return func

        return deco

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        files: list[dict[str, Any]] = []
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                else:
                    content = await part.read(decode=False)
                    files.append({"field": part.name, "filename": part.filename, "content": bytes(content),
                                  "content_type": part.headers.get("Content-Type")})
            return payload, files
        if request.can_read_body:
            raw = await request.read()
            if raw:
                return json.loads(raw), files
        return None, files

    async def _dispatch(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, files = await self._read_body(request)
        rec = RecordedRequest(request.method, path, dict(request.query), body, files)
        self.requests.append(rec)
        try:
            for method, regex, handler in self._routes:
                m = regex.match(path)
                if m and method == request.method:
                    if not (path.startswith(("/interactions/", "/webhooks/"))):
                        self._check_auth(request)
                    status, data = await handler(request, rec, m)
                    break
            else:
                log.error("fake Discord: UNKNOWN ROUTE %s %s (add it to tests/fakediscord/server.py)",
                          request.method, path)
                self.unknown_routes.append(rec)
                status, data = 404, {"message": "404: Not Found", "code": 0}
        except DiscordError as exc:
            status, data = exc.status, exc.body()
        rec.status, rec.response = status, data
        await self._notify()
        if status == 204:
            return web.Response(status=204)
        return web.Response(status=status, body=json.dumps(data).encode(), content_type="application/json")

    def _check_auth(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise DiscordError(401, 0, "401: Unauthorized")

    # -- REST routes ----------------------------------------------------------------------------
    def _register_routes(self) -> None:
        r = self.route

        @r("GET", "/users/@me")
        async def me(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            return 200, {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "email": None}

        @r("GET", "/oauth2/applications/@me")
        async def app_info(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            return 200, {"id": str(self.application_id), "name": "jetbot", "icon": None, "description": "",
                         "bot_public": True, "bot_require_code_grant": False, "owner": self.owner.payload(),
                         "verify_key": "0" * 64, "flags": 0, "team": None, "summary": "", "rpc_origins": [],
                         "bot": self.bot_user.payload()}

        async def put_commands(rec: RecordedRequest, guild_id: int | None) -> tuple[int, Any]:
            stored = []
            for cmd in rec.json or []:
                stored.append({"id": str(snowflake()), "application_id": str(self.application_id),
                               "version": str(snowflake()), "default_member_permissions": None,
                               "dm_permission": True, "nsfw": False, "type": 1, "options": [],
                               "description": "", **cmd,
                               **({"guild_id": str(guild_id)} if guild_id else {})})
            self.commands[guild_id] = stored
            self.command_syncs.append(rec)
            return 200, stored

        @r("PUT", "/applications/{app}/commands")
        async def sync_global(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            return await put_commands(rec, None)

        @r("PUT", "/applications/{app}/guilds/{guild}/commands")
        async def sync_guild(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            return await put_commands(rec, int(m["guild"]))

        @r("GET", "/applications/{app}/commands")
        async def get_global(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            return 200, self.commands.get(None, [])

        @r("GET", "/applications/{app}/guilds/{guild}/commands")
        async def get_guild_cmds(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            return 200, self.commands.get(int(m["guild"]), [])

        # Interactions --------------------------------------------------------------------------
        @r("POST", "/interactions/{id}/{token}/callback")
        async def callback(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            return self._interaction_callback(rec, int(m["id"]), m["token"])

        @r("POST", "/webhooks/{app}/{token}")
        async def followup(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            inter = self._interaction_by_token(m["token"])
            payload = rec.json or {}
            _invalid(limits.check_message(payload, has_files=bool(rec.files)))
            msg = self._store_message(inter.channel_id, payload, rec.files, interaction=inter)
            inter.followup_ids.append(int(msg["id"]))
            return 200, msg

        @r("GET", "/webhooks/{app}/{token}/messages/{mid}")
        async def get_webhook_message(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            return 200, self._webhook_message(m["token"], m["mid"])

        @r("PATCH", "/webhooks/{app}/{token}/messages/{mid}")
        async def edit_webhook_message(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            inter = self._interaction_by_token(m["token"])
            msg = self._webhook_message(m["token"], m["mid"])
            payload = rec.json or {}
            _invalid(limits.check_message(payload, has_files=bool(rec.files), partial=True))
            if m["mid"] == "@original":
                inter.original_edits.append(payload)
            return 200, self._edit_message(msg, payload, rec.files)

        @r("DELETE", "/webhooks/{app}/{token}/messages/{mid}")
        async def delete_webhook_message(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            msg = self._webhook_message(m["token"], m["mid"])
            msg["deleted"] = True
            return 204, None

        # Channels and messages -----------------------------------------------------------------
        @r("GET", "/channels/{cid}")
        async def get_channel(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            return 200, self.channel(int(m["cid"])).payload()

        @r("POST", "/channels/{cid}/messages")
        async def post_message(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            channel = self.channel(int(m["cid"]))
            payload = rec.json or {}
            _invalid(limits.check_message(payload, has_files=bool(rec.files)))
            if channel.type == 1 and channel.recipient is not None:
                for guild in self.guilds.values():
                    member = guild.members.get(channel.recipient.id)
                    if member is not None and member.dms_closed:
                        raise DiscordError(403, 50007, "Cannot send messages to this user")
            return 200, self._store_message(channel.id, payload, rec.files)

        @r("GET", "/channels/{cid}/messages/{mid}")
        async def get_message(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            return 200, self._message(int(m["cid"]), int(m["mid"]))

        @r("PATCH", "/channels/{cid}/messages/{mid}")
        async def edit_message(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            msg = self._message(int(m["cid"]), int(m["mid"]))
            payload = rec.json or {}
            _invalid(limits.check_message(payload, has_files=bool(rec.files), partial=True))
            return 200, self._edit_message(msg, payload, rec.files)

        @r("DELETE", "/channels/{cid}/messages/{mid}")
        async def delete_message(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            self._message(int(m["cid"]), int(m["mid"]))["deleted"] = True
            return 204, None

        @r("POST", "/users/@me/channels")
        async def open_dm(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            user_id = int((rec.json or {}).get("recipient_id", 0))
            user = self._find_user(user_id)
            if user is None:
                raise DiscordError(400, 50035, "Invalid Form Body",
                                   limits.form_errors([("recipient_id", "Unknown user")]))
            channel = self.dm_channels.get(user_id)
            if channel is None:
                channel = FakeChannel(snowflake(), f"dm-{user.name}", type=1, recipient=user)
                self.dm_channels[user_id] = channel
            return 200, channel.payload()

        # Guilds, members, scheduled events ------------------------------------------------------
        @r("GET", "/guilds/{gid}")
        async def get_guild(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            guild = self.guilds.get(int(m["gid"]))
            if guild is None:
                raise DiscordError(404, 10004, "Unknown Guild")
            data = guild.payload(self.bot_member(guild))
            for key in ("members", "channels", "threads", "presences", "voice_states"):
                data.pop(key, None)
            return 200, data

        @r("GET", "/guilds/{gid}/members/{uid}")
        async def get_member(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            return 200, self._find_member(int(m["gid"]), int(m["uid"])).payload()

        @r("GET", "/guilds/{gid}/roles")
        async def get_roles(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            guild = self.guilds.get(int(m["gid"]))
            if guild is None:
                raise DiscordError(404, 10004, "Unknown Guild")
            return 200, [role.payload() for role in guild.roles.values()]

        @r("GET", "/guilds/{gid}/scheduled-events")
        async def list_events(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            gid = m["gid"]
            return 200, [e for e in self.scheduled_events_by_id.values() if e["guild_id"] == gid]

        @r("POST", "/guilds/{gid}/scheduled-events")
        async def create_event(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            if int(m["gid"]) not in self.guilds:
                raise DiscordError(404, 10004, "Unknown Guild")
            payload = rec.json or {}
            _invalid(limits.check_scheduled_event(payload))
            event = {"id": str(snowflake()), "guild_id": m["gid"], "creator_id": str(self.bot_user.id),
                     "creator": self.bot_user.payload(), "channel_id": None, "description": None,
                     "scheduled_end_time": None, "entity_id": None, "entity_metadata": None, "status": 1,
                     "privacy_level": 2, "user_count": 0, "image": None, **payload}
            self.scheduled_events_by_id[int(event["id"])] = event
            return 200, event

        @r("GET", "/guilds/{gid}/scheduled-events/{eid}")
        async def get_event(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            return 200, self._event(m["gid"], m["eid"])

        @r("PATCH", "/guilds/{gid}/scheduled-events/{eid}")
        async def edit_event(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            event = self._event(m["gid"], m["eid"])
            payload = rec.json or {}
            _invalid(limits.check_scheduled_event(payload, partial=True))
            event.update(payload)
            return 200, event

        @r("DELETE", "/guilds/{gid}/scheduled-events/{eid}")
        async def delete_event(req: web.Request, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
            self._event(m["gid"], m["eid"])
            del self.scheduled_events_by_id[int(m["eid"])]
            return 204, None

    def _event(self, gid: str, eid: str) -> dict[str, Any]:
        event = self.scheduled_events_by_id.get(int(eid))
        if event is None or event["guild_id"] != gid:
            raise DiscordError(404, 10070, "Unknown Guild Scheduled Event")
        return event

    # -- messages -------------------------------------------------------------------------------
    def _attachments(self, files: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for f in files:
            aid = snowflake()
            out.append({"id": str(aid), "filename": f["filename"] or "file", "size": len(f["content"]),
                        "url": f"http://127.0.0.1:{self.port}/attachments/{aid}/{f['filename']}",
                        "proxy_url": f"http://127.0.0.1:{self.port}/attachments/{aid}/{f['filename']}",
                        "content_type": f.get("content_type")})
        return out

    def _store_message(self, channel_id: int, payload: dict[str, Any], files: list[dict[str, Any]], *,
                       interaction: InteractionRecord | None = None, flags: int | None = None) -> dict[str, Any]:
        channel = self.channel(channel_id)
        msg: dict[str, Any] = {
            "id": str(snowflake()), "channel_id": str(channel_id), "author": self.bot_user.payload(),
            "content": payload.get("content") or "", "timestamp": iso_now(), "edited_timestamp": None,
            "tts": bool(payload.get("tts")), "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": self._attachments(files), "embeds": payload.get("embeds") or [], "pinned": False,
            "type": 0, "flags": int(flags if flags is not None else payload.get("flags") or 0),
            "components": payload.get("components") or [], "allowed_mentions": payload.get("allowed_mentions"),
        }
        if payload.get("message_reference"):
            msg["message_reference"] = payload["message_reference"]
        self.files_by_message[int(msg["id"])] = list(files)
        if channel.guild_id is not None:
            msg["guild_id"] = str(channel.guild_id)
        if interaction is not None:
            msg["application_id"] = str(self.application_id)
            msg["webhook_id"] = str(self.application_id)
            msg["interaction_metadata"] = {"id": str(interaction.id), "type": interaction.type,
                                           "user": self._find_user(interaction.user_id).payload()}  # type: ignore[union-attr]
        self.messages[int(msg["id"])] = msg
        return msg

    def _edit_message(self, msg: dict[str, Any], payload: dict[str, Any],
                      files: list[dict[str, Any]]) -> dict[str, Any]:
        for key in ("content", "embeds", "components", "flags", "allowed_mentions"):
            if key in payload:
                msg[key] = payload[key] if payload[key] is not None else ([] if key != "content" else "")
        if "attachments" in payload or files:
            kept = {str(a.get("id")) for a in payload.get("attachments") or []}
            msg["attachments"] = [a for a in msg["attachments"] if a["id"] in kept] + self._attachments(files)
        if files:
            self.files_by_message.setdefault(int(msg["id"]), []).extend(files)
        msg["edited_timestamp"] = iso_now()
        msg.setdefault("edits", []).append(payload)
        return msg

    def _message(self, channel_id: int, message_id: int) -> dict[str, Any]:
        self.channel(channel_id)
        msg = self.messages.get(message_id)
        if msg is None or int(msg["channel_id"]) != channel_id or msg.get("deleted"):
            raise DiscordError(404, 10008, "Unknown Message")
        return msg

    def _webhook_message(self, token: str, mid: str) -> dict[str, Any]:
        inter = self._interaction_by_token(token)
        if mid == "@original":
            if inter.original_message_id is None:
                raise DiscordError(404, 10008, "Unknown Message")
            return self.messages[inter.original_message_id]
        msg = self.messages.get(int(mid))
        if msg is None or msg.get("deleted"):
            raise DiscordError(404, 10008, "Unknown Message")
        return msg

    def _interaction_by_token(self, token: str) -> InteractionRecord:
        for inter in self.interactions.values():
            if inter.token == token:
                if self.elapsed(inter) > TOKEN_LIFETIME:
                    raise DiscordError(401, 50027, "Invalid Webhook Token")
                if inter.response is None:
                    # Discord: follow-ups need an acknowledged interaction.
                    raise DiscordError(404, 10015, "Unknown Webhook")
                return inter
        raise DiscordError(401, 50027, "Invalid Webhook Token")

    # -- interaction callbacks ------------------------------------------------------------------
    def _interaction_callback(self, rec: RecordedRequest, interaction_id: int, token: str) -> tuple[int, Any]:
        inter = self.interactions.get(interaction_id)
        if inter is None or inter.token != token:
            raise DiscordError(404, 10062, "Unknown interaction")
        inter.callbacks.append(rec)
        elapsed = self.elapsed(inter)
        if inter.response is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if elapsed > self.interaction_deadline:
            log.warning("fake Discord: callback for interaction %s came after %.2f s: refused", inter.id, elapsed)
            raise DiscordError(404, 10062, "Unknown interaction")
        body = rec.json or {}
        rtype, data = int(body.get("type", 0)), body.get("data") or {}
        if rtype == MESSAGE:
            _invalid(limits.check_message(data, has_files=bool(rec.files)))
        elif rtype == UPDATE_MESSAGE:
            _invalid(limits.check_message(data, has_files=bool(rec.files), partial=True))
        elif rtype == AUTOCOMPLETE:
            if inter.type != 4:
                raise DiscordError(400, 50035, "Invalid Form Body",
                                   limits.form_errors([("type", "Autocomplete only answers autocomplete")]))
            _invalid(limits.check_autocomplete(data))
        elif rtype == MODAL:
            if inter.type in (4, 5):
                raise DiscordError(400, 50035, "Invalid Form Body",
                                   limits.form_errors([("type", "A modal cannot answer this interaction")]))
            _invalid(limits.check_modal(data))
        elif rtype in (DEFERRED_UPDATE,) and inter.type not in (3, 5):
            raise DiscordError(400, 50035, "Invalid Form Body",
                               limits.form_errors([("type", "Only component or modal interactions can be updated")]))
        elif rtype not in (DEFERRED_MESSAGE, DEFERRED_UPDATE):
            raise DiscordError(400, 50035, "Invalid Form Body", limits.form_errors([("type", f"bad type {rtype}")]))
        inter.response = {"type": rtype, "data": data}
        inter.response_elapsed = elapsed
        resource: dict[str, Any] = {"type": rtype}
        info: dict[str, Any] = {"id": str(inter.id), "type": inter.type}
        if rtype in (MESSAGE, DEFERRED_MESSAGE):
            flags = int(data.get("flags") or 0) | (128 if rtype == DEFERRED_MESSAGE else 0)  # 128 = loading
            msg = self._store_message(inter.channel_id, data if rtype == MESSAGE else {}, rec.files,
                                      interaction=inter, flags=flags)
            inter.original_message_id = int(msg["id"])
            info.update(response_message_id=msg["id"], response_message_loading=rtype == DEFERRED_MESSAGE,
                        response_message_ephemeral=bool(flags & 64))
            resource["message"] = msg
        elif rtype == UPDATE_MESSAGE:
            message = inter.payload.get("message")
            if message is not None and int(message["id"]) in self.messages:
                msg = self._edit_message(self.messages[int(message["id"])], data, rec.files)
                inter.original_message_id = int(msg["id"])
                info.update(response_message_id=msg["id"])
                resource["message"] = msg
        elif rtype == DEFERRED_UPDATE:
            message = inter.payload.get("message")
            if message is not None:
                inter.original_message_id = int(message["id"])
        elif rtype == MODAL:
            self._modals_shown.setdefault(inter.user_id, {})[data.get("custom_id", "")] = data
        return 200, {"interaction": info, "resource": resource}


    # -- gateway --------------------------------------------------------------------------------
    async def _send(self, ws: web.WebSocketResponse, op: int, d: Any, t: str | None = None) -> None:
        payload: dict[str, Any] = {"op": op, "d": d, "s": None, "t": t}
        if op == 0:
            self._seq[id(ws)] = self._seq.get(id(ws), 0) + 1
            payload["s"] = self._seq[id(ws)]
        await ws.send_str(json.dumps(payload))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.append(ws)
        try:
            await self._send(ws, 10, {"heartbeat_interval": 41250})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                op = data.get("op")
                if op == 1:
                    await self._send(ws, 11, None)
                elif op == 2:
                    await self._identify(ws, data.get("d") or {})
                elif op == 6:  # resume: not supported, ask for a fresh IDENTIFY
                    await self._send(ws, 9, False)
                elif op == 8:
                    await self._request_members(ws, data.get("d") or {})
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
            await self._notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        self.identifies.append({k: v for k, v in d.items() if k != "token"})
        if d.get("token") != self.token:
            self.gateway_closes.append(4004)
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(d.get("intents") or 0)
        if intents & PRIVILEGED_INTENTS & ~self.allowed_intents:
            self.gateway_closes.append(4014)
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        ready = {
            "v": 10, "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "session_id": secrets.token_hex(16), "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0}, "private_channels": [],
            "relationships": [], "user_settings": {}, "guild_join_requests": [], "presences": [],
        }
        await self._send(ws, 0, ready, "READY")
        for guild in self.guilds.values():
            await self._send(ws, 0, guild.payload(self.bot_member(guild)), "GUILD_CREATE")
        await self._notify()

    async def _request_members(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        """REQUEST_GUILD_MEMBERS by ``user_ids`` (allowed without the members intent): one
        GUILD_MEMBERS_CHUNK with those who are members, the rest in ``not_found``."""
        guild = self.guilds.get(int(d.get("guild_id") or 0))
        wanted = [int(u) for u in d.get("user_ids") or []]
        found = [guild.members[u] for u in wanted if guild is not None and u in guild.members]
        await self._send(ws, 0, {"guild_id": str(d.get("guild_id")), "members": [m.payload() for m in found],
                                 "chunk_index": 0, "chunk_count": 1, "nonce": d.get("nonce"),
                                 "not_found": [str(u) for u in wanted if u not in {m.id for m in found}]},
                         "GUILD_MEMBERS_CHUNK")

    @property
    def connected(self) -> bool:
        return bool(self._sockets)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to every connected bot."""
        if not self._sockets:
            raise AssertionError("no bot is connected to the fake gateway")
        for ws in list(self._sockets):
            await self._send(ws, 0, data, event)

    # -- acting as a member ---------------------------------------------------------------------
    def _default_channel(self, guild: FakeGuild) -> FakeChannel:
        return guild.text_channels[0]

    def _base_interaction(self, itype: int, data: dict[str, Any], user: FakeMember,
                          channel: FakeChannel | None) -> InteractionRecord:
        guild = self.guild_of(user)
        channel = channel or self._default_channel(guild)
        iid, token = snowflake(), "itoken-" + secrets.token_urlsafe(24)
        perms = guild.permissions_of(user)
        payload: dict[str, Any] = {
            "id": str(iid), "type": itype, "token": token, "version": 1,
            "application_id": str(self.application_id), "attachment_size_limit": 10 * 1024 * 1024,
            "data": data, "guild_id": str(guild.id), "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "guild_locale": "en-US", "channel_id": str(channel.id),
            "channel": {**channel.payload(), "permissions": str(perms)},
            "member": {**user.payload(), "permissions": str(perms)},
            "app_permissions": str(guild.permissions_of(self.bot_member(guild)) | (1 << 40) - 1),
            "locale": "en-GB", "entitlements": [], "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
        }
        record = InteractionRecord(iid, token, itype, guild.id, channel.id, user.id, time.monotonic(), payload)
        self.interactions[iid] = record
        return record

    async def _inject(self, record: InteractionRecord, within: float) -> InteractionResult:
        record.created = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", record.payload)
        await self.wait_until(lambda: record.callbacks, within, f"the bot to answer interaction {record.id}")
        result = InteractionResult(self, record)
        resp = record.response
        if resp is not None and resp["type"] == DEFERRED_MESSAGE:
            await result.wait_original(within)
        return result

    def find_command(self, name: str, guild_id: int) -> dict[str, Any]:
        for scope in (guild_id, None):
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    return cmd
        synced = sorted(c["name"] for scope in self.commands.values() for c in scope)
        raise AssertionError(f"/{name} was never synced to the fake Discord (synced: {synced})")

    def _build_options(self, command: str, guild: FakeGuild, values: dict[str, Any],
                       focused: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """``data`` for ``/command [group] [sub]`` with ``values``, typed by the synced definition."""
        names = command.split()
        cmd = self.find_command(names[0], guild.id)
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1, "guild_id": str(guild.id)}
        container, definitions = data, cmd.get("options") or []
        for sub in names[1:]:
            match = next((o for o in definitions if o["name"] == sub and o["type"] in (1, 2)), None)
            if match is None:
                raise AssertionError(f"/{command}: no subcommand {sub!r}")
            node: dict[str, Any] = {"name": sub, "type": match["type"]}
            container.setdefault("options", []).append(node)
            container, definitions = node, match.get("options") or []
        resolved: dict[str, dict[str, Any]] = {}
        options = []
        known = {o["name"]: o for o in definitions}
        for key, value in values.items():
            opt_name = key.replace("_", "-") if key not in known and key.replace("_", "-") in known else key
            if opt_name not in known:
                raise AssertionError(f"/{command} has no option {key!r} (it has {sorted(known)})")
            otype = known[opt_name]["type"]
            if opt_name == focused:
                options.append({"name": opt_name, "type": otype, "value": str(value), "focused": True})
                continue
            options.append({"name": opt_name, "type": otype, "value": self._option_value(otype, value, guild,
                                                                                       resolved)})
        missing = [o["name"] for o in definitions if o.get("required") and o["name"] not in
                   {opt["name"] for opt in options} and focused is None]
        if missing:
            raise AssertionError(f"/{command}: required option(s) missing: {missing}")
        container["options"] = options
        if resolved:
            data["resolved"] = resolved
        return data, resolved

    def _option_value(self, otype: int, value: Any, guild: FakeGuild, resolved: dict[str, dict[str, Any]]) -> Any:
        if otype == 8:  # role
            role = value if isinstance(value, FakeRole) else guild.roles[int(value)]
            resolved.setdefault("roles", {})[str(role.id)] = role.payload()
            return str(role.id)
        if otype in (6, 9):  # user / mentionable
            member = value if isinstance(value, FakeMember) else guild.members[int(value)]
            resolved.setdefault("users", {})[str(member.id)] = member.user.payload()
            resolved.setdefault("members", {})[str(member.id)] = {
                **member.payload(with_user=False), "permissions": str(guild.permissions_of(member))}
            return str(member.id)
        if otype == 7:  # channel
            channel = value if isinstance(value, FakeChannel) else guild.channels[int(value)]
            resolved.setdefault("channels", {})[str(channel.id)] = {
                **channel.payload(), "permissions": str(guild.permissions_of(guild.members[next(iter(guild.members))]))}
            return str(channel.id)
        return value

    async def slash(self, command: str, *, user: FakeMember, channel: FakeChannel | None = None,
                    within: float = 5.0, **options: Any) -> InteractionResult:
        """Run ``/command [group] [sub]`` as ``user`` and wait for the bot's acknowledgement (and, if it
        deferred, for the answer). Option names with ``-`` can be given with ``_``."""
        data, _ = self._build_options(command, self.guild_of(user), options)
        return await self._inject(self._base_interaction(2, data, user, channel), within)

    async def autocomplete(self, command: str, option: str, current: str, *, user: FakeMember,
                           channel: FakeChannel | None = None, within: float = 5.0,
                           **other_options: Any) -> InteractionResult:
        """Type ``current`` into ``option`` of ``/command``; ``result.choices`` is what Discord would show."""
        values = {**other_options, option: current}
        data, _ = self._build_options(command, self.guild_of(user), values, focused=option.replace("_", "-")
                                      if "_" in option else option)
        return await self._inject(self._base_interaction(4, data, user, channel), within)

    async def click(self, message: dict[str, Any] | int, custom_id: str, *, user: FakeMember,
                    values: list[str] | None = None, within: float = 5.0) -> InteractionResult:
        """Click the button (or choose ``values`` in the select) ``custom_id`` on a message the bot sent."""
        mid = int(message["id"]) if isinstance(message, dict) else int(message)
        stored = self.messages.get(mid)
        if stored is None or stored.get("deleted"):
            raise AssertionError(f"message {mid} does not exist (or was deleted)")
        component = next((c for c in iter_components(stored.get("components") or [])
                          if c.get("custom_id") == custom_id), None)
        if component is None:
            ids = [c.get("custom_id") for c in iter_components(stored.get("components") or []) if c.get("custom_id")]
            raise AssertionError(f"message {mid} has no component {custom_id!r} (it has {ids})")
        if component.get("disabled"):
            raise AssertionError(f"component {custom_id!r} is disabled: a member cannot click it")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] != 2:
            data["values"] = values or []
        channel = self.channel(int(stored["channel_id"]))
        public = {k: v for k, v in stored.items() if k not in ("edits", "deleted", "allowed_mentions")}
        record = self._base_interaction(3, data, user, channel if channel.type == 0 else None)
        record.payload["message"] = public
        return await self._inject(record, within)

    async def submit_modal(self, custom_id: str, values: dict[str, str], *, user: FakeMember,
                           within: float = 5.0) -> InteractionResult:
        """Fill in and submit the modal ``custom_id`` that the bot showed ``user`` (fields by custom_id)."""
        modal = self._modals_shown.get(user.id, {}).get(custom_id)
        if modal is None:
            shown = list(self._modals_shown.get(user.id, {}))
            raise AssertionError(f"the bot never showed modal {custom_id!r} to {user.name} (shown: {shown})")
        inputs = {c["custom_id"]: c for c in limits.modal_inputs(modal)}
        unknown = set(values) - set(inputs)
        if unknown:
            raise AssertionError(f"modal {custom_id!r} has no field(s) {sorted(unknown)} (it has {sorted(inputs)})")

        def filled(comp: dict[str, Any]) -> dict[str, Any]:
            value = values.get(comp["custom_id"], "")
            if comp.get("required", True) and not value:
                raise AssertionError(f"field {comp['custom_id']!r} is required: Discord would not submit")
            if comp.get("max_length") and len(value) > int(comp["max_length"]):
                raise AssertionError(f"field {comp['custom_id']!r} allows {comp['max_length']} characters")
            return {"type": comp.get("type", 4), "custom_id": comp["custom_id"], "value": value}

        components = []
        for top in modal.get("components") or []:
            if top.get("type") == 1:
                components.append({"type": 1, "components": [filled(c) for c in top.get("components") or []]})
            elif top.get("type") == 18:
                components.append({"type": 18, "id": top.get("id"), "component": filled(top["component"])})
        data = {"custom_id": custom_id, "components": components}
        return await self._inject(self._base_interaction(5, data, user, None), within)

    async def mention(self, text: str, *, user: FakeMember, channel: FakeChannel | None = None,
                      within: float = 5.0) -> dict[str, Any]:
        """Post ``@jetbot text`` as ``user`` and return the bot's reply message in that channel."""
        guild = self.guild_of(user)
        channel = channel or self._default_channel(guild)
        mid = snowflake()
        start = len(self.requests)
        await self.dispatch("MESSAGE_CREATE", {
            "id": str(mid), "channel_id": str(channel.id), "guild_id": str(guild.id),
            "author": user.user.payload(), "member": user.payload(with_user=False),
            "content": f"<@{self.bot_user.id}> {text}", "timestamp": iso_now(), "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [self.bot_user.payload()], "mention_roles": [],
            "attachments": [], "embeds": [], "pinned": False, "type": 0, "flags": 0, "components": [],
        })
        path = f"/channels/{channel.id}/messages"

        def reply() -> dict[str, Any] | None:
            return next((r.response for r in self.requests[start:]
                         if r.method == "POST" and r.path == path and r.status == 200), None)

        return await self.wait_until(reply, within, f"a reply to the mention in #{channel.name}")

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

