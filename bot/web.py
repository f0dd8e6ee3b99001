"""jetbot's small web server: the calendar feed, public event pages and ``/healthz``. No Discord imports.

An ``aiohttp.web`` application run in the bot's own event loop (started from ``JetBot.setup_hook``,
stopped in ``JetBot.close``), off unless ``JETBOT_WEB_PORT`` is set, bound to 127.0.0.1 unless
``JETBOT_WEB_HOST`` says otherwise: in production it sits behind a reverse proxy that terminates TLS.
It reads through the services, never with its own SQL.

Routes::

    GET /cal/<token>.ics    a server's calendar feed (subscribe in Google / Apple / Outlook)
    GET /e/<slug>           an event's public page (phone-friendly, Open Graph tags, no member names)
    GET /e/<slug>.ics       that event's calendar file
    GET /healthz            JSON: gateway connected, database writable, last reminder run; 200 or 503

An unknown, malformed or rotated token or slug is a bare 404, the same as a path that never existed,
so a response tells nothing about which tokens exist.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING

from aiohttp import web

from bot.clock import Clock
from bot.feed import CalendarFile, FeedService
from bot.web_pages import render_event_page

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("jetbot.web")

_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,100}$")
FEED_MAX_AGE = 300  # seconds calendar apps and proxies may keep a feed without asking again
PAGE_MAX_AGE = 60
REMINDERS_STALE = timedelta(minutes=10)  # the reminder loop runs every minute
HEALTH_KEY = "healthz:last_check"

# Pages and feeds live at secret URLs: never send them on as a Referer, never index them, never frame them.
_COMMON_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
}
_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


class Health:
    """What ``/healthz`` reports. The bot tells it when the reminder loop ran."""

    def __init__(self, services: Services, *, gateway_connected: Callable[[], bool] | None = None,
                 clock: Clock | None = None) -> None:
        self.services = services
        self.gateway_connected = gateway_connected or (lambda: False)
        self.clock = clock or services.clock
        self.started_at = self.clock()
        self.last_reminder_run: datetime | None = None

    def reminders_ran(self, when: datetime | None = None) -> None:
        self.last_reminder_run = when or self.clock()

    async def database_writable(self) -> bool:
        """A real write (a timestamp in the ``meta`` table), so a full disk or a read-only file shows."""
        try:
            await self.services.db.meta.set(HEALTH_KEY, self.clock().isoformat())
            return True
        except Exception as exc:  # any failure to write is exactly what this reports
            log.warning("health check: database not writable: %s", exc)
            return False

    async def check(self) -> tuple[bool, dict[str, object]]:
        now = self.clock()
        gateway = bool(self.gateway_connected())
        database = await self.database_writable()
        last = self.last_reminder_run
        # Reminders are late if the loop has not run for a while once the bot has been up that long.
        reference = last if last is not None else self.started_at
        reminders_ok = not gateway or now - reference <= REMINDERS_STALE
        ok = gateway and database and reminders_ok
        return ok, {
            "status": "ok" if ok else "unhealthy",
            "gateway_connected": gateway,
            "database_writable": database,
            "last_reminder_run": last.astimezone(UTC).isoformat() if last else None,
            "reminders_on_time": reminders_ok,
        }


# -- HTTP caching ------------------------------------------------------------------------------------
def _http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _not_modified(request: web.Request, file: CalendarFile) -> bool:
    """RFC 9110: If-None-Match wins; If-Modified-Since only counts without it."""
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or file.etag in tags
    ims = request.headers.get("If-Modified-Since")
    if ims:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return file.last_modified.replace(microsecond=0) <= since
    return False


def _validators(file: CalendarFile, max_age: int) -> dict[str, str]:
    return {
        **_COMMON_HEADERS,
        "ETag": file.etag,
        "Last-Modified": _http_date(file.last_modified),
        "Cache-Control": f"public, max-age={max_age}",
    }


def _calendar_response(request: web.Request, file: CalendarFile, *, filename: str, max_age: int) -> web.Response:
    headers = _validators(file, max_age)
    if _not_modified(request, file):
        return web.Response(status=304, headers=headers)
    headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return web.Response(body=file.body, headers=headers, content_type="text/calendar", charset="utf-8")


def _not_found() -> web.Response:
    return web.Response(status=404, text="Not found\n", headers={**_COMMON_HEADERS, "Cache-Control": "no-store"})


# -- the application ---------------------------------------------------------------------------------
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_app(feed: FeedService, health: Health) -> web.Application:
    """The routes over ready-made services (tests build it the same way)."""

    async def calendar_feed(request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if not _SECRET.match(token):
            return _not_found()
        file = await feed.calendar_for_token(token)
        if file is None:
            return _not_found()
        return _calendar_response(request, file, filename="events.ics", max_age=FEED_MAX_AGE)

    async def event_page(request: web.Request) -> web.StreamResponse:
        slug = request.match_info["slug"]
        if slug.endswith(".ics"):
            return await event_ics(request, slug.removesuffix(".ics"))
        if not _SECRET.match(slug):
            return _not_found()
        page = await feed.page(slug)
        if page is None:
            return _not_found()
        html = render_event_page(page)
        headers = {**_COMMON_HEADERS, "Cache-Control": f"public, max-age={PAGE_MAX_AGE}",
                   "Content-Security-Policy": _PAGE_CSP}
        return web.Response(text=html, content_type="text/html", charset="utf-8", headers=headers)

    async def event_ics(request: web.Request, slug: str) -> web.StreamResponse:
        if not _SECRET.match(slug):
            return _not_found()
        file = await feed.event_ics(slug)
        if file is None:
            return _not_found()
        return _calendar_response(request, file, filename="event.ics", max_age=PAGE_MAX_AGE)

    async def healthz(request: web.Request) -> web.StreamResponse:
        ok, body = await health.check()
        return web.Response(status=200 if ok else 503, text=json.dumps(body), content_type="application/json",
                            headers={"Cache-Control": "no-store"})

    @web.middleware
    async def plain_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every 404/405 looks the same, and a bug is a bare 500 (details only in the log)."""
        try:
            return await handler(request)
        except web.HTTPNotFound:
            return _not_found()
        except web.HTTPException:
            raise
        except Exception:
            log.exception("web request failed: %s %s", request.method, request.path.split("/")[1][:8])
            return web.Response(status=500, text="Internal error\n", headers={"Cache-Control": "no-store"})

    app = web.Application(middlewares=[plain_errors])
    app.router.add_get("/cal/{token}.ics", calendar_feed, allow_head=True)
    app.router.add_get("/e/{slug}", event_page, allow_head=True)
    app.router.add_get("/healthz", healthz, allow_head=False)
    return app


