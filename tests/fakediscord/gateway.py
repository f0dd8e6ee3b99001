"""The fake's gateway websocket: HELLO, IDENTIFY → READY → GUILD_CREATE (or close 4004 / 4014),
RESUME → RESUMED (or op 9 when the session cannot be resumed), heartbeats, REQUEST_GUILD_MEMBERS,
``dispatch`` for events a test sends the bot, and the accidents of a real connection: ``drop_connections``
(Discord closes the socket) and ``refuse_connections`` (Discord unreachable for a while).

Sharding as Discord does it: an IDENTIFY with ``shard: [id, count]`` gets READY and GUILD_CREATE for the
servers on that shard only (``(guild_id >> 22) % count``), and a server's events go to the socket of its
shard (events without a server, such as DMs, to shard 0)."""

from __future__ import annotations

import json
import secrets
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakediscord.core import PRIVILEGED_INTENTS, FakeBase


class Gateway(FakeBase):
    """One websocket per connected bot (``_sockets``). A session from READY can be resumed on a new socket
    (``resumes`` lists them; events sent while it was away are replayed first, ``replayed``) unless
    ``resumable`` is False, when op 9 asks the bot to identify again."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.resumable = True
        self.resumes: list[str] = []  # session ids the bot resumed
        self.refused_connections = 0  # gateway connections answered 503 so far
        self._refuse_next = 0
        self._sessions: set[str] = set()
        self._session_of: dict[int, str] = {}  # socket id -> its session
        self._dropping: set[int] = set()  # sockets the fake is closing: their sessions stay resumable
        # Sessions whose socket dropped (not closed by the bot), with the events sent since: replayed on RESUME.
        self._missed: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self.replayed: list[str] = []  # events delivered late, on a RESUME
        self._shard_of: dict[int, tuple[int, int]] = {}  # socket id -> (shard id, shard count)

    async def _send(self, ws: web.WebSocketResponse, op: int, d: Any, t: str | None = None) -> None:
        payload: dict[str, Any] = {"op": op, "d": d, "s": None, "t": t}
        if op == 0:
            self._seq[id(ws)] = self._seq.get(id(ws), 0) + 1
            payload["s"] = self._seq[id(ws)]
        await ws.send_str(json.dumps(payload))

    async def _serve_gateway(self, request: web.Request) -> web.StreamResponse:
        if self._refuse_next > 0:
            self._refuse_next -= 1
            self.refused_connections += 1
            await self._notify()
            return web.Response(status=503, text="Service Unavailable")
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
                elif op == 6:
                    await self._resume(ws, data.get("d") or {})
                elif op == 8:
                    await self._request_members(ws, data.get("d") or {})
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
            self._shard_of.pop(id(ws), None)
            session = self._session_of.pop(id(ws), None)
            if session is not None:
                if id(ws) not in self._dropping and ws.close_code in (1000, 1001):
                    self._sessions.discard(session)  # the bot ended its session (a clean stop)
                elif session in self._sessions:  # dropped: Discord keeps what the bot misses
                    self._missed.setdefault(session, [])
            self._dropping.discard(id(ws))
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
        session_id = secrets.token_hex(16)
        self._sessions.add(session_id)
        self._session_of[id(ws)] = session_id
        shard = d.get("shard")
        if shard:
            self._shard_of[id(ws)] = (int(shard[0]), int(shard[1]))
        guilds = [g for g in self.guilds.values() if self._on_shard(id(ws), g.id)]
        ready = {
            "v": 10, "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session_id, "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0}, "private_channels": [],
            "relationships": [], "user_settings": {}, "guild_join_requests": [], "presences": [],
        }
        if shard:
            ready["shard"] = [int(shard[0]), int(shard[1])]
        await self._send(ws, 0, ready, "READY")
        for guild in guilds:
            await self._send(ws, 0, guild.payload(self.bot_member(guild)), "GUILD_CREATE")
        await self._notify()

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        """RESUME on a new socket: the session goes on where it was (same sequence, no READY); an unknown
        session, or any while ``resumable`` is False, gets op 9 ``false``: identify again."""
        session = str(d.get("session_id"))
        if d.get("token") != self.token:
            self.gateway_closes.append(4004)
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        if not self.resumable or session not in self._sessions:
            self._sessions.discard(session)
            self._missed.pop(session, None)  # what it missed is lost, as on Discord
            await self._send(ws, 9, False)
            return
        self._seq[id(ws)] = int(d.get("seq") or 0)
        self._session_of[id(ws)] = session
        self.resumes.append(session)
        for event, data in self._missed.pop(session, []):  # missed events first, then RESUMED
            self.replayed.append(event)
            await self._send(ws, 0, data, event)
        await self._send(ws, 0, {}, "RESUMED")
        await self._notify()

    async def drop_connections(self, code: int = 4000) -> None:
        """Discord closes every bot's socket (4000: unknown error, reconnect), as on a network blip or
        a gateway restart; the bot is expected to connect again and resume."""
        for ws in list(self._sockets):
            self._dropping.add(id(ws))
            await ws.close(code=code, message=b"Unknown error.")
        await self.wait_until(lambda: not self._sockets, 5.0, "the dropped socket to close")

    @property
    def kept_for_resume(self) -> int:
        """Events waiting for a dropped bot to resume."""
        return sum(len(events) for events in self._missed.values())

    def refuse_connections(self, count: int) -> None:
        """Answer the next ``count`` gateway connections with 503, as when Discord cannot be reached."""
        self._refuse_next = count

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

    def _on_shard(self, socket_id: int, guild_id: int | None) -> bool:
        """Whether a server's events go to this socket (every one, for a bot that is not sharded)."""
        if socket_id not in self._shard_of:
            return True
        shard, count = self._shard_of[socket_id]
        return (((guild_id or 0) >> 22) % count) == shard

    @property
    def shards_connected(self) -> list[tuple[int, int]]:
        """(shard id, shard count) of every connected sharded socket."""
        return sorted(self._shard_of[id(ws)] for ws in self._sockets if id(ws) in self._shard_of)

    @property
    def connected(self) -> bool:
        return bool(self._sockets)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to every connected bot; while a bot's socket is down, keep it for its
        RESUME (as Discord does)."""
        if not self._sockets:
            if not self._missed:
                raise AssertionError("no bot is connected to the fake gateway")
            for missed in self._missed.values():
                missed.append((event, data))
            await self._notify()
            return
        guild_id = int(data["guild_id"]) if isinstance(data, dict) and data.get("guild_id") else None
        for ws in list(self._sockets):
            if self._on_shard(id(ws), guild_id):
                await self._send(ws, 0, data, event)
