"""/ask, mentions, suggestion buttons and /kb: the FAQ cog over real services, with spec'd Discord mocks."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest

from bot.ask import AskService
from bot.client import JetBot, discover_cogs
from bot.config import Settings
from bot.errors import UserError
from bot.knowledge import KnowledgeService
from bot.services import build_services
from bot.storage import Database
from cogs.faq import FaqCog, SuggestionButton
from tests.helpers import make_interaction, make_member, sent_kwargs

KB_YAML = textwrap.dedent("""\
    entries:
      - id: cir-role
        title: Coordinator for International Relations (CIR)
        category: roles
        answer: CIRs work in local government offices on international exchange, translating and interpreting.
        questions: ["What does a CIR do?", "what is the CIR job", "CIR duties"]
        aliases: [CIR, coordinator for international relations, 国際交流員]
        source: test document
      - id: clair
        title: CLAIR (Council of Local Authorities for International Relations)
        category: clair
        answer: CLAIR was established in 1988 to support local authorities' international work. @everyone
        questions: ["What is CLAIR?", "when was CLAIR founded"]
        aliases: [CLAIR, council of local authorities for international relations, 自治体国際化協会]
        source: test document
      - id: alt-role
        title: Assistant Language Teacher (ALT)
        category: roles
        answer: ALTs assist with foreign language teaching in schools.
        questions: ["What does an ALT do?", "what is an ALT"]
        aliases: [ALT, assistant language teacher, 外国語指導助手]
        source: test document
