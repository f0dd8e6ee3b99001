"""/calendar: the chapter's calendar feed and public event pages (organisers only, replies private).

Thin glue over ``bot.feed.FeedService``; the web server (``bot/web.py``) serves what the links point at.
"""

from __future__ import annotations

from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import JetBot, guild_id_of, organiser_only, send_ephemeral
from bot.event_time import unix
from bot.feed import FeedService, public_url_of
from bot.markdown import escape as escape_md


def feed_service(bot: JetBot) -> FeedService:
    """The bot's feed service (the web server's own, when it runs, so both print the same links)."""
    web = getattr(bot, "web", None)
    if web is not None:
        return web.feed
    services = bot.services
    existing: FeedService | None = getattr(services, "feed", None)
    if existing is not None:
        return existing
    return FeedService(services.db, services.events, public_url=public_url_of(services.settings),
                       clock=services.clock)


SUBSCRIBE_HELP = (
    "**How members subscribe** (once; new and changed events then appear by themselves):\n"
    "• Google Calendar (computer): *Other calendars* **+** → *From URL* → paste the link.\n"
    "• Apple Calendar: *File → New Calendar Subscription* (Mac) or *Settings → Calendar → Accounts → "
    "Add Subscribed Calendar* (iPhone).\n"
    "• Outlook: *Add calendar → Subscribe from web*.\n"
    "Anyone with the link can see the chapter's events (never who is going). If it leaks, "
    "`/calendar rotate` makes a new one and the old link stops working at once."
)


class CalendarCog(commands.Cog):
    calendar = app_commands.Group(name="calendar", description="The chapter's calendar feed and event pages",
                                  guild_only=True)

    def __init__(self, bot: JetBot) -> None:
        self.bot = bot

    @property
    def service(self) -> FeedService:
        return feed_service(self.bot)

    @calendar.command(name="feed", description="Get the link members use to subscribe to the chapter's events")
    @organiser_only("manage_events")
    async def feed(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        name = interaction.guild.name if interaction.guild is not None else None
        url = await self.service.feed_link(guild_id, name)
        lines = [f"**Calendar feed:** <{url}>", "", SUBSCRIBE_HELP]
        links = await self.service.upcoming_links(guild_id, limit=5)
        if links:
            lines += ["", "**Event pages** (share these anywhere; they show no member names):"]
            lines += [f"• {escape_md(e.title)} (<t:{unix(e.start_at)}:d>): <{link}>" for e, link in links]
        await send_ephemeral(interaction, "\n".join(lines)[:2000])

    @calendar.command(name="rotate", description="Replace the feed and event page links; the old ones stop working")
    @organiser_only("manage_events")
    async def rotate(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        url = await self.service.rotate(guild_id)
        await send_ephemeral(
            interaction,
            f"Done: the old calendar link and event page links no longer work.\n**New calendar feed:** <{url}>\n"
            "Members who subscribed need to subscribe again with the new link.",
        )

    @calendar.command(name="page", description="Get the public page of an event (to share outside Discord)")
    @app_commands.describe(event="The event")
    @organiser_only("manage_events")
    async def page(self, interaction: discord.Interaction, event: int) -> None:
        guild_id = guild_id_of(interaction)
        url = await self.service.page_link(guild_id, event)
        await send_ephemeral(interaction, f"**Event page:** <{url}>\nIt shows the time, place, description and "
                                          "places left, never who is going.")

    @page.autocomplete("event")
    async def _event_autocomplete(self, interaction: discord.Interaction, current: str
                                  ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        pairs = await self.bot.services.events.autocomplete(interaction.guild_id, current, include_cancelled=True)
        return [app_commands.Choice(name=label, value=eid) for label, eid in pairs]

    @commands.Cog.listener()
    async def on_jetbot_reminders_ran(self, when: datetime) -> None:
        """The events cog's reminder loop ran: ``/healthz`` reports it."""
        web = getattr(self.bot, "web", None)
        if web is not None:
            web.health.reminders_ran(when)


async def setup(bot: JetBot) -> None:
    await bot.add_cog(CalendarCog(bot))
