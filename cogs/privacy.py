"""/privacy: a member sees or erases what jetbot stores about them in this server. Glue over ``bot.privacy``."""

from __future__ import annotations

import io
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import JetBot, JetView, guild_id_of, send_ephemeral
from bot.privacy import SCOPE_NOTE, ErasureReport, PrivacyService

CONFIRM_SECONDS = 300
DELETE_WARNING = (
    "This erases everything jetbot stores about you **in this server**: your newsletter sign-up (address, "
    "name, consent record and its history) and your event RSVPs (events you created stay, without your name). "
    "It cannot be undone. "
    "Other servers that use jetbot are not affected: run `/privacy delete` there too if you want."
)


def erasure_text(report: ErasureReport) -> str:
    lines = "\n".join(f"• {line}" for line in report.lines())
    return f"Done. Erased from this server's jetbot data:\n{lines}\nNothing of yours remains in it. {SCOPE_NOTE}"


def announce_promotions(bot: JetBot, guild_id: int, report: ErasureReport) -> None:
    """Places freed by an erasure go to the waitlist (decided, and their DMs queued, in the erasure's
    transaction): the events cog refreshes those posts and delivers the DMs."""
    if report.promotions:
        bot.dispatch("jetbot_event_changed", guild_id, sorted(report.promotions))


class ConfirmErase(JetView):
    """Two buttons under the warning; only the member who asked can press them."""

    def __init__(self, privacy: PrivacyService, owner_id: int, bot: JetBot | None = None) -> None:
        super().__init__(timeout=CONFIRM_SECONDS)
        self.privacy = privacy
        self.owner_id = owner_id
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        return interaction.user.id == self.owner_id

    @discord.ui.button(label="Delete my data", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        report = await self.privacy.erase_member(guild_id_of(interaction), interaction.user.id)
        self.stop()
        await interaction.response.edit_message(content=erasure_text(report), view=None)
        if self.bot is not None:
            announce_promotions(self.bot, guild_id_of(interaction), report)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Cancelled: nothing was deleted.", view=None)


class PrivacyCog(commands.Cog):
    privacy = app_commands.Group(name="privacy", description="See or erase what jetbot stores about you here",
                                 guild_only=True)

    def __init__(self, bot: JetBot) -> None:
        self.bot = bot
        self.service = bot.services.privacy

    @privacy.command(name="export", description="Get everything jetbot stores about you in this server, as a file")
    async def export(self, interaction: discord.Interaction[JetBot]) -> None:
        data = await self.service.export_file(guild_id_of(interaction), interaction.user.id)
        await send_ephemeral(
            interaction,
            f"Here is everything jetbot stores about you in this server. {SCOPE_NOTE}",
            file=discord.File(io.BytesIO(data), filename=f"jetbot-my-data-{interaction.guild_id}.json"),
        )

    @privacy.command(name="delete", description="Erase everything jetbot stores about you in this server")
    async def delete(self, interaction: discord.Interaction[JetBot]) -> None:
        view = ConfirmErase(self.service, interaction.user.id, self.bot)
        await send_ephemeral(interaction, DELETE_WARNING, view=view)


async def setup(bot: JetBot) -> None:
    await bot.add_cog(PrivacyCog(bot))
