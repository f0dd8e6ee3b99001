"""Components for chapter knowledge: the entry form, Helpful / Not helpful votes, one-click approvals.

Buttons are ``DynamicItem``s whose custom_id carries what they act on (``jetbot:kbv:<entry>:y``,
``jetbot:kbc:<pairing>:approve``), so answers and approval lists posted before a restart keep working.
Every organiser action re-checks the permission when it acts, not only when the form was opened.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.chapter_kb import EntryDraft, split_aliases, split_lines
from bot.client import (
    NO_MENTIONS,
    JetModal,
    OrganiserOnly,
    guarded,
    guild_id_of,
    is_organiser,
    send_ephemeral,
    services_of,
)
from bot.knowledge.model import MAX_ANSWER, MAX_TITLE, is_chapter_entry

if TYPE_CHECKING:
    from bot.knowledge import Entry
    from bot.services import Services
    from bot.storage.chapter_kb import EntryRow, UnansweredRow

COLOUR = discord.Colour.from_rgb(188, 0, 45)
CHAPTER_COLOUR = discord.Colour.teal()
ORGANISER_ONLY = ("Sorry, only organisers can do that. You need the **Manage Server** permission or the server's "
                  "organiser role (an admin can set it with `/chapter organiser-role`).")


async def require_organiser(interaction: discord.Interaction) -> int:
    """Re-check at the moment of acting; returns the server id."""
    if interaction.guild is None or not await is_organiser(interaction, "manage_guild"):
        raise OrganiserOnly(ORGANISER_ONLY)
    return interaction.guild.id


def source_line(entry: Entry, server_name: str | None) -> str:
    """Chapter entries come from the server's organisers, shared ones from the documents."""
    if is_chapter_entry(entry):
        return f"From the {server_name or 'server'} organisers (not from the JET documents)"
    return f"Source: {entry.citation}"


def entry_embed(entry: Entry, server_name: str | None = None) -> discord.Embed:
    colour = CHAPTER_COLOUR if is_chapter_entry(entry) else COLOUR
    embed = discord.Embed(title=entry.title[:256], description=entry.answer[:4096], colour=colour)
    embed.set_footer(text=source_line(entry, server_name)[:2048])
    return embed


def row_embed(row: EntryRow, server_name: str) -> discord.Embed:
    """An organiser's view of their entry: the answer plus what members may type, and who/when."""
    embed = discord.Embed(title=row.title[:256], description=row.answer[:3500], colour=CHAPTER_COLOUR)
    esc = discord.utils.escape_markdown
    embed.add_field(name="Questions", value="\n".join(f"- {esc(q)}" for q in row.questions)[:1024] or "-",
                    inline=False)
    embed.add_field(name="Aliases", value=", ".join(esc(a) for a in row.aliases)[:1024] or "-", inline=False)
    by = f"<@{row.updated_by}>" if row.updated_by else "an organiser"
    embed.add_field(name="Last edited", value=f"{by}, <t:{int(row.updated_at.timestamp())}:R>", inline=False)
    embed.set_footer(text=f"id: {row.entry_id} · from the {server_name} organisers"[:2048])
    return embed


