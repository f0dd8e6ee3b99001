"""The issue's "Done when" flow for events, as an organiser and members go through it, over real sockets."""

from __future__ import annotations

FIELD = "jetbot:event-form:{}".format


async def note(result) -> str:
    """The private note after the click's first response (which updates the post's counts)."""
    if result.response.type == 7:  # the post was updated first; the note is a follow-up
        [message] = await result.wait_followups(1)
        assert int(message.get("flags") or 0) & 64, "the note is private"
        return message["content"]
    assert result.response.ephemeral
    return result.text


def going_id(message: dict, choice: str) -> str:
    return next(c["custom_id"] for row in message["components"] for c in row["components"]
                if c["custom_id"].startswith("jetbot:rsvp:") and c["custom_id"].endswith(f":{choice}"))


async def test_done_when_flow(discord, world, jetbot):
    refused = await discord.slash("event create", user=world.member, capacity=2)
    assert refused.response.ephemeral and "only organisers" in refused.text and refused.modal is None

    opened = await discord.slash("event create", user=world.organiser, channel=world.events, capacity=2)
    assert opened.modal is not None
    created = await discord.submit_modal(opened.modal["custom_id"], {
        FIELD("title"): "Networking Night", FIELD("start"): "2026-12-05 18:30", FIELD("end"): "2h",
        FIELD("location"): "Tipsy Tanuki", FIELD("description"): "Bring business cards",
    }, user=world.organiser)
    assert "Created **Networking Night**" in created.text
    [post] = [m for m in discord.channel_messages(world.events) if m.get("embeds")]
    assert post["embeds"][0]["title"] == "Networking Night"

    for user in (world.closed_dms, world.member):
        r = await discord.click(post, going_id(post, "going"), user=user)
        assert "You're going" in await note(r)
    third = await discord.click(post, going_id(post, "going"), user=world.helper)
    assert "waitlist at position **1**" in await note(third)
    assert "2 / 2 — full" in third.text  # the post's counts were updated

    left = await discord.click(post, going_id(post, "no"), user=world.closed_dms)
    assert "can't make" in await note(left)
    await discord.wait_until(lambda: discord.dms_to(world.helper) or None, 5.0, "the promotion DM")
    assert "you're going" in discord.dms_to(world.helper)[0]["content"]

    await jetbot.restart()
    again = await discord.click(post, going_id(post, "maybe"), user=world.member)
    assert "maybe" in await note(again)
    ics = await discord.click(post, next(c["custom_id"] for row in post["components"] for c in row["components"]
                                         if c["custom_id"].startswith("jetbot:ics:")), user=world.member)
    [upload] = discord.files_of(ics.original)
    assert b"BEGIN:VCALENDAR" in upload["content"] and b"DTSTART:20261205T183000Z" in upload["content"]


async def test_erasing_a_going_member_promotes_the_waitlist_and_tells_them(discord, world, jetbot):
    opened = await discord.slash("event create", user=world.organiser, channel=world.events, capacity=1)
    await discord.submit_modal(opened.modal["custom_id"], {
        FIELD("title"): "Japanese lesson", FIELD("start"): "2026-12-10 19:00", FIELD("end"): "1h",
        FIELD("location"): "Library", FIELD("description"): "Beginners welcome",
    }, user=world.organiser)
    [post] = [m for m in discord.channel_messages(world.events) if m.get("embeds")]
    await discord.click(post, going_id(post, "going"), user=world.member)
    waiting = await discord.click(post, going_id(post, "going"), user=world.helper)
    assert "waitlist at position **1**" in await note(waiting)

    asked = await discord.slash("privacy delete", user=world.member)
    confirm_id = next(c["custom_id"] for row in asked.response.components for c in row.get("components", [])
                      if c.get("label") == "Delete my data")
    done = await discord.click(asked.original, confirm_id, user=world.member)
    assert "Erased from this server" in done.text

    await discord.wait_until(lambda: discord.dms_to(world.helper) or None, 5.0, "the promotion DM")
    assert "you're going" in discord.dms_to(world.helper)[0]["content"]

    def post_edits() -> list:
        return [r for r in discord.requests if r.method == "PATCH" and f"/messages/{post['id']}" in r.path]

    # The post is refreshed beside the DM, not before it: wait for it too.
    await discord.wait_until(lambda: post_edits() or None, 5.0, "the post updated")
    assert "1 / 1" in str(post_edits()[-1].json)
