"""/ask, mentions, suggestion buttons: Discord glue over ``bot.ask`` (the organisers' /kb is ``cogs/kb.py``)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.ask import MAX_QUESTION_LENGTH, AskResult
from bot.client import NO_MENTIONS, JetBot, describe_error, guarded, send_ephemeral
from bot.errors import UserError
from cogs._kb_views import entry_embed, services_of, vote_buttons

if TYPE_CHECKING:
    from bot.knowledge import Entry, Suggestion

log = logging.getLogger("jetbot.faq")

UNSURE_COLOUR = discord.Colour.light_grey()
EVENT_COLOUR = discord.Colour.blurple()


def answer_embed(entry: Entry, server_name: str | None = None) -> discord.Embed:
    """An answer with where it comes from: the documents, or this server's organisers."""
    return entry_embed(entry, server_name)


def result_embed(result: AskResult, server_name: str | None = None) -> discord.Embed:
    """The embed a person sees for any result: an event, an answer, or an honest 'not sure'."""
    if result.event is not None:
        return discord.Embed(title=result.event.title[:256], description=result.event.text[:4096],
                             colour=EVENT_COLOUR)
    answer = result.answer
    assert answer is not None
    if answer.matched and answer.entry is not None:
        return answer_embed(answer.entry, server_name)
    return discord.Embed(title="I'm not sure about that one", description=answer.text[:4096], colour=UNSURE_COLOUR)


class SuggestionButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                       template=r"jetbot:kb:(?P<entry_id>[a-z0-9-]{1,80})(?::(?P<question>\d{1,18}))?"):
    """'Did you mean…' button. The entry id (and the declined question's row, when it fits) live in the
    custom_id, so it works after a restart and the member's choice can be counted for organisers."""

    def __init__(self, entry_id: str, label: str = "Show this answer", question_key: int | None = None) -> None:
        custom_id = f"jetbot:kb:{entry_id}"
        if question_key is not None and len(f"{custom_id}:{question_key}") <= 100:
            custom_id += f":{question_key}"
        else:
            question_key = None
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.secondary, custom_id=custom_id))
        self.entry_id = entry_id
        self.question_key = question_key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SuggestionButton:
        key = int(match["question"]) if match["question"] else None
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(match["entry_id"], label or "Show this answer", key)

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        services = services_of(interaction)
        guild_id = interaction.guild_id
        if guild_id is not None:
            await services.chapter_kb.ensure(guild_id)
        entry = services.knowledge.get(self.entry_id, guild_id)
        if entry is None:
            raise UserError("That topic is no longer in the knowledge base. Try `/ask` again.")
        if guild_id is not None and self.question_key is not None:
            await services.chapter_kb.record_choice(guild_id, self.question_key, self.entry_id)
        name = interaction.guild.name if interaction.guild else None
        await send_ephemeral(interaction, embed=answer_embed(entry, name), **vote_view(entry.id, guild_id))


def vote_view(entry_id: str, guild_id: int | None) -> dict[str, Any]:
    """Helpful / Not helpful under an answer given in a server (votes are per server)."""
    buttons = vote_buttons(entry_id) if guild_id is not None else []
    if not buttons:
        return {}
    view = discord.ui.View(timeout=None)
    for b in buttons:
        view.add_item(b)
    return {"view": view}


def suggestion_view(suggestions: tuple[Suggestion, ...], question_key: int | None = None) -> discord.ui.View | None:
    if not suggestions:
        return None
    view = discord.ui.View(timeout=None)
    for s in suggestions[:5]:
        view.add_item(SuggestionButton(s.entry_id, s.title, question_key))
    return view


def reply_kwargs(result: AskResult, guild_id: int | None = None, server_name: str | None = None) -> dict[str, Any]:
    """Embed, plus 'did you mean' buttons when unsure or vote buttons under an answer (a view only when
    there is one)."""
    kwargs: dict[str, Any] = {"embed": result_embed(result, server_name)}
    answer = result.answer
    if answer is None or result.event is not None:
        return kwargs
    if answer.matched and answer.entry is not None:
        kwargs.update(vote_view(answer.entry.id, guild_id))
    else:
        view = suggestion_view(answer.suggestions, result.question_key)
        if view is not None:
            kwargs["view"] = view
    return kwargs


class FaqCog(commands.Cog):
    def __init__(self, bot: JetBot) -> None:
        self.bot = bot
        self.services = bot.services

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SuggestionButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SuggestionButton)

    # -- /ask --------------------------------------------------------------------------------------
    @app_commands.command(name="ask", description="Ask about JET, JETAA, CLAIR — or this chapter")
    @app_commands.describe(question="Your question, e.g. what does a CIR do?",
                           private="Only you see the answer (default: everyone in the channel)")
    async def ask(self, interaction: discord.Interaction[JetBot],
                  question: app_commands.Range[str, 1, MAX_QUESTION_LENGTH], private: bool = False) -> None:
        result = await self.services.ask.ask(interaction.guild_id, question)
        name = interaction.guild.name if interaction.guild else None
        kwargs = reply_kwargs(result, interaction.guild_id, name)
        if private or not result.matched:
            await send_ephemeral(interaction, **kwargs)
        else:
            await interaction.response.send_message(allowed_mentions=NO_MENTIONS, **kwargs)

    @ask.autocomplete("question")
    async def ask_autocomplete(self, interaction: discord.Interaction[JetBot], current: str
                               ) -> list[app_commands.Choice[str]]:
        guild_id = interaction.guild_id
        if guild_id is not None:
            await self.services.chapter_kb.ensure(guild_id)
        entries = self.services.knowledge.complete(current, limit=25, guild_id=guild_id)
        return [app_commands.Choice(name=e.title[:100], value=e.title[:100]) for e in entries[:25]]

    # -- mentions ----------------------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or me not in message.mentions:
            return
        question = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        guild_id = message.guild.id if message.guild else None
        try:
            result = await self.services.ask.ask(guild_id, question)
            kwargs = reply_kwargs(result, guild_id, message.guild.name if message.guild else None)
        except Exception as exc:
            # Not an interaction, so the tree's handler cannot reply; the sentence is the same one.
            text, is_bug = describe_error(exc)
            if is_bug:
                log.error("error answering a mention in guild %s", guild_id, exc_info=exc)
            await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        await message.reply(mention_author=False, allowed_mentions=NO_MENTIONS, **kwargs)


async def setup(bot: JetBot) -> None:
    await bot.add_cog(FaqCog(bot))