""")


@dataclass(frozen=True)
class FakeEventAnswer:
    title: str
    text: str
    event_ids: tuple[int, ...] = ()


class FakeEvents:
    """Stands in for EventService.answer_question only, so these tests pin the precedence rule."""

    def __init__(self, answer: FakeEventAnswer | None = None) -> None:
        self.answer = answer
        self.asked: list[tuple[int, str]] = []

    async def answer_question(self, guild_id: int, question: str) -> FakeEventAnswer | None:
        self.asked.append((guild_id, question))
        return self.answer


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "test.yaml").write_text(KB_YAML, encoding="utf-8")
    return folder


@pytest.fixture
def knowledge(kb_dir: Path) -> KnowledgeService:
    return KnowledgeService.load(kb_dir)


@pytest.fixture
def cog(db: Database, knowledge: KnowledgeService) -> FaqCog:
    services = build_services(Settings(), db, knowledge)
    services.ask = AskService(knowledge, FakeEvents(), db, services.chapter_kb)  # type: ignore[arg-type]
    bot = MagicMock(spec=JetBot)
    bot.services = services
    bot.user = None
    return FaqCog(bot)


def organiser() -> MagicMock:
    return make_member(permissions=discord.Permissions(manage_guild=True))


# -- the ask service -------------------------------------------------------------------------------
async def test_events_answer_first_when_the_question_is_about_one(db: Database, knowledge: KnowledgeService) -> None:
    events = FakeEvents(FakeEventAnswer("Networking night", "Fri 5 Dec, 18:30"))
    result = await AskService(knowledge, events, db).ask(7, "when is the next networking night?")
    assert result.event is not None and result.answer is None and result.matched
    assert events.asked == [(7, "when is the next networking night?")]


async def test_knowledge_answers_when_events_do_not(db: Database, knowledge: KnowledgeService) -> None:
    result = await AskService(knowledge, FakeEvents(), db).ask(7, "what does a CIR do")
    assert result.matched and result.answer is not None and result.answer.entry.id == "cir-role"


async def test_declined_questions_are_recorded_per_server_without_user(db: Database,
                                                                       knowledge: KnowledgeService) -> None:
    service = AskService(knowledge, FakeEvents(), db)
    result = await service.ask(7, "best ramen in Sapporo?")
    assert not result.matched
    await service.ask(None, "best ramen in Sapporo?")  # command line: no server, nothing recorded
    assert await db.unanswered.top(7) == [("best ramen in Sapporo?", 1)]
    assert await db.unanswered.top(8) == []


@pytest.mark.parametrize("question", ["", "   ", "x" * 301])
async def test_empty_or_huge_questions_get_a_clear_message(db: Database, knowledge: KnowledgeService,
                                                           question: str) -> None:
    with pytest.raises(UserError):
        await AskService(knowledge, FakeEvents(), db).ask(7, question)


# -- /ask --------------------------------------------------------------------------------------------
async def test_ask_answers_publicly_with_title_and_source(cog: FaqCog) -> None:
    interaction = make_interaction(cog.bot)
    await cog.ask.callback(cog, interaction, question="what does a CIR do?")
    reply = sent_kwargs(interaction)
    embed: discord.Embed = reply["embed"]
    assert embed.title.startswith("Coordinator for International Relations")
    assert "translating" in embed.description and embed.footer.text == "Source: test document"
    assert reply.get("ephemeral") is not True
    assert reply["allowed_mentions"].everyone is False and reply["allowed_mentions"].roles is False


async def test_ask_private_option_is_ephemeral(cog: FaqCog) -> None:
    interaction = make_interaction(cog.bot)
    await cog.ask.callback(cog, interaction, question="CLAIR", private=True)
    assert sent_kwargs(interaction)["ephemeral"] is True


async def test_unsure_reply_offers_suggestion_buttons_that_show_the_answer(cog: FaqCog) -> None:
    interaction = make_interaction(cog.bot)
    await cog.ask.callback(cog, interaction, question="international relations coordinator salary in Osaka")
    reply = sent_kwargs(interaction)
    assert reply["ephemeral"] is True and "not sure" in reply["embed"].title.lower()
    buttons = [item for item in reply["view"].children if isinstance(item, SuggestionButton)]
    assert buttons and buttons[0].custom_id.startswith("jetbot:kb:")
    click = make_interaction(cog.bot)
    await buttons[0].callback(click)
    shown = sent_kwargs(click)
    assert shown["ephemeral"] is True and shown["embed"].title == cog.services.knowledge.get(buttons[0].entry_id).title


async def test_suggestion_button_for_a_removed_entry_says_so(cog: FaqCog) -> None:
    click = make_interaction(cog.bot)
    await SuggestionButton("no-such-entry").callback(click)
    assert "no longer" in sent_kwargs(click)["content"]


async def test_suggestion_button_custom_id_round_trips() -> None:
    button = SuggestionButton("cir-role", "CIR")
    match = SuggestionButton.__discord_ui_compiled_template__.fullmatch(button.custom_id)
    assert match is not None and match["entry_id"] == "cir-role" and len(button.custom_id) <= 100


async def test_autocomplete_offers_at_most_25_titles(cog: FaqCog) -> None:
    choices = await cog.ask_autocomplete(make_interaction(cog.bot), "coord")
    assert 1 <= len(choices) <= 25
    assert choices[0].name.startswith("Coordinator for International Relations")


# -- mentions -----------------------------------------------------------------------------------------
def message_to(cog: FaqCog, content: str, *, mentioned: bool) -> MagicMock:
    """A server message, as the gateway delivers it, to the bot (id 999) or not."""
    me = MagicMock(spec=discord.ClientUser)
    me.id = 999
    cog.bot.user = me
    message = MagicMock(spec=discord.Message)
    message.author = make_member()
    message.mentions = [me] if mentioned else []
    message.content = content
    message.guild = MagicMock(spec=discord.Guild, id=1)
    message.reply = AsyncMock()
    return message


async def test_a_mention_is_answered_without_pinging(cog: FaqCog) -> None:
    message = message_to(cog, "<@999> what does an ALT do?", mentioned=True)
    await cog.on_message(message)
    kwargs = message.reply.await_args.kwargs
    assert kwargs["embed"].title.startswith("Assistant Language Teacher")
    assert kwargs["mention_author"] is False and kwargs["allowed_mentions"].everyone is False


async def test_messages_without_a_mention_are_ignored(cog: FaqCog) -> None:
    message = message_to(cog, "what does an ALT do?", mentioned=False)
    await cog.on_message(message)
    message.reply.assert_not_awaited()


# -- the real bot, without a connection --------------------------------------------------------------
async def test_every_cog_loads_in_the_real_bot(db: Database, knowledge: KnowledgeService) -> None:
    bot = JetBot(build_services(Settings(), db, knowledge), sync_commands=False)
    try:
        await bot.setup_hook()
        assert set(bot.extensions) == set(discover_cogs())
        names = {cmd.name for cmd in bot.tree.get_commands()}
        assert {"ask", "kb", "chapter"} <= names
        for cmd in bot.tree.walk_commands():
            assert 1 <= len(cmd.name) <= 32 and cmd.name == cmd.name.lower()
            assert 1 <= len(cmd.description) <= 100
    finally:
        await bot.close()