# -- the entry form --------------------------------------------------------------------------------
class EntryModal(JetModal):
    """Add or edit a chapter entry: the YAML fields an organiser writes (id, category, source are set)."""

    def __init__(self, services: Services, *, entry: EntryRow | None = None, question: str = "",
                 question_key: int | None = None) -> None:
        editing = entry is not None
        super().__init__(title="Edit chapter entry" if editing else "New chapter entry", timeout=1800,
                         custom_id=f"jetbot:kbform:{entry.entry_id if entry else 'new'}"[:100])
        self.services = services
        self.entry_id = entry.entry_id if entry else None
        self.question_key = question_key  # started from this unanswered question
        self.title_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Title", custom_id="title", max_length=MAX_TITLE, default=entry.title if entry else None,
            placeholder="e.g. Pub night")
        self.answer_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Answer", custom_id="answer", style=discord.TextStyle.paragraph, max_length=MAX_ANSWER,
            default=entry.answer if entry else None, placeholder="What members should be told.")
        questions = "\n".join(entry.questions) if entry else question
        self.questions_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Questions members ask (one a line)", custom_id="questions", style=discord.TextStyle.paragraph,
            max_length=4000, default=questions or None, placeholder="when is pub night?\nwhere do we meet for drinks")
        self.aliases_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Aliases (comma-separated, optional)", custom_id="aliases", required=False, max_length=1000,
            default=", ".join(entry.aliases) if entry else None, placeholder="pub night, drinks")
        for item in (self.title_input, self.answer_input, self.questions_input, self.aliases_input):
            self.add_item(item)

    def draft(self) -> EntryDraft:
        title = self.title_input.value.strip()
        aliases = split_aliases(self.aliases_input.value or "") or ((title,) if title else ())
        return EntryDraft(title=title, answer=self.answer_input.value.strip(),
                          questions=split_lines(self.questions_input.value), aliases=aliases)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        guild_id = await require_organiser(interaction)
        service = self.services.chapter_kb
        if self.entry_id is None:
            row = await service.add(guild_id, interaction.user.id, self.draft(), question_key=self.question_key)
            text = f"Added. Members asking here now get this answer (id `{row.entry_id}`)."
        else:
            row = await service.edit(guild_id, interaction.user.id, self.entry_id, self.draft())
            text = "Saved. The new text is in use now."
        name = interaction.guild.name if interaction.guild else "server"
        await send_ephemeral(interaction, text, embed=row_embed(row, name))


# -- Helpful / Not helpful --------------------------------------------------------------------------
class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=r"jetbot:kbv:(?P<entry_id>[a-z0-9-]{1,80}):(?P<vote>[yn])"):
    """One vote per member per answer; the counts shown carry no names."""

    def __init__(self, entry_id: str, helpful: bool) -> None:
        super().__init__(discord.ui.Button(
            label="Helpful" if helpful else "Not helpful", emoji="👍" if helpful else "👎",
            style=discord.ButtonStyle.secondary, custom_id=f"jetbot:kbv:{entry_id}:{'y' if helpful else 'n'}"))
        self.entry_id = entry_id
        self.helpful = helpful

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> VoteButton:
        return cls(match["entry_id"], match["vote"] == "y")

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        changed, yes, no = await services_of(interaction).chapter_kb.vote(
            guild_id, interaction.user.id, self.entry_id, self.helpful)
        word = "helpful" if self.helpful else "not helpful"
        head = f"Thanks, noted as {word}." if changed else f"You already marked this {word}."
        await send_ephemeral(interaction, f"{head} So far: 👍 {yes} · 👎 {no}. "
                                          "(Votes are counted per answer; nobody sees who voted.)")


def vote_buttons(entry_id: str) -> list[VoteButton]:
    if len(f"jetbot:kbv:{entry_id}:y") > 100:
        return []
    return [VoteButton(entry_id, True), VoteButton(entry_id, False)]


# -- approving what members chose --------------------------------------------------------------------
class ChoiceButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                   template=r"jetbot:kbc:(?P<choice>\d{1,18}):(?P<action>approve|dismiss)"):
    """Approve (the question becomes a phrasing of the entry in this server) or dismiss a pairing."""

    def __init__(self, choice_id: int, approve: bool, label: str | None = None) -> None:
        super().__init__(discord.ui.Button(
            label=(label or ("Approve" if approve else "Dismiss"))[:80],
            style=discord.ButtonStyle.success if approve else discord.ButtonStyle.secondary,
            custom_id=f"jetbot:kbc:{choice_id}:{'approve' if approve else 'dismiss'}"))
        self.choice_id = choice_id
        self.approve = approve

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> ChoiceButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(int(match["choice"]), match["action"] == "approve", label)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        guild_id = await require_organiser(interaction)
        service = services_of(interaction).chapter_kb
        row, decided = await service.decide_choice(guild_id, interaction.user.id, self.choice_id, self.approve)
        question = discord.utils.escape_markdown(row.example)
        if not decided:
            text = f"That one was already {row.status}."
        elif self.approve:
            text = f"Approved: “{question}” now gets that answer in this server."
        else:
            text = f"Dismissed: “{question}”."
        await send_ephemeral(interaction, text, allowed_mentions=NO_MENTIONS)


# -- acting on what members missed ---------------------------------------------------------------------
def unanswered_line(row: UnansweredRow) -> str:
    return (f"**{row.count}×** {discord.utils.escape_markdown(row.example)[:120]} · "
            f"last <t:{int(row.last_asked.timestamp())}:R>")


