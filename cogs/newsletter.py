"""/newsletter: members sign up and leave; organisers export the list and see counts.

Thin glue over ``bot.newsletter``: every reply is ephemeral, because most of them hold an email address.
"""

from __future__ import annotations

import io
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.client import JetBot, guild_id_of, organiser_only, send_ephemeral
from cogs._newsletter_views import (
    SubscribeModal,
    UnsubscribeButton,
    status_text,
    unsubscribe_view,
    unsubscribed_text,
)

FORMAT_NOTES = {
    "listmonk": "Import it in listmonk under Subscribers → Import (mode *Subscribe*, delimiter `,`).",
    "mailchimp": "Import it in Mailchimp under Audience → Add contacts → Import contacts → Upload a file.",
}


class NewsletterCog(commands.Cog):
    newsletter = app_commands.Group(name="newsletter", description="This chapter's newsletter", guild_only=True)

    def __init__(self, bot: JetBot) -> None:
        self.bot = bot
        self.service = bot.services.newsletter

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(UnsubscribeButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(UnsubscribeButton)

    # -- members ---------------------------------------------------------------------------------
    @newsletter.command(name="subscribe", description="Sign up for this chapter's newsletter (or change your address)")
    async def subscribe(self, interaction: discord.Interaction[JetBot]) -> None:
        current = await self.service.status(guild_id_of(interaction), interaction.user.id)
        modal = SubscribeModal(
            consent_text=self.service.consent_text,
            version=await self.service.consent_version(),
            email=current.email if current is not None and current.active else "",
            name=current.name if current is not None else "",
        )
        await interaction.response.send_modal(modal)  # a modal must be the first response

    @newsletter.command(name="unsubscribe", description="Stop getting this chapter's newsletter, right away")
    async def unsubscribe(self, interaction: discord.Interaction[JetBot]) -> None:
        sub = await self.service.unsubscribe(guild_id_of(interaction), interaction.user.id,
                                             channel_id=interaction.channel_id)
        await send_ephemeral(interaction, unsubscribed_text(sub))

    @newsletter.command(name="status", description="Whether (and with which address) you're signed up here")
    async def status(self, interaction: discord.Interaction[JetBot]) -> None:
        sub = await self.service.status(guild_id_of(interaction), interaction.user.id)
        if sub is not None and sub.active:
            await send_ephemeral(interaction, status_text(sub), view=unsubscribe_view())
        else:
            await send_ephemeral(interaction, status_text(sub))

    # -- organisers ------------------------------------------------------------------------------
    @newsletter.command(name="export", description="Organisers: download the list as a CSV for listmonk or Mailchimp")
    @app_commands.describe(format="Which mailing tool will import the file",
                           members="Active subscribers (default), or those who left, to remove them in your tool")
    @organiser_only("manage_guild")
    async def export(self, interaction: discord.Interaction[JetBot], format: Literal["listmonk", "mailchimp"],
                     members: Literal["active", "unsubscribed"] = "active") -> None:
        result = await self.service.export(guild_id_of(interaction), format, members)
        if result.count == 0:
            await send_ephemeral(interaction, f"There are no {members} subscribers in this server yet.")
            return
        who = "subscriber" if members == "active" else "unsubscribed member"
        note = FORMAT_NOTES[format]
        if members == "unsubscribed":
            note = ("Use it to remove these people in your mailing tool (listmonk: import with mode *Blocklist*; "
                    "Mailchimp: import and set their status to *Unsubscribed*).")
        await send_ephemeral(
            interaction,
            f"{result.count} {who}{'s' if result.count != 1 else ''} of this server, for {format}. {note}\n"
            "Keep this file private: it holds members' email addresses.",
            file=discord.File(io.BytesIO(result.data), filename=result.filename),
        )

    @newsletter.command(name="stats", description="Organisers: how many are signed up")
    @organiser_only("manage_guild")
    async def stats(self, interaction: discord.Interaction[JetBot]) -> None:
        s = await self.service.stats(guild_id_of(interaction))
        await send_ephemeral(
            interaction,
            f"**Active subscribers:** {s.active}\n**Unsubscribed:** {s.unsubscribed}\n"
            f"**Joined this month** (first signed up since {format_dt(s.month_start, 'D')}, still subscribed): "
            f"{s.joined_this_month}",
        )


async def setup(bot: JetBot) -> None:
    await bot.add_cog(NewsletterCog(bot))