@dataclass
class WebServer:
    """A running web server; ``port`` is the bound one (useful with port 0 in tests)."""

    runner: web.AppRunner
    site: web.TCPSite
    health: Health
    feed: FeedService
    host: str
    port: int

    async def stop(self) -> None:
        await self.runner.cleanup()
        log.info("web server stopped")


async def start_web(services: Services, *, gateway_connected: Callable[[], bool] | None = None,
                    host: str | None = None, port: int | None = None) -> WebServer | None:
    """Start the web server when ``JETBOT_WEB_PORT`` is set (``port`` overrides it); None when it is off."""
    settings = services.settings
    port = port if port is not None else settings.web_port
    if port is None:
        return None
    host = host or settings.web_host
    feed: FeedService | None = getattr(services, "feed", None)
    if feed is None:
        feed = FeedService(services.db, services.events, public_url=settings.public_url, clock=services.clock)
    health = Health(services, gateway_connected=gateway_connected)
    runner = web.AppRunner(create_app(feed, health), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise OSError(f"cannot start the web server on {host}:{port}: {exc.strerror or exc}") from None
    bound = port
    server = getattr(site, "_server", None)
    sockets = getattr(server, "sockets", None) or []
    if sockets:
        bound = int(sockets[0].getsockname()[1])
    if feed.public_url is None:  # no JETBOT_PUBLIC_URL: links point at the server itself
        feed.public_url = f"http://{host}:{bound}"
    log.info("web server listening on %s:%d (public URL %s)", host, bound, feed.public_url)
    return WebServer(runner, site, health, feed, host, bound)


__all__ = ["Health", "WebServer", "create_app", "start_web"]
