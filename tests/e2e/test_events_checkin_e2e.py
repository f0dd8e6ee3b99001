"""The organiser's check-in list through the fake Discord: a private list of going members as buttons, tapped as
people arrive, paged within Discord's limits, re-checking the organiser on every tap, working after a restart."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.fakediscord.results import iter_components

FIELD = "jetbot:event-form:{}".format


def buttons(message: dict) -> dict[str, dict]:
    """The message's buttons by custom_id."""
    return {c["custom_id"]: c for c in iter_components(message.get("components") or []) if c.get("custom_id")}


def member_button(message: dict, user_id: int) -> dict:
    return next(c for cid, c in buttons(message).items() if cid.startswith("jetbot:checkin:")
                and cid.split(":")[4] == str(user_id))


async def test_check_in_list_pages_marks_and_survives_a_restart(discord, world, jetbot):
    opened = await discord.slash("event create", user=world.organiser, channel=world.events, capacity=30, guests=1)
    await discord.submit_modal(opened.modal["custom_id"], {
        FIELD("title"): "Summer welcome", FIELD("start"): "2026-12-05 18:30", FIELD("end"): "3h",
        FIELD("location"): "Riverside", FIELD("description"): "",
    }, user=world.organiser)
    [post] = [m for m in discord.channel_messages(world.events) if m.get("embeds")]
    event_id = int(post["embeds"][0]["footer"]["text"].rsplit("#", 1)[1])
    people = [world.guild.add_member(f"newcomer-{i:02d}") for i in range(22)]
    events = jetbot.services.events
    await events.rsvp(world.guild.id, event_id, world.helper.id, "going", guests=1)
    for person in people:
        await events.rsvp(world.guild.id, event_id, person.id, "going")
    await events.rsvp(world.guild.id, event_id, world.member.id, "maybe")

    early = await discord.slash("event checkin-list", user=world.organiser, event=event_id)
    assert "from an hour before it starts" in early.text
    jetbot.clock.now = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)
    refused = await discord.slash("event checkin-list", user=world.member, event=event_id)
    assert "only organisers" in refused.text

    shown = await discord.slash("event checkin-list", user=world.organiser, event=event_id)
    listing = await shown.wait_original()  # deferred first (names may need a gateway look-up)
    assert int(listing.get("flags") or 0) & 64  # only the organiser sees it
    assert "**Check-in: Summer welcome**" in listing["content"] and "On the list: 23" in listing["content"]
    assert "Page 1 of 2" in listing["content"]
    rows = listing["components"]
    assert len(rows) == 5 and all(len(r["components"]) <= 5 for r in rows)  # Discord's limits (the fake checks too)
    first = member_button(listing, world.helper.id)
    assert first["label"] == "1. hana-helper +1" and first["style"] == 2  # the party, not yet marked
    assert member_button(listing, people[0].id)["label"] == "2. newcomer-00"
    listed = [int(cid.split(":")[4]) for cid in buttons(listing) if cid.startswith("jetbot:checkin:")]
    assert world.member.id not in listed and len(listed) == 20  # a maybe is not on the list; 20 a page

    # Tap: attended (green); the list is redrawn in place.
    tapped = await discord.click(listing, first["custom_id"], user=world.organiser)
    assert tapped.response.type == 6  # acknowledged at once; the list is edited afterwards
    await discord.wait_until(lambda: member_button(discord.messages[int(listing["id"])], world.helper.id)["style"] == 3
                             or None, 5.0, "the list redrawn")
    listing = discord.messages[int(listing["id"])]
    assert "✅ attended 1" in listing["content"]
    assert (await events.attendees(world.guild.id, event_id)).attendance == {world.helper.id: True}

    # Someone who is not an organiser (a replayed or shared click) is refused; nothing changes.
    newcomer = member_button(listing, people[1].id)
    sneaky = await discord.click(listing, newcomer["custom_id"], user=world.member)
    assert "only organisers" in sneaky.text
    assert people[1].id not in (await events.attendees(world.guild.id, event_id)).attendance

    # The next page holds the last three; the fifth row pages.
    nxt = next(cid for cid in buttons(listing) if cid.startswith("jetbot:checkin-page:") and cid.endswith(":next"))
    await discord.click(listing, nxt, user=world.organiser)
    await discord.wait_until(lambda: "Page 2 of 2" in discord.messages[int(listing["id"])]["content"] or None, 5.0,
                             "page two")
    listing = discord.messages[int(listing["id"])]
    on_page = [cid for cid in buttons(listing) if cid.startswith("jetbot:checkin:")]
    assert [int(cid.split(":")[4]) for cid in on_page] == [p.id for p in people[19:]]
    assert member_button(listing, people[21].id)["label"] == "23. newcomer-21"

    # After a restart the same list still works: a second tap on an attended member marks a no-show.
    await jetbot.restart()
    back = next(cid for cid in buttons(listing) if cid.endswith(":prev"))
    await discord.click(listing, back, user=world.organiser)
    await discord.wait_until(lambda: "Page 1 of 2" in discord.messages[int(listing["id"])]["content"] or None, 5.0,
                             "page one again")
    listing = discord.messages[int(listing["id"])]
    again = member_button(listing, world.helper.id)
    assert again["style"] == 3 and again["custom_id"].endswith(":0")  # green; a tap now means no-show
    await discord.click(listing, again["custom_id"], user=world.organiser)
    await discord.wait_until(lambda: member_button(discord.messages[int(listing["id"])], world.helper.id)["style"] == 4
                             or None, 5.0, "marked no-show")
    assert "❌ no-show 1" in discord.messages[int(listing["id"])]["content"]
    after = await jetbot.services.events.attendees(world.guild.id, event_id)  # the restarted bot's services
    assert after.attendance == {world.helper.id: False}

    jetbot.clock.now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)  # the next day: the file says who came
    history = await discord.slash("member attendance", user=world.organiser, member=world.helper)
    assert "attended 0 of 1" in history.text and "no-show" in history.text
