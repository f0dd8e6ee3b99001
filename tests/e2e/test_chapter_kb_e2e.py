"""Chapter knowledge end to end, through the real client and the fake Discord: an organiser teaches the
bot with the form, from missed questions and from members' choices; members vote; export, import and a
restart keep everything; the other server never sees any of it."""

from __future__ import annotations

FEE_QUESTION = "is there a membership fee?"
MISSED = "how do I join the committee?"  # the shared knowledge base does not answer it
UNCOVERED = "which alumni group is closest to Leeds?"  # declined, with suggestions


def footer(result) -> str:
    return result.response.embeds[0]["footer"]["text"]


async def test_an_organiser_teaches_the_bot_and_it_sticks(discord, world, jetbot):
    # 1. An organiser adds an entry with the form.
    opened = await discord.slash("kb add", user=world.organiser)
    assert opened.modal is not None
    added = await discord.submit_modal(opened.modal["custom_id"], {
        "title": "Membership fee",
        "answer": "There is no membership fee: joining the chapter is free. Some events charge a small fee.",
        "questions": f"{FEE_QUESTION}\nhow much does membership cost\ndo I have to pay to join",
        "aliases": "membership fee, fees",
    }, user=world.organiser)
    assert added.response.ephemeral and "Added" in added.text

    # 2. A member's /ask here gets it, shown as coming from the chapter; the other server does not.
    here = await discord.slash("ask", question=FEE_QUESTION, user=world.member)
    assert not here.response.ephemeral and here.response.embeds[0]["title"] == "Membership fee"
    assert footer(here).startswith(f"From the {world.guild.name} organisers")
    there = await discord.slash("ask", question=FEE_QUESTION, user=world.other_member)
    assert "Membership fee" not in there.text and "joining the chapter is free" not in there.text
    listed = await discord.slash("kb list", user=world.organiser)
    assert "Membership fee" in listed.text
    assert "Membership fee" not in (await discord.slash("kb list", user=world.other_organiser)).text

    # 3. A missed question, attached to an entry, is then answered.
    missed = await discord.slash("ask", question=MISSED, user=world.member)
    assert "not sure" in missed.response.embeds[0]["title"]
    typed = await discord.autocomplete("kb attach", "question", "committee", user=world.organiser)
    [choice] = typed.choices
    assert "1×" in choice["name"]
    picked = await discord.autocomplete("kb attach", "entry", "membership", user=world.organiser,
                                        question=choice["value"])
    assert picked.choices[0]["value"] == "membership-fee"
    attached = await discord.slash("kb attach", question=choice["value"], entry="membership-fee",
                                   user=world.organiser)
    assert "Done" in attached.text
    answered = await discord.slash("ask", question=MISSED, user=world.member)
    assert answered.response.embeds[0]["title"] == "Membership fee"

    # 4. A declined question whose suggestion members click shows up for one-click approval.
    declined = await discord.slash("ask", question=UNCOVERED, user=world.member)
    button = next(cid for cid in declined.response.custom_ids if cid.startswith("jetbot:kb:"))
    assert button.count(":") == 3  # the entry and the declined question travel in the custom_id
    for member in (world.member, world.helper):
        clicked = await discord.click(declined.original, button, user=member)
        assert clicked.response.embeds
    offered = await discord.slash("kb suggestions", user=world.organiser)
    assert "closest to Leeds" in offered.text
    approve = next(cid for cid in offered.response.custom_ids if cid.endswith(":approve"))
    refused = await discord.click(offered.original, approve, user=world.member)
    assert "only organisers" in refused.text
    approved = await discord.click(offered.original, approve, user=world.organiser)
    assert "Approved" in approved.text
    again = await discord.slash("ask", question=UNCOVERED, user=world.member)
    assert "not sure" not in again.response.embeds[0]["title"]

    # 5. Helpful votes are counted (one per member) and shown in /kb stats.
    vote_yes = "jetbot:kbv:membership-fee:y"
    assert vote_yes in here.response.custom_ids
    first = await discord.click(here.original, vote_yes, user=world.member)
    assert "👍 1" in first.text
    repeat = await discord.click(here.original, vote_yes, user=world.member)
    assert "already" in repeat.text and "👍 1" in repeat.text
    no = await discord.click(here.original, "jetbot:kbv:membership-fee:n", user=world.helper)
    assert "👎 1" in no.text
    stats = await discord.slash("kb stats", period="7 days", user=world.organiser)
    fields = {f["name"]: f["value"] for f in stats.response.embeds[0]["fields"]}
    assert fields["Helpful"].startswith("50%")
    assert (fields["Questions asked"], fields["Answered"], fields["Declined"]) == ("5", "3", "2")
    assert "Membership fee" in fields["Most often voted not helpful"]
    assert str(world.helper.id) not in str(stats.response.embeds)

    # 6. Export, then import into the other server: the same entries.
    exported = await discord.slash("kb export", user=world.organiser)
    [upload] = discord.files_of(exported.original)
    assert upload["filename"].endswith(".yaml") and b"id: membership-fee" in upload["content"]
    imported = await discord.slash("kb import", file=("chapter-knowledge.yaml", upload["content"]), mode="replace",
                                   user=world.other_organiser)
    assert "1 added" in imported.text
    copied = await discord.slash("ask", question=FEE_QUESTION, user=world.other_member)
    assert copied.response.embeds[0]["title"] == "Membership fee"
    assert footer(copied).startswith(f"From the {world.other_guild.name} organisers")
    broken = await discord.slash("kb import", file=("bad.yaml", b"entries:\n  - id: [oops\n"),
                                 user=world.other_organiser)
    assert "nothing was changed" in broken.text and "bad.yaml:" in broken.text

    # 7. A restart keeps all of it.
    await jetbot.restart()
    after = await discord.slash("ask", question=FEE_QUESTION, user=world.member)
    assert after.response.embeds[0]["title"] == "Membership fee"
    assert (await discord.slash("ask", question=MISSED, user=world.member)).response.embeds[0]["title"] \
        == "Membership fee"
    old_vote = await discord.click(here.original, vote_yes, user=world.helper)  # a button from before
    assert "👍 2" in old_vote.text
    stats = await discord.slash("kb stats", period="7 days", user=world.organiser)
    assert {f["name"]: f["value"] for f in stats.response.embeds[0]["fields"]}["Helpful"].startswith("100%")


async def test_bad_input_gets_a_clear_message_and_members_are_refused(discord, world):
    refused = await discord.slash("kb add", user=world.member)
    assert refused.modal is None and "only organisers" in refused.text
    opened = await discord.slash("kb add", user=world.organiser)
    pinged = await discord.submit_modal(opened.modal["custom_id"], {
        "title": "Pub night", "answer": "Fridays! @everyone come", "questions": "when is pub night?",
    }, user=world.organiser)
    assert pinged.response.ephemeral and "Nothing was saved" in pinged.text and "mention" in pinged.text
    assert "Pub night" not in (await discord.slash("kb list", user=world.organiser)).text
