"""/chapter: a server's settings (time zone, organiser role, reminder times)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.chapter import format_offset, suggest_timezones
from bot.client import JetBot, guild_id_of, organiser_only, send_ephemeral


class ChapterCog(commands.Cog):
    chapter = app_commands.Group(name="chapter", description="This chapter's jetbot settings", guild_only=True)

    def __init__(self, bot: JetBot) -> None:
        self.bot = bot
        self.service = bot.services.chapter

    @chapter.command(name="settings", description="Show this server's jetbot settings")
    async def show(self, interaction: discord.Interaction[JetBot]) -> None:
        s = await self.service.get(guild_id_of(interaction))
        role = f"<@&{s.organiser_role_id}>" if s.organiser_role_id else "not set (Manage Server / Manage Events)"
        reminders = ", ".join(format_offset(m) for m in s.reminder_offsets) or "off"
        await send_ephemeral(
            interaction,
            f"**Time zone:** {s.timezone}\n**Organiser role:** {role}\n**Event reminders:** {reminders} before",
        )

    @chapter.command(name="timezone", description="Set the time zone event times are read in")
    @app_commands.describe(name="An IANA name such as Europe/London or America/New_York")
    @organiser_only("manage_guild")
    async def timezone(self, interaction: discord.Interaction[JetBot], name: app_commands.Range[str, 1, 64]) -> None:
        tz = await self.service.set_timezone(guild_id_of(interaction), name)
        await send_ephemeral(interaction, f"Event times in this server are now read in **{tz}**.")

    @timezone.autocomplete("name")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction[JetBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=tz, value=tz) for tz in suggest_timezones(current)]

    @chapter.command(name="organiser-role", description="Choose the role whose members count as organisers")
    @app_commands.describe(role="Leave empty to clear it")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def organiser_role(self, interaction: discord.Interaction[JetBot], role: discord.Role | None = None) -> None:
        await self.service.set_organiser_role(guild_id_of(interaction), role.id if role else None)
        if role is None:
            await send_ephemeral(interaction, "Organiser role cleared: only Manage Server / Manage Events count now.")
        else:
            await send_ephemeral(interaction, f"Members with {role.mention} can now manage events, the newsletter "
                                              "and the knowledge base in this server.")

    @chapter.command(name="reminders", description="When members who are going get a reminder DM")
    @app_commands.describe(times="e.g. 24h, 1h  — or none to turn reminders off")
    @organiser_only("manage_events")
    async def reminders(self, interaction: discord.Interaction[JetBot], times: app_commands.Range[str, 1, 100]) -> None:
        offsets = await self.service.set_reminders(guild_id_of(interaction), times)
        if not offsets:
            await send_ephemeral(interaction, "Event reminders are off in this server.")
        else:
            await send_ephemeral(interaction, "Members who are going will be reminded "
                                              + ", ".join(format_offset(m) for m in offsets) + " before each event.")


async def setup(bot: JetBot) -> None:
    await bot.add_cog(ChapterCog(bot))
