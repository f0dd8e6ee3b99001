"""/kb: organisers look after the knowledge base from Discord — their chapter's own entries, what members
missed, what they chose, and how helpful the answers were. Discord glue over ``bot.chapter_kb``."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.chapter_kb import MAX_UPLOAD_BYTES, PERIODS, ImportProblems
from bot.client import NO_MENTIONS, JetBot, organiser_only, send_ephemeral
from bot.errors import UserError
from bot.knowledge import KnowledgeError
from cogs._kb_views import (
    CHAPTER_COLOUR,
    ChoiceButton,
    EntryModal,
    UnansweredAttach,
    UnansweredButton,
    UnansweredPick,
    VoteButton,
    guild_id_of,
    pick_view,
    row_embed,
    unanswered_line,
)

log = logging.getLogger("jetbot.kb")

MESSAGE_LIMIT = 2000
UNSURE_COLOUR = discord.Colour.light_grey()
CLEANUP_EVERY_HOURS = 6.0
COMPONENTS = (VoteButton, ChoiceButton, UnansweredPick, UnansweredAttach, UnansweredButton)


def problems_text(intro: str, problems: list[str]) -> str:
    """Every problem on its own line in a code block, cut to one message."""
    body, shown = "", 0
    for p in problems:
        if len(intro) + len(body) + len(p) + 60 > MESSAGE_LIMIT:
            break
        body += p.replace("```", "'''") + "\n"
        shown += 1
    more = f"... and {len(problems) - shown} more\n" if shown < len(problems) else ""
    return f"{intro}\n```\n{body}{more}```"


class KbCog(commands.Cog):
    kb = app_commands.Group(name="kb", description="Knowledge base tools for organisers", guild_only=True)

    def __init__(self, bot: JetBot) -> None:
        self.bot = bot
        self.services = bot.services

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*COMPONENTS)
        self.cleanup.start()

    async def cog_unload(self) -> None:
        self.cleanup.cancel()
        self.bot.remove_dynamic_items(*COMPONENTS)

    # -- autocomplete ------------------------------------------------------------------------------
    async def own_entries(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        typed = current.casefold()
        rows = await self.services.chapter_kb.entries(guild_id_of(interaction))
        return [app_commands.Choice(name=r.title[:100], value=r.entry_id) for r in rows
                if typed in r.title.casefold() or typed in r.entry_id][:25]

    async def any_entry(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        guild_id = guild_id_of(interaction)
        await self.services.chapter_kb.ensure(guild_id)
        entries = self.services.knowledge.complete(current, limit=25, guild_id=guild_id)
        return [app_commands.Choice(name=e.title[:100], value=e.id) for e in entries][:25]

    async def missed(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        rows = await self.services.chapter_kb.unanswered(guild_id_of(interaction), 25, current)
        return [app_commands.Choice(name=f"{r.count}× {r.example}"[:100], value=str(r.key)) for r in rows]

    # -- the shared files -------------------------------------------------------------------------
    @kb.command(name="reload", description="Re-read the knowledge base files (the old one stays if they are broken)")
    @organiser_only("manage_guild")
    async def reload(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            count = await asyncio.to_thread(self.services.knowledge.reload)
        except KnowledgeError as exc:
            intro = f"The knowledge base has {len(exc.problems)} problem(s), so I kept the previous version in service:"
            await interaction.followup.send(problems_text(intro, exc.problems), ephemeral=True,
                                            allowed_mentions=NO_MENTIONS)
            return
        await interaction.followup.send(f"Knowledge base reloaded: {count} entries.", ephemeral=True)

    # -- the chapter's own entries ---------------------------------------------------------------
    @kb.command(name="add", description="Add an answer for this server only (a form opens)")
    @app_commands.describe(question="Start from a question members asked that I couldn't answer")
    @app_commands.autocomplete(question=missed)
    @organiser_only("manage_guild")
    async def add(self, interaction: discord.Interaction, question: str | None = None) -> None:
        if not question:
            await interaction.response.send_modal(EntryModal(self.services))
            return
        row = await self.services.chapter_kb.question(guild_id_of(interaction), question)
        await interaction.response.send_modal(EntryModal(self.services, question=row.example, question_key=row.key))

    @kb.command(name="edit", description="Edit one of this server's own entries (a form opens)")
    @app_commands.autocomplete(entry=own_entries)
    @organiser_only("manage_guild")
    async def edit(self, interaction: discord.Interaction, entry: str) -> None:
        row = await self.services.chapter_kb.entry(guild_id_of(interaction), entry)
        await interaction.response.send_modal(EntryModal(self.services, entry=row))

    @kb.command(name="remove", description="Remove one of this server's own entries")
    @app_commands.autocomplete(entry=own_entries)
    @organiser_only("manage_guild")
    async def remove(self, interaction: discord.Interaction, entry: str) -> None:
        row = await self.services.chapter_kb.remove(guild_id_of(interaction), entry)
        await send_ephemeral(interaction, f"Removed **{discord.utils.escape_markdown(row.title)}**. "
                                          "(An export made earlier still has it.)")

    @kb.command(name="list", description="This server's own entries")
    @organiser_only("manage_guild")
    async def list_entries(self, interaction: discord.Interaction) -> None:
        rows = await self.services.chapter_kb.entries(guild_id_of(interaction))
        if not rows:
            await send_ephemeral(interaction, "This server has no entries of its own yet. Add one with `/kb add`.")
            return
        esc = discord.utils.escape_markdown
        lines = [f"**{esc(r.title)}** (`{r.entry_id}`): {esc(r.questions[0])[:80]}" for r in rows]
        text = "\n".join(lines)
        if len(text) > 4000:
            text = text[:3950].rsplit("\n", 1)[0] + "\n… (export the full list with `/kb export`)"
        name = interaction.guild.name if interaction.guild else "server"
        await send_ephemeral(interaction, embed=discord.Embed(
            title=f"{name}: {len(rows)} entr{'y' if len(rows) == 1 else 'ies'} of its own"[:256],
            description=text, colour=CHAPTER_COLOUR))

    @kb.command(name="show", description="Show one of this server's own entries with its questions")
    @app_commands.autocomplete(entry=own_entries)
    @organiser_only("manage_guild")
    async def show(self, interaction: discord.Interaction, entry: str) -> None:
        row = await self.services.chapter_kb.entry(guild_id_of(interaction), entry)
        await send_ephemeral(interaction, embed=row_embed(row, interaction.guild.name if interaction.guild else ""))

    # -- export and import ------------------------------------------------------------------------
    @kb.command(name="export", description="Download this server's entries as a YAML file")
    @organiser_only("manage_guild")
    async def export(self, interaction: discord.Interaction) -> None:
        name = interaction.guild.name if interaction.guild else "server"
        data = await self.services.chapter_kb.export_yaml(guild_id_of(interaction), name)
        await send_ephemeral(interaction, "This server's entries, in the same format as the shipped knowledge "
                                          "base. Edit it and upload it with `/kb import`.",
                             file=discord.File(io.BytesIO(data), filename="chapter-knowledge.yaml"))

    @kb.command(name="import", description="Upload a YAML file of entries (checked first; nothing changes if wrong)")
    @app_commands.describe(file="A .yaml file like the one /kb export gives",
                           mode="merge: add and update entries; replace: the file becomes the whole list")
    @organiser_only("manage_guild")
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment,
                      mode: Literal["merge", "replace"] = "merge") -> None:
        if file.size > MAX_UPLOAD_BYTES:
            raise UserError(f"That file is too big ({file.size // 1024} KB); "
                            f"the limit is {MAX_UPLOAD_BYTES // 1024} KB.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await file.read()
        except discord.HTTPException as exc:
            raise UserError("I couldn't download that file from Discord. Try uploading it again.") from exc
        try:
            result = await self.services.chapter_kb.import_yaml(
                guild_id_of(interaction), interaction.user.id, data, file.filename, replace_all=mode == "replace")
        except ImportProblems as exc:
            intro = f"The file has {len(exc.problems)} problem(s), so nothing was changed:"
            await interaction.followup.send(problems_text(intro, exc.problems), ephemeral=True,
                                            allowed_mentions=NO_MENTIONS)
            return
        await interaction.followup.send(
            f"Imported: {result.added} added, {result.updated} updated, {result.removed} removed.",
            ephemeral=True, allowed_mentions=NO_MENTIONS)

    # -- what members missed ----------------------------------------------------------------------
    @kb.command(name="unanswered", description="The questions members asked here that I could not answer")
    @organiser_only("manage_guild")
    async def unanswered(self, interaction: discord.Interaction) -> None:
        rows = await self.services.chapter_kb.unanswered(guild_id_of(interaction), 15)
        if not rows:
            await send_ephemeral(interaction, "No unanswered questions in this server so far.")
            return
        await send_ephemeral(interaction, view=pick_view(rows), embed=discord.Embed(
            title="Questions I couldn't answer here", description="\n".join(map(unanswered_line, rows))[:4096],
            colour=UNSURE_COLOUR,
        ).set_footer(text="Pick one below to attach it to an entry, start a new entry from it, or dismiss it. "
                          "(Also: /kb attach, /kb add question:, /kb dismiss.)"))

    @kb.command(name="attach", description="Teach me a missed question: it gets an existing entry's answer")
    @app_commands.describe(question="A question from /kb unanswered", entry="The entry that answers it",
                           share="this-server: only here; propose: also suggest it for the shared knowledge base")
    @app_commands.autocomplete(question=missed, entry=any_entry)
    @organiser_only("manage_guild")
    async def attach(self, interaction: discord.Interaction, question: str, entry: str,
                     share: Literal["this-server", "propose"] = "this-server") -> None:
        asked, target = await self.services.chapter_kb.attach(
            guild_id_of(interaction), interaction.user.id, question, entry, propose=share == "propose")
        extra = " It is also proposed for the shared knowledge base." if share == "propose" else ""
        await send_ephemeral(interaction, f"Done: “{discord.utils.escape_markdown(asked.example)}” now gets "
                                          f"**{discord.utils.escape_markdown(target.title)}** in this server.{extra}")

    @kb.command(name="dismiss", description="Drop a missed question from the list (noise)")
    @app_commands.autocomplete(question=missed)
    @organiser_only("manage_guild")
    async def dismiss(self, interaction: discord.Interaction, question: str) -> None:
        row = await self.services.chapter_kb.dismiss(guild_id_of(interaction), question)
        await send_ephemeral(interaction, f"Dismissed “{discord.utils.escape_markdown(row.example)}”.")

    @kb.command(name="suggestions", description="Questions members answered themselves by clicking a suggestion")
    @organiser_only("manage_guild")
    async def suggestions(self, interaction: discord.Interaction) -> None:
        pairs = await self.services.chapter_kb.pending_choices(guild_id_of(interaction), limit=5)
        if not pairs:
            await send_ephemeral(interaction, "Nothing to approve: no question has led members to the same "
                                              "suggestion more than once.")
            return
        esc = discord.utils.escape_markdown
        lines, view = [], discord.ui.View(timeout=None)
        for n, (row, entry) in enumerate(pairs, 1):
            lines.append(f"**{n}.** “{esc(row.example)[:150]}” → **{esc(entry.title)[:100]}** ({row.count} clicks)")
            view.add_item(ChoiceButton(row.id, True, f"Approve {n}"))
            view.add_item(ChoiceButton(row.id, False, f"Dismiss {n}"))
        await send_ephemeral(interaction, view=view, embed=discord.Embed(
            title="Members chose these answers", description="\n".join(lines)[:4096], colour=UNSURE_COLOUR,
        ).set_footer(text="Approve: the question gets that answer here from now on."))

    @kb.command(name="stats", description="How the bot did in this server over a period")
    @app_commands.describe(period="How far back to look")
    @organiser_only("manage_guild")
    async def stats(self, interaction: discord.Interaction,
                    period: Literal["7 days", "30 days", "90 days", "365 days"] = "30 days") -> None:
        s = await self.services.chapter_kb.stats(guild_id_of(interaction), PERIODS[period])
        rate = "no votes yet" if s.helpful_rate is None else f"{s.helpful_rate:.0%} ({s.helpful} 👍 · {s.unhelpful} 👎)"
        embed = discord.Embed(title=f"The last {period}", colour=CHAPTER_COLOUR)
        embed.add_field(name="Questions asked", value=str(s.asked))
        embed.add_field(name="Answered", value=str(s.answered))
        embed.add_field(name="Declined", value=str(s.declined))
        embed.add_field(name="Helpful", value=rate, inline=False)
        if s.most_unhelpful:
            esc = discord.utils.escape_markdown
            embed.add_field(name="Most often voted not helpful", inline=False, value="\n".join(
                f"**{esc(title)[:80]}**: {no} 👎 · {yes} 👍" for _, title, yes, no in s.most_unhelpful)[:1024])
        await send_ephemeral(interaction, embed=embed)

    # -- the bot leaving and rejoining servers ----------------------------------------------------
    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.services.chapter_kb.guild_removed(guild.id)
        log.info("left guild %s: its chapter knowledge is kept 30 days", guild.id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.services.chapter_kb.guild_joined(guild.id)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        await self.services.chapter_kb.guilds_present([g.id for g in self.bot.guilds], owns=self._owns)

    def _owns(self, guild_id: int) -> bool:
        """Whether ``guild_id`` belongs to a shard this process runs (all of them when not sharded)."""
        count = self.bot.shard_count
        if not count or count <= 1:
            return True
        ids = getattr(self.bot, "shard_ids", None) or [self.bot.shard_id]
        return (guild_id >> 22) % count in ids

    @tasks.loop(hours=CLEANUP_EVERY_HOURS)
    async def cleanup(self) -> None:
        await self.services.chapter_kb.purge_expired()

    @cleanup.error
    async def cleanup_failed(self, error: BaseException) -> None:
        log.error("chapter knowledge clean-up failed; it runs again at the next start", exc_info=error)


async def setup(bot: JetBot) -> None:
    await bot.add_cog(KbCog(bot))
