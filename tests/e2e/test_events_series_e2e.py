"""Issue "Done when", the event side, in one flow through the fake Discord over real sockets: a monthly series
whose next occurrences are posted with their own buttons (and in the server's Events tab), a members-only
occurrence that refuses a non-member, Going with a sign-up question and a guest filling capacity as a party,
skipping an occurrence (members told), check-in (a code, and the organiser's list) marking attendance, the
calendar feed fetched over HTTP showing the series, the skip and a cancellation, and the occurrence's public
page in a real headless browser."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import UTC, datetime

import aiohttp
import icalendar

from tests.browser import phone_page, require_chromium, screenshot

FIELD = "jetbot:event-form:{}".format


async def note(result) -> str:
    """The private reply (a follow-up when the first response updated the post)."""
    if result.response.type == 7:
        [message] = await result.wait_followups(1)
        return message["content"]
    return result.text


def posts(discord, channel) -> list[dict]:
    return [m for m in discord.channel_messages(channel) if m.get("embeds") and m.get("components")]


def event_id_of(post: dict) -> int:
    return int(post["embeds"][0]["footer"]["text"].rsplit("#", 1)[1])


async def fetch(url: str) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        return resp.status, await resp.read()


async def test_monthly_series_members_only_signup_guests_skip_check_in_feed_and_page(discord, world, jetbot):
    # The host runs the web server (port 0: any free port on 127.0.0.1); the bot may manage scheduled events.
    jetbot.settings = dataclasses.replace(jetbot.settings, web_port=0)
    await jetbot.restart()
    await discord.give_bot_role(world.guild, world.organiser_role)
    kai = world.guild.add_member("kai-helper", roles=(world.helper_role,))
    lee = world.guild.add_member("lee-helper", roles=(world.helper_role,))

    opened = await discord.slash("series create", user=world.organiser, channel=world.events,
                                 pattern="monthly-weekday", count=6, capacity=3, ahead_days=80, guests=1,
                                 questions="Dietary requirements?", members_role=world.helper_role)
    assert opened.modal is not None
    created = await discord.submit_modal(opened.modal["custom_id"], {
        FIELD("title"): "Pub night", FIELD("start"): "2026-12-04 19:00", FIELD("end"): "22:00",
        FIELD("location"): "The Tanuki", FIELD("description"): "First Friday of the month",
    }, user=world.organiser)
    assert "Every first Friday of the month, 19:00 (UTC), 6 times" in created.text
    assert "deleted automatically 30 days after the event" in created.text  # told when adding a question

    # The background loop posts the occurrences within 80 days: 4 Dec, 1 Jan, 5 Feb, each with its own buttons,
    # and not the three after them.
    await discord.wait_until(lambda: len(posts(discord, world.events)) >= 3 or None, 5.0, "three occurrence posts")
    december, january, february = posts(discord, world.events)
    dec_id, jan_id, feb_id = event_id_of(december), event_id_of(january), event_id_of(february)
    assert len({dec_id, jan_id, feb_id}) == 3
    for post, eid in ((december, dec_id), (january, jan_id), (february, feb_id)):
        ids = [c["custom_id"] for row in post["components"] for c in row["components"]]
        assert f"jetbot:rsvp:{eid}:going" in ids
    await discord.wait_until(lambda: len(discord.scheduled_events) >= 3 or None, 5.0, "the Events tab entries")
    tab = {e["scheduled_start_time"][:10]: e for e in discord.scheduled_events}
    assert set(tab) == {"2026-12-04", "2027-01-01", "2027-02-05"} and tab["2026-12-04"]["name"] == "Pub night"
    assert "<t:1796410800:F>" in december["embeds"][0]["fields"][0]["value"]  # 2026-12-04 19:00 UTC
    assert "<t:1798830000:F>" in january["embeds"][0]["fields"][0]["value"]  # 2027-01-01 19:00 UTC

    # Members-only: a member without the Helpers role is told why, politely, and nothing is recorded.
    refused = await discord.click(december, f"jetbot:rsvp:{dec_id}:going", user=world.member)
    assert refused.response.ephemeral and "role only" in refused.text and refused.modal is None

    # Going asks the question and how many guests; the party of 2 takes 2 of the 3 places.
    asked = await discord.click(december, f"jetbot:rsvp:{dec_id}:going", user=world.helper)
    assert asked.modal is not None
    going = await discord.submit_modal(asked.modal["custom_id"], {
        "jetbot:signup:q0": "vegetarian", "jetbot:signup:guests": "1"}, user=world.helper)
    assert "You're going to **Pub night** with 1 guest" in await note(going)
    # Kai's party of 2 does not fit the last place: waitlisted whole. Lee alone fits and takes it.
    kai_form = await discord.click(december, f"jetbot:rsvp:{dec_id}:going", user=kai)
    kai_done = await discord.submit_modal(kai_form.modal["custom_id"], {
        "jetbot:signup:q0": "none", "jetbot:signup:guests": "1"}, user=kai)
    assert "waitlist at position **1**" in await note(kai_done)
    lee_form = await discord.click(december, f"jetbot:rsvp:{dec_id}:going", user=lee)
    await discord.submit_modal(lee_form.modal["custom_id"], {
        "jetbot:signup:q0": "halal", "jetbot:signup:guests": "0"}, user=lee)
    summary = await jetbot.services.events.summary(world.guild.id, dec_id)
    assert (summary.taken, summary.going, summary.waitlist, summary.full) == (3, 2, 1, True)
    await discord.wait_until(
        lambda: "3 / 3" in str(discord.messages[int(december["id"])]["embeds"][0]) or None, 5.0, "the post refreshed")

    # The organiser sees the answers and guests, in the message and the file.
    listed = await discord.slash("event attendees", user=world.organiser, event=dec_id)
    assert f"1. <@{world.helper.id}> +1: vegetarian" in listed.text and f"2. <@{lee.id}>: halal" in listed.text
    [upload] = discord.files_of(listed.original) or [f for m in listed.followups for f in discord.files_of(m)]
    rows = list(csv.DictReader(io.StringIO(upload["content"].decode("utf-8-sig"))))
    by_user = {r["user_id"]: r for r in rows}
    assert by_user[str(world.helper.id)]["Dietary requirements?"] == "vegetarian"
    assert by_user[str(world.helper.id)]["guests"] == "1" and by_user[str(kai.id)]["status"] == "waitlist"

    # Skip January: the member who answered it is told by DM; the series goes on.
    jan_form = await discord.click(january, f"jetbot:rsvp:{jan_id}:going", user=lee)
    await discord.submit_modal(jan_form.modal["custom_id"], {"jetbot:signup:q0": "halal",
                                                             "jetbot:signup:guests": "0"}, user=lee)
    series_id = (await jetbot.services.events.summary(world.guild.id, jan_id)).event.series_id
    skipped = await discord.slash("series skip", user=world.organiser, series=series_id, event=jan_id)
    assert "the series goes on" in skipped.text
    await discord.wait_until(lambda: any("cancelled" in d["content"] for d in discord.dms_to(lee)) or None, 5.0,
                             "the skip DM")
    assert any("Only this date is skipped" in d["content"] for d in discord.dms_to(lee))
    assert (await jetbot.services.events.summary(world.guild.id, jan_id)).event.cancelled
    await discord.wait_until(lambda: tab["2027-01-01"]["status"] == 4 or None, 5.0, "January cancelled in the tab")
    # February is called off as a one-off cancellation.
    called_off = await discord.slash("event cancel", user=world.organiser, event=feb_id)
    assert "Cancelled **Pub night**" in called_off.text

    # Check-in: the organiser shows a code in the room; a member types it; attendance is marked.
    jetbot.clock.now = datetime(2026, 12, 4, 18, 45, tzinfo=UTC)
    shown = await discord.slash("event checkin-code", user=world.organiser, event=dec_id)
    code = shown.text.split("**`")[1].split("`**")[0]
    checked = await discord.slash("checkin", user=world.helper, code=code)
    assert "Checked in at **Pub night**" in checked.text
    attendees = await jetbot.services.events.attendees(world.guild.id, dec_id)
    assert attendees.presence(world.helper.id, jetbot.clock.now) == "attended"
    history = await discord.slash("member attendance", user=world.organiser, member=world.helper)
    assert "attended 1 of 1" in history.text
    # The organiser's check-in list: a tap marks Lee as come.
    shown = await discord.slash("event checkin-list", user=world.organiser, event=dec_id)
    listing = await shown.wait_original()
    lee_tap = next(c["custom_id"] for row in listing["components"] for c in row["components"]
                   if c["custom_id"].startswith(f"jetbot:checkin:{dec_id}:0:{lee.id}:"))
    await discord.click(listing, lee_tap, user=world.organiser)
    await discord.wait_until(lambda: "✅ attended 2" in discord.messages[int(listing["id"])]["content"] or None, 5.0,
                             "the list redrawn")
    attendees = await jetbot.services.events.attendees(world.guild.id, dec_id)
    assert attendees.attendance == {world.helper.id: True, lee.id: True}

    # The calendar feed, fetched over HTTP: one series (RRULE, January as an EXDATE), February cancelled.
    got = await discord.slash("calendar feed", user=world.organiser)
    feed_url = re.search(r"<(http://127\.0\.0\.1:\d+/cal/[A-Za-z0-9_-]+\.ics)>", got.text).group(1)  # type: ignore[union-attr]
    status, body = await fetch(feed_url)
    assert status == 200
    vevents = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert {str(v["UID"]) for v in vevents} == {f"jetbot-series-{world.guild.id}-{series_id}@jetbot"}
    [master] = [v for v in vevents if "RECURRENCE-ID" not in v]
    assert master["RRULE"].to_ical() == b"FREQ=MONTHLY;COUNT=6;INTERVAL=1;BYDAY=1FR"
    assert [d.dt.astimezone(UTC) for d in master["EXDATE"].dts] == [datetime(2027, 1, 1, 19, 0, tzinfo=UTC)]
    cancelled = {v.decoded("recurrence-id").astimezone(UTC): str(v["STATUS"]) for v in vevents if "RECURRENCE-ID" in v}
    assert cancelled == {datetime(2027, 2, 5, 19, 0, tzinfo=UTC): "CANCELLED"}
    for person in (world.helper, kai, lee):
        assert person.name.encode() not in body and str(person.id).encode() not in body

    # The December occurrence's public page in a real headless browser: the event, no member data.
    shared = await discord.slash("calendar page", user=world.organiser, event=dec_id)
    page_url = re.search(r"<(http://127\.0\.0\.1:\d+/e/[A-Za-z0-9_-]+)>", shared.text).group(1)  # type: ignore[union-attr]
    require_chromium()
    async with phone_page(page_url.split("/e/")[0]) as (page, outside):
        response = await page.goto(page_url, wait_until="load")
        assert response is not None and response.status == 200
        shot = await screenshot(page, "series-occurrence-page.png")
        assert await page.locator("h1").inner_text() == "Pub night"
        text = await page.locator("main").inner_text()
        assert "The Tanuki" in text and "Full (join the waitlist on Discord)" in text
        html = await page.content()
        for person in (world.helper, kai, lee):
            assert person.name not in html and str(person.id) not in html
        assert outside == []
    assert shot.stat().st_size > 10_000


async def test_series_edit_following_move_end_and_event_options(discord, world, jetbot):
    opened = await discord.slash("series create", user=world.organiser, channel=world.events, pattern="weekly",
                                 until="2027-01-31", ahead_days=14)
    await discord.submit_modal(opened.modal["custom_id"], {
        FIELD("title"): "Japanese class", FIELD("start"): "2026-11-26 18:00", FIELD("end"): "1h",
        FIELD("location"): "Library", FIELD("description"): "",
    }, user=world.organiser)
    await discord.wait_until(lambda: len(posts(discord, world.events)) >= 2 or None, 5.0, "two weekly posts")
    first, second = posts(discord, world.events)
    first_id, second_id = event_id_of(first), event_id_of(second)
    listed = await discord.slash("series list", user=world.member)
    assert "Every Thursday, 18:00 (UTC), until 2027-01-31" in listed.text

    # Move one occurrence: who answered is told.
    await discord.click(first, f"jetbot:rsvp:{first_id}:going", user=world.member)
    moved = await discord.slash("series move", user=world.organiser, event=first_id, start="2026-11-27 18:00",
                                end="1h")
    assert "Moved" in moved.text
    await discord.wait_until(lambda: discord.dms_to(world.member) or None, 5.0, "the move DM")
    assert "Japanese class** has changed" in discord.dms_to(world.member)[0]["content"]

    # Edit this and following from the second occurrence: its post changes, the first stays.
    await discord.click(second, f"jetbot:rsvp:{second_id}:maybe", user=world.helper)
    form = await discord.slash("series edit", user=world.organiser, event=second_id)
    done = await discord.submit_modal(form.modal["custom_id"], {
        FIELD("title"): "Japanese class (intermediate)", FIELD("start"): "2026-12-03 19:00", FIELD("end"): "1h",
        FIELD("location"): "Room 2", FIELD("description"): "",
    }, user=world.organiser)
    assert "Updated 1 posted occurrence(s); telling 1 member(s)" in done.text
    await discord.wait_until(
        lambda: "intermediate" in discord.messages[int(second["id"])]["embeds"][0]["title"] or None, 5.0,
        "the second post updated")
    assert discord.messages[int(first["id"])]["embeds"][0]["title"] == "Japanese class"
    await discord.wait_until(lambda: discord.dms_to(world.helper) or None, 5.0, "the edit DM")
    assert "Room 2" in discord.dms_to(world.helper)[0]["content"]

    # Options on a posted occurrence: questions (the 30-day note) and members-only.
    signup = await discord.slash("event signup", user=world.organiser, event=second_id,
                                 questions="Level? | Textbook?", guests=2)
    assert "Level?; Textbook?" in signup.text and "30 days after the event" in signup.text
    limited = await discord.slash("event members-only", user=world.organiser, event=second_id,
                                  role=world.helper_role)
    assert "Only members with" in limited.text
    refused = await discord.click(second, f"jetbot:rsvp:{second_id}:going", user=world.member)
    assert "role only" in refused.text
    bad = await discord.click(second, f"jetbot:rsvp:{second_id}:going", user=world.helper)
    wrong = await discord.submit_modal(bad.modal["custom_id"], {
        "jetbot:signup:q0": "N4", "jetbot:signup:q1": "Genki", "jetbot:signup:guests": "3"}, user=world.helper)
    assert "at most 2 guest" in wrong.text  # refused with the reason; nothing stored
    assert (await jetbot.services.events.summary(world.guild.id, second_id)).going == 0

    series_id = (await jetbot.services.events.summary(world.guild.id, second_id)).event.series_id
    # End: the date already posted is cancelled (its post says so) and whoever answered it is told.
    helper_dms = len(discord.dms_to(world.helper))
    ended = await discord.slash("series end", user=world.organiser, series=series_id)
    assert "Cancelled the 1 date(s) already posted" in ended.text and "intermediate" in ended.text
    assert "telling 1 member(s)" in ended.text
    await discord.wait_until(lambda: len(discord.dms_to(world.helper)) > helper_dms or None, 5.0, "the end DM")
    assert "The series it belonged to has ended." in discord.dms_to(world.helper)[-1]["content"]
    await discord.wait_until(
        lambda: discord.messages[int(second["id"])]["embeds"][0]["title"].startswith("Cancelled") or None, 5.0,
        "the cancelled post")
    assert discord.messages[int(first["id"])]["embeds"][0]["title"] == "Japanese class"  # the old series' date stays
    refused_end = await discord.slash("series end", user=world.member, series=series_id)
    assert "only organisers" in refused_end.text


async def test_ending_a_series_can_keep_the_dates_already_posted(discord, world, jetbot):
    opened = await discord.slash("series create", user=world.organiser, channel=world.events, pattern="weekly",
                                 count=8, ahead_days=14)
    await discord.submit_modal(opened.modal["custom_id"], {
        FIELD("title"): "Conversation club", FIELD("start"): "2026-11-24 18:00", FIELD("end"): "1h",
        FIELD("location"): "Café", FIELD("description"): "",
    }, user=world.organiser)
    await discord.wait_until(lambda: len(posts(discord, world.events)) >= 2 or None, 5.0, "two weekly posts")
    first, second = posts(discord, world.events)
    await discord.click(second, f"jetbot:rsvp:{event_id_of(second)}:going", user=world.member)
    series_id = (await jetbot.services.events.summary(world.guild.id, event_id_of(first))).event.series_id
    ended = await discord.slash("series end", user=world.organiser, series=series_id, keep_posted=True)
    assert "the 2 date(s) already posted go ahead" in ended.text and "<t:1796148000:F>" in ended.text  # 1 Dec 18:00 UTC
    for post in (first, second):
        assert not (await jetbot.services.events.summary(world.guild.id, event_id_of(post))).event.cancelled
    assert discord.dms_to(world.member) == []  # nothing changed for them: nobody is told anything
    jetbot.clock.now = datetime(2026, 12, 20, tzinfo=UTC)
    assert await jetbot.bot.get_cog("EventsCog").post_occurrences() == 0  # and nothing more is posted
    listed = await discord.slash("series list", user=world.member)
    assert "(ended)" in listed.text