def pick_view(rows: list[UnansweredRow]) -> discord.ui.View:
    """Under /kb unanswered: choose a question to act on."""
    view = discord.ui.View(timeout=None)
    view.add_item(UnansweredPick([discord.SelectOption(label=f"{r.count}× {r.example}"[:100], value=str(r.key))
                                  for r in rows[:25]]))
    return view


class UnansweredPick(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"jetbot:kbu:pick"):
    """Which missed question to act on; the answer offers the actions for it."""

    def __init__(self, options: list[discord.SelectOption]) -> None:
        super().__init__(discord.ui.Select(custom_id="jetbot:kbu:pick", placeholder="Act on a question…",
                                           options=options or [discord.SelectOption(label="-")]))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> UnansweredPick:
        return cls(list(item.options) if isinstance(item, discord.ui.Select) else [])

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        guild_id = await require_organiser(interaction)
        [key] = self.item.values
        question, candidates, shared = await services_of(interaction).chapter_kb.attach_candidates(guild_id, key)
        view = discord.ui.View(timeout=None)
        if candidates:
            view.add_item(UnansweredAttach(question.key, propose=False, entries=candidates))
        if shared:
            view.add_item(UnansweredAttach(question.key, propose=True, entries=shared))
        view.add_item(UnansweredButton(question.key, "new"))
        view.add_item(UnansweredButton(question.key, "dismiss"))
        await send_ephemeral(interaction, unanswered_line(question) + "\nAttach it to the entry that answers it, "
                                          "start a new entry from it, or dismiss it as noise.", view=view)


class UnansweredAttach(discord.ui.DynamicItem[discord.ui.Select[Any]],
                       template=r"jetbot:kbu:(?P<key>\d{1,18}):(?P<scope>here|propose)"):
    """Attach the question to the chosen entry: this server only, or also proposed for the shared base."""

    def __init__(self, key: int, *, propose: bool, entries: list[Entry] | None = None,
                 options: list[discord.SelectOption] | None = None) -> None:
        if options is None:
            options = [discord.SelectOption(label=e.title[:100], value=e.id,
                                            description="this server's own" if is_chapter_entry(e) else None)
                       for e in (entries or [])[:25]]
        placeholder = ("Attach, and propose it for the shared knowledge base…" if propose
                       else "Attach to an entry (this server only)…")
        super().__init__(discord.ui.Select(custom_id=f"jetbot:kbu:{key}:{'propose' if propose else 'here'}",
                                           placeholder=placeholder,
                                           options=options or [discord.SelectOption(label="-")]))
        self.key = key
        self.propose = propose

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> UnansweredAttach:
        options = list(item.options) if isinstance(item, discord.ui.Select) else []
        return cls(int(match["key"]), propose=match["scope"] == "propose", options=options)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        guild_id = await require_organiser(interaction)
        [entry_id] = self.item.values
        asked, target = await services_of(interaction).chapter_kb.attach(
            guild_id, interaction.user.id, self.key, entry_id, propose=self.propose)
        esc = discord.utils.escape_markdown
        extra = " It is also proposed for the shared knowledge base." if self.propose else ""
        await send_ephemeral(interaction, f"Done: “{esc(asked.example)}” now gets **{esc(target.title)}** "
                                          f"in this server.{extra}")


class UnansweredButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                       template=r"jetbot:kbu:(?P<key>\d{1,18}):(?P<action>new|dismiss)"):
    """Start a chapter entry with the question filled in, or dismiss the question as noise."""

    def __init__(self, key: int, action: str) -> None:
        super().__init__(discord.ui.Button(
            label="New entry from it" if action == "new" else "Dismiss (noise)",
            style=discord.ButtonStyle.primary if action == "new" else discord.ButtonStyle.secondary,
            custom_id=f"jetbot:kbu:{key}:{action}"))
        self.key = key
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> UnansweredButton:
        return cls(int(match["key"]), match["action"])

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        guild_id = await require_organiser(interaction)
        services = services_of(interaction)
        if self.action == "new":
            question = await services.chapter_kb.question(guild_id, self.key)
            await interaction.response.send_modal(EntryModal(services, question=question.example,
                                                             question_key=question.key))
            return
        row = await services.chapter_kb.dismiss(guild_id, self.key)
        await send_ephemeral(interaction, f"Dismissed “{discord.utils.escape_markdown(row.example)}”.")
