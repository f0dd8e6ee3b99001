"""/ask about this chapter's events, end to end: a question that names an upcoming event is answered
from the server's own events (title, time, link to the post); elsewhere it falls back to the knowledge base."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.fakediscord.results import MESSAGE

FIELD = "jetbot:event-form:{}".format
QUESTION = "when is the next networking night?"
START = int(datetime(2026, 12, 5, 18, 30, tzinfo=UTC).timestamp())


def in_time(result):
    """Acknowledged, and not refused as late (the fake refuses callbacks after 3 s with 10062)."""
    assert result.acknowledged and 10062 not in result.refused, result
    return result


async def create_networking_night(discord, world) -> dict:
    opened = in_time(await discord.slash("event create", user=world.organiser, channel=world.events))
    in_time(await discord.submit_modal(opened.modal["custom_id"], {
        FIELD("title"): "Networking Night", FIELD("start"): "2026-12-05 18:30", FIELD("end"): "2h",
        FIELD("location"): "Tipsy Tanuki", FIELD("description"): "Bring business cards",
    }, user=world.organiser))
    [post] = [m for m in discord.channel_messages(world.events) if m.get("embeds")]
    return post


async def test_ask_about_an_upcoming_event_answers_with_its_time_and_link(discord, world):
    post = await create_networking_night(discord, world)
    url = f"https://discord.com/channels/{world.guild.id}/{world.events.id}/{post['id']}"

    result = in_time(await discord.slash("ask", question=QUESTION, user=world.member))
    assert result.response.type == MESSAGE and not result.response.ephemeral  # the channel sees it
    [embed] = result.response.embeds
    assert embed["title"] == "Networking Night"
    assert f"<t:{START}:F>" in embed["description"]
    assert url in embed["description"] and "Tipsy Tanuki" in embed["description"]
    assert result.response.data["allowed_mentions"]["parse"] == []

    private = in_time(await discord.slash("ask", question=QUESTION, private=True, user=world.member))
    assert private.response.ephemeral and private.response.embeds[0]["title"] == "Networking Night"

    reply = await discord.mention(QUESTION, user=world.helper, channel=world.general)
    assert reply["embeds"][0]["title"] == "Networking Night" and url in reply["embeds"][0]["description"]


async def test_the_same_question_in_a_server_without_events_falls_back_to_the_knowledge_base(discord, world):
    await create_networking_night(discord, world)  # in the first chapter only

    result = in_time(await discord.slash("ask", question=QUESTION, user=world.other_member))
    [embed] = result.response.embeds
    assert embed["title"] != "Networking Night"
    assert "Tipsy Tanuki" not in result.response.text and "<t:" not in result.response.text
    # Either a knowledge-base answer (with its source) or an honest "not sure", shown privately.
    answered = (embed.get("footer") or {}).get("text", "").startswith("Source: ")
    assert answered or (embed["title"] == "I'm not sure about that one" and result.response.ephemeral)


async def test_ask_what_does_a_cir_do_is_unaffected_by_events(discord, world):
    await create_networking_night(discord, world)
    result = in_time(await discord.slash("ask", question="what does a CIR do", user=world.member))
    assert result.response.type == MESSAGE and not result.response.ephemeral
    [embed] = result.response.embeds
    assert "Coordinator for International Relations" in embed["title"]
    assert embed["footer"]["text"].startswith("Source: ")


async def test_a_cancelled_event_is_no_longer_the_answer(discord, world, jetbot):
    post = await create_networking_night(discord, world)
    event_id = int(post["embeds"][0]["footer"]["text"].rsplit("#", 1)[1])
    in_time(await discord.slash("event cancel", event=event_id, user=world.organiser))

    result = in_time(await discord.slash("ask", question=QUESTION, user=world.member))
    assert result.response.embeds[0]["title"] != "Networking Night"
    assert f"<t:{START}:F>" not in result.response.text
