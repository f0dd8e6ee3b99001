"""/ask, mentions, and the organisers' /kb commands: Discord glue over ``bot.ask`` and ``bot.knowledge``."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.ask import MAX_QUESTION_LENGTH, AskResult
from bot.client import NO_MENTIONS, JetBot, describe_error, guarded, organiser_only, send_ephemeral
from bot.errors import UserError
from bot.knowledge import KnowledgeError

if TYPE_CHECKING:
    from bot.knowledge import Entry, Suggestion

log = logging.getLogger("jetbot.faq")

ANSWER_COLOUR = discord.Colour.from_rgb(188, 0, 45)  # the red of the Japanese flag
UNSURE_COLOUR = discord.Colour.light_grey()
EVENT_COLOUR = discord.Colour.blurple()
MESSAGE_LIMIT = 2000


def answer_embed(entry: Entry) -> discord.Embed:
    embed = discord.Embed(title=entry.title[:256], description=entry.answer[:4096], colour=ANSWER_COLOUR)
    embed.set_footer(text=f"Source: {entry.citation}"[:2048])
    return embed


def result_embed(result: AskResult) -> discord.Embed:
    """The embed a person sees for any result: an event, an answer, or an honest 'not sure'."""
    if result.event is not None:
        return discord.Embed(title=result.event.title[:256], description=result.event.text[:4096],
                             colour=EVENT_COLOUR)
    answer = result.answer
    assert answer is not None
    if answer.matched and answer.entry is not None:
        return answer_embed(answer.entry)
    return discord.Embed(title="I'm not sure about that one", description=answer.text[:4096], colour=UNSURE_COLOUR)


class SuggestionButton(discord.ui.DynamicItem[discord.ui.Button], template=r"jetbot:kb:(?P<entry_id>[a-z0-9-]{1,80})"):
    """'Did you mean…' button. The entry id lives in the custom_id, so it works after a restart."""

    def __init__(self, entry_id: str, label: str = "Show this answer") -> None:
        super().__init__(discord.ui.Button(
            label=label[:80], style=discord.ButtonStyle.secondary, custom_id=f"jetbot:kb:{entry_id}",
        ))
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> SuggestionButton:
        return cls(match["entry_id"], item.label or "Show this answer")

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        entry = interaction.client.services.knowledge.get(self.entry_id)  # type: ignore[attr-defined]
        if entry is None:
            raise UserError("That topic is no longer in the knowledge base. Try `/ask` again.")
        await send_ephemeral(interaction, embed=answer_embed(entry))


def suggestion_view(suggestions: tuple[Suggestion, ...]) -> discord.ui.View | None:
    if not suggestions:
        return None
    view = discord.ui.View(timeout=None)
    for s in suggestions[:5]:
        view.add_item(SuggestionButton(s.entry_id, s.title))
    return view


def reply_kwargs(result: AskResult) -> dict[str, Any]:
    """Embed, plus 'did you mean' buttons when unsure (a view is only passed when there is one)."""
    kwargs: dict[str, Any] = {"embed": result_embed(result)}
    if not result.matched and result.answer is not None:
        view = suggestion_view(result.answer.suggestions)
        if view is not None:
            kwargs["view"] = view
    return kwargs


class FaqCog(commands.Cog):
    kb = app_commands.Group(name="kb", description="Knowledge base tools for organisers", guild_only=True)

    def __init__(self, bot: JetBot) -> None:
        self.bot = bot
        self.services = bot.services

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(SuggestionButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(SuggestionButton)

    # -- /ask --------------------------------------------------------------------------------------
    @app_commands.command(name="ask", description="Ask about JET, JETAA, CLAIR — or this chapter's events")
    @app_commands.describe(question="Your question, e.g. what does a CIR do?",
                           private="Only you see the answer (default: everyone in the channel)")
    async def ask(self, interaction: discord.Interaction,
                  question: app_commands.Range[str, 1, MAX_QUESTION_LENGTH], private: bool = False) -> None:
        result = await self.services.ask.ask(interaction.guild_id, question)
        kwargs = reply_kwargs(result)
        if private or not result.matched:
            await send_ephemeral(interaction, **kwargs)
        else:
            await interaction.response.send_message(allowed_mentions=NO_MENTIONS, **kwargs)

    @ask.autocomplete("question")
    async def ask_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        entries = self.services.knowledge.complete(current, limit=25)
        return [app_commands.Choice(name=e.title[:100], value=e.title[:100]) for e in entries[:25]]

    # -- mentions ----------------------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or me not in message.mentions:
            return
        question = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        try:
            result = await self.services.ask.ask(message.guild.id if message.guild else None, question)
        except UserError as exc:
            await message.reply(str(exc), mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        except Exception as exc:
            text, _ = describe_error(exc)
            log.exception("error answering a mention in guild %s", message.guild.id if message.guild else None)
            await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        await message.reply(mention_author=False, allowed_mentions=NO_MENTIONS, **reply_kwargs(result))

    # -- /kb ---------------------------------------------------------------------------------------
    @kb.command(name="reload", description="Re-read the knowledge base files (the old one stays if they are broken)")
    @organiser_only("manage_guild")
    async def reload(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            count = await asyncio.to_thread(self.services.knowledge.reload)
        except KnowledgeError as exc:
            lines = "\n".join(exc.problems)
            text = (f"The knowledge base has {len(exc.problems)} problem(s), so I kept the previous version "
                    f"in service:\n```\n{lines}")
            text = text[: MESSAGE_LIMIT - 10] + "\n```"
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        await interaction.followup.send(f"Knowledge base reloaded: {count} entries.", ephemeral=True)

    @kb.command(name="unanswered", description="The questions members asked here that I could not answer")
    @organiser_only("manage_guild")
    async def unanswered(self, interaction: discord.Interaction) -> None:
        top = await self.services.db.unanswered.top(interaction.guild_id, limit=15)
        if not top:
            await send_ephemeral(interaction, "No unanswered questions in this server so far.")
            return
        lines = [f"**{count}×** {discord.utils.escape_markdown(text)[:120]}" for text, count in top]
        await send_ephemeral(interaction, embed=discord.Embed(
            title="Questions I couldn't answer here", description="\n".join(lines)[:4096], colour=UNSURE_COLOUR,
        ).set_footer(text="Add them to knowledge/*.yaml, run `jetbot kb check`, then /kb reload."))


async def setup(bot: JetBot) -> None:
    await bot.add_cog(FaqCog(bot))
