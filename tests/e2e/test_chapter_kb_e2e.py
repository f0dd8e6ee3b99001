"""Chapter knowledge end to end, through the real client and the fake Discord: an organiser teaches the
bot with the form, from missed questions and from members' choices; members vote; export, import and a
restart keep everything; the other server never sees any of it."""

from __future__ import annotations

import asyncio
import json
import textwrap

FEE_QUESTION = "is there a membership fee?"
MISSED = "who brings the snacks to the karaoke night?"  # the shared knowledge base does not answer it
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
    typed = await discord.autocomplete("kb attach", "question", "karaoke", user=world.organiser)
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
    approved_still = await discord.slash("ask", question=UNCOVERED, user=world.member)
    assert "not sure" not in approved_still.response.embeds[0]["title"]
    assert (await discord.slash("ask", question=FEE_QUESTION, user=world.other_member)).response.embeds[0]["title"] \
        == "Membership fee"
    assert "Membership fee" in (await discord.slash("kb list", user=world.other_organiser)).text
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


def entry_yaml(entry_id: str, title: str, answer: str, question: str) -> str:
    return textwrap.dedent(f"""\
          - id: {entry_id}
            title: {title}
            category: chapter
            answer: "{answer}"
            questions: ["{question}"]
            aliases: ["{title.lower()}"]
            source: us
        """)


def upload(*entries: str) -> bytes:
    return ("entries:\n" + "".join(entries)).encode()


COMMITTEE = entry_yaml("committee", "Committee", "Elections are every April; email the secretary.",
                       "how do I join the committee?")
FEE = entry_yaml("fee", "Membership fee", "Joining is free.", "is there a membership fee?")


