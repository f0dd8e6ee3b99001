"""The calendar feed end to end: the real bot (with its web server on 127.0.0.1) against the fake Discord;
an organiser gets the feed link with /calendar feed, and the feed fetched over HTTP shows the events."""

from __future__ import annotations

import dataclasses
import re

import aiohttp
import icalendar

FIELD = "jetbot:event-form:{}".format
LINK = re.compile(r"<(http://127\.0\.0\.1:\d+/cal/[A-Za-z0-9_-]+\.ics)>")
PAGE = re.compile(r"<(http://127\.0\.0\.1:\d+/e/[A-Za-z0-9_-]+)>")


async def create_event(discord, world, title: str, start: str, **fields: str) -> None:
    opened = await discord.slash("event create", user=world.organiser, channel=world.events, capacity=20)
    created = await discord.submit_modal(opened.modal["custom_id"], {
        FIELD("title"): title, FIELD("start"): start, FIELD("end"): fields.get("end", "2h"),
        FIELD("location"): fields.get("location", ""), FIELD("description"): fields.get("description", ""),
    }, user=world.organiser)
    assert f"Created **{title}**" in created.text


async def fetch(url: str, **headers: str) -> tuple[int, bytes, dict[str, str]]:
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as resp:
        return resp.status, await resp.read(), dict(resp.headers)


async def test_organiser_gets_the_feed_and_it_shows_the_events(discord, world, jetbot):
    # The host turns the web server on (port 0: any free port on 127.0.0.1) and restarts the bot.
    jetbot.settings = dataclasses.replace(jetbot.settings, web_port=0)
    await jetbot.restart()
    web = discord.bot.web
    assert web is not None and web.host == "127.0.0.1"

    refused = await discord.slash("calendar feed", user=world.member)
    assert refused.response.ephemeral and "only organisers" in refused.text

    await create_event(discord, world, "Networking Night", "2026-12-05 18:30", location="Tipsy Tanuki")
    await create_event(discord, world, "Winter picnic", "2026-12-12 12:00")
    [_, picnic] = [m for m in discord.channel_messages(world.events) if m.get("embeds")]
    going = next(c["custom_id"] for row in picnic["components"] for c in row["components"]
                 if c["custom_id"].startswith("jetbot:rsvp:") and c["custom_id"].endswith(":going"))
    picnic_id = int(going.split(":")[2])
    await discord.click(picnic, going, user=world.member)
    cancelled = await discord.slash("event cancel", user=world.organiser, event=picnic_id)
    assert "Cancelled **Winter picnic**" in cancelled.text

    got = await discord.slash("calendar feed", user=world.organiser)
    assert got.response.ephemeral
    feed_url = LINK.search(got.text).group(1)  # type: ignore[union-attr]
    assert "Google Calendar" in got.text and "/calendar rotate" in got.text
    pages = PAGE.findall(got.text)
    assert len(pages) == 1  # the one upcoming (not cancelled) event

    status, body, headers = await fetch(feed_url)
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(body)
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"Networking Night", "Winter picnic"}
    assert str(events["Networking Night"]["STATUS"]) == "CONFIRMED"
    assert str(events["Winter picnic"]["STATUS"]) == "CANCELLED"
    assert int(events["Winter picnic"]["SEQUENCE"]) >= 0
    assert str(cal["X-WR-CALNAME"]) == "JETAA Test Chapter"
    for person in (world.member, world.organiser):  # nobody's name or id
        assert person.name.encode() not in body and str(person.id).encode() not in body

    status, _, _ = await fetch(feed_url, **{"If-None-Match": headers["Etag"]})
    assert status == 304

    status, html, _ = await fetch(pages[0])
    assert status == 200 and b"Networking Night" in html and b"Tipsy Tanuki" in html
    assert world.organiser.name.encode() not in html

    rotated = await discord.slash("calendar rotate", user=world.organiser)
    new_url = LINK.search(rotated.text).group(1)  # type: ignore[union-attr]
    assert new_url != feed_url
    assert (await fetch(feed_url))[0] == 404 and (await fetch(pages[0]))[0] == 404
    assert (await fetch(new_url))[0] == 200

    status, health, _ = await fetch(web.feed.public_url + "/healthz")
    assert b'"gateway_connected": true' in health and b'"database_writable": true' in health


async def test_without_a_web_port_the_command_says_how_to_turn_it_on(discord, world):
    assert discord.bot.web is None
    got = await discord.slash("calendar feed", user=world.organiser)
    assert got.response.ephemeral and "JETBOT_WEB_PORT" in got.text
