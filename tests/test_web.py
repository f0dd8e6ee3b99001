"""The web server over real HTTP on 127.0.0.1: feed and page responses, 404s that tell nothing, rotation,
cache headers and 304s, no member data, /healthz, and its start/stop with the settings."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from unittest.mock import MagicMock

import aiohttp
import icalendar
import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.knowledge import KnowledgeService
from bot.services import Services, build_services
from bot.storage import Database
from bot.web import WebServer, start_web

GUILD, OTHER = 111, 222
MEMBERS = (515151515151, 525252525252)


@pytest.fixture
async def services(db: Database, clock: FakeClock) -> Services:
    s = build_services(Settings(web_port=0), db, MagicMock(spec=KnowledgeService), clock)
    await db.settings.set_timezone(GUILD, "Asia/Tokyo")
    return s


@pytest.fixture
async def server(services: Services) -> AsyncIterator[WebServer]:
    web = await start_web(services, port=0, gateway_connected=lambda: True)
    assert web is not None and web.host == "127.0.0.1"
    try:
        yield web
    finally:
        await web.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def make_event(services: Services, title: str, start: str = "2026-12-05 18:30", guild: int = GUILD,
                     **kw: object) -> int:
    summary = await services.events.create_event(guild, created_by=MEMBERS[0], channel_id=5, title=title,
                                                 start=start, end="2h", **kw)  # type: ignore[arg-type]
    return summary.event.id


async def test_feed_over_http(services: Services, server: WebServer, http: aiohttp.ClientSession) -> None:
    event_id = await make_event(services, "Karaoke", location="Shinjuku", capacity=10)
    for member in MEMBERS:
        await services.events.rsvp(GUILD, event_id, member, "going")
    url = await server.feed.feed_link(GUILD, "JETAA Tokyo")
    assert url.startswith(f"http://127.0.0.1:{server.port}/cal/") and url.endswith(".ics")
    async with http.get(url) as resp:
        assert resp.status == 200
        assert resp.content_type == "text/calendar" and resp.charset == "utf-8"
        body = await resp.read()
        headers = resp.headers
    cal = icalendar.Calendar.from_ical(body)
    (ev,) = cal.walk("VEVENT")
    assert str(ev["SUMMARY"]) == "Karaoke" and ev["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert str(cal["X-WR-CALNAME"]) == "JETAA Tokyo"
    assert headers["Cache-Control"] == "public, max-age=300"
    assert re.fullmatch(r'"[0-9a-f]{32}"', headers["ETag"])
    assert headers["Last-Modified"].endswith(" GMT")
    assert headers["Referrer-Policy"] == "no-referrer"
    for member in MEMBERS:  # neither who is going nor who created it
        assert str(member).encode() not in body

    # HEAD answers the same headers without a body (some calendar apps probe first).
    async with http.head(url) as resp:
        assert resp.status == 200 and resp.headers["ETag"] == headers["ETag"]


async def test_conditional_requests_get_304(services: Services, server: WebServer, http: aiohttp.ClientSession,
                                            clock: FakeClock) -> None:
    event_id = await make_event(services, "Karaoke")
    url = await server.feed.feed_link(GUILD)
    async with http.get(url) as resp:
        etag, modified = resp.headers["ETag"], resp.headers["Last-Modified"]
    async with http.get(url, headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304 and await resp.read() == b""
        assert resp.headers["ETag"] == etag and resp.headers["Cache-Control"] == "public, max-age=300"
    async with http.get(url, headers={"If-Modified-Since": modified}) as resp:
        assert resp.status == 304
    async with http.get(url, headers={"If-None-Match": '"something-else"', "If-Modified-Since": modified}) as resp:
        assert resp.status == 200  # If-None-Match wins over If-Modified-Since (RFC 9110)
    earlier = format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)
    async with http.get(url, headers={"If-Modified-Since": earlier}) as resp:
        assert resp.status == 200

    clock.advance(minutes=1)
    await services.events.edit_event(GUILD, event_id, location="Shibuya")
    clock.advance(minutes=1)
    async with http.get(url, headers={"If-None-Match": etag, "If-Modified-Since": modified}) as resp:
        assert resp.status == 200
        assert resp.headers["ETag"] != etag
        assert "LOCATION:Shibuya" in await resp.text()
        assert "SEQUENCE:1" in await resp.text()


async def test_bad_and_rotated_tokens_are_bare_404s(services: Services, server: WebServer,
                                                    http: aiohttp.ClientSession) -> None:
    event_id = await make_event(services, "Karaoke")
    url = await server.feed.feed_link(GUILD)
    page = await server.feed.page_link(GUILD, event_id)
    base = f"http://127.0.0.1:{server.port}"
    bad = [
        f"{base}/cal/{'A' * 43}.ics",  # well-formed, unknown
        f"{base}/cal/short.ics",  # malformed
        f"{base}/cal/{url.rsplit('/', 1)[1].removesuffix('.ics')}",  # without .ics
        f"{base}/e/{'B' * 22}",
        f"{base}/e/{'B' * 22}.ics",
        f"{base}/e/%3Cscript%3E",
        f"{base}/e/",
        f"{base}/",
        f"{base}/robots.txt",
    ]
    bodies = set()
    for target in bad:
        async with http.get(target) as resp:
            assert resp.status == 404, target
            bodies.add(await resp.text())
    assert bodies == {"Not found\n"}  # one answer for every miss: nothing tells which tokens exist

    async with http.get(url) as resp:
        assert resp.status == 200
    async with http.get(page) as resp:
        assert resp.status == 200
    new_url = await server.feed.rotate(GUILD)
    for old in (url, page, page + ".ics"):
        async with http.get(old) as resp:
            assert resp.status == 404 and await resp.text() == "Not found\n"
    async with http.get(new_url) as resp:
        assert resp.status == 200
    # A wrong method is refused without detail too.
    async with http.post(new_url) as resp:
        assert resp.status == 405


async def test_event_page_shows_the_event_escaped_and_no_members(services: Services, server: WebServer,
                                                                 http: aiohttp.ClientSession) -> None:
    title = 'Sake <script>alert("x")</script> & "tasting"'
    event_id = await make_event(services, title, location="<b>Bar</b>", capacity=5,
                                description="Bring ID\n<img src=x onerror=alert(1)>")
    await services.events.rsvp(GUILD, event_id, MEMBERS[0], "going")
    await services.events.rsvp(GUILD, event_id, MEMBERS[1], "maybe")
    page = await server.feed.page_link(GUILD, event_id)
    async with http.get(page) as resp:
        assert resp.status == 200 and resp.content_type == "text/html"
        html = await resp.text()
        assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["Cache-Control"].startswith("public, max-age=")
    assert "<script>" not in html and "<img" not in html and "<b>Bar" not in html
    assert "Sake &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;tasting&quot;" in html
    assert '<meta property="og:title" content="Sake &lt;script&gt;' in html
    assert '<meta property="og:type" content="website">' in html
    assert '<meta property="og:description" content="Saturday 5 December 2026, 18:30–20:30 JST (Asia/Tokyo)' in html
    assert "4 of 5" in html  # places left: one going, the maybe takes no place
    assert "Add to calendar" in html and "calendar.google.com/calendar/render?action=TEMPLATE" in html
    for member in MEMBERS:
        assert str(member) not in html

    # The page's own .ics link: the same UID and SEQUENCE as in the feed.
    ics_url = re.search(r'href="([^"]+\.ics)"', html).group(1)  # type: ignore[union-attr]
    async with http.get(ics_url) as resp:
        assert resp.status == 200 and resp.content_type == "text/calendar"
        one = icalendar.Calendar.from_ical(await resp.read()).walk("VEVENT")[0]
    async with http.get(await server.feed.feed_link(GUILD)) as resp:
        in_feed = icalendar.Calendar.from_ical(await resp.read()).walk("VEVENT")[0]
    assert str(one["UID"]) == str(in_feed["UID"]) and int(one["SEQUENCE"]) == int(in_feed["SEQUENCE"])


async def test_cancelled_event_page_says_so(services: Services, server: WebServer,
                                            http: aiohttp.ClientSession) -> None:
    event_id = await make_event(services, "Picnic")
    page = await server.feed.page_link(GUILD, event_id)
    await services.events.cancel_event(GUILD, event_id)
    async with http.get(page) as resp:
        html = await resp.text()
    assert '<span class="status">Cancelled</span>' in html and "Cancelled: Picnic" in html


async def test_healthz(services: Services, db: Database, clock: FakeClock, http: aiohttp.ClientSession) -> None:
    connected = {"now": True}
    web = await start_web(services, port=0, gateway_connected=lambda: connected["now"])
    assert web is not None
    url = f"http://127.0.0.1:{web.port}/healthz"
    try:
        async with http.get(url) as resp:
            assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
            body = await resp.json()
        assert body == {"status": "ok", "gateway_connected": True, "database_writable": True,
                        "last_reminder_run": None, "reminders_on_time": True}
        assert await db.meta.get("healthz:last_check") == clock.now.isoformat()  # it really wrote

        web.health.reminders_ran(clock.now)
        clock.advance(minutes=11)
        async with http.get(url) as resp:
            assert resp.status == 503
            body = await resp.json()
        assert body["reminders_on_time"] is False and body["last_reminder_run"] == "2026-11-21T12:00:00+00:00"
        web.health.reminders_ran()
        async with http.get(url) as resp:
            assert resp.status == 200

        connected["now"] = False
        async with http.get(url) as resp:
            assert resp.status == 503 and (await resp.json())["gateway_connected"] is False
        connected["now"] = True

        await db.close()  # the database going away is reported, not a traceback
        async with http.get(url) as resp:
            assert resp.status == 503 and (await resp.json())["database_writable"] is False
    finally:
        await web.stop()


async def test_off_unless_a_port_is_set(db: Database, clock: FakeClock) -> None:
    services = build_services(Settings(), db, MagicMock(spec=KnowledgeService), clock)
    assert await start_web(services) is None


async def test_settings_read_from_the_environment() -> None:
    from bot.config import ConfigError

    s = Settings.from_env({"JETBOT_WEB_PORT": "8080", "JETBOT_PUBLIC_URL": "https://cal.example.org/"})
    assert (s.web_port, s.web_host, s.public_url) == (8080, "127.0.0.1", "https://cal.example.org")
    assert Settings.from_env({}).web_port is None
    assert Settings.from_env({"JETBOT_WEB_PORT": "80", "JETBOT_WEB_HOST": "0.0.0.0"}).web_host == "0.0.0.0"
    for bad in ({"JETBOT_WEB_PORT": "70000"}, {"JETBOT_WEB_PORT": "web"},
                {"JETBOT_WEB_PORT": "80", "JETBOT_PUBLIC_URL": "cal.example.org"}):
        with pytest.raises(ConfigError):
            Settings.from_env(bad)


async def test_a_taken_port_is_one_clear_error(services: Services, server: WebServer) -> None:
    with pytest.raises(OSError, match=f"cannot start the web server on 127.0.0.1:{server.port}"):
        await start_web(services, port=server.port)


async def test_public_url_is_used_for_links(db: Database, clock: FakeClock, http: aiohttp.ClientSession) -> None:
    services = build_services(Settings(web_port=0, public_url="https://events.example.org"), db,
                              MagicMock(spec=KnowledgeService), clock)
    web = await start_web(services, port=0)
    assert web is not None
    try:
        url = await web.feed.feed_link(GUILD)
        assert url.startswith("https://events.example.org/cal/")
        local = url.replace("https://events.example.org", f"http://127.0.0.1:{web.port}")
        event_id = await make_event(services, "Quiz", start=(clock.now + timedelta(days=3)).strftime("%Y-%m-%d %H:%M"))
        async with http.get(local) as resp:
            assert resp.status == 200
            assert "URL:https://events.example.org/e/" in (await resp.text()).replace("\r\n ", "")
        assert event_id
    finally:
        await web.stop()
