"""REST plumbing of the fake: a table of routes, request bodies (JSON or multipart uploads), the bot
token check, recording every request, and Discord-shaped errors. The routes themselves are in
``routes.py``."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from aiohttp import BodyPartReader, web

from tests.fakediscord.core import DiscordError, FakeBase, log
from tests.fakediscord.state import RecordedRequest

if TYPE_CHECKING:
    from tests.fakediscord.server import FakeDiscord

Handler = Callable[["FakeDiscord", RecordedRequest, re.Match[str]], Awaitable[tuple[int, Any]]]


@dataclass(frozen=True)
class Route:
    method: str
    regex: re.Pattern[str]
    handler: Handler


def route(method: str, pattern: str, handler: Handler) -> Route:
    """A table row; ``{name}`` in the pattern matches one path segment (``m["name"]`` in the handler)."""
    return Route(method, re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$"), handler)


class RestApi(FakeBase):
    """Answers ``/api/v10/...`` from ``self._routes``; an unknown route is 404 and kept in ``unknown_routes``."""

    _routes: list[Route]
    latency = 0.0  # seconds before each request is answered (set on a fake): a slow Discord keeps work in flight

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Add a route to this fake only (a decorator); shared routes belong in ``routes.py``."""

        def deco(func: Handler) -> Handler:
            self._routes.append(route(method, pattern, func))
            return func

        return deco

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        files: list[dict[str, Any]] = []
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):  # nested multipart: Discord's uploads have none
                    continue
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
        if self.latency:
            await self._notify()  # a test can see the request arrive before it is answered
            await asyncio.sleep(self.latency)
        try:
            for row in self._routes:
                m = row.regex.match(path)
                if m and row.method == request.method:
                    if not (path.startswith(("/interactions/", "/webhooks/"))):
                        self._check_auth(request)
                    status, data = await row.handler(cast("FakeDiscord", self), rec, m)
                    break
            else:
                log.error("fake Discord: UNKNOWN ROUTE %s %s (add it to tests/fakediscord/routes.py)",
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