async def test_import_merges_replaces_and_refuses_bad_files_changing_nothing(discord, world):
    def listed(result) -> str:
        return result.response.embeds[0]["description"] if result.response.embeds else result.text

    merged = await discord.slash("kb import", file=("faq.yaml", upload(FEE)), user=world.organiser)
    assert "1 added, 0 updated, 0 removed" in merged.text
    merged = await discord.slash("kb import", file=("faq.yaml", upload(COMMITTEE)), mode="merge",
                                 user=world.organiser)
    assert "1 added, 0 updated, 0 removed" in merged.text
    before = listed(await discord.slash("kb list", user=world.organiser))
    assert "Committee" in before and "Membership fee" in before
    assert (await discord.slash("ask", question="how do I join the committee?", user=world.member)
            ).response.embeds[0]["title"] == "Committee"

    # Several problems: every one as file:line: reason, and nothing changes.
    bad = upload(COMMITTEE.replace("Elections are every April", "Ask @everyone"),
                 entry_yaml("Bad Id", "Pub", "Fridays.", "when is pub night?"),
                 entry_yaml("lessons", "Lessons", "Ask <@&42> for the room.", "where are the lessons?"),
                 entry_yaml("cir-role", "Ours", "Shadowing a shared id.", "what is ours?"))
    refused = await discord.slash("kb import", file=("faq.yaml", bad), mode="replace", user=world.organiser)
    assert "4 problem(s), so nothing was changed" in refused.text
    for line, reason in ((5, "'answer' tries to mention"), (9, "id must be lower-case"),
                         (19, "'answer' tries to mention"), (23, "used by the shared knowledge base")):
        assert any(f"faq.yaml:{line}:" in row and reason in row for row in refused.text.splitlines()), (line, reason)
    not_yaml = await discord.slash("kb import", file=("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
                                   user=world.organiser)
    assert "nothing was changed" in not_yaml.text and "not UTF-8" in not_yaml.text
    prose = await discord.slash("kb import", file=("notes.txt", b"Pub night is on Fridays.\n"), user=world.organiser)
    assert "nothing was changed" in prose.text and "top level must be a mapping" in prose.text
    assert listed(await discord.slash("kb list", user=world.organiser)) == before

    # Replace: the file becomes the whole list.
    replaced = await discord.slash("kb import", file=("faq.yaml", upload(COMMITTEE)), mode="replace",
                                   user=world.organiser)
    assert "0 added, 1 updated, 1 removed" in replaced.text
    after = listed(await discord.slash("kb list", user=world.organiser))
    assert "Committee" in after and "Membership fee" not in after

    # Export, then import the export: the same entries, nothing added or removed.
    exported = await discord.slash("kb export", user=world.organiser)
    [file] = discord.files_of(exported.original)
    again = await discord.slash("kb import", file=(file["filename"], file["content"]), mode="replace",
                                user=world.organiser)
    assert "0 added, 1 updated, 0 removed" in again.text
    assert listed(await discord.slash("kb list", user=world.organiser)) == after


async def wait_for(check, what: str, within: float = 5.0) -> None:
    """Poll an async condition the bot brings about in its own time (a gateway event handled)."""
    for _ in range(int(within / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def test_removing_the_bot_keeps_a_servers_entries_30_days(discord, world, jetbot):
    for organiser in (world.organiser, world.other_organiser):
        done = await discord.slash("kb import", file=("faq.yaml", upload(COMMITTEE)), user=organiser)
        assert "1 added" in done.text

    async def marked(guild) -> bool:
        return guild.id in await jetbot.services.db.chapter_kb.removals()

    # Removed from the first server, invited back 10 days later: nothing is lost.
    await discord.remove_bot(world.guild)
    await wait_for(lambda: marked(world.guild), "the first server to be marked as left")
    jetbot.clock.advance(days=10)
    await discord.add_bot(world.guild)
    await wait_for(lambda: _not(marked(world.guild)), "the first server to be marked as back")

    # Removed from the other server for good; the bot restarts in between (READY no longer lists it).
    await discord.remove_bot(world.other_guild)
    await wait_for(lambda: marked(world.other_guild), "the other server to be marked as left")
    jetbot.clock.advance(days=29)
    await jetbot.restart()
    cog = discord.bot.get_cog("KbCog")
    assert cog.cleanup.is_running()
    repo = jetbot.services.db.chapter_kb  # the new process's database connection
    await cog.cleanup()  # what the job runs every few hours
    assert [r.entry_id for r in await repo.entries(world.other_guild.id)] == ["committee"]
    jetbot.clock.advance(days=2)
    await cog.cleanup()
    assert await repo.entries(world.other_guild.id) == []
    assert await repo.guilds_with_data() == {world.guild.id}
    kept = await discord.slash("ask", question="how do I join the committee?", user=world.member)
    assert kept.response.embeds[0]["title"] == "Committee"


async def _not(check) -> bool:
    return not await check


def modal_value(modal: dict, custom_id: str) -> str:
    for row in modal["components"]:
        for comp in row.get("components") or [row.get("component") or {}]:
            if comp.get("custom_id") == custom_id:
                return comp.get("value") or ""
    raise AssertionError(f"no field {custom_id}")


async def test_acting_on_unanswered_questions_from_the_list(discord, world, jetbot):
    for question in (MISSED, "jet ski rental prices?", UNCOVERED):
        declined = await discord.slash("ask", question=question, user=world.member)
        assert "not sure" in declined.response.embeds[0]["title"]
    listing = await discord.slash("kb unanswered", user=world.organiser)
    assert listing.response.ephemeral and "1×" in listing.text and "jet ski" in listing.text
    pick = "jetbot:kbu:pick"
    [select] = [c for row in listing.original["components"] for c in row["components"] if c["custom_id"] == pick]
    keys = {o["label"].split("× ", 1)[1]: o["value"] for o in select["options"]}
    assert "only organisers" in (await discord.click(listing.original, pick, values=[keys[MISSED]],
                                                     user=world.member)).text

    # A new entry started from the question: the form has it filled in; afterwards it is answered.
    actions = await discord.click(listing.original, pick, values=[keys[MISSED]], user=world.organiser)
    assert actions.response.ephemeral and MISSED in actions.text
    opened = await discord.click(actions.original, f"jetbot:kbu:{keys[MISSED]}:new", user=world.organiser)
    assert modal_value(opened.modal, "questions") == MISSED
    added = await discord.submit_modal(opened.modal["custom_id"], {
        "title": "Karaoke night", "answer": "Everyone brings a snack to share; the committee buys the drinks.",
        "questions": modal_value(opened.modal, "questions"), "aliases": "karaoke"}, user=world.organiser)
    assert "Added" in added.text
    assert (await discord.slash("ask", question=MISSED, user=world.member)).response.embeds[0]["title"] \
        == "Karaoke night"

    # Dismiss noise.
    noise = await discord.click(listing.original, pick, values=[keys["jet ski rental prices?"]], user=world.organiser)
    dismissed = await discord.click(noise.original, f"jetbot:kbu:{keys['jet ski rental prices?']}:dismiss",
                                    user=world.organiser)
    assert "Dismissed" in dismissed.text

    # Attach, proposing it for the shared base; the options survive a restart of the bot.
    leeds = await discord.click(listing.original, pick, values=[keys[UNCOVERED]], user=world.organiser)
    propose = f"jetbot:kbu:{keys[UNCOVERED]}:propose"
    [menu] = [c for row in leeds.original["components"] for c in row["components"] if c["custom_id"] == propose]
    target = menu["options"][0]
    await jetbot.restart()
    attached = await discord.click(leeds.original, propose, values=[target["value"]], user=world.organiser)
    assert "Done" in attached.text and "proposed" in attached.text
    answered = await discord.slash("ask", question=UNCOVERED, user=world.member)
    assert answered.response.embeds[0]["title"] == target["label"]
    proposals = (await jetbot.services.chapter_kb.proposals())["proposals"]
    assert [(p["id"], p["questions"][0]["question"]) for p in proposals] == [(target["value"], UNCOVERED)]
    left = await discord.slash("kb unanswered", user=world.organiser)
    assert "No unanswered questions" in left.text


async def test_privacy_export_and_delete_cover_votes_and_authorship(discord, world):
    done = await discord.slash("kb import", file=("faq.yaml", upload(COMMITTEE)), user=world.organiser)
    assert "1 added" in done.text
    answer = await discord.slash("ask", question="how do I join the committee?", user=world.organiser)
    voted = await discord.click(answer.original, "jetbot:kbv:committee:n", user=world.organiser)
    assert "👎 1" in voted.text

    exported = await discord.slash("privacy export", user=world.organiser)
    [file] = discord.files_of(exported.original)
    mine = json.loads(file["content"])["chapter_knowledge"]
    assert [(v["entry"], v["helpful"]) for v in mine["votes"]] == [("committee", False)]
    assert [e["entry"] for e in mine["entries_written"]] == ["committee"]

    asked = await discord.slash("privacy delete", user=world.organiser)
    confirm = next(cid for cid in asked.response.custom_ids
                   if any(c.get("custom_id") == cid and c.get("label") == "Delete my data"
                          for row in asked.response.components for c in row.get("components", [])))
    erased = await discord.click(asked.original, confirm, user=world.organiser)
    assert "Erased" in erased.text and "answer votes, and your name on chapter entries you wrote" in erased.text
    again = json.loads(discord.files_of((await discord.slash("privacy export", user=world.organiser)).original)[0]
                       ["content"])["chapter_knowledge"]
    assert again == {"votes": [], "entries_written": [], "phrasings_added": []}
    stats = await discord.slash("kb stats", period="7 days", user=world.organiser)
    assert {f["name"]: f["value"] for f in stats.response.embeds[0]["fields"]}["Helpful"] == "no votes yet"
    still = await discord.slash("ask", question="how do I join the committee?", user=world.member)
    assert still.response.embeds[0]["title"] == "Committee"  # the chapter's entry stays
