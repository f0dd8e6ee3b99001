"""/ask, its autocomplete and suggestion buttons, mentions, and /kb through the real client and the fake."""

from __future__ import annotations

from tests.fakediscord.limits import AUTOCOMPLETE_CHOICES
from tests.fakediscord.results import DEFERRED_MESSAGE, MESSAGE

UNCOVERED = "what is the salary of ALT pay in okinawa?"  # near some topics, answered by none


async def test_ask_covered_question_answers_publicly_with_source(discord, world):
    result = await discord.slash("ask", question="what does a CIR do?", user=world.member)
    assert result.response.type == MESSAGE
    assert not result.response.ephemeral  # the channel sees the answer
    [embed] = result.response.embeds
    assert "Coordinator for International Relations" in embed["title"]
    assert "city hall" in embed["description"].lower()
    assert embed["footer"]["text"].startswith("Source: ")
    assert result.response.data["allowed_mentions"]["parse"] == []


async def test_ask_private_answer_is_ephemeral(discord, world):
    result = await discord.slash("ask", question="what does a CIR do?", private=True, user=world.member)
    assert result.response.ephemeral
    assert "Coordinator for International Relations" in result.text


async def test_ask_uncovered_question_says_not_sure_and_a_suggestion_opens_its_answer(discord, world):
    result = await discord.slash("ask", question=UNCOVERED, user=world.member)
    assert result.response.ephemeral
    assert "not sure" in result.response.embeds[0]["title"]
    buttons = [cid for cid in result.response.custom_ids if cid.startswith("jetbot:kb:")]
    assert buttons, "a 'not sure' reply offers suggestion buttons"

    click = await discord.click(result.original, buttons[0], user=world.member)
    assert click.response.ephemeral
    entry_id = buttons[0].removeprefix("jetbot:kb:").split(":")[0]
    entry = discord_entry(discord, entry_id)
    assert click.response.embeds[0]["title"] == entry.title[:256]


def discord_entry(discord, entry_id):
    """The knowledge entry behind a suggestion button, from the running bot's services."""
    return discord.bot.services.knowledge.get(entry_id)


async def test_suggestion_button_still_works_after_a_restart(discord, world, jetbot):
    result = await discord.slash("ask", question=UNCOVERED, user=world.member)
    button = next(cid for cid in result.response.custom_ids if cid.startswith("jetbot:kb:"))

    await jetbot.restart()  # a new process would know nothing but the custom_id

    click = await discord.click(result.original, button, user=world.member)
    assert click.acknowledged
    assert click.response.embeds, "the button answered after the restart"
    assert "Sorry" not in click.text


async def test_unanswered_questions_are_listed_for_organisers(discord, world):
    await discord.slash("ask", question=UNCOVERED, user=world.member)
    await discord.slash("ask", question=UNCOVERED, user=world.helper)

    result = await discord.slash("kb unanswered", user=world.organiser)
    assert result.response.ephemeral
    [embed] = result.response.embeds
    assert "2×" in embed["description"]
    assert "okinawa" in embed["description"].lower()
    # Another chapter does not see this one's questions.
    other = await discord.slash("kb unanswered", user=world.other_organiser)
    assert "No unanswered questions" in other.text


async def test_kb_unanswered_is_for_organisers_only(discord, world):
    result = await discord.slash("kb unanswered", user=world.member)
    assert result.response.ephemeral
    assert "only organisers" in result.text


async def test_ask_autocomplete_stays_within_25_choices(discord, world):
    result = await discord.autocomplete("ask", "question", "cl", user=world.member)
    assert 0 < len(result.choices) <= AUTOCOMPLETE_CHOICES
    assert any("CLAIR" in c["name"] for c in result.choices)
    empty = await discord.autocomplete("ask", "question", "", user=world.member)
    assert len(empty.choices) <= AUTOCOMPLETE_CHOICES


async def test_kb_reload_as_organiser_defers_then_reports_the_count(discord, world):
    result = await discord.slash("kb reload", user=world.organiser)
    assert result.response.type == DEFERRED_MESSAGE
    assert result.response.ephemeral
    [followup] = result.followups
    count = len(discord.bot.services.knowledge.kb.entries)
    assert followup["content"] == f"Knowledge base reloaded: {count} entries."
    assert followup["flags"] & 64


async def test_kb_reload_as_member_is_refused_politely(discord, world):
    result = await discord.slash("kb reload", user=world.member)
    assert result.response.type == MESSAGE
    assert result.response.ephemeral
    assert "only organisers" in result.text
    assert "Traceback" not in result.text


async def test_mention_with_a_question_gets_an_embed_reply(discord, world):
    reply = await discord.mention("what does a CIR do?", user=world.member, channel=world.general)
    [embed] = reply["embeds"]
    assert "Coordinator for International Relations" in embed["title"]
    assert int(reply["message_reference"]["channel_id"]) == world.general.id  # a reply to the question
    assert reply["allowed_mentions"]["parse"] == []
