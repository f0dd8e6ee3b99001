"""/kb and the chapter-knowledge components over real services, with spec'd Discord mocks."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest

from bot.ask import AskService
from bot.client import JetBot, OrganiserOnly
from bot.config import Settings
from bot.knowledge import KnowledgeService
from bot.services import build_services
from bot.storage import Database
from cogs._kb_views import ChoiceButton, EntryModal, UnansweredAttach, UnansweredButton, UnansweredPick, VoteButton
from cogs.faq import FaqCog, SuggestionButton
from cogs.kb import KbCog
from tests.helpers import make_interaction, make_member, sent_kwargs
from tests.test_chapter_kb import SHARED_YAML, NoEvents


@pytest.fixture
def knowledge(tmp_path: Path) -> KnowledgeService:
    (tmp_path / "shared.yaml").write_text(SHARED_YAML, encoding="utf-8")
    return KnowledgeService.load(tmp_path / "shared.yaml")


@pytest.fixture
def bot(db: Database, knowledge: KnowledgeService) -> MagicMock:
    services = build_services(Settings(), db, knowledge)
    services.ask = AskService(knowledge, NoEvents(), db, services.chapter_kb)  # type: ignore[arg-type]
    bot = MagicMock(spec=JetBot)
    bot.services = services
    bot.user = None
    return bot


@pytest.fixture
def cog(bot: MagicMock) -> KbCog:
    return KbCog(bot)


def organiser() -> MagicMock:
    return make_member(permissions=discord.Permissions(manage_guild=True))


def fill(modal: EntryModal, title: str, answer: str, questions: str, aliases: str = "") -> None:
    for item, value in ((modal.title_input, title), (modal.answer_input, answer),
                        (modal.questions_input, questions), (modal.aliases_input, aliases)):
        item._value = value


async def add_entry(cog: KbCog, title: str = "Pub night", answer: str = "Fridays at the Crown.",
                    questions: str = "when is pub night?\nwhere do we drink") -> MagicMock:
    opened = make_interaction(cog.bot, user=organiser())
    await cog.add.callback(cog, opened, question=None)
    modal = opened.response.send_modal.await_args.args[0]
    assert isinstance(modal, EntryModal) and len(modal.children) == 4
    fill(modal, title, answer, questions)
    submitted = make_interaction(cog.bot, user=organiser())
    await modal.on_submit(submitted)
    return submitted


async def test_every_kb_command_is_for_organisers_only(cog: KbCog) -> None:
    for command in cog.kb.walk_commands():
        (check,) = command.checks
        with pytest.raises(OrganiserOnly, match="only organisers"):
            await check(make_interaction(cog.bot, user=make_member()))


async def test_add_with_the_form_then_list_and_ask(cog: KbCog, bot: MagicMock) -> None:
    submitted = await add_entry(cog)
    reply = sent_kwargs(submitted)
    assert reply["ephemeral"] is True and "Added" in reply["content"] and reply["embed"].title == "Pub night"
    listed = make_interaction(bot, user=organiser())
    await cog.list_entries.callback(cog, listed)
    assert "Pub night" in sent_kwargs(listed)["embed"].description
    faq = FaqCog(bot)
    asked = make_interaction(bot)
    await faq.ask.callback(faq, asked, question="when is pub night?")
    embed = sent_kwargs(asked)["embed"]
    assert embed.title == "Pub night" and embed.footer.text.startswith("From the Guild 1 organisers")
    votes = [c for c in sent_kwargs(asked)["view"].children if isinstance(c, VoteButton)]
    assert [v.custom_id for v in votes] == ["jetbot:kbv:pub-night:y", "jetbot:kbv:pub-night:n"]
    elsewhere = make_interaction(bot, guild_id=2)
    await faq.ask.callback(faq, elsewhere, question="when is pub night?")
    assert sent_kwargs(elsewhere)["embed"].title != "Pub night"


async def test_the_form_rechecks_permission_on_submit(cog: KbCog, bot: MagicMock) -> None:
    modal = EntryModal(bot.services)
    fill(modal, "Pub night", "Fridays.", "when is pub night?")
    with pytest.raises(OrganiserOnly):
        await modal.on_submit(make_interaction(bot, user=make_member()))
    assert await bot.services.chapter_kb.entries(1) == []


async def test_edit_opens_a_prefilled_form(cog: KbCog, bot: MagicMock) -> None:
    await add_entry(cog)
    opened = make_interaction(bot, user=organiser())
    await cog.edit.callback(cog, opened, entry="pub-night")
    modal = opened.response.send_modal.await_args.args[0]
    assert modal.title_input.default == "Pub night" and "where do we drink" in modal.questions_input.default
    fill(modal, "Pub night", "Thursdays now.", "when is pub night?")
    submitted = make_interaction(bot, user=organiser())
    await modal.on_submit(submitted)
    assert (await bot.services.chapter_kb.entry(1, "pub-night")).answer == "Thursdays now."


async def test_export_sends_a_yaml_file_and_import_reads_an_attachment(cog: KbCog, bot: MagicMock) -> None:
    await add_entry(cog)
    exported = make_interaction(bot, user=organiser())
    await cog.export.callback(cog, exported)
    file: discord.File = sent_kwargs(exported)["file"]
    data = file.fp.read()
    assert file.filename.endswith(".yaml") and b"id: pub-night" in data
    attachment = MagicMock(spec=discord.Attachment)
    attachment.size, attachment.filename = len(data), "chapter-knowledge.yaml"
    attachment.read = AsyncMock(return_value=data)
    imported = make_interaction(bot, guild_id=2, user=organiser())
    imported.response.is_done.return_value = True
    await cog.import_.callback(cog, imported, file=attachment, mode="replace")
    assert "1 added" in imported.followup.send.await_args.args[0]
    assert [r.entry_id for r in await bot.services.chapter_kb.entries(2)] == ["pub-night"]


async def test_a_broken_upload_lists_lines_and_changes_nothing(cog: KbCog, bot: MagicMock) -> None:
    attachment = MagicMock(spec=discord.Attachment)
    attachment.size, attachment.filename = 20, "mine.yaml"
    attachment.read = AsyncMock(return_value=b"entries:\n  - id: [x\n")
    interaction = make_interaction(bot, user=organiser())
    await cog.import_.callback(cog, interaction, file=attachment, mode="merge")
    text = interaction.followup.send.await_args.args[0]
    assert "nothing was changed" in text and "mine.yaml:" in text and len(text) <= 2000


async def test_unanswered_attach_and_suggestion_approval(cog: KbCog, bot: MagicMock) -> None:
    faq = FaqCog(bot)
    asked = make_interaction(bot)
    await faq.ask.callback(faq, asked, question="town hall twinning work in Osaka?")
    listed = make_interaction(bot, user=organiser())
    await cog.unanswered.callback(cog, listed)
    assert "twinning" in sent_kwargs(listed)["embed"].description
    choices = await cog.missed(make_interaction(bot, user=organiser()), "twin")
    assert len(choices) == 1
    # members click the same suggestion twice, so it is offered for approval
    for _ in range(2):
        await SuggestionButton("cir-role", "CIR", int(choices[0].value)).callback(make_interaction(bot))
    offered = make_interaction(bot, user=organiser())
    await cog.suggestions.callback(cog, offered)
    buttons = [c for c in sent_kwargs(offered)["view"].children if isinstance(c, ChoiceButton)]
    assert [b.approve for b in buttons] == [True, False]
    with pytest.raises(OrganiserOnly):  # a member replaying the button
        await ChoiceButton.callback.__wrapped__(buttons[0], make_interaction(bot, user=make_member()))
    approved = make_interaction(bot, user=organiser())
    await buttons[0].callback(approved)
    assert "Approved" in sent_kwargs(approved)["content"]
    again = make_interaction(bot)
    await faq.ask.callback(faq, again, question="town hall twinning work in Osaka?")
    assert sent_kwargs(again)["embed"].title.startswith("Coordinator for International Relations")


async def test_attach_command(cog: KbCog, bot: MagicMock) -> None:
    faq = FaqCog(bot)
    await faq.ask.callback(faq, make_interaction(bot), question="town hall twinning work in Osaka?")
    [choice] = await cog.missed(make_interaction(bot, user=organiser()), "")
    entries = await cog.any_entry(make_interaction(bot, user=organiser()), "CIR")
    assert entries[0].value == "cir-role"
    done = make_interaction(bot, user=organiser())
    await cog.attach.callback(cog, done, question=choice.value, entry="cir-role", share="propose")
    assert "proposed" in sent_kwargs(done)["content"]
    assert await bot.services.db.chapter_kb.proposals() == [("cir-role", "town hall twinning work in Osaka?", 1)]


async def test_votes_and_stats(cog: KbCog, bot: MagicMock) -> None:
    faq = FaqCog(bot)
    await faq.ask.callback(faq, make_interaction(bot), question="what does a CIR do?")
    click = make_interaction(bot, user=make_member(7))
    await VoteButton("cir-role", False).callback(click)
    assert "👎 1" in sent_kwargs(click)["content"]
    again = make_interaction(bot, user=make_member(7))
    await VoteButton("cir-role", False).callback(again)
    assert "already" in sent_kwargs(again)["content"]
    shown = make_interaction(bot, user=organiser())
    await cog.stats.callback(cog, shown, period="7 days")
    fields = {f.name: f.value for f in sent_kwargs(shown)["embed"].fields}
    assert fields["Questions asked"] == "1" and fields["Answered"] == "1" and "0%" in fields["Helpful"]
    assert "Coordinator for International Relations" in fields["Most often voted not helpful"]
    assert "7" not in fields["Most often voted not helpful"].replace("1 👎", "")  # no user ids


async def test_custom_ids_round_trip_and_fit() -> None:
    for item in (VoteButton("a-b", True), ChoiceButton(123, False), SuggestionButton("cir-role", "CIR", 77),
                 UnansweredPick([]), UnansweredAttach(10**17, propose=True), UnansweredButton(10**17, "dismiss")):
        match = type(item).__discord_ui_compiled_template__.fullmatch(item.custom_id)  # type: ignore[attr-defined]
        assert match is not None and len(item.custom_id) <= 100
    assert SuggestionButton("x" * 80, "X", 10**17).question_key is None  # would not fit: the id stays valid


async def test_an_entry_started_from_a_missed_question_takes_it_off_the_list(cog: KbCog, bot: MagicMock) -> None:
    faq = FaqCog(bot)
    await faq.ask.callback(faq, make_interaction(bot), question="where is the pub quiz?")
    [choice] = await cog.missed(make_interaction(bot, user=organiser()), "quiz")
    opened = make_interaction(bot, user=organiser())
    await cog.add.callback(cog, opened, question=choice.value)
    modal = opened.response.send_modal.await_args.args[0]
    assert modal.questions_input.default == "where is the pub quiz?"
    fill(modal, "Pub quiz", "At the Crown, last Thursday of the month.", modal.questions_input.default)
    await modal.on_submit(make_interaction(bot, user=organiser()))
    assert await bot.services.chapter_kb.unanswered(1) == []
    member = make_interaction(bot, user=make_member())
    await UnansweredButton(int(choice.value), "new").callback(member)  # a member replaying the button
    assert "only organisers" in sent_kwargs(member)["content"]
    member.response.send_modal.assert_not_awaited()


def test_only_this_processes_shards_are_judged_at_connection(cog: KbCog, bot: MagicMock) -> None:
    bot.shard_count, bot.shard_id = None, None
    assert cog._owns(5 << 22) and cog._owns(6 << 22)  # not sharded: every server is ours
    bot.shard_count, bot.shard_ids = 4, [1, 2]
    assert [cog._owns(n << 22) for n in range(4)] == [False, True, True, False]
